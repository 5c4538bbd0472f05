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
use scramjet_engine::NamespaceStore;

use crate::config::ServiceConfig;
use crate::node::NodeContext;
use crate::stats::{ConnectionStats, NamespaceSnapshot, ShardSnapshot, TxnStats};
use mesh::{Envelope, Pending, ShardReply, ShardRequest};

/// The state one shard owns.
#[derive(Debug)]
pub struct ShardState {
    /// This shard's slice of each namespace, in configuration order.
    pub namespaces: Vec<NamespaceStore>,
    /// Transaction counters per namespace.
    pub txn_stats: Vec<TxnStats>,
    /// The run-time service settings (changed by `set-config`).
    pub service: ServiceConfig,
    /// Connection counters.
    pub connections: ConnectionStats,
    /// Number of shards on the node (for budget shares and routing).
    pub n_shards: usize,
    /// Namespace names, in configuration order (for routing forwarded messages).
    pub namespace_names: Vec<String>,
    /// Per namespace: writes are acknowledged only once durable (commit-to-device).
    pub commit_to_device: Vec<bool>,
    /// Per namespace: run the expiry sweep at the next tick (after a truncate).
    pub sweep_requested: Vec<bool>,
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
                .map(|(ns, txn)| NamespaceSnapshot {
                    engine: ns.stats(),
                    unflushed_bytes: ns.unflushed_bytes() as u64,
                    index_bytes: ns.index_memory_bytes() as u64,
                    txn: *txn,
                    sets: ns
                        .sets()
                        .iter()
                        .map(|(name, stats)| {
                            let id = ns.sets().lookup(name).expect("a listed set has an id");
                            (name.to_vec(), stats, ns.truncate_lut_ms(id))
                        })
                        .collect(),
                })
                .collect(),
            stop_writes: self.namespaces.iter().map(|ns| ns.is_stop_writes()).collect(),
        }
    }

    /// Carries out a request from another shard. A write to a commit-to-device namespace also
    /// returns what must be durable before the reply goes back.
    pub fn handle(&mut self, request: ShardRequest) -> (ShardReply, Option<crate::transaction::Durability>) {
        let reply = match request {
            ShardRequest::Transaction(body) => {
                let mut out = Vec::with_capacity(256);
                let durability = crate::transaction::execute_forwarded(self, &body, crate::clock::now(), &mut out);
                return (ShardReply::Transaction(out), durability);
            }
            ShardRequest::Snapshot => ShardReply::Snapshot(Box::new(self.snapshot())),
            ShardRequest::SetNamespaceConfig { index, config } => {
                self.namespaces[index].set_config(config);
                ShardReply::Done
            }
            ShardRequest::SetServiceConfig(service) => {
                self.service = service;
                ShardReply::Done
            }
            ShardRequest::Truncate { index, set, lut_ms } => {
                return match self.truncate(index, set.as_deref(), lut_ms) {
                    Ok(durability) => (ShardReply::Done, durability),
                    Err(e) => (ShardReply::Failed(e.to_string()), None),
                };
            }
        };
        (reply, None)
    }

    /// Truncates on this shard; on devices the marker must be durable before the answer.
    pub fn truncate(
        &mut self,
        index: usize,
        set: Option<&[u8]>,
        lut_ms: u64,
    ) -> Result<Option<crate::transaction::Durability>, scramjet_engine::StorageError> {
        let store = &mut self.namespaces[index];
        let seq = store.truncate(set, lut_ms)?;
        self.sweep_requested[index] = true;
        let on_device = store.medium() == scramjet_engine::storage::Medium::Device;
        Ok(on_device.then_some(crate::transaction::Durability { ns_index: index, seq }))
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
    /// Device I/O of each namespace (set once, after cold start).
    pub io: std::cell::OnceCell<crate::storage::ShardIo>,
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
    /// The device I/O of namespace `index`, if it is on devices.
    pub fn namespace_io(&self, index: usize) -> Option<&std::rc::Rc<crate::storage::NamespaceIo>> {
        self.io.get().and_then(|all| all[index].as_ref())
    }

    /// Asks shard `to` to carry out `request` and waits for its reply.
    pub async fn call(&self, to: usize, request: ShardRequest) -> Result<ShardReply, PeerGone> {
        assert_ne!(to, self.id, "a shard serves itself directly");
        let (tag, reply) = self.peers.pending.register();
        self.peers.requests.send_to(to, Envelope { tag, body: request }).await.map_err(|_| PeerGone)?;
        Ok(reply.await)
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
