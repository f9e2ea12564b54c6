//! Password hashing on a fixed set of threads. Each argon2id hash takes
//! 19 MiB; run unbounded, parallel logins took the process from 15 MB to
//! almost 900 MB and glibc never gave it back. Here at most one hash runs per
//! core, each on a thread of its own (so the freed blocks are reused rather
//! than spread over many allocator arenas), a short queue waits behind them,
//! and beyond that the caller is told to come back later (`AppError::Busy`).

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub struct Hasher {
    jobs: SyncSender<Job>,
    threads: usize,
}

/// Hashes waiting for a thread; the rest are refused at once.
const QUEUE: usize = 32;

impl Hasher {
    /// One thread per core, at most four.
    pub fn new() -> Hasher {
        let threads = std::thread::available_parallelism().map(usize::from).unwrap_or(1).clamp(1, 4);
        Hasher::with_threads(threads)
    }

    pub fn with_threads(threads: usize) -> Hasher {
        let (jobs, rx) = sync_channel::<Job>(QUEUE);
        let rx: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                loop {
                    // The lock is held only to take one job.
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        Hasher { jobs, threads }
    }

    /// How many hashes can run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on a hashing thread; `None` when the queue is full (or the
    /// threads are gone), so that the caller can answer 429.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        match self.jobs.try_send(job) {
            Ok(()) => rx.await.ok(),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => None,
        }
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn no_more_jobs_run_at_once_than_there_are_threads_and_a_full_queue_refuses() {
        let hasher = Arc::new(Hasher::with_threads(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (h, running, most) = (Arc::clone(&hasher), Arc::clone(&running), Arc::clone(&most));
            tasks.push(tokio::spawn(async move {
                h.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
                .is_some()
            }));
        }
        let mut done = 0;
        for t in tasks {
            if t.await.unwrap_or(false) {
                done += 1;
            }
        }
        assert!(most.load(Ordering::SeqCst) <= 2, "at most two at once");
        assert!(done >= QUEUE, "the queue is served: {done}");
        assert!(done < 100, "beyond the queue, callers are refused: {done}");
    }
}
