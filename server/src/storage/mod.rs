//! Layer 2, storage: the per-shard driver around the engine. A shard hosts, per namespace, the
//! storage shards (engine `NamespaceStore`s) whose partitions it owns ([`HostedNamespace`]);
//! this layer runs their device I/O ([`device`]: cold start, flushes, group commit, defrag,
//! reads of records not in memory, waiting for durability), their expiry and eviction sweep
//! ([`nsup`]), and prepares the devices before the shards start ([`layout`]).
//!
//! Storage names no layer above it: it reaches the shard it runs on through [`Host`], which
//! the shard runtime implements.

pub mod device;
pub mod layout;
pub mod nsup;

use std::cell::{Ref, RefMut};
use std::rc::Rc;

use scramjet_engine::storage::Medium;
use scramjet_engine::{NamespaceConfig, NamespaceStore, StorageError};

pub use device::{fetch, wait_durable, NamespaceIo, ShardIo};

use crate::ground::node::NodeContext;
use crate::ground::routing::NamespaceRoute;
use crate::ground::stats::{MigrationStats, NamespaceSnapshot, TxnStats};

/// What the storage driver needs of the shard it runs on: who it is, the node's facts, the
/// namespaces it hosts (borrowed for one synchronous step, never across an `await`) and their
/// device I/O.
pub trait Host {
    /// The shard's index.
    fn shard_id(&self) -> usize;
    /// Facts about the node.
    fn node(&self) -> &NodeContext;
    /// The namespaces this shard hosts, in configuration order, to read.
    fn hosted(&self) -> Ref<'_, Vec<HostedNamespace>>;
    /// The namespaces this shard hosts, to change.
    fn hosted_mut(&self) -> RefMut<'_, Vec<HostedNamespace>>;
    /// The device I/O of hosted store `local` of namespace `index`, if it is on devices.
    fn namespace_io(&self, index: usize, local: usize) -> Option<&Rc<NamespaceIo>>;
}

/// A shard shared between its tasks is still the same host.
impl<H: Host> Host for Rc<H> {
    fn shard_id(&self) -> usize {
        (**self).shard_id()
    }
    fn node(&self) -> &NodeContext {
        (**self).node()
    }
    fn hosted(&self) -> Ref<'_, Vec<HostedNamespace>> {
        (**self).hosted()
    }
    fn hosted_mut(&self) -> RefMut<'_, Vec<HostedNamespace>> {
        (**self).hosted_mut()
    }
    fn namespace_io(&self, index: usize, local: usize) -> Option<&Rc<NamespaceIo>> {
        (**self).namespace_io(index, local)
    }
}

/// A write whose reply must wait until it is durable (commit-to-device).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durability {
    /// Index of the namespace.
    pub ns_index: usize,
    /// Local index of the store (storage shard) on its executor.
    pub local: usize,
    /// The write's append sequence in that store's space.
    pub seq: u64,
}

/// A namespace as one shard hosts it: its run-time settings and the storage shards (each a
/// partition range with its own index and space) this executor runs.
#[derive(Debug)]
pub struct HostedNamespace {
    /// The settings (changed by `set-config`).
    pub config: NamespaceConfig,
    /// How the namespace's partitions map to storage shards and executors.
    pub route: NamespaceRoute,
    /// The storage shards hosted here: storage shard `r` at local index `r / n_shards`.
    pub stores: Vec<NamespaceStore>,
    /// Writes are acknowledged only once durable (commit-to-device).
    pub commit_to_device: bool,
    /// Run the expiry sweep at the next tick (set by a truncate).
    pub sweep_requested: bool,
    n_shards: usize,
}

impl HostedNamespace {
    /// Hosts the storage shards `stores` (in local order) of a namespace.
    pub fn new(
        config: NamespaceConfig,
        route: NamespaceRoute,
        stores: Vec<NamespaceStore>,
        n_shards: usize,
        commit_to_device: bool,
    ) -> Self {
        HostedNamespace { config, route, stores, commit_to_device, sweep_requested: false, n_shards }
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

    /// Replaces the run-time settings on every store hosted here.
    pub fn set_config(&mut self, config: NamespaceConfig) {
        for store in &mut self.stores {
            store.set_config(config.clone());
        }
        self.config = config;
    }

    /// Truncates on every store hosted here (this is namespace `index`); on devices each
    /// store's marker must be durable before the answer, so the waits are returned.
    pub fn truncate(&mut self, index: usize, set: Option<&[u8]>, lut_ms: u64) -> Result<Vec<Durability>, StorageError> {
        let mut waits = Vec::new();
        for (local, store) in self.stores.iter_mut().enumerate() {
            let seq = store.truncate(set, lut_ms)?;
            if store.medium() == Medium::Device {
                waits.push(Durability { ns_index: index, local, seq });
            }
        }
        self.sweep_requested = true;
        Ok(waits)
    }

    /// This shard's counters of the namespace, over its stores.
    pub fn snapshot(&self, txn: &TxnStats, cluster: MigrationStats) -> NamespaceSnapshot {
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
