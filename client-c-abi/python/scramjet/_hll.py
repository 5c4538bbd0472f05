"""HyperLogLog operations: the official client's constants, the HyperLogLog value type, and the
translation of an operation dict (from `scramjet.hll_operations` or the official
`aerospike_helpers.operations.hll_operations`, which make the same dicts) into a call of the C
API's `sj_operations_hll_*` functions, with the arguments the official client sends
(PROTOCOL-DATA.md B.4)."""

from ._cdt import _get as _need, translate_with


# Operation codes of the dicts (the official `aerospike.OP_HLL_*` values).
OP_HLL_ADD = 2100
OP_HLL_DESCRIBE = 2101
OP_HLL_FOLD = 2102
OP_HLL_GET_COUNT = 2103
OP_HLL_GET_INTERSECT_COUNT = 2104
OP_HLL_GET_SIMILARITY = 2105
OP_HLL_GET_UNION = 2106
OP_HLL_GET_UNION_COUNT = 2107
OP_HLL_INIT = 2108
OP_HLL_REFRESH_COUNT = 2109
OP_HLL_SET_UNION = 2110
OP_HLL_MAY_CONTAIN = 2111

# Write flags (the `flags` of an HLL policy dict).
HLL_WRITE_DEFAULT = 0
HLL_WRITE_CREATE_ONLY = 1
HLL_WRITE_UPDATE_ONLY = 2
HLL_WRITE_NO_FAIL = 4
HLL_WRITE_ALLOW_FOLD = 8

# The as_bytes type of an HLL value (its particle type).
AS_BYTES_HLL = 18


class HyperLogLog(bytes):
    """An HLL value: the bytes of an HLL bin, as reads and `hll_get_union` answer them. Writing
    one as a bin makes an HLL bin, and HLL operations take them in their lists. Like the official
    `aerospike_helpers.HyperLogLog` (either works here, and they compare equal as bytes)."""

    def __new__(cls, o):
        return super().__new__(cls, o)

    def __repr__(self):
        return f"{self.__class__.__name__}({super().__repr__()})"

    def __str__(self):
        return self.__repr__()


HyperLogLog.__module__ = "scramjet"


def is_hll(v):
    """True for an HLL value: ours, the official client's, or a subclass of either."""
    return isinstance(v, (bytes, bytearray)) and any(c.__name__ == "HyperLogLog" for c in type(v).__mro__)


# sj_operations_hll_<name>(err, ops, bin, <arguments>): the argument codes. "i" an int32 bit
# count (-1: not given), "a" a list of values (array, count), "P" an HLL policy dict or None (its
# write flags, a uint32).
SIGNATURES = {
    "hll_init": "iiP",
    "hll_add": "aiiP",
    "hll_set_union": "aP",
    "hll_refresh_count": "",
    "hll_fold": "i",
    "hll_get_count": "",
    "hll_get_union": "a",
    "hll_get_union_count": "a",
    "hll_get_intersect_count": "a",
    "hll_get_similarity": "a",
    "hll_describe": "",
    "hll_may_contain": "a",
}




def _bits(op, key):
    """A bit count of the dict: -1 when absent or None, as the official helpers send it."""
    v = op.get(key)
    return -1 if v is None else v


def _list(op):
    return [_need(op, "value_list")]


# dict op code -> (C function name, the dict's arguments in the function's order).
OPERATIONS = {
    OP_HLL_INIT: ("hll_init", lambda op: [_bits(op, "index_bit_count"), _bits(op, "mh_bit_count"),
                                          op.get("hll_policy")]),
    OP_HLL_ADD: ("hll_add", lambda op: [_need(op, "value_list"), _bits(op, "index_bit_count"),
                                        _bits(op, "mh_bit_count"), op.get("hll_policy")]),
    OP_HLL_SET_UNION: ("hll_set_union", lambda op: [_need(op, "value_list"), op.get("hll_policy")]),
    OP_HLL_REFRESH_COUNT: ("hll_refresh_count", lambda op: []),
    OP_HLL_FOLD: ("hll_fold", lambda op: [_need(op, "index_bit_count")]),
    OP_HLL_GET_COUNT: ("hll_get_count", lambda op: []),
    OP_HLL_GET_UNION: ("hll_get_union", _list),
    OP_HLL_GET_UNION_COUNT: ("hll_get_union_count", _list),
    OP_HLL_GET_INTERSECT_COUNT: ("hll_get_intersect_count", _list),
    OP_HLL_GET_SIMILARITY: ("hll_get_similarity", _list),
    OP_HLL_DESCRIBE: ("hll_describe", lambda op: []),
    OP_HLL_MAY_CONTAIN: ("hll_may_contain", _list),
}


def translate(op):
    """(C function name, its Python arguments) for the HLL operation dict `op`, or None if `op`
    is not an HLL operation. Raises ValueError for a malformed dict."""
    return translate_with(OPERATIONS, op)
