#!/usr/bin/env python3
"""Scramjet and Aerospike side by side, in one run: the two tables of issue 17.

    scripts/bench_vs_aerospike.py --asd PATH [--asbench PATH] [--seconds S]
                                  [--device-seconds S] [--rounds N] [--skip-device]
                                  [--device-shard-routing] [--only ROWS] [--work-dir DIR]
                                  [--charts DIR]

--asd is an Aerospike server binary (`asd`, built by you; nothing here builds or ships it) and
--asbench Aerospike's load generator (without it the defaults row uses `scramjet-perf
--no-shard-routing`, which is also not shard-aware). Needs the release binaries
(cargo build --release). Every row runs each server in turn, a fresh process each time, on
the same load, alternating which goes first from round to round:

1. defaults on both (Aerospike's default service threads, one per CPU; Scramjet's default
   of one shard per CPU), the load generator unpinned on the same CPUs, 16 in flight:
   insert 200k keys of 100-byte strings, then RU,50 for S seconds.
2. each server on CPU 0 with one service thread / one shard, `scramjet-perf -z 16
   --spin-us 1000` on the last CPU (as if on another host);
3. the same with 64 in flight;
4. the same throttled to 40k ops/s: the server's CPU per operation (utime + stime from
   /proc/PID/stat over the run, divided by the operations) and its latency.
5. (unless --skip-device) a device namespace, a 1 GiB file, `post-write-cache 32M`,
   `defrag-lwm-pct 50`, defaults otherwise: insert 500k records of 200-byte strings, then
   RU,20 with 32 in flight for --device-seconds (60), `scramjet-perf --no-shard-routing`
   unpinned (with --device-shard-routing, scramjet-perf as it comes: shard-aware); then each
   server's defragmentation counters and its write amplification (bytes written to the device
   over bytes written by clients), each as the server counts it, and the bytes the block device
   under the data file took in (after a sync, from /sys/dev/block/MAJ:MIN/stat) per write
   operation: the same yardstick for both, whatever their record formats and block sizes.

Prints the results as one markdown table, ready for docs/benchmarks.md. With --charts DIR it
also draws, second by second, the runs both servers take with scramjet-perf (scripts/charts.py,
needs matplotlib): DIR/vs-pinned-z16.png and DIR/vs-device.png, one line per server (the first
round), each with its series beside it (`scripts/charts.py --from DIR/vs-device.json`).
"""

import argparse
import json
import os
import re
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
INFO = ROOT / "target/release/scramjet-info"
TICK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1
SERVER_CPU = ["taskset", "-c", "0"]
TOOL_CPU = ["taskset", "-c", str(CPUS - 1)]


def free_port():
    # Aerospike takes PORT, PORT+1 (fabric) and PORT+2 (heartbeat): find three free in a row.
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 2 < 65536 and all(_free(p) for p in (port + 1, port + 2)):
            return port


def _free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def device_written_bytes(path):
    """Bytes written so far to the block device holding `path`, once the page cache is synced."""
    os.sync()
    dev = os.stat(path).st_dev
    stat = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}/stat").read_text().split()
    return int(stat[6]) * 512  # field 7: sectors written, always in 512-byte units


def info(port, command):
    done = subprocess.run([str(INFO), "-p", str(port), "-v", command], capture_output=True, text=True, timeout=10)
    return done.stdout.strip() if done.returncode == 0 else ""


def info_map(port, command):
    pairs = (item.split("=", 1) for item in info(port, command).split(";") if "=" in item)
    return {k: v for k, v in pairs}


def wait_ready(port, proc, deadline=120):
    """Until the server answers `status` with ok, namespace `test` exists and the node has a
    partition map (Aerospike's clients refuse a node whose partition-generation is -1)."""
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before it was ready")
        if (info(port, "status") == "ok" and "test" in info(port, "namespaces").split(";")
                and info(port, "partition-generation").lstrip("-").isdigit()
                and not info(port, "partition-generation").startswith("-")):
            return
        time.sleep(0.1)
    raise SystemExit(f"the server on port {port} was not ready in {deadline} s")


class Server:
    """One server process: Scramjet or Aerospike, in-memory or device namespace."""

    def __init__(self, kind, args, pinned, device, work):
        self.kind, self.args, self.pinned, self.device, self.work = kind, args, pinned, device, work

    def __enter__(self):
        self.port = free_port()
        data = Path(self.work) / f"{self.kind}.dat"
        data.unlink(missing_ok=True)
        self.data = data
        prefix = SERVER_CPU if self.pinned else []
        if self.kind == "aerospike":
            conf = Path(self.work) / "asd.conf"
            conf.write_text(aerospike_config(self.port, self.pinned, self.device and data, self.work))
            cmd = [*prefix, self.args.asd, "--foreground", "--config-file", str(conf)]
        else:
            cmd = [*prefix, str(SCRAMJETD), "--port", str(self.port), "--log-level", "warning"]
            if self.pinned:
                cmd += ["--service-threads", "1"]
            if self.device:
                conf = Path(self.work) / "scramjet.conf"
                conf.write_text(scramjet_config(self.port, data))
                cmd += ["--config-file", str(conf)]
        self.log = open(Path(self.work) / f"{self.kind}.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        wait_ready(self.port, self.proc)
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.data.unlink(missing_ok=True)


def aerospike_config(port, pinned, data, work):
    threads = "    service-threads 1\n" if pinned else ""
    if data:
        storage = f"""storage-engine device {{
        file {data}
        filesize 1G
        post-write-cache 32M
        defrag-lwm-pct 50
    }}"""
    else:
        storage = "storage-engine memory {\n        data-size 4G\n    }"
    for d in ("smd", "usr/udf/lua"):
        (Path(work) / "asd" / d).mkdir(parents=True, exist_ok=True)
    return f"""service {{
    cluster-name bench
    proto-fd-max 15000
    work-directory {work}/asd
{threads}}}
logging {{
    console {{
        context any warning
    }}
}}
mod-lua {{
    user-path {work}/asd/usr/udf/lua
}}
network {{
    service {{
        address 127.0.0.1
        port {port}
    }}
    fabric {{
        address 127.0.0.1
        port {port + 1}
    }}
    heartbeat {{
        mode mesh
        address 127.0.0.1
        port {port + 2}
        interval 150
        timeout 10
    }}
}}
namespace test {{
    replication-factor 1
    {storage}
}}
"""


def scramjet_config(port, data):
    return f"""network {{
    service {{
        address 127.0.0.1
        port {port}
    }}
}}
namespace test {{
    storage-engine device {{
        file {data}
        filesize 1G
        post-write-cache 32M
        defrag-lwm-pct 50
    }}
}}
"""


def perf(server, args, pinned=False, cpu=False):
    """scramjet-perf against `server`; its JSON report, with the server's CPU per op if asked."""
    prefix = TOOL_CPU if pinned else []
    spin = ["--spin-us", "1000"] if pinned else []
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cpu0 = cpu_seconds(server.proc.pid)
        done = subprocess.run([*prefix, str(PERF), "-p", str(server.port), "-q", "--json", out.name, *spin, *args],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"scramjet-perf {' '.join(args)} failed:\n{done.stderr}")
        report = json.loads(Path(out.name).read_text())
    ops = report["throughput"] * report["duration_s"]
    if cpu and ops:
        report["server_us_per_op"] = (cpu_seconds(server.proc.pid) - cpu0) * 1e6 / ops
    return report


def asbench(path, server, args):
    """Aerospike's asbench against `server`: ops/s and the p50/p99/p99.9 of all operations in µs."""
    with tempfile.TemporaryDirectory() as hist:
        done = subprocess.run([path, "-h", "127.0.0.1", "-p", str(server.port), "-n", "test", "-s", "testset",
                               "--latency", "--percentiles", "50,99,99.9", "--hdr-hist", hist, *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"asbench {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        tps = [int(m) for m in re.findall(r"total\(tps=(\d+)", done.stdout)]
        # The first second is partial (connections opening): leave it out when there are more.
        ops_s = sum(tps[1:]) / len(tps[1:]) if len(tps) > 1 else (tps[0] if tps else 0)
        lat = merged_percentiles(Path(hist))
    return {"throughput": ops_s, "latency_us": lat, "errors": sum(int(e) for e in re.findall(r"errors=(\d+)", done.stdout))}


def merged_percentiles(hist_dir):
    """Percentiles over reads and writes from asbench's --hdr-hist text summaries."""
    values = []  # (value µs, count)
    for path in hist_dir.rglob("*.txt"):
        prev = 0
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and re.fullmatch(r"[0-9.]+", parts[0]) and re.fullmatch(r"\d+", parts[2]):
                total = int(parts[2])
                values.append((float(parts[0]), total - prev))
                prev = total
    values.sort()
    n = sum(c for _, c in values)
    out = {}
    for name, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999)):
        seen = 0
        for v, c in values:
            seen += c
            if n and seen >= q * n:
                out[name] = int(v)
                break
    return out


def fmt_lat(r, keys=("p50", "p99", "p999")):
    lat = r["latency_us"]
    return " / ".join(str(lat.get(k, "-")) for k in keys)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--asd", required=True, help="Aerospike server binary")
    p.add_argument("--asbench", help="Aerospike's asbench (default: scramjet-perf --no-shard-routing)")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--device-seconds", type=int, default=60)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--skip-device", action="store_true")
    p.add_argument("--device-shard-routing", action="store_true",
                   help="the device row's scramjet-perf routes each command to its record's shard")
    p.add_argument("--only", help="comma-separated rows to run: defaults,pinned,device")
    p.add_argument("--work-dir", help="where data files and logs go (default: a temporary directory)")
    p.add_argument("--charts", metavar="DIR", help="write PNG charts of the scramjet-perf runs into DIR")
    a = p.parse_args()
    if CPUS < 2:
        raise SystemExit("needs at least two CPUs: one for the server, one for the tool")
    only = set(a.only.split(",")) if a.only else {"defaults", "pinned", "device"}
    if a.skip_device:
        only.discard("device")
    work = a.work_dir or tempfile.mkdtemp(prefix="bench-vs-")
    Path(work).mkdir(parents=True, exist_ok=True)
    kinds = ["aerospike", "scramjet"]
    secs = ["-t", str(a.seconds)]
    results = {}
    series = {}  # chart -> {server: per_second} (first round)
    names = {"aerospike": "Aerospike", "scramjet": "Scramjet"}

    def keep(chart, kind, report):
        series.setdefault(chart, {}).setdefault(names[kind], report["per_second"])

    def add(row, kind, text):
        results.setdefault(row, {}).setdefault(kind, []).append(text)
        print(f"{row} | {kind} | {text}", flush=True)

    for round_ in range(a.rounds):
        order = kinds if round_ % 2 == 0 else kinds[::-1]
        for kind in order:
            if "defaults" in only:
                with Server(kind, a, False, False, work) as s:
                    load = ["-k", "200000", "-o", "S100", "-z", "16"]
                    if a.asbench:
                        asbench(a.asbench, s, ["-w", "I", *load])
                        r = asbench(a.asbench, s, ["-w", "RU,50", *load, *secs])
                        tool = "asbench"
                    else:
                        perf(s, ["-w", "I", *load, "--no-shard-routing"])
                        r = perf(s, ["-w", "RU,50", *load, *secs, "--no-shard-routing"])
                        tool = "scramjet-perf --no-shard-routing"
                    add(f"defaults, {tool} -z 16, same CPUs", kind,
                        f"{r['throughput']:,.0f} ops/s, p50/p99/p99.9 {fmt_lat(r)} µs, errors {r['errors']}")
            if "pinned" in only:
                with Server(kind, a, True, False, work) as s:
                    load = ["-k", "200000", "-o", "S100"]
                    perf(s, ["-w", "I", *load, "-z", "16"], pinned=True)
                    for z in (16, 64):
                        r = perf(s, ["-w", "RU,50", *load, "-z", str(z), *secs], pinned=True, cpu=True)
                        if z == 16:
                            keep("vs-pinned-z16", kind, r)
                        add(f"pinned CPU 0, one thread, -z {z}", kind,
                            f"{r['throughput']:,.0f} ops/s, p50/p99/p99.9 {fmt_lat(r)} µs, "
                            f"server {r['server_us_per_op']:.1f} µs/op")
                    r = perf(s, ["-w", "RU,50", *load, "-z", "16", *secs, "-g", "40000"], pinned=True, cpu=True)
                    add("pinned CPU 0, one thread, fixed 40k ops/s", kind,
                        f"server {r['server_us_per_op']:.1f} µs/op, p50/p99/p99.9 {fmt_lat(r)} µs "
                        f"({r['throughput']:,.0f} ops/s)")
            if "device" in only:
                with Server(kind, a, False, True, work) as s:
                    # Not shard-aware unless asked: Aerospike has no shards, so for it the flag
                    # changes nothing; for Scramjet it is scramjet-perf's default.
                    route = [] if a.device_shard_routing else ["--no-shard-routing"]
                    load = ["-k", "500000", "-o", "S200", "-z", "32", *route]
                    before = device_counters(kind, s.port)
                    written_before = device_written_bytes(s.data)
                    r = perf(s, ["-w", "I", *load])
                    writes = r["by_op"]["write"]["ops"]
                    inserted = device_counters(kind, s.port)
                    add("device: insert 500k S200", kind, f"{r['throughput']:,.0f} ops/s")
                    r = perf(s, ["-w", "RU,20", *load, "-t", str(a.device_seconds)])
                    writes += r["by_op"]["write"]["ops"]
                    written = device_written_bytes(s.data) - written_before
                    add("device: block device bytes written per write op (insert and run)", kind,
                        f"{written / writes:,.0f} ({written / 2**20:,.0f} MiB for {writes:,} writes)")
                    keep("vs-device", kind, r)
                    add(f"device: RU,20 -z 32 {a.device_seconds} s", kind,
                        f"{r['throughput']:,.0f} ops/s, p50/p99/p99.9 {fmt_lat(r)} µs, errors {r['errors']}")
                    after = device_counters(kind, s.port)
                    add("device: defrag over insert and run", kind, describe_counters(kind, before, after))
                    add("device: write amplification of the run alone", kind, run_amplification(kind, inserted, after))
    print()
    print("| row | Aerospike | Scramjet |")
    print("|---|---|---|")
    for row, by_kind in results.items():
        print(f"| {row} | {'; '.join(by_kind.get('aerospike', []))} | {'; '.join(by_kind.get('scramjet', []))} |")
    print(f"\nwork directory (logs): {work}")
    if a.charts:
        sys.path.insert(0, str(ROOT / "scripts"))
        Path(a.charts).mkdir(parents=True, exist_ok=True)
        titles = {
            "vs-pinned-z16": "RU,50, 200k keys, one thread/shard on CPU 0, scramjet-perf -z 16 on CPU 1",
            "vs-device": "device file, RU,20 (80% updates), 500k keys of 200 B, -z 32, same CPUs",
        }
        for chart, by_server in series.items():
            path = Path(a.charts) / f"{chart}.png"
            runs = list(by_server.items())
            # The series first: without matplotlib, `scripts/charts.py --from` draws it later.
            path.with_suffix(".json").write_text(json.dumps({"title": titles[chart], "runs": runs}) + "\n")
            from charts import write_chart
            try:
                write_chart(path, titles[chart], runs)
            except ImportError as e:  # matplotlib
                print(f"no chart drawn ({e}): .venv/bin/python scripts/charts.py --from {path.with_suffix('.json')}")
                continue
            print(f"chart: {path}")


def device_counters(kind, port):
    ns = info_map(port, "namespace/test")
    if kind == "scramjet":
        return {k: ns.get(k, "0") for k in ("client_write_bytes", "defrag_write_bytes", "defrag_blocks",
                                             "defrag_records", "write_amplification")}
    # Aerospike 8: per-device statistics are in the namespace's info as storage-engine.file[0].*.
    out = {}
    for key, value in ns.items():
        m = re.fullmatch(r"storage-engine\.file\[\d+\]\.(defrag_reads|defrag_writes|writes)", key)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0) + int(value)
    return out


def describe_counters(kind, before, after):
    if kind == "scramjet":
        return ", ".join(f"{k} {after.get(k, '-')}" for k in after)
    d = {k: after.get(k, 0) - before.get(k, 0) for k in ("defrag_reads", "defrag_writes", "writes")}
    # `writes` counts the blocks of client writes only, `defrag_writes` those defrag filled
    # (as/src/storage/drv_ssd.c: n_wblock_writes per current write buffer, n_defrag_wblock_writes).
    amp = (d["writes"] + d["defrag_writes"]) / d["writes"] if d["writes"] else float("nan")
    return (f"8 MiB blocks: defrag_reads {d['defrag_reads']}, defrag_writes {d['defrag_writes']}, "
            f"writes {d['writes']}, write amplification {amp:.2f}")


def run_amplification(kind, before, after):
    """(client + defrag writes) / client writes between two counter snapshots. The cumulative
    figure leans on how many writes each server did: the insert has none, and the more a run
    writes, the more of it is in defrag's steady state."""
    if kind == "scramjet":
        client, defrag = (int(after[k]) - int(before[k]) for k in ("client_write_bytes", "defrag_write_bytes"))
        unit = "bytes"
    else:
        # Whole 8 MiB blocks: a block still filling is not counted yet (about 1% here).
        client, defrag = (after.get(k, 0) - before.get(k, 0) for k in ("writes", "defrag_writes"))
        unit = "8 MiB blocks"
    amp = (client + defrag) / client if client else float("nan")
    return f"{amp:.2f} ({unit}: client {client:,}, defrag {defrag:,})"


if __name__ == "__main__":
    sys.exit(main())
