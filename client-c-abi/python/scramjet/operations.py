"""Operation builders for `Client.operate`, producing the same dicts as the official
`aerospike_helpers.operations.operations`, so either may be passed. The list and map builders
of `scramjet.list_operations` and `scramjet.map_operations` (the official
`list_operations` / `map_operations` helpers' twins) are here too."""

from .list_operations import *  # noqa: F401,F403 - list_append, list_get_by_rank_range, ...
from .map_operations import *  # noqa: F401,F403 - map_put, map_get_by_key, ...

OPERATOR_READ = 0
OPERATOR_WRITE = 1
OPERATOR_INCR = 6
OPERATOR_APPEND = 9
OPERATOR_PREPEND = 10
OPERATOR_TOUCH = 11
OPERATOR_DELETE = 14


def read(bin_name):
    """Read a bin."""
    return {"op": OPERATOR_READ, "bin": bin_name}


def write(bin_name, value):
    """Write a bin (None deletes it)."""
    return {"op": OPERATOR_WRITE, "bin": bin_name, "val": value}


def increment(bin_name, amount):
    """Add an int or float to a bin."""
    return {"op": OPERATOR_INCR, "bin": bin_name, "val": amount}


def append(bin_name, value):
    """Append a str or bytes to a bin."""
    return {"op": OPERATOR_APPEND, "bin": bin_name, "val": value}


def prepend(bin_name, value):
    """Prepend a str or bytes to a bin."""
    return {"op": OPERATOR_PREPEND, "bin": bin_name, "val": value}


def touch(ttl=None):
    """Reset the record's TTL (to `ttl`, or the policy's / meta's)."""
    op = {"op": OPERATOR_TOUCH}
    if ttl is not None:
        op["val"] = ttl
    return op


def delete():
    """Delete the record."""
    return {"op": OPERATOR_DELETE}


# Path select and modify (CDT op 0xFE): the official `_AS_OPERATOR_CDT_READ` / `_MODIFY` codes
# and dict keys, so the official helpers' dicts work here too.
OP_PATH_SELECT = 2
OP_PATH_MODIFY = 3

EXP_PATH_SELECT_MATCHING_TREE = 0
EXP_PATH_SELECT_VALUE = 1
EXP_PATH_SELECT_LIST_VALUE = 1
EXP_PATH_SELECT_MAP_VALUE = 1
EXP_PATH_SELECT_MAP_KEY = 2
EXP_PATH_SELECT_MAP_KEY_VALUE = 3
EXP_PATH_SELECT_NO_FAIL = 0x10
EXP_PATH_MODIFY_DEFAULT = 0
EXP_PATH_MODIFY_NO_FAIL = 0x10


def select_by_path(bin_name, ctx, flags):
    """Select in a list or map bin along a path of `scramjet.cdt_ctx` levels (the path levels
    `cdt_ctx_all_children`, `..._with_filter`, `cdt_ctx_and_filter`, `cdt_ctx_map_keys_in`
    included): the matching tree, or a list of values, keys or key/value pairs, per `flags`
    (`EXP_PATH_SELECT_*`, with `EXP_PATH_SELECT_NO_FAIL`)."""
    return {"op": OP_PATH_SELECT, "bin": bin_name, "ctx": ctx, "cdt_flags": flags}


def modify_by_path(bin_name, ctx, expr, flags):
    """Replace every leaf the path selects with the value of compiled expression `expr` for it
    (`LoopVar*` give the leaf's key, value or index; `RemoveResult()` removes the leaf), and write
    the bin. `flags`: `EXP_PATH_MODIFY_DEFAULT` or `EXP_PATH_MODIFY_NO_FAIL`."""
    return {"op": OP_PATH_MODIFY, "bin": bin_name, "ctx": ctx, "mod_exp": expr, "cdt_flags": flags}
