#!/usr/bin/env python3
"""Runs the benchmark set of docs/benchmarks.md on this machine and prints one table.

    scripts/bench_perf.py [--shards N] [--seconds S] [--no-pin] [--skip-redis] [--skip-device]
                          [--charts DIR]

In one run: the loopback ceiling (scramjet-perf --echo against its echo server, 32
connections of 64-byte round trips), then scramjetd with an in-memory namespace and with a
file-backed one: insert of 1M records (S100), RU,50 and RU,100 over 200k keys with 16 in
flight, batch reads of 10 keys; then redis-benchmark SET/GET (100-byte values, 16
connections) against a local redis-server if there is one. For each run: throughput, p50/p99
latency, the tool's CPU per operation and the server's CPU (from /proc). Needs the release
binaries (cargo build --release).

With --charts DIR it also writes PNG charts (scripts/charts.py, needs matplotlib) of each
timed workload, second by second: operations per second, p50 and p99, one line per server
(memory, file): DIR/ru50.png, DIR/ru100.png, DIR/batch10.png, each with its series beside it
(DIR/ru50.json, ...: `scripts/charts.py --from DIR/ru50.json` draws it again).

On a machine with at least two CPUs the server side (scramjetd's shards pin themselves from
CPU 0 up; the echo server is put on CPU 0) and the tool (on the last CPU, busy-polling with
--spin-us 1000) each get cores of their own, as they would on separate hosts; --no-pin runs
them unpinned and without busy-polling.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERF = ROOT / "target/release/scramjet-perf"
SCRAMJETD = ROOT / "target/release/scramjetd"
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wait_port(port, deadline=30):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


PIN = []  # the tool's prefix and extra flags when pinned (set in main)
SPIN = []
# Per-second series for the charts: chart name -> [(server label, per_second)].
SERIES = {}


def perf(port, args, server_pid=None):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cpu0 = cpu_seconds(server_pid) if server_pid else 0
        done = subprocess.run([*PIN, str(PERF), "-p", str(port), "-q", "--json", out.name, *SPIN, *args],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"scramjet-perf {' '.join(args)} failed:\n{done.stderr}")
        report = json.loads(Path(out.name).read_text())
        if server_pid:
            report["server_cores"] = (cpu_seconds(server_pid) - cpu0) / report["duration_s"]
        return report


def row(name, r):
    lat = r["latency_us"]
    server = f"{r['server_cores']:.2f}" if "server_cores" in r else "-"
    print(f"| {name} | {r['throughput']:,.0f} | {lat['p50']} | {lat['p99']} | {lat['p999']} | "
          f"{r['tool_cpu']['us_per_op']:.1f} ({r['tool_cpu']['cores_used']:.2f} cores) | {server} | {r['errors']} |",
          flush=True)


def scramjet_runs(label, config, shards, seconds):
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(SCRAMJETD), "--port", str(port), "--service-threads", str(shards), "--log-level", "warning"]
        if config:
            path = Path(tmp) / "scramjet.conf"
            path.write_text(config.replace("__DIR__", tmp))
            args += ["--config-file", str(path)]
        server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            pid = server.pid
            common = ["-o", "S100", "-z", "16"]
            row(f"{label}: insert 1M (I)", perf(port, ["-w", "I", "-k", "1000000", *common], pid))
            t = ["-t", str(seconds)]
            timed = [
                ("ru50", "RU,50 200k keys", ["-w", "RU,50"]),
                ("ru100", "RU,100 200k keys", ["-w", "RU,100"]),
                ("batch10", "batch reads of 10", ["-w", "RU,100", "--batch-size", "10"]),
            ]
            for chart, name, workload in timed:
                report = perf(port, [*workload, "-k", "200000", *common, *t], pid)
                row(f"{label}: {name}", report)
                SERIES.setdefault(chart, []).append((label, report["per_second"]))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)


DEVICE_CONFIG = """
namespace test {
    storage-engine device {
        file __DIR__/test.dat
        filesize 4G
        write-block-size 1M
    }
}
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shards", type=int, default=1, help="scramjetd --service-threads (default 1: the tool takes the other core)")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--no-pin", action="store_true", help="no CPU pinning and no busy-polling of the tool")
    p.add_argument("--skip-redis", action="store_true")
    p.add_argument("--skip-device", action="store_true")
    p.add_argument("--charts", metavar="DIR", help="write PNG charts of the timed runs into DIR")
    a = p.parse_args()
    cpus = os.cpu_count() or 1
    server_pin = []
    if cpus >= 2 and not a.no_pin:
        PIN.extend(["taskset", "-c", str(cpus - 1)])
        SPIN.extend(["--spin-us", "1000"])
        server_pin = ["taskset", "-c", "0"]
        print(f"tool pinned to CPU {cpus - 1} and busy-polling; servers from CPU 0")
    print(f"| run | ops/s | p50 us | p99 us | p99.9 us | tool CPU us/op | server cores | errors |")
    print("|---|---|---|---|---|---|---|---|")
    port = free_port()
    echo = subprocess.Popen([*server_pin, str(PERF), "--echo-server", "-p", str(port), "--threads", "1"],
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        ceiling = perf(port, ["--echo", "-z", "32", "-t", str(a.seconds)], echo.pid)
        row("echo ceiling (32 conns, 64 B)", ceiling)
    finally:
        echo.kill()
        echo.wait()
    scramjet_runs(f"memory, {a.shards} shard(s)", None, a.shards, a.seconds)
    if not a.skip_device:
        scramjet_runs(f"file, {a.shards} shard(s)", DEVICE_CONFIG, a.shards, a.seconds)
    if not a.skip_redis and shutil.which("redis-server") and shutil.which("redis-benchmark"):
        port = free_port()
        redis = subprocess.Popen([*server_pin, "redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            done = subprocess.run([*PIN, "redis-benchmark", "-p", str(port), "-t", "set,get", "-d", "100", "-c", "16",
                                   "-n", "1000000", "-r", "200000", "-q"], capture_output=True, text=True)
            for line in done.stdout.replace("\r", "\n").splitlines():
                if "requests per second" in line:
                    print(f"| redis-benchmark {line.strip()} |")
        finally:
            redis.kill()
            redis.wait()
    if a.charts:
        from charts import write_chart
        Path(a.charts).mkdir(parents=True, exist_ok=True)
        titles = {"ru50": "RU,50 (50% reads, 50% updates), 200k keys, 16 in flight",
                  "ru100": "RU,100 (reads), 200k keys, 16 in flight",
                  "batch10": "batch reads of 10 keys, 16 in flight"}
        for chart, runs in SERIES.items():
            path = Path(a.charts) / f"{chart}.png"
            title = f"scramjetd, {a.shards} shard(s): {titles[chart]}"
            write_chart(path, title, runs)
            # The series too, to draw the chart again: scripts/charts.py --from DIR/NAME.json.
            path.with_suffix(".json").write_text(json.dumps({"title": title, "runs": runs}) + "\n")
            print(f"chart: {path}")


if __name__ == "__main__":
    sys.exit(main())
