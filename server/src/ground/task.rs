//! Helpers for tasks on a shard's executor.

/// Suspends the calling task until the shard has polled its I/O once, so that long work done
/// in chunks (defrag, a scan of the shard's own partitions, a background job) lets the shard's
/// other connections in between chunks.
///
/// `glommio::yield_if_needed` is not enough: it only yields once the preempt timer (100 ms by
/// default) has fired, and a task queue that yields is run again without polling I/O. A short
/// timer goes through the reactor. Lowering the preempt timer instead is not safe: glommio arms
/// it before running tasks, so an executor descheduled for longer than the timer (two shards
/// on one CPU) never gets to run a task.
pub async fn yield_to_io() {
    glommio::timer::Timer::new(std::time::Duration::from_micros(10)).await;
}

/// How long a loop of small steps runs between two [`yield_to_io`] ([`Slice`]).
const SLICE: std::time::Duration = std::time::Duration::from_millis(1);

/// Paces a loop of small steps of unknown cost (a partition's expired records, a partition's
/// page of a scan): [`Slice::yield_if_spent`] after each step yields to I/O once a millisecond
/// has passed since the last yield. `glommio::yield_if_needed` waits for the preempt timer
/// (100 ms); the main ring's deferred completions are not seen before the ring is entered
/// (`third_party/README.md`, change 1), so nothing else cuts such a loop short.
pub struct Slice {
    start: std::time::Instant,
}

impl Slice {
    /// A slice starting now.
    pub fn new() -> Slice {
        Slice { start: std::time::Instant::now() }
    }

    /// Yields to I/O if this slice has run for [`SLICE`]; the next slice starts after it.
    pub async fn yield_if_spent(&mut self) {
        if self.start.elapsed() >= SLICE {
            yield_to_io().await;
            self.start = std::time::Instant::now();
        }
    }
}

impl Default for Slice {
    fn default() -> Slice {
        Slice::new()
    }
}
