//! A shard: one pinned executor that owns a contiguous range of the 4096 partitions.
//!
//! [`ShardState`] is touched only by its shard's tasks, through a `RefCell` that is never held
//! across an `await`. Other shards reach it only by messages ([`mesh`]).

pub mod executor;
pub mod mesh;
pub mod routing;

use std::cell::RefCell;
use std::sync::Arc;

use glommio::channels::channel_mesh::Senders;
use scramjet_engine::{NamespaceConfig, NamespaceStore};

use crate::config::ServiceConfig;
use crate::node::NodeContext;
use crate::stats::{ConnectionStats, NamespaceSnapshot, ShardSnapshot, TxnStats};
use mesh::{Envelope, Pending, ShardReply, ShardRequest};

/// A namespace as one shard hosts it: its run-time settings and the storage shards (each a
/// partition range with its own index and space) this executor runs.
#[derive(Debug)]
pub struct HostedNamespace {
    /// The settings (changed by `set-config`).
    pub config: NamespaceConfig,
    /// How the namespace's partitions map to storage shards and executors.
    pub route: routing::NamespaceRoute,
    /// The storage shards hosted here: storage shard `r` at local index `r / n_shards`.
    pub stores: Vec<NamespaceStore>,
    n_shards: usize,
}

impl HostedNamespace {
    /// Hosts the storage shards `stores` (in local order) of a namespace.
    pub fn new(
        config: NamespaceConfig,
        route: routing::NamespaceRoute,
        stores: Vec<NamespaceStore>,
        n_shards: usize,
    ) -> Self {
        HostedNamespace { config, route, stores, n_shards }
    }

    /// Local index of the storage shard that owns partition `pid` (hosted here).
    pub fn local_of(&self, pid: u16) -> usize {
        self.route.store_of(pid) / self.n_shards
    }

    /// The store that owns partition `pid`.
    pub fn store(&self, pid: u16) -> &NamespaceStore {
        &self.stores[self.local_of(pid)]
    }

    /// The store that owns partition `pid`, to change.
    pub fn store_mut(&mut self, pid: u16) -> &mut NamespaceStore {
        let local = self.local_of(pid);
        &mut self.stores[local]
    }

    /// This shard's counters of the namespace, over its stores.
    fn snapshot(&self, txn: &TxnStats, cluster: crate::cluster::migrate::MigrationStats) -> NamespaceSnapshot {
        let mut total = NamespaceSnapshot { txn: *txn, cluster, ..Default::default() };
        for ns in &self.stores {
            total.add(&NamespaceSnapshot {
                engine: ns.stats(),
                unflushed_bytes: ns.unflushed_bytes() as u64,
                index_bytes: ns.index_memory_bytes() as u64,
                txn: TxnStats::default(),
                cluster: Default::default(),
                sets: ns
                    .sets()
                    .iter()
                    .map(|(name, stats)| {
                        let id = ns.sets().lookup(name).expect("a listed set has an id");
                        (name.to_vec(), stats, ns.truncate_lut_ms(id))
                    })
                    .collect(),
            });
        }
        total
    }
}

/// The state one shard owns.
#[derive(Debug)]
pub struct ShardState {
    /// Each namespace as this shard hosts it, in configuration order.
    pub namespaces: Vec<HostedNamespace>,
    /// Transaction counters per namespace.
    pub txn_stats: Vec<TxnStats>,
    /// The run-time service settings (changed by `set-config`).
    pub service: ServiceConfig,
    /// Connection counters.
    pub connections: ConnectionStats,
    /// Number of shards on the node (for budget shares and routing).
    pub n_shards: usize,
    /// Namespace routes, in configuration order (for routing forwarded messages).
    pub routes: Vec<routing::NamespaceRoute>,
    /// Per namespace: writes are acknowledged only once durable (commit-to-device).
    pub commit_to_device: Vec<bool>,
    /// Per namespace: run the expiry sweep at the next tick (after a truncate).
    pub sweep_requested: Vec<bool>,
    /// The last background jobs this shard ran to completion: (task id, records written).
    pub finished_jobs: std::collections::VecDeque<(u64, u64)>,
    /// Background jobs this shard accepted that are still running somewhere (task ids).
    pub running_jobs: Vec<u64>,
    /// The partition map this shard acts on (replaced whole by the coordinator).
    pub map: Arc<crate::cluster::map::ClusterMap>,
    /// Migrations in and out of this shard's partitions.
    pub migration: crate::cluster::migrate::Migration,
}

/// Finished background jobs a shard remembers (for `query-show`).
pub const FINISHED_JOBS_KEPT: usize = 100;

/// Suspends the calling task until the shard has polled its I/O once, so that long work done
/// in chunks (a scan of the shard's own partitions, a background job) lets the shard's other
/// connections in between chunks.
///
/// `glommio::yield_if_needed` is not enough: it only yields once the preempt timer (100 ms by
/// default) has fired, and a task queue that yields is run again without polling I/O. A short
/// timer goes through the reactor. Lowering the preempt timer instead is not safe: glommio arms
/// it before running tasks, so an executor descheduled for longer than the timer (two shards
/// on one CPU) never gets to run a task.
pub async fn yield_to_io() {
    glommio::timer::Timer::new(std::time::Duration::from_micros(10)).await;
}

impl ShardState {
    /// The shard's counters.
    pub fn snapshot(&self) -> ShardSnapshot {
        ShardSnapshot {
            connections: self.connections,
            namespaces: self
                .namespaces
                .iter()
                .zip(&self.txn_stats)
                .enumerate()
                .map(|(i, (ns, txn))| {
                    let mut cluster = self.migration.stats[i];
                    cluster.master_objects = ns
                        .stores
                        .iter()
                        .flat_map(|s| s.pids().map(move |pid| (s, pid)))
                        .filter(|&(_, pid)| self.map.my_role(i, pid) == Some(0))
                        .map(|(s, pid)| s.partition_len(pid) as u64)
                        .sum();
                    ns.snapshot(txn, cluster)
                })
                .collect(),
            stop_writes: self
                .namespaces
                .iter()
                .map(|ns| ns.stores.iter().any(NamespaceStore::is_stop_writes))
                .collect(),
            finished_jobs: self.finished_jobs.iter().copied().collect(),
            running_jobs: self.running_jobs.clone(),
        }
    }

    /// Carries out a request from another shard. A write to a commit-to-device namespace (or a
    /// truncate on devices) also returns what must be durable before the reply goes back.
    pub fn handle(&mut self, request: ShardRequest) -> (ShardReply, Vec<crate::transaction::Durability>) {
        let reply = match request {
            ShardRequest::Transaction(body) => {
                let mut out = Vec::with_capacity(256);
                let durability = crate::transaction::execute_forwarded(self, &body, crate::clock::now(), &mut out);
                return (ShardReply::Transaction(out), durability.into_iter().collect());
            }
            ShardRequest::Snapshot => ShardReply::Snapshot(Box::new(self.snapshot())),
            ShardRequest::Batch(_)
            | ShardRequest::Scan(_)
            | ShardRequest::Background(_)
            | ShardRequest::Map(_)
            | ShardRequest::Fabric(_) => {
                unreachable!(
                    "batch rows, scans, maps and fabric frames run in their own task (executor::serve_requests)"
                )
            }
            ShardRequest::SetNamespaceConfig { index, config } => {
                self.set_namespace_config(index, config);
                ShardReply::Done
            }
            ShardRequest::SetServiceConfig(service) => {
                self.service = service;
                ShardReply::Done
            }
            ShardRequest::Truncate { index, set, lut_ms } => {
                return match self.truncate(index, set.as_deref(), lut_ms) {
                    Ok(waits) => (ShardReply::Done, waits),
                    Err(e) => (ShardReply::Failed(e.to_string()), Vec::new()),
                };
            }
        };
        (reply, Vec::new())
    }

    /// Replaces a namespace's run-time settings on every store hosted here.
    pub fn set_namespace_config(&mut self, index: usize, config: NamespaceConfig) {
        let hosted = &mut self.namespaces[index];
        for store in &mut hosted.stores {
            store.set_config(config.clone());
        }
        hosted.config = config;
    }

    /// Truncates on every store hosted here; on devices each store's marker must be durable
    /// before the answer, so the waits are returned.
    pub fn truncate(
        &mut self,
        index: usize,
        set: Option<&[u8]>,
        lut_ms: u64,
    ) -> Result<Vec<crate::transaction::Durability>, scramjet_engine::StorageError> {
        let mut waits = Vec::new();
        for (local, store) in self.namespaces[index].stores.iter_mut().enumerate() {
            let seq = store.truncate(set, lut_ms)?;
            if store.medium() == scramjet_engine::storage::Medium::Device {
                waits.push(crate::transaction::Durability { ns_index: index, local, seq });
            }
        }
        self.sweep_requested[index] = true;
        Ok(waits)
    }
}

/// One shard: its id, the node's shared read-only context, its state and its links to peers.
pub struct Shard {
    /// This shard's index (its place in the channel mesh).
    pub id: usize,
    /// Read-only facts about the node.
    pub node: Arc<NodeContext>,
    /// The state this shard owns.
    pub state: RefCell<ShardState>,
    /// Links to the other shards.
    pub peers: Peers,
    /// Device I/O of each hosted store of each namespace (set once, after cold start).
    pub io: std::cell::OnceCell<crate::storage::ShardIo>,
    /// Outgoing connections to other nodes' fabric.
    pub fabric: crate::fabric::FabricPool,
}

/// The sending side of the meshes, and the replies this shard waits for.
pub struct Peers {
    requests: Senders<Envelope<ShardRequest>>,
    replies: Senders<Envelope<ShardReply>>,
    pending: Pending<ShardReply>,
}

/// The peer shard is gone (the node is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerGone;

impl Shard {
    /// The device I/O of hosted store `local` of namespace `index`, if it is on devices.
    pub fn namespace_io(&self, index: usize, local: usize) -> Option<&std::rc::Rc<crate::storage::NamespaceIo>> {
        self.io.get().and_then(|all| all[index].get(local))
    }

    /// Asks shard `to` to carry out `request` and waits for its reply.
    pub async fn call(&self, to: usize, request: ShardRequest) -> Result<ShardReply, PeerGone> {
        Ok(self.send(to, request).await?.await)
    }

    /// Sends `request` to shard `to`; the returned future resolves to its reply.
    pub async fn send(&self, to: usize, request: ShardRequest) -> Result<mesh::PendingReply<'_, ShardReply>, PeerGone> {
        assert_ne!(to, self.id, "a shard serves itself directly");
        let (tag, reply) = self.peers.pending.register();
        self.peers.requests.send_to(to, Envelope { tag, body: request }).await.map_err(|_| PeerGone)?;
        Ok(reply)
    }

    /// Sends `request` (built per shard) to every other shard and waits for all replies.
    pub async fn call_all(&self, make: impl Fn() -> ShardRequest) -> Result<Vec<ShardReply>, PeerGone> {
        // Send every request first, then wait: the shards work on them in parallel.
        let mut waiting = Vec::with_capacity(self.node.n_shards);
        for to in (0..self.node.n_shards).filter(|&s| s != self.id) {
            let (tag, reply) = self.peers.pending.register();
            self.peers.requests.send_to(to, Envelope { tag, body: make() }).await.map_err(|_| PeerGone)?;
            waiting.push(reply);
        }
        let mut replies = Vec::with_capacity(waiting.len());
        for reply in waiting {
            replies.push(reply.await);
        }
        Ok(replies)
    }

    /// The counters of every shard, added up.
    pub async fn node_snapshot(&self) -> Result<ShardSnapshot, PeerGone> {
        let mut total = self.state.borrow().snapshot();
        for reply in self.call_all(|| ShardRequest::Snapshot).await? {
            match reply {
                ShardReply::Snapshot(snapshot) => total.add(&snapshot),
                other => panic!("snapshot answered with {other:?}"),
            }
        }
        Ok(total)
    }
}
