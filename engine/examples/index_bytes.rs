//! Measures the primary index's memory per record: `cargo run --release -p scramjet-engine
//! --example index_bytes -- 1000000 10000000`. Inserts N random digests into one shard's index
//! of 2048 partitions (a 2-shard node) and reports the index's own count of bytes and the
//! process's resident-memory growth, both per record.

use scramjet_engine::index::{Index, IndexEntry, Location};
use scramjet_engine::record::RecordMeta;
use scramjet_net::Digest;

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn main() {
    let counts: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1_000_000, 10_000_000] } else { counts };
    for n in counts {
        let before = rss_bytes();
        let mut index = Index::new(0..2048);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let meta = RecordMeta { generation: 1, void_time: 0, last_update_ms: 0, set_id: 0 };
        let location = Location { device: 0, block: 1, offset_units: 0, size_units: 8 };
        for _ in 0..n {
            let mut d = [0u8; 20];
            for chunk in d.chunks_mut(8) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
            }
            d[1] &= 0x07; // partitions 0..2048
            index.insert(IndexEntry::new(Digest(d), meta, location, false));
        }
        let counted = index.memory_bytes() as f64 / index.len() as f64;
        let resident = (rss_bytes() - before) as f64 / index.len() as f64;
        println!(
            "{n} records: index counts {counted:.1} bytes/record, resident memory grew {resident:.1} bytes/record"
        );
    }
}
