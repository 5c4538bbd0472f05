"""Small differences from Aerospike in commands that already worked (issue 19), checked with
the official Python client; expected answers from Aerospike CE 8.1.2's source (cited per test)."""

import pytest

import aerospike
import aswire
from aerospike import exception as ex


def test_select_of_no_bins_is_a_parameter_error(client, key):
    """read.c read_local: a read without GET_ALL that names no bin answers AS_ERR_PARAMETER."""
    k = key()
    client.put(k, {"a": 1})
    with pytest.raises(ex.AerospikeError) as info:
        client.select(k, [])
    assert info.value.code == 4


def test_bin_names_in_reads(server, client, key):
    """read.c: as_bin_name_check refuses names of 16 bytes or more (21); an empty name names no
    bin, so nothing comes back for it."""
    k = key()
    client.put(k, {"a": 1})
    digest = bytes(aerospike.calc_digest(k[0], k[1], k[2]))
    for name, code in (("x" * 16, 21), ("", 0)):
        body = aswire.as_msg(info1=aswire.INFO1_READ, fields=aswire.key_fields(set_name=k[1], digest=digest),
                             ops=[aswire.op(aswire.OP_READ, name)])
        result = aswire.msg_result(server.host, server.port, body)
        assert result["result_code"] == code, (name, result)
        if code == 0:
            assert result["n_ops"] == 0, "an empty name reads no bin"


def test_an_empty_info_request_gets_the_summary(server):
    """thr_info.c info_summary: with no command the node answers every command marked for the
    summary, in its order, starting with features, node, compatibility-id, edition."""
    text = aswire.info_raw(server.host, server.port, [])
    names = [line.split("\t", 1)[0] for line in text.strip("\n").split("\n")]
    assert names == ["features", "node", "compatibility-id", "edition", "build_ee_sha", "build_sha", "build_arch",
                     "build_time", "build_os", "build", "version", "statistics", "services-alumni", "services",
                     "partition-generation"], names
    values = dict(line.split("\t", 1) for line in text.strip("\n").split("\n"))
    assert values["build"] == aswire.info_raw(server.host, server.port, ["build"]).split("\t")[1].strip()
    assert values["node"] and "cluster_size=" in values["statistics"]


def _ttl(client, k):
    """The record's TTL, read without touching it."""
    return client.get(k, policy={"read_touch_ttl_percent": -1})[1]["ttl"]


def _aged(client, k, ttl):
    """Waits until the record has aged at least a second (its TTL reads below `ttl`): a touch
    only shows once the clock has moved past the write's second."""
    from scramjet_e2e import poll

    poll(lambda: _ttl(client, k) < ttl, 5, desc="a second passes")


def test_read_touch_ttl_percent(client, key, server):
    """read_touch.c as_read_touch_check: a read with read-touch-ttl-pct p of a record with less
    than p% of its TTL left resets its expiry to now + its TTL, without a new generation; -1
    never touches; 0 uses the namespace's default-read-touch-ttl-pct (0: never)."""
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": 1000})
    _aged(client, k, 1000)
    before = _ttl(client, k)
    client.get(k, policy={"read_touch_ttl_percent": -1})
    client.get(k, policy={"read_touch_ttl_percent": 0})
    assert _ttl(client, k) <= before, "never, and the default 0, do not touch"
    # 100%: any remaining TTL is under it.
    _, meta, _ = client.get(k, policy={"read_touch_ttl_percent": 100})
    after = _ttl(client, k)
    assert after > before and after >= 999, (before, after)
    assert meta["gen"] == 1 and client.get(k)[1]["gen"] == 1, "a read-touch is no new generation"
    # Operate with only reads, and batch reads, touch too.
    from aerospike_helpers.operations import operations as op
    for read in (lambda p: client.operate(k, [op.read("a")], policy=p),
                 lambda p: client.batch_read([k], policy=p)):
        _aged(client, k, after)
        aged = _ttl(client, k)
        read({"read_touch_ttl_percent": 100})
        after = _ttl(client, k)
        assert after > aged, (aged, after)


def test_read_touch_namespace_default(client, key, server):
    """default-read-touch-ttl-pct applies to reads that send 0 (the clients' default)."""
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": 1000})
    assert aswire.info_raw(server.host, server.port, ["set-config:context=namespace;id=test;default-read-touch-ttl-pct=100"]).endswith("\tok\n")
    try:
        _aged(client, k, 1000)
        before = _ttl(client, k)
        client.get(k)
        assert _ttl(client, k) > before
    finally:
        aswire.info_raw(server.host, server.port, ["set-config:context=namespace;id=test;default-read-touch-ttl-pct=0"])


def test_generation_after_delete_in_memory(client, key):
    """Issue 19 item 6 on the memory engine: a plain delete restarts the generation at 1, a
    durable delete carries it on (its tombstone is kept until the tomb raider's age)."""
    plain, durable = key("plain"), key("durable")
    for k in (plain, durable):
        for n in range(3):
            client.put(k, {"n": n})
    client.remove(plain)
    client.remove(durable, policy={"durable_delete": True})
    for k in (plain, durable):
        with pytest.raises(ex.RecordNotFound):
            client.get(k)
        client.put(k, {"n": "again"})
    assert client.get(plain)[1]["gen"] == 1
    assert client.get(durable)[1]["gen"] == 4
