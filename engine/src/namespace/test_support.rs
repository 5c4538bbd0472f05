//! Helpers shared by the store's tests: digests in a given partition, records of a given size,
//! a store over a small memory space.

use scramjet_net::{Digest, ParticleType};

use super::{NamespaceConfig, NamespaceStore};
use crate::record::{RecordMeta, StoredRecord};
use crate::storage::{Medium, SpaceConfig};
use crate::BinRef;

const BLOCK: usize = 128 * 1024;

pub(super) fn digest_in(pid: u16, salt: u8) -> Digest {
    let mut d = [salt; 20];
    d[0] = (pid & 0xFF) as u8;
    d[1] = (pid >> 8) as u8;
    Digest(d)
}

pub(super) fn record(size: usize) -> StoredRecord {
    let value = vec![7u8; size];
    StoredRecord::encode(None, [BinRef { name: b"b", particle: ParticleType::Blob, value: &value }].into_iter())
        .unwrap()
}

pub(super) fn meta(void_time: u32, set_id: u16) -> RecordMeta {
    RecordMeta { generation: 1, void_time, last_update_ms: 0, set_id }
}

pub(super) fn memory_space(blocks: u32) -> SpaceConfig {
    SpaceConfig {
        medium: Medium::Memory,
        write_block_bytes: BLOCK,
        regions: vec![0..blocks],
        defrag_lwm_pct: 50,
        cache_blocks: 0,
        max_write_cache_blocks: 0,
    }
}

pub(super) fn store(blocks: u32) -> NamespaceStore {
    NamespaceStore::new(NamespaceConfig::with_defaults("test"), 0..16, memory_space(blocks))
}
