//! Clustering (issue 7, in progress): partition balance, which already computes the `replicas`
//! answer (over a one-node succession list), and membership consensus, a sans-IO state
//! machine tested on its own under message loss, duplication and link cuts. Heartbeats, the
//! fabric, replication and migration are not built yet (docs/ARCHITECTURE.md, "Not built
//! yet"); they drive `consensus::Member` from the coordinator core.

pub mod balance;
// Driven by the heartbeat and coordinator work still to come; tested in isolation until then.
#[allow(dead_code)]
pub mod consensus;
