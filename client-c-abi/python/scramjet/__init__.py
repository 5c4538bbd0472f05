"""Scramjet's Python client: the Scramjet smart client (a Rust library with a C ABI) shaped
like the official `aerospike` client, so Aerospike users feel at home.

    import scramjet
    client = scramjet.Client([("127.0.0.1", 3000)])
    key = ("test", "demo", "user1")
    client.put(key, {"name": "Ada", "visits": 1})
    (key, meta, bins) = client.get(key)

Keys are `(namespace, set, key)` tuples (or `(namespace, set, None, digest)`), bins are dicts,
`meta` is `{"gen": ..., "ttl": ...}`, and every error is a `scramjet.Error` with `.code`.
Policies are dicts with the official client's keys and constants (also defined here).

List and map operations go through `operate` / `operate_ordered` as dicts from
`scramjet.list_operations` and `scramjet.map_operations` (also in `scramjet.operations`) or from
the official `aerospike_helpers.operations.list_operations` / `map_operations`:

    from scramjet import operations as op
    client.operate(key, [op.list_append("scores", 90),
                         op.list_get_by_rank_range("scores", -3, scramjet.LIST_RETURN_VALUE, 3),
                         op.map_increment("visits", "home", 1)])

Lists and maps nested in a bin are reached with a context, `ctx=`: a list of levels from
`scramjet.cdt_ctx` (or the official `aerospike_helpers.cdt_ctx`), from the bin inward:

    from scramjet import cdt_ctx
    client.operate(key, [op.map_increment("visits", "home", 1, ctx=[cdt_ctx.cdt_ctx_map_key("2024")])])
"""

import ctypes
import json
import os
import threading
from ctypes import byref, c_bool, c_char_p, c_int32, c_uint8, c_void_p

from . import _bits, _cdt, _exp, _ffi, _hll, _msgpack, bitwise_operations, cdt_ctx, hll_operations, list_operations, map_operations, operations  # noqa: F401,E501
from . import expression_operations, expressions, predicates  # noqa: F401
from .predicates import INDEX_BLOB, INDEX_GEO2DSPHERE, INDEX_NUMERIC, INDEX_STRING  # noqa: F401
from .expression_operations import (EXP_READ_DEFAULT, EXP_READ_EVAL_NO_FAIL, EXP_WRITE_ALLOW_DELETE,  # noqa: F401
                                    EXP_WRITE_CREATE_ONLY, EXP_WRITE_DEFAULT, EXP_WRITE_EVAL_NO_FAIL,
                                    EXP_WRITE_POLICY_NO_FAIL, EXP_WRITE_UPDATE_ONLY)
from ._bits import *  # noqa: F401,F403 - OP_BIT_*, BIT_WRITE_*, BIT_RESIZE_*, BIT_OVERFLOW_*
from ._cdt import *  # noqa: F401,F403 - OP_LIST_*, OP_MAP_*, LIST_*, MAP_*, CDTWildcard, CDTInfinite
from ._hll import (HLL_WRITE_ALLOW_FOLD, HLL_WRITE_CREATE_ONLY, HLL_WRITE_DEFAULT, HLL_WRITE_NO_FAIL,  # noqa: F401
                   HLL_WRITE_UPDATE_ONLY, OP_HLL_ADD, OP_HLL_DESCRIBE, OP_HLL_FOLD, OP_HLL_GET_COUNT,
                   OP_HLL_GET_INTERSECT_COUNT, OP_HLL_GET_SIMILARITY, OP_HLL_GET_UNION, OP_HLL_GET_UNION_COUNT,
                   OP_HLL_INIT, OP_HLL_MAY_CONTAIN, OP_HLL_REFRESH_COUNT, OP_HLL_SET_UNION, AS_BYTES_HLL,
                   HyperLogLog)
from .operations import (EXP_PATH_MODIFY_DEFAULT, EXP_PATH_MODIFY_NO_FAIL, EXP_PATH_SELECT_LIST_VALUE,  # noqa: F401
                         EXP_PATH_SELECT_MAP_KEY, EXP_PATH_SELECT_MAP_KEY_VALUE, EXP_PATH_SELECT_MAP_VALUE,
                         EXP_PATH_SELECT_MATCHING_TREE, EXP_PATH_SELECT_NO_FAIL, EXP_PATH_SELECT_VALUE)
from .expressions import EXP_LOOPVAR_INDEX, EXP_LOOPVAR_KEY, EXP_LOOPVAR_VALUE  # noqa: F401
from .exception import Error, from_code  # noqa: F401 - re-exported
from . import exception  # noqa: F401 - re-exported

__all__ = ["Client", "client", "Error", "exception", "operations", "list_operations", "map_operations",
           "bitwise_operations", "hll_operations", "HyperLogLog", "expressions", "expression_operations",
           "cdt_ctx", "CDTWildcard", "CDTInfinite"]

# Constants, with the official client's names and values.
AUTH_INTERNAL = 0
AUTH_EXTERNAL = 1
AUTH_EXTERNAL_INSECURE = 2
AUTH_PKI = 3

PRIV_USER_ADMIN = 0
PRIV_SYS_ADMIN = 1
PRIV_DATA_ADMIN = 2
PRIV_UDF_ADMIN = 3
PRIV_SINDEX_ADMIN = 4
PRIV_READ = 10
PRIV_READ_WRITE = 11
PRIV_READ_WRITE_UDF = 12
PRIV_WRITE = 13
PRIV_TRUNCATE = 14

POLICY_EXISTS_IGNORE = 0
POLICY_EXISTS_CREATE = 1
POLICY_EXISTS_UPDATE = 2
POLICY_EXISTS_REPLACE = 3
POLICY_EXISTS_CREATE_OR_REPLACE = 4
POLICY_GEN_IGNORE = 0
POLICY_GEN_EQ = 1
POLICY_GEN_GT = 2
POLICY_KEY_DIGEST = 0
POLICY_KEY_SEND = 1
POLICY_COMMIT_LEVEL_ALL = 0
POLICY_COMMIT_LEVEL_MASTER = 1
POLICY_REPLICA_MASTER = 0
POLICY_REPLICA_ANY = 1
POLICY_REPLICA_SEQUENCE = 2
TTL_NAMESPACE_DEFAULT = 0
TTL_NEVER_EXPIRE = 0xFFFFFFFF
TTL_DONT_UPDATE = 0xFFFFFFFE
# Regex flags of expressions' CmpRegex, as the official client defines them (the server hands
# them to glibc's regcomp, where NOSUB is 8 and NEWLINE 4).
REGEX_NONE = 0
REGEX_EXTENDED = 1
REGEX_ICASE = 2
REGEX_NOSUB = 4
REGEX_NEWLINE = 8
OPERATOR_READ = operations.OPERATOR_READ
OPERATOR_WRITE = operations.OPERATOR_WRITE
OPERATOR_INCR = operations.OPERATOR_INCR
OPERATOR_APPEND = operations.OPERATOR_APPEND
OPERATOR_PREPEND = operations.OPERATOR_PREPEND
OPERATOR_TOUCH = operations.OPERATOR_TOUCH
OPERATOR_DELETE = operations.OPERATOR_DELETE

# Official exists actions -> the C API's SJ_EXISTS_*.
_EXISTS = {POLICY_EXISTS_IGNORE: 0, POLICY_EXISTS_UPDATE: 1, POLICY_EXISTS_CREATE_OR_REPLACE: 2,
           POLICY_EXISTS_REPLACE: 3, POLICY_EXISTS_CREATE: 4}
# Official operators -> SJ_OP_*.
_OPS = {OPERATOR_READ: _ffi.SJ_OP_READ, OPERATOR_WRITE: _ffi.SJ_OP_WRITE,
        OPERATOR_INCR: _ffi.SJ_OP_INCR, OPERATOR_APPEND: _ffi.SJ_OP_APPEND,
        OPERATOR_PREPEND: _ffi.SJ_OP_PREPEND, OPERATOR_TOUCH: _ffi.SJ_OP_TOUCH,
        OPERATOR_DELETE: _ffi.SJ_OP_DELETE}

_lib = _ffi.lib


def _check(rc, err):
    if rc != _ffi.SJ_OK:
        raise from_code(err.code, err.message.decode("utf-8", "replace"))


def _enc(text, what):
    if not isinstance(text, str):
        raise exception.ParamError(-2, f"{what} must be a str, not {type(text).__name__}")
    return text.encode("utf-8")


# UDF module type and background job states, as the official client numbers them.
UDF_TYPE_LUA = 0
JOB_SCAN = "scan"
JOB_QUERY = "query"
JOB_STATUS_INPROGRESS = 1
JOB_STATUS_COMPLETED = 2

# Index collection types, as the official client numbers them (and the C ABI).
INDEX_TYPE_DEFAULT = 0
INDEX_TYPE_LIST = 1
INDEX_TYPE_MAPKEYS = 2
INDEX_TYPE_MAPVALUES = 3
# The official client's index datatypes → the C ABI's SJ_INDEX_* value types.
_INDEX_DATATYPES = {INDEX_NUMERIC: 0, INDEX_STRING: 1, INDEX_BLOB: 2, INDEX_GEO2DSPHERE: 3}


class _Owned:
    """A C object freed by `destroy` when this wrapper goes away."""

    __slots__ = ("ptr", "_destroy")

    def __init__(self, ptr, destroy):
        self.ptr = ptr
        self._destroy = destroy

    def __del__(self):
        if self.ptr:
            self._destroy(self.ptr)
            self.ptr = None


def _value(v, keep):
    """An sj_value for Python value `v`; buffers it points to are appended to `keep`."""
    out = _ffi.Value()
    if v is None:
        out.type = _ffi.SJ_TYPE_NIL
    elif isinstance(v, bool):
        out.type, out.i = _ffi.SJ_TYPE_BOOL, int(v)
    elif isinstance(v, int):
        if not -(1 << 63) <= v < 1 << 63:
            raise exception.ParamError(-2, f"integer {v} does not fit in 64 bits")
        out.type, out.i = _ffi.SJ_TYPE_INT, v
    elif isinstance(v, float):
        out.type, out.f = _ffi.SJ_TYPE_FLOAT, v
    elif type(v).__name__ == "CDTWildcard":
        out.type = _ffi.SJ_TYPE_WILDCARD
    elif type(v).__name__ == "CDTInfinite":
        out.type = _ffi.SJ_TYPE_INFINITY
    elif isinstance(v, (str, bytes, bytearray, list, tuple, dict)):
        if isinstance(v, str):
            out.type, data = _ffi.SJ_TYPE_STR, v.encode("utf-8")
        elif isinstance(v, (bytes, bytearray)):
            out.type, data = (_ffi.SJ_TYPE_HLL if _hll.is_hll(v) else _ffi.SJ_TYPE_BYTES), bytes(v)
        else:
            try:
                data = bytes(_msgpack.pack(v))
            except (TypeError, OverflowError) as e:
                raise exception.ParamError(-2, str(e)) from None
            out.type = _ffi.SJ_TYPE_MAP if isinstance(v, dict) else _ffi.SJ_TYPE_LIST
        buf = ctypes.create_string_buffer(data, len(data))
        keep.append(buf)
        out.data = ctypes.cast(buf, ctypes.POINTER(c_uint8))
        out.len = len(data)
    else:
        raise exception.ParamError(-2, f"cannot store a value of type {type(v).__name__}")
    return out


def _from_value(v):
    t = v.type
    if t == _ffi.SJ_TYPE_NIL:
        return None
    if t == _ffi.SJ_TYPE_INT:
        return v.i
    if t == _ffi.SJ_TYPE_FLOAT:
        return v.f
    if t == _ffi.SJ_TYPE_BOOL:
        return bool(v.i)
    if t == _ffi.SJ_TYPE_WILDCARD:
        return _cdt.CDTWildcard()
    if t == _ffi.SJ_TYPE_INFINITY:
        return _cdt.CDTInfinite()
    if t == _ffi.SJ_TYPE_LIST:
        items = v.items
        return [_from_value(items[i]) for i in range(v.len)]
    if t == _ffi.SJ_TYPE_MAP:
        items = v.items
        return {_from_value(items[2 * i]): _from_value(items[2 * i + 1]) for i in range(v.len)}
    data = ctypes.string_at(v.data, v.len) if v.len else b""
    if t == _ffi.SJ_TYPE_STR:
        return data.decode("utf-8", "replace")
    if t == _ffi.SJ_TYPE_HLL:
        return HyperLogLog(data)
    return data


def _bins_ordered(rec):
    """Every bin as (name, value), in the record's order (an operate answers once per
    operation, so names may repeat)."""
    out = []
    name = c_char_p()
    value = _ffi.Value()
    for i in range(_lib.sj_record_bin_count(rec)):
        _lib.sj_record_bin(rec, i, byref(name), byref(value))
        out.append((name.value.decode("utf-8", "replace"), _from_value(value)))
    return out


def _bins(rec):
    return dict(_bins_ordered(rec))


def _values(v, keep):
    """An array of sj_values for a list (its elements) or a dict (keys and values alternating),
    and the count the C API takes (elements, or entries)."""
    if isinstance(v, dict):
        flat = [x for entry in v.items() for x in entry]
    elif isinstance(v, (list, tuple)):
        flat = list(v)
    else:
        raise exception.ParamError(-2, f"expected a list or a dict, not {type(v).__name__}")
    array = (_ffi.Value * max(len(flat), 1))()
    for i, x in enumerate(flat):
        array[i] = _value(x, keep)
    keep.append(array)
    return array, len(v)


def _int(v, what):
    if not isinstance(v, int):
        raise exception.ParamError(-2, f"{what} must be an int, not {type(v).__name__}")
    return v


def _list_policy(p):
    if not isinstance(p, dict):
        raise exception.ParamError(-2, "a list policy is a dict")
    return _ffi.ListPolicy(_int(p.get("list_order", LIST_UNORDERED) or 0, "list_order"),
                           _int(p.get("write_flags", LIST_WRITE_DEFAULT) or 0, "write_flags"))


def _map_policy(p):
    if not isinstance(p, dict):
        raise exception.ParamError(-2, "a map policy is a dict")
    return _ffi.MapPolicy(_int(p.get("map_order", MAP_UNORDERED) or 0, "map_order"),
                          _int(p.get("map_write_flags", MAP_WRITE_FLAGS_DEFAULT) or 0, "map_write_flags"),
                          bool(p.get("persist_index", False)))


def _ctx(ctx, keep, path=False):
    """The sj_ctx of an operation's `ctx` (a list of cdt_ctx objects; with `path`, also the
    path levels of select/modify by path), or None for none."""
    try:
        levels = _cdt.ctx_levels(ctx, path)
    except ValueError as e:
        raise exception.ParamError(-2, str(e)) from None
    if not levels:
        return None
    items = (_ffi.CtxItem * len(levels))()
    for i, (kind, value, ctx_id, extra) in enumerate(levels):
        if kind in ("children", "and"):
            f = extra.get("filter_expr")
            if f is None and kind == "and":
                raise exception.ParamError(-2, "cdt_ctx_and_filter needs an expression")
            if f is None:
                item = _lib.sj_ctx_all_children()
            else:
                handle = _exp_handle(f, keep)
                fn = _lib.sj_ctx_all_children_with_filter if kind == "children" else _lib.sj_ctx_and_filter
                item = fn(handle)
        elif kind == "keys_in":
            array, n = _values(list(value), keep)
            item = _lib.sj_ctx_map_keys_in(array, n)
        elif ctx_id == _cdt.CDT_CTX_LIST_INDEX_CREATE:
            order = _int(extra.get("order_key", LIST_UNORDERED) or 0, "list order")
            item = _lib.sj_ctx_list_index_create(value, order & 0xFFFFFFFF, bool(extra.get("pad_key", False)))
        elif ctx_id == _cdt.CDT_CTX_MAP_KEY_CREATE:
            order = _int(extra.get("order_key", MAP_UNORDERED) or 0, "map order")
            item = _lib.sj_ctx_map_key_create(_value(value, keep), order & 0xFFFFFFFF)
        else:
            item = _ffi.CtxItem(ctx_id, _value(value, keep))
        if item.type == 0:
            raise exception.ParamError(-2, f"unknown order in cdt_ctx {extra!r}")
        items[i] = item
    keep.append(items)
    c = _ffi.Ctx(items, len(levels))
    keep.append(c)
    return byref(c)


def _add_cdt(ops, op, name, args, keep):
    """Adds list or map operation sj_operations_<name> with `args` (see _cdt.SIGNATURES), in
    the context of the operation's `ctx`."""
    bin_name = op.get("bin")
    if bin_name is None:
        raise exception.ParamError(-2, f"operation {op!r} needs a bin")
    ctx = _ctx(op.get("ctx"), keep)
    c_args = []
    for code, arg in zip(_cdt.SIGNATURES[name], args):
        if code == "v":
            c_args.append(None if arg is _cdt.OMIT else byref(_value(arg, keep)))
        elif code == "a":
            c_args.extend(_values(arg, keep))
        elif code == "i":
            c_args.append(_int(arg, "index"))
        elif code == "c":
            if arg is not None and (not isinstance(arg, int) or arg < 0):
                raise exception.ParamError(-2, f"count must be a non-negative int, not {arg!r}")
            c_args.append(_ffi.SJ_COUNT_TO_END if arg is None else arg)
        elif code == "u":
            c_args.append(_int(arg, "return type, order or flags") & 0xFFFFFFFF)
        elif code == "b":
            c_args.append(bool(arg))
        elif code == "L":
            c_args.append(None if arg is None else byref(_list_policy(arg)))
        elif code == "M":
            c_args.append(None if arg is None else byref(_map_policy(arg)))
    err = _ffi.Error()
    fn = getattr(_lib, "sj_operations_" + name)
    _check(fn(byref(err), ops, _enc(bin_name, "bin name"), ctx, *c_args), err)


def _policy_flags(policy, key, default, what):
    """The write flags `key` of a `what` policy dict (None: none)."""
    if policy is None:
        return 0
    if not isinstance(policy, dict):
        raise exception.ParamError(-2, f"{what} is a dict")
    return _int(policy.get(key, default) or 0, key) & 0xFFFFFFFF


def _bit_flags(policy):
    """The write flags of a bit policy dict (None: none)."""
    return _policy_flags(policy, "bit_write_flags", BIT_WRITE_DEFAULT, "a bit policy")


def _add_bit(ops, op, name, args, keep):
    """Adds bit operation sj_operations_<name> with `args` (see _bits.SIGNATURES)."""
    bin_name = op.get("bin")
    if bin_name is None:
        raise exception.ParamError(-2, f"operation {op!r} needs a bin")
    c_args = []
    for code, arg in zip(_bits.SIGNATURES[name], args):
        if code == "o":
            arg = _int(arg, "offset")
            if not -2**31 <= arg < 2**31:
                raise exception.ParamError(-2, f"offset {arg} is out of range")
            c_args.append(arg)
        elif code == "u":
            arg = _int(arg, "size, shift or flags")
            if not 0 <= arg < 2**32:
                raise exception.ParamError(-2, f"size, shift or flags {arg} is out of range")
            c_args.append(arg)
        elif code == "q":
            arg = _int(arg, "value")
            if not -2**63 <= arg < 2**64:
                raise exception.ParamError(-2, f"value {arg} does not fit 64 bits")
            c_args.append(arg - 2**64 if arg >= 2**63 else arg)
        elif code == "b":
            c_args.append(bool(arg))
        elif code == "B":
            if not isinstance(arg, (bytes, bytearray)):
                raise exception.ParamError(-2, f"value must be bytes or bytearray, not {type(arg).__name__}")
            buf = (c_uint8 * max(len(arg), 1)).from_buffer_copy(bytes(arg) or b"\0")
            keep.append(buf)
            c_args.extend([buf, len(arg)])
        elif code == "P":
            c_args.append(_bit_flags(arg))
    err = _ffi.Error()
    fn = getattr(_lib, "sj_operations_" + name)
    _check(fn(byref(err), ops, _enc(bin_name, "bin name"), *c_args), err)


def _hll_flags(policy):
    """The write flags of an HLL policy dict (None: none)."""
    return _policy_flags(policy, "flags", HLL_WRITE_DEFAULT, "an HLL policy")


def _add_hll(ops, op, name, args, keep):
    """Adds HLL operation sj_operations_<name> with `args` (see _hll.SIGNATURES)."""
    bin_name = op.get("bin")
    if bin_name is None:
        raise exception.ParamError(-2, f"operation {op!r} needs a bin")
    c_args = []
    for code, arg in zip(_hll.SIGNATURES[name], args):
        if code == "i":
            arg = _int(arg, "bit count")
            if not -2**31 <= arg < 2**31:
                raise exception.ParamError(-2, f"bit count {arg} is out of range")
            c_args.append(arg)
        elif code == "a":
            if not isinstance(arg, (list, tuple)):
                raise exception.ParamError(-2, f"value_list must be a list, not {type(arg).__name__}")
            c_args.extend(_values(arg, keep))
        elif code == "P":
            c_args.append(_hll_flags(arg))
    err = _ffi.Error()
    fn = getattr(_lib, "sj_operations_" + name)
    _check(fn(byref(err), ops, _enc(bin_name, "bin name"), *c_args), err)


def _exp_handle(expr, keep):
    """An sj_exp for a filter or an expression operation: `expr` is a compiled expression
    (`scramjet.expressions` or `aerospike_helpers.expressions` `.compile()`) or its packed bytes.
    The handle is appended to `keep`, which frees it."""
    if isinstance(expr, (bytes, bytearray)):
        data = bytes(expr)
    else:
        data = _exp.pack(expr)
    handle = _lib.sj_exp_from_bytes(data, len(data))
    if not handle:
        raise exception.ParamError(-2, "an expression is one msgpack value")
    owned = _Owned(handle, _lib.sj_exp_destroy)
    keep.append(owned)
    return handle


def _set_filter(c_policy, p, keep):
    """Sets the C policy's filter from the policy dict's "expressions" (if any)."""
    expr = p.get("expressions")
    if expr is not None:
        c_policy.filter = _exp_handle(expr, keep)


def _add_exp(ops, op, keep):
    """Adds an expression read (2200) or write (2201) operation dict."""
    bin_name = op.get("bin")
    if bin_name is None:
        raise exception.ParamError(-2, f"operation {op!r} needs a bin")
    if "expr" not in op:
        raise exception.ParamError(-2, f"operation {op!r} needs an expression")
    handle = _exp_handle(op["expr"], keep)
    flags = _int(op.get("expr_flags", 0) or 0, "expr_flags") & 0xFFFFFFFF
    fn = _lib.sj_operations_exp_read if op["op"] == expression_operations.OP_EXPR_READ else _lib.sj_operations_exp_write
    err = _ffi.Error()
    _check(fn(byref(err), ops, _enc(bin_name, "bin name"), handle, flags), err)


def _add_path(ops, op, keep):
    """Adds a path select (a CDT read dict with "cdt_flags") or modify (with "mod_exp"), as the
    official `operations.select_by_path` / `modify_by_path` make them."""
    bin_name = op.get("bin")
    if bin_name is None:
        raise exception.ParamError(-2, f"operation {op!r} needs a bin")
    ctx = _ctx(op.get("ctx"), keep, path=True)
    if ctx is None:
        raise exception.ParamError(-2, "a path needs at least one cdt_ctx level")
    flags = _int(op.get("cdt_flags", 0) or 0, "cdt_flags") & 0xFFFFFFFF
    err = _ffi.Error()
    if "mod_exp" in op:
        handle = _exp_handle(op["mod_exp"], keep)
        _check(_lib.sj_operations_modify_by_path(byref(err), ops, _enc(bin_name, "bin name"), ctx, handle, flags), err)
    else:
        _check(_lib.sj_operations_select_by_path(byref(err), ops, _enc(bin_name, "bin name"), ctx, flags), err)


def _meta(rec):
    return {"ttl": _lib.sj_record_ttl(rec), "gen": _lib.sj_record_generation(rec)}


def _key_tuple(key_ptr):
    digest = (c_uint8 * 20)()
    _lib.sj_key_digest(key_ptr, digest)
    value = _ffi.Value()
    _lib.sj_key_value(key_ptr, byref(value))
    user = None if value.type == _ffi.SJ_TYPE_NIL else _from_value(value)
    ns = _lib.sj_key_namespace(key_ptr).decode()
    set_name = _lib.sj_key_set(key_ptr).decode() or None
    return (ns, set_name, user, bytearray(bytes(digest)))


class Client:
    """A connection to a cluster; thread-safe (share one between threads)."""

    def __init__(self, hosts, cluster_name=None, connect_timeout_ms=1000, tend_interval_ms=1000,
                 max_conns_per_node=100, shard_routing=True, policies=None, user=None, password=None,
                 tls=None):
        # The official client's `policies: {"auth_mode": AUTH_PKI}`: log in with the certificate.
        pki = (policies or {}).get("auth_mode") == AUTH_PKI
        if not hosts:
            raise exception.ParamError(-2, "no hosts given")
        parts = []
        for h in hosts:
            if not (isinstance(h, (tuple, list)) and len(h) >= 2):
                raise exception.ParamError(-2, f"a host is a (address, port) tuple, not {h!r}")
            address = f"[{h[0]}]" if ":" in str(h[0]) else str(h[0])
            parts.append(f"{address}:{int(h[1])}")
        self._policies = dict(policies or {})
        config = _ffi.ClientConfig()
        _lib.sj_client_config_init(byref(config))
        hosts_text = ",".join(parts).encode()
        config.hosts = hosts_text
        name = cluster_name.encode() if cluster_name else None
        config.cluster_name = name
        config.connect_timeout_ms = int(connect_timeout_ms)
        config.tend_interval_ms = int(tend_interval_ms)
        config.max_conns_per_node = int(max_conns_per_node)
        config.shard_routing = bool(shard_routing)
        user_b = _enc(user, "user") if user is not None else None
        password_b = _enc(password or "", "password") if user is not None else None
        config.user, config.password = user_b, password_b
        tls = dict(tls or {})
        keep = []
        if tls.get("enable"):
            # The TLS name: the hosts' third element, as in the official client.
            names = [h[2] for h in hosts if len(h) >= 3 and h[2]]
            if not names or not tls.get("cafile"):
                raise exception.ParamError(-2, "TLS needs a tls name in the hosts and tls['cafile']")
            keep = [_enc(names[0], "tls name"), _enc(tls["cafile"], "cafile"),
                    _enc(tls["certfile"], "certfile") if tls.get("certfile") else None,
                    _enc(tls["keyfile"], "keyfile") if tls.get("keyfile") else None]
            config.tls_name, config.tls_ca_file, config.tls_cert_file, config.tls_key_file = keep
        config.pki_login = pki
        err = _ffi.Error()
        handle = c_void_p()
        _check(_lib.sj_client_new(byref(err), byref(config), byref(handle)), err)
        self._handle = _Owned(handle, _lib.sj_client_destroy)
        self._lock = threading.Lock()

    # -- lifecycle, shaped like the official client --

    def connect(self):
        """Already connected by the constructor; returns self (for `client(...).connect()`)."""
        if not self.is_connected():
            raise exception.ClientError(-1, "the client is closed")
        return self

    def is_connected(self):
        return self._handle.ptr is not None

    def close(self):
        """Closes every connection. Further calls fail with ClientError."""
        with self._lock:
            handle, self._handle.ptr = self._handle.ptr, None
        if handle:
            _lib.sj_client_destroy(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def _h(self):
        h = self._handle.ptr
        if h is None:
            raise exception.ClientError(-1, "the client is closed")
        return h

    # -- keys and policies --

    def _key(self, key):
        if not isinstance(key, tuple) or len(key) not in (3, 4):
            raise exception.ParamError(-2, f"a key is (namespace, set, key[, digest]), not {key!r}")
        ns, set_name, user = key[0], key[1], key[2]
        ns_b = _enc(ns, "namespace")
        set_b = b"" if set_name is None else _enc(set_name, "set")
        err = _ffi.Error()
        out = c_void_p()
        if user is None:
            digest = key[3] if len(key) == 4 else None
            if not isinstance(digest, (bytes, bytearray)) or len(digest) != 20:
                raise exception.ParamError(-2, "a key without a user key needs a 20-byte digest")
            rc = _lib.sj_key_new_digest(byref(err), ns_b, set_b, bytes(digest), byref(out))
        elif isinstance(user, bool):
            raise exception.ParamError(-2, "a key is a str, int or bytes, not a bool")
        elif isinstance(user, int):
            rc = _lib.sj_key_new_int(byref(err), ns_b, set_b, user, byref(out))
        elif isinstance(user, str):
            rc = _lib.sj_key_new_str(byref(err), ns_b, set_b, user.encode("utf-8"), byref(out))
        elif isinstance(user, (bytes, bytearray)):
            rc = _lib.sj_key_new_bytes(byref(err), ns_b, set_b, bytes(user), len(user), byref(out))
        else:
            raise exception.ParamError(-2, f"a key is a str, int or bytes, not {type(user).__name__}")
        _check(rc, err)
        return _Owned(out, _lib.sj_key_destroy)

    def _merged(self, kind, policy):
        merged = dict(self._policies.get(kind, {}))
        merged.update(policy or {})
        return merged

    @staticmethod
    def _base(p, out):
        for name in ("socket_timeout", "total_timeout", "max_retries", "sleep_between_retries"):
            if name in p:
                field = name if name == "max_retries" else name + "_ms"
                setattr(out, field, int(p[name]))

    def _read_policy(self, policy, keep, kind="read"):
        p = self._merged(kind, policy)
        out = _ffi.ReadPolicy()
        _lib.sj_read_policy_init(byref(out))
        self._base(p, out)
        if "replica" in p:
            out.replica = int(p["replica"])
        _set_filter(out, p, keep)
        return out

    def _write_policy(self, policy, keep, meta=None, kind="write"):
        p = self._merged(kind, policy)
        out = _ffi.WritePolicy()
        _lib.sj_write_policy_init(byref(out))
        self._base(p, out)
        _set_filter(out, p, keep)
        if "exists" in p:
            if p["exists"] not in _EXISTS:
                raise exception.ParamError(-2, f"unknown exists policy {p['exists']!r}")
            out.exists = _EXISTS[p["exists"]]
        out.gen_policy = int(p.get("gen", POLICY_GEN_IGNORE))
        out.commit_level = int(p.get("commit_level", POLICY_COMMIT_LEVEL_ALL))
        out.send_key = p.get("key", POLICY_KEY_DIGEST) == POLICY_KEY_SEND
        out.durable_delete = bool(p.get("durable_delete", False))
        if "ttl" in p:
            out.ttl = int(p["ttl"]) & 0xFFFFFFFF
        if meta:
            if "ttl" in meta:
                out.ttl = int(meta["ttl"]) & 0xFFFFFFFF
            if "gen" in meta:
                out.generation = int(meta["gen"])
        return out

    # -- single-record commands --

    def put(self, key, bins, meta=None, policy=None):
        """Writes `bins` (a dict; None as a value deletes that bin)."""
        if not isinstance(bins, dict):
            raise exception.ParamError(-2, "bins must be a dict")
        k = self._key(key)
        keep = []
        wp = self._write_policy(policy, keep, meta)
        rec = _Owned(_lib.sj_record_new(), _lib.sj_record_destroy)
        err = _ffi.Error()
        for name, v in bins.items():
            _check(_lib.sj_record_set(byref(err), rec.ptr, _enc(name, "bin name"), byref(_value(v, keep))), err)
        _check(_lib.sj_put(self._h, byref(err), byref(wp), k.ptr, rec.ptr), err)
        return 0

    def _fetch(self, key, policy, bins):
        k = self._key(key)
        keep = []
        rp = self._read_policy(policy, keep)
        err = _ffi.Error()
        out = c_void_p()
        if bins is None:
            names, n = None, 0
        else:
            encoded = [_enc(b, "bin name") for b in bins]
            names, n = (c_char_p * len(encoded))(*encoded), len(encoded)
        _check(_lib.sj_get(self._h, byref(err), byref(rp), k.ptr, names, n, byref(out)), err)
        rec = _Owned(out, _lib.sj_record_destroy)
        return self._full_key(key, k), _meta(rec.ptr), _bins(rec.ptr)

    @staticmethod
    def _full_key(key, k):
        ns, set_name, user, digest = _key_tuple(k.ptr)
        return (ns, set_name, key[2], digest)

    def get(self, key, policy=None):
        """Returns `(key, meta, bins)`; raises RecordNotFound if there is no record."""
        return self._fetch(key, policy, None)

    def select(self, key, bins, policy=None):
        """Like get, reading only the named bins."""
        return self._fetch(key, policy, list(bins))

    def exists(self, key, policy=None):
        """Returns `(key, meta)`, with meta None if there is no record (a record the filter
        leaves out raises FilteredOut, as with the official client)."""
        k = self._key(key)
        keep = []
        rp = self._read_policy(policy, keep)
        err = _ffi.Error()
        out = c_void_p()
        rc = _lib.sj_exists(self._h, byref(err), byref(rp), k.ptr, byref(out))
        if rc == _ffi.SJ_ERR_RECORD_NOT_FOUND:
            return self._full_key(key, k), None
        _check(rc, err)
        rec = _Owned(out, _lib.sj_record_destroy)
        return self._full_key(key, k), _meta(rec.ptr)

    def remove(self, key, meta=None, policy=None):
        """Deletes the record; raises RecordNotFound if there is none."""
        k = self._key(key)
        keep = []
        wp = self._write_policy(policy, keep, meta, kind="remove")
        if meta and "gen" in meta and "gen" not in (policy or {}):
            wp.gen_policy = POLICY_GEN_EQ
        err = _ffi.Error()
        _check(_lib.sj_remove(self._h, byref(err), byref(wp), k.ptr), err)
        return 0

    def touch(self, key, val=0, meta=None, policy=None):
        """Resets the record's TTL to `val` seconds (0: the namespace default)."""
        k = self._key(key)
        meta = dict(meta or {})
        meta.setdefault("ttl", val)
        keep = []
        wp = self._write_policy(policy, keep, meta)
        err = _ffi.Error()
        _check(_lib.sj_touch(self._h, byref(err), byref(wp), k.ptr), err)
        return 0

    def operate(self, key, list_of_ops, meta=None, policy=None):
        """Applies the operations (dicts from `scramjet.operations`, `scramjet.list_operations`,
        `scramjet.map_operations`, `scramjet.bitwise_operations`, `scramjet.hll_operations` or the
        official helpers) in one atomic command; returns `(key, meta, bins)` with what the
        operations answered (the last answer per bin)."""
        full, meta, results = self._operate(key, list_of_ops, meta, policy)
        return full, meta, dict(results)

    def operate_ordered(self, key, list_of_ops, meta=None, policy=None):
        """Like operate, but the answers come as a list of `(bin, value)` in operation order (with
        a map, bit or HLL operation among them every operation answers; otherwise those without a
        result are left out), as the official client's operate_ordered."""
        return self._operate(key, list_of_ops, meta, policy)

    def _operate(self, key, list_of_ops, meta, policy):
        k = self._key(key)
        keep = []
        wp = self._write_policy(policy, keep, meta, kind="operate")
        ops = _Owned(_lib.sj_operations_new(), _lib.sj_operations_destroy)
        err = _ffi.Error()
        for op in list_of_ops:
            if not isinstance(op, dict):
                raise exception.ParamError(-2, f"an operation is a dict, not {op!r}")
            if op.get("op") in (expression_operations.OP_EXPR_READ, expression_operations.OP_EXPR_WRITE):
                _add_exp(ops.ptr, op, keep)
                continue
            try:
                cdt = _cdt.translate(op)
            except ValueError as e:
                raise exception.ParamError(-2, str(e)) from None
            if cdt is not None:
                _add_cdt(ops.ptr, op, cdt[0], cdt[1], keep)
                continue
            try:
                bit = _bits.translate(op)
            except ValueError as e:
                raise exception.ParamError(-2, str(e)) from None
            if bit is not None:
                _add_bit(ops.ptr, op, bit[0], bit[1], keep)
                continue
            try:
                hll = _hll.translate(op)
            except ValueError as e:
                raise exception.ParamError(-2, str(e)) from None
            if hll is not None:
                _add_hll(ops.ptr, op, hll[0], hll[1], keep)
                continue
            if "cdt_flags" in op and op.get("op") in (operations.OP_PATH_SELECT, operations.OP_PATH_MODIFY):
                _add_path(ops.ptr, op, keep)
                continue
            code = op.get("op")
            if code not in _OPS:
                raise exception.ParamError(-2, f"unsupported operation {op!r}")
            if code == OPERATOR_TOUCH and "val" in op:
                wp.ttl = int(op["val"]) & 0xFFFFFFFF
            name = op.get("bin")
            name_b = None if name is None else _enc(name, "bin name")
            if code in (OPERATOR_WRITE, OPERATOR_INCR, OPERATOR_APPEND, OPERATOR_PREPEND):
                if name_b is None:
                    raise exception.ParamError(-2, f"operation {op!r} needs a bin")
                value = byref(_value(op.get("val"), keep))
            else:
                value = None
            _check(_lib.sj_operations_add(byref(err), ops.ptr, _OPS[code], name_b, value), err)
        out = c_void_p()
        _check(_lib.sj_operate(self._h, byref(err), byref(wp), k.ptr, ops.ptr, byref(out)), err)
        rec = _Owned(out, _lib.sj_record_destroy)
        return self._full_key(key, k), _meta(rec.ptr), _bins_ordered(rec.ptr)

    # -- many records --

    def get_many(self, keys, policy=None):
        """Reads many records in one request per node. Returns a list of `(key, meta, bins)`
        in the order of `keys`, with meta and bins None where there is no record."""
        return self._batch(keys, policy, None)

    def select_many(self, keys, bins, policy=None):
        """Like get_many, reading only the named bins."""
        return self._batch(keys, policy, list(bins))

    def _batch(self, keys, policy, bins):
        owned = [self._key(k) for k in keys]
        if not owned:
            return []
        n = len(owned)
        keep = []
        rp = self._read_policy(policy, keep)
        key_ptrs = (c_void_p * n)(*[k.ptr for k in owned])
        records = (c_void_p * n)()
        codes = (c_int32 * n)()
        if bins is None:
            names, n_bins = None, 0
        else:
            encoded = [_enc(b, "bin name") for b in bins]
            names, n_bins = (c_char_p * len(encoded))(*encoded), len(encoded)
        err = _ffi.Error()
        _check(_lib.sj_batch_get(self._h, byref(err), byref(rp), key_ptrs, n, names, n_bins, records, codes), err)
        out = []
        for i, key in enumerate(keys):
            full = self._full_key(key, owned[i])
            if records[i]:
                rec = _Owned(records[i], _lib.sj_record_destroy)
                out.append((full, _meta(rec.ptr), _bins(rec.ptr)))
            else:
                out.append((full, None, None))
        return out

    def scan(self, namespace, set=None):  # noqa: A002 - the official client's parameter name
        """A scan of a namespace (or one set): call `.results()` or `.foreach(callback)`."""
        return Scan(self, namespace, set)

    def query(self, namespace, set=None):  # noqa: A002
        """A query of a namespace (or one set): `.where(predicate)` (see `scramjet.predicates`;
        the official client's predicates work too), then `.results()` or `.foreach(callback)`."""
        return Query(self, namespace, set)

    # -- secondary indexes --

    def _index_create(self, ns, set_name, name, bin_name, datatype, index_type=INDEX_TYPE_DEFAULT, ctx=None,
                      expression=None, policy=None):
        keep = []
        c_type = _INDEX_DATATYPES.get(datatype)
        if c_type is None:
            raise exception.ParamError(-2, f"unknown index datatype {datatype!r}")
        c_ctx = _ctx(ctx, keep) if ctx else None
        exp_h = _exp_handle(expression, keep) if expression is not None else None
        timeout = int((policy or {}).get("timeout", 30000))
        err = _ffi.Error()
        bin_b = None if bin_name is None else _enc(bin_name, "bin name")
        set_b = None if set_name is None else _enc(set_name, "set")
        _check(_lib.sj_index_create(self._h, byref(err), _enc(ns, "namespace"), set_b, _enc(name, "index name"),
                                    bin_b, exp_h, c_type, int(index_type), c_ctx, timeout), err)

    def index_integer_create(self, ns, set, bin, name, policy=None):  # noqa: A002
        """An index of the integers of `bin`; returns once every node has built it."""
        self._index_create(ns, set, name, bin, INDEX_NUMERIC, policy=policy)

    def index_string_create(self, ns, set, bin, name, policy=None):  # noqa: A002
        self._index_create(ns, set, name, bin, INDEX_STRING, policy=policy)

    def index_blob_create(self, ns, set, bin, name, policy=None):  # noqa: A002
        self._index_create(ns, set, name, bin, INDEX_BLOB, policy=policy)

    def index_geo2dsphere_create(self, ns, set, bin, name, policy=None):  # noqa: A002
        self._index_create(ns, set, name, bin, INDEX_GEO2DSPHERE, policy=policy)

    def index_list_create(self, ns, set, bin, index_datatype, name, policy=None):  # noqa: A002
        self._index_create(ns, set, name, bin, index_datatype, INDEX_TYPE_LIST, policy=policy)

    def index_map_keys_create(self, ns, set, bin, index_datatype, name, policy=None):  # noqa: A002
        self._index_create(ns, set, name, bin, index_datatype, INDEX_TYPE_MAPKEYS, policy=policy)

    def index_map_values_create(self, ns, set, bin, index_datatype, name, policy=None):  # noqa: A002
        self._index_create(ns, set, name, bin, index_datatype, INDEX_TYPE_MAPVALUES, policy=policy)

    def index_cdt_create(self, ns, set, bin, index_type, index_datatype, name, ctx, policy=None):  # noqa: A002
        """An index of the values at `ctx` (a list of `cdt_ctx` levels) inside `bin`."""
        self._index_create(ns, set, name, bin, index_datatype, index_type, ctx=ctx, policy=policy)

    def index_expr_create(self, ns, set, index_type, index_datatype, expressions, name, policy=None):  # noqa: A002
        """An index of an expression's value for each record (compiled by either client)."""
        self._index_create(ns, set, name, None, index_datatype, index_type, expression=expressions, policy=policy)

    def index_remove(self, ns, name, policy=None):
        """Drops the index `name` (nothing if there is none)."""
        err = _ffi.Error()
        timeout = int((policy or {}).get("timeout", 1000))
        _check(_lib.sj_index_remove(self._h, byref(err), _enc(ns, "namespace"), _enc(name, "index name"), timeout), err)

    # -- Lua UDFs --

    def udf_put(self, filename, udf_type=UDF_TYPE_LUA, policy=None):
        """Registers the Lua module in file `filename` (under its base name); returns once
        every node lists it. A module that does not compile raises UDFError with Lua's
        message."""
        if udf_type != UDF_TYPE_LUA:
            raise exception.ParamError(-2, "only Lua modules (UDF_TYPE_LUA) exist")
        with open(filename, "rb") as f:
            content = f.read()
        name = os.path.basename(filename)
        err = _ffi.Error()
        timeout = int((policy or {}).get("timeout", 10000))
        _check(_lib.sj_udf_put(self._h, byref(err), _enc(name, "module name"), content, len(content), timeout), err)

    def udf_remove(self, module, policy=None):
        """Removes module `module` ("name.lua"); returns once no node lists it."""
        err = _ffi.Error()
        timeout = int((policy or {}).get("timeout", 10000))
        _check(_lib.sj_udf_remove(self._h, byref(err), _enc(module, "module name"), timeout), err)

    def udf_list(self, policy=None):
        """The registered modules: `[{"name": ..., "hash": ..., "type": UDF_TYPE_LUA}]`."""
        err = _ffi.Error()
        out = c_void_p()
        timeout = int((policy or {}).get("timeout", 1000))
        _check(_lib.sj_udf_list(self._h, byref(err), timeout, byref(out)), err)
        try:
            listed = _bins_ordered(out)
        finally:
            _lib.sj_record_destroy(out)
        return [{"name": name, "hash": hash_, "type": UDF_TYPE_LUA} for name, hash_ in listed]

    def apply(self, key, module, function, args, policy=None):
        """Calls `module.function(rec, *args)` on the record (a record UDF; `module` without
        ".lua") and returns what it returned. A Lua error raises UDFError with Lua's message."""
        keep = []
        k = self._key(key)
        wp = self._write_policy(policy, keep, kind="apply")
        array, n = _values(list(args or []), keep)
        err = _ffi.Error()
        out = c_void_p()
        _check(_lib.sj_apply(self._h, byref(err), byref(wp), k.ptr, _enc(module, "module"),
                             _enc(function, "function"), array, n, byref(out)), err)
        try:
            return _bins(out).get("SUCCESS")
        finally:
            _lib.sj_record_destroy(out)

    def job_info(self, job_id, module, policy=None):
        """`{"status": JOB_STATUS_COMPLETED or JOB_STATUS_INPROGRESS}` of a background job
        (`module` is JOB_SCAN or JOB_QUERY, as for the official client)."""
        err = _ffi.Error()
        done = c_bool()
        timeout = int((policy or {}).get("timeout", 1000))
        _check(_lib.sj_job_done(self._h, byref(err), int(job_id), timeout, byref(done)), err)
        return {"status": JOB_STATUS_COMPLETED if done.value else JOB_STATUS_INPROGRESS}

    # -- info --

    def node_names(self):
        err = _ffi.Error()
        out = c_void_p()
        _check(_lib.sj_node_names(self._h, byref(err), byref(out)), err)
        try:
            text = ctypes.string_at(out).decode()
        finally:
            _lib.sj_string_destroy(out)
        return [n for n in text.split(",") if n]

    def info_node(self, command, node=None, timeout_ms=1000):
        """Sends an info command to the node named `node` (any node if None) and returns the
        raw answer (`command\\tvalue\\n`)."""
        err = _ffi.Error()
        out = c_void_p()
        node_b = node.encode() if node else None
        _check(_lib.sj_info(self._h, byref(err), node_b, _enc(command, "command"), int(timeout_ms), byref(out)), err)
        try:
            return ctypes.string_at(out).decode("utf-8", "replace")
        finally:
            _lib.sj_string_destroy(out)

    # -- users and roles (nodes with access control), shaped like the official client --

    def _admin(self, fn, *args):
        err = _ffi.Error()
        _check(fn(self._h, byref(err), *args), err)

    @staticmethod
    def _strings(items):
        encoded = [_enc(i, "name") for i in (items or [])]
        return (c_char_p * len(encoded))(*encoded) if encoded else None, len(encoded)

    @staticmethod
    def _privileges(privileges):
        keep = []
        array = (_ffi.Privilege * max(len(privileges), 1))()
        for i, p in enumerate(privileges):
            ns, set_name = _enc(p.get("ns") or "", "namespace"), _enc(p.get("set") or "", "set")
            keep += [ns, set_name]
            array[i] = _ffi.Privilege(int(p["code"]), ns, set_name)
        return array, len(privileges), keep

    def _json(self, fn, name):
        err = _ffi.Error()
        out = c_void_p()
        _check(fn(self._h, byref(err), None if name is None else _enc(name, "name"), byref(out)), err)
        try:
            return json.loads(ctypes.string_at(out).decode())
        finally:
            _lib.sj_string_destroy(out)

    def admin_create_user(self, user, password, roles, policy=None):
        names, n = self._strings(roles)
        self._admin(_lib.sj_admin_create_user, _enc(user, "user"), _enc(password, "password"), names, n)

    def admin_drop_user(self, user, policy=None):
        self._admin(_lib.sj_admin_drop_user, _enc(user, "user"))

    def admin_set_password(self, user, password, policy=None):
        self._admin(_lib.sj_admin_set_password, _enc(user, "user"), _enc(password, "password"))

    def admin_change_password(self, user, password, policy=None):
        """Changes the password of the client's own user (`user` must be it)."""
        self._admin(_lib.sj_admin_change_password, _enc(password, "password"))

    def admin_grant_roles(self, user, roles, policy=None):
        names, n = self._strings(roles)
        self._admin(_lib.sj_admin_change_roles, _enc(user, "user"), names, n, True)

    def admin_revoke_roles(self, user, roles, policy=None):
        names, n = self._strings(roles)
        self._admin(_lib.sj_admin_change_roles, _enc(user, "user"), names, n, False)

    def admin_query_user_info(self, user, policy=None):
        u = self._json(_lib.sj_admin_query_users, user)[0]
        return {"roles": u["roles"], "read_info": None, "write_info": None, "conns_in_use": u["connections"]}

    def admin_query_users_info(self, policy=None):
        return {u["name"]: {"roles": u["roles"], "read_info": None, "write_info": None,
                            "conns_in_use": u["connections"]}
                for u in self._json(_lib.sj_admin_query_users, None)}

    def admin_create_role(self, role, privileges, policy=None, whitelist=None, read_quota=0, write_quota=0):
        array, n, keep = self._privileges(privileges)
        names, n_wl = self._strings(whitelist)
        self._admin(_lib.sj_admin_create_role, _enc(role, "role"), array, n, names, n_wl,
                    int(read_quota), int(write_quota))
        del keep

    def admin_drop_role(self, role, policy=None):
        self._admin(_lib.sj_admin_drop_role, _enc(role, "role"))

    def admin_grant_privileges(self, role, privileges, policy=None):
        array, n, keep = self._privileges(privileges)
        self._admin(_lib.sj_admin_change_privileges, _enc(role, "role"), array, n, True)
        del keep

    def admin_revoke_privileges(self, role, privileges, policy=None):
        array, n, keep = self._privileges(privileges)
        self._admin(_lib.sj_admin_change_privileges, _enc(role, "role"), array, n, False)
        del keep

    def admin_set_whitelist(self, role, whitelist, policy=None):
        names, n = self._strings(whitelist)
        self._admin(_lib.sj_admin_set_whitelist, _enc(role, "role"), names, n)

    def admin_set_quotas(self, role, read_quota=0, write_quota=0, policy=None):
        self._admin(_lib.sj_admin_set_quotas, _enc(role, "role"), int(read_quota), int(write_quota))

    @staticmethod
    def _role(r):
        return {"privileges": r["privileges"], "whitelist": r["whitelist"],
                "read_quota": r["read_quota"], "write_quota": r["write_quota"]}

    def admin_query_role(self, role, policy=None):
        """The role's privileges: `[{"code", "ns", "set"}]`."""
        return self._json(_lib.sj_admin_query_roles, role)[0]["privileges"]

    def admin_get_role(self, role, policy=None):
        return self._role(self._json(_lib.sj_admin_query_roles, role)[0])

    def admin_query_roles(self, policy=None):
        return {r["name"]: r["privileges"] for r in self._json(_lib.sj_admin_query_roles, None)}

    def admin_get_roles(self, policy=None):
        return {r["name"]: self._role(r) for r in self._json(_lib.sj_admin_query_roles, None)}

    def info_random_node(self, command, policy=None):
        """The raw answer of any node, as the official client's method of that name."""
        return self.info_node(command, None, int((policy or {}).get("timeout", 1000)))

    info = info_random_node

    def info_all(self, command, policy=None):
        """Every node's answer: `{node_name: (error or None, value)}`, the command's name
        stripped as the official client does."""
        timeout = int((policy or {}).get("timeout", 1000))
        out = {}
        for name in self.node_names():
            try:
                text = self.info_node(command, name, timeout)
                prefix = command.rstrip("\n") + "\t"
                out[name] = (None, text[len(prefix):] if text.startswith(prefix) else text)
            except Error as e:
                out[name] = (e, None)
        return out


class Scan:
    """A scan, shaped like the official client's: select bins, then results() or foreach()."""

    def __init__(self, client, namespace, set_name):
        self._client = client
        self._namespace = namespace
        self._set = set_name
        self._bins = None
        self._udf = None

    def select(self, *bins):
        self._bins = list(bins)
        return self

    def apply(self, module, function, arguments=None):
        """Sets a UDF: a record UDF for `execute_background()`, or a stream UDF for
        `aggregate()` (`module` without ".lua")."""
        self._udf = (module, function, list(arguments or []))
        return self

    def _where_handle(self, keep):
        return None

    def _udf_call(self, what, policy):
        if self._udf is None:
            raise exception.ParamError(-2, f"{what} needs a UDF: call apply() first")
        keep = []
        sp = self._policy(dict(policy or {}), keep)
        module, function, args = self._udf
        array, n = _values(args, keep)
        set_b = None if self._set is None else _enc(self._set, "set")
        call = (byref(sp), _enc(self._namespace, "namespace"), set_b, self._where_handle(keep),
                _enc(module, "module"), _enc(function, "function"), array, n)
        return call, keep

    def execute_background(self, policy=None):
        """Starts the applied record UDF on every record the scan or query selects, on every
        node; returns the job id (see `Client.job_info`)."""
        call, _keep = self._udf_call("execute_background", policy)
        err = _ffi.Error()
        job = ctypes.c_uint64()
        _check(_lib.sj_query_background_udf(self._client._h, byref(err), *call, byref(job)), err)
        return job.value

    def aggregate(self, policy=None):
        """Runs the applied stream UDF and returns the values the server produced: its part
        of the stream (up to and including the first reduce) per batch of records. This client
        runs no Lua, so the final reduce is yours (for a sum, `sum(values)`)."""
        call, _keep = self._udf_call("aggregate", policy)
        err = _ffi.Error()
        out = c_void_p()
        _check(_lib.sj_query_aggregate(self._client._h, byref(err), *call, byref(out)), err)
        try:
            return _bins(out).get("values") or []
        finally:
            _lib.sj_record_destroy(out)

    def results(self, policy=None, options=None):
        """Every record as `(key, meta, bins)`."""
        out = []
        self.foreach(lambda record: out.append(record), policy, options)
        return out

    def foreach(self, callback, policy=None, options=None):
        """Calls `callback((key, meta, bins))` for each record; a callback returning False
        stops the scan. The policy's "partition_filter" ({"begin", "count"}) limits it to
        those partitions."""
        self._run(callback, dict(policy or {}), None, None)

    def _policy(self, p, keep):
        sp = _ffi.ScanPolicy()
        _lib.sj_scan_policy_init(byref(sp))
        if "socket_timeout" in p:
            sp.socket_timeout_ms = int(p["socket_timeout"])
        sp.max_records = int(p.get("max_records", 0))
        sp.records_per_second = int(p.get("records_per_second", 0))
        sp.no_bins = not p.get("include_bin_data", True)
        _set_filter(sp, p, keep)
        return sp

    def _run(self, callback, p, filter_handle, partitions):
        if self._udf is not None:
            raise exception.ClientError(-1, "this client runs no Lua: after apply(), call aggregate() for the "
                                            "server's values, or execute_background()")
        keep = []
        sp = self._policy(p, keep)
        if partitions is None and p.get("partition_filter"):
            pf = p["partition_filter"]
            handle = _lib.sj_partition_filter_range(int(pf.get("begin", 0)), int(pf.get("count", 4096)))
            if not handle:
                raise exception.ParamError(-2, "partition_filter is not within 0..4096")
            partitions = _Owned(handle, _lib.sj_partition_filter_destroy)
            keep.append(partitions)
        failure = []

        def trampoline(rec, _udata):
            try:
                key = _key_tuple(_lib.sj_record_key(rec))
                return callback((key, _meta(rec), _bins(rec))) is not False
            except BaseException as e:  # noqa: BLE001 - re-raised after the scan
                failure.append(e)
                return False

        c_callback = _ffi.ScanCallback(trampoline)
        if self._bins is None:
            names, n = None, 0
        else:
            encoded = [_enc(b, "bin name") for b in self._bins]
            names, n = (c_char_p * len(encoded))(*encoded), len(encoded)
        err = _ffi.Error()
        set_b = None if self._set is None else _enc(self._set, "set")
        rc = _lib.sj_query(self._client._h, byref(err), byref(sp), _enc(self._namespace, "namespace"), set_b,
                           names, n, filter_handle, partitions.ptr if partitions is not None else None,
                           c_callback, None)
        if failure:
            raise failure[0]
        _check(rc, err)


class Query(Scan):
    """A query, shaped like the official client's: `where(predicate[, ctx])` (or
    `where_with_index_name`, `where_with_expr`), `select`, `max_records`,
    `records_per_second`, `paginate()` and `is_done()`, then results() or foreach()."""

    def __init__(self, client, namespace, set_name):
        super().__init__(client, namespace, set_name)
        self._where = None
        self.max_records = 0
        self.records_per_second = 0
        self._pages = None

    def where(self, predicate, ctx=None):
        self._where = (predicate, ctx, None, None)
        return self

    def where_with_index_name(self, index_name, predicate):
        self._where = (predicate, None, index_name, None)
        return self

    def where_with_expr(self, expr, predicate):
        self._where = (predicate, None, None, expr)
        return self

    def _where_handle(self, keep):
        return _index_filter(self._where, keep) if self._where is not None else None

    def paginate(self):
        """Makes each results()/foreach() call go on where the last one stopped (with
        `max_records`), until is_done()."""
        self._pages = _Owned(_lib.sj_partition_filter_all(), _lib.sj_partition_filter_destroy)

    def is_done(self):
        return self._pages is not None and bool(_lib.sj_partition_filter_is_done(self._pages.ptr))

    def foreach(self, callback, policy=None, options=None):
        p = dict(policy or {})
        if self.max_records and "max_records" not in p:
            p["max_records"] = self.max_records
        if self.records_per_second and "records_per_second" not in p:
            p["records_per_second"] = self.records_per_second
        keep = []
        filter_handle = _index_filter(self._where, keep) if self._where is not None else None
        self._run(callback, p, filter_handle, self._pages)


def _index_filter(where, keep):
    """The sj_index_filter of a where clause: a predicate tuple `(op, datatype, bin, value[,
    end][, index_type])` and its context, index name or expression."""
    predicate, ctx, index_name, expr = where
    try:
        op, datatype, bin_name, value = predicate[:4]
    except (TypeError, ValueError):
        raise exception.ParamError(-2, f"not a predicate: {predicate!r}") from None
    end = predicate[4] if len(predicate) > 4 and predicate[4] is not None else value
    index_type = predicate[5] if len(predicate) > 5 and predicate[5] is not None else INDEX_TYPE_DEFAULT
    bin_b = b"" if bin_name is None else _enc(bin_name, "bin name")
    if datatype == INDEX_NUMERIC:
        handle = _lib.sj_index_filter_range(bin_b, int(value), int(end))
    elif datatype == INDEX_STRING:
        handle = _lib.sj_index_filter_equal_str(bin_b, _enc(value, "value"))
    elif datatype == INDEX_BLOB:
        data = bytes(value)
        handle = _lib.sj_index_filter_equal_blob(bin_b, data, len(data))
    elif datatype == INDEX_GEO2DSPHERE:
        text = value if isinstance(value, str) else json.dumps(value)
        is_point = json.loads(text).get("type") == "Point"
        fn = _lib.sj_index_filter_geo_contains if is_point else _lib.sj_index_filter_geo_within
        handle = fn(bin_b, _enc(text, "GeoJSON"))
    else:
        raise exception.ParamError(-2, f"unknown predicate datatype {datatype!r}")
    if not handle or op not in (0, 1):
        raise exception.ParamError(-2, f"bad predicate {predicate!r}")
    owned = _Owned(handle, _lib.sj_index_filter_destroy)
    keep.append(owned)
    c_ctx = _ctx(ctx, keep) if ctx else None
    exp_h = _exp_handle(expr, keep) if expr is not None else None
    name_b = None if index_name is None else _enc(index_name, "index name")
    err = _ffi.Error()
    _check(_lib.sj_index_filter_set(byref(err), handle, int(index_type), c_ctx, name_b, exp_h), err)
    return handle


def client(config):
    """`scramjet.client({"hosts": [(host, port)], ...}).connect()`, as with the official
    client. Recognised keys: hosts, cluster_name, policies, connect_timeout (ms),
    tend_interval (ms), max_conns_per_node, shard_routing, user and password, tls (`enable`,
    `cafile`, `certfile`, `keyfile`; the TLS name is the hosts' third element)."""
    return _Deferred(config)


class _Deferred:
    def __init__(self, config):
        self._config = dict(config)

    def connect(self, user=None, password=None):
        c = self._config
        if user is not None:
            c = dict(c, user=user, password=password)
        return Client(c.get("hosts", []), cluster_name=c.get("cluster_name"),
                      connect_timeout_ms=c.get("connect_timeout", 1000),
                      tend_interval_ms=c.get("tend_interval", 1000),
                      max_conns_per_node=c.get("max_conns_per_node", 100),
                      shard_routing=c.get("shard_routing", True), policies=c.get("policies"),
                      user=c.get("user"), password=c.get("password"), tls=c.get("tls"))
