"""Lua UDFs in a cluster (issue 16): a module registered through the client is on every node
when `udf_put` returns; record UDF writes run on each record's master and replicate, so they
survive the master's loss; background UDFs and aggregations cover every partition once."""

import os

from aerospike import predicates as p

from scramjet_e2e import LUA_USER_PATH, poll, wait_for_job
from test_cluster_data import client_for, info, start_cluster, wait_ready

MODULE = r"""
function add(rec, bin, n)
  rec[bin] = (rec[bin] or 0) + n
  if aerospike:exists(rec) then aerospike:update(rec) else aerospike:create(rec) end
  return rec[bin]
end

local function plus(a, b) return a + b end

function total(stream, bin)
  return stream : map(function(rec) return rec[bin] end) : reduce(plus)
end
"""


def test_udfs_across_three_nodes(start_server):
    servers, texts = start_cluster(start_server, 3, 0x61)
    client = client_for(servers)
    path = os.path.join(LUA_USER_PATH, "clusterudf.lua")
    with open(path, "w") as f:
        f.write(MODULE)
    client.udf_put(path)
    for s in servers:
        assert "filename=clusterudf.lua," in info(s, "udf-list"), s
    n = 600
    for i in range(n):
        assert client.apply(("test", "cu", i), "clusterudf", "add", ["v", i]) == i
    for i in range(0, n, 2):
        assert client.apply(("test", "cu", i), "clusterudf", "add", ["v", 1]) == i + 1
    wait_ready(servers, 2 * n, desc="two copies of every UDF-written record")

    # A background UDF over the set, then an aggregation: each partition once.
    scan = client.query("test", "cu")
    scan.apply("clusterudf", "add", ["v", 1000])
    wait_for_job(client, scan.execute_background())
    expected = [i + (1 if i % 2 == 0 else 0) + 1000 for i in range(n)]
    assert [client.get(("test", "cu", i))[2]["v"] for i in range(n)] == expected
    agg = client.query("test", "cu")
    agg.apply("clusterudf", "total", ["v"])
    assert agg.results() == [sum(expected)]

    # The writes replicated: with a node gone, every value is still there.
    servers[2].kill()
    wait_ready(servers[:2], None, desc="the survivors agree", deadline_s=30)
    client.close()
    client = client_for(servers[:2])

    def all_there():
        try:
            return [client.get(("test", "cu", i))[2]["v"] for i in range(n)] == expected
        except Exception:
            return False

    poll(all_there, 20, desc="every UDF write readable after losing a node")
    client.close()
