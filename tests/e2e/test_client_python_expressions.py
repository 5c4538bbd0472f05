"""Expressions in our Python package: the compiled expressions of the official
`aerospike_helpers.expressions` turned into the bytes the official client sends (every captured
vector of notes-py-exp.md, byte for byte), `scramjet.expressions` compiling to the official
form, and filters and expression operations run through our package and through the official
client against scramjetd with the same outcomes, on get, select, exists, put, operate, remove,
touch, batch and scan."""

import uuid

import aerospike
import pytest
from aerospike_helpers import expressions as official_exp
from aerospike_helpers.operations import expression_operations as official_eo
from aerospike_helpers.operations import operations as official_ops

import scramjet
from scramjet import _exp
from scramjet import expression_operations as eo
from scramjet import expressions as exp
from scramjet import operations as ops
from exp_vectors import PRELUDE, VECTORS

POLICIES = {"read": {"total_timeout": 5000}, "write": {"total_timeout": 5000},
            "operate": {"total_timeout": 5000}, "remove": {"total_timeout": 5000}}


@pytest.fixture(scope="module")
def sj(server):
    c = scramjet.Client([(server.host, server.port)], policies=POLICIES)
    yield c
    c.close()


def _vector(code, module=None):
    env = {}
    exec(PRELUDE, env)
    if module is not None:
        env["exp"] = module
    exec(code, env)
    return env["expr"]


@pytest.mark.parametrize("name, title, code, want", VECTORS, ids=[v[0] for v in VECTORS])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_official_compiled_expressions_pack_as_the_official_client_sends_them(name, title, code, want):
    compiled = _vector(code).compile()
    if name == "exprs2-24":
        # MapIncrement with a map policy: the official client sends a malformed call (the
        # server answers 4); we refuse it before sending.
        with pytest.raises(scramjet.exception.ParamError, match="MapIncrement"):
            _exp.pack(compiled)
        return
    assert _exp.pack(compiled).hex() == want


def norm(v):
    """A compile() result with its objects (contexts, GeoJSON, which compare by identity) made
    comparable."""
    if isinstance(v, (list, tuple)):
        return type(v)(norm(x) for x in v)
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if hasattr(v, "extra_args"):
        return ("ctx", v.id, norm(v.value), norm(v.extra_args))
    if type(v).__name__ in ("Geospatial", "GeoJSON"):
        return ("geo", v.dumps())
    if type(v).__name__ in ("null", "CDTWildcard", "CDTInfinite"):
        return type(v).__name__
    return v


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_our_expressions_compile_as_the_official_ones():
    """Every vector whose expression uses only what scramjet.expressions has, built with ours:
    the same compile() output (so the same bytes)."""
    covered = 0
    for name, _title, code, want in VECTORS:
        try:
            ours = _vector(code, exp)
        except AttributeError:
            continue  # uses a helper we leave to the official module
        covered += 1
        assert norm(ours.compile()) == norm(_vector(code).compile()), name
        assert ours.pack().hex() == want, name
    assert covered >= 50


def test_expression_operations_make_the_official_dicts():
    compiled = exp.Add(exp.IntBin("a"), 1).compile()
    assert eo.expression_read("r", compiled) == official_eo.expression_read("r", compiled)
    assert (eo.expression_write("w", compiled, eo.EXP_WRITE_UPDATE_ONLY)
            == official_eo.expression_write("w", compiled, aerospike.EXP_WRITE_UPDATE_ONLY))
    for name in ("EXP_READ_DEFAULT", "EXP_READ_EVAL_NO_FAIL", "EXP_WRITE_DEFAULT", "EXP_WRITE_CREATE_ONLY",
                 "EXP_WRITE_UPDATE_ONLY", "EXP_WRITE_ALLOW_DELETE", "EXP_WRITE_POLICY_NO_FAIL",
                 "EXP_WRITE_EVAL_NO_FAIL", "REGEX_NONE", "REGEX_EXTENDED", "REGEX_ICASE", "REGEX_NOSUB",
                 "REGEX_NEWLINE"):
        assert getattr(scramjet, name) == getattr(aerospike, name), name
    # The operation value: [expression, flags] (notes §8).
    assert _exp.pack_op_value(compiled, 16).hex() == "929314935102a1610110"


def test_bad_expressions_are_param_errors(sj, key):
    k = key()
    sj.put(k, {"a": 1})
    for bad in ([], [(3, None, None)], "GT(a, 5)", [(9999, None, None, 0)]):
        with pytest.raises(scramjet.exception.ParamError):
            sj.get(k, policy={"expressions": bad})
    with pytest.raises(scramjet.exception.ParamError):
        sj.operate(k, [eo.expression_read("r", [])])


# ---- the same commands through both clients -----------------------------------------------

def outcome(fn):
    """What a call gave: ("ok", result) or ("error", code)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - both clients' errors carry .code
        return ("error", getattr(e, "code", repr(e)))


def bins_of(result):
    return result[2] if result is not None else None


RECORD = {"a": 10, "f": 1.5, "s": "abcd", "l": [1, 2, 3], "m": {"k": 5, "j": "x"}, "b": b"\x0f\x01",
          "t": True}
SMALL = {"a": 1, "s": "zz", "l": [9], "m": {}}


def filters(e):
    """Filters as (name, compiled) built with module `e` (ours or the official one)."""
    return [
        ("int", e.GT(e.IntBin("a"), 5)),
        ("and", e.And(e.GE(e.FloatBin("f"), 1.0), e.Eq(e.StrBin("s"), "abcd"))),
        ("list", e.GT(e.ListSize(None, e.ListBin("l")), 2)),
        ("list_index", e.Eq(e.ListGetByIndex(None, aerospike.LIST_RETURN_VALUE, e.ResultType.INTEGER, -1, "l"), 3)),
        ("map", e.Eq(e.MapGetByKey(None, aerospike.MAP_RETURN_VALUE, e.ResultType.INTEGER, "k", "m"), 5)),
        ("map_size", e.GT(e.MapSize(None, "m"), 0)),
        ("bits", e.Eq(e.BitCount(0, 16, "b"), 5)),
        ("arith", e.Eq(e.Mod(e.Add(e.IntBin("a"), 2), 5), 2)),
        ("regex", e.CmpRegex(aerospike.REGEX_EXTENDED, "^ab", e.StrBin("s"))),
        ("meta", e.And(e.Not(e.IsTombstone()), e.Eq(e.SetName(), e.SetName()), e.GT(e.RecordSize(), 0))),
        ("cond", e.Cond(e.GT(e.IntBin("a"), 5), True, False)),
        ("let", e.Let(e.Def("x", e.IntBin("a")), e.GT(e.Var("x"), 5))),
        ("in_list", e.InList(e.IntBin("a"), e.Val([10, 20]))),
        ("bin_exists", e.And(e.BinExists("t"), e.Eq(e.BinType("a"), 1))),
        ("invalid", e.And(e.IntBin("a"), 1)),  # not boolean: 4 from the server
    ]


class BatchFailed(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def batch(c, keys, policy):
    """A batch read: (found, bins) per key. Ours: get_many; the official client: batch_read."""
    if isinstance(c, scramjet.Client):
        return [(r[1] is not None, r[2]) for r in c.get_many(keys, policy=policy)]
    records = c.batch_read(keys, policy=policy)
    if records.result != 0:  # the whole batch failed (ours raises with that code)
        raise BatchFailed(records.result)
    return [(r.result == 0, r.record[2] if r.result == 0 else None) for r in records.batch_records]


def run_all(c, keys, e, eops):
    """Every command with every filter on `keys` (a record that passes, one that does not, one
    that is missing) through client `c`; the outcomes, in order."""
    big, small, missing = keys
    out = []
    for name, f in filters(e):
        pol = {"expressions": f.compile(), "total_timeout": 5000}
        for k in (big, small, missing):
            out.append((name, "get", outcome(lambda: bins_of(c.get(k, policy=pol)))))
            out.append((name, "select", outcome(lambda: bins_of(c.select(k, ["a", "s"], policy=pol)))))
            out.append((name, "exists", outcome(lambda: c.exists(k, policy=pol)[1] is not None)))
        got = outcome(lambda: batch(c, [big, small, missing], pol))
        out.append((name, "batch", got))
    # Writes: each on fresh copies of the records, so that every client starts alike.
    fltr = {"expressions": e.GT(e.IntBin("a"), 5).compile(), "total_timeout": 5000}
    for k, bins in ((big, RECORD), (small, SMALL)):
        c.put(k, bins)
        out.append(("put", outcome(lambda: c.put(k, {"p": 1}, policy=fltr))))
        out.append(("after put", bins_of(c.get(k))))
        out.append(("touch", outcome(lambda: c.touch(k, 100, policy=fltr))))
        out.append(("operate", outcome(lambda: bins_of(c.operate(k, [
            eops.expression_read("r", e.Add(e.IntBin("a"), 1).compile()),
            eops.expression_write("w", e.Mul(e.IntBin("a"), 2).compile()),
            ops.read("w"),
        ], policy=fltr)))))
        out.append(("after operate", bins_of(c.get(k))))
        out.append(("remove", outcome(lambda: c.remove(k, policy=fltr))))
        out.append(("after remove", outcome(lambda: bins_of(c.get(k)))))
        c.put(k, bins)
    return out


def expression_ops(c, k, e, eops):
    """Expression reads and writes, their flags and failures."""
    c.put(k, RECORD)
    out = []
    steps = [
        [eops.expression_read("r", e.ListGetByIndex(None, aerospike.LIST_RETURN_VALUE, e.ResultType.INTEGER, 0,
                                                     "l").compile())],
        [eops.expression_read("r", e.IntBin("nope").compile())],
        [eops.expression_read("r", e.IntBin("nope").compile(), aerospike.EXP_READ_EVAL_NO_FAIL)],
        [eops.expression_read("r", e.MapGetByKey(None, aerospike.MAP_RETURN_VALUE, e.ResultType.STRING, "j",
                                                  "m").compile()),
         eops.expression_read("q", e.Cond(e.GT(e.IntBin("a"), 100), "big", "small").compile())],
        [eops.expression_write("a", e.Add(e.IntBin("a"), 5).compile()), ops.read("a")],
        [eops.expression_write("new", e.Val("x").compile(), aerospike.EXP_WRITE_UPDATE_ONLY)],
        [eops.expression_write("new", e.Val("x").compile(),
                               aerospike.EXP_WRITE_UPDATE_ONLY | aerospike.EXP_WRITE_POLICY_NO_FAIL)],
        [eops.expression_write("a", e.Val(1).compile(), aerospike.EXP_WRITE_CREATE_ONLY)],
        [eops.expression_write("z", e.Val([1, "two", {"k": b"v"}]).compile()), ops.read("z")],
        [eops.expression_write("f", e.Unknown().compile())],
        [eops.expression_write("f", e.Unknown().compile(), aerospike.EXP_WRITE_EVAL_NO_FAIL), ops.read("f")],
        [eops.expression_write("s", e.Val(None).compile(), aerospike.EXP_WRITE_ALLOW_DELETE)],
        [eops.expression_read("size", e.BitCount(0, 16, "b").compile()),
         eops.expression_read("n", e.ListSize(None, "z").compile())],
    ]
    for step in steps:
        out.append(outcome(lambda: c.operate_ordered(k, step)[2]))
    out.append(bins_of(c.get(k)))
    return out


def scans(c, ns, set_name, e):
    out = []
    for name, f in filters(e)[:-1]:
        got = outcome(lambda: sorted(r[2]["a"] for r in c.scan(ns, set_name).results(
            policy={"expressions": f.compile()})))
        out.append((name, got))
    return out


def test_filters_and_expression_operations_answer_as_with_the_official_client(sj, client, key):
    ns, set_name, text = key()
    results = {}
    for who, c, e, eops in (("ours", sj, exp, eo), ("official", client, official_exp, official_eo)):
        keys = [(ns, set_name, f"{who}-{text}-{i}") for i in range(3)]
        for k, bins in zip(keys, (RECORD, SMALL)):
            c.put(k, bins)
        results[who] = (run_all(c, keys, e, eops), expression_ops(c, (ns, set_name, f"{who}-{text}-ops"), e, eops))
    ours, official = results["ours"], results["official"]
    assert ours[0] == official[0]
    assert ours[1] == official[1]
    # The outcomes are what the server promises: 27 for a filtered-out record, 4 for a filter
    # that is not boolean, and both kinds of success.
    codes = {o[2][1] for o in ours[0] if len(o) == 3 and o[2][0] == "error"}
    assert {2, 4, 27} <= codes, codes
    assert ("ok", {"a": 10, "s": "abcd"}) in [o[2] for o in ours[0] if len(o) == 3 and o[1] == "select"]


def test_scans_filter_as_with_the_official_client(sj, client, key):
    ns = key()[0]
    set_name = "xscan" + uuid.uuid4().hex[:10]  # a set of its own: scans see every record of it
    for i in range(8):
        sj.put((ns, set_name, i), {**RECORD, "a": i * 3})
    ours = scans(sj, ns, set_name, exp)
    theirs = scans(client, ns, set_name, official_exp)
    assert ours == theirs
    assert ours[0] == ("int", ("ok", [6, 9, 12, 15, 18, 21]))


def test_official_compiled_expressions_work_in_our_package(sj, key):
    """Filters and operations built with the official helpers, sent by our package."""
    k = key()
    sj.put(k, RECORD)
    f = official_exp.Eq(official_exp.ListGetByValue(None, aerospike.LIST_RETURN_COUNT, 2, "l"), 1).compile()
    assert sj.get(k, policy={"expressions": f})[2] == RECORD
    f = official_exp.Eq(official_exp.ListGetByValue(None, aerospike.LIST_RETURN_COUNT, 7, "l"), 1).compile()
    with pytest.raises(scramjet.exception.FilteredOut) as e:
        sj.get(k, policy={"expressions": f})
    assert e.value.code == 27
    got = sj.operate(k, [official_eo.expression_read("keys", official_exp.MapGetByIndexRange(
        None, aerospike.MAP_RETURN_KEY, 0, 2, "m").compile()), official_ops.read("a")])[2]
    assert got == {"keys": ["j", "k"], "a": 10}
