//! The process and the host as `statistics` reports them (Aerospike's names): CPU shares
//! measured by the ticker over its interval (`process_cpu_pct`, `system_*_cpu_pct`, from
//! `/proc/self/stat` and `/proc/stat`), resident memory (`/proc/self/statm`), free memory
//! (`/proc/meminfo`) and open descriptors (`/proc/self/fd`) read when asked. The CPU shares are kept in atomics of the node, written by
//! the ticker on shard 0 and read by any shard.

use std::sync::atomic::{AtomicU32, Ordering};

/// CPU shares of the last ticker interval, in percent.
#[derive(Debug, Default)]
pub struct CpuShares {
    /// The process's CPU time over wall time (over 100 with several cores busy).
    pub process: AtomicU32,
    /// The host's user CPU share.
    pub system_user: AtomicU32,
    /// The host's kernel CPU share.
    pub system_kernel: AtomicU32,
}

/// A sample to compute shares between two ticks.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSample {
    /// Process user + system ticks.
    process: u64,
    /// Host user (+ nice), kernel (+ irq, softirq) and total ticks.
    user: u64,
    kernel: u64,
    total: u64,
    /// Wall clock, in ticks.
    wall: f64,
}

/// Clock ticks per second of `/proc` times.
fn ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// Samples the process's and the host's CPU times now.
pub fn sample() -> CpuSample {
    let mut s = CpuSample::default();
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        // Fields after the command name (which may hold spaces) start at its closing ')'.
        let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        s.process = field(11) + field(12);
    }
    if let Ok(stat) = std::fs::read_to_string("/proc/stat") {
        if let Some(cpu) = stat.lines().next().filter(|l| l.starts_with("cpu ")) {
            let v: Vec<u64> = cpu.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
            let at = |i: usize| v.get(i).copied().unwrap_or(0);
            s.user = at(0) + at(1);
            s.kernel = at(2) + at(5) + at(6);
            s.total = v.iter().take(8).sum();
        }
    }
    s.wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
        * ticks_per_sec();
    s
}

impl CpuShares {
    /// Stores the shares between samples `before` and `now`.
    pub fn update(&self, before: &CpuSample, now: &CpuSample) {
        let wall = (now.wall - before.wall).max(1e-9);
        let process = now.process.saturating_sub(before.process) as f64 * 100.0 / wall;
        self.process.store(process.round() as u32, Ordering::Relaxed);
        let total = now.total.saturating_sub(before.total).max(1) as f64;
        let share = |a: u64, b: u64| (a.saturating_sub(b) as f64 * 100.0 / total).round() as u32;
        self.system_user.store(share(now.user, before.user), Ordering::Relaxed);
        self.system_kernel.store(share(now.kernel, before.kernel), Ordering::Relaxed);
    }
}

/// Free memory (`MemAvailable`) in KiB and as a share of `MemTotal`.
pub fn free_memory() -> (u64, u32) {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib = |key: &str| {
        info.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (free, total) = (kib("MemAvailable:"), kib("MemTotal:"));
    (free, (free * 100).checked_div(total).unwrap_or(0) as u32)
}

/// The process's resident memory in bytes (`/proc/self/statm`).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

/// Open file descriptors of the process.
pub fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_and_shares_are_sane() {
        let before = sample();
        // Burn a little CPU so the process share is measurable.
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let now = sample();
        let shares = CpuShares::default();
        shares.update(&before, &now);
        assert!(shares.system_user.load(Ordering::Relaxed) <= 100);
        assert!(shares.system_kernel.load(Ordering::Relaxed) <= 100);
        let (free, pct) = free_memory();
        assert!(free > 0 && pct <= 100);
        assert!(open_fds() >= 3);
    }
}
