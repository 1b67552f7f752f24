//! The PostgreSQL store, for several stateless servers on one database. Races between servers are settled by
//! the database: a unique index per (email, has_account) and a row lock on the identity being linked. Each request
//! path is one statement in autocommit, because round trips, not the database's work, bound the throughput; the
//! creations waiting together share one (`postgres_group_commit`).

use std::{str::FromStr, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{
    Connection, PgConnection, Row,
    postgres::{PgConnectOptions, PgRow},
};

use super::{
    AuthIdentity, CreateCustomerOutcome, DeletedSignUp, Migration, OutboxEvent, PublishableKey,
    ResetToken, Session, Store, StoreError, json_text, metadata_text,
    postgres_connections::{Connections, PgQuery},
    postgres_group_commit::{Creation, GroupCommit},
    publishable_key_cache::PublishableKeyCache,
};
use crate::domain::{Address, AddressUpdate, Customer, Event, ProfileUpdate};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/postgres/0002_session_expiry_index.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/postgres/0003_publishable_key_changes.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/postgres/0004_sessions_per_identity.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/postgres/0005_customer_addresses.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../../migrations/postgres/0006_password_reset_and_events.sql"),
    },
];

/// Serialises concurrent migrations of servers starting together.
const MIGRATION_LOCK: i64 = 0x6d65_6475_7361;

pub struct PostgresStore {
    connections: Arc<Connections>,
    creations: GroupCommit,
    keys: Arc<PublishableKeyCache>,
    listening: tokio::task::JoinHandle<()>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.listening.abort();
    }
}

impl PostgresStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        // Every statement is prepared once per connection; planning the batch statement anew at each execution
        // (PostgreSQL's first five, and whenever it prefers a custom plan) costs more than running it.
        let options =
            PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_generic_plan")]);
        let keys = Arc::new(PublishableKeyCache::default());
        let connections = Arc::new(Connections::new(options.clone(), 16));
        let store = Self {
            creations: GroupCommit::start(connections.clone()),
            connections,
            listening: tokio::spawn(keys.clone().listen(options)),
            keys,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        self.connections
            .run(async |connection| {
                let mut tx = connection.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)",
                )
                .execute(&mut *tx)
                .await?;
                for migration in MIGRATIONS {
                    let applied = sqlx::query("SELECT 1 FROM schema_migrations WHERE version = $1")
                        .bind(migration.version)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some();
                    if !applied {
                        sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
                        sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                            .bind(migration.version)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await
            })
            .await?;
        Ok(())
    }
}

fn identity_from_row(row: &PgRow) -> Result<AuthIdentity, sqlx::Error> {
    Ok(AuthIdentity {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        customer_id: row.try_get("customer_id")?,
    })
}

fn customer_from_row(row: &PgRow) -> Result<Customer, sqlx::Error> {
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
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
    })
}

/// `SELECT … FROM customer_address` and the rest of the statement (sqlx takes only literal SQL).
macro_rules! select_address {
    ($rest:literal) => {
        concat!(
            "SELECT id, customer_id, address_name, is_default_shipping, is_default_billing, company, first_name, \
             last_name, address_1, address_2, city, country_code, province, postal_code, phone, \
             metadata::text AS metadata, created_at, updated_at FROM customer_address ",
            $rest
        )
    };
}

fn address_from_row(row: &PgRow) -> Result<Address, sqlx::Error> {
    let metadata: Option<String> = row.try_get("metadata")?;
    let metadata = metadata
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|error| sqlx::Error::Decode(error.into()))?;
    Ok(Address {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        address_name: row.try_get("address_name")?,
        is_default_shipping: row.try_get("is_default_shipping")?,
        is_default_billing: row.try_get("is_default_billing")?,
        company: row.try_get("company")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        address_1: row.try_get("address_1")?,
        address_2: row.try_get("address_2")?,
        city: row.try_get("city")?,
        country_code: row.try_get("country_code")?,
        province: row.try_get("province")?,
        postal_code: row.try_get("postal_code")?,
        phone: row.try_get("phone")?,
        metadata,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Writes the address (inserted or replaced) after taking the default flags it holds from the customer's other
/// addresses; the caller holds a transaction.
async fn save_address(connection: &mut PgConnection, address: &Address) -> Result<(), sqlx::Error> {
    for (set, take_flag) in [
        (
            address.is_default_shipping,
            "UPDATE customer_address SET is_default_shipping = false, updated_at = $3 \
             WHERE customer_id = $1 AND id <> $2 AND is_default_shipping",
        ),
        (
            address.is_default_billing,
            "UPDATE customer_address SET is_default_billing = false, updated_at = $3 \
             WHERE customer_id = $1 AND id <> $2 AND is_default_billing",
        ),
    ] {
        if set {
            sqlx::query(take_flag)
                .bind(&address.customer_id)
                .bind(&address.id)
                .bind(address.updated_at)
                .execute(&mut *connection)
                .await?;
        }
    }
    sqlx::query(
        "INSERT INTO customer_address (id, customer_id, address_name, is_default_shipping, is_default_billing, \
         company, first_name, last_name, address_1, address_2, city, country_code, province, postal_code, phone, \
         metadata, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET address_name = EXCLUDED.address_name, \
         is_default_shipping = EXCLUDED.is_default_shipping, is_default_billing = EXCLUDED.is_default_billing, \
         company = EXCLUDED.company, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, \
         address_1 = EXCLUDED.address_1, address_2 = EXCLUDED.address_2, city = EXCLUDED.city, \
         country_code = EXCLUDED.country_code, province = EXCLUDED.province, \
         postal_code = EXCLUDED.postal_code, phone = EXCLUDED.phone, metadata = EXCLUDED.metadata, \
         updated_at = EXCLUDED.updated_at",
    )
    .bind(&address.id)
    .bind(&address.customer_id)
    .bind(&address.address_name)
    .bind(address.is_default_shipping)
    .bind(address.is_default_billing)
    .bind(&address.company)
    .bind(&address.first_name)
    .bind(&address.last_name)
    .bind(&address.address_1)
    .bind(&address.address_2)
    .bind(&address.city)
    .bind(&address.country_code)
    .bind(&address.province)
    .bind(&address.postal_code)
    .bind(&address.phone)
    .bind(json_text(&address.metadata))
    .bind(address.created_at)
    .bind(address.updated_at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Writes the event, if any, into the outbox, in the caller's transaction of the change it announces.
async fn insert_event(
    connection: &mut PgConnection,
    event: Option<&Event>,
) -> Result<(), sqlx::Error> {
    if let Some(event) = event {
        sqlx::query(
            "INSERT INTO event_outbox (id, name, data, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, 0, $4)",
        )
        .bind(&event.id)
        .bind(&event.name)
        .bind(event.data.to_string())
        .bind(event.created_at)
        .execute(connection)
        .await?;
    }
    Ok(())
}

fn outbox_event_from_row(row: &PgRow) -> Result<OutboxEvent, sqlx::Error> {
    let data: String = row.try_get("data")?;
    let attempts: i64 = row.try_get::<i32, _>("attempts")?.into();
    Ok(OutboxEvent {
        event: Event {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            data: serde_json::from_str(&data).map_err(|error| sqlx::Error::Decode(error.into()))?,
            created_at: row.try_get("created_at")?,
        },
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
    })
}

fn key_from_row(row: &PgRow) -> Result<PublishableKey, sqlx::Error> {
    Ok(PublishableKey {
        id: row.try_get("id")?,
        token: row.try_get("token")?,
        title: row.try_get("title")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// The live customer with id `$1`, and the rest of the statement (sqlx takes only literal SQL).
macro_rules! select_customer {
    ($rest:literal) => {
        concat!(
            "SELECT id, email, company_name, first_name, last_name, phone, metadata::text AS metadata, \
             has_account, created_at, updated_at, deleted_at FROM customer WHERE id = $1 AND deleted_at IS NULL",
            $rest
        )
    };
}
const SELECT_CUSTOMER: &str = select_customer!("");

fn insert_customer(customer: &Customer) -> PgQuery {
    sqlx::query(
        "INSERT INTO customer (id, email, company_name, first_name, last_name, phone, metadata, has_account, \
         created_at, updated_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11)",
    )
    .bind(customer.id.clone())
    .bind(customer.email.clone())
    .bind(customer.company_name.clone())
    .bind(customer.first_name.clone())
    .bind(customer.last_name.clone())
    .bind(customer.phone.clone())
    .bind(metadata_text(customer))
    .bind(customer.has_account)
    .bind(customer.created_at)
    .bind(customer.updated_at)
    .bind(customer.deleted_at)
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Why the identity $2 could not be taken for a customer with email $1, read in a fresh snapshot.
const WHY_THE_IDENTITY_WAS_NOT_FREE: &str = "\
    SELECT EXISTS (SELECT FROM customer WHERE email = $1 AND has_account AND deleted_at IS NULL) AS email_has_account, \
        EXISTS (SELECT FROM auth_identity WHERE id = $2) AS identity_exists, \
        EXISTS (SELECT FROM auth_identity WHERE id = $2 AND customer_id IS NOT NULL) AS identity_linked";

#[async_trait]
impl Store for PostgresStore {
    async fn identity_by_email(&self, email: &str) -> Result<Option<AuthIdentity>, StoreError> {
        let query =
            sqlx::query("SELECT * FROM auth_identity WHERE email = $1").bind(email.to_owned());
        let row = self.connections.fetch_optional(query).await?;
        Ok(row.as_ref().map(identity_from_row).transpose()?)
    }

    async fn identity(&self, id: &str) -> Result<Option<AuthIdentity>, StoreError> {
        let query = sqlx::query("SELECT * FROM auth_identity WHERE id = $1").bind(id.to_owned());
        let row = self.connections.fetch_optional(query).await?;
        Ok(row.as_ref().map(identity_from_row).transpose()?)
    }

    async fn insert_identity(&self, identity: &AuthIdentity) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "INSERT INTO auth_identity (id, email, password_hash, customer_id, created_at) \
             VALUES ($1, $2, $3, $4, now()) ON CONFLICT (email) DO NOTHING",
        )
        .bind(identity.id.clone())
        .bind(identity.email.clone())
        .bind(identity.password_hash.clone())
        .bind(identity.customer_id.clone());
        let result = self.connections.execute(query).await?;
        Ok(result.rows_affected() == 1)
    }

    async fn create_customer_for_identity(
        &self,
        identity_id: &str,
        customer: &Customer,
        created: Option<&Event>,
    ) -> Result<CreateCustomerOutcome, StoreError> {
        loop {
            let creation = Creation {
                identity_id: identity_id.to_owned(),
                customer: customer.clone(),
                created: created.cloned(),
            };
            let attempt = self.creations.attempt(creation).await?;
            if attempt.created {
                return Ok(CreateCustomerOutcome::Created);
            }
            if attempt.identity_was_free {
                // The identity was locked and unlinked, so only an account with this email stopped the insert.
                return Ok(CreateCustomerOutcome::EmailHasAccount);
            }
            // The identity is missing or linked, but an account with this email takes precedence, and it may have
            // been committed by the very creation that linked the identity, after this statement's snapshot: ask
            // again in a new one. Identities are never deleted or unlinked, so the answer is that of a moment
            // within this call.
            let query = sqlx::query(WHY_THE_IDENTITY_WAS_NOT_FREE)
                .bind(customer.email.clone())
                .bind(identity_id.to_owned());
            let row = self.connections.fetch_one(query).await?;
            if row.try_get("email_has_account")? {
                return Ok(CreateCustomerOutcome::EmailHasAccount);
            }
            if !row.try_get::<bool, _>("identity_exists")? {
                return Ok(CreateCustomerOutcome::IdentityMissing);
            }
            if row.try_get("identity_linked")? {
                return Ok(CreateCustomerOutcome::IdentityLinked);
            }
            // Still free: an earlier creation of the same batch had the identity and failed on its own email.
            // This one comes after it, as in the batch's order: try again.
        }
    }

    async fn insert_guest_customer(&self, customer: &Customer) -> Result<bool, StoreError> {
        match self.connections.execute(insert_customer(customer)).await {
            Ok(_) => Ok(true),
            Err(error) if is_unique_violation(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    async fn delete_sign_up(&self, email: &str) -> Result<DeletedSignUp, StoreError> {
        // One statement, so one transaction.
        let query = sqlx::query(
            "WITH identities AS (DELETE FROM auth_identity WHERE email = $1 RETURNING id), \
             sessions AS (DELETE FROM auth_session WHERE auth_identity_id IN (SELECT id FROM identities)), \
             customers AS (DELETE FROM customer WHERE email = $1 RETURNING id), \
             addresses AS (DELETE FROM customer_address WHERE customer_id IN (SELECT id FROM customers)) \
             SELECT (SELECT count(*) FROM identities) AS identities, \
                    (SELECT count(*) FROM customers) AS customers",
        )
        .bind(email.to_owned());
        let row = self.connections.fetch_one(query).await?;
        let count = |column: &str| row.try_get::<i64, _>(column).map(|n| n as u64);
        Ok(DeletedSignUp {
            identities: count("identities")?,
            customers: count("customers")?,
        })
    }

    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let query = sqlx::query(SELECT_CUSTOMER).bind(id.to_owned());
        let row = self.connections.fetch_optional(query).await?;
        Ok(row.as_ref().map(customer_from_row).transpose()?)
    }

    async fn update_customer(
        &self,
        id: &str,
        update: &ProfileUpdate,
        now: DateTime<Utc>,
        updated: Option<&Event>,
    ) -> Result<Option<Customer>, StoreError> {
        let customer = self
            .connections
            .run(async |connection| {
                let mut transaction = connection.begin().await?;
                let row = sqlx::query(select_customer!(" FOR UPDATE"))
                    .bind(id)
                    .fetch_optional(&mut *transaction)
                    .await?;
                let Some(mut customer) = row.as_ref().map(customer_from_row).transpose()? else {
                    return Ok(None);
                };
                if customer.apply(update, now) {
                    sqlx::query(
                        "UPDATE customer SET company_name = $2, first_name = $3, last_name = $4, phone = $5, \
                         metadata = $6::jsonb, updated_at = $7 WHERE id = $1",
                    )
                    .bind(&customer.id)
                    .bind(&customer.company_name)
                    .bind(&customer.first_name)
                    .bind(&customer.last_name)
                    .bind(&customer.phone)
                    .bind(metadata_text(&customer))
                    .bind(customer.updated_at)
                    .execute(&mut *transaction)
                    .await?;
                }
                insert_event(&mut transaction, updated).await?;
                transaction.commit().await?;
                Ok(Some(customer))
            })
            .await?;
        Ok(customer)
    }

    async fn addresses(&self, customer_id: &str) -> Result<Vec<Address>, StoreError> {
        let query = sqlx::query(select_address!("WHERE customer_id = $1 ORDER BY id"))
            .bind(customer_id.to_owned());
        let rows = self.connections.fetch_all(query).await?;
        Ok(rows
            .iter()
            .map(address_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn address(&self, customer_id: &str, id: &str) -> Result<Option<Address>, StoreError> {
        let query = sqlx::query(select_address!("WHERE customer_id = $1 AND id = $2"))
            .bind(customer_id.to_owned())
            .bind(id.to_owned());
        let row = self.connections.fetch_optional(query).await?;
        Ok(row.as_ref().map(address_from_row).transpose()?)
    }

    async fn insert_address(&self, address: &Address) -> Result<(), StoreError> {
        self.connections
            .run(async |connection| {
                let mut transaction = connection.begin().await?;
                save_address(&mut transaction, address).await?;
                transaction.commit().await
            })
            .await?;
        Ok(())
    }

    async fn update_address(
        &self,
        customer_id: &str,
        id: &str,
        update: &AddressUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError> {
        let address = self
            .connections
            .run(async |connection| {
                let mut transaction = connection.begin().await?;
                let row = sqlx::query(select_address!(
                    "WHERE customer_id = $1 AND id = $2 FOR UPDATE"
                ))
                .bind(customer_id)
                .bind(id)
                .fetch_optional(&mut *transaction)
                .await?;
                let Some(mut address) = row.as_ref().map(address_from_row).transpose()? else {
                    return Ok(None);
                };
                if address.apply(update, now) {
                    save_address(&mut transaction, &address).await?;
                }
                transaction.commit().await?;
                Ok(Some(address))
            })
            .await?;
        Ok(address)
    }

    async fn delete_address(&self, customer_id: &str, id: &str) -> Result<bool, StoreError> {
        let query = sqlx::query("DELETE FROM customer_address WHERE customer_id = $1 AND id = $2")
            .bind(customer_id.to_owned())
            .bind(id.to_owned());
        Ok(self.connections.execute(query).await?.rows_affected() > 0)
    }

    async fn replace_reset_token(
        &self,
        token: &ResetToken,
        requested: Option<&Event>,
    ) -> Result<(), StoreError> {
        self.connections
            .run(async |connection| {
                let mut transaction = connection.begin().await?;
                sqlx::query(
                    "INSERT INTO password_reset_token (auth_identity_id, token_hash, expires_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (auth_identity_id) \
                     DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at",
                )
                .bind(&token.auth_identity_id)
                .bind(&token.token_hash)
                .bind(token.expires_at)
                .execute(&mut *transaction)
                .await?;
                insert_event(&mut transaction, requested).await?;
                transaction.commit().await
            })
            .await?;
        Ok(())
    }

    async fn consume_reset_token(
        &self,
        token: &ResetToken,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "DELETE FROM password_reset_token \
             WHERE auth_identity_id = $1 AND token_hash = $2 AND expires_at > $3",
        )
        .bind(token.auth_identity_id.clone())
        .bind(token.token_hash.clone())
        .bind(now);
        Ok(self.connections.execute(query).await?.rows_affected() > 0)
    }

    async fn set_password_hash(&self, identity_id: &str, hash: &str) -> Result<(), StoreError> {
        let query = sqlx::query("UPDATE auth_identity SET password_hash = $2 WHERE id = $1")
            .bind(identity_id.to_owned())
            .bind(hash.to_owned());
        self.connections.execute(query).await?;
        Ok(())
    }

    async fn lease_due_events(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        // SKIP LOCKED: servers sharing the database lease different events.
        let query = sqlx::query(
            "UPDATE event_outbox SET next_attempt_at = $2 WHERE id IN ( \
                SELECT id FROM event_outbox WHERE next_attempt_at <= $1 \
                ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, name, data, created_at, attempts",
        )
        .bind(now)
        .bind(lease_until)
        .bind(limit as i64);
        let rows = self.connections.fetch_all(query).await?;
        let mut events = rows
            .iter()
            .map(outbox_event_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        events.sort_by(|a, b| {
            (a.event.created_at, &a.event.id).cmp(&(b.event.created_at, &b.event.id))
        });
        Ok(events)
    }

    async fn delete_event(&self, id: &str) -> Result<(), StoreError> {
        let query = sqlx::query("DELETE FROM event_outbox WHERE id = $1").bind(id.to_owned());
        self.connections.execute(query).await?;
        Ok(())
    }

    async fn retry_event(
        &self,
        id: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let query = sqlx::query(
            "UPDATE event_outbox SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1",
        )
        .bind(id.to_owned())
        .bind(next_attempt_at);
        self.connections.execute(query).await?;
        Ok(())
    }

    async fn insert_publishable_key(&self, key: &PublishableKey) -> Result<(), StoreError> {
        let query = sqlx::query(
            "INSERT INTO publishable_key (id, token, title, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key.id.clone())
        .bind(key.token.clone())
        .bind(key.title.clone())
        .bind(key.created_at)
        .bind(key.revoked_at);
        self.connections.execute(query).await?;
        Ok(())
    }

    async fn publishable_keys(&self) -> Result<Vec<PublishableKey>, StoreError> {
        let query = sqlx::query("SELECT * FROM publishable_key ORDER BY created_at, id");
        let rows = self.connections.fetch_all(query).await?;
        Ok(rows.iter().map(key_from_row).collect::<Result<_, _>>()?)
    }

    async fn revoke_publishable_key(
        &self,
        id_or_token: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PublishableKey>, StoreError> {
        let query = sqlx::query(
            "UPDATE publishable_key SET revoked_at = $1 WHERE (id = $2 OR token = $2) AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(id_or_token.to_owned());
        self.connections.execute(query).await?;
        // This server stops serving the key now; the others when the trigger's notification reaches them.
        self.keys.clear();
        let query = sqlx::query("SELECT * FROM publishable_key WHERE id = $1 OR token = $1")
            .bind(id_or_token.to_owned());
        let row = self.connections.fetch_optional(query).await?;
        Ok(row.as_ref().map(key_from_row).transpose()?)
    }

    async fn publishable_key_by_token(
        &self,
        token: &str,
    ) -> Result<Option<PublishableKey>, StoreError> {
        let lookup = match self.keys.get(token) {
            Ok(key) => return Ok(Some(key)),
            Err(lookup) => lookup,
        };
        let query =
            sqlx::query("SELECT * FROM publishable_key WHERE token = $1").bind(token.to_owned());
        let row = self.connections.fetch_optional(query).await?;
        let key = row.as_ref().map(key_from_row).transpose()?;
        // An unknown token is not cached: a key created a moment later must work at once.
        if let (Some(lookup), Some(key)) = (lookup, &key) {
            self.keys.put(lookup, key);
        }
        Ok(key)
    }

    async fn insert_session(
        &self,
        session: &Session,
        per_identity: usize,
    ) -> Result<(), StoreError> {
        // One statement: the final DELETE sees the table as it was before the INSERT, so it keeps the newest
        // `per_identity - 1` earlier sessions of the identity beside the new one.
        let query = sqlx::query(
            "WITH expired AS (DELETE FROM auth_session WHERE expires_at < $4), \
             inserted AS (INSERT INTO auth_session (id, auth_context, expires_at, auth_identity_id) \
                          VALUES ($1, $2, $3, $5)) \
             DELETE FROM auth_session WHERE auth_identity_id = $5 AND id NOT IN \
               (SELECT id FROM auth_session WHERE auth_identity_id = $5 \
                ORDER BY expires_at DESC, id DESC LIMIT $6)",
        )
        .bind(session.id.clone())
        .bind(session.auth_context.to_string())
        .bind(session.expires_at)
        .bind(Utc::now())
        .bind(session.auth_identity_id.clone())
        .bind(per_identity.saturating_sub(1) as i64);
        self.connections.execute(query).await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self) -> Result<u64, StoreError> {
        let query = sqlx::query("DELETE FROM auth_session WHERE expires_at < $1").bind(Utc::now());
        Ok(self.connections.execute(query).await?.rows_affected())
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let query = sqlx::query("SELECT * FROM auth_session WHERE id = $1").bind(id.to_owned());
        let Some(row) = self.connections.fetch_optional(query).await? else {
            return Ok(None);
        };
        let context: String = row.try_get("auth_context")?;
        Ok(Some(Session {
            id: row.try_get("id")?,
            auth_identity_id: row.try_get("auth_identity_id")?,
            auth_context: serde_json::from_str(&context)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let query = sqlx::query("DELETE FROM auth_session WHERE id = $1").bind(id.to_owned());
        self.connections.execute(query).await?;
        Ok(())
    }
}
