//! The device I/O driver of one shard: opening the device files, cold start, the task that
//! carries out each space's I/O requests (flushes, invalidations, group commit), the defrag
//! task, reading a record that is not in memory, and waiting for a write to become durable.

use std::cell::RefCell;
use std::future::Future;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_lite::future;
use glommio::channels::local_channel::{self, LocalReceiver, LocalSender};
use glommio::io::{BufferedFile, DmaFile, OpenOptions, ReadResult};
use glommio::timer::Timer;
use scramjet_engine::storage::format::{decode_block_header, SECTOR_BYTES};
use scramjet_engine::storage::{BlockId, IoRequest};

use super::{Durability, Host};
use crate::ground::config::schema::{DeviceSettings, StorageEngine};
use crate::ground::node::DeviceInfo;
use crate::log;

/// The run-time side of a device namespace on one shard.
pub struct NamespaceIo {
    /// Per device, O_DIRECT: every write, cold start, and the reads that bypass the page cache.
    files: Vec<DmaFile>,
    /// Per device, a buffered descriptor when reads go through the page cache
    /// (`DeviceSettings::reads_page_cache`).
    cached: Vec<Option<BufferedFile>>,
    settings: DeviceSettings,
    doorbell: LocalSender<()>,
    doorbell_rx: RefCell<Option<LocalReceiver<()>>>,
    waiters: RefCell<Vec<Waker>>,
}

impl NamespaceIo {
    /// Opens the namespace's devices for this shard (read and write, O_DIRECT), and a second,
    /// buffered descriptor for reading each device whose reads go through the page cache.
    pub async fn open(devices: &[DeviceInfo], settings: &DeviceSettings) -> Result<NamespaceIo, String> {
        let mut files = Vec::with_capacity(devices.len());
        let mut cached = Vec::with_capacity(devices.len());
        for (device, path) in devices.iter().zip(&settings.paths) {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .dma_open(&device.path)
                .await
                .map_err(|e| format!("cannot open {} for direct I/O: {e}", device.path.display()))?;
            files.push(file);
            cached.push(if settings.reads_page_cache(path) {
                let file = OpenOptions::new()
                    .read(true)
                    .write(settings.writes_page_cache(path))
                    .buffered_open(&device.path)
                    .await
                    .map_err(|e| format!("cannot open {} for reading: {e}", device.path.display()))?;
                Some(file)
            } else {
                None
            });
        }
        let (doorbell, doorbell_rx) = local_channel::new_bounded(1);
        Ok(NamespaceIo {
            files,
            cached,
            settings: settings.clone(),
            doorbell,
            doorbell_rx: RefCell::new(Some(doorbell_rx)),
            waiters: RefCell::new(Vec::new()),
        })
    }

    /// Reads `len` bytes at `offset` of device `device` (both sector-aligned). Through the page
    /// cache, a read of cached pages is one `preadv2(RWF_NOWAIT)` without leaving the task;
    /// anything else (and every read of a device that bypasses the cache) goes through io_uring.
    /// O_DIRECT writes invalidate the cached pages they cover, so both see the same bytes.
    async fn read(&self, device: usize, offset: u64, len: usize) -> std::io::Result<DeviceBytes> {
        let Some(cached) = &self.cached[device] else {
            return Ok(DeviceBytes::Direct(self.files[device].read_at_aligned(offset, len).await?));
        };
        let mut buf = Vec::new();
        if append_if_cached(cached, &mut buf, offset, len) {
            return Ok(DeviceBytes::Cached(buf));
        }
        Ok(DeviceBytes::Direct(read_through_ring(cached, offset, len).await?))
    }

    /// Reads the record `intent` asks for: through the page cache just its bytes (a few hundred,
    /// where the sectors holding it are 4 KiB or more to copy), else the sectors holding it.
    async fn read_record(&self, intent: &scramjet_engine::ReadIntent) -> std::io::Result<Vec<u8>> {
        let device = usize::from(intent.device);
        let sectors = match &self.cached[device] {
            Some(cached) => {
                let mut record = Vec::new();
                if append_if_cached(cached, &mut record, intent.record_offset(), intent.record_len()) {
                    return Ok(record);
                }
                read_through_ring(cached, intent.offset, intent.len).await?
            }
            None => self.files[device].read_at_aligned(intent.offset, intent.len).await?,
        };
        let record = sectors.get(intent.skip..intent.skip + intent.record_len()).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("short read at {}", intent.offset))
        })?;
        Ok(record.to_vec())
    }

    /// Reads like [`NamespaceIo::read`], a whole write block for defrag: through the page cache,
    /// [`PAGE_CACHE_PIECE_BYTES`] at a time with the shard's requests run between pieces (the
    /// kernel copies cached pages on the shard's CPU, and a 1 MiB copy holds its requests).
    async fn read_in_pieces(&self, device: usize, offset: u64, len: usize) -> std::io::Result<DeviceBytes> {
        let Some(cached) = self.cached[device].as_ref().filter(|_| len > PAGE_CACHE_PIECE_BYTES) else {
            return self.read(device, offset, len).await;
        };
        let mut block = Vec::with_capacity(len);
        while block.len() < len {
            let piece = PAGE_CACHE_PIECE_BYTES.min(len - block.len());
            let at = offset + block.len() as u64;
            if !append_if_cached(cached, &mut block, at, piece) {
                block.extend_from_slice(&read_through_ring(cached, at, piece).await?);
            }
            if block.len() < len {
                crate::ground::task::yield_to_io().await;
            }
        }
        Ok(DeviceBytes::Cached(block))
    }

    /// Asks the I/O task to flush now (for writes waiting to be durable).
    pub fn ring(&self) {
        // A full doorbell already has a ring pending.
        let _ = self.doorbell.try_send(());
    }
}

/// Appends the `len` bytes at `offset` of `file` to `buf` if they are all in the page cache:
/// one `preadv2(RWF_NOWAIT)` without leaving the task. False, with nothing appended, otherwise.
fn append_if_cached(file: &BufferedFile, buf: &mut Vec<u8>, offset: u64, len: usize) -> bool {
    buf.reserve(len);
    let start = buf.len();
    let iov = libc::iovec { iov_base: buf.spare_capacity_mut().as_mut_ptr().cast(), iov_len: len };
    // SAFETY: the iovec covers `len` bytes of `buf`'s spare capacity (reserved above), which
    // outlives the call; the kernel writes at most `len` bytes there.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset as libc::off_t, libc::RWF_NOWAIT) };
    if n != len as isize {
        return false;
    }
    // SAFETY: the kernel wrote all `len` bytes after the first `start`.
    unsafe { buf.set_len(start + len) };
    true
}

/// Reads the `len` bytes at `offset` of `file` through io_uring (pages not all cached, or
/// RWF_NOWAIT not supported), which fills the page cache for next time.
async fn read_through_ring(file: &BufferedFile, offset: u64, len: usize) -> std::io::Result<ReadResult> {
    let bytes = file.read_at(offset, len).await.map_err(std::io::Error::from)?;
    if bytes.len() != len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("read {} of {len} bytes at {offset}", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// Bytes read from a device: glommio's buffer, or ours from the page cache.
enum DeviceBytes {
    Direct(ReadResult),
    Cached(Vec<u8>),
}

impl std::ops::Deref for DeviceBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            DeviceBytes::Direct(bytes) => bytes,
            DeviceBytes::Cached(bytes) => bytes,
        }
    }
}

/// The I/O of every hosted store of every namespace of a shard (empty for memory namespaces).
pub type ShardIo = Vec<Vec<Rc<NamespaceIo>>>;

/// Opens the devices of every device namespace and runs cold start on the storage shards this
/// shard hosts, before it serves clients.
pub async fn start(shard: &impl Host, devices: &[Vec<DeviceInfo>]) -> Result<ShardIo, String> {
    let mut all = Vec::new();
    for (index, settings) in shard.node().config.namespaces.iter().enumerate() {
        let mut hosted = Vec::new();
        if let StorageEngine::Device(device) = &settings.storage {
            let route = &shard.node().routes[index];
            for (local, store) in route.stores_of_executor(shard.shard_id(), shard.node().n_shards).enumerate() {
                let io = NamespaceIo::open(&devices[index], device).await?;
                cold_start(shard, index, local, store, &io, &devices[index]).await?;
                hosted.push(Rc::new(io));
            }
        }
        all.push(hosted);
    }
    Ok(all)
}

/// Spawns the background tasks of every hosted store: device I/O, and defrag.
pub fn spawn_tasks<H: Host + 'static>(shard: &Rc<H>) {
    for index in 0..shard.node().namespaces.len() {
        let n_local = shard.hosted()[index].stores.len();
        for local in 0..n_local {
            if shard.namespace_io(index, local).is_some() {
                glommio::spawn_local(run_io(shard.clone(), index, local)).detach();
            }
            glommio::spawn_local(run_defrag(shard.clone(), index, local)).detach();
        }
    }
}

async fn cold_start(
    shard: &impl Host,
    index: usize,
    local: usize,
    store_id: usize,
    io: &NamespaceIo,
    devices: &[DeviceInfo],
) -> Result<(), String> {
    let n_stores = shard.node().routes[index].n_stores;
    let name = &shard.node().namespaces[index];
    let started = Instant::now();
    let block_bytes = shard.node().config.namespaces[index].engine.write_block_bytes as usize;
    let (mut blocks_read, mut bytes_read) = (0u64, 0u64);
    for (d, device) in devices.iter().enumerate() {
        if device.formatted {
            continue;
        }
        let file = &io.files[d];
        for block in super::layout::region(device.n_blocks, store_id, n_stores) {
            let offset = block as u64 * block_bytes as u64;
            let head = file
                .read_at_aligned(offset, SECTOR_BYTES)
                .await
                .map_err(|e| format!("{}: cold start read failed at {offset}: {e}", device.path.display()))?;
            bytes_read += SECTOR_BYTES as u64;
            if decode_block_header(&head).is_none() {
                continue;
            }
            let data = file
                .read_at_aligned(offset, block_bytes)
                .await
                .map_err(|e| format!("{}: cold start read failed at {offset}: {e}", device.path.display()))?;
            bytes_read += data.len() as u64;
            blocks_read += 1;
            let mut bytes = data.to_vec();
            bytes.resize(block_bytes, 0);
            let corrupt =
                shard.hosted_mut()[index].stores[local].cold_start_block(BlockId { device: d as u8, block }, bytes);
            if corrupt > 0 {
                log!(
                    Warning,
                    "storage",
                    "{{{name}}} {} block {block}: a record failed its checksum; the rest of the block is skipped",
                    device.path.display()
                );
            }
            glommio::yield_if_needed().await;
        }
    }
    let mut hosted = shard.hosted_mut();
    let store = &mut hosted[index].stores[local];
    store.finish_cold_start(crate::ground::clock::now());
    let stats = store.stats();
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    log!(
        Info,
        "storage",
        "{{{name}}} shard {} storage shard {store_id} cold start: {} records, {} tombstones from {blocks_read} blocks, {:.1} MB read in {:.3} s ({:.0} MB/s, {:.0} records/s){}",
        shard.shard_id(),
        stats.objects,
        stats.tombstones,
        bytes_read as f64 / 1e6,
        secs,
        bytes_read as f64 / 1e6 / secs,
        stats.objects as f64 / secs,
        if stats.cold_start_misplaced > 0 { format!("; {} misplaced records skipped", stats.cold_start_misplaced) } else { String::new() }
    );
    Ok(())
}

/// Carries out the space's I/O requests: sealed blocks, partial flushes (every flush-max-ms,
/// or at once when a write waits to be durable), invalidations. Writes that arrive while a
/// flush is in flight are covered by the next one: that is the group commit.
async fn run_io<H: Host>(shard: Rc<H>, index: usize, local: usize) {
    let io = shard.namespace_io(index, local).cloned().expect("a device namespace");
    let doorbell = io.doorbell_rx.borrow_mut().take().expect("one I/O task per namespace");
    let flush_max = Duration::from_millis(io.settings.flush_max_ms);
    // Shutdown is noticed within this long.
    let tick = flush_max.min(SHUTDOWN_TICK);
    let block_bytes = u64::from(shard.node().config.namespaces[index].engine.write_block_bytes);
    let mut last_flush = Instant::now();
    loop {
        let rang = future::or(async { doorbell.recv().await.is_some() }, async {
            Timer::new(tick).await;
            false
        })
        .await;
        let shutting_down = shard.node().shutting_down.load(Ordering::Acquire);
        let waiting = !io.waiters.borrow().is_empty();
        // Partial buffers go out when a write waits for them, on shutdown, or once they have
        // waited flush-max-ms; full blocks are already queued.
        if rang || waiting || shutting_down || last_flush.elapsed() >= flush_max {
            last_flush = Instant::now();
            shard.hosted_mut()[index].stores[local].flush_open();
        }
        loop {
            let request = shard.hosted_mut()[index].stores[local].next_io();
            let Some(request) = request else { break };
            execute(&shard, &io, index, &request, block_bytes).await;
            shard.hosted_mut()[index].stores[local].io_complete(request.id());
        }
        for waker in io.waiters.borrow_mut().drain(..) {
            waker.wake();
        }
        if shutting_down {
            for file in &io.files {
                let _ = file.fdatasync().await;
            }
            shard.node().flushed_for_shutdown.fetch_add(1, Ordering::AcqRel);
            return;
        }
    }
}

/// Bytes written through the page cache at a time (see [`write_in_pieces`]).
const PAGE_CACHE_PIECE_BYTES: usize = 64 << 10;

/// Writes `bytes` at `offset` through the page cache, [`PAGE_CACHE_PIECE_BYTES`] at a time, one
/// after the other; the number of bytes written (short if a piece was).
///
/// The kernel copies a buffered write into the page cache on the shard's CPU (in the
/// `io_uring_enter` that submits it, or in an io-wq worker bound to that CPU), and the shard
/// runs nothing meanwhile: a 1 MiB write block at once held it for over 2 ms now and then
/// (measured: every flush slower than 2 ms matched a stall of the shard's timers over 2 ms), a
/// tail every client of the shard paid. In 64 KiB pieces the shard gets back to its requests
/// between pieces: on the device write-heavy load of `docs/benchmarks.md`, p99 1.9-2.0 ->
/// 1.2-1.3 ms, p99.9 3.8 -> 2.6-3.4 ms, throughput 90-92k -> 95k ops/s.
async fn write_in_pieces(file: &BufferedFile, bytes: &[u8], offset: u64) -> glommio::Result<usize, ()> {
    let mut written = 0;
    for piece in bytes.chunks(PAGE_CACHE_PIECE_BYTES) {
        let n = file.write_at(piece.to_vec(), offset + written as u64).await?;
        written += n;
        if n < piece.len() {
            break;
        }
    }
    Ok(written)
}

/// How often a device I/O task looks for a shutdown at most.
const SHUTDOWN_TICK: Duration = Duration::from_millis(50);

/// Writes one request; on an I/O error, logs it and retries (the write is not acknowledged
/// until it succeeds).
async fn execute(shard: &impl Host, io: &NamespaceIo, index: usize, request: &IoRequest, block_bytes: u64) {
    let (device, offset, bytes): (u8, u64, &[u8]) = match request {
        IoRequest::Flush { block, offset_in_block, bytes, range, .. } => {
            (block.device, u64::from(block.block) * block_bytes + *offset_in_block as u64, &bytes[range.clone()])
        }
        IoRequest::Invalidate { block, .. } => {
            (block.device, u64::from(block.block) * block_bytes, &[0u8; SECTOR_BYTES][..])
        }
    };
    let d = usize::from(device);
    let file = &io.files[d];
    let cached = io.cached[d].as_ref().filter(|_| io.settings.writes_page_cache(&io.settings.paths[d]));
    let mut attempt = 0u32;
    loop {
        let written = match cached {
            // Through the page cache (a file without direct-files): the kernel writes it back;
            // `fdatasync` on either descriptor (shutdown) covers it, as it is one file.
            Some(cached) => write_in_pieces(cached, bytes, offset).await,
            None => {
                let mut buffer = file.alloc_dma_buffer(bytes.len());
                buffer.as_bytes_mut().copy_from_slice(bytes);
                file.write_at(buffer, offset).await
            }
        };
        let result = match written {
            Ok(n) if n == bytes.len() => {
                if io.settings.commit_to_device {
                    file.fdatasync().await.map(|_| ())
                } else {
                    Ok(())
                }
            }
            Ok(n) => Err(glommio::GlommioError::IoError(std::io::Error::other(format!("short write of {n} bytes")))),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return,
            Err(e) => {
                attempt += 1;
                if attempt == 1 || attempt.is_power_of_two() {
                    log!(
                        Critical,
                        "storage",
                        "{{{}}} device {device} write at {offset} failed (attempt {attempt}): {e}",
                        shard.node().namespaces[index]
                    );
                }
                Timer::new(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads what a transaction on `digest` needs from the device, until the record is in memory
/// for it. Fails if the bytes on the device are not the record (corruption, result 1).
pub async fn fetch(shard: &impl Host, index: usize, digest: &scramjet_net::Digest) -> Result<(), String> {
    let local = shard.hosted()[index].local_of(digest.partition_id());
    for _ in 0..8 {
        let intent = shard.hosted()[index].stores[local].read_needed(digest);
        let Some(intent) = intent else { return Ok(()) };
        let io = shard.namespace_io(index, local).expect("records not in memory are on a device");
        let record = io.read_record(&intent).await.map_err(|e| format!("device read failed: {e}"))?;
        match shard.hosted_mut()[index].stores[local].provide_record(&intent, record) {
            Ok(()) => return Ok(()),
            // Rewritten or moved while being read: look again.
            Err(scramjet_engine::ReadError::Moved) => continue,
            Err(scramjet_engine::ReadError::Corrupt) => {
                return Err(format!("record at device {} offset {} failed its checksum", intent.device, intent.offset))
            }
        }
    }
    Err("record kept moving while being read".into())
}

/// Defrags queued blocks, pausing `defrag-sleep` between blocks so that client requests keep
/// their share of the shard. Blocks no longer in memory are read back whole.
async fn run_defrag<H: Host>(shard: Rc<H>, index: usize, local: usize) {
    let sleep = match &shard.node().config.namespaces[index].storage {
        StorageEngine::Device(device) => Duration::from_micros(device.defrag_sleep_us),
        StorageEngine::Memory => Duration::from_micros(100),
    };
    let block_bytes = shard.node().config.namespaces[index].engine.write_block_bytes as usize;
    loop {
        let job = shard.hosted_mut()[index].stores[local].next_defrag();
        let did = match job {
            None => false,
            Some((block, Some(bytes))) => defrag_in_parts(&shard, index, local, block, &bytes).await,
            Some((block, None)) => {
                let io = shard.namespace_io(index, local).expect("blocks not in memory are on a device");
                let offset = shard.hosted()[index].stores[local].block_offset(block);
                match io.read_in_pieces(usize::from(block.device), offset, block_bytes).await {
                    Ok(bytes) => defrag_in_parts(&shard, index, local, block, &bytes).await,
                    Err(e) => {
                        log!(
                            Warning,
                            "storage",
                            "{{{}}} defrag read of block {block:?} failed: {e}",
                            shard.node().namespaces[index]
                        );
                        shard.hosted_mut()[index].stores[local].requeue_defrag(block);
                        false
                    }
                }
            }
        };
        if let Some(io) = shard.namespace_io(index, local) {
            if did {
                io.ring();
            }
        }
        if did {
            if sleep.is_zero() {
                glommio::yield_if_needed().await;
            } else {
                Timer::new(sleep).await;
            }
        } else {
            Timer::new(Duration::from_millis(20)).await;
        }
    }
}

/// Record bytes a defrag looks at before it lets client requests run: about 20 µs of work on
/// this 2-core VM (200-byte records, blocks at most half live). 32 KiB parts took 35-50 µs, and
/// the write-heavy device load's p99 was 10% higher (861-925 µs against 772-804, paired).
const DEFRAG_PART_BYTES: usize = 16 << 10;

/// Defrags `block` a part at a time, yielding between parts, so that a block of thousands of
/// records never holds the shard's requests for milliseconds. True if its records were moved
/// (the block freed, or kept for records that failed their checksum).
async fn defrag_in_parts(
    shard: &impl Host,
    index: usize,
    local: usize,
    block: scramjet_engine::storage::BlockId,
    bytes: &[u8],
) -> bool {
    let mut from = 0;
    loop {
        let step = shard.hosted_mut()[index].stores[local].defrag_block_part(block, bytes, from, DEFRAG_PART_BYTES);
        match step {
            scramjet_engine::DefragStep::More(next) => from = next,
            scramjet_engine::DefragStep::Done => return true,
            scramjet_engine::DefragStep::Damaged => {
                log!(
                    Warning,
                    "storage",
                    "{{{}}} defrag of block {block:?} found records with a bad checksum: it keeps the block while they are live",
                    shard.node().namespaces[index]
                );
                return true;
            }
            scramjet_engine::DefragStep::Stalled => return false,
        }
        crate::ground::task::yield_to_io().await;
    }
}

/// Waits until a write is durable on the device.
pub fn wait_durable<H: Host>(shard: &H, durability: Durability) -> impl Future<Output = ()> + '_ {
    if let Some(io) = shard.namespace_io(durability.ns_index, durability.local) {
        io.ring();
    }
    DurableAt { shard, durability }
}

struct DurableAt<'a, H> {
    shard: &'a H,
    durability: Durability,
}

impl<H: Host> Future for DurableAt<'_, H> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let d = self.durability;
        if self.shard.hosted()[d.ns_index].stores[d.local].durable() >= d.seq {
            return Poll::Ready(());
        }
        let io = self.shard.namespace_io(d.ns_index, d.local).expect("only device namespaces wait");
        io.waiters.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}
