//! Group commit for PostgreSQL creations. Creations waiting together go to the database as one statement over
//! arrays (`CREATE_CUSTOMERS`): one round trip, one statement's overhead and one commit (one WAL flush) for the
//! batch, instead of one each. PostgreSQL already shares WAL flushes between concurrent commits; the round trips
//! and the per-statement work were what remained (half the machine's CPU in PostgreSQL's backends at 7 800
//! creations/s, one statement per creation). Up to `IN_FLIGHT` batches run at once, on different connections; a
//! batch answers its callers only once its statement committed.

use std::sync::Arc;

use sqlx::Row;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::{metadata_text, postgres_connections::Connections};
use crate::domain::{Customer, Event};

/// The most creations in one statement.
const MAX_BATCH: usize = 128;
/// Batches running at once; the next one gathers while they run. Measured at 32 concurrent creations: 1 gives
/// the largest batches and the most creations/s, but one batch held up (waiting for a row another process
/// locked) would hold up every creation; 2 costs about a tenth; 4 and 8 make batches so small that they cost more.
const IN_FLIGHT: usize = 2;

pub(super) struct Creation {
    pub identity_id: String,
    pub customer: Customer,
    /// Written to the event outbox if, and only if, the customer is created.
    pub created: Option<Event>,
}

/// What one creation's share of a batch found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Attempt {
    /// The identity existed, had no customer, and no earlier creation of the batch took it.
    pub identity_was_free: bool,
    pub created: bool,
}

/// Creates, in one autocommit statement, the customers of a batch ($1 to $11: arrays of their columns) for their
/// identities ($12), with their `customer.created` events ($13 to $16, null when none) into the outbox, in the
/// batch's order: lock every identity that has no customer (in id order), let the first
/// creation of each such identity insert its customer unless its email already has an account, and link each
/// identity to what was inserted. Answers a row per creation, in order.
///
/// Why this is right under READ COMMITTED, although every part reads one snapshot:
/// - `FOR UPDATE` waits for a concurrent statement holding an identity, then re-checks `customer_id IS NULL` on
///   the row as that statement committed it: one identity admits one creation at a time, and only while unlinked.
///   Within the batch, `DISTINCT ON` gives it to the first creation only, as if the batch ran in order.
/// - `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same account email and skips only if it
///   commits, so no unique violation escapes; within the batch, the second of two rows with one email conflicts
///   with the first and is skipped.
/// - The insert reads its rows from the locks and the link reads its ids from the insert, so the statement commits
///   both or neither, and each link updates the very row it locked.
/// - Identities are locked in id order and all before any insert (the insert sorts its input), and emails are
///   inserted in email order: two statements never wait for each other in a cycle.
const CREATE_CUSTOMERS: &str = "\
    WITH creation AS ( \
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
            $8::bool[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], \
            $14::text[], $15::text[], $16::timestamptz[]) WITH ORDINALITY \
            AS c(id, email, company_name, first_name, last_name, phone, metadata, has_account, created_at, \
                updated_at, deleted_at, identity_id, event_id, event_name, event_data, event_at, n) \
    ), identity AS ( \
        SELECT id FROM auth_identity \
        WHERE id IN (SELECT identity_id FROM creation) AND customer_id IS NULL \
        ORDER BY id FOR UPDATE \
    ), claimed AS ( \
        SELECT DISTINCT ON (creation.identity_id) creation.* \
        FROM creation JOIN identity ON identity.id = creation.identity_id \
        ORDER BY creation.identity_id, creation.n \
    ), inserted AS ( \
        INSERT INTO customer (id, email, company_name, first_name, last_name, phone, metadata, has_account, \
            created_at, updated_at, deleted_at) \
        SELECT id, email, company_name, first_name, last_name, phone, metadata::jsonb, has_account, created_at, \
            updated_at, deleted_at \
        FROM claimed ORDER BY email, n \
        ON CONFLICT (email, has_account) WHERE deleted_at IS NULL DO NOTHING \
        RETURNING id \
    ), linked AS ( \
        UPDATE auth_identity SET customer_id = claimed.id \
        FROM claimed JOIN inserted ON inserted.id = claimed.id \
        WHERE auth_identity.id = claimed.identity_id \
        RETURNING claimed.n \
    ), emitted AS ( \
        INSERT INTO event_outbox (id, name, data, created_at, attempts, next_attempt_at) \
        SELECT claimed.event_id, claimed.event_name, claimed.event_data, claimed.event_at, 0, claimed.event_at \
        FROM claimed JOIN inserted ON inserted.id = claimed.id WHERE claimed.event_id IS NOT NULL \
    ) \
    SELECT claimed.n IS NOT NULL AS identity_was_free, linked.n IS NOT NULL AS created \
    FROM creation LEFT JOIN claimed ON claimed.n = creation.n LEFT JOIN linked ON linked.n = creation.n \
    ORDER BY creation.n";

async fn create_customers(
    connections: &Connections,
    creations: &[Creation],
) -> Result<Vec<Attempt>, sqlx::Error> {
    fn column<T>(creations: &[Creation], value: impl Fn(&Creation) -> T) -> Vec<T> {
        creations.iter().map(value).collect()
    }
    let query = sqlx::query(CREATE_CUSTOMERS)
        .bind(column(creations, |c| c.customer.id.clone()))
        .bind(column(creations, |c| c.customer.email.clone()))
        .bind(column(creations, |c| c.customer.company_name.clone()))
        .bind(column(creations, |c| c.customer.first_name.clone()))
        .bind(column(creations, |c| c.customer.last_name.clone()))
        .bind(column(creations, |c| c.customer.phone.clone()))
        .bind(column(creations, |c| metadata_text(&c.customer)))
        .bind(column(creations, |c| c.customer.has_account))
        .bind(column(creations, |c| c.customer.created_at))
        .bind(column(creations, |c| c.customer.updated_at))
        .bind(column(creations, |c| c.customer.deleted_at))
        .bind(column(creations, |c| c.identity_id.clone()))
        .bind(column(creations, |c| {
            c.created.as_ref().map(|e| e.id.clone())
        }))
        .bind(column(creations, |c| {
            c.created.as_ref().map(|e| e.name.clone())
        }))
        .bind(column(creations, |c| {
            c.created.as_ref().map(|e| e.data.to_string())
        }))
        .bind(column(creations, |c| {
            c.created.as_ref().map(|e| e.created_at)
        }));
    let rows = connections.fetch_all(query).await?;
    rows.iter()
        .map(|row| {
            Ok(Attempt {
                identity_was_free: row.try_get("identity_was_free")?,
                created: row.try_get("created")?,
            })
        })
        .collect()
}

struct Job {
    creation: Creation,
    reply: oneshot::Sender<Result<Attempt, sqlx::Error>>,
}

pub(super) struct GroupCommit {
    jobs: mpsc::UnboundedSender<Job>,
    gathering: tokio::task::JoinHandle<()>,
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.gathering.abort();
    }
}

impl GroupCommit {
    pub fn start(connections: Arc<Connections>) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        Self {
            jobs,
            gathering: tokio::spawn(gather(queue, connections)),
        }
    }

    pub async fn attempt(&self, creation: Creation) -> Result<Attempt, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { creation, reply })
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn gather(mut queue: mpsc::UnboundedReceiver<Job>, connections: Arc<Connections>) {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        // Waiting for a slot first lets the batch grow meanwhile.
        let slot = in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        if queue.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let jobs = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        let connections = connections.clone();
        tokio::spawn(async move {
            commit(jobs, &connections).await;
            drop(slot);
        });
    }
}

async fn commit(jobs: Vec<Job>, connections: &Connections) {
    let (creations, replies): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .map(|job| (job.creation, job.reply))
        .unzip();
    match create_customers(connections, &creations).await {
        Ok(attempts) => {
            for (reply, attempt) in replies.into_iter().zip(attempts) {
                let _ = reply.send(Ok(attempt));
            }
        }
        Err(error) if creations.len() == 1 => {
            let _ = replies
                .into_iter()
                .next()
                .map(|reply| reply.send(Err(error)));
        }
        // Nothing of the batch was committed (a statement is atomic): each creation goes again alone, so that only
        // a creation that fails by itself fails.
        Err(_) => {
            for (creation, reply) in creations.iter().zip(replies) {
                let attempt = create_customers(connections, std::slice::from_ref(creation))
                    .await
                    .map(|attempts| attempts[0]);
                let _ = reply.send(attempt);
            }
        }
    }
}
