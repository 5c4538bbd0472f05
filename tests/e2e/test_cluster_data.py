"""Clustering with data (issue 7): a 3-node cluster with replication-factor 2, driven by the
official Python client. The partition map is shared, writes reach both copies, a node killed
under a write load loses no acknowledged write, migrations restore two copies, a restarted node
gets its partitions back, a rolling restart loses nothing, and a stale client is proxied."""

import os
import subprocess
import threading
import time

import aerospike
import pytest

import aswire
from scramjet_e2e import LUA_USER_PATH, REPO_ROOT, cluster_node_config, free_port, netns_available, poll

# Fail fast and retry: while a node is gone the client sees errors until the map changes.
POLICIES = {
    "read": {"total_timeout": 1000, "max_retries": 2},
    "write": {"total_timeout": 1000, "max_retries": 2},
}


def configs(n, base_id):
    seed = free_port()
    return [cluster_node_config(base_id + i, seed if i == 0 else free_port(), seed, replication_factor=2,
                                data_size="256M") for i in range(n)]


def info(srv, command):
    return aswire.info_raw(srv.host, srv.port, [command]).split("\t", 1)[1].strip()


def kv(text):
    return dict(item.split("=", 1) for item in text.split(";") if "=" in item)


LAST_SEEN = {}


def cluster_ready(servers, copies=None):
    """All nodes agree on one cluster of len(servers), have no migrations left, and (if given)
    hold `copies` records between them."""
    try:
        stats = [kv(info(s, "statistics")) for s in servers]
        ns = [kv(info(s, "namespace/test")) for s in servers]
    except (OSError, EOFError, TimeoutError):
        return None
    LAST_SEEN["nodes"] = [
        {k: d[k] for k in ("cluster_size", "cluster_key", "ns_cluster_size", "objects", "migrate_tx_partitions_remaining",
                           "migrate_rx_partitions_remaining") if k in d}
        for d in ({**a, **b} for a, b in zip(stats, ns))]
    keys = {s["cluster_key"] for s in stats}
    if len(keys) != 1 or "0" in keys or any(int(s["cluster_size"]) != len(servers) for s in stats):
        return None  # not one cluster yet (a key of 0 is a node in none)
    if any(int(n["ns_cluster_size"]) != len(servers) for n in ns) or any(
            info(s, "partition-generation") == "-1" for s in servers):
        return None  # agreed, but the partition map is not installed everywhere yet
    if any(int(n["migrate_tx_partitions_remaining"]) or int(n["migrate_rx_partitions_remaining"]) for n in ns):
        return None
    total = sum(int(n["objects"]) for n in ns)
    if copies is not None and total != copies:
        return None
    return stats, ns


def wait_ready(servers, copies=None, desc="the cluster settles", deadline_s=30):
    try:
        return poll(lambda: cluster_ready(servers, copies), deadline_s, desc=desc)
    except AssertionError as e:
        raise AssertionError(f"{e}; last seen {LAST_SEEN.get('nodes')}") from None


class NetnsNode:
    """A node of `scripts/cluster-netns.sh`: its address in the subnet, port 3000."""

    def __init__(self, subnet, i):
        self.host, self.port = f"{subnet}.{i + 1}", 3000


def netns_cluster(tmp_path, prefix, subnet_octet, salt, n=3):
    """`run(*args)` for `scripts/cluster-netns.sh` in a subnet of its own (10.<octet>.<tag>.x),
    and the nodes it starts."""
    tag = (os.getpid() + salt) % 200
    subnet = f"10.{subnet_octet}.{tag}"
    env = dict(os.environ, PREFIX=f"{prefix}{tag}n", SUBNET=subnet, DIR=str(tmp_path))
    script = str(REPO_ROOT / "scripts" / "cluster-netns.sh")

    def run(*args):
        done = subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 or args == ("stop",), done.stdout + done.stderr
        return done.stdout

    return run, [NetnsNode(subnet, i) for i in range(n)]


def start_cluster(start_server, n, base_id):
    texts = configs(n, base_id)
    servers = [start_server(t) for t in texts]
    wait_ready(servers, None, desc=f"{n} nodes form one cluster", deadline_s=30)
    return servers, texts


def client_for(servers):
    """An official client seeded with the first node only: it must find the others as peers."""
    client = aerospike.client({"hosts": [(servers[0].host, servers[0].port)], "policies": POLICIES, "lua": {"user_path": LUA_USER_PATH}}).connect()
    poll(lambda: len(client.get_nodes()) == len(servers), 10, desc="the client finds every node")
    return client


def owners_by_partition(servers):
    """pid -> [master node, replica node], from every node's `replicas-all` bitmaps."""
    import base64
    owners = {}
    for s in servers:
        node = info(s, "node")
        text = info(s, "replicas-all")
        _, rest = text.split(":", 1)
        fields = rest.split(",")
        n_replicas, bitmaps = int(fields[0]), fields[1:]
        for role in range(n_replicas):
            bits = base64.b64decode(bitmaps[role])
            for pid in range(4096):
                if bits[pid >> 3] & (0x80 >> (pid & 7)):
                    owners.setdefault(pid, {})[role] = node
    return owners


class Writer:
    """Overwrites keys 0..n-1 round-robin with increasing values on its own thread; remembers
    the last acknowledged value of each key, the values whose write failed (in doubt), and when
    errors happened."""

    def __init__(self, client, n):
        self.client, self.n = client, n
        self.acked = {}
        self.in_doubt = {}
        self.errors = []  # monotonic times
        self.ok = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            i = seq % self.n
            try:
                self.client.put(("test", "load", i), {"v": seq})
                self.acked[i] = seq
                self.ok += 1
            except aerospike.exception.AerospikeError:
                self.in_doubt.setdefault(i, set()).add(seq)
                self.errors.append(time.monotonic())

    def start(self):
        self.thread.start()
        poll(lambda: self.ok >= self.n, 30, desc="the writer has written every key once")
        return self

    def progress(self, writes):
        """Waits until `writes` more writes are acknowledged."""
        target = self.ok + writes
        poll(lambda: self.ok >= target, 30, desc=f"{writes} more acknowledged writes")

    def finish(self):
        self.stop.set()
        self.thread.join(timeout=10)

    def check(self, client):
        """Every key holds its last acknowledged value, or a later one whose write was in doubt."""
        lost = []
        for i, value in self.acked.items():
            _, _, rec = client.get(("test", "load", i))
            got = rec["v"]
            if got != value and not (got > value and got in self.in_doubt.get(i, ())):
                lost.append((i, value, got))
        assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {lost[:5]}"


def test_three_nodes_share_the_map_and_keep_two_copies(start_server):
    servers, _ = start_cluster(start_server, 3, 0xC1)
    client = client_for(servers)
    owners = owners_by_partition(servers)
    assert len(owners) == 4096 and all(set(o) == {0, 1} and o[0] != o[1] for o in owners.values()), \
        "every partition has one master and one replica on another node"
    for i in range(600):
        client.put(("test", "m", i), {"v": i, "s": "x" * 40})
    for i in range(600):
        assert client.get(("test", "m", i))[2]["v"] == i
    wait_ready(servers, 1200, desc="two copies of every record", deadline_s=10)
    gens = {info(s, "partition-generation") for s in servers}
    assert all(int(g) >= 2 for g in gens), "the map moved past the lone node's"
    ns = [kv(info(s, "namespace/test")) for s in servers]
    assert sum(int(n["master_objects"]) for n in ns) == 600
    key = kv(info(servers[0], "statistics"))["cluster_key"]
    assert {info(s, "cluster-stable:size=3;ignore-migrations=false") for s in servers} == {key}
    assert info(servers[0], "cluster-stable:size=2") == "ERROR::cluster-not-specified-size"
    assert sum(int(n["replica_writes"]) for n in ns) >= 600 and not any(int(n["replica_write_errors"]) for n in ns)
    client.close()


def test_a_write_to_a_node_that_does_not_own_the_record_is_proxied(start_server):
    servers, _ = start_cluster(start_server, 3, 0xD1)
    owners = owners_by_partition(servers)
    names = {info(s, "node"): s for s in servers}
    # A digest whose partition neither master nor replica on the node we send to.
    for _ in range(1000):
        digest = aswire.random_digest()
        pid = (digest[0] | digest[1] << 8) & 0xFFF
        outsider = next((s for n, s in names.items() if n not in owners[pid].values()), None)
        if outsider is not None:
            break
    before = int(kv(info(outsider, "statistics"))["proxied_requests"])
    body = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                         ops=[aswire.op(aswire.OP_WRITE, "v", aswire.PT_INTEGER, aswire.int_value(77))])
    assert aswire.msg_result(outsider.host, outsider.port, body)["result_code"] == 0
    read = aswire.as_msg(info1=aswire.INFO1_READ | aswire.INFO1_GET_ALL, fields=aswire.key_fields(digest=digest))
    master = names[owners[pid][0]]
    assert aswire.msg_result(master.host, master.port, read)["result_code"] == 0, "the master has it"
    assert aswire.msg_result(outsider.host, outsider.port, read)["result_code"] == 0, "read through the proxy"
    assert int(kv(info(outsider, "statistics"))["proxied_requests"]) == before + 2


def test_sigkill_under_write_load_loses_no_acknowledged_write_and_restart_rejoins(start_server):
    servers, texts = start_cluster(start_server, 3, 0xE1)
    client = client_for(servers)
    keys = 2000
    writer = Writer(client, keys).start()
    victim = servers[2]
    killed_at = time.monotonic()
    victim.kill()
    rest = servers[:2]
    wait_ready(rest, None, desc="the survivors agree and finish migrating", deadline_s=30)
    writer.progress(3000)
    recovered = max(writer.errors, default=killed_at) - killed_at
    # Errors stop once the survivors have a new map (the dead node's partitions move).
    assert recovered < 10, f"client errors went on for {recovered:.1f} s after the kill"
    writer.finish()
    wait_ready(rest, 2 * keys, desc="two copies again on the survivors", deadline_s=30)
    writer.check(client)

    # The node comes back (same node-id, empty memory): it rejoins and gets its partitions.
    back = start_server(texts[2])
    everyone = rest + [back]
    wait_ready(everyone, 2 * keys, desc="three nodes, two copies, migrations done", deadline_s=30)
    client.close()
    client = client_for(everyone)
    writer.check(client)
    client.close()


def test_a_rolling_restart_under_load_loses_nothing(start_server):
    servers, texts = start_cluster(start_server, 3, 0xF1)
    client = client_for(servers)
    keys = 1000
    writer = Writer(client, keys).start()
    live = list(servers)
    for i in range(3):
        live[i].stop()
        others = [s for j, s in enumerate(live) if j != i]
        wait_ready(others, None, desc=f"node {i} gone, migrations done", deadline_s=30)
        writer.progress(500)
        live[i] = start_server(texts[i])
        wait_ready(live, None, desc=f"node {i} back, migrations done", deadline_s=30)
        writer.progress(500)
    writer.finish()
    wait_ready(live, 2 * keys, desc="two copies of every record", deadline_s=30)
    client.close()
    client = client_for(live)
    writer.check(client)
    client.close()


def test_batches_scans_and_truncates_span_the_cluster(start_server):
    from aerospike_helpers.operations import operations as op
    servers, _ = start_cluster(start_server, 3, 0xB1)
    client = client_for(servers)
    keys = [("test", "span", i) for i in range(300)]
    for i, k in enumerate(keys):
        client.put(k, {"v": i})
    # Batch writes reach the replicas too: two copies of every record.
    client.batch_operate(keys, [op.write("w", 1)])
    wait_ready(servers, 600, desc="two copies after the batch write", deadline_s=10)
    got = client.batch_read(keys).batch_records
    assert all(r.result == 0 and r.record[2] == {"v": i, "w": 1} for i, r in enumerate(got))
    # A scan returns each record once (from its master), not once per copy.
    seen = [rec["v"] for _, _, rec in client.scan("test", "span").results()]
    assert sorted(seen) == list(range(300))
    # Rows of one batch run side by side, but the rows of one record in batch order.
    counter = ("test", "span", "counter")
    rows = client.batch_operate([counter] * 5 + keys[:100], [op.increment("n", 1), op.read("n")]).batch_records
    assert [r.record[2]["n"] for r in rows[:5]] == [1, 2, 3, 4, 5]
    assert all(r.result == 0 and r.record[2]["n"] == 1 for r in rows[5:])
    # A truncate on one node is carried out by every node.
    client.truncate("test", "span", 0)
    assert all(client.exists(k)[1] is None for k in keys)
    assert client.scan("test", "span").results() == []
    client.close()


@pytest.mark.skipif(not netns_available(), reason="needs root and iproute2 for network namespaces")
def test_a_split_heals_and_duplicate_resolution_converges_every_record(tmp_path):
    """Node 0 is cut off in its network namespace, every record is overwritten on the majority
    side, then node 0 comes back with its older copies: every record must read the newer
    version, before and after migrations finish, and two copies remain."""
    run, nodes = netns_cluster(tmp_path, "d", 78, 101)
    n = 600
    try:
        assert "3 nodes agree" in run("start", "3")
        wait_ready(nodes, desc="three nodes with their map")
        client = aerospike.client({"hosts": [(nodes[1].host, 3000)], "policies": POLICIES, "lua": {"user_path": LUA_USER_PATH}}).connect()
        poll(lambda: len(client.get_nodes()) == 3, 10, desc="the client sees three nodes")
        for i in range(n):
            client.put(("test", "heal", i), {"v": 1})
        wait_ready(nodes, 2 * n, desc="two copies of version 1")

        run("cut", "0")
        wait_ready(nodes[1:], 2 * n, desc="the majority side keeps two copies without node 0")

        def overwrite(i):
            try:
                client.put(("test", "heal", i), {"v": 2})
                return True
            except aerospike.exception.AerospikeError:
                return False  # the client's map is still catching up with the split
        for i in range(n):
            poll(lambda: overwrite(i), 20, desc=f"record {i} overwritten on the majority side")

        run("heal", "0")
        wait_ready(nodes, desc="merged, migrations done", deadline_s=40)
        seen = {i: client.get(("test", "heal", i)) for i in range(n)}
        stale = [i for i, (_, _, rec) in seen.items() if rec["v"] != 2]
        assert not stale, f"{len(stale)} records read their older version, e.g. {stale[:5]}"
        # (A retried overwrite whose first try was in doubt may have reached generation 3.)
        assert all(meta["gen"] >= 2 for _, meta, _ in seen.values())
        wait_ready(nodes, 2 * n, desc="two copies of every record after the merge")
        after = {i: client.get(("test", "heal", i)) for i in range(n)}
        moved = [i for i in range(n) if (after[i][1]["gen"], after[i][2]) != (seen[i][1]["gen"], seen[i][2])]
        assert not moved, f"migrations changed {len(moved)} records after they were read, e.g. {moved[:5]}"
        client.close()
    finally:
        run("stop")


def test_our_client_uses_the_whole_cluster_and_rides_out_a_node_loss(start_server):
    """Our smart client (the C ABI through its Python package): it finds every node from one
    seed, routes by the map, and once a node dies keeps working on the survivors."""
    import scramjet
    servers, _ = start_cluster(start_server, 3, 0xA5)
    sj = scramjet.Client([(servers[0].host, servers[0].port)],
                         policies={"write": {"total_timeout": 1000, "max_retries": 2},
                                   "read": {"total_timeout": 1000, "max_retries": 2}})
    try:
        poll(lambda: len(sj.node_names()) == 3, 10, desc="our client finds the three nodes")
        keys = [("test", "ours", i) for i in range(300)]
        for i, k in enumerate(keys):
            sj.put(k, {"v": i})
        assert [r[2]["v"] for r in sj.get_many(keys)] == list(range(300))
        assert sorted(r[2]["v"] for r in sj.scan("test", "ours").results()) == list(range(300))
        assert sum(int(kv(info(s, "statistics"))["proxied_requests"]) for s in servers) == 0, \
            "every request went straight to its master"

        servers[2].kill()

        def all_readable():
            # Until the client's next tend, rows for the dead node's partitions fail (an error,
            # or a row without a record): poll until every row reads its record.
            try:
                return [r[2] and r[2]["v"] for r in sj.get_many(keys)] == list(range(300))
            except scramjet.Error:
                return False
        poll(all_readable, 15, desc="every record readable again after the node loss")

        def write(i):
            try:
                sj.put(keys[i], {"v": i + 1000})
                return True
            except scramjet.Error:
                return False  # no master known for its partition until the client's next tend
        for i in range(300):
            poll(lambda: write(i), 15, desc=f"record {i} written after the node loss")
        wait_ready(servers[:2], 600, desc="two copies on the survivors")
        assert [r[2]["v"] for r in sj.get_many(keys)] == [i + 1000 for i in range(300)]
    finally:
        sj.close()


def test_with_commit_to_device_a_replica_copy_is_durable_before_the_reply(start_server, tmp_path):
    """Two nodes on files with commit-to-device: both are SIGKILLed right after the writes, and
    the replica side alone, restarted from its file, must hold every record, the half it only
    replicated included."""
    seed = free_port()
    texts = [cluster_node_config(0x91 + i, seed if i == 0 else free_port(), seed, replication_factor=2,
                                 device=str(tmp_path / f"node{i}.dat")) for i in range(2)]
    servers = [start_server(t) for t in texts]
    wait_ready(servers, desc="two nodes on files")
    client = client_for(servers)
    for i in range(400):
        client.put(("test", "durable", i), {"v": i})
    client.close()
    for s in servers:
        s.kill()
    alone = start_server(texts[1])  # its seed is gone: it forms a cluster of its own
    wait_ready([alone], desc="the survivor alone, on its own file")
    client = client_for([alone])
    missing = [i for i in range(400) if client.exists(("test", "durable", i))[1] is None]
    client.close()
    assert not missing, f"{len(missing)} acknowledged records are not on the replica's device, e.g. {missing[:5]}"

    # The other node comes back from its file (its seed is the survivor now): the two merge,
    # and the migrations read records back from the devices to compare and send them.
    texts[0] = texts[0].replace(f"mesh-seed-address-port 127.0.0.1 {seed}",
                                f"mesh-seed-address-port 127.0.0.1 {texts[1].split('port ')[1].split()[0]}")
    both = [start_server(texts[0]), alone]
    wait_ready(both, 800, desc="the two merged, two copies of each record on the devices", deadline_s=40)
    client = client_for(both)
    assert [client.get(("test", "durable", i))[2]["v"] for i in range(400)] == list(range(400))
    client.close()


def test_a_node_restarted_faster_than_the_heartbeat_timeout_is_refilled(start_server):
    """SIGKILL a node and start it again at once on the same ports, before the others notice it
    was gone: it is back with no records, so it must not be taken for in sync. It comes back
    under a new cluster key and migrations give it its partitions; then losing another node
    loses nothing."""
    from scramjet_e2e import ScramjetServer
    servers, texts = start_cluster(start_server, 3, 0xE7)
    client = client_for(servers)
    for i in range(600):
        client.put(("test", "quick", i), {"v": i})
    client.close()
    key = kv(info(servers[0], "statistics"))["cluster_key"]
    servers[2].kill()
    again = ScramjetServer(texts[2], port=servers[2].port)
    try:
        again.spawn().wait_ready()
        nodes = [servers[0], servers[1], again]
        wait_ready(nodes, 1200, desc="three nodes, two copies, the restarted node refilled", deadline_s=30)
        assert kv(info(servers[0], "statistics"))["cluster_key"] != key, "a new cluster key"
        servers[0].kill()
        wait_ready(nodes[1:], 1200, desc="two nodes left, two copies", deadline_s=30)
        client = client_for(nodes[1:])
        assert [client.get(("test", "quick", i))[2]["v"] for i in range(600)] == list(range(600))
        client.close()
    finally:
        again.stop()


def join_with_migrations_paused(start_server, base_id, replication_factor, set_name, n):
    """One node holding records 0..n-1 of `set_name` ({"v": i}), its migrations paused
    (migrate-threads 0), then a second node that joins and waits for partitions that do not
    come. Returns (old node, newcomer)."""
    seed = free_port()
    texts = [cluster_node_config(base_id + i, seed if i == 0 else free_port(), seed,
                                 replication_factor=replication_factor) for i in range(2)]
    first = start_server(texts[0])
    wait_ready([first], None, desc="a cluster of one")
    client = client_for([first])
    for i in range(n):
        client.put(("test", set_name, i), {"v": i})
    client.close()
    assert info(first, "set-config:context=service;migrate-threads=0") == "ok"
    second = start_server(texts[1])

    def stuck():
        # One cluster with the map installed, and the newcomer still waiting for partitions.
        stats = [kv(info(s, "statistics")) for s in (first, second)]
        if {s["cluster_size"] for s in stats} != {"2"} or len({s["cluster_key"] for s in stats}) != 1:
            return False
        return int(kv(info(second, "namespace/test"))["migrate_rx_partitions_remaining"]) > 0

    poll(stuck, 30, desc="two nodes, the newcomer waiting for paused migrations")
    return first, second


def test_deletes_and_writes_on_a_partition_still_migrating_in_are_not_undone(start_server):
    """A node joins and masters about half the partitions while the old node has not sent them
    yet (its migrations are paused with migrate-threads 0). Scans see every record meanwhile.
    Deletes and overwrites on the new master must win over the old copies that arrive after
    them: nothing deleted comes back and no overwrite is lost."""
    n = 400
    first, second = join_with_migrations_paused(start_server, 0xD1, 1, "mig", n)
    both = [first, second]
    client = client_for(both)
    # The newcomer masters partitions it has not received: a scan there takes their records
    # from the old node first.
    scanned = {r[2]["v"] for r in client.query("test", "mig").results()}
    assert scanned == set(range(n)), f"a scan while migrating misses {len(set(range(n)) - scanned)} records"
    assert int(kv(info(second, "namespace/test"))["scan_pulled_records"]) > 0
    for i in range(n):
        if i % 2 == 0:
            client.remove(("test", "mig", i))
        else:
            client.put(("test", "mig", i), {"v": -i})
    ns = kv(info(second, "namespace/test"))
    assert int(ns["migrate_rx_partitions_remaining"]) > 0, "the deletes ran while partitions were still migrating in"
    assert int(ns["tombstones"]) > 0, f"deletes on partitions migrating in leave tombstones: {ns}"
    scanned = {r[2]["v"] for r in client.query("test", "mig").results()}
    assert scanned == {-i for i in range(1, n, 2)}, "a scan sees the deletes and overwrites, still migrating"
    # A background job meanwhile reaches every live record too.
    from aerospike_helpers.operations import operations as op
    from scramjet_e2e import wait_for_job
    job = client.query("test", "mig")
    job.add_ops([op.write("tag", 1)])
    wait_for_job(client, job.execute_background())

    assert info(first, "set-config:context=service;migrate-threads=1") == "ok"
    stats, ns = wait_ready(both, n // 2, desc="migrations done, one copy of each live record")
    assert all(int(s["tombstones"]) == 0 for s in ns), "tombstones go once the partitions are complete"
    back = [i for i in range(0, n, 2) if client.exists(("test", "mig", i))[1] is not None]
    assert not back, f"{len(back)} deleted records came back, e.g. {back[:5]}"
    lost = [i for i in range(1, n, 2) if client.get(("test", "mig", i))[2] != {"v": -i, "tag": 1}]
    assert not lost, f"{len(lost)} overwrites lost, e.g. {lost[:5]}"
    client.close()


def test_three_copies_replica_reads_and_commit_level_master(start_server):
    """replication-factor 3 on three nodes puts every record on every node. Writes with commit
    level master are answered before the replicas apply them and still reach them. Reads a
    client sends to a replica (policy replica ANY, or a raw read to a replica node) are served
    there, not proxied to the master."""
    seed = free_port()
    texts = [cluster_node_config(0xA1 + i, seed if i == 0 else free_port(), seed, replication_factor=3)
             for i in range(3)]
    servers = [start_server(t) for t in texts]
    wait_ready(servers, None, desc="three nodes form one cluster")
    owners = owners_by_partition(servers)
    assert len(owners) == 4096 and all(len(set(o.values())) == 3 for o in owners.values()), \
        "every partition has a master and two replicas, on three different nodes"
    client = client_for(servers)
    n = 300
    for i in range(n):
        client.put(("test", "rf3", i), {"v": i}, policy={"commit_level": aerospike.POLICY_COMMIT_LEVEL_MASTER})
    wait_ready(servers, 3 * n, desc="three copies of every record")
    proxied = lambda: [int(kv(info(s, "statistics"))["proxied_requests"]) for s in servers]  # noqa: E731
    before = proxied()
    for i in range(n):
        assert client.get(("test", "rf3", i), policy={"replica": aerospike.POLICY_REPLICA_ANY})[2]["v"] == i
    names = {info(s, "node"): s for s in servers}
    for i in range(0, n, 30):
        digest = aerospike.calc_digest("test", "rf3", i)
        pid = (digest[0] | digest[1] << 8) & 0xFFF
        read = aswire.as_msg(info1=aswire.INFO1_READ | aswire.INFO1_GET_ALL,
                             fields=aswire.key_fields(set_name="rf3", digest=bytes(digest)))
        for role in (1, 2):
            replica = names[owners[pid][role]]
            assert aswire.msg_result(replica.host, replica.port, read)["result_code"] == 0
    assert proxied() == before, "replica reads are answered where they arrive"
    client.close()


def test_garbage_on_the_fabric_and_heartbeat_ports_disturbs_nothing(start_server):
    """Anyone can reach the fabric and heartbeat ports. Malformed frames and datagrams, and
    well-formed frames that make no sense (a partition past 4095, a stale cluster key, too many
    proxy hops), are refused: the connection closes or the answer is an error code, and the
    cluster and its data are untouched."""
    import random
    import re
    import socket
    import struct

    servers, texts = start_cluster(start_server, 2, 0x71)
    client = client_for(servers)
    for i in range(50):
        client.put(("test", "junk", i), {"v": i})
    key = kv(info(servers[0], "statistics"))["cluster_key"]
    fabric_port = int(re.search(r"fabric \{\s*port (\d+)", texts[0]).group(1))
    hb_port = int(re.search(r"heartbeat \{.*?port (\d+)", texts[0], re.S).group(1))

    def frame(kind, payload):
        body = struct.pack(">BQQ", kind, 7, 0x1234) + payload
        return struct.pack(">I", len(body)) + body

    def ns(name=b"test"):
        return bytes([len(name)]) + name

    image = bytes(20) + struct.pack(">HIQBH", 1, 0, 0, 0, 0) + struct.pack(">I", 3) + b"bad"
    requests = [
        os.urandom(64),
        struct.pack(">I", 0xFFFFFFFF) + bytes(32),  # past the frame limit
        frame(3, struct.pack(">Q", int(key, 16)) + ns() + struct.pack(">HQI", 5000, 0x1234, 0)),  # pid 5000
        frame(3, struct.pack(">Q", int(key, 16)) + ns() + struct.pack(">HQI", 1, 0x1234, 1) + image),
        frame(2, struct.pack(">Q", 1) + ns() + image),  # a replica write under a stale key
        frame(2, struct.pack(">Q", int(key, 16)) + ns(b"nope") + image),
        frame(1, bytes([9]) + b"\x02\x03"),  # a proxy past the hop limit
        frame(5, ns() + bytes(19)),  # truncated
        frame(0x42, b""),
        frame(6, b"truncate:namespace=test;lut=abc"),  # a cluster command that does not parse
        frame(6, b"\xff\xfe" + os.urandom(40)),
    ]
    for request in requests:
        with socket.create_connection(("127.0.0.1", fabric_port), timeout=5) as s:
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
            try:
                while s.recv(4096):
                    pass  # an error answer, or nothing: either way the connection ends
            except (ConnectionResetError, socket.timeout):
                pass
    rng = random.Random(5)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for _ in range(200):
            udp.sendto(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))), ("127.0.0.1", hb_port))
    # Still one cluster under the same key, serving every record.
    wait_ready(servers, 100, desc="the cluster is untouched")
    assert kv(info(servers[0], "statistics"))["cluster_key"] == key
    assert [client.get(("test", "junk", i))[2]["v"] for i in range(50)] == list(range(50))
    client.close()


def test_a_replica_still_migrating_in_answers_reads_with_the_newest_version(start_server):
    """With replication-factor 2, a node joins as the replica of partitions it has not received
    yet (the old node's migrations are paused). A read sent to it (a client reading from
    replicas) must still find each record, at its newest version, not answer 'not found'."""
    n = 200
    first, second = join_with_migrations_paused(start_server, 0xC7, 2, "rr", n)
    both = [first, second]
    owners = owners_by_partition(both)
    newcomer = info(second, "node")
    replica_keys = []
    for i in range(n):
        digest = bytes(aerospike.calc_digest("test", "rr", i))
        if owners[(digest[0] | digest[1] << 8) & 0xFFF].get(1) == newcomer:
            replica_keys.append((i, digest))
    assert replica_keys, "the newcomer is the replica of some of the records"
    for i, digest in replica_keys:
        read = aswire.as_msg(info1=aswire.INFO1_READ | aswire.INFO1_GET_ALL,
                             fields=aswire.key_fields(set_name="rr", digest=digest))
        reply = aswire.msg_result(second.host, second.port, read)
        assert reply["result_code"] == 0, f"record {i} read on the replica still migrating in: {reply}"
    assert int(kv(info(second, "namespace/test"))["dup_res_asked"]) >= len(replica_keys)
    assert info(first, "set-config:context=service;migrate-threads=1") == "ok"
    wait_ready(both, 2 * n, desc="migrations done, two copies of each record")


def test_a_frozen_node_is_dropped_and_rejoins_without_losing_a_write(start_server):
    """SIGSTOP a node under a write load (a long pause, not a crash: its memory and sockets
    survive). The others drop it and restore two copies; after SIGCONT it finds itself behind,
    rejoins under a new cluster key, and every acknowledged write still reads back."""
    import signal
    servers, _ = start_cluster(start_server, 3, 0xF5)
    client = client_for(servers)
    keys = 1000
    writer = Writer(client, keys).start()
    frozen = servers[2]
    key = kv(info(servers[0], "statistics"))["cluster_key"]
    os.kill(frozen.proc.pid, signal.SIGSTOP)
    try:
        wait_ready(servers[:2], None, desc="the others drop the frozen node", deadline_s=30)
        writer.progress(2000)
    finally:
        os.kill(frozen.proc.pid, signal.SIGCONT)
    writer.progress(1000)
    writer.finish()
    wait_ready(servers, 2 * keys, desc="three nodes again, two copies, migrations done", deadline_s=60)
    assert kv(info(servers[0], "statistics"))["cluster_key"] != key
    writer.check(client)
    client.close()
    client = client_for(servers)
    writer.check(client)
    client.close()


def test_list_and_map_changes_reach_the_replica(start_server):
    """A record changed by list and map operations is written to its replica like any other
    write (the replica gets the resulting record): after the node holding one copy dies, the
    survivor answers every change."""
    from aerospike_helpers.operations import list_operations as lo
    from aerospike_helpers.operations import map_operations as mo

    servers, _ = start_cluster(start_server, 2, 0xF1)
    client = client_for(servers)
    keys = [("test", "cdt", i) for i in range(200)]
    for i, k in enumerate(keys):
        client.operate(k, [lo.list_append("l", i), lo.list_append_items("l", [i + 1, i + 2]),
                           mo.map_put("m", "n", i), mo.map_increment("m", "n", 5)])
    wait_ready(servers, 2 * len(keys), desc="two copies of every record", deadline_s=10)
    servers[1].kill()
    survivor = servers[:1]
    wait_ready(survivor, None, desc="the survivor runs alone", deadline_s=30)
    alone = client_for(survivor)
    for i, k in enumerate(keys):
        _, meta, bins = alone.get(k)
        assert bins == {"l": [i, i + 1, i + 2], "m": {"n": i + 5}} and meta["gen"] == 1, (k, bins, meta)
    alone.close()
    client.close()


def test_a_delete_made_while_a_node_was_down_is_not_undone_when_it_returns(start_server, tmp_path):
    """Two nodes on files. One is killed; on the other, records are deleted without the
    durable-delete flag and some are re-created (generation 1 again, as in Aerospike). The
    killed node comes back from its file with the old copies (generation 3): the migrations
    must not bring the deleted records back, nor let the old copies beat the re-created ones
    (their reborn mark orders them by last-update time: docs/disk-format.md, "Deletes and
    generations")."""
    seed = free_port()
    texts = [cluster_node_config(0xA1 + i, seed if i == 0 else free_port(), seed, replication_factor=2,
                                 device=str(tmp_path / f"node{i}.dat")) for i in range(2)]
    servers = [start_server(t) for t in texts]
    wait_ready(servers, desc="two nodes on files")
    client = client_for(servers)
    for n in range(3):
        for i in range(200):
            client.put(("test", "del", i), {"v": n})
    client.close()
    servers[1].kill()
    wait_ready(servers[:1], desc="the survivor alone")
    client = client_for(servers[:1])
    for i in range(100):
        client.remove(("test", "del", i))
    for i in range(50, 100):
        client.put(("test", "del", i), {"v": "again"})
    assert client.get(("test", "del", 50))[1]["gen"] == 1
    client.close()

    both = [servers[0], start_server(texts[1])]
    wait_ready(both, 2 * 150, desc="merged: two copies of the 150 live records", deadline_s=40)
    client = client_for(both)
    for i in range(200):
        if i < 50:
            assert client.exists(("test", "del", i))[1] is None, f"deleted record {i} came back"
        else:
            _, meta, bins = client.get(("test", "del", i))
            assert (meta["gen"], bins) == ((1, {"v": "again"}) if i < 100 else (3, {"v": 2})), i
    client.close()
