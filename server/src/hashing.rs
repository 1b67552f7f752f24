//! Admission control for password hashing. One scrypt hash at Medusa's cost takes a core for ~70 ms and 32 MiB, so
//! a flood of register or login requests would otherwise hold every core and queue every honest login behind it.
//! At most `concurrency` hashes run at once; at most `queue` requests wait for one, each for at most `max_wait`.
//! Past either bound the request is refused at once with [`Error::Busy`] (503 with `Retry-After`; ERRATA D9), and
//! nothing else the server does — creating a customer, reading it — waits on hashing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::domain::Error;

#[derive(Clone, Copy, Debug)]
pub struct HashingLimits {
    /// Hashes computed at once (peak memory: 32 MiB each).
    pub concurrency: usize,
    /// Requests that may wait for a hash slot.
    pub queue: usize,
    /// How long a request may wait for a slot.
    pub max_wait: Duration,
}

impl HashingLimits {
    /// One hash per core; a queue of eight per core (about 300 ms of work at 70 ms a hash); two seconds of waiting.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            concurrency: cores,
            queue: 8 * cores,
            max_wait: Duration::from_secs(2),
        }
    }
}

pub struct Hashing {
    slots: Semaphore,
    waiting: AtomicUsize,
    limits: HashingLimits,
}

/// Counts a request among those waiting for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hashing {
    pub fn new(limits: HashingLimits) -> Self {
        Self {
            slots: Semaphore::new(limits.concurrency.max(1)),
            waiting: AtomicUsize::new(0),
            limits,
        }
    }

    /// Runs `work` (a hash or a verification) on a blocking thread once a slot is free, or refuses at once.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = match self.slots.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limits.queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(self.busy());
                }
                let _waiting = Waiting(&self.waiting);
                match tokio::time::timeout(self.limits.max_wait, self.slots.acquire()).await {
                    Ok(permit) => permit.map_err(anyhow::Error::from)?,
                    Err(_) => return Err(self.busy()),
                }
            }
        };
        let result = tokio::task::spawn_blocking(work)
            .await
            .map_err(anyhow::Error::from)?;
        drop(permit);
        Ok(result)
    }

    /// How long a refused client should wait: about the time the queue takes to drain.
    fn busy(&self) -> Error {
        Error::Busy {
            retry_after_secs: self.limits.max_wait.as_secs().max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc;

    use super::*;

    fn limits(queue: usize, max_wait_ms: u64) -> HashingLimits {
        HashingLimits {
            concurrency: 1,
            queue,
            max_wait: Duration::from_millis(max_wait_ms),
        }
    }

    /// Occupies the one slot until the returned sender is dropped or sent to.
    async fn occupy(hashing: &Arc<Hashing>) -> mpsc::Sender<()> {
        let (release, held) = mpsc::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let busy = hashing.clone();
        tokio::spawn(async move {
            busy.run(move || {
                started_tx.send(()).ok();
                held.recv().ok();
            })
            .await
        });
        started.await.expect("the blocking work starts");
        release
    }

    #[tokio::test]
    async fn past_the_queue_bound_a_request_is_refused_at_once() {
        let hashing = Arc::new(Hashing::new(limits(0, 60_000)));
        let release = occupy(&hashing).await;
        let started = std::time::Instant::now();
        let refused = hashing.run(|| ()).await;
        assert!(matches!(refused, Err(Error::Busy { .. })), "{refused:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(release);
    }

    #[tokio::test]
    async fn past_the_wait_bound_a_queued_request_is_refused() {
        let hashing = Arc::new(Hashing::new(limits(4, 50)));
        let release = occupy(&hashing).await;
        let refused = hashing.run(|| ()).await;
        assert!(matches!(refused, Err(Error::Busy { .. })), "{refused:?}");
        assert_eq!(
            hashing.waiting.load(Ordering::Acquire),
            0,
            "the refused request left the queue"
        );
        drop(release);
    }

    #[tokio::test]
    async fn a_queued_request_runs_once_a_slot_frees() {
        let hashing = Arc::new(Hashing::new(limits(4, 60_000)));
        let release = occupy(&hashing).await;
        let queued = tokio::spawn({
            let hashing = hashing.clone();
            async move { hashing.run(|| 42).await }
        });
        release.send(()).expect("the occupying work waits");
        assert_eq!(queued.await.expect("joined").expect("admitted"), 42);
    }
}
