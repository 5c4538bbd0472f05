//! scramjetd: the Scramjet server.
//!
//! The modules are layers; each imports only those below it (docs/ARCHITECTURE.md, "Layers",
//! and the test `server/tests/layers.rs` that holds them to it):
//! [`ground`] (config, log, clock, node facts, counters, routing) → [`partition`] (the
//! partition map, pure) → [`storage`] (the per-shard I/O driver around the engine) →
//! [`shard`] (executors, the channel mesh, shard state, fabric transport) → [`transaction`]
//! (single-record commands, batch, scan, replica writes) → [`cluster`] (heartbeats, consensus,
//! migration) → [`edge`] (client connections, arriving fabric frames, info commands) →
//! [`start`] and `main` (what each shard runs; the process).

mod cluster;
mod edge;
mod ground;
mod partition;
mod shard;
mod start;
mod storage;
mod transaction;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::ground::config::{self, Config};
use crate::ground::log;
use crate::ground::node::NodeContext;

/// Scramjet: a distributed key-value database that speaks the Aerospike protocol.
///
/// With no --config-file, runs an embedded default: one in-memory namespace `test`, clients
/// served on 127.0.0.1:3000.
#[derive(Parser, Debug)]
#[command(name = "scramjetd", version)]
struct Args {
    /// Configuration file in Aerospike's stanza format (see README, "Configuration").
    #[arg(long, short = 'c', value_name = "PATH")]
    config_file: Option<PathBuf>,
    /// Address to serve clients on (overrides network.service.address; `0.0.0.0` = all).
    #[arg(long, value_name = "ADDR")]
    address: Option<IpAddr>,
    /// Port to serve clients on (overrides network.service.port).
    #[arg(long, short = 'p', value_name = "PORT")]
    port: Option<u16>,
    /// Number of shards, one pinned executor each (overrides service.service-threads;
    /// default: one per CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    service_threads: Option<u16>,
    /// Most detailed log level written to stderr: critical, warning, info, debug, detail
    /// (overrides the logging stanza).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    log_level: Option<config::LogLevel>,
    /// Directory for the node's system metadata (overrides service.work-directory; default
    /// `scramjet-work`). Each node needs its own.
    #[arg(long, value_name = "PATH")]
    work_directory: Option<PathBuf>,
    /// Check the configuration, print the settings in effect and exit.
    #[arg(long)]
    check_config: bool,
}

fn parse_level(text: &str) -> Result<config::LogLevel, String> {
    config::LogLevel::parse(text).ok_or_else(|| format!("unknown log level '{text}'"))
}

fn load(args: &Args) -> Result<Config, String> {
    let mut config = match &args.config_file {
        Some(path) => config::load_file(path).map_err(|e| e.to_string())?,
        None => Config::embedded_default(),
    };
    if let Some(address) = args.address {
        config.service_endpoint.address = address;
    }
    if let Some(port) = args.port {
        config.service_endpoint.port = port;
    }
    if let Some(n) = args.service_threads {
        config.service.service_threads = usize::from(n);
    }
    if let Some(level) = args.log_level {
        config.log_level = level;
    }
    if let Some(dir) = &args.work_directory {
        config.service.work_directory = dir.clone();
    }
    Ok(config)
}

/// Fails early, with a clear message, if another process already serves the port: the shards
/// bind with SO_REUSEPORT, which would otherwise silently share it. A node restarted right after
/// a crash can find its port still held for a moment: the kernel releases an io_uring's files
/// (the old listeners among them) after the process is gone. So an address in use is tried
/// again for a few seconds before giving up.
fn check_port_free(config: &Config) -> Result<(), String> {
    let endpoint = &config.service_endpoint;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match std::net::TcpListener::bind((endpoint.address, endpoint.port)) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(format!("cannot listen on {}:{}: {e}", endpoint.address, endpoint.port)),
        }
    }
}

/// Blocks SIGINT and SIGTERM in this thread (and the shard threads it starts), so that they
/// can be taken synchronously by [`wait_for_shutdown_signal`].
fn block_shutdown_signals() -> libc::sigset_t {
    // SAFETY: the sigset is initialised by sigemptyset before use; pthread_sigmask only reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn wait_for_shutdown_signal(set: &libc::sigset_t) -> i32 {
    let mut signal = 0;
    // SAFETY: `set` was initialised by block_shutdown_signals; sigwait writes only `signal`.
    unsafe { libc::sigwait(set, &mut signal) };
    signal
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match load(&args) {
        Ok(config) => config,
        Err(reason) => {
            eprintln!("scramjetd: configuration error: {reason}");
            return ExitCode::from(2);
        }
    };
    log::set_level(config.log_level);
    if args.check_config {
        println!("{config:#?}");
        return ExitCode::SUCCESS;
    }
    if let Err(reason) = check_port_free(&config) {
        log!(Critical, "service", "{reason}");
        return ExitCode::from(1);
    }
    // Held until the process ends: no other node may use this work directory.
    let _work_directory_lock = match ground::smd::lock_work_directory(&config.service.work_directory) {
        Ok(lock) => lock,
        Err(reason) => {
            log!(Critical, "service", "{reason}");
            return ExitCode::from(1);
        }
    };
    let smd = match ground::smd::Smd::load(&config.service.work_directory) {
        Ok(smd) => smd,
        Err(reason) => {
            log!(Critical, "smd", "{reason}");
            return ExitCode::from(1);
        }
    };
    let n_shards = config.service.service_threads;
    let devices = match storage::layout::prepare(&config.namespaces, n_shards) {
        Ok(devices) => devices,
        Err(reason) => {
            log!(Critical, "storage", "{reason}");
            return ExitCode::from(1);
        }
    };
    let token_key = match scramjet_server_token_key() {
        Ok(key) => key,
        Err(reason) => {
            log!(Critical, "security", "{reason}");
            return ExitCode::from(1);
        }
    };
    let tls_acceptor = match &config.service_tls {
        None => None,
        Some(service_tls) => {
            let settings = config.tls.iter().find(|t| t.name == service_tls.name).expect("checked by the config");
            match crate::ground::tls::acceptor(settings, service_tls.authenticate_client) {
                Ok(acceptor) => Some(acceptor),
                Err(reason) => {
                    log!(Critical, "tls", "{reason}");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let signals = block_shutdown_signals();
    let node = Arc::new(NodeContext::new(config, n_shards, devices, smd, token_key, tls_acceptor));
    log!(
        Info,
        "service",
        "scramjetd {} starting: node {} with {} shards, namespaces {}",
        env!("CARGO_PKG_VERSION"),
        node.node_name(),
        n_shards,
        node.namespaces.join(", ")
    );
    let _shards = match shard::executor::start(node.clone(), start::shard) {
        Ok(handles) => handles,
        Err(e) => {
            log!(Critical, "service", "cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let endpoint = &node.config.service_endpoint;
    log!(Info, "service", "ready: accepting clients on {}:{}", endpoint.address, endpoint.port);
    let signal = wait_for_shutdown_signal(&signals);
    log!(Info, "service", "signal {signal}: shutting down");
    flush_for_shutdown(&node);
    // Everything is on the devices: exit without unwinding the shards.
    ExitCode::SUCCESS
}

/// Asks every device I/O task to flush its write buffers and waits (at most 30 s) until all
/// have.
fn flush_for_shutdown(node: &NodeContext) {
    use std::sync::atomic::Ordering;
    let tasks = node.io_tasks();
    if tasks == 0 {
        return;
    }
    node.shutting_down.store(true, Ordering::Release);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while node.flushed_for_shutdown.load(Ordering::Acquire) < tasks {
        if std::time::Instant::now() > deadline {
            log!(Warning, "storage", "write buffers not flushed within 30 s; exiting anyway");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    log!(Info, "storage", "write buffers flushed");
}

/// The node's session-token key, from the system's random source.
fn scramjet_server_token_key() -> Result<crate::ground::security::TokenKey, String> {
    crate::ground::security::TokenKey::random()
        .map_err(|e| format!("cannot read /dev/urandom for the session-token key: {e}"))
}
