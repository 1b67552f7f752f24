use integration_tests::{TestServer, claims, keys, on_every_store, session_cookie};

use serde_json::json;

async fn open_session(server: &TestServer, token: &str, https: bool) -> reqwest::Response {
    let mut request = server
        .http
        .post(server.url("/auth/session"))
        .bearer_auth(token);
    if https {
        request = request.header("x-forwarded-proto", "https");
    }
    request.send().await.unwrap()
}

on_every_store! {
    async fn an_identity_keeps_only_its_newest_sessions(server: TestServer) {
        let per_identity = medusa_store_server::app::DEFAULT_SESSIONS_PER_IDENTITY;
        server.signed_up_customer("many@example.com").await;
        let (_, login) = server.login("many@example.com", "supersecret").await;
        let token = login["token"].as_str().unwrap().to_owned();
        let other = server.registration_token("other@example.com").await;
        let other_cookie = session_cookie(&open_session(&server, &other, true).await).unwrap();
        let mut cookies = Vec::new();
        for _ in 0..per_identity + 2 {
            cookies.push(session_cookie(&open_session(&server, &token, true).await).unwrap());
        }
        let me = |cookie: String| {
            server
                .http
                .get(server.url("/store/customers/me"))
                .header("x-publishable-api-key", &server.publishable_key)
                .header("cookie", cookie)
        };
        for (n, cookie) in cookies.into_iter().enumerate() {
            let expected = if n < 2 { 401 } else { 200 };
            assert_eq!(server.send(me(cookie)).await.0, expected, "session {n}");
        }
        let delete = server.http.delete(server.url("/auth/session")).header("cookie", other_cookie);
        assert_eq!(server.send(delete).await.0, 200, "another identity's session stays");
    }

    async fn expired_sessions_are_swept(server: TestServer) {
        let session = medusa_store_server::store::Session {
            id: "short-session".into(),
            auth_identity_id: "authid_y".into(),
            auth_context: json!({"actor_id": "", "actor_type": "customer", "auth_identity_id": "authid_y"}),
            expires_at: chrono::Utc::now() + chrono::Duration::milliseconds(300),
        };
        server.app.store().insert_session(&session, 20).await.unwrap();
        assert!(server.app.store().delete_expired_sessions().await.unwrap() == 0);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(server.app.store().delete_expired_sessions().await.unwrap(), 1);
        assert_eq!(server.app.store().session("short-session").await.unwrap(), None);
    }

    async fn opening_a_session_deletes_the_sessions_that_have_expired(server: TestServer) {
        let expired = medusa_store_server::store::Session {
            id: "expired-session".into(),
            auth_identity_id: "authid_x".into(),
            auth_context: json!({"actor_id": "", "actor_type": "customer", "auth_identity_id": "authid_x"}),
            expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
        };
        server.app.store().insert_session(&expired, 20).await.unwrap();
        let token = server.registration_token("purge@example.com").await;
        assert_eq!(open_session(&server, &token, true).await.status(), 200);
        assert_eq!(server.app.store().session("expired-session").await.unwrap(), None);
    }

    async fn refreshing_the_registration_token_after_sign_up_yields_the_customer(server: TestServer) {
        let token = server.registration_token("refresh@example.com").await;
        let (status, before) = server.send(server.http.post(server.url("/auth/token/refresh")).bearer_auth(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(claims(before["token"].as_str().unwrap())["actor_id"], "");
        let id = server.signed_up_customer("refresh@example.com").await;
        let (status, after) = server.send(server.http.post(server.url("/auth/token/refresh")).bearer_auth(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(claims(after["token"].as_str().unwrap())["actor_id"], id);
        let (status, body) = server.send(server.http.post(server.url("/auth/token/refresh"))).await;
        assert_eq!((status, body), (401, json!({"message": "Unauthorized"})));
    }

    async fn me_returns_the_customer_of_a_customer_token_only(server: TestServer) {
        let registration = server.registration_token("me@example.com").await;
        let id = server.signed_up_customer("me@example.com").await;
        let (_, login) = server.login("me@example.com", "supersecret").await;
        let token = login["token"].as_str().unwrap();
        let (status, body) = server.send(server.store_get("/store/customers/me", token)).await;
        assert_eq!(status, 200);
        assert_eq!(body["customer"]["id"], id);
        assert_eq!(keys(&body["customer"]).len(), 12);
        let (status, body) = server.send(server.store_get("/store/customers/me?fields=email", token)).await;
        assert_eq!((status, keys(&body["customer"])), (200, vec!["email", "id"]));
        let unauthorized = (401, json!({"message": "Unauthorized"}));
        assert_eq!(server.send(server.store_get("/store/customers/me", &registration)).await, unauthorized);
        let no_key = server.http.get(server.url("/store/customers/me")).bearer_auth(token);
        assert_eq!(server.send(no_key).await.0, 400);
    }

    async fn a_session_is_a_secure_cookie_only_behind_https(server: TestServer) {
        server.signed_up_customer("cookie@example.com").await;
        let (_, login) = server.login("cookie@example.com", "supersecret").await;
        let token = login["token"].as_str().unwrap();
        let plain = open_session(&server, token, false).await;
        assert_eq!(plain.status(), 200);
        assert!(plain.headers().get("set-cookie").is_none());
        let secure = open_session(&server, token, true).await;
        let set_cookie = secure.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        assert!(set_cookie.starts_with("connect.sid=s%3A"), "{set_cookie}");
        assert!(set_cookie.ends_with("; HttpOnly; Secure; SameSite=Lax"), "{set_cookie}");
        let body: serde_json::Value = secure.json().await.unwrap();
        assert_eq!(keys(&body["user"])[..3], ["actor_id", "actor_type", "auth_identity_id"]);
    }

    async fn a_session_cookie_authenticates_until_the_session_is_deleted(server: TestServer) {
        let id = server.signed_up_customer("session@example.com").await;
        let (_, login) = server.login("session@example.com", "supersecret").await;
        let cookie = session_cookie(&open_session(&server, login["token"].as_str().unwrap(), true).await).unwrap();
        let me = || {
            server
                .http
                .get(server.url("/store/customers/me"))
                .header("x-publishable-api-key", &server.publishable_key)
                .header("cookie", &cookie)
        };
        let (status, body) = server.send(me()).await;
        assert_eq!((status, &body["customer"]["id"]), (200, &json!(id)));
        let delete = server.http.delete(server.url("/auth/session")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(delete.status(), 200);
        assert_eq!(
            delete.headers().get("set-cookie").unwrap(),
            "connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(delete.json::<serde_json::Value>().await.unwrap(), json!({"success": true}));
        assert_eq!(server.send(me()).await, (401, json!({"message": "Unauthorized"})));
        let again = server.http.delete(server.url("/auth/session")).header("cookie", &cookie);
        assert_eq!(server.send(again).await, (401, json!({"message": "Unauthorized"})));
    }

    async fn a_session_wins_over_a_bearer_token(server: TestServer) {
        let registration = server.registration_token("both@example.com").await;
        let cookie = session_cookie(&open_session(&server, &registration, true).await).unwrap();
        // The registration session creates the customer with the cookie alone, as in Medusa.
        let create = server
            .http
            .post(server.url("/store/customers"))
            .header("x-publishable-api-key", &server.publishable_key)
            .header("cookie", &cookie)
            .json(&json!({"email": "both@example.com"}));
        let (status, _) = server.send(create).await;
        assert_eq!(status, 200);
        server.signed_up_customer("other@example.com").await;
        let (_, login) = server.login("other@example.com", "supersecret").await;
        let customer_token = login["token"].as_str().unwrap();
        // The session still holds the registration context: /me refuses it even with a valid customer bearer.
        let me = server.store_get("/store/customers/me", customer_token).header("cookie", &cookie);
        assert_eq!(server.send(me).await, (401, json!({"message": "Unauthorized"})));
    }

    async fn a_forged_or_unsigned_cookie_is_ignored(server: TestServer) {
        let me = |cookie: &str| {
            server
                .http
                .get(server.url("/store/customers/me"))
                .header("x-publishable-api-key", &server.publishable_key)
                .header("cookie", cookie.to_owned())
        };
        for cookie in ["connect.sid=abc", "connect.sid=s%3Aabc.forged", "connect.sid="] {
            assert_eq!(server.send(me(cookie)).await, (401, json!({"message": "Unauthorized"})), "{cookie}");
        }
    }

}

#[tokio::test]
async fn an_idle_server_sweeps_expired_sessions_on_its_schedule() {
    let server = TestServer::start_with(|config| config.session_sweep_secs = 1).await;
    let session = medusa_store_server::store::Session {
        id: "idle-session".into(),
        auth_identity_id: "authid_z".into(),
        auth_context: json!({"actor_id": "", "actor_type": "customer", "auth_identity_id": "authid_z"}),
        expires_at: chrono::Utc::now() + chrono::Duration::milliseconds(200),
    };
    server
        .app
        .store()
        .insert_session(&session, 20)
        .await
        .unwrap();
    for _ in 0..40 {
        if server
            .app
            .store()
            .session("idle-session")
            .await
            .unwrap()
            .is_none()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the expired session is still stored 4 s later");
}
