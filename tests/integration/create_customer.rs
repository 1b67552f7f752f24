use integration_tests::{claims, keys, on_every_store};

use serde_json::{Value, json};

const DEFAULT_FIELDS: [&str; 12] = [
    "id",
    "email",
    "company_name",
    "first_name",
    "last_name",
    "phone",
    "metadata",
    "has_account",
    "deleted_at",
    "created_at",
    "updated_at",
    "addresses",
];

fn invalid(message: &str) -> Value {
    json!({"type": "invalid_data", "message": message})
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn forged_registration_token(auth_identity_id: &str) -> String {
    let claims = json!({"actor_id": "", "actor_type": "customer", "auth_identity_id": auth_identity_id,
        "exp": chrono_now().timestamp() + 600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"supersecret"),
    )
    .unwrap()
}

on_every_store! {
    async fn creating_a_customer_returns_medusas_default_fields_in_medusas_order(server: TestServer) {
        let token = server.registration_token("ada@example.com").await;
        let body = json!({
            "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "phone": "+44",
            "company_name": "Engines", "metadata": {"bb": 1, "a": {"z": true, "y": null}}
        });
        let (status, answer) = server.create_customer(&token, &body).await;
        assert_eq!(status, 200, "{answer}");
        let customer = &answer["customer"];
        assert_eq!(keys(customer), DEFAULT_FIELDS);
        assert!(customer["id"].as_str().unwrap().starts_with("cus_"));
        assert_eq!(customer["email"], "ada@example.com");
        assert_eq!(customer["has_account"], true);
        assert_eq!(customer["deleted_at"], Value::Null);
        assert_eq!(customer["addresses"], json!([]));
        // Metadata comes back in PostgreSQL jsonb's key order, as Medusa returns it.
        assert_eq!(
            customer["metadata"].to_string(),
            r#"{"a":{"y":null,"z":true},"bb":1}"#
        );
        let created = customer["created_at"].as_str().unwrap();
        assert_eq!(created.len(), "2026-01-01T00:00:00.000Z".len());
        assert!(created.ends_with('Z'));
        assert_eq!(customer["updated_at"], customer["created_at"]);
    }

    async fn unset_fields_are_null_and_the_email_is_kept_as_sent(server: TestServer) {
        let token = server.registration_token("Mixed.Case@Example.COM").await;
        let (status, answer) = server
            .create_customer(&token, &json!({"email": "Mixed.Case@Example.COM"}))
            .await;
        assert_eq!(status, 200);
        for field in [
            "company_name",
            "first_name",
            "last_name",
            "phone",
            "metadata",
        ] {
            assert_eq!(answer["customer"][field], Value::Null, "{field}");
        }
        assert_eq!(answer["customer"]["email"], "Mixed.Case@Example.COM");
    }

    async fn the_publishable_key_is_checked_before_the_credentials_and_the_body(server: TestServer) {
        let revoked = server.app.create_publishable_key("revoked").await.unwrap();
        server
            .app
            .store()
            .revoke_publishable_key(&revoked.id, chrono_now())
            .await
            .unwrap();
        let missing = json!({"type": "not_allowed", "message": "Publishable API key required in the request header: \
            x-publishable-api-key. You can manage your keys in settings in the dashboard."});
        let not_valid = json!({"type": "not_allowed", "message": "A valid publishable key is required to proceed with the request"});
        let post = || {
            server
                .http
                .post(server.url("/store/customers"))
                .json(&json!({"x": 1}))
        };
        assert_eq!(server.send(post()).await, (400, missing.clone()));
        assert_eq!(
            server
                .send(post().header("x-publishable-api-key", ""))
                .await,
            (400, missing)
        );
        assert_eq!(
            server
                .send(post().header("x-publishable-api-key", "pk_nope"))
                .await,
            (400, not_valid.clone())
        );
        assert_eq!(
            server
                .send(post().header("x-publishable-api-key", revoked.token))
                .await,
            (400, not_valid)
        );
    }

    async fn missing_or_refused_credentials_get_medusas_bare_unauthorized(server: TestServer) {
        let unauthorized = json!({"message": "Unauthorized"});
        let post = || {
            server
                .http
                .post(server.url("/store/customers"))
                .header("x-publishable-api-key", &server.publishable_key)
        };
        let body = json!({"email": "x@example.com"});
        assert_eq!(
            server.send(post().json(&body)).await,
            (401, unauthorized.clone())
        );
        for authorization in ["Bearer garbage", "Basic abc", "Bearer", "garbage"] {
            let answer = server
                .send(post().header("authorization", authorization).json(&body))
                .await;
            assert_eq!(answer, (401, unauthorized.clone()), "{authorization}");
        }
    }

    async fn the_body_is_validated_strictly_with_medusas_messages(server: TestServer) {
        let token = server.registration_token("strict@example.com").await;
        let cases = [
            (
                json!({"email": "strict@example.com", "x": 1}),
                "Invalid request: Unrecognized fields: 'x'",
            ),
            (
                json!({"email": "strict@example.com", "first_name": 1}),
                "Invalid request: Expected type: 'string' for field 'first_name', got: '1'",
            ),
            (
                json!({"email": "strict@example.com", "phone": true}),
                "Invalid request: Expected type: 'string' for field 'phone', got: 'true'",
            ),
            (
                json!({"email": "strict@example.com", "metadata": "x"}),
                "Invalid request: Expected type: 'record' for field 'metadata', got: 'x'",
            ),
            (
                json!({"email": ""}),
                "Invalid request: Invalid email address",
            ),
            (
                json!({"email": " strict@example.com"}),
                "Invalid request: Invalid email address",
            ),
            (
                json!({"email": "not-an-email"}),
                "Invalid request: Invalid email address",
            ),
            (
                json!({"email": 5}),
                "Invalid request: Expected type: 'string' for field 'email', got: '5'",
            ),
            (json!([]), "Invalid request: Field '' is required"),
            (
                json!({"x": 1, "y": 2, "phone": 3, "first_name": 4}),
                "Invalid request: Expected type: 'string' for field 'first_name', got: '4'; \
                 Expected type: 'string' for field 'phone', got: '3'; Unrecognized fields: 'x, y'",
            ),
            (json!({}), "Email is required to create a customer"),
            (
                json!({"email": null}),
                "Email is required to create a customer",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(
                server.create_customer(&token, &body).await,
                (400, invalid(message)),
                "{body}"
            );
        }
        let (status, _) = server
            .create_customer(&token, &json!({"email": "strict@example.com"}))
            .await;
        assert_eq!(
            status, 200,
            "none of the refused bodies created the customer"
        );
    }

    async fn unknown_query_parameters_are_refused_after_the_body(server: TestServer) {
        let token = server.registration_token("query@example.com").await;
        let post = |body: Value| {
            server
                .store_post("/store/customers?foo=1&limit=2", &token)
                .json(&body)
        };
        assert_eq!(
            server.send(post(json!({"x": 1}))).await,
            (400, invalid("Invalid request: Unrecognized fields: 'x'"))
        );
        assert_eq!(
            server
                .send(post(json!({"email": "query@example.com"})))
                .await,
            (
                400,
                invalid("Invalid request: Unrecognized fields: 'foo, limit'")
            )
        );
    }

    async fn fields_select_and_order_the_returned_customer(server: TestServer) {
        let token = server.registration_token("fields@example.com").await;
        let request = server.store_post(
            "/store/customers?fields=updated_at,email,nope,*orders",
            &token,
        );
        let (status, answer) = server
            .send(request.json(&json!({"email": "fields@example.com"})))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            keys(&answer["customer"]),
            ["updated_at", "email", "id", "orders"]
        );
    }

    async fn a_token_of_an_existing_customer_cannot_create_another(server: TestServer) {
        server.signed_up_customer("first@example.com").await;
        let (_, login) = server.login("first@example.com", "supersecret").await;
        let token = login["token"].as_str().unwrap();
        let answer = server
            .create_customer(token, &json!({"email": "second@example.com"}))
            .await;
        assert_eq!(
            answer,
            (400, invalid("Request already authenticated as a customer."))
        );
    }

    async fn reusing_a_registration_token_gets_a_clear_client_error_and_creates_nothing(server: TestServer) {
        let token = server.registration_token("once@example.com").await;
        let (status, first) = server
            .create_customer(&token, &json!({"email": "once@example.com"}))
            .await;
        assert_eq!(status, 200);
        let duplicate = json!({"code": "invalid_request_error", "type": "duplicate_error",
            "message": "Customer with this email already has an account"});
        assert_eq!(
            server
                .create_customer(&token, &json!({"email": "once@example.com"}))
                .await,
            (422, duplicate)
        );
        let (status, answer) = server
            .create_customer(&token, &json!({"email": "twice@example.com"}))
            .await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["type"], "invalid_data");
        // The identity still belongs to the first customer, and no customer was left for the other email.
        let (_, login) = server.login("once@example.com", "supersecret").await;
        assert_eq!(
            claims(login["token"].as_str().unwrap())["actor_id"],
            first["customer"]["id"]
        );
        let other = server.registration_token("twice@example.com").await;
        let (status, _) = server
            .create_customer(&other, &json!({"email": "twice@example.com"}))
            .await;
        assert_eq!(status, 200);
    }

    async fn an_email_that_already_has_an_account_is_a_duplicate(server: TestServer) {
        server.signed_up_customer("owner@example.com").await;
        let token = server.registration_token("other@example.com").await;
        let answer = server
            .create_customer(&token, &json!({"email": "owner@example.com"}))
            .await;
        assert_eq!(
            answer,
            (
                422,
                json!({"code": "invalid_request_error", "type": "duplicate_error",
                    "message": "Customer with this email already has an account"})
            )
        );
    }

    async fn a_guest_customer_with_the_same_email_does_not_block_sign_up(server: TestServer) {
        let guest = server
            .app
            .create_guest_customer("guest@example.com")
            .await
            .unwrap()
            .unwrap();
        let token = server.registration_token("guest@example.com").await;
        let (status, answer) = server
            .create_customer(&token, &json!({"email": "guest@example.com"}))
            .await;
        assert_eq!(status, 200);
        assert_ne!(
            answer["customer"]["id"],
            guest.id.as_str(),
            "a new customer, as in Medusa"
        );
        assert_eq!(answer["customer"]["has_account"], true);
    }

    async fn a_token_whose_identity_does_not_exist_is_not_found(server: TestServer) {
        let token = forged_registration_token("authid_01M8E07JNQ0CDXADB6GE7AV21X");
        let (status, answer) = server
            .create_customer(&token, &json!({"email": "ghost@example.com"}))
            .await;
        assert_eq!(
            (status, answer),
            (
                404,
                json!({"type": "not_found", "message": "AuthIdentity with id: authid_01M8E07JNQ0CDXADB6GE7AV21X was not found"})
            )
        );
        let real = server.registration_token("ghost@example.com").await;
        let (status, _) = server
            .create_customer(&real, &json!({"email": "ghost@example.com"}))
            .await;
        assert_eq!(status, 200, "the failed attempt left no customer behind");
    }

}
