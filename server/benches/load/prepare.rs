//! Work prepared before the clock starts: identities inserted straight into the database with one precomputed
//! hash (so that create-only measures creating, not hashing), and registration tokens minted as Medusa mints them.

use std::time::Duration;

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
    let identities: Vec<(String, String)> = (0..count)
        .map(|i| {
            let id = format!("authid_{}", ulid::Ulid::new());
            (id, format!("bench-c-{run}-{i}@example.com"))
        })
        .collect();
    for chunk in identities.chunks(CHUNK) {
        insert(db, chunk, password_hash).await?;
    }
    let now = Utc::now().timestamp();
    Ok(identities
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
