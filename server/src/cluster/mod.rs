//! Layer 5, cluster: membership and the movement of partitions. Heartbeats and the peer
//! table ([`heartbeat`]) and membership consensus ([`consensus`]) are sans-IO logic; the
//! [`coordinator`] runs both over UDP on shard 0 and installs each agreed partition map on
//! every shard, where [`migrate`] moves partitions to their new holders. The map itself and
//! its balance are pure logic one layer down (`crate::partition`); replica writes and
//! duplicate resolution are part of running a transaction (`crate::transaction::replica`).
//! docs/ARCHITECTURE.md ("Cluster") has the whole picture.

pub mod consensus;
pub mod coordinator;
pub mod heartbeat;
pub mod migrate;
pub mod smd;
