//! The embedded store. One file, WAL mode, `synchronous = FULL`. Every write goes through one writing thread that
//! group-commits (`sqlite_writer`); reads run on the calling thread, on a connection of their own.

use std::{sync::Mutex, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};

use super::{
    AuthIdentity, CreateCustomerOutcome, DeletedSignUp, Migration, OutboxEvent, PublishableKey,
    ResetToken, Session, Store, StoreError, json_text, metadata_text, sqlite_writer::Writer,
};
use crate::domain::{Address, AddressUpdate, Customer, Event, ProfileUpdate};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/sqlite/0002_session_expiry_index.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/sqlite/0003_sessions_per_identity.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/sqlite/0004_customer_addresses.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/sqlite/0005_password_reset_and_events.sql"),
    },
];

/// How long a statement waits for a lock another process holds (the `keys` commands, a second server).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SqliteStore {
    writer: Writer,
    /// `None` for an in-memory database, whose reads go through the writer (it has only that connection).
    readers: Option<Readers>,
}

/// Where the database is.
struct Location {
    path: String,
}

impl Location {
    /// `sqlite://path`, `sqlite:path` or a plain path; `:memory:` (or `sqlite::memory:`) for a database that lives
    /// as long as the store.
    fn parse(url: &str) -> Self {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Self {
            path: path.to_owned(),
        }
    }

    fn in_memory(&self) -> bool {
        self.path == ":memory:"
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&self.path, flags)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // FULL: an acknowledged write survives a power cut, not only a crash of the process.
        connection.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        Ok(connection)
    }
}

/// Reading connections, each used by one caller at a time. A read is a lookup by a unique key, microseconds of
/// work, and in WAL mode it never waits for the writer: running it on the caller's thread costs less than handing
/// it to another thread and back. (Only another process recovering the WAL after a crash can make it wait, up to
/// the busy timeout.)
struct Readers {
    location: Location,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn read<T>(
        &self,
        query: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        // The lock is never held across a query, so nothing can poison it.
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let connection = self.location.open()?;
                connection.pragma_update(None, "query_only", true)?;
                connection
            }
        };
        let result = query(&connection);
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(connection);
        Ok(result?)
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::open(Location::parse(url))
    }

    /// A store over a fresh in-memory database; for building the OpenAPI document, which never touches storage.
    pub fn in_memory() -> anyhow::Result<Self> {
        Self::open(Location::parse(":memory:"))
    }

    fn open(location: Location) -> anyhow::Result<Self> {
        let mut connection = location.open()?;
        migrate(&mut connection)?;
        let readers = (!location.in_memory()).then(|| Readers {
            location,
            idle: Mutex::new(Vec::new()),
        });
        Ok(Self {
            writer: Writer::start(connection)?,
            readers,
        })
    }

    async fn read<T, Q>(&self, query: Q) -> Result<T, StoreError>
    where
        T: Send + 'static,
        Q: FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        match &self.readers {
            Some(readers) => readers.read(query),
            None => self.writer.write(query).await,
        }
    }
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    transaction.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)",
    )?;
    for migration in MIGRATIONS {
        let applied = transaction
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !applied {
            transaction.execute_batch(migration.sql)?;
            transaction.execute(
                "INSERT INTO schema_migrations (version) VALUES (?1)",
                [migration.version],
            )?;
        }
    }
    transaction.commit()
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A column whose text does not decode (a timestamp, a JSON document).
fn decode_error(
    row: &Row,
    column: &str,
    error: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    let index = row.as_ref().column_index(column).unwrap_or_default();
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error))
}

fn timestamp_at(row: &Row, column: &str) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(column)?;
    parse_timestamp(row, column, &text)
}

fn optional_timestamp_at(row: &Row, column: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(column)?;
    text.map(|text| parse_timestamp(row, column, &text))
        .transpose()
}

fn parse_timestamp(row: &Row, column: &str, text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| decode_error(row, column, error))
}

fn identity_from_row(row: &Row) -> rusqlite::Result<AuthIdentity> {
    Ok(AuthIdentity {
        id: row.get("id")?,
        email: row.get("email")?,
        password_hash: row.get("password_hash")?,
        customer_id: row.get("customer_id")?,
    })
}

fn customer_from_row(row: &Row) -> rusqlite::Result<Customer> {
    let metadata: Option<String> = row.get("metadata")?;
    let metadata = metadata
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|error| decode_error(row, "metadata", error))?;
    Ok(Customer {
        id: row.get("id")?,
        email: row.get("email")?,
        company_name: row.get("company_name")?,
        first_name: row.get("first_name")?,
        last_name: row.get("last_name")?,
        phone: row.get("phone")?,
        metadata,
        has_account: row.get("has_account")?,
        created_at: timestamp_at(row, "created_at")?,
        updated_at: timestamp_at(row, "updated_at")?,
        deleted_at: optional_timestamp_at(row, "deleted_at")?,
    })
}

fn address_from_row(row: &Row) -> rusqlite::Result<Address> {
    let metadata: Option<String> = row.get("metadata")?;
    let metadata = metadata
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|error| decode_error(row, "metadata", error))?;
    Ok(Address {
        id: row.get("id")?,
        customer_id: row.get("customer_id")?,
        address_name: row.get("address_name")?,
        is_default_shipping: row.get("is_default_shipping")?,
        is_default_billing: row.get("is_default_billing")?,
        company: row.get("company")?,
        first_name: row.get("first_name")?,
        last_name: row.get("last_name")?,
        address_1: row.get("address_1")?,
        address_2: row.get("address_2")?,
        city: row.get("city")?,
        country_code: row.get("country_code")?,
        province: row.get("province")?,
        postal_code: row.get("postal_code")?,
        phone: row.get("phone")?,
        metadata,
        created_at: timestamp_at(row, "created_at")?,
        updated_at: timestamp_at(row, "updated_at")?,
    })
}

fn select_address(
    connection: &Connection,
    customer_id: &str,
    id: &str,
) -> rusqlite::Result<Option<Address>> {
    connection
        .prepare_cached("SELECT * FROM customer_address WHERE customer_id = ?1 AND id = ?2")?
        .query_row([customer_id, id], address_from_row)
        .optional()
}

/// Writes the address (inserted or replaced) after taking the default flags it holds from the customer's other
/// addresses; runs inside the writer's transaction.
fn save_address(connection: &Connection, address: &Address) -> rusqlite::Result<()> {
    for (flag, set) in [
        ("is_default_shipping", address.is_default_shipping),
        ("is_default_billing", address.is_default_billing),
    ] {
        if set {
            connection.execute(
                &format!(
                    "UPDATE customer_address SET {flag} = 0, updated_at = ?3 \
                     WHERE customer_id = ?1 AND id <> ?2 AND {flag}"
                ),
                params![
                    address.customer_id,
                    address.id,
                    timestamp(address.updated_at)
                ],
            )?;
        }
    }
    connection.execute(
        "INSERT OR REPLACE INTO customer_address (id, customer_id, address_name, is_default_shipping, \
         is_default_billing, company, first_name, last_name, address_1, address_2, city, country_code, province, \
         postal_code, phone, metadata, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            address.id,
            address.customer_id,
            address.address_name,
            address.is_default_shipping,
            address.is_default_billing,
            address.company,
            address.first_name,
            address.last_name,
            address.address_1,
            address.address_2,
            address.city,
            address.country_code,
            address.province,
            address.postal_code,
            address.phone,
            json_text(&address.metadata),
            timestamp(address.created_at),
            timestamp(address.updated_at),
        ],
    )?;
    Ok(())
}

/// Writes the event, if any, into the outbox; runs inside the writer's transaction of the change it announces.
fn insert_event(connection: &Connection, event: Option<&Event>) -> rusqlite::Result<()> {
    if let Some(event) = event {
        connection.execute(
            "INSERT INTO event_outbox (id, name, data, created_at, attempts, next_attempt_at) \
             VALUES (?1, ?2, ?3, ?4, 0, ?4)",
            params![
                event.id,
                event.name,
                event.data.to_string(),
                timestamp(event.created_at)
            ],
        )?;
    }
    Ok(())
}

fn outbox_event_from_row(row: &Row) -> rusqlite::Result<OutboxEvent> {
    let data: String = row.get("data")?;
    Ok(OutboxEvent {
        event: Event {
            id: row.get("id")?,
            name: row.get("name")?,
            data: serde_json::from_str(&data).map_err(|error| decode_error(row, "data", error))?,
            created_at: timestamp_at(row, "created_at")?,
        },
        attempts: row.get("attempts")?,
    })
}

fn key_from_row(row: &Row) -> rusqlite::Result<PublishableKey> {
    Ok(PublishableKey {
        id: row.get("id")?,
        token: row.get("token")?,
        title: row.get("title")?,
        created_at: timestamp_at(row, "created_at")?,
        revoked_at: optional_timestamp_at(row, "revoked_at")?,
    })
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error(),
        Some(failure) if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Inserts the customer; `false` when the unique index `(email, has_account) WHERE deleted_at IS NULL` refuses
/// it. The failed statement is undone alone; an enclosing transaction goes on.
fn insert_customer(connection: &Connection, customer: &Customer) -> rusqlite::Result<bool> {
    let inserted = connection
        .prepare_cached(
            "INSERT INTO customer (id, email, company_name, first_name, last_name, phone, metadata, \
             has_account, created_at, updated_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            customer.id,
            customer.email,
            customer.company_name,
            customer.first_name,
            customer.last_name,
            customer.phone,
            metadata_text(customer),
            customer.has_account,
            timestamp(customer.created_at),
            timestamp(customer.updated_at),
            customer.deleted_at.map(timestamp),
        ]);
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// One creation inside the writer's transaction (which holds SQLite's write lock, so nothing changes between its
/// statements). Three statements when it succeeds; the outcomes and their precedence are those of the trait: an
/// email that has an account wins over an identity that is missing or already linked. The insert relies on the
/// unique index, which is exactly "the email has an account".
fn create_customer(
    connection: &Connection,
    identity_id: &str,
    customer: &Customer,
) -> rusqlite::Result<CreateCustomerOutcome> {
    let link: Option<Option<String>> = connection
        .prepare_cached("SELECT customer_id FROM auth_identity WHERE id = ?1")?
        .query_row([identity_id], |row| row.get(0))
        .optional()?;
    if let Some(None) = link {
        if !insert_customer(connection, customer)? {
            return Ok(CreateCustomerOutcome::EmailHasAccount);
        }
        connection
            .prepare_cached("UPDATE auth_identity SET customer_id = ?1 WHERE id = ?2")?
            .execute([&customer.id, identity_id])?;
        return Ok(CreateCustomerOutcome::Created);
    }
    let has_account = connection
        .prepare_cached(
            "SELECT 1 FROM customer WHERE email = ?1 AND has_account AND deleted_at IS NULL",
        )?
        .exists([&customer.email])?;
    Ok(if has_account {
        CreateCustomerOutcome::EmailHasAccount
    } else if link.is_some() {
        CreateCustomerOutcome::IdentityLinked
    } else {
        CreateCustomerOutcome::IdentityMissing
    })
}

const SELECT_KEY_BY_TOKEN: &str = "SELECT * FROM publishable_key WHERE token = ?1";

#[async_trait]
impl Store for SqliteStore {
    async fn identity_by_email(&self, email: &str) -> Result<Option<AuthIdentity>, StoreError> {
        let email = email.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT * FROM auth_identity WHERE email = ?1")?
                .query_row([&email], identity_from_row)
                .optional()
        })
        .await
    }

    async fn identity(&self, id: &str) -> Result<Option<AuthIdentity>, StoreError> {
        let id = id.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT * FROM auth_identity WHERE id = ?1")?
                .query_row([&id], identity_from_row)
                .optional()
        })
        .await
    }

    async fn insert_identity(&self, identity: &AuthIdentity) -> Result<bool, StoreError> {
        let identity = identity.clone();
        let created_at = timestamp(Utc::now());
        self.writer
            .write(move |connection| {
                let inserted = connection
                    .prepare_cached(
                        "INSERT INTO auth_identity (id, email, password_hash, customer_id, created_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![
                        identity.id,
                        identity.email,
                        identity.password_hash,
                        identity.customer_id,
                        created_at,
                    ]);
                match inserted {
                    Ok(_) => Ok(true),
                    Err(error) if is_unique_violation(&error) => Ok(false),
                    Err(error) => Err(error),
                }
            })
            .await
    }

    async fn create_customer_for_identity(
        &self,
        identity_id: &str,
        customer: &Customer,
        created: Option<&Event>,
    ) -> Result<CreateCustomerOutcome, StoreError> {
        let identity_id = identity_id.to_owned();
        let customer = customer.clone();
        let created = created.cloned();
        self.writer
            .write(move |connection| {
                let outcome = create_customer(connection, &identity_id, &customer)?;
                if outcome == CreateCustomerOutcome::Created {
                    insert_event(connection, created.as_ref())?;
                }
                Ok(outcome)
            })
            .await
    }

    async fn insert_guest_customer(&self, customer: &Customer) -> Result<bool, StoreError> {
        let customer = customer.clone();
        self.writer
            .write(move |connection| insert_customer(connection, &customer))
            .await
    }

    async fn delete_sign_up(&self, email: &str) -> Result<DeletedSignUp, StoreError> {
        let email = email.to_owned();
        self.writer
            // The writer runs each write inside its batch's transaction.
            .write(move |connection| {
                connection.execute(
                    "DELETE FROM auth_session WHERE auth_identity_id IN \
                     (SELECT id FROM auth_identity WHERE email = ?1)",
                    [&email],
                )?;
                let identities =
                    connection.execute("DELETE FROM auth_identity WHERE email = ?1", [&email])?;
                connection.execute(
                    "DELETE FROM customer_address WHERE customer_id IN \
                     (SELECT id FROM customer WHERE email = ?1)",
                    [&email],
                )?;
                let customers =
                    connection.execute("DELETE FROM customer WHERE email = ?1", [&email])?;
                Ok(DeletedSignUp {
                    identities: identities as u64,
                    customers: customers as u64,
                })
            })
            .await
    }

    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let id = id.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT * FROM customer WHERE id = ?1 AND deleted_at IS NULL")?
                .query_row([&id], customer_from_row)
                .optional()
        })
        .await
    }

    async fn update_customer(
        &self,
        id: &str,
        update: &ProfileUpdate,
        now: DateTime<Utc>,
        updated: Option<&Event>,
    ) -> Result<Option<Customer>, StoreError> {
        let (id, update, updated) = (id.to_owned(), update.clone(), updated.cloned());
        self.writer
            .write(move |connection| {
                let Some(mut customer) = connection
                    .prepare_cached("SELECT * FROM customer WHERE id = ?1 AND deleted_at IS NULL")?
                    .query_row([&id], customer_from_row)
                    .optional()?
                else {
                    return Ok(None);
                };
                if customer.apply(&update, now) {
                    connection.execute(
                        "UPDATE customer SET company_name = ?2, first_name = ?3, last_name = ?4, phone = ?5, \
                         metadata = ?6, updated_at = ?7 WHERE id = ?1",
                        params![
                            customer.id,
                            customer.company_name,
                            customer.first_name,
                            customer.last_name,
                            customer.phone,
                            metadata_text(&customer),
                            timestamp(customer.updated_at),
                        ],
                    )?;
                }
                insert_event(connection, updated.as_ref())?;
                Ok(Some(customer))
            })
            .await
    }

    async fn addresses(&self, customer_id: &str) -> Result<Vec<Address>, StoreError> {
        let customer_id = customer_id.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached(
                    "SELECT * FROM customer_address WHERE customer_id = ?1 ORDER BY id",
                )?
                .query_map([&customer_id], address_from_row)?
                .collect()
        })
        .await
    }

    async fn address(&self, customer_id: &str, id: &str) -> Result<Option<Address>, StoreError> {
        let (customer_id, id) = (customer_id.to_owned(), id.to_owned());
        self.read(move |connection| select_address(connection, &customer_id, &id))
            .await
    }

    async fn insert_address(&self, address: &Address) -> Result<(), StoreError> {
        let address = address.clone();
        self.writer
            .write(move |connection| save_address(connection, &address))
            .await
    }

    async fn update_address(
        &self,
        customer_id: &str,
        id: &str,
        update: &AddressUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError> {
        let (customer_id, id, update) = (customer_id.to_owned(), id.to_owned(), update.clone());
        self.writer
            .write(move |connection| {
                let Some(mut address) = select_address(connection, &customer_id, &id)? else {
                    return Ok(None);
                };
                if address.apply(&update, now) {
                    save_address(connection, &address)?;
                }
                Ok(Some(address))
            })
            .await
    }

    async fn delete_address(&self, customer_id: &str, id: &str) -> Result<bool, StoreError> {
        let (customer_id, id) = (customer_id.to_owned(), id.to_owned());
        self.writer
            .write(move |connection| {
                let deleted = connection.execute(
                    "DELETE FROM customer_address WHERE customer_id = ?1 AND id = ?2",
                    [&customer_id, &id],
                )?;
                Ok(deleted > 0)
            })
            .await
    }

    async fn replace_reset_token(
        &self,
        token: &ResetToken,
        requested: Option<&Event>,
    ) -> Result<(), StoreError> {
        let (token, requested) = (token.clone(), requested.cloned());
        self.writer
            .write(move |connection| {
                connection.execute(
                    "INSERT OR REPLACE INTO password_reset_token (auth_identity_id, token_hash, expires_at) \
                     VALUES (?1, ?2, ?3)",
                    params![
                        token.auth_identity_id,
                        token.token_hash,
                        timestamp(token.expires_at)
                    ],
                )?;
                insert_event(connection, requested.as_ref())
            })
            .await
    }

    async fn consume_reset_token(
        &self,
        token: &ResetToken,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let token = token.clone();
        self.writer
            .write(move |connection| {
                let deleted = connection.execute(
                    "DELETE FROM password_reset_token \
                     WHERE auth_identity_id = ?1 AND token_hash = ?2 AND expires_at > ?3",
                    params![token.auth_identity_id, token.token_hash, timestamp(now)],
                )?;
                Ok(deleted > 0)
            })
            .await
    }

    async fn set_password_hash(&self, identity_id: &str, hash: &str) -> Result<(), StoreError> {
        let (identity_id, hash) = (identity_id.to_owned(), hash.to_owned());
        self.writer
            .write(move |connection| {
                connection.execute(
                    "UPDATE auth_identity SET password_hash = ?2 WHERE id = ?1",
                    [&identity_id, &hash],
                )?;
                Ok(())
            })
            .await
    }

    async fn lease_due_events(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        self.writer
            .write(move |connection| {
                let due: Vec<OutboxEvent> = connection
                    .prepare_cached(
                        "SELECT * FROM event_outbox WHERE next_attempt_at <= ?1 \
                         ORDER BY created_at, id LIMIT ?2",
                    )?
                    .query_map(params![timestamp(now), limit as i64], outbox_event_from_row)?
                    .collect::<rusqlite::Result<_>>()?;
                for event in &due {
                    connection.execute(
                        "UPDATE event_outbox SET next_attempt_at = ?2 WHERE id = ?1",
                        params![event.event.id, timestamp(lease_until)],
                    )?;
                }
                Ok(due)
            })
            .await
    }

    async fn delete_event(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.writer
            .write(move |connection| {
                connection.execute("DELETE FROM event_outbox WHERE id = ?1", [&id])?;
                Ok(())
            })
            .await
    }

    async fn retry_event(
        &self,
        id: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.writer
            .write(move |connection| {
                connection.execute(
                    "UPDATE event_outbox SET attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1",
                    params![id, timestamp(next_attempt_at)],
                )?;
                Ok(())
            })
            .await
    }

    async fn insert_publishable_key(&self, key: &PublishableKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.writer
            .write(move |connection| {
                connection.execute(
                    "INSERT INTO publishable_key (id, token, title, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        key.id,
                        key.token,
                        key.title,
                        timestamp(key.created_at),
                        key.revoked_at.map(timestamp),
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn publishable_keys(&self) -> Result<Vec<PublishableKey>, StoreError> {
        self.read(|connection| {
            connection
                .prepare("SELECT * FROM publishable_key ORDER BY created_at, id")?
                .query_map([], key_from_row)?
                .collect()
        })
        .await
    }

    async fn revoke_publishable_key(
        &self,
        id_or_token: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PublishableKey>, StoreError> {
        let id_or_token = id_or_token.to_owned();
        self.writer
            .write(move |connection| {
                connection.execute(
                    "UPDATE publishable_key SET revoked_at = ?1 \
                     WHERE (id = ?2 OR token = ?2) AND revoked_at IS NULL",
                    params![timestamp(at), id_or_token],
                )?;
                connection
                    .query_row(
                        "SELECT * FROM publishable_key WHERE id = ?1 OR token = ?1",
                        [&id_or_token],
                        key_from_row,
                    )
                    .optional()
            })
            .await
    }

    async fn publishable_key_by_token(
        &self,
        token: &str,
    ) -> Result<Option<PublishableKey>, StoreError> {
        let token = token.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached(SELECT_KEY_BY_TOKEN)?
                .query_row([&token], key_from_row)
                .optional()
        })
        .await
    }

    async fn insert_session(
        &self,
        session: &Session,
        per_identity: usize,
    ) -> Result<(), StoreError> {
        let session = session.clone();
        self.writer
            .write(move |connection| {
                connection
                    .prepare_cached(
                        "INSERT INTO auth_session (id, auth_context, expires_at, auth_identity_id) \
                         VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![
                        session.id,
                        session.auth_context.to_string(),
                        timestamp(session.expires_at),
                        session.auth_identity_id,
                    ])?;
                connection
                    .prepare_cached(
                        "DELETE FROM auth_session WHERE auth_identity_id = ?1 AND id NOT IN \
                         (SELECT id FROM auth_session WHERE auth_identity_id = ?1 \
                          ORDER BY expires_at DESC, id DESC LIMIT ?2)",
                    )?
                    .execute(params![session.auth_identity_id, per_identity as i64])?;
                connection
                    .prepare_cached("DELETE FROM auth_session WHERE expires_at < ?1")?
                    .execute([timestamp(Utc::now())])?;
                Ok(())
            })
            .await
    }

    async fn delete_expired_sessions(&self) -> Result<u64, StoreError> {
        self.writer
            .write(move |connection| {
                let deleted = connection
                    .prepare_cached("DELETE FROM auth_session WHERE expires_at < ?1")?
                    .execute([timestamp(Utc::now())])?;
                Ok(deleted as u64)
            })
            .await
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let id = id.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT * FROM auth_session WHERE id = ?1")?
                .query_row([&id], |row| {
                    let context: String = row.get("auth_context")?;
                    Ok(Session {
                        id: row.get("id")?,
                        auth_identity_id: row.get("auth_identity_id")?,
                        auth_context: serde_json::from_str(&context)
                            .map_err(|error| decode_error(row, "auth_context", error))?,
                        expires_at: timestamp_at(row, "expires_at")?,
                    })
                })
                .optional()
        })
        .await
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.writer
            .write(move |connection| {
                connection
                    .prepare_cached("DELETE FROM auth_session WHERE id = ?1")?
                    .execute([&id])?;
                Ok(())
            })
            .await
    }
}
