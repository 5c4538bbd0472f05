"""List and map operations inside nested containers, through aerospike_helpers.cdt_ctx.

Expected values follow Aerospike's context rules (PROTOCOL-DATA.md §A.8): each level selects by
index, rank, key or value; a missing level is 26 unless the level's create flag makes it; the
container reached must be of the op's kind (12); a bin that is not a list or map is 4.
"""

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers import cdt_ctx
from aerospike_helpers.operations import list_operations as lo
from aerospike_helpers.operations import map_operations as mo


def results(client, k, ops):
    _, _, res = client.operate_ordered(k, ops)
    return [value for _, value in res]


def stored(client, k, bin_name):
    _, _, bins = client.get(k)
    return bins.get(bin_name)


def error_code(client, k, ops):
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(k, ops)
    return info.value.code


def test_reads_several_levels_deep(client, key):
    k = key()
    client.put(k, {"doc": {"users": [{"name": "ann", "tags": ["a", "b"]}, {"name": "bob", "tags": ["c"]}]}})
    users = cdt_ctx.cdt_ctx_map_key("users")
    assert results(client, k, [
        lo.list_size("doc", ctx=[users]),
        mo.map_get_by_key("doc", "name", aerospike.MAP_RETURN_VALUE, ctx=[users, cdt_ctx.cdt_ctx_list_index(1)]),
        lo.list_get("doc", -1, ctx=[users, cdt_ctx.cdt_ctx_list_index(0), cdt_ctx.cdt_ctx_map_key("tags")]),
        lo.list_size("doc", ctx=[users, cdt_ctx.cdt_ctx_list_index(-1), cdt_ctx.cdt_ctx_map_key("tags")]),
    ]) == [2, "bob", "b", 1]


def test_writes_change_the_nested_element_only(client, key):
    k = key()
    client.put(k, {"m": {"a": {"n": 1}, "l": [[1, 2], [3]]}})
    results(client, k, [
        mo.map_increment("m", "n", 5, ctx=[cdt_ctx.cdt_ctx_map_key("a")]),
        lo.list_append("m", 4, ctx=[cdt_ctx.cdt_ctx_map_key("l"), cdt_ctx.cdt_ctx_list_index(1)]),
    ])
    assert stored(client, k, "m") == {"a": {"n": 6}, "l": [[1, 2], [3, 4]]}
    # By rank and by value.
    results(client, k, [lo.list_append("m", 9, ctx=[cdt_ctx.cdt_ctx_map_key("l"), cdt_ctx.cdt_ctx_list_rank(-1)])])
    assert stored(client, k, "m")["l"] == [[1, 2], [3, 4, 9]]
    results(client, k, [lo.list_clear("m", ctx=[cdt_ctx.cdt_ctx_map_key("l"), cdt_ctx.cdt_ctx_list_value([1, 2])])])
    assert stored(client, k, "m")["l"] == [[], [3, 4, 9]]


def test_create_flags_make_missing_levels(client, key):
    k = key()
    client.put(k, {"m": {"x": 1}})
    # map_key_create makes a missing key's map; list_index_create a missing list element.
    ctx = [cdt_ctx.cdt_ctx_map_key_create("new", aerospike.MAP_KEY_ORDERED)]
    results(client, k, [mo.map_put("m", "k", "v", ctx=ctx)])
    assert stored(client, k, "m") == {"x": 1, "new": {"k": "v"}}
    results(client, k, [lo.list_append("l", 1, ctx=[cdt_ctx.cdt_ctx_list_index_create(0, aerospike.LIST_UNORDERED, False)])])
    assert stored(client, k, "l") == [[1]]


def test_context_errors(client, key):
    k = key()
    client.put(k, {"m": {"a": [1]}, "i": 5})
    assert error_code(client, k, [lo.list_append("m", 1, ctx=[cdt_ctx.cdt_ctx_map_key("missing")])]) == 26
    assert error_code(client, k, [lo.list_size("m", ctx=[cdt_ctx.cdt_ctx_list_index(0)])]) == 26
    assert error_code(client, k, [mo.map_size("m", ctx=[cdt_ctx.cdt_ctx_map_key("a")])]) == 12
    assert error_code(client, k, [lo.list_size("i", ctx=[cdt_ctx.cdt_ctx_list_index(0)])]) == 4
