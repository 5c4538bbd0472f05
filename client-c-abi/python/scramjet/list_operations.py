"""List operation builders for `Client.operate`: the functions, signatures and dicts of the
official `aerospike_helpers.operations.list_operations`, so either module may be used.
Constants (return types, orders, write and sort flags) are in `scramjet`, as in `aerospike`.
`ctx` is the path to a list nested in the bin (levels from `scramjet.cdt_ctx` or the official
`aerospike_helpers.cdt_ctx`), which the operation then applies to."""

from . import _cdt as c


def _op(code, bin_name, ctx, **fields):
    op = {"op": code, "bin": bin_name}
    op.update(fields)
    if ctx:
        op["ctx"] = ctx
    return op


def _with_policy(op, policy):
    if policy:
        op["list_policy"] = policy
    return op


def _with_count(op, count):
    if count is not None:
        op["count"] = count
    return op


def list_create(bin_name, list_order, pad, persist_index, ctx=None):
    """Creates a list of `list_order` where `ctx` leads, if there is none (the last level gets
    the create flag; with `pad`, past the end of the list holding it, padded with None). Without
    a context, sets the order of the bin's list (with `persist_index`, the server keeps an index
    with it)."""
    op = {"op": c.OP_LIST_CREATE, "bin": bin_name, "list_order": list_order, "pad": pad,
          "persist_index": persist_index}
    if ctx is not None:
        op["ctx"] = ctx
    return op


def list_append(bin_name, value, policy=None, ctx=None):
    """Appends `value`; the result is the new size."""
    return _with_policy(_op(c.OP_LIST_APPEND, bin_name, ctx, val=value), policy)


def list_append_items(bin_name, values, policy=None, ctx=None):
    """Appends `values`; the result is the new size."""
    return _with_policy(_op(c.OP_LIST_APPEND_ITEMS, bin_name, ctx, val=values), policy)


def list_insert(bin_name, index, value, policy=None, ctx=None):
    """Inserts `value` at `index`; the result is the new size."""
    return _with_policy(_op(c.OP_LIST_INSERT, bin_name, ctx, index=index, val=value), policy)


def list_insert_items(bin_name, index, values, policy=None, ctx=None):
    """Inserts `values` at `index`; the result is the new size."""
    return _with_policy(_op(c.OP_LIST_INSERT_ITEMS, bin_name, ctx, index=index, val=values), policy)


def list_increment(bin_name, index, value, policy=None, ctx=None):
    """Adds `value` to the element at `index`; the result is the new value."""
    return _with_policy(_op(c.OP_LIST_INCREMENT, bin_name, ctx, index=index, val=value), policy)


def list_pop(bin_name, index, ctx=None):
    """Removes and returns the element at `index`."""
    return _op(c.OP_LIST_POP, bin_name, ctx, index=index)


def list_pop_range(bin_name, index, count, ctx=None):
    """Removes and returns `count` elements from `index`."""
    return _op(c.OP_LIST_POP_RANGE, bin_name, ctx, index=index, val=count)


def list_remove(bin_name, index, ctx=None):
    """Removes the element at `index`; the result is 1."""
    return _op(c.OP_LIST_REMOVE, bin_name, ctx, index=index)


def list_remove_range(bin_name, index, count, ctx=None):
    """Removes `count` elements from `index`; the result is how many."""
    return _op(c.OP_LIST_REMOVE_RANGE, bin_name, ctx, index=index, val=count)


def list_clear(bin_name, ctx=None):
    """Removes every element."""
    return _op(c.OP_LIST_CLEAR, bin_name, ctx)


def list_set(bin_name, index, value, policy=None, ctx=None):
    """Sets the element at `index`."""
    return _with_policy(_op(c.OP_LIST_SET, bin_name, ctx, index=index, val=value), policy)


def list_get(bin_name, index, ctx=None):
    """The element at `index`."""
    return _op(c.OP_LIST_GET, bin_name, ctx, index=index)


def list_get_range(bin_name, index, count, ctx=None):
    """`count` elements from `index`."""
    return _op(c.OP_LIST_GET_RANGE, bin_name, ctx, index=index, val=count)


def list_trim(bin_name, index, count, ctx=None):
    """Keeps only `count` elements from `index`; the result is how many were removed."""
    return _op(c.OP_LIST_TRIM, bin_name, ctx, index=index, val=count)


def list_size(bin_name, ctx=None):
    """The number of elements."""
    return _op(c.OP_LIST_SIZE, bin_name, ctx)


def list_set_order(bin_name, list_order, ctx=None):
    """Sets the list's order."""
    return _op(c.OP_LIST_SET_ORDER, bin_name, ctx, list_order=list_order)


def list_sort(bin_name, sort_flags=0, ctx=None):
    """Sorts the list."""
    return _op(c.OP_LIST_SORT, bin_name, ctx, sort_flags=sort_flags)


def list_get_by_index(bin_name, index, return_type, ctx=None):
    """The element at `index`, as `return_type` says."""
    return _op(c.OP_LIST_GET_BY_INDEX, bin_name, ctx, return_type=return_type, index=index)


def list_get_by_index_range(bin_name, index, return_type, count=None, inverted=False, ctx=None):
    """`count` elements (None: all) from `index`."""
    return _with_count(_op(c.OP_LIST_GET_BY_INDEX_RANGE, bin_name, ctx, return_type=return_type, index=index,
                           inverted=inverted), count)


def list_get_by_rank(bin_name, rank, return_type, ctx=None):
    """The element of rank `rank`."""
    return _op(c.OP_LIST_GET_BY_RANK, bin_name, ctx, return_type=return_type, rank=rank)


def list_get_by_rank_range(bin_name, rank, return_type, count=None, inverted=False, ctx=None):
    """`count` elements (None: all) from rank `rank`."""
    return _with_count(_op(c.OP_LIST_GET_BY_RANK_RANGE, bin_name, ctx, return_type=return_type, rank=rank,
                           inverted=inverted), count)


def list_get_by_value(bin_name, value, return_type, inverted=False, ctx=None):
    """Every element equal to `value`."""
    return _op(c.OP_LIST_GET_BY_VALUE, bin_name, ctx, return_type=return_type, val=value, inverted=inverted)


def list_get_by_value_list(bin_name, value_list, return_type, inverted=False, ctx=None):
    """Every element equal to one of `value_list`."""
    return _op(c.OP_LIST_GET_BY_VALUE_LIST, bin_name, ctx, return_type=return_type, value_list=value_list,
               inverted=inverted)


def _range(code, bin_name, return_type, value_begin, value_end, inverted, ctx):
    op = _op(code, bin_name, ctx, return_type=return_type, inverted=inverted)
    if value_begin is not None:
        op["value_begin"] = value_begin
    if value_end is not None:
        op["value_end"] = value_end
    return op


def list_get_by_value_range(bin_name, return_type, value_begin, value_end, inverted=False, ctx=None):
    """Elements with `value_begin <= value < value_end` (None: unbounded)."""
    return _range(c.OP_LIST_GET_BY_VALUE_RANGE, bin_name, return_type, value_begin, value_end, inverted, ctx)


def list_get_by_value_rank_range_relative(bin_name, value, offset, return_type, count=None, inverted=False,
                                          ctx=None):
    """`count` elements (None: all) from the rank of `value` plus `offset`."""
    return _with_count(_op(c.OP_LIST_GET_BY_VALUE_RANK_RANGE_REL, bin_name, ctx, val=value, rank=offset,
                           return_type=return_type, inverted=inverted), count)


def list_remove_by_index(bin_name, index, return_type, ctx=None):
    """Removes the element at `index`."""
    return _op(c.OP_LIST_REMOVE_BY_INDEX, bin_name, ctx, return_type=return_type, index=index)


def list_remove_by_index_range(bin_name, index, return_type, count=None, inverted=False, ctx=None):
    """Removes `count` elements (None: all) from `index`."""
    return _with_count(_op(c.OP_LIST_REMOVE_BY_INDEX_RANGE, bin_name, ctx, return_type=return_type, index=index,
                           inverted=inverted), count)


def list_remove_by_rank(bin_name, rank, return_type, ctx=None):
    """Removes the element of rank `rank`."""
    return _op(c.OP_LIST_REMOVE_BY_RANK, bin_name, ctx, return_type=return_type, rank=rank)


def list_remove_by_rank_range(bin_name, rank, return_type, count=None, inverted=False, ctx=None):
    """Removes `count` elements (None: all) from rank `rank`."""
    return _with_count(_op(c.OP_LIST_REMOVE_BY_RANK_RANGE, bin_name, ctx, return_type=return_type, rank=rank,
                           inverted=inverted), count)


def list_remove_by_value(bin_name, value, return_type, inverted=False, ctx=None):
    """Removes every element equal to `value`."""
    return _op(c.OP_LIST_REMOVE_BY_VALUE, bin_name, ctx, return_type=return_type, val=value, inverted=inverted)


def list_remove_by_value_list(bin_name, value_list, return_type, inverted=False, ctx=None):
    """Removes every element equal to one of `value_list`."""
    return _op(c.OP_LIST_REMOVE_BY_VALUE_LIST, bin_name, ctx, return_type=return_type, value_list=value_list,
               inverted=inverted)


def list_remove_by_value_range(bin_name, return_type, value_begin=None, value_end=None, inverted=False, ctx=None):
    """Removes elements with `value_begin <= value < value_end` (None: unbounded)."""
    return _range(c.OP_LIST_REMOVE_BY_VALUE_RANGE, bin_name, return_type, value_begin, value_end, inverted, ctx)


def list_remove_by_value_rank_range_relative(bin_name, value, offset, return_type, count=None, inverted=False,
                                             ctx=None):
    """Removes `count` elements (None: all) from the rank of `value` plus `offset`."""
    return _with_count(_op(c.OP_LIST_REMOVE_BY_VALUE_RANK_RANGE_REL, bin_name, ctx, val=value, rank=offset,
                           return_type=return_type, inverted=inverted), count)
