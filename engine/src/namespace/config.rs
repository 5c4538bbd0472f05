//! The settings of a namespace that the engine acts on, and Aerospike's defaults for them.

use crate::record::RecordMeta;

/// Longest TTL a write may ask for: 10 years, in seconds.
pub const MAX_TTL_SECS: u32 = 315_360_000;

/// The settings of a namespace that the engine acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceConfig {
    /// Namespace name (at most 31 bytes).
    pub name: String,
    /// Copies of each record in a cluster.
    pub replication_factor: u32,
    /// TTL given to records written with TTL 0; 0 = never expire.
    pub default_ttl_secs: u32,
    /// Largest TTL a write may set; 0 = no limit beyond the 10-year cap.
    pub max_ttl_secs: u32,
    /// Period of the expiry sweep; 0 = no sweep.
    pub nsup_period_secs: u32,
    /// Allow TTLs when `nsup-period` is 0.
    pub allow_ttl_without_nsup: bool,
    /// Largest stored record.
    pub max_record_size_bytes: u64,
    /// Memory budget of a memory namespace (all shards together).
    pub data_size_bytes: u64,
    /// Share of the space's bytes past which writes fail with stop-writes.
    pub stop_writes_used_pct: u32,
    /// Share of free blocks under which writes fail with stop-writes.
    pub stop_writes_avail_pct: u32,
    /// Write-block size.
    pub write_block_bytes: u32,
    /// Blocks whose live share falls under this are defragged.
    pub defrag_lwm_pct: u32,
    /// Past this share of the space in live data, the sweep evicts records nearest their
    /// expiry; 0 = never.
    pub evict_used_pct: u32,
    /// Thousandths of the evictable records evicted per sweep.
    pub evict_tenths_pct: u32,
    /// Which of two versions of a record from different nodes wins.
    pub conflict_resolution: ConflictResolution,
    /// Reads that do not say otherwise touch a record once less than this share of its TTL is
    /// left (`default-read-touch-ttl-pct`, Aerospike 7.1+); 0 = never.
    pub default_read_touch_ttl_pct: u32,
    /// A memory namespace's durable-delete tombstones go once they are this old, and their
    /// partition is not migrating in (`tomb-raider-eligible-age`, Aerospike's tomb raider);
    /// devices drop tombstones in defrag instead.
    pub tomb_raider_eligible_age_secs: u32,
}

impl NamespaceConfig {
    /// Aerospike's defaults for a namespace called `name`.
    pub fn with_defaults(name: &str) -> NamespaceConfig {
        NamespaceConfig {
            name: name.to_string(),
            replication_factor: 2,
            default_ttl_secs: 0,
            max_ttl_secs: MAX_TTL_SECS,
            nsup_period_secs: 0,
            allow_ttl_without_nsup: false,
            max_record_size_bytes: 1024 * 1024,
            data_size_bytes: 4 * 1024 * 1024 * 1024,
            stop_writes_used_pct: 70,
            stop_writes_avail_pct: 5,
            write_block_bytes: 1024 * 1024,
            defrag_lwm_pct: 50,
            evict_used_pct: 0,
            evict_tenths_pct: 5,
            conflict_resolution: ConflictResolution::Generation,
            default_read_touch_ttl_pct: 0,
            tomb_raider_eligible_age_secs: 86_400,
        }
    }
}

/// How versions of one record met on different nodes are ordered
/// (`conflict-resolution-policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictResolution {
    /// The higher generation wins, then the later last-update time (Aerospike's default).
    #[default]
    Generation,
    /// The later last-update time wins, then the higher generation.
    LastUpdateTime,
}

impl ConflictResolution {
    /// True if a version with `new` metadata is newer than one with `old`.
    pub fn newer(self, new: &RecordMeta, old: &RecordMeta) -> bool {
        match self {
            ConflictResolution::Generation => {
                (new.generation, new.last_update_ms) > (old.generation, old.last_update_ms)
            }
            ConflictResolution::LastUpdateTime => {
                (new.last_update_ms, new.generation) > (old.last_update_ms, old.generation)
            }
        }
    }
}
