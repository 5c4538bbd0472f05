//! Layer 3, the shard runtime: one pinned executor per core ([`executor`]), the state each
//! shard owns ([`ShardState`], in a `RefCell` never held across an `await`), the channel mesh
//! between shards ([`mesh`]) and the shard's outgoing fabric connections ([`transport`]).
//!
//! The runtime moves work between shards without knowing what the work is: a request carries
//! its own handler (a closure run on the target shard, see [`Shard::run_on`]), so a layer above
//! adds a new kind of cross-shard work in its own module, and nothing here changes.

pub mod executor;
pub mod mesh;
pub mod transport;

use std::cell::{OnceCell, Ref, RefCell, RefMut};
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use scramjet_engine::NamespaceStore;

use crate::ground::config::ServiceConfig;
use crate::ground::node::NodeContext;
use crate::ground::routing::NamespaceRoute;
use crate::ground::stats::{ConnectionStats, ShardSnapshot, TxnStats};
use crate::partition::map::ClusterMap;
use crate::partition::migration::Migration;
use crate::storage::{HostedNamespace, NamespaceIo, ShardIo};
use mesh::{PeerGone, Peers};

/// The state one shard owns.
#[derive(Debug)]
pub struct ShardState {
    /// Each namespace as this shard hosts it, in configuration order.
    pub namespaces: Vec<HostedNamespace>,
    /// Transaction counters per namespace.
    pub txn_stats: Vec<TxnStats>,
    /// The benchmark histograms switched on, per namespace (changed by `set-config`).
    pub benchmarks: Vec<crate::ground::bench::Benchmarks>,
    /// The run-time service settings (changed by `set-config`).
    pub service: ServiceConfig,
    /// Connection counters.
    pub connections: ConnectionStats,
    /// Number of shards on the node (for budget shares and routing).
    pub n_shards: usize,
    /// Namespace routes, in configuration order (for routing forwarded messages).
    pub routes: Vec<NamespaceRoute>,
    /// Scan and query jobs this shard runs (or runs a part of), then the last ones it
    /// finished, oldest first (see `transaction/scan.rs`).
    pub jobs: VecDeque<crate::ground::stats::JobInfo>,
    /// The partition map this shard acts on (replaced whole by the coordinator).
    pub map: Arc<ClusterMap>,
    /// Migrations in and out of this shard's partitions.
    pub migration: Migration,
    /// The node's system metadata: on shard 0 only (see `cluster/smd.rs`).
    pub smd: Option<crate::ground::smd::Smd>,
    /// The `latencies:` dumps of the node's histograms, by name (kept on shard 0 by the
    /// ticker, `edge/ticker.rs`).
    pub latencies: Vec<(String, crate::ground::stats::LatencyTrack)>,
    /// The registered UDF modules, by file name (every shard keeps its copy).
    pub udf_modules: std::collections::BTreeMap<String, crate::ground::smd::UdfModule>,
    /// The users and roles (every shard keeps its copy, replaced whole on a change).
    pub security: std::rc::Rc<crate::ground::security::View>,
    /// The run-time security settings (`None`: access control is off; changed by
    /// `set-config:context=security`).
    pub security_config: Option<crate::ground::config::SecurityConfig>,
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
            jobs: self.jobs.iter().fold(Vec::new(), |mut jobs, job| {
                crate::ground::stats::add_job(&mut jobs, job);
                jobs
            }),
        }
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
    peers: Peers,
    /// Device I/O of each hosted store of each namespace (set once, after cold start).
    pub io: OnceCell<ShardIo>,
    /// Outgoing connections to other nodes' fabric.
    pub fabric: transport::FabricPool,
}

impl crate::storage::Host for Shard {
    fn shard_id(&self) -> usize {
        self.id
    }

    fn node(&self) -> &NodeContext {
        &self.node
    }

    fn hosted(&self) -> Ref<'_, Vec<HostedNamespace>> {
        Ref::map(self.state.borrow(), |state| &state.namespaces)
    }

    fn hosted_mut(&self) -> RefMut<'_, Vec<HostedNamespace>> {
        RefMut::map(self.state.borrow_mut(), |state| &mut state.namespaces)
    }

    fn namespace_io(&self, index: usize, local: usize) -> Option<&Rc<NamespaceIo>> {
        self.io.get().and_then(|all| all[index].get(local))
    }
}

impl Shard {
    /// Runs `work` on shard `to` and waits for its result. The work is a closure sent over the
    /// mesh and called there with that shard; what it returns comes back. It runs on `to` in
    /// the order sent, and in its own task there if it has to wait.
    pub async fn run_on<R, F, Fut>(&self, to: usize, work: F) -> Result<R, PeerGone>
    where
        F: FnOnce(Rc<Shard>) -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        Ok(self.submit(to, work).await?.await)
    }

    /// Sends `work` to shard `to` without waiting for it; the returned future resolves to its
    /// result. Lets a shard hand several shards their work before it waits on any.
    pub async fn submit<R, F, Fut>(&self, to: usize, work: F) -> Result<impl Future<Output = R> + '_, PeerGone>
    where
        F: FnOnce(Rc<Shard>) -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        assert_ne!(to, self.id, "a shard runs its own work directly");
        let reply = self.peers.send(to, mesh::job(work)).await?;
        Ok(async move { mesh::unpack::<R>(reply.await) })
    }

    /// Sends `work` to shard `to` and does not wait for it: it runs there in the order sent,
    /// and nothing comes back (no reply crosses the mesh, no wake-up of this shard). For work
    /// that finishes what it was given on its own, such as answering a client directly.
    pub async fn post<F, Fut>(&self, to: usize, work: F) -> Result<(), PeerGone>
    where
        F: FnOnce(Rc<Shard>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        assert_ne!(to, self.id, "a shard runs its own work directly");
        self.peers.post(to, mesh::job(work)).await
    }

    /// Runs `make()`'s work on every other shard, all at once, and returns their results.
    pub async fn run_on_others<R, F, Fut>(&self, make: impl Fn() -> F) -> Result<Vec<R>, PeerGone>
    where
        F: FnOnce(Rc<Shard>) -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        // Send every request first, then wait: the shards work on them in parallel.
        let mut waiting = Vec::with_capacity(self.node.n_shards);
        for to in (0..self.node.n_shards).filter(|&s| s != self.id) {
            waiting.push(self.submit(to, make()).await?);
        }
        let mut results = Vec::with_capacity(waiting.len());
        for reply in waiting {
            results.push(reply.await);
        }
        Ok(results)
    }

    /// The counters of every shard, added up.
    pub async fn node_snapshot(&self) -> Result<ShardSnapshot, PeerGone> {
        let mut total = self.state.borrow().snapshot();
        let others = self.run_on_others(|| |shard: Rc<Shard>| async move { shard.state.borrow().snapshot() }).await?;
        for snapshot in others {
            total.add(&snapshot);
        }
        Ok(total)
    }
}
