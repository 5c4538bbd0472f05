//! Crash recovery of a device-backed namespace, driven by seeded random operation sequences
//! over a simulated device that loses unflushed buffers and tears the flush in progress.
//!
//! After each crash the store is rebuilt by cold start from the device contents alone and
//! checked against a reference model: every write acknowledged durable is there with its
//! latest value, nothing deleted comes back, and nothing appears that was never written.

use std::collections::HashMap;

use scramjet_engine::record::RecordMeta;
use scramjet_engine::storage::format::SECTOR_BYTES;
use scramjet_engine::storage::{BlockId, IoRequest, Medium, SpaceConfig};
use scramjet_engine::{BinRef, NamespaceConfig, NamespaceStore, Now, ReadError, ReadIntent, StoredRecord};
use scramjet_net::{Digest, ParticleType};

const BLOCK: usize = 128 * 1024;
const BLOCKS_PER_DEVICE: u32 = 24;

/// A device image: sparse blocks of bytes, written a sector at a time.
#[derive(Default, Clone)]
struct SimDevice {
    blocks: HashMap<BlockId, Vec<u8>>,
}

impl SimDevice {
    fn write(&mut self, block: BlockId, offset: usize, bytes: &[u8]) {
        let image = self.blocks.entry(block).or_insert_with(|| vec![0; BLOCK]);
        image[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// Carries out a request; with `tear`, only the first `tear` sectors of a flush land.
    fn execute(&mut self, request: &IoRequest, tear: Option<usize>) {
        match request {
            IoRequest::Flush { block, offset_in_block, bytes, range, .. } => {
                let data = &bytes[range.clone()];
                assert_eq!(offset_in_block % SECTOR_BYTES, 0);
                assert_eq!(data.len() % SECTOR_BYTES, 0);
                let keep = tear.map_or(data.len(), |sectors| (sectors * SECTOR_BYTES).min(data.len()));
                self.write(*block, *offset_in_block, &data[..keep]);
            }
            IoRequest::Invalidate { block, .. } => self.write(*block, 0, &[0; SECTOR_BYTES]),
        }
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn config() -> NamespaceConfig {
    NamespaceConfig { stop_writes_used_pct: 90, stop_writes_avail_pct: 0, ..NamespaceConfig::with_defaults("test") }
}

fn space() -> SpaceConfig {
    SpaceConfig {
        medium: Medium::Device,
        write_block_bytes: BLOCK,
        regions: vec![0..BLOCKS_PER_DEVICE, 0..BLOCKS_PER_DEVICE],
        defrag_lwm_pct: 50,
        cache_blocks: 0,
        max_write_cache_blocks: 0,
    }
}

fn digest(key: u64) -> Digest {
    let mut d = [0u8; 20];
    d[2..10].copy_from_slice(&key.to_le_bytes());
    d[0] = (key % 16) as u8; // partitions 0..16
    Digest(d)
}

fn body(key: u64, version: u64, len: usize) -> StoredRecord {
    let mut value = vec![(version % 251) as u8; len];
    value[..8].copy_from_slice(&version.to_le_bytes());
    let _ = key;
    StoredRecord::encode(None, [BinRef { name: b"v", particle: ParticleType::Blob, value: &value }].into_iter())
        .unwrap()
}

fn version_of(store: &NamespaceStore, key: u64, now: Now) -> Option<u64> {
    let record = store.get(&digest(key), now)?;
    let view = record.view().expect("a recovered record parses");
    let value = view.bin(b"v").expect("the bin").value;
    Some(u64::from_le_bytes(value[..8].try_into().unwrap()))
}

fn recover(device: &SimDevice, now: Now) -> NamespaceStore {
    let mut store = NamespaceStore::new(config(), 0..16, space());
    let mut blocks: Vec<_> = device.blocks.iter().collect();
    blocks.sort_by_key(|(id, _)| **id);
    for (id, bytes) in blocks {
        store.cold_start_block(*id, bytes.clone());
    }
    store.finish_cold_start(now);
    store
}

/// One history: random puts (of varied sizes, to fill and defrag blocks) and deletes over a
/// small key set; random partial flushes; acknowledged means durable (commit-to-device).
fn run(seed: u64, crashes: usize) {
    let mut rng = Rng(seed | 1);
    let now = Now::from_clepoch_secs(1_000_000);
    let mut device = SimDevice::default();
    let mut store = NamespaceStore::new(config(), 0..16, space());
    // For each key: the history of (append sequence, version or None for a delete).
    let mut history: HashMap<u64, Vec<(u64, Option<u64>)>> = HashMap::new();
    let mut acked: u64 = 0;
    let mut version = 0u64;
    // Some histories flush often, others rarely (so that crashes lose many sealed blocks).
    let flush_one_in = 2 + rng.below(40);
    let delete_one_in = 2 + rng.below(5);
    let keys = 30 + rng.below(300);
    for _cycle in 0..crashes {
        let steps = 200 + rng.below(800);
        for _ in 0..steps {
            let key = rng.below(keys);
            version += 1;
            if rng.below(delete_one_in) == 0 {
                if let Ok(Some((_, seq))) = store.remove(&digest(key), now, false) {
                    history.entry(key).or_default().push((seq, None));
                }
            } else {
                let len = 16 + rng.below(6000) as usize;
                let meta = RecordMeta { generation: 1, void_time: 0, last_update_ms: version, set_id: 0 };
                if let Ok((_, seq)) = store.put(digest(key), meta, body(key, version, len), now) {
                    history.entry(key).or_default().push((seq, Some(version)));
                }
            }
            while store.defrag_queue_len() > 0 && rng.below(2) == 0 {
                if !store.defrag_one() {
                    break;
                }
            }
            // Commit-to-device style: sometimes flush and complete everything, acknowledging.
            if rng.below(flush_one_in) == 0 {
                store.flush_open();
                while let Some(request) = store.next_io() {
                    device.execute(&request, None);
                    acked = acked.max(store.io_complete(request.id()));
                }
            }
        }
        // Crash: some issued requests land, the next one may tear, the rest are lost.
        store.flush_open();
        let mut pending = Vec::new();
        while let Some(request) = store.next_io() {
            pending.push(request);
        }
        let land = rng.below(pending.len() as u64 + 1) as usize;
        for request in &pending[..land] {
            device.execute(request, None);
        }
        if let Some(torn) = pending.get(land) {
            device.execute(torn, Some(rng.below(4) as usize));
        }

        store = recover(&device, now);
        // Check every key against its history.
        for (key, ops) in &history {
            let recovered = version_of(&store, *key, now);
            // The last acknowledged op must be reflected, or a later one that happened to land.
            let last_acked = ops.iter().rposition(|(seq, _)| *seq <= acked);
            let allowed: Vec<Option<u64>> = match last_acked {
                Some(i) => ops[i..].iter().map(|(_, v)| *v).collect(),
                None => std::iter::once(None).chain(ops.iter().map(|(_, v)| *v)).collect(),
            };
            assert!(
                allowed.contains(&recovered),
                "seed {seed}: key {key} recovered {recovered:?}, allowed {allowed:?} (acked {acked}, history {ops:?})"
            );
        }
        // The recovered state becomes the new truth; append sequences restart from zero.
        history = history.keys().map(|&key| (key, vec![(0, version_of(&store, key, now))])).collect();
        acked = 0;
    }
}

#[test]
fn recovers_acknowledged_state_across_random_crashes() {
    for seed in 1..=60u64 {
        run(seed * 0x9E37_79B9, 4);
    }
}

#[test]
fn clean_shutdown_recovers_everything() {
    let now = Now::from_clepoch_secs(1_000);
    let mut device = SimDevice::default();
    let mut store = NamespaceStore::new(config(), 0..16, space());
    for key in 0..200 {
        let meta = RecordMeta { generation: 1, void_time: 0, last_update_ms: key, set_id: 0 };
        store.put(digest(key), meta, body(key, key, 500), now).unwrap();
    }
    for key in (0..200).step_by(3) {
        store.remove(&digest(key), now, false).unwrap();
    }
    store.flush_open();
    while let Some(request) = store.next_io() {
        device.execute(&request, None);
        store.io_complete(request.id());
    }
    let recovered = recover(&device, now);
    for key in 0..200 {
        let expected = (key % 3 != 0).then_some(key);
        assert_eq!(version_of(&recovered, key, now), expected, "key {key}");
    }
    assert_eq!(recovered.stats().objects, 200 - 67);
    assert_eq!(recovered.stats().tombstones, 67);
}

/// Carries out every flush and invalidation the store asks for.
fn settle(store: &mut NamespaceStore, device: &mut SimDevice) {
    store.flush_open();
    while let Some(request) = store.next_io() {
        device.execute(&request, None);
        store.io_complete(request.id());
    }
}

/// A deleted record's older versions must not come back once its tombstone is dropped: the
/// blocks that held them are invalidated on the device before the tombstone may go.
#[test]
fn dropped_tombstones_never_resurrect_older_versions() {
    let now = Now::from_clepoch_secs(1_000);
    let mut device = SimDevice::default();
    let mut store = NamespaceStore::new(config(), 0..16, space());
    let meta = |v: u64| RecordMeta { generation: 1, void_time: 0, last_update_ms: v, set_id: 0 };
    let key = 1000;
    store.put(digest(key), meta(1), body(key, 1, 40_000), now).unwrap();
    let mut v = 10;
    // Many rounds of overwriting fillers: every block is eventually defragged and freed.
    for round in 0..12u64 {
        if round == 1 {
            store.remove(&digest(key), now, false).unwrap();
        }
        for filler in 0..3 {
            v += 1;
            store.put(digest(filler), meta(v), body(filler, v, 40_000), now).unwrap();
        }
        while store.defrag_one() {}
        settle(&mut store, &mut device);
    }
    assert_eq!(store.stats().tombstones, 0, "the tombstone was dropped once no older copy remained");
    let recovered = recover(&device, now);
    assert_eq!(version_of(&recovered, key, now), None, "the deleted record came back");
}

/// Truncated records are invisible at once, reaped by the sweep, and stay gone after a restart;
/// records written after the truncate time survive it, and the marker survives defrag.
#[test]
fn truncate_survives_restart_and_defrag() {
    let mut device = SimDevice::default();
    let mut store = NamespaceStore::new(config(), 0..16, space());
    let now = Now::from_clepoch_secs(1_000);
    let set = store.sets_mut().id_for(b"gone").unwrap();
    let meta = |lut: u64, set_id: u16| RecordMeta { generation: 1, void_time: 0, last_update_ms: lut, set_id };
    for k in 0..50 {
        store.put(digest(k), meta(100 + k, set), body(k, k, 300), now).unwrap();
        store.put(digest(1000 + k), meta(100 + k, 0), body(k, k, 300), now).unwrap();
    }
    store.truncate(Some(b"gone"), 130).unwrap();
    store.put(digest(7), meta(200, set), body(7, 777, 300), now).unwrap();
    let visible = |store: &NamespaceStore| (0..50).filter(|&k| version_of(store, k, now).is_some()).count();
    assert_eq!(visible(&store), 20 + 1, "records updated from 130 on, and the re-written key 7");
    assert_eq!((0..50).filter(|&k| version_of(&store, 1000 + k, now).is_some()).count(), 50, "other sets untouched");
    for local in 0..16 {
        store.reap_expired(local, now);
    }
    assert_eq!(store.stats().truncated_objects, 29);
    // Churn other keys so that the marker's block is defragged and the marker moved.
    for round in 0..30u64 {
        for k in 0..5 {
            store.put(digest(2000 + k), meta(300 + round, 0), body(k, round, 40_000), now).unwrap();
        }
        while store.defrag_one() {}
        settle(&mut store, &mut device);
    }
    assert!(store.stats().space.defrag_blocks > 10);
    let recovered = recover(&device, now);
    assert_eq!(visible(&recovered), 21);
    assert_eq!(version_of(&recovered, 7, now), Some(777));
}

/// Evicted records stay gone after a restart: the eviction's marker is applied by cold start.
#[test]
fn eviction_survives_restart() {
    let mut device = SimDevice::default();
    let mut store = NamespaceStore::new(config(), 0..16, space());
    let now = Now::from_clepoch_secs(1_000);
    for k in 0..100u64 {
        let meta = RecordMeta { generation: 1, void_time: 5_000 + k as u32, last_update_ms: k, set_id: 0 };
        store.put(digest(k), meta, body(k, k, 3_000), now).unwrap();
    }
    assert_eq!(store.evict(1, 100, now), Ok(10));
    settle(&mut store, &mut device);
    let recovered = recover(&device, now);
    let present: Vec<u64> = (0..100).filter(|&k| version_of(&recovered, k, now).is_some()).collect();
    assert_eq!(present, (10..100).collect::<Vec<_>>());
}

impl SimDevice {
    fn read(&self, device: u8, offset: u64, len: usize) -> Vec<u8> {
        let block = BlockId { device, block: (offset / BLOCK as u64) as u32 };
        let at = (offset % BLOCK as u64) as usize;
        self.blocks.get(&block).map_or(vec![0; len], |image| image[at..at + len].to_vec())
    }
}

/// Reads `key` the way the server does: fetch from the device whatever is not in memory.
fn read_through(store: &mut NamespaceStore, device: &SimDevice, key: u64, now: Now) -> Option<u64> {
    while let Some(intent) = store.read_needed(&digest(key)) {
        let record = device.read(intent.device, intent.record_offset(), intent.record_len());
        store.provide_record(&intent, record).expect("the record read back");
    }
    let version = version_of(store, key, now);
    store.clear_provided();
    version
}

/// With a post-write cache of two blocks, most records live only on the device: reads fetch
/// them, defrag reads whole blocks back, and everything survives a restart.
#[test]
fn small_post_write_cache_reads_records_and_blocks_from_the_device() {
    let now = Now::from_clepoch_secs(1_000);
    let mut device = SimDevice::default();
    let small = SpaceConfig { cache_blocks: 2, ..space() };
    let mut store = NamespaceStore::new(config(), 0..16, small.clone());
    let meta = |v: u64| RecordMeta { generation: 1, void_time: 0, last_update_ms: v, set_id: 0 };
    let mut expected = HashMap::new();
    for round in 0..6u64 {
        for k in 0..150u64 {
            if round > 0 && k % (round + 1) != 0 {
                continue;
            }
            let v = round * 1000 + k;
            store.put(digest(k), meta(v), body(k, v, 3_000), now).unwrap();
            expected.insert(k, v);
        }
        settle(&mut store, &mut device);
        // Background defrag: blocks not in memory are read whole from the device.
        while let Some((block, bytes)) = store.next_defrag() {
            let bytes = match bytes {
                Some(bytes) => bytes.to_vec(),
                None => device.read(block.device, store.block_offset(block), BLOCK),
            };
            let header = scramjet_engine::storage::format::decode_block_header(&bytes);
            assert!(
                store.defrag_block(block, &bytes),
                "block {block:?} header {header:?} free {}",
                store.stats().space.free_blocks
            );
            settle(&mut store, &mut device);
        }
    }
    let mut fetched = 0;
    for (&k, &v) in &expected {
        fetched += usize::from(store.read_needed(&digest(k)).is_some());
        assert_eq!(read_through(&mut store, &device, k, now), Some(v), "key {k}");
    }
    assert!(fetched > 20, "records come from the device ({fetched} did)");
    assert!(store.stats().space.defrag_blocks > 5);
    let mut recovered = NamespaceStore::new(config(), 0..16, small);
    let mut blocks: Vec<_> = device.blocks.iter().collect();
    blocks.sort_by_key(|(id, _)| **id);
    for (id, bytes) in blocks {
        recovered.cold_start_block(*id, bytes.clone());
    }
    recovered.finish_cold_start(now);
    for (&k, &v) in &expected {
        assert_eq!(read_through(&mut recovered, &device, k, now), Some(v), "key {k} after restart");
    }
}

/// A read that began before its block was freed and written again is read again: the bytes
/// it got may be an older record's even where the index points at the same place again.
#[test]
fn a_read_begun_in_an_earlier_life_of_its_block_is_read_again() {
    let now = Now::from_clepoch_secs(1_000);
    let mut device = SimDevice::default();
    let mut store = NamespaceStore::new(config(), 0..16, SpaceConfig { cache_blocks: 1, ..space() });
    let meta = RecordMeta { generation: 1, void_time: 0, last_update_ms: 0, set_id: 0 };
    for k in 0..200u64 {
        store.put(digest(k), meta, body(k, 1, 3_000), now).unwrap();
    }
    settle(&mut store, &mut device);
    let intent = store.read_needed(&digest(0)).expect("the first block left memory");
    let bytes = device.read(intent.device, intent.record_offset(), intent.record_len());
    let earlier = ReadIntent { block_seq: intent.block_seq - 1, ..intent };
    assert_eq!(store.provide_record(&earlier, bytes.clone()), Err(ReadError::Moved));
    assert_eq!(store.provide_record(&intent, bytes), Ok(()));
    assert_eq!(version_of(&store, 0, now), Some(1));
}

/// Writes fail with device overload, not unbounded memory, when the device falls behind; once
/// the flushes complete they go on.
#[test]
fn max_write_cache_bounds_the_blocks_waiting_for_the_device() {
    let now = Now::from_clepoch_secs(1_000);
    let mut device = SimDevice::default();
    let limited = SpaceConfig { max_write_cache_blocks: 2, ..space() };
    let mut store = NamespaceStore::new(config(), 0..16, limited);
    let meta = |v: u64| RecordMeta { generation: 1, void_time: 0, last_update_ms: v, set_id: 0 };
    let mut written = 0;
    let err = loop {
        match store.put(digest(written), meta(written), body(written, written, 40_000), now) {
            Ok(_) => written += 1,
            Err(e) => break e,
        }
        assert!(written < 100, "the write cache never filled");
    };
    assert_eq!(err, scramjet_engine::StorageError::DeviceOverload);
    assert!((6..=12).contains(&written), "{written} writes before the limit");
    settle(&mut store, &mut device);
    assert!(store.put(digest(500), meta(500), body(500, 500, 40_000), now).is_ok());
}

/// Blocks freed and reused under a small post-write cache, with I/O completing out of order:
/// every record stays readable with its latest value, from memory or from the device.
#[test]
fn a_reused_block_keeps_its_new_contents_in_memory_until_flushed() {
    let now = Now::from_clepoch_secs(1_000);
    let mut device = SimDevice::default();
    let small = SpaceConfig { cache_blocks: 3, regions: vec![0..10], ..space() };
    let mut store = NamespaceStore::new(config(), 0..16, small);
    let meta = |v: u64| RecordMeta { generation: 1, void_time: 0, last_update_ms: v, set_id: 0 };
    for v in 0..400u64 {
        let k = v % 4;
        store.put(digest(k), meta(v), body(k, v, 40_000), now).unwrap();
        while store.defrag_one() {}
        // Complete I/O only now and then, and newest first (I/O may complete out of order), so
        // that blocks are sealed and waiting while stale cache places are trimmed.
        if v % 5 == 0 {
            store.flush_open();
            let mut requests = Vec::new();
            while let Some(request) = store.next_io() {
                requests.push(request);
            }
            for request in requests.iter().rev() {
                device.execute(request, None);
                store.io_complete(request.id());
            }
        }
        for check in 0..4u64.min(v + 1) {
            let expected = v - ((v - check) % 4);
            let got = read_through(&mut store, &device, check, now);
            assert_eq!(got, Some(expected), "after write {v}, key {check}");
        }
    }
}
