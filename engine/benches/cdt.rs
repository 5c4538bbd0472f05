//! Nanoseconds per list and map operation on containers of 10 to 10,000 elements, for
//! docs/benchmarks.md ("List and map operations"). Run with `cargo bench -p scramjet-engine
//! --bench cdt`. Each figure is the median of 5 runs of enough iterations to take about 20 ms.

use std::hint::black_box;
#[path = "median.rs"]
mod median;

use median::median_ns;

use scramjet_engine::cdt::msgpack::{pack_int, pack_list_header, pack_map_header, pack_metadata, pack_nil};
use scramjet_engine::cdt::{apply, BinValue, OpClass};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// A deterministic shuffle of `0..n` (values and keys are distinct ints).
fn shuffled(n: usize) -> Vec<i64> {
    let mut v: Vec<i64> = (0..n as i64).collect();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

fn list(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, n);
    for v in shuffled(n) {
        pack_int(&mut out, v * 7);
    }
    out
}

fn map(n: usize, ordered: bool) -> Vec<u8> {
    let mut keys = shuffled(n);
    if ordered {
        keys.sort();
    }
    let mut out = Vec::new();
    pack_map_header(&mut out, n + usize::from(ordered));
    if ordered {
        pack_metadata(&mut out, 1);
        pack_nil(&mut out);
    }
    for k in keys {
        pack_int(&mut out, k);
        pack_int(&mut out, (k * 31) % 1000);
    }
    out
}

fn payload(code: i64, args: &[i64]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, 1 + args.len());
    pack_int(&mut out, code);
    for &a in args {
        pack_int(&mut out, a);
    }
    out
}

/// Median nanoseconds per call of `op` on `bin`.
fn time(class: OpClass, payload: &[u8], particle: u8, bin: &[u8]) -> f64 {
    median_ns(|| {
        black_box(
            apply(class, black_box(payload), Some(BinValue { particle, bytes: black_box(bin) })).expect("the op runs"),
        );
    })
}

fn row(name: &str, f: impl Fn(usize) -> f64) {
    let cells: Vec<String> = SIZES.iter().map(|&n| format!("{:.0}", f(n))).collect();
    println!("| {name} | {} |", cells.join(" | "));
}

fn main() {
    const LIST: u8 = 20;
    const MAP: u8 = 19;
    println!("| op (ns per op) | {} |", SIZES.map(|n| n.to_string()).join(" | "));
    println!("|---|---|---|---|---|");
    row("list append", |n| time(OpClass::Modify, &payload(1, &[5]), LIST, &list(n)));
    row("list get by index (middle)", |n| time(OpClass::Read, &payload(19, &[7, n as i64 / 2]), LIST, &list(n)));
    row("list get by rank (middle)", |n| time(OpClass::Read, &payload(21, &[7, n as i64 / 2]), LIST, &list(n)));
    row("list sort", |n| time(OpClass::Modify, &payload(13, &[0]), LIST, &list(n)));
    for (label, ordered) in [("unordered", false), ("K-ordered", true)] {
        row(&format!("map put (new key), {label}"), |n| {
            time(OpClass::Modify, &payload(67, &[n as i64 + 1, 5, 0]), MAP, &map(n, ordered))
        });
        row(&format!("map get by key, {label}"), |n| {
            time(OpClass::Read, &payload(97, &[7, n as i64 / 2]), MAP, &map(n, ordered))
        });
        row(&format!("map get by rank (middle), {label}"), |n| {
            time(OpClass::Read, &payload(100, &[7, n as i64 / 2]), MAP, &map(n, ordered))
        });
        row(&format!("map remove by key, {label}"), |n| {
            time(OpClass::Modify, &payload(76, &[0, n as i64 / 2]), MAP, &map(n, ordered))
        });
    }
}
