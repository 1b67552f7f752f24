//! The embedded store. One file, WAL mode; writers take the lock up front (`BEGIN IMMEDIATE`) so concurrent
//! transactions queue instead of failing half-way. Customer creations, the hot write, are group-committed by one
//! writer (`sqlite_writer`).

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{
    Row, SqliteConnection, SqlitePool,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
};

use super::{
    AuthIdentity, CreateCustomerOutcome, Migration, PublishableKey, Session, Store, StoreError,
    is_unique_violation, sqlite_writer::Writer,
};
use crate::domain::Customer;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/sqlite/0002_session_expiry_index.sql"),
    },
];

pub struct SqliteStore {
    pool: SqlitePool,
    /// `None` only for the never-opened store of the OpenAPI document.
    writer: Option<Writer>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url`: `sqlite://path`, `sqlite:path` or a plain path.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged write survives a power cut, not only a crash of the process.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.clone())
            .await?;
        let mut store = Self { pool, writer: None };
        store.migrate().await?;
        store.writer = Some(Writer::start(&options).await?);
        Ok(store)
    }

    /// A store over an in-memory database that is opened only when first used; for building the OpenAPI
    /// document, which never touches storage.
    pub fn unopened() -> Self {
        let options =
            SqliteConnectOptions::from_str("sqlite::memory:").expect("the in-memory URL is valid");
        Self {
            pool: SqlitePoolOptions::new().connect_lazy_with(options),
            writer: None,
        }
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
            .execute(&mut *tx)
            .await?;
        for migration in MIGRATIONS {
            let applied = sqlx::query("SELECT 1 FROM schema_migrations WHERE version = ?")
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if !applied {
                sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version) VALUES (?)")
                    .bind(migration.version)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| sqlx::Error::Decode(error.into()))
}

fn optional_timestamp(text: Option<String>) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    text.as_deref().map(parse_timestamp).transpose()
}

fn identity_from_row(row: &SqliteRow) -> Result<AuthIdentity, sqlx::Error> {
    Ok(AuthIdentity {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        customer_id: row.try_get("customer_id")?,
    })
}

fn customer_from_row(row: &SqliteRow) -> Result<Customer, sqlx::Error> {
    let metadata: Option<String> = row.try_get("metadata")?;
    let metadata = metadata
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|error| sqlx::Error::Decode(error.into()))?;
    Ok(Customer {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        company_name: row.try_get("company_name")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        phone: row.try_get("phone")?,
        metadata,
        has_account: row.try_get("has_account")?,
        created_at: parse_timestamp(row.try_get("created_at")?)?,
        updated_at: parse_timestamp(row.try_get("updated_at")?)?,
        deleted_at: optional_timestamp(row.try_get("deleted_at")?)?,
    })
}

fn key_from_row(row: &SqliteRow) -> Result<PublishableKey, sqlx::Error> {
    Ok(PublishableKey {
        id: row.try_get("id")?,
        token: row.try_get("token")?,
        title: row.try_get("title")?,
        created_at: parse_timestamp(row.try_get("created_at")?)?,
        revoked_at: optional_timestamp(row.try_get("revoked_at")?)?,
    })
}

const INSERT_CUSTOMER: &str = "INSERT INTO customer (id, email, company_name, first_name, last_name, phone, metadata, \
     has_account, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

fn insert_customer(
    customer: &Customer,
) -> sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    sqlx::query(INSERT_CUSTOMER)
        .bind(customer.id.clone())
        .bind(customer.email.clone())
        .bind(customer.company_name.clone())
        .bind(customer.first_name.clone())
        .bind(customer.last_name.clone())
        .bind(customer.phone.clone())
        .bind(
            customer
                .metadata
                .as_ref()
                .map(|m| serde_json::Value::Object(m.clone()).to_string()),
        )
        .bind(customer.has_account)
        .bind(timestamp(customer.created_at))
        .bind(timestamp(customer.updated_at))
        .bind(customer.deleted_at.map(timestamp))
}

/// One creation inside a write transaction (which holds SQLite's write lock, so nothing changes between its
/// statements). Three statements when it succeeds; the outcomes and their precedence are those of the trait: an
/// email that has an account wins over an identity that is missing or already linked. The insert relies on the
/// unique index `(email, has_account) WHERE deleted_at IS NULL`, which is exactly "the email has an account".
/// A failed statement (the unique violation) is undone alone; the transaction goes on.
pub(super) async fn create_in_transaction(
    connection: &mut SqliteConnection,
    identity_id: &str,
    customer: &Customer,
) -> Result<CreateCustomerOutcome, StoreError> {
    let link: Option<Option<String>> =
        sqlx::query_scalar("SELECT customer_id FROM auth_identity WHERE id = ?")
            .bind(identity_id.to_owned())
            .fetch_optional(&mut *connection)
            .await?;
    if let Some(None) = link {
        match insert_customer(customer).execute(&mut *connection).await {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Ok(CreateCustomerOutcome::EmailHasAccount);
            }
            Err(error) => return Err(error.into()),
        }
        sqlx::query("UPDATE auth_identity SET customer_id = ? WHERE id = ?")
            .bind(customer.id.clone())
            .bind(identity_id.to_owned())
            .execute(&mut *connection)
            .await?;
        return Ok(CreateCustomerOutcome::Created);
    }
    let has_account = sqlx::query(
        "SELECT 1 FROM customer WHERE email = ? AND has_account AND deleted_at IS NULL",
    )
    .bind(customer.email.clone())
    .fetch_optional(&mut *connection)
    .await?
    .is_some();
    Ok(if has_account {
        CreateCustomerOutcome::EmailHasAccount
    } else if link.is_some() {
        CreateCustomerOutcome::IdentityLinked
    } else {
        CreateCustomerOutcome::IdentityMissing
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn identity_by_email(&self, email: &str) -> Result<Option<AuthIdentity>, StoreError> {
        let row = sqlx::query("SELECT * FROM auth_identity WHERE email = ?")
            .bind(email.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(identity_from_row).transpose()?)
    }

    async fn identity(&self, id: &str) -> Result<Option<AuthIdentity>, StoreError> {
        let row = sqlx::query("SELECT * FROM auth_identity WHERE id = ?")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(identity_from_row).transpose()?)
    }

    async fn insert_identity(&self, identity: &AuthIdentity) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO auth_identity (id, email, password_hash, customer_id, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(identity.id.clone())
        .bind(identity.email.clone())
        .bind(identity.password_hash.clone())
        .bind(identity.customer_id.clone())
        .bind(timestamp(Utc::now()))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if is_unique_violation(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    async fn create_customer_for_identity(
        &self,
        identity_id: &str,
        customer: &Customer,
    ) -> Result<CreateCustomerOutcome, StoreError> {
        if let Some(writer) = &self.writer {
            return writer
                .create_customer_for_identity(identity_id, customer)
                .await;
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let outcome = create_in_transaction(&mut tx, identity_id, customer).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn insert_guest_customer(&self, customer: &Customer) -> Result<bool, StoreError> {
        match insert_customer(customer).execute(&self.pool).await {
            Ok(_) => Ok(true),
            Err(error) if is_unique_violation(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let row = sqlx::query("SELECT * FROM customer WHERE id = ? AND deleted_at IS NULL")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(customer_from_row).transpose()?)
    }

    async fn insert_publishable_key(&self, key: &PublishableKey) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO publishable_key (id, token, title, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)")
            .bind(key.id.clone())
            .bind(key.token.clone())
            .bind(key.title.clone())
            .bind(timestamp(key.created_at))
            .bind(key.revoked_at.map(timestamp))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn publishable_keys(&self) -> Result<Vec<PublishableKey>, StoreError> {
        let rows = sqlx::query("SELECT * FROM publishable_key ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(key_from_row).collect::<Result<_, _>>()?)
    }

    async fn revoke_publishable_key(
        &self,
        id_or_token: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PublishableKey>, StoreError> {
        sqlx::query("UPDATE publishable_key SET revoked_at = ? WHERE (id = ? OR token = ?) AND revoked_at IS NULL")
            .bind(timestamp(at))
            .bind(id_or_token.to_owned())
            .bind(id_or_token.to_owned())
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT * FROM publishable_key WHERE id = ? OR token = ?")
            .bind(id_or_token.to_owned())
            .bind(id_or_token.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(key_from_row).transpose()?)
    }

    async fn publishable_key_by_token(
        &self,
        token: &str,
    ) -> Result<Option<PublishableKey>, StoreError> {
        let row = sqlx::query("SELECT * FROM publishable_key WHERE token = ?")
            .bind(token.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(key_from_row).transpose()?)
    }

    async fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO auth_session (id, auth_context, expires_at) VALUES (?, ?, ?)")
            .bind(session.id.clone())
            .bind(session.auth_context.to_string())
            .bind(timestamp(session.expires_at))
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM auth_session WHERE expires_at < ?")
            .bind(timestamp(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query("SELECT * FROM auth_session WHERE id = ?")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let context: String = row.try_get("auth_context")?;
        Ok(Some(Session {
            id: row.try_get("id")?,
            auth_context: serde_json::from_str(&context)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            expires_at: parse_timestamp(row.try_get("expires_at")?)?,
        }))
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_session WHERE id = ?")
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
