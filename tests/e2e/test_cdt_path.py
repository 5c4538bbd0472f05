"""Path select and modify (CDT op 0xFE, PROTOCOL-DATA.md §A.9) through the official Python
client's operations.select_by_path / modify_by_path and the path contexts of cdt_ctx, with
loop-variable expressions (built-in key, value and index) on each level."""

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers import cdt_ctx as ctx
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import operations as op

VALUE, KEY, INDEX = aerospike.EXP_LOOPVAR_VALUE, aerospike.EXP_LOOPVAR_KEY, aerospike.EXP_LOOPVAR_INDEX
TREE, VALUES = aerospike.EXP_PATH_SELECT_MATCHING_TREE, aerospike.EXP_PATH_SELECT_VALUE
KEYS, KEY_VALUES = aerospike.EXP_PATH_SELECT_MAP_KEY, aerospike.EXP_PATH_SELECT_MAP_KEY_VALUE
NO_FAIL = aerospike.EXP_PATH_SELECT_NO_FAIL

PEOPLE = {"a": {"age": 30, "kids": [1, 2]}, "b": {"age": 10, "kids": []}, "c": 7}


def select(client, k, bin_name, path, flags):
    _, _, bins = client.operate(k, [op.select_by_path(bin_name, path, flags)])
    return bins[bin_name]


def where(e):
    return ctx.cdt_ctx_all_children_with_filter(e.compile())


@pytest.fixture
def rec(client, key):
    k = key()
    client.put(k, {"m": PEOPLE, "l": [5, 3, 9, 3, 8]})
    return k


def test_select_modes(client, rec):
    ages = [ctx.cdt_ctx_all_children(), ctx.cdt_ctx_map_key("age")]
    # The tree keeps the bin's shape; children that are not containers stay whole ("c").
    assert select(client, rec, "m", ages, TREE) == {"a": {"age": 30}, "b": {"age": 10}, "c": 7}
    assert select(client, rec, "m", ages, VALUES) == [30, 10]
    assert select(client, rec, "m", [ctx.cdt_ctx_map_key("b"), ctx.cdt_ctx_all_children()], KEYS) == ["age", "kids"]
    assert select(client, rec, "m", [ctx.cdt_ctx_map_key("b"), ctx.cdt_ctx_all_children()], KEY_VALUES) == \
        ["age", 10, "kids", []]
    assert select(client, rec, "l", [where(exp.GT(exp.LoopVarInt(VALUE), 4))], VALUES) == [5, 9, 8]
    assert select(client, rec, "l", [where(exp.LT(exp.LoopVarInt(INDEX), 2))], VALUES) == [5, 3]
    assert select(client, rec, "l", [ctx.cdt_ctx_list_rank(0)], VALUES) == [3]
    assert select(client, rec, "l", [ctx.cdt_ctx_list_index(-1)], VALUES) == [8]


def test_filters_on_keys_and_nested_calls(client, rec):
    by_key = [where(exp.Eq(exp.LoopVarStr(KEY), "b")), ctx.cdt_ctx_all_children()]
    assert select(client, rec, "m", by_key, KEY_VALUES) == ["age", 10, "kids", []]
    # An AND filter on a level: only the non-empty "kids" lists (a list call on the loop value).
    kids = [ctx.cdt_ctx_all_children(), ctx.cdt_ctx_map_key("kids"),
            ctx.cdt_ctx_and_filter(exp.GT(exp.ListSize(None, exp.LoopVarList(VALUE)), 0).compile())]
    assert select(client, rec, "m", kids, VALUES) == [[1, 2]]


def test_unknown_and_type_mismatches(client, rec):
    # "value > 4" is unknown on maps: 4, or not selected with NO_FAIL.
    gt4 = [where(exp.GT(exp.LoopVarInt(VALUE), 4))]
    with pytest.raises(ex.AerospikeError) as info:
        select(client, rec, "m", gt4, VALUES)
    assert info.value.code == 4
    assert select(client, rec, "m", gt4, VALUES | NO_FAIL) == [7]
    # Keys of a list: 12, or nothing with NO_FAIL. A path on a bin that is not a list or map: 12.
    with pytest.raises(ex.AerospikeError) as info:
        select(client, rec, "l", [ctx.cdt_ctx_all_children()], KEYS)
    assert info.value.code == 12
    assert select(client, rec, "l", [ctx.cdt_ctx_all_children()], KEYS | NO_FAIL) == []
    client.put(rec, {"i": 1})
    with pytest.raises(ex.AerospikeError) as info:
        select(client, rec, "i", [ctx.cdt_ctx_all_children()], VALUES)
    assert info.value.code == 12


def test_modify_replaces_and_removes_leaves(client, rec):
    big = [where(exp.GT(exp.LoopVarInt(VALUE), 4))]
    times10 = exp.Mul(exp.LoopVarInt(VALUE), 10).compile()
    client.operate(rec, [op.modify_by_path("l", big, times10, aerospike.EXP_PATH_MODIFY_DEFAULT)])
    assert client.get(rec)[2]["l"] == [50, 3, 90, 3, 80]
    small = [where(exp.LT(exp.LoopVarInt(VALUE), 4))]
    client.operate(rec, [op.modify_by_path("l", small, exp.RemoveResult().compile(), aerospike.EXP_PATH_MODIFY_DEFAULT)])
    assert client.get(rec)[2]["l"] == [50, 90, 80]
    # Nested: every child's "age" plus one; "c" is not a map and is left alone.
    ages = [ctx.cdt_ctx_all_children(), ctx.cdt_ctx_map_key("age")]
    plus1 = exp.Add(exp.LoopVarInt(VALUE), 1).compile()
    client.operate(rec, [op.modify_by_path("m", ages, plus1, aerospike.EXP_PATH_MODIFY_DEFAULT)])
    assert client.get(rec)[2]["m"] == {"a": {"age": 31, "kids": [1, 2]}, "b": {"age": 11, "kids": []}, "c": 7}
    # A modify expression that is unknown for a leaf: 1, or the leaf stays with NO_FAIL.
    as_str = exp.StrBin("nope").compile()
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(rec, [op.modify_by_path("l", [ctx.cdt_ctx_all_children()], as_str, aerospike.EXP_PATH_MODIFY_DEFAULT)])
    assert info.value.code == 1
    client.operate(rec, [op.modify_by_path("l", [ctx.cdt_ctx_all_children()], as_str, aerospike.EXP_PATH_MODIFY_NO_FAIL)])
    assert client.get(rec)[2]["l"] == [50, 90, 80]


def test_select_and_modify_by_path_inside_expressions(client, rec):
    """SelectByPath / ModifyByPath as expressions: in an expression read, nested in a list call,
    and in a filter; a modify inside an expression changes only the copy."""
    from aerospike_helpers.operations import expression_operations as eo

    big = exp.SelectByPath([where(exp.GT(exp.LoopVarInt(VALUE), 4))], exp.ResultType.LIST, VALUES, exp.ListBin("l"))
    doubled = exp.ModifyByPath([ctx.cdt_ctx_all_children()], exp.ResultType.LIST,
                               exp.Mul(exp.LoopVarInt(VALUE), 2).compile(), aerospike.EXP_PATH_MODIFY_DEFAULT,
                               exp.ListBin("l"))
    _, _, bins = client.operate(rec, [eo.expression_read("x", big.compile()), eo.expression_read("y", doubled.compile())])
    assert bins == {"x": [5, 9, 8], "y": [10, 6, 18, 6, 16]}
    assert client.get(rec)[2]["l"] == [5, 3, 9, 3, 8]
    three = {"expressions": exp.Eq(exp.ListSize(None, big), 3).compile()}
    assert client.get(rec, policy=three)[2]["l"] == [5, 3, 9, 3, 8]
    with pytest.raises(ex.FilteredOut):
        client.get(rec, policy={"expressions": exp.Eq(exp.ListSize(None, big), 4).compile()})
