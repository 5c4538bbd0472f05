"""HyperLogLog operation builders for `Client.operate`: the functions, signatures and dicts of the
official `aerospike_helpers.operations.hll_operations`, so either module may be used, plus
`hll_may_contain`. Constants (`HLL_WRITE_*`, `OP_HLL_*`) are in `scramjet`, as in `aerospike`.
`policy` is an HLL policy dict, `{"flags": HLL_WRITE_*}`. Index bits are 4 to 16, minhash bits 0
or 4 to 51 (None: not given). HLL lists hold HLL values (`scramjet.HyperLogLog` or the official
`aerospike_helpers.HyperLogLog`, as reads return them). Init, set-union and fold answer nothing;
add and refresh-count answer an int, the reads an int, a float (similarity), a HyperLogLog
(union) or `[index_bits, minhash_bits]` (describe)."""

from . import _hll as h

OP_KEY = "op"
BIN_KEY = "bin"
HLL_POLICY_KEY = "hll_policy"
INDEX_BIT_COUNT_KEY = "index_bit_count"
MH_BIT_COUNT_KEY = "mh_bit_count"
VALUE_LIST_KEY = "value_list"


def hll_add(bin_name, values, index_bit_count=None, mh_bit_count=None, policy=None):
    """Adds `values` to the HLL, creating the bin with the bit counts given if it is missing.
    Answers the number of registers the values raised."""
    op = {OP_KEY: h.OP_HLL_ADD, BIN_KEY: bin_name, VALUE_LIST_KEY: values,
          INDEX_BIT_COUNT_KEY: -1 if index_bit_count is None else index_bit_count,
          MH_BIT_COUNT_KEY: -1 if mh_bit_count is None else mh_bit_count}
    if policy:
        op[HLL_POLICY_KEY] = policy
    return op


def hll_describe(bin_name):
    """The HLL's bit counts, `[index_bits, minhash_bits]`."""
    return {OP_KEY: h.OP_HLL_DESCRIBE, BIN_KEY: bin_name}


def hll_fold(bin_name, index_bit_count):
    """Folds the HLL to `index_bit_count` index bits (fewer; only without minhash bits)."""
    return {OP_KEY: h.OP_HLL_FOLD, BIN_KEY: bin_name, INDEX_BIT_COUNT_KEY: index_bit_count}


def hll_get_count(bin_name):
    """The HLL's estimated count."""
    return {OP_KEY: h.OP_HLL_GET_COUNT, BIN_KEY: bin_name}


def hll_get_intersect_count(bin_name, hll_list):
    """The estimated count of the intersection of the HLL with the HLLs of `hll_list`."""
    return {OP_KEY: h.OP_HLL_GET_INTERSECT_COUNT, BIN_KEY: bin_name, VALUE_LIST_KEY: hll_list}


def hll_get_similarity(bin_name, hll_list):
    """The estimated similarity of the HLL with the HLLs of `hll_list`, a float."""
    return {OP_KEY: h.OP_HLL_GET_SIMILARITY, BIN_KEY: bin_name, VALUE_LIST_KEY: hll_list}


def hll_get_union(bin_name, hll_list):
    """The union of the HLL with the HLLs of `hll_list`, a HyperLogLog."""
    return {OP_KEY: h.OP_HLL_GET_UNION, BIN_KEY: bin_name, VALUE_LIST_KEY: hll_list}


def hll_get_union_count(bin_name, hll_list):
    """The estimated count of the union of the HLL with the HLLs of `hll_list`."""
    return {OP_KEY: h.OP_HLL_GET_UNION_COUNT, BIN_KEY: bin_name, VALUE_LIST_KEY: hll_list}


def hll_init(bin_name, index_bit_count=None, mh_bit_count=None, policy=None):
    """Creates an empty HLL, or empties the bin's, keeping the bit counts not given."""
    op = {OP_KEY: h.OP_HLL_INIT, BIN_KEY: bin_name,
          INDEX_BIT_COUNT_KEY: -1 if index_bit_count is None else index_bit_count,
          MH_BIT_COUNT_KEY: -1 if mh_bit_count is None else mh_bit_count}
    if policy:
        op[HLL_POLICY_KEY] = policy
    return op


def hll_refresh_count(bin_name):
    """Refreshes the HLL's cached count; answers the count."""
    return {OP_KEY: h.OP_HLL_REFRESH_COUNT, BIN_KEY: bin_name}


def hll_set_union(bin_name, hll_list, policy=None):
    """Sets the HLL to its union with the HLLs of `hll_list` (creating the bin)."""
    op = {OP_KEY: h.OP_HLL_SET_UNION, BIN_KEY: bin_name, VALUE_LIST_KEY: hll_list}
    if policy:
        op[HLL_POLICY_KEY] = policy
    return op


def hll_may_contain(bin_name, values):
    """1 if every one of `values` may be in the HLL, else 0 (the official package has the
    operation code, `aerospike.OP_HLL_MAY_CONTAIN`, but no helper)."""
    return {OP_KEY: h.OP_HLL_MAY_CONTAIN, BIN_KEY: bin_name, VALUE_LIST_KEY: values}
