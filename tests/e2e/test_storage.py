"""Durable storage: file-backed namespaces keep their records across restarts and crashes,
never bring back deleted records, keep disk use bounded under overwrites, and refuse devices
laid out for another node shape."""

import random
import threading

import aerospike
import pytest
from aerospike import exception as ex

from scramjet_e2e import PORT_PLACEHOLDER, info, parse_kv, poll


def device_config(path, commit=False, flush_ms=1000, filesize="64M", direct_files=False):
    return f"""service {{
    proto-fd-idle-ms 10000
}}
network {{ service {{ address 127.0.0.1
                    port {PORT_PLACEHOLDER} }} }}
namespace test {{
    default-ttl 0
    nsup-period 1
    storage-engine device {{
        file {path}
        filesize {filesize}
        write-block-size 1M
        flush-max-ms {flush_ms}
        commit-to-device {"true" if commit else "false"}
        direct-files {"true" if direct_files else "false"}
        defrag-sleep 0
    }}
}}
"""


def ns_stats(c):
    return parse_kv(info(c, "namespace/test"))


def key(i):
    return ("test", "durable", i)


def bins_for(i, version):
    return {"i": i, "v": version, "s": f"value-{i}-{version}", "b": bytes([version % 256]) * 100, "l": [i, version]}


# Files are read and written through the page cache unless direct-files (as in Aerospike).
@pytest.mark.parametrize("direct_files", [False, True], ids=["page-cache", "direct-files"])
def test_restart_keeps_records_updates_and_deletes(start_server, new_client, tmp_path, direct_files):
    path = tmp_path / "test.dat"
    srv = start_server(device_config(path, direct_files=direct_files))
    c = new_client(srv)
    for i in range(300):
        c.put(key(i), bins_for(i, 1), policy={"key": aerospike.POLICY_KEY_SEND})
    for i in range(0, 300, 3):
        c.put(key(i), bins_for(i, 2))
    for i in range(1, 300, 5):
        c.remove(key(i))
    expected = {}
    for i in range(300):
        if i % 5 == 1:
            expected[i] = None
        else:
            expected[i] = (2 if i % 3 == 0 else 1)
    assert srv.stop() == 0, srv.stderr_tail()

    srv = start_server(device_config(path, direct_files=direct_files))
    c = new_client(srv)
    for i, version in expected.items():
        if version is None:
            with pytest.raises(ex.RecordNotFound):
                c.get(key(i))
        else:
            _, meta, bins = c.get(key(i))
            assert bins == bins_for(i, version), f"key {i}"
            assert meta["gen"] == version, f"key {i}: generation {meta['gen']}, expected {version}"
    stats = ns_stats(c)
    assert int(stats["objects"]) == 240, stats
    # Tombstones are dropped by defrag once no older copy can remain on the device.
    assert int(stats["tombstones"]) <= 60, stats
    assert "objects=240:" in info(c, "sets/test/durable")
    c.put(key(1), {"again": 1})
    assert c.get(key(1))[2] == {"again": 1}


def test_commit_to_device_survives_sigkill(start_server, new_client, tmp_path):
    path = tmp_path / "test.dat"
    srv = start_server(device_config(path, commit=True))
    c = new_client(srv)
    acked = {}       # key -> last acknowledged state (version, or None when deleted)
    in_flight = {}   # key -> state of the op sent when the server died
    stop = threading.Event()
    rng = random.Random(7)
    done = threading.Event()

    def writer():
        version = 0
        try:
            while not stop.is_set():
                i = rng.randrange(120)
                version += 1
                if rng.random() < 0.2:
                    in_flight[i] = None
                    try:
                        c.remove(key(i))
                    except ex.RecordNotFound:
                        pass
                    acked[i] = None
                else:
                    in_flight[i] = version
                    c.put(key(i), {"v": version})
                    acked[i] = version
                in_flight.pop(i, None)
        except Exception:
            pass  # the server was killed mid-request
        finally:
            done.set()

    t = threading.Thread(target=writer)
    t.start()
    watcher = new_client(srv)
    kill_after = rng.randrange(800, 2000)
    poll(lambda: int(ns_stats(watcher)["client_write_success"]) >= kill_after, 60,
         desc=f"{kill_after} acknowledged writes")
    srv.kill()
    stop.set()
    assert done.wait(30)
    t.join(timeout=30)

    srv = start_server(device_config(path, commit=True))
    c2 = new_client(srv)
    for i, state in acked.items():
        allowed = {state}
        if i in in_flight:
            allowed.add(in_flight[i])
        try:
            got = c2.get(key(i))[2]["v"]
        except ex.RecordNotFound:
            got = None
        assert got in allowed, f"key {i}: recovered {got}, acknowledged {state}, in flight {in_flight.get(i)}"


def test_default_mode_keeps_everything_flushed_before_a_crash(start_server, new_client, tmp_path):
    # Without commit-to-device a crash loses at most what was written in the last
    # flush-max-ms: once the server reports nothing unflushed, a SIGKILL loses nothing.
    path = tmp_path / "test.dat"
    srv = start_server(device_config(path, flush_ms=100))
    c = new_client(srv)
    for i in range(400):
        c.put(key(i), {"v": i})
    poll(lambda: ns_stats(c)["device_unflushed_bytes"] == "0", 10, desc="everything flushed")
    srv.kill()
    srv = start_server(device_config(path, flush_ms=100))
    c = new_client(srv)
    missing = [i for i in range(400) if not c.exists(key(i))[1]]
    assert not missing, f"{len(missing)} records lost although flushed: {missing[:10]}"


@pytest.mark.parametrize("post_write_cache", [None, "2M"], ids=["blocks-in-memory", "blocks-read-back"])
def test_overwrites_keep_disk_use_bounded(start_server, new_client, tmp_path, post_write_cache):
    # 64M device, 2 shards; 120 records of 100 KB (12 MB live) overwritten 20 times = 240 MB
    # written: defrag must reclaim the dead versions as fast as they appear. With a small
    # post-write cache, defrag reads most blocks back from the device (in pieces) first.
    path = tmp_path / "test.dat"
    config = device_config(path)
    if post_write_cache:
        config = config.replace("        defrag-sleep 0\n", f"        defrag-sleep 0\n        post-write-cache {post_write_cache}\n")
    srv = start_server(config)
    c = new_client(srv)
    value = b"x" * (100 * 1024)
    for round_ in range(20):
        for i in range(120):
            c.put(key(i), {"r": round_, "b": value})
    stats = ns_stats(c)
    assert int(stats["objects"]) == 120
    assert int(stats["defrag_blocks"]) > 100, stats
    assert int(stats["device_used_bytes"]) < 16 * 1024 * 1024, stats
    assert stats["stop_writes"] == "false", stats
    assert all(c.get(key(i))[2] == {"r": 19, "b": value} for i in range(120))


def test_changing_the_shard_count_keeps_every_record(start_server, new_client, tmp_path):
    # The device keeps the storage shards it was formatted with; any number of executors hosts
    # them (storage shard r on executor r mod n), so nothing moves and nothing is lost.
    path = tmp_path / "test.dat"
    srv = start_server(device_config(path), extra_args=("--service-threads", "2"))
    c = new_client(srv)
    for i in range(300):
        c.put(key(i), {"v": i})
    assert srv.stop() == 0
    version = 0
    for shards in ("1", "3", "4", "2"):
        srv = start_server(device_config(path), extra_args=("--service-threads", shards))
        c = new_client(srv)
        for i in range(300):
            assert c.get(key(i))[2] == {"v": i + version}, f"key {i} with {shards} shards"
        version += 1000
        for i in range(300):
            c.put(key(i), {"v": i + version})
        assert int(ns_stats(c)["objects"]) == 300
        assert srv.stop() == 0, srv.stderr_tail()


def test_device_of_another_namespace_is_refused(start_server, tmp_path):
    path = tmp_path / "test.dat"
    srv = start_server(device_config(path))
    assert srv.stop() == 0
    other = device_config(path).replace("namespace test {", "namespace other {")
    srv = start_server(other, wait=False)
    assert srv.wait_exit(20) not in (0, None)
    assert "belongs to namespace 'test'" in srv.stderr_tail(), srv.stderr_tail()


@pytest.fixture
def loop_device(tmp_path):
    """A 64 MiB loop block device backed by a file, for raw-device tests (needs root)."""
    import shutil
    import subprocess
    image = tmp_path / "disk.img"
    with open(image, "wb") as f:
        f.truncate(64 * 1024 * 1024)
    if shutil.which("losetup") is None:
        pytest.skip("losetup is not installed")
    made = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot create a loop device here: {made.stderr.strip()}")
    device = made.stdout.strip()
    yield device
    subprocess.run(["losetup", "-d", device], check=False)


def test_raw_block_device_keeps_records_across_restart(start_server, new_client, loop_device):
    config = device_config("UNUSED").replace("file UNUSED\n", f"device {loop_device}\n").replace(
        "        filesize 64M\n", "")
    srv = start_server(config)
    c = new_client(srv)
    for i in range(200):
        c.put(key(i), bins_for(i, 1))
    stats = ns_stats(c)
    assert int(stats["device_total_bytes"]) > 60 * 1024 * 1024 - 2 * 1024 * 1024, stats
    assert srv.stop() == 0, srv.stderr_tail()
    srv = start_server(config)
    c = new_client(srv)
    for i in range(200):
        assert c.get(key(i))[2] == bins_for(i, 1)


@pytest.mark.parametrize("direct_files", [False, True], ids=["page-cache", "direct-files"])
def test_records_beyond_the_post_write_cache_are_read_from_the_device(start_server, new_client, tmp_path,
                                                                       direct_files):
    # 4 MB of post-write cache (2 blocks per shard) and about 30 MB of records: most reads,
    # read-modify-writes and defrag moves must go to the device (its page cache, unless
    # direct-files).
    path = tmp_path / "test.dat"
    config = device_config(path, direct_files=direct_files).replace("        defrag-sleep 0\n", "        defrag-sleep 0\n        post-write-cache 4M\n")
    srv = start_server(config)
    c = new_client(srv)
    from aerospike_helpers.operations import operations as op
    value = b"d" * 20_000
    for i in range(1500):
        c.put(key(i), {"n": i, "b": value})
    for i in range(0, 1500, 7):
        c.operate(key(i), [op.increment("n", 1_000_000)])
    for i in range(1500):
        bins = c.get(key(i))[2]
        assert bins["n"] == i + (1_000_000 if i % 7 == 0 else 0) and bins["b"] == value, f"key {i}"
    assert int(ns_stats(c)["device_read_records"]) > 1000, ns_stats(c)
    assert srv.stop() == 0, srv.stderr_tail()
    srv = start_server(config)
    c = new_client(srv)
    for i in range(0, 1500, 3):
        assert c.get(key(i))[2]["n"] == i + (1_000_000 if i % 7 == 0 else 0), f"key {i} after restart"


def test_generation_after_a_delete_on_a_device(start_server, new_client, tmp_path):
    """A record re-created after a delete without the durable-delete flag starts at generation 1
    (Aerospike); with the flag it carries on (Aerospike Enterprise) while the tombstone is kept.
    The deletes, the re-created records and their generations survive a restart."""
    path = tmp_path / "test.dat"
    srv = start_server(device_config(path))
    c = new_client(srv)
    plain, durable = key("plain"), key("durable")
    for k in (plain, durable):
        for n in range(3):
            c.put(k, {"n": n})
        assert c.get(k)[1]["gen"] == 3
    c.remove(plain)
    c.remove(durable, policy={"durable_delete": True})
    gone = key("gone")
    c.put(gone, {"n": 0})
    c.remove(gone)
    c.put(plain, {"n": "again"})
    c.put(durable, {"n": "again"})
    assert (c.get(plain)[1]["gen"], c.get(durable)[1]["gen"]) == (1, 4)
    assert srv.stop() == 0, srv.stderr_tail()

    srv = start_server(device_config(path))
    c = new_client(srv)
    assert (c.get(plain)[1]["gen"], c.get(plain)[2]) == (1, {"n": "again"})
    assert (c.get(durable)[1]["gen"], c.get(durable)[2]) == (4, {"n": "again"})
    with pytest.raises(ex.RecordNotFound):
        c.get(gone)
    c.put(gone, {"n": 1})
    assert c.get(gone)[1]["gen"] == 1


def test_udf_writes_survive_a_kill_with_commit_to_device(start_server, new_client, tmp_path):
    """A record UDF's acknowledged writes and deletes are durable: commit-to-device waits for
    them as for any write, and they come back after SIGKILL."""
    path = tmp_path / "test.dat"
    config = device_config(path, commit=True)
    srv = start_server(config, extra_args=["--work-directory", str(tmp_path / "work")])
    c = new_client(srv)
    module = tmp_path / "durableudf.lua"
    module.write_text(
        "function add(rec, n)\n"
        "  rec['v'] = (rec['v'] or 0) + n\n"
        "  if aerospike:exists(rec) then aerospike:update(rec) else aerospike:create(rec) end\n"
        "  return rec['v']\n"
        "end\n"
        "function drop(rec) aerospike:remove(rec) return 0 end\n")
    c.udf_put(str(module))
    for i in range(200):
        assert c.apply(key(i), "durableudf", "add", [i]) == i
    for i in range(0, 200, 2):
        assert c.apply(key(i), "durableudf", "add", [1]) == i + 1
    for i in range(0, 200, 10):
        c.apply(key(i), "durableudf", "drop", [])
    srv.kill()
    srv = start_server(config, extra_args=["--work-directory", str(tmp_path / "work")])
    c2 = new_client(srv)
    for i in range(200):
        if i % 10 == 0:
            with pytest.raises(ex.RecordNotFound):
                c2.get(key(i))
        else:
            assert c2.get(key(i))[2]["v"] == i + (1 if i % 2 == 0 else 0), i
    # The module came back too, and runs.
    assert c2.apply(key(1), "durableudf", "add", [10]) == 11
