"""Compiled expressions to wire bytes.

`compile()` of the official `aerospike_helpers.expressions` (and of `scramjet.expressions`, which
compiles to the same form) gives a flat list of 4-tuples `(op, result_type, fixed, n_children)`
in pre-order. The official client hands them to `as_exp_new_from_pyobject`, which pastes in one C
client macro (`as_exp.h`) per tuple, leaving its trailing operand slots to the tuples that
follow, and packs the result with `as_exp_compile`. `pack` below does the same in two steps:
`_entries` turns each tuple into the entries of its macro, `_pack_entries` counts the operands
of the var-args operators and writes msgpack. The bytes are the official client's, byte for
byte (see tests/e2e/test_client_python_expressions.py and notes-py-exp.md).

One difference, on purpose: `MapIncrement` with a map policy. The official client sends a call
whose payload array is one element short (an `as_exp.h` slip: it counts one policy value and
writes two), which every server refuses with 4; `pack` refuses it with a ParamError instead.
"""

import struct

from .exception import ParamError

__all__ = ["pack", "pack_op_value", "is_compiled"]

# ---- msgpack, as the C client's as_msgpack.c packs it ----------------------------------------


def _uint(v):
    if v < 0x80:
        return bytes([v])
    if v < 0x100:
        return b"\xcc" + bytes([v])
    if v < 0x10000:
        return b"\xcd" + struct.pack(">H", v)
    if v < 0x100000000:
        return b"\xce" + struct.pack(">I", v)
    return b"\xcf" + struct.pack(">Q", v)


def _int(v):
    if not -(1 << 63) <= v < (1 << 63):
        raise ParamError(-2, "integer value exceeds sys.maxsize")
    if v >= 0:
        return _uint(v)
    if v >= -32:
        return bytes([v & 0xFF])
    if v >= -128:
        return b"\xd0" + struct.pack(">b", v)
    if v >= -32768:
        return b"\xd1" + struct.pack(">h", v)
    if v >= -(1 << 31):
        return b"\xd2" + struct.pack(">i", v)
    return b"\xd3" + struct.pack(">q", v)


def _str_header(n):
    if n < 32:
        return bytes([0xA0 | n])
    if n < 256:
        return b"\xd9" + bytes([n])
    if n < 65536:
        return b"\xda" + struct.pack(">H", n)
    return b"\xdb" + struct.pack(">I", n)


def _array_header(n):
    if n < 16:
        return bytes([0x90 | n])
    if n < 65536:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n)


def _map_header(n):
    if n < 16:
        return bytes([0x80 | n])
    if n < 65536:
        return b"\xde" + struct.pack(">H", n)
    return b"\xdf" + struct.pack(">I", n)


def _typed(particle, data):
    """An as_bytes value: a str-family header counting the particle type byte."""
    return _str_header(len(data) + 1) + bytes([particle]) + data


def _c_string(text):
    """UTF-8 bytes of a string the C client reads with strlen: cut at the first NUL."""
    return text.encode("utf-8").split(b"\0")[0]


def _raw(text):
    """A name (bin, variable, regex pattern): a msgpack str with no particle type byte."""
    data = _c_string(text)
    return _str_header(len(data)) + data


def _kind(v):
    return type(v).__name__


def _is_hll(v):
    return _kind(v) == "HyperLogLog"


def _geo_text(v):
    return v.dumps() if hasattr(v, "dumps") else str(v)


_NIL, _BOOL, _INTEGER, _STRING, _BYTES, _DOUBLE, _GEOJSON = 1, 2, 3, 4, 9, 10, 11


def _key_order(v):
    """Sort key of a map key as the C client's as_orderedmap keeps them (as_val_cmp)."""
    if v is None or _kind(v) == "null":
        return (_NIL,)
    if isinstance(v, bool):
        return (_BOOL, int(v))
    if isinstance(v, int):
        return (_INTEGER, v)
    if isinstance(v, str):
        return (_STRING, _c_string(v))
    if isinstance(v, (bytes, bytearray)):
        return (_BYTES, bytes(v))
    if isinstance(v, float):
        return (_DOUBLE, v)
    if _kind(v) in ("Geospatial", "GeoJSON"):
        return (_GEOJSON, _geo_text(v).encode())
    raise ParamError(-2, f"a map key of type {_kind(v)} cannot be sent in an expression")


def _value(v):
    """A value inside a literal list or map (as_val_new_from_pyobject + as_pack_val)."""
    if isinstance(v, bool):
        return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        return _int(v)
    if isinstance(v, str):
        return _typed(3, v.encode("utf-8"))
    if isinstance(v, bytes):
        return _typed(18 if _is_hll(v) else 4, v)
    if isinstance(v, bytearray):
        return _typed(4, bytes(v))
    if _kind(v) in ("Geospatial", "GeoJSON"):
        return _typed(23, _geo_text(v).encode())
    if isinstance(v, (list, tuple)) and not isinstance(v, str):
        if isinstance(v, tuple):
            raise ParamError(-2, "Unable to serialize unknown Python native type.")
        return _array_header(len(v)) + b"".join(_value(x) for x in v)
    if isinstance(v, dict):
        entries = sorted(v.items(), key=lambda kv: _key_order(kv[0]))
        body = b"".join(_value(k) + _value(x) for k, x in entries)
        if _kind(v) == "KeyOrderedDict":
            return _map_header(len(entries) + 1) + b"\xc7\x00\x01\xc0" + body
        return _map_header(len(entries)) + body
    if v is None or _kind(v) == "null":
        return b"\xc0"
    if _kind(v) == "CDTWildcard":
        return b"\xd4\xff\x00"
    if _kind(v) == "CDTInfinite":
        return b"\xd4\xff\x01"
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    raise ParamError(-2, "Unable to serialize unknown Python native type.")


# ---- contexts (as_cdt_ctx_pack) ----------------------------------------------------------------

def _ctx_level(level):
    t, v, extra = level.id, level.value, (getattr(level, "extra_args", None) or {})
    if t == 0x14:  # list index create (a Python-side id): the create flags the C client uses
        order, pad = extra.get("order_key", 0), extra.get("pad_key", False)
        return 0x10 | (0xC0 if order == 1 else (0x80 if pad else 0x40)), _int(v)
    if t == 0x24:  # map key create
        order = extra.get("order_key", 0)
        return 0x22 | {1: 0x80, 3: 0xC0}.get(order, 0x40), _value(v)
    if t in (0x04, 0x204):  # all children (with a filter), and-filter
        f = extra.get("filter_expr")
        return t, (b"\xc3" if f is None else pack(f))
    if t & 0x02:  # values and keys
        return t, _value(v)
    return t, _int(v)


def _ctx(levels):
    pairs = [_ctx_level(level) for level in levels]
    return _array_header(2 * len(pairs)) + b"".join(_uint(t) + v for t, v in pairs)


# ---- result types of calls (as_exp_get_list_type / _map_type / _ctx_type) -------------------

_NIL_T, _BOOL_T, _INT_T, _STR_T, _LIST_T, _MAP_T, _BLOB_T, _FLOAT_T, _GEO_T, _HLL_T, _AUTO_T, _ERROR_T = range(12)


def _selection_type(value_type, return_type, multi, is_map):
    r = return_type & ~0x10000
    if r in (1, 2, 3, 4):
        t = _LIST_T if multi else _INT_T
    elif r == 5:
        t = _INT_T
    elif r == 7 or (is_map and r == 6):
        t = _LIST_T if multi else value_type
    elif is_map and r in (8, 16, 17):
        t = _MAP_T
    elif r == 13:
        t = _BOOL_T
    else:
        return _ERROR_T
    return t if value_type in (_AUTO_T, t) else _ERROR_T


def _modify_type(ctx, default):
    if not ctx:
        return default
    return _LIST_T if _ctx_level(ctx[0])[0] & 0x10 else _MAP_T


# ---- the tuples' macros -----------------------------------------------------------------------
# An entry is a list [kind, a, b]: ("op", code, count) an array of `count` elements starting with
# `code`; ("va", code) a var-args array closed by ("end",); ("call_payload", count, ctx) the
# payload array of a call; scalars ("int", v), ("uint", v), ("str", v), ("raw", v), ...; the
# policy markers ("list_pol", n, policy) / ("map_pol", n, policy), n values or none.

# list reads: code -> (cdt op, params after the return type, has a return type, multi, takes value_type)
_LIST_READ = {1014: (16, 0, False, False, False), 1016: (19, 1, True, False, True), 1018: (21, 1, True, False, True),
              1020: (22, 1, True, True, False), 1022: (25, 2, True, True, False), 1021: (23, 1, True, True, False),
              1034: (27, 2, True, True, False), 1033: (27, 3, True, True, False), 1035: (24, 1, True, True, False),
              1017: (24, 2, True, True, False), 1036: (26, 1, True, True, False), 1019: (26, 2, True, True, False)}
_MAP_READ = {1106: (96, 0, False, False, False), 1118: (97, 1, True, False, True), 1119: (103, 2, True, True, False),
             1127: (107, 1, True, True, False), 1136: (109, 2, True, True, False), 1140: (109, 3, True, True, False),
             1120: (102, 1, True, True, False), 1121: (105, 2, True, True, False), 1126: (108, 1, True, True, False),
             1141: (110, 2, True, True, False), 1130: (110, 3, True, True, False), 1122: (98, 1, True, False, True),
             1142: (104, 1, True, True, False), 1123: (104, 2, True, True, False), 1124: (100, 1, True, False, True),
             1143: (106, 1, True, True, False), 1125: (106, 2, True, True, False)}
# removes: code -> (cdt op, params after the return type, return type from `fixed` or always 0)
_LIST_REMOVE = {1027: (35, 1, True), 1028: (36, 1, True), 1029: (38, 2, True), 1037: (40, 2, True),
                1038: (40, 3, True), 1023: (32, 1, False), 1039: (37, 1, True), 1024: (37, 2, True),
                1025: (34, 1, False), 1040: (39, 1, True), 1026: (39, 2, True)}
_MAP_REMOVE = {1108: (76, 1, False), 1109: (81, 1, True), 1110: (84, 2, True), 1132: (88, 2, True),
               1137: (88, 3, True), 1111: (82, 1, True), 1112: (83, 1, True), 1113: (86, 2, True),
               1133: (89, 2, True), 1139: (89, 3, True), 1114: (77, 1, False), 1134: (85, 1, True),
               1115: (85, 2, True), 1116: (79, 1, False), 1135: (87, 1, True), 1117: (87, 2, True)}
# modifies taking a policy: code -> (cdt op, params, policy values when a policy is given)
_LIST_WRITE = {1001: (1, 1, 2), 1002: (2, 1, 2), 1015: (12, 2, 2), 1003: (3, 2, 1), 1004: (4, 2, 1), 1010: (9, 2, 1)}
_MAP_WRITE = {1102: (67, 2, 2), 1103: (68, 1, 2), 1104: (73, 2, 1)}
# bits: code -> (op, params); reads also their result type
_BIT_MODIFY = {2000: (0, 3), 2001: (1, 3), 2002: (2, 3), 2003: (3, 4), 2004: (4, 4), 2005: (5, 4), 2006: (6, 4),
               2007: (7, 3), 2008: (8, 4), 2009: (9, 4), 2010: (10, 5), 2011: (11, 5), 2013: (12, 4)}
_BIT_READ = {2014: (_BLOB_T, 50, 2), 2015: (_INT_T, 51, 2), 2016: (_INT_T, 52, 3), 2017: (_INT_T, 53, 3),
             2012: (_INT_T, 54, 3), 2018: (_STR_T, 55, 0), 2019: (_STR_T, 55, 3)}
_HLL_MODIFY = {2108: (0, 3), 2100: (1, 4)}
_HLL_READ = {2103: (_INT_T, 50, 0), 2106: (_HLL_T, 51, 1), 2107: (_INT_T, 52, 1), 2104: (_INT_T, 53, 1),
             2105: (_FLOAT_T, 54, 1), 2101: (_LIST_T, 55, 0), 2111: (_INT_T, 56, 1)}
# record metadata: Python code -> wire code
_METADATA = {65: 65, 66: 66, 67: 68, 68: 69, 69: 70, 70: 71, 71: 67, 72: 72, 73: 73, 74: 74}
_UNARY = {18, 27, 28, 29, 30, 31, 35, 39, 101, 102}
_BINARY = {1, 2, 3, 4, 5, 6, 8, 9, 24, 25, 26, 36, 37, 38, 40, 41}
_VAR_ARGS = {16, 17, 19, 20, 21, 22, 23, 32, 33, 34, 50, 51, 123, 125}
_LOOP_VARS = {3000: _FLOAT_T, 3001: _INT_T, 3002: _LIST_T, 3003: _MAP_T, 3004: _STR_T, 3005: _BLOB_T,
              3006: _BOOL_T, 3007: _NIL_T, 3008: _GEO_T, 3009: _HLL_T}
# string calls (newer servers): code -> (result type, op, [(kind, fixed key)])
_STR_READ = {1200: (_INT_T, 0, []), 1201: (_STR_T, 1, [("int", "start")]),
             1202: (_STR_T, 1, [("int", "start"), ("int", "end")]), 1203: (_STR_T, 2, [("int", "index")]),
             1204: (_INT_T, 3, [("str", "needle"), ("int", "occurrence")]), 1205: (_BOOL_T, 4, [("str", "needle")]),
             1206: (_BOOL_T, 5, [("str", "prefix")]), 1207: (_BOOL_T, 6, [("str", "suffix")]),
             1208: (_INT_T, 7, []), 1209: (_FLOAT_T, 8, []), 1210: (_INT_T, 9, []),
             1211: (_BOOL_T, 10, [("int", "numeric_type")]), 1212: (_BOOL_T, 11, []), 1213: (_BOOL_T, 12, []),
             1214: (_BLOB_T, 13, []), 1215: (_LIST_T, 14, []), 1216: (_LIST_T, 14, [("str", "separator")]),
             1217: (_BLOB_T, 15, []), 1218: (_BOOL_T, 16, [("str", "pattern"), ("int", "regex_flags")])}
# string modifies: code -> (op, params): ("int"/"str", key), "F" the policy's write flags,
# "L" the list of values, ("pair", a, b) a quoted pair of strings
_STR_MODIFY = {1219: (50, [("int", "index"), ("str", "val"), "F"]), 1220: (51, [("int", "index"), ("str", "val"), "F"]),
               1221: (52, ["L", "F"]), 1237: (67, [("str", "val"), "F"]), 1238: (68, [("str", "val"), "F"]),
               1224: (54, [("pair", "needle", "replacement"), "F"]),
               1225: (55, [("pair", "needle", "replacement"), "F"]),
               1226: (56, ["F"]), 1227: (57, ["F"]), 1228: (58, ["F"]), 1229: (59, ["F"]), 1230: (60, ["F"]),
               1231: (61, ["F"]), 1232: (62, ["F"]),
               1233: (63, [("int", "target_length"), ("str", "pad_string"), "F"]),
               1234: (64, [("int", "target_length"), ("str", "pad_string"), "F"]),
               1235: (65, [("int", "count"), "F"]),
               1236: (66, [("pair", "pattern", "replacement"), ("uint", "regex_flags"), "F"])}


def _call(result_type, system):
    return [["op", 127, 5], ["rtype", result_type], ["int", system]]


def _literal(v):
    """A Python value in an operand slot (get_exp_val_from_pyval)."""
    if isinstance(v, bool):
        return [["raw_bytes", b"\xc3" if v else b"\xc2"]]
    if isinstance(v, int):
        return [["int", v]]
    if isinstance(v, str):
        return [["str", v]]
    if isinstance(v, bytes):  # HyperLogLog too: always blob type 4 here
        return [["raw_bytes", _typed(4, v)]]
    if _kind(v) in ("Geospatial", "GeoJSON"):
        return [["raw_bytes", _typed(23, _geo_text(v).encode())]]
    if isinstance(v, list):
        return [["raw_bytes", b"\x92\x7e" + _value(v)]]  # quoted: [126, list]
    if isinstance(v, (bytearray, dict)) or v is None or _kind(v) in ("null", "CDTWildcard", "CDTInfinite"):
        return [["raw_bytes", _value(v)]]
    if isinstance(v, float):
        return [["raw_bytes", b"\xcb" + struct.pack(">d", v)]]
    raise ParamError(-2, "Unable to serialize unknown Python native type.")


def _fixed_int(fixed, key):
    v = fixed.get(key)
    if not isinstance(v, int):
        raise ParamError(-2, f"expression parameter {key!r} must be an int, not {v!r}")
    return int(v)


def _entries(item):
    """The entries of one compile() tuple."""
    if not (isinstance(item, tuple) and len(item) == 4):
        raise ParamError(-2, "Expressions must be a non empty list of 4 element tuples, generated by a compiled "
                             "aerospike expression")
    code, result_type, fixed, _ = item
    fixed = fixed if isinstance(fixed, dict) else {}
    ctx = fixed.get("ctx") or None
    if code in (200, 128):  # a literal, exp.Val
        return _literal(fixed.get("val"))
    if code == 0:
        return [["op", 0, 1]]
    if code in _BINARY:
        return [["op", code, 3]]
    if code in _UNARY:
        return [["op", code, 2]]
    if code in _VAR_ARGS:
        return [["va", code]]
    if code == 150:
        return [["end"]]
    if code == 7:
        return [["op", 7, 4], ["int", _fixed_int(fixed, "regex_options")], ["raw", fixed["val"]]]
    if code == 64:
        return [["op", 64, 2], ["int", _fixed_int(fixed, "val")]]
    if code in _METADATA:
        return [["op", _METADATA[code], 1]]
    if code == 80:
        return [["op", 80, 2], ["int", result_type]]
    if code == 81:
        if not isinstance(fixed.get("bin"), str):
            raise ParamError(-2, "String value required")
        return [["op", 81, 3], ["int", result_type], ["raw", fixed["bin"]]]
    if code == 82:
        return [["op", 82, 2], ["raw", fixed["bin"]]]
    if code == 83:  # BinExists: bin_type(name) != 0
        return [["op", 2, 3], ["op", 82, 2], ["raw", fixed["bin"]], ["int", 0]]
    if code == 124:
        return [["op", 124, 2], ["raw", fixed["val"]]]
    if code == 126:  # Def: the name, then its value (in the Let's array)
        return [["raw", fixed["val"]]]
    if code == 100:
        return [["op", 100, 1]]
    if code in _LOOP_VARS:
        return [["op", 122, 3], ["int", _LOOP_VARS[code]], ["int", _fixed_int(fixed, "val")]]
    if code == 140:
        return [["list_pol", 2, fixed.get("list_policy") or None]]
    if code == 141:
        return [["list_pol", 1, fixed.get("list_policy") or None]]
    if code in (142, 143, 144):
        return [["map_pol", {142: 2, 143: "attr", 144: "flags"}[code], fixed.get("map_policy") or None]]
    if code == 153:
        return [["uint", _fixed_int(fixed, "val")]]
    if code in _LIST_READ or code in _MAP_READ:
        is_map = code in _MAP_READ
        cdt_op, n, has_rt, multi, takes_vt = (_MAP_READ if is_map else _LIST_READ)[code]
        rt = _fixed_int(fixed, "return_type") if has_rt else 5
        vt = fixed.get("value_type") if takes_vt else _AUTO_T
        t = _selection_type(vt, rt, multi, is_map)
        out = _call(t, 0) + [["call_payload", 1 + n + has_rt, ctx], ["int", cdt_op]]
        return out + ([["int", rt]] if has_rt else [])
    if code in (1042, 1043):  # ListJoin
        out = _call(_STR_T, 0) + [["call_payload", 1 if code == 1042 else 2, ctx], ["int", 28]]
        return out + ([["str", fixed["separator"]]] if code == 1043 else [])
    if code in _LIST_WRITE or code in _MAP_WRITE:
        is_list = code in _LIST_WRITE
        cdt_op, n, extra = (_LIST_WRITE if is_list else _MAP_WRITE)[code]
        policy = fixed.get("list_policy" if is_list else "map_policy") or None
        if code == 1104 and policy:
            raise ParamError(-2, "MapIncrement with a map policy: the official client packs it malformed "
                                 "(the server refuses it with 4); pass no policy")
        t = _modify_type(ctx, _LIST_T if is_list else _MAP_T)
        return _call(t, 0x40) + [["call_payload", 1 + n + (extra if policy else 0), ctx], ["int", cdt_op]]
    if code in (1009, 1107):  # ListClear, MapClear
        is_list = code == 1009
        t = _modify_type(ctx, _LIST_T if is_list else _MAP_T)
        return _call(t, 0x40) + [["call_payload", 1, ctx], ["int", 11 if is_list else 75]]
    if code == 1031:  # ListSort
        return _call(_modify_type(ctx, _LIST_T), 0x40) + [["call_payload", 2, ctx], ["int", 13],
                                                          ["int", _fixed_int(fixed, "list_order")]]
    if code in _LIST_REMOVE or code in _MAP_REMOVE:
        is_list = code in _LIST_REMOVE
        cdt_op, n, from_fixed = (_LIST_REMOVE if is_list else _MAP_REMOVE)[code]
        rt = _fixed_int(fixed, "return_type") if from_fixed else 0
        t = _modify_type(ctx, _LIST_T if is_list else _MAP_T)
        return _call(t, 0x40) + [["call_payload", 2 + n, ctx], ["int", cdt_op], ["int", rt]]
    if code in _BIT_MODIFY:
        bit_op, n = _BIT_MODIFY[code]
        return _call(_BLOB_T, 0x41) + [["call_payload", 1 + n, None], ["int", bit_op]]
    if code in _BIT_READ:
        t, bit_op, n = _BIT_READ[code]
        return _call(t, 1) + [["call_payload", 1 + n, None], ["int", bit_op]]
    if code in _HLL_MODIFY:
        hll_op, n = _HLL_MODIFY[code]
        return _call(_HLL_T, 0x42) + [["call_payload", 1 + n, None], ["int", hll_op]]
    if code in _HLL_READ:
        t, hll_op, n = _HLL_READ[code]
        return _call(t, 2) + [["call_payload", 1 + n, None], ["int", hll_op]]
    if code in _STR_READ:
        t, str_op, params = _STR_READ[code]
        return (_call(t, 3) + [["call_payload", 1 + len(params), None], ["int", str_op]]
                + [[kind, fixed[key]] for kind, key in params])
    if code == 1239:  # ToString
        return [["op", 99, 2]]
    if code in (1222, 1223):  # Snip: with an end, [53, start, end, flags]; without, [53, start]
        policy = fixed.get("str_policy")
        flags = int(policy.write_flags) if policy is not None else 0
        if fixed.get("end") is not None:
            return _call(_STR_T, 0x43) + [["call_payload", 4, None], ["int", 53], ["int", fixed["start"]],
                                           ["int", fixed["end"]], ["uint", flags]]
        return _call(_STR_T, 0x43) + [["call_payload", 2, None], ["int", 53], ["int", fixed["start"]]]
    if code in _STR_MODIFY:
        str_op, params = _STR_MODIFY[code]
        policy = fixed.get("str_policy")
        flags = int(policy.write_flags) if policy is not None else 0
        out = _call(_STR_T, 0x43) + [["call_payload", 1 + len(params), None], ["int", str_op]]
        for p in params:
            if p == "F":
                out.append(["uint", flags])
            elif p == "L":
                out.append(["raw_bytes", b"\x92\x7e" + _value(list(fixed["val"]))])
            elif p[0] == "pair":
                pair = _typed(3, _c_string(fixed[p[1]])) + _typed(3, _c_string(fixed[p[2]]))
                out.append(["raw_bytes", b"\x92\x7e\x92" + pair])
            else:
                out.append([p[0], int(fixed[p[1]]) if p[0] in ("int", "uint") else fixed[p[1]]])
        return out
    if code == 3010:  # SelectByPath
        return [["op", 127, 5], ["rtype", fixed["value_type"]], ["int", 0], ["call_payload", 3, None],
                ["int", 0xFE], ["raw_bytes", _ctx(fixed["ctx"])], ["int", fixed["cdt_flags"]]]
    if code == 3011:  # ModifyByPath
        return [["op", 127, 5], ["rtype", fixed["value_type"]], ["int", 0x40], ["call_payload", 4, None],
                ["int", 0xFE], ["raw_bytes", _ctx(fixed["ctx"])], ["int", fixed["cdt_flags"] | 4],
                ["raw_bytes", pack(fixed["mod_exp"])]]
    raise ParamError(-2, f"unknown expression op {code!r}")


def _policy_values(kind, count, policy):
    """What a policy marker writes: list (order, flags) / (flags), map (attributes, flags)."""
    if policy is None:
        return []
    if kind == "list_pol":
        order, flags = int(policy.get("list_order", 0) or 0), int(policy.get("write_flags", 0) or 0)
        return [order, flags] if count == 2 else [flags]
    attributes = int(policy.get("map_order", 0) or 0) | (0x10 if policy.get("persist_index") else 0)
    flags = int(policy.get("map_write_flags", 0) or 0)
    return {2: [attributes, flags], "attr": [attributes], "flags": [flags]}[count]


def _pack_entries(entries):
    """as_exp_compile: count the elements of each var-args array, then write msgpack."""
    counts = [0] * len(entries)
    stack = []  # open var-args arrays: their entry indexes
    for i, e in enumerate(entries):
        kind = e[0]
        if stack:
            top = stack[-1]
            counts[top] += 1  # this entry is one element...
            if kind == "op":
                counts[top] -= e[2] - 1  # ...that swallows the next count - 1 entries
            elif kind == "call_payload":
                counts[top] -= e[1]  # the payload array and its elements are one element of the call
            elif kind in ("list_pol", "map_pol"):
                counts[top] += len(_policy_values(kind, e[1], e[2])) - 1
        if kind == "rtype" and e[1] == _ERROR_T:
            raise ParamError(-2, "the return type and value type of a list or map read do not match "
                                 "(the official client fails with 'as_exp_compile failed.')")
        if kind == "va":
            stack.append(i)
        elif kind == "end":
            if not stack:
                raise ParamError(-2, "an END_OF_VA_ARGS marker outside any var-args operator")
            stack.pop()
    if stack:
        raise ParamError(-2, "a var-args operator without its END_OF_VA_ARGS marker")
    out = bytearray()
    for i, e in enumerate(entries):
        kind = e[0]
        if kind == "op":
            out += _array_header(e[2]) + _int(e[1])
        elif kind == "va":
            out += _array_header(counts[i]) + _int(e[1])
        elif kind in ("int", "rtype"):
            out += _int(e[1])
        elif kind == "uint":
            out += _uint(e[1])
        elif kind == "str":
            out += _typed(3, _c_string(e[1]))
        elif kind == "raw":
            out += _raw(e[1])
        elif kind == "raw_bytes":
            out += e[1]
        elif kind == "call_payload":
            if e[2]:
                out += b"\x93\xcc\xff" + _ctx(e[2])
            out += _array_header(e[1])
        elif kind in ("list_pol", "map_pol"):
            out += b"".join(_uint(v) for v in _policy_values(kind, e[1], e[2]))
    return bytes(out)


def is_compiled(expr):
    """True for a compile() result: a non-empty list of 4-tuples."""
    return isinstance(expr, list) and bool(expr) and all(isinstance(t, tuple) and len(t) == 4 for t in expr)


def pack(compiled):
    """The wire bytes (field 43, or the first element of an expression operation's value) of a
    compile() result of `aerospike_helpers.expressions` or `scramjet.expressions`."""
    if not is_compiled(compiled):
        raise ParamError(-2, "Expressions must be a non empty list of 4 element tuples, generated by a compiled "
                             "aerospike expression")
    entries = []
    for item in compiled:
        entries += _entries(item)
    return _pack_entries(entries)


def pack_op_value(compiled, flags):
    """The value of an expression read or write operation: `[expression, flags]`."""
    return b"\x92" + pack(compiled) + _uint(int(flags))
