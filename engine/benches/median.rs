//! The timing both engine benches use: median nanoseconds per call over 5 runs of enough
//! iterations to take about 20 ms each.

use std::time::Instant;

/// Median nanoseconds per call of `op`.
pub fn median_ns(mut op: impl FnMut()) -> f64 {
    let mut run = |iterations: u32| {
        let start = Instant::now();
        for _ in 0..iterations {
            op();
        }
        start.elapsed().as_nanos() as f64 / f64::from(iterations)
    };
    let one = run(3).max(1.0);
    let iterations = ((20_000_000.0 / one) as u32).clamp(3, 1_000_000);
    let mut runs: Vec<f64> = (0..5).map(|_| run(iterations)).collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}
