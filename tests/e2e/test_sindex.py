"""Secondary indexes and queries through the official Python client (PROTOCOL-DATA.md §D; the
issue 15 notes for Aerospike 8.1's exact replies). Expected result sets are computed here from
the records each test writes; every test uses its own set and drops its indexes."""

import base64

import pytest

import aerospike
from aerospike import exception as ex
from aerospike import predicates as p
from aerospike_helpers import cdt_ctx
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import operations as op

import aswire
from scramjet_e2e import ScramjetServer, info, parse_kv, poll, wait_for_job

NS = "test"


def raw(server, command):
    """An info command's answer as sent, errors included (the client raises on those)."""
    text = aswire.info_raw(server.host, server.port, [command])
    assert text.startswith(command + "\t"), text
    return text[len(command) + 1:].rstrip("\n")


def create(client, command):
    """Sends a sindex-create and waits until the index is built (load_pct 100)."""
    answer = info(client, command)
    assert answer == "ok", f"{command}: {answer}"
    name = parse_kv(command.split(":", 1)[1])["indexname"]
    poll(lambda: parse_kv(info(client, f"sindex-stat:namespace={NS};indexname={name}")).get("load_pct") == "100",
         10, desc=f"index {name} built")


@pytest.fixture
def indexes(client):
    """Names of indexes this test made; dropped afterwards."""
    made = []
    yield made
    for name in made:
        info(client, f"sindex-delete:namespace={NS};indexname={name}")


def digests_of(records):
    return sorted(bytes(key[3]) for key, _, _ in records)


def query(client, set_name, predicate, ctx=None, policy=None, **kw):
    q = client.query(NS, set_name)
    if ctx is None:
        q.where(predicate)
    else:
        q.where(predicate, ctx)
    for k, v in kw.items():
        setattr(q, k, v)
    return q.results(policy or {})


def test_create_errors_follow_aerospike(server, client, indexes):
    """Every validation reply of sindex-create / -delete / -stat (Aerospike 8.1's
    as_sindex_manager_sindex_create order; notes §2.2)."""
    cases = {
        "sindex-create:namespace=test;bin=a;type=numeric": "ERROR:4:missing 'indexname'",
        "sindex-create:indexname=x;bin=a;type=numeric": "ERROR:20:missing 'namespace'",
        "sindex-create:indexname=x;ns=" + "n" * 40 + ";bin=a;type=numeric": "ERROR:20:'ns' value too long",
        "sindex-create:indexname=x;namespace=test;bin=a": "ERROR:4:both 'indexdata' and 'type' are missing",
        "sindex-create:indexname=x;namespace=test;bin=a;type=numeric;indexdata=a,numeric":
            "ERROR:4:both 'indexdata' and 'type' are specified",
        "sindex-create:indexname=x;namespace=test;bin=a;type=float":
            "ERROR:4:bad 'type' - must be one of 'numeric', 'string', 'blob', 'geo2dsphere'",
        "sindex-create:indexname=x;namespace=test;type=numeric": "ERROR:4:both 'bin' and 'exp' are missing",
        "sindex-create:indexname=x;namespace=test;bin=a;exp=kwI=;type=numeric":
            "ERROR:4:both 'bin' and 'exp' are specified",
        "sindex-create:indexname=x;namespace=test;bin=a;type=numeric;indextype=tree":
            "ERROR:4:bad 'indextype' - must be one of 'default', 'list', 'mapkeys', 'mapvalues'",
        "sindex-create:indexname=x;namespace=test;bin=a;type=geo2dsphere;indextype=mapkeys":
            "ERROR:4:bad 'indexdata' bin type for 'indextype' 'mapkeys' - must be one of 'numeric', 'string', 'blob'",
        "sindex-create:indexname=x;namespace=test;indexdata=a": "ERROR:4:'indexdata' missing bin type",
        "sindex-create:indexname=x;namespace=test;indexdata=,numeric": "ERROR:4:'indexdata' missing bin name",
        "sindex-create:indexname=x;namespace=test;context=@@;bin=a;type=numeric": "ERROR:4:'context' invalid base64",
        "sindex-create:indexname=x;namespace=test;context=kQE=;bin=a;type=numeric":
            "ERROR:4:'context' invalid cdt context",
        "sindex-create:indexname=x;namespace=test;bin=a;set=s;indextype=set": "ERROR:4:bin parameter is not supported for set index",
        "sindex-create:indexname=x;namespace=nope;bin=a;type=numeric": "ERROR:20:namespace not found on node",
        "sindex-stat:namespace=test;indexname=none_such": "ERROR:201:no index",
        "sindex-stat:namespace=nope;indexname=x": "ERROR:20:namespace not found on node",
        "sindex/test/none_such": "ERROR:201:no index",
        "sindex-exists:namespace=test;indexname=none_such": "false",
        # A delete of an index that does not exist is fine.
        "sindex-delete:namespace=test;indexname=none_such": "ok",
    }
    for command, expected in cases.items():
        assert raw(server, command) == expected, command
    # An expression that reads no bin, or reads metadata, is refused; so is one of another type.
    for bad in [exp.Add(exp.DigestMod(3), exp.TTL()), exp.Val(1)]:
        b64 = client.get_expression_base64(bad.compile())
        answer = raw(server, f"sindex-create:indexname=x;namespace=test;exp={b64};type=numeric")
        assert answer == "ERROR:4:bad 'exp'", answer
    b64 = client.get_expression_base64(exp.StrBin("s").compile())
    assert raw(server, f"sindex-create:indexname=x;namespace=test;exp={b64};type=numeric") == \
        "ERROR:4:bad 'exp' - expression type 'string' does not match expected type 'numeric'"

    # The same name with the same definition is ok; with another definition 200; the same
    # definition under a new name renames the index.
    indexes.append("e_b")
    create(client, "sindex-create:indexname=e_a;namespace=test;set=errs;bin=a;type=numeric")
    assert info(client, "sindex-create:indexname=e_a;namespace=test;set=errs;bin=a;type=numeric") == "ok"
    assert raw(server, "sindex-create:indexname=e_a;namespace=test;set=errs;bin=b;type=numeric") == \
        "ERROR:200:'indexname' already exists with different definition"
    assert info(client, "sindex-create:indexname=e_b;ns=test;set=errs;indexdata=a,NUMERIC") == "ok"
    assert info(client, "sindex-exists:namespace=test;indexname=e_a") == "false"
    assert info(client, "sindex-exists:namespace=test;indexname=e_b") == "true"


def test_kinds_listing_and_statistics(server, client, indexes):
    """Every kind of index is created, listed as Aerospike lists it, and counted."""
    s = "kinds"
    for i in range(20):
        client.put((NS, s, i), {"n": i, "s": f"v{i % 4}", "l": [i, i + 100], "m": {f"k{i % 2}": i}})
    # The official client's own calls (which wait on every node with sindex-stat).
    indexes.extend(["k_n", "k_s", "k_l", "k_mk", "k_mv", "k_set", "k_ctx", "k_exp"])
    client.index_integer_create(NS, s, "n", "k_n")
    client.index_string_create(NS, s, "s", "k_s")
    client.index_list_create(NS, s, "l", aerospike.INDEX_NUMERIC, "k_l")
    client.index_map_keys_create(NS, s, "m", aerospike.INDEX_STRING, "k_mk")
    client.index_map_values_create(NS, s, "m", aerospike.INDEX_NUMERIC, "k_mv")
    ctx = base64.b64encode(bytes([0x92, 0x22, 0xa3, 0x03]) + b"k0").decode()
    create(client, f"sindex-create:indexname=k_ctx;namespace=test;set={s};context={ctx};bin=m;type=integer")
    expr = client.get_expression_base64(exp.Add(exp.IntBin("n"), exp.Val(1000)).compile())
    create(client, f"sindex-create:indexname=k_exp;namespace=test;set={s};exp={expr};type=numeric")
    assert info(client, f"sindex-create:indexname=k_set;namespace=test;set={s};indextype=set") == "ok"

    listed = {parse_kv(item, ":")["indexname"]: parse_kv(item, ":")
              for item in info(client, "sindex-list:ns=test;b64=true").split(";") if item}
    assert listed["k_n"] == {"ns": "test", "indexname": "k_n", "set": s, "bin": "n", "type": "numeric",
                             "indextype": "default", "context": "null", "exp": "null", "state": "RW"}
    assert listed["k_l"]["indextype"] == "list" and listed["k_mk"]["indextype"] == "mapkeys"
    assert listed["k_mv"]["indextype"] == "mapvalues" and listed["k_s"]["type"] == "string"
    assert listed["k_ctx"]["context"] == ctx and listed["k_exp"]["exp"] == expr
    assert listed["k_exp"]["bin"] == "null"
    assert listed["k_set"] == {"ns": "test", "indexname": "k_set", "set": s, "indextype": "set"}
    assert raw(server, "sindex-list:ns=test;b64=maybe") == "ERROR:4:bad b64"

    stat = parse_kv(info(client, "sindex-stat:namespace=test;indexname=k_n"))
    assert stat["entries"] == "20" and stat["load_pct"] == "100" and stat["entries_per_rec"] == "1"
    assert int(stat["used_bytes"]) > 0
    assert parse_kv(info(client, "sindex-stat:namespace=test;indexname=k_l"))["entries"] == "40"
    assert parse_kv(info(client, "sindex-stat:namespace=test;indexname=k_mk"))["entries"] == "20"
    # Only the records whose map has key k0 (even i) hold a value in the context index.
    assert parse_kv(info(client, "sindex-stat:namespace=test;indexname=k_ctx"))["entries"] == "10"
    assert parse_kv(info(client, "sindex-stat:namespace=test;indexname=k_set"))["entries"] == "20"
    assert parse_kv(info(client, "sindex/test/k_s"))["entries"] == "20"
    assert "indexname=k_n" in info(client, "sindex") and "indexname=k_n" in info(client, "sindex/test")
    assert "test|kinds|n|.|I=k_n" in info(client, "smd-show:module=sindex")
    client.index_remove(NS, "k_n")
    assert info(client, "sindex-exists:namespace=test;indexname=k_n") == "false"
    assert "indexname=k_n:" not in info(client, "sindex-list")


def write_query_records(client, s, n):
    """Records with every kind of indexed value; returns them by digest."""
    records = {}
    for i in range(n):
        bins = {
            "i": i,
            "s": f"name{i % 7}",
            "b": bytearray([i % 5]),
            "l": [i % 11, (i * 3) % 11],
            "m": {f"k{i % 3}": i % 13, "fixed": i},
            "loc": aerospike.GeoJSON({"type": "Point", "coordinates": [i % 20 * 0.1, i % 20 * 0.1]}),
            "area": aerospike.GeoJSON({"type": "Polygon", "coordinates": [[
                [i % 4 * 10, 0], [i % 4 * 10 + 5, 0], [i % 4 * 10 + 5, 5], [i % 4 * 10, 5], [i % 4 * 10, 0]]]}),
        }
        if i % 10 == 0:
            del bins["i"]  # records without the bin are in no index on it
        k = (NS, s, i)
        client.put(k, bins)
        records[bytes(aerospike.calc_digest(NS, s, i))] = bins
    return records


def test_queries_of_every_kind(client, indexes):
    s = "queries"
    records = write_query_records(client, s, 400)
    names = ["q_i", "q_s", "q_b", "q_l", "q_mk", "q_mv", "q_loc", "q_area", "q_ctx", "q_exp"]
    indexes.extend(names)
    create(client, f"sindex-create:indexname=q_i;namespace=test;set={s};bin=i;type=numeric")
    create(client, f"sindex-create:indexname=q_s;namespace=test;set={s};bin=s;type=string")
    create(client, f"sindex-create:indexname=q_b;namespace=test;set={s};bin=b;type=blob")
    create(client, f"sindex-create:indexname=q_l;namespace=test;set={s};bin=l;type=numeric;indextype=list")
    create(client, f"sindex-create:indexname=q_mk;namespace=test;set={s};bin=m;type=string;indextype=mapkeys")
    create(client, f"sindex-create:indexname=q_mv;namespace=test;set={s};bin=m;type=numeric;indextype=mapvalues")
    create(client, f"sindex-create:indexname=q_loc;namespace=test;set={s};bin=loc;type=geo2dsphere")
    create(client, f"sindex-create:indexname=q_area;namespace=test;set={s};bin=area;type=geo2dsphere")
    fixed_ctx = base64.b64encode(bytes([0x92, 0x22, 0xa6, 0x03]) + b"fixed").decode()
    create(client, f"sindex-create:indexname=q_ctx;namespace=test;set={s};bin=m;context={fixed_ctx};type=numeric")
    plus = exp.Add(exp.IntBin("i"), exp.Val(1000)).compile()
    b64 = client.get_expression_base64(plus)
    create(client, f"sindex-create:indexname=q_exp;namespace=test;set={s};exp={b64};type=numeric")

    def want(pred):
        return sorted(d for d, b in records.items() if pred(b))

    assert digests_of(query(client, s, p.between("i", 100, 149))) == want(lambda b: 100 <= b.get("i", -1) <= 149)
    assert digests_of(query(client, s, p.equals("i", 7))) == want(lambda b: b.get("i") == 7)
    assert digests_of(query(client, s, p.equals("s", "name3"))) == want(lambda b: b["s"] == "name3")
    assert digests_of(query(client, s, p.equals("b", bytearray([2])))) == want(lambda b: b["b"] == bytearray([2]))
    assert digests_of(query(client, s, p.contains("l", aerospike.INDEX_TYPE_LIST, 4))) == \
        want(lambda b: 4 in b["l"])
    # A range on a list index answers each record once, however many elements match.
    assert digests_of(query(client, s, p.range("l", aerospike.INDEX_TYPE_LIST, 2, 6))) == \
        want(lambda b: any(2 <= x <= 6 for x in b["l"]))
    assert digests_of(query(client, s, p.contains("m", aerospike.INDEX_TYPE_MAPKEYS, "k1"))) == \
        want(lambda b: "k1" in b["m"])
    assert digests_of(query(client, s, p.range("m", aerospike.INDEX_TYPE_MAPVALUES, 5, 8))) == \
        want(lambda b: any(5 <= v <= 8 for v in b["m"].values()))
    assert digests_of(query(client, s, p.between("m", 10, 20), ctx=[cdt_ctx.cdt_ctx_map_key("fixed")])) == \
        want(lambda b: 10 <= b["m"]["fixed"] <= 20)
    q = client.query(NS, s)
    q.where_with_expr(plus, p.between(None, 1100, 1120))
    assert digests_of(q.results()) == want(lambda b: 100 <= b.get("i", -1) <= 120)
    q = client.query(NS, s)
    q.where_with_index_name("q_exp", p.equals(None, 1005))
    assert digests_of(q.results()) == want(lambda b: b.get("i") == 5)

    # Geo: points within a circle and a polygon, regions containing a point.
    def near(b, r_deg):
        lng, lat = b["loc"].unwrap()["coordinates"]
        return (lng ** 2 + lat ** 2) ** 0.5 <= r_deg
    got = query(client, s, p.geo_within_radius("loc", 0.0, 0.0, 50_000))
    assert digests_of(got) == want(lambda b: near(b, 0.44))
    square = aerospike.GeoJSON({"type": "Polygon", "coordinates": [[[0.25, 0.25], [0.75, 0.25], [0.75, 0.75],
                                                                     [0.25, 0.75], [0.25, 0.25]]]})
    got = query(client, s, p.geo_within_geojson_region("loc", square.dumps()))
    assert digests_of(got) == want(lambda b: 0.25 <= b["loc"].unwrap()["coordinates"][0] <= 0.75)
    got = query(client, s, p.geo_contains_point("area", 12.0, 2.0))
    assert digests_of(got) == want(lambda b: b["area"].unwrap()["coordinates"][0][0][0] == 10)

    # Selected bins, and a filter expression on top of the index.
    q = client.query(NS, s)
    q.select("s")
    q.where(p.between("i", 1, 5))
    assert all(set(bins) == {"s"} for _, _, bins in q.results())
    filtered = query(client, s, p.between("i", 100, 199),
                     policy={"expressions": exp.Eq(exp.StrBin("s"), "name1").compile()})
    assert digests_of(filtered) == want(lambda b: 100 <= b.get("i", -1) <= 199 and b["s"] == "name1")
    # A filter of the wrong type is a bad request.
    with pytest.raises(ex.AerospikeError) as e:
        query(client, s, p.between("i", 1, 5), policy={"expressions": exp.Eq(exp.IntBin("i"), "x").compile()})
    assert e.value.code == 4
    # No such index: 201.
    with pytest.raises(ex.IndexNotFound):
        query(client, s, p.equals("nobin", 1))


def test_pagination_visits_every_record_once(client, indexes):
    s = "pages"
    records = write_query_records(client, s, 600)
    indexes.append("p_i")
    create(client, f"sindex-create:indexname=p_i;namespace=test;set={s};bin=i;type=numeric")
    want = sorted(d for d, b in records.items() if 50 <= b.get("i", -1) <= 449)
    q = client.query(NS, s)
    q.where(p.between("i", 50, 449))
    q.max_records = 37
    q.paginate()
    seen = []
    for _ in range(100):
        page = q.results()
        assert len(page) <= 37
        seen += [bytes(key[3]) for key, _, _ in page]
        if q.is_done():
            break
    assert sorted(seen) == want
    # A partition range alone: its records, nothing else.
    part = client.query(NS, s)
    part.where(p.between("i", 0, 1000))
    got = part.results({"partition_filter": {"begin": 100, "count": 500}})
    in_range = sorted(d for d, b in records.items() if "i" in b and 100 <= (d[0] | (d[1] << 8)) % 4096 < 600)
    assert digests_of(got) == in_range


def test_index_stays_exact_through_changes(client, indexes):
    s = "exact"
    indexes.extend(["x_n", "x_l"])
    create(client, f"sindex-create:indexname=x_n;namespace=test;set={s};bin=n;type=numeric")
    create(client, f"sindex-create:indexname=x_l;namespace=test;set={s};bin=l;type=string;indextype=list")
    for i in range(50):
        client.put((NS, s, i), {"n": i, "l": ["a", f"x{i}"]})

    assert len(query(client, s, p.between("n", 0, 100))) == 50
    # An overwrite that changes the value moves the record; a bin delete and a record delete
    # take it out.
    client.put((NS, s, 3), {"n": 1003})
    client.put((NS, s, 4), {"n": None})
    client.remove((NS, s, 5))
    client.operate((NS, s, 6), [op.write("l", ["b"])])
    got = query(client, s, p.between("n", 0, 100))
    assert sorted(b["n"] for _, _, b in got) == [i for i in range(50) if i not in (3, 4, 5)]
    assert len(query(client, s, p.equals("n", 1003))) == 1
    assert len(query(client, s, p.contains("l", aerospike.INDEX_TYPE_LIST, "a"))) == 48
    assert parse_kv(info(client, "sindex-stat:namespace=test;indexname=x_n"))["entries"] == "48"
    # A record that expires leaves the results at once (and the index when it is reaped).
    client.put((NS, s, 7), {"n": 7}, meta={"ttl": 1})
    poll(lambda: client.exists((NS, s, 7))[1] is None, 10, desc="record 7 expired")
    assert all(b["n"] != 7 for _, _, b in query(client, s, p.between("n", 0, 100)))
    # Truncate: nothing of the set is found; a record written after it is.
    info(client, f"truncate:namespace=test;set={s}")
    assert query(client, s, p.between("n", 0, 2000)) == []
    client.put((NS, s, 100), {"n": 5})
    assert len(query(client, s, p.between("n", 0, 2000))) == 1
    poll(lambda: parse_kv(info(client, "sindex-stat:namespace=test;indexname=x_n"))["entries"] == "1", 10,
         desc="truncated records reaped from the index")


def test_background_query_and_query_show(client, indexes):
    s = "bg"
    indexes.append("bg_n")
    for i in range(300):
        client.put((NS, s, i), {"n": i, "touched": 0})
    create(client, f"sindex-create:indexname=bg_n;namespace=test;set={s};bin=n;type=numeric")
    q = client.query(NS, s)
    q.where(p.between("n", 100, 199))
    q.add_ops([op.write("touched", 1)])
    job = q.execute_background()
    wait_for_job(client, job)
    shown = parse_kv(info(client, f"query-show:id={job}"), ":")
    assert shown["status"] == "done(ok)" and shown["sindex-name"] == "bg_n" and shown["set"] == s
    assert shown["job-type"] == "background-ops" and shown["recs-succeeded"] == "100"
    assert shown["job-progress"] == "100.00"
    touched = sorted(b["n"] for _, _, b in client.query(NS, s).results() if b["touched"] == 1)
    assert touched == list(range(100, 200))
    assert f"trid={job}:" in info(client, "query-show")

    # A slow job (20 records a second) shows as active, and query-abort stops it.
    q = client.query(NS, s)
    q.where(p.between("n", 0, 299))
    q.records_per_second = 20
    q.add_ops([op.write("touched", 2)])
    slow = q.execute_background()
    assert parse_kv(info(client, f"query-show:id={slow}"), ":")["status"] == "active(ok)"
    assert info(client, f"query-abort:id={slow}") == "ok"
    poll(lambda: parse_kv(info(client, f"query-show:id={slow}"), ":")["status"] == "done(user-aborted)", 10,
         desc="the job stops")
    written = sum(1 for _, _, b in client.query(NS, s).results() if b["touched"] == 2)
    assert written < 300
    assert info(client, "query-abort-all").startswith("number-of-queries-killed:")

    stats = parse_kv(info(client, "namespace/test"))
    assert int(stats["si_query_ops_bg_complete"]) >= 1 and int(stats["si_query_ops_bg_abort"]) >= 1
    assert int(stats["si_query_long_basic_complete"]) >= 2 and int(stats["si_query_recs_succeeded"]) >= 100
    assert int(stats["pi_query_long_basic_complete"]) >= 2
    assert int(stats["sindex_used_bytes"]) > 0
    assert f"set={s}:" in info(client, f"sets/test/{s}") and ":sindexes=1:" in info(client, f"sets/test/{s}")


def test_indexes_survive_a_restart(start_server, new_client, tmp_path):
    """The definitions are kept in the work directory; after a restart the index is built again
    from the records on the device (a cold start) before the node serves."""
    from test_storage import device_config

    work = ["--work-directory", str(tmp_path / "work")]
    config = device_config(tmp_path / "test.dat", commit=True)
    # Formatted for one shard, restarted with two: the second shard holds no store of the
    # namespace and must still answer queries and index commands.
    srv = start_server(config, extra_args=work + ["--service-threads", "1"])
    c = new_client(srv)
    for i in range(200):
        c.put((NS, "restart", i), {"n": i})
    c.index_integer_create(NS, "restart", "n", "r_n")
    c.put((NS, "restart", 1000), {"n": 15})
    assert srv.stop() == 0, srv.stderr_tail()

    srv = start_server(config, extra_args=work + ["--service-threads", "2"])
    c = new_client(srv)
    # Built from the records before the node serves.
    stat = parse_kv(info(c, "sindex-stat:namespace=test;indexname=r_n"))
    assert stat["load_pct"] == "100" and stat["entries"] == "201", stat
    for _ in range(8):  # over several connections, so both shards take some
        q = new_client(srv).query(NS, "restart")
        q.where(p.between("n", 10, 19))
        assert sorted(b["n"] for _, _, b in q.results()) == sorted(list(range(10, 20)) + [15])


def test_geo2dsphere_within_settings(start_server, new_client):
    """The namespace's geo2dsphere-within settings shape region queries: with coarse cells and
    strict false a point far outside the region but in one of its cells is answered; strict
    (the default) checks every candidate against the region."""
    from scramjet_e2e import namespace_config

    answers = {}
    for strict in ("false", "true"):
        geo = f"    geo2dsphere-within {{\n        max-level 1\n        max-cells 1\n        strict {strict}\n    }}\n"
        srv = start_server(namespace_config(extra_ns=geo))
        c = new_client(srv)
        config = parse_kv(info(c, "get-config:context=namespace;id=test"))
        assert config["geo2dsphere-within.max-level"] == "1" and config["geo2dsphere-within.strict"] == strict
        for i, (lng, lat) in enumerate([(0.5, 0.5), (20.0, 20.0)]):
            c.put((NS, "geo", i), {"loc": aerospike.GeoJSON({"type": "Point", "coordinates": [lng, lat]})})
        c.index_geo2dsphere_create(NS, "geo", "loc", "g_loc")
        square = aerospike.GeoJSON({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]})
        answers[strict] = sorted(b["loc"].unwrap()["coordinates"][0]
                                 for _, _, b in query(c, "geo", p.geo_within_geojson_region("loc", square.dumps())))
    assert answers["true"] == [0.5]
    assert answers["false"] == [0.5, 20.0]
    bad = start_server(namespace_config(extra_ns="    geo2dsphere-within {\n        max-cells 0\n    }\n"), wait=False)
    assert bad.wait_exit(10) != 0 and "max-cells" in bad.stderr_tail()


def test_malformed_queries_get_4_and_the_node_keeps_serving(server, client, indexes):
    """Hostile query messages (PROTOCOL-DATA.md §D.2): each answers one message with result 4
    (or 201/16 where Aerospike says), never a crash, and queries go on working."""
    import struct

    s = "hostile"
    indexes.append("h_n")
    for i in range(20):
        client.put((NS, s, i), {"n": i})
    create(client, f"sindex-create:indexname=h_n;namespace=test;set={s};bin=n;type=numeric")

    def int_range(bin_name=b"n", begin=1, end=5, n_ranges=1, ptype=1, blen=8):
        return (bytes([n_ranges, len(bin_name)]) + bin_name + bytes([ptype]) + struct.pack(">I", blen)
                + struct.pack(">q", begin) + struct.pack(">I", 8) + struct.pack(">q", end))

    def query_result(range_field, extra=(), info3=0x04):
        fields = [aswire.field(aswire.FIELD_NAMESPACE, b"test"), aswire.field(aswire.FIELD_SET, s.encode()),
                  aswire.field(11, struct.pack("<H", 0)), aswire.field(22, range_field), *extra]
        body = aswire.as_msg(info1=aswire.INFO1_READ, info3=info3, fields=fields)
        return aswire.msg_result(server.host, server.port, body)["result_code"]

    cases = [
        (int_range(n_ranges=2), (), 4),                      # one range only
        (int_range(begin=9, end=1), (), 4),                  # begin past end
        (int_range(blen=4), (), 4),                          # an integer of 4 bytes
        (int_range()[:7], (), 4),                            # cut short
        (int_range(ptype=2), (), 4),                         # floats are not indexed
        (int_range(bin_name=b"x" * 16), (), 4),              # bin name too long
        (int_range(bin_name=b"other"), (), 201),             # no index on that bin
        (int_range(), [aswire.field(26, b"\x07")], 4),       # unknown index type
        (int_range(), [aswire.field(21, b"")], 4),           # empty index name
        (int_range(bin_name=b""), [aswire.field(21, b"h_n"), aswire.field(24, b"\x90")], 4),
        (int_range(), [aswire.field(23, b"\xc1")], 4),       # a context that is not msgpack
        (int_range(), [aswire.field(12, b"\x00" * 20)], 4),  # resume digest without its key
        (bytes([1, 1]) + b"n" + bytes([23]) + struct.pack(">I", 5) + b"{bad}" + struct.pack(">I", 0), (), 4),
        (int_range(), (), 16),                               # no PARTITION_DONE flag (below)
    ]
    for i, (range_field, extra, want) in enumerate(cases):
        got = query_result(range_field, extra, info3=0 if want == 16 else 0x04)
        assert got == want, f"case {i}: {got}"
    q = client.query(NS, s)
    q.where(p.between("n", 3, 6))
    assert sorted(b["n"] for _, _, b in q.results()) == [3, 4, 5, 6]
