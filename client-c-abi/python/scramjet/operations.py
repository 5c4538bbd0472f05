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
