//! Facts about the node that every shard reads and none changes: identity, version, addresses.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Instant;

use crate::ground::config::Config;

/// A node id (the hex of it is the node name clients see).
pub type NodeId = u64;

/// The Aerospike server version Scramjet answers to `build`. Clients pick protocol dialects by
/// it (≥ 6.0: partition scans and the new batch protocol; ≥ 8.1: `user-agent-set` and the
/// modern secondary-index syntax), so it names the Aerospike release whose dialect we speak.
pub const BUILD_VERSION: &str = "8.1.0.0";
/// Aerospike's exchange compatibility id of that release (`AS_EXCHANGE_COMPATIBILITY_ID` in
/// 8.1), as `compatibility-id` answers.
pub const COMPATIBILITY_ID: u32 = 15;
/// Edition string, as `edition` answers.
pub const EDITION: &str = "Scramjet Community Edition";

/// A device of a namespace, ready for the shards to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Path of the file or block device.
    pub path: PathBuf,
    /// Blocks on the device, the header area (block 0) included.
    pub n_blocks: u32,
    /// True if the device was blank and has just been formatted.
    pub formatted: bool,
    /// Storage shards (regions) the device was formatted for.
    pub n_regions: usize,
}

/// The node's identity and fixed facts.
#[derive(Debug)]
pub struct NodeContext {
    /// 64-bit node id.
    pub node_id: u64,
    /// Number of shards.
    pub n_shards: usize,
    /// The configuration the node started with (run-time changes live in the shards).
    pub config: Config,
    /// Namespace names, in configuration order.
    pub namespaces: Vec<String>,
    /// Addresses clients are told to use (`service-clear-std`).
    pub service_addresses: Vec<SocketAddr>,
    /// Start time, for `uptime`.
    pub started: Instant,
    /// Random non-zero cluster key (a single-node cluster makes its own).
    pub cluster_key: u64,
    /// The cluster as the coordinator last agreed it (membership only: partitions and data
    /// stay this node's until replication and migration exist). Written by the coordinator on
    /// a change, read by info; never touched on the request path.
    pub cluster: std::sync::RwLock<crate::ground::membership::ClusterState>,
    /// Per namespace, its devices (empty for memory namespaces).
    pub devices: Vec<Vec<DeviceInfo>>,
    /// Per namespace, how partitions map to storage shards and executors.
    pub routes: Vec<crate::ground::routing::NamespaceRoute>,
    /// Set by the main thread on SIGTERM/SIGINT: device I/O tasks flush and report.
    pub shutting_down: std::sync::atomic::AtomicBool,
    /// Device I/O tasks that have flushed everything after `shutting_down` was set.
    pub flushed_for_shutdown: std::sync::atomic::AtomicUsize,
    /// Open client connections on the node: `proto-fd-max` is a node-wide cap, and the kernel
    /// does not spread connections evenly enough over shards for per-shard shares. Touched
    /// only when a connection opens or closes, never per request.
    open_connections: std::sync::atomic::AtomicU64,
    /// The port each shard listens on for our shard-aware client (0 until it listens, or
    /// when shard ports are off). Written once per shard at start, read by `scramjet-shards`.
    pub shard_ports: Vec<std::sync::atomic::AtomicU16>,
    /// CPU shares of the last ticker interval (written by the ticker on shard 0).
    pub cpu: crate::ground::process::CpuShares,
    /// When each peer last sent a fabric message (passive heartbeats for the coordinator).
    pub fabric_heard: crate::ground::membership::FabricHeard,
    /// The system metadata read at start, until shard 0 (which keeps it) takes it.
    pub smd_at_start: std::sync::Mutex<Option<crate::ground::smd::Smd>>,
    /// Each module's live items read at start, which every shard accepts before it loads its
    /// records.
    pub smd_live_at_start: Vec<(crate::ground::smd::Module, Vec<crate::ground::smd::Item>)>,
    /// The key of the session tokens this node gives (`ground/security.rs`).
    pub token_key: crate::ground::security::TokenKey,
    /// The TLS service port's handshake settings (`ground/tls.rs`), if it is configured.
    pub tls_acceptor: Option<crate::ground::tls::Acceptor>,
    /// Each user's operations per second, for role quotas (`ground/security.rs`).
    pub meters: crate::ground::security::Meters,
}

impl NodeContext {
    /// Builds the context for a node with `config` and `n_shards` shards.
    pub fn new(
        config: Config,
        n_shards: usize,
        devices: Vec<Vec<DeviceInfo>>,
        smd: crate::ground::smd::Smd,
        token_key: crate::ground::security::TokenKey,
        tls_acceptor: Option<crate::ground::tls::Acceptor>,
    ) -> NodeContext {
        let endpoint = &config.service_endpoint;
        let node_id = config.service.node_id.unwrap_or_else(|| derive_node_id(endpoint.address, endpoint.port));
        let service_addresses =
            advertised_addresses(endpoint.access_address.unwrap_or(endpoint.address), endpoint.port);
        let routes = config
            .namespaces
            .iter()
            .zip(&devices)
            .map(|(ns, d)| crate::ground::routing::NamespaceRoute {
                name: ns.engine.name.clone(),
                n_stores: crate::ground::routing::n_stores(d, n_shards),
            })
            .collect();
        NodeContext {
            node_id,
            n_shards,
            namespaces: config.namespaces.iter().map(|n| n.engine.name.clone()).collect(),
            config,
            service_addresses,
            started: Instant::now(),
            cluster_key: random_u64() >> 16 | 1,
            cluster: std::sync::RwLock::new(crate::ground::membership::ClusterState::alone(node_id)),
            routes,
            devices,
            shutting_down: Default::default(),
            flushed_for_shutdown: Default::default(),
            open_connections: Default::default(),
            shard_ports: (0..n_shards).map(|_| Default::default()).collect(),
            cpu: Default::default(),
            fabric_heard: Default::default(),
            smd_live_at_start: crate::ground::smd::Module::ALL
                .iter()
                // Users and roles with their tombstones: a dropped default admin stays dropped.
                .map(|&m| match m {
                    crate::ground::smd::Module::Security => (m, smd.module(m).items().to_vec()),
                    _ => (m, smd.module(m).live().cloned().collect()),
                })
                .collect(),
            smd_at_start: std::sync::Mutex::new(Some(smd)),
            token_key,
            tls_acceptor,
            meters: Default::default(),
        }
    }

    /// The node id as clients see it: uppercase hex without leading zeros.
    pub fn node_name(&self) -> String {
        format!("{:X}", self.node_id)
    }

    /// Counts a new client connection if the node is under `max`; false if it is at the cap.
    pub fn admit_connection(&self, max: u64) -> bool {
        use std::sync::atomic::Ordering;
        let previous = self.open_connections.fetch_add(1, Ordering::AcqRel);
        if previous >= max {
            self.open_connections.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Counts a client connection closed.
    pub fn release_connection(&self) {
        self.open_connections.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Number of device I/O tasks on the node (one per storage shard of each device namespace).
    pub fn io_tasks(&self) -> usize {
        self.devices.iter().zip(&self.routes).filter(|(d, _)| !d.is_empty()).map(|(_, r)| r.n_stores).sum()
    }

    /// The service port.
    pub fn service_port(&self) -> u16 {
        self.config.service_endpoint.port
    }
}

/// A node id like Aerospike's: the service port in the top 16 bits, a MAC address in the low
/// 48. The bound address is mixed into the low bits so that nodes sharing a host and port on
/// different loopback addresses differ.
pub fn derive_node_id(address: IpAddr, port: u16) -> u64 {
    let mac = first_mac().unwrap_or_else(|| fnv1a(hostname().as_bytes()) & 0xFFFF_FFFF_FFFF);
    let address_bits = match address {
        IpAddr::V4(v4) if !v4.is_unspecified() => u64::from(u32::from(v4)) & 0xFFFF,
        _ => 0,
    };
    let low = (mac ^ address_bits) & 0xFFFF_FFFF_FFFF;
    (u64::from(port) << 48) | if low == 0 { 1 } else { low }
}

fn first_mac() -> Option<u64> {
    let mut names: Vec<_> = std::fs::read_dir("/sys/class/net").ok()?.flatten().map(|e| e.file_name()).collect();
    names.sort();
    names.iter().filter(|n| n.to_str() != Some("lo")).find_map(|name| {
        let text = std::fs::read_to_string(format!("/sys/class/net/{}/address", name.to_str()?)).ok()?;
        let mac = u64::from_str_radix(&text.trim().replace(':', ""), 16).ok()?;
        (mac != 0).then_some(mac)
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_string()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A random u64 from the kernel (for cluster keys; not on the data path).
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // SAFETY: getrandom writes at most `bytes.len()` bytes into the valid buffer we pass.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != 8 {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        return fnv1a(&t.to_le_bytes()) ^ u64::from(std::process::id());
    }
    u64::from_ne_bytes(bytes)
}

/// The `ip:port` list for `service-clear-std`: the configured address, or every IPv4 interface
/// address when bound to all interfaces.
fn advertised_addresses(address: IpAddr, port: u16) -> Vec<SocketAddr> {
    if !address.is_unspecified() {
        return vec![SocketAddr::new(address, port)];
    }
    let mut out = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list we only read and then free once.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return vec![SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port)];
        }
        let mut cursor = list;
        while !cursor.is_null() {
            let addr = (*cursor).ifa_addr;
            if !addr.is_null() && i32::from((*addr).sa_family) == libc::AF_INET {
                let sin = &*(addr as *const libc::sockaddr_in);
                let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                out.push(SocketAddr::new(IpAddr::V4(ip), port));
            }
            cursor = (*cursor).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    // Non-loopback addresses first: clients try them in order.
    out.sort_by_key(|a| a.ip().is_loopback());
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_differ_by_port_and_address() {
        let a = derive_node_id(IpAddr::from([127, 0, 0, 1]), 3000);
        let b = derive_node_id(IpAddr::from([127, 0, 0, 1]), 3100);
        let c = derive_node_id(IpAddr::from([127, 0, 0, 2]), 3000);
        assert_eq!(a >> 48, 3000);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, derive_node_id(IpAddr::from([127, 0, 0, 1]), 3000), "stable across restarts");
    }

    #[test]
    fn any_address_advertises_interfaces() {
        let addrs = advertised_addresses(IpAddr::from([0, 0, 0, 0]), 3000);
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.port() == 3000));
    }
}
