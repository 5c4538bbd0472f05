//! Layer 1, partition: who holds each partition, as pure logic with no runtime and no I/O.
//! [`balance`] orders the nodes of each partition (Aerospike's hash), [`map`] is the immutable
//! snapshot a shard acts on, [`migration`] is what a shard tracks while partitions move.
//! Transactions read these to place commands; the cluster layer builds and changes them.

pub mod balance;
pub mod map;
pub mod migration;
