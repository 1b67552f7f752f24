//! Storage behind one trait: SQLite (embedded, the default) and PostgreSQL (for several servers on one database).
//! Every multi-step write is one transaction, so a failure never leaves a half-created customer.

mod postgres;
mod postgres_connections;
mod postgres_group_commit;
mod publishable_key_cache;
mod sqlite;
mod sqlite_writer;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::{Address, AddressUpdate, Customer, Event, ProfileUpdate};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("the SQLite writer has stopped")]
    WriterStopped,
}

/// An email/password identity of the `emailpass` provider.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthIdentity {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    /// Set once a customer was created with this identity (Medusa's `app_metadata.customer_id`).
    pub customer_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublishableKey {
    pub id: String,
    pub token: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub auth_identity_id: String,
    pub auth_context: Value,
    pub expires_at: DateTime<Utc>,
}

/// A password-reset token as stored: the SHA-256 of the token, never the token itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ResetToken {
    pub auth_identity_id: String,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// An event waiting in the outbox, and how many deliveries failed so far.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub event: crate::domain::Event,
    pub attempts: u32,
}

/// What [`Store::delete_sign_up`] removed.
#[derive(Debug, Default, PartialEq)]
pub struct DeletedSignUp {
    pub identities: u64,
    pub customers: u64,
}

/// What happened to an attempt to create the customer of an identity.
#[derive(Debug, PartialEq)]
pub enum CreateCustomerOutcome {
    Created,
    /// A customer with an account already has this email.
    EmailHasAccount,
    /// The identity does not exist.
    IdentityMissing,
    /// The identity already has a customer.
    IdentityLinked,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn identity_by_email(&self, email: &str) -> Result<Option<AuthIdentity>, StoreError>;
    async fn identity(&self, id: &str) -> Result<Option<AuthIdentity>, StoreError>;
    /// Inserts the identity; `false` when one with the same email exists.
    async fn insert_identity(&self, identity: &AuthIdentity) -> Result<bool, StoreError>;
    /// In one transaction: refuse an email that already has an account, insert the customer, and link it to
    /// the identity (which must exist and have no customer yet).
    /// `created` is written to the event outbox in the same transaction when the customer is created.
    async fn create_customer_for_identity(
        &self,
        identity_id: &str,
        customer: &Customer,
        created: Option<&Event>,
    ) -> Result<CreateCustomerOutcome, StoreError>;
    /// Inserts a customer without an account (a guest, as Medusa's admin creates them); `false` if the email
    /// already has a guest.
    async fn insert_guest_customer(&self, customer: &Customer) -> Result<bool, StoreError>;
    /// Deletes everything signed up with `email`: its identity and that identity's sessions, and every customer with
    /// the email (with an account or a guest). An administrative clean-up, not a Medusa route.
    async fn delete_sign_up(&self, email: &str) -> Result<DeletedSignUp, StoreError>;
    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError>;
    /// Applies a profile update in one transaction (read, [`Customer::apply`], write, and `updated` into the event
    /// outbox); `None` if there is no such customer.
    async fn update_customer(
        &self,
        id: &str,
        update: &ProfileUpdate,
        now: DateTime<Utc>,
        updated: Option<&Event>,
    ) -> Result<Option<Customer>, StoreError>;

    /// Every address of the customer, by id.
    async fn addresses(&self, customer_id: &str) -> Result<Vec<Address>, StoreError>;
    /// The customer's address with this id; `None` if there is none, or it is another customer's.
    async fn address(&self, customer_id: &str, id: &str) -> Result<Option<Address>, StoreError>;
    /// Inserts the address in one transaction that first takes its default flags from the customer's other
    /// addresses.
    async fn insert_address(&self, address: &Address) -> Result<(), StoreError>;
    /// Applies an update to the customer's address in one transaction (read, [`Address::apply`], take the default
    /// flags it sets from the other addresses, write); `None` if the customer has no such address.
    async fn update_address(
        &self,
        customer_id: &str,
        id: &str,
        update: &AddressUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError>;
    /// Deletes the customer's address; `false` if the customer has no such address. No other address becomes a
    /// default, as in Medusa.
    async fn delete_address(&self, customer_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Makes this token (its SHA-256) the identity's only password-reset token, and writes `requested` into the
    /// event outbox, in one transaction.
    async fn replace_reset_token(
        &self,
        token: &ResetToken,
        requested: Option<&Event>,
    ) -> Result<(), StoreError>;
    /// Deletes the identity's reset token if it is this one and has not expired; `true` if it was.
    async fn consume_reset_token(
        &self,
        token: &ResetToken,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn set_password_hash(&self, identity_id: &str, hash: &str) -> Result<(), StoreError>;

    /// Events of the outbox due for delivery at `now`, oldest first, at most `limit`; each is leased to the caller
    /// until `lease_until` (another server sees it again only after that).
    async fn lease_due_events(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>, StoreError>;
    /// The event was delivered: it leaves the outbox.
    async fn delete_event(&self, id: &str) -> Result<(), StoreError>;
    /// The delivery failed: count the attempt and try again at `next_attempt_at`.
    async fn retry_event(&self, id: &str, next_attempt_at: DateTime<Utc>)
    -> Result<(), StoreError>;

    async fn insert_publishable_key(&self, key: &PublishableKey) -> Result<(), StoreError>;
    async fn publishable_keys(&self) -> Result<Vec<PublishableKey>, StoreError>;
    /// Revokes the key with this id or token; returns it, or `None` if there is none.
    async fn revoke_publishable_key(
        &self,
        id_or_token: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PublishableKey>, StoreError>;
    async fn publishable_key_by_token(
        &self,
        token: &str,
    ) -> Result<Option<PublishableKey>, StoreError>;

    /// Stores the session; deletes the oldest sessions of its identity beyond `per_identity`, and the sessions
    /// that have expired.
    async fn insert_session(
        &self,
        session: &Session,
        per_identity: usize,
    ) -> Result<(), StoreError>;
    /// Deletes the sessions that have expired; returns how many.
    async fn delete_expired_sessions(&self) -> Result<u64, StoreError>;
    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError>;
    async fn delete_session(&self, id: &str) -> Result<(), StoreError>;
}

/// Opens the store a `DATABASE_URL` names and brings its schema up to date.
pub async fn connect(database_url: &str) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(
            PostgresStore::connect(database_url).await?,
        ))
    } else {
        Ok(std::sync::Arc::new(
            SqliteStore::connect(database_url).await?,
        ))
    }
}

/// Embedded migrations, applied in order, each once, recorded in `schema_migrations`.
pub(crate) struct Migration {
    pub version: i64,
    pub sql: &'static str,
}

/// Metadata as stored: JSON text (PostgreSQL casts it to `jsonb`).
fn json_text(metadata: &Option<serde_json::Map<String, Value>>) -> Option<String> {
    metadata
        .as_ref()
        .map(|m| serde_json::Value::Object(m.clone()).to_string())
}

/// The customer's metadata as stored: JSON text (PostgreSQL casts it to `jsonb`).
fn metadata_text(customer: &Customer) -> Option<String> {
    json_text(&customer.metadata)
}
