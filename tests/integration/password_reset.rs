//! Password reset through the webhook, as a storefront does it: ask for a reset, take the token from the
//! `auth.password_reset` delivery, set the new password with it.

use std::time::Duration;

use integration_tests::{Backend, TestServer, WebhookReceiver, on_every_store};
use serde_json::{Value, json};

const SECRET: &str = "webhook-secret-for-tests";
const DELIVERY: Duration = Duration::from_secs(20);

async fn with_webhook(backend: Backend) -> (TestServer, WebhookReceiver) {
    let receiver = WebhookReceiver::start().await;
    let url = receiver.url.clone();
    let server = backend
        .start_with(|config| {
            config.events_webhook_url = Some(url);
            config.events_webhook_secret = Some(SECRET.into());
        })
        .await;
    (server, receiver)
}

async fn ask_for_reset(server: &TestServer, body: Value) -> (u16, String, String) {
    let answer = server
        .http
        .post(server.url("/auth/customer/emailpass/reset-password"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let content_type = answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, answer.text().await.unwrap())
}

async fn update(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    let request = server
        .http
        .post(server.url("/auth/customer/emailpass/update"))
        .bearer_auth(token)
        .json(&body);
    server.send(request).await
}

/// The reset tokens delivered so far for `email`, oldest first.
fn delivered_tokens(receiver: &WebhookReceiver, email: &str) -> Vec<String> {
    receiver
        .deliveries()
        .iter()
        .map(|d| d.json())
        .filter(|e| e["name"] == "auth.password_reset" && e["data"]["entity_id"] == email)
        .map(|e| e["data"]["token"].as_str().unwrap().to_owned())
        .collect()
}

async fn token_for(receiver: &WebhookReceiver, email: &str, count: usize) -> String {
    let deadline = tokio::time::Instant::now() + DELIVERY;
    loop {
        let tokens = delivered_tokens(receiver, email);
        if tokens.len() >= count {
            return tokens[count - 1].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no reset token delivered for {email}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_every_store! {
    async fn a_reset_token_from_the_webhook_sets_a_new_password_once(backend: Backend) {
        let (server, receiver) = with_webhook(backend).await;
        server.signed_up_customer("reset@example.com").await;
        let created = (201, "text/plain; charset=utf-8".to_owned(), "Created".to_owned());
        assert_eq!(ask_for_reset(&server, json!({"identifier": "reset@example.com", "metadata": {"ip": "x"}})).await, created);
        assert_eq!(ask_for_reset(&server, json!({"identifier": "nobody@example.com"})).await, created, "the same answer");
        let token = token_for(&receiver, "reset@example.com", 1).await;
        let event = receiver.wait_for("auth.password_reset", DELIVERY).await.json();
        assert_eq!(event["data"], json!({
            "entity_id": "reset@example.com", "actor_type": "customer", "token": token, "metadata": {"ip": "x"}
        }));

        assert_eq!(update(&server, &token, json!({"email": "someone@else.com", "password": "new-secret"})).await,
            (200, json!({"success": true})));
        assert_eq!(server.login("reset@example.com", "supersecret").await.0, 401, "the old password is refused");
        assert_eq!(server.login("reset@example.com", "new-secret").await.0, 200);
        assert_eq!(update(&server, &token, json!({"password": "again"})).await,
            (401, json!({"type": "unauthorized", "message": "Invalid token"})), "a token works once");
        assert!(delivered_tokens(&receiver, "nobody@example.com").is_empty(), "no event for an unknown email");
    }

    async fn a_newer_reset_makes_the_older_token_invalid_and_a_token_is_used_up_without_a_password(backend: Backend) {
        let (server, receiver) = with_webhook(backend).await;
        server.signed_up_customer("twice@example.com").await;
        ask_for_reset(&server, json!({"identifier": "twice@example.com"})).await;
        let first = token_for(&receiver, "twice@example.com", 1).await;
        ask_for_reset(&server, json!({"identifier": "twice@example.com"})).await;
        let second = token_for(&receiver, "twice@example.com", 2).await;
        let invalid = (401, json!({"type": "unauthorized", "message": "Invalid token"}));
        assert_eq!(update(&server, &first, json!({"password": "x"})).await, invalid);
        assert_eq!(update(&server, &second, json!({"email": "twice@example.com"})).await,
            (401, json!({"type": "unauthorized", "message": "Unauthorized"})));
        assert_eq!(update(&server, &second, json!({"password": "x"})).await, invalid, "used up");
        assert_eq!(server.login("twice@example.com", "supersecret").await.0, 200, "unchanged");
        let (_, login) = server.login("twice@example.com", "supersecret").await;
        assert_eq!(update(&server, login["token"].as_str().unwrap(), json!({"password": "x"})).await, invalid,
            "a login token is not a reset token");
    }

    async fn reset_requests_are_validated_as_medusa_validates_them(backend: Backend) {
        let server = backend.start().await;
        let refused = |message: &str| (400, "application/json; charset=utf-8".to_owned(),
            json!({"type": "invalid_data", "message": message}).to_string());
        assert_eq!(ask_for_reset(&server, json!({})).await, refused("Invalid request: Field 'identifier' is required"));
        assert_eq!(ask_for_reset(&server, json!({"identifier": "a@b.co", "email": "x"})).await,
            refused("Invalid request: Unrecognized fields: 'email'"));
        assert_eq!(ask_for_reset(&server, json!({"identifier": "a@b.co", "metadata": null})).await,
            refused("Invalid request: Expected type: 'record' for field 'metadata', got: 'null'"));
        let created = (201, "text/plain; charset=utf-8".to_owned(), "Created".to_owned());
        assert_eq!(ask_for_reset(&server, json!({"identifier": "a\u{0}b", "metadata": {"k": "\u{0}"}})).await, created,
            "as Medusa: text that is no identity's email is taken");
    }
}
