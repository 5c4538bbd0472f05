//! A namespace as one shard hosts it ([`HostedNamespace`]), and what a write must wait for
//! before its reply ([`Durability`]).

use scramjet_engine::storage::Medium;
use scramjet_engine::{NamespaceConfig, NamespaceStore, StorageError};

use crate::ground::routing::NamespaceRoute;
use crate::ground::stats::{MigrationStats, NamespaceSnapshot, TxnStats};

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
                sindex_bytes: ns.sindexes().iter().map(|(slot, _)| ns.sindexes().memory_bytes(slot)).sum(),
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
