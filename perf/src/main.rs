//! scramjet-perf: a load generator for Aerospike-protocol servers (scramjetd or Aerospike),
//! with asbench's flag names. See `scramjet-perf --help` and docs/benchmarks.md.

mod echo;
mod engine;
mod spec;
mod stats;
mod throttle;
mod workload;

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgAction, Parser};
use serde_json::json;

/// Load generator for Scramjet and other Aerospike-protocol servers, with asbench's flags.
///
/// Examples:
///   scramjet-perf -w I -k 1000000 -o S100              insert 1M records of a 100-byte string
///   scramjet-perf -w RU,50 -k 200000 -o S100 -z 16 -t 30   50% reads / 50% updates for 30 s
///   scramjet-perf -w RU,100 --batch-size 10 -t 10      batch reads of 10 keys
#[derive(Parser, Debug)]
#[command(name = "scramjet-perf", version, disable_help_flag = true, verbatim_doc_comment)]
struct Args {
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// Seed hosts, comma-separated: HOST or HOST:PORT.
    #[arg(short = 'h', long, default_value = "127.0.0.1")]
    hosts: String,
    /// Port of hosts given without one.
    #[arg(short = 'p', long, default_value_t = 3000)]
    port: u16,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "test")]
    namespace: String,
    /// Set.
    #[arg(short = 's', long, default_value = "testset")]
    set: String,
    /// Base bin name: bins are BIN, BIN_2, BIN_3, ...
    #[arg(short = 'b', long, default_value = "testbin")]
    bin: String,
    /// Number of keys.
    #[arg(short = 'k', long, default_value_t = 1_000_000)]
    keys: u64,
    /// First key (keys are integers START..START+KEYS).
    #[arg(short = 'K', long = "start-key", default_value_t = 0)]
    start_key: u64,
    /// Object spec: bins by type and size, comma-separated: I (integer), D (double),
    /// S<n> (string of n bytes), B<n> (n bytes), M<n> (a map of n integer entries). E.g. I,S100.
    #[arg(short = 'o', long = "object-spec", default_value = "I")]
    object_spec: String,
    /// Workload: I (insert every key once), RU,<read %> (random reads and updates),
    /// RR,<read %> (reads and replaces), RO (reads only, = RU,100), D (delete every key once),
    /// MU,<read %> (map get-by-key reads and map increments of one entry, on -o M<n> records),
    /// IU,<read %> (reads and increments of the bin by operate), UF,<read %> (reads and record
    /// UDF calls: --udf-module, --udf-function, --udf-args).
    #[arg(short = 'w', long, default_value = "RU,50")]
    workload: String,
    /// Operations in flight at once, all threads together.
    #[arg(short = 'z', long, default_value_t = 16)]
    concurrency: usize,
    /// Threads (each an event loop driving its share of the operations in flight).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Run time in seconds (default 10 for RU/RR/RO; I and D run to the end of the keys).
    #[arg(short = 't', long)]
    duration: Option<u64>,
    /// Stop after this many operations instead of a duration.
    #[arg(long)]
    ops: Option<u64>,
    /// Target throughput in operations per second (0: as fast as possible).
    #[arg(short = 'g', long, default_value_t = 0.0)]
    throughput: f64,
    /// Deadline of each operation in milliseconds, retries included.
    #[arg(short = 'T', long, default_value_t = 1000)]
    timeout: u64,
    /// Retries of an operation after a network error or a timeout.
    #[arg(long = "max-retries", default_value_t = 0)]
    max_retries: u32,
    /// Reads become batch reads of this many random keys.
    #[arg(long = "batch-size", default_value_t = 0)]
    batch_size: usize,
    /// Module of workload UF's record UDF (registered already; without ".lua").
    #[arg(long = "udf-module")]
    udf_module: Option<String>,
    /// Function of workload UF's record UDF.
    #[arg(long = "udf-function")]
    udf_function: Option<String>,
    /// Arguments of workload UF's record UDF, comma-separated: integers, else strings.
    #[arg(long = "udf-args", default_value = "")]
    udf_args: String,
    /// Key distribution of random workloads: uniform, or hotspot:<keys %>,<ops %>
    /// (e.g. hotspot:1,90 sends 90% of the operations to 1% of the keys).
    #[arg(long, default_value = "uniform")]
    distribution: String,
    /// TTL of written records in seconds (0: the namespace's default-ttl).
    #[arg(short = 'e', long = "expiration-time", default_value_t = 0)]
    expiration_time: u32,
    /// Log in as this user on nodes with access control (asbench's -U).
    #[arg(short = 'U', long)]
    user: Option<String>,
    /// The user's password (asbench's -P takes it from a prompt; here it is the value).
    #[arg(short = 'P', long, default_value = "")]
    password: String,
    /// Connect with TLS to the nodes' TLS port (-p is then the TLS port), checking their
    /// certificates against this name (their tls-name).
    #[arg(long = "tls-name")]
    tls_name: Option<String>,
    /// With --tls-name: the CA file (PEM) the nodes' certificates chain to.
    #[arg(long = "tls-cafile")]
    tls_cafile: Option<String>,
    /// With --tls-name: a client certificate (PEM) for nodes that require one.
    #[arg(long = "tls-certfile")]
    tls_certfile: Option<String>,
    /// With --tls-certfile: its key (PEM).
    #[arg(long = "tls-keyfile")]
    tls_keyfile: Option<String>,
    /// Send every command to the service port, not to the owning core's port.
    #[arg(long = "no-shard-routing")]
    no_shard_routing: bool,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<String>,
    /// No progress line per second.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Busy-poll this many microseconds before sleeping when idle, so that answers arrive
    /// without a wake-up. Only worth it when the tool has a core of its own (taskset).
    #[arg(long = "spin-us", default_value_t = 0)]
    spin_us: u64,
    /// Measure the loopback ceiling instead: round trips of 64 bytes to an echo server
    /// (`--echo-server` on HOST:PORT), one connection per operation in flight.
    #[arg(long)]
    echo: bool,
    /// Serve echo on HOST:PORT (with --threads event loops) until stopped.
    #[arg(long = "echo-server")]
    echo_server: bool,
}

fn seeds(args: &Args) -> Result<Vec<(String, u16)>, String> {
    let mut out = Vec::new();
    for item in args.hosts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => {
                out.push((h.to_string(), p.parse().map_err(|_| format!("bad port in host '{item}'"))?))
            }
            _ => out.push((item.to_string(), args.port)),
        }
    }
    if out.is_empty() {
        return Err("no hosts given (-h)".into());
    }
    Ok(out)
}

fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct we pass; zeroed is a valid rusage.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn main() {
    let args = Args::parse();
    if let Err(message) = run(&args) {
        eprintln!("scramjet-perf: {message}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    let seeds = seeds(args)?;
    if args.concurrency == 0 || args.threads == 0 {
        return Err("-z and --threads must be at least 1".into());
    }
    if args.echo || args.echo_server {
        let (host, port) = &seeds[0];
        let address = (host.as_str(), *port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .next()
            .ok_or_else(|| format!("cannot resolve {host}"))?;
        if args.echo_server {
            return echo::serve_echo(address, args.threads);
        }
        let cpu0 = cpu_seconds();
        let config = engine::RunConfig { echo: Some(address), ..run_config(args)? };
        let result = engine::run(config, None)?;
        let report = stats::Report {
            stats: result.stats,
            seconds: result.seconds,
            cpu_seconds: cpu_seconds() - cpu0,
            config: json!({"mode": "echo", "host": host, "port": port, "connections": args.concurrency, "message_bytes": 64}),
            per_second: result.per_second,
        };
        return finish(args, &report);
    }
    let config = run_config(args)?;
    if args.keys == 0 {
        return Err("-k must be at least 1".into());
    }
    scramjet::Key::new(&config.namespace, &config.set, scramjet::UserKey::Int(0)).map_err(|e| e.message)?;
    scramjet::value::check_bin_name(&format!("{}_{}", config.bin, config.bins.len().max(2))).map_err(|e| e.message)?;
    let mut client_config = scramjet::ClientConfig::new(seeds);
    client_config.shard_routing = config.shard_routing;
    client_config.credentials = config.credentials.clone();
    client_config.tls = config.tls.clone();
    let client = Arc::new(scramjet::Client::new(client_config).map_err(|e| e.to_string())?);
    if !client.view().map.namespaces.contains_key(&config.namespace) {
        return Err(format!("namespace '{}' is not in the cluster", config.namespace));
    }
    println!(
        "{} on {} node(s): workload {}, keys {}..{}, object {}, {} in flight on {} thread(s){}",
        env!("CARGO_PKG_NAME"),
        client.node_names().len(),
        config.workload,
        config.start_key,
        config.start_key + config.keys,
        args.object_spec,
        config.concurrency,
        config.threads,
        if config.shard_routing { ", shard routing" } else { "" }
    );
    let config_json = json!({
        "hosts": args.hosts, "port": args.port, "namespace": config.namespace, "set": config.set,
        "keys": config.keys, "start_key": config.start_key, "object_spec": args.object_spec,
        "workload": config.workload.to_string(), "concurrency": config.concurrency, "threads": config.threads,
        "duration_s": args.duration, "ops": args.ops, "throughput_target": args.throughput,
        "timeout_ms": args.timeout, "max_retries": args.max_retries, "batch_size": args.batch_size,
        "distribution": args.distribution, "shard_routing": config.shard_routing,
    });
    let cpu0 = cpu_seconds();
    let result = engine::run(config, Some(client))?;
    let report = stats::Report {
        stats: result.stats,
        seconds: result.seconds,
        cpu_seconds: cpu_seconds() - cpu0,
        config: config_json,
        per_second: result.per_second,
    };
    finish(args, &report)
}

fn run_config(args: &Args) -> Result<engine::RunConfig, String> {
    let workload = spec::parse_workload(&args.workload)?;
    let bins = spec::parse_object_spec(&args.object_spec)?;
    if matches!(workload, spec::Workload::MapUpdate { .. }) && !matches!(bins.first(), Some(spec::BinSpec::Map(_))) {
        return Err("workload MU works on a map bin: give -o M<entries> (e.g. -o M100), and load the keys with -w I -o M<entries> first".into());
    }
    let udf = match (&args.udf_module, &args.udf_function) {
        (Some(module), Some(function)) => {
            let values = args
                .udf_args
                .split(',')
                .filter(|a| !a.is_empty())
                .map(|a| a.parse::<i64>().map_or_else(|_| scramjet::Value::Str(a.to_string()), scramjet::Value::Int))
                .collect();
            Some((module.clone(), function.clone(), values))
        }
        (None, None) => None,
        _ => return Err("give both --udf-module and --udf-function".into()),
    };
    if matches!(workload, spec::Workload::Udf { .. }) && udf.is_none() {
        return Err("workload UF calls a record UDF: give --udf-module and --udf-function".into());
    }
    if matches!(workload, spec::Workload::MapUpdate { .. }) && args.batch_size > 0 {
        return Err("workload MU does not run batch reads".into());
    }
    Ok(engine::RunConfig {
        namespace: args.namespace.clone(),
        set: args.set.clone(),
        bin: args.bin.clone(),
        bins,
        start_key: args.start_key,
        keys: args.keys,
        workload,
        distribution: spec::parse_distribution(&args.distribution)?,
        concurrency: args.concurrency,
        threads: args.threads,
        duration: args.duration.map(Duration::from_secs),
        ops: args.ops,
        throughput: (args.throughput > 0.0).then_some(args.throughput),
        timeout: Duration::from_millis(args.timeout.max(1)),
        retries: args.max_retries,
        batch_size: args.batch_size,
        udf,
        ttl: args.expiration_time,
        // The shard ports are plain TCP only.
        shard_routing: !args.no_shard_routing && args.tls_name.is_none(),
        seed: args.seed,
        progress: !args.quiet,
        echo: None,
        spin: Duration::from_micros(args.spin_us),
        tls: match &args.tls_name {
            Some(name) => Some(
                scramjet::tls::Tls::new(&scramjet::tls::TlsOptions {
                    name: name.clone(),
                    ca_file: args.tls_cafile.clone().ok_or("--tls-name needs --tls-cafile")?,
                    cert_file: args.tls_certfile.clone(),
                    key_file: args.tls_keyfile.clone(),
                })
                .map_err(|e| e.message)?,
            ),
            None => None,
        },
        credentials: match &args.user {
            Some(user) => {
                Some(Arc::new(scramjet::auth::Credentials::new(user, &args.password).map_err(|e| e.message)?))
            }
            None => None,
        },
    })
}

fn finish(args: &Args, report: &stats::Report) -> Result<(), String> {
    print!("{}", report.summary());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize");
        std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(())
}
