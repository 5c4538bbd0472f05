//! The log-structured space of one shard's slice of a namespace: write blocks on a medium (RAM,
//! or this shard's region of each device), the open write buffer, block usage, the free list,
//! the defrag queue, and the I/O the server must carry out.
//!
//! The space does no I/O itself. It hands out [`IoRequest`]s (flush a block range, invalidate a
//! freed block) and is told when they complete, so tests drive it over a simulated device that
//! can crash at any point, and the server drives it over glommio DMA files.
//!
//! The open block and the blocks not yet flushed stay in memory, and so do the most recently
//! flushed `cache_blocks` (the post-write cache); older blocks live only on the device and their
//! records are read back on demand ([`Space::record_bytes`] answers `None` for them).
//!
//! Block life: Free → Open (the write buffer) → Sealed (full; flushed to the device) →
//! Defragging (its live records being moved) → Freeing (waiting until the moved copies are
//! durable, then invalidated on the device) → Free.

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;
use std::rc::Rc;

use super::format::{self, align_up, DeviceRecord, BLOCK_HEADER_BYTES, PAD_BYTES, SECTOR_BYTES};
use crate::index::{Location, UNIT_BYTES};
use crate::StorageError;

/// A block: device (stripe) index and block number on that device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId {
    /// Device index within the namespace.
    pub device: u8,
    /// Block number on the device.
    pub block: u32,
}

/// Where the blocks live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// RAM only: nothing to flush, nothing survives a restart.
    Memory,
    /// Devices (files or raw block devices): flushed, recovered by cold start.
    Device,
}

/// The shape of a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceConfig {
    /// RAM or devices.
    pub medium: Medium,
    /// Write-block size in bytes (a multiple of the sector size).
    pub write_block_bytes: usize,
    /// Per device, the block numbers this shard owns.
    pub regions: Vec<Range<u32>>,
    /// A sealed block whose live bytes fall under this share of the block is defragged.
    pub defrag_lwm_pct: u32,
    /// Flushed blocks kept in memory (the post-write cache); 0 keeps every block (memory
    /// namespaces). Records of other blocks are read from the device when needed.
    pub cache_blocks: usize,
    /// Most sealed blocks waiting to be written before client writes are refused
    /// (`max-write-cache`); 0 = no limit (memory namespaces).
    pub max_write_cache_blocks: usize,
}

/// I/O the server must carry out, then report with [`Space::complete`].
#[derive(Debug, Clone)]
pub enum IoRequest {
    /// Write `bytes` at byte `offset_in_block` of `block`.
    Flush {
        /// Identifies the request in [`Space::complete`].
        id: u64,
        /// Target block.
        block: BlockId,
        /// Byte offset within the block (sector aligned).
        offset_in_block: usize,
        /// The bytes (a multiple of the sector size).
        bytes: Rc<Vec<u8>>,
        /// Range of `bytes` to write.
        range: Range<usize>,
    },
    /// Overwrite the block's header sector with zeros so that a cold start skips the block.
    Invalidate {
        /// Identifies the request in [`Space::complete`].
        id: u64,
        /// Target block.
        block: BlockId,
    },
}

impl IoRequest {
    /// The request's id.
    pub fn id(&self) -> u64 {
        match self {
            IoRequest::Flush { id, .. } | IoRequest::Invalidate { id, .. } => *id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Free,
    Open,
    Sealed,
    Defragging,
    Freeing,
}

#[derive(Debug, Clone, Copy)]
struct BlockMeta {
    state: State,
    seq: u64,
    live_bytes: u32,
    /// For a Freeing block: the append sequence its moved records need durable first.
    free_after: u64,
}

struct OpenBlock {
    id: BlockId,
    seq: u64,
    buf: Vec<u8>,
    /// Bytes of `buf` already handed to a flush.
    flushed_to: usize,
}

/// Counters of a space.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpaceStats {
    /// Blocks in the space.
    pub total_blocks: u64,
    /// Blocks free for writing.
    pub free_blocks: u64,
    /// Bytes of live records.
    pub live_bytes: u64,
    /// Blocks defragged.
    pub defrag_blocks: u64,
    /// Records moved by defrag.
    pub defrag_records: u64,
    /// Bytes appended by clients' writes.
    pub client_bytes: u64,
    /// Bytes appended by defrag.
    pub defrag_bytes: u64,
    /// Bytes handed to the device.
    pub flushed_bytes: u64,
}

/// The log-structured space.
pub struct Space {
    config: SpaceConfig,
    blocks: Vec<Vec<BlockMeta>>,
    data: Vec<Vec<Option<Rc<Vec<u8>>>>>,
    /// Blocks freed since start, in the order they were freed: the next block opened is the
    /// first of these, and only when there are none a block of `pristine`. As in Aerospike
    /// (`swb_get` in `as/src/storage/drv_ssd.c` takes its free queue before a never-written
    /// block), writes keep to the blocks the data needs: a block is written again soon after
    /// defrag freed it, so on a file through the page cache most rewrites land on pages still
    /// dirty and reach the disk once (the device load of `docs/benchmarks.md`: 525 -> 157-169
    /// bytes written to the disk per client write, Aerospike 167-192), and the page cache holds
    /// only that part of the file.
    free: VecDeque<BlockId>,
    /// Blocks not written since start (never, or not found by cold start), in striped order.
    pristine: VecDeque<BlockId>,
    open: Option<OpenBlock>,
    next_seq: u64,
    /// Sequences of blocks whose on-device contents may still be read by a cold start.
    seqs_on_device: BTreeSet<u64>,
    defrag_queue: VecDeque<BlockId>,
    requests: VecDeque<IoRequest>,
    next_request_id: u64,
    /// Flushes in the order they were issued: id, the append sequence everything up to and
    /// including this flush covers, whether it completed, and the block it seals (if it does).
    flushes: VecDeque<(u64, u64, bool, Option<BlockId>)>,
    /// Resident blocks that are on the device, oldest first: the post-write cache.
    cached: VecDeque<BlockId>,
    /// Invalidations in flight: id and block.
    invalidations: Vec<(u64, BlockId)>,
    appended: u64,
    durable: u64,
    stats: SpaceStats,
    /// Buffers of blocks that left memory, kept for the next blocks to open: a new buffer
    /// would be fresh pages, each faulted in and zeroed by the kernel as the block fills
    /// (1.5% of a shard's CPU at 40k ops/s), and freeing one unmaps it (a TLB shootdown).
    /// One is taken once nothing else holds it (the defrag that freed its block, a read or a
    /// flush in flight).
    spare: Vec<Rc<Vec<u8>>>,
}

/// Block buffers a space keeps for reuse, at most ([`Space::spare`]).
const SPARE_BLOCKS: usize = 4;

impl Space {
    /// A space whose blocks are all free (a new namespace, or a memory namespace).
    pub fn new(config: SpaceConfig) -> Space {
        assert!(config.write_block_bytes.is_multiple_of(SECTOR_BYTES));
        assert!(config.write_block_bytes >= 128 * 1024 && config.write_block_bytes <= 8 << 20);
        assert!(config.regions.len() <= usize::from(u8::MAX) + 1);
        let blocks: Vec<Vec<BlockMeta>> = config
            .regions
            .iter()
            .map(|r| vec![BlockMeta { state: State::Free, seq: 0, live_bytes: 0, free_after: 0 }; r.len()])
            .collect();
        let data = config.regions.iter().map(|r| vec![None; r.len()]).collect();
        // Interleave devices in the pristine list so that consecutive blocks stripe across them.
        let mut pristine = VecDeque::new();
        let longest = config.regions.iter().map(|r| r.len()).max().unwrap_or(0);
        for i in 0..longest as u32 {
            for (device, region) in config.regions.iter().enumerate() {
                if region.start + i < region.end {
                    pristine.push_back(BlockId { device: device as u8, block: region.start + i });
                }
            }
        }
        let total_blocks = pristine.len() as u64;
        Space {
            config,
            blocks,
            data,
            free: VecDeque::new(),
            pristine,
            open: None,
            next_seq: 1,
            seqs_on_device: BTreeSet::new(),
            defrag_queue: VecDeque::new(),
            requests: VecDeque::new(),
            next_request_id: 1,
            flushes: VecDeque::new(),
            cached: VecDeque::new(),
            invalidations: Vec::new(),
            appended: 0,
            durable: 0,
            stats: SpaceStats { total_blocks, free_blocks: total_blocks, ..Default::default() },
            spare: Vec::new(),
        }
    }

    /// The space's shape.
    pub fn config(&self) -> &SpaceConfig {
        &self.config
    }

    /// Changes the defrag low-water mark (run-time `set-config`).
    pub fn set_defrag_lwm_pct(&mut self, pct: u32) {
        assert!((1..100).contains(&pct));
        self.config.defrag_lwm_pct = pct;
    }

    /// Counters.
    pub fn stats(&self) -> SpaceStats {
        SpaceStats { free_blocks: (self.free.len() + self.pristine.len()) as u64, ..self.stats }
    }

    fn meta(&self, id: BlockId) -> &BlockMeta {
        let region = &self.config.regions[usize::from(id.device)];
        &self.blocks[usize::from(id.device)][(id.block - region.start) as usize]
    }

    fn meta_mut(&mut self, id: BlockId) -> &mut BlockMeta {
        let region = &self.config.regions[usize::from(id.device)];
        &mut self.blocks[usize::from(id.device)][(id.block - region.start) as usize]
    }

    fn data_slot(&mut self, id: BlockId) -> &mut Option<Rc<Vec<u8>>> {
        let region = &self.config.regions[usize::from(id.device)];
        &mut self.data[usize::from(id.device)][(id.block - region.start) as usize]
    }

    /// True if `id` belongs to this space.
    pub fn owns(&self, id: BlockId) -> bool {
        self.config.regions.get(usize::from(id.device)).is_some_and(|r| r.contains(&id.block))
    }

    // ---- Writing ----

    /// Bytes a record of this size takes in a block.
    pub fn record_size(set_name_len: usize, body_len: usize) -> usize {
        format::record_size(set_name_len, body_len)
    }

    /// Largest record (header, set name and body) a block holds.
    pub fn max_record_bytes(&self) -> usize {
        self.config.write_block_bytes - BLOCK_HEADER_BYTES
    }

    /// Appends a record; returns where it went and its append sequence (for durability waits).
    pub fn append(&mut self, record: &DeviceRecord<'_>, from_defrag: bool) -> Result<(Location, u64), StorageError> {
        let size = format::record_size(record.set_name.len(), record.body.len());
        if size > self.max_record_bytes() {
            return Err(StorageError::RecordTooBig);
        }
        let fits = self.open.as_ref().is_some_and(|o| o.buf.len() + size <= self.config.write_block_bytes);
        if !fits {
            self.open_next_block()?;
        }
        let open = self.open.as_mut().expect("an open block");
        let offset = open.buf.len();
        format::encode_record(&mut open.buf, open.seq, record);
        debug_assert_eq!(open.buf.len() - offset, size);
        let id = open.id;
        self.meta_mut(id).live_bytes += size as u32;
        self.stats.live_bytes += size as u64;
        if from_defrag {
            self.stats.defrag_bytes += size as u64;
            self.stats.defrag_records += 1;
        } else {
            self.stats.client_bytes += size as u64;
        }
        self.appended += 1;
        let location = Location {
            device: id.device,
            block: id.block,
            offset_units: (offset / UNIT_BYTES as usize) as u32,
            size_units: (size / UNIT_BYTES as usize) as u32,
        };
        Ok((location, self.appended))
    }

    fn open_next_block(&mut self) -> Result<(), StorageError> {
        let next = self.free.pop_front().or_else(|| self.pristine.pop_front()).ok_or(StorageError::OutOfSpace)?;
        self.seal_open();
        let seq = self.next_seq;
        self.next_seq += 1;
        let meta = self.meta_mut(next);
        assert_eq!(meta.state, State::Free, "the free list holds free blocks");
        *meta = BlockMeta { state: State::Open, seq, live_bytes: 0, free_after: 0 };
        if self.config.medium == Medium::Device {
            self.seqs_on_device.insert(seq);
        }
        let mut buf = self.take_spare().unwrap_or_else(|| Vec::with_capacity(self.config.write_block_bytes));
        buf.clear();
        buf.resize(BLOCK_HEADER_BYTES, 0);
        format::encode_block_header(seq, 0, &mut buf);
        self.open = Some(OpenBlock { id: next, seq, buf, flushed_to: 0 });
        Ok(())
    }

    /// Seals the open block: its bytes become immutable and, on a device, are flushed.
    fn seal_open(&mut self) {
        let Some(open) = self.open.take() else { return };
        let mut buf = open.buf;
        let used = buf.len();
        buf.resize(align_up(used, SECTOR_BYTES).min(self.config.write_block_bytes), 0);
        let bytes = Rc::new(buf);
        if self.config.medium == Medium::Device {
            if open.flushed_to < bytes.len() {
                let start = open.flushed_to;
                self.push_flush(open.id, start, bytes.clone(), start..bytes.len());
            } else {
                // Everything was flushed already: the last flush is the sealing one.
                self.push_flush(open.id, bytes.len(), Rc::new(Vec::new()), 0..0);
            }
            self.flushes.back_mut().expect("just pushed").3 = Some(open.id);
        }
        *self.data_slot(open.id) = Some(bytes);
        self.meta_mut(open.id).state = State::Sealed;
        self.consider_defrag(open.id);
    }

    fn push_flush(&mut self, block: BlockId, offset_in_block: usize, bytes: Rc<Vec<u8>>, range: Range<usize>) {
        let id = self.next_request_id;
        self.next_request_id += 1;
        self.stats.flushed_bytes += range.len() as u64;
        let nothing_to_write = range.is_empty();
        if !nothing_to_write {
            self.requests.push_back(IoRequest::Flush { id, block, offset_in_block, bytes, range });
        }
        // Every append so far is in this flush or in one issued before it.
        self.flushes.push_back((id, self.appended, nothing_to_write, None));
    }

    /// Flushes what the open block holds beyond its last flush (flush-max-ms, commit-to-device).
    /// The flushed part is closed with a pad marker up to a sector boundary, so that no later
    /// flush rewrites a sector that already holds records.
    pub fn flush_open(&mut self) {
        if self.config.medium != Medium::Device {
            return;
        }
        let block_bytes = self.config.write_block_bytes;
        let Some(open) = self.open.as_mut() else { return };
        if open.buf.len() == open.flushed_to {
            return;
        }
        let end = align_up(open.buf.len(), SECTOR_BYTES);
        if end > open.buf.len() {
            let pad = (end - open.buf.len()).max(PAD_BYTES);
            let seq = open.seq;
            format::encode_pad(&mut open.buf, seq, pad);
        }
        let start = open.flushed_to;
        let end = open.buf.len();
        let bytes = Rc::new(open.buf[start..end].to_vec());
        open.flushed_to = end;
        let id = open.id;
        let full = end >= block_bytes;
        self.push_flush(id, start, bytes.clone(), 0..bytes.len());
        if full {
            self.seal_open();
        }
    }

    /// True when more sealed blocks wait for the device than `max-write-cache` allows.
    pub fn is_write_cache_full(&self) -> bool {
        let limit = self.config.max_write_cache_blocks;
        limit != 0 && self.flushes.iter().filter(|f| f.3.is_some() && !f.2).count() >= limit
    }

    /// Bytes written to the open block and not yet handed to a flush (0 in memory), plus the
    /// flushes not yet complete.
    pub fn unflushed_bytes(&self) -> usize {
        if self.config.medium == Medium::Memory {
            return 0;
        }
        let open = self.open.as_ref().map_or(0, |o| o.buf.len() - o.flushed_to);
        open + self.flushes.len()
    }

    /// The next I/O to carry out, if any.
    pub fn next_request(&mut self) -> Option<IoRequest> {
        self.requests.pop_front()
    }

    /// Reports a request done; returns the append sequence now durable.
    pub fn complete(&mut self, request_id: u64) -> u64 {
        if let Some(at) = self.invalidations.iter().position(|r| r.0 == request_id) {
            let (_, block) = self.invalidations.remove(at);
            self.finish_free(block);
            return self.durable;
        }
        let flush = self.flushes.iter_mut().find(|f| f.0 == request_id).expect("completion of an issued request");
        flush.2 = true;
        // Flushes may complete out of order: durable is what the completed prefix covers.
        while let Some(&(_, covers, true, sealed)) = self.flushes.front() {
            self.durable = self.durable.max(covers);
            self.flushes.pop_front();
            if let Some(block) = sealed {
                self.cache(block);
            }
        }
        self.release_freeing();
        self.durable
    }

    /// A sealed block is on the device: it joins the post-write cache, whose oldest blocks
    /// leave memory.
    fn cache(&mut self, block: BlockId) {
        if self.config.cache_blocks == 0 {
            return;
        }
        self.cached.push_back(block);
        while self.cached.len() > self.config.cache_blocks {
            let old = self.cached.pop_front().expect("over the limit");
            self.release_data(old);
        }
    }

    /// Append sequence up to which writes are durable (always all of them in memory).
    pub fn durable(&self) -> u64 {
        match self.config.medium {
            Medium::Memory => self.appended,
            Medium::Device => self.durable,
        }
    }

    /// Append sequence of the last write.
    pub fn appended(&self) -> u64 {
        self.appended
    }

    // ---- Reading ----

    /// The bytes of the record at `location`, if its block is in memory.
    pub fn record_bytes(&self, location: Location) -> Option<&[u8]> {
        let id = BlockId { device: location.device, block: location.block };
        let range = location.offset_bytes()..location.offset_bytes() + location.size_bytes();
        match &self.open {
            Some(open) if open.id == id => Some(&open.buf[range]),
            _ => {
                let region = &self.config.regions[usize::from(id.device)];
                let block = self.data[usize::from(id.device)][(id.block - region.start) as usize].as_ref()?;
                Some(&block[range])
            }
        }
    }

    /// Byte offset of `location` on its device.
    pub fn device_offset(&self, location: Location) -> u64 {
        u64::from(location.block) * self.config.write_block_bytes as u64 + location.offset_bytes() as u64
    }

    /// Sequence of the block holding `location` (newer writes have higher sequences).
    pub fn block_seq(&self, location: Location) -> u64 {
        self.meta(BlockId { device: location.device, block: location.block }).seq
    }

    // ---- Usage and defrag ----

    /// A record at `location` is no longer live (overwritten, deleted, expired, moved).
    pub fn release(&mut self, location: Location) {
        let id = BlockId { device: location.device, block: location.block };
        let size = location.size_bytes() as u32;
        let meta = self.meta_mut(id);
        assert!(meta.live_bytes >= size, "block usage never goes negative");
        meta.live_bytes -= size;
        self.stats.live_bytes -= u64::from(size);
        self.consider_defrag(id);
    }

    fn consider_defrag(&mut self, id: BlockId) {
        let lwm = self.config.write_block_bytes as u64 * u64::from(self.config.defrag_lwm_pct) / 100;
        let meta = *self.meta(id);
        if meta.state == State::Sealed && u64::from(meta.live_bytes) < lwm {
            self.meta_mut(id).state = State::Defragging;
            self.defrag_queue.push_back(id);
        }
    }

    /// The next block to defrag, with its bytes if they are in memory (else they must be read
    /// from the device): its live records must be moved (see the namespace store), then
    /// [`Space::defrag_done`] called.
    pub fn next_defrag(&mut self) -> Option<(BlockId, Option<Rc<Vec<u8>>>)> {
        let id = self.defrag_queue.pop_front()?;
        let region = &self.config.regions[usize::from(id.device)];
        let bytes = self.data[usize::from(id.device)][(id.block - region.start) as usize].clone();
        Some((id, bytes))
    }

    /// Puts a block whose defrag could not finish (no room to move its records) back at the
    /// head of the queue; the records already moved stay moved.
    pub fn requeue_defrag(&mut self, id: BlockId) {
        assert_eq!(self.meta(id).state, State::Defragging);
        self.defrag_queue.push_front(id);
    }

    /// Bytes of records still live in `id`.
    pub fn live_bytes(&self, id: BlockId) -> u32 {
        self.meta(id).live_bytes
    }

    /// Gives up defragging `id`: some of its live records could not be read back (damage) and
    /// the others were moved. It stays in use, out of the queue, so that what is left in it is
    /// still where the index says; freeing something in it (the damaged record rewritten or
    /// deleted) queues it again.
    pub fn defrag_abandon(&mut self, id: BlockId) {
        let meta = self.meta_mut(id);
        assert_eq!(meta.state, State::Defragging);
        meta.state = State::Sealed;
    }

    /// Blocks waiting for defrag.
    pub fn defrag_queue_len(&self) -> usize {
        self.defrag_queue.len()
    }

    /// The live records of `id` were moved: free it once the copies are durable.
    pub fn defrag_done(&mut self, id: BlockId) {
        assert_eq!(self.meta(id).live_bytes, 0, "defrag moved every live record");
        self.stats.defrag_blocks += 1;
        let appended = self.appended;
        let meta = self.meta_mut(id);
        assert_eq!(meta.state, State::Defragging);
        meta.state = State::Freeing;
        meta.free_after = appended;
        self.release_freeing();
    }

    fn release_freeing(&mut self) {
        let durable = self.durable();
        let ready: Vec<BlockId> = self
            .all_blocks()
            .filter(|&id| {
                let m = self.meta(id);
                m.state == State::Freeing && m.free_after <= durable && m.free_after != u64::MAX
            })
            .collect();
        for id in ready {
            match self.config.medium {
                Medium::Memory => self.finish_free(id),
                Medium::Device => {
                    // Invalidate on the device first, so that a cold start cannot find old
                    // versions in it once tombstones that covered them are gone.
                    self.meta_mut(id).free_after = u64::MAX;
                    let request = self.next_request_id;
                    self.next_request_id += 1;
                    self.requests.push_back(IoRequest::Invalidate { id: request, block: id });
                    self.invalidations.push((request, id));
                }
            }
        }
    }

    fn finish_free(&mut self, id: BlockId) {
        let meta = self.meta_mut(id);
        let seq = meta.seq;
        *meta = BlockMeta { state: State::Free, seq: 0, live_bytes: 0, free_after: 0 };
        self.seqs_on_device.remove(&seq);
        self.release_data(id);
        // The block will be reused: its old place in the cache must not evict its new contents.
        self.cached.retain(|&b| b != id);
        self.free.push_back(id);
    }

    /// Drops a block's bytes from memory, keeping the buffer for a block to come unless
    /// [`SPARE_BLOCKS`] are kept already.
    fn release_data(&mut self, id: BlockId) {
        let Some(bytes) = self.data_slot(id).take() else { return };
        if self.spare.len() < SPARE_BLOCKS && bytes.capacity() >= self.config.write_block_bytes {
            self.spare.push(bytes);
        }
    }

    /// A kept buffer nothing else holds any more.
    fn take_spare(&mut self) -> Option<Vec<u8>> {
        let at = self.spare.iter().position(|b| Rc::strong_count(b) == 1 && Rc::weak_count(b) == 0)?;
        Rc::try_unwrap(self.spare.swap_remove(at)).ok()
    }

    fn all_blocks(&self) -> impl Iterator<Item = BlockId> + '_ {
        self.config
            .regions
            .iter()
            .enumerate()
            .flat_map(|(device, r)| r.clone().map(move |block| BlockId { device: device as u8, block }))
    }

    /// True if a tombstone written in a block of sequence `seq` can be dropped: no block written
    /// before it is still readable on the device, so no older copy of its record can come back.
    pub fn tombstone_droppable(&self, seq: u64) -> bool {
        self.seqs_on_device.first().is_none_or(|&oldest| oldest >= seq)
    }

    // ---- Cold start ----

    /// Registers a block found on the device with a valid header during cold start (its bytes
    /// stay in memory only without a post-write cache limit). Live bytes are added by
    /// [`Space::cold_start_live`].
    pub fn cold_start_block(&mut self, id: BlockId, seq: u64, bytes: Vec<u8>) {
        assert!(self.owns(id));
        let meta = self.meta_mut(id);
        assert_eq!(meta.state, State::Free, "each block is scanned once");
        *meta = BlockMeta { state: State::Sealed, seq, live_bytes: 0, free_after: 0 };
        self.seqs_on_device.insert(seq);
        self.next_seq = self.next_seq.max(seq + 1);
        // With a bounded post-write cache nothing stays in memory: a device may hold far more
        // than RAM. Reads after a restart go to the device until the cache fills again.
        if self.config.cache_blocks == 0 {
            *self.data_slot(id) = Some(Rc::new(bytes));
        }
    }

    /// Counts a live record found by cold start.
    pub fn cold_start_live(&mut self, location: Location) {
        let size = location.size_bytes() as u32;
        let meta = self.meta_mut(BlockId { device: location.device, block: location.block });
        meta.live_bytes += size;
        self.stats.live_bytes += u64::from(size);
    }

    /// Ends cold start: blocks with nothing live are freed (invalidated first), the rest are
    /// queued for defrag if they are under the low-water mark.
    pub fn finish_cold_start(&mut self) {
        // Pristine now is what was not found on the device, in its striped order.
        let pristine: VecDeque<BlockId> =
            self.pristine.iter().copied().filter(|&id| self.meta(id).state == State::Free).collect();
        self.pristine = pristine;
        let scanned: Vec<BlockId> = self.all_blocks().filter(|&id| self.meta(id).state == State::Sealed).collect();
        for id in scanned {
            if self.meta(id).live_bytes == 0 {
                self.meta_mut(id).state = State::Defragging;
                self.defrag_done_quietly(id);
            } else {
                self.consider_defrag(id);
            }
        }
    }

    fn defrag_done_quietly(&mut self, id: BlockId) {
        let meta = self.meta_mut(id);
        meta.state = State::Freeing;
        meta.free_after = 0;
        self.release_freeing();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordMeta;
    use scramjet_net::Digest;

    fn config(medium: Medium, blocks: u32) -> SpaceConfig {
        SpaceConfig {
            medium,
            write_block_bytes: 128 * 1024,
            regions: vec![0..blocks, 10..10 + blocks],
            defrag_lwm_pct: 50,
            cache_blocks: 0,
            max_write_cache_blocks: 0,
        }
    }

    fn record(body: &[u8]) -> DeviceRecord<'_> {
        DeviceRecord {
            digest: Digest([1; 20]),
            meta: RecordMeta { generation: 1, void_time: 0, last_update_ms: 0, set_id: 0 },
            set_name: b"",
            tombstone: false,
            reborn: false,
            marker: None,
            body,
        }
    }

    #[test]
    fn appends_fill_blocks_and_stripe_across_devices() {
        let mut space = Space::new(config(Medium::Memory, 4));
        let body = vec![5u8; 30_000];
        let mut devices = Vec::new();
        for _ in 0..12 {
            let (loc, _) = space.append(&record(&body), false).unwrap();
            devices.push(loc.device);
            let bytes = space.record_bytes(loc);
            let (decoded, _) = format::decode_at(bytes.unwrap(), 0, space.block_seq(loc)).unwrap();
            assert_eq!(decoded.unwrap().body, &body[..]);
        }
        // Four records per 128 KiB block: blocks alternate between the two devices.
        assert_eq!(devices, [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
        assert_eq!(space.stats().free_blocks, 5);
    }

    #[test]
    fn a_freed_blocks_buffer_is_reused_once_nothing_holds_it() {
        let mut space = Space::new(config(Medium::Memory, 2));
        let body = vec![5u8; 60_000];
        // Two records per block: the third opens the second block and seals the first.
        let first: Vec<Location> = (0..3).map(|_| space.append(&record(&body), false).unwrap().0).collect();
        space.release(first[0]);
        space.release(first[1]);
        let (id, bytes) = space.next_defrag().unwrap();
        let held = bytes.expect("a memory block is in memory");
        let address = held.as_ptr();
        space.defrag_done(id);
        // Defrag still holds the freed block's bytes: the next block gets a new buffer.
        let mut live = vec![first[2]];
        for _ in 0..2 {
            live.push(space.append(&record(&body), false).unwrap().0);
        }
        assert_ne!(space.open.as_ref().unwrap().buf.as_ptr(), address);
        drop(held);
        // Once it let go, the buffer is a later block's, holding only that block's records.
        for loc in live {
            space.release(loc);
        }
        let mut appended = 0;
        loop {
            let (loc, _) = space.append(&record(&body), false).unwrap();
            if space.open.as_ref().unwrap().buf.as_ptr() == address {
                let bytes = space.record_bytes(loc).unwrap();
                let (decoded, _) = format::decode_at(bytes, 0, space.block_seq(loc)).unwrap();
                assert_eq!(decoded.unwrap().body, &body[..]);
                break;
            }
            space.release(loc);
            while let Some((id, _)) = space.next_defrag() {
                space.defrag_done(id);
            }
            appended += 1;
            assert!(appended < 100, "the kept buffer was never reused");
        }
    }

    #[test]
    fn a_freed_block_is_written_again_before_a_pristine_one() {
        let mut space = Space::new(config(Medium::Memory, 4));
        let body = vec![5u8; 60_000];
        let block_of = |loc: Location| (loc.device, loc.block);
        // Two records per block: five records fill two blocks and open a third.
        let first: Vec<Location> = (0..5).map(|_| space.append(&record(&body), false).unwrap().0).collect();
        assert_eq!(space.stats().free_blocks, 5);
        space.release(first[0]);
        space.release(first[1]);
        let (freed, _) = space.next_defrag().unwrap();
        assert_eq!((freed.device, freed.block), block_of(first[0]));
        space.defrag_done(freed);
        assert_eq!(space.stats().free_blocks, 6);
        // The third block fills; the fourth goes where the first was, not to a block never
        // written; the one after to a pristine block again, in striped order.
        let next: Vec<Location> = (0..4).map(|_| space.append(&record(&body), false).unwrap().0).collect();
        assert_eq!(block_of(next[0]), block_of(first[4]));
        assert_eq!(block_of(next[1]), block_of(first[0]));
        assert_eq!(block_of(next[2]), block_of(first[0]));
        assert_eq!(block_of(next[3]), (1, 11));
        assert_ne!(space.block_seq(next[1]), space.block_seq(first[4]));
        assert_eq!(space.stats().free_blocks, 4);
    }

    #[test]
    fn full_space_refuses_and_release_plus_defrag_frees() {
        let mut space = Space::new(config(Medium::Memory, 1));
        let body = vec![5u8; 60_000];
        let mut locations = Vec::new();
        loop {
            match space.append(&record(&body), false) {
                Ok((loc, _)) => locations.push(loc),
                Err(e) => {
                    assert_eq!(e, StorageError::OutOfSpace);
                    break;
                }
            }
        }
        assert_eq!(locations.len(), 4);
        // Releasing the first block's records queues it for defrag once sealed.
        space.release(locations[0]);
        space.release(locations[1]);
        let (id, _) = space.next_defrag().unwrap();
        space.defrag_done(id);
        assert_eq!(space.stats().free_blocks, 1);
        assert!(space.append(&record(&body), false).is_ok());
    }

    #[test]
    fn device_flushes_cover_appends_and_pads_keep_sectors_write_once() {
        let mut space = Space::new(config(Medium::Device, 2));
        let (_, first) = space.append(&record(b"one"), false).unwrap();
        assert_eq!(space.durable(), 0);
        space.flush_open();
        let flush = space.next_request().unwrap();
        let IoRequest::Flush { id, offset_in_block, range, .. } = &flush else { panic!() };
        assert_eq!((*offset_in_block, range.len()), (0, SECTOR_BYTES));
        space.append(&record(b"two"), false).unwrap();
        space.flush_open();
        let second = space.next_request().unwrap();
        let IoRequest::Flush { offset_in_block, .. } = &second else { panic!() };
        assert_eq!(*offset_in_block, SECTOR_BYTES, "the next flush starts at a fresh sector");
        assert_eq!(space.complete(*id), first);
        assert_eq!(space.complete(second.id()), 2);
    }
}
