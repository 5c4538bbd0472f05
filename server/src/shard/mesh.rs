//! Work between shards, and the replies it sends back.
//!
//! A request is a [`Job`]: a closure the sending shard built, called on the target shard with
//! that shard, whose result comes back as the reply. The runtime knows nothing of what the
//! work is (a forwarded transaction, a scan chunk, a map install, a snapshot of counters): each
//! layer sends its own, next to the code that handles it (Seastar's `submit_to` works the same
//! way). The target polls each job once as it arrives, so work that does not wait (an
//! in-memory transaction, a map install) runs in arrival order with no task of its own; work
//! that waits continues in its own task.
//!
//! Two full meshes of bounded channels connect the shards: one carries requests, the other
//! replies. A shard's reply loop never blocks (it only completes waiting futures), so a shard
//! that is blocked sending a reply always gets unblocked: the two-mesh split is what keeps
//! request/reply traffic between two busy shards from deadlocking.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use glommio::channels::channel_mesh::Senders;
use glommio::channels::shared_channel::ConnectedReceiver;

use super::Shard;

/// Capacity of each shard-to-shard channel, in messages.
pub const CHANNEL_CAPACITY: usize = 1024;

/// The tag of a job whose sender waits for no reply ([`Peers::post`]): none is sent back.
const NO_REPLY: u32 = u32::MAX;

/// Work sent to another shard: called there with that shard.
pub type Job = Box<dyn FnOnce(Rc<Shard>) -> Pin<Box<dyn Future<Output = Reply>>> + Send>;

/// A job's result on its way back; [`unpack`] gives it its type again.
pub type Reply = Box<dyn Any + Send>;

/// Wraps typed work as a [`Job`].
pub fn job<R, F, Fut>(work: F) -> Job
where
    F: FnOnce(Rc<Shard>) -> Fut + Send + 'static,
    Fut: Future<Output = R> + 'static,
    R: Send + 'static,
{
    Box::new(move |shard| Box::pin(async move { Box::new(work(shard).await) as Reply }))
}

/// The result of a job, with the type its sender gave the work.
pub fn unpack<R: 'static>(reply: Reply) -> R {
    *reply.downcast::<R>().expect("a job's reply has the type of its work's result")
}

/// The peer shard is gone (the node is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerGone;

/// The sending side of the meshes, and the replies this shard waits for.
pub struct Peers {
    requests: Senders<Envelope<Job>>,
    replies: Senders<Envelope<Reply>>,
    pending: Pending<Reply>,
}

impl Peers {
    /// The links of a shard that joined both meshes.
    pub fn new(requests: Senders<Envelope<Job>>, replies: Senders<Envelope<Reply>>) -> Peers {
        Peers { requests, replies, pending: Pending::default() }
    }

    /// Sends `job` to shard `to`; the returned future resolves to its reply.
    pub async fn send(&self, to: usize, job: Job) -> Result<PendingReply<'_, Reply>, PeerGone> {
        let (tag, reply) = self.pending.register();
        self.requests.send_to(to, Envelope { tag, body: job }).await.map_err(|_| PeerGone)?;
        Ok(reply)
    }

    /// Sends `job` to shard `to` and forgets it: its result is dropped there, and nothing
    /// comes back to wake this shard.
    pub async fn post(&self, to: usize, job: Job) -> Result<(), PeerGone> {
        self.requests.send_to(to, Envelope { tag: NO_REPLY, body: job }).await.map_err(|_| PeerGone)
    }
}

/// Runs the jobs shard `from` sends this shard; the replies go back on the reply mesh.
pub async fn serve_requests(shard: Rc<Shard>, from: usize, stream: ConnectedReceiver<Envelope<Job>>) {
    while let Some(Envelope { tag, body: job }) = stream.recv().await {
        let mut work = job(shard.clone());
        match futures_lite::future::poll_once(&mut work).await {
            Some(_) if tag == NO_REPLY => {}
            Some(reply) => {
                if shard.peers.replies.send_to(from, Envelope { tag, body: reply }).await.is_err() {
                    return;
                }
            }
            None => {
                let shard = shard.clone();
                glommio::spawn_local(async move {
                    let reply = work.await;
                    if tag != NO_REPLY {
                        let _ = shard.peers.replies.send_to(from, Envelope { tag, body: reply }).await;
                    }
                })
                .detach();
            }
        }
    }
}

/// Delivers replies to the tasks waiting for them. Never blocks (see the module docs).
pub async fn receive_replies(shard: Rc<Shard>, stream: ConnectedReceiver<Envelope<Reply>>) {
    while let Some(Envelope { tag, body }) = stream.recv().await {
        shard.peers.pending.complete(tag, body);
    }
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
                u32::try_from(slots.len() - 1)
                    .ok()
                    .filter(|&t| t != NO_REPLY)
                    .expect("fewer than 2^32-1 waiting replies")
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
