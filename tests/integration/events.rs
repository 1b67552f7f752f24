//! Medusa's events reach the webhook at least once: signed, retried while the receiver is down, and delivered after
//! a server was killed between the commit and the delivery.

use std::time::Duration;

use integration_tests::{WebhookReceiver, on_every_store, unused_address};
use medusa_store_server::events::signature;
use serde_json::json;

use crate::processes::ServerProcess;

const SECRET: &str = "webhook-secret-for-tests";
const DELIVERY: Duration = Duration::from_secs(30);

on_every_store! {
    async fn events_are_signed_with_an_hmac_of_the_body(backend: Backend) {
        let receiver = WebhookReceiver::start().await;
        let url = receiver.url.clone();
        let server = backend.start_with(|config| {
            config.events_webhook_url = Some(url);
            config.events_webhook_secret = Some(SECRET.into());
        }).await;
        let customer_id = server.signed_up_customer("signed@example.com").await;
        let delivery = receiver.wait_for("customer.created", DELIVERY).await;
        assert_eq!(delivery.headers["x-webhook-signature"], signature(SECRET, &delivery.body));
        assert_ne!(delivery.headers["x-webhook-signature"], signature("another secret", &delivery.body));
        let event = delivery.json();
        assert_eq!((event["name"].clone(), event["data"].clone()), (json!("customer.created"), json!({"id": customer_id})));
        assert_eq!(delivery.headers["x-webhook-id"], event["id"].as_str().unwrap());
    }

    async fn an_event_arrives_once_a_receiver_that_was_down_comes_back(backend: Backend) {
        let address = unused_address();
        let url = format!("http://{address}/hooks/medusa");
        let server = backend.start_with(|config| {
            config.events_webhook_url = Some(url);
            config.events_webhook_secret = Some(SECRET.into());
        }).await;
        let customer_id = server.signed_up_customer("down@example.com").await;
        tokio::time::sleep(Duration::from_secs(2)).await; // a few failed attempts
        let receiver = WebhookReceiver::start_on(&address).await;
        let event = receiver.wait_for("customer.created", DELIVERY).await.json();
        assert_eq!(event["data"], json!({"id": customer_id}));
    }

    async fn a_receiver_that_refuses_gets_the_event_again(backend: Backend) {
        let receiver = WebhookReceiver::start().await;
        receiver.answer_with(500);
        let url = receiver.url.clone();
        let server = backend.start_with(|config| {
            config.events_webhook_url = Some(url);
            config.events_webhook_secret = Some(SECRET.into());
        }).await;
        let (_, login) = {
            server.signed_up_customer("refused@example.com").await;
            server.login("refused@example.com", "supersecret").await
        };
        let token = login["token"].as_str().unwrap();
        let (status, _) = server.send(server.store_post("/store/customers/me", token).json(&json!({}))).await;
        assert_eq!(status, 200);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(receiver.deliveries().is_empty());
        receiver.answer_with(200);
        receiver.wait_for("customer.updated", DELIVERY).await;
        receiver.wait_for("customer.created", DELIVERY).await;
    }
}

/// The server process dies (SIGKILL) after the customer is committed and before its event could be delivered (the
/// receiver is down); restarted on the same database, it delivers the event.
async fn killed_between_commit_and_delivery(database_url: &str) {
    let address = unused_address();
    let url = format!("http://{address}/hooks/medusa");
    let mut first = ServerProcess::start_with_webhook(database_url, &url, SECRET);
    let customer_id = first.sign_up(database_url, "killed@example.com").await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let receiver = WebhookReceiver::start_on(&address).await;
    let mut second = ServerProcess::start_with_webhook(database_url, &url, SECRET);
    let event = receiver.wait_for("customer.created", DELIVERY).await.json();
    assert_eq!(event["data"], json!({"id": customer_id}));
    second.child.kill().unwrap();
    second.child.wait().unwrap();
}

#[tokio::test]
async fn an_event_committed_by_a_killed_server_is_delivered_after_the_restart_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("killed.db").display());
    killed_between_commit_and_delivery(&url).await;
}

#[tokio::test]
#[cfg_attr(
    no_postgres,
    ignore = "PostgreSQL binaries (pg_ctl, initdb) not found and TEST_DATABASE_URL unset"
)]
async fn an_event_committed_by_a_killed_server_is_delivered_after_the_restart_on_postgres() {
    let url =
        integration_tests::fresh_postgres_database(&integration_tests::postgres_admin_url().await)
            .await;
    killed_between_commit_and_delivery(&url).await;
}

/// The warning is logged before the server serves, so it is in the log once `/health` answers.
#[tokio::test]
async fn without_a_webhook_the_server_says_at_start_that_resets_cannot_be_delivered() {
    const WARNING: &str = "EVENTS_WEBHOOK_URL is not set: no event is delivered, so password reset tokens cannot reach customers";
    let directory = tempfile::tempdir().unwrap();
    for (name, webhook) in [
        ("without", None),
        ("with", Some("http://127.0.0.1:9/hooks")),
    ] {
        let url = format!(
            "sqlite://{}",
            directory.path().join(format!("{name}.db")).display()
        );
        let server = ServerProcess::start_keeping_the_log(&url, webhook);
        let health = reqwest::get(format!("{}/health", server.base_url))
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let log = server.stop_and_read_log();
        assert_eq!(
            log.contains(WARNING),
            webhook.is_none(),
            "{name} a webhook, the log: {log}"
        );
    }
}
