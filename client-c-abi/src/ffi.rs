//! The C ABI (`include/scramjet.h`, generated from this file by cbindgen; a test fails when
//! the header is stale).
//!
//! Conventions, for every function:
//! - Fallible calls return a status (`SJ_OK` or an error code: a server result code > 0, a
//!   client code < 0) and, when `err` is not NULL, fill it with the code and a message.
//! - Objects (`sj_client`, `sj_key`, `sj_record`, `sj_operations`) are opaque, made by a
//!   `_new` function or returned through an out-pointer, and freed by their `_destroy`
//!   function. Pointers into a record (strings, bytes, names) live as long as the record.
//! - A client handle may be used from many threads at once; keys, records and operation
//!   lists belong to one thread at a time.
//! - No panic crosses the boundary: one is caught and reported as `SJ_ERR_CLIENT`.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::blocking::Client;
use crate::command::{Operation, Record};
use crate::error::{code, Error, Result};
use crate::policy::{
    BasePolicy, ClientConfig, CommitLevel, ExistsAction, GenerationPolicy, ReadPolicy, Replica, ScanPolicy, WritePolicy,
};
use crate::value::{Key, UserKey, Value};

/// Success.
pub const SJ_OK: i32 = 0;
/// Generic client error (also: a caught internal failure).
pub const SJ_ERR_CLIENT: i32 = -1;
/// Invalid argument.
pub const SJ_ERR_PARAM: i32 = -2;
/// A host name could not be resolved.
pub const SJ_ERR_INVALID_HOST: i32 = -4;
/// A scan callback stopped the scan (not returned by `sj_scan`, which reports success).
pub const SJ_ERR_CLIENT_ABORT: i32 = -5;
/// The node's connection pool is full.
pub const SJ_ERR_NO_MORE_CONNECTIONS: i32 = -7;
/// No node holds the partition, or no such node.
pub const SJ_ERR_INVALID_NODE: i32 = -8;
/// A connection failed.
pub const SJ_ERR_CONNECTION: i32 = -10;
/// Generic server error.
pub const SJ_ERR_SERVER: i32 = 1;
/// The record does not exist.
pub const SJ_ERR_RECORD_NOT_FOUND: i32 = 2;
/// Generation check failed.
pub const SJ_ERR_GENERATION: i32 = 3;
/// The server refused a parameter.
pub const SJ_ERR_PARAMETER: i32 = 4;
/// The record exists (create-only write).
pub const SJ_ERR_RECORD_EXISTS: i32 = 5;
/// The command timed out.
pub const SJ_ERR_TIMEOUT: i32 = 9;
/// The bin's value has another type.
pub const SJ_ERR_BIN_INCOMPATIBLE_TYPE: i32 = 12;
/// The record is too big.
pub const SJ_ERR_RECORD_TOO_BIG: i32 = 13;
/// The bin does not exist (record getters).
pub const SJ_ERR_BIN_NOT_FOUND: i32 = 17;
/// The namespace does not exist.
pub const SJ_ERR_NAMESPACE_NOT_FOUND: i32 = 20;

/// Value type: none (writing it deletes the bin).
pub const SJ_TYPE_NIL: u32 = 0;
/// Value type: 64-bit signed integer (`i`).
pub const SJ_TYPE_INT: u32 = 1;
/// Value type: double (`f`).
pub const SJ_TYPE_FLOAT: u32 = 2;
/// Value type: UTF-8 string (`data`, `len`; NUL-terminated in records).
pub const SJ_TYPE_STR: u32 = 3;
/// Value type: bytes (`data`, `len`).
pub const SJ_TYPE_BYTES: u32 = 4;
/// Value type: boolean (`i` is 0 or 1).
pub const SJ_TYPE_BOOL: u32 = 17;

/// Replica policy: always the master.
pub const SJ_REPLICA_MASTER: u32 = 0;
/// Replica policy: any copy.
pub const SJ_REPLICA_ANY: u32 = 1;
/// Replica policy: master first, then the replicas on retries (default).
pub const SJ_REPLICA_SEQUENCE: u32 = 2;

/// Exists action: create or update (default).
pub const SJ_EXISTS_UPDATE: u32 = 0;
/// Exists action: the record must exist.
pub const SJ_EXISTS_UPDATE_ONLY: u32 = 1;
/// Exists action: create or replace all bins.
pub const SJ_EXISTS_REPLACE: u32 = 2;
/// Exists action: replace; the record must exist.
pub const SJ_EXISTS_REPLACE_ONLY: u32 = 3;
/// Exists action: the record must not exist.
pub const SJ_EXISTS_CREATE_ONLY: u32 = 4;

/// Generation policy: none (default).
pub const SJ_GEN_NONE: u32 = 0;
/// Generation policy: the record's generation must equal `generation`.
pub const SJ_GEN_EQ: u32 = 1;
/// Generation policy: `generation` must be greater than the record's.
pub const SJ_GEN_GT: u32 = 2;

/// Commit level: all copies (default).
pub const SJ_COMMIT_ALL: u32 = 0;
/// Commit level: the master.
pub const SJ_COMMIT_MASTER: u32 = 1;

/// TTL: the namespace default.
pub const SJ_TTL_NAMESPACE_DEFAULT: u32 = 0;
/// TTL: never expire (-1).
pub const SJ_TTL_NEVER_EXPIRE: u32 = 0xFFFF_FFFF;
/// TTL: keep the current expiry (-2).
pub const SJ_TTL_DONT_UPDATE: u32 = 0xFFFF_FFFE;

/// Operation: read a bin (a NULL bin name reads every bin).
pub const SJ_OP_READ: u32 = 1;
/// Operation: write a bin.
pub const SJ_OP_WRITE: u32 = 2;
/// Operation: add an integer or a double to a bin.
pub const SJ_OP_INCR: u32 = 5;
/// Operation: append a string or bytes.
pub const SJ_OP_APPEND: u32 = 9;
/// Operation: prepend a string or bytes.
pub const SJ_OP_PREPEND: u32 = 10;
/// Operation: reset the TTL (to the policy's).
pub const SJ_OP_TOUCH: u32 = 11;
/// Operation: delete the record.
pub const SJ_OP_DELETE: u32 = 14;

/// Length of `sj_error.message`, NUL included.
pub const SJ_ERROR_MESSAGE_SIZE: usize = 512;

/// The outcome of a call: the code and a NUL-terminated message (truncated to fit).
#[repr(C)]
pub struct sj_error {
    /// `SJ_OK` or an error code.
    pub code: i32,
    /// What happened.
    pub message: [c_char; SJ_ERROR_MESSAGE_SIZE],
}

/// A value: input to `sj_record_set` and `sj_operations_add`, output of `sj_record_bin` and
/// `sj_key_value`. Which fields matter depends on `type` (`SJ_TYPE_*`).
#[repr(C)]
pub struct sj_value {
    /// `SJ_TYPE_*`, or another particle type for values this API does not unpack.
    pub r#type: u32,
    /// The integer (`SJ_TYPE_INT`), or 0/1 (`SJ_TYPE_BOOL`).
    pub i: i64,
    /// The double (`SJ_TYPE_FLOAT`).
    pub f: f64,
    /// The bytes (`SJ_TYPE_STR`, `SJ_TYPE_BYTES` and others).
    pub data: *const u8,
    /// Number of bytes at `data` (a string's NUL not counted).
    pub len: usize,
}

/// Client settings; fill with `sj_client_config_init`, then change what you need.
#[repr(C)]
pub struct sj_client_config {
    /// Seeds: `host:port[,host:port…]` (a host without a port uses 3000).
    pub hosts: *const c_char,
    /// Required cluster name, or NULL.
    pub cluster_name: *const c_char,
    /// TCP connect timeout (default 1000).
    pub connect_timeout_ms: u32,
    /// Tend interval (default 1000).
    pub tend_interval_ms: u32,
    /// Open connections per node, all ports (default 100).
    pub max_conns_per_node: u32,
    /// Send commands to the owning core's port when the server advertises one (default true).
    pub shard_routing: bool,
}

/// Read policy; fill with `sj_read_policy_init`. Pass NULL for the defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_read_policy {
    /// Per-attempt socket timeout, 0 for none (default 30000).
    pub socket_timeout_ms: u32,
    /// Whole-command deadline, 0 for none (default 1000).
    pub total_timeout_ms: u32,
    /// Retries on network errors and timeouts (default 2).
    pub max_retries: u32,
    /// Pause between attempts (default 0).
    pub sleep_between_retries_ms: u32,
    /// `SJ_REPLICA_*` (default `SJ_REPLICA_SEQUENCE`).
    pub replica: u32,
}

/// Write policy; fill with `sj_write_policy_init`. Pass NULL for the defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_write_policy {
    /// Per-attempt socket timeout, 0 for none (default 30000).
    pub socket_timeout_ms: u32,
    /// Whole-command deadline, 0 for none (default 1000).
    pub total_timeout_ms: u32,
    /// Retries on network errors and timeouts (default 0: a retried write may apply twice).
    pub max_retries: u32,
    /// Pause between attempts (default 0).
    pub sleep_between_retries_ms: u32,
    /// `SJ_EXISTS_*` (default `SJ_EXISTS_UPDATE`).
    pub exists: u32,
    /// `SJ_GEN_*` (default `SJ_GEN_NONE`).
    pub gen_policy: u32,
    /// The generation `gen_policy` compares.
    pub generation: u32,
    /// TTL in seconds, or `SJ_TTL_*` (default `SJ_TTL_NAMESPACE_DEFAULT`).
    pub ttl: u32,
    /// `SJ_COMMIT_*` (default `SJ_COMMIT_ALL`).
    pub commit_level: u32,
    /// Store the user key with the record (default false).
    pub send_key: bool,
    /// Leave a tombstone when deleting (default false).
    pub durable_delete: bool,
}

/// Scan policy; fill with `sj_scan_policy_init`. Pass NULL for the defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_scan_policy {
    /// Most time between two messages from a node, 0 for none (default 30000).
    pub socket_timeout_ms: u32,
    /// Stop after this many records, 0 for all.
    pub max_records: u64,
    /// Server-side throttle, 0 for none.
    pub records_per_second: u32,
    /// Return metadata only.
    pub no_bins: bool,
}

/// A connected client (thread-safe).
pub struct sj_client(Client);

/// A record key: namespace, set and user key or digest.
pub struct sj_key {
    key: Key,
    namespace: CString,
    set: CString,
    user: Option<Vec<u8>>, // string keys: the bytes plus a NUL, for sj_key_value
}

struct FfiBin {
    name: CString,
    value: Value,
    bytes: Vec<u8>, // strings: the text plus a NUL; bytes and raw particles: the bytes
}

/// Bins, with generation and expiry when read from the server.
#[derive(Default)]
pub struct sj_record {
    bins: Vec<FfiBin>,
    generation: u32,
    void_time: u32,
    key: Option<Box<sj_key>>,
}

/// A list of operations for `sj_operate`.
#[derive(Default)]
pub struct sj_operations(Vec<Operation>);

/// A scan callback: gets each record (valid during the call only) and the caller's pointer;
/// returns true to go on, false to stop. It must not unwind (no C++ exceptions).
pub type sj_scan_callback = Option<unsafe extern "C" fn(record: *const sj_record, udata: *mut c_void) -> bool>;

fn write_error(err: *mut sj_error, e: &Error) {
    if err.is_null() {
        return;
    }
    // SAFETY: the caller passes NULL or a valid, writable sj_error.
    let err = unsafe { &mut *err };
    err.code = e.code;
    let bytes = e.message.as_bytes();
    let n = bytes.len().min(SJ_ERROR_MESSAGE_SIZE - 1);
    for (dst, &src) in err.message.iter_mut().zip(&bytes[..n]) {
        *dst = src as c_char;
    }
    err.message[n] = 0;
}

/// Runs `f`, catching panics, and reports its outcome through `err` and the return value.
fn guard(err: *mut sj_error, f: impl FnOnce() -> Result<()>) -> i32 {
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::new(code::CLIENT, format!("internal error in the client library: {what}")))
    });
    match outcome {
        Ok(()) => {
            write_error(err, &Error::new(SJ_OK, ""));
            SJ_OK
        }
        Err(e) => {
            write_error(err, &e);
            e.code
        }
    }
}

/// Frees an object this library handed out as `Box::into_raw`. NULL is ignored.
///
/// # Safety
/// `p` is NULL or a pointer from `Box::into_raw` of a `T` in this library, not yet freed.
unsafe fn free_boxed<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: the caller's contract: made by Box::into_raw, freed once.
        drop(unsafe { Box::from_raw(p) });
    }
}

fn null(what: &str) -> Error {
    Error::new(code::PARAM, format!("{what} is NULL"))
}

/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| Error::new(code::PARAM, format!("{what} is not UTF-8")))
}

/// # Safety
/// `p` is NULL or points to a live `T` that outlives `'a`.
unsafe fn object<'a, T>(p: *const T, what: &str) -> Result<&'a T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or_else(|| null(what))
}

/// # Safety
/// `p` is NULL or points to a live `T`, used by no one else, that outlives `'a`.
unsafe fn object_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_mut() }.ok_or_else(|| null(what))
}

/// # Safety
/// `data` is valid for `len` bytes, or NULL with `len` 0.
unsafe fn bytes<'a>(data: *const u8, len: usize, what: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(null(what));
    }
    // SAFETY: valid for `len` bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// # Safety
/// `names` is NULL (with `n` 0) or an array of `n` NUL-terminated strings.
unsafe fn names<'a>(names: *const *const c_char, n: usize) -> Result<Vec<&'a str>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if names.is_null() {
        return Err(null("bins"));
    }
    // SAFETY: an array of `n` pointers by the caller's contract.
    let list = unsafe { std::slice::from_raw_parts(names, n) };
    // SAFETY: each is a NUL-terminated string by the caller's contract.
    list.iter().map(|&p| unsafe { text(p, "bin name") }).collect()
}

/// # Safety
/// `v` is NULL or a valid `sj_value` whose `data` is valid for `len` bytes.
unsafe fn value_in(v: *const sj_value) -> Result<Value> {
    // SAFETY: the caller's contract.
    let v = unsafe { object(v, "value") }?;
    // SAFETY: the caller's contract on data and len.
    let data = || unsafe { bytes(v.data, v.len, "value data") };
    Ok(match v.r#type {
        SJ_TYPE_NIL => Value::Nil,
        SJ_TYPE_INT => Value::Int(v.i),
        SJ_TYPE_FLOAT => Value::Float(v.f),
        SJ_TYPE_STR => Value::Str(
            std::str::from_utf8(data()?).map_err(|_| Error::new(code::PARAM, "string value is not UTF-8"))?.to_string(),
        ),
        SJ_TYPE_BYTES => Value::Bytes(data()?.to_vec()),
        SJ_TYPE_BOOL => Value::Bool(v.i != 0),
        t @ (19 | 20 | 23) => Value::Raw(t as u8, data()?.to_vec()),
        t => return Err(Error::new(code::PARAM, format!("unknown value type {t}"))),
    })
}

fn value_out(value: &Value, bytes: &[u8]) -> sj_value {
    let mut out = sj_value { r#type: u32::from(value.particle_type()), i: 0, f: 0.0, data: std::ptr::null(), len: 0 };
    match value {
        Value::Nil => {}
        Value::Int(i) => out.i = *i,
        Value::Float(f) => out.f = *f,
        Value::Bool(b) => out.i = i64::from(*b),
        Value::Str(s) => {
            out.data = bytes.as_ptr();
            out.len = s.len();
        }
        Value::Bytes(_) | Value::Raw(..) => {
            out.data = bytes.as_ptr();
            out.len = bytes.len();
        }
    }
    out
}

fn ffi_bin(name: &str, value: Value) -> Result<FfiBin> {
    let name = CString::new(name).map_err(|_| Error::new(code::PARAM, "bin name contains NUL"))?;
    let bytes = match &value {
        Value::Str(s) => {
            let mut b = Vec::with_capacity(s.len() + 1);
            b.extend_from_slice(s.as_bytes());
            b.push(0);
            b
        }
        Value::Bytes(b) | Value::Raw(_, b) => b.clone(),
        _ => Vec::new(),
    };
    Ok(FfiBin { name, value, bytes })
}

fn ffi_key(key: Key) -> Result<sj_key> {
    let nul = |_| Error::new(code::PARAM, "name contains NUL");
    let namespace = CString::new(key.namespace.clone()).map_err(nul)?;
    let set = CString::new(key.set.clone()).map_err(nul)?;
    let user = match &key.user_key {
        Some(UserKey::Str(s)) => Some(s.bytes().chain([0]).collect()),
        Some(UserKey::Bytes(b)) => Some(b.clone()),
        _ => None,
    };
    Ok(sj_key { key, namespace, set, user })
}

fn ffi_record(record: Record) -> Result<Box<sj_record>> {
    let bins = record.bins.into_iter().map(|(n, v)| ffi_bin(&n, v)).collect::<Result<_>>()?;
    let key = record.key.map(ffi_key).transpose()?.map(Box::new);
    Ok(Box::new(sj_record { bins, generation: record.generation, void_time: record.void_time, key }))
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

fn read_policy(p: *const sj_read_policy, default: ReadPolicy) -> Result<ReadPolicy> {
    // SAFETY: the caller passes NULL or a valid policy.
    let Some(p) = (unsafe { p.as_ref() }) else { return Ok(default) };
    let replica = match p.replica {
        SJ_REPLICA_MASTER => Replica::Master,
        SJ_REPLICA_ANY => Replica::Any,
        SJ_REPLICA_SEQUENCE => Replica::Sequence,
        r => return Err(Error::new(code::PARAM, format!("unknown replica policy {r}"))),
    };
    Ok(ReadPolicy {
        base: BasePolicy {
            socket_timeout: millis(p.socket_timeout_ms),
            total_timeout: millis(p.total_timeout_ms),
            max_retries: p.max_retries,
            sleep_between_retries: millis(p.sleep_between_retries_ms),
        },
        replica,
    })
}

fn write_policy(p: *const sj_write_policy, default: WritePolicy) -> Result<WritePolicy> {
    // SAFETY: the caller passes NULL or a valid policy.
    let Some(p) = (unsafe { p.as_ref() }) else { return Ok(default) };
    let bad = |what: &str, v: u32| Error::new(code::PARAM, format!("unknown {what} {v}"));
    Ok(WritePolicy {
        base: BasePolicy {
            socket_timeout: millis(p.socket_timeout_ms),
            total_timeout: millis(p.total_timeout_ms),
            max_retries: p.max_retries,
            sleep_between_retries: millis(p.sleep_between_retries_ms),
        },
        exists: match p.exists {
            SJ_EXISTS_UPDATE => ExistsAction::Update,
            SJ_EXISTS_UPDATE_ONLY => ExistsAction::UpdateOnly,
            SJ_EXISTS_REPLACE => ExistsAction::Replace,
            SJ_EXISTS_REPLACE_ONLY => ExistsAction::ReplaceOnly,
            SJ_EXISTS_CREATE_ONLY => ExistsAction::CreateOnly,
            v => return Err(bad("exists action", v)),
        },
        generation_policy: match p.gen_policy {
            SJ_GEN_NONE => GenerationPolicy::None,
            SJ_GEN_EQ => GenerationPolicy::Equal,
            SJ_GEN_GT => GenerationPolicy::Greater,
            v => return Err(bad("generation policy", v)),
        },
        generation: p.generation,
        ttl: p.ttl,
        commit_level: match p.commit_level {
            SJ_COMMIT_ALL => CommitLevel::All,
            SJ_COMMIT_MASTER => CommitLevel::Master,
            v => return Err(bad("commit level", v)),
        },
        send_key: p.send_key,
        durable_delete: p.durable_delete,
        replica: default.replica,
    })
}

fn now_unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

// ---- configuration and policies ----

/// Fills `config` with the defaults (hosts NULL: set them).
///
/// # Safety
/// `config` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_client_config_init(config: *mut sj_client_config) {
    // SAFETY: the caller passes NULL or a writable config.
    if let Some(c) = unsafe { config.as_mut() } {
        let d = ClientConfig::new(Vec::new());
        *c = sj_client_config {
            hosts: std::ptr::null(),
            cluster_name: std::ptr::null(),
            connect_timeout_ms: d.connect_timeout.as_millis() as u32,
            tend_interval_ms: d.tend_interval.as_millis() as u32,
            max_conns_per_node: d.max_conns_per_node as u32,
            shard_routing: d.shard_routing,
        };
    }
}

/// Fills `policy` with the read defaults.
///
/// # Safety
/// `policy` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_read_policy_init(policy: *mut sj_read_policy) {
    let d = ReadPolicy::default();
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        *p = sj_read_policy {
            socket_timeout_ms: d.base.socket_timeout.as_millis() as u32,
            total_timeout_ms: d.base.total_timeout.as_millis() as u32,
            max_retries: d.base.max_retries,
            sleep_between_retries_ms: 0,
            replica: SJ_REPLICA_SEQUENCE,
        };
    }
}

/// Fills `policy` with the write defaults.
///
/// # Safety
/// `policy` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_write_policy_init(policy: *mut sj_write_policy) {
    let d = WritePolicy::default();
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        *p = sj_write_policy {
            socket_timeout_ms: d.base.socket_timeout.as_millis() as u32,
            total_timeout_ms: d.base.total_timeout.as_millis() as u32,
            max_retries: d.base.max_retries,
            sleep_between_retries_ms: 0,
            exists: SJ_EXISTS_UPDATE,
            gen_policy: SJ_GEN_NONE,
            generation: 0,
            ttl: SJ_TTL_NAMESPACE_DEFAULT,
            commit_level: SJ_COMMIT_ALL,
            send_key: false,
            durable_delete: false,
        };
    }
}

/// Fills `policy` with the scan defaults.
///
/// # Safety
/// `policy` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_scan_policy_init(policy: *mut sj_scan_policy) {
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        *p = sj_scan_policy { socket_timeout_ms: 30_000, max_records: 0, records_per_second: 0, no_bins: false };
    }
}

// ---- client ----

fn parse_hosts(hosts: &str) -> Result<Vec<(String, u16)>> {
    let mut out = Vec::new();
    for item in hosts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (host, port) = match item.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') => {
                (h, p.parse::<u16>().map_err(|_| Error::new(code::PARAM, format!("bad port in host '{item}'")))?)
            }
            _ => (item, 3000),
        };
        out.push((host.trim_start_matches('[').trim_end_matches(']').to_string(), port));
    }
    if out.is_empty() {
        return Err(Error::new(code::PARAM, "no hosts given"));
    }
    Ok(out)
}

/// Connects to the cluster. On success `*client` holds a handle to free with
/// `sj_client_destroy`.
///
/// # Safety
/// `err` is NULL or writable; `config` is a valid config; `client` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_client_new(
    err: *mut sj_error,
    config: *const sj_client_config,
    client: *mut *mut sj_client,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(config, "config") }?;
        if client.is_null() {
            return Err(null("client"));
        }
        // SAFETY: a NUL-terminated string by the caller's contract.
        let hosts = parse_hosts(unsafe { text(c.hosts, "config.hosts") }?)?;
        let mut config = ClientConfig::new(hosts);
        if !c.cluster_name.is_null() {
            // SAFETY: a NUL-terminated string by the caller's contract.
            config.cluster_name = Some(unsafe { text(c.cluster_name, "config.cluster_name") }?.to_string());
        }
        config.connect_timeout = millis(c.connect_timeout_ms.max(1));
        config.tend_interval = millis(c.tend_interval_ms.max(10));
        config.max_conns_per_node = c.max_conns_per_node.max(1) as usize;
        config.shard_routing = c.shard_routing;
        let handle = Box::new(sj_client(Client::new(config)?));
        // SAFETY: writable by the caller's contract (checked non-NULL above).
        unsafe { *client = Box::into_raw(handle) };
        Ok(())
    })
}

/// Closes the client's connections, stops its tend thread and frees it. NULL is ignored.
///
/// # Safety
/// `client` is NULL or a handle from `sj_client_new` not yet destroyed, not in use by another
/// thread.
#[no_mangle]
pub unsafe extern "C" fn sj_client_destroy(client: *mut sj_client) {
    if !client.is_null() {
        // SAFETY: made by Box::into_raw in sj_client_new, destroyed once.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(client) })));
    }
}

// ---- keys ----

fn new_key(err: *mut sj_error, out: *mut *mut sj_key, make: impl FnOnce() -> Result<Key>) -> i32 {
    guard(err, || {
        if out.is_null() {
            return Err(null("key"));
        }
        let key = Box::new(ffi_key(make()?)?);
        // SAFETY: writable by the caller's contract (checked non-NULL).
        unsafe { *out = Box::into_raw(key) };
        Ok(())
    })
}

/// Makes a key with a string user key. `set` may be NULL or "" for no set.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `err` is NULL or writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_str(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    value: *const c_char,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: NUL-terminated strings by the caller's contract.
        let (ns, set, v) = unsafe { (text(ns, "namespace")?, opt_text(set)?, text(value, "key")?) };
        Key::new(ns, set, UserKey::Str(v.to_string()))
    })
}

/// Makes a key with an integer user key.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `err` is NULL or writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_int(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    value: i64,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: NUL-terminated strings by the caller's contract.
        let (ns, set) = unsafe { (text(ns, "namespace")?, opt_text(set)?) };
        Key::new(ns, set, UserKey::Int(value))
    })
}

/// Makes a key with a bytes user key.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `data` is valid for `len` bytes; `err` is NULL or
/// writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_bytes(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    data: *const u8,
    len: usize,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: the caller's contract.
        let (ns, set, b) = unsafe { (text(ns, "namespace")?, opt_text(set)?, bytes(data, len, "key bytes")?) };
        Key::new(ns, set, UserKey::Bytes(b.to_vec()))
    })
}

/// Makes a key from a 20-byte digest.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `digest` points to 20 bytes; `err` is NULL or
/// writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_digest(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    digest: *const u8,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: the caller's contract.
        let (ns, set, d) = unsafe { (text(ns, "namespace")?, opt_text(set)?, bytes(digest, 20, "digest")?) };
        Key::from_digest(ns, set, d.try_into().expect("20 bytes"))
    })
}

/// # Safety
/// `p` is NULL or NUL-terminated.
unsafe fn opt_text<'a>(p: *const c_char) -> Result<&'a str> {
    if p.is_null() {
        return Ok("");
    }
    // SAFETY: the caller's contract.
    unsafe { text(p, "set") }
}

/// Frees a key. NULL is ignored.
///
/// # Safety
/// `key` is NULL or a key made by this library and not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_key_destroy(key: *mut sj_key) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(key) }
}

/// The key's namespace (valid while the key lives).
///
/// # Safety
/// `key` is a valid key.
#[no_mangle]
pub unsafe extern "C" fn sj_key_namespace(key: *const sj_key) -> *const c_char {
    // SAFETY: the caller's contract.
    unsafe { key.as_ref() }.map_or(std::ptr::null(), |k| k.namespace.as_ptr())
}

/// The key's set, "" if none (valid while the key lives).
///
/// # Safety
/// `key` is a valid key.
#[no_mangle]
pub unsafe extern "C" fn sj_key_set(key: *const sj_key) -> *const c_char {
    // SAFETY: the caller's contract.
    unsafe { key.as_ref() }.map_or(std::ptr::null(), |k| k.set.as_ptr())
}

/// Copies the key's 20-byte digest to `out`.
///
/// # Safety
/// `key` is a valid key; `out` has room for 20 bytes.
#[no_mangle]
pub unsafe extern "C" fn sj_key_digest(key: *const sj_key, out: *mut u8) {
    // SAFETY: the caller's contract.
    if let (Some(k), false) = (unsafe { key.as_ref() }, out.is_null()) {
        // SAFETY: 20 writable bytes by the caller's contract.
        unsafe { std::ptr::copy_nonoverlapping(k.key.digest.0.as_ptr(), out, 20) };
    }
}

/// The user key: `SJ_TYPE_INT`, `SJ_TYPE_STR`, `SJ_TYPE_BYTES`, or `SJ_TYPE_NIL` when the key
/// has only a digest (pointers valid while the key lives).
///
/// # Safety
/// `key` is a valid key; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_value(key: *const sj_key, out: *mut sj_value) {
    // SAFETY: the caller's contract.
    let (Some(k), Some(out)) = (unsafe { key.as_ref() }, unsafe { out.as_mut() }) else { return };
    *out = sj_value { r#type: SJ_TYPE_NIL, i: 0, f: 0.0, data: std::ptr::null(), len: 0 };
    match (&k.key.user_key, &k.user) {
        (Some(UserKey::Int(i)), _) => {
            out.r#type = SJ_TYPE_INT;
            out.i = *i;
        }
        (Some(UserKey::Str(s)), Some(b)) => {
            out.r#type = SJ_TYPE_STR;
            out.data = b.as_ptr();
            out.len = s.len();
        }
        (Some(UserKey::Bytes(_)), Some(b)) => {
            out.r#type = SJ_TYPE_BYTES;
            out.data = b.as_ptr();
            out.len = b.len();
        }
        _ => {}
    }
}

// ---- records ----

/// A new, empty record (bins to write).
#[no_mangle]
pub extern "C" fn sj_record_new() -> *mut sj_record {
    Box::into_raw(Box::default())
}

/// Frees a record. NULL is ignored.
///
/// # Safety
/// `record` is NULL or a record from this library not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_record_destroy(record: *mut sj_record) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(record) }
}

/// Sets bin `bin` to `value` (copied), replacing an earlier value of the same bin.
///
/// # Safety
/// `err` is NULL or writable; `record` is a valid record; `bin` is NUL-terminated; `value`
/// is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    value: *const sj_value,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (record, name, value) =
            unsafe { (object_mut(record, "record")?, text(bin, "bin name")?, value_in(value)?) };
        crate::value::check_bin_name(name)?;
        let bin = ffi_bin(name, value)?;
        match record.bins.iter_mut().find(|b| b.name == bin.name) {
            Some(old) => *old = bin,
            None => record.bins.push(bin),
        }
        Ok(())
    })
}

/// Sets an integer bin.
///
/// # Safety
/// As `sj_record_set`.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_int(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    v: i64,
) -> i32 {
    let value = sj_value { r#type: SJ_TYPE_INT, i: v, f: 0.0, data: std::ptr::null(), len: 0 };
    // SAFETY: the caller's contract; `value` is valid.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Sets a double bin.
///
/// # Safety
/// As `sj_record_set`.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_float(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    v: f64,
) -> i32 {
    let value = sj_value { r#type: SJ_TYPE_FLOAT, i: 0, f: v, data: std::ptr::null(), len: 0 };
    // SAFETY: the caller's contract; `value` is valid.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Sets a string bin from a NUL-terminated string.
///
/// # Safety
/// As `sj_record_set`; `v` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_str(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    v: *const c_char,
) -> i32 {
    if v.is_null() {
        write_error(err, &null("string value"));
        return code::PARAM;
    }
    // SAFETY: NUL-terminated by the caller's contract.
    let len = unsafe { CStr::from_ptr(v) }.to_bytes().len();
    let value = sj_value { r#type: SJ_TYPE_STR, i: 0, f: 0.0, data: v.cast(), len };
    // SAFETY: the caller's contract; `value` points into `v`.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Sets a bytes bin.
///
/// # Safety
/// As `sj_record_set`; `data` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_bytes(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    data: *const u8,
    len: usize,
) -> i32 {
    let value = sj_value { r#type: SJ_TYPE_BYTES, i: 0, f: 0.0, data, len };
    // SAFETY: the caller's contract.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Number of bins.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_bin_count(record: *const sj_record) -> usize {
    // SAFETY: the caller's contract.
    unsafe { record.as_ref() }.map_or(0, |r| r.bins.len())
}

/// Bin `index`: its name and value (pointers valid while the record lives). Returns
/// `SJ_ERR_PARAM` if `index` is out of range.
///
/// # Safety
/// `record` is a valid record; `name` and `value` are writable (either may be NULL).
#[no_mangle]
pub unsafe extern "C" fn sj_record_bin(
    record: *const sj_record,
    index: usize,
    name: *mut *const c_char,
    value: *mut sj_value,
) -> i32 {
    // SAFETY: the caller's contract.
    let Some(bin) = unsafe { record.as_ref() }.and_then(|r| r.bins.get(index)) else { return code::PARAM };
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(n) = unsafe { name.as_mut() } {
        *n = bin.name.as_ptr();
    }
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(v) = unsafe { value.as_mut() } {
        *v = value_out(&bin.value, &bin.bytes);
    }
    SJ_OK
}

/// The value of bin `bin`: `SJ_OK`, or `SJ_ERR_BIN_NOT_FOUND`.
///
/// # Safety
/// `record` is a valid record; `bin` is NUL-terminated; `value` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_record_get(record: *const sj_record, bin: *const c_char, value: *mut sj_value) -> i32 {
    // SAFETY: the caller's contract.
    let (Some(r), false) = (unsafe { record.as_ref() }, bin.is_null()) else { return code::PARAM };
    // SAFETY: NUL-terminated by the caller's contract.
    let wanted = unsafe { CStr::from_ptr(bin) };
    match r.bins.iter().position(|b| b.name.as_c_str() == wanted) {
        // SAFETY: the caller's contract on `value`.
        Some(i) => unsafe { sj_record_bin(record, i, std::ptr::null_mut(), value) },
        None => SJ_ERR_BIN_NOT_FOUND,
    }
}

/// An integer bin: `SJ_OK`, `SJ_ERR_BIN_NOT_FOUND` or `SJ_ERR_BIN_INCOMPATIBLE_TYPE`.
///
/// # Safety
/// As `sj_record_get`; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_record_get_int(record: *const sj_record, bin: *const c_char, out: *mut i64) -> i32 {
    let mut v = sj_value { r#type: 0, i: 0, f: 0.0, data: std::ptr::null(), len: 0 };
    // SAFETY: the caller's contract.
    let rc = unsafe { sj_record_get(record, bin, &mut v) };
    if rc != SJ_OK {
        return rc;
    }
    if v.r#type != SJ_TYPE_INT {
        return SJ_ERR_BIN_INCOMPATIBLE_TYPE;
    }
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(o) = unsafe { out.as_mut() } {
        *o = v.i;
    }
    SJ_OK
}

/// A string bin (NUL-terminated; valid while the record lives): `SJ_OK`,
/// `SJ_ERR_BIN_NOT_FOUND` or `SJ_ERR_BIN_INCOMPATIBLE_TYPE`.
///
/// # Safety
/// As `sj_record_get`; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_record_get_str(
    record: *const sj_record,
    bin: *const c_char,
    out: *mut *const c_char,
) -> i32 {
    let mut v = sj_value { r#type: 0, i: 0, f: 0.0, data: std::ptr::null(), len: 0 };
    // SAFETY: the caller's contract.
    let rc = unsafe { sj_record_get(record, bin, &mut v) };
    if rc != SJ_OK {
        return rc;
    }
    if v.r#type != SJ_TYPE_STR {
        return SJ_ERR_BIN_INCOMPATIBLE_TYPE;
    }
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(o) = unsafe { out.as_mut() } {
        *o = v.data.cast();
    }
    SJ_OK
}

/// The record's generation.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_generation(record: *const sj_record) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { record.as_ref() }.map_or(0, |r| r.generation)
}

/// Seconds until the record expires: `SJ_TTL_NEVER_EXPIRE` if never.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_ttl(record: *const sj_record) -> u32 {
    // SAFETY: the caller's contract.
    let Some(r) = (unsafe { record.as_ref() }) else { return 0 };
    Record { void_time: r.void_time, ..Record::default() }.ttl(now_unix_secs())
}

/// The record's key (scan results), or NULL; valid while the record lives.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_key(record: *const sj_record) -> *const sj_key {
    // SAFETY: the caller's contract.
    unsafe { record.as_ref() }.and_then(|r| r.key.as_deref()).map_or(std::ptr::null(), |k| k as *const sj_key)
}

// ---- operations ----

/// A new, empty operation list.
#[no_mangle]
pub extern "C" fn sj_operations_new() -> *mut sj_operations {
    Box::into_raw(Box::default())
}

/// Frees an operation list. NULL is ignored.
///
/// # Safety
/// `ops` is NULL or a list from `sj_operations_new` not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_destroy(ops: *mut sj_operations) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(ops) }
}

/// Adds operation `op` (`SJ_OP_*`) on `bin` with `value` (NULL where the operation takes
/// none: read, touch, delete). `SJ_OP_READ` with a NULL bin reads every bin.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NULL or NUL-terminated; `value` is
/// NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    op: u32,
    bin: *const c_char,
    value: *const sj_value,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let ops = unsafe { object_mut(ops, "operations") }?;
        // SAFETY: the caller's contract.
        let name = || unsafe { text(bin, "bin name") }.map(str::to_string);
        // SAFETY: the caller's contract.
        let value = || unsafe { value_in(value) };
        let operation = match op {
            SJ_OP_READ if bin.is_null() => Operation::ReadAll,
            SJ_OP_READ => Operation::Read(name()?),
            SJ_OP_WRITE => Operation::Write(name()?, value()?),
            SJ_OP_INCR => Operation::Increment(name()?, value()?),
            SJ_OP_APPEND => Operation::Append(name()?, value()?),
            SJ_OP_PREPEND => Operation::Prepend(name()?, value()?),
            SJ_OP_TOUCH => Operation::Touch,
            SJ_OP_DELETE => Operation::Delete,
            other => return Err(Error::new(code::PARAM, format!("unknown operation {other}"))),
        };
        if let Operation::Read(n) | Operation::Write(n, _) | Operation::Increment(n, _) = &operation {
            crate::value::check_bin_name(n)?;
        }
        ops.0.push(operation);
        Ok(())
    })
}

// ---- commands ----

/// # Safety
/// `record` is NULL or writable.
unsafe fn give_record(out: *mut *mut sj_record, record: Record) -> Result<()> {
    if out.is_null() {
        return Ok(());
    }
    let boxed = ffi_record(record)?;
    // SAFETY: writable by the caller's contract.
    unsafe { *out = Box::into_raw(boxed) };
    Ok(())
}

/// Writes the record's bins. `policy` may be NULL for the defaults.
///
/// # Safety
/// `client`, `key` and `record` are valid; `err` is NULL or writable; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_put(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
    record: *const sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k, r) = unsafe { (object(client, "client")?, object(key, "key")?, object(record, "record")?) };
        let policy = write_policy(policy, c.0.config().write)?;
        let bins: Vec<(&str, &Value)> = r.bins.iter().map(|b| (b.name.to_str().unwrap_or(""), &b.value)).collect();
        c.0.put(Some(&policy), &k.key, &bins)
    })
}

/// Reads every bin (`bins` NULL or `n_bins` 0) or the `n_bins` named ones into a new `*record` (free it with
/// `sj_record_destroy`). A missing record is `SJ_ERR_RECORD_NOT_FOUND`.
///
/// # Safety
/// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid; `bins` NULL or
/// `n_bins` NUL-terminated strings; `record` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_get(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_read_policy,
    key: *const sj_key,
    bins: *const *const c_char,
    n_bins: usize,
    record: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        if record.is_null() {
            return Err(null("record"));
        }
        let policy = read_policy(policy, c.0.config().read)?;
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let r = c.0.get(Some(&policy), &k.key, selected)?;
        // SAFETY: writable by the caller's contract.
        unsafe { give_record(record, r) }
    })
}

/// Checks that the record exists: `SJ_OK` (and, if `record` is not NULL, a new record with its
/// generation and TTL and no bins) or `SJ_ERR_RECORD_NOT_FOUND`.
///
/// # Safety
/// As `sj_get`; `record` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_exists(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_read_policy,
    key: *const sj_key,
    record: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        let policy = read_policy(policy, c.0.config().read)?;
        match c.0.exists(Some(&policy), &k.key)? {
            // SAFETY: NULL or writable by the caller's contract.
            Some(r) => unsafe { give_record(record, r) },
            None => Err(Error::server(2)),
        }
    })
}

/// Deletes the record: `SJ_OK`, or `SJ_ERR_RECORD_NOT_FOUND` if there was none.
///
/// # Safety
/// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_remove(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        let policy = write_policy(policy, c.0.config().write)?;
        if c.0.remove(Some(&policy), &k.key)? {
            Ok(())
        } else {
            Err(Error::server(2))
        }
    })
}

/// Resets the record's TTL to the policy's (`ttl`).
///
/// # Safety
/// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_touch(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        let policy = write_policy(policy, c.0.config().write)?;
        c.0.touch(Some(&policy), &k.key).map(drop)
    })
}

/// Applies `ops` in order, atomically, and returns what the reads read in a new `*record`
/// (if `record` is not NULL).
///
/// # Safety
/// `client`, `key` and `ops` are valid; `err` NULL or writable; `policy` NULL or valid;
/// `record` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_operate(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
    ops: *const sj_operations,
    record: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k, ops) = unsafe { (object(client, "client")?, object(key, "key")?, object(ops, "operations")?) };
        let policy = write_policy(policy, c.0.config().write)?;
        let r = c.0.operate(Some(&policy), &k.key, &ops.0)?;
        // SAFETY: NULL or writable by the caller's contract.
        unsafe { give_record(record, r) }
    })
}

/// Reads `n_keys` records in one request per node. `records[i]` gets a new record, or NULL
/// if key `i` has none; `codes[i]` (if `codes` is not NULL) gets its result code.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `policy` NULL or valid; `keys` an array of `n_keys`
/// valid keys; `bins` NULL or `n_bins` strings; `records` room for `n_keys` pointers; `codes`
/// NULL or room for `n_keys` codes.
#[no_mangle]
pub unsafe extern "C" fn sj_batch_get(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_read_policy,
    keys: *const *const sj_key,
    n_keys: usize,
    bins: *const *const c_char,
    n_bins: usize,
    records: *mut *mut sj_record,
    codes: *mut i32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client") }?;
        if n_keys == 0 {
            return Ok(());
        }
        if keys.is_null() || records.is_null() {
            return Err(null("keys or records"));
        }
        let policy = read_policy(policy, c.0.config().read)?;
        // SAFETY: an array of n_keys key pointers by the caller's contract.
        let list = unsafe { std::slice::from_raw_parts(keys, n_keys) };
        // SAFETY: each a valid key by the caller's contract.
        let keys: Vec<Key> =
            list.iter().map(|&k| unsafe { object(k, "key") }.map(|k| k.key.clone())).collect::<Result<_>>()?;
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let results = c.0.batch_get(Some(&policy), &keys, selected)?;
        for (i, (rc, record)) in results.into_iter().enumerate() {
            let out = match record {
                Some(r) => Box::into_raw(ffi_record(r)?),
                None => std::ptr::null_mut(),
            };
            // SAFETY: room for n_keys entries by the caller's contract.
            unsafe { *records.add(i) = out };
            if !codes.is_null() {
                // SAFETY: room for n_keys entries by the caller's contract.
                unsafe { *codes.add(i) = rc };
            }
        }
        Ok(())
    })
}

/// Scans `ns` (and `set`, if not NULL or ""), calling `callback` with each record until it
/// returns false. `bins` NULL reads every bin. Runs on the calling thread.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `policy` NULL or valid; strings NUL-terminated;
/// `bins` NULL or `n_bins` strings; `callback` a function that does not unwind.
#[no_mangle]
pub unsafe extern "C" fn sj_scan(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_scan_policy,
    ns: *const c_char,
    set: *const c_char,
    bins: *const *const c_char,
    n_bins: usize,
    callback: sj_scan_callback,
    udata: *mut c_void,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, ns, set) = unsafe { (object(client, "client")?, text(ns, "namespace")?, opt_text(set)?) };
        let callback = callback.ok_or_else(|| null("callback"))?;
        // SAFETY: NULL or a valid policy by the caller's contract.
        let policy = match unsafe { policy.as_ref() } {
            Some(p) => ScanPolicy {
                base: BasePolicy { socket_timeout: millis(p.socket_timeout_ms), ..BasePolicy::LONG },
                max_records: p.max_records,
                records_per_second: p.records_per_second,
                no_bins: p.no_bins,
            },
            None => ScanPolicy::default(),
        };
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let mut failure = None;
        c.0.scan(Some(&policy), ns, set, selected, |record| match ffi_record(record) {
            // SAFETY: the callback's contract; the record lives through the call.
            Ok(r) => unsafe { callback(&*r, udata) },
            Err(e) => {
                failure = Some(e);
                false
            }
        })?;
        failure.map_or(Ok(()), Err)
    })
}

/// Sends an info request (commands separated by newlines) to the node named `node`, or to any
/// node if `node` is NULL, and returns the raw answer in a new string (free it with
/// `sj_string_destroy`). `timeout_ms` 0 means 1000.
///
/// # Safety
/// `client` valid; `err` NULL or writable; strings NULL (node) or NUL-terminated; `response`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn sj_info(
    client: *const sj_client,
    err: *mut sj_error,
    node: *const c_char,
    request: *const c_char,
    timeout_ms: u32,
    response: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, request) = unsafe { (object(client, "client")?, text(request, "request")?) };
        // SAFETY: the caller's contract.
        let node = if node.is_null() { None } else { Some(unsafe { text(node, "node") }?) };
        if response.is_null() {
            return Err(null("response"));
        }
        let timeout = millis(if timeout_ms == 0 { 1000 } else { timeout_ms });
        let answer = c.0.info(node, request, timeout)?;
        let owned = CString::new(answer.replace('\0', "")).expect("NULs removed");
        // SAFETY: writable by the caller's contract.
        unsafe { *response = owned.into_raw() };
        Ok(())
    })
}

/// The names of the cluster's nodes, comma-separated, in a new string (free it with
/// `sj_string_destroy`).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `names` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_node_names(client: *const sj_client, err: *mut sj_error, names: *mut *mut c_char) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client") }?;
        if names.is_null() {
            return Err(null("names"));
        }
        let list = CString::new(c.0.node_names().join(",")).map_err(|_| Error::new(code::CLIENT, "bad node name"))?;
        // SAFETY: writable by the caller's contract.
        unsafe { *names = list.into_raw() };
        Ok(())
    })
}

/// Frees a string returned by this library. NULL is ignored.
///
/// # Safety
/// `s` is NULL or a string from `sj_info` or `sj_node_names`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn sj_string_destroy(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: made by CString::into_raw here, freed once.
        drop(unsafe { CString::from_raw(s) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_codes_are_the_client_codes() {
        let pairs = [
            (SJ_ERR_CLIENT, code::CLIENT),
            (SJ_ERR_PARAM, code::PARAM),
            (SJ_ERR_INVALID_HOST, code::INVALID_HOST),
            (SJ_ERR_CLIENT_ABORT, code::CLIENT_ABORT),
            (SJ_ERR_NO_MORE_CONNECTIONS, code::NO_MORE_CONNECTIONS),
            (SJ_ERR_INVALID_NODE, code::INVALID_NODE),
            (SJ_ERR_CONNECTION, code::CONNECTION),
            (SJ_ERR_TIMEOUT, code::TIMEOUT),
        ];
        for (c, rust) in pairs {
            assert_eq!(c, rust);
        }
        assert_eq!(SJ_TTL_NEVER_EXPIRE, crate::policy::TTL_NEVER_EXPIRE);
        assert_eq!(SJ_TTL_DONT_UPDATE, crate::policy::TTL_DONT_UPDATE);
    }

    #[test]
    fn hosts_parse_with_default_port() {
        assert_eq!(parse_hosts("a:3100, b").unwrap(), vec![("a".into(), 3100), ("b".into(), 3000)]);
        assert_eq!(parse_hosts("[::1]:4000").unwrap(), vec![("::1".into(), 4000)]);
        assert_eq!(parse_hosts("a:x").unwrap_err().code, code::PARAM);
        assert_eq!(parse_hosts(" ").unwrap_err().code, code::PARAM);
    }

    #[test]
    fn null_arguments_are_param_errors_not_crashes() {
        let mut err = sj_error { code: 0, message: [0; SJ_ERROR_MESSAGE_SIZE] };
        // SAFETY: NULL pointers are part of the contract (reported, not dereferenced).
        let rc = unsafe { sj_client_new(&mut err, std::ptr::null(), std::ptr::null_mut()) };
        assert_eq!((rc, err.code), (SJ_ERR_PARAM, SJ_ERR_PARAM));
        let mut key = std::ptr::null_mut();
        // SAFETY: as above.
        let rc = unsafe { sj_key_new_str(&mut err, std::ptr::null(), std::ptr::null(), std::ptr::null(), &mut key) };
        assert_eq!(rc, SJ_ERR_PARAM);
        assert!(key.is_null());
        let record = sj_record_new();
        let long = CString::new("a_bin_name_that_is_too_long").unwrap();
        // SAFETY: valid record and strings.
        let rc = unsafe { sj_record_set_int(&mut err, record, long.as_ptr(), 1) };
        assert_eq!(rc, SJ_ERR_PARAM);
        // SAFETY: valid record.
        let rc = unsafe { sj_record_get_int(record, long.as_ptr(), std::ptr::null_mut()) };
        assert_eq!(rc, SJ_ERR_BIN_NOT_FOUND);
        // SAFETY: made above, destroyed once.
        unsafe { sj_record_destroy(record) };
    }
}
