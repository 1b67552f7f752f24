//! Password hashing is admitted within bounds: past them, register and login answer 503 with `Retry-After` at once,
//! and the routes that hash nothing do not wait on it.

use std::time::{Duration, Instant};

use futures::future::join_all;
use integration_tests::TestServer;
use serde_json::json;

/// One hash at a time, nobody waiting: while a hash runs, any other one is refused.
async fn one_hash_at_a_time() -> TestServer {
    TestServer::start_with(|config| {
        config.hash_concurrency = Some(1);
        config.hash_queue = Some(0);
    })
    .await
}

fn credentials(email: &str) -> serde_json::Value {
    json!({ "email": email, "password": "supersecret" })
}

#[tokio::test]
async fn a_registration_flood_gets_fast_503s_with_retry_after_in_medusas_error_format() {
    let server = one_hash_at_a_time().await;
    let registrations = (0..8).map(|n| {
        let request = server
            .http
            .post(server.url("/auth/customer/emailpass/register"))
            .json(&credentials(&format!("flood{n}@example.com")));
        async move {
            let started = Instant::now();
            let response = request.send().await.expect("an answer");
            let retry_after = response.headers().get("retry-after").cloned();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.expect("JSON");
            (status, retry_after, body, started.elapsed())
        }
    });
    let answers = join_all(registrations).await;
    let busy: Vec<_> = answers
        .iter()
        .filter(|(status, ..)| *status == 503)
        .collect();
    assert!(
        answers.iter().any(|(status, ..)| *status == 200),
        "one registration is admitted"
    );
    assert!(!busy.is_empty(), "the others are refused: {answers:?}");
    let slowest_hash = answers
        .iter()
        .filter(|(s, ..)| *s == 200)
        .map(|a| a.3)
        .max()
        .unwrap();
    for (_, retry_after, body, elapsed) in busy {
        assert_eq!(
            retry_after.as_ref().and_then(|v| v.to_str().ok()),
            Some("2")
        );
        assert_eq!(body["type"], "unexpected_state");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("retry")),
            "{body}"
        );
        assert!(
            *elapsed < slowest_hash,
            "a refusal does not wait for a hash ({elapsed:?})"
        );
    }
}

#[tokio::test]
async fn a_login_for_an_unknown_email_costs_a_hash_too() {
    let server = one_hash_at_a_time().await;
    // A hash in flight takes the only slot: a login that hashes anything is refused while it runs.
    let registering = server
        .http
        .post(server.url("/auth/customer/emailpass/register"))
        .json(&credentials("known@example.com"))
        .send();
    let login = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        server
            .http
            .post(server.url("/auth/customer/emailpass"))
            .json(&credentials("nobody@example.com"))
            .send()
            .await
            .expect("an answer")
            .status()
            .as_u16()
    };
    let (registered, login_status) = tokio::join!(registering, login);
    assert_eq!(registered.expect("an answer").status().as_u16(), 200);
    assert_eq!(
        login_status, 503,
        "an unknown email goes through password hashing like a known one"
    );
    let (status, body) = server
        .send(
            server
                .http
                .post(server.url("/auth/customer/emailpass"))
                .json(&credentials("nobody@example.com")),
        )
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Invalid email or password"))
    );
}

#[tokio::test]
async fn creating_and_reading_customers_do_not_wait_on_hashing() {
    let server = one_hash_at_a_time().await;
    let token_of = |body: serde_json::Value| body["token"].as_str().expect("a token").to_owned();
    let reader = token_of(server.register("reader@example.com", "supersecret").await.1);
    let creator = token_of(
        server
            .register("creator@example.com", "supersecret")
            .await
            .1,
    );
    let create = |token: String, email: &'static str| {
        server
            .http
            .post(server.url("/store/customers"))
            .header("x-publishable-api-key", &server.publishable_key)
            .bearer_auth(token)
            .json(&json!({ "email": email }))
    };
    assert_eq!(
        server.send(create(reader, "reader@example.com")).await.0,
        200
    );
    let (status, body) = server.login("reader@example.com", "supersecret").await;
    assert_eq!(status, 200, "{body}");
    let logged_in = token_of(body);
    let flood = join_all((0..6).map(|n| {
        server
            .http
            .post(server.url("/auth/customer/emailpass/register"))
            .json(&credentials(&format!("flood{n}@example.com")))
            .send()
    }));
    let others = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let read = server
            .http
            .get(server.url("/store/customers/me"))
            .header("x-publishable-api-key", &server.publishable_key)
            .bearer_auth(&logged_in);
        let (read, created) = tokio::join!(
            server.send(read),
            server.send(create(creator, "creator@example.com"))
        );
        (read.0, created.0, started.elapsed())
    };
    let (flooded, (read, created, took)) = tokio::join!(flood, others);
    assert!(
        flooded
            .iter()
            .any(|r| r.as_ref().is_ok_and(|r| r.status() == 503)),
        "the flood saturates hashing"
    );
    assert_eq!((read, created), (200, 200));
    assert!(
        took < Duration::from_secs(1),
        "reading and creating took {took:?} during the flood"
    );
}
