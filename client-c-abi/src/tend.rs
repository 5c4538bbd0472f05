//! Tending: finding the cluster's nodes and keeping the partition map current.
//!
//! [`Tender`] holds what the client knows of the cluster and runs one tend cycle at a time
//! over an [`InfoIo`], the only thing that touches the network: the blocking front end gives
//! it sockets, tests give it scripted answers. Each cycle follows the Aerospike clients
//! (PROTOCOL.md §7): ask every node `node`, `peers-generation` and `partition-generation`;
//! re-read peers when a peers generation moved or a node failed; re-read `replicas` from nodes
//! whose partition generation moved; drop failing nodes no peer still lists.

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, ToSocketAddrs};

use crate::error::{code, Error, Result};
use crate::partition_map::PartitionMap;

/// Sends info commands to an address and returns the `(name, value)` lines of the answer.
pub trait InfoIo {
    /// One info request; network failures and timeouts are errors.
    fn info(&mut self, address: SocketAddr, commands: &[&str]) -> Result<Vec<(String, String)>>;
}

/// A node's shard ports, from our `scramjet-shards` info command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardInfo {
    /// Port of each shard, in shard order.
    pub ports: Vec<u16>,
    /// Storage shards of each namespace.
    pub stores: HashMap<String, usize>,
}

impl ShardInfo {
    /// Parses `ports=41000,41001;namespaces=test:2,bar:4`.
    pub fn parse(value: &str) -> Option<ShardInfo> {
        let mut ports = Vec::new();
        let mut stores = HashMap::new();
        for item in value.split(';') {
            match item.split_once('=')? {
                ("ports", list) => {
                    ports = list.split(',').map(|p| p.parse().ok().filter(|&p: &u16| p != 0)).collect::<Option<_>>()?
                }
                ("namespaces", list) => {
                    for ns in list.split(',').filter(|s| !s.is_empty()) {
                        let (name, n) = ns.rsplit_once(':')?;
                        stores.insert(name.to_string(), n.parse().ok().filter(|&n: &usize| n > 0)?);
                    }
                }
                _ => {}
            }
        }
        (!ports.is_empty()).then_some(ShardInfo { ports, stores })
    }

    /// The index of the shard serving `pid` of `namespace`: `(pid * stores / 4096) % ports`.
    pub fn shard_of(&self, namespace: &str, pid: u16) -> Option<usize> {
        let stores = *self.stores.get(namespace)?;
        Some(usize::from(pid) * stores / scramjet_net::N_PARTITIONS % self.ports.len())
    }
}

/// What the tender knows of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeState {
    /// Node name (hex node id).
    pub name: String,
    /// The address the client uses for it.
    pub address: SocketAddr,
    /// Last peers generation seen (None: never read).
    pub peers_generation: Option<String>,
    /// Last partition generation applied (None: never read).
    pub partition_generation: Option<String>,
    /// Consecutive failed tend requests.
    pub failures: u32,
    /// Shard ports, if the node advertises them.
    pub shards: Option<ShardInfo>,
    /// The node answered `scramjet-shards` once (Aerospike servers do not).
    pub speaks_shards: bool,
    peers: Vec<String>,
}

/// What a tend cycle changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TendOutcome {
    /// Nodes, the partition map or shard ports changed: front ends rebuild their view.
    pub changed: bool,
}

/// The cluster as the client sees it, and the logic of a tend cycle.
#[derive(Debug)]
pub struct Tender {
    seeds: Vec<(String, u16)>,
    cluster_name: Option<String>,
    /// Nodes by slot; a slot of a removed node stays empty so slot ids stay stable.
    pub nodes: Vec<Option<NodeState>>,
    /// The merged partition map (values are node slots).
    pub map: PartitionMap,
    /// Errors of the last seeding attempt, for the message when no node is reachable.
    pub last_seed_errors: Vec<String>,
    /// A server's refusal among them (e.g. 80 not authenticated, 65 bad password), which
    /// says more than "cannot connect".
    pub last_seed_refusal: Option<i32>,
    /// The info command that lists the peers: `peers-clear-std`, or `peers-tls-std` when the
    /// client connects with TLS.
    pub peers_command: &'static str,
}

impl Tender {
    /// A tender for `seeds`, requiring `cluster_name` of every node if given.
    pub fn new(seeds: Vec<(String, u16)>, cluster_name: Option<String>) -> Tender {
        Tender {
            seeds,
            cluster_name,
            nodes: Vec::new(),
            map: PartitionMap::default(),
            last_seed_errors: Vec::new(),
            last_seed_refusal: None,
            peers_command: "peers-clear-std",
        }
    }

    /// Live nodes.
    pub fn live(&self) -> impl Iterator<Item = (u16, &NodeState)> {
        self.nodes.iter().enumerate().filter_map(|(i, n)| n.as_ref().map(|n| (i as u16, n)))
    }

    fn slot_of(&self, name: &str) -> Option<u16> {
        self.live().find(|(_, n)| n.name == name).map(|(i, _)| i)
    }

    /// Resolves every seed; an error only if none resolves.
    pub fn resolve_seeds(&self) -> Result<Vec<SocketAddr>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (host, port) in &self.seeds {
            match (host.as_str(), *port).to_socket_addrs() {
                Ok(addrs) => out.extend(addrs.filter(SocketAddr::is_ipv4).take(1)),
                Err(e) => errors.push(format!("{host}:{port}: {e}")),
            }
        }
        if out.is_empty() {
            let detail = if errors.is_empty() { "no seed hosts given".to_string() } else { errors.join("; ") };
            return Err(Error::new(code::INVALID_HOST, format!("cannot resolve any seed host: {detail}")));
        }
        Ok(out)
    }

    /// Validates the node at `address`: it answers `node`, a ready `partition-generation`, a
    /// `build` of at least four numbers and, if configured, the right `cluster-name`.
    pub fn validate(&self, io: &mut impl InfoIo, address: SocketAddr) -> Result<NodeState> {
        let mut commands = vec!["node", "partition-generation", "build"];
        if self.cluster_name.is_some() {
            commands.push("cluster-name");
        }
        let answer = io.info(address, &commands)?;
        let get = |name: &str| answer.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let invalid = |why: String| Error::new(code::INVALID_NODE, format!("node at {address} is not usable: {why}"));
        for (name, value) in &answer {
            // A request refused whole (`ERROR:80:not authenticated`) is one line, no tab.
            if let Some(refusal) = name.strip_prefix("ERROR:").filter(|_| value.is_empty()) {
                let (code, message) = refusal.split_once(':').unwrap_or((refusal, ""));
                let code = code.parse().unwrap_or(code::SERVER);
                return Err(Error::new(code, format!("node at {address} refused: {message}")));
            }
            if value.starts_with("ERROR") {
                return Err(invalid(format!("'{name}' answered {value}")));
            }
        }
        let name = get("node").filter(|n| !n.is_empty()).ok_or_else(|| invalid("no node name".into()))?;
        match get("partition-generation").map(str::parse::<i64>) {
            Some(Ok(-1)) => return Err(invalid("not yet fully initialized".into())),
            Some(Ok(_)) => {}
            _ => return Err(invalid("no partition-generation".into())),
        }
        let build = get("build").unwrap_or("");
        if build.split('.').take(3).filter(|p| p.parse::<u32>().is_ok()).count() < 3 {
            return Err(invalid(format!("version '{build}' is invalid")));
        }
        if let Some(wanted) = &self.cluster_name {
            if get("cluster-name") != Some(wanted.as_str()) {
                return Err(invalid(format!("cluster name is not '{wanted}'")));
            }
        }
        let mut node = NodeState {
            name: name.to_string(),
            address,
            peers_generation: None,
            partition_generation: None,
            failures: 0,
            shards: None,
            speaks_shards: false,
            peers: Vec::new(),
        };
        // Asked alone: a server without it answers ERROR, which would spoil the batch above.
        if let Ok(answer) = io.info(address, &["scramjet-shards"]) {
            node.shards = answer.first().and_then(|(_, v)| ShardInfo::parse(v));
            node.speaks_shards = node.shards.is_some();
        }
        Ok(node)
    }

    fn add(&mut self, node: NodeState) -> u16 {
        if let Some(slot) = self.nodes.iter().position(Option::is_none) {
            self.nodes[slot] = Some(node);
            return slot as u16;
        }
        self.nodes.push(Some(node));
        (self.nodes.len() - 1) as u16
    }

    fn seed(&mut self, io: &mut impl InfoIo) -> bool {
        self.last_seed_errors.clear();
        self.last_seed_refusal = None;
        let addresses = match self.resolve_seeds() {
            Ok(a) => a,
            Err(e) => {
                self.last_seed_errors.push(e.message);
                return false;
            }
        };
        let mut added = false;
        for address in addresses {
            match self.validate(io, address) {
                Ok(node) if self.slot_of(&node.name).is_none() => {
                    self.add(node);
                    added = true;
                }
                Ok(_) => {}
                Err(e) => {
                    if e.code > 0 {
                        self.last_seed_refusal = Some(e.code);
                    }
                    self.last_seed_errors.push(format!("{address}: {}", e.message));
                }
            }
        }
        added
    }

    /// Runs one tend cycle.
    pub fn tend(&mut self, io: &mut impl InfoIo) -> TendOutcome {
        let mut changed = false;
        if self.live().next().is_none() {
            changed |= self.seed(io);
        }
        let mut refresh_peers = false;
        let mut refresh_partitions = Vec::new();
        let slots: Vec<u16> = self.live().map(|(s, _)| s).collect();
        for &slot in &slots {
            let node = self.nodes[usize::from(slot)].as_mut().expect("live slot");
            let mut commands = vec!["node", "peers-generation", "partition-generation"];
            if node.speaks_shards {
                commands.push("scramjet-shards");
            }
            let answer = match io.info(node.address, &commands) {
                Ok(a) => a,
                Err(_) => {
                    node.failures += 1;
                    refresh_peers = true;
                    continue;
                }
            };
            let get = |name: &str| answer.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            if get("node").as_deref() != Some(node.name.as_str()) {
                // Another node now answers at this address: forget this one.
                node.failures = u32::MAX;
                refresh_peers = true;
                continue;
            }
            let recovered = node.failures > 0;
            node.failures = 0;
            let peers_generation = get("peers-generation");
            if recovered || node.peers_generation.is_none() || peers_generation != node.peers_generation {
                refresh_peers = true;
                node.peers_generation = peers_generation;
            }
            let partition_generation = get("partition-generation");
            if recovered || partition_generation != node.partition_generation {
                refresh_partitions.push(slot);
            }
            if node.speaks_shards {
                let shards = get("scramjet-shards").and_then(|v| ShardInfo::parse(&v));
                if shards != node.shards {
                    node.shards = shards;
                    changed = true;
                }
            }
        }
        if refresh_peers {
            changed |= self.refresh_peers(io, &mut refresh_partitions);
        }
        for slot in refresh_partitions {
            changed |= self.refresh_partitions(io, slot);
        }
        changed |= self.remove_lost();
        TendOutcome { changed }
    }

    fn refresh_peers(&mut self, io: &mut impl InfoIo, refresh_partitions: &mut Vec<u16>) -> bool {
        let mut changed = false;
        let healthy: Vec<u16> = self.live().filter(|(_, n)| n.failures == 0).map(|(s, _)| s).collect();
        for slot in healthy {
            let address = self.nodes[usize::from(slot)].as_ref().expect("live").address;
            let Ok(answer) = io.info(address, &[self.peers_command]) else {
                self.nodes[usize::from(slot)].as_mut().expect("live").failures += 1;
                continue;
            };
            let Some(peers) = answer.first().and_then(|(_, v)| parse_peers(v, address.port())) else { continue };
            self.nodes[usize::from(slot)].as_mut().expect("live").peers = peers.iter().map(|p| p.0.clone()).collect();
            for (name, hosts) in peers {
                if self.slot_of(&name).is_some() {
                    continue;
                }
                for host in hosts {
                    let Ok(mut addresses) = host.to_socket_addrs() else { continue };
                    let Some(address) = addresses.next() else { continue };
                    if let Ok(node) = self.validate(io, address) {
                        if node.name == name {
                            let slot = self.add(node);
                            refresh_partitions.push(slot);
                            changed = true;
                            break;
                        }
                    }
                }
            }
        }
        changed
    }

    fn refresh_partitions(&mut self, io: &mut impl InfoIo, slot: u16) -> bool {
        let Some(node) = self.nodes[usize::from(slot)].as_mut() else { return false };
        let Ok(answer) = io.info(node.address, &["partition-generation", "replicas"]) else {
            node.failures += 1;
            return false;
        };
        let get = |name: &str| answer.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let (Some(generation), Some(replicas)) = (get("partition-generation"), get("replicas")) else { return false };
        if self.map.apply_replicas(slot, &replicas).is_err() {
            return false;
        }
        self.nodes[usize::from(slot)].as_mut().expect("live").partition_generation = Some(generation);
        true
    }

    /// Drops failing nodes that no healthy node lists as a peer. While every node fails,
    /// all are kept: a node that is only slow keeps its place in the map, and commands to it
    /// end in timeouts rather than in "no node".
    fn remove_lost(&mut self) -> bool {
        let healthy: Vec<&NodeState> = self.live().map(|(_, n)| n).filter(|n| n.failures == 0).collect();
        if healthy.is_empty() {
            return false;
        }
        let listed: HashSet<&str> = healthy.iter().flat_map(|n| n.peers.iter().map(String::as_str)).collect();
        let lost: Vec<u16> =
            self.live().filter(|(_, n)| n.failures > 0 && !listed.contains(n.name.as_str())).map(|(s, _)| s).collect();
        for &slot in &lost {
            self.nodes[usize::from(slot)] = None;
            self.map.remove_node(slot);
        }
        !lost.is_empty()
    }
}

/// Parses `gen,default-port,[[NODE,tls-name,[host[:port],…]],…]` into node names and their
/// `host:port` addresses; None if malformed.
pub fn parse_peers(value: &str, fallback_port: u16) -> Option<Vec<(String, Vec<String>)>> {
    let mut parts = value.splitn(3, ',');
    let _generation = parts.next()?;
    let default_port: u16 = match parts.next()? {
        "" => fallback_port,
        p => p.parse().ok()?,
    };
    let list = parts.next()?.trim();
    let inner = list.strip_prefix('[')?.strip_suffix(']')?;
    let mut peers = Vec::new();
    let mut rest = inner;
    while let Some(start) = rest.find('[') {
        // Each peer is `[name,tls,[hosts]]`: find its end by bracket depth.
        let bytes = rest.as_bytes();
        let mut depth = 0;
        let mut end = None;
        for (i, &b) in bytes.iter().enumerate().skip(start) {
            match b {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end?;
        let peer = &rest[start + 1..end];
        rest = &rest[end + 1..];
        let mut fields = peer.splitn(3, ',');
        let name = fields.next()?.to_string();
        let _tls = fields.next()?;
        let hosts = fields.next().unwrap_or("[]").trim().strip_prefix('[')?.strip_suffix(']')?;
        let hosts = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| {
                if h.starts_with('[') {
                    // IPv6: `[::1]` or `[::1]:3100`.
                    if h.contains("]:") {
                        h.to_string()
                    } else {
                        format!("{h}:{default_port}")
                    }
                } else if h.contains(':') {
                    h.to_string()
                } else {
                    format!("{h}:{default_port}")
                }
            })
            .collect();
        peers.push((name, hosts));
    }
    Some(peers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[test]
    fn peers_parse_with_default_ports_and_ipv6() {
        let peers =
            parse_peers("3,3000,[[BB9040011AC4202,,[172.17.0.4]],[BB9050011AC4202,,[172.17.0.5:3100,[::1]]]]", 3000)
                .unwrap();
        assert_eq!(peers[0], ("BB9040011AC4202".into(), vec!["172.17.0.4:3000".into()]));
        assert_eq!(peers[1].1, vec!["172.17.0.5:3100".to_string(), "[::1]:3000".to_string()]);
        assert_eq!(parse_peers("1,3000,[]", 3000).unwrap(), vec![]);
        assert_eq!(parse_peers("1,,[[A,,[10.0.0.1]]]", 4000).unwrap()[0].1, vec!["10.0.0.1:4000".to_string()]);
        assert!(parse_peers("garbage", 3000).is_none());
    }

    #[test]
    fn shard_info_routes_like_the_server() {
        let info = ShardInfo::parse("ports=41000,41001;namespaces=test:2,dev:4").unwrap();
        assert_eq!(info.shard_of("test", 0), Some(0));
        assert_eq!(info.shard_of("test", 2048), Some(1));
        // Four storage shards on two executors: store r is on executor r % 2.
        assert_eq!(info.shard_of("dev", 1024), Some(1));
        assert_eq!(info.shard_of("dev", 2048), Some(0));
        assert_eq!(info.shard_of("other", 1), None);
        assert!(ShardInfo::parse("ERROR:4:unrecognized command").is_none());
    }

    /// Scripted nodes: each address answers from a table, or fails when switched off.
    struct FakeCluster {
        nodes: HashMap<SocketAddr, HashMap<String, String>>,
        down: HashSet<SocketAddr>,
        log: VecDeque<(SocketAddr, String)>,
    }

    impl InfoIo for FakeCluster {
        fn info(&mut self, address: SocketAddr, commands: &[&str]) -> Result<Vec<(String, String)>> {
            self.log.push_back((address, commands.join(",")));
            if self.down.contains(&address) {
                return Err(Error::new(code::TIMEOUT, "down"));
            }
            let table = self.nodes.get(&address).ok_or_else(|| Error::new(code::CONNECTION, "refused"))?;
            Ok(commands
                .iter()
                .map(|c| {
                    let v = table.get(*c).cloned().unwrap_or_else(|| "ERROR:4:unrecognized command".into());
                    (c.to_string(), v)
                })
                .collect())
        }
    }

    fn bitmap(owns: impl Fn(usize) -> bool) -> String {
        let mut bytes = vec![0u8; 512];
        (0..4096).filter(|&p| owns(p)).for_each(|p| bytes[p >> 3] |= 0x80 >> (p & 7));
        let mut s = String::new();
        base64::Engine::encode_string(&base64::engine::general_purpose::STANDARD, &bytes, &mut s);
        s
    }

    fn node_table(name: &str, peers: &str, replicas: String) -> HashMap<String, String> {
        [
            ("node", name.to_string()),
            ("build", "8.1.0.0".into()),
            ("partition-generation", "1".into()),
            ("peers-generation", "1".into()),
            ("peers-clear-std", peers.to_string()),
            ("replicas", replicas),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn finds_peers_builds_the_map_and_drops_a_dead_node() {
        let a: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let b: SocketAddr = "127.0.0.2:3000".parse().unwrap();
        let (even, odd) = (bitmap(|p| p % 2 == 0), bitmap(|p| p % 2 == 1));
        let mut io = FakeCluster {
            nodes: HashMap::from([
                (a, node_table("A", "1,3000,[[B,,[127.0.0.2]]]", format!("test:0,2,{even},{odd}"))),
                (b, node_table("B", "1,3000,[[A,,[127.0.0.1]]]", format!("test:0,2,{odd},{even}"))),
            ]),
            down: HashSet::new(),
            log: VecDeque::new(),
        };
        let mut tender = Tender::new(vec![("127.0.0.1".into(), 3000)], None);
        assert!(tender.tend(&mut io).changed);
        assert_eq!(tender.live().count(), 2, "B found through A's peers");
        let ns = &tender.map.namespaces["test"];
        let slot_b = tender.slot_of("B").unwrap();
        assert_eq!(ns.owner(1, 0), Some(slot_b));
        assert_eq!(ns.owner(0, 1), Some(slot_b));
        // Once B's own generations are known, a quiet cycle asks only the tend commands.
        tender.tend(&mut io);
        io.log.clear();
        assert!(!tender.tend(&mut io).changed);
        assert!(io.log.iter().all(|(_, c)| c == "node,peers-generation,partition-generation"));

        // B dies; A takes over everything and stops listing B.
        io.down.insert(b);
        let a_table = io.nodes.get_mut(&a).unwrap();
        a_table.insert("peers-generation".into(), "2".into());
        a_table.insert("peers-clear-std".into(), "2,3000,[]".into());
        a_table.insert("partition-generation".into(), "2".into());
        a_table.insert("replicas".into(), format!("test:0,1,{}", bitmap(|_| true)));
        assert!(tender.tend(&mut io).changed);
        assert_eq!(tender.live().map(|(_, n)| n.name.as_str()).collect::<Vec<_>>(), ["A"]);
        let slot_a = tender.slot_of("A").unwrap();
        assert!((0..4096).all(|p| tender.map.namespaces["test"].owner(p, 0) == Some(slot_a)));
    }

    #[test]
    fn a_lone_silent_node_is_kept_and_a_bad_seed_says_why() {
        let a: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let mut io = FakeCluster {
            nodes: HashMap::from([(a, node_table("A", "1,3000,[]", format!("test:0,1,{}", bitmap(|_| true))))]),
            down: HashSet::new(),
            log: VecDeque::new(),
        };
        let mut tender = Tender::new(vec![("127.0.0.1".into(), 3000)], None);
        tender.tend(&mut io);
        io.down.insert(a);
        tender.tend(&mut io);
        assert_eq!(tender.live().count(), 1, "the only node stays in the map while it is silent");
        assert_eq!(tender.live().next().unwrap().1.failures, 1);

        let mut lonely = Tender::new(vec![("127.0.0.9".into(), 3000)], None);
        lonely.tend(&mut io);
        assert_eq!(lonely.live().count(), 0);
        assert!(lonely.last_seed_errors[0].contains("127.0.0.9:3000"), "{:?}", lonely.last_seed_errors);

        let named = Tender::new(vec![("127.0.0.1".into(), 3000)], Some("prod".into()));
        io.down.clear();
        let e = named.validate(&mut io, a).unwrap_err();
        assert_eq!(e.code, code::INVALID_NODE);
    }
}
