//! Group commit for SQLite. Every customer creation goes to one writer task that owns one connection: it takes
//! all the creations waiting (up to `MAX_BATCH`), runs them one after the other in one `BEGIN IMMEDIATE`
//! transaction, commits once (one WAL fsync, `synchronous = FULL`) and only then answers each caller. An answer
//! therefore always follows a durable commit, as before; what changes is that 32 concurrent creations cost one
//! fsync instead of 32, and that they no longer fight for SQLite's write lock (whose busy handler sleeps).
//!
//! Inside the transaction the creations run serially, so each sees the ones before it: the race between two
//! creations of one email or one identity is settled exactly as by separate transactions.

use sqlx::{Connection, SqliteConnection, sqlite::SqliteConnectOptions};
use tokio::sync::{mpsc, oneshot};

use super::{CreateCustomerOutcome, StoreError, sqlite::create_in_transaction};
use crate::domain::Customer;

/// The most creations committed together.
const MAX_BATCH: usize = 256;

struct Job {
    identity_id: String,
    customer: Customer,
    reply: oneshot::Sender<Result<CreateCustomerOutcome, StoreError>>,
}

pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub async fn start(options: &SqliteConnectOptions) -> anyhow::Result<Self> {
        let connection = SqliteConnection::connect_with(options).await?;
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(connection, queue));
        Ok(Self { jobs })
    }

    pub async fn create_customer_for_identity(
        &self,
        identity_id: &str,
        customer: &Customer,
    ) -> Result<CreateCustomerOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            identity_id: identity_id.to_owned(),
            customer: customer.clone(),
            reply,
        };
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

async fn run(mut connection: SqliteConnection, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match commit(&mut connection, &batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            // Nothing of the batch was committed: retry each alone, so that only a creation that fails by
            // itself fails.
            Err(_) => {
                for job in batch.drain(..) {
                    let outcome = commit(&mut connection, std::slice::from_ref(&job))
                        .await
                        .map(|mut outcomes| outcomes.remove(0));
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

async fn commit(
    connection: &mut SqliteConnection,
    jobs: &[Job],
) -> Result<Vec<CreateCustomerOutcome>, StoreError> {
    let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        outcomes.push(create_in_transaction(&mut tx, &job.identity_id, &job.customer).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}
