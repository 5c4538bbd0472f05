"""Our Python package (`pip install ./client-c-abi/python`) against scramjetd: its API, its
errors, the same scenario run with the official client giving the same outcomes, a node that
stops answering, bad hosts, many threads, and shard-aware routing."""

import os
import signal
import threading
import time

import inspect

import aerospike
import pytest
from aerospike_helpers import HyperLogLog as OfficialHLL
from aerospike_helpers import cdt_ctx as official_ctx
from aerospike_helpers.expressions import hll as official_hll_exp
from aerospike_helpers.operations import bitwise_operations as official_bo
from aerospike_helpers.operations import expression_operations as official_eo
from aerospike_helpers.operations import hll_operations as official_ho
from aerospike_helpers.operations import list_operations as official_lo
from aerospike_helpers.operations import map_operations as official_mo

import scramjet
from scramjet import bitwise_operations as bo
from scramjet import cdt_ctx as ctx
from scramjet import hll_operations as ho
from scramjet import list_operations as lo
from scramjet import map_operations as mo
from scramjet import operations as ops
from scramjet_e2e import parse_kv, poll

POLICIES = {"read": {"total_timeout": 5000}, "write": {"total_timeout": 5000},
            "operate": {"total_timeout": 5000}, "remove": {"total_timeout": 5000}}


@pytest.fixture(scope="module")
def sj(server):
    c = scramjet.Client([(server.host, server.port)], policies=POLICIES)
    yield c
    c.close()


def test_put_get_select_exists_remove(sj, key):
    k = key()
    bins = {"i": 7, "f": 1.25, "s": "héllo", "b": b"\x00\xff", "t": True, "l": [1, "a", b"b", [2.5]],
            "m": {"x": 1, "y": "z"}}
    assert sj.put(k, bins) == 0
    (rk, meta, got) = sj.get(k)
    assert got == bins
    assert meta["gen"] == 1 and meta["ttl"] == scramjet.TTL_NEVER_EXPIRE
    assert rk[:3] == k and len(rk[3]) == 20
    assert sj.select(k, ["i", "nope"])[2] == {"i": 7}
    assert sj.exists(k)[1]["gen"] == 1
    sj.put(k, {"i": None})
    (_, meta, got) = sj.get(k)
    assert "i" not in got and meta["gen"] == 2
    assert sj.remove(k) == 0
    assert sj.exists(k)[1] is None
    with pytest.raises(scramjet.exception.RecordNotFound) as e:
        sj.get(k)
    assert e.value.code == 2 and isinstance(e.value, scramjet.Error)
    with pytest.raises(scramjet.exception.RecordNotFound):
        sj.remove(k)


def test_keys_of_every_kind_and_by_digest(sj, key):
    ns, set_name, text = key()
    for user in (text, 12345, text.encode()):
        sj.put((ns, set_name, user), {"v": repr(user)})
        (full, _, bins) = sj.get((ns, set_name, user))
        assert bins == {"v": repr(user)}
        assert sj.get((ns, set_name, None, full[3]))[2] == bins, "read back by digest"
    with pytest.raises(scramjet.exception.ParamError):
        sj.get(("test", "demo"))
    with pytest.raises(scramjet.exception.ParamError):
        sj.put(key(), {"a-bin-name-that-is-too-long": 1})
    with pytest.raises(scramjet.exception.ParamError):
        sj.put(key(), {"x": object()})


def test_write_policies_and_meta(sj, key):
    k = key()
    create = {"exists": scramjet.POLICY_EXISTS_CREATE}
    sj.put(k, {"a": 1}, policy=create)
    with pytest.raises(scramjet.exception.RecordExistsError) as e:
        sj.put(k, {"a": 2}, policy=create)
    assert e.value.code == 5
    with pytest.raises(scramjet.exception.RecordNotFound):
        sj.put(key("other"), {"a": 1}, policy={"exists": scramjet.POLICY_EXISTS_UPDATE})
    with pytest.raises(scramjet.exception.RecordGenerationError):
        sj.put(k, {"a": 3}, meta={"gen": 9}, policy={"gen": scramjet.POLICY_GEN_EQ})
    sj.put(k, {"a": 3}, meta={"gen": 1}, policy={"gen": scramjet.POLICY_GEN_EQ})
    sj.put(k, {"b": 1}, policy={"exists": scramjet.POLICY_EXISTS_REPLACE})
    assert sj.get(k)[2] == {"b": 1}
    sj.put(k, {"b": 2}, meta={"ttl": 1000})
    assert 900 < sj.get(k)[1]["ttl"] <= 1000
    sj.touch(k, 5000)
    assert 4900 < sj.get(k)[1]["ttl"] <= 5000
    sj.put(k, {"b": 3}, policy={"key": scramjet.POLICY_KEY_SEND})
    with pytest.raises(scramjet.exception.NamespaceNotFound):
        sj.put(("nosuchns", "demo", "x"), {"a": 1})


def test_operate(sj, key):
    k = key()
    (_, meta, bins) = sj.operate(k, [ops.increment("n", 2), ops.append("s", "ab"), ops.read("n"), ops.read("s")])
    assert bins == {"n": 2, "s": "ab"} and meta["gen"] == 1
    (_, _, bins) = sj.operate(k, [ops.increment("n", 3), ops.prepend("s", "x"), ops.write("w", 1.5), ops.read("n"),
                                  ops.read("s"), ops.read("w")])
    assert bins == {"n": 5, "s": "xab", "w": 1.5}
    with pytest.raises(scramjet.exception.BinIncompatibleType):
        sj.operate(k, [ops.append("n", "x")])
    with pytest.raises(scramjet.exception.ParamError):
        sj.operate(k, [ops.increment("n", "x")])
    sj.operate(k, [ops.touch(3000)])
    assert 2900 < sj.get(k)[1]["ttl"] <= 3000
    # The official helpers' dicts are accepted too.
    sj.operate(k, [{"op": aerospike.OPERATOR_INCR, "bin": "n", "val": 1}])
    assert sj.get(k)[2]["n"] == 6
    sj.operate(k, [ops.delete()])
    assert sj.exists(k)[1] is None


def test_list_operations(sj, key):
    k = key()
    # Each operation that answers gives a ("l", result) pair, in order.
    _, meta, res = sj.operate_ordered(k, [
        ops.list_append("l", 5),
        ops.list_append_items("l", [1, 9, 3]),
        ops.list_get_by_rank_range("l", -2, scramjet.LIST_RETURN_VALUE, 2),   # the two largest, rank order
        ops.list_get_by_value("l", 9, scramjet.LIST_RETURN_COUNT),
        ops.list_get_range("l", 1, 2),
        ops.list_remove_by_value("l", 9, scramjet.LIST_RETURN_INDEX),
        ops.list_get_by_index_range("l", 0, scramjet.LIST_RETURN_VALUE, 1, inverted=True),
        ops.list_size("l"),
    ])
    assert [v for _, v in res] == [1, 4, [5, 9], 1, [1, 9], [2], [1, 3], 3]
    assert {b for b, _ in res} == {"l"} and meta["gen"] == 1
    assert sj.get(k)[2] == {"l": [5, 1, 3]}
    # operate keeps the last answer per bin, as the official client does.
    assert sj.operate(k, [lo.list_insert("l", 0, "s"), lo.list_get("l", 0)])[2] == {"l": "s"}
    with pytest.raises(scramjet.exception.OpNotApplicable) as e:
        sj.operate(k, [lo.list_get("l", 10)])
    assert e.value.code == 26
    unique = {"write_flags": scramjet.LIST_WRITE_ADD_UNIQUE}
    with pytest.raises(scramjet.exception.ElementExistsError):
        sj.operate(k, [lo.list_append("l", 5, unique)])
    ordered = {"list_order": scramjet.LIST_ORDERED}
    assert sj.operate(k, [lo.list_append("o", 3, ordered), lo.list_append("o", 1, ordered),
                          lo.list_get_range("o", 0, 5)])[2] == {"o": [1, 3]}
    # Wildcards select without being stored.
    sj.put(k, {"p": [["a", 1], ["b", 2], ["a", 3]]})
    wild = ["a", scramjet.CDTWildcard()]
    assert sj.operate(k, [lo.list_get_by_value("p", wild, scramjet.LIST_RETURN_VALUE)])[2] == {"p": [["a", 1], ["a", 3]]}
    with pytest.raises(scramjet.exception.ParamError):
        sj.operate(k, [lo.list_append("l", 1, ctx=[object()])])


def test_map_operations(sj, key):
    k = key()
    _, _, res = sj.operate_ordered(k, [
        ops.map_put("m", "a", 1),
        ops.map_put_items("m", {"b": 2, "c": 3}),
        ops.map_increment("m", "a", 10),
        ops.map_get_by_key("m", "a", scramjet.MAP_RETURN_VALUE),
        ops.map_get_by_rank_range("m", 0, 2, scramjet.MAP_RETURN_KEY_VALUE),
        ops.map_remove_by_key("m", "b", scramjet.MAP_RETURN_VALUE),
        ops.map_get_by_value_range("m", 1, 100, scramjet.MAP_RETURN_COUNT),
        ops.map_get_by_key_list("m", ["a", "zz"], scramjet.MAP_RETURN_INDEX),
        ops.map_clear("other"),
        ops.map_size("m"),
    ])
    # With a map operation every operation answers (clear: None). KEY_VALUE is a flat list of
    # keys and values in selection order, as the official client gives it.
    assert res == [("m", 1), ("m", 3), ("m", 11), ("m", 11), ("m", ["b", 2, "c", 3]), ("m", 2), ("m", 2),
                   ("m", [0]), ("other", None), ("m", 2)]
    assert sj.get(k)[2]["m"] == {"a": 11, "c": 3}
    create_only = {"map_write_flags": scramjet.MAP_WRITE_FLAGS_CREATE_ONLY}
    with pytest.raises(scramjet.exception.ElementExistsError):
        sj.operate(k, [mo.map_put("m", "a", 0, create_only)])
    update_only = {"map_write_flags": scramjet.MAP_WRITE_FLAGS_UPDATE_ONLY}
    with pytest.raises(scramjet.exception.ElementNotFoundError):
        sj.operate(k, [mo.map_put("m", "new", 0, update_only)])
    with pytest.raises(scramjet.exception.OpNotApplicable):
        sj.operate(k, [mo.map_get_by_index("m", 5, scramjet.MAP_RETURN_KEY)])
    ordered = {"map_order": scramjet.MAP_KEY_ORDERED}
    assert sj.operate(k, [mo.map_put("o", 2, "b", ordered), mo.map_put("o", 1, "a", ordered),
                          mo.map_get_by_index_range("o", 0, 2, scramjet.MAP_RETURN_ORDERED_MAP)])[2] == {
        "o": {1: "a", 2: "b"}}
    with pytest.raises(scramjet.exception.ParamError):
        sj.operate(k, [{"op": aerospike.OP_MAP_GET_BY_KEY, "bin": "m"}])  # no key


def test_contexts_reach_nested_lists_and_maps(sj, key):
    k = key()
    sj.put(k, {"doc": {"users": [{"name": "ann", "tags": ["a"]}, {"name": "bob", "tags": []}]}})
    users = ctx.cdt_ctx_map_key("users")
    # Two and three levels down: a map in a list in a map, and a list in that map.
    _, _, res = sj.operate_ordered(k, [
        mo.map_get_by_key("doc", "name", scramjet.MAP_RETURN_VALUE, ctx=[users, ctx.cdt_ctx_list_index(-1)]),
        lo.list_append("doc", "b", ctx=[users, ctx.cdt_ctx_list_index(0), ctx.cdt_ctx_map_key("tags")]),
        lo.list_size("doc", ctx=[users]),
        mo.map_put("doc", "age", 30, ctx=[users, ctx.cdt_ctx_list_value({"name": "bob", "tags": []})]),
    ])
    assert [v for _, v in res] == ["bob", 2, 2, 3]
    assert sj.get(k)[2]["doc"] == {"users": [{"name": "ann", "tags": ["a", "b"]},
                                             {"name": "bob", "tags": [], "age": 30}]}
    # By rank and map index; the official helpers' objects work too.
    sj.put(k, {"m": {"a": [3, 1], "b": [2]}})
    assert sj.operate(k, [lo.list_get_by_rank("m", 0, scramjet.LIST_RETURN_VALUE,
                                              ctx=[official_ctx.cdt_ctx_map_index(0)])])[2] == {"m": 1}
    assert sj.operate(k, [lo.list_size("m", ctx=[ctx.cdt_ctx_map_rank(-1)])])[2] == {"m": 2}


def test_creating_contexts_make_missing_levels(sj, key):
    k = key()
    sj.put(k, {"m": {"x": 1}})
    # map_key_create makes the missing key's map (key-ordered), then the put goes into it.
    sj.operate(k, [mo.map_put("m", 2, "b", ctx=[ctx.cdt_ctx_map_key_create("new", scramjet.MAP_KEY_ORDERED)]),
                   mo.map_put("m", 1, "a", ctx=[ctx.cdt_ctx_map_key("new")])])
    assert sj.get(k)[2]["m"] == {"x": 1, "new": {1: "a", 2: "b"}}
    assert sj.operate(k, [mo.map_get_by_index("m", 0, scramjet.MAP_RETURN_KEY,
                                              ctx=[ctx.cdt_ctx_map_key("new")])])[2] == {"m": 1}
    # Two levels made at once, in a bin that does not exist yet; list_index_create with pad.
    sj.operate(k, [lo.list_append("n", 7, ctx=[ctx.cdt_ctx_map_key_create("a"),
                                                 ctx.cdt_ctx_list_index_create(2, scramjet.LIST_UNORDERED, True)])])
    assert sj.get(k)[2]["n"] == {"a": [None, None, [7]]}
    # map_create / list_create make the container the context leads to.
    sj.operate(k, [mo.map_create("m", scramjet.MAP_KEY_ORDERED, False, ctx=[ctx.cdt_ctx_map_key("made")]),
                   lo.list_create("m", scramjet.LIST_ORDERED, False, False, ctx=[ctx.cdt_ctx_map_key("sorted")]),
                   lo.list_append("m", 5, ctx=[ctx.cdt_ctx_map_key("sorted")]),
                   lo.list_append("m", 3, ctx=[ctx.cdt_ctx_map_key("sorted")])])
    got = sj.get(k)[2]["m"]
    assert (got["made"], got["sorted"]) == ({}, [3, 5])


def test_context_errors(sj, key):
    k = key()
    sj.put(k, {"m": {"a": [1]}, "i": 5})
    # A missing level without a create flag: 26, and nothing is written.
    with pytest.raises(scramjet.exception.OpNotApplicable) as e:
        sj.operate(k, [mo.map_put("m", "k", 1, ctx=[ctx.cdt_ctx_map_key("missing")])])
    assert e.value.code == 26
    with pytest.raises(scramjet.exception.OpNotApplicable):
        sj.operate(k, [lo.list_get("m", 0, ctx=[ctx.cdt_ctx_map_key("a"), ctx.cdt_ctx_list_index(3)])])
    assert sj.get(k)[2] == {"m": {"a": [1]}, "i": 5}
    # A map operation on the list the context reaches: 12; a bin that is no container: 4.
    with pytest.raises(scramjet.exception.BinIncompatibleType):
        sj.operate(k, [mo.map_size("m", ctx=[ctx.cdt_ctx_map_key("a")])])
    with pytest.raises(scramjet.Error) as e:
        sj.operate(k, [lo.list_size("i", ctx=[ctx.cdt_ctx_list_index(0)])])
    assert e.value.code == 4
    # Refused before sending: not a context, path expressions, an unknown order, a bad index.
    for bad in ([object()], "m", [official_ctx.cdt_ctx_all_children()], [ctx.cdt_ctx_map_key_create("x", 2)],
                [ctx.cdt_ctx_list_index("0")], [ctx.cdt_ctx_list_index_create(0, 7)]):
        with pytest.raises(scramjet.exception.ParamError):
            sj.operate(k, [lo.list_size("m", ctx=bad)])


# Arguments for the helpers' parameters, by name.
HELPER_ARGS = {
    "bin_name": "b", "index": 1, "rank": -1, "offset": 1, "index_start": 0, "rank_start": 1, "value": "v",
    "key": "k", "values": [1, "a"], "value_list": [1, "a"], "key_list": ["a", 2], "item_dict": {"b": 1, "a": 2},
    "count": 2, "get_amt": 2, "remove_amt": 3, "return_type": 7, "inverted": True, "ctx": None,
    "value_begin": 1, "value_end": 5, "key_range_start": "a", "key_range_end": "c", "value_start": 1,
    "list_order": 1, "pad": False, "persist_index": True, "sort_flags": 2, "map_order": 1, "amount": 3,
}


@pytest.mark.parametrize("ours, theirs", [(lo, official_lo), (mo, official_mo)])
def test_helpers_make_the_official_dicts(ours, theirs):
    names = [n for n, f in inspect.getmembers(theirs, inspect.isfunction)
             if n.startswith(("list_", "map_")) and f.__module__ == theirs.__name__ and n != "list_join"]
    assert len(names) > 30
    for name in names:
        sig = inspect.signature(getattr(theirs, name))
        policy = {"list_order": 1, "write_flags": 4} if ours is lo else {"map_order": 1, "map_write_flags": 2}
        args = {p: policy if p in ("policy", "map_policy") else HELPER_ARGS[p] for p in sig.parameters}
        assert getattr(ours, name)(**args) == getattr(theirs, name)(**args), name
        # Optional arguments left out.
        required = {p: v for p, v in args.items() if sig.parameters[p].default is inspect.Parameter.empty}
        assert getattr(ours, name)(**required) == getattr(theirs, name)(**required), name
        # With a context: ours built with scramjet.cdt_ctx, theirs with aerospike_helpers.cdt_ctx
        # (an empty one too: list_create and map_create keep it, the others drop it).
        for mine, official in ((every_ctx_level(ctx), every_ctx_level(official_ctx)), ([], [])):
            with_ctx = getattr(ours, name)(**dict(args, ctx=mine))
            assert with_ctx == getattr(theirs, name)(**dict(args, ctx=official)), name


def every_ctx_level(module):
    """A context with every kind of level, made with `module`'s helpers (ours or the official)."""
    return [module.cdt_ctx_map_key("k"), module.cdt_ctx_list_index(-1), module.cdt_ctx_list_rank(0),
            module.cdt_ctx_list_value([1, "a"]), module.cdt_ctx_map_index(2), module.cdt_ctx_map_rank(-1),
            module.cdt_ctx_map_value(3.5), module.cdt_ctx_list_index_create(1, aerospike.LIST_ORDERED, True),
            module.cdt_ctx_map_key_create("n", aerospike.MAP_KEY_VALUE_ORDERED), module.cdt_ctx_list_index_create(0),
            module.cdt_ctx_map_key_create(5)]


# The official cdt_ctx helpers for select/modify by path, which this client does not have.
PATH_CONTEXTS = {"cdt_ctx_all_children", "cdt_ctx_all_children_with_filter", "cdt_ctx_and_filter",
                 "cdt_ctx_map_keys_in"}


def test_cdt_ctx_helpers_make_the_official_objects():
    names = [n for n, f in inspect.getmembers(official_ctx, inspect.isfunction)
             if n.startswith("cdt_ctx_") and f.__module__ == official_ctx.__name__ and n not in PATH_CONTEXTS]
    assert len(names) == 9
    args = {"index": -2, "rank": 1, "value": [1, "v"], "key": "k", "order": 1, "pad": True}
    params = lambda f: [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]  # noqa: E731
    for name in names:
        sig = inspect.signature(getattr(official_ctx, name))
        assert params(getattr(ctx, name)) == params(getattr(official_ctx, name)), name
        for given in ({p: args[p] for p in sig.parameters},
                      {p: args[p] for p in sig.parameters if sig.parameters[p].default is inspect.Parameter.empty}):
            mine, theirs = getattr(ctx, name)(**given), getattr(official_ctx, name)(**given)
            assert (mine.id, mine.value, mine.extra_args) == (theirs.id, theirs.value, theirs.extra_args), name
            assert mine == theirs
    for const in ("CDT_CTX_LIST_INDEX", "CDT_CTX_LIST_RANK", "CDT_CTX_LIST_VALUE", "CDT_CTX_LIST_INDEX_CREATE",
                  "CDT_CTX_MAP_INDEX", "CDT_CTX_MAP_RANK", "CDT_CTX_MAP_KEY", "CDT_CTX_MAP_VALUE",
                  "CDT_CTX_MAP_KEY_CREATE"):
        assert getattr(scramjet, const) == getattr(aerospike, const), const
    assert (ctx.CDT_CTX_ORDER_KEY, ctx.CDT_CTX_PAD_KEY) == (official_ctx.CDT_CTX_ORDER_KEY,
                                                          official_ctx.CDT_CTX_PAD_KEY)


def cdt_steps():
    """Every list and map helper of the official client, in a sequence that gives each one
    something to work on."""
    L, M, X = official_lo, official_mo, official_ctx
    V, I, C, KV = aerospike.LIST_RETURN_VALUE, aerospike.LIST_RETURN_INDEX, aerospike.LIST_RETURN_COUNT, \
        aerospike.MAP_RETURN_KEY_VALUE
    return [
        [L.list_append("l", 4), L.list_append_items("l", [8, 1, 6, 1]), L.list_insert("l", 1, 3),
         L.list_insert_items("l", -1, [9, 2]), L.list_increment("l", 0, 10), L.list_set("l", 2, 7),
         L.list_size("l"), L.list_get("l", -1), L.list_get_range("l", 1, 3)],
        [L.list_get_by_index("l", 2, V), L.list_get_by_index_range("l", 1, I, 2, True),
         L.list_get_by_rank("l", 0, V), L.list_get_by_rank_range("l", -3, V), L.list_get_by_value("l", 1, I),
         L.list_get_by_value_list("l", [1, 9], C), L.list_get_by_value_range("l", V, 2, 8),
         L.list_get_by_value_range("l", C, None, 5, inverted=True),
         L.list_get_by_value_rank_range_relative("l", 5, -1, V, 2)],
        [L.list_remove_by_index("l", 0, V), L.list_remove_by_index_range("l", -2, I),
         L.list_remove_by_rank("l", -1, V), L.list_remove_by_rank_range("l", 0, C, 1),
         L.list_remove_by_value("l", 7, I), L.list_remove_by_value_list("l", [3], C),
         L.list_remove_by_value_range("l", V, 2, None), L.list_remove_by_value_rank_range_relative("l", 0, 0, V)],
        [L.list_append_items("s", [3, 1, 2, 1]), L.list_sort("s", aerospike.LIST_SORT_DROP_DUPLICATES),
         L.list_get_range("s", 0, 9), L.list_set_order("s", aerospike.LIST_ORDERED), L.list_append("s", 0),
         L.list_pop("s", 0), L.list_pop_range("s", 0, 2), L.list_trim("s", 0, 1), L.list_remove("s", 0),
         L.list_append_items("s", [5, 6, 7]), L.list_remove_range("s", 1, 1), L.list_clear("s"), L.list_size("s")],
        [L.list_create("c", aerospike.LIST_ORDERED, False, False), L.list_append("c", 2), L.list_append("c", 1),
         L.list_get_range("c", 0, 5)],
        [L.list_get("l", 99)],
        [M.map_put("m", "a", 5), M.map_put_items("m", {"c": 1, "b": 9, "d": 5}), M.map_increment("m", "a", 2),
         M.map_decrement("m", "d", 1.5), M.map_size("m"), M.map_get_by_key("m", "a", V),
         M.map_get_by_key_range("m", "b", "d", KV), M.map_get_by_key_list("m", ["a", "x"], V),
         M.map_get_by_value("m", 9, aerospike.MAP_RETURN_KEY), M.map_get_by_value_range("m", 1, 8, KV),
         M.map_get_by_value_list("m", [1, 7], aerospike.MAP_RETURN_KEY), M.map_get_by_index("m", 0, KV),
         M.map_get_by_value_range("m", 1, None, C), M.map_get_by_key_range("m", None, "c", V),
         M.map_get_by_index_range("m", 1, 2, aerospike.MAP_RETURN_KEY, True), M.map_get_by_rank("m", -1, V),
         M.map_get_by_rank_range("m", 0, 2, aerospike.MAP_RETURN_UNORDERED_MAP),
         M.map_get_by_value_rank_range_relative("m", 5, 0, aerospike.MAP_RETURN_KEY, 2),
         M.map_get_by_key_index_range_relative("m", "b", 1, aerospike.MAP_RETURN_KEY)],
        [M.map_remove_by_key("m", "a", V), M.map_remove_by_key_list("m", ["x"], C),
         M.map_remove_by_key_range("m", "c", "d", aerospike.MAP_RETURN_KEY),
         M.map_remove_by_value("m", 3.5, aerospike.MAP_RETURN_KEY), M.map_remove_by_value_list("m", [0], C),
         M.map_remove_by_value_range("m", 100, 200, C), M.map_remove_by_index("m", 0, KV),
         M.map_put_items("m", {"e": 1, "f": 2, "g": 3, "h": 4}), M.map_remove_by_index_range("m", 0, 1, V),
         M.map_remove_by_rank("m", 0, V), M.map_remove_by_rank_range("m", 0, 1, V, True),
         M.map_remove_by_value_rank_range_relative("m", 0, 0, V),
         M.map_remove_by_key_index_range_relative("m", "a", 0, C), M.map_size("m")],
        [M.map_set_policy("m", {"map_order": aerospike.MAP_KEY_ORDERED}), M.map_put_items("m", {"z": 1, "y": 2}),
         M.map_get_by_index_range("m", 0, 5, aerospike.MAP_RETURN_ORDERED_MAP),
         M.map_create("n", aerospike.MAP_KEY_ORDERED, False), M.map_put("n", 2, "b"), M.map_put("n", 1, "a"),
         M.map_get_by_index("n", 0, aerospike.MAP_RETURN_KEY), M.map_clear("m"), M.map_size("m")],
        [M.map_put("m", "k", 1, {"map_write_flags": aerospike.MAP_WRITE_FLAGS_UPDATE_ONLY})],
        [M.map_put_items("m", {"k": 1, "j": 2}, {"map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY
                                                | aerospike.MAP_WRITE_FLAGS_NO_FAIL}),
         M.map_put("m", "j", 3, {"map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY}),
         M.map_size("m")],
        [M.map_put("m", "k", 1), L.list_append("m", 1)],  # a list operation on a map: 12
        # Contexts, with the official cdt_ctx objects: two levels down, by key, index and rank.
        [M.map_put("d", "k", {"x": [1, 2], "y": {"z": 0}}), L.list_append("d", 3, ctx=[X.cdt_ctx_map_key("k"),
                                                                                     X.cdt_ctx_map_key("x")]),
         M.map_increment("d", "z", 4, ctx=[X.cdt_ctx_map_key("k"), X.cdt_ctx_map_key("y")]),
         L.list_get_by_rank("d", -1, V, ctx=[X.cdt_ctx_map_index(0), X.cdt_ctx_map_index(0)]),
         M.map_size("d", ctx=[X.cdt_ctx_map_key("k"), X.cdt_ctx_map_rank(-1)]),
         L.list_size("d", ctx=[X.cdt_ctx_map_value({"x": [1, 2, 3], "y": {"z": 4}}), X.cdt_ctx_map_key("x")]),
         L.list_remove_by_value("d", 1, C, ctx=[X.cdt_ctx_map_key("k"), X.cdt_ctx_map_key("x")])],
        # Creating levels, and map_create / list_create at the end of a context.
        [M.map_put("d", "v", 1, ctx=[X.cdt_ctx_map_key_create("a"),
                                     X.cdt_ctx_map_key_create("b", aerospike.MAP_KEY_ORDERED)]),
         M.map_create("d", aerospike.MAP_KEY_ORDERED, False, ctx=[X.cdt_ctx_map_key("n")]),
         M.map_put("d", 2, "b", ctx=[X.cdt_ctx_map_key("n")]), M.map_put("d", 1, "a", ctx=[X.cdt_ctx_map_key("n")]),
         M.map_get_by_index("d", 0, aerospike.MAP_RETURN_KEY, ctx=[X.cdt_ctx_map_key("n")]),
         L.list_create("d", aerospike.LIST_ORDERED, False, False, ctx=[X.cdt_ctx_map_key("o")]),
         L.list_append_items("d", [3, 1, 2], ctx=[X.cdt_ctx_map_key("o")]),
         L.list_append("f", "x", ctx=[X.cdt_ctx_list_index_create(2, aerospike.LIST_UNORDERED, True)]),
         L.list_append("f", "y", ctx=[X.cdt_ctx_list_index_create(3, aerospike.LIST_ORDERED, False)]),
         L.list_get_range("f", 0, 9)],
        [L.list_append("d", 1, ctx=[X.cdt_ctx_map_key("missing")])],  # a missing level: 26
        [M.map_size("d", ctx=[X.cdt_ctx_map_key("o")])],  # a map operation on a nested list: 12
    ]


def test_list_and_map_operations_answer_as_with_the_official_client(sj, client, key):
    steps = cdt_steps()
    for name, c in (("ours", sj), ("theirs", client)):
        c.put(key(name), {"x": 1})
    for i, step in enumerate(steps):
        ours = collect(sj, key("ours"), lambda c, k: c.operate_ordered(k, step)[2])
        theirs = collect(client, key("theirs"), lambda c, k: c.operate_ordered(k, step)[2])
        assert ours == theirs, f"step {i}: ours {ours} vs official {theirs}"
    assert sj.get(key("ours"))[2] == client.get(key("theirs"))[2]


BIT_HELPER_ARGS = {
    "bin_name": "b", "byte_size": 3, "byte_offset": -1, "bit_offset": 5, "bit_size": 12, "value_byte_size": 2,
    "value": b"\xf0\x0f", "shift": 3, "sign": True, "action": aerospike.BIT_OVERFLOW_WRAP,
    "resize_flags": aerospike.BIT_RESIZE_FROM_FRONT, "policy": {"bit_write_flags": aerospike.BIT_WRITE_NO_FAIL},
}


@pytest.mark.filterwarnings("ignore:value_byte_size is deprecated")
def test_bitwise_helpers_make_the_official_dicts():
    names = [n for n, f in inspect.getmembers(official_bo, inspect.isfunction)
             if n.startswith("bit_") and f.__module__ == official_bo.__name__ and "b64" not in n]
    assert len(names) == 18
    for name in names:
        sig = inspect.signature(getattr(official_bo, name))
        args = {p: BIT_HELPER_ARGS[p] for p in sig.parameters}
        assert getattr(bo, name)(**args) == getattr(official_bo, name)(**args), name
        required = {p: v for p, v in args.items() if sig.parameters[p].default is inspect.Parameter.empty}
        assert getattr(bo, name)(**required) == getattr(official_bo, name)(**required), name
    for const in dir(aerospike):
        if const.startswith(("OP_BIT_", "BIT_WRITE_", "BIT_RESIZE_", "BIT_OVERFLOW_")):
            assert getattr(scramjet, const) == getattr(aerospike, const), const


@pytest.mark.filterwarnings("ignore:value_byte_size is deprecated")
def test_bit_operations_answer_as_with_the_official_client(sj, client, key):
    B = official_bo
    no_fail = {"bit_write_flags": aerospike.BIT_WRITE_NO_FAIL}
    steps = [
        [B.bit_resize("b", 4), B.bit_set("b", 4, 12, 2, b"\xab\xcd"), B.bit_count("b", 0, 32),
         B.bit_get("b", 0, 20)],
        [B.bit_set_int("b", 16, 8, 250), B.bit_add("b", 16, 8, 10, False, aerospike.BIT_OVERFLOW_SATURATE),
         B.bit_get_int("b", 16, 8, False), B.bit_add("b", 16, 8, 10, False, aerospike.BIT_OVERFLOW_WRAP),
         B.bit_get_int("b", 16, 8, True), B.bit_get("b", 0, 32)],
        [B.bit_add("b", 16, 8, 255, False, aerospike.BIT_OVERFLOW_FAIL)],  # overflow: 26
        [B.bit_subtract("b", 24, 8, 1, True, aerospike.BIT_OVERFLOW_WRAP), B.bit_not("b", 0, 8),
         B.bit_or("b", 8, 8, 1, b"\x0f"), B.bit_xor("b", 8, 4, 1, b"\xff"), B.bit_and("b", 0, 8, 1, b"\x3c"),
         B.bit_lshift("b", 0, 16, 3), B.bit_rshift("b", 16, 16, 2), B.bit_lscan("b", 0, 32, True),
         B.bit_rscan("b", 0, 32, False), B.bit_get("b", 0, 32)],
        [B.bit_insert("b", 1, 2, b"\x01\x02"), B.bit_remove("b", -2, 1), B.bit_get("b", 0, 40),
         B.bit_resize("b", 2, resize_flags=aerospike.BIT_RESIZE_FROM_FRONT), B.bit_get("b", 0, 16)],
        [B.bit_resize("b", 8, resize_flags=aerospike.BIT_RESIZE_SHRINK_ONLY)],  # 4
        [B.bit_resize("b", 8, policy=no_fail, resize_flags=aerospike.BIT_RESIZE_SHRINK_ONLY), B.bit_count("b", 0, 16)],
        [B.bit_set("b", 8, 16, 2, b"\xff\xff")],  # past the end: 26
        [B.bit_set("b", 8, 16, 2, b"\xff\xff", policy={"bit_write_flags": aerospike.BIT_WRITE_PARTIAL}),
         B.bit_get("b", 0, 16)],
        [B.bit_resize("b", 1, policy={"bit_write_flags": aerospike.BIT_WRITE_CREATE_ONLY})],  # 6
        [B.bit_count("missing", 0, 8), B.bit_not("missing", 0, 8)],  # 17
        [B.bit_get("x", 0, 8)],  # an int bin: 12
    ]
    for name, c in (("ours", sj), ("theirs", client)):
        c.put(key(name), {"x": 1})
    for i, step in enumerate(steps):
        ours = collect(sj, key("ours"), lambda c, k: c.operate_ordered(k, step)[2])
        theirs = collect(client, key("theirs"), lambda c, k: c.operate_ordered(k, step)[2])
        assert ours == theirs, f"step {i}: ours {ours} vs official {theirs}"
    step = [B.bit_add("b", 0, 8, 1, False, aerospike.BIT_OVERFLOW_WRAP), B.bit_get("b", 0, 16)]
    assert collect(sj, key("ours"), lambda c, k: c.operate(k, step)[2]) == \
        collect(client, key("theirs"), lambda c, k: c.operate(k, step)[2])
    assert sj.get(key("ours"))[2] == client.get(key("theirs"))[2]
    # Our own helpers make the same operations.
    k = key("ours")
    assert sj.operate(k, [bo.bit_resize("n", 2), bo.bit_set_int("n", 0, 16, 0x1234), bo.bit_get("n", 0, 16),
                          bo.bit_count("n", 0, 16)])[2] == {"n": 5}
    assert sj.operate(k, [bo.bit_get("n", 4, 8)])[2] == {"n": b"\x23"}
    with pytest.raises(scramjet.exception.ParamError):
        sj.operate(k, [bo.bit_set("n", 0, 8, 1, "not bytes")])


HLL_HELPER_ARGS = {
    "bin_name": "h", "values": ["a", 1, b"b"], "index_bit_count": 10, "mh_bit_count": 6,
    "hll_list": [OfficialHLL(b"\x00\x04\x00")], "policy": {"flags": aerospike.HLL_WRITE_NO_FAIL},
}


def test_hll_helpers_make_the_official_dicts():
    names = [n for n, f in inspect.getmembers(official_ho, inspect.isfunction)
             if n.startswith("hll_") and f.__module__ == official_ho.__name__]
    assert len(names) == 11
    for name in names:
        sig = inspect.signature(getattr(official_ho, name))
        args = {p: HLL_HELPER_ARGS[p] for p in sig.parameters}
        assert getattr(ho, name)(**args) == getattr(official_ho, name)(**args), name
        required = {p: v for p, v in args.items() if sig.parameters[p].default is inspect.Parameter.empty}
        assert getattr(ho, name)(**required) == getattr(official_ho, name)(**required), name
    for const in dir(aerospike):
        if const.startswith(("OP_HLL_", "HLL_WRITE_")) or const == "AS_BYTES_HLL":
            assert getattr(scramjet, const) == getattr(aerospike, const), const
    # Ours has may-contain too (the official package has only its code).
    assert ho.hll_may_contain("h", ["a"]) == {"op": aerospike.OP_HLL_MAY_CONTAIN, "bin": "h", "value_list": ["a"]}
    # Our HyperLogLog is bytes, shown and compared as the official one.
    ours = scramjet.HyperLogLog(b"\x00\x04")
    assert isinstance(ours, bytes) and ours == OfficialHLL(b"\x00\x04") and repr(ours) == "HyperLogLog(b'\\x00\\x04')"


def E(a, b):
    return [f"e{i}" for i in range(a, b)]


def test_hll_operations_answer_as_with_the_official_client(sj, client, key):
    H = official_ho
    policy = lambda *flags: {"flags": sum(flags)}  # noqa: E731
    # Operands, made and read by the official client: (12, 0), (8, 0) and two of (8, 4).
    operands = {}
    for name, elements, ib, mb in (("a", E(0, 2000), 12, 0), ("b8", E(1000, 1500), 8, 0),
                                   ("m1", E(0, 300), 8, 4), ("m2", E(100, 400), 8, 4)):
        k = key(name)
        client.operate(k, [H.hll_add("h", elements, ib, mb)])
        operands[name] = client.get(k)[2]["h"]
    ha, h8, hm1, hm2 = operands["a"], operands["b8"], operands["m1"], operands["m2"]
    steps = [
        [H.hll_init("h", 10), H.hll_add("h", E(0, 500)), H.hll_get_count("h"), H.hll_describe("h"),
         H.hll_refresh_count("h")],
        [H.hll_add("h", E(250, 1000), 16, 8), H.hll_get_union_count("h", [ha]), H.hll_get_intersect_count("h", [ha]),
         H.hll_get_similarity("h", [ha]), H.hll_get_union("h", [ha]), H.hll_get_union_count("h", [ha, h8])],
        [H.hll_set_union("h", [ha]), H.hll_get_count("h"), H.hll_describe("h")],
        [H.hll_set_union("h", [h8])],  # fewer index bits than the bin: 26
        [H.hll_set_union("h", [h8], policy(aerospike.HLL_WRITE_ALLOW_FOLD)), H.hll_describe("h"), H.hll_get_count("h")],
        [H.hll_fold("h", 6), H.hll_describe("h"), H.hll_get_count("h")],
        [H.hll_fold("h", 7)],  # more bits: 26
        [H.hll_init("h", 10, 0, policy(aerospike.HLL_WRITE_CREATE_ONLY))],  # 6
        [H.hll_init("h", 10, 0, policy(aerospike.HLL_WRITE_CREATE_ONLY, aerospike.HLL_WRITE_NO_FAIL)),
         H.hll_describe("h")],
        [H.hll_init("n", 10, 0, policy(aerospike.HLL_WRITE_UPDATE_ONLY))],  # 17
        [H.hll_init("n", 10, 0, policy(aerospike.HLL_WRITE_CREATE_ONLY, aerospike.HLL_WRITE_UPDATE_ONLY))],  # 4
        [H.hll_refresh_count("missing")],  # 17
        [H.hll_get_count("missing"), H.hll_describe("missing"), H.hll_get_union("missing", [ha])],  # no results
        [H.hll_init("z", 17)],  # 4
        [H.hll_add("z", ["a"])],  # creating needs index bits: 26
        [H.hll_get_union_count("h", [b"not an hll"])],  # 4
        [H.hll_add("h", [[1, 2]])],  # a list element: 4
        [H.hll_get_count("x")],  # an int bin: 12
        [H.hll_init("x", 8)],  # 12
        [H.hll_add("m", E(0, 200), 8, 4), H.hll_get_intersect_count("m", [hm1, hm2]),
         H.hll_get_similarity("m", [hm1, hm2]), H.hll_get_union("m", [hm1, hm2])],
        [H.hll_get_intersect_count("h", [ha, h8])],  # the bin and two more: inclusion-exclusion
        [H.hll_get_intersect_count("h", [ha, h8, ha])],  # more than two without minhash bits: 4
        [H.hll_set_union("u", [hm1, hm2]), H.hll_describe("u"), H.hll_get_count("u"),
         H.hll_init("u", -1, 6), H.hll_describe("u"), H.hll_get_count("u")],
    ]
    for name, c in (("ours", sj), ("theirs", client)):
        c.put(key(name), {"x": 1})
    for i, step in enumerate(steps):
        ours = collect(sj, key("ours"), lambda c, k: c.operate_ordered(k, step)[2])
        theirs = collect(client, key("theirs"), lambda c, k: c.operate_ordered(k, step)[2])
        assert ours == theirs, f"step {i}: ours {ours} vs official {theirs}"
        if ours[0] == "ok":
            assert [type(v).__name__ for _, v in ours[1]] == [type(v).__name__ for _, v in theirs[1]], f"step {i}"
    step = [H.hll_add("h", E(0, 50)), H.hll_get_count("h")]
    assert collect(sj, key("ours"), lambda c, k: c.operate(k, step)[2]) == \
        collect(client, key("theirs"), lambda c, k: c.operate(k, step)[2])
    # HLL bins read back as HyperLogLog values, equal to the official client's.
    ours, theirs = sj.get(key("ours"))[2], client.get(key("theirs"))[2]
    assert ours == theirs
    assert {n for n, v in ours.items() if isinstance(v, scramjet.HyperLogLog)} == {"h", "m", "u"}
    # HLL values written as bins (in a list too) stay HLLs; bytes that are no HLL: 4.
    for c, k in ((sj, key("ours")), (client, key("theirs"))):
        c.put(k, {"copy": ha, "l": [ha, b"\x01"]})
    ours, theirs = sj.get(key("ours"))[2], client.get(key("theirs"))[2]
    assert ours == theirs and type(ours["copy"]) is scramjet.HyperLogLog and type(ours["l"][0]) is scramjet.HyperLogLog
    assert collect(sj, key("ours"), lambda c, k: c.put(k, {"bad": scramjet.HyperLogLog(b"\x01")})) == \
        collect(client, key("theirs"), lambda c, k: c.put(k, {"bad": OfficialHLL(b"\x01")})) == ("error", 4)
    # Our own helpers and values: what our client reads is an operand too.
    k = key("ours")
    mine = sj.get(k)[2]["copy"]
    assert sj.operate_ordered(k, [ho.hll_add("p", E(0, 100), 10), ho.hll_get_union_count("p", [mine]),
                                  ho.hll_get_union_count("copy", [mine])])[2] == \
        client.operate_ordered(key("theirs"), [H.hll_add("p", E(0, 100), 10), H.hll_get_union_count("p", [ha]),
                                               H.hll_get_union_count("copy", [ha])])[2]
    # May-contain, checked against the official client's expression of it on the same bin.
    for elements in (E(0, 100), E(10, 20), ["absent", "e5"], E(5000, 5010)):
        ours = sj.operate(k, [ho.hll_may_contain("p", elements)])[2]["p"]
        expr = official_hll_exp.HLLMayContain(elements, official_hll_exp.HLLBin("p")).compile()
        theirs = client.operate(key("theirs"), [official_eo.expression_read("r", expr)])[2]["r"]
        assert ours == theirs, elements
    assert sj.operate(k, [ho.hll_may_contain("p", E(0, 100))])[2]["p"] == 1
    assert sj.operate(k, [ho.hll_may_contain("missing", ["e1"])])[2] == {"missing": None}
    for bad in ([ho.hll_get_union_count("p", mine)], [ho.hll_init("p", 2**40)], [ho.hll_fold("p", "6")],
                [ho.hll_init("p", 8, policy=7)], [{"op": aerospike.OP_HLL_SET_UNION, "bin": "p"}],
                [{"op": aerospike.OP_HLL_GET_COUNT}]):
        with pytest.raises(scramjet.exception.ParamError):
            sj.operate(k, bad)


def test_get_many_and_scan(sj, key):
    set_name = "pyscan"
    keys = [("test", set_name, f"{key()[2]}:{i}") for i in range(40)]
    for i, k in enumerate(keys):
        sj.put(k, {"i": i}, policy={"key": scramjet.POLICY_KEY_SEND})
    missing = ("test", set_name, "no-such-record")
    got = sj.get_many(keys + [missing])
    assert [r[2]["i"] for r in got[:-1]] == list(range(40))
    assert got[-1][1] is None and got[-1][2] is None
    assert [r[2] for r in sj.select_many(keys[:2], ["i"])] == [{"i": 0}, {"i": 1}]
    seen = {r[0][2]: r[2]["i"] for r in sj.scan("test", set_name).results() if r[0][2] in dict.fromkeys(k[2] for k in keys)}
    assert seen == {k[2]: i for i, k in enumerate(keys)}
    stopped = []
    sj.scan("test", set_name).foreach(lambda r: stopped.append(r) or len(stopped) < 5)
    assert len(stopped) == 5
    with pytest.raises(ZeroDivisionError):
        sj.scan("test", set_name).foreach(lambda r: 1 / 0)


def test_info(sj, server):
    names = sj.node_names()
    assert len(names) == 1
    assert sj.info_all("namespaces") == {names[0]: (None, "test\n")}
    assert sj.info_random_node("build").startswith("build\t")
    shards = sj.info_node("scramjet-shards", names[0])
    assert "ports=" in shards


def collect(client, k, step):
    """Runs one step and returns its outcome as comparable data: ('ok', result) or the code."""
    try:
        return ("ok", step(client, k))
    except (scramjet.Error, aerospike.exception.AerospikeError) as e:
        return ("error", e.code)


SCENARIO = [
    ("get missing", lambda c, k: c.get(k)[1:]),
    ("exists missing", lambda c, k: c.exists(k)[1]),
    ("put", lambda c, k: c.put(k, {"a": 1, "s": "x", "f": 0.5, "b": b"\x01", "l": [1, "two"], "m": {"k": "v"}})),
    ("get", lambda c, k: c.get(k)[1:]),
    ("select", lambda c, k: c.select(k, ["a", "none"])[2]),
    ("create-only again", lambda c, k: c.put(k, {"a": 2}, policy={"exists": aerospike.POLICY_EXISTS_CREATE})),
    ("generation mismatch", lambda c, k: c.put(k, {"a": 2}, meta={"gen": 5}, policy={"gen": aerospike.POLICY_GEN_EQ})),
    ("update-only", lambda c, k: c.put(k, {"a": 3}, policy={"exists": aerospike.POLICY_EXISTS_UPDATE})),
    ("replace", lambda c, k: c.put(k, {"r": 1}, policy={"exists": aerospike.POLICY_EXISTS_REPLACE})),
    ("incr+read", lambda c, k: c.operate(k, [ops.increment("r", 4), ops.read("r")])[1:]),
    ("append to int", lambda c, k: c.operate(k, [ops.append("r", "x")])[1:]),
    ("put ttl", lambda c, k: c.put(k, {"t": 1}, meta={"ttl": 100000})),
    ("meta", lambda c, k: c.exists(k)[1]["gen"]),
    ("bin name too long", lambda c, k: c.put(k, {"x" * 16: 1})),
    ("remove", lambda c, k: c.remove(k)),
    ("remove again", lambda c, k: c.remove(k)),
    ("get removed", lambda c, k: c.get(k)[1:]),
]


def test_same_outcomes_as_the_official_client(sj, client, key):
    for name, step in SCENARIO:
        ours = collect(sj, key("ours"), step)
        theirs = collect(client, key("theirs"), step)
        if name == "bin name too long":
            # Both refuse; the official client checks locally (ParamError -2 or server 21).
            assert ours[0] == theirs[0] == "error", (name, ours, theirs)
            continue
        if name == "get" and ours[0] == "ok":
            ours = ("ok", (ours[1][0]["gen"], ours[1][1]))
            theirs = ("ok", (theirs[1][0]["gen"], theirs[1][1]))
        assert ours == theirs, f"step {name!r}: ours {ours} vs official {theirs}"
    # Records written by one client read the same through the other.
    k = key("cross")
    bins = {"i": -5, "s": "ü", "b": b"\x00", "f": 2.0, "l": [1, [2, "x"], {"a": b"y"}], "m": {"n": None, "z": 1.5}}
    sj.put(k, bins)
    assert client.get(k)[2] == bins
    client.put(k, {"o": [True, False, "s"]})
    assert sj.get(k)[2]["o"] == [True, False, "s"]


def test_many_threads_share_one_client(sj, key):
    errors = []

    def work(t):
        try:
            for i in range(100):
                k = key(f"t{t}-{i % 10}")
                sj.put(k, {"v": t * 1000 + i})
                assert sj.get(k)[2]["v"] == t * 1000 + i
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]


def test_bad_hosts_fail_clearly():
    with pytest.raises(scramjet.exception.InvalidHostError) as e:
        scramjet.Client([("no-such-host.invalid", 3000)])
    assert e.value.code == -4 and "no-such-host.invalid" in e.value.msg
    with pytest.raises(scramjet.exception.ConnectionError) as e:
        scramjet.Client([("127.0.0.1", 1)], connect_timeout_ms=500)
    assert e.value.code == -10
    with pytest.raises(scramjet.exception.ParamError):
        scramjet.Client([])


def forwarded(srv):
    c = scramjet.Client([(srv.host, srv.port)])
    try:
        return int(parse_kv(c.info_random_node("statistics").split("\t", 1)[1].strip())["shard_forwarded_requests"])
    finally:
        c.close()


def test_shard_routing_sends_each_request_to_its_core(start_server):
    srv = start_server(extra_args=("--service-threads", "2"))
    routed = scramjet.Client([(srv.host, srv.port)])
    before = forwarded(srv)
    for i in range(200):
        routed.put(("test", "route", i), {"i": i})
        assert routed.get(("test", "route", i))[2] == {"i": i}
    assert forwarded(srv) == before, "with shard routing no request hops between cores"
    routed.close()
    plain = scramjet.Client([(srv.host, srv.port)], shard_routing=False)
    for i in range(200):
        plain.get(("test", "route", i))
    assert forwarded(srv) > before, "through the service port about half the requests hop"
    plain.close()


def test_a_node_that_stops_answering_gives_timeouts_then_recovers(start_server):
    srv = start_server()
    c = scramjet.Client([(srv.host, srv.port)],
                        policies={"read": {"total_timeout": 500, "socket_timeout": 200, "max_retries": 2}})
    k = ("test", "stall", "k")
    c.put(k, {"a": 1})
    outcomes = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            started = time.monotonic()
            try:
                c.get(k)
                outcomes.append(("ok", time.monotonic() - started))
            except scramjet.Error as e:
                outcomes.append((e.code, time.monotonic() - started))

    t = threading.Thread(target=reader)
    t.start()
    try:
        poll(lambda: any(o[0] == "ok" for o in outcomes), 10, desc="reads succeed")
        os.kill(srv.proc.pid, signal.SIGSTOP)
        mark = len(outcomes)
        poll(lambda: any(o[0] == scramjet.exception.TimeoutError.code for o in outcomes[mark:]), 10,
             desc="a timeout error while the node is stopped")
        failures = [o for o in outcomes[mark:] if o[0] != "ok"]
        assert all(code == 9 for code, _ in failures), failures[:5]
        assert max(took for _, took in failures) < 3.0, "each call ends near its 500 ms deadline"
        os.kill(srv.proc.pid, signal.SIGCONT)
        mark = len(outcomes)
        poll(lambda: any(o[0] == "ok" for o in outcomes[mark:]), 10, desc="reads succeed again")
    finally:
        os.kill(srv.proc.pid, signal.SIGCONT)
        stop.set()
        t.join(timeout=10)
        c.close()


def test_path_helpers_make_the_official_objects_and_dicts():
    from aerospike_helpers import expressions as official_exp
    from aerospike_helpers.operations import operations as official_ops
    from scramjet import expressions as exp

    f = exp.GT(exp.LoopVarInt(scramjet.EXP_LOOPVAR_VALUE), 4).compile()
    of = official_exp.GT(official_exp.LoopVarInt(aerospike.EXP_LOOPVAR_VALUE), 4).compile()
    assert f == of
    for name, args in (("cdt_ctx_all_children", ()), ("cdt_ctx_all_children_with_filter", (f,)),
                       ("cdt_ctx_and_filter", (f,)), ("cdt_ctx_map_keys_in", (["a", "b"],))):
        mine, theirs = getattr(ctx, name)(*args), getattr(official_ctx, name)(*args)
        assert (mine.id, mine.value, mine.extra_args) == (theirs.id, theirs.value, theirs.extra_args), name
    path = [ctx.cdt_ctx_all_children()]
    assert ops.select_by_path("b", path, 1) == {**official_ops.select_by_path("b", path, 1), "ctx": path}
    assert ops.modify_by_path("b", path, f, 0) == {**official_ops.modify_by_path("b", path, f, 0), "ctx": path}
    for const in ("EXP_PATH_SELECT_MATCHING_TREE", "EXP_PATH_SELECT_VALUE", "EXP_PATH_SELECT_MAP_KEY",
                  "EXP_PATH_SELECT_MAP_KEY_VALUE", "EXP_PATH_SELECT_NO_FAIL", "EXP_PATH_MODIFY_DEFAULT",
                  "EXP_PATH_MODIFY_NO_FAIL", "EXP_LOOPVAR_KEY", "EXP_LOOPVAR_VALUE", "EXP_LOOPVAR_INDEX"):
        assert getattr(scramjet, const) == getattr(aerospike, const), const


def test_path_select_and_modify_answer_as_with_the_official_client(sj, client, key):
    from aerospike_helpers import expressions as official_exp
    from aerospike_helpers.operations import operations as official_ops

    V = aerospike.EXP_LOOPVAR_VALUE
    gt4 = official_exp.GT(official_exp.LoopVarInt(V), 4).compile()
    steps = [
        lambda m: m.select_by_path("m", [official_ctx.cdt_ctx_all_children(), official_ctx.cdt_ctx_map_key("age")],
                                   aerospike.EXP_PATH_SELECT_MATCHING_TREE),
        lambda m: m.select_by_path("m", [official_ctx.cdt_ctx_map_keys_in(["a", "zz"]), official_ctx.cdt_ctx_all_children()],
                                   aerospike.EXP_PATH_SELECT_MAP_KEY_VALUE),
        lambda m: m.select_by_path("l", [official_ctx.cdt_ctx_all_children_with_filter(gt4)], aerospike.EXP_PATH_SELECT_VALUE),
        lambda m: m.select_by_path("l", [official_ctx.cdt_ctx_list_index(0), official_ctx.cdt_ctx_and_filter(gt4)],
                                   aerospike.EXP_PATH_SELECT_VALUE),
        lambda m: m.modify_by_path("l", [official_ctx.cdt_ctx_all_children_with_filter(gt4)],
                                   official_exp.Mul(official_exp.LoopVarInt(V), 10).compile(), aerospike.EXP_PATH_MODIFY_DEFAULT),
        lambda m: m.modify_by_path("l", [official_ctx.cdt_ctx_all_children()], official_exp.RemoveResult().compile(),
                                   aerospike.EXP_PATH_MODIFY_DEFAULT),
        # Unknown on a map child: 4.
        lambda m: m.select_by_path("m", [official_ctx.cdt_ctx_all_children_with_filter(gt4)], aerospike.EXP_PATH_SELECT_VALUE),
    ]

    def outcome(c, k, step):
        c.put(k, {"m": {"a": {"age": 30, "kids": [1, 2]}, "b": {"age": 10}}, "l": [5, 3, 9]})
        try:
            c.operate(k, [step(official_ops)])
            _, _, bins = c.get(k)
            _, _, res = c.operate(k, [step(official_ops)]) if "mod_exp" not in step(official_ops) else (None, None, None)
            return ("ok", res, bins)
        except Exception as e:  # noqa: BLE001 - the code is what is compared
            return ("error", getattr(e, "code", None))

    for i, step in enumerate(steps):
        mine, theirs = outcome(sj, key(f"s{i}"), step), outcome(client, key(f"o{i}"), step)
        assert mine == theirs, (i, mine, theirs)
        assert (mine[0], mine[1]) != ("error", -2), (i, mine)


def test_indexes_and_queries(sj, client, key):
    """Our package's index calls and queries, with its own predicates and the official ones,
    a list index, a context index, an expression index, pagination and a partition filter."""
    from aerospike import predicates as official_p
    from scramjet import predicates as p
    from scramjet import expressions as exp

    s = key("q")[1] + "py"
    for i in range(150):
        sj.put(("test", s, i), {"n": i, "tag": "odd" if i % 2 else "even", "l": [i % 4, 9], "m": {"k": i}})
    sj.index_integer_create("test", s, "n", s + "_n")
    sj.index_string_create("test", s, "tag", s + "_t")
    sj.index_list_create("test", s, "l", scramjet.INDEX_NUMERIC, s + "_l")
    sj.index_cdt_create("test", s, "m", scramjet.INDEX_TYPE_DEFAULT, scramjet.INDEX_NUMERIC, s + "_c",
                        [ctx.cdt_ctx_map_key("k")])
    plus = exp.Add(exp.IntBin("n"), 1000).compile()
    sj.index_expr_create("test", s, scramjet.INDEX_TYPE_DEFAULT, scramjet.INDEX_NUMERIC, plus, s + "_e")
    # The official client sees the same indexes.
    assert f"indexname={s}_n:" in client.info_all("sindex-list:ns=test")[next(iter(client.info_all("node")))][1]

    def ns_of(q):
        return sorted(bins["n"] for _, _, bins in q.results())

    assert ns_of(sj.query("test", s).where(p.between("n", 10, 14))) == [10, 11, 12, 13, 14]
    assert ns_of(sj.query("test", s).where(official_p.between("n", 10, 14))) == [10, 11, 12, 13, 14]
    assert len(sj.query("test", s).where(p.equals("tag", "odd")).results()) == 75
    assert len(sj.query("test", s).where(p.contains("l", scramjet.INDEX_TYPE_LIST, 3)).results()) == 37
    assert ns_of(sj.query("test", s).where(p.between("m", 5, 7), [ctx.cdt_ctx_map_key("k")])) == [5, 6, 7]
    assert ns_of(sj.query("test", s).where_with_expr(plus, p.between(None, 1003, 1004))) == [3, 4]
    assert ns_of(sj.query("test", s).where_with_index_name(s + "_n", p.equals(None, 99))) == [99]

    q = sj.query("test", s).where(p.between("n", 0, 1000))
    q.max_records = 40
    q.paginate()
    seen = []
    for _ in range(20):
        seen += [bins["n"] for _, _, bins in q.results()]
        if q.is_done():
            break
    assert sorted(seen) == list(range(150))
    part = sj.query("test", s).where(p.between("n", 0, 1000)).results({"partition_filter": {"begin": 0, "count": 2048}})
    assert 0 < len(part) < 150
    for name in ("_n", "_t", "_l", "_c", "_e"):
        sj.index_remove("test", s + name)
    with pytest.raises(scramjet.exception.Error) as e:
        sj.query("test", s).where(p.between("n", 0, 1)).results()
    assert e.value.code == 201


def test_udfs(sj, client, key, tmp_path):
    """Our package's UDF calls, shaped like the official client's: register, list, apply (a
    Lua error is UDFError), a background UDF with job_info, and an aggregation whose server
    values the caller combines (this client runs no Lua)."""
    from scramjet import predicates as p

    module = key("udf")[1] + "py"
    path = tmp_path / f"{module}.lua"
    path.write_text(
        "function add(rec, bin, n)\n"
        "  rec[bin] = (rec[bin] or 0) + n\n"
        "  if aerospike:exists(rec) then aerospike:update(rec) else aerospike:create(rec) end\n"
        "  return rec[bin]\n"
        "end\n"
        "function echo(rec, ...) return list{...} end\n"
        "function oops(rec) error('no way') end\n"
        "local function plus(a, b) return a + b end\n"
        "function total(s, bin) return s : map(function(r) return r[bin] end) : reduce(plus) end\n"
        "function groups(s, bin)\n"
        "  local function tally(m, r) m[r[bin] % 3] = (m[r[bin] % 3] or 0) + 1 return m end\n"
        "  return s : aggregate(map(), tally) : reduce(function(a, b) return map.merge(a, b, plus) end)\n"
        "end\n")
    sj.udf_put(str(path))
    # The official client sees the module on the node.
    assert any(m["name"] == f"{module}.lua" for m in client.udf_list())
    assert [m for m in sj.udf_list() if m["name"] == f"{module}.lua"][0]["hash"]
    s = module + "set"
    for i in range(60):
        assert sj.apply(("test", s, i), module, "add", ["n", i]) == i
    assert sj.apply(("test", s, 0), module, "echo", [1, "a", [2], {"k": b"v"}]) == [1, "a", [2], {"k": b"v"}]
    with pytest.raises(scramjet.exception.UDFError) as e:
        sj.apply(("test", s, 0), module, "oops", [])
    assert e.value.code == 100 and "no way" in e.value.msg
    with pytest.raises(scramjet.exception.UDFError):
        sj.udf_put(str(tmp_path / "x.lua") if (tmp_path / "x.lua").write_text("function f(") else "")

    job = sj.query("test", s).apply(module, "add", ["n", 1000]).execute_background()
    poll(lambda: sj.job_info(job, scramjet.JOB_QUERY)["status"] == scramjet.JOB_STATUS_COMPLETED, 20,
         desc="background UDF done")
    assert sorted(b["n"] for _, _, b in client.query("test", s).results()) == [i + 1000 for i in range(60)]
    values = sj.query("test", s).apply(module, "total", ["n"]).aggregate()
    assert sum(values) == sum(i + 1000 for i in range(60))
    sj.index_integer_create("test", s, "n", s + "_n")
    try:
        q = sj.query("test", s).where(p.between("n", 1000, 1009)).apply(module, "groups", ["n"])
        merged = {}
        for part in q.aggregate():
            for k, v in part.items():
                merged[k] = merged.get(k, 0) + v
        assert merged == {0: 3, 1: 4, 2: 3}
        with pytest.raises(scramjet.exception.ClientError):
            q.results()
    finally:
        sj.index_remove("test", s + "_n")
    sj.udf_remove(f"{module}.lua")
    assert not any(m["name"] == f"{module}.lua" for m in sj.udf_list())
