//! Typed settings and the walk over parsed items that fills them.
//!
//! Item names, defaults and units follow Aerospike. Each namespace or service item is applied by
//! one function that both the file reader and the run-time `set-config` command call, so the
//! two accept exactly the same values.

use std::net::IpAddr;

use scramjet_engine::namespace::MAX_TTL_SECS;
use scramjet_engine::NamespaceConfig;

use super::lexer::{self, Item};
use super::value::{parse_bool, parse_seconds, parse_size, parse_u64_in};
use super::ConfigError;

/// Default client service port.
pub const DEFAULT_SERVICE_PORT: u16 = 3000;
/// Default fabric port.
pub const DEFAULT_FABRIC_PORT: u16 = 3001;
/// Default heartbeat port.
pub const DEFAULT_HEARTBEAT_PORT: u16 = 3002;
/// Port of the Prometheus endpoint when `network { metrics { } }` names none (the Aerospike
/// exporter's).
pub const DEFAULT_METRICS_PORT: u16 = 9145;
/// Longest namespace name.
pub const NAMESPACE_NAME_MAX_LEN: usize = 31;
/// Most namespaces per node.
pub const MAX_NAMESPACES: usize = 32;

/// Log severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Unrecoverable.
    Critical = 0,
    /// Something failed.
    Warning = 1,
    /// Normal operation.
    Info = 2,
    /// Diagnostics.
    Debug = 3,
    /// Very detailed diagnostics.
    Detail = 4,
}

impl LogLevel {
    /// Parses an Aerospike level name.
    pub fn parse(text: &str) -> Option<LogLevel> {
        match text.to_ascii_lowercase().as_str() {
            "critical" => Some(LogLevel::Critical),
            "warning" => Some(LogLevel::Warning),
            "info" => Some(LogLevel::Info),
            "debug" => Some(LogLevel::Debug),
            "detail" => Some(LogLevel::Detail),
            _ => None,
        }
    }

    /// The level's name in log lines.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Critical => "CRITICAL",
            LogLevel::Warning => "WARNING",
            LogLevel::Info => "INFO",
            LogLevel::Debug => "DEBUG",
            LogLevel::Detail => "DETAIL",
        }
    }
}

/// The default `work-directory`: beside the directory scramjetd starts in, so that a node run
/// by hand needs no writable system path (Aerospike's default is `/opt/aerospike`).
pub const DEFAULT_WORK_DIRECTORY: &str = "scramjet-work";

/// The `service { }` stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Name clients may check on connect; `None` answers `null`.
    pub cluster_name: Option<String>,
    /// Number of shards (pinned executors); default one per CPU.
    pub service_threads: usize,
    /// Whether shard `i` is pinned to CPU `i mod CPUs` (`auto-pin cpu`, the default) or left
    /// to the kernel's scheduler (`auto-pin none`: for several nodes on one host).
    pub auto_pin: bool,
    /// Most client connections the node keeps open.
    pub proto_fd_max: u32,
    /// Idle client connections are closed after this; 0 = never.
    pub proto_fd_idle_ms: u64,
    /// Configured node id, if any.
    pub node_id: Option<u64>,
    /// Default transaction deadline when a request carries none.
    pub transaction_max_ms: u64,
    /// Partitions each shard sends at once while migrating (`migrate-threads`, default 1;
    /// 0 pauses migrations; lowering it takes effect at once, raising it at the next map).
    pub migrate_threads: u32,
    /// Most partitions each shard receives at once (`migrate-max-num-incoming`, default 4):
    /// a sender whose partition would be past it is asked to wait.
    pub migrate_max_num_incoming: u32,
    /// Where the node keeps its system metadata (`work-directory`; under it `smd/`). Each node
    /// needs its own; relative paths are from the directory scramjetd starts in.
    pub work_directory: std::path::PathBuf,
    /// Longest a UDF call runs on a record (`udf-time-limit-ms`, default 1000; a client's
    /// shorter timeout ends it sooner): past it the call fails with "UDF Execution Timeout".
    pub udf_time_limit_ms: u64,
    /// Seconds between two ticker blocks in the log and `latencies:` dumps (`ticker-interval`,
    /// default 10).
    pub ticker_interval_secs: u64,
    /// Most memory one Lua state may use (`udf-memory-limit`, bytes, default 64 MiB),
    /// counting what a call grows lists, maps and bytes by.
    pub udf_memory_limit: u64,
    /// Whether info commands count in the `info` latency histogram (`enable-hist-info`,
    /// default false).
    pub enable_hist_info: bool,
}

/// An address and port from the `network { }` stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEndpoint {
    /// Address to bind (`any` = all interfaces).
    pub address: IpAddr,
    /// Port to bind.
    pub port: u16,
    /// Address told to clients and peers, if not the bound one.
    pub access_address: Option<IpAddr>,
    /// Service only: each shard also listens on a port of its own, advertised by the info
    /// command `scramjet-shards`, so that our client can reach the owning core directly.
    pub shard_ports: bool,
    /// Service only: shard `i` listens on `shard_port_base + i`; 0 lets the kernel choose.
    pub shard_port_base: u16,
}

/// How a node finds and watches its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatSettings {
    /// `mode mesh`: heartbeats run (to the seeds, then to every peer learned). Off by default:
    /// without a heartbeat stanza the node is a cluster of one.
    pub mesh: bool,
    /// Milliseconds between heartbeats (`interval`, default 150).
    pub interval_ms: u64,
    /// Intervals of silence after which a peer is gone (`timeout`, default 10).
    pub timeout_intervals: u64,
    /// `mesh-seed-address-port HOST PORT` lines.
    pub seeds: Vec<(String, u16)>,
}

/// Where a namespace keeps its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageEngine {
    /// In memory only: write blocks in RAM, `data-size` of them.
    Memory,
    /// On files or raw block devices, striped across them.
    Device(DeviceSettings),
}

/// One `file` or `device` line of `storage-engine device`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePath {
    /// Path of the file or block device.
    pub path: std::path::PathBuf,
    /// True for a `device` line (a raw block device, sized by the kernel).
    pub raw: bool,
}

/// The `storage-engine device { }` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSettings {
    /// Files and raw devices, in file order.
    pub paths: Vec<DevicePath>,
    /// Size of each `file` (created or grown to it).
    pub filesize_bytes: u64,
    /// Flush a partly filled write buffer after this long.
    pub flush_max_ms: u64,
    /// Acknowledge writes only once durable on the device.
    pub commit_to_device: bool,
    /// Pause between defragged blocks.
    pub defrag_sleep_us: u64,
    /// Memory for recently written blocks (all shards together); older records are read from
    /// the device.
    pub post_write_cache_bytes: u64,
    /// Most bytes of written blocks waiting for the device (all shards together) before
    /// writes fail with 18 (device overload).
    pub max_write_cache_bytes: u64,
    /// `direct-files`: reads and writes of a `file` bypass the page cache (O_DIRECT). Off by
    /// default, as in Aerospike, whose files are opened without O_DIRECT unless this or
    /// commit-to-device is set (`as/src/storage/drv_ssd.c`, the `open_flag` of a file).
    pub direct_files: bool,
    /// `read-page-cache`: reads of a raw `device` go through the page cache too.
    pub read_page_cache: bool,
}

impl DeviceSettings {
    /// Whether writes to `path` go through the page cache, as Aerospike's do by default: files
    /// unless `direct-files` or `commit-to-device`; never a raw device (always O_DIRECT).
    pub fn writes_page_cache(&self, path: &DevicePath) -> bool {
        !(path.raw || self.direct_files || self.commit_to_device)
    }

    /// Whether reads of `path` go through the page cache: where writes do, and with
    /// `read-page-cache` (for raw devices, whose writes stay O_DIRECT).
    pub fn reads_page_cache(&self, path: &DevicePath) -> bool {
        self.read_page_cache || self.writes_page_cache(path)
    }
}

impl StorageEngine {
    /// The name in info output.
    pub fn name(&self) -> &'static str {
        match self {
            StorageEngine::Memory => "memory",
            StorageEngine::Device(_) => "device",
        }
    }
}

/// One `namespace NAME { }` stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceSettings {
    /// What the engine acts on.
    pub engine: NamespaceConfig,
    /// The storage engine.
    pub storage: StorageEngine,
    /// How a query's region is covered with S2 cells (`geo2dsphere-within { }`).
    pub geo: GeoWithin,
    /// The benchmark histograms switched on (`enable-benchmarks-*`, `enable-hist-proxy`).
    pub benchmarks: crate::ground::bench::Benchmarks,
}

/// The `geo2dsphere-within { }` settings of a namespace (Aerospike's defaults): the S2
/// covering of a points-within-region query's region, and whether candidates are checked
/// against the region exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeoWithin {
    /// Coarsest cell level (0-30, default 1).
    pub min_level: u8,
    /// Finest cell level (0-30, default 20).
    pub max_level: u8,
    /// Most cells (1-256, default 12).
    pub max_cells: usize,
    /// Only levels min-level + k × level-mod (1-3, default 1).
    pub level_mod: u8,
    /// Check each candidate against the region (default true); false answers every point in
    /// the covering's cells.
    pub strict: bool,
}

impl Default for GeoWithin {
    fn default() -> GeoWithin {
        GeoWithin { min_level: 1, max_level: 20, max_cells: 12, level_mod: 1, strict: true }
    }
}

impl GeoWithin {
    /// Applies one item (`min-level`, `max-level`, `max-cells`, `level-mod`, `strict`).
    pub fn apply(&mut self, name: &str, value: &str) -> Result<(), String> {
        self.apply_item(name, value).map_err(|e| format!("geo2dsphere-within {name}: {e}"))
    }

    fn apply_item(&mut self, name: &str, value: &str) -> Result<(), String> {
        match name {
            "min-level" => self.min_level = parse_u64_in(value, 0, 30)? as u8,
            "max-level" => self.max_level = parse_u64_in(value, 0, 30)? as u8,
            "max-cells" => self.max_cells = parse_u64_in(value, 1, 256)? as usize,
            "level-mod" => self.level_mod = parse_u64_in(value, 1, 3)? as u8,
            "strict" => self.strict = parse_bool(value)?,
            _ => return Err(format!("unknown geo2dsphere-within item '{name}'")),
        }
        Ok(())
    }
}

/// Every setting of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `service { }`.
    pub service: ServiceConfig,
    /// Console log level (`logging { console { context any LEVEL } }`).
    pub log_level: LogLevel,
    /// `network { service { } }`.
    pub service_endpoint: NetworkEndpoint,
    /// `network { fabric { } }` (used by clustering).
    pub fabric_endpoint: NetworkEndpoint,
    /// `network { heartbeat { } }` (used by clustering).
    pub heartbeat_endpoint: NetworkEndpoint,
    /// `network { heartbeat { mode; interval; timeout; mesh-seed-address-port } }`.
    pub heartbeat: HeartbeatSettings,
    /// `network { metrics { address; port } }`: the Prometheus endpoint (`GET /metrics`), off
    /// unless configured.
    pub metrics_endpoint: Option<NetworkEndpoint>,
    /// The namespaces, in file order.
    pub namespaces: Vec<NamespaceSettings>,
    /// `security { }`: access control, on if the stanza is there.
    pub security: Option<SecurityConfig>,
    /// `network { tls NAME { } }` stanzas.
    pub tls: Vec<TlsSettings>,
    /// The TLS service port (`network { service { tls-port ... } }`), if configured.
    pub service_tls: Option<ServiceTls>,
}

/// A `network { tls NAME { } }` stanza: the certificate a TLS endpoint presents, its key, and
/// the CA that client certificates must chain to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Its name, which endpoints name with `tls-name` (and clients verify the certificate
    /// against).
    pub name: String,
    /// `cert-file`: the certificate chain, PEM.
    pub cert_file: String,
    /// `key-file`: the private key, PEM.
    pub key_file: String,
    /// `ca-file`: CA certificates for client certificates, PEM.
    pub ca_file: Option<String>,
}

/// The TLS service endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTls {
    /// `tls-address` (default: the service address).
    pub address: IpAddr,
    /// `tls-port`.
    pub port: u16,
    /// `tls-name`: the `tls` stanza to use.
    pub name: String,
    /// `tls-authenticate-client`: `any` (Aerospike's default) requires a client certificate
    /// that chains to the stanza's `ca-file`; `false` asks for none.
    pub authenticate_client: bool,
}

/// The service stanza's TLS items as read, checked once the file is read.
#[derive(Debug, Clone, Default)]
struct ServiceTlsItems {
    address: Option<IpAddr>,
    port: Option<u16>,
    name: Option<String>,
    authenticate_client: Option<bool>,
}

fn apply_tls_stanza(config: &mut Config, item: &Item) -> Result<(), ConfigError> {
    let name = match item.args.as_slice() {
        [name] => name.clone(),
        _ => return Err(ConfigError::at(item.line, "expected 'tls NAME {'")),
    };
    if config.tls.iter().any(|t| t.name == name) {
        return Err(ConfigError::at(item.line, format!("tls '{name}' defined twice")));
    }
    let (mut cert, mut key, mut ca) = (None, None, None);
    walk(item, |i| {
        let value = single_value(i)?.to_string();
        match i.name.as_str() {
            "cert-file" => cert = Some(value),
            "key-file" => key = Some(value),
            "ca-file" => ca = Some(value),
            "ca-path" | "cert-blacklist" | "cipher-suite" | "protocols" | "key-file-password" => {
                return Err(ConfigError::at(i.line, format!("tls item '{}' is not supported", i.name)))
            }
            other => return Err(ConfigError::at(i.line, format!("unknown tls item '{other}'"))),
        }
        Ok(())
    })?;
    let missing = |what: &str| ConfigError::at(item.line, format!("tls '{name}' needs {what}"));
    let settings = TlsSettings {
        cert_file: cert.ok_or_else(|| missing("a cert-file"))?,
        key_file: key.ok_or_else(|| missing("a key-file"))?,
        ca_file: ca,
        name,
    };
    config.tls.push(settings);
    Ok(())
}

fn apply_service_tls_item(tls: &mut ServiceTlsItems, item: &Item) -> Result<bool, ConfigError> {
    let err = |e: String| ConfigError::at(item.line, e);
    match item.name.as_str() {
        "tls-port" => tls.port = Some(parse_u64_in(single_value(item)?, 1, 65_535).map_err(err)? as u16),
        "tls-address" => tls.address = Some(parse_address(single_value(item)?).map_err(err)?),
        "tls-name" => tls.name = Some(single_value(item)?.to_string()),
        "tls-authenticate-client" => {
            tls.authenticate_client = Some(match single_value(item)? {
                "any" => true,
                "false" => false,
                other => {
                    return Err(err(format!(
                    "tls-authenticate-client '{other}' is not supported (any: a client certificate is required; false)"
                )))
                }
            })
        }
        "tls-access-address" | "tls-alternate-access-address" => {}
        _ => return Ok(false),
    }
    Ok(true)
}

/// The `security { }` stanza (Aerospike 5.7+ items: the stanza's presence turns access
/// control on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    /// `session-ttl`: seconds a LOGIN token is good for (1 to 864000; default 86400).
    pub session_ttl_secs: u32,
    /// `privilege-refresh-period`: accepted for Aerospike's files; changes to users and roles
    /// apply on every shard as they are committed, not on a period.
    pub privilege_refresh_period_secs: u32,
    /// `enable-quotas`: whether roles may carry read and write quotas.
    pub enable_quotas: bool,
    /// `log { report-authentication }`: log every login and authentication, good or bad.
    pub report_authentication: bool,
    /// `log { report-user-admin }`: log every user and role change.
    pub report_user_admin: bool,
    /// `log { report-sys-admin }`: log every permitted `set-config` and other system command.
    pub report_sys_admin: bool,
    /// `log { report-violation }`: log every refused command (role violation, no
    /// authentication, address not allowed).
    pub report_violation: bool,
}

impl Default for SecurityConfig {
    fn default() -> SecurityConfig {
        SecurityConfig {
            session_ttl_secs: 86_400,
            privilege_refresh_period_secs: 300,
            enable_quotas: false,
            report_authentication: false,
            report_user_admin: false,
            report_sys_admin: false,
            report_violation: false,
        }
    }
}

fn apply_security_file_item(security: &mut SecurityConfig, item: &Item) -> Result<(), ConfigError> {
    if item.name == "log" {
        return walk(item, |i| {
            let value = single_value(i)?;
            let flag = parse_bool(value).map_err(|e| ConfigError::at(i.line, e))?;
            match i.name.as_str() {
                "report-authentication" => security.report_authentication = flag,
                "report-user-admin" => security.report_user_admin = flag,
                "report-sys-admin" => security.report_sys_admin = flag,
                "report-violation" => security.report_violation = flag,
                // Data operations are not audited one by one (Aerospike's report-data-op
                // names namespaces and sets to audit): accepted, off.
                "report-data-op" | "report-data-op-role" | "report-data-op-user" => {}
                other => return Err(ConfigError::at(i.line, format!("unknown security log item '{other}'"))),
            }
            Ok(())
        });
    }
    let value = single_value(item)?;
    apply_security_item(security, &item.name, value).map_err(|e| ConfigError::at(item.line, e))
}

/// A time in seconds (units `s`, `m`, `h`, `d` as Aerospike's `cfg_seconds`) within bounds.
fn seconds_in(value: &str, min: u64, max: u64) -> Result<u32, String> {
    let secs = parse_seconds(value)?;
    if !(min..=max).contains(&secs) {
        return Err(format!("{secs} seconds is out of range ({min} to {max})"));
    }
    Ok(secs as u32)
}

/// Applies a security item that may also change at run time (`set-config:context=security`).
pub fn apply_security_item(security: &mut SecurityConfig, name: &str, value: &str) -> Result<(), String> {
    match name {
        // Aerospike's floor is 120 s; shorter sessions are ours (tests, short-lived clients:
        // the clients renew 60 s before the end, so below that they log in when refused).
        "session-ttl" => security.session_ttl_secs = seconds_in(value, 1, 864_000)?,
        "privilege-refresh-period" => security.privilege_refresh_period_secs = seconds_in(value, 10, 86_400)?,
        "log.report-authentication" | "report-authentication" => security.report_authentication = parse_bool(value)?,
        "log.report-user-admin" | "report-user-admin" => security.report_user_admin = parse_bool(value)?,
        "log.report-sys-admin" | "report-sys-admin" => security.report_sys_admin = parse_bool(value)?,
        "log.report-violation" | "report-violation" => security.report_violation = parse_bool(value)?,
        "default-password-file" => {
            return Err("default-password-file is not supported: the first user is admin/admin; change its password with the clients' admin calls".into())
        }
        "enable-quotas" => security.enable_quotas = parse_bool(value)?,
        "tps-weight" => {
            parse_u64_in(value, 2, 20)?;
        }
        _ => return Err(format!("unknown security item '{name}'")),
    }
    Ok(())
}

fn default_endpoint(port: u16) -> NetworkEndpoint {
    NetworkEndpoint {
        address: IpAddr::from([127, 0, 0, 1]),
        port,
        access_address: None,
        shard_ports: true,
        shard_port_base: 0,
    }
}

fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Config {
    /// The settings a node runs with when no file is given: one in-memory namespace `test`.
    pub fn embedded_default() -> Config {
        let mut test = NamespaceConfig::with_defaults("test");
        test.replication_factor = 1;
        test.nsup_period_secs = 120;
        test.data_size_bytes = 1 << 30;
        Config {
            namespaces: vec![NamespaceSettings {
                engine: test,
                storage: StorageEngine::Memory,
                geo: GeoWithin::default(),
                benchmarks: crate::ground::bench::Benchmarks::default(),
            }],
            ..Config::empty()
        }
    }

    fn empty() -> Config {
        Config {
            service: ServiceConfig {
                cluster_name: None,
                service_threads: cpu_count(),
                auto_pin: true,
                proto_fd_max: 15_000,
                proto_fd_idle_ms: 60_000,
                node_id: None,
                transaction_max_ms: 1000,
                migrate_threads: 1,
                migrate_max_num_incoming: 4,
                work_directory: DEFAULT_WORK_DIRECTORY.into(),
                udf_time_limit_ms: 1000,
                ticker_interval_secs: 10,
                udf_memory_limit: 64 << 20,
                enable_hist_info: false,
            },
            log_level: LogLevel::Info,
            service_endpoint: default_endpoint(DEFAULT_SERVICE_PORT),
            fabric_endpoint: default_endpoint(DEFAULT_FABRIC_PORT),
            heartbeat_endpoint: default_endpoint(DEFAULT_HEARTBEAT_PORT),
            metrics_endpoint: None,
            heartbeat: HeartbeatSettings { mesh: false, interval_ms: 150, timeout_intervals: 10, seeds: Vec::new() },
            namespaces: Vec::new(),
            security: None,
            tls: Vec::new(),
            service_tls: None,
        }
    }

    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let items = lexer::parse(text).map_err(|e| ConfigError::at(e.line, e.reason))?;
        let mut config = Config::empty();
        let mut service_tls = ServiceTlsItems::default();
        for item in &items {
            match item.name.as_str() {
                "network" => walk(item, |i| match i.name.as_str() {
                    "tls" => apply_tls_stanza(&mut config, i),
                    "service" => {
                        let endpoint = &mut config.service_endpoint;
                        walk(i, |s| {
                            if apply_service_tls_item(&mut service_tls, s)? {
                                return Ok(());
                            }
                            apply_endpoint_item(endpoint, s, true)
                        })
                    }
                    _ => apply_network_item(&mut config, i),
                })?,
                "service" => walk(item, |i| apply_service_file_item(&mut config.service, i))?,
                "logging" => walk(item, |i| apply_logging_item(&mut config.log_level, i))?,
                "namespace" => {
                    let settings = parse_namespace(item)?;
                    if config.namespaces.iter().any(|n| n.engine.name == settings.engine.name) {
                        return Err(ConfigError::at(item.line, "namespace defined twice"));
                    }
                    config.namespaces.push(settings);
                }
                "security" => {
                    let security = config.security.get_or_insert_with(SecurityConfig::default);
                    walk(item, |i| apply_security_file_item(security, i))?
                }
                "mod-lua" | "xdr" => {
                    return Err(ConfigError::at(item.line, format!("'{}' is not supported", item.name)))
                }
                other => return Err(ConfigError::at(item.line, format!("unknown top-level stanza '{other}'"))),
            }
        }
        if config.namespaces.is_empty() {
            return Err(ConfigError::general("no namespace is configured"));
        }
        config.service_tls = match service_tls {
            ServiceTlsItems { port: None, name: None, .. } => None,
            ServiceTlsItems { port: Some(port), name: Some(name), address, authenticate_client } => {
                let settings = config.tls.iter().find(|t| t.name == name).ok_or_else(|| {
                    ConfigError::general(format!("tls-name '{name}' names no 'tls {name} {{ }}' stanza"))
                })?;
                let authenticate_client = authenticate_client.unwrap_or(true);
                if authenticate_client && settings.ca_file.is_none() {
                    return Err(ConfigError::general(format!(
                        "tls-authenticate-client any (the default) needs a ca-file in tls '{name}'; or set it to false"
                    )));
                }
                Some(ServiceTls {
                    address: address.unwrap_or(config.service_endpoint.address),
                    port,
                    name,
                    authenticate_client,
                })
            }
            ServiceTlsItems { port: None, .. } => {
                return Err(ConfigError::general("tls-name without a tls-port in network { service { } }"))
            }
            ServiceTlsItems { name: None, .. } => {
                return Err(ConfigError::general("tls-port without a tls-name in network { service { } }"))
            }
        };
        if config.namespaces.len() > MAX_NAMESPACES {
            return Err(ConfigError::general(format!("more than {MAX_NAMESPACES} namespaces")));
        }
        // Peers reach the fabric at the heartbeat's address (the heartbeat carries only the
        // fabric port): without an address of its own the fabric listens there.
        let fabric_address_given = items.iter().filter(|i| i.name == "network").any(|network| {
            network
                .block
                .iter()
                .flatten()
                .any(|s| s.name == "fabric" && s.block.iter().flatten().any(|i| i.name == "address"))
        });
        if config.heartbeat.mesh && !fabric_address_given {
            config.fabric_endpoint.address =
                config.heartbeat_endpoint.access_address.unwrap_or(config.heartbeat_endpoint.address);
        }
        Ok(config)
    }
}

/// Runs `apply` on every item of `stanza`'s block; the stanza must have a block and no args.
fn walk(stanza: &Item, mut apply: impl FnMut(&Item) -> Result<(), ConfigError>) -> Result<(), ConfigError> {
    let block = stanza
        .block
        .as_ref()
        .ok_or_else(|| ConfigError::at(stanza.line, format!("'{}' needs a {{ }} block", stanza.name)))?;
    block.iter().try_for_each(&mut apply)
}

/// The single value of an item, which must not open a block.
fn single_value(item: &Item) -> Result<&str, ConfigError> {
    if item.block.is_some() {
        return Err(ConfigError::at(item.line, format!("'{}' does not take a block", item.name)));
    }
    match item.args.as_slice() {
        [value] => Ok(value),
        [] => Err(ConfigError::at(item.line, format!("'{}' needs a value", item.name))),
        _ => Err(ConfigError::at(item.line, format!("'{}' takes one value", item.name))),
    }
}

fn apply_service_file_item(service: &mut ServiceConfig, item: &Item) -> Result<(), ConfigError> {
    let value = single_value(item)?;
    match item.name.as_str() {
        "cluster-name" => service.cluster_name = Some(value.to_string()),
        "service-threads" => {
            service.service_threads = parse_u64_in(value, 1, 256).map_err(|e| ConfigError::at(item.line, e))? as usize
        }
        "auto-pin" => {
            service.auto_pin = match value {
                "cpu" => true,
                "none" => false,
                other => {
                    return Err(ConfigError::at(
                        item.line,
                        format!("auto-pin '{other}' is not supported (cpu: each shard on its own CPU; none)"),
                    ))
                }
            }
        }
        "node-id" => {
            let id = u64::from_str_radix(value, 16)
                .ok()
                .filter(|&id| id != 0)
                .ok_or_else(|| ConfigError::at(item.line, format!("node-id '{value}' is not a non-zero hex number")))?;
            service.node_id = Some(id);
        }
        "work-directory" => service.work_directory = value.into(),
        // Accepted for compatibility with stock Aerospike files; they change nothing here.
        "user" | "group" | "pidfile" => {}
        _ => apply_service_item(service, &item.name, value).map_err(|e| ConfigError::at(item.line, e))?,
    }
    Ok(())
}

/// Applies a service item that may also change at run time.
pub fn apply_service_item(service: &mut ServiceConfig, name: &str, value: &str) -> Result<(), String> {
    match name {
        "proto-fd-max" => service.proto_fd_max = parse_u64_in(value, 1, 2_000_000)? as u32,
        "proto-fd-idle-ms" => service.proto_fd_idle_ms = parse_u64_in(value, 0, u64::from(u32::MAX))?,
        "transaction-max-ms" => service.transaction_max_ms = parse_u64_in(value, 1, u64::from(u32::MAX))?,
        "migrate-threads" => service.migrate_threads = parse_u64_in(value, 0, 100)? as u32,
        "migrate-max-num-incoming" => service.migrate_max_num_incoming = parse_u64_in(value, 1, 256)? as u32,
        "ticker-interval" => service.ticker_interval_secs = parse_u64_in(value, 1, 86_400)?,
        "udf-time-limit-ms" => service.udf_time_limit_ms = parse_u64_in(value, 1, 3_600_000)?,
        "udf-memory-limit" => service.udf_memory_limit = parse_u64_in(value, 1 << 20, 1 << 32)?,
        "enable-hist-info" => service.enable_hist_info = parse_bool(value)?,
        _ => return Err(format!("unknown service item '{name}'")),
    }
    Ok(())
}

fn apply_logging_item(level: &mut LogLevel, item: &Item) -> Result<(), ConfigError> {
    if item.name != "console" && item.name != "file" {
        return Err(ConfigError::at(item.line, format!("unknown logging sink '{}'", item.name)));
    }
    walk(item, |context| {
        if context.name != "context" {
            return Err(ConfigError::at(context.line, format!("unknown logging item '{}'", context.name)));
        }
        match context.args.as_slice() {
            [_, level_name] => {
                let parsed = LogLevel::parse(level_name)
                    .ok_or_else(|| ConfigError::at(context.line, format!("unknown log level '{level_name}'")))?;
                // The most detailed level asked for any context wins (one logger for all).
                *level = (*level).max(parsed);
                Ok(())
            }
            _ => Err(ConfigError::at(context.line, "expected 'context NAME LEVEL'")),
        }
    })
}

fn apply_network_item(config: &mut Config, item: &Item) -> Result<(), ConfigError> {
    let endpoint = match item.name.as_str() {
        "service" => &mut config.service_endpoint,
        "fabric" => &mut config.fabric_endpoint,
        "heartbeat" => {
            let (settings, endpoint) = (&mut config.heartbeat, &mut config.heartbeat_endpoint);
            return walk(item, |i| apply_heartbeat_item(settings, endpoint, i));
        }
        "metrics" => {
            let endpoint = config.metrics_endpoint.get_or_insert_with(|| default_endpoint(DEFAULT_METRICS_PORT));
            return walk(item, |i| apply_endpoint_item(endpoint, i, false));
        }
        // Aerospike 7 renamed `info` to `admin`; both are accepted and not served separately.
        "admin" | "info" => return walk(item, |_| Ok(())),
        other => return Err(ConfigError::at(item.line, format!("unknown network stanza '{other}'"))),
    };
    let is_service = item.name == "service";
    walk(item, |i| apply_endpoint_item(endpoint, i, is_service))
}

fn apply_heartbeat_item(
    settings: &mut HeartbeatSettings,
    endpoint: &mut NetworkEndpoint,
    item: &Item,
) -> Result<(), ConfigError> {
    let err = |e: String| ConfigError::at(item.line, e);
    match item.name.as_str() {
        "mode" => match single_value(item)? {
            "mesh" => settings.mesh = true,
            "multicast" => return Err(err("heartbeat mode multicast is not supported; use mode mesh".into())),
            other => return Err(err(format!("heartbeat mode '{other}' is not mesh"))),
        },
        "interval" => settings.interval_ms = parse_u64_in(single_value(item)?, 50, 600_000).map_err(err)?,
        "timeout" => settings.timeout_intervals = parse_u64_in(single_value(item)?, 3, 1_000).map_err(err)?,
        "mesh-seed-address-port" => match item.args.as_slice() {
            [host, port] if item.block.is_none() => {
                let port = parse_u64_in(port, 1, 65_535).map_err(err)? as u16;
                settings.seeds.push((host.clone(), port));
            }
            _ => return Err(err("expected 'mesh-seed-address-port HOST PORT'".into())),
        },
        "multicast-group" => return Err(err("heartbeat mode multicast is not supported; use mode mesh".into())),
        _ => return apply_endpoint_item(endpoint, item, false),
    }
    Ok(())
}

fn apply_endpoint_item(endpoint: &mut NetworkEndpoint, item: &Item, is_service: bool) -> Result<(), ConfigError> {
    let err = |e: String| ConfigError::at(item.line, e);
    match item.name.as_str() {
        "address" => endpoint.address = parse_address(single_value(item)?).map_err(err)?,
        "access-address" => endpoint.access_address = Some(parse_address(single_value(item)?).map_err(err)?),
        "port" => endpoint.port = parse_u64_in(single_value(item)?, 1, 65_535).map_err(err)? as u16,
        "shard-ports" if is_service => endpoint.shard_ports = parse_bool(single_value(item)?).map_err(err)?,
        "shard-port-base" if is_service => {
            endpoint.shard_port_base = parse_u64_in(single_value(item)?, 0, 65_535).map_err(err)? as u16
        }
        other => return Err(err(format!("unknown network item '{other}'"))),
    }
    Ok(())
}

fn parse_address(text: &str) -> Result<IpAddr, String> {
    match text {
        "any" => Ok(IpAddr::from([0, 0, 0, 0])),
        _ => text.parse().map_err(|_| format!("'{text}' is not an IP address")),
    }
}

fn parse_namespace(item: &Item) -> Result<NamespaceSettings, ConfigError> {
    let name = match item.args.as_slice() {
        [name] => name,
        _ => return Err(ConfigError::at(item.line, "expected 'namespace NAME {'")),
    };
    if name.is_empty() || name.len() > NAMESPACE_NAME_MAX_LEN || name.contains([':', ';', '\t']) {
        return Err(ConfigError::at(
            item.line,
            format!("bad namespace name '{name}' (1 to 31 characters, no ':' ';')"),
        ));
    }
    let mut settings = NamespaceSettings {
        engine: NamespaceConfig::with_defaults(name),
        storage: StorageEngine::Memory,
        geo: GeoWithin::default(),
        benchmarks: crate::ground::bench::Benchmarks::default(),
    };
    let mut saw_storage = false;
    walk(item, |i| {
        if i.name == "storage-engine" {
            saw_storage = true;
            return apply_storage_engine(&mut settings, i);
        }
        if i.name == "geo2dsphere-within" {
            return i.block.iter().flatten().try_for_each(|g| {
                let value = single_value(g)?;
                settings.geo.apply(&g.name, value).map_err(|e| ConfigError::at(g.line, e))
            });
        }
        let value = single_value(i)?;
        // The flat form of older files: `geo2dsphere-within-max-cells 12`.
        if let Some(geo) = i.name.strip_prefix("geo2dsphere-within-") {
            return settings.geo.apply(geo, value).map_err(|e| ConfigError::at(i.line, e));
        }
        if let Some(applied) = settings.benchmarks.apply(&i.name, value) {
            return applied.map_err(|e| ConfigError::at(i.line, e));
        }
        apply_namespace_item(&mut settings.engine, &i.name, value).map_err(|e| ConfigError::at(i.line, e))
    })?;
    if !saw_storage {
        return Err(ConfigError::at(item.line, format!("namespace {name} has no storage-engine")));
    }
    if settings.geo.min_level > settings.geo.max_level {
        return Err(ConfigError::at(item.line, "geo2dsphere-within min-level is past max-level"));
    }
    check_namespace(&settings.engine).map_err(|e| ConfigError::at(item.line, e))?;
    Ok(settings)
}

fn apply_storage_engine(settings: &mut NamespaceSettings, item: &Item) -> Result<(), ConfigError> {
    let kind = match item.args.as_slice() {
        [kind] => kind.as_str(),
        _ => return Err(ConfigError::at(item.line, "expected 'storage-engine memory' or 'storage-engine device'")),
    };
    let mut device = DeviceSettings {
        paths: Vec::new(),
        filesize_bytes: 0,
        flush_max_ms: 1000,
        commit_to_device: false,
        defrag_sleep_us: 1000,
        post_write_cache_bytes: 256 << 20,
        max_write_cache_bytes: 64 << 20,
        direct_files: false,
        read_page_cache: false,
    };
    match kind {
        "memory" => settings.engine.write_block_bytes = 1 << 20,
        "device" => {}
        "pmem" => return Err(ConfigError::at(item.line, "storage-engine pmem is not supported")),
        other => return Err(ConfigError::at(item.line, format!("unknown storage engine '{other}'"))),
    }
    for i in item.block.iter().flatten() {
        let value = single_value(i)?;
        let err = |e: String| ConfigError::at(i.line, e);
        let engine = &mut settings.engine;
        match (kind, i.name.as_str()) {
            ("memory", "data-size") => engine.data_size_bytes = parse_size(value).map_err(err)?,
            ("device", "file") | ("device", "device") => {
                device.paths.push(DevicePath { path: value.into(), raw: i.name == "device" })
            }
            ("device", "filesize") => device.filesize_bytes = parse_size(value).map_err(err)?,
            ("device", "flush-max-ms") => device.flush_max_ms = parse_u64_in(value, 1, 1_000_000).map_err(err)?,
            ("device", "commit-to-device") => device.commit_to_device = parse_bool(value).map_err(err)?,
            ("device", "defrag-sleep") => device.defrag_sleep_us = parse_u64_in(value, 0, 1_000_000).map_err(err)?,
            ("device", "post-write-cache") => device.post_write_cache_bytes = parse_size(value).map_err(err)?,
            ("device", "direct-files") => device.direct_files = parse_bool(value).map_err(err)?,
            ("device", "read-page-cache") => device.read_page_cache = parse_bool(value).map_err(err)?,
            ("device", "max-write-cache") => device.max_write_cache_bytes = parse_size(value).map_err(err)?,
            (_, "write-block-size") => {
                let size = parse_size(value).map_err(err)?;
                if !(128 << 10..=8 << 20).contains(&size) || !size.is_power_of_two() {
                    return Err(err(format!("write-block-size {value} must be a power of two from 128K to 8M")));
                }
                engine.write_block_bytes = size as u32;
            }
            (_, "defrag-lwm-pct") => engine.defrag_lwm_pct = parse_u64_in(value, 1, 99).map_err(err)? as u32,
            (_, "stop-writes-used-pct") => {
                engine.stop_writes_used_pct = parse_u64_in(value, 0, 100).map_err(err)? as u32
            }
            (_, "stop-writes-avail-pct") => {
                engine.stop_writes_avail_pct = parse_u64_in(value, 0, 100).map_err(err)? as u32
            }
            (_, other) => return Err(err(format!("unknown storage-engine {kind} item '{other}'"))),
        }
    }
    if kind == "device" {
        if device.paths.is_empty() {
            return Err(ConfigError::at(item.line, "storage-engine device needs at least one 'file' or 'device'"));
        }
        if device.paths.len() > 128 {
            return Err(ConfigError::at(item.line, "at most 128 files or devices per namespace"));
        }
        if device.paths.iter().any(|p| !p.raw) && device.filesize_bytes == 0 {
            return Err(ConfigError::at(item.line, "storage-engine device with 'file' needs 'filesize'"));
        }
        settings.storage = StorageEngine::Device(device);
    } else {
        settings.storage = StorageEngine::Memory;
    }
    Ok(())
}

/// Applies a namespace item (file or run-time `set-config`).
pub fn apply_namespace_item(ns: &mut NamespaceConfig, name: &str, value: &str) -> Result<(), String> {
    let ttl = |value: &str| -> Result<u32, String> {
        let secs = parse_seconds(value)?;
        if secs > u64::from(MAX_TTL_SECS) {
            return Err(format!("{value} is more than 10 years"));
        }
        Ok(secs as u32)
    };
    match name {
        "replication-factor" => ns.replication_factor = parse_u64_in(value, 1, 256)? as u32,
        "default-ttl" => ns.default_ttl_secs = ttl(value)?,
        "max-ttl" => ns.max_ttl_secs = ttl(value)?,
        "nsup-period" => ns.nsup_period_secs = ttl(value)?,
        "allow-ttl-without-nsup" => ns.allow_ttl_without_nsup = parse_bool(value)?,
        "max-record-size" => {
            let size = parse_size(value)?;
            // Aerospike's 0 means "the write-block size".
            ns.max_record_size_bytes = if size == 0 { u64::from(ns.write_block_bytes) } else { size };
            if ns.max_record_size_bytes > 8 << 20 {
                return Err("max-record-size is at most 8M".into());
            }
        }
        "stop-writes-used-pct" => ns.stop_writes_used_pct = parse_u64_in(value, 0, 100)? as u32,
        "stop-writes-avail-pct" => ns.stop_writes_avail_pct = parse_u64_in(value, 0, 100)? as u32,
        "defrag-lwm-pct" => ns.defrag_lwm_pct = parse_u64_in(value, 1, 99)? as u32,
        "evict-used-pct" => ns.evict_used_pct = parse_u64_in(value, 0, 100)? as u32,
        "evict-tenths-pct" => ns.evict_tenths_pct = parse_u64_in(value, 1, 1000)? as u32,
        "default-read-touch-ttl-pct" => ns.default_read_touch_ttl_pct = parse_u64_in(value, 0, 100)? as u32,
        "tomb-raider-eligible-age" => ns.tomb_raider_eligible_age_secs = ttl(value)?,
        "conflict-resolution-policy" => {
            ns.conflict_resolution = match value {
                "generation" => scramjet_engine::ConflictResolution::Generation,
                "last-update-time" => scramjet_engine::ConflictResolution::LastUpdateTime,
                _ => {
                    return Err(format!("conflict-resolution-policy is generation or last-update-time, not '{value}'"))
                }
            }
        }
        _ => return Err(format!("unknown namespace item '{name}'")),
    }
    Ok(())
}

/// Checks the settings of a namespace as a whole.
pub fn check_namespace(ns: &NamespaceConfig) -> Result<(), String> {
    if ns.max_ttl_secs != 0 && ns.default_ttl_secs > ns.max_ttl_secs {
        return Err(format!("default-ttl {} is more than max-ttl {}", ns.default_ttl_secs, ns.max_ttl_secs));
    }
    if ns.data_size_bytes < 1 << 20 {
        return Err("data-size must be at least 1M".into());
    }
    if ns.max_record_size_bytes > u64::from(ns.write_block_bytes) {
        return Err(format!(
            "max-record-size {} is larger than write-block-size {}",
            ns.max_record_size_bytes, ns.write_block_bytes
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
service {
    cluster-name demo
    service-threads 2
    auto-pin none
    proto-fd-max 1000
    proto-fd-idle-ms 5000
}
logging { console { context any debug } }
network {
    service { address any
              port 4000 }
    heartbeat { mode mesh
                address 10.0.0.1
                port 4002
                mesh-seed-address-port 10.0.0.2 3002
                mesh-seed-address-port seed.example 3002
                interval 250
                timeout 8 }
    fabric { port 4001 }
    info { port 4003 }
}
namespace users {
    replication-factor 2
    default-ttl 30d
    nsup-period 2m
    max-record-size 128K
    storage-engine memory {
        data-size 2G
    }
}
"#;

    #[test]
    fn full_file() {
        let config = Config::parse(FULL).unwrap();
        assert_eq!(config.service.cluster_name.as_deref(), Some("demo"));
        assert_eq!(config.service.service_threads, 2);
        assert!(!config.service.auto_pin);
        assert!(Config::embedded_default().service.auto_pin, "shards are pinned unless asked not to be");
        assert_eq!(config.service.proto_fd_max, 1000);
        assert_eq!(config.log_level, LogLevel::Debug);
        assert_eq!(config.service_endpoint.port, 4000);
        assert_eq!(config.service_endpoint.address, IpAddr::from([0, 0, 0, 0]));
        assert!(config.heartbeat.mesh);
        assert_eq!((config.heartbeat.interval_ms, config.heartbeat.timeout_intervals), (250, 8));
        assert_eq!(config.heartbeat.seeds, [("10.0.0.2".to_string(), 3002), ("seed.example".to_string(), 3002)]);
        assert_eq!(config.heartbeat_endpoint.port, 4002);
        assert_eq!(
            (config.fabric_endpoint.address, config.fabric_endpoint.port),
            (IpAddr::from([10, 0, 0, 1]), 4001),
            "a fabric without an address listens where peers reach it: the heartbeat address"
        );
        let ns = &config.namespaces[0].engine;
        assert_eq!(ns.name, "users");
        assert_eq!(ns.default_ttl_secs, 30 * 86_400);
        assert_eq!(ns.nsup_period_secs, 120);
        assert_eq!(ns.max_record_size_bytes, 128 << 10);
        assert_eq!(ns.data_size_bytes, 2 << 30);
    }

    #[test]
    fn page_cache_use_of_files_and_devices() {
        let parse = |items: &str| {
            let text = format!(
                "namespace t {{\n storage-engine device {{\n file /f\n device /dev/d\n filesize 1G\n{items} }}\n}}\n"
            );
            match Config::parse(&text).unwrap().namespaces.remove(0).storage {
                StorageEngine::Device(device) => device,
                StorageEngine::Memory => unreachable!(),
            }
        };
        let uses = |d: &DeviceSettings| {
            d.paths.iter().map(|p| (d.reads_page_cache(p), d.writes_page_cache(p))).collect::<Vec<_>>()
        };
        // Aerospike's defaults: a file through the page cache, a raw device O_DIRECT.
        assert_eq!(uses(&parse("")), [(true, true), (false, false)]);
        assert_eq!(uses(&parse(" direct-files true\n")), [(false, false), (false, false)]);
        assert_eq!(uses(&parse(" commit-to-device true\n")), [(false, false), (false, false)]);
        // read-page-cache: reads through the cache, writes still O_DIRECT.
        assert_eq!(uses(&parse(" direct-files true\n read-page-cache true\n")), [(true, false), (true, false)]);
        let err = Config::parse(
            "namespace t {\n storage-engine device {\n file /f\n filesize 1G\n direct-files maybe\n }\n}\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(5), "{err}");
    }

    #[test]
    fn errors_name_the_line_and_reason() {
        let cases = [
            (
                "namespace test {\n  bogus-item 1\n  storage-engine memory\n}\n",
                2,
                "unknown namespace item 'bogus-item'",
            ),
            ("service {\n proto-fd-max lots\n}\nnamespace t { storage-engine memory }\n", 2, "not a number"),
            ("namespace t {\n storage-engine memory {\n data-size 3X\n }\n}\n", 3, "not a size"),
            ("namespace t {\n storage-engine device {\n }\n}\n", 2, "at least one 'file'"),
            ("namespace t {\n storage-engine device {\n file /tmp/x\n }\n}\n", 2, "needs 'filesize'"),
            ("namespace t {\n storage-engine device {\n write-block-size 3M\n }\n}\n", 3, "power of two"),
            ("namespace t {\n}\n", 1, "no storage-engine"),
            ("frobnicate {\n}\n", 1, "unknown top-level stanza"),
            ("namespace t { storage-engine memory }\nnamespace t { storage-engine memory }\n", 2, "defined twice"),
            ("namespace t {\n default-ttl 11000d\n storage-engine memory\n}\n", 2, "10 years"),
            ("network {\n heartbeat {\n mode multicast\n }\n}\n", 3, "use mode mesh"),
            ("network {\n heartbeat {\n mesh-seed-address-port 10.0.0.1\n }\n}\n", 3, "HOST PORT"),
            ("network {\n heartbeat {\n interval 10\n }\n}\n", 3, "out of range"),
            ("service {\n auto-pin numa\n}\nnamespace t { storage-engine memory }\n", 2, "auto-pin 'numa'"),
        ];
        for (text, line, reason) in cases {
            let err = Config::parse(text).unwrap_err();
            assert_eq!(err.line, Some(line), "{text}: {err}");
            assert!(err.reason.contains(reason), "{text}: {err}");
        }
        assert!(Config::parse("service {\n}\n").unwrap_err().reason.contains("no namespace"));
    }

    #[test]
    fn security_and_tls_stanzas() {
        let text = "network {\n tls t1 {\n cert-file /c.pem\n key-file /k.pem\n }\n service {\n port 3000\n \
                    tls-port 4333\n tls-name t1\n tls-authenticate-client false\n }\n}\n\
                    security {\n session-ttl 1h\n enable-quotas true\n log {\n report-violation true\n }\n}\n\
                    namespace t { storage-engine memory }\n";
        let config = Config::parse(text).unwrap();
        let security = config.security.unwrap();
        assert_eq!((security.session_ttl_secs, security.enable_quotas), (3600, true));
        assert!(security.report_violation && !security.report_authentication);
        let tls = config.service_tls.unwrap();
        assert_eq!((tls.port, tls.name.as_str(), tls.authenticate_client), (4333, "t1", false));
        assert_eq!(config.tls[0].cert_file, "/c.pem");
        assert_eq!(config.service_endpoint.port, 3000);
        assert!(Config::parse("namespace t { storage-engine memory }\n").unwrap().security.is_none());
        let errors = [
            ("security {\n session-ttl 0\n}\n", "out of range"),
            ("security {\n session-ttl 11d\n}\n", "out of range"),
            ("security {\n log {\n report-everything true\n }\n}\n", "unknown security log item"),
            ("network {\n service {\n tls-port 4333\n }\n}\n", "tls-port without a tls-name"),
            ("network {\n service {\n tls-port 4333\n tls-name x\n }\n}\n", "names no 'tls x"),
            ("network {\n tls t1 {\n cert-file /c\n }\n}\n", "needs a key-file"),
            (
                "network {\n tls t1 {\n cert-file /c\n key-file /k\n }\n service {\n tls-port 1\n tls-name t1\n }\n}\n",
                "needs a ca-file",
            ),
        ];
        for (text, reason) in errors {
            let text = format!("{text}namespace t {{ storage-engine memory }}\n");
            let err = Config::parse(&text).unwrap_err();
            assert!(err.reason.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn embedded_default_is_one_memory_namespace() {
        let config = Config::embedded_default();
        assert_eq!(config.namespaces.len(), 1);
        assert_eq!(config.namespaces[0].engine.name, "test");
        assert_eq!(config.service_endpoint.port, DEFAULT_SERVICE_PORT);
        assert!(!config.heartbeat.mesh, "a node is alone unless heartbeats are configured");
    }
}
