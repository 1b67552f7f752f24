//! Delivery of Medusa's events to `EVENTS_WEBHOOK_URL`, at least once. Changes write their events into an outbox
//! table in their own transaction; this loop leases the due ones, POSTs each (signed with an HMAC-SHA256 of the body
//! under `EVENTS_WEBHOOK_SECRET`), deletes it on a 2xx answer, and otherwise tries again later, backing off. An event
//! whose server died mid-delivery is leased again when its lease runs out. A receiver may see an event twice: its
//! `id` (also in `X-Webhook-Id`) tells. Event data is never logged: `auth.password_reset` carries a reset token.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::store::{OutboxEvent, Store};

/// How often the outbox is read when it had nothing due.
const POLL: Duration = Duration::from_millis(200);
/// Events taken per read.
const BATCH: usize = 32;
/// How long a leased event is ours: longer than a delivery can take.
const LEASE: Duration = Duration::from_secs(30);
/// A receiver must answer within this.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// The first retry waits this long, each next one twice as long, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Where events go, and the key that signs them.
#[derive(Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

/// The signature header's value for a body: `sha256=` and the hex HMAC-SHA256 of the body under the secret.
pub fn signature(secret: &str, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How long to wait after the `attempts`-th failed delivery.
fn backoff(attempts: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(attempts.min(16)))
        .min(MAX_BACKOFF)
}

/// Delivers the outbox's events until the task is aborted.
pub async fn deliver(store: Arc<dyn Store>, webhook: Webhook) {
    let client = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .expect("an HTTP client builds");
    loop {
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let due = match store.lease_due_events(now, lease_until, BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "could not read the event outbox");
                Vec::new()
            }
        };
        if due.is_empty() {
            tokio::time::sleep(POLL).await;
            continue;
        }
        for outbox in due {
            deliver_one(&*store, &client, &webhook, outbox).await;
        }
    }
}

async fn deliver_one(
    store: &dyn Store,
    client: &reqwest::Client,
    webhook: &Webhook,
    OutboxEvent { event, attempts }: OutboxEvent,
) {
    let body = event.payload();
    let answer = client
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("x-webhook-id", &event.id)
        .header("x-webhook-event", &event.name)
        .header("x-webhook-signature", signature(&webhook.secret, &body))
        .body(body)
        .send()
        .await;
    let failure = match answer {
        Ok(answer) if answer.status().is_success() => None,
        Ok(answer) => Some(format!("the receiver answered {}", answer.status())),
        Err(error) => Some(format!("{}", error.without_url())),
    };
    let recorded = match &failure {
        None => store.delete_event(&event.id).await,
        Some(_) => {
            let next =
                Utc::now() + chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
            store.retry_event(&event.id, next).await
        }
    };
    if let Some(failure) = failure {
        tracing::warn!(id = %event.id, name = %event.name, attempts = attempts + 1, %failure, "event not delivered; will retry");
    }
    if let Err(error) = recorded {
        tracing::warn!(id = %event.id, %error, "could not record an event's delivery");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_to_a_minute() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
