//! Nanoseconds per HLL operation, for docs/benchmarks.md ("HyperLogLog operations"). Run with
//! `cargo bench -p scramjet-engine --bench hll`. Each figure is the median of 5 runs of enough
//! iterations to take about 20 ms. The sketch holds 100,000 distinct strings; an op runs as the
//! server runs it (`hll::apply` on the stored bytes, the new value built whole).

use std::hint::black_box;
#[path = "median.rs"]
mod median;

use median::median_ns;

use scramjet_engine::cdt::msgpack::{pack_bytes, pack_int, pack_list_header};
use scramjet_engine::hll::{self, code, HLL_PARTICLE};

const SHAPES: [(u8, u8); 4] = [(8, 0), (12, 0), (14, 0), (14, 16)];

fn element(i: usize) -> Vec<u8> {
    let mut out = Vec::new();
    pack_bytes(&mut out, 3, format!("user-{i}").as_bytes());
    out
}

fn sketch(ib: u8, mb: u8, with_cache: bool) -> Vec<u8> {
    let elements: Vec<Vec<u8>> = (0..100_000).map(element).collect();
    let refs: Vec<&[u8]> = elements.iter().map(Vec::as_slice).collect();
    let value = hll::build(ib, mb, &refs).expect("a valid shape");
    if !with_cache {
        return value;
    }
    let mut refresh = Vec::new();
    pack_list_header(&mut refresh, 1);
    pack_int(&mut refresh, code::REFRESH_COUNT);
    hll::apply(false, &refresh, Some((HLL_PARTICLE, &value))).expect("refresh").new.expect("a new value")
}

/// `[ADD, [n new elements]]`.
fn add(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, 2);
    pack_int(&mut out, code::ADD);
    pack_list_header(&mut out, n);
    for i in 0..n {
        out.extend_from_slice(&element(1_000_000 + i));
    }
    out
}

fn get_count() -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, 1);
    pack_int(&mut out, code::GET_COUNT);
    out
}

/// Median nanoseconds per call of `payload` on `bin`.
fn time(read: bool, payload: &[u8], bin: &[u8]) -> f64 {
    median_ns(|| {
        black_box(hll::apply(read, black_box(payload), Some((HLL_PARTICLE, black_box(bin)))).expect("the op runs"));
    })
}

fn main() {
    let header: Vec<String> = SHAPES.iter().map(|(ib, mb)| format!("ib {ib}, mb {mb}")).collect();
    println!("| op (ns per op) | {} |", header.join(" | "));
    println!("|---|---|---|---|---|");
    let row = |name: &str, f: &dyn Fn(u8, u8) -> f64| {
        let cells: Vec<String> = SHAPES.iter().map(|&(ib, mb)| format!("{:.0}", f(ib, mb))).collect();
        println!("| {name} | {} |", cells.join(" | "));
    };
    row("add 1 element", &|ib, mb| time(false, &add(1), &sketch(ib, mb, false)));
    row("add 100 elements", &|ib, mb| time(false, &add(100), &sketch(ib, mb, false)));
    row("get count (cache stale)", &|ib, mb| time(true, &get_count(), &sketch(ib, mb, false)));
    row("get count (cache set)", &|ib, mb| time(true, &get_count(), &sketch(ib, mb, true)));
}
