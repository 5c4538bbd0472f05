//! Client configuration and per-command policies, with the Aerospike C client's defaults.

use std::time::Duration;

use crate::exp::Expression;

/// Which copy of a partition a read goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replica {
    /// Always the master.
    Master,
    /// Any copy, chosen per command to spread the load.
    Any,
    /// The master first, then each replica in turn on retries (Aerospike's default).
    #[default]
    Sequence,
}

/// What a write does when the record exists or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExistsAction {
    /// Create or update, merging bins.
    #[default]
    Update,
    /// Fail with 2 if the record does not exist.
    UpdateOnly,
    /// Create or replace every bin.
    Replace,
    /// Replace; fail with 2 if the record does not exist.
    ReplaceOnly,
    /// Fail with 5 if the record exists.
    CreateOnly,
}

/// Generation check of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GenerationPolicy {
    /// No check.
    #[default]
    None,
    /// Apply only if the record's generation equals the given one (else 3).
    Equal,
    /// Apply only if the given generation is greater than the record's (else 3).
    Greater,
}

/// When a write is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommitLevel {
    /// After the master and every replica applied it.
    #[default]
    All,
    /// After the master applied it.
    Master,
}

/// Timeouts and retries shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasePolicy {
    /// Socket idle timeout per attempt; zero means none.
    pub socket_timeout: Duration,
    /// Deadline of the whole command, retries included; zero means none.
    pub total_timeout: Duration,
    /// Retries after the first attempt, on network errors and timeouts only.
    pub max_retries: u32,
    /// Pause between attempts.
    pub sleep_between_retries: Duration,
}

impl BasePolicy {
    /// Aerospike's read defaults: 30 s socket, 1 s total, 2 retries.
    pub const READ: BasePolicy = BasePolicy {
        socket_timeout: Duration::from_secs(30),
        total_timeout: Duration::from_secs(1),
        max_retries: 2,
        sleep_between_retries: Duration::ZERO,
    };
    /// Aerospike's write defaults: like reads, but no retries (a retried write may apply twice).
    pub const WRITE: BasePolicy = BasePolicy { max_retries: 0, ..BasePolicy::READ };
    /// Batch and scan defaults: no total deadline for scans is set by the caller.
    pub const LONG: BasePolicy = BasePolicy {
        socket_timeout: Duration::from_secs(30),
        total_timeout: Duration::ZERO,
        max_retries: 0,
        sleep_between_retries: Duration::ZERO,
    };
}

/// Policy of reads (get, select, exists, batch get).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPolicy {
    /// Timeouts and retries.
    pub base: BasePolicy,
    /// Which copy to read.
    pub replica: Replica,
    /// A boolean expression the record must satisfy (field 43): one it leaves out answers
    /// [`crate::error::code::FILTERED_OUT`] (27); in a batch, each such row does.
    pub filter: Option<Expression>,
}

impl Default for ReadPolicy {
    fn default() -> ReadPolicy {
        ReadPolicy { base: BasePolicy::READ, replica: Replica::Sequence, filter: None }
    }
}

/// Policy of writes (put, remove, touch, operate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePolicy {
    /// Timeouts and retries.
    pub base: BasePolicy,
    /// Create/update/replace behaviour.
    pub exists: ExistsAction,
    /// Generation check.
    pub generation_policy: GenerationPolicy,
    /// The generation compared by `generation_policy`.
    pub generation: u32,
    /// TTL in seconds; [`TTL_NAMESPACE_DEFAULT`], [`TTL_NEVER_EXPIRE`] and
    /// [`TTL_DONT_UPDATE`] have their Aerospike meanings.
    pub ttl: u32,
    /// Acknowledge after all copies or after the master.
    pub commit_level: CommitLevel,
    /// Store the user key with the record.
    pub send_key: bool,
    /// Leave a tombstone when deleting (durable delete).
    pub durable_delete: bool,
    /// Which copy operate's reads go to (writes always go to the master).
    pub replica: Replica,
    /// A boolean expression the record must satisfy (field 43): one it leaves out answers
    /// [`crate::error::code::FILTERED_OUT`] (27) and is not changed.
    pub filter: Option<Expression>,
}

/// TTL 0: the namespace's `default-ttl`.
pub const TTL_NAMESPACE_DEFAULT: u32 = 0;
/// TTL -1: never expire.
pub const TTL_NEVER_EXPIRE: u32 = u32::MAX;
/// TTL -2: keep the record's current expiry.
pub const TTL_DONT_UPDATE: u32 = u32::MAX - 1;

impl Default for WritePolicy {
    fn default() -> WritePolicy {
        WritePolicy {
            base: BasePolicy::WRITE,
            exists: ExistsAction::Update,
            generation_policy: GenerationPolicy::None,
            generation: 0,
            ttl: TTL_NAMESPACE_DEFAULT,
            commit_level: CommitLevel::All,
            send_key: false,
            durable_delete: false,
            replica: Replica::Sequence,
            filter: None,
        }
    }
}

/// Policy of scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanPolicy {
    /// Timeouts (socket timeout applies between records).
    pub base: BasePolicy,
    /// Stop after this many records (0: all).
    pub max_records: u64,
    /// Server-side throttle (0: none).
    pub records_per_second: u32,
    /// Return metadata only.
    pub no_bins: bool,
    /// A boolean expression records must satisfy (field 43); the others are skipped.
    pub filter: Option<Expression>,
}

impl Default for ScanPolicy {
    fn default() -> ScanPolicy {
        ScanPolicy { base: BasePolicy::LONG, max_records: 0, records_per_second: 0, no_bins: false, filter: None }
    }
}

/// Client-wide settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Seed hosts, `(host, port)`.
    pub seeds: Vec<(String, u16)>,
    /// Cluster name to require of every node, if set.
    pub cluster_name: Option<String>,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Interval between tend cycles.
    pub tend_interval: Duration,
    /// Most open connections per node (all its ports together).
    pub max_conns_per_node: usize,
    /// Pooled connections idle longer than this are closed, not reused.
    pub max_socket_idle: Duration,
    /// Send each command to the port of the core that owns the partition, when the server
    /// advertises shard ports (`scramjet-shards`); otherwise to the service port.
    pub shard_routing: bool,
    /// The user to log in as on nodes with access control (every new connection logs in).
    pub credentials: Option<std::sync::Arc<crate::auth::Credentials>>,
    /// TLS to the nodes' TLS port (the seeds' ports are then TLS ports; peers come from
    /// `peers-tls-std`; shard ports, plain only, are not used).
    pub tls: Option<crate::tls::Tls>,
    /// Default policies.
    pub read: ReadPolicy,
    /// Default write policy.
    pub write: WritePolicy,
}

impl ClientConfig {
    /// A configuration with the given seeds and the defaults.
    pub fn new(seeds: Vec<(String, u16)>) -> ClientConfig {
        ClientConfig {
            seeds,
            cluster_name: None,
            connect_timeout: Duration::from_secs(1),
            tend_interval: Duration::from_secs(1),
            max_conns_per_node: 100,
            max_socket_idle: Duration::from_secs(55),
            shard_routing: true,
            credentials: None,
            tls: None,
            read: ReadPolicy::default(),
            write: WritePolicy::default(),
        }
    }
}
