//! Layer 0, ground: what every other layer stands on. The configuration ([`config`]), the log
//! ([`log`]), the clock ([`clock`]), the node's fixed facts ([`node`]) and what it knows of its
//! cluster ([`membership`]), the partition → shard mapping ([`routing`]), the counters shards
//! keep ([`stats`]) with their benchmark histograms ([`bench`]), the process's CPU, memory and
//! descriptors ([`process`]), and small
//! helpers for sockets ([`socket`], [`readbuf`]) and tasks ([`task`]). Nothing here imports
//! another layer.

pub mod bench;
pub mod clock;
pub mod config;
pub mod log;
pub mod membership;
pub mod node;
pub mod process;
pub mod readbuf;
pub mod routing;
pub mod security;
pub mod smd;
pub mod socket;
pub mod stats;
pub mod task;
pub mod tls;
