//! A command in a cluster, on the shard that owns its record: duplicate resolution before a
//! master runs a command on a partition still migrating in, replica writes after it, and the
//! answers to what other nodes ask of a record or partition (replica writes, duplicate reads,
//! pulls before a scan). As in Aerospike (`transaction/replica_write.c`,
//! `duplicate_resolve.c`), this is part of running a transaction, below the cluster layer.

use std::rc::Rc;

use scramjet_engine::{NamespaceStore, Now, RecordMeta};
use scramjet_net::fabric::{self, FabricMessage, RecordImage};
use scramjet_net::message::{info2, info3};
use scramjet_net::response::write_status;
use scramjet_net::{Digest, ResultCode, PROTO_HEADER_SIZE};

use crate::ground::bench::{Bench, Phase};
use crate::ground::node::NodeId;
use crate::log;
use crate::shard::Shard;
use crate::storage::{self, Durability};
use crate::transaction::{self, Route};

/// A record version copied out of a store, to send.
#[derive(Debug, Clone)]
pub struct OwnedImage {
    /// The record.
    pub digest: Digest,
    /// Its metadata.
    pub meta: RecordMeta,
    /// A delete.
    pub tombstone: bool,
    /// Created after a non-durable delete (the engine's reborn mark).
    pub reborn: bool,
    /// Set name.
    pub set: Vec<u8>,
    /// Stored record (key and bins).
    pub body: Vec<u8>,
}

impl OwnedImage {
    /// A delete of `digest`, with the tombstone's metadata.
    pub fn tombstone(digest: Digest, meta: RecordMeta) -> OwnedImage {
        OwnedImage { digest, meta, tombstone: true, reborn: false, set: Vec::new(), body: Vec::new() }
    }

    /// The image, borrowed, to encode.
    pub fn as_image(&self) -> RecordImage<'_> {
        RecordImage {
            digest: self.digest,
            generation: self.meta.generation,
            void_time: self.meta.void_time,
            last_update_ms: self.meta.last_update_ms,
            tombstone: self.tombstone,
            reborn: self.reborn,
            set: &self.set,
            body: &self.body,
        }
    }
}

/// The version of `digest` in `store`, live record or tombstone (a live record on a device
/// must have been fetched first).
pub fn image_of(store: &NamespaceStore, digest: &Digest, now: Now) -> Option<OwnedImage> {
    let (meta, record) = store.version(digest, now)?;
    Some(OwnedImage {
        digest: *digest,
        meta,
        tombstone: record.is_none(),
        reborn: store.is_reborn(digest),
        set: store.sets().name(meta.set_id).to_vec(),
        body: record.map(|r| r.body.to_vec()).unwrap_or_default(),
    })
}

/// The version of `digest` to send another node, read from the device first if it lives
/// there; `None` if there is none.
pub async fn read_image(shard: &Shard, ns: usize, digest: &Digest) -> Result<Option<OwnedImage>, String> {
    storage::fetch(shard, ns, digest).await?;
    let mut state = shard.state.borrow_mut();
    let store = state.namespaces[ns].store_mut(digest.partition_id());
    let image = image_of(store, digest, crate::ground::clock::now());
    store.clear_provided();
    Ok(image)
}

/// Applies a version another node sent.
pub fn apply(store: &mut NamespaceStore, image: &RecordImage<'_>, force: bool, now: Now) -> u8 {
    let meta = RecordMeta {
        generation: image.generation,
        void_time: image.void_time,
        last_update_ms: image.last_update_ms,
        set_id: 0,
    };
    let body = (!image.tombstone).then_some(image.body);
    match store.apply_version(image.digest, meta, image.set, body, image.reborn, force, now) {
        Ok(_) => 0,
        Err(e) => transaction::TxnError::Storage(e).result_code().as_u8(),
    }
}

/// The index of namespace `name`, if this node has it.
fn ns_index(shard: &Shard, name: &[u8]) -> Option<usize> {
    shard.node.routes.iter().position(|r| r.name.as_bytes() == name)
}

/// Applies a replica write a master sent (on the shard that owns the record); returns the
/// result code to acknowledge it with, once the copy may be counted on.
pub async fn apply_replica_write(shard: &Rc<Shard>, key: u64, ns: &[u8], image: &RecordImage<'_>) -> u8 {
    let Some(ns) = ns_index(shard, ns) else {
        return ResultCode::Namespace.as_u8();
    };
    let pid = image.digest.partition_id();
    let (code, durability) = {
        let mut state = shard.state.borrow_mut();
        // Only under the master's map, and only for a partition held here: a copy outside the
        // map would never be dropped or migrated.
        if state.map.key != key || state.map.my_role(ns, pid).is_none() {
            (ResultCode::ClusterKeyMismatch.as_u8(), None)
        } else {
            let hosted = &mut state.namespaces[ns];
            let local = hosted.local_of(pid);
            let commit_to_device = hosted.commit_to_device;
            let store = hosted.store_mut(pid);
            let code = apply(store, image, true, crate::ground::clock::now());
            let seq = store.appended();
            // With commit-to-device the replica's copy is durable before the ack, as the
            // master's is before its reply.
            let wait = code == 0 && commit_to_device;
            (code, wait.then_some(Durability { ns_index: ns, local, seq }))
        }
    };
    if let Some(d) = durability {
        storage::wait_durable(shard, d).await;
    }
    code
}

/// Answers a duplicate read: this node's version of `digest` (reply frame `id`, in `reply`).
pub async fn answer_dup_read(shard: &Rc<Shard>, id: u64, ns: &[u8], digest: &Digest, reply: &mut Vec<u8>) {
    let answer = match ns_index(shard, ns) {
        Some(ns) => match read_image(shard, ns, digest).await {
            Ok(image) => {
                let record = FabricMessage::DupRecord(image.as_ref().map(OwnedImage::as_image));
                return fabric::encode(reply, id, shard.node.node_id, &record);
            }
            Err(_) => FabricMessage::Ack(ResultCode::Unknown.as_u8()),
        },
        None => FabricMessage::Ack(ResultCode::Namespace.as_u8()),
    };
    fabric::encode(reply, id, shard.node.node_id, &answer);
}

/// Answers a pull: a page of this node's versions of partition `pid` after `after` (reply
/// frame `id`, in `reply`).
pub async fn answer_pull(
    shard: &Rc<Shard>,
    id: u64,
    ns: &[u8],
    pid: u16,
    after: Option<Digest>,
    max: u32,
    reply: &mut Vec<u8>,
) {
    let Some(ns) = ns_index(shard, ns) else {
        return fabric::encode(reply, id, shard.node.node_id, &FabricMessage::Ack(ResultCode::Namespace.as_u8()));
    };
    let (next, images) = pull_page(shard, ns, pid, after, max).await;
    let images: Vec<RecordImage<'_>> = images.iter().map(OwnedImage::as_image).collect();
    fabric::encode(reply, id, shard.node.node_id, &FabricMessage::PullReply { next, images });
}

/// Records (or tombstones) per pull page, and the bytes after which a page ends early.
const PULL_PAGE_RECORDS: u32 = 256;
const PULL_PAGE_BYTES: usize = 1 << 20;

/// A page of this node's versions of partition `pid`, after `after`: the versions, and where
/// the next page starts after (`None` at the end).
async fn pull_page(
    shard: &Rc<Shard>,
    ns: usize,
    pid: u16,
    after: Option<Digest>,
    max: u32,
) -> (Option<Digest>, Vec<OwnedImage>) {
    let max = max.clamp(1, PULL_PAGE_RECORDS) as usize;
    let digests = shard.state.borrow().namespaces[ns].store(pid).partition_versions_after(
        pid,
        after.as_ref(),
        max,
        crate::ground::clock::now(),
    );
    let mut images = Vec::new();
    let mut bytes = 0;
    for (i, digest) in digests.iter().enumerate() {
        if let Ok(Some(image)) = read_image(shard, ns, digest).await {
            bytes += fabric::image_size(&image.as_image());
            images.push(image);
        }
        if bytes >= PULL_PAGE_BYTES && i + 1 < digests.len() {
            return (Some(*digest), images);
        }
    }
    let next = if digests.len() == max { digests.last().copied() } else { None };
    (next, images)
}

/// Before this node, the master of partition `pid`, scans it: takes now every version of the
/// partition from the members that have not finished migrating it here, so that the scan
/// sees every record. False if a member could not be asked (the scan must not claim the
/// partition complete).
pub async fn pull_partition(shard: &Shard, ns: usize, pid: u16) -> bool {
    let waiting: Vec<NodeId> = {
        let state = shard.state.borrow();
        if state.map.my_role(ns, pid) != Some(0) {
            return true;
        }
        let pulled = &state.migration.pulled[ns];
        match state.migration.waiting_on(ns, pid) {
            Some(nodes) => nodes.iter().copied().filter(|&n| !pulled.contains(&(pid, n))).collect(),
            None => return true,
        }
    };
    let name = shard.node.namespaces[ns].clone();
    let key = shard.state.borrow().map.key;
    for node in waiting {
        let mut after = None;
        loop {
            let message = FabricMessage::Pull { ns: name.as_bytes(), pid, after, max: PULL_PAGE_RECORDS };
            let reply = match crate::shard::transport::call(shard, node, &message).await {
                Ok(reply) => reply,
                Err(e) => {
                    log!(Debug, "scan", "pull of partition {pid} from node {node:X}: {e}");
                    return false;
                }
            };
            let Ok((_, FabricMessage::PullReply { next, images })) = fabric::decode(&reply) else {
                return false;
            };
            let mut state = shard.state.borrow_mut();
            let now = crate::ground::clock::now();
            for image in images.iter().filter(|i| i.digest.partition_id() == pid) {
                apply(state.namespaces[ns].store_mut(pid), image, false, now);
            }
            state.migration.stats[ns].scan_pulled_records += images.len() as u64;
            match next {
                Some(digest) => after = Some(digest),
                None => break,
            }
        }
        let mut state = shard.state.borrow_mut();
        if state.map.key == key {
            state.migration.pulled[ns].insert((pid, node));
        }
    }
    true
}

/// Asks the members that have not finished migrating partition `pid` in for their version of
/// `digest`, and keeps the newest.
async fn resolve_duplicates(shard: &Rc<Shard>, ns: usize, digest: &Digest, waiting: Vec<NodeId>) {
    let name = shard.node.namespaces[ns].clone();
    let message = FabricMessage::DupRead { ns: name.as_bytes(), digest: *digest };
    for node in waiting {
        shard.state.borrow_mut().migration.stats[ns].dup_res_asked += 1;
        let reply = match crate::shard::transport::call(shard, node, &message).await {
            Ok(reply) => reply,
            // A member that cannot answer is leaving the cluster: the next map says so.
            Err(e) => {
                log!(Debug, "dup-res", "node {node:X}: {e}");
                continue;
            }
        };
        if let Ok((_, FabricMessage::DupRecord(Some(image)))) = fabric::decode(&reply) {
            let mut state = shard.state.borrow_mut();
            apply(state.namespaces[ns].store_mut(digest.partition_id()), &image, false, crate::ground::clock::now());
        }
    }
}

/// Sends a write's version to replica `node`; true once it applied it.
async fn replicate_to(shard: &Shard, key: u64, ns: usize, image: &OwnedImage, node: NodeId) -> bool {
    let name = &shard.node.namespaces[ns];
    let message = FabricMessage::Replica { key, ns: name.as_bytes(), image: image.as_image() };
    let ok = match crate::shard::transport::call(shard, node, &message).await {
        Ok(reply) => matches!(fabric::decode(&reply), Ok((_, FabricMessage::Ack(0)))),
        Err(e) => {
            log!(Debug, "replica", "write to node {node:X} failed: {e}");
            false
        }
    };
    let mut state = shard.state.borrow_mut();
    let stats = &mut state.migration.stats[ns];
    stats.replica_writes += 1;
    stats.replica_write_errors += u64::from(!ok);
    ok
}

/// Sends the version a write left to every replica of its partition, to all at once; false if
/// one of them did not apply it.
async fn replicate(shard: &Rc<Shard>, key: u64, ns: usize, image: Rc<OwnedImage>, replicas: Vec<NodeId>) -> bool {
    if let [only] = replicas[..] {
        return replicate_to(shard, key, ns, &image, only).await;
    }
    let tasks: Vec<_> = replicas
        .into_iter()
        .map(|node| {
            let (shard, image) = (shard.clone(), image.clone());
            glommio::spawn_local(async move { replicate_to(&shard, key, ns, &image, node).await })
        })
        .collect();
    let mut all = true;
    for task in tasks {
        all &= task.await;
    }
    all
}

/// Runs a client's single-record command (its message body) on the shard that owns the
/// record, in a cluster: duplicate resolution first while the partition is still migrating in
/// (on the master, or on a replica asked to read), then the command, then the replica writes.
/// The reply (appended to `out`) waits for every replica unless the client asked for commit
/// level master. Each phase that ends counts on `bench`, the command's benchmark clock.
pub async fn run_clustered(shard: &Rc<Shard>, body: &[u8], bench: &mut Option<Bench>, out: &mut Vec<u8>) {
    let txn = {
        let state = shard.state.borrow();
        match transaction::prepare(body, &state.routes, state.n_shards) {
            Route::Record { txn, .. } => txn,
            Route::Reject(code) => return write_status(out, code, 0, 0),
            _ => return write_status(out, ResultCode::Parameter, 0, 0),
        }
    };
    let (ns, digest) = (txn.ns_index(), *txn.digest());
    let pid = digest.partition_id();
    let header = txn.header();
    let is_write = header.info2 & info2::WRITE != 0;
    let (map, waiting) = {
        let state = shard.state.borrow();
        let map = state.map.clone();
        // The master before any command, and a replica before a read: a copy still migrating
        // in may lack what the members it waits on have.
        let waiting =
            if map.my_role(ns, pid).is_some() { state.migration.waiting_on(ns, pid).map(<[_]>::to_vec) } else { None };
        (map, waiting)
    };
    if let Some(waiting) = waiting {
        resolve_duplicates(shard, ns, &digest, waiting).await;
        transaction::bench_point(shard, bench, Phase::DupRes);
    }
    let start = out.len();
    let mut attempt = 0;
    let (durability, image) = loop {
        attempt += 1;
        if attempt > transaction::udf::apply::MAX_ATTEMPTS {
            // The record kept changing under a long UDF.
            return write_status(out, ResultCode::KeyBusy, 0, 0);
        }
        if attempt > 1 {
            transaction::bench_point(shard, bench, Phase::Restart);
        }
        if let Err(reason) = storage::fetch(shard, ns, &digest).await {
            log!(Warning, "storage", "{{{}}} {reason}", shard.node.namespaces[ns]);
            return write_status(out, ResultCode::Unknown, 0, 0);
        }
        // A record UDF runs its function first; if it yielded, the record is read again.
        let udf = transaction::udf::apply::call(shard, &txn).await;
        if udf.as_ref().is_some_and(|c| c.yielded()) {
            if let Err(reason) = storage::fetch(shard, ns, &digest).await {
                log!(Warning, "storage", "{{{}}} {reason}", shard.node.namespaces[ns]);
                return write_status(out, ResultCode::Unknown, 0, 0);
            }
        }
        let mut state = shard.state.borrow_mut();
        let now = crate::ground::clock::now();
        // What a delete replaces: the replicas' tombstones carry its generation.
        let before = state.namespaces[ns].store(pid).version_meta(&digest, now);
        let Ok(durability) = transaction::execute(&mut state, &txn, udf.as_ref(), now, out) else { continue };
        let store = state.namespaces[ns].store_mut(pid);
        let ok = out.get(start + PROTO_HEADER_SIZE + 5) == Some(&0);
        // A read that touched the record (read-touch) changed it too, and a UDF may have only
        // read: the replicas get what changed.
        let changed = store.version_meta(&digest, now) != before;
        let replicate = if udf.is_some() { changed } else { is_write || changed };
        let image = (replicate && ok && map.is_clustered()).then(|| {
            image_of(store, &digest, now).unwrap_or_else(|| {
                let meta = before.unwrap_or(RecordMeta { generation: 0, void_time: 0, last_update_ms: 0, set_id: 0 });
                let durable = header.info2 & scramjet_net::message::info2::DURABLE_DELETE != 0;
                OwnedImage::tombstone(digest, NamespaceStore::tombstone_meta(meta, now, durable))
            })
        });
        store.clear_provided();
        break (durability, image);
    };
    if let Some(d) = durability {
        storage::wait_durable(shard, d).await;
    }
    transaction::bench_point(shard, bench, Phase::Local);
    let Some(image) = image else { return };
    let replicas: Vec<NodeId> = map.owners(ns, pid).iter().copied().filter(|&n| n != map.me).collect();
    if replicas.is_empty() {
        return;
    }
    let image = Rc::new(image);
    if header.info3 & info3::COMMIT_MASTER != 0 {
        let shard = shard.clone();
        glommio::spawn_local(async move { replicate(&shard, map.key, ns, image, replicas).await }).detach();
        return;
    }
    let replicated = replicate(shard, map.key, ns, image, replicas).await;
    transaction::bench_point(shard, bench, Phase::ReplWrite);
    if !replicated {
        // Applied here but not on every replica: the client must not count on it (in doubt).
        out.truncate(start);
        write_status(out, ResultCode::Timeout, 0, 0);
    }
}
