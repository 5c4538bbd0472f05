#!/usr/bin/env python3
"""Cluster measurements for docs/benchmarks.md (issue 7), on one host with nodes on 127.0.0.x
(scripts/cluster.sh):

  1. failover: a 3-node cluster (replication-factor 2) under a steady write load from the
     official Python client; SIGKILL one node and measure the time until the survivors drop it
     (cluster_size 2), until their new partition map is installed, until client errors stop,
     and until migrations finish; then check every acknowledged write.
  2. migration throughput: load RECORDS records with scramjet-perf, restart the killed node
     empty and time the migrations that refill it (records/s and MB/s received).
  3. throughput: scramjet-perf RU,50 for SECONDS against a single node and against the
     3-node cluster; then, on the cluster, batches of 200 rows from the official client
     (batch_operate writes and batch_read), rows per second (median of 5 one-second runs).
  4. with --charts DIR: a fresh 3-node cluster under scramjet-perf RU,50 for 40 s, one node
     SIGKILLed at second 10 and started again (empty) at second 25: DIR/cluster_failover.png
     shows each second's throughput and latency with the kill, the new map, the restart and
     the end of migrations marked; DIR/cluster_ru50.png the one-node and three-node runs of 3.

Usage: scripts/bench_cluster.py [--records N] [--seconds S] [--port P] [--charts DIR]
Needs: the release binaries (cargo build --release) and the `aerospike` Python package
(matplotlib too for --charts).
"""

import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import aerospike

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERF = os.path.join(ROOT, "target/release/scramjet-perf")
SERVER = os.path.join(ROOT, "target/release/scramjetd")


def info(host, port, command):
    with socket.create_connection((host, port), timeout=2) as s:
        body = (command + "\n").encode()
        s.sendall(struct.pack(">Q", (2 << 56) | (1 << 48) | len(body)) + body)
        size = struct.unpack(">Q", s.recv(8))[0] & ((1 << 48) - 1)
        data = b""
        while len(data) < size:
            data += s.recv(size - len(data))
    text = data.decode().split("\t", 1)[1].strip()
    return dict(kv.split("=", 1) for kv in text.split(";") if "=" in kv)


def wait(fn, timeout_s, step_s=0.01, what="a condition"):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            if fn():
                return time.monotonic()
        except OSError:
            pass
        time.sleep(step_s)
    raise SystemExit(f"timed out after {timeout_s} s waiting for {what}")


class Cluster:
    def __init__(self, port, threads=1):
        self.dir = f"/tmp/scramjet-bench-cluster-{port}"
        self.env = dict(os.environ, DIR=self.dir, PORT=str(port), THREADS=str(threads))
        self.port = port
        self.hosts = [f"127.0.0.{i + 1}" for i in range(3)]

    def script(self, *args):
        subprocess.run([os.path.join(ROOT, "scripts/cluster.sh"), *args], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def pid(self, i):
        with open(f"{self.dir}/node-{i}.pid") as f:
            return int(f.read())

    def kill(self, i):
        os.kill(self.pid(i), signal.SIGKILL)
        os.remove(f"{self.dir}/node-{i}.pid")

    def restart(self, i):
        log = open(f"{self.dir}/node-{i}.log", "a")
        proc = subprocess.Popen([SERVER, "--config-file", f"{self.dir}/node-{i}.conf", "--service-threads",
                                 self.env["THREADS"]], stdout=log, stderr=log)
        with open(f"{self.dir}/node-{i}.pid", "w") as f:
            f.write(str(proc.pid))

    def ns(self, i):
        return info(self.hosts[i], self.port, "namespace/test")

    def settled(self, nodes):
        for i in nodes:
            n = self.ns(i)
            if int(n["ns_cluster_size"]) != len(nodes):
                return False
            if int(n["migrate_tx_partitions_remaining"]) or int(n["migrate_rx_partitions_remaining"]):
                return False
        return True


def failover(cluster, results):
    client = aerospike.client({"hosts": [(cluster.hosts[0], cluster.port)],
                               "policies": {"write": {"total_timeout": 1000, "max_retries": 2}}}).connect()
    acked, errors, stop = {}, [], threading.Event()
    ok = [0]  # acknowledged writes

    def writer():
        seq = 0
        while not stop.is_set():
            seq += 1
            try:
                client.put(("test", "failover", seq % 5000), {"v": seq})
                acked[seq % 5000] = seq
                ok[0] += 1
            except aerospike.exception.AerospikeError:
                errors.append(time.monotonic())

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    wait(lambda: len(acked) == 5000, 30, what="the writer to write every key once")
    killed = time.monotonic()
    cluster.kill(2)
    detected = wait(lambda: all(int(info(h, cluster.port, "statistics")["cluster_size"]) == 2
                                for h in cluster.hosts[:2]), 30, what="the survivors to drop the node")
    mapped = wait(lambda: all(int(cluster.ns(i)["ns_cluster_size"]) == 2 for i in range(2)), 30,
                  what="the new partition map")
    migrated = wait(lambda: cluster.settled([0, 1]), 60, 0.05, what="migrations after the kill")
    # Keep the load on a while after the migrations: any late error would show.
    target = ok[0] + 5000
    wait(lambda: ok[0] >= target, 30, what="5000 more acknowledged writes")
    stop.set()
    thread.join()
    errors_after = [t for t in errors if t >= killed]
    lost = sum(1 for k, v in acked.items() if client.get(("test", "failover", k))[2]["v"] < v)
    client.close()
    results["failover"] = {
        "detect_s": round(detected - killed, 3),
        "new_map_s": round(mapped - killed, 3),
        "client_errors": len(errors_after),
        "errors_stop_s": round((max(errors_after) - killed) if errors_after else 0.0, 3),
        "migrations_done_s": round(migrated - killed, 3),
        "acknowledged_writes_lost": lost,
    }


def failover_chart(port, chart_dir):
    """RU,50 on a fresh cluster while a node is killed, then restarted: each second charted."""
    from charts import write_chart
    cluster = Cluster(port)
    cluster.script("start", "3")
    report = f"/tmp/scramjet-bench-cluster-failover-{port}.json"
    try:
        wait(lambda: cluster.settled([0, 1, 2]), 30, 0.05)
        perf(["-w", "I", "-k", "200000", "-o", "S100", "-z", "16"], cluster.hosts[0], cluster.port)
        wait(lambda: cluster.settled([0, 1, 2]), 60, 0.05)
        load = subprocess.Popen([PERF, "-h", cluster.hosts[0], "-p", str(cluster.port), "--json", report, "-q",
                                 "-w", "RU,50", "-k", "200000", "-o", "S100", "-z", "16", "-t", "40",
                                 "-T", "1000", "--max-retries", "2"], stdout=subprocess.DEVNULL)
        start = time.monotonic()
        at = lambda t: round(t - start, 1)  # noqa: E731 (seconds since the load began)
        time.sleep(10)
        killed = time.monotonic()
        cluster.kill(2)
        mapped = wait(lambda: all(int(cluster.ns(i)["ns_cluster_size"]) == 2 for i in range(2)), 30,
                      what="the new partition map")
        moved = wait(lambda: cluster.settled([0, 1]), 60, 0.05, what="migrations after the kill")
        time.sleep(max(0.0, 25 - (time.monotonic() - start)))
        restarted = time.monotonic()
        cluster.restart(2)
        back = wait(lambda: cluster.settled([0, 1, 2]), 120, 0.05, what="migrations to the restarted node")
        load.wait(timeout=120)
    finally:
        cluster.script("stop")
    with open(report) as f:
        per_second = json.load(f)["per_second"]
    marks = [(at(killed), "node killed"), (at(mapped), "new map"), (at(moved), "migrated"),
             (at(restarted), "node back (empty)"), (at(back), "migrated")]
    title = "3 nodes, replication-factor 2: RU,50, 200k keys, 16 in flight"
    path = os.path.join(chart_dir, "cluster_failover.png")
    write_chart(path, title, [("3 nodes", per_second)], marks)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump({"title": title, "runs": [["3 nodes", per_second]], "marks": marks}, f)
        f.write("\n")
    return {"kill_s": at(killed), "new_map_s": at(mapped), "migrated_s": at(moved), "restart_s": at(restarted),
            "migrated_again_s": at(back)}


def perf(args, hosts, port):
    report = f"/tmp/scramjet-bench-cluster-{port}.json"
    subprocess.run([PERF, "-h", hosts, "-p", str(port), "--json", report, "-q", *args], check=True,
                   stdout=subprocess.DEVNULL)
    with open(report) as f:
        return json.load(f)


def migration(cluster, records, results):
    perf(["-w", "I", "-k", str(records), "-o", "S100", "-z", "16"], cluster.hosts[0], cluster.port)
    wait(lambda: cluster.settled([0, 1]), 60, 0.05, what="migrations after the load")
    before = sum(int(cluster.ns(i)["migrate_records_transmitted"]) for i in range(2))
    bytes_before = sum(int(cluster.ns(i)["migrate_bytes_transmitted"]) for i in range(2))
    start = time.monotonic()
    cluster.restart(2)
    wait(lambda: int(info(cluster.hosts[2], cluster.port, "statistics")["cluster_size"]) == 3, 30,
         what="the restarted node to join")
    joined = time.monotonic()
    done = wait(lambda: cluster.settled([0, 1, 2]), 300, 0.05, what="migrations to the restarted node")
    sent = sum(int(cluster.ns(i)["migrate_records_transmitted"]) for i in range(3)) - before
    sent_bytes = sum(int(cluster.ns(i)["migrate_bytes_transmitted"]) for i in range(3)) - bytes_before
    elapsed = done - joined
    results["migration"] = {
        "records_loaded": records,
        "join_s": round(joined - start, 3),
        "records_moved": sent,
        "bytes_moved": sent_bytes,
        "seconds": round(elapsed, 3),
        "records_per_s": round(sent / elapsed),
        "mb_per_s": round(sent_bytes / elapsed / 1e6, 1),
        "objects": [int(cluster.ns(i)["objects"]) for i in range(3)],
    }


def throughput(seconds, results, port):
    load = ["-w", "RU,50", "-k", "200000", "-o", "S100", "-z", "16", "-t", str(seconds)]
    single = Cluster(port + 10)
    proc = subprocess.Popen([SERVER, "--address", "127.0.0.1", "--port", str(single.port), "--service-threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(lambda: info("127.0.0.1", single.port, "statistics"), 10)
        perf(["-w", "I", "-k", "200000", "-o", "S100", "-z", "16"], "127.0.0.1", single.port)
        one = perf(load, "127.0.0.1", single.port)
    finally:
        proc.terminate()
        proc.wait()
    cluster = Cluster(port + 20)
    cluster.script("start", "3")
    try:
        wait(lambda: cluster.settled([0, 1, 2]), 30, 0.05)
        perf(["-w", "I", "-k", "200000", "-o", "S100", "-z", "16"], cluster.hosts[0], cluster.port)
        three = perf(load, cluster.hosts[0], cluster.port)
        results["batch_rows_per_s"] = batches(cluster)
    finally:
        cluster.script("stop")
    pick = lambda r: {"ops_per_s": round(r["throughput"]), "p50_us": r["latency_us"]["p50"],
                      "p99_us": r["latency_us"]["p99"], "errors": r["errors"]}
    results["throughput_ru50"] = {"one_node": pick(one), "three_nodes_rf2": pick(three)}
    return one, three


def batches(cluster):
    """Rows per second of 200-row batches against the cluster: writes (each row waits for its
    replica) and reads."""
    from aerospike_helpers.operations import operations as op
    client = aerospike.client({"hosts": [(cluster.hosts[0], cluster.port)]}).connect()
    wait(lambda: len(client.get_nodes()) == 3, 10, what="the client sees 3 nodes")
    keys = [("test", "batch", i) for i in range(200)]
    client.batch_operate(keys, [op.write("v", 0)])
    rates = {}
    for name, run in [("write", lambda: client.batch_operate(keys, [op.write("v", 1)])),
                      ("read", lambda: client.batch_read(keys))]:
        runs = []
        for _ in range(5):
            start, rows = time.monotonic(), 0
            while time.monotonic() - start < 1.0:
                run()
                rows += len(keys)
            runs.append(rows / (time.monotonic() - start))
        rates[name] = round(sorted(runs)[2])
    client.close()
    return rates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--charts", metavar="DIR", help="write PNG charts into DIR (needs matplotlib)")
    args = parser.parse_args()
    results = {}
    cluster = Cluster(args.port)
    cluster.script("start", "3")
    try:
        wait(lambda: cluster.settled([0, 1, 2]), 30, 0.05)
        failover(cluster, results)
        migration(cluster, args.records, results)
    finally:
        cluster.script("stop")
    one, three = throughput(args.seconds, results, args.port)
    if args.charts:
        from charts import write_chart
        os.makedirs(args.charts, exist_ok=True)
        title = f"RU,50, 200k keys, 16 in flight, {args.seconds} s"
        runs = [["one node", one["per_second"]], ["3 nodes, replication-factor 2", three["per_second"]]]
        path = os.path.join(args.charts, "cluster_ru50.png")
        write_chart(path, title, runs)
        with open(os.path.splitext(path)[0] + ".json", "w") as f:
            json.dump({"title": title, "runs": runs}, f)
            f.write("\n")
        results["failover_chart"] = failover_chart(args.port + 30, args.charts)
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
