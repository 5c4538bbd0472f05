"""Our Python package (`pip install ./client-c-abi/python`) against scramjetd: its API, its
errors, the same scenario run with the official client giving the same outcomes, a node that
stops answering, bad hosts, many threads, and shard-aware routing."""

import os
import signal
import threading
import time

import aerospike
import pytest

import scramjet
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
