"""Namespace / set statistics and a concurrency sanity check (fresh server per test, so the
counts are exact)."""

import threading

import pytest

from aerospike import exception as ex

from scramjet_e2e import info, parse_kv, poll

STATS_DEADLINE_S = 5  # counters may be aggregated across shards with a small delay


def ns_stats(c):
    return parse_kv(info(c, "namespace/test"))


def ns_stat(c, name):
    stats = ns_stats(c)
    assert name in stats, f"namespace/test has no {name}=; keys: {sorted(stats)}"
    return int(stats[name])


def set_objects(c):
    """{set_name: objects} from the `sets` info command (ns=test entries only)."""
    out = {}
    for entry in info(c, "sets").split(";"):
        if not entry:
            continue
        kv = parse_kv(entry, sep=":")
        if kv.get("ns") == "test" and "set" in kv:
            out[kv["set"]] = int(kv.get("objects", "-1"))
    return out


def wait_stat(c, name, expected):
    last = {}

    def check():
        last["v"] = ns_stat(c, name)
        return last["v"] == expected

    try:
        poll(check, STATS_DEADLINE_S, desc=f"{name} == {expected}")
    except AssertionError:
        raise AssertionError(f"namespace/test {name}: expected {expected}, got {last.get('v')}") from None


@pytest.fixture
def fresh(start_server, new_client):
    srv = start_server()
    return new_client(srv)


def test_objects_count(fresh):
    c = fresh
    assert ns_stat(c, "objects") == 0, "a fresh server starts with 0 objects"
    n = 37
    for i in range(n):
        c.put(("test", "cnt", i), {"i": i})
    wait_stat(c, "objects", n)
    for i in range(n):
        c.put(("test", "cnt", i), {"j": i})  # updates do not add objects
    wait_stat(c, "objects", n)
    for i in range(10):
        c.remove(("test", "cnt", i))
    wait_stat(c, "objects", n - 10)


def test_client_counters(fresh):
    c = fresh
    before = ns_stats(c)
    for name in ("client_write_success", "client_read_success", "client_read_not_found"):
        assert name in before, f"namespace/test should have {name}=; keys: {sorted(before)}"
    w0 = int(before["client_write_success"])
    r0 = int(before["client_read_success"])
    nf0 = int(before["client_read_not_found"])
    for i in range(5):
        c.put(("test", "ctr", i), {"i": i})
    for i in range(5):
        c.get(("test", "ctr", i))
    for i in range(3):
        with pytest.raises(ex.RecordNotFound):
            c.get(("test", "ctr", 100 + i))
    wait_stat(c, "client_write_success", w0 + 5)
    wait_stat(c, "client_read_success", r0 + 5)
    wait_stat(c, "client_read_not_found", nf0 + 3)


def test_sets_objects(fresh):
    c = fresh
    for i in range(3):
        c.put(("test", "alpha", i), {"i": i})
    for i in range(2):
        c.put(("test", "beta", i), {"i": i})
    last = {}

    def check():
        last["v"] = set_objects(c)
        return last["v"].get("alpha") == 3 and last["v"].get("beta") == 2

    try:
        poll(check, STATS_DEADLINE_S, desc="sets objects")
    except AssertionError:
        raise AssertionError(f"expected sets alpha=3 beta=2, got {last.get('v')}") from None
    c.remove(("test", "alpha", 0))
    poll(lambda: set_objects(c).get("alpha") == 2, STATS_DEADLINE_S,
         desc="alpha objects drops to 2 after a remove")


def test_concurrent_clients(fresh):
    c = fresh
    threads_n, per_thread = 4, 500
    errors = []

    def worker(t):
        try:
            for i in range(per_thread):
                k = ("test", "conc", f"t{t}-{i}")
                c.put(k, {"t": t, "i": i, "s": f"v{t}:{i}"})
                _, _, bins = c.get(k)
                if bins != {"t": t, "i": i, "s": f"v{t}:{i}"}:
                    errors.append(f"thread {t} key {i}: read back {bins}")
                    return
        except Exception as e:  # collected and reported by the main thread
            errors.append(f"thread {t}: {e!r}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=50)
    assert not any(th.is_alive() for th in threads), "worker threads did not finish in 50 s"
    assert not errors, f"{len(errors)} worker errors, first: {errors[:3]}"
    wait_stat(c, "objects", threads_n * per_thread)
    assert set_objects(c).get("conc") == threads_n * per_thread
