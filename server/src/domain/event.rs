//! Medusa's events, as its event bus hands them to subscribers: a name and its data. They are delivered to the
//! webhook (`events`) from an outbox written in the transaction of the change they announce.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::new_id;

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub data: Value,
    pub created_at: DateTime<Utc>,
}

impl Event {
    fn new(name: &str, data: Value, now: DateTime<Utc>) -> Self {
        Self {
            id: new_id("evt"),
            name: name.to_owned(),
            data,
            created_at: now,
        }
    }

    /// `customer.created`, on `POST /store/customers` (Medusa 2.1.3 and later).
    pub fn customer_created(customer_id: &str, now: DateTime<Utc>) -> Self {
        Self::new("customer.created", json!({ "id": customer_id }), now)
    }

    /// `customer.updated`, on every successful `POST /store/customers/me`, even one that changes nothing.
    pub fn customer_updated(customer_id: &str, now: DateTime<Utc>) -> Self {
        Self::new("customer.updated", json!({ "id": customer_id }), now)
    }

    /// `auth.password_reset`, when a reset is asked for an identity that exists: what Medusa's subscriber mails.
    pub fn password_reset(email: &str, token: &str, metadata: Value, now: DateTime<Utc>) -> Self {
        Self::new(
            "auth.password_reset",
            json!({ "entity_id": email, "actor_type": "customer", "token": token, "metadata": metadata }),
            now,
        )
    }

    /// The body POSTed to the webhook.
    pub fn payload(&self) -> String {
        json!({
            "id": self.id,
            "name": self.name,
            "data": self.data,
            "created_at": super::format_timestamp(self.created_at),
        })
        .to_string()
    }
}
