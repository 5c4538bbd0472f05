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
/// The bin exists (bit and HLL create-only writes).
pub const SJ_ERR_BIN_EXISTS: i32 = 6;
/// The command timed out.
pub const SJ_ERR_TIMEOUT: i32 = 9;
/// The bin's value has another type.
pub const SJ_ERR_BIN_INCOMPATIBLE_TYPE: i32 = 12;
/// The record is too big.
pub const SJ_ERR_RECORD_TOO_BIG: i32 = 13;
/// The bin does not exist (record getters; bit and HLL writes that need the bin).
pub const SJ_ERR_BIN_NOT_FOUND: i32 = 17;
/// The namespace does not exist.
pub const SJ_ERR_NAMESPACE_NOT_FOUND: i32 = 20;
/// A list or map element does not exist (map update-only writes).
pub const SJ_ERR_ELEMENT_NOT_FOUND: i32 = 23;
/// A list or map element already exists (list add-unique, map create-only writes).
pub const SJ_ERR_ELEMENT_EXISTS: i32 = 24;
/// The user does not exist (login, user commands).
pub const SJ_ERR_INVALID_USER: i32 = 60;
/// The password does not match (login).
pub const SJ_ERR_INVALID_CREDENTIAL: i32 = 65;
/// The connection has not logged in (a node with access control and no user configured).
pub const SJ_ERR_NOT_AUTHENTICATED: i32 = 80;
/// The user's roles do not allow the command.
pub const SJ_ERR_ROLE_VIOLATION: i32 = 81;
/// The client's address is not in the user's roles' allowlists.
pub const SJ_ERR_NOT_WHITELISTED: i32 = 82;
/// The list, map, bit or HLL operation does not apply (e.g. an index out of range for a single
/// element, an insert into an ordered list, an inverted single-element selection, an HLL
/// created without index bits).
pub const SJ_ERR_OP_NOT_APPLICABLE: i32 = 26;
/// The command's filter expression left the record out (the record is neither read nor
/// changed; in a batch, per key).
pub const SJ_ERR_FILTERED_OUT: i32 = 27;
/// A UDF failed: a Lua error (the message is Lua's), or a module that cannot load.
pub const SJ_ERR_UDF: i32 = 100;

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
/// Value type: map. `len` entries at `items`: 2 × `len` values, each entry's key then its value,
/// in the order the server sent them (key order for a key-ordered map). As input, `items` may
/// be NULL with `data`/`len` holding the map in Aerospike's msgpack.
pub const SJ_TYPE_MAP: u32 = 19;
/// Value type: list. `len` elements at `items`. As input, `items` may be NULL with
/// `data`/`len` holding the list in Aerospike's msgpack. A map operation's KEY_VALUE result is a
/// list of keys and values alternating, in selection order.
pub const SJ_TYPE_LIST: u32 = 20;
/// Value type: HyperLogLog (`data`, `len`: Aerospike's HLL bytes), as an HLL bin reads back and
/// as HLL operations take their operands.
pub const SJ_TYPE_HLL: u32 = 18;
/// Value type: GeoJSON (`data`, `len`: the JSON text).
pub const SJ_TYPE_GEOJSON: u32 = 23;
/// Value type: the wildcard of list and map operation arguments, equal to any value (inside a
/// list: `["a", *]` matches every list starting with "a"). Never stored.
pub const SJ_TYPE_WILDCARD: u32 = 0x100;
/// Value type: infinity, greater than any value, for open-ended intervals. Never stored.
pub const SJ_TYPE_INFINITY: u32 = 0x101;
/// Value type, in path context levels only (`sj_ctx_all_children_with_filter`,
/// `sj_ctx_and_filter`): a packed expression, `len` bytes at `data` (as `sj_exp_packed` gives).
pub const SJ_TYPE_EXP: u32 = 0x102;

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

/// List and map return type: nothing.
pub const SJ_RETURN_NONE: u32 = 0;
/// Return type: index (maps: position in key order), or a list of them.
pub const SJ_RETURN_INDEX: u32 = 1;
/// Return type: index counted from the end.
pub const SJ_RETURN_REVERSE_INDEX: u32 = 2;
/// Return type: rank (position in value order).
pub const SJ_RETURN_RANK: u32 = 3;
/// Return type: rank counted from the largest.
pub const SJ_RETURN_REVERSE_RANK: u32 = 4;
/// Return type: the number of selected elements.
pub const SJ_RETURN_COUNT: u32 = 5;
/// Return type: key (maps only).
pub const SJ_RETURN_KEY: u32 = 6;
/// Return type: value.
pub const SJ_RETURN_VALUE: u32 = 7;
/// Return type: keys and values (maps only): a list `[k1, v1, k2, v2, ...]` in selection order.
pub const SJ_RETURN_KEY_VALUE: u32 = 8;
/// Return type: whether anything was selected (a boolean).
pub const SJ_RETURN_EXISTS: u32 = 13;
/// Return type: the selected entries as a map (maps only).
pub const SJ_RETURN_UNORDERED_MAP: u32 = 16;
/// Return type: the selected entries as a key-ordered map (maps only).
pub const SJ_RETURN_ORDERED_MAP: u32 = 17;
/// OR-ed into a return type: select the complement (multi-element selections only).
pub const SJ_RETURN_INVERTED: u32 = 0x10000;

/// A range's count meaning "to the end" (the count is left out of the request).
pub const SJ_COUNT_TO_END: u64 = u64::MAX;

/// List order: unordered (default).
pub const SJ_LIST_UNORDERED: u32 = 0;
/// List order: kept sorted by value.
pub const SJ_LIST_ORDERED: u32 = 1;
/// List write flags: none (default).
pub const SJ_LIST_WRITE_DEFAULT: u32 = 0;
/// List write flag: refuse a value already in the list (`SJ_ERR_ELEMENT_EXISTS`).
pub const SJ_LIST_WRITE_ADD_UNIQUE: u32 = 0x01;
/// List write flag: refuse an insert or set past the end (`SJ_ERR_OP_NOT_APPLICABLE`).
pub const SJ_LIST_WRITE_INSERT_BOUNDED: u32 = 0x02;
/// List write flag: the refusals above become no-ops.
pub const SJ_LIST_WRITE_NO_FAIL: u32 = 0x04;
/// List write flag: with NO_FAIL, *_items operations add the items that pass.
pub const SJ_LIST_WRITE_PARTIAL: u32 = 0x08;
/// List sort flags: ascending, keeping duplicates.
pub const SJ_LIST_SORT_DEFAULT: u32 = 0;
/// List sort flag: descending.
pub const SJ_LIST_SORT_DESCENDING: u32 = 0x01;
/// List sort flag: drop duplicates.
pub const SJ_LIST_SORT_DROP_DUPLICATES: u32 = 0x02;

/// Map order: unordered (default).
pub const SJ_MAP_UNORDERED: u32 = 0;
/// Map order: key-ordered.
pub const SJ_MAP_KEY_ORDERED: u32 = 1;
/// Map order: key-ordered with a value index.
pub const SJ_MAP_KEY_VALUE_ORDERED: u32 = 3;
/// Map write flags: create or update (default).
pub const SJ_MAP_WRITE_DEFAULT: u32 = 0;
/// Map write flag: refuse a key already in the map (`SJ_ERR_ELEMENT_EXISTS`).
pub const SJ_MAP_WRITE_CREATE_ONLY: u32 = 0x01;
/// Map write flag: refuse a key not in the map (`SJ_ERR_ELEMENT_NOT_FOUND`).
pub const SJ_MAP_WRITE_UPDATE_ONLY: u32 = 0x02;
/// Map write flag: the refusals above become no-ops.
pub const SJ_MAP_WRITE_NO_FAIL: u32 = 0x04;
/// Map write flag: with NO_FAIL, put-items writes the entries that pass.
pub const SJ_MAP_WRITE_PARTIAL: u32 = 0x08;

/// Bit write flags: create or update (default).
pub const SJ_BIT_WRITE_DEFAULT: u32 = 0;
/// Bit write flag: the bin must not exist (`SJ_ERR_BIN_EXISTS`).
pub const SJ_BIT_WRITE_CREATE_ONLY: u32 = 0x01;
/// Bit write flag: the bin must exist (`SJ_ERR_BIN_NOT_FOUND`).
pub const SJ_BIT_WRITE_UPDATE_ONLY: u32 = 0x02;
/// Bit write flag: failures become no-ops.
pub const SJ_BIT_WRITE_NO_FAIL: u32 = 0x04;
/// Bit write flag: operations may run off the end of the blob (truncated).
pub const SJ_BIT_WRITE_PARTIAL: u32 = 0x08;
/// Bit resize flags: grow or shrink at the end (default).
pub const SJ_BIT_RESIZE_DEFAULT: u32 = 0;
/// Bit resize flag: grow or shrink at the front.
pub const SJ_BIT_RESIZE_FROM_FRONT: u32 = 0x01;
/// Bit resize flag: refuse to shrink (`SJ_ERR_PARAMETER`).
pub const SJ_BIT_RESIZE_GROW_ONLY: u32 = 0x02;
/// Bit resize flag: refuse to grow (`SJ_ERR_PARAMETER`).
pub const SJ_BIT_RESIZE_SHRINK_ONLY: u32 = 0x04;
/// Bit add/subtract on overflow: fail (`SJ_ERR_OP_NOT_APPLICABLE`, default).
pub const SJ_BIT_OVERFLOW_FAIL: u32 = 0;
/// Bit add/subtract on overflow: clamp to the largest or smallest value.
pub const SJ_BIT_OVERFLOW_SATURATE: u32 = 2;
/// Bit add/subtract on overflow: wrap around.
pub const SJ_BIT_OVERFLOW_WRAP: u32 = 4;

/// HLL write flags: create or update (default).
pub const SJ_HLL_WRITE_DEFAULT: u32 = 0;
/// HLL write flag: the bin must not exist (`SJ_ERR_BIN_EXISTS`). Init, add, set-union.
pub const SJ_HLL_WRITE_CREATE_ONLY: u32 = 0x01;
/// HLL write flag: the bin must exist (`SJ_ERR_BIN_NOT_FOUND`). Init, set-union.
pub const SJ_HLL_WRITE_UPDATE_ONLY: u32 = 0x02;
/// HLL write flag: refusals become no-ops.
pub const SJ_HLL_WRITE_NO_FAIL: u32 = 0x04;
/// HLL write flag, set-union only: fold to the fewest index bits instead of refusing
/// (`SJ_ERR_OP_NOT_APPLICABLE`).
pub const SJ_HLL_WRITE_ALLOW_FOLD: u32 = 0x08;
/// HLL index or minhash bit count: not given (the bin keeps its own, or the server's default).
pub const SJ_HLL_BITS_NOT_GIVEN: i32 = -1;

/// Context level (`sj_ctx_item.type`): the list element at an index (an `SJ_TYPE_INT` value).
pub const SJ_CTX_LIST_INDEX: u32 = 0x10;
/// Context level: the list element of a rank (an `SJ_TYPE_INT` value).
pub const SJ_CTX_LIST_RANK: u32 = 0x11;
/// Context level: the first list element equal to a value.
pub const SJ_CTX_LIST_VALUE: u32 = 0x13;
/// Context level: the value of the map entry at an index, in key order (an `SJ_TYPE_INT` value).
pub const SJ_CTX_MAP_INDEX: u32 = 0x20;
/// Context level: the value of the map entry of a rank, in value order (an `SJ_TYPE_INT` value).
pub const SJ_CTX_MAP_RANK: u32 = 0x21;
/// Context level: the value of a key.
pub const SJ_CTX_MAP_KEY: u32 = 0x22;
/// Context level: the value of the first map entry with a value.
pub const SJ_CTX_MAP_VALUE: u32 = 0x23;
/// Path level (`sj_operations_select_by_path` / `_modify_by_path` only): every child, or with
/// an `SJ_TYPE_EXP` filter every child it is true for (`sj_ctx_all_children*`).
pub const SJ_CTX_EXP: u32 = 0x04;
/// Path level: a second filter (an `SJ_TYPE_EXP` value) on the level before (`sj_ctx_and_filter`).
pub const SJ_CTX_AND_EXP: u32 = 0x204;
/// Path level: the values of those of a list of keys the map has (`sj_ctx_map_keys_in`).
pub const SJ_CTX_MAP_KEYS_IN: u32 = 0x2A;

/// Path select flag (`sj_operations_select_by_path`): answer the tree from the bin down to the
/// selected elements, keeping only those.
pub const SJ_PATH_SELECT_MATCHING_TREE: u32 = 0;
/// Path select flag: answer a list of the selected values (of maps: the entries' values).
pub const SJ_PATH_SELECT_VALUE: u32 = 1;
/// Path select flag: answer a list of the selected map entries' keys.
pub const SJ_PATH_SELECT_MAP_KEY: u32 = 2;
/// Path select flag: answer a flat list of the selected map entries' keys and values.
pub const SJ_PATH_SELECT_MAP_KEY_VALUE: u32 = 3;
/// Path select flag, OR-ed: a filter meeting another type, or unknown, does not select instead
/// of failing.
pub const SJ_PATH_SELECT_NO_FAIL: u32 = 0x10;
/// Path modify flag (`sj_operations_modify_by_path`): mismatches and unknowns fail.
pub const SJ_PATH_MODIFY_DEFAULT: u32 = 0;
/// Path modify flag: a filter or modify expression meeting another type, or unknown, leaves the
/// element alone instead of failing.
pub const SJ_PATH_MODIFY_NO_FAIL: u32 = 0x10;

/// Path variable (`sj_exp_loopvar`): the map key of the element at hand.
pub const SJ_EXP_LOOPVAR_KEY: u32 = 0;
/// Path variable: the element's value.
pub const SJ_EXP_LOOPVAR_VALUE: u32 = 1;
/// Path variable: the element's list index.
pub const SJ_EXP_LOOPVAR_INDEX: u32 = 2;

/// Expression value type (`sj_exp_bin`, `sj_exp_key`, calls): nil.
pub const SJ_EXP_TYPE_NIL: u32 = 0;
/// Expression value type: boolean.
pub const SJ_EXP_TYPE_BOOL: u32 = 1;
/// Expression value type: integer.
pub const SJ_EXP_TYPE_INT: u32 = 2;
/// Expression value type: string.
pub const SJ_EXP_TYPE_STR: u32 = 3;
/// Expression value type: list.
pub const SJ_EXP_TYPE_LIST: u32 = 4;
/// Expression value type: map.
pub const SJ_EXP_TYPE_MAP: u32 = 5;
/// Expression value type: blob (bytes).
pub const SJ_EXP_TYPE_BLOB: u32 = 6;
/// Expression value type: float.
pub const SJ_EXP_TYPE_FLOAT: u32 = 7;
/// Expression value type: GeoJSON.
pub const SJ_EXP_TYPE_GEOJSON: u32 = 8;
/// Expression value type: HyperLogLog.
pub const SJ_EXP_TYPE_HLL: u32 = 9;
/// Call system (`sj_exp_call_raw`): list and map operations.
pub const SJ_EXP_CALL_CDT: u32 = 0;
/// Call system: bit operations.
pub const SJ_EXP_CALL_BITS: u32 = 1;
/// Call system: HLL operations.
pub const SJ_EXP_CALL_HLL: u32 = 2;
/// OR-ed into a call's system when its operation modifies (a copy of) the container.
pub const SJ_EXP_CALL_MODIFY: u32 = 0x40;
/// Expression read flags (`sj_operations_exp_read`): none.
pub const SJ_EXP_READ_DEFAULT: u32 = 0;
/// Expression read flag: an expression that cannot be evaluated answers nothing instead of
/// failing with `SJ_ERR_OP_NOT_APPLICABLE`.
pub const SJ_EXP_READ_EVAL_NO_FAIL: u32 = 0x10;
/// Expression write flags (`sj_operations_exp_write`): none (create or update the bin).
pub const SJ_EXP_WRITE_DEFAULT: u32 = 0;
/// Expression write flag: the bin must not exist (`SJ_ERR_BIN_EXISTS`).
pub const SJ_EXP_WRITE_CREATE_ONLY: u32 = 0x01;
/// Expression write flag: the bin must exist (`SJ_ERR_BIN_NOT_FOUND`).
pub const SJ_EXP_WRITE_UPDATE_ONLY: u32 = 0x02;
/// Expression write flag: a nil result deletes the bin.
pub const SJ_EXP_WRITE_ALLOW_DELETE: u32 = 0x04;
/// Expression write flag: the refusals of create-only, update-only and deletes become no-ops.
pub const SJ_EXP_WRITE_POLICY_NO_FAIL: u32 = 0x08;
/// Expression write flag: an expression that cannot be evaluated writes nothing instead of
/// failing with `SJ_ERR_OP_NOT_APPLICABLE`.
pub const SJ_EXP_WRITE_EVAL_NO_FAIL: u32 = 0x10;

/// Length of `sj_error.message`, NUL included.
pub const SJ_ERROR_MESSAGE_SIZE: usize = 512;

/// Index value type: integers (`sj_index_create`).
pub const SJ_INDEX_NUMERIC: u32 = 0;
/// Index value type: strings.
pub const SJ_INDEX_STRING: u32 = 1;
/// Index value type: blobs.
pub const SJ_INDEX_BLOB: u32 = 2;
/// Index value type: GeoJSON.
pub const SJ_INDEX_GEO2DSPHERE: u32 = 3;
/// Index collection: the bin's value (`sj_index_create`, `sj_index_filter_set_collection`).
pub const SJ_INDEX_DEFAULT: u32 = 0;
/// Index collection: each element of a list.
pub const SJ_INDEX_LIST: u32 = 1;
/// Index collection: each key of a map.
pub const SJ_INDEX_MAPKEYS: u32 = 2;
/// Index collection: each value of a map.
pub const SJ_INDEX_MAPVALUES: u32 = 3;

/// Privilege codes (`sj_privilege.code`; Aerospike's `as_privilege_code`): manage users and
/// roles.
pub const SJ_PRIV_USER_ADMIN: u32 = 0;
/// Manage the server (configuration, logging, service control).
pub const SJ_PRIV_SYS_ADMIN: u32 = 1;
/// Manage UDF modules, secondary indexes and truncation.
pub const SJ_PRIV_DATA_ADMIN: u32 = 2;
/// Manage UDF modules.
pub const SJ_PRIV_UDF_ADMIN: u32 = 3;
/// Manage secondary indexes.
pub const SJ_PRIV_SINDEX_ADMIN: u32 = 4;
/// Read records (and scan and query).
pub const SJ_PRIV_READ: u32 = 10;
/// Read and write records.
pub const SJ_PRIV_READ_WRITE: u32 = 11;
/// Read, write and run UDFs.
pub const SJ_PRIV_READ_WRITE_UDF: u32 = 12;
/// Write records (no reads).
pub const SJ_PRIV_WRITE: u32 = 13;
/// Truncate sets and namespaces.
pub const SJ_PRIV_TRUNCATE: u32 = 14;
