"""Filter expressions (field 43): comparisons on bins and record metadata and boolean logic, on
single-record commands, batches and scans; records that fail answer 27 (filtered out)."""

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import operations as op

from scramjet_e2e import info, namespace_config, parse_kv, wait_for_job


@pytest.fixture
def filled(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    for i in range(100):
        c.put(("test", "fx", i), {"i": i, "s": f"name{i % 3}", "f": i / 2}, meta={"ttl": 1000 + 10 * i})
    return c


def test_single_record_commands_are_filtered(filled):
    c = filled
    big = {"expressions": exp.GT(exp.IntBin("i"), 50).compile()}
    assert c.get(("test", "fx", 60), policy=big)[2]["i"] == 60
    with pytest.raises(ex.FilteredOut):
        c.get(("test", "fx", 10), policy=big)
    # A filtered write or delete does nothing.
    with pytest.raises(ex.FilteredOut):
        c.put(("test", "fx", 10), {"i": -1}, policy=big)
    with pytest.raises(ex.FilteredOut):
        c.remove(("test", "fx", 10), policy=big)
    assert c.get(("test", "fx", 10))[2]["i"] == 10
    with pytest.raises(ex.FilteredOut):
        c.operate(("test", "fx", 11), [op.increment("i", 1)], policy=big)
    stats = parse_kv(info(c, "namespace/test"))
    assert int(stats["client_read_filtered_out"]) >= 1 and int(stats["client_write_filtered_out"]) >= 2, stats


def test_logic_strings_floats_and_metadata(filled):
    c = filled
    cases = [
        (exp.And(exp.GE(exp.IntBin("i"), 10), exp.LT(exp.IntBin("i"), 20)), set(range(10, 20))),
        (exp.Or(exp.Eq(exp.IntBin("i"), 1), exp.Eq(exp.IntBin("i"), 2)), {1, 2}),
        (exp.Not(exp.Eq(exp.StrBin("s"), "name0")), {i for i in range(100) if i % 3 != 0}),
        (exp.GT(exp.FloatBin("f"), 48.0), {i for i in range(100) if i / 2 > 48.0}),
        (exp.Eq(exp.SetName(), "fx"), set(range(100))),
        # TTLs are 10 s apart and the bound sits between two of them, so the seconds that pass
        # while the test runs cannot move a record across it.
        (exp.GT(exp.TTL(), 1895), set(range(90, 100))),
        (exp.GE(exp.SinceUpdateTime(), 0), set(range(100))),
        (exp.Eq(exp.KeyExists(), False), set(range(100))),
        # A bin of another type makes the comparison unknown: nothing passes.
        (exp.Eq(exp.StrBin("i"), "x"), set()),
    ]
    for expression, expected in cases:
        policy = {"expressions": expression.compile()}
        q = c.query("test", "fx")
        got = {r[2]["i"] for r in q.results(policy=policy)}
        assert got == expected, (expression, sorted(got ^ expected)[:10])


def test_digest_modulo_splits_records_into_disjoint_classes(filled):
    c = filled
    classes = []
    for r in range(3):
        policy = {"expressions": exp.Eq(exp.DigestMod(3), r).compile()}
        classes.append({rec[2]["i"] for rec in c.query("test", "fx").results(policy=policy)})
    assert sum(len(k) for k in classes) == 100
    assert set().union(*classes) == set(range(100))
    assert all(len(k) > 10 for k in classes), [len(k) for k in classes]


def test_batches_are_filtered_per_row(filled):
    c = filled
    policy = {"expressions": exp.LT(exp.IntBin("i"), 3).compile()}
    records = c.batch_read([("test", "fx", i) for i in range(6)], policy=policy).batch_records
    assert [r.result for r in records] == [0, 0, 0, 27, 27, 27]


def test_background_scan_writes_only_matching_records(filled):
    c = filled
    q = c.query("test", "fx")
    q.add_ops([op.write("tag", 1)])
    wait_for_job(c, q.execute_background(policy={"expressions": exp.LT(exp.IntBin("i"), 10).compile()}))
    tagged = {r[2]["i"] for r in c.query("test", "fx").results() if r[2].get("tag") == 1}
    assert tagged == set(range(10))


def test_list_and_map_reads_in_filters_select_exactly_the_matching_records(client):
    """Expression calls into list and map reads (PROTOCOL-DATA.md §C.4): a batch read filtered
    on a list element returns the one matching record and filters out the rest (27), never
    letting a record through on an expression it cannot evaluate."""
    import aerospike as aero
    from aerospike_helpers import expressions as exp

    keys = [("test", "cdtexp", i) for i in range(9)]
    for i, k in enumerate(keys):
        client.put(k, {"l": [i, i + 1], "i": i, "m": {"name": f"n{i}", "v": i}})
    first = exp.ListGetByIndex(None, aero.LIST_RETURN_VALUE, exp.ResultType.INTEGER, 0, exp.ListBin("l"))
    res = client.batch_read(keys, policy={"expressions": exp.GT(first, 7).compile()})
    assert [r.result for r in res.batch_records] == [27] * 8 + [0]
    assert res.batch_records[8].record[2]["i"] == 8
    name = exp.MapGetByKey(None, aero.MAP_RETURN_VALUE, exp.ResultType.STRING, "name", exp.MapBin("m"))
    res = client.batch_read(keys, policy={"expressions": exp.Eq(name, "n3").compile()})
    assert [r.result for r in res.batch_records] == [27, 27, 27, 0, 27, 27, 27, 27, 27]
    in_range = exp.ListGetByValueRange(None, aero.LIST_RETURN_COUNT, 3, 6, exp.ListBin("l"))
    res = client.batch_read(keys, policy={"expressions": exp.GT(in_range, 1).compile()})
    assert [r.result for r in res.batch_records] == [27, 27, 27, 0, 0, 27, 27, 27, 27]
    size = exp.Eq(exp.ListSize(None, exp.ListBin("l")), 2).compile()
    assert client.get(keys[1], policy={"expressions": size})[2]["i"] == 1
    # A call on a bin that is not a list is unknown: the record is filtered out, not let through.
    wrong = exp.Eq(exp.ListSize(None, exp.ListBin("i")), 2).compile()
    with pytest.raises(aerospike.exception.FilteredOut):
        client.get(keys[1], policy={"expressions": wrong})


def test_arithmetic_in_filters(filled):
    c = filled
    cases = [
        (exp.Eq(exp.Mod(exp.IntBin("i"), 7), 3), {i for i in range(100) if i % 7 == 3}),
        (exp.GT(exp.Add(exp.IntBin("i"), exp.IntBin("i"), 5), 190), {i for i in range(100) if 2 * i + 5 > 190}),
        (exp.LT(exp.Sub(100, exp.IntBin("i")), 3), {98, 99}),
        (exp.Eq(exp.Div(exp.IntBin("i"), 10), 4), set(range(40, 50))),
        (exp.Eq(exp.Mul(exp.IntBin("i"), 3), 27), {9}),
        (exp.GE(exp.Pow(exp.FloatBin("f"), 2.0), 2401.0), {98, 99}),
        (exp.Eq(exp.ToInt(exp.FloatBin("f")), 7), {14, 15}),
        (exp.Eq(exp.Abs(exp.Sub(exp.IntBin("i"), 50)), 1), {49, 51}),
        (exp.Eq(exp.Max(exp.IntBin("i"), 95), exp.IntBin("i")), set(range(95, 100))),
        (exp.Eq(exp.Min(exp.IntBin("i"), 2), exp.IntBin("i")), {0, 1, 2}),
        (exp.Eq(exp.IntAnd(exp.IntBin("i"), 0x3), 0), {i for i in range(100) if i & 3 == 0}),
        (exp.Eq(exp.IntRightShift(exp.IntBin("i"), 4), 6), set(range(96, 100))),
        (exp.Eq(exp.IntCount(exp.IntBin("i")), 6), {i for i in range(100) if bin(i).count("1") == 6}),
        # Integer division by zero is unknown: nothing passes, nothing fails loudly.
        (exp.Eq(exp.Div(exp.IntBin("i"), 0), 0), set()),
    ]
    for expression, expected in cases:
        policy = {"expressions": expression.compile()}
        got = {r[2]["i"] for r in c.query("test", "fx").results(policy=policy)}
        assert got == expected, (expression, sorted(got ^ expected)[:10])


def test_let_var_and_cond_in_filters(filled):
    c = filled
    tens = exp.Div(exp.IntBin("i"), 10)
    cases = [
        # Each definition sees the ones before it; the body sees them all.
        (exp.Let(exp.Def("t", tens), exp.Def("u", exp.Mul(exp.Var("t"), 10)),
                 exp.Eq(exp.Sub(exp.IntBin("i"), exp.Var("u")), 7)), {i for i in range(100) if i % 10 == 7}),
        # The first true condition picks the action; the default covers the rest.
        (exp.Eq(exp.Cond(exp.LT(exp.IntBin("i"), 10), 1, exp.LT(exp.IntBin("i"), 20), 2, 3), 2), set(range(10, 20))),
        # A default of Unknown() fails every record that falls through.
        (exp.Cond(exp.LT(exp.IntBin("i"), 5), True, exp.Unknown()), set(range(5))),
        # A condition on a bin of another type is unknown: nothing passes.
        (exp.Cond(exp.Eq(exp.StrBin("i"), "x"), True, True), set()),
    ]
    for expression, expected in cases:
        policy = {"expressions": expression.compile()}
        got = {r[2]["i"] for r in c.query("test", "fx").results(policy=policy)}
        assert got == expected, (expression, sorted(got ^ expected)[:10])


def test_regex_in_list_keys_and_map_keys_in_filters(client, key):
    keys = [key(i) for i in range(6)]
    for i, k in enumerate(keys):
        client.put(k, {"s": f"Name{i}", "l": list(range(i)), "m": {f"k{j}": j for j in range(i)}},
                   policy={"key": aerospike.POLICY_KEY_SEND})

    def passing(expression):
        rows = client.batch_read(keys, policy={"expressions": expression.compile()}).batch_records
        return [r.key[2].rsplit(":", 1)[1] for r in rows if r.result == 0]

    # POSIX extended regex; ICASE; without EXTENDED a basic RE (`+` is a literal).
    assert passing(exp.CmpRegex(aerospike.REGEX_EXTENDED, "^Name[0-2]$", exp.StrBin("s"))) == ["0", "1", "2"]
    assert passing(exp.CmpRegex(aerospike.REGEX_EXTENDED | aerospike.REGEX_ICASE, "^name[45]$",
                                exp.StrBin("s"))) == ["4", "5"]
    assert passing(exp.CmpRegex(aerospike.REGEX_NONE, "e+", exp.StrBin("s"))) == []
    # A regex on a bin that is not a string never passes.
    assert passing(exp.CmpRegex(aerospike.REGEX_NONE, ".", exp.StrBin("l"))) == []
    # A pattern glibc refuses, or one with a back-reference (unbounded work): 4.
    for pattern in ("[", "\\(a*\\)*\\1"):
        with pytest.raises(ex.AerospikeError) as info:
            client.get(keys[0], policy={"expressions": exp.CmpRegex(aerospike.REGEX_NONE, pattern,
                                                                     exp.StrBin("s")).compile()})
        assert info.value.code == 4
    # in_list, the stored key, and a map's keys.
    assert passing(exp.InList(3, exp.ListBin("l"))) == ["4", "5"]
    assert passing(exp.Eq(exp.KeyStr(), keys[2][2])) == ["2"]
    assert passing(exp.Eq(exp.KeyInt(), 2)) == []
    assert passing(exp.InList("k3", exp.MapGetKeys(exp.MapBin("m")))) == ["4", "5"]


def test_geo_comparisons(client, key):
    """CmpGeo: a point inside a region (polygon with a hole, multipolygon, AeroCircle), in
    either order; two points or two regions never match (Aerospike's as_geojson_match)."""
    places = {"in": [-122.2, 37.5], "hole": [-121.75, 37.5], "out": [-120.0, 37.5], "circle": [-122.0, 37.0085]}
    keys = {name: key(name) for name in places}
    for name, (lng, lat) in places.items():
        client.put(keys[name], {"loc": aerospike.GeoJSON({"type": "Point", "coordinates": [lng, lat]})})
    region = {"type": "Polygon", "coordinates": [
        [[-122.5, 37.0], [-121.0, 37.0], [-121.0, 38.0], [-122.5, 38.0], [-122.5, 37.0]],
        [[-121.9, 37.4], [-121.6, 37.4], [-121.6, 37.6], [-121.9, 37.6], [-121.9, 37.4]]]}
    circle = {"type": "AeroCircle", "coordinates": [[-122.0, 37.0], 1000]}
    all_keys = list(keys.values())

    def passing(expression):
        rows = client.batch_read(all_keys, policy={"expressions": expression.compile()}).batch_records
        return sorted(r.key[2].rsplit(":", 1)[1] for r in rows if r.result == 0)

    assert passing(exp.CmpGeo(exp.GeoBin("loc"), aerospike.GeoJSON(region))) == ["circle", "in"]
    assert passing(exp.CmpGeo(aerospike.GeoJSON(region), exp.GeoBin("loc"))) == ["circle", "in"]
    assert passing(exp.CmpGeo(exp.GeoBin("loc"), aerospike.GeoJSON(circle))) == ["circle"]
    assert passing(exp.CmpGeo(exp.GeoBin("loc"), exp.GeoBin("loc"))) == []
    # A region in a bin, queried with a literal point.
    client.put(key("zone"), {"z": aerospike.GeoJSON(region)})
    inside = exp.CmpGeo(exp.GeoBin("z"), aerospike.GeoJSON({"type": "Point", "coordinates": places["in"]}))
    assert client.get(key("zone"), policy={"expressions": inside.compile()})[2]["z"] is not None
    # GeoJSON that does not parse: 4 as a literal, 160 as a bin value.
    with pytest.raises(ex.AerospikeError) as info:
        client.get(keys["in"], policy={"expressions": exp.CmpGeo(
            exp.GeoBin("loc"), aerospike.GeoJSON({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})).compile()})
    assert info.value.code == 4
    with pytest.raises(ex.AerospikeError) as info:
        client.put(key("bad"), {"loc": aerospike.GeoJSON({"type": "Point", "coordinates": [500, 0]})})
    assert info.value.code == 160


def test_type_errors_answer_4_before_any_record_is_read(filled):
    """Aerospike checks an expression's types when it builds it (PROTOCOL-DATA.md §C.2)."""
    c = filled
    for bad in (
        exp.Eq(exp.IntBin("i"), 1.5),                                # int against float
        exp.GT(exp.Add(exp.IntBin("i"), exp.FloatBin("f")), 1),      # mixed arithmetic
        exp.And(exp.IntBin("i"), exp.GT(exp.IntBin("i"), 1)),        # a non-boolean operand of and
        exp.Eq(exp.Cond(exp.GT(exp.IntBin("i"), 1), 1, "one"), 1),  # actions of two types
    ):
        with pytest.raises(ex.AerospikeError) as info:
            c.get(("test", "fx", 1), policy={"expressions": bad.compile()})
        assert info.value.code == 4, bad
    # A filter must be boolean; the same expression is fine in an expression read.
    with pytest.raises(ex.AerospikeError) as info:
        c.get(("test", "fx", 1), policy={"expressions": exp.Add(exp.IntBin("i"), 1).compile()})
    assert info.value.code == 4
    from aerospike_helpers.operations import expression_operations as eo
    _, _, bins = c.operate(("test", "fx", 1), [eo.expression_read("x", exp.Add(exp.IntBin("i"), 1).compile())])
    assert bins["x"] == 2


def test_touch_exists_and_header_reads_are_filtered(filled):
    c = filled
    big = {"expressions": exp.GT(exp.IntBin("i"), 50).compile()}
    _, meta = c.exists(("test", "fx", 60), policy=big)
    assert meta is not None
    with pytest.raises(ex.FilteredOut):
        c.exists(("test", "fx", 10), policy=big)
    gen = c.get(("test", "fx", 10))[1]["gen"]
    with pytest.raises(ex.FilteredOut):
        c.touch(("test", "fx", 10), 500, policy=big)
    assert c.get(("test", "fx", 10))[1]["gen"] == gen, "a filtered touch does not write"
    c.touch(("test", "fx", 60), 500, policy=big)


def test_hostile_expressions_get_4_and_bounded_work(server, client):
    """Deep nesting, 1 MiB, an unknown op code, a truncated expression, a back-reference regex:
    each answers 4 and the node keeps serving."""
    import aswire

    def get_with_filter(expression):
        body = aswire.as_msg(info1=aswire.INFO1_READ | 0x02, fields=aswire.key_fields(digest=aswire.random_digest())
                             + [aswire.field(43, expression)])
        return aswire.msg_result(server.host, server.port, body)["result_code"]

    deep = bytes([0x92, 0x12] * 100) + b"\xc3"                       # not(not(...)) 100 deep
    huge = bytes([0x93, 0x01, 0xdb]) + (1 << 20).to_bytes(4, "big") + b"\x03" + b"a" * ((1 << 20) - 1) + b"\x01"
    unknown_op = bytes([0x91, 0x63])                                   # op code 99
    truncated = bytes([0x93, 0x01, 0x93, 0x51, 0x02])
    regex = bytes([0x94, 0x07, 0x00, 0xa9]) + b"\\(a*\\)*\\1" + bytes([0x93, 0x51, 0x03, 0xa1]) + b"s"
    for expression in (deep, huge, unknown_op, truncated, regex):
        assert get_with_filter(expression) == 4
    client.put(("test", "demo", "alive"), {"a": 1})
    assert client.get(("test", "demo", "alive"))[2] == {"a": 1}
