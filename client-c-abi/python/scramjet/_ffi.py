"""ctypes bindings of the C API in client-c-abi/include/scramjet.h.

The library is looked up as $SCRAMJET_LIB, then next to this file (where `pip install` puts
it). Every function's argument and result types are declared, so a mismatch fails loudly.
"""

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char, c_char_p, c_double, c_int32,
                    c_int64, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p)
from pathlib import Path

SJ_OK = 0
SJ_ERR_PARAM = -2
SJ_ERR_RECORD_NOT_FOUND = 2
SJ_ERR_BIN_NOT_FOUND = 17
SJ_ERR_FILTERED_OUT = 27

SJ_TYPE_NIL, SJ_TYPE_INT, SJ_TYPE_FLOAT, SJ_TYPE_STR, SJ_TYPE_BYTES, SJ_TYPE_BOOL = 0, 1, 2, 3, 4, 17
SJ_TYPE_HLL, SJ_TYPE_MAP, SJ_TYPE_LIST, SJ_TYPE_GEOJSON = 18, 19, 20, 23
SJ_TYPE_WILDCARD, SJ_TYPE_INFINITY = 0x100, 0x101
SJ_COUNT_TO_END = (1 << 64) - 1

SJ_OP_READ, SJ_OP_WRITE, SJ_OP_INCR = 1, 2, 5
SJ_OP_APPEND, SJ_OP_PREPEND, SJ_OP_TOUCH, SJ_OP_DELETE = 9, 10, 11, 14

SJ_ERROR_MESSAGE_SIZE = 512


class Error(Structure):
    _fields_ = [("code", c_int32), ("message", c_char * SJ_ERROR_MESSAGE_SIZE)]


class Value(Structure):
    pass


# `items`: a list's elements or a map's keys and values, alternating (sj_value is recursive).
Value._fields_ = [("type", c_uint32), ("i", c_int64), ("f", c_double),
                  ("data", POINTER(c_uint8)), ("len", c_size_t), ("items", POINTER(Value))]


class CtxItem(Structure):
    _fields_ = [("type", c_uint32), ("value", Value)]


class Ctx(Structure):
    _fields_ = [("items", POINTER(CtxItem)), ("n", c_size_t)]


class ListPolicy(Structure):
    _fields_ = [("order", c_uint32), ("flags", c_uint32)]


class MapPolicy(Structure):
    _fields_ = [("order", c_uint32), ("flags", c_uint32), ("persist_index", c_bool)]


class ClientConfig(Structure):
    _fields_ = [("hosts", c_char_p), ("cluster_name", c_char_p), ("connect_timeout_ms", c_uint32),
                ("tend_interval_ms", c_uint32), ("max_conns_per_node", c_uint32),
                ("shard_routing", c_bool), ("user", c_char_p), ("password", c_char_p),
                ("tls_name", c_char_p), ("tls_ca_file", c_char_p), ("tls_cert_file", c_char_p),
                ("tls_key_file", c_char_p), ("pki_login", c_bool)]


class Privilege(Structure):
    _fields_ = [("code", c_uint32), ("ns", c_char_p), ("set", c_char_p)]


class ReadPolicy(Structure):
    _fields_ = [("socket_timeout_ms", c_uint32), ("total_timeout_ms", c_uint32),
                ("max_retries", c_uint32), ("sleep_between_retries_ms", c_uint32),
                ("replica", c_uint32), ("filter", c_void_p)]


class WritePolicy(Structure):
    _fields_ = [("socket_timeout_ms", c_uint32), ("total_timeout_ms", c_uint32),
                ("max_retries", c_uint32), ("sleep_between_retries_ms", c_uint32),
                ("exists", c_uint32), ("gen_policy", c_uint32), ("generation", c_uint32),
                ("ttl", c_uint32), ("commit_level", c_uint32), ("send_key", c_bool),
                ("durable_delete", c_bool), ("filter", c_void_p)]


class ScanPolicy(Structure):
    _fields_ = [("socket_timeout_ms", c_uint32), ("max_records", c_uint64),
                ("records_per_second", c_uint32), ("no_bins", c_bool), ("filter", c_void_p)]


ScanCallback = CFUNCTYPE(c_bool, c_void_p, c_void_p)

E = POINTER(Error)
P = c_void_p
PP = POINTER(c_void_p)
STRS = POINTER(c_char_p)

# name: (result type, argument types)
_SIGNATURES = {
    "sj_client_config_init": (None, [POINTER(ClientConfig)]),
    "sj_read_policy_init": (None, [POINTER(ReadPolicy)]),
    "sj_write_policy_init": (None, [POINTER(WritePolicy)]),
    "sj_scan_policy_init": (None, [POINTER(ScanPolicy)]),
    "sj_client_new": (c_int32, [E, POINTER(ClientConfig), PP]),
    "sj_client_destroy": (None, [P]),
    "sj_key_new_str": (c_int32, [E, c_char_p, c_char_p, c_char_p, PP]),
    "sj_key_new_int": (c_int32, [E, c_char_p, c_char_p, c_int64, PP]),
    "sj_key_new_bytes": (c_int32, [E, c_char_p, c_char_p, c_char_p, c_size_t, PP]),
    "sj_key_new_digest": (c_int32, [E, c_char_p, c_char_p, c_char_p, PP]),
    "sj_key_destroy": (None, [P]),
    "sj_key_namespace": (c_char_p, [P]),
    "sj_key_set": (c_char_p, [P]),
    "sj_key_digest": (None, [P, POINTER(c_uint8)]),
    "sj_key_value": (None, [P, POINTER(Value)]),
    "sj_record_new": (P, []),
    "sj_record_destroy": (None, [P]),
    "sj_record_set": (c_int32, [E, P, c_char_p, POINTER(Value)]),
    "sj_record_bin_count": (c_size_t, [P]),
    "sj_record_bin": (c_int32, [P, c_size_t, POINTER(c_char_p), POINTER(Value)]),
    "sj_record_generation": (c_uint32, [P]),
    "sj_record_ttl": (c_uint32, [P]),
    "sj_record_key": (P, [P]),
    "sj_operations_new": (P, []),
    "sj_operations_destroy": (None, [P]),
    "sj_operations_add": (c_int32, [E, P, c_uint32, c_char_p, POINTER(Value)]),
    "sj_put": (c_int32, [P, E, POINTER(WritePolicy), P, P]),
    "sj_get": (c_int32, [P, E, POINTER(ReadPolicy), P, STRS, c_size_t, PP]),
    "sj_exists": (c_int32, [P, E, POINTER(ReadPolicy), P, PP]),
    "sj_remove": (c_int32, [P, E, POINTER(WritePolicy), P]),
    "sj_touch": (c_int32, [P, E, POINTER(WritePolicy), P]),
    "sj_operate": (c_int32, [P, E, POINTER(WritePolicy), P, P, PP]),
    "sj_batch_get": (c_int32, [P, E, POINTER(ReadPolicy), PP, c_size_t, STRS, c_size_t, PP,
                               POINTER(c_int32)]),
    "sj_scan": (c_int32, [P, E, POINTER(ScanPolicy), c_char_p, c_char_p, STRS, c_size_t,
                          ScanCallback, c_void_p]),
    "sj_info": (c_int32, [P, E, c_char_p, c_char_p, c_uint32, POINTER(c_void_p)]),
    "sj_index_create": (c_int32, [P, E, c_char_p, c_char_p, c_char_p, c_char_p, P, c_uint32, c_uint32,
                                  POINTER(Ctx), c_uint32]),
    "sj_index_remove": (c_int32, [P, E, c_char_p, c_char_p, c_uint32]),
    "sj_index_filter_range": (P, [c_char_p, c_int64, c_int64]),
    "sj_index_filter_equal_str": (P, [c_char_p, c_char_p]),
    "sj_index_filter_equal_blob": (P, [c_char_p, c_char_p, c_size_t]),
    "sj_index_filter_geo_within": (P, [c_char_p, c_char_p]),
    "sj_index_filter_geo_contains": (P, [c_char_p, c_char_p]),
    "sj_index_filter_set": (c_int32, [E, P, c_uint32, POINTER(Ctx), c_char_p, P]),
    "sj_index_filter_destroy": (None, [P]),
    "sj_partition_filter_all": (P, []),
    "sj_partition_filter_range": (P, [ctypes.c_uint16, ctypes.c_uint16]),
    "sj_partition_filter_is_done": (c_bool, [P]),
    "sj_partition_filter_destroy": (None, [P]),
    "sj_query": (c_int32, [P, E, POINTER(ScanPolicy), c_char_p, c_char_p, STRS, c_size_t, P, P,
                           ScanCallback, c_void_p]),
    "sj_node_names": (c_int32, [P, E, POINTER(c_void_p)]),
    "sj_admin_create_user": (c_int32, [P, E, c_char_p, c_char_p, STRS, c_size_t]),
    "sj_admin_drop_user": (c_int32, [P, E, c_char_p]),
    "sj_admin_set_password": (c_int32, [P, E, c_char_p, c_char_p]),
    "sj_admin_change_password": (c_int32, [P, E, c_char_p]),
    "sj_admin_change_roles": (c_int32, [P, E, c_char_p, STRS, c_size_t, c_bool]),
    "sj_admin_create_role": (c_int32, [P, E, c_char_p, POINTER(Privilege), c_size_t, STRS, c_size_t,
                                       c_uint32, c_uint32]),
    "sj_admin_drop_role": (c_int32, [P, E, c_char_p]),
    "sj_admin_change_privileges": (c_int32, [P, E, c_char_p, POINTER(Privilege), c_size_t, c_bool]),
    "sj_admin_set_whitelist": (c_int32, [P, E, c_char_p, STRS, c_size_t]),
    "sj_admin_set_quotas": (c_int32, [P, E, c_char_p, c_uint32, c_uint32]),
    "sj_admin_query_users": (c_int32, [P, E, c_char_p, POINTER(c_void_p)]),
    "sj_admin_query_roles": (c_int32, [P, E, c_char_p, POINTER(c_void_p)]),
    "sj_udf_put": (c_int32, [P, E, c_char_p, c_char_p, c_size_t, c_uint32]),
    "sj_udf_remove": (c_int32, [P, E, c_char_p, c_uint32]),
    "sj_udf_list": (c_int32, [P, E, c_uint32, PP]),
    "sj_apply": (c_int32, [P, E, POINTER(WritePolicy), P, c_char_p, c_char_p, POINTER(Value), c_size_t, PP]),
    "sj_query_background_udf": (c_int32, [P, E, POINTER(ScanPolicy), c_char_p, c_char_p, P, c_char_p, c_char_p,
                                          POINTER(Value), c_size_t, POINTER(ctypes.c_uint64)]),
    "sj_job_done": (c_int32, [P, E, ctypes.c_uint64, c_uint32, POINTER(c_bool)]),
    "sj_query_aggregate": (c_int32, [P, E, POINTER(ScanPolicy), c_char_p, c_char_p, P, c_char_p, c_char_p,
                                     POINTER(Value), c_size_t, PP]),
    "sj_string_destroy": (None, [c_void_p]),
    "sj_ctx_list_index_create": (CtxItem, [c_int64, c_uint32, c_bool]),
    "sj_ctx_all_children": (CtxItem, []),
    "sj_ctx_all_children_with_filter": (CtxItem, [P]),
    "sj_ctx_and_filter": (CtxItem, [P]),
    "sj_ctx_map_keys_in": (CtxItem, [POINTER(Value), c_size_t]),
    "sj_operations_select_by_path": (c_int32, [E, P, c_char_p, P, c_uint32]),
    "sj_operations_modify_by_path": (c_int32, [E, P, c_char_p, P, P, c_uint32]),
    "sj_exp_from_bytes": (P, [c_char_p, c_size_t]),
    "sj_exp_destroy": (None, [P]),
    "sj_operations_exp_read": (c_int32, [E, P, c_char_p, P, c_uint32]),
    "sj_operations_exp_write": (c_int32, [E, P, c_char_p, P, c_uint32]),
    "sj_ctx_map_key_create": (CtxItem, [Value, c_uint32]),
}


# The list and map operations, sj_operations_<name>(err, ops, bin, ctx, <arguments>): their
# argument codes (see _cdt.SIGNATURES) as ctypes types.
_CDT_ARG_TYPES = {"v": [POINTER(Value)], "a": [POINTER(Value), c_size_t], "i": [c_int64], "c": [c_uint64],
                  "u": [c_uint32], "b": [c_bool], "L": [POINTER(ListPolicy)], "M": [POINTER(MapPolicy)]}


def _cdt_signatures():
    from ._cdt import SIGNATURES
    out = {}
    for name, codes in SIGNATURES.items():
        args = [E, P, c_char_p, POINTER(Ctx)]
        for code in codes:
            args += _CDT_ARG_TYPES[code]
        out["sj_operations_" + name] = (c_int32, args)
    return out


_SIGNATURES.update(_cdt_signatures())

# The bit operations, sj_operations_bit_<name>(err, ops, bin, <arguments>): their argument codes
# (see _bits.SIGNATURES) as ctypes types.
_BIT_ARG_TYPES = {"o": [c_int32], "u": [c_uint32], "q": [c_int64], "b": [c_bool],
                  "B": [POINTER(c_uint8), c_size_t], "P": [c_uint32]}


def _bit_signatures():
    from ._bits import SIGNATURES
    out = {}
    for name, codes in SIGNATURES.items():
        args = [E, P, c_char_p]
        for code in codes:
            args += _BIT_ARG_TYPES[code]
        out["sj_operations_" + name] = (c_int32, args)
    return out


_SIGNATURES.update(_bit_signatures())

# The HLL operations, sj_operations_hll_<name>(err, ops, bin, <arguments>): their argument codes
# (see _hll.SIGNATURES) as ctypes types.
_HLL_ARG_TYPES = {"i": [c_int32], "a": [POINTER(Value), c_size_t], "P": [c_uint32]}


def _hll_signatures():
    from ._hll import SIGNATURES
    out = {}
    for name, codes in SIGNATURES.items():
        args = [E, P, c_char_p]
        for code in codes:
            args += _HLL_ARG_TYPES[code]
        out["sj_operations_" + name] = (c_int32, args)
    return out


_SIGNATURES.update(_hll_signatures())


def _load():
    path = os.environ.get("SCRAMJET_LIB") or str(Path(__file__).resolve().parent / "libscramjet.so")
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"cannot load the Scramjet C library from {path}: {e} "
                          "(reinstall the package, or set SCRAMJET_LIB)") from e
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib = _load()
