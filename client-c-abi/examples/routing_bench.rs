//! Measures what shard-aware routing buys: the same load through the blocking client with
//! routing to the shard ports on and off. Each run writes `--keys` records first, then
//! `--threads` threads each keep one request in flight (50% reads, 50% updates of 100-byte
//! strings, uniform keys) for `--seconds`.
//!
//! `cargo run --release -p scramjet-client --example routing_bench -- --port 3000`

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use scramjet::{Client, ClientConfig, Key, UserKey, Value};

#[derive(Parser)]
struct Args {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Client threads (requests in flight).
    #[arg(long, default_value_t = 16)]
    threads: usize,
    /// Seconds per run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Distinct keys.
    #[arg(long, default_value_t = 100_000)]
    keys: u64,
    /// Runs of each mode, alternating (the machine is noisy: compare runs side by side).
    #[arg(long, default_value_t = 2)]
    rounds: usize,
}

fn run(args: &Args, shard_routing: bool) -> (f64, Histogram<u64>) {
    let mut config = ClientConfig::new(vec![(args.host.clone(), args.port)]);
    config.shard_routing = shard_routing;
    config.max_conns_per_node = args.threads * 4;
    let client = Arc::new(Client::new(config).expect("connect"));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.threads)
        .map(|t| {
            let (client, stop, keys) = (client.clone(), stop.clone(), args.keys);
            std::thread::spawn(move || {
                let mut hist = Histogram::<u64>::new_with_bounds(1, 10_000_000, 3).unwrap();
                let value = Value::Str("x".repeat(100));
                let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
                let mut ops = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let key = Key::new("test", "bench", UserKey::Int((state % keys) as i64)).unwrap();
                    let t0 = Instant::now();
                    if state & (1 << 40) == 0 {
                        match client.get(None, &key, None) {
                            Ok(_) => {}
                            Err(e) if e.code == 2 => {}
                            Err(e) => panic!("get: {e}"),
                        }
                    } else {
                        client.put(None, &key, &[("s", &value)]).expect("put");
                    }
                    hist.record(t0.elapsed().as_micros() as u64).unwrap();
                    ops += 1;
                }
                (ops, hist)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(args.seconds));
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 10_000_000, 3).unwrap();
    for w in workers {
        let (ops, h) = w.join().unwrap();
        total += ops;
        hist.add(h).unwrap();
    }
    (total as f64 / started.elapsed().as_secs_f64(), hist)
}

fn main() {
    let args = Args::parse();
    let loader = Client::new(ClientConfig::new(vec![(args.host.clone(), args.port)])).expect("connect");
    let value = Value::Str("x".repeat(100));
    for k in 0..args.keys {
        let key = Key::new("test", "bench", UserKey::Int(k as i64)).unwrap();
        loader.put(None, &key, &[("s", &value)]).expect("load");
    }
    println!("mode            ops/s      p50 us  p99 us  p99.9 us");
    for _ in 0..args.rounds {
        for routing in [true, false] {
            let (rate, h) = run(&args, routing);
            println!(
                "{:<14} {:>8.0} {:>9} {:>7} {:>9}",
                if routing { "shard ports" } else { "service port" },
                rate,
                h.value_at_quantile(0.5),
                h.value_at_quantile(0.99),
                h.value_at_quantile(0.999)
            );
        }
    }
}
