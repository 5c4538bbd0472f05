//! Messages between shards and the replies they wait for.
//!
//! Two full meshes of bounded channels connect the shards: one carries requests, the other
//! replies. A shard's reply loop never blocks (it only completes waiting futures), so a shard
//! that is blocked sending a reply always gets unblocked: the two-mesh split is what keeps
//! request/reply traffic between two busy shards from deadlocking.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use scramjet_engine::NamespaceConfig;

use crate::config::ServiceConfig;
use crate::stats::ShardSnapshot;

/// Capacity of each shard-to-shard channel, in messages.
pub const CHANNEL_CAPACITY: usize = 1024;

/// What one shard asks of another.
#[derive(Debug)]
pub enum ShardRequest {
    /// Run a single-record message (the request body, as received) and return the response.
    Transaction(Vec<u8>),
    /// Report counters.
    Snapshot,
    /// Replace the settings of namespace `index`.
    SetNamespaceConfig {
        /// Index of the namespace in configuration order.
        index: usize,
        /// The new settings.
        config: NamespaceConfig,
    },
    /// Replace the run-time service settings.
    SetServiceConfig(ServiceConfig),
    /// Apply a background job's ops to every record of partitions this shard owns.
    Background(Box<crate::transaction::scan::BackgroundJob>),
    /// Scan partitions this shard owns, a chunk of records at a time.
    Scan(Box<crate::transaction::scan::ScanChunk>),
    /// Run batch rows whose records this shard owns: (row index, single-record message body).
    Batch(Vec<(u32, Vec<u8>)>),
    /// Install a new partition map (from the coordinator).
    Map(std::sync::Arc<crate::cluster::map::ClusterMap>),
    /// Run a record-level fabric frame (replica write, migration batch, duplicate read, done
    /// notice) that arrived on another shard; the reply frame comes back.
    Fabric(Vec<u8>),
    /// Truncate a set (or the whole namespace) up to a last-update time.
    Truncate {
        /// Index of the namespace.
        index: usize,
        /// The set, or `None` for every set.
        set: Option<Vec<u8>>,
        /// Records last updated before this (citrusleaf-epoch ms) go.
        lut_ms: u64,
    },
}

/// The answer to a [`ShardRequest`].
#[derive(Debug)]
pub enum ShardReply {
    /// The encoded response of a transaction.
    Transaction(Vec<u8>),
    /// Counters.
    Snapshot(Box<ShardSnapshot>),
    /// The responses of batch rows, as concatenated `as_msg`s.
    Batch(Vec<u8>),
    /// How many records a background job wrote.
    Count(u64),
    /// A scan chunk's records and what is left.
    Scan(Box<crate::transaction::scan::ScanResult>),
    /// The reply frame to a fabric request.
    Fabric(Vec<u8>),
    /// Done.
    Done,
    /// Failed, with the reason.
    Failed(String),
}

/// A message with the tag that pairs a reply with its request.
#[derive(Debug)]
pub struct Envelope<T> {
    /// Chosen by the requesting shard; echoed in the reply.
    pub tag: u32,
    /// The message.
    pub body: T,
}

#[derive(Debug)]
enum Slot<T> {
    Free,
    Waiting(Option<Waker>),
    Ready(T),
    Abandoned,
}

/// The replies a shard waits for, by tag. Single-threaded: owned by one shard.
#[derive(Debug)]
pub struct Pending<T> {
    slots: RefCell<Vec<Slot<T>>>,
    free: RefCell<Vec<u32>>,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending { slots: RefCell::new(Vec::new()), free: RefCell::new(Vec::new()) }
    }
}

impl<T> Pending<T> {
    /// Reserves a tag and returns the future that resolves when [`Pending::complete`] is called
    /// with it.
    pub fn register(&self) -> (u32, PendingReply<'_, T>) {
        let mut slots = self.slots.borrow_mut();
        let tag = match self.free.borrow_mut().pop() {
            Some(tag) => tag,
            None => {
                slots.push(Slot::Free);
                u32::try_from(slots.len() - 1).expect("fewer than 2^32 waiting replies")
            }
        };
        let slot = &mut slots[tag as usize];
        assert!(matches!(slot, Slot::Free), "a free tag's slot is free");
        *slot = Slot::Waiting(None);
        (tag, PendingReply { pending: self, tag, done: false })
    }

    /// Delivers the reply for `tag`. A reply whose waiter went away is dropped.
    pub fn complete(&self, tag: u32, value: T) {
        let mut slots = self.slots.borrow_mut();
        let slot = slots.get_mut(tag as usize).expect("reply for a tag that was never issued");
        match std::mem::replace(slot, Slot::Free) {
            Slot::Waiting(waker) => {
                *slot = Slot::Ready(value);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Slot::Abandoned => self.free.borrow_mut().push(tag),
            Slot::Free | Slot::Ready(_) => panic!("duplicate reply for tag {tag}"),
        }
    }

    /// Number of replies still awaited.
    #[cfg(test)]
    pub fn outstanding(&self) -> usize {
        self.slots.borrow().iter().filter(|s| matches!(s, Slot::Waiting(_) | Slot::Abandoned)).count()
    }
}

/// A reply not yet delivered.
pub struct PendingReply<'a, T> {
    pending: &'a Pending<T>,
    tag: u32,
    done: bool,
}

impl<T> Future for PendingReply<'_, T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let tag = self.tag;
        let mut slots = self.pending.slots.borrow_mut();
        let slot = &mut slots[tag as usize];
        match std::mem::replace(slot, Slot::Free) {
            Slot::Ready(value) => {
                drop(slots);
                self.pending.free.borrow_mut().push(tag);
                self.done = true;
                Poll::Ready(value)
            }
            Slot::Waiting(_) => {
                *slot = Slot::Waiting(Some(cx.waker().clone()));
                Poll::Pending
            }
            Slot::Free | Slot::Abandoned => panic!("reply future polled after completion"),
        }
    }
}

impl<T> Drop for PendingReply<'_, T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut slots = self.pending.slots.borrow_mut();
        let slot = &mut slots[self.tag as usize];
        match slot {
            Slot::Waiting(_) => *slot = Slot::Abandoned,
            Slot::Ready(_) => {
                *slot = Slot::Free;
                drop(slots);
                self.pending.free.borrow_mut().push(self.tag);
            }
            Slot::Free | Slot::Abandoned => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        let waker = Waker::from(Arc::new(Noop));
        Pin::new(f).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn reply_reaches_its_waiter_and_tags_are_reused() {
        let pending = Pending::default();
        let (tag, mut reply) = pending.register();
        assert!(poll(&mut reply).is_pending());
        pending.complete(tag, 7);
        assert_eq!(poll(&mut reply), Poll::Ready(7));
        drop(reply);
        let (again, _reply) = pending.register();
        assert_eq!(again, tag);
    }

    #[test]
    fn abandoned_waiters_free_their_tag_when_the_reply_comes() {
        let pending = Pending::default();
        let (tag, reply) = pending.register();
        drop(reply);
        assert_eq!(pending.outstanding(), 1);
        pending.complete(tag, 1);
        assert_eq!(pending.outstanding(), 0);
        let (again, _reply) = pending.register();
        assert_eq!(again, tag);
    }
}
