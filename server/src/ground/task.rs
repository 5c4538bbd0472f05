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
