"""Secondary indexes (and UDF modules) in a cluster (issue 15): a definition made on one node is
known to every node when the command answers, a node that restarts empty or was cut off gets the definitions
from the others, and queries answer each matching record once from the partitions' masters,
also while partitions migrate."""

import aerospike
import pytest
from aerospike import predicates as p

from scramjet_e2e import LUA_USER_PATH, netns_available, poll
from test_cluster_data import POLICIES, client_for, info, kv, netns_cluster, start_cluster, wait_ready


def listed(srv):
    return {kv_item.split("=", 1)[1] for item in info(srv, "sindex-list").split(";") if item
            for kv_item in item.split(":") if kv_item.startswith("indexname=")}


def built_everywhere(servers, name):
    return all(kv(info(s, f"sindex-stat:namespace=test;indexname={name}")).get("load_pct") == "100" for s in servers)


def matching(client, lo, hi):
    q = client.query("test", "cs")
    q.where(p.between("n", lo, hi))
    return sorted(b["n"] for _, _, b in q.results())


def test_an_index_made_on_one_node_is_on_every_node(start_server):
    servers, texts = start_cluster(start_server, 3, 0x51)
    client = client_for(servers)
    n = 900
    for i in range(n):
        client.put(("test", "cs", i), {"n": i})
    wait_ready(servers, 2 * n, desc="two copies")
    # Made through the last node: every node knows the index as soon as it answers.
    assert info(servers[2], "sindex-create:namespace=test;set=cs;indexname=cs_n;bin=n;type=numeric") == "ok"
    for s in servers:
        assert "load_pct=" in info(s, "sindex-stat:namespace=test;indexname=cs_n"), s
        assert info(s, "sindex-exists:namespace=test;indexname=cs_n") == "true"
    poll(lambda: built_everywhere(servers, "cs_n"), 20, desc="built on every node")
    # A UDF module registered through one node is listed by every node when it answers.
    import base64
    code = base64.b64encode(b"function f(rec) return 1 end").decode()
    assert info(servers[1], f"udf-put:filename=cs.lua;content={code};content-len={len(code)};udf-type=LUA;") == "ok"
    for s in servers:
        assert "filename=cs.lua,hash=" in info(s, "udf-list"), s
    # Replicas are indexed too: entries count every copy.
    entries = sum(int(kv(info(s, "sindex-stat:namespace=test;indexname=cs_n"))["entries"]) for s in servers)
    assert entries == 2 * n
    assert matching(client, 100, 299) == list(range(100, 300))

    # A node killed and started again, empty, gets the definition back and builds it; a query
    # while its partitions migrate back answers every record once.
    servers[1].kill()
    wait_ready([servers[0], servers[2]], None, desc="the survivors agree", deadline_s=30)
    back = start_server(texts[1])
    everyone = [servers[0], back, servers[2]]
    poll(lambda: "cs_n" in listed(back), 20, desc="the restarted node has the index")
    poll(lambda: "filename=cs.lua," in info(back, "udf-list"), 20, desc="the restarted node has the module")
    for _ in range(5):
        try:
            got = matching(client, 0, n)
        except aerospike.exception.AerospikeError:
            continue  # the client's map is catching up with the change
        assert got == list(range(n)), f"{len(got)} records, {len(set(got))} distinct"
    wait_ready(everyone, 2 * n, desc="two copies after the restart", deadline_s=40)
    poll(lambda: built_everywhere(everyone, "cs_n"), 20, desc="built on every node after the restart")
    client.close()
    client = client_for(everyone)
    assert matching(client, 0, n) == list(range(n))

    # Dropped through another node: gone everywhere when it answers.
    assert info(servers[0], "sindex-delete:namespace=test;indexname=cs_n") == "ok"
    for s in everyone:
        assert info(s, "sindex-exists:namespace=test;indexname=cs_n") == "false"
    with pytest.raises(aerospike.exception.IndexNotFound):
        matching(client, 0, n)
    client.close()


@pytest.mark.skipif(not netns_available(), reason="needs root and iproute2 for network namespaces")
def test_a_node_cut_off_while_an_index_is_made_has_it_after_the_heal(tmp_path):
    run, nodes = netns_cluster(tmp_path, "s", 79, 37)
    try:
        assert "3 nodes agree" in run("start", "3")
        wait_ready(nodes, desc="three nodes with their map")
        assert info(nodes[0], "sindex-create:namespace=test;indexname=early;bin=e;type=string") == "ok"
        run("cut", "0")
        wait_ready(nodes[1:], desc="the majority side without node 0")
        assert info(nodes[1], "sindex-create:namespace=test;indexname=late;bin=l;type=numeric") == "ok"
        assert info(nodes[2], "sindex-delete:namespace=test;indexname=early") == "ok"
        run("heal", "0")
        wait_ready(nodes, desc="merged", deadline_s=40)
        poll(lambda: all(listed(s) == {"late"} for s in nodes), 20,
             desc="every node has the index made, and not the one dropped, while node 0 was away")
        client = aerospike.client({"hosts": [(nodes[1].host, 3000)], "policies": POLICIES, "lua": {"user_path": LUA_USER_PATH}}).connect()
        for i in range(50):
            client.put(("test", None, i), {"l": i})
        q = client.query("test", None)
        q.where(p.between("l", 10, 19))
        assert sorted(b["l"] for _, _, b in q.results()) == list(range(10, 20))
        client.close()
    finally:
        run("stop")
