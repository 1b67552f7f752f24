//! Group commit for SQLite. Every write goes to one thread that owns the one writing connection: it takes all the
//! writes waiting (up to `MAX_BATCH`), runs them one after the other in one `BEGIN IMMEDIATE` transaction, commits
//! once (one WAL fsync, `synchronous = FULL`) and only then answers each caller. An answer therefore always follows
//! a durable commit; what group commit changes is that 32 concurrent creations cost one fsync instead of 32, and
//! that they never fight for SQLite's write lock (whose busy handler sleeps).
//!
//! The thread is a plain OS thread with a synchronous connection: a batch costs one hand-off each way, however many
//! statements it runs (through an async driver, every statement was a round trip to a worker thread, and those
//! context switches, not SQLite, were what limited creations).
//!
//! Inside the transaction the writes run serially, so each sees the ones before it: a race between two creations
//! of one email or one identity is settled exactly as by separate transactions.

use std::{panic::AssertUnwindSafe, sync::mpsc};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::StoreError;

/// The most writes committed together.
const MAX_BATCH: usize = 256;

/// A write waiting for its batch.
trait Job: Send {
    /// Runs the write inside the batch's transaction. It may run twice: alone again, if its batch was rolled back.
    fn run(&mut self, connection: &Connection) -> rusqlite::Result<()>;
    /// Answers the caller, once the transaction that ran the write committed, or failed.
    fn answer(self: Box<Self>, committed: rusqlite::Result<()>);
}

struct Pending<T, W> {
    write: W,
    outcome: Option<T>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, W> Job for Pending<T, W>
where
    T: Send,
    W: FnMut(&Connection) -> rusqlite::Result<T> + Send,
{
    fn run(&mut self, connection: &Connection) -> rusqlite::Result<()> {
        self.outcome = Some((self.write)(connection)?);
        Ok(())
    }

    fn answer(self: Box<Self>, committed: rusqlite::Result<()>) {
        let Pending { outcome, reply, .. } = *self;
        let result = committed
            .map(|()| outcome.expect("every write of a committed transaction ran to its outcome"));
        // The caller may have gone (its request was dropped); the write stands.
        let _ = reply.send(result.map_err(StoreError::from));
    }
}

pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writing thread; it stops once the writer is dropped and the writes already queued are done.
    pub fn start(connection: Connection) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(connection, queue))?;
        Ok(Self { jobs })
    }

    /// Runs `write` in the next batch and returns its result once that batch committed. A statement that fails
    /// inside `write` (a unique violation it handles) is undone alone by SQLite; an error it returns fails its
    /// batch, which is then retried write by write.
    pub async fn write<T, W>(&self, write: W) -> Result<T, StoreError>
    where
        T: Send + 'static,
        W: FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Pending {
            write,
            outcome: None,
            reply,
        };
        self.jobs
            .send(Box::new(job))
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

fn run(mut connection: Connection, queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        match commit(&mut connection, &mut batch) {
            Ok(()) => batch.into_iter().for_each(|job| job.answer(Ok(()))),
            // Nothing of the batch was committed: retry each alone, so that only a write that fails by itself
            // fails.
            Err(_) => {
                for mut job in batch {
                    let committed = commit(&mut connection, std::slice::from_mut(&mut job));
                    job.answer(committed);
                }
            }
        }
    }
}

fn commit(connection: &mut Connection, jobs: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    // Dropped without a commit, the transaction rolls back.
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for job in jobs.iter_mut() {
        // A write that panics (a bug) fails like a write that errs, instead of taking every later write with it.
        std::panic::catch_unwind(AssertUnwindSafe(|| job.run(&transaction)))
            .unwrap_or_else(|_| Err(panicked()))?;
    }
    transaction.commit()
}

fn panicked() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERNAL),
        Some("a write panicked".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> Writer {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .unwrap();
        Writer::start(connection).unwrap()
    }

    fn insert(n: i64) -> impl FnMut(&Connection) -> rusqlite::Result<usize> + Send + 'static {
        move |connection| connection.execute("INSERT INTO t (n) VALUES (?1)", [n])
    }

    fn count(connection: &Connection) -> rusqlite::Result<i64> {
        connection.query_row("SELECT count(*) FROM t", [], |row| row.get(0))
    }

    #[tokio::test]
    async fn a_failing_write_fails_alone_and_the_writer_goes_on() {
        let writer = writer();
        let (good, bad, panicking) = tokio::join!(
            writer.write(insert(1)),
            // A second row with the same key: a statement error, which fails its batch.
            writer.write(|connection: &Connection| {
                connection.execute("INSERT INTO t (n) VALUES (2)", [])?;
                connection.execute("INSERT INTO t (n) VALUES (2)", [])
            }),
            writer.write(|_: &Connection| -> rusqlite::Result<()> { panic!("a bug") }),
        );
        assert_eq!(good.unwrap(), 1);
        assert!(bad.is_err());
        assert!(panicking.is_err());
        assert_eq!(writer.write(insert(3)).await.unwrap(), 1);
        // The failed write left nothing behind: only rows 1 and 3.
        assert_eq!(writer.write(count).await.unwrap(), 2);
    }
}
