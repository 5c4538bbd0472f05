//! Heartbeats: what a node says about itself every interval, and what it concludes about its
//! peers from what it hears (PROTOCOL.md §11; issue 7).
//!
//! [`Heartbeat`] is the datagram, encoded with its own small format (only scramjetd nodes read
//! it). [`PeerTable`] is the pure bookkeeping: who was heard when, who is alive (heard within
//! `timeout` intervals, by heartbeats or any fabric message), each peer's health from the
//! heartbeats it lost, and which addresses to send heartbeats to: the seeds, the peers, and
//! the peers of peers (mesh discovery).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use crate::ground::node::NodeId;

/// First bytes of every heartbeat datagram.
const MAGIC: &[u8; 4] = b"SJHB";
/// Format version.
const VERSION: u8 = 1;
/// Most node ids a heartbeat may list (succession or peers): far above any real cluster,
/// and small enough that a heartbeat fits one datagram.
pub const MAX_LISTED: usize = 256;

/// One heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// The sender.
    pub node: NodeId,
    /// FNV-1a of the sender's `cluster-name` (0 when it has none): nodes of differently named
    /// clusters ignore each other.
    pub cluster_name: u64,
    /// Drawn at random when the sender starts: a new one means the node restarted.
    pub incarnation: u64,
    /// Increases by one per heartbeat sent: gaps are lost heartbeats.
    pub seq: u64,
    /// The sender's cluster key (0: in no cluster).
    pub cluster_key: u64,
    /// The sender's succession list.
    pub succession: Vec<NodeId>,
    /// Where the sender takes heartbeats.
    pub heartbeat: SocketAddrV4,
    /// Where clients reach the sender (its access address).
    pub service: SocketAddrV4,
    /// The sender's fabric port (same address as `heartbeat`).
    pub fabric_port: u16,
    /// The peers the sender hears, with their heartbeat addresses.
    pub peers: Vec<(NodeId, SocketAddrV4)>,
}

/// Why a datagram is not a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatError {
    /// Not ours (magic) or another version.
    Foreign,
    /// Cut short, or a list longer than [`MAX_LISTED`].
    Malformed,
}

fn put_addr(out: &mut Vec<u8>, a: &SocketAddrV4) {
    out.extend_from_slice(&a.ip().octets());
    out.extend_from_slice(&a.port().to_be_bytes());
}

impl Heartbeat {
    /// The datagram.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 8 * self.succession.len() + 14 * self.peers.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.node.to_be_bytes());
        out.extend_from_slice(&self.cluster_name.to_be_bytes());
        out.extend_from_slice(&self.incarnation.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.cluster_key.to_be_bytes());
        put_addr(&mut out, &self.heartbeat);
        put_addr(&mut out, &self.service);
        out.extend_from_slice(&self.fabric_port.to_be_bytes());
        let n = self.succession.len().min(MAX_LISTED);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        for id in &self.succession[..n] {
            out.extend_from_slice(&id.to_be_bytes());
        }
        let n = self.peers.len().min(MAX_LISTED);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        for (id, addr) in &self.peers[..n] {
            out.extend_from_slice(&id.to_be_bytes());
            put_addr(&mut out, addr);
        }
        out
    }

    /// Reads a datagram; never panics, whatever the bytes.
    pub fn decode(bytes: &[u8]) -> Result<Heartbeat, HeartbeatError> {
        let mut r = Reader::new(bytes, HeartbeatError::Malformed);
        if r.take(4)? != MAGIC || r.u8()? != VERSION {
            return Err(HeartbeatError::Foreign);
        }
        let node = r.u64()?;
        let cluster_name = r.u64()?;
        let incarnation = r.u64()?;
        let seq = r.u64()?;
        let cluster_key = r.u64()?;
        let heartbeat = addr(&mut r)?;
        let service = addr(&mut r)?;
        let fabric_port = r.u16()?;
        let n = count(&mut r)?;
        let succession = (0..n).map(|_| r.u64()).collect::<Result<_, _>>()?;
        let n = count(&mut r)?;
        let peers = (0..n).map(|_| Ok((r.u64()?, addr(&mut r)?))).collect::<Result<_, _>>()?;
        r.end()?;
        Ok(Heartbeat {
            node,
            cluster_name,
            incarnation,
            seq,
            cluster_key,
            succession,
            heartbeat,
            service,
            fabric_port,
            peers,
        })
    }
}

type Reader<'a> = scramjet_net::bytes::Reader<'a, HeartbeatError>;

fn addr(r: &mut Reader<'_>) -> Result<SocketAddrV4, HeartbeatError> {
    let ip: [u8; 4] = r.array()?;
    Ok(SocketAddrV4::new(Ipv4Addr::from(ip), r.u16()?))
}

/// A list's length, at most [`MAX_LISTED`].
fn count(r: &mut Reader<'_>) -> Result<usize, HeartbeatError> {
    let n = usize::from(r.u16()?);
    if n > MAX_LISTED {
        return Err(HeartbeatError::Malformed);
    }
    Ok(n)
}

/// What a node knows of one peer.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The peer's last heartbeat.
    pub last: Heartbeat,
    /// When anything was last heard from it (ms).
    pub heard_at_ms: u64,
    /// Share of its heartbeats that arrived, smoothed, 0 to 100.
    pub health: f64,
}

/// Peers as heard by one node.
#[derive(Debug, Clone)]
pub struct PeerTable {
    me: NodeId,
    cluster_name: u64,
    interval_ms: u64,
    timeout_intervals: u64,
    seeds: Vec<SocketAddrV4>,
    peers: BTreeMap<NodeId, Peer>,
}

/// Weight of the newest heartbeat in the health average.
const HEALTH_WEIGHT: f64 = 0.1;

impl PeerTable {
    /// A table for node `me` of the cluster named by hash `cluster_name`: heartbeats every
    /// `interval_ms`, a peer gone after `timeout_intervals` silent intervals, `seeds` from
    /// `mesh-seed-address-port`.
    pub fn new(
        me: NodeId,
        cluster_name: u64,
        interval_ms: u64,
        timeout_intervals: u64,
        seeds: Vec<SocketAddrV4>,
    ) -> PeerTable {
        PeerTable { me, cluster_name, interval_ms, timeout_intervals, seeds, peers: BTreeMap::new() }
    }

    /// True if `node` is a peer heard within the timeout.
    pub fn is_alive(&self, now_ms: u64, node: NodeId) -> bool {
        self.peers.get(&node).is_some_and(|p| now_ms.saturating_sub(p.heard_at_ms) <= self.deadline_ms())
    }

    /// A heartbeat arrived at `now_ms`.
    pub fn heard(&mut self, now_ms: u64, heartbeat: Heartbeat) {
        if heartbeat.node == self.me || heartbeat.cluster_name != self.cluster_name {
            return; // our own (through a seed that is ourselves), or another cluster's
        }
        match self.peers.get_mut(&heartbeat.node) {
            Some(peer) if heartbeat.incarnation != peer.last.incarnation => {
                // The peer restarted: its sequence starts again.
                *peer = Peer { last: heartbeat, heard_at_ms: now_ms, health: 100.0 };
            }
            Some(peer) if heartbeat.seq > peer.last.seq => {
                // One arrived out of `gap` sent since the previous one.
                let gap = (heartbeat.seq - peer.last.seq) as f64;
                peer.health = peer.health * (1.0 - HEALTH_WEIGHT) + HEALTH_WEIGHT * 100.0 / gap;
                peer.heard_at_ms = now_ms;
                peer.last = heartbeat;
            }
            Some(_) => {} // a duplicate or a late one
            None => {
                self.peers.insert(heartbeat.node, Peer { last: heartbeat, heard_at_ms: now_ms, health: 100.0 });
            }
        }
    }

    /// Any other message from `node` arrived at `now_ms` (passive heartbeat).
    pub fn heard_from(&mut self, now_ms: u64, node: NodeId) {
        if let Some(peer) = self.peers.get_mut(&node) {
            peer.heard_at_ms = peer.heard_at_ms.max(now_ms);
        }
    }

    fn deadline_ms(&self) -> u64 {
        self.interval_ms * self.timeout_intervals
    }

    /// Peers heard within the timeout, with the cluster key they report.
    pub fn alive(&self, now_ms: u64) -> Vec<(NodeId, u64)> {
        self.peers
            .iter()
            .filter(|(_, p)| now_ms.saturating_sub(p.heard_at_ms) <= self.deadline_ms())
            .map(|(&id, p)| (id, p.last.cluster_key))
            .collect()
    }

    /// Forgets peers silent for ten times the timeout; returns them.
    pub fn forget_gone(&mut self, now_ms: u64) -> Vec<NodeId> {
        let limit = self.deadline_ms() * 10;
        let gone: Vec<NodeId> = self
            .peers
            .iter()
            .filter(|(_, p)| now_ms.saturating_sub(p.heard_at_ms) > limit)
            .map(|(&id, _)| id)
            .collect();
        for id in &gone {
            self.peers.remove(id);
        }
        gone
    }

    /// A peer, if known.
    pub fn peer(&self, node: NodeId) -> Option<&Peer> {
        self.peers.get(&node)
    }

    /// Where to send the next heartbeat: the seeds, every known peer, and the peers they
    /// report hearing (so that a node learns of nodes none of its seeds is).
    pub fn targets(&self) -> Vec<SocketAddr> {
        let mut out: Vec<SocketAddrV4> = self.seeds.clone();
        for peer in self.peers.values() {
            out.push(peer.last.heartbeat);
            out.extend(peer.last.peers.iter().filter(|(id, _)| *id != self.me).map(|(_, a)| *a));
        }
        out.sort();
        out.dedup();
        out.into_iter().map(SocketAddr::V4).collect()
    }

    /// Every known peer with its health.
    pub fn listed_all(&self) -> Vec<(NodeId, f64)> {
        self.peers.iter().map(|(&id, p)| (id, p.health)).collect()
    }

    /// The peers this node hears, as its heartbeat lists them.
    pub fn listed(&self, now_ms: u64) -> Vec<(NodeId, SocketAddrV4)> {
        let alive: Vec<NodeId> = self.alive(now_ms).into_iter().map(|(id, _)| id).collect();
        alive.iter().map(|id| (*id, self.peers[id].last.heartbeat)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8, port: u16) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, last), port)
    }

    fn heartbeat(node: NodeId, seq: u64) -> Heartbeat {
        Heartbeat {
            node,
            cluster_name: 0,
            incarnation: 5,
            seq,
            cluster_key: 0xABC,
            succession: vec![node, 1],
            heartbeat: addr(node as u8, 3002),
            service: addr(node as u8, 3000),
            fabric_port: 3001,
            peers: vec![(1, addr(1, 3002))],
        }
    }

    #[test]
    fn heartbeats_round_trip_and_garbage_is_refused_without_panic() {
        let hb = heartbeat(7, 42);
        let bytes = hb.encode();
        assert_eq!(Heartbeat::decode(&bytes), Ok(hb));
        for cut in 0..bytes.len() {
            assert!(Heartbeat::decode(&bytes[..cut]).is_err(), "prefix {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Heartbeat::decode(&longer), Err(HeartbeatError::Malformed));
        assert_eq!(Heartbeat::decode(b"GET / HTTP/1.1"), Err(HeartbeatError::Foreign));
        let mut rng = 0x1234_5678_u64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut b = bytes.clone();
            let i = (rng as usize) % b.len();
            b[i] ^= (rng >> 32) as u8 | 1;
            let _ = Heartbeat::decode(&b); // any outcome but a panic
        }
    }

    #[test]
    fn a_peer_silent_for_the_timeout_is_gone_and_passive_messages_keep_it() {
        let mut table = PeerTable::new(1, 0, 150, 10, vec![]);
        table.heard(0, heartbeat(2, 1));
        table.heard(0, heartbeat(3, 1));
        let mut foreign = heartbeat(4, 1);
        foreign.cluster_name = 99;
        table.heard(0, foreign);
        assert!(table.peer(4).is_none(), "another cluster's node is ignored");
        assert_eq!(table.alive(1_500).len(), 2, "exactly at the timeout: still alive");
        assert!(table.is_alive(1_500, 2) && !table.is_alive(1_501, 2));
        table.heard_from(1_400, 3); // a fabric message from 3
        assert_eq!(table.alive(1_501), [(3, 0xABC)]);
        assert!(table.forget_gone(15_001).contains(&2));
        assert!(table.peer(2).is_none() && table.peer(3).is_some());
    }

    #[test]
    fn health_follows_lost_heartbeats() {
        let mut table = PeerTable::new(1, 0, 150, 10, vec![]);
        let mut seq = 1;
        table.heard(0, heartbeat(2, seq));
        for _ in 0..50 {
            seq += 2; // every other heartbeat lost
            table.heard(0, heartbeat(2, seq));
        }
        let lossy = table.peer(2).unwrap().health;
        assert!((45.0..=60.0).contains(&lossy), "half lost: {lossy}");
        for _ in 0..50 {
            seq += 1;
            table.heard(0, heartbeat(2, seq));
        }
        assert!(table.peer(2).unwrap().health > 95.0, "recovered");
        // Duplicates and late ones change nothing; a restart (a new incarnation, its sequence
        // from 1 again) is taken at once.
        table.heard(0, heartbeat(2, seq - 3));
        assert_eq!(table.peer(2).unwrap().last.seq, seq);
        let mut restarted = heartbeat(2, 1);
        restarted.incarnation = 6;
        restarted.cluster_key = 0;
        table.heard(10, restarted);
        assert_eq!(table.peer(2).unwrap().last.cluster_key, 0);
        assert_eq!(table.peer(2).unwrap().heard_at_ms, 10);
    }

    #[test]
    fn targets_are_seeds_peers_and_peers_of_peers() {
        let mut table = PeerTable::new(1, 0, 150, 10, vec![addr(9, 3002)]);
        let mut hb = heartbeat(2, 1);
        hb.peers = vec![(1, addr(1, 3002)), (3, addr(3, 3002))];
        table.heard(0, hb);
        let targets = table.targets();
        let want: Vec<SocketAddr> =
            [addr(2, 3002), addr(3, 3002), addr(9, 3002)].into_iter().map(SocketAddr::V4).collect();
        assert_eq!(targets, want, "ourselves (127.0.0.1) excluded");
        assert_eq!(table.listed(0), [(2, addr(2, 3002))]);
    }
}
