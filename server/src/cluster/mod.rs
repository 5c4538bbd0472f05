//! Clustering (issue 7, in progress): partition balance, which already computes the `replicas`
//! answer (over a one-node succession list); membership consensus, a sans-IO state machine
//! tested on its own under message loss, duplication and link cuts; and the heartbeat
//! datagram with the peer table (liveness, health, mesh discovery). Heartbeats, the
//! fabric, replication and migration are not built yet (docs/ARCHITECTURE.md, "Not built
//! yet"); they drive `consensus::Member` from the coordinator core.

pub mod balance;
// Driven by the heartbeat transport and the coordinator still to come; tested in isolation
// until then.
#[allow(dead_code)]
pub mod consensus;
#[allow(dead_code)]
pub mod heartbeat;
