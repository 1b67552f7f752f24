//! The application: each route's behaviour as Medusa's middlewares, route handlers and workflows produce it,
//! in Medusa's order of checks. One module per flow; each handler makes one call into it.

mod addresses;
mod administration;
mod auth;
mod customers;
mod password;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::{Customer, TokenKeys, new_id};
use crate::hashing::{Hashing, HashingLimits};
use crate::store::Store;

pub use auth::{ActorFilter, AnyActor, Credentials, CustomerActor, Registration, SESSION_TTL_SECS};

pub struct App {
    store: Arc<dyn Store>,
    tokens: TokenKeys,
    /// Password hashing, bounded: see [`Hashing`].
    hashing: Hashing,
    /// At most this many live sessions per identity: a new one drops the oldest.
    sessions_per_identity: usize,
    /// Whether changes write Medusa's events to the outbox (only when a webhook will deliver them).
    events: bool,
}

/// The bounds an application works within.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub hashing: HashingLimits,
    pub sessions_per_identity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            hashing: HashingLimits::for_this_machine(),
            sessions_per_identity: DEFAULT_SESSIONS_PER_IDENTITY,
        }
    }
}

/// Medusa keeps every session until it expires; a bound keeps one identity from filling the table.
pub const DEFAULT_SESSIONS_PER_IDENTITY: usize = 20;

impl App {
    pub fn new(store: Arc<dyn Store>, jwt_secret: &str) -> Self {
        Self::with_limits(store, jwt_secret, Limits::default())
    }

    pub fn with_limits(store: Arc<dyn Store>, jwt_secret: &str, limits: Limits) -> Self {
        Self {
            store,
            tokens: TokenKeys::new(jwt_secret),
            hashing: Hashing::new(limits.hashing),
            sessions_per_identity: limits.sessions_per_identity.max(1),
            events: false,
        }
    }

    /// Writes Medusa's events to the outbox with the changes they announce, for the webhook to deliver.
    pub fn with_events(mut self, events: bool) -> Self {
        self.events = events;
        self
    }

    /// The event to write with a change, if events are delivered at all.
    fn event(&self, event: impl FnOnce() -> crate::domain::Event) -> Option<crate::domain::Event> {
        self.events.then(event)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

fn now_in_millis() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// A customer created now with only an email, with an account (sign-up) or without (a guest).
fn new_customer(email: String, has_account: bool) -> Customer {
    let now = now_in_millis();
    Customer {
        id: new_id("cus"),
        email: Some(email),
        company_name: None,
        first_name: None,
        last_name: None,
        phone: None,
        metadata: None,
        has_account,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}
