//! The types of the C ABI: the `#[repr(C)]` structs callers fill or read, the opaque handles
//! (client, key, record, operation list) and the scan callback.

use std::ffi::{c_char, c_void, CString};

use super::constants::SJ_ERROR_MESSAGE_SIZE;
use crate::blocking::Client;
use crate::command::Operation;
use crate::exp::Expression;
use crate::value::{Key, Value};

/// The outcome of a call: the code and a NUL-terminated message (truncated to fit).
#[repr(C)]
pub struct sj_error {
    /// `SJ_OK` or an error code.
    pub code: i32,
    /// What happened.
    pub message: [c_char; SJ_ERROR_MESSAGE_SIZE],
}

/// A value: input to `sj_record_set` and the `sj_operations_*` functions, output of
/// `sj_record_bin`, `sj_record_get` and `sj_key_value`. Which fields matter depends on `type`
/// (`SJ_TYPE_*`, or another particle type for values this API does not unpack, as bytes).
///
/// Lists and maps: `items` points to their elements, `len` counts them (a map's `len` entries
/// are 2 × `len` values, key then value). Read them directly or with `sj_value_list_get`,
/// `sj_value_map_key`, `sj_value_map_value` and `sj_value_map_find`; build them with
/// `sj_value_list` and `sj_value_map` over arrays of values. In a record every pointer, at any
/// depth, lives as long as the record. Zero-initialised fields are a valid nil value.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_value {
    /// `SJ_TYPE_*`, or another particle type for values this API does not unpack.
    pub r#type: u32,
    /// The integer (`SJ_TYPE_INT`), or 0/1 (`SJ_TYPE_BOOL`).
    pub i: i64,
    /// The double (`SJ_TYPE_FLOAT`).
    pub f: f64,
    /// The bytes (`SJ_TYPE_STR`, `SJ_TYPE_BYTES` and others; a list or map in msgpack as input).
    pub data: *const u8,
    /// Number of bytes at `data` (a string's NUL not counted); of elements (list) or entries
    /// (map) at `items`.
    pub len: usize,
    /// The elements of a list, or the keys and values of a map (alternating); NULL otherwise.
    pub items: *const sj_value,
}

impl sj_value {
    /// A nil value.
    pub(super) const NIL: sj_value =
        sj_value { r#type: 0, i: 0, f: 0.0, data: std::ptr::null(), len: 0, items: std::ptr::null() };
}

/// The policy of list writes (`sj_operations_list_*`); pass NULL for none. Zeroes are the
/// defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_list_policy {
    /// `SJ_LIST_*` order of a list the operation creates (an existing list keeps its own).
    pub order: u32,
    /// `SJ_LIST_WRITE_*` flags, OR-ed.
    pub flags: u32,
}

/// The policy of map writes (`sj_operations_map_*`); pass NULL for none. Zeroes are the
/// defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_map_policy {
    /// `SJ_MAP_*` order of a map the operation creates (the new order for
    /// `sj_operations_map_set_policy`).
    pub order: u32,
    /// `SJ_MAP_WRITE_*` flags, OR-ed.
    pub flags: u32,
    /// Ask the server to persist an index with a top-level map it creates.
    pub persist_index: bool,
}

/// One level of a context (`sj_ctx`): which element of the list or map reached so far to
/// descend into. `type` is an `SJ_CTX_*` constant, or what `sj_ctx_list_index_create` /
/// `sj_ctx_map_key_create` give (the type with the create flag of the official client OR-ed in);
/// `value` is an `SJ_TYPE_INT` index or rank, or the value or key to look for. Make items with
/// the `sj_ctx_*` functions, or fill them directly.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_ctx_item {
    /// `SJ_CTX_*`, with a create flag from `sj_ctx_list_index_create` / `sj_ctx_map_key_create`.
    pub r#type: u32,
    /// The index or rank (`SJ_TYPE_INT`), or the value or key.
    pub value: sj_value,
}

/// A context: the path from a bin to the nested list or map an `sj_operations_list_*` /
/// `sj_operations_map_*` operation applies to, `n` levels at `items`, outermost first. Every
/// such operation takes a `const sj_ctx*` right after the bin: NULL (or `n` 0) for the bin's
/// own list or map. The levels are copied when the operation is added. For example, to append
/// to the last list of key "scores" of the map in bin "doc":
///
/// ```c
/// sj_ctx_item path[] = {sj_ctx_map_key(sj_value_str("scores")), sj_ctx_list_index(-1)};
/// sj_ctx ctx = {path, 2};
/// sj_operations_list_append(&err, ops, "doc", &ctx, &value, NULL);
/// ```
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_ctx {
    /// The levels, from the bin inward.
    pub items: *const sj_ctx_item,
    /// How many.
    pub n: usize,
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
    /// The user to log in as on nodes with access control, or NULL (default).
    pub user: *const c_char,
    /// The user's password (hashed in the client; never sent), or NULL.
    pub password: *const c_char,
    /// With TLS: the name the nodes' certificates carry (their `tls-name`); NULL for plain TCP.
    /// The hosts' ports are then the nodes' TLS ports.
    pub tls_name: *const c_char,
    /// With TLS: the CA file (PEM) the nodes' certificates chain to.
    pub tls_ca_file: *const c_char,
    /// With TLS, for nodes that require a client certificate: its chain (PEM), or NULL.
    pub tls_cert_file: *const c_char,
    /// The client certificate's key (PEM), or NULL.
    pub tls_key_file: *const c_char,
    /// Log in with the TLS client certificate (the node takes the user from it) instead of a
    /// user and password (default false; needs the TLS fields and a certificate).
    pub pki_login: bool,
}

/// A privilege of a role: `SJ_PRIV_*` and, for the data privileges, a namespace and set scope
/// (NULL or "" for all).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sj_privilege {
    /// `SJ_PRIV_*`.
    pub code: u32,
    /// Namespace scope, or NULL.
    pub ns: *const c_char,
    /// Set scope (with a namespace), or NULL.
    pub set: *const c_char,
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
    /// A boolean filter expression the record must satisfy, or NULL (default): a record it
    /// leaves out answers `SJ_ERR_FILTERED_OUT` (in `sj_batch_get`, per key). Borrowed: keep the
    /// expression alive while the policy is used. See `sj_read_policy_set_filter`.
    pub filter: *const sj_exp,
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
    /// A boolean filter expression the record must satisfy, or NULL (default): a record it
    /// leaves out answers `SJ_ERR_FILTERED_OUT` and is not changed. Borrowed: keep the
    /// expression alive while the policy is used. See `sj_write_policy_set_filter`.
    pub filter: *const sj_exp,
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
    /// A boolean filter expression records must satisfy, or NULL (default); the others are
    /// skipped. Borrowed: keep the expression alive while the policy is used. See
    /// `sj_scan_policy_set_filter`.
    pub filter: *const sj_exp,
}

/// A connected client (thread-safe).
pub struct sj_client(pub(super) Client);

/// A record key: namespace, set and user key or digest.
pub struct sj_key {
    pub(super) key: Key,
    pub(super) namespace: CString,
    pub(super) set: CString,
    pub(super) user: Option<Vec<u8>>, // string keys: the bytes plus a NUL, for sj_key_value
}

pub(super) struct FfiBin {
    pub(super) name: CString,
    pub(super) value: Value,
    /// The value as C sees it; its pointers point into `storage`.
    pub(super) view: sj_value,
    /// Never read: it owns what `view` points to.
    #[allow(dead_code)]
    pub(super) storage: ValueStorage,
}

/// What the pointers of a value's `sj_value` view point to: the bytes of strings (plus a NUL),
/// blobs and raw particles, and the element arrays of lists and maps, at any depth. Boxed, so
/// that moving the storage never moves them.
#[derive(Default)]
pub(super) struct ValueStorage {
    pub(super) buffers: Vec<Box<[u8]>>,
    pub(super) arrays: Vec<Box<[sj_value]>>,
}

/// Bins, with generation and expiry when read from the server.
#[derive(Default)]
pub struct sj_record {
    pub(super) bins: Vec<FfiBin>,
    pub(super) generation: u32,
    pub(super) void_time: u32,
    pub(super) key: Option<Box<sj_key>>,
}

/// An expression (`sj_exp_*`): a filter for a policy, or the value of an expression operation.
pub struct sj_exp(pub(super) Expression);

/// A list of operations for `sj_operate`.
#[derive(Default)]
pub struct sj_operations(pub(super) Vec<Operation>);

/// A scan callback: gets each record (valid during the call only) and the caller's pointer;
/// returns true to go on, false to stop. It must not unwind (no C++ exceptions).
pub type sj_scan_callback = Option<unsafe extern "C" fn(record: *const sj_record, udata: *mut c_void) -> bool>;
