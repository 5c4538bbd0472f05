"""Shards: any number of them (more than the CPUs too) serves every key, whichever shard a
connection lands on; requests for another shard's partitions cross the channel mesh."""

import socket
import threading

import pytest

import aswire
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


def _put(sock, digest, bins):
    """Writes `bins` ({name: (particle type, bytes)}) to the record `digest`; asserts success."""
    ops = [aswire.op(aswire.OP_WRITE, name, ptype, value) for name, (ptype, value) in bins.items()]
    msg = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest), ops=ops)
    _, _, rbody = aswire.request(sock, aswire.proto(aswire.TYPE_MSG, msg))
    assert aswire.parse_as_msg(rbody)["result_code"] == 0


def _read_all(digest):
    msg = aswire.as_msg(info1=aswire.INFO1_READ | aswire.INFO1_GET_ALL, fields=aswire.key_fields(digest=digest))
    return aswire.proto(aswire.TYPE_MSG, msg)


def test_commands_sent_without_waiting_are_answered_in_order(start_server):
    """The shard that owns a record answers on the client's socket itself; a client that sends
    many commands before reading (records on every shard, info in between) still gets each
    answer in the order it asked."""
    srv = start_server(namespace_config(), extra_args=("--service-threads", "3"))
    digests = [aswire.random_digest() for _ in range(60)]
    with aswire.connect(srv.host, srv.port) as s:
        for i, digest in enumerate(digests):
            _put(s, digest, {"i": (aswire.PT_INTEGER, aswire.int_value(i))})
        asked = b""
        for i, digest in enumerate(digests):
            asked += _read_all(digest)
            if i % 10 == 9:
                asked += aswire.proto(aswire.TYPE_INFO, b"node\n")
        s.sendall(asked)
        for i in range(len(digests)):
            _, mtype, rbody = aswire.read_proto(s)
            assert mtype == aswire.TYPE_MSG, f"answer {i}: type {mtype}"
            assert aswire.parse_as_msg(rbody)["result_code"] == 0
            assert aswire.parse_bins(rbody) == {"i": (aswire.PT_INTEGER, aswire.int_value(i))}, f"answer {i}"
            if i % 10 == 9:
                _, mtype, text = aswire.read_proto(s)
                assert mtype == aswire.TYPE_INFO and text.startswith(b"node\t"), (i, mtype, text)
    stats = parse_kv(info(srv.client(), "statistics"))
    assert int(stats["shard_forwarded_requests"]) > 0, "some reads must have crossed shards"


def test_large_answers_wait_for_a_slow_reader(start_server):
    """Answers larger than the socket takes at once (a reader with a small receive buffer that
    asked for 10 MiB before reading any) arrive whole and in order, whichever shard wrote
    them; the connection then serves on."""
    srv = start_server(namespace_config(), extra_args=("--service-threads", "3"))
    digests = [aswire.random_digest() for _ in range(6)]
    blobs = [bytes([i]) * (256 << 10) for i in range(len(digests))]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 10)
    s.settimeout(30.0)
    s.connect((srv.host, srv.port))
    with s:
        for digest, blob in zip(digests, blobs):
            _put(s, digest, {"b": (aswire.PT_BLOB, blob)})
        order = [i % len(digests) for i in range(40)]
        s.sendall(b"".join(_read_all(digests[i]) for i in order))
        for n, i in enumerate(order):
            _, _, rbody = aswire.read_proto(s, deadline_s=30.0)
            assert aswire.parse_bins(rbody) == {"b": (aswire.PT_BLOB, blobs[i])}, f"answer {n} (record {i})"
        # The connection still serves, on every shard.
        for digest, blob in zip(digests, blobs):
            _, _, rbody = aswire.request(s, _read_all(digest), deadline_s=30.0)
            assert aswire.parse_bins(rbody) == {"b": (aswire.PT_BLOB, blob)}


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
