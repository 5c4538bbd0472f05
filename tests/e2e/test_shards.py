"""Shards: any number of them (more than the CPUs too) serves every key, whichever shard a
connection lands on; requests for another shard's partitions cross the channel mesh."""

import threading

import pytest

from scramjet_e2e import info, namespace_config, parse_kv


@pytest.mark.parametrize("shards", [1, 3, 4])
def test_every_shard_count_serves_all_keys(start_server, new_client, shards):
    srv = start_server(namespace_config(), extra_args=("--service-threads", str(shards)))
    stats = parse_kv(info(new_client(srv), "statistics"))
    assert stats["service_threads"] == str(shards)

    # Several clients, so connections land on different shards; 400 keys cover every shard's
    # partitions, so most requests are for another shard than the one that accepted them.
    errors = []

    def work(worker):
        try:
            c = new_client(srv)
            for i in range(100):
                k = ("test", "shards", f"{worker}-{i}")
                c.put(k, {"w": worker, "i": i})
                _, meta, bins = c.get(k)
                assert bins == {"w": worker, "i": i} and meta["gen"] == 1, (k, meta, bins)
            c.close()
        except Exception as e:  # reported below with the worker number
            errors.append((worker, repr(e)))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    c = new_client(srv)
    assert parse_kv(info(c, "namespace/test"))["objects"] == "400"
    sets = info(c, "sets/test/shards")
    assert "objects=400:" in sets, sets


def test_a_crashed_node_listens_again_on_its_port_at_once(start_server):
    """After a SIGKILL with clients connected, the server's side of their connections sits in
    TIME_WAIT for a minute; a restart on the same ports must not be refused meanwhile."""
    from scramjet_e2e import ScramjetServer
    import aswire
    srv = start_server()
    conns = [aswire.connect(srv.host, srv.port) for _ in range(8)]
    for c in conns:
        aswire.request(c, aswire.proto(aswire.TYPE_INFO, b"node\n"))
    srv.kill()
    for c in conns:
        c.close()
    again = ScramjetServer(port=srv.port)
    try:
        again.spawn().wait_ready()
        assert aswire.info_raw(again.host, again.port, ["status"]).strip().endswith("ok")
    finally:
        again.stop()
