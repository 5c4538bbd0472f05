//! Devices at start-up: open or create each file, size it, read its header, format a blank
//! device, refuse one that belongs to something else; and the split of each device's blocks
//! into one region per shard.
//!
//! This runs once on the main thread before the shards start (plain blocking I/O, off the data
//! path). Block 0 of every device is the header area; blocks 1.. hold data.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use scramjet_engine::storage::format::{DeviceHeader, HeaderError, DEVICE_HEADER_BYTES};
use scramjet_engine::storage::{Medium, SpaceConfig};
use scramjet_engine::NamespaceConfig;

use crate::ground::config::schema::{DeviceSettings, NamespaceSettings, StorageEngine};
use crate::ground::node::DeviceInfo;

/// The blocks of a device that shard `shard` of `n_shards` owns.
pub fn region(n_blocks: u32, shard: usize, n_shards: usize) -> Range<u32> {
    let data_blocks = u64::from(n_blocks.saturating_sub(1));
    let start = 1 + data_blocks * shard as u64 / n_shards as u64;
    let end = 1 + data_blocks * (shard as u64 + 1) / n_shards as u64;
    start as u32..end as u32
}

/// The shape of storage shard `shard`'s space (of `n_shards` storage shards) for a namespace.
pub fn space_config(
    settings: &NamespaceSettings,
    devices: &[DeviceInfo],
    shard: usize,
    n_shards: usize,
) -> SpaceConfig {
    let engine = &settings.engine;
    let regions = match &settings.storage {
        StorageEngine::Memory => vec![0..memory_blocks_per_shard(engine, n_shards)],
        StorageEngine::Device(_) => devices.iter().map(|d| region(d.n_blocks, shard, n_shards)).collect(),
    };
    let per_shard_blocks = |bytes: u64| (bytes / u64::from(engine.write_block_bytes) / n_shards as u64) as usize;
    let (cache_blocks, max_write_cache_blocks) = match &settings.storage {
        StorageEngine::Memory => (0, 0),
        StorageEngine::Device(device) => (
            per_shard_blocks(device.post_write_cache_bytes).max(2),
            per_shard_blocks(device.max_write_cache_bytes).max(4),
        ),
    };
    SpaceConfig {
        medium: match settings.storage {
            StorageEngine::Memory => Medium::Memory,
            StorageEngine::Device(_) => Medium::Device,
        },
        write_block_bytes: engine.write_block_bytes as usize,
        regions,
        defrag_lwm_pct: engine.defrag_lwm_pct,
        cache_blocks,
        max_write_cache_blocks,
    }
}

fn memory_blocks_per_shard(engine: &NamespaceConfig, n_shards: usize) -> u32 {
    (engine.data_size_bytes / u64::from(engine.write_block_bytes) / n_shards as u64) as u32
}

/// Least blocks a shard's region needs: room to write, a defrag reserve, and some to spare.
pub const MIN_BLOCKS_PER_SHARD: u32 = 8;

/// Checks the memory namespaces' budgets and prepares every device namespace's devices.
/// Returns, per namespace in configuration order, its devices (empty for memory).
pub fn prepare(namespaces: &[NamespaceSettings], n_shards: usize) -> Result<Vec<Vec<DeviceInfo>>, String> {
    let mut all = Vec::new();
    for ns in namespaces {
        let name = &ns.engine.name;
        match &ns.storage {
            StorageEngine::Memory => {
                let blocks = memory_blocks_per_shard(&ns.engine, n_shards);
                if blocks < MIN_BLOCKS_PER_SHARD {
                    return Err(format!(
                        "namespace {name}: data-size {} gives each of the {n_shards} shards {blocks} write blocks of {} bytes; \
                         at least {MIN_BLOCKS_PER_SHARD} are needed: raise data-size to {} or more",
                        ns.engine.data_size_bytes,
                        ns.engine.write_block_bytes,
                        u64::from(MIN_BLOCKS_PER_SHARD) * u64::from(ns.engine.write_block_bytes) * n_shards as u64
                    ));
                }
                all.push(Vec::new());
            }
            StorageEngine::Device(device) => all.push(prepare_devices(&ns.engine, device, n_shards)?),
        }
    }
    Ok(all)
}

fn prepare_devices(
    engine: &NamespaceConfig,
    settings: &DeviceSettings,
    n_shards: usize,
) -> Result<Vec<DeviceInfo>, String> {
    let name = &engine.name;
    let block = u64::from(engine.write_block_bytes);
    let n_devices = settings.paths.len();
    let mut infos = Vec::with_capacity(n_devices);
    let mut namespace_id = None;
    let mut headers = Vec::with_capacity(n_devices);
    for path in &settings.paths {
        let (mut file, size) = open_sized(&path.path, path.raw, settings.filesize_bytes)
            .map_err(|e| format!("namespace {name}: {}: {e}", path.path.display()))?;
        let n_blocks = u32::try_from(size / block).map_err(|_| format!("{}: too many blocks", path.path.display()))?;
        let min = 1 + MIN_BLOCKS_PER_SHARD * n_shards as u32;
        if n_blocks < min {
            return Err(format!(
                "namespace {name}: {} holds {n_blocks} write blocks of {block} bytes; {min} are needed \
                 (a header block and {MIN_BLOCKS_PER_SHARD} per shard): make it at least {} bytes",
                path.path.display(),
                u64::from(min) * block
            ));
        }
        let mut first = vec![0u8; DEVICE_HEADER_BYTES];
        file.read_exact(&mut first).map_err(|e| format!("{}: cannot read the header: {e}", path.path.display()))?;
        let header = match DeviceHeader::decode(&first) {
            Ok(header) => Some(header),
            Err(HeaderError::Blank) => None,
            Err(HeaderError::Corrupt) => {
                return Err(format!("{}: the device header is corrupt; refusing to overwrite it", path.path.display()))
            }
            Err(HeaderError::Version(v)) => {
                return Err(format!(
                    "{}: written by format version {v}, which this build does not read",
                    path.path.display()
                ))
            }
        };
        if let Some(h) = &header {
            namespace_id.get_or_insert(h.namespace_id);
        }
        headers.push((file, header, size, n_blocks));
    }
    let namespace_id = namespace_id.unwrap_or_else(|| crate::ground::node::random_u64() | 1);
    // Every device of a namespace has the same regions: those of any formatted one, else one
    // per executor.
    let regions = headers.iter().find_map(|(_, h, _, _)| h.as_ref().map(|h| h.n_regions)).unwrap_or(n_shards as u32);
    for (index, ((mut file, header, size, n_blocks), path)) in headers.into_iter().zip(&settings.paths).enumerate() {
        let expected = DeviceHeader {
            namespace: name.clone(),
            namespace_id,
            write_block_bytes: engine.write_block_bytes,
            n_regions: regions,
            device_bytes: u64::from(n_blocks) * block,
            device_index: index as u16,
            n_devices: n_devices as u16,
        };
        let display = path.path.display();
        let (formatted, n_blocks, n_regions) = match header {
            Some(found) => {
                check_header(&found, &expected).map_err(|e| format!("namespace {name}: {display}: {e}"))?;
                if found.n_regions as usize != n_shards && index == 0 {
                    crate::log!(
                        Info,
                        "storage",
                        "{{{name}}} devices were formatted for {} shards; the {n_shards} executors host them \
                         (storage shard r on executor r mod {n_shards}); no data moves",
                        found.n_regions
                    );
                }
                // The layout is fixed when formatted: a grown file keeps its old regions.
                (false, (found.device_bytes / block) as u32, found.n_regions as usize)
            }
            None => {
                file.seek(SeekFrom::Start(0))
                    .and_then(|_| file.write_all(&expected.encode()))
                    .and_then(|_| file.sync_all())
                    .map_err(|e| format!("{display}: cannot write the header: {e}"))?;
                crate::log!(
                    Info,
                    "storage",
                    "{{{name}}} formatted {display}: {n_blocks} blocks of {block} bytes, {size} bytes"
                );
                (true, n_blocks, regions as usize)
            }
        };
        infos.push(DeviceInfo { path: path.path.clone(), n_blocks, formatted, n_regions });
    }
    Ok(infos)
}

fn check_header(found: &DeviceHeader, expected: &DeviceHeader) -> Result<(), String> {
    if found.namespace != expected.namespace {
        return Err(format!("belongs to namespace '{}'", found.namespace));
    }
    if found.namespace_id != expected.namespace_id {
        return Err("belongs to another set of devices of this namespace (different id)".into());
    }
    if found.write_block_bytes != expected.write_block_bytes {
        return Err(format!("was formatted with write-block-size {}", found.write_block_bytes));
    }
    if found.n_regions != expected.n_regions {
        return Err(format!(
            "was formatted for {} storage shards, the namespace's other devices for {}",
            found.n_regions, expected.n_regions
        ));
    }
    if found.device_index != expected.device_index || found.n_devices != expected.n_devices {
        return Err(format!(
            "is device {} of {} of this namespace; list the devices in their original order",
            found.device_index + 1,
            found.n_devices
        ));
    }
    if found.device_bytes > expected.device_bytes {
        return Err(format!("was {} bytes and is now smaller", found.device_bytes));
    }
    Ok(())
}

/// Opens a file (creating and sizing it) or a raw block device, and returns its usable size.
fn open_sized(path: &Path, raw: bool, filesize: u64) -> std::io::Result<(File, u64)> {
    let file = OpenOptions::new().read(true).write(true).create(!raw).truncate(false).open(path)?;
    let metadata = file.metadata()?;
    if metadata.file_type().is_block_device() {
        let size = block_device_size(&file)?;
        return Ok((file, size));
    }
    if raw {
        return Err(std::io::Error::other("not a block device (use 'file' for regular files)"));
    }
    if metadata.len() < filesize {
        // Allocate the blocks now, so that a full disk is an error at start-up, not a failed
        // flush later.
        use std::os::fd::AsRawFd;
        // SAFETY: posix_fallocate only reads its integer arguments and the open descriptor.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, filesize as libc::off_t) };
        if rc != 0 {
            return Err(std::io::Error::other(format!(
                "cannot allocate {filesize} bytes: {}",
                std::io::Error::from_raw_os_error(rc)
            )));
        }
    }
    Ok((file, filesize))
}

fn block_device_size(file: &File) -> std::io::Result<u64> {
    use std::os::fd::AsRawFd;
    // BLKGETSIZE64 = _IOR(0x12, 114, size_t)
    const BLKGETSIZE64: libc::c_ulong = 0x8008_1272;
    let mut size: u64 = 0;
    // SAFETY: the ioctl writes one u64 into `size`, which outlives the call.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKGETSIZE64, &mut size) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_split_data_blocks_without_gaps() {
        for n_shards in 1..9 {
            let mut next = 1;
            for shard in 0..n_shards {
                let r = region(1025, shard, n_shards);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, 1025);
        }
    }
}
