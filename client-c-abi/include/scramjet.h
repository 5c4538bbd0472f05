/*
 * scramjet.h: the C API of the Scramjet smart client (libscramjet.so / libscramjet.a).
 *
 * Generated from client-c-abi/src/ffi/ by cbindgen; do not edit. Conventions: fallible
 * calls return SJ_OK or an error code (a server result code > 0, a client code < 0) and fill
 * `err` (if not NULL) with the code and a message; objects are opaque and freed by their
 * _destroy function; a client handle is thread-safe.
 *
 * Lists and maps: sj_operations_list_* and sj_operations_map_* add list and map operations to
 * an sj_operations for sj_operate (return types SJ_RETURN_*, orders SJ_LIST_* / SJ_MAP_*, write
 * flags SJ_*_WRITE_*, SJ_COUNT_TO_END for open ranges). Each operation that answers adds a bin
 * of its bin's name to the record, in operation order. A list or map value is an sj_value of
 * type SJ_TYPE_LIST or SJ_TYPE_MAP whose `items` holds its `len` elements (a map: key, value,
 * key, value, ...); walk them directly or with sj_value_list_get / sj_value_map_key /
 * sj_value_map_value / sj_value_map_find, and build them with sj_value_list / sj_value_map.
 * Nested lists and maps: every sj_operations_list_* / sj_operations_map_* function takes a
 * `const sj_ctx*` right after the bin, NULL for the bin's own list or map, or the path to the
 * nested one as sj_ctx_item levels (sj_ctx_list_index, sj_ctx_map_key, ..., and the creating
 * sj_ctx_list_index_create / sj_ctx_map_key_create); sj_operations_list_create /
 * sj_operations_map_create make the list or map a path leads to.
 *
 * Expressions: sj_exp_* build an sj_exp bottom-up (a builder takes ownership of its sj_exp
 * operands; NULL in gives NULL out); set one as a command's filter with
 * sj_read_policy_set_filter / sj_write_policy_set_filter / sj_scan_policy_set_filter (borrowed:
 * a record it leaves out answers SJ_ERR_FILTERED_OUT), or add sj_operations_exp_read /
 * sj_operations_exp_write operations. Free it with sj_exp_destroy.
 */

#ifndef SCRAMJET_H
#define SCRAMJET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Longest user name (Aerospike's `AS_USER_SIZE` less the terminating zero).
#define MAX_USER_LEN 63

// A UDF failed (server 100: a Lua error, or a module that cannot load; the message is
// the server's).
#define UDF 100

// Success.
#define SJ_OK 0

// Generic client error (also: a caught internal failure).
#define SJ_ERR_CLIENT -1

// Invalid argument.
#define SJ_ERR_PARAM -2

// A host name could not be resolved.
#define SJ_ERR_INVALID_HOST -4

// A scan callback stopped the scan (not returned by `sj_scan`, which reports success).
#define SJ_ERR_CLIENT_ABORT -5

// The node's connection pool is full.
#define SJ_ERR_NO_MORE_CONNECTIONS -7

// No node holds the partition, or no such node.
#define SJ_ERR_INVALID_NODE -8

// A connection failed.
#define SJ_ERR_CONNECTION -10

// Generic server error.
#define SJ_ERR_SERVER 1

// The record does not exist.
#define SJ_ERR_RECORD_NOT_FOUND 2

// Generation check failed.
#define SJ_ERR_GENERATION 3

// The server refused a parameter.
#define SJ_ERR_PARAMETER 4

// The record exists (create-only write).
#define SJ_ERR_RECORD_EXISTS 5

// The bin exists (bit and HLL create-only writes).
#define SJ_ERR_BIN_EXISTS 6

// The command timed out.
#define SJ_ERR_TIMEOUT 9

// The bin's value has another type.
#define SJ_ERR_BIN_INCOMPATIBLE_TYPE 12

// The record is too big.
#define SJ_ERR_RECORD_TOO_BIG 13

// The bin does not exist (record getters; bit and HLL writes that need the bin).
#define SJ_ERR_BIN_NOT_FOUND 17

// The namespace does not exist.
#define SJ_ERR_NAMESPACE_NOT_FOUND 20

// A list or map element does not exist (map update-only writes).
#define SJ_ERR_ELEMENT_NOT_FOUND 23

// A list or map element already exists (list add-unique, map create-only writes).
#define SJ_ERR_ELEMENT_EXISTS 24

// The user does not exist (login, user commands).
#define SJ_ERR_INVALID_USER 60

// The password does not match (login).
#define SJ_ERR_INVALID_CREDENTIAL 65

// The connection has not logged in (a node with access control and no user configured).
#define SJ_ERR_NOT_AUTHENTICATED 80

// The user's roles do not allow the command.
#define SJ_ERR_ROLE_VIOLATION 81

// The client's address is not in the user's roles' allowlists.
#define SJ_ERR_NOT_WHITELISTED 82

// The list, map, bit or HLL operation does not apply (e.g. an index out of range for a single
// element, an insert into an ordered list, an inverted single-element selection, an HLL
// created without index bits).
#define SJ_ERR_OP_NOT_APPLICABLE 26

// The command's filter expression left the record out (the record is neither read nor
// changed; in a batch, per key).
#define SJ_ERR_FILTERED_OUT 27

// A UDF failed: a Lua error (the message is Lua's), or a module that cannot load.
#define SJ_ERR_UDF 100

// Value type: none (writing it deletes the bin).
#define SJ_TYPE_NIL 0

// Value type: 64-bit signed integer (`i`).
#define SJ_TYPE_INT 1

// Value type: double (`f`).
#define SJ_TYPE_FLOAT 2

// Value type: UTF-8 string (`data`, `len`; NUL-terminated in records).
#define SJ_TYPE_STR 3

// Value type: bytes (`data`, `len`).
#define SJ_TYPE_BYTES 4

// Value type: boolean (`i` is 0 or 1).
#define SJ_TYPE_BOOL 17

// Value type: map. `len` entries at `items`: 2 × `len` values, each entry's key then its value,
// in the order the server sent them (key order for a key-ordered map). As input, `items` may
// be NULL with `data`/`len` holding the map in Aerospike's msgpack.
#define SJ_TYPE_MAP 19

// Value type: list. `len` elements at `items`. As input, `items` may be NULL with
// `data`/`len` holding the list in Aerospike's msgpack. A map operation's KEY_VALUE result is a
// list of keys and values alternating, in selection order.
#define SJ_TYPE_LIST 20

// Value type: HyperLogLog (`data`, `len`: Aerospike's HLL bytes), as an HLL bin reads back and
// as HLL operations take their operands.
#define SJ_TYPE_HLL 18

// Value type: GeoJSON (`data`, `len`: the JSON text).
#define SJ_TYPE_GEOJSON 23

// Value type: the wildcard of list and map operation arguments, equal to any value (inside a
// list: `["a", *]` matches every list starting with "a"). Never stored.
#define SJ_TYPE_WILDCARD 256

// Value type: infinity, greater than any value, for open-ended intervals. Never stored.
#define SJ_TYPE_INFINITY 257

// Value type, in path context levels only (`sj_ctx_all_children_with_filter`,
// `sj_ctx_and_filter`): a packed expression, `len` bytes at `data` (as `sj_exp_packed` gives).
#define SJ_TYPE_EXP 258

// Replica policy: always the master.
#define SJ_REPLICA_MASTER 0

// Replica policy: any copy.
#define SJ_REPLICA_ANY 1

// Replica policy: master first, then the replicas on retries (default).
#define SJ_REPLICA_SEQUENCE 2

// Exists action: create or update (default).
#define SJ_EXISTS_UPDATE 0

// Exists action: the record must exist.
#define SJ_EXISTS_UPDATE_ONLY 1

// Exists action: create or replace all bins.
#define SJ_EXISTS_REPLACE 2

// Exists action: replace; the record must exist.
#define SJ_EXISTS_REPLACE_ONLY 3

// Exists action: the record must not exist.
#define SJ_EXISTS_CREATE_ONLY 4

// Generation policy: none (default).
#define SJ_GEN_NONE 0

// Generation policy: the record's generation must equal `generation`.
#define SJ_GEN_EQ 1

// Generation policy: `generation` must be greater than the record's.
#define SJ_GEN_GT 2

// Commit level: all copies (default).
#define SJ_COMMIT_ALL 0

// Commit level: the master.
#define SJ_COMMIT_MASTER 1

// TTL: the namespace default.
#define SJ_TTL_NAMESPACE_DEFAULT 0

// TTL: never expire (-1).
#define SJ_TTL_NEVER_EXPIRE 4294967295

// TTL: keep the current expiry (-2).
#define SJ_TTL_DONT_UPDATE 4294967294

// Operation: read a bin (a NULL bin name reads every bin).
#define SJ_OP_READ 1

// Operation: write a bin.
#define SJ_OP_WRITE 2

// Operation: add an integer or a double to a bin.
#define SJ_OP_INCR 5

// Operation: append a string or bytes.
#define SJ_OP_APPEND 9

// Operation: prepend a string or bytes.
#define SJ_OP_PREPEND 10

// Operation: reset the TTL (to the policy's).
#define SJ_OP_TOUCH 11

// Operation: delete the record.
#define SJ_OP_DELETE 14

// List and map return type: nothing.
#define SJ_RETURN_NONE 0

// Return type: index (maps: position in key order), or a list of them.
#define SJ_RETURN_INDEX 1

// Return type: index counted from the end.
#define SJ_RETURN_REVERSE_INDEX 2

// Return type: rank (position in value order).
#define SJ_RETURN_RANK 3

// Return type: rank counted from the largest.
#define SJ_RETURN_REVERSE_RANK 4

// Return type: the number of selected elements.
#define SJ_RETURN_COUNT 5

// Return type: key (maps only).
#define SJ_RETURN_KEY 6

// Return type: value.
#define SJ_RETURN_VALUE 7

// Return type: keys and values (maps only): a list `[k1, v1, k2, v2, ...]` in selection order.
#define SJ_RETURN_KEY_VALUE 8

// Return type: whether anything was selected (a boolean).
#define SJ_RETURN_EXISTS 13

// Return type: the selected entries as a map (maps only).
#define SJ_RETURN_UNORDERED_MAP 16

// Return type: the selected entries as a key-ordered map (maps only).
#define SJ_RETURN_ORDERED_MAP 17

// OR-ed into a return type: select the complement (multi-element selections only).
#define SJ_RETURN_INVERTED 65536

// A range's count meaning "to the end" (the count is left out of the request).
#define SJ_COUNT_TO_END UINT64_MAX

// List order: unordered (default).
#define SJ_LIST_UNORDERED 0

// List order: kept sorted by value.
#define SJ_LIST_ORDERED 1

// List write flags: none (default).
#define SJ_LIST_WRITE_DEFAULT 0

// List write flag: refuse a value already in the list (`SJ_ERR_ELEMENT_EXISTS`).
#define SJ_LIST_WRITE_ADD_UNIQUE 1

// List write flag: refuse an insert or set past the end (`SJ_ERR_OP_NOT_APPLICABLE`).
#define SJ_LIST_WRITE_INSERT_BOUNDED 2

// List write flag: the refusals above become no-ops.
#define SJ_LIST_WRITE_NO_FAIL 4

// List write flag: with NO_FAIL, *_items operations add the items that pass.
#define SJ_LIST_WRITE_PARTIAL 8

// List sort flags: ascending, keeping duplicates.
#define SJ_LIST_SORT_DEFAULT 0

// List sort flag: descending.
#define SJ_LIST_SORT_DESCENDING 1

// List sort flag: drop duplicates.
#define SJ_LIST_SORT_DROP_DUPLICATES 2

// Map order: unordered (default).
#define SJ_MAP_UNORDERED 0

// Map order: key-ordered.
#define SJ_MAP_KEY_ORDERED 1

// Map order: key-ordered with a value index.
#define SJ_MAP_KEY_VALUE_ORDERED 3

// Map write flags: create or update (default).
#define SJ_MAP_WRITE_DEFAULT 0

// Map write flag: refuse a key already in the map (`SJ_ERR_ELEMENT_EXISTS`).
#define SJ_MAP_WRITE_CREATE_ONLY 1

// Map write flag: refuse a key not in the map (`SJ_ERR_ELEMENT_NOT_FOUND`).
#define SJ_MAP_WRITE_UPDATE_ONLY 2

// Map write flag: the refusals above become no-ops.
#define SJ_MAP_WRITE_NO_FAIL 4

// Map write flag: with NO_FAIL, put-items writes the entries that pass.
#define SJ_MAP_WRITE_PARTIAL 8

// Bit write flags: create or update (default).
#define SJ_BIT_WRITE_DEFAULT 0

// Bit write flag: the bin must not exist (`SJ_ERR_BIN_EXISTS`).
#define SJ_BIT_WRITE_CREATE_ONLY 1

// Bit write flag: the bin must exist (`SJ_ERR_BIN_NOT_FOUND`).
#define SJ_BIT_WRITE_UPDATE_ONLY 2

// Bit write flag: failures become no-ops.
#define SJ_BIT_WRITE_NO_FAIL 4

// Bit write flag: operations may run off the end of the blob (truncated).
#define SJ_BIT_WRITE_PARTIAL 8

// Bit resize flags: grow or shrink at the end (default).
#define SJ_BIT_RESIZE_DEFAULT 0

// Bit resize flag: grow or shrink at the front.
#define SJ_BIT_RESIZE_FROM_FRONT 1

// Bit resize flag: refuse to shrink (`SJ_ERR_PARAMETER`).
#define SJ_BIT_RESIZE_GROW_ONLY 2

// Bit resize flag: refuse to grow (`SJ_ERR_PARAMETER`).
#define SJ_BIT_RESIZE_SHRINK_ONLY 4

// Bit add/subtract on overflow: fail (`SJ_ERR_OP_NOT_APPLICABLE`, default).
#define SJ_BIT_OVERFLOW_FAIL 0

// Bit add/subtract on overflow: clamp to the largest or smallest value.
#define SJ_BIT_OVERFLOW_SATURATE 2

// Bit add/subtract on overflow: wrap around.
#define SJ_BIT_OVERFLOW_WRAP 4

// HLL write flags: create or update (default).
#define SJ_HLL_WRITE_DEFAULT 0

// HLL write flag: the bin must not exist (`SJ_ERR_BIN_EXISTS`). Init, add, set-union.
#define SJ_HLL_WRITE_CREATE_ONLY 1

// HLL write flag: the bin must exist (`SJ_ERR_BIN_NOT_FOUND`). Init, set-union.
#define SJ_HLL_WRITE_UPDATE_ONLY 2

// HLL write flag: refusals become no-ops.
#define SJ_HLL_WRITE_NO_FAIL 4

// HLL write flag, set-union only: fold to the fewest index bits instead of refusing
// (`SJ_ERR_OP_NOT_APPLICABLE`).
#define SJ_HLL_WRITE_ALLOW_FOLD 8

// HLL index or minhash bit count: not given (the bin keeps its own, or the server's default).
#define SJ_HLL_BITS_NOT_GIVEN -1

// Context level (`sj_ctx_item.type`): the list element at an index (an `SJ_TYPE_INT` value).
#define SJ_CTX_LIST_INDEX 16

// Context level: the list element of a rank (an `SJ_TYPE_INT` value).
#define SJ_CTX_LIST_RANK 17

// Context level: the first list element equal to a value.
#define SJ_CTX_LIST_VALUE 19

// Context level: the value of the map entry at an index, in key order (an `SJ_TYPE_INT` value).
#define SJ_CTX_MAP_INDEX 32

// Context level: the value of the map entry of a rank, in value order (an `SJ_TYPE_INT` value).
#define SJ_CTX_MAP_RANK 33

// Context level: the value of a key.
#define SJ_CTX_MAP_KEY 34

// Context level: the value of the first map entry with a value.
#define SJ_CTX_MAP_VALUE 35

// Path level (`sj_operations_select_by_path` / `_modify_by_path` only): every child, or with
// an `SJ_TYPE_EXP` filter every child it is true for (`sj_ctx_all_children*`).
#define SJ_CTX_EXP 4

// Path level: a second filter (an `SJ_TYPE_EXP` value) on the level before (`sj_ctx_and_filter`).
#define SJ_CTX_AND_EXP 516

// Path level: the values of those of a list of keys the map has (`sj_ctx_map_keys_in`).
#define SJ_CTX_MAP_KEYS_IN 42

// Path select flag (`sj_operations_select_by_path`): answer the tree from the bin down to the
// selected elements, keeping only those.
#define SJ_PATH_SELECT_MATCHING_TREE 0

// Path select flag: answer a list of the selected values (of maps: the entries' values).
#define SJ_PATH_SELECT_VALUE 1

// Path select flag: answer a list of the selected map entries' keys.
#define SJ_PATH_SELECT_MAP_KEY 2

// Path select flag: answer a flat list of the selected map entries' keys and values.
#define SJ_PATH_SELECT_MAP_KEY_VALUE 3

// Path select flag, OR-ed: a filter meeting another type, or unknown, does not select instead
// of failing.
#define SJ_PATH_SELECT_NO_FAIL 16

// Path modify flag (`sj_operations_modify_by_path`): mismatches and unknowns fail.
#define SJ_PATH_MODIFY_DEFAULT 0

// Path modify flag: a filter or modify expression meeting another type, or unknown, leaves the
// element alone instead of failing.
#define SJ_PATH_MODIFY_NO_FAIL 16

// Path variable (`sj_exp_loopvar`): the map key of the element at hand.
#define SJ_EXP_LOOPVAR_KEY 0

// Path variable: the element's value.
#define SJ_EXP_LOOPVAR_VALUE 1

// Path variable: the element's list index.
#define SJ_EXP_LOOPVAR_INDEX 2

// Expression value type (`sj_exp_bin`, `sj_exp_key`, calls): nil.
#define SJ_EXP_TYPE_NIL 0

// Expression value type: boolean.
#define SJ_EXP_TYPE_BOOL 1

// Expression value type: integer.
#define SJ_EXP_TYPE_INT 2

// Expression value type: string.
#define SJ_EXP_TYPE_STR 3

// Expression value type: list.
#define SJ_EXP_TYPE_LIST 4

// Expression value type: map.
#define SJ_EXP_TYPE_MAP 5

// Expression value type: blob (bytes).
#define SJ_EXP_TYPE_BLOB 6

// Expression value type: float.
#define SJ_EXP_TYPE_FLOAT 7

// Expression value type: GeoJSON.
#define SJ_EXP_TYPE_GEOJSON 8

// Expression value type: HyperLogLog.
#define SJ_EXP_TYPE_HLL 9

// Call system (`sj_exp_call_raw`): list and map operations.
#define SJ_EXP_CALL_CDT 0

// Call system: bit operations.
#define SJ_EXP_CALL_BITS 1

// Call system: HLL operations.
#define SJ_EXP_CALL_HLL 2

// OR-ed into a call's system when its operation modifies (a copy of) the container.
#define SJ_EXP_CALL_MODIFY 64

// Expression read flags (`sj_operations_exp_read`): none.
#define SJ_EXP_READ_DEFAULT 0

// Expression read flag: an expression that cannot be evaluated answers nothing instead of
// failing with `SJ_ERR_OP_NOT_APPLICABLE`.
#define SJ_EXP_READ_EVAL_NO_FAIL 16

// Expression write flags (`sj_operations_exp_write`): none (create or update the bin).
#define SJ_EXP_WRITE_DEFAULT 0

// Expression write flag: the bin must not exist (`SJ_ERR_BIN_EXISTS`).
#define SJ_EXP_WRITE_CREATE_ONLY 1

// Expression write flag: the bin must exist (`SJ_ERR_BIN_NOT_FOUND`).
#define SJ_EXP_WRITE_UPDATE_ONLY 2

// Expression write flag: a nil result deletes the bin.
#define SJ_EXP_WRITE_ALLOW_DELETE 4

// Expression write flag: the refusals of create-only, update-only and deletes become no-ops.
#define SJ_EXP_WRITE_POLICY_NO_FAIL 8

// Expression write flag: an expression that cannot be evaluated writes nothing instead of
// failing with `SJ_ERR_OP_NOT_APPLICABLE`.
#define SJ_EXP_WRITE_EVAL_NO_FAIL 16

// Length of `sj_error.message`, NUL included.
#define SJ_ERROR_MESSAGE_SIZE 512

// Index value type: integers (`sj_index_create`).
#define SJ_INDEX_NUMERIC 0

// Index value type: strings.
#define SJ_INDEX_STRING 1

// Index value type: blobs.
#define SJ_INDEX_BLOB 2

// Index value type: GeoJSON.
#define SJ_INDEX_GEO2DSPHERE 3

// Index collection: the bin's value (`sj_index_create`, `sj_index_filter_set_collection`).
#define SJ_INDEX_DEFAULT 0

// Index collection: each element of a list.
#define SJ_INDEX_LIST 1

// Index collection: each key of a map.
#define SJ_INDEX_MAPKEYS 2

// Index collection: each value of a map.
#define SJ_INDEX_MAPVALUES 3

// Privilege codes (`sj_privilege.code`; Aerospike's `as_privilege_code`): manage users and
// roles.
#define SJ_PRIV_USER_ADMIN 0

// Manage the server (configuration, logging, service control).
#define SJ_PRIV_SYS_ADMIN 1

// Manage UDF modules, secondary indexes and truncation.
#define SJ_PRIV_DATA_ADMIN 2

// Manage UDF modules.
#define SJ_PRIV_UDF_ADMIN 3

// Manage secondary indexes.
#define SJ_PRIV_SINDEX_ADMIN 4

// Read records (and scan and query).
#define SJ_PRIV_READ 10

// Read and write records.
#define SJ_PRIV_READ_WRITE 11

// Read, write and run UDFs.
#define SJ_PRIV_READ_WRITE_UDF 12

// Write records (no reads).
#define SJ_PRIV_WRITE 13

// Truncate sets and namespaces.
#define SJ_PRIV_TRUNCATE 14

// UDF_OP of an aggregation.
#define OP_AGGREGATE 1

// UDF_OP of a background UDF.
#define OP_BACKGROUND 2

// Timeouts and retries shared by every command.
typedef struct BasePolicy BasePolicy;

// What an operation that selects elements returns (PROTOCOL-DATA A.4): one of the constants,
// optionally [`inverted`](ReturnType::inverted) to select the complement. Any number is
// passed to the server as is.
typedef struct ReturnType ReturnType;

// A connected client (thread-safe).
typedef struct sj_client sj_client;

// An expression (`sj_exp_*`): a filter for a policy, or the value of an expression operation.
typedef struct sj_exp sj_exp;

// A query's where clause (make one with `sj_index_filter_*`, free it with
// `sj_index_filter_destroy`).
typedef struct sj_index_filter sj_index_filter;

// A record key: namespace, set and user key or digest.
typedef struct sj_key sj_key;

// A list of operations for `sj_operate`.
typedef struct sj_operations sj_operations;

// The partitions a query covers and how far each got (`sj_partition_filter_all` /
// `_range`; free it with `sj_partition_filter_destroy`). Pass the same one to `sj_query` again
// to go on where a query with `max_records` stopped.
typedef struct sj_partition_filter sj_partition_filter;

// Bins, with generation and expiry when read from the server.
typedef struct sj_record sj_record;

// Client settings; fill with `sj_client_config_init`, then change what you need.
typedef struct sj_client_config {
  // Seeds: `host:port[,host:port…]` (a host without a port uses 3000).
  const char *hosts;
  // Required cluster name, or NULL.
  const char *cluster_name;
  // TCP connect timeout (default 1000).
  uint32_t connect_timeout_ms;
  // Tend interval (default 1000).
  uint32_t tend_interval_ms;
  // Open connections per node, all ports (default 100).
  uint32_t max_conns_per_node;
  // Send commands to the owning core's port when the server advertises one (default true).
  bool shard_routing;
  // The user to log in as on nodes with access control, or NULL (default).
  const char *user;
  // The user's password (hashed in the client; never sent), or NULL.
  const char *password;
  // With TLS: the name the nodes' certificates carry (their `tls-name`); NULL for plain TCP.
  // The hosts' ports are then the nodes' TLS ports.
  const char *tls_name;
  // With TLS: the CA file (PEM) the nodes' certificates chain to.
  const char *tls_ca_file;
  // With TLS, for nodes that require a client certificate: its chain (PEM), or NULL.
  const char *tls_cert_file;
  // The client certificate's key (PEM), or NULL.
  const char *tls_key_file;
  // Log in with the TLS client certificate (the node takes the user from it) instead of a
  // user and password (default false; needs the TLS fields and a certificate).
  bool pki_login;
} sj_client_config;

// Read policy; fill with `sj_read_policy_init`. Pass NULL for the defaults.
typedef struct sj_read_policy {
  // Per-attempt socket timeout, 0 for none (default 30000).
  uint32_t socket_timeout_ms;
  // Whole-command deadline, 0 for none (default 1000).
  uint32_t total_timeout_ms;
  // Retries on network errors and timeouts (default 2).
  uint32_t max_retries;
  // Pause between attempts (default 0).
  uint32_t sleep_between_retries_ms;
  // `SJ_REPLICA_*` (default `SJ_REPLICA_SEQUENCE`).
  uint32_t replica;
  // A boolean filter expression the record must satisfy, or NULL (default): a record it
  // leaves out answers `SJ_ERR_FILTERED_OUT` (in `sj_batch_get`, per key). Borrowed: keep the
  // expression alive while the policy is used. See `sj_read_policy_set_filter`.
  const struct sj_exp *filter;
} sj_read_policy;

// Write policy; fill with `sj_write_policy_init`. Pass NULL for the defaults.
typedef struct sj_write_policy {
  // Per-attempt socket timeout, 0 for none (default 30000).
  uint32_t socket_timeout_ms;
  // Whole-command deadline, 0 for none (default 1000).
  uint32_t total_timeout_ms;
  // Retries on network errors and timeouts (default 0: a retried write may apply twice).
  uint32_t max_retries;
  // Pause between attempts (default 0).
  uint32_t sleep_between_retries_ms;
  // `SJ_EXISTS_*` (default `SJ_EXISTS_UPDATE`).
  uint32_t exists;
  // `SJ_GEN_*` (default `SJ_GEN_NONE`).
  uint32_t gen_policy;
  // The generation `gen_policy` compares.
  uint32_t generation;
  // TTL in seconds, or `SJ_TTL_*` (default `SJ_TTL_NAMESPACE_DEFAULT`).
  uint32_t ttl;
  // `SJ_COMMIT_*` (default `SJ_COMMIT_ALL`).
  uint32_t commit_level;
  // Store the user key with the record (default false).
  bool send_key;
  // Leave a tombstone when deleting (default false).
  bool durable_delete;
  // A boolean filter expression the record must satisfy, or NULL (default): a record it
  // leaves out answers `SJ_ERR_FILTERED_OUT` and is not changed. Borrowed: keep the
  // expression alive while the policy is used. See `sj_write_policy_set_filter`.
  const struct sj_exp *filter;
} sj_write_policy;

// Scan policy; fill with `sj_scan_policy_init`. Pass NULL for the defaults.
typedef struct sj_scan_policy {
  // Most time between two messages from a node, 0 for none (default 30000).
  uint32_t socket_timeout_ms;
  // Stop after this many records, 0 for all.
  uint64_t max_records;
  // Server-side throttle, 0 for none.
  uint32_t records_per_second;
  // Return metadata only.
  bool no_bins;
  // A boolean filter expression records must satisfy, or NULL (default); the others are
  // skipped. Borrowed: keep the expression alive while the policy is used. See
  // `sj_scan_policy_set_filter`.
  const struct sj_exp *filter;
} sj_scan_policy;

// The outcome of a call: the code and a NUL-terminated message (truncated to fit).
typedef struct sj_error {
  // `SJ_OK` or an error code.
  int32_t code;
  // What happened.
  char message[SJ_ERROR_MESSAGE_SIZE];
} sj_error;

// A value: input to `sj_record_set` and the `sj_operations_*` functions, output of
// `sj_record_bin`, `sj_record_get` and `sj_key_value`. Which fields matter depends on `type`
// (`SJ_TYPE_*`, or another particle type for values this API does not unpack, as bytes).
//
// Lists and maps: `items` points to their elements, `len` counts them (a map's `len` entries
// are 2 × `len` values, key then value). Read them directly or with `sj_value_list_get`,
// `sj_value_map_key`, `sj_value_map_value` and `sj_value_map_find`; build them with
// `sj_value_list` and `sj_value_map` over arrays of values. In a record every pointer, at any
// depth, lives as long as the record. Zero-initialised fields are a valid nil value.
typedef struct sj_value {
  // `SJ_TYPE_*`, or another particle type for values this API does not unpack.
  uint32_t type;
  // The integer (`SJ_TYPE_INT`), or 0/1 (`SJ_TYPE_BOOL`).
  int64_t i;
  // The double (`SJ_TYPE_FLOAT`).
  double f;
  // The bytes (`SJ_TYPE_STR`, `SJ_TYPE_BYTES` and others; a list or map in msgpack as input).
  const uint8_t *data;
  // Number of bytes at `data` (a string's NUL not counted); of elements (list) or entries
  // (map) at `items`.
  size_t len;
  // The elements of a list, or the keys and values of a map (alternating); NULL otherwise.
  const struct sj_value *items;
} sj_value;

// One level of a context (`sj_ctx`): which element of the list or map reached so far to
// descend into. `type` is an `SJ_CTX_*` constant, or what `sj_ctx_list_index_create` /
// `sj_ctx_map_key_create` give (the type with the create flag of the official client OR-ed in);
// `value` is an `SJ_TYPE_INT` index or rank, or the value or key to look for. Make items with
// the `sj_ctx_*` functions, or fill them directly.
typedef struct sj_ctx_item {
  // `SJ_CTX_*`, with a create flag from `sj_ctx_list_index_create` / `sj_ctx_map_key_create`.
  uint32_t type;
  // The index or rank (`SJ_TYPE_INT`), or the value or key.
  struct sj_value value;
} sj_ctx_item;

// A context: the path from a bin to the nested list or map an `sj_operations_list_*` /
// `sj_operations_map_*` operation applies to, `n` levels at `items`, outermost first. Every
// such operation takes a `const sj_ctx*` right after the bin: NULL (or `n` 0) for the bin's
// own list or map. The levels are copied when the operation is added. For example, to append
// to the last list of key "scores" of the map in bin "doc":
//
// ```c
// sj_ctx_item path[] = {sj_ctx_map_key(sj_value_str("scores")), sj_ctx_list_index(-1)};
// sj_ctx ctx = {path, 2};
// sj_operations_list_append(&err, ops, "doc", &ctx, &value, NULL);
// ```
typedef struct sj_ctx {
  // The levels, from the bin inward.
  const struct sj_ctx_item *items;
  // How many.
  size_t n;
} sj_ctx;

// The policy of list writes (`sj_operations_list_*`); pass NULL for none. Zeroes are the
// defaults.
typedef struct sj_list_policy {
  // `SJ_LIST_*` order of a list the operation creates (an existing list keeps its own).
  uint32_t order;
  // `SJ_LIST_WRITE_*` flags, OR-ed.
  uint32_t flags;
} sj_list_policy;

// The policy of map writes (`sj_operations_map_*`); pass NULL for none. Zeroes are the
// defaults.
typedef struct sj_map_policy {
  // `SJ_MAP_*` order of a map the operation creates (the new order for
  // `sj_operations_map_set_policy`).
  uint32_t order;
  // `SJ_MAP_WRITE_*` flags, OR-ed.
  uint32_t flags;
  // Ask the server to persist an index with a top-level map it creates.
  bool persist_index;
} sj_map_policy;

// A scan callback: gets each record (valid during the call only) and the caller's pointer;
// returns true to go on, false to stop. It must not unwind (no C++ exceptions).
typedef bool (*sj_scan_callback)(const struct sj_record *record, void *udata);

// A privilege of a role: `SJ_PRIV_*` and, for the data privileges, a namespace and set scope
// (NULL or "" for all).
typedef struct sj_privilege {
  // `SJ_PRIV_*`.
  uint32_t code;
  // Namespace scope, or NULL.
  const char *ns;
  // Set scope (with a namespace), or NULL.
  const char *set;
} sj_privilege;



























#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// Fills `config` with the defaults (hosts NULL: set them).
//
// # Safety
// `config` is NULL or writable.
void sj_client_config_init(struct sj_client_config *config);

// Fills `policy` with the read defaults.
//
// # Safety
// `policy` is NULL or writable.
void sj_read_policy_init(struct sj_read_policy *policy);

// Fills `policy` with the write defaults.
//
// # Safety
// `policy` is NULL or writable.
void sj_write_policy_init(struct sj_write_policy *policy);

// Fills `policy` with the scan defaults.
//
// # Safety
// `policy` is NULL or writable.
void sj_scan_policy_init(struct sj_scan_policy *policy);

// Sets the policy's filter expression (NULL: none). The policy borrows it: keep `filter` alive
// and unchanged while the policy is used.
//
// # Safety
// `policy` is NULL or writable; `filter` is NULL or a valid expression.
void sj_read_policy_set_filter(struct sj_read_policy *policy, const struct sj_exp *filter);

// Sets the policy's filter expression (NULL: none), as `sj_read_policy_set_filter`.
//
// # Safety
// `policy` is NULL or writable; `filter` is NULL or a valid expression.
void sj_write_policy_set_filter(struct sj_write_policy *policy, const struct sj_exp *filter);

// Sets the policy's filter expression (NULL: none), as `sj_read_policy_set_filter`.
//
// # Safety
// `policy` is NULL or writable; `filter` is NULL or a valid expression.
void sj_scan_policy_set_filter(struct sj_scan_policy *policy, const struct sj_exp *filter);

// Connects to the cluster. On success `*client` holds a handle to free with
// `sj_client_destroy`.
//
// # Safety
// `err` is NULL or writable; `config` is a valid config; `client` is writable.
int32_t sj_client_new(struct sj_error *err,
                      const struct sj_client_config *config,
                      struct sj_client **client);

// Closes the client's connections, stops its tend thread and frees it. NULL is ignored.
//
// # Safety
// `client` is NULL or a handle from `sj_client_new` not yet destroyed, not in use by another
// thread.
void sj_client_destroy(struct sj_client *client);

// Makes a key with a string user key. `set` may be NULL or "" for no set.
//
// # Safety
// Strings are NULL or NUL-terminated; `err` is NULL or writable; `key` is writable.
int32_t sj_key_new_str(struct sj_error *err,
                       const char *ns,
                       const char *set,
                       const char *value,
                       struct sj_key **key);

// Makes a key with an integer user key.
//
// # Safety
// Strings are NULL or NUL-terminated; `err` is NULL or writable; `key` is writable.
int32_t sj_key_new_int(struct sj_error *err,
                       const char *ns,
                       const char *set,
                       int64_t value,
                       struct sj_key **key);

// Makes a key with a bytes user key.
//
// # Safety
// Strings are NULL or NUL-terminated; `data` is valid for `len` bytes; `err` is NULL or
// writable; `key` is writable.
int32_t sj_key_new_bytes(struct sj_error *err,
                         const char *ns,
                         const char *set,
                         const uint8_t *data,
                         size_t len,
                         struct sj_key **key);

// Makes a key from a 20-byte digest.
//
// # Safety
// Strings are NULL or NUL-terminated; `digest` points to 20 bytes; `err` is NULL or
// writable; `key` is writable.
int32_t sj_key_new_digest(struct sj_error *err,
                          const char *ns,
                          const char *set,
                          const uint8_t *digest,
                          struct sj_key **key);

// Frees a key. NULL is ignored.
//
// # Safety
// `key` is NULL or a key made by this library and not yet destroyed.
void sj_key_destroy(struct sj_key *key);

// The key's namespace (valid while the key lives).
//
// # Safety
// `key` is a valid key.
const char *sj_key_namespace(const struct sj_key *key);

// The key's set, "" if none (valid while the key lives).
//
// # Safety
// `key` is a valid key.
const char *sj_key_set(const struct sj_key *key);

// Copies the key's 20-byte digest to `out`.
//
// # Safety
// `key` is a valid key; `out` has room for 20 bytes.
void sj_key_digest(const struct sj_key *key, uint8_t *out);

// The user key: `SJ_TYPE_INT`, `SJ_TYPE_STR`, `SJ_TYPE_BYTES`, or `SJ_TYPE_NIL` when the key
// has only a digest (pointers valid while the key lives).
//
// # Safety
// `key` is a valid key; `out` is writable.
void sj_key_value(const struct sj_key *key, struct sj_value *out);

// A new, empty record (bins to write).
struct sj_record *sj_record_new(void);

// Frees a record. NULL is ignored.
//
// # Safety
// `record` is NULL or a record from this library not yet destroyed.
void sj_record_destroy(struct sj_record *record);

// Sets bin `bin` to `value` (copied), replacing an earlier value of the same bin.
//
// # Safety
// `err` is NULL or writable; `record` is a valid record; `bin` is NUL-terminated; `value`
// is valid.
int32_t sj_record_set(struct sj_error *err,
                      struct sj_record *record,
                      const char *bin,
                      const struct sj_value *value);

// Sets an integer bin.
//
// # Safety
// As `sj_record_set`.
int32_t sj_record_set_int(struct sj_error *err,
                          struct sj_record *record,
                          const char *bin,
                          int64_t v);

// Sets a double bin.
//
// # Safety
// As `sj_record_set`.
int32_t sj_record_set_float(struct sj_error *err,
                            struct sj_record *record,
                            const char *bin,
                            double v);

// Sets a string bin from a NUL-terminated string.
//
// # Safety
// As `sj_record_set`; `v` is NUL-terminated.
int32_t sj_record_set_str(struct sj_error *err,
                          struct sj_record *record,
                          const char *bin,
                          const char *v);

// Sets a bytes bin.
//
// # Safety
// As `sj_record_set`; `data` is valid for `len` bytes.
int32_t sj_record_set_bytes(struct sj_error *err,
                            struct sj_record *record,
                            const char *bin,
                            const uint8_t *data,
                            size_t len);

// Number of bins.
//
// # Safety
// `record` is a valid record.
size_t sj_record_bin_count(const struct sj_record *record);

// Bin `index`: its name and value (pointers valid while the record lives). Returns
// `SJ_ERR_PARAM` if `index` is out of range.
//
// # Safety
// `record` is a valid record; `name` and `value` are writable (either may be NULL).
int32_t sj_record_bin(const struct sj_record *record,
                      size_t index,
                      const char **name,
                      struct sj_value *value);

// The value of bin `bin`: `SJ_OK`, or `SJ_ERR_BIN_NOT_FOUND`.
//
// # Safety
// `record` is a valid record; `bin` is NUL-terminated; `value` is writable.
int32_t sj_record_get(const struct sj_record *record, const char *bin, struct sj_value *value);

// An integer bin: `SJ_OK`, `SJ_ERR_BIN_NOT_FOUND` or `SJ_ERR_BIN_INCOMPATIBLE_TYPE`.
//
// # Safety
// As `sj_record_get`; `out` is writable.
int32_t sj_record_get_int(const struct sj_record *record, const char *bin, int64_t *out);

// A string bin (NUL-terminated; valid while the record lives): `SJ_OK`,
// `SJ_ERR_BIN_NOT_FOUND` or `SJ_ERR_BIN_INCOMPATIBLE_TYPE`.
//
// # Safety
// As `sj_record_get`; `out` is writable.
int32_t sj_record_get_str(const struct sj_record *record, const char *bin, const char **out);

// The record's generation.
//
// # Safety
// `record` is a valid record.
uint32_t sj_record_generation(const struct sj_record *record);

// Seconds until the record expires: `SJ_TTL_NEVER_EXPIRE` if never.
//
// # Safety
// `record` is a valid record.
uint32_t sj_record_ttl(const struct sj_record *record);

// The record's key (scan results), or NULL; valid while the record lives.
//
// # Safety
// `record` is a valid record.
const struct sj_key *sj_record_key(const struct sj_record *record);

// A nil value.
struct sj_value sj_value_nil(void);

// An integer value.
struct sj_value sj_value_int(int64_t v);

// A double value.
struct sj_value sj_value_double(double v);

// A boolean value.
struct sj_value sj_value_bool(bool v);

// A string value pointing into `s` (NUL-terminated, UTF-8); NULL gives nil.
//
// # Safety
// `s` is NULL or NUL-terminated.
struct sj_value sj_value_str(const char *s);

// A bytes value pointing to `len` bytes at `data`.
struct sj_value sj_value_bytes(const uint8_t *data, size_t len);

// An HLL value pointing to `len` bytes at `data` (Aerospike's HLL bytes, as an `SJ_TYPE_HLL`
// value read from a record holds): written as a bin it makes an HLL bin, and it is what HLL
// operations take as operands.
struct sj_value sj_value_hll(const uint8_t *data, size_t len);

// A list value of the `n` values at `items`.
struct sj_value sj_value_list(const struct sj_value *items, size_t n);

// A map value of `n_entries` entries: `keys_and_values` holds 2 × `n_entries` values, each
// entry's key then its value. Keys are integers, strings or bytes.
struct sj_value sj_value_map(const struct sj_value *keys_and_values, size_t n_entries);

// The wildcard, for list and map operation arguments: equal to anything.
struct sj_value sj_value_wildcard(void);

// Infinity, for list and map operation arguments: greater than anything.
struct sj_value sj_value_infinity(void);

// Element `index` of a list, or NULL if `list` is not a list or has no such element.
//
// # Safety
// `list` is NULL or a valid value (its pointers valid, as in a record).
const struct sj_value *sj_value_list_get(const struct sj_value *list, size_t index);

// The key of entry `index` of a map, or NULL if `map` is not a map or has no such entry.
//
// # Safety
// As `sj_value_list_get`.
const struct sj_value *sj_value_map_key(const struct sj_value *map, size_t index);

// The value of entry `index` of a map, or NULL if `map` is not a map or has no such entry.
//
// # Safety
// As `sj_value_list_get`.
const struct sj_value *sj_value_map_value(const struct sj_value *map, size_t index);

// The value of the entry of `map` whose key equals `key` (an integer, string or bytes), or
// NULL if there is none.
//
// # Safety
// `map` and `key` are NULL or valid values.
const struct sj_value *sj_value_map_find(const struct sj_value *map, const struct sj_value *key);

// The list element at `index` (negative: from the end).
struct sj_ctx_item sj_ctx_list_index(int64_t index);

// The list element at `index`, made an empty list of `order` (`SJ_LIST_*`) if missing (with
// the levels after it): `index` must then be the list's size, unless `pad` (unordered lists
// only) fills the gap with nils. As the official client, the type is `SJ_CTX_LIST_INDEX` with
// a create flag: 0xC0 ordered, 0x80 padded, 0x40 otherwise. An unknown order gives type 0,
// which every operation refuses.
struct sj_ctx_item sj_ctx_list_index_create(int64_t index, uint32_t order, bool pad);

// The list element of `rank` (0: smallest, -1: largest).
struct sj_ctx_item sj_ctx_list_rank(int64_t rank);

// The first list element equal to `value`.
struct sj_ctx_item sj_ctx_list_value(struct sj_value value);

// The value of the map entry at `index` (key order; negative: from the end).
struct sj_ctx_item sj_ctx_map_index(int64_t index);

// The value of the map entry of `rank` (value order; -1: largest).
struct sj_ctx_item sj_ctx_map_rank(int64_t rank);

// The value of `key`.
struct sj_ctx_item sj_ctx_map_key(struct sj_value key);

// The value of `key`, made an empty map of `order` (`SJ_MAP_*`) if the key is missing (with
// the levels after it). As the official client, the type is `SJ_CTX_MAP_KEY` with a create
// flag: 0x40 unordered, 0x80 key-ordered, 0xC0 key-value-ordered. An unknown order gives type
// 0, which every operation refuses.
struct sj_ctx_item sj_ctx_map_key_create(struct sj_value key, uint32_t order);

// The value of the first map entry whose value is `value`.
struct sj_ctx_item sj_ctx_map_value(struct sj_value value);

// Paths only: every child of the list or map reached (`[0x04, true]`, as the C client's
// `as_cdt_ctx_add_all_children`).
struct sj_ctx_item sj_ctx_all_children(void);

// Paths only: every child of the list or map reached for which `filter` (a boolean
// expression, in which `sj_exp_loopvar` gives the child's key, value or index) is true
// (`as_cdt_ctx_add_all_children_with_filter`). The item borrows `filter`'s bytes: keep it alive
// until the operation is added.
//
// # Safety
// `filter` is NULL or a valid expression.
struct sj_ctx_item sj_ctx_all_children_with_filter(const struct sj_exp *filter);

// Paths only: a second filter on the children the level before (not an expression level)
// selected (`as_cdt_ctx_add_and_filter`, type 0x204). Borrows `filter` as
// `sj_ctx_all_children_with_filter` does.
//
// # Safety
// `filter` is NULL or a valid expression.
struct sj_ctx_item sj_ctx_and_filter(const struct sj_exp *filter);

// Paths only: the values of those of the `n` keys at `keys` the map has
// (`as_cdt_ctx_add_map_keys_in`). Borrows the keys.
struct sj_ctx_item sj_ctx_map_keys_in(const struct sj_value *keys, size_t n);

// A new, empty operation list.
struct sj_operations *sj_operations_new(void);

// Frees an operation list. NULL is ignored.
//
// # Safety
// `ops` is NULL or a list from `sj_operations_new` not yet destroyed.
void sj_operations_destroy(struct sj_operations *ops);

// Adds operation `op` (`SJ_OP_*`) on `bin` with `value` (NULL where the operation takes
// none: read, touch, delete). `SJ_OP_READ` with a NULL bin reads every bin.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NULL or NUL-terminated; `value` is
// NULL or valid.
int32_t sj_operations_add(struct sj_error *err,
                          struct sj_operations *ops,
                          uint32_t op,
                          const char *bin,
                          const struct sj_value *value);

// Sets the list's order (`SJ_LIST_*`), creating an empty list if the bin has none; with
// `persist_index` the server keeps an index with a top-level ordered list.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_set_order(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     uint32_t order,
                                     bool persist_index);

// Creates a list of `order` (`SJ_LIST_*`) where `ctx` leads, if there is none: the last level
// of `ctx` gets the create flag of `order` (with `pad`, an unordered list may be created past
// the end of the list holding it, which is padded with nils), as the official client's
// `as_operations_list_create`. Without a context, sets the order of the bin's list (with
// `persist_index`, the server keeps an index with it), as `sj_operations_list_set_order`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_create(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  const struct sj_ctx *ctx,
                                  uint32_t order,
                                  bool pad,
                                  bool persist_index);

// Sorts the list (`SJ_LIST_SORT_*` flags).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_sort(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                const struct sj_ctx *ctx,
                                uint32_t flags);

// Appends `value`. Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid; `policy` is NULL or valid.
int32_t sj_operations_list_append(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  const struct sj_ctx *ctx,
                                  const struct sj_value *value,
                                  const struct sj_list_policy *policy);

// Appends the `n` values at `items`. Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `items` holds `n` valid values; `policy` is NULL or valid.
int32_t sj_operations_list_append_items(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        const struct sj_value *items,
                                        size_t n,
                                        const struct sj_list_policy *policy);

// Inserts `value` at `index` (negative: from the end). Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid; `policy` is NULL or valid.
int32_t sj_operations_list_insert(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  const struct sj_ctx *ctx,
                                  int64_t index,
                                  const struct sj_value *value,
                                  const struct sj_list_policy *policy);

// Inserts the `n` values at `items` at `index`. Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `items` holds `n` valid values; `policy` is NULL or valid.
int32_t sj_operations_list_insert_items(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        int64_t index,
                                        const struct sj_value *items,
                                        size_t n,
                                        const struct sj_list_policy *policy);

// Adds `delta` (an integer or a double; NULL: 1) to the element at `index`. Result: the new value.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `delta` is NULL or valid; `policy` is NULL or valid.
int32_t sj_operations_list_increment(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     int64_t index,
                                     const struct sj_value *delta,
                                     const struct sj_list_policy *policy);

// Sets the element at `index` to `value`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid; `policy` is NULL or valid.
int32_t sj_operations_list_set(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *bin,
                               const struct sj_ctx *ctx,
                               int64_t index,
                               const struct sj_value *value,
                               const struct sj_list_policy *policy);

// Removes the element at `index`. Result: the element.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_pop(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *bin,
                               const struct sj_ctx *ctx,
                               int64_t index);

// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: a list of them.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_pop_range(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     int64_t index,
                                     uint64_t count);

// Removes the element at `index`. Result: 1.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_remove(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  const struct sj_ctx *ctx,
                                  int64_t index);

// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: how many.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_remove_range(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        int64_t index,
                                        uint64_t count);

// Keeps only `count` elements from `index`. Result: how many were removed.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_trim(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                const struct sj_ctx *ctx,
                                int64_t index,
                                uint64_t count);

// Removes every element.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_clear(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 const struct sj_ctx *ctx);

// Result: the number of elements.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_size(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                const struct sj_ctx *ctx);

// Result: the element at `index` (`SJ_ERR_OP_NOT_APPLICABLE` if there is none).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_get(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *bin,
                               const struct sj_ctx *ctx,
                               int64_t index);

// Result: a list of `count` elements (`SJ_COUNT_TO_END`: all) from `index`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_get_range(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     int64_t index,
                                     uint64_t count);

// Reads the element at `index`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_get_by_index(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        uint32_t return_type,
                                        int64_t index);

// Reads `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_get_by_index_range(struct sj_error *err,
                                              struct sj_operations *ops,
                                              const char *bin,
                                              const struct sj_ctx *ctx,
                                              uint32_t return_type,
                                              int64_t index,
                                              uint64_t count);

// Reads the element of rank `rank` (0: smallest, -1: largest). Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_get_by_rank(struct sj_error *err,
                                       struct sj_operations *ops,
                                       const char *bin,
                                       const struct sj_ctx *ctx,
                                       uint32_t return_type,
                                       int64_t rank);

// Reads `count` elements (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_get_by_rank_range(struct sj_error *err,
                                             struct sj_operations *ops,
                                             const char *bin,
                                             const struct sj_ctx *ctx,
                                             uint32_t return_type,
                                             int64_t rank,
                                             uint64_t count);

// Reads every element equal to `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_list_get_by_value(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        uint32_t return_type,
                                        const struct sj_value *value);

// Reads the first element equal to `value` (op codes 20/33, which current clients no
// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_list_get_by_value_first(struct sj_error *err,
                                              struct sj_operations *ops,
                                              const char *bin,
                                              const struct sj_ctx *ctx,
                                              uint32_t return_type,
                                              const struct sj_value *value);

// Reads every element equal to one of the `n` values at `values`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `values` holds `n` valid values.
int32_t sj_operations_list_get_by_value_list(struct sj_error *err,
                                             struct sj_operations *ops,
                                             const char *bin,
                                             const struct sj_ctx *ctx,
                                             uint32_t return_type,
                                             const struct sj_value *values,
                                             size_t n);

// Reads the elements with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL: no
// bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `begin` and `end` are NULL or valid.
int32_t sj_operations_list_get_by_value_range(struct sj_error *err,
                                              struct sj_operations *ops,
                                              const char *bin,
                                              const struct sj_ctx *ctx,
                                              uint32_t return_type,
                                              const struct sj_value *begin,
                                              const struct sj_value *end);

// Reads `count` elements (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_list_get_by_value_rel_rank_range(struct sj_error *err,
                                                       struct sj_operations *ops,
                                                       const char *bin,
                                                       const struct sj_ctx *ctx,
                                                       uint32_t return_type,
                                                       const struct sj_value *value,
                                                       int64_t rank,
                                                       uint64_t count);

// Removes the element at `index`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_remove_by_index(struct sj_error *err,
                                           struct sj_operations *ops,
                                           const char *bin,
                                           const struct sj_ctx *ctx,
                                           uint32_t return_type,
                                           int64_t index);

// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_remove_by_index_range(struct sj_error *err,
                                                 struct sj_operations *ops,
                                                 const char *bin,
                                                 const struct sj_ctx *ctx,
                                                 uint32_t return_type,
                                                 int64_t index,
                                                 uint64_t count);

// Removes the element of rank `rank` (0: smallest, -1: largest). Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_remove_by_rank(struct sj_error *err,
                                          struct sj_operations *ops,
                                          const char *bin,
                                          const struct sj_ctx *ctx,
                                          uint32_t return_type,
                                          int64_t rank);

// Removes `count` elements (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_list_remove_by_rank_range(struct sj_error *err,
                                                struct sj_operations *ops,
                                                const char *bin,
                                                const struct sj_ctx *ctx,
                                                uint32_t return_type,
                                                int64_t rank,
                                                uint64_t count);

// Removes every element equal to `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_list_remove_by_value(struct sj_error *err,
                                           struct sj_operations *ops,
                                           const char *bin,
                                           const struct sj_ctx *ctx,
                                           uint32_t return_type,
                                           const struct sj_value *value);

// Removes the first element equal to `value` (op codes 20/33, which current clients no
// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_list_remove_by_value_first(struct sj_error *err,
                                                 struct sj_operations *ops,
                                                 const char *bin,
                                                 const struct sj_ctx *ctx,
                                                 uint32_t return_type,
                                                 const struct sj_value *value);

// Removes every element equal to one of the `n` values at `values`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `values` holds `n` valid values.
int32_t sj_operations_list_remove_by_value_list(struct sj_error *err,
                                                struct sj_operations *ops,
                                                const char *bin,
                                                const struct sj_ctx *ctx,
                                                uint32_t return_type,
                                                const struct sj_value *values,
                                                size_t n);

// Removes the elements with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL:
// no bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `begin` and `end` are NULL or valid.
int32_t sj_operations_list_remove_by_value_range(struct sj_error *err,
                                                 struct sj_operations *ops,
                                                 const char *bin,
                                                 const struct sj_ctx *ctx,
                                                 uint32_t return_type,
                                                 const struct sj_value *begin,
                                                 const struct sj_value *end);

// Removes `count` elements (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_list_remove_by_value_rel_rank_range(struct sj_error *err,
                                                          struct sj_operations *ops,
                                                          const char *bin,
                                                          const struct sj_ctx *ctx,
                                                          uint32_t return_type,
                                                          const struct sj_value *value,
                                                          int64_t rank,
                                                          uint64_t count);

// Sets the map's order (`policy->order`, and `persist_index`), creating an empty map if the bin
// has none.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `policy` is NULL or valid.
int32_t sj_operations_map_set_policy(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     const struct sj_map_policy *policy);

// Creates a map of `order` (`SJ_MAP_*`) where `ctx` leads, if there is none: the last level of
// `ctx` gets the create flag of `order`, as the official client's `as_operations_map_create`.
// Without a context, sets the order of the bin's map (with `persist_index`, the server keeps
// an index with it), as `sj_operations_map_set_policy`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_create(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 const struct sj_ctx *ctx,
                                 uint32_t order,
                                 bool persist_index);

// Puts `key` and `value`. Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` and `value` are valid; `policy` is NULL or valid.
int32_t sj_operations_map_put(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              const struct sj_ctx *ctx,
                              const struct sj_value *key,
                              const struct sj_value *value,
                              const struct sj_map_policy *policy);

// Puts `n_entries` entries: `keys_and_values` holds each key then its value. Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `keys_and_values` holds 2 × `n_entries` valid values; `policy` is NULL or valid.
int32_t sj_operations_map_put_items(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin,
                                    const struct sj_ctx *ctx,
                                    const struct sj_value *keys_and_values,
                                    size_t n_entries,
                                    const struct sj_map_policy *policy);

// Puts `key` and `value` if the key is absent (legacy create-only put, op code 65; a present key
// is `SJ_ERR_ELEMENT_EXISTS`). Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` and `value` are valid; `policy` is NULL or valid.
int32_t sj_operations_map_add(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              const struct sj_ctx *ctx,
                              const struct sj_value *key,
                              const struct sj_value *value,
                              const struct sj_map_policy *policy);

// Legacy create-only put of `n_entries` entries (op code 66).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `keys_and_values` holds 2 × `n_entries` valid values; `policy` is NULL or valid.
int32_t sj_operations_map_add_items(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin,
                                    const struct sj_ctx *ctx,
                                    const struct sj_value *keys_and_values,
                                    size_t n_entries,
                                    const struct sj_map_policy *policy);

// Puts `key` and `value` if the key is present (legacy update-only put, op code 69; an absent key
// is `SJ_ERR_ELEMENT_NOT_FOUND`). Result: the new size.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` and `value` are valid.
int32_t sj_operations_map_replace(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  const struct sj_ctx *ctx,
                                  const struct sj_value *key,
                                  const struct sj_value *value);

// Legacy update-only put of `n_entries` entries (op code 70).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `keys_and_values` holds 2 × `n_entries` valid values.
int32_t sj_operations_map_replace_items(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        const struct sj_value *keys_and_values,
                                        size_t n_entries);

// Adds `delta` (an integer or a double; NULL: 1) to the value of `key` (0 if absent). Result: the
// new value.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` and `delta` are valid; `policy` is NULL or valid.
int32_t sj_operations_map_increment(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin,
                                    const struct sj_ctx *ctx,
                                    const struct sj_value *key,
                                    const struct sj_value *delta,
                                    const struct sj_map_policy *policy);

// Subtracts `delta` (NULL: 1) from the value of `key`. Result: the new value.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` and `delta` are valid; `policy` is NULL or valid.
int32_t sj_operations_map_decrement(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin,
                                    const struct sj_ctx *ctx,
                                    const struct sj_value *key,
                                    const struct sj_value *delta,
                                    const struct sj_map_policy *policy);

// Removes every entry.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_clear(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                const struct sj_ctx *ctx);

// Result: the number of entries.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_size(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *bin,
                               const struct sj_ctx *ctx);

// Reads the entry of `key`. Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`)
// asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` is valid.
int32_t sj_operations_map_get_by_key(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     uint32_t return_type,
                                     const struct sj_value *key);

// Reads the entries of the `n` keys at `keys`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `keys` holds `n` valid values.
int32_t sj_operations_map_get_by_key_list(struct sj_error *err,
                                          struct sj_operations *ops,
                                          const char *bin,
                                          const struct sj_ctx *ctx,
                                          uint32_t return_type,
                                          const struct sj_value *keys,
                                          size_t n);

// Reads the entries with `begin <= key < end` (`begin` NULL: from the smallest; `end`
// NULL: no bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `begin` and `end` are NULL or valid.
int32_t sj_operations_map_get_by_key_range(struct sj_error *err,
                                           struct sj_operations *ops,
                                           const char *bin,
                                           const struct sj_ctx *ctx,
                                           uint32_t return_type,
                                           const struct sj_value *begin,
                                           const struct sj_value *end);

// Reads `count` entries (`SJ_COUNT_TO_END`: all) from the index of `key` plus `index`. Result:
// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` is valid.
int32_t sj_operations_map_get_by_key_rel_index_range(struct sj_error *err,
                                                     struct sj_operations *ops,
                                                     const char *bin,
                                                     const struct sj_ctx *ctx,
                                                     uint32_t return_type,
                                                     const struct sj_value *key,
                                                     int64_t index,
                                                     uint64_t count);

// Reads the entry at `index` (key order). Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_get_by_index(struct sj_error *err,
                                       struct sj_operations *ops,
                                       const char *bin,
                                       const struct sj_ctx *ctx,
                                       uint32_t return_type,
                                       int64_t index);

// Reads `count` entries (`SJ_COUNT_TO_END`: all) from `index` (key order). Result: what
// `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_get_by_index_range(struct sj_error *err,
                                             struct sj_operations *ops,
                                             const char *bin,
                                             const struct sj_ctx *ctx,
                                             uint32_t return_type,
                                             int64_t index,
                                             uint64_t count);

// Reads every entry whose value equals `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_map_get_by_value(struct sj_error *err,
                                       struct sj_operations *ops,
                                       const char *bin,
                                       const struct sj_ctx *ctx,
                                       uint32_t return_type,
                                       const struct sj_value *value);

// Reads the first entry whose value equals `value` (op codes 99/78, which current clients no
// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_map_get_by_value_first(struct sj_error *err,
                                             struct sj_operations *ops,
                                             const char *bin,
                                             const struct sj_ctx *ctx,
                                             uint32_t return_type,
                                             const struct sj_value *value);

// Reads every entry whose value is one of the `n` values at `values`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `values` holds `n` valid values.
int32_t sj_operations_map_get_by_value_list(struct sj_error *err,
                                            struct sj_operations *ops,
                                            const char *bin,
                                            const struct sj_ctx *ctx,
                                            uint32_t return_type,
                                            const struct sj_value *values,
                                            size_t n);

// Reads the entries with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL: no
// bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `begin` and `end` are NULL or valid.
int32_t sj_operations_map_get_by_value_range(struct sj_error *err,
                                             struct sj_operations *ops,
                                             const char *bin,
                                             const struct sj_ctx *ctx,
                                             uint32_t return_type,
                                             const struct sj_value *begin,
                                             const struct sj_value *end);

// Reads `count` entries (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_map_get_by_value_rel_rank_range(struct sj_error *err,
                                                      struct sj_operations *ops,
                                                      const char *bin,
                                                      const struct sj_ctx *ctx,
                                                      uint32_t return_type,
                                                      const struct sj_value *value,
                                                      int64_t rank,
                                                      uint64_t count);

// Reads the entry of rank `rank` (value order; -1: largest). Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_get_by_rank(struct sj_error *err,
                                      struct sj_operations *ops,
                                      const char *bin,
                                      const struct sj_ctx *ctx,
                                      uint32_t return_type,
                                      int64_t rank);

// Reads `count` entries (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_get_by_rank_range(struct sj_error *err,
                                            struct sj_operations *ops,
                                            const char *bin,
                                            const struct sj_ctx *ctx,
                                            uint32_t return_type,
                                            int64_t rank,
                                            uint64_t count);

// Removes the entry of `key`. Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`)
// asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` is valid.
int32_t sj_operations_map_remove_by_key(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin,
                                        const struct sj_ctx *ctx,
                                        uint32_t return_type,
                                        const struct sj_value *key);

// Removes the entries of the `n` keys at `keys`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `keys` holds `n` valid values.
int32_t sj_operations_map_remove_by_key_list(struct sj_error *err,
                                             struct sj_operations *ops,
                                             const char *bin,
                                             const struct sj_ctx *ctx,
                                             uint32_t return_type,
                                             const struct sj_value *keys,
                                             size_t n);

// Removes the entries with `begin <= key < end` (`begin` NULL: from the smallest; `end`
// NULL: no bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `begin` and `end` are NULL or valid.
int32_t sj_operations_map_remove_by_key_range(struct sj_error *err,
                                              struct sj_operations *ops,
                                              const char *bin,
                                              const struct sj_ctx *ctx,
                                              uint32_t return_type,
                                              const struct sj_value *begin,
                                              const struct sj_value *end);

// Removes `count` entries (`SJ_COUNT_TO_END`: all) from the index of `key` plus `index`. Result:
// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `key` is valid.
int32_t sj_operations_map_remove_by_key_rel_index_range(struct sj_error *err,
                                                        struct sj_operations *ops,
                                                        const char *bin,
                                                        const struct sj_ctx *ctx,
                                                        uint32_t return_type,
                                                        const struct sj_value *key,
                                                        int64_t index,
                                                        uint64_t count);

// Removes the entry at `index` (key order). Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_remove_by_index(struct sj_error *err,
                                          struct sj_operations *ops,
                                          const char *bin,
                                          const struct sj_ctx *ctx,
                                          uint32_t return_type,
                                          int64_t index);

// Removes `count` entries (`SJ_COUNT_TO_END`: all) from `index` (key order). Result: what
// `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_remove_by_index_range(struct sj_error *err,
                                                struct sj_operations *ops,
                                                const char *bin,
                                                const struct sj_ctx *ctx,
                                                uint32_t return_type,
                                                int64_t index,
                                                uint64_t count);

// Removes every entry whose value equals `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
// `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_map_remove_by_value(struct sj_error *err,
                                          struct sj_operations *ops,
                                          const char *bin,
                                          const struct sj_ctx *ctx,
                                          uint32_t return_type,
                                          const struct sj_value *value);

// Removes the first entry whose value equals `value` (op codes 99/78, which current clients no
// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_map_remove_by_value_first(struct sj_error *err,
                                                struct sj_operations *ops,
                                                const char *bin,
                                                const struct sj_ctx *ctx,
                                                uint32_t return_type,
                                                const struct sj_value *value);

// Removes every entry whose value is one of the `n` values at `values`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `values` holds `n` valid values.
int32_t sj_operations_map_remove_by_value_list(struct sj_error *err,
                                               struct sj_operations *ops,
                                               const char *bin,
                                               const struct sj_ctx *ctx,
                                               uint32_t return_type,
                                               const struct sj_value *values,
                                               size_t n);

// Removes the entries with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL: no
// bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `begin` and `end` are NULL or valid.
int32_t sj_operations_map_remove_by_value_range(struct sj_error *err,
                                                struct sj_operations *ops,
                                                const char *bin,
                                                const struct sj_ctx *ctx,
                                                uint32_t return_type,
                                                const struct sj_value *begin,
                                                const struct sj_value *end);

// Removes `count` entries (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `value` is valid.
int32_t sj_operations_map_remove_by_value_rel_rank_range(struct sj_error *err,
                                                         struct sj_operations *ops,
                                                         const char *bin,
                                                         const struct sj_ctx *ctx,
                                                         uint32_t return_type,
                                                         const struct sj_value *value,
                                                         int64_t rank,
                                                         uint64_t count);

// Removes the entry of rank `rank` (value order; -1: largest). Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_remove_by_rank(struct sj_error *err,
                                         struct sj_operations *ops,
                                         const char *bin,
                                         const struct sj_ctx *ctx,
                                         uint32_t return_type,
                                         int64_t rank);

// Removes `count` entries (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_map_remove_by_rank_range(struct sj_error *err,
                                               struct sj_operations *ops,
                                               const char *bin,
                                               const struct sj_ctx *ctx,
                                               uint32_t return_type,
                                               int64_t rank,
                                               uint64_t count);

// Resizes the blob to `byte_size` bytes (creating the bin if missing; new bytes are zero), at
// the end or, with `SJ_BIT_RESIZE_FROM_FRONT` in `resize_flags`, at the front.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_resize(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 uint32_t byte_size,
                                 uint32_t flags,
                                 uint32_t resize_flags);

// Inserts the `len` bytes at `data` at `byte_offset` (creating the bin if missing).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
int32_t sj_operations_bit_insert(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 int32_t byte_offset,
                                 const uint8_t *data,
                                 size_t len,
                                 uint32_t flags);

// Removes `byte_size` bytes at `byte_offset`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_remove(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 int32_t byte_offset,
                                 uint32_t byte_size,
                                 uint32_t flags);

// Sets `bit_size` bits at `bit_offset` to the leading bits of the `len` bytes at `data`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
int32_t sj_operations_bit_set(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              int32_t bit_offset,
                              uint32_t bit_size,
                              const uint8_t *data,
                              size_t len,
                              uint32_t flags);

// ORs `bit_size` bits at `bit_offset` with the leading bits of the `len` bytes at `data`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
int32_t sj_operations_bit_or(struct sj_error *err,
                             struct sj_operations *ops,
                             const char *bin,
                             int32_t bit_offset,
                             uint32_t bit_size,
                             const uint8_t *data,
                             size_t len,
                             uint32_t flags);

// XORs `bit_size` bits at `bit_offset` with the leading bits of the `len` bytes at `data`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
int32_t sj_operations_bit_xor(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              int32_t bit_offset,
                              uint32_t bit_size,
                              const uint8_t *data,
                              size_t len,
                              uint32_t flags);

// ANDs `bit_size` bits at `bit_offset` with the leading bits of the `len` bytes at `data`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
int32_t sj_operations_bit_and(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              int32_t bit_offset,
                              uint32_t bit_size,
                              const uint8_t *data,
                              size_t len,
                              uint32_t flags);

// Negates `bit_size` bits at `bit_offset`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_not(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              int32_t bit_offset,
                              uint32_t bit_size,
                              uint32_t flags);

// Shifts `bit_size` bits at `bit_offset` left by `shift`, filling with zeros.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_lshift(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 int32_t bit_offset,
                                 uint32_t bit_size,
                                 uint32_t shift,
                                 uint32_t flags);

// Shifts `bit_size` bits at `bit_offset` right by `shift`, filling with zeros.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_rshift(struct sj_error *err,
                                 struct sj_operations *ops,
                                 const char *bin,
                                 int32_t bit_offset,
                                 uint32_t bit_size,
                                 uint32_t shift,
                                 uint32_t flags);

// Adds `value` to the integer in `bit_size` (1–64) bits at `bit_offset`, two's complement if
// `is_signed`, doing `action` (`SJ_BIT_OVERFLOW_*`) on overflow.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_add(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              int32_t bit_offset,
                              uint32_t bit_size,
                              int64_t value,
                              bool is_signed,
                              uint32_t action,
                              uint32_t flags);

// Subtracts `value` from the integer in `bit_size` (1–64) bits at `bit_offset`, two's complement
// if `is_signed`, doing `action` (`SJ_BIT_OVERFLOW_*`) on overflow.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_subtract(struct sj_error *err,
                                   struct sj_operations *ops,
                                   const char *bin,
                                   int32_t bit_offset,
                                   uint32_t bit_size,
                                   int64_t value,
                                   bool is_signed,
                                   uint32_t action,
                                   uint32_t flags);

// Sets `bit_size` (1–64) bits at `bit_offset` to the integer `value`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_set_int(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  int32_t bit_offset,
                                  uint32_t bit_size,
                                  int64_t value,
                                  uint32_t flags);

// Reads `bit_size` bits at `bit_offset`. Result: a blob of ⌈bit_size/8⌉ bytes, left-aligned.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_get(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              int32_t bit_offset,
                              uint32_t bit_size);

// Counts the 1 bits of `bit_size` bits at `bit_offset`. Result: an integer.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_count(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                int32_t bit_offset,
                                uint32_t bit_size);

// Finds the first bit equal to `value`, scanning left to right. Result: its offset from
// `bit_offset`, or -1.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_lscan(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                int32_t bit_offset,
                                uint32_t bit_size,
                                bool value);

// Finds the last bit equal to `value`, scanning right to left. Result: its offset from
// `bit_offset`, or -1.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_rscan(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                int32_t bit_offset,
                                uint32_t bit_size,
                                bool value);

// Reads `bit_size` (1–64) bits at `bit_offset` as a big-endian integer, sign-extended if
// `is_signed`. Result: an integer.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_bit_get_int(struct sj_error *err,
                                  struct sj_operations *ops,
                                  const char *bin,
                                  int32_t bit_offset,
                                  uint32_t bit_size,
                                  bool is_signed);

// Creates an empty HLL of `index_bit_count` and `mh_bit_count` bits, or empties the bin's,
// keeping the bit counts given as `SJ_HLL_BITS_NOT_GIVEN`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_hll_init(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *bin,
                               int32_t index_bit_count,
                               int32_t mh_bit_count,
                               uint32_t flags);

// Adds the `n` elements at `values`, creating the bin with `index_bit_count` and `mh_bit_count`
// bits if it is missing (an existing bin keeps its own). Result: the number of registers raised.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `values` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_add(struct sj_error *err,
                              struct sj_operations *ops,
                              const char *bin,
                              const struct sj_value *values,
                              size_t n,
                              int32_t index_bit_count,
                              int32_t mh_bit_count,
                              uint32_t flags);

// Sets the bin to its union with the `n` HLL values at `hlls`, creating it if missing.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_set_union(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin,
                                    const struct sj_value *hlls,
                                    size_t n,
                                    uint32_t flags);

// Refreshes the bin's cached count. Result: the estimated count.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_hll_refresh_count(struct sj_error *err,
                                        struct sj_operations *ops,
                                        const char *bin);

// Folds the bin to `index_bit_count` index bits (fewer; only an HLL without minhash bits).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_hll_fold(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *bin,
                               int32_t index_bit_count);

// Result: the estimated count of the bin's HLL (an integer).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_hll_get_count(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin);

// Result: the union of the bin's HLL with the `n` HLL values at `hlls`, an `SJ_TYPE_HLL` value.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_get_union(struct sj_error *err,
                                    struct sj_operations *ops,
                                    const char *bin,
                                    const struct sj_value *hlls,
                                    size_t n);

// Result: the estimated count of the union of the bin's HLL with the `n` HLL values at `hlls`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_get_union_count(struct sj_error *err,
                                          struct sj_operations *ops,
                                          const char *bin,
                                          const struct sj_value *hlls,
                                          size_t n);

// Result: the estimated count of the intersection of the bin's HLL with the `n` HLL values at
// `hlls`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_get_intersect_count(struct sj_error *err,
                                              struct sj_operations *ops,
                                              const char *bin,
                                              const struct sj_value *hlls,
                                              size_t n);

// Result: the estimated similarity of the bin's HLL with the `n` HLL values at `hlls` (a double).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_get_similarity(struct sj_error *err,
                                         struct sj_operations *ops,
                                         const char *bin,
                                         const struct sj_value *hlls,
                                         size_t n);

// Result: the bin's bit counts, a list `[index_bit_count, mh_bit_count]`.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
int32_t sj_operations_hll_describe(struct sj_error *err,
                                   struct sj_operations *ops,
                                   const char *bin);

// Result: 1 if every one of the `n` elements at `values` may be in the bin's HLL, else 0.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `values` holds `n` valid
// values (NULL if 0).
int32_t sj_operations_hll_may_contain(struct sj_error *err,
                                      struct sj_operations *ops,
                                      const char *bin,
                                      const struct sj_value *values,
                                      size_t n);

// Frees an expression. NULL is ignored.
//
// # Safety
// `exp` is NULL or an expression from this library not yet freed (nor given to a builder).
void sj_exp_destroy(struct sj_exp *exp);

// A copy of `exp` (which stays the caller's), or NULL if `exp` is NULL.
//
// # Safety
// `exp` is NULL or a valid expression.
struct sj_exp *sj_exp_copy(const struct sj_exp *exp);

// The packed bytes of `exp` (valid while it lives), their count in `*len`; NULL (and 0) if
// `exp` is NULL.
//
// # Safety
// `exp` is NULL or a valid expression; `len` is NULL or writable.
const uint8_t *sj_exp_packed(const struct sj_exp *exp, size_t *len);

// An expression packed elsewhere (`len` bytes at `data`, copied): exactly one msgpack value,
// else NULL. What it means is the server's to check.
//
// # Safety
// `data` is valid for `len` bytes.
struct sj_exp *sj_exp_from_bytes(const uint8_t *data, size_t len);

// An integer.
struct sj_exp *sj_exp_int(int64_t value);

// A float.
struct sj_exp *sj_exp_float(double value);

// A boolean.
struct sj_exp *sj_exp_bool(bool value);

// Nil.
struct sj_exp *sj_exp_nil(void);

// A string (UTF-8, NUL-terminated).
//
// # Safety
// `value` is NULL or NUL-terminated.
struct sj_exp *sj_exp_str(const char *value);

// A blob: `len` bytes at `data` (copied).
//
// # Safety
// `data` is valid for `len` bytes (NULL with 0).
struct sj_exp *sj_exp_bytes(const uint8_t *data, size_t len);

// A GeoJSON value (its JSON text, NUL-terminated).
//
// # Safety
// `json` is NULL or NUL-terminated.
struct sj_exp *sj_exp_geo(const char *json);

// Any value as a literal (copied): a list is quoted so that the server reads it as a value;
// maps, HLL values and the rest as in list and map operations.
//
// # Safety
// `value` is NULL or a valid value.
struct sj_exp *sj_exp_value(const struct sj_value *value);

// The value of bin `bin` if it has `type` (`SJ_EXP_TYPE_*`); unknown when the bin is missing
// or of another type. NULL for an unknown type.
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin(const char *bin, uint32_t type);

// The value of bin `bin` if it is an integer (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_int(const char *bin);

// The value of bin `bin` if it is a float (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_float(const char *bin);

// The value of bin `bin` if it is a string (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_str(const char *bin);

// The value of bin `bin` if it is a blob (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_bytes(const char *bin);

// The value of bin `bin` if it is a boolean (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_bool(const char *bin);

// The value of bin `bin` if it is a list (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_list(const char *bin);

// The value of bin `bin` if it is a map (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_map(const char *bin);

// The value of bin `bin` if it is a GeoJSON value (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_geo(const char *bin);

// The value of bin `bin` if it is an HLL value (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_hll(const char *bin);

// The particle type of bin `bin` (0 if it is missing).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_type(const char *bin);

// True if bin `bin` exists (its type is not 0).
//
// # Safety
// `bin` is NULL or NUL-terminated.
struct sj_exp *sj_exp_bin_exists(const char *bin);

// The value bound to `name` by an enclosing `sj_exp_let`.
//
// # Safety
// `name` is NULL or NUL-terminated.
struct sj_exp *sj_exp_var(const char *name);

// The stored user key if it has `type` (`SJ_EXP_TYPE_INT`, `_STR` or `_BLOB`); unknown
// without a stored key.
struct sj_exp *sj_exp_key(uint32_t type);

// The record's digest modulo `modulus`.
struct sj_exp *sj_exp_digest_modulo(int64_t modulus);

// True if the record's user key is stored.
struct sj_exp *sj_exp_key_exists(void);

// The record's size on a device (deprecated by Aerospike for record size).
struct sj_exp *sj_exp_device_size(void);

// The record's size in memory (deprecated by Aerospike for record size).
struct sj_exp *sj_exp_memory_size(void);

// The record's stored size.
struct sj_exp *sj_exp_record_size(void);

// The last update time, nanoseconds since the Unix epoch.
struct sj_exp *sj_exp_last_update(void);

// Milliseconds since the last update.
struct sj_exp *sj_exp_since_update(void);

// The expiry time, nanoseconds since the Unix epoch (-1: never).
struct sj_exp *sj_exp_void_time(void);

// The TTL in seconds (-1: never expires).
struct sj_exp *sj_exp_ttl(void);

// The record's set name ("" without a set).
struct sj_exp *sj_exp_set_name(void);

// True for a tombstone.
struct sj_exp *sj_exp_is_tombstone(void);

// Unknown: the expression (and a filter) fails; e.g. a `sj_exp_cond` default.
struct sj_exp *sj_exp_unknown(void);

// `a == b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_eq(struct sj_exp *a, struct sj_exp *b);

// `a != b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_ne(struct sj_exp *a, struct sj_exp *b);

// `a > b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_gt(struct sj_exp *a, struct sj_exp *b);

// `a >= b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_ge(struct sj_exp *a, struct sj_exp *b);

// `a < b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_lt(struct sj_exp *a, struct sj_exp *b);

// `a <= b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_le(struct sj_exp *a, struct sj_exp *b);

// True if one GeoJSON value is a point inside the other, a region. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_cmp_geo(struct sj_exp *a, struct sj_exp *b);

// True if `a` equals an element of list `b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_in_list(struct sj_exp *a, struct sj_exp *b);

// `a` to the power `b` (floats). Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_pow(struct sj_exp *a, struct sj_exp *b);

// The logarithm of `a` in base `b` (floats). Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_log(struct sj_exp *a, struct sj_exp *b);

// `a % b` (integers). Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_mod(struct sj_exp *a, struct sj_exp *b);

// `a << b`. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_int_lshift(struct sj_exp *a, struct sj_exp *b);

// `a >> b`, logical. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_int_rshift(struct sj_exp *a, struct sj_exp *b);

// `a >> b`, arithmetic. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_int_arshift(struct sj_exp *a, struct sj_exp *b);

// The position (0: most significant) of the first bit of `a` equal to boolean `b` from the left; -1 if none. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_int_lscan(struct sj_exp *a,
                                struct sj_exp *b);

// As `sj_exp_int_lscan`, from the right. Takes `a` and `b`.
//
// # Safety
// `a` and `b` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_int_rscan(struct sj_exp *a, struct sj_exp *b);

// Not `e`. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_not(struct sj_exp *e);

// The absolute value. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_abs(struct sj_exp *e);

// The float rounded down. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_floor(struct sj_exp *e);

// The float rounded up. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_ceil(struct sj_exp *e);

// The float truncated to an integer. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_to_int(struct sj_exp *e);

// The integer as a float. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_to_float(struct sj_exp *e);

// Bitwise not. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_int_not(struct sj_exp *e);

// The number of bits set. Takes `e`.
//
// # Safety
// `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_int_count(struct sj_exp *e);

// All of the `n` booleans at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_and(struct sj_exp *const *items, size_t n);

// Any of the `n` booleans at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_or(struct sj_exp *const *items, size_t n);

// Exactly one of the `n` booleans at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_exclusive(struct sj_exp *const *items, size_t n);

// The sum of the `n` numbers at `items` (all integers or all floats). Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_add(struct sj_exp *const *items, size_t n);

// The first of the `n` numbers at `items` minus the others (one: its negation). Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_sub(struct sj_exp *const *items, size_t n);

// The product of the `n` numbers at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_mul(struct sj_exp *const *items, size_t n);

// The first of the `n` numbers at `items` divided by the others. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_div(struct sj_exp *const *items, size_t n);

// The least of the `n` numbers at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_min(struct sj_exp *const *items, size_t n);

// The greatest of the `n` numbers at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_max(struct sj_exp *const *items, size_t n);

// Bitwise and of the `n` integers at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_int_and(struct sj_exp *const *items, size_t n);

// Bitwise or of the `n` integers at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_int_or(struct sj_exp *const *items, size_t n);

// Bitwise xor of the `n` integers at `items`. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_int_xor(struct sj_exp *const *items, size_t n);

// `condition, action, condition, action, ..., default` (`n` at `items`): the action of the first true condition, else the default. Takes every item.
//
// # Safety
// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
// gives up.
struct sj_exp *sj_exp_cond(struct sj_exp *const *items,
                           size_t n);

// A regex comparison: true if string `e` matches `pattern`, compiled with `flags` (the
// server's glibc `regcomp` flags: 1 EXTENDED, 2 ICASE, 4 NEWLINE, 8 NOSUB). Takes `e`.
//
// # Safety
// `pattern` is NULL or NUL-terminated; `e` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_cmp_regex(int64_t flags, const char *pattern, struct sj_exp *e);

// `scope` with `names[i]` bound to `values[i]` for each of the `n` pairs, in order (each sees
// the ones before). Takes the values and `scope`.
//
// # Safety
// `names` is NULL (with `n` 0) or holds `n` NUL-terminated strings; `values` is as for
// `sj_exp_and`; `scope` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_let(const char *const *names,
                          struct sj_exp *const *values,
                          size_t n,
                          struct sj_exp *scope);

// A call of operation `index` of `ops` (a list, map, bit or HLL operation added with the
// `sj_operations_list_*`, `_map_*`, `_bit_*` or `_hll_*` functions; its bin name is not used,
// its context is) on the value of `container` (a bin, or any expression of the right type),
// giving a value of `type` (`SJ_EXP_TYPE_*`): a read gives what the operation reads, a modify
// the changed copy of the container (nothing is written). NULL if `index` is out of range or
// names another kind of operation. Takes `container`; `ops` stays the caller's.
//
// # Safety
// `ops` is NULL or valid; `container` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_call(uint32_t type,
                           const struct sj_operations *ops,
                           size_t index,
                           struct sj_exp *container);

// A call with a payload packed by the caller (`len` bytes at `payload`, copied: one msgpack
// array, `[op, args...]` or `[0xFF, ctx, [op, args...]]`) of `system` (`SJ_EXP_CALL_*`, with
// `SJ_EXP_CALL_MODIFY` for modify operations), giving a value of `type`. Arguments that are
// arrays are evaluated as expressions: quote list literals as `[126, list]`. Takes `container`.
//
// # Safety
// `payload` is valid for `len` bytes; `container` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_call_raw(uint32_t type,
                               uint32_t system,
                               const uint8_t *payload,
                               size_t len,
                               struct sj_exp *container);

// The number of elements of the list `container` (a list bin or expression), or of the list
// nested in it that `ctx` leads to (NULL: the list itself). Takes `container`.
//
// # Safety
// `ctx` is NULL or valid; `container` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_list_size(const struct sj_ctx *ctx, struct sj_exp *container);

// The element at `index` (an integer expression; negative: from the end) of the list
// `container` (or the nested one `ctx` leads to), as `return_type` (`SJ_RETURN_*`) says:
// `SJ_RETURN_VALUE` gives the element, of `value_type` (`SJ_EXP_TYPE_*`); index, rank and
// count an integer, exists a boolean. Takes `index` and `container`.
//
// # Safety
// `ctx` is NULL or valid; `index` and `container` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_list_get_by_index(const struct sj_ctx *ctx,
                                        uint32_t return_type,
                                        uint32_t value_type,
                                        struct sj_exp *index,
                                        struct sj_exp *container);

// The number of entries of the map `container` (or of the nested one `ctx` leads to). Takes
// `container`.
//
// # Safety
// `ctx` is NULL or valid; `container` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_map_size(const struct sj_ctx *ctx, struct sj_exp *container);

// The entry of `key` (an expression) of the map `container` (or the nested one `ctx` leads
// to), as `return_type` says: `SJ_RETURN_VALUE` gives its value, of `value_type`; key-value and
// map return types a map; index, rank and count an integer; exists a boolean. Takes `key` and
// `container`.
//
// # Safety
// `ctx` is NULL or valid; `key` and `container` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_map_get_by_key(const struct sj_ctx *ctx,
                                     uint32_t return_type,
                                     uint32_t value_type,
                                     struct sj_exp *key,
                                     struct sj_exp *container);

// The number of bits set in `bit_size` bits from `bit_offset` (integer expressions) of the
// blob `container`. Takes all three.
//
// # Safety
// Each argument is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_bit_count(struct sj_exp *bit_offset,
                                struct sj_exp *bit_size,
                                struct sj_exp *container);

// The estimated count of the HLL `container`. Takes `container`.
//
// # Safety
// `container` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_hll_get_count(struct sj_exp *container);

// In a path's filters (`sj_ctx_all_children_with_filter`, `sj_ctx_and_filter`) and the
// expression of `sj_operations_modify_by_path`: the key (`SJ_EXP_LOOPVAR_KEY`), value
// (`_VALUE`) or list index (`_INDEX`) of the element at hand, of `type` (`SJ_EXP_TYPE_*`;
// unknown if it has another). NULL for an unknown type or variable.
struct sj_exp *sj_exp_loopvar(uint32_t type, uint32_t var);

// As the value of `sj_operations_modify_by_path`'s expression: remove the leaf.
struct sj_exp *sj_exp_remove_result(void);

// What the path `ctx` (not NULL nor empty) selects in `bin` (a list or map expression),
// answered as `flags` (`SJ_PATH_SELECT_*`) says, as a value of `type` (a call, as the C
// client's `as_exp_select_by_path`). Takes `bin`.
//
// # Safety
// `ctx` is NULL or valid; `bin` is NULL or an expression the caller gives up.
struct sj_exp *sj_exp_select_by_path(uint32_t type,
                                     const struct sj_ctx *ctx,
                                     uint32_t flags,
                                     struct sj_exp *bin);

// `bin` (a list or map expression) with every leaf the path `ctx` (not NULL nor empty) selects
// replaced by the value of `modify` for it, as a value of `type` (nothing is written; the C
// client's `as_exp_modify_by_path`). `flags`: `SJ_PATH_MODIFY_*`. Takes `modify` and `bin`.
//
// # Safety
// `ctx` is NULL or valid; `modify` and `bin` are NULL or expressions the caller gives up.
struct sj_exp *sj_exp_modify_by_path(uint32_t type,
                                     const struct sj_ctx *ctx,
                                     struct sj_exp *modify,
                                     uint32_t flags,
                                     struct sj_exp *bin);

// Adds an expression read (op type 7): the value of `exp` for the record, as the operations
// before it left it, answered as a bin named `name` (nothing for nil). `flags`:
// `SJ_EXP_READ_*`. `exp` is copied and stays the caller's.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `name` is NUL-terminated; `exp` is valid.
int32_t sj_operations_exp_read(struct sj_error *err,
                               struct sj_operations *ops,
                               const char *name,
                               const struct sj_exp *exp,
                               uint32_t flags);

// Adds an expression write (op type 8): stores the value of `exp` in bin `bin`. `flags`:
// `SJ_EXP_WRITE_*`, OR-ed. `exp` is copied and stays the caller's.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `exp` is valid.
int32_t sj_operations_exp_write(struct sj_error *err,
                                struct sj_operations *ops,
                                const char *bin,
                                const struct sj_exp *exp,
                                uint32_t flags);

// Adds a path select on bin `bin` (a CDT read): what the path `ctx` (not NULL nor empty)
// selects, answered as `flags` says: `SJ_PATH_SELECT_MATCHING_TREE` (the bin's tree with only
// the selected elements), `_VALUE`, `_MAP_KEY` or `_MAP_KEY_VALUE` (lists), OR-ed with
// `SJ_PATH_SELECT_NO_FAIL`. Sent as the C client's `as_operations_select_by_path` sends it
// (`[0xFE, ctx, flags]`, the APPLY bit 4 cleared). The path is copied.
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
int32_t sj_operations_select_by_path(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     uint32_t flags);

// Adds a path modify on bin `bin` (a CDT modify): every leaf the path `ctx` (not NULL nor
// empty) selects is replaced by the value of `exp` for it (in which `sj_exp_loopvar` gives the
// leaf's key, value or index; `sj_exp_remove_result` removes the leaf), and the bin is written.
// `flags`: `SJ_PATH_MODIFY_DEFAULT` or `SJ_PATH_MODIFY_NO_FAIL`. Sent as the C client's
// `as_operations_modify_by_path` sends it (`[0xFE, ctx, flags | 4, exp]`). The path and `exp`
// are copied (`exp` stays the caller's).
//
// # Safety
// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
// `exp` is valid.
int32_t sj_operations_modify_by_path(struct sj_error *err,
                                     struct sj_operations *ops,
                                     const char *bin,
                                     const struct sj_ctx *ctx,
                                     const struct sj_exp *exp,
                                     uint32_t flags);

// Writes the record's bins. `policy` may be NULL for the defaults.
//
// # Safety
// `client`, `key` and `record` are valid; `err` is NULL or writable; `policy` is NULL or valid.
int32_t sj_put(const struct sj_client *client,
               struct sj_error *err,
               const struct sj_write_policy *policy,
               const struct sj_key *key,
               const struct sj_record *record);

// Reads every bin (`bins` NULL or `n_bins` 0) or the `n_bins` named ones into a new `*record` (free it with
// `sj_record_destroy`). A missing record is `SJ_ERR_RECORD_NOT_FOUND`.
//
// # Safety
// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid; `bins` NULL or
// `n_bins` NUL-terminated strings; `record` writable.
int32_t sj_get(const struct sj_client *client,
               struct sj_error *err,
               const struct sj_read_policy *policy,
               const struct sj_key *key,
               const char *const *bins,
               size_t n_bins,
               struct sj_record **record);

// Checks that the record exists: `SJ_OK` (and, if `record` is not NULL, a new record with its
// generation and TTL and no bins) or `SJ_ERR_RECORD_NOT_FOUND`.
//
// # Safety
// As `sj_get`; `record` is NULL or writable.
int32_t sj_exists(const struct sj_client *client,
                  struct sj_error *err,
                  const struct sj_read_policy *policy,
                  const struct sj_key *key,
                  struct sj_record **record);

// Deletes the record: `SJ_OK`, or `SJ_ERR_RECORD_NOT_FOUND` if there was none.
//
// # Safety
// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid.
int32_t sj_remove(const struct sj_client *client,
                  struct sj_error *err,
                  const struct sj_write_policy *policy,
                  const struct sj_key *key);

// Resets the record's TTL to the policy's (`ttl`).
//
// # Safety
// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid.
int32_t sj_touch(const struct sj_client *client,
                 struct sj_error *err,
                 const struct sj_write_policy *policy,
                 const struct sj_key *key);

// Applies `ops` in order, atomically, and returns what the reads read in a new `*record`
// (if `record` is not NULL).
//
// # Safety
// `client`, `key` and `ops` are valid; `err` NULL or writable; `policy` NULL or valid;
// `record` NULL or writable.
int32_t sj_operate(const struct sj_client *client,
                   struct sj_error *err,
                   const struct sj_write_policy *policy,
                   const struct sj_key *key,
                   const struct sj_operations *ops,
                   struct sj_record **record);

// Reads `n_keys` records in one request per node. `records[i]` gets a new record, or NULL
// if key `i` has none; `codes[i]` (if `codes` is not NULL) gets its result code.
//
// # Safety
// `client` valid; `err` NULL or writable; `policy` NULL or valid; `keys` an array of `n_keys`
// valid keys; `bins` NULL or `n_bins` strings; `records` room for `n_keys` pointers; `codes`
// NULL or room for `n_keys` codes.
int32_t sj_batch_get(const struct sj_client *client,
                     struct sj_error *err,
                     const struct sj_read_policy *policy,
                     const struct sj_key *const *keys,
                     size_t n_keys,
                     const char *const *bins,
                     size_t n_bins,
                     struct sj_record **records,
                     int32_t *codes);

// Scans `ns` (and `set`, if not NULL or ""), calling `callback` with each record until it
// returns false. `bins` NULL reads every bin. Runs on the calling thread.
//
// # Safety
// `client` valid; `err` NULL or writable; `policy` NULL or valid; strings NUL-terminated;
// `bins` NULL or `n_bins` strings; `callback` a function that does not unwind.
int32_t sj_scan(const struct sj_client *client,
                struct sj_error *err,
                const struct sj_scan_policy *policy,
                const char *ns,
                const char *set,
                const char *const *bins,
                size_t n_bins,
                sj_scan_callback callback,
                void *udata);

// Creates the secondary index `name` on `bin` (or, with `bin` NULL, on the expression `exp`)
// of `ns` (and `set`, if not NULL or ""), holding `index_type` (`SJ_INDEX_NUMERIC`, ...)
// values of `collection` (`SJ_INDEX_DEFAULT`, `_LIST`, `_MAPKEYS`, `_MAPVALUES`), at the
// context `ctx` inside the bin if not NULL; then waits until every node has built it, at
// most `timeout_ms` (0: 30000).
//
// # Safety
// `client` valid; `err` NULL or writable; strings NUL-terminated (`set`, `bin` may be NULL);
// `exp` NULL or valid; `ctx` NULL or valid.
int32_t sj_index_create(const struct sj_client *client,
                        struct sj_error *err,
                        const char *ns,
                        const char *set,
                        const char *name,
                        const char *bin,
                        const struct sj_exp *exp,
                        uint32_t index_type,
                        uint32_t collection,
                        const struct sj_ctx *ctx,
                        uint32_t timeout_ms);

// Drops the secondary index `name` of `ns` (nothing if there is none). `timeout_ms` 0: 1000.
//
// # Safety
// `client` valid; `err` NULL or writable; strings NUL-terminated.
int32_t sj_index_remove(const struct sj_client *client,
                        struct sj_error *err,
                        const char *ns,
                        const char *name,
                        uint32_t timeout_ms);

// Integers of `bin` in `[begin, end]`; NULL if `bin` is NULL.
//
// # Safety
// `bin` NULL or NUL-terminated.
struct sj_index_filter *sj_index_filter_range(const char *bin, int64_t begin, int64_t end);

// The string `value` in `bin`; NULL if either is NULL.
//
// # Safety
// Strings NULL or NUL-terminated.
struct sj_index_filter *sj_index_filter_equal_str(const char *bin, const char *value);

// The blob `value` (`len` bytes) in `bin`; NULL if a pointer is NULL.
//
// # Safety
// `bin` NULL or NUL-terminated; `value` NULL or valid for `len` bytes.
struct sj_index_filter *sj_index_filter_equal_blob(const char *bin,
                                                   const uint8_t *value,
                                                   size_t len);

// GeoJSON points of `bin` inside the GeoJSON region `region`; NULL if a pointer is NULL.
//
// # Safety
// Strings NULL or NUL-terminated.
struct sj_index_filter *sj_index_filter_geo_within(const char *bin, const char *region);

// GeoJSON regions of `bin` containing the GeoJSON point `point`; NULL if a pointer is NULL.
//
// # Safety
// Strings NULL or NUL-terminated.
struct sj_index_filter *sj_index_filter_geo_contains(const char *bin, const char *point);

// Makes the clause one on a list, map-keys or map-values index (`SJ_INDEX_LIST`, ...), on
// the index at context `ctx` inside the bin (NULL: none), on the index named `index_name`
// (NULL: found by its definition), or on the expression index of `exp` (NULL: none).
//
// # Safety
// `err` NULL or writable; `filter` valid; `ctx`, `exp` NULL or valid; `index_name` NULL or
// NUL-terminated.
int32_t sj_index_filter_set(struct sj_error *err,
                            struct sj_index_filter *filter,
                            uint32_t collection,
                            const struct sj_ctx *ctx,
                            const char *index_name,
                            const struct sj_exp *exp);

// Frees a where clause. NULL is ignored.
//
// # Safety
// `filter` is NULL or from `sj_index_filter_*`, not yet destroyed.
void sj_index_filter_destroy(struct sj_index_filter *filter);

// Every partition.
struct sj_partition_filter *sj_partition_filter_all(void);

// Partitions `begin .. begin + count`; NULL unless within 0..4096 and `count` > 0.
struct sj_partition_filter *sj_partition_filter_range(uint16_t begin, uint16_t count);

// True when every partition of the filter is done (a query with it has nothing more to give).
//
// # Safety
// `filter` valid.
bool sj_partition_filter_is_done(const struct sj_partition_filter *filter);

// Frees a partition filter. NULL is ignored.
//
// # Safety
// `filter` is NULL or from `sj_partition_filter_*`, not yet destroyed.
void sj_partition_filter_destroy(struct sj_partition_filter *filter);

// Queries `ns` (and `set`, if not NULL or "") with the where clause `filter` (NULL: every
// record, as a scan), over `partitions` (NULL: all), calling `callback` with each record
// until it returns false. With `max_records` in `policy` the query stops after that many and
// `partitions` keeps where it got: call again with it until `sj_partition_filter_is_done`.
// `bins` NULL reads every bin. Runs on the calling thread.
//
// # Safety
// `client` valid; `err` NULL or writable; `policy`, `filter`, `partitions` NULL or valid;
// strings NUL-terminated; `bins` NULL or `n_bins` strings; `callback` a function that does
// not unwind.
int32_t sj_query(const struct sj_client *client,
                 struct sj_error *err,
                 const struct sj_scan_policy *policy,
                 const char *ns,
                 const char *set,
                 const char *const *bins,
                 size_t n_bins,
                 const struct sj_index_filter *filter,
                 struct sj_partition_filter *partitions,
                 sj_scan_callback callback,
                 void *udata);

// Sends an info request (commands separated by newlines) to the node named `node`, or to any
// node if `node` is NULL, and returns the raw answer in a new string (free it with
// `sj_string_destroy`). `timeout_ms` 0 means 1000.
//
// # Safety
// `client` valid; `err` NULL or writable; strings NULL (node) or NUL-terminated; `response`
// writable.
int32_t sj_info(const struct sj_client *client,
                struct sj_error *err,
                const char *node,
                const char *request,
                uint32_t timeout_ms,
                char **response);

// The names of the cluster's nodes, comma-separated, in a new string (free it with
// `sj_string_destroy`).
//
// # Safety
// `client` valid; `err` NULL or writable; `names` writable.
int32_t sj_node_names(const struct sj_client *client, struct sj_error *err, char **names);

// Frees a string returned by this library. NULL is ignored.
//
// # Safety
// `s` is NULL or a string from `sj_info` or `sj_node_names`, not yet freed.
void sj_string_destroy(char *s);

// Creates `user` with `password` and `n_roles` roles.
//
// # Safety
// `client` valid; `err` NULL or writable; strings NUL-terminated; `roles` NULL (with 0) or
// `n_roles` NUL-terminated strings.
int32_t sj_admin_create_user(const struct sj_client *client,
                             struct sj_error *err,
                             const char *user,
                             const char *password,
                             const char *const *roles,
                             size_t n_roles);

// Drops `user`.
//
// # Safety
// `client` valid; `err` NULL or writable; `user` NUL-terminated.
int32_t sj_admin_drop_user(const struct sj_client *client, struct sj_error *err, const char *user);

// Sets `user`'s password (needs user-admin).
//
// # Safety
// `client` valid; `err` NULL or writable; strings NUL-terminated.
int32_t sj_admin_set_password(const struct sj_client *client,
                              struct sj_error *err,
                              const char *user,
                              const char *password);

// Changes the client's own user's password. New connections of this client keep logging in
// with the old one: make a new client with the new password.
//
// # Safety
// `client` valid; `err` NULL or writable; `password` NUL-terminated.
int32_t sj_admin_change_password(const struct sj_client *client,
                                 struct sj_error *err,
                                 const char *password);

// Grants (`grant` true) or revokes `n_roles` roles of `user`.
//
// # Safety
// `client` valid; `err` NULL or writable; `user` NUL-terminated; `roles` `n_roles`
// NUL-terminated strings.
int32_t sj_admin_change_roles(const struct sj_client *client,
                              struct sj_error *err,
                              const char *user,
                              const char *const *roles,
                              size_t n_roles,
                              bool grant);

// Creates `role` with its privileges, an allowlist (`n_whitelist` addresses or ranges; 0:
// any) and quotas (0: none).
//
// # Safety
// `client` valid; `err` NULL or writable; `role` NUL-terminated; `privileges` NULL (with 0)
// or `n_privileges` privileges; `whitelist` NULL (with 0) or `n_whitelist` strings.
int32_t sj_admin_create_role(const struct sj_client *client,
                             struct sj_error *err,
                             const char *role,
                             const struct sj_privilege *privileges_,
                             size_t n_privileges,
                             const char *const *whitelist,
                             size_t n_whitelist,
                             uint32_t read_quota,
                             uint32_t write_quota);

// Drops `role` (its users lose it).
//
// # Safety
// `client` valid; `err` NULL or writable; `role` NUL-terminated.
int32_t sj_admin_drop_role(const struct sj_client *client, struct sj_error *err, const char *role);

// Grants (`grant` true) or revokes privileges of `role`.
//
// # Safety
// `client` valid; `err` NULL or writable; `role` NUL-terminated; `privileges` `n_privileges`
// privileges.
int32_t sj_admin_change_privileges(const struct sj_client *client,
                                   struct sj_error *err,
                                   const char *role,
                                   const struct sj_privilege *privileges_,
                                   size_t n_privileges,
                                   bool grant);

// Sets `role`'s allowlist (0 entries: any address).
//
// # Safety
// `client` valid; `err` NULL or writable; `role` NUL-terminated; `whitelist` NULL (with 0) or
// `n_whitelist` strings.
int32_t sj_admin_set_whitelist(const struct sj_client *client,
                               struct sj_error *err,
                               const char *role,
                               const char *const *whitelist,
                               size_t n_whitelist);

// Sets `role`'s read and write quotas (operations per second per node; 0: none).
//
// # Safety
// `client` valid; `err` NULL or writable; `role` NUL-terminated.
int32_t sj_admin_set_quotas(const struct sj_client *client,
                            struct sj_error *err,
                            const char *role,
                            uint32_t read_quota,
                            uint32_t write_quota);

// Every user (`user` NULL) or the one named, as JSON in a new string:
// `[{"name", "roles": [...], "connections"}]`.
//
// # Safety
// `client` valid; `err` NULL or writable; `user` NULL or NUL-terminated; `json` writable.
int32_t sj_admin_query_users(const struct sj_client *client,
                             struct sj_error *err,
                             const char *user,
                             char **json);

// Every role (`role` NULL) or the one named, as JSON in a new string: `[{"name",
// "privileges": [{"code", "ns", "set"}], "whitelist": [...], "read_quota", "write_quota"}]`.
//
// # Safety
// `client` valid; `err` NULL or writable; `role` NULL or NUL-terminated; `json` writable.
int32_t sj_admin_query_roles(const struct sj_client *client,
                             struct sj_error *err,
                             const char *role,
                             char **json);

// Registers the Lua module `name` (a file name ending in `.lua`) with the `len` bytes of
// `content`, then waits until every node lists it, at most `timeout_ms` (0: 10000). A module
// that does not compile fails with `SJ_ERR_UDF` and Lua's message.
//
// # Safety
// `client` valid; `err` NULL or writable; `name` NUL-terminated; `content` valid for `len`.
int32_t sj_udf_put(const struct sj_client *client,
                   struct sj_error *err,
                   const char *name,
                   const uint8_t *content,
                   size_t len,
                   uint32_t timeout_ms);

// Removes module `name` (nothing if there is none), then waits until no node lists it.
//
// # Safety
// `client` valid; `err` NULL or writable; `name` NUL-terminated.
int32_t sj_udf_remove(const struct sj_client *client,
                      struct sj_error *err,
                      const char *name,
                      uint32_t timeout_ms);

// The registered modules as a new `*modules` record (free it with `sj_record_destroy`): one
// string bin per module, named by its file name, holding its hash.
//
// # Safety
// `client` valid; `err` NULL or writable; `modules` writable.
int32_t sj_udf_list(const struct sj_client *client,
                    struct sj_error *err,
                    uint32_t timeout_ms,
                    struct sj_record **modules);

// Calls `module.function(rec, args...)` on `key`'s record (`module` without `.lua`) and puts
// what it returned in a new `*result` record (free it with `sj_record_destroy`) as its bin
// `SUCCESS`. A Lua error fails with `SJ_ERR_UDF` and Lua's message.
//
// # Safety
// `client`, `key` valid; `err` NULL or writable; `policy` NULL or valid; strings
// NUL-terminated; `args` NULL or valid for `n_args` values; `result` writable.
int32_t sj_apply(const struct sj_client *client,
                 struct sj_error *err,
                 const struct sj_write_policy *policy,
                 const struct sj_key *key,
                 const char *module,
                 const char *function,
                 const struct sj_value *args,
                 size_t n_args,
                 struct sj_record **result);

// Starts a background UDF: `module.function(rec, args...)` on every record of `ns` (and
// `set`, if not NULL or "") that `filter` selects (NULL: every record), on every node; the
// function never creates records. Puts the job's id in `*task_id` (see `sj_job_done`).
//
// # Safety
// `client` valid; `err` NULL or writable; `policy`, `filter` NULL or valid; strings
// NUL-terminated (`set` may be NULL); `args` NULL or valid for `n_args`; `task_id` writable.
int32_t sj_query_background_udf(const struct sj_client *client,
                                struct sj_error *err,
                                const struct sj_scan_policy *policy,
                                const char *ns,
                                const char *set,
                                const struct sj_index_filter *filter,
                                const char *module,
                                const char *function,
                                const struct sj_value *args,
                                size_t n_args,
                                uint64_t *task_id);

// Sets `*done` to whether background job `task_id` has finished on every node.
//
// # Safety
// `client` valid; `err` NULL or writable; `done` writable.
int32_t sj_job_done(const struct sj_client *client,
                    struct sj_error *err,
                    uint64_t task_id,
                    uint32_t timeout_ms,
                    bool *done);

// Runs stream UDF `module.function(stream, args...)` over the records of `ns` (and `set`)
// that `filter` selects (NULL: every record), on every node, and puts the values the server
// produced in a new `*values` record (free it with `sj_record_destroy`) as a list in its bin
// `values`: the stream's result per batch of records, after the server's part (up to and
// including the first reduce). The caller combines them (this client runs no Lua). A Lua
// error fails with `SJ_ERR_UDF` and Lua's message.
//
// # Safety
// As `sj_query_background_udf`; `values` writable.
int32_t sj_query_aggregate(const struct sj_client *client,
                           struct sj_error *err,
                           const struct sj_scan_policy *policy,
                           const char *ns,
                           const char *set,
                           const struct sj_index_filter *filter,
                           const char *module,
                           const char *function,
                           const struct sj_value *args,
                           size_t n_args,
                           struct sj_record **values);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* SCRAMJET_H */
