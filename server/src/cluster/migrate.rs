//! Migration: after every new partition map, each shard sends the records of its partitions to
//! the nodes that now hold them and did not already, and tells every new holder when it has
//! nothing more to send. A holder treats a partition as still receiving until every other member
//! has said so; until then its master resolves duplicates on each request (asking the members
//! that have not finished for their version). Records arrive through
//! [`NamespaceStore::apply_version`], so the newest version wins, whichever order they come in.
//! A node that no longer holds a partition drops its records once every new holder has them.
//!
//! A partition need not move between two nodes that both held it under the previous map, if
//! that map had finished migrating ("settled"): commit level all kept them equal; and a new
//! holder needs it from only one of the previous holders. After an unsettled map (a change
//! during migration, a split) every holder sends everything.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use scramjet_net::fabric::{self, FabricMessage, RecordImage};
use scramjet_net::{ResultCode, N_PARTITIONS};

use crate::ground::node::NodeId;
use crate::log;
use crate::partition::map::ClusterMap;
use crate::shard::Shard;
use crate::transaction::replica::{self, read_image, OwnedImage};

/// Records (or bytes) per migration frame.
const BATCH_RECORDS: usize = 256;
const BATCH_BYTES: usize = 1 << 20;
/// Pause before a failed send is tried again.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Done notices kept for maps not installed yet, each one (key, namespace, sender) merged.
const EARLY_DONES_KEPT: usize = 64;

/// Marks a done notice on a shard's state. Partitions that now have every member's records
/// stop keeping tombstones in memory: no older copy can arrive any more.
fn apply_done(state: &mut crate::shard::ShardState, ns: usize, from: NodeId, bitmap: &[u8]) {
    for pid in state.migration.mark_done(ns, from, bitmap) {
        state.namespaces[ns].store_mut(pid).set_keep_tombstones(pid, false);
    }
}

fn set_bit(bitmap: &mut [u8], pid: u16) {
    bitmap[usize::from(pid >> 3)] |= 0x80 >> (pid & 7);
}

/// The partitions this shard hosts of namespace `ns`.
fn hosted_pids(state: &crate::shard::ShardState, ns: usize) -> Vec<u16> {
    state.namespaces[ns].stores.iter().flat_map(|s| s.pids()).collect()
}

/// Installs a new partition map on this shard and starts its migrations.
pub fn install(shard: &Rc<Shard>, map: Arc<ClusterMap>) {
    let (old, settled) = {
        let mut state = shard.state.borrow_mut();
        if state.map.key == map.key && state.map.succession == map.succession {
            state.map = map;
            return;
        }
        let settled = state.migration.is_settled();
        let old = std::mem::replace(&mut state.map, map.clone());
        (old, settled)
    };
    let n_ns = map.namespaces.len();
    {
        let mut state = shard.state.borrow_mut();
        let others: Vec<NodeId> = map.succession.iter().copied().filter(|&n| n != map.me).collect();
        for ns in 0..n_ns {
            let pids = hosted_pids(&state, ns);
            let migration = &mut state.migration;
            migration.rx_waiting[ns].clear();
            migration.pulled[ns].clear();
            if !others.is_empty() {
                for &pid in &pids {
                    if map.my_role(ns, pid).is_some() {
                        migration.rx_waiting[ns].insert(pid, others.clone());
                    }
                }
            }
            migration.stats[ns].rx_remaining = migration.rx_waiting[ns].len() as u64;
            migration.stats[ns].tx_remaining = 0;
            // While other members' copies may arrive, a delete must leave a tombstone for them
            // to lose against.
            for pid in pids {
                let waiting = state.migration.rx_waiting[ns].contains_key(&pid);
                state.namespaces[ns].store_mut(pid).set_keep_tombstones(pid, waiting);
            }
        }
        state.migration.incoming.clear();
        let early: Vec<_> = state.migration.early_dones.iter().filter(|d| d.0 == map.key).cloned().collect();
        state.migration.early_dones.retain(|d| d.0 != map.key);
        for (_, ns, from, bitmap) in early {
            apply_done(&mut state, ns, from, &bitmap);
        }
    }
    let keep: Vec<_> = map.peers.iter().map(|p| p.fabric).collect();
    crate::shard::transport::prune(shard, &keep);
    glommio::spawn_local(migrate_out(shard.clone(), old, map, settled)).detach();
}

/// What one node does for one partition when it moves from map `old` to map `new`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartitionPlan {
    /// New holders to stream the partition's records to (then tell them it is done).
    pub send_to: Vec<NodeId>,
    /// New holders to tell at once that nothing will come from this node.
    pub skip: Vec<NodeId>,
    /// Drop the records once sent: this node no longer holds the partition.
    pub drop: bool,
}

/// The plan of node `new.me` for partition `pid` of namespace `ns`: every other new holder
/// is told, either by records then DONE, or by DONE alone. Under a settled previous map its
/// holders are equal, so between two of them nothing moves, and a new holder gets the
/// partition from the first previous holder still in the cluster only.
pub fn plan_partition(
    old: &ClusterMap,
    new: &ClusterMap,
    settled: bool,
    ns: usize,
    pid: u16,
    has_records: bool,
) -> PartitionPlan {
    let me = new.me;
    let owners = new.owners(ns, pid);
    let held_before = old.owners(ns, pid);
    // A previous holder counts only if it did not restart since (same incarnation in both).
    let kept = |n: NodeId| old.incarnation(n).is_some() && old.incarnation(n) == new.incarnation(n);
    let sender = held_before.iter().copied().find(|&n| new.succession.contains(&n) && kept(n));
    let mut plan = PartitionPlan { drop: has_records && !owners.contains(&me), ..Default::default() };
    for &to in owners.iter().filter(|&&o| o != me) {
        let in_sync = settled
            && held_before.contains(&me)
            && ((held_before.contains(&to) && kept(to)) || sender.is_some_and(|s| s != me));
        if !has_records || in_sync {
            plan.skip.push(to);
        } else {
            plan.send_to.push(to);
        }
    }
    plan
}

/// True while `key` is still the map this shard acts on.
fn current(shard: &Shard, key: u64, generation: u32) -> bool {
    let state = shard.state.borrow();
    state.map.key == key && state.map.generation == generation
}

/// Sends what the new map asks of this shard, then drops the partitions it no longer holds.
async fn migrate_out(shard: Rc<Shard>, old: Arc<ClusterMap>, map: Arc<ClusterMap>, settled: bool) {
    if !map.is_clustered() && old.key == 0 {
        return; // a node on its own: nothing to send, nothing to drop.
    }
    let me = map.me;
    for ns in 0..map.namespaces.len() {
        let name = shard.node.namespaces[ns].clone();
        let mut skipped: HashMap<NodeId, Vec<u8>> = HashMap::new();
        let mut work: VecDeque<(u16, Vec<NodeId>, bool)> = VecDeque::new();
        let pids = hosted_pids(&shard.state.borrow(), ns);
        for pid in pids {
            let has_records = shard.state.borrow().namespaces[ns].store(pid).partition_len(pid) > 0;
            let plan = plan_partition(&old, &map, settled, ns, pid, has_records);
            for to in plan.skip {
                set_bit(skipped.entry(to).or_insert_with(|| vec![0; N_PARTITIONS / 8]), pid);
            }
            if !plan.send_to.is_empty() || plan.drop {
                work.push_back((pid, plan.send_to, plan.drop));
            }
        }
        let tx = work.iter().filter(|(_, to, _)| !to.is_empty()).count() as u64;
        if !current(&shard, map.key, map.generation) {
            return; // a newer map took over while this one was planned
        }
        shard.state.borrow_mut().migration.stats[ns].tx_remaining = tx;
        if tx > 0 {
            log!(
                Info,
                "migrate",
                "{{{name}}} shard {}: {tx} partition(s) to send under cluster key {:X}",
                shard.id,
                map.key
            );
        }
        // Members learn first what they need not wait for.
        for (to, bitmap) in &skipped {
            let message = FabricMessage::Done { key: map.key, ns: name.as_bytes(), from: me, pids: bitmap };
            if !send_until_acked(&shard, &map, *to, &message).await {
                return;
            }
        }
        let threads = shard.state.borrow().service.migrate_threads.max(1);
        let work = Rc::new(RefCell::new(work));
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let (shard, map, work, name) = (shard.clone(), map.clone(), work.clone(), name.clone());
                glommio::spawn_local(async move {
                    loop {
                        let Some((pid, send_to, drop)) = work.borrow_mut().pop_front() else { return true };
                        // `migrate-threads` lowered at run time (0 pauses) idles workers past it.
                        while worker >= shard.state.borrow().service.migrate_threads {
                            if !current(&shard, map.key, map.generation) {
                                return false;
                            }
                            glommio::timer::Timer::new(RETRY_PAUSE).await;
                        }
                        for &to in &send_to {
                            if !send_partition(&shard, &map, ns, &name, pid, to).await {
                                return false;
                            }
                        }
                        // The counter is the current map's: a newer one may have reset it.
                        if !send_to.is_empty() && current(&shard, map.key, map.generation) {
                            let stats = &mut shard.state.borrow_mut().migration.stats[ns];
                            stats.tx_remaining = stats.tx_remaining.saturating_sub(1);
                        }
                        if drop && current(&shard, map.key, map.generation) {
                            drop_partition(&shard, ns, pid);
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            if !worker.await {
                return;
            }
        }
    }
    if current(&shard, map.key, map.generation) {
        log!(Debug, "migrate", "shard {}: everything sent under cluster key {:X}", shard.id, map.key);
    }
}

/// Sends `message` to `to` until it is acknowledged; false once the map has changed.
async fn send_until_acked(shard: &Shard, map: &ClusterMap, to: NodeId, message: &FabricMessage<'_>) -> bool {
    loop {
        if !current(shard, map.key, map.generation) {
            return false;
        }
        match crate::shard::transport::call(shard, to, message).await {
            Ok(reply) => {
                if let Ok((_, FabricMessage::Ack(0))) = fabric::decode(&reply) {
                    return true;
                }
            }
            Err(e) => log!(Debug, "migrate", "to node {to:X}: {e}"),
        }
        glommio::timer::Timer::new(RETRY_PAUSE).await;
    }
}

/// Streams every record of partition `pid` of `ns` to `to`, then says it is done; false once
/// the map has changed.
async fn send_partition(shard: &Rc<Shard>, map: &ClusterMap, ns: usize, name: &str, pid: u16, to: NodeId) -> bool {
    let digests = {
        let state = shard.state.borrow();
        state.namespaces[ns].store(pid).partition_versions(pid, crate::ground::clock::now())
    };
    let mut batch: Vec<OwnedImage> = Vec::new();
    let mut bytes = 0;
    for (i, digest) in digests.iter().enumerate() {
        if let Ok(Some(image)) = read_image(shard, ns, digest).await {
            bytes += fabric::image_size(&image.as_image());
            batch.push(image);
        }
        if batch.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES || (i + 1 == digests.len() && !batch.is_empty()) {
            let images: Vec<RecordImage<'_>> = batch.iter().map(OwnedImage::as_image).collect();
            let message = FabricMessage::Migrate { key: map.key, ns: name.as_bytes(), pid, from: map.me, images };
            if !send_until_acked(shard, map, to, &message).await {
                return false;
            }
            {
                let mut state = shard.state.borrow_mut();
                let stats = &mut state.migration.stats[ns];
                stats.records_transmitted += batch.len() as u64;
                stats.bytes_transmitted += bytes as u64;
            }
            batch.clear();
            bytes = 0;
            crate::ground::task::yield_to_io().await;
        }
    }
    let mut bitmap = vec![0; N_PARTITIONS / 8];
    set_bit(&mut bitmap, pid);
    let message = FabricMessage::Done { key: map.key, ns: name.as_bytes(), from: map.me, pids: &bitmap };
    send_until_acked(shard, map, to, &message).await
}

/// Removes the records of a partition this node no longer holds.
fn drop_partition(shard: &Shard, ns: usize, pid: u16) {
    let mut state = shard.state.borrow_mut();
    let now = crate::ground::clock::now();
    let store = state.namespaces[ns].store_mut(pid);
    let digests = store.scan_partition(pid, None, None, usize::MAX, now);
    for digest in &digests {
        // Out of space for a tombstone: the record stays until the next map drops it. On a
        // device the tombstone keeps the generation (as a durable delete's does), so a copy of
        // the same version coming back with the partition is ordered as before; memory keeps
        // no tombstone for a dropped partition.
        let on_device = store.medium() == scramjet_engine::storage::Medium::Device;
        let _ = store.remove(digest, now, on_device);
    }
}

/// A Done notice that arrived on this node's fabric: every shard marks its own partitions.
pub async fn done_received(shard: &Rc<Shard>, frame: &[u8]) {
    mark_done_frame(shard, frame);
    let _ = shard
        .run_on_others(|| {
            let frame = frame.to_vec();
            move |shard: Rc<Shard>| async move { mark_done_frame(&shard, &frame) }
        })
        .await;
}

/// Applies a migration batch of partition `pid` of namespace `ns` that node `from` sent under
/// cluster key `key` (on the shard that owns the partition); returns the result code to
/// acknowledge it with.
pub fn receive_batch(shard: &Shard, key: u64, ns: &[u8], pid: u16, from: NodeId, images: &[RecordImage<'_>]) -> u8 {
    let mut state = shard.state.borrow_mut();
    let Some(ns) = state.routes.iter().position(|r| r.name.as_bytes() == ns) else {
        return ResultCode::Namespace.as_u8();
    };
    // Under another map (the sender is ahead or behind): it sends again once both agree.
    if state.map.key != key || state.map.my_role(ns, pid).is_none() {
        return ResultCode::ClusterKeyMismatch.as_u8();
    }
    // Past migrate-max-num-incoming: the sender waits and sends again.
    let max = state.service.migrate_max_num_incoming as usize;
    if !state.migration.admit_incoming(ns, pid, from, max) {
        return ResultCode::KeyBusy.as_u8();
    }
    let now = crate::ground::clock::now();
    let mut code = 0;
    for image in images {
        if image.digest.partition_id() != pid {
            code = ResultCode::Parameter.as_u8();
            continue;
        }
        code = code.max(replica::apply(state.namespaces[ns].store_mut(pid), image, false, now));
    }
    state.migration.stats[ns].records_received += images.len() as u64;
    code
}

/// Marks a Done notice on this shard (or keeps it for a map not installed yet).
pub fn mark_done_frame(shard: &Shard, frame: &[u8]) -> u8 {
    let Ok((_, FabricMessage::Done { key, ns, from, pids })) = fabric::decode(frame) else {
        return ResultCode::Parameter.as_u8();
    };
    let mut state = shard.state.borrow_mut();
    let Some(ns) = state.routes.iter().position(|r| r.name.as_bytes() == ns) else {
        return ResultCode::Namespace.as_u8();
    };
    if state.map.key == key {
        apply_done(&mut state, ns, from, pids);
    } else {
        // The sender is ahead: keep what it said, merged per key, namespace and sender.
        let early = &mut state.migration.early_dones;
        match early.iter_mut().find(|d| d.0 == key && d.1 == ns && d.2 == from) {
            Some(known) => known.3.iter_mut().zip(pids).for_each(|(a, b)| *a |= b),
            None => {
                if early.len() == EARLY_DONES_KEPT {
                    early.pop_front();
                }
                early.push_back((key, ns, from, pids.to_vec()));
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::balance::succession;

    fn map(me: NodeId, nodes: &[NodeId], key: u64, restarted: &[NodeId]) -> ClusterMap {
        let mut map = ClusterMap::new(me, key, 1, succession(nodes.to_vec()), Vec::new(), &[2]);
        map.incarnations = nodes.iter().map(|&n| (n, if restarted.contains(&n) { 2 } else { 1 })).collect();
        map
    }

    /// Membership changes between settled maps (nodes leave, join, restart empty): after every
    /// member runs its plan, each new holder of each partition has its records (it held them
    /// or some member sends them), every other member tells it DONE one way or the other, and
    /// only non-holders drop.
    #[test]
    fn plans_move_every_partition_to_every_new_holder() {
        let everyone: Vec<NodeId> = (1..=6).map(|i| 0xA0 + i).collect();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..200u64 {
            let pick = |next: &mut dyn FnMut(u64) -> u64| -> Vec<NodeId> {
                let mut nodes: Vec<NodeId> = everyone.iter().copied().filter(|_| next(3) != 0).collect();
                if nodes.is_empty() {
                    nodes.push(everyone[0]);
                }
                nodes
            };
            let before = pick(&mut next);
            let after = pick(&mut next);
            let restarted: Vec<NodeId> = after.iter().copied().filter(|_| next(5) == 0).collect();
            // Each member's previous and new map (a restarted node's previous map is the
            // orphan's it started with).
            let maps: Vec<(NodeId, ClusterMap, ClusterMap)> = after
                .iter()
                .map(|&me| {
                    let old = if before.contains(&me) && !restarted.contains(&me) {
                        map(me, &before, 1, &[])
                    } else {
                        ClusterMap::orphan(me, &[2])
                    };
                    (me, old, map(me, &after, 2, &restarted))
                })
                .collect();
            let reference_old = map(before[0], &before, 1, &[]);
            for pid in (0..scramjet_net::N_PARTITIONS as u16).step_by(7) {
                let old_owners = reference_old.owners(0, pid).to_vec();
                // Under the settled old map exactly its holders have the records (a restarted
                // node came back empty).
                let has = |n: NodeId| old_owners.contains(&n) && !restarted.contains(&n);
                let plans: Vec<(NodeId, PartitionPlan)> =
                    maps.iter().map(|(me, old, new)| (*me, plan_partition(old, new, true, 0, pid, has(*me)))).collect();
                let new_owners = maps[0].2.owners(0, pid).to_vec();
                let any_had = after.iter().any(|&n| has(n));
                for &owner in &new_owners {
                    let gets = has(owner) || plans.iter().any(|(_, p)| p.send_to.contains(&owner));
                    assert!(gets || !any_had, "round {round} pid {pid}: {owner:X} never gets the records");
                    for (member, plan) in plans.iter().filter(|(m, _)| *m != owner) {
                        let told = plan.send_to.contains(&owner) as u8 + plan.skip.contains(&owner) as u8;
                        assert_eq!(told, 1, "round {round} pid {pid}: {member:X} tells {owner:X} {told} times");
                    }
                }
                for (member, plan) in &plans {
                    assert_eq!(plan.drop, has(*member) && !new_owners.contains(member), "round {round} pid {pid}");
                }
            }
        }
    }
}
