//! The coordinator: on shard 0, when `heartbeat { mode mesh }` is set, it sends a heartbeat
//! every interval to the seeds and the peers it knows, keeps the peer table from what it hears,
//! and runs the membership consensus over the same UDP socket. Every agreed change is
//! published to `NodeContext::cluster` for info. Control plane only: nothing here is on the
//! request path.

use std::cell::RefCell;
use std::net::{SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::rc::Rc;
use std::time::Duration;

use glommio::net::UdpSocket;

use super::consensus::{self, Member, Output, Timing};
use super::heartbeat::{Heartbeat, PeerTable};
use crate::ground::membership::ClusterState;
use crate::ground::node::NodeContext;
use crate::log;
use crate::partition::map::{ClusterMap, NodeAddress};
use crate::shard::Shard;

/// The coordinator's state, shared by its send and receive tasks on shard 0.
struct Coordinator {
    node: std::sync::Arc<NodeContext>,
    table: PeerTable,
    member: Member,
    seq: u64,
    me: Heartbeat,
    /// The last partition map handed to the shards.
    map: std::sync::Arc<ClusterMap>,
}

fn v4(address: SocketAddr) -> Option<SocketAddrV4> {
    match address {
        SocketAddr::V4(a) => Some(a),
        SocketAddr::V6(_) => None,
    }
}

/// Binds the heartbeat socket and resolves the seeds; an error stops the node's start.
pub fn bind(node: &NodeContext) -> Result<(UdpSocket, Vec<SocketAddrV4>), String> {
    let endpoint = &node.config.heartbeat_endpoint;
    let socket = UdpSocket::bind((endpoint.address, endpoint.port))
        .map_err(|e| format!("cannot bind the heartbeat port {}:{}: {e}", endpoint.address, endpoint.port))?;
    let mut seeds = Vec::new();
    for (host, port) in &node.config.heartbeat.seeds {
        let resolved = (host.as_str(), *port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve heartbeat seed {host}:{port}: {e}"))?;
        seeds.extend(resolved.filter_map(v4).take(1));
    }
    Ok((socket, seeds))
}

fn now_ms(node: &NodeContext) -> u64 {
    node.started.elapsed().as_millis() as u64
}

impl Coordinator {
    /// Publishes the membership and the peers to info.
    fn publish(&self) {
        let now = now_ms(&self.node);
        let alive: Vec<u64> = self.table.alive(now).into_iter().map(|(id, _)| id).collect();
        let view = self.member.view();
        let peers = self.table.listed_all().into_iter().map(|(id, health)| (id, health, alive.contains(&id))).collect();
        let state = ClusterState { key: view.key, succession: view.succession.clone(), peers, heartbeats: true };
        *self.node.cluster.write().unwrap_or_else(|p| p.into_inner()) = state;
    }

    /// A new partition map if the agreed membership changed since the last one. It waits (for
    /// a later tick) until every member's heartbeat carries the new key: that heartbeat comes
    /// from the member's current process, so its address and incarnation are current. (The
    /// consensus messages of a member that restarted can arrive before its first heartbeat,
    /// and a map with its old incarnation would take it for in sync.)
    fn next_map(&mut self) -> Option<std::sync::Arc<ClusterMap>> {
        let view = self.member.view();
        if view.key == self.map.key && view.succession == self.map.succession {
            return None;
        }
        let me = self.node.node_id;
        let mut peers = Vec::new();
        let mut incarnations = vec![(me, self.me.incarnation)];
        for &id in view.succession.iter().filter(|&&id| id != me) {
            let peer = self.table.peer(id).filter(|p| p.last.cluster_key == view.key)?;
            incarnations.push((id, peer.last.incarnation));
            peers.push(NodeAddress {
                id,
                service: SocketAddr::V4(peer.last.service),
                fabric: SocketAddr::V4(SocketAddrV4::new(*peer.last.heartbeat.ip(), peer.last.fabric_port)),
            });
        }
        let factors: Vec<u32> = self.node.config.namespaces.iter().map(|ns| ns.engine.replication_factor).collect();
        let mut map = ClusterMap::new(me, view.key, self.map.generation + 1, view.succession.clone(), peers, &factors);
        map.serving = view.key != 0;
        map.incarnations = incarnations;
        self.map = std::sync::Arc::new(map);
        Some(self.map.clone())
    }

    /// Carries out the consensus outputs; returns the datagrams to send.
    fn outputs(&mut self, outputs: Vec<Output>) -> Vec<(SocketAddr, Vec<u8>)> {
        let mut sends = Vec::new();
        for output in outputs {
            match output {
                Output::Send(to, message) => {
                    if let Some(peer) = self.table.peer(to) {
                        sends.push((SocketAddr::V4(peer.last.heartbeat), consensus::encode(self.me.node, &message)));
                    }
                }
                Output::ViewChanged(view) => {
                    let names: Vec<String> = view.succession.iter().map(|id| format!("{id:X}")).collect();
                    log!(
                        Info,
                        "clustering",
                        "cluster key {:X}: {} node(s), principal {}, succession [{}]",
                        view.key,
                        view.succession.len(),
                        names[0],
                        names.join(",")
                    );
                }
            }
        }
        sends
    }
}

/// Runs the coordinator on this executor until the node stops.
pub async fn run(shard: Rc<Shard>, socket: UdpSocket, seeds: Vec<SocketAddrV4>) {
    let node = shard.node.clone();
    let settings = node.config.heartbeat.clone();
    let endpoint = &node.config.heartbeat_endpoint;
    let service = &node.config.service_endpoint;
    let address = |ip: std::net::IpAddr, port: u16| match ip {
        std::net::IpAddr::V4(v) => SocketAddrV4::new(v, port),
        std::net::IpAddr::V6(_) => SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, port),
    };
    let cluster_name =
        node.config.service.cluster_name.as_deref().map_or(0, |n| crate::partition::balance::fnv1a64(n.as_bytes()));
    let me = Heartbeat {
        node: node.node_id,
        cluster_name,
        incarnation: crate::ground::node::random_u64(),
        seq: 0,
        cluster_key: 0,
        succession: vec![node.node_id],
        heartbeat: address(endpoint.access_address.unwrap_or(endpoint.address), endpoint.port),
        service: address(service.access_address.unwrap_or(service.address), service.port),
        fabric_port: node.config.fabric_endpoint.port,
        peers: Vec::new(),
    };
    let state = Rc::new(RefCell::new(Coordinator {
        table: PeerTable::new(node.node_id, cluster_name, settings.interval_ms, settings.timeout_intervals, seeds),
        member: Member::new(node.node_id, Timing::default(), crate::ground::node::random_u64()),
        seq: 0,
        me,
        map: shard.state.borrow().map.clone(),
        node: node.clone(),
    }));
    let socket = Rc::new(socket);
    {
        let (state, socket) = (state.clone(), socket.clone());
        glommio::spawn_local(async move { receive(state, socket).await }).detach();
    }
    let interval = Duration::from_millis(settings.interval_ms);
    loop {
        if node.shutting_down.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let sends = {
            let mut c = state.borrow_mut();
            let now = now_ms(&c.node);
            // Fabric traffic counts as heartbeats: a peer busy with replica writes and
            // migrations is alive even if its UDP heartbeats are lost.
            for (id, at) in c.node.fabric_heard.entries() {
                c.table.heard_from(at, id);
            }
            let alive = c.table.alive(now);
            c.member.set_alive(alive);
            let outputs = c.member.tick();
            let mut sends = c.outputs(outputs);
            c.seq += 1;
            c.table.forget_gone(now);
            let view = c.member.view().clone();
            let mut hb = c.me.clone();
            hb.seq = c.seq;
            hb.cluster_key = view.key;
            hb.succession = view.succession;
            hb.peers = c.table.listed(now);
            let datagram = hb.encode();
            sends.extend(c.table.targets().into_iter().map(|to| (to, datagram.clone())));
            c.publish();
            sends
        };
        for (to, datagram) in sends {
            // A lost heartbeat is what heartbeats are for; nothing to do on an error.
            let _ = socket.send_to(&datagram, to).await;
        }
        // A new membership (agreed in this tick, or received since the last) becomes a new
        // partition map on every shard, in order.
        let map = state.borrow_mut().next_map();
        if let Some(map) = map {
            super::migrate::install(&shard, map.clone());
            let _ = shard
                .run_on_others(|| {
                    let map = map.clone();
                    move |shard: Rc<Shard>| async move { super::migrate::install(&shard, map) }
                })
                .await;
            // The principal of the new membership makes every member's system metadata agree.
            glommio::spawn_local(super::smd::synchronize(shard.clone())).detach();
        }
        glommio::timer::Timer::new(interval).await;
    }
}

async fn receive(state: Rc<RefCell<Coordinator>>, socket: Rc<UdpSocket>) {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else {
            glommio::timer::Timer::new(Duration::from_millis(10)).await;
            continue;
        };
        let datagram = &buf[..n];
        let sends = {
            let mut c = state.borrow_mut();
            let now = now_ms(&c.node);
            if let Ok(mut hb) = Heartbeat::decode(datagram) {
                // A node bound to every address is reached at the address it sent from.
                if let SocketAddr::V4(from) = from {
                    if hb.service.ip().is_unspecified() {
                        hb.service.set_ip(*from.ip());
                    }
                    if hb.heartbeat.ip().is_unspecified() {
                        hb.heartbeat.set_ip(*from.ip());
                    }
                }
                // A peer with a new incarnation restarted: its records may be gone, so it
                // must come back under a new cluster key (and migrations), not the old one.
                let restarted = c.table.peer(hb.node).is_some_and(|p| p.last.incarnation != hb.incarnation);
                if restarted && hb.cluster_name == c.me.cluster_name {
                    log!(Info, "clustering", "node {:X} restarted", hb.node);
                    c.member.peer_restarted();
                }
                c.table.heard(now, hb);
                Vec::new()
            } else if let Some((from, message)) =
                consensus::decode(datagram).filter(|(from, _)| c.table.is_alive(now, *from))
            {
                // Only from peers whose heartbeats (of this cluster) are heard.
                c.table.heard_from(now, from);
                let outputs = c.member.receive(from, message);
                let sends = c.outputs(outputs);
                c.publish();
                sends
            } else {
                Vec::new() // not ours: ignored
            }
        };
        for (to, datagram) in sends {
            let _ = socket.send_to(&datagram, to).await;
        }
    }
}
