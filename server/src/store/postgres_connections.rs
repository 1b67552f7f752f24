//! PostgreSQL connections lent out one statement at a time.
//!
//! sqlx's pool tests every connection with a round trip as it comes back, in case a cancelled query left it
//! mid-protocol: a third of all the round trips of a customer creation, and as much work for the database. Here a
//! connection goes back only after its statement completed (or failed in the database), so it is known to be
//! idle; one whose caller was cancelled mid-statement, or that failed in transport, is closed instead. Only a
//! connection that sat idle for a while is tested before use: it is the one a database restart may have broken.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use sqlx::{
    Connection, PgConnection, Postgres,
    postgres::{PgArguments, PgConnectOptions, PgQueryResult, PgRow},
    query::Query,
};
use tokio::sync::Semaphore;

pub(super) type PgQuery = Query<'static, Postgres, PgArguments>;

/// A connection idle for longer is tested (a round trip) before it is used again.
const TEST_AFTER_IDLE: Duration = Duration::from_secs(1);

/// How long a statement may wait for a connection (sqlx's pool default): a database that does not answer fails
/// requests instead of piling them up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) struct Connections {
    options: PgConnectOptions,
    /// With the time each was given back.
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    /// At most this many connections exist; a caller beyond waits for one.
    open: Semaphore,
}

/// A connection lent out. Dropped without `give_back` (its caller was cancelled, or it failed in transport), the
/// connection is dropped with it, which closes its socket and so ends its session.
struct Lent<'a> {
    connections: &'a Connections,
    connection: Option<PgConnection>,
}

impl Connections {
    pub fn new(options: PgConnectOptions, max: usize) -> Self {
        Self {
            options,
            idle: Mutex::new(Vec::new()),
            open: Semaphore::new(max),
        }
    }

    /// Runs `work` on an idle connection, or a new one.
    pub async fn run<T>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let acquire = async {
            let permit = self
                .open
                .acquire()
                .await
                .expect("the semaphore is never closed");
            Ok::<_, sqlx::Error>((permit, self.idle_or_new().await?))
        };
        let (_permit, connection) = tokio::time::timeout(ACQUIRE_TIMEOUT, acquire)
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        let mut lent = Lent {
            connections: self,
            connection: Some(connection),
        };
        let result = work(lent.connection.as_mut().expect("lent until given back")).await;
        // A database error (a unique violation, a failed statement) leaves the session ready for the next one.
        if matches!(&result, Ok(_) | Err(sqlx::Error::Database(_))) {
            lent.give_back();
        }
        result
    }

    async fn idle_or_new(&self) -> Result<PgConnection, sqlx::Error> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let Some((mut connection, since)) = idle else {
                return PgConnection::connect_with(&self.options).await;
            };
            if since.elapsed() < TEST_AFTER_IDLE || connection.ping().await.is_ok() {
                return Ok(connection);
            }
        }
    }

    pub async fn execute(&self, query: PgQuery) -> Result<PgQueryResult, sqlx::Error> {
        self.run(async |connection| query.execute(connection).await)
            .await
    }

    pub async fn fetch_one(&self, query: PgQuery) -> Result<PgRow, sqlx::Error> {
        self.run(async |connection| query.fetch_one(connection).await)
            .await
    }

    pub async fn fetch_optional(&self, query: PgQuery) -> Result<Option<PgRow>, sqlx::Error> {
        self.run(async |connection| query.fetch_optional(connection).await)
            .await
    }

    pub async fn fetch_all(&self, query: PgQuery) -> Result<Vec<PgRow>, sqlx::Error> {
        self.run(async |connection| query.fetch_all(connection).await)
            .await
    }
}

impl Lent<'_> {
    fn give_back(mut self) {
        if let Some(connection) = self.connection.take() {
            self.connections
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((connection, Instant::now()));
        }
    }
}
