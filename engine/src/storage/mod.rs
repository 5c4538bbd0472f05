//! Storage: the on-device format ([`format`]) and the log-structured space of one shard
//! ([`space`]).

pub mod format;
pub mod space;

pub use space::{BlockId, IoRequest, Medium, Space, SpaceConfig, SpaceStats};
