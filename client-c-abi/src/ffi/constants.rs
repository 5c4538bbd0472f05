//! The `SJ_*` constants of the C ABI: status codes, value types and the values of policy and
//! operation fields.

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
