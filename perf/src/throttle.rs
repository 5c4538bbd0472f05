//! `-g`: a target throughput. Each executor paces its share: operation `i` may start at
//! `start + i / rate`. A pacer that fell behind (a stall) does not burst to catch up by more
//! than one second's worth.

use std::time::{Duration, Instant};

/// Hands out start times at a fixed rate.
#[derive(Debug, Clone)]
pub struct Pacer {
    period: Duration,
    next: Option<Instant>,
}

/// Most that a pacer lets operations run ahead to make up for a stall.
const MAX_CATCH_UP: Duration = Duration::from_secs(1);

impl Pacer {
    /// A pacer for `per_second` operations a second (> 0).
    pub fn new(per_second: f64) -> Pacer {
        assert!(per_second > 0.0);
        Pacer { period: Duration::from_secs_f64(1.0 / per_second), next: None }
    }

    /// Reserves the next start time; returns how long to wait from `now` before starting.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let mut at = self.next.unwrap_or(now);
        if now.saturating_duration_since(at) > MAX_CATCH_UP {
            at = now - MAX_CATCH_UP;
        }
        self.next = Some(at + self.period);
        at.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates tasks that each start an operation as soon as the pacer lets them and take
    /// `service` to finish; counts the operations started within `run`.
    fn simulate(rate: f64, tasks: usize, service: Duration, run: Duration) -> usize {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(rate);
        let mut free_at = vec![t0; tasks];
        let mut started = 0;
        loop {
            // The task that is free first asks next.
            let (i, &now) = free_at.iter().enumerate().min_by_key(|(_, t)| **t).unwrap();
            let begin = now + pacer.reserve(now);
            if begin - t0 >= run {
                return started;
            }
            started += 1;
            free_at[i] = begin + service;
        }
    }

    #[test]
    fn achieved_rate_is_within_one_percent_of_the_target() {
        for (rate, tasks) in [(1000.0, 1), (50_000.0, 16), (110_000.0, 64), (7.0, 3)] {
            let run = Duration::from_secs(10);
            let started = simulate(rate, tasks, Duration::from_micros(100), run) as f64;
            let expected = rate * run.as_secs_f64();
            assert!((started - expected).abs() <= expected * 0.01 + 1.0, "rate {rate}: {started} vs {expected}");
        }
    }

    #[test]
    fn a_server_slower_than_the_target_caps_the_rate_without_a_burst_later() {
        // One task, 1 ms per operation, target 10k/s: at most 1k/s can happen.
        let started = simulate(10_000.0, 1, Duration::from_millis(1), Duration::from_secs(5));
        assert!((4_990..=5_010).contains(&started), "{started}");
    }
}
