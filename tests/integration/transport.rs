use integration_tests::on_every_store;

use serde_json::{Value, json};

fn body_error(message: &str) -> Value {
    json!({"message": message, "type": "invalid_data"})
}

on_every_store! {
    async fn malformed_json_gets_nodes_parse_message_before_any_other_check(server: TestServer) {
        let post = |body: &'static str| {
            server
                .http
                .post(server.url("/store/customers"))
                .header("content-type", "application/json")
                .body(body)
        };
        assert_eq!(
            server.send(post("{\"email\":")).await,
            (400, body_error("Unexpected end of JSON input"))
        );
        assert_eq!(
            server.send(post("{")).await,
            (
                400,
                body_error("Expected property name or '}' in JSON at position 1")
            )
        );
        assert_eq!(
            server.send(post("\"x\"")).await,
            (
                400,
                body_error("Unexpected token '\"', \"\"x\"\" is not valid JSON")
            )
        );
    }

    async fn bodies_of_other_content_types_reach_validation_as_express_parses_them(server: TestServer) {
        let token = server.registration_token("types@example.com").await;
        let post = |content_type: Option<&str>, body: &'static str| {
            let request = server.store_post("/store/customers", &token).body(body);
            match content_type {
                Some(value) => request.header("content-type", value),
                None => request,
            }
        };
        let invalid = |message: &str| json!({"type": "invalid_data", "message": message});
        assert_eq!(
            server
                .send(post(
                    Some("text/plain"),
                    "{\"email\":\"types@example.com\"}"
                ))
                .await,
            (400, invalid("Invalid request: Field '' is required"))
        );
        assert_eq!(
            server
                .send(post(None, "{\"email\":\"types@example.com\"}"))
                .await,
            (400, invalid("Email is required to create a customer"))
        );
        assert_eq!(
            server
                .send(post(Some("application/x-www-form-urlencoded"), "email=x"))
                .await,
            (400, invalid("Invalid request: Invalid email address"))
        );
        let (status, _) = server
            .send(post(
                Some("application/x-www-form-urlencoded"),
                "email=types%40example.com",
            ))
            .await;
        assert_eq!(status, 200);
    }

    async fn a_body_over_100_kb_is_refused_with_413_and_one_at_the_limit_is_read(server: TestServer) {
        let padded = |size: usize| {
            let mut body =
                String::from("{\"email\":\"big@example.com\",\"password\":\"pw\",\"pad\":\"");
            let closing = "\"}";
            body.push_str(&"x".repeat(size - body.len() - closing.len()));
            body.push_str(closing);
            body
        };
        let post = |body: String| {
            server
                .http
                .post(server.url("/auth/customer/emailpass/register"))
                .header("content-type", "application/json")
                .body(body)
        };
        assert_eq!(
            server.send(post(padded(102_401))).await,
            (
                413,
                json!({"message": "request entity too large", "type": "unknown_error"})
            )
        );
        let (status, _) = server.send(post(padded(102_400))).await;
        assert_eq!(status, 200);
    }

    async fn unknown_routes_and_methods_get_a_json_404_after_the_publishable_key_check(server: TestServer) {
        let (status, body) = server
            .send(server.http.get(server.url("/store/nope")))
            .await;
        assert_eq!((status, body["type"].as_str()), (400, Some("not_allowed")));
        let with_key = |request: reqwest::RequestBuilder| {
            request.header("x-publishable-api-key", &server.publishable_key)
        };
        assert_eq!(
            server
                .send(with_key(server.http.get(server.url("/store/nope"))))
                .await,
            (
                404,
                json!({"type": "not_found", "message": "Cannot GET /store/nope"})
            )
        );
        assert_eq!(
            server
                .send(with_key(server.http.put(server.url("/store/customers"))))
                .await,
            (
                404,
                json!({"type": "not_found", "message": "Cannot PUT /store/customers"})
            )
        );
        assert_eq!(
            server.send(server.http.get(server.url("/nope"))).await,
            (
                404,
                json!({"type": "not_found", "message": "Cannot GET /nope"})
            )
        );
    }

    async fn cors_answers_preflights_and_marks_responses_as_medusa_does(server: TestServer) {
        let preflight = server
            .http
            .request(reqwest::Method::OPTIONS, server.url("/store/customers"))
            .header("origin", "http://localhost:8000")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,x-publishable-api-key",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 204);
        let header = |response: &reqwest::Response, name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            header(&preflight, "access-control-allow-origin").as_deref(),
            Some("http://localhost:8000")
        );
        assert_eq!(
            header(&preflight, "access-control-allow-credentials").as_deref(),
            Some("true")
        );
        assert_eq!(
            header(&preflight, "access-control-allow-methods").as_deref(),
            Some("GET,HEAD,PUT,PATCH,POST,DELETE")
        );
        assert_eq!(
            header(&preflight, "access-control-allow-headers").as_deref(),
            Some("content-type,x-publishable-api-key")
        );
        let refused = server
            .http
            .request(reqwest::Method::OPTIONS, server.url("/store/customers"))
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 204);
        assert_eq!(header(&refused, "access-control-allow-origin"), None);
        let actual = server
            .http
            .post(server.url("/auth/customer/emailpass"))
            .header("origin", "http://localhost:8000")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&actual, "access-control-allow-origin").as_deref(),
            Some("http://localhost:8000")
        );
        assert_eq!(header(&actual, "vary").as_deref(), Some("Origin"));
        assert_eq!(
            header(&actual, "content-type").as_deref(),
            Some("application/json; charset=utf-8")
        );
    }

    /// Express ignores letter case and one trailing slash; Medusa's `/store` middlewares match the path's prefix in
    /// any case, and a path with an empty segment matches neither them nor a route.
    async fn routes_match_as_in_express(server: TestServer) {
        let request = server.http.post(server.url("/Auth/Customer/Emailpass/Register/")).json(&json!({}));
        assert_eq!(server.send(request).await.0, 404, "the actor type and provider keep their case (D4)");
        let request = server.http.post(server.url("/AUTH/customer/emailpass/REGISTER/")).json(&json!({}));
        let (status, body) = server.send(request).await;
        assert_eq!((status, body["message"].as_str()), (401, Some("Password should be a string")));
        let (status, body) = server.send(server.http.get(server.url("/STORE/nope"))).await;
        assert_eq!((status, body["type"].as_str()), (400, Some("not_allowed")));
        let (status, body) = server.send(server.http.get(server.url("//store/customers/me"))).await;
        assert_eq!((status, body["message"].as_str()), (404, Some("Cannot GET //store/customers/me")));
    }

    async fn health_and_the_openapi_document_are_served(server: TestServer) {
        assert_eq!(
            server.send(server.http.get(server.url("/health"))).await,
            (200, json!("OK"))
        );
        let (status, spec) = server
            .send(server.http.get(server.url("/openapi.json")))
            .await;
        assert_eq!(status, 200);
        assert!(spec["paths"]["/store/customers"]["post"].is_object());
    }

}
