use integration_tests::{claims, keys, on_every_store};

use serde_json::json;

on_every_store! {
    async fn registering_returns_a_one_day_token_with_medusas_claims_in_order(server: TestServer) {
        let (status, body) = server.register("new@example.com", "supersecret").await;
        assert_eq!(status, 200);
        assert_eq!(keys(&body), ["token"]);
        let claims = claims(body["token"].as_str().unwrap());
        assert_eq!(
            keys(&claims),
            [
                "actor_id",
                "actor_type",
                "auth_identity_id",
                "auth_provider",
                "mfa_enabled",
                "mfa_challenge_completed_at",
                "app_metadata",
                "user_metadata",
                "iat",
                "exp"
            ]
        );
        assert_eq!(claims["actor_id"], "");
        assert_eq!(claims["actor_type"], "customer");
        assert_eq!(claims["auth_provider"], "emailpass");
        assert_eq!(claims["app_metadata"], json!({}));
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            86_400
        );
    }

    async fn registering_again_with_the_same_password_returns_a_token_for_the_same_identity(server: TestServer) {
        let first = server.registration_token("again@example.com").await;
        let second = server.registration_token("again@example.com").await;
        assert_eq!(
            claims(&first)["auth_identity_id"],
            claims(&second)["auth_identity_id"]
        );
    }

    async fn registering_an_existing_email_with_another_password_is_refused(server: TestServer) {
        server.registration_token("taken@example.com").await;
        let (status, body) = server.register("taken@example.com", "other").await;
        assert_eq!(
            (status, body),
            (
                401,
                json!({"type": "unauthorized", "message": "Identity with email already exists"})
            )
        );
    }

    async fn registering_again_after_the_customer_exists_is_refused_even_with_the_same_password(server: TestServer) {
        server.signed_up_customer("done@example.com").await;
        let (status, body) = server.register("done@example.com", "supersecret").await;
        assert_eq!(
            (status, body["message"].as_str()),
            (401, Some("Identity with email already exists"))
        );
    }

    async fn emails_are_identities_exactly_as_sent(server: TestServer) {
        let lower = server.registration_token("case@example.com").await;
        let mixed = server.registration_token("Case@Example.com").await;
        assert_ne!(
            claims(&lower)["auth_identity_id"],
            claims(&mixed)["auth_identity_id"]
        );
    }

    async fn register_checks_the_password_before_the_email(server: TestServer) {
        let cases = [
            (json!({}), "Password should be a string"),
            (json!([]), "Password should be a string"),
            (
                json!({"email": "a@b.co", "password": 5}),
                "Password should be a string",
            ),
            (
                json!({"email": "a@b.co", "password": ""}),
                "Password should be a string",
            ),
            (json!({"password": "x"}), "Email should be a string"),
            (
                json!({"email": 5, "password": "x"}),
                "Email should be a string",
            ),
        ];
        for (body, message) in cases {
            let request = server
                .http
                .post(server.url("/auth/customer/emailpass/register"))
                .json(&body);
            let (status, answer) = server.send(request).await;
            assert_eq!(
                (status, answer),
                (401, json!({"type": "unauthorized", "message": message})),
                "{body}"
            );
        }
    }

    async fn logging_in_before_and_after_the_customer_exists_gives_the_matching_actor(server: TestServer) {
        server.registration_token("login@example.com").await;
        let (status, body) = server.login("login@example.com", "supersecret").await;
        assert_eq!(status, 200);
        assert_eq!(claims(body["token"].as_str().unwrap())["actor_id"], "");
        let id = server.signed_up_customer("login@example.com").await;
        let (_, body) = server.login("login@example.com", "supersecret").await;
        let claims = claims(body["token"].as_str().unwrap());
        assert_eq!(claims["actor_id"], id);
        assert_eq!(claims["app_metadata"], json!({"customer_id": id}));
    }

    async fn logging_in_with_a_wrong_password_or_unknown_email_is_refused_alike(server: TestServer) {
        server.registration_token("known@example.com").await;
        let refused = json!({"type": "unauthorized", "message": "Invalid email or password"});
        assert_eq!(
            server.login("known@example.com", "wrong").await,
            (401, refused.clone())
        );
        assert_eq!(
            server.login("unknown@example.com", "wrong").await,
            (401, refused)
        );
    }

}
