"""List and map operations: the official client's constants, and the translation of an
operation dict (from `scramjet.list_operations` / `scramjet.map_operations`, or the official
`aerospike_helpers.operations.list_operations` / `map_operations`, which make the same dicts)
into a call of the C API's `sj_operations_list_*` / `sj_operations_map_*` functions, with the
arguments the official client sends (PROTOCOL-DATA.md A.2, A.3). An operation's `ctx` (a list
of `scramjet.cdt_ctx` or official `aerospike_helpers.cdt_ctx` objects) is passed to the same
call as its `sj_ctx` (A.8).
"""

# Operation codes of the dicts (the official `aerospike.OP_LIST_*` / `OP_MAP_*` values).
OP_LIST_APPEND = 1001
OP_LIST_APPEND_ITEMS = 1002
OP_LIST_INSERT = 1003
OP_LIST_INSERT_ITEMS = 1004
OP_LIST_POP = 1005
OP_LIST_POP_RANGE = 1006
OP_LIST_REMOVE = 1007
OP_LIST_REMOVE_RANGE = 1008
OP_LIST_CLEAR = 1009
OP_LIST_SET = 1010
OP_LIST_GET = 1011
OP_LIST_GET_RANGE = 1012
OP_LIST_TRIM = 1013
OP_LIST_SIZE = 1014
OP_LIST_INCREMENT = 1015
OP_LIST_GET_BY_INDEX = 1016
OP_LIST_GET_BY_INDEX_RANGE = 1017
OP_LIST_GET_BY_RANK = 1018
OP_LIST_GET_BY_RANK_RANGE = 1019
OP_LIST_GET_BY_VALUE = 1020
OP_LIST_GET_BY_VALUE_LIST = 1021
OP_LIST_GET_BY_VALUE_RANGE = 1022
OP_LIST_REMOVE_BY_INDEX = 1023
OP_LIST_REMOVE_BY_INDEX_RANGE = 1024
OP_LIST_REMOVE_BY_RANK = 1025
OP_LIST_REMOVE_BY_RANK_RANGE = 1026
OP_LIST_REMOVE_BY_VALUE = 1027
OP_LIST_REMOVE_BY_VALUE_LIST = 1028
OP_LIST_REMOVE_BY_VALUE_RANGE = 1029
OP_LIST_SET_ORDER = 1030
OP_LIST_SORT = 1031
OP_LIST_REMOVE_BY_VALUE_RANK_RANGE_REL = 1032
OP_LIST_GET_BY_VALUE_RANK_RANGE_REL = 1033
OP_LIST_GET_BY_VALUE_RANK_RANGE_REL_TO_END = 1034
OP_LIST_GET_BY_INDEX_RANGE_TO_END = 1035
OP_LIST_GET_BY_RANK_RANGE_TO_END = 1036
OP_LIST_REMOVE_BY_REL_RANK_RANGE_TO_END = 1037
OP_LIST_REMOVE_BY_REL_RANK_RANGE = 1038
OP_LIST_REMOVE_BY_INDEX_RANGE_TO_END = 1039
OP_LIST_REMOVE_BY_RANK_RANGE_TO_END = 1040
OP_LIST_CREATE = 1041
OP_MAP_SET_POLICY = 1101
OP_MAP_PUT = 1102
OP_MAP_PUT_ITEMS = 1103
OP_MAP_INCREMENT = 1104
OP_MAP_DECREMENT = 1105
OP_MAP_SIZE = 1106
OP_MAP_CLEAR = 1107
OP_MAP_REMOVE_BY_KEY = 1108
OP_MAP_REMOVE_BY_KEY_LIST = 1109
OP_MAP_REMOVE_BY_KEY_RANGE = 1110
OP_MAP_REMOVE_BY_VALUE = 1111
OP_MAP_REMOVE_BY_VALUE_LIST = 1112
OP_MAP_REMOVE_BY_VALUE_RANGE = 1113
OP_MAP_REMOVE_BY_INDEX = 1114
OP_MAP_REMOVE_BY_INDEX_RANGE = 1115
OP_MAP_REMOVE_BY_RANK = 1116
OP_MAP_REMOVE_BY_RANK_RANGE = 1117
OP_MAP_GET_BY_KEY = 1118
OP_MAP_GET_BY_KEY_RANGE = 1119
OP_MAP_GET_BY_VALUE = 1120
OP_MAP_GET_BY_VALUE_RANGE = 1121
OP_MAP_GET_BY_INDEX = 1122
OP_MAP_GET_BY_INDEX_RANGE = 1123
OP_MAP_GET_BY_RANK = 1124
OP_MAP_GET_BY_RANK_RANGE = 1125
OP_MAP_GET_BY_VALUE_LIST = 1126
OP_MAP_GET_BY_KEY_LIST = 1127
OP_MAP_REMOVE_BY_VALUE_RANK_RANGE_REL = 1128
OP_MAP_REMOVE_BY_KEY_INDEX_RANGE_REL = 1129
OP_MAP_GET_BY_VALUE_RANK_RANGE_REL = 1130
OP_MAP_GET_BY_KEY_INDEX_RANGE_REL = 1131
OP_MAP_REMOVE_BY_KEY_REL_INDEX_RANGE_TO_END = 1132
OP_MAP_REMOVE_BY_VALUE_REL_RANK_RANGE_TO_END = 1133
OP_MAP_REMOVE_BY_INDEX_RANGE_TO_END = 1134
OP_MAP_REMOVE_BY_RANK_RANGE_TO_END = 1135
OP_MAP_GET_BY_KEY_REL_INDEX_RANGE_TO_END = 1136
OP_MAP_REMOVE_BY_KEY_REL_INDEX_RANGE = 1137
OP_MAP_REMOVE_BY_VALUE_REL_INDEX_RANGE = 1138
OP_MAP_REMOVE_BY_VALUE_REL_RANK_RANGE = 1139
OP_MAP_GET_BY_KEY_REL_INDEX_RANGE = 1140
OP_MAP_GET_BY_VALUE_RANK_RANGE_REL_TO_END = 1141
OP_MAP_GET_BY_INDEX_RANGE_TO_END = 1142
OP_MAP_GET_BY_RANK_RANGE_TO_END = 1143
OP_MAP_CREATE = 1144

# Context types: the official `aerospike.CDT_CTX_*` values. The two create ones are the Python
# client's own: the wire type is LIST_INDEX / MAP_KEY with a create flag from the order.
CDT_CTX_LIST_INDEX = 0x10
CDT_CTX_LIST_RANK = 0x11
CDT_CTX_LIST_VALUE = 0x13
CDT_CTX_LIST_INDEX_CREATE = 0x14
CDT_CTX_MAP_INDEX = 0x20
CDT_CTX_MAP_RANK = 0x21
CDT_CTX_MAP_KEY = 0x22
CDT_CTX_MAP_VALUE = 0x23
CDT_CTX_MAP_KEY_CREATE = 0x24
# The path-expression ones (select / modify by path, which this client does not have).
_CDT_CTX_PATH_EXPRESSIONS = (0x04, 0x204, 0x2A)

# Return types.
LIST_RETURN_NONE = MAP_RETURN_NONE = 0
LIST_RETURN_INDEX = MAP_RETURN_INDEX = 1
LIST_RETURN_REVERSE_INDEX = MAP_RETURN_REVERSE_INDEX = 2
LIST_RETURN_RANK = MAP_RETURN_RANK = 3
LIST_RETURN_REVERSE_RANK = MAP_RETURN_REVERSE_RANK = 4
LIST_RETURN_COUNT = MAP_RETURN_COUNT = 5
MAP_RETURN_KEY = 6
LIST_RETURN_VALUE = MAP_RETURN_VALUE = 7
MAP_RETURN_KEY_VALUE = 8
LIST_RETURN_EXISTS = MAP_RETURN_EXISTS = 13
MAP_RETURN_UNORDERED_MAP = 16
MAP_RETURN_ORDERED_MAP = 17
_INVERTED = 0x10000

# Orders, write flags, sort flags.
LIST_UNORDERED = 0
LIST_ORDERED = 1
LIST_WRITE_DEFAULT = 0
LIST_WRITE_ADD_UNIQUE = 1
LIST_WRITE_INSERT_BOUNDED = 2
LIST_WRITE_NO_FAIL = 4
LIST_WRITE_PARTIAL = 8
LIST_SORT_DEFAULT = 0
LIST_SORT_DROP_DUPLICATES = 2
MAP_UNORDERED = 0
MAP_KEY_ORDERED = 1
MAP_KEY_VALUE_ORDERED = 3
MAP_WRITE_FLAGS_DEFAULT = 0
MAP_WRITE_FLAGS_CREATE_ONLY = 1
MAP_WRITE_FLAGS_UPDATE_ONLY = 2
MAP_WRITE_FLAGS_NO_FAIL = MAP_WRITE_NO_FAIL = 4
MAP_WRITE_FLAGS_PARTIAL = MAP_WRITE_PARTIAL = 8


class CDTWildcard:
    """Equal to any value in list and map operation arguments (`["a", CDTWildcard()]` matches
    every list starting with "a"). The official `aerospike.CDTWildcard()` works too."""

    def __eq__(self, other):
        return type(other).__name__ == "CDTWildcard"

    def __hash__(self):
        return hash("CDTWildcard")


class CDTInfinite:
    """Greater than any value in list and map operation arguments (open-ended intervals). The
    official `aerospike.CDTInfinite()` works too."""

    def __eq__(self, other):
        return type(other).__name__ == "CDTInfinite"

    def __hash__(self):
        return hash("CDTInfinite")


# C function (without its sj_operations_ prefix) -> its arguments after (err, ops, bin):
# v value (None: nil; OMIT: NULL), a values (a list or a dict's entries) and their count,
# i int64, c count (None: SJ_COUNT_TO_END), u uint32, b bool, L list policy, M map policy.
SIGNATURES = {
    "list_set_order": "ub",
    "list_create": "ubb",
    "list_sort": "u",
    "list_append": "vL",
    "list_append_items": "aL",
    "list_insert": "ivL",
    "list_insert_items": "iaL",
    "list_increment": "ivL",
    "list_set": "ivL",
    "list_pop": "i",
    "list_pop_range": "ic",
    "list_remove": "i",
    "list_remove_range": "ic",
    "list_trim": "ic",
    "list_clear": "",
    "list_size": "",
    "list_get": "i",
    "list_get_range": "ic",
    "list_get_by_index": "ui",
    "list_get_by_index_range": "uic",
    "list_get_by_rank": "ui",
    "list_get_by_rank_range": "uic",
    "list_get_by_value": "uv",
    "list_get_by_value_first": "uv",
    "list_get_by_value_list": "ua",
    "list_get_by_value_range": "uvv",
    "list_get_by_value_rel_rank_range": "uvic",
    "list_remove_by_index": "ui",
    "list_remove_by_index_range": "uic",
    "list_remove_by_rank": "ui",
    "list_remove_by_rank_range": "uic",
    "list_remove_by_value": "uv",
    "list_remove_by_value_first": "uv",
    "list_remove_by_value_list": "ua",
    "list_remove_by_value_range": "uvv",
    "list_remove_by_value_rel_rank_range": "uvic",
    "map_set_policy": "M",
    "map_create": "ub",
    "map_put": "vvM",
    "map_put_items": "aM",
    "map_add": "vvM",
    "map_add_items": "aM",
    "map_replace": "vv",
    "map_replace_items": "a",
    "map_increment": "vvM",
    "map_decrement": "vvM",
    "map_clear": "",
    "map_size": "",
    "map_get_by_key": "uv",
    "map_get_by_key_list": "ua",
    "map_get_by_key_range": "uvv",
    "map_get_by_key_rel_index_range": "uvic",
    "map_get_by_index": "ui",
    "map_get_by_index_range": "uic",
    "map_get_by_value": "uv",
    "map_get_by_value_first": "uv",
    "map_get_by_value_list": "ua",
    "map_get_by_value_range": "uvv",
    "map_get_by_value_rel_rank_range": "uvic",
    "map_get_by_rank": "ui",
    "map_get_by_rank_range": "uic",
    "map_remove_by_key": "uv",
    "map_remove_by_key_list": "ua",
    "map_remove_by_key_range": "uvv",
    "map_remove_by_key_rel_index_range": "uvic",
    "map_remove_by_index": "ui",
    "map_remove_by_index_range": "uic",
    "map_remove_by_value": "uv",
    "map_remove_by_value_first": "uv",
    "map_remove_by_value_list": "ua",
    "map_remove_by_value_range": "uvv",
    "map_remove_by_value_rel_rank_range": "uvic",
    "map_remove_by_rank": "ui",
    "map_remove_by_rank_range": "uic",
}

OMIT = object()  # a value argument passed as NULL


class _Missing(Exception):
    pass


def _get(d, name):
    if name not in d:
        raise _Missing(name)
    return d[name]


def _rt(d):
    rt = int(_get(d, "return_type"))
    return rt | _INVERTED if d.get("inverted") else rt


def _opt(d, name):
    v = d.get(name)
    return OMIT if v is None else v


def _count(d, name="count"):
    return d.get(name)


# op code -> (C function, builder of its arguments from the dict), as the official Python
# client (src/main/client/operate.c, cdt_list_operate.c, cdt_map_operate.c) calls the C
# client's as_operations_list_* / as_operations_map_*.
_LIST = {
    OP_LIST_APPEND: ("list_append", lambda d: [_get(d, "val"), d.get("list_policy")]),
    OP_LIST_APPEND_ITEMS: ("list_append_items", lambda d: [_get(d, "val"), d.get("list_policy")]),
    OP_LIST_INSERT: ("list_insert", lambda d: [_get(d, "index"), _get(d, "val"), d.get("list_policy")]),
    OP_LIST_INSERT_ITEMS: ("list_insert_items", lambda d: [_get(d, "index"), _get(d, "val"), d.get("list_policy")]),
    OP_LIST_INCREMENT: ("list_increment", lambda d: [_get(d, "index"), _opt(d, "val"), d.get("list_policy")]),
    OP_LIST_SET: ("list_set", lambda d: [_get(d, "index"), _get(d, "val"), d.get("list_policy")]),
    OP_LIST_POP: ("list_pop", lambda d: [_get(d, "index")]),
    OP_LIST_POP_RANGE: ("list_pop_range", lambda d: [_get(d, "index"), _get(d, "val")]),
    OP_LIST_REMOVE: ("list_remove", lambda d: [_get(d, "index")]),
    OP_LIST_REMOVE_RANGE: ("list_remove_range", lambda d: [_get(d, "index"), _get(d, "val")]),
    OP_LIST_TRIM: ("list_trim", lambda d: [_get(d, "index"), _get(d, "val")]),
    OP_LIST_CLEAR: ("list_clear", lambda d: []),
    OP_LIST_SIZE: ("list_size", lambda d: []),
    OP_LIST_GET: ("list_get", lambda d: [_get(d, "index")]),
    OP_LIST_GET_RANGE: ("list_get_range", lambda d: [_get(d, "index"), _get(d, "val")]),
    OP_LIST_SET_ORDER: ("list_set_order", lambda d: [_get(d, "list_order"), False]),
    OP_LIST_CREATE: ("list_create", lambda d: [_get(d, "list_order"), bool(d.get("pad")),
                                               bool(d.get("persist_index"))]),
    OP_LIST_SORT: ("list_sort", lambda d: [d.get("sort_flags", 0)]),
}
for _action, _codes in (("get", (OP_LIST_GET_BY_INDEX, OP_LIST_GET_BY_INDEX_RANGE, OP_LIST_GET_BY_RANK,
                                 OP_LIST_GET_BY_RANK_RANGE, OP_LIST_GET_BY_VALUE, OP_LIST_GET_BY_VALUE_LIST,
                                 OP_LIST_GET_BY_VALUE_RANGE, OP_LIST_GET_BY_VALUE_RANK_RANGE_REL)),
                        ("remove", (OP_LIST_REMOVE_BY_INDEX, OP_LIST_REMOVE_BY_INDEX_RANGE, OP_LIST_REMOVE_BY_RANK,
                                    OP_LIST_REMOVE_BY_RANK_RANGE, OP_LIST_REMOVE_BY_VALUE,
                                    OP_LIST_REMOVE_BY_VALUE_LIST, OP_LIST_REMOVE_BY_VALUE_RANGE,
                                    OP_LIST_REMOVE_BY_VALUE_RANK_RANGE_REL))):
    _LIST.update(zip(_codes, (
        (f"list_{_action}_by_index", lambda d: [_rt(d), _get(d, "index")]),
        (f"list_{_action}_by_index_range", lambda d: [_rt(d), _get(d, "index"), _count(d)]),
        (f"list_{_action}_by_rank", lambda d: [_rt(d), _get(d, "rank")]),
        (f"list_{_action}_by_rank_range", lambda d: [_rt(d), _get(d, "rank"), _count(d)]),
        (f"list_{_action}_by_value", lambda d: [_rt(d), _get(d, "val")]),
        (f"list_{_action}_by_value_list", lambda d: [_rt(d), _get(d, "value_list")]),
        # A missing begin is sent as nil, a missing end is left out.
        (f"list_{_action}_by_value_range", lambda d: [_rt(d), _opt(d, "value_begin"), _opt(d, "value_end")]),
        (f"list_{_action}_by_value_rel_rank_range",
         lambda d: [_rt(d), _get(d, "val"), _get(d, "rank"), _count(d)]),
    )))

_MAP = {
    OP_MAP_SET_POLICY: ("map_set_policy", lambda d: [_get(d, "map_policy")]),
    OP_MAP_CREATE: ("map_create", lambda d: [_get(d, "map_order"), bool(d.get("persist_index"))]),
    OP_MAP_PUT: ("map_put", lambda d: [_get(d, "key"), _get(d, "val"), d.get("map_policy")]),
    OP_MAP_PUT_ITEMS: ("map_put_items", lambda d: [_get(d, "val"), d.get("map_policy")]),
    OP_MAP_INCREMENT: ("map_increment", lambda d: [_get(d, "key"), _get(d, "val"), d.get("map_policy")]),
    OP_MAP_DECREMENT: ("map_decrement", lambda d: [_get(d, "key"), _get(d, "val"), d.get("map_policy")]),
    OP_MAP_SIZE: ("map_size", lambda d: []),
    OP_MAP_CLEAR: ("map_clear", lambda d: []),
}
for _action, _codes in (("get", (OP_MAP_GET_BY_KEY, OP_MAP_GET_BY_KEY_LIST, OP_MAP_GET_BY_KEY_RANGE,
                                 OP_MAP_GET_BY_VALUE, OP_MAP_GET_BY_VALUE_LIST, OP_MAP_GET_BY_VALUE_RANGE,
                                 OP_MAP_GET_BY_INDEX, OP_MAP_GET_BY_INDEX_RANGE, OP_MAP_GET_BY_RANK,
                                 OP_MAP_GET_BY_RANK_RANGE, OP_MAP_GET_BY_VALUE_RANK_RANGE_REL,
                                 OP_MAP_GET_BY_KEY_INDEX_RANGE_REL)),
                        ("remove", (OP_MAP_REMOVE_BY_KEY, OP_MAP_REMOVE_BY_KEY_LIST, OP_MAP_REMOVE_BY_KEY_RANGE,
                                    OP_MAP_REMOVE_BY_VALUE, OP_MAP_REMOVE_BY_VALUE_LIST,
                                    OP_MAP_REMOVE_BY_VALUE_RANGE, OP_MAP_REMOVE_BY_INDEX,
                                    OP_MAP_REMOVE_BY_INDEX_RANGE, OP_MAP_REMOVE_BY_RANK,
                                    OP_MAP_REMOVE_BY_RANK_RANGE, OP_MAP_REMOVE_BY_VALUE_RANK_RANGE_REL,
                                    OP_MAP_REMOVE_BY_KEY_INDEX_RANGE_REL))):
    _MAP.update(zip(_codes, (
        (f"map_{_action}_by_key", lambda d: [_rt(d), _get(d, "key")]),
        (f"map_{_action}_by_key_list", lambda d: [_rt(d), _get(d, "val")]),
        # Interval ends given as None are sent as nil, as the official client does.
        (f"map_{_action}_by_key_range", lambda d: [_rt(d), _get(d, "key"), _get(d, "range" if "range" in d else "val")]),
        (f"map_{_action}_by_value", lambda d: [_rt(d), _get(d, "val")]),
        (f"map_{_action}_by_value_list", lambda d: [_rt(d), _get(d, "val")]),
        (f"map_{_action}_by_value_range", lambda d: [_rt(d), _get(d, "val"), _get(d, "range")]),
        (f"map_{_action}_by_index", lambda d: [_rt(d), _get(d, "index")]),
        (f"map_{_action}_by_index_range", lambda d: [_rt(d), _get(d, "index"), _get(d, "val")]),
        (f"map_{_action}_by_rank", lambda d: [_rt(d), _get(d, "index")]),
        (f"map_{_action}_by_rank_range", lambda d: [_rt(d), _get(d, "index"), _get(d, "val")]),
        (f"map_{_action}_by_value_rel_rank_range",
         lambda d: [_rt(d), _get(d, "val"), _get(d, "rank"), _count(d)]),
        (f"map_{_action}_by_key_rel_index_range",
         lambda d: [_rt(d), _get(d, "key"), _get(d, "index"), _count(d)]),
    )))

OPERATIONS = {**_LIST, **_MAP}


def translate_with(operations, op):
    """(C function name, its Python arguments) for the operation dict `op` by `operations`
    (op code -> (name, argument builder)), or None if `op` is not one of them. Raises
    ValueError for a malformed dict (a builder's `_get` of a missing key)."""
    entry = operations.get(op.get("op"))
    if entry is None:
        return None
    name, build = entry
    try:
        return name, build(op)
    except _Missing as e:
        raise ValueError(f"operation {op!r} needs {e.args[0]!r}") from None


def translate(op):
    """`translate_with` for list and map operations. The operation's context, `op.get("ctx")`,
    goes to the call as it is (see `ctx_levels`)."""
    return translate_with(OPERATIONS, op)


def ctx_levels(ctx, path=False):
    """The levels of context `ctx` (None, or a list of objects with `id`, `value` and
    `extra_args`, as `scramjet.cdt_ctx` and the official `aerospike_helpers.cdt_ctx` make them)
    as (kind, value, id, extra_args): kind "int" for an index or rank, "value" for a value or
    key, and with `path` also "children", "and" or "keys_in" for the levels of select/modify by
    path. Raises ValueError for what is not a context of the operation."""
    if ctx is None:
        return []
    if not isinstance(ctx, (list, tuple)):
        raise ValueError(f"ctx is a list of cdt_ctx objects, not {type(ctx).__name__}")
    out = []
    for item in ctx:
        try:
            ctx_id, value, extra = item.id, item.value, item.extra_args
        except AttributeError:
            raise ValueError(f"ctx holds {item!r}, not a cdt_ctx object (from scramjet.cdt_ctx)") from None
        if ctx_id in _CDT_CTX_PATH_EXPRESSIONS:
            if not path:
                raise ValueError("path contexts (cdt_ctx_all_children, cdt_ctx_map_keys_in, cdt_ctx_and_filter) "
                                 "are for select_by_path / modify_by_path only")
            if extra is not None and not isinstance(extra, dict):
                raise ValueError(f"cdt_ctx extra_args is a dict, not {extra!r}")
            if ctx_id == 0x2A and not isinstance(value, (list, tuple)):
                raise ValueError(f"cdt_ctx_map_keys_in takes a list of keys, not {value!r}")
            kind = {0x04: "children", 0x204: "and", 0x2A: "keys_in"}[ctx_id]
            out.append((kind, value, ctx_id, extra or {}))
            continue
        if ctx_id in (CDT_CTX_LIST_INDEX, CDT_CTX_LIST_RANK, CDT_CTX_MAP_INDEX, CDT_CTX_MAP_RANK,
                      CDT_CTX_LIST_INDEX_CREATE):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"a cdt_ctx index or rank is an int, not {value!r}")
            kind = "int"
        elif ctx_id in (CDT_CTX_LIST_VALUE, CDT_CTX_MAP_KEY, CDT_CTX_MAP_VALUE, CDT_CTX_MAP_KEY_CREATE):
            kind = "value"
        else:
            raise ValueError(f"unknown cdt_ctx id {ctx_id!r}")
        if extra is not None and not isinstance(extra, dict):
            raise ValueError(f"cdt_ctx extra_args is a dict, not {extra!r}")
        out.append((kind, value, ctx_id, extra or {}))
    return out


# What `from ._cdt import *` gives the scramjet package: the constants and the two classes.
__all__ = [n for n in list(globals()) if n.isupper() and n not in ("SIGNATURES", "OMIT", "OPERATIONS")
           and not n.startswith("_")] + [
    "CDTWildcard", "CDTInfinite"]
