"""Contexts for list and map operations on lists and maps nested in a bin: the helpers of the
official `aerospike_helpers.cdt_ctx`, with the same names, arguments and objects, so either
module may be used.

A context is a list of levels, from the bin inward; pass it as the `ctx` argument of any
`scramjet.list_operations` / `scramjet.map_operations` helper:

    from scramjet import cdt_ctx, list_operations as lo
    # bin "doc" = {"scores": [[1, 2], [3]]}: append 4 to the last list of "scores".
    client.operate(key, [lo.list_append("doc", 4, ctx=[cdt_ctx.cdt_ctx_map_key("scores"),
                                                         cdt_ctx.cdt_ctx_list_index(-1)])])

A missing level is an error (`OpNotApplicable`, 26) unless it is a creating one
(`cdt_ctx_list_index_create`, `cdt_ctx_map_key_create`), which makes it and the levels after
it. The path levels (`cdt_ctx_all_children`, `cdt_ctx_all_children_with_filter`,
`cdt_ctx_and_filter`, `cdt_ctx_map_keys_in`) are for `operations.select_by_path` /
`modify_by_path` only.
"""

from . import _cdt as c

CDT_CTX_ORDER_KEY = "order_key"
CDT_CTX_PAD_KEY = "pad_key"


class _cdt_ctx:
    """One level of a context: `id` is a `CDT_CTX_*` constant, `value` the index, rank, value or
    key, `extra_args` the order (and pad) of a creating level. Equal to an official
    `aerospike_helpers.cdt_ctx._cdt_ctx` with the same fields."""

    def __init__(self, *, id=None, value=None, extra_args=None):
        self.id = id
        self.value = value
        self.extra_args = extra_args

    def _fields(self):
        return (self.id, self.value, self.extra_args)

    def __eq__(self, other):
        try:
            return self._fields() == (other.id, other.value, other.extra_args)
        except AttributeError:
            return NotImplemented

    def __hash__(self):
        return hash((self.id, repr(self.value)))

    def __repr__(self):
        return f"_cdt_ctx(id={self.id:#x}, value={self.value!r}, extra_args={self.extra_args!r})"


def cdt_ctx_list_index(index):
    """The list element at `index` (negative: from the end)."""
    return _cdt_ctx(id=c.CDT_CTX_LIST_INDEX, value=index)


def cdt_ctx_list_rank(rank):
    """The list element of `rank` (0: smallest, -1: largest)."""
    return _cdt_ctx(id=c.CDT_CTX_LIST_RANK, value=rank)


def cdt_ctx_list_value(value):
    """The first list element equal to `value`."""
    return _cdt_ctx(id=c.CDT_CTX_LIST_VALUE, value=value)


def cdt_ctx_list_index_create(index, order=0, pad=False):
    """The list element at `index`, made an empty list of `order` (`LIST_UNORDERED` or
    `LIST_ORDERED`) if missing: `index` must then be the list's size, unless `pad` (unordered
    lists only) fills the gap with None."""
    return _cdt_ctx(id=c.CDT_CTX_LIST_INDEX_CREATE, value=index,
                    extra_args={CDT_CTX_ORDER_KEY: order, CDT_CTX_PAD_KEY: pad})


def cdt_ctx_map_index(index):
    """The value of the map entry at `index` (key order; negative: from the end)."""
    return _cdt_ctx(id=c.CDT_CTX_MAP_INDEX, value=index)


def cdt_ctx_map_rank(rank):
    """The value of the map entry of `rank` (value order; -1: largest)."""
    return _cdt_ctx(id=c.CDT_CTX_MAP_RANK, value=rank)


def cdt_ctx_map_key(key):
    """The value of `key`."""
    return _cdt_ctx(id=c.CDT_CTX_MAP_KEY, value=key)


def cdt_ctx_map_value(value):
    """The value of the first map entry whose value is `value`."""
    return _cdt_ctx(id=c.CDT_CTX_MAP_VALUE, value=value)


def cdt_ctx_map_key_create(key, order=0):
    """The value of `key`, made an empty map of `order` (`MAP_UNORDERED`, `MAP_KEY_ORDERED`,
    `MAP_KEY_VALUE_ORDERED`) if the key is missing."""
    return _cdt_ctx(id=c.CDT_CTX_MAP_KEY_CREATE, value=key, extra_args={CDT_CTX_ORDER_KEY: order})


# ---- path levels (select_by_path / modify_by_path only) ----

def cdt_ctx_all_children():
    """Every child of the list or map reached."""
    return _cdt_ctx(id=0x04)


def cdt_ctx_all_children_with_filter(expression):
    """Every child for which compiled boolean `expression` is true (`LoopVar*` give the child's
    key, value or index)."""
    return _cdt_ctx(id=0x04, extra_args={"filter_expr": expression})


def cdt_ctx_and_filter(expression):
    """A second filter on what the level before selected (not after an all-children level)."""
    return _cdt_ctx(id=0x204, extra_args={"filter_expr": expression})


def cdt_ctx_map_keys_in(keys):
    """The entries of the map reached whose key is in `keys`."""
    return _cdt_ctx(id=0x2A, value=list(keys))
