//! Work prepared before the clock starts: identities inserted straight into the database with one precomputed
//! hash (so that create-only measures creating, not hashing), and registration tokens minted as Medusa mints them.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use bytes::Bytes;
use chrono::Utc;
use hyper::{Method, StatusCode};
use medusa_store_server::domain::{TokenKeys, token::TokenSubject};
use sqlx::{PgPool, Postgres, QueryBuilder, Sqlite, SqlitePool};

use crate::http::Client;

/// A database the identities go into.
pub enum Db {
    /// Our server's SQLite file.
    OursSqlite(SqlitePool),
    /// Our server's PostgreSQL database.
    OursPostgres(PgPool),
    /// Medusa's PostgreSQL database (`auth_identity` + `provider_identity`).
    Medusa(PgPool),
}

const CHUNK: usize = 1000;

/// Inserts `count` identities without a customer and returns a registration token and the email of each.
pub async fn registration_tokens(
    db: &Db,
    keys: &TokenKeys,
    password_hash: &str,
    run: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let now = Utc::now().timestamp();
    Ok(identities(db, password_hash, run, count)
        .await?
        .into_iter()
        .map(|(id, email)| {
            let subject = TokenSubject {
                auth_identity_id: &id,
                customer_id: None,
            };
            (keys.issue(&subject, now), email)
        })
        .collect())
}

/// Inserts `count` identities without a customer; returns the id and the email of each.
async fn identities(
    db: &Db,
    password_hash: &str,
    run: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let identities: Vec<(String, String)> = (0..count)
        .map(|i| {
            let id = format!("authid_{}", ulid::Ulid::new());
            (id, format!("bench-c-{run}-{i}@example.com"))
        })
        .collect();
    for chunk in identities.chunks(CHUNK) {
        insert(db, chunk, password_hash).await?;
    }
    Ok(identities)
}

/// Clients that create the customers of [`customer_tokens`] at once.
const PREPARING_CLIENTS: usize = 8;

/// `count` customers, each with the token its login would return, for the account scenarios (profile update,
/// address create). Each identity is inserted as for create only; its customer is created over HTTP
/// (`POST /store/customers`, so the backend links the two as it does for any sign-up); its token is then minted
/// as the backend mints a login's (`actor_id` and `app_metadata.customer_id` the customer's id), which spares a
/// hash per customer.
pub async fn customer_tokens(
    db: &Db,
    keys: &TokenKeys,
    password_hash: &str,
    addr: SocketAddr,
    key: &str,
    run: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let now = Utc::now().timestamp();
    let identities: Vec<(String, String, String)> = identities(db, password_hash, run, count)
        .await?
        .into_iter()
        .map(|(id, email)| {
            let subject = TokenSubject {
                auth_identity_id: &id,
                customer_id: None,
            };
            let registration = keys.issue(&subject, now);
            (id, registration, email)
        })
        .collect();
    let share = count.div_ceil(PREPARING_CLIENTS).max(1);
    let mut clients = tokio::task::JoinSet::new();
    for (part, chunk) in identities.chunks(share).enumerate() {
        let (chunk, key, keys) = (chunk.to_vec(), key.to_owned(), keys.clone());
        clients.spawn(async move {
            let mut client = Client::new(addr);
            let mut tokens = Vec::with_capacity(chunk.len());
            for (identity, registration, email) in &chunk {
                let customer_id = create_customer(&mut client, &key, registration, email).await?;
                let subject = TokenSubject {
                    auth_identity_id: identity,
                    customer_id: Some(&customer_id),
                };
                tokens.push(keys.issue(&subject, now));
            }
            anyhow::Ok((part, tokens))
        });
    }
    let mut parts = Vec::new();
    while let Some(part) = clients.join_next().await {
        parts.push(part??);
    }
    parts.sort_by_key(|(part, _)| *part);
    Ok(parts.into_iter().flat_map(|(_, tokens)| tokens).collect())
}

/// `POST /store/customers` with a registration token; returns the new customer's id.
async fn create_customer(
    client: &mut Client,
    key: &str,
    token: &str,
    email: &str,
) -> anyhow::Result<String> {
    let bearer = format!("Bearer {token}");
    let body = serde_json::json!({ "email": email, "first_name": "Ada", "last_name": "Lovelace" });
    let (status, body) = client
        .send(
            Method::POST,
            "/store/customers",
            &[("x-publishable-api-key", key), ("authorization", &bearer)],
            Some(Bytes::from(body.to_string())),
            Duration::from_secs(30),
        )
        .await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "create: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let body: serde_json::Value = serde_json::from_slice(&body)?;
    Ok(body["customer"]["id"]
        .as_str()
        .context("the created customer has no id")?
        .to_owned())
}

async fn insert(db: &Db, chunk: &[(String, String)], hash: &str) -> anyhow::Result<()> {
    match db {
        Db::OursSqlite(pool) => {
            let created = medusa_store_server::domain::format_timestamp(Utc::now());
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO auth_identity (id, email, password_hash, customer_id, created_at) ",
            );
            query.push_values(chunk, |mut row, (id, email)| {
                row.push_bind(id.clone())
                    .push_bind(email.clone())
                    .push_bind(hash.to_owned())
                    .push_bind(None::<String>)
                    .push_bind(created.clone());
            });
            query.build().execute(pool).await?;
        }
        Db::OursPostgres(pool) => {
            let mut query = QueryBuilder::<Postgres>::new(
                "INSERT INTO auth_identity (id, email, password_hash, customer_id, created_at) ",
            );
            query.push_values(chunk, |mut row, (id, email)| {
                row.push_bind(id.clone())
                    .push_bind(email.clone())
                    .push_bind(hash.to_owned())
                    .push_bind(None::<String>)
                    .push_bind(Utc::now());
            });
            query.build().execute(pool).await?;
        }
        Db::Medusa(pool) => {
            let mut tx = pool.begin().await?;
            let mut query = QueryBuilder::<Postgres>::new("INSERT INTO auth_identity (id) ");
            query.push_values(chunk, |mut row, (id, _)| {
                row.push_bind(id.clone());
            });
            query.build().execute(&mut *tx).await?;
            let metadata = serde_json::json!({ "password": hash }).to_string();
            let mut query = QueryBuilder::<Postgres>::new(
                "INSERT INTO provider_identity (id, entity_id, provider, auth_identity_id, provider_metadata) ",
            );
            query.push_values(chunk, |mut row, (id, email)| {
                row.push_bind(ulid::Ulid::new().to_string())
                    .push_bind(email.clone())
                    .push_bind("emailpass")
                    .push_bind(id.clone())
                    .push_bind(metadata.clone())
                    .push_unseparated("::jsonb");
            });
            query.build().execute(&mut *tx).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// Signs a customer up over HTTP (register, create, log in) and returns the customer's token, for `me`.
pub async fn customer_token(client: &mut Client, key: &str, run: &str) -> anyhow::Result<String> {
    let timeout = Duration::from_secs(30);
    let email = format!("bench-me-{run}@example.com");
    let credentials = Bytes::from(
        serde_json::json!({ "email": email, "password": "benchmark-password" }).to_string(),
    );
    let token = |status: StatusCode, body: Bytes| -> anyhow::Result<String> {
        anyhow::ensure!(
            status == StatusCode::OK,
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        let body: serde_json::Value = serde_json::from_slice(&body)?;
        Ok(body["token"].as_str().context("no token")?.to_owned())
    };
    let (status, body) = client
        .send(
            Method::POST,
            "/auth/customer/emailpass/register",
            &[],
            Some(credentials.clone()),
            timeout,
        )
        .await?;
    let registration = token(status, body)?;
    let bearer = format!("Bearer {registration}");
    let customer = Bytes::from(serde_json::json!({ "email": email }).to_string());
    let (status, body) = client
        .send(
            Method::POST,
            "/store/customers",
            &[("x-publishable-api-key", key), ("authorization", &bearer)],
            Some(customer),
            timeout,
        )
        .await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "create: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let (status, body) = client
        .send(
            Method::POST,
            "/auth/customer/emailpass",
            &[],
            Some(credentials),
            timeout,
        )
        .await?;
    token(status, body)
}
