//! The partition → shard mapping: one function in one place (ARCHITECTURE.md invariant 2).
//!
//! Shard `s` of `n` owns the contiguous partitions `[ceil(s·4096/n), ceil((s+1)·4096/n))`, so
//! `shard_of_partition(pid) = pid·n / 4096`. The mapping depends only on `n`; records carry
//! their digests, so a restart with another `n` re-derives every owner.

use std::ops::Range;

use scramjet_net::N_PARTITIONS;

/// The shard that owns partition `pid` when there are `n_shards` shards.
pub fn shard_of_partition(pid: u16, n_shards: usize) -> usize {
    assert!(usize::from(pid) < N_PARTITIONS && n_shards > 0);
    usize::from(pid) * n_shards / N_PARTITIONS
}

/// The partitions shard `shard` owns (the inverse of [`shard_of_partition`]).
pub fn partitions_of_shard(shard: usize, n_shards: usize) -> Range<u16> {
    assert!(shard < n_shards);
    let start = (shard * N_PARTITIONS).div_ceil(n_shards);
    let end = ((shard + 1) * N_PARTITIONS).div_ceil(n_shards);
    start as u16..end as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_the_inverse_and_cover_everything() {
        for n in [1, 2, 3, 7, 8, 64, 100, 256] {
            let mut next = 0u16;
            for shard in 0..n {
                let range = partitions_of_shard(shard, n);
                assert_eq!(range.start, next, "contiguous for n={n}");
                for pid in range.clone() {
                    assert_eq!(shard_of_partition(pid, n), shard, "pid {pid} n={n}");
                }
                let len = range.len();
                assert!(len == N_PARTITIONS / n || len == N_PARTITIONS / n + 1, "balanced for n={n}");
                next = range.end;
            }
            assert_eq!(usize::from(next), N_PARTITIONS);
        }
    }
}
