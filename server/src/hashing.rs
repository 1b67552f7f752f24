//! Admission control for password hashing. One scrypt hash at Medusa's cost takes a core for ~70 ms and 32 MiB, so
//! a flood of register or login requests would otherwise hold every core and queue every honest login behind it.
//! At most `concurrency` hashes run at once; at most `queue` requests wait for one, each for at most `max_wait`.
//! Past either bound the request is refused at once with [`Error::Busy`] (503 with `Retry-After`; ERRATA D9).
//!
//! Hashes run on `concurrency` dedicated threads in Linux's `SCHED_IDLE` class, so any thread that wakes up (a
//! request's, a PostgreSQL backend's) preempts a hash at once: hashing takes only the CPU nothing else wants, and
//! creating a customer or reading it does not slow down during a registration flood. On an otherwise idle server
//! hashing is as fast.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit, oneshot};

use crate::domain::Error;

/// The nice value of the hashing threads where `SCHED_IDLE` is refused: the lowest a thread may give itself.
const HASHING_THREAD_NICE: i32 = 19;

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

type Job = Box<dyn FnOnce() + Send>;

pub struct Hashing {
    slots: Semaphore,
    waiting: AtomicUsize,
    limits: HashingLimits,
    /// Work for the hashing threads; they stop when this is dropped.
    jobs: mpsc::Sender<Job>,
}

/// Counts a request among those waiting for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request's hash slot, taken before anything else the request does costs the server: hashes run through it, and
/// the slot frees when it is dropped.
pub struct Admitted<'a> {
    _slot: SemaphorePermit<'a>,
    jobs: &'a mpsc::Sender<Job>,
}

impl Admitted<'_> {
    /// Runs `work` (a hash or a verification) on a hashing thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                done.send(work()).ok();
            }))
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        Ok(result
            .await
            .map_err(|_| anyhow::anyhow!("a hash panicked"))?)
    }
}

impl Hashing {
    pub fn new(limits: HashingLimits) -> Self {
        let concurrency = limits.concurrency.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..concurrency {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("hashing-{index}"))
                .spawn(move || hashing_thread(&queue))
                .expect("a hashing thread starts");
        }
        Self {
            slots: Semaphore::new(concurrency),
            waiting: AtomicUsize::new(0),
            limits,
            jobs,
        }
    }

    /// Takes a hash slot, waiting in the bounded queue for at most `max_wait`, or refuses at once.
    pub async fn admit(&self) -> Result<Admitted<'_>, Error> {
        let slot = match self.slots.try_acquire() {
            Ok(slot) => slot,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limits.queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(self.busy());
                }
                let _waiting = Waiting(&self.waiting);
                match tokio::time::timeout(self.limits.max_wait, self.slots.acquire()).await {
                    Ok(slot) => slot.map_err(anyhow::Error::from)?,
                    Err(_) => return Err(self.busy()),
                }
            }
        };
        Ok(Admitted {
            _slot: slot,
            jobs: &self.jobs,
        })
    }

    /// How long a refused client should wait: about the time the queue takes to drain.
    fn busy(&self) -> Error {
        Error::Busy {
            retry_after_secs: self.limits.max_wait.as_secs().max(1),
        }
    }
}

/// `SCHED_IDLE`: any other thread that wakes up on this core preempts the hash at once, where a nice-19 thread may
/// keep the core for the rest of its time slice (BENCHMARKS.md, issue 12). Where that is refused, nice 19.
fn lower_own_priority() {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let Err(refused) = set_thread_priority_and_policy(
        thread_native_id(),
        thread_priority::ThreadPriority::Min,
        idle,
    ) else {
        return;
    };
    // On Linux a thread id names one thread to `setpriority`, so this lowers this thread only.
    if let Err(error) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), HASHING_THREAD_NICE)
    {
        tracing::warn!(?refused, %error, "could not lower the priority of a hashing thread");
    }
}

/// Lowers its own priority, then runs jobs until the [`Hashing`] that feeds it is dropped.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>) {
    lower_own_priority();
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panicking hash drops its answer channel (the request fails); the thread keeps serving.
        catch_unwind(AssertUnwindSafe(job)).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Hashing {
        async fn run<T: Send + 'static>(
            &self,
            work: impl FnOnce() -> T + Send + 'static,
        ) -> Result<T, Error> {
            self.admit().await?.run(work).await
        }
    }

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

    #[tokio::test]
    async fn hashes_run_at_the_lowest_priority() {
        let hashing = Hashing::new(limits(0, 1_000));
        let policy = hashing
            .run(thread_priority::unix::thread_schedule_policy)
            .await
            .expect("admitted")
            .expect("the policy is readable");
        let idle = thread_priority::unix::ThreadSchedulePolicy::Normal(
            thread_priority::unix::NormalThreadSchedulePolicy::Idle,
        );
        assert_eq!(policy, idle);
    }

    #[tokio::test]
    async fn a_panicking_hash_fails_its_request_and_the_next_one_runs() {
        let hashing = Hashing::new(limits(0, 1_000));
        let panicked = hashing.run(|| panic!("a hash panicked")).await;
        assert!(panicked.is_err());
        assert_eq!(hashing.run(|| 7).await.expect("admitted"), 7);
    }
}
