//! The counters of a shard's slice of a namespace.

use crate::storage::SpaceStats;

/// Counters of a shard's slice of a namespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NamespaceStats {
    /// Live records (expired ones count until reaped).
    pub objects: u64,
    /// Tombstones kept for durable deletes.
    pub tombstones: u64,
    /// Bytes of live records in the space (headers and padding included).
    pub data_used_bytes: u64,
    /// Bytes of the space.
    pub data_total_bytes: u64,
    /// Records removed by the expiry sweep.
    pub expired_objects: u64,
    /// Records removed because a truncate covered them.
    pub truncated_objects: u64,
    /// Records read back from the device (not in the post-write cache).
    pub device_read_records: u64,
    /// Records evicted (nearest their expiry first) because the space passed evict-used-pct.
    pub evicted_objects: u64,
    /// Records with a void time up to this were evicted (0: none).
    pub evict_void_time: u32,
    /// Writes refused by stop-writes.
    pub stop_writes_refusals: u64,
    /// Space counters (blocks, defrag, bytes written).
    pub space: SpaceStats,
    /// Blocks whose scan by cold start ended at a record with a bad checksum.
    pub cold_start_corrupt: u64,
    /// Records with a bad checksum that defrag stepped over (see `DefragStep::Damaged`).
    pub defrag_corrupt: u64,
    /// Records cold start found in a region of another shard's partitions (and skipped).
    pub cold_start_misplaced: u64,
}
