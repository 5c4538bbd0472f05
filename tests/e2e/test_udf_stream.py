"""Stream UDFs (aggregations) through the official Python client (PROTOCOL-DATA.md §E.3;
Aerospike's base/aggr.c, query/query.c): map, filter, aggregate and reduce run on the server up
to the first reduce, the client finishes with its own Lua; a sum and a group-by over a query
and over a scan (a query without a where clause), arguments, empty results, and Lua errors."""

import os

import pytest

import aswire
from scramjet_e2e import LUA_USER_PATH

import aerospike
from aerospike import exception as ex
from aerospike import predicates as p

MODULE = r"""
local function add(a, b) return a + b end

function sum(stream, bin)
  local function value(rec) return rec[bin] end
  return stream : map(value) : reduce(add)
end

function count(stream)
  return stream : map(function(rec) return 1 end) : reduce(add)
end

function sum_over(stream, bin, min)
  local function big(rec) return rec[bin] >= min end
  local function value(rec) return rec[bin] end
  return stream : filter(big) : map(value) : reduce(add)
end

function group_count(stream, bin)
  local function tally(groups, rec)
    local k = rec[bin]
    groups[k] = (groups[k] or 0) + 1
    return groups
  end
  local function merge(a, b) return map.merge(a, b, add) end
  return stream : aggregate(map(), tally) : reduce(merge)
end

function values(stream, bin)
  return stream : map(function(rec) return rec[bin] end)
end

function stats(stream, bin)
  local function acc(s, rec)
    s['n'] = s['n'] + 1
    s['sum'] = s['sum'] + rec[bin]
    return s
  end
  local function merge(a, b)
    local m = map()
    m['n'] = a['n'] + b['n']
    m['sum'] = a['sum'] + b['sum']
    return m
  end
  return stream : aggregate(map{n = 0, sum = 0}, acc) : reduce(merge)
end

function broken(stream)
  local function bad(rec) error('aggregation went wrong') end
  return stream : map(bad) : reduce(add)
end

function not_a_stream(stream)
  return 5
end
"""

N = 1000


@pytest.fixture(scope="module")
def aggr_client(server):
    # The client needs the module too, where its Lua looks (see scramjet_e2e.LUA_USER_PATH).
    path = os.path.join(LUA_USER_PATH, "aggr.lua")
    with open(path, "w") as f:
        f.write(MODULE)
    c = server.client()
    c.udf_put(path)
    for i in range(N):
        c.put(("test", "aggr", i), {"n": i, "g": f"g{i % 4}"})
    c.put(("test", "aggr_other", 1), {"n": 5000, "g": "x"})
    c.index_integer_create("test", "aggr", "n", "aggr_n_idx")
    yield c
    c.index_remove("test", "aggr_n_idx")
    c.udf_remove("aggr.lua")
    c.close()


def run(c, function, args, where=None):
    q = c.query("test", "aggr")
    if where is not None:
        q.where(where)
    q.apply("aggr", function, args)
    return q.results()


def test_sum_and_count_over_a_scan(aggr_client):
    assert run(aggr_client, "sum", ["n"]) == [N * (N - 1) // 2]
    assert run(aggr_client, "count", []) == [N]


def test_sum_over_a_query(aggr_client):
    assert run(aggr_client, "sum", ["n"], p.between("n", 100, 199)) == [sum(range(100, 200))]
    assert run(aggr_client, "sum_over", ["n", 150], p.between("n", 100, 199)) == [sum(range(150, 200))]


def test_group_by_over_a_scan_and_a_query(aggr_client):
    assert run(aggr_client, "group_count", ["g"]) == [{"g0": 250, "g1": 250, "g2": 250, "g3": 250}]
    assert run(aggr_client, "group_count", ["g"], p.between("n", 0, 9)) == [{"g0": 3, "g1": 3, "g2": 2, "g3": 2}]
    assert run(aggr_client, "stats", ["n"], p.between("n", 0, 9)) == [{"n": 10, "sum": 45}]


def test_without_a_reduce_every_value_comes_back(aggr_client):
    assert sorted(run(aggr_client, "values", ["n"], p.between("n", 10, 19))) == list(range(10, 20))


def test_nothing_selected_gives_nothing(aggr_client):
    assert run(aggr_client, "sum", ["n"], p.between("n", 10**6, 10**7)) == []


def test_lua_errors_end_the_aggregation(aggr_client):
    # The server sends a FAILURE value with Lua's message (see test_udf_stream_wire); the
    # Python client reports the code only.
    for function in ("broken", "not_a_stream", "no_such_function"):
        with pytest.raises(ex.UDFError) as e:
            run(aggr_client, function, [])
        assert e.value.code == 100
    # The node keeps serving.
    assert run(aggr_client, "count", []) == [N]


def stream_messages(sock):
    """Every as_msg of a scan's answer, until LAST: (header dict, {op name: value bytes})."""
    import struct
    out = []
    while True:
        _, _, body = aswire.read_proto(sock)
        while body:
            head = aswire.parse_as_msg(body)
            pos = aswire.AS_MSG_HEADER_SZ
            for _ in range(head["n_fields"]):
                size, = struct.unpack(">I", body[pos:pos + 4])
                pos += 4 + size
            ops = {}
            for _ in range(head["n_ops"]):
                size, = struct.unpack(">I", body[pos:pos + 4])
                name_len = body[pos + 7]
                name = body[pos + 8:pos + 8 + name_len].decode()
                ops[name] = body[pos + 8 + name_len:pos + 4 + size]
                pos += 4 + size
            out.append((head, ops))
            body = body[pos:]
            if head["info3"] & 1:
                return out


def test_a_lua_error_is_a_failure_value_then_the_end(server, aggr_client):
    fields = [
        aswire.field(0, b"test"), aswire.field(1, b"aggr"), aswire.field(33, b"\x01"),
        aswire.field(30, b"aggr"), aswire.field(31, b"broken"), aswire.field(32, b"\x90"),
    ]
    sock = aswire.connect(server.host, server.port)
    try:
        sock.sendall(aswire.proto(3, aswire.as_msg(info1=1, fields=fields)))
        messages = stream_messages(sock)
    finally:
        sock.close()
    failure = [(h, ops) for h, ops in messages if "FAILURE" in ops]
    assert failure, messages
    head, ops = failure[0]
    assert head["result_code"] == 100
    assert ops["FAILURE"].decode().startswith("UDF: Execution Error 2 : aggr.lua:")
    assert "aggregation went wrong" in ops["FAILURE"].decode()
    assert messages[-1][0]["result_code"] == 1
