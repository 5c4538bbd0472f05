//! Layer 2, storage: the per-shard driver around the engine. A shard hosts, per namespace, the
//! storage shards (engine `NamespaceStore`s) whose partitions it owns ([`HostedNamespace`]);
//! this layer runs their device I/O ([`device`]: cold start, flushes, group commit, defrag,
//! reads of records not in memory, waiting for durability), their expiry and eviction sweep
//! ([`nsup`]), and prepares the devices before the shards start ([`layout`]).
//!
//! Storage names no layer above it: it reaches the shard it runs on through [`Host`], which
//! the shard runtime implements.

pub mod device;
mod hosted;
pub mod layout;
pub mod nsup;

use std::cell::{Ref, RefMut};
use std::rc::Rc;

pub use device::{fetch, wait_durable, NamespaceIo, ShardIo};
pub use hosted::{Durability, HostedNamespace};

use crate::ground::node::NodeContext;

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
