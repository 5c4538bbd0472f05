//! The storage engine of one shard.
//!
//! Synchronous state transitions over a shard's partitions, with no sockets, no runtime and no
//! clock of its own: callers pass the time in ([`Now`]), so tests drive it deterministically.
//! Reading order: [`record`] (the stored form of a record, the same for every medium) →
//! [`index`] (the primary index of a shard's partitions) → [`storage`] (the on-device format
//! and the log-structured space of write blocks, in memory or on a device) → [`namespace`] (a
//! shard's slice of a namespace: its partitions, sets, budgets, defrag, cold start and expiry
//! sweep). The engine decides what to write where; the server does the I/O it asks for.

pub mod bits;
pub mod cdt;
pub mod clock;
pub mod error;
pub mod geo;
pub mod hll;
pub mod index;
pub mod namespace;
pub mod record;
pub mod set;
pub mod sindex;
pub mod storage;

pub use clock::Now;
pub use error::StorageError;
pub use index::{Index, IndexEntry, Location};
pub use namespace::{
    Applied, ConflictResolution, DefragStep, NamespaceConfig, NamespaceStats, NamespaceStore, PutOutcome, ReadError,
    ReadIntent,
};
pub use record::{BinRef, RecordMeta, StoredRecord};
pub use set::{SetStats, SetTable, SET_NAME_MAX_LEN};
