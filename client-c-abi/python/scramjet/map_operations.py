"""Map operation builders for `Client.operate`: the functions, signatures and dicts of the
official `aerospike_helpers.operations.map_operations`, so either module may be used.
Constants (return types, orders, write flags) are in `scramjet`, as in `aerospike`. `ctx` is
the path to a map nested in the bin (levels from `scramjet.cdt_ctx` or the official
`aerospike_helpers.cdt_ctx`), which the operation then applies to."""

from . import _cdt as c


def _op(code, bin_name, ctx, **fields):
    op = {"op": code, "bin": bin_name}
    op.update(fields)
    if ctx:
        op["ctx"] = ctx
    return op


def _op_any_ctx(code, bin_name, ctx, **fields):
    """As _op, but keeping an empty ctx, as the official helpers of the writes and removes (all
    but the relative ones) do."""
    op = _op(code, bin_name, None, **fields)
    if ctx is not None:
        op["ctx"] = ctx
    return op


def _with_policy(op, map_policy):
    if map_policy is not None:
        op["map_policy"] = map_policy
    return op


def _relative(code, bin_name, ctx, count, inverted, **fields):
    op = _op(code, bin_name, ctx, **fields)
    if count is not None:
        op["count"] = count
    if inverted:
        op["inverted"] = True
    return op


def map_set_policy(bin_name, policy, ctx=None):
    """Sets the map's order (`policy["map_order"]`)."""
    return _op_any_ctx(c.OP_MAP_SET_POLICY, bin_name, ctx, map_policy=policy)


def map_create(bin_name, map_order, persist_index, ctx=None):
    """Creates a map of `map_order` where `ctx` leads, if there is none (the last level gets the
    create flag). Without a context, sets the order of the bin's map (with `persist_index`, the
    server keeps an index with it)."""
    op = {"op": c.OP_MAP_CREATE, "bin": bin_name, "map_order": map_order, "persist_index": persist_index}
    if ctx is not None:
        op["ctx"] = ctx
    return op


def map_put(bin_name, key, value, map_policy=None, ctx=None):
    """Puts `key` and `value`; the result is the new size."""
    return _with_policy(_op_any_ctx(c.OP_MAP_PUT, bin_name, ctx, key=key, val=value), map_policy)


def map_put_items(bin_name, item_dict, map_policy=None, ctx=None):
    """Puts the entries of `item_dict` (sent in key order, as the official helper does); the
    result is the new size."""
    op = _with_policy(_op_any_ctx(c.OP_MAP_PUT_ITEMS, bin_name, ctx), map_policy)
    try:
        op["val"] = dict(sorted(item_dict.items()))
    except TypeError:
        op["val"] = item_dict
    return op


def map_increment(bin_name, key, amount, map_policy=None, ctx=None):
    """Adds `amount` to the value of `key`; the result is the new value."""
    return _with_policy(_op_any_ctx(c.OP_MAP_INCREMENT, bin_name, ctx, key=key, val=amount), map_policy)


def map_decrement(bin_name, key, amount, map_policy=None, ctx=None):
    """Subtracts `amount` from the value of `key`; the result is the new value."""
    return _with_policy(_op_any_ctx(c.OP_MAP_DECREMENT, bin_name, ctx, key=key, val=amount), map_policy)


def map_size(bin_name, ctx=None):
    """The number of entries."""
    return _op_any_ctx(c.OP_MAP_SIZE, bin_name, ctx)


def map_clear(bin_name, ctx=None):
    """Removes every entry."""
    return _op_any_ctx(c.OP_MAP_CLEAR, bin_name, ctx)


def map_remove_by_key(bin_name, key, return_type, ctx=None):
    """Removes the entry of `key`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_KEY, bin_name, ctx, key=key, return_type=return_type)


def map_remove_by_key_list(bin_name, key_list, return_type, inverted=False, ctx=None):
    """Removes the entries of `key_list`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_KEY_LIST, bin_name, ctx, val=key_list, return_type=return_type, inverted=inverted)


def map_remove_by_key_range(bin_name, key_range_start, key_range_end, return_type, inverted=False, ctx=None):
    """Removes entries with `key_range_start <= key < key_range_end`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_KEY_RANGE, bin_name, ctx, key=key_range_start, val=key_range_end,
               return_type=return_type, inverted=inverted)


def map_remove_by_value(bin_name, value, return_type, inverted=False, ctx=None):
    """Removes every entry whose value is `value`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_VALUE, bin_name, ctx, val=value, return_type=return_type, inverted=inverted)


def map_remove_by_value_list(bin_name, value_list, return_type, inverted=False, ctx=None):
    """Removes every entry whose value is one of `value_list`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_VALUE_LIST, bin_name, ctx, val=value_list, return_type=return_type,
               inverted=inverted)


def map_remove_by_value_range(bin_name, value_start, value_end, return_type, inverted=False, ctx=None):
    """Removes entries with `value_start <= value < value_end`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_VALUE_RANGE, bin_name, ctx, val=value_start, range=value_end,
               return_type=return_type, inverted=inverted)


def map_remove_by_index(bin_name, index, return_type, ctx=None):
    """Removes the entry at `index` (key order)."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_INDEX, bin_name, ctx, index=index, return_type=return_type)


def map_remove_by_index_range(bin_name, index_start, remove_amt, return_type, inverted=False, ctx=None):
    """Removes `remove_amt` entries from `index_start`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_INDEX_RANGE, bin_name, ctx, index=index_start, val=remove_amt,
               return_type=return_type, inverted=inverted)


def map_remove_by_rank(bin_name, rank, return_type, ctx=None):
    """Removes the entry of rank `rank` (value order)."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_RANK, bin_name, ctx, index=rank, return_type=return_type)


def map_remove_by_rank_range(bin_name, rank_start, remove_amt, return_type, inverted=False, ctx=None):
    """Removes `remove_amt` entries from rank `rank_start`."""
    return _op_any_ctx(c.OP_MAP_REMOVE_BY_RANK_RANGE, bin_name, ctx, index=rank_start, val=remove_amt,
               return_type=return_type, inverted=inverted)


def map_get_by_key(bin_name, key, return_type, ctx=None):
    """The entry of `key`."""
    return _op(c.OP_MAP_GET_BY_KEY, bin_name, ctx, key=key, return_type=return_type)


def map_get_by_key_range(bin_name, key_range_start, key_range_end, return_type, inverted=False, ctx=None):
    """Entries with `key_range_start <= key < key_range_end`."""
    return _op(c.OP_MAP_GET_BY_KEY_RANGE, bin_name, ctx, key=key_range_start, range=key_range_end,
               return_type=return_type, inverted=inverted)


def map_get_by_key_list(bin_name, key_list, return_type, inverted=False, ctx=None):
    """The entries of `key_list`."""
    return _op(c.OP_MAP_GET_BY_KEY_LIST, bin_name, ctx, val=key_list, return_type=return_type, inverted=inverted)


def map_get_by_value(bin_name, value, return_type, inverted=False, ctx=None):
    """Every entry whose value is `value`."""
    return _op(c.OP_MAP_GET_BY_VALUE, bin_name, ctx, val=value, return_type=return_type, inverted=inverted)


def map_get_by_value_range(bin_name, value_start, value_end, return_type, inverted=False, ctx=None):
    """Entries with `value_start <= value < value_end`."""
    return _op(c.OP_MAP_GET_BY_VALUE_RANGE, bin_name, ctx, val=value_start, range=value_end,
               return_type=return_type, inverted=inverted)


def map_get_by_value_list(bin_name, key_list, return_type, inverted=False, ctx=None):
    """Every entry whose value is one of `key_list` (the official helper's parameter name)."""
    return _op(c.OP_MAP_GET_BY_VALUE_LIST, bin_name, ctx, val=key_list, return_type=return_type, inverted=inverted)


def map_get_by_index(bin_name, index, return_type, ctx=None):
    """The entry at `index` (key order)."""
    return _op(c.OP_MAP_GET_BY_INDEX, bin_name, ctx, index=index, return_type=return_type)


def map_get_by_index_range(bin_name, index_start, get_amt, return_type, inverted=False, ctx=None):
    """`get_amt` entries from `index_start`."""
    return _op(c.OP_MAP_GET_BY_INDEX_RANGE, bin_name, ctx, index=index_start, val=get_amt,
               return_type=return_type, inverted=inverted)


def map_get_by_rank(bin_name, rank, return_type, ctx=None):
    """The entry of rank `rank` (value order)."""
    return _op(c.OP_MAP_GET_BY_RANK, bin_name, ctx, index=rank, return_type=return_type)


def map_get_by_rank_range(bin_name, rank_start, get_amt, return_type, inverted=False, ctx=None):
    """`get_amt` entries from rank `rank_start`."""
    return _op(c.OP_MAP_GET_BY_RANK_RANGE, bin_name, ctx, index=rank_start, val=get_amt,
               return_type=return_type, inverted=inverted)


def map_remove_by_value_rank_range_relative(bin_name, value, offset, return_type, count=None, inverted=False,
                                            ctx=None):
    """Removes `count` entries (None: all) from the rank of `value` plus `offset`."""
    return _relative(c.OP_MAP_REMOVE_BY_VALUE_RANK_RANGE_REL, bin_name, ctx, count, inverted, val=value,
                     rank=offset, return_type=return_type)


def map_get_by_value_rank_range_relative(bin_name, value, offset, return_type, count=None, inverted=False,
                                         ctx=None):
    """`count` entries (None: all) from the rank of `value` plus `offset`."""
    return _relative(c.OP_MAP_GET_BY_VALUE_RANK_RANGE_REL, bin_name, ctx, count, inverted, val=value,
                     rank=offset, return_type=return_type)


def map_remove_by_key_index_range_relative(bin_name, key, offset, return_type, count=None, inverted=False,
                                           ctx=None):
    """Removes `count` entries (None: all) from the index of `key` plus `offset`."""
    return _relative(c.OP_MAP_REMOVE_BY_KEY_INDEX_RANGE_REL, bin_name, ctx, count, inverted, key=key,
                     index=offset, return_type=return_type)


def map_get_by_key_index_range_relative(bin_name, value, offset, return_type, count=None, inverted=False,
                                        ctx=None):
    """`count` entries (None: all) from the index of key `value` plus `offset`."""
    return _relative(c.OP_MAP_GET_BY_KEY_INDEX_RANGE_REL, bin_name, ctx, count, inverted, key=value,
                     index=offset, return_type=return_type)
