#!/usr/bin/env python3
"""Secondary index benchmarks (issue 15): starts scramjetd on one core (taskset) and drives it
from another with scramjet-perf and the official Python client.

  1. Loads RECORDS records with scramjet-perf (-o I,S8,I: testbin a random i64, testbin_2 one
     of 64 8-byte strings, testbin_3 a random i64).
  2. RU,50 throughput (scramjet-perf, 10 s) with no index.
  3. Creates a numeric index on testbin while RU,50 runs: the build time (sindex-stat
     load_time), and RU,50's throughput and p99 during the build next to step 2.
  4. Index memory per entry: the server's resident memory before and after the index, over
     its entries.
  5. Query throughput (Python client, records counted in a foreach callback; median of
     REPEAT): a numeric range selecting 0.1% of the records, one selecting 10%, and a string
     equality (1 in 64).
  6. RU,50 throughput with 1 and with 3 indexes (testbin, testbin_2, testbin_3).

    cargo build --release && .venv/bin/python scripts/bench_sindex.py --records 1000000

Prints one line per number and a JSON summary at the end.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import aerospike
from aerospike import predicates as p

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def perf_command(args, workload, report, duration=None):
    cmd = ["taskset", "-c", args.client_core, os.path.join(ROOT, "target/release/scramjet-perf"),
           "-p", str(args.port), "-k", str(args.records), "-o", "I,S8,I", "-w", workload, "-z", "32",
           "--json", report]
    if duration:
        cmd += ["-t", str(duration)]
    return cmd


def summary(report):
    with open(report) as f:
        r = json.load(f)
    return {"ops_per_sec": round(r["throughput"]), "p50_us": r["latency_us"]["p50"], "p99_us": r["latency_us"]["p99"],
            "errors": r["errors"]}


def perf(args, workload, duration=None):
    report = os.path.join(args.work, "perf.json")
    subprocess.run(perf_command(args, workload, report, duration), capture_output=True, text=True, check=True)
    return summary(report)


def create(client, name, bin_name, kind):
    answer = client.info_all(f"sindex-create:namespace=test;set=testset;indexname={name};bin={bin_name};type={kind}")
    assert all(text.strip() == "ok" for _, (err, text) in answer.items()), answer
    while True:
        stat = dict(kv.split("=", 1) for kv in list(client.info_all(
            f"sindex-stat:namespace=test;indexname={name}").values())[0][1].strip().split(";"))
        if stat.get("load_pct") == "100":
            return stat
        time.sleep(0.05)


def count(client, predicate):
    n = 0

    def each(_record):
        nonlocal n
        n += 1

    q = client.query("test", "testset")
    q.where(predicate)
    start = time.monotonic()
    q.foreach(each)
    return n, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--port", type=int, default=3400)
    ap.add_argument("--server-core", default="0")
    ap.add_argument("--client-core", default="1")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-sindex-")
    args.work = work
    server = subprocess.Popen(
        ["taskset", "-c", args.server_core, os.path.join(ROOT, "target/release/scramjetd"), "--port", str(args.port),
         "--service-threads", "1", "--work-directory", work, "--log-level", "warning"],
        stderr=subprocess.DEVNULL)
    results = {}
    try:
        config = {"hosts": [("127.0.0.1", args.port)], "policies": {"query": {"total_timeout": 0, "socket_timeout": 0}}}
        deadline = time.monotonic() + 30
        while True:  # until the server accepts clients
            try:
                client = aerospike.client(config).connect()
                break
            except aerospike.exception.AerospikeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        perf(args, "I")
        print(f"loaded {args.records} records", flush=True)
        base = perf(args, "RU,50")
        results["ru50_no_index"] = base
        print("RU,50 no index:", base, flush=True)

        rss0 = rss_bytes(server.pid)
        report = os.path.join(work, "during.json")
        during = subprocess.Popen(perf_command(args, "RU,50", report, 15), stdout=subprocess.DEVNULL)
        time.sleep(2)
        stat = create(client, "b_num", "testbin", "numeric")
        during.wait()
        results["ru50_during_build"] = summary(report)
        results["build_ms"] = int(stat["load_time"])
        print(f"index on {args.records} records built in {stat['load_time']} ms; RU,50 over the 15 s around it:",
              results["ru50_during_build"], flush=True)
        rss1 = rss_bytes(server.pid)
        entries = int(stat["entries"])
        results["bytes_per_entry"] = (rss1 - rss0) / entries
        print(f"memory: {rss1 - rss0} bytes for {entries} entries = {results['bytes_per_entry']:.1f} B/entry", flush=True)

        span = 2 ** 64
        lo = -2 ** 63
        for label, pred in [
            ("range_0.1pct", p.between("testbin", lo, lo + span // 1000)),
            ("range_10pct", p.between("testbin", lo, lo + span // 10)),
        ]:
            runs = [count(client, pred) for _ in range(args.repeat)]
            n = runs[0][0]
            rate = statistics.median(n / t for _, t in runs)
            results[label] = {"records": n, "records_per_sec": rate}
            print(f"query {label}: {n} records, {rate:,.0f} records/s (median of {args.repeat})", flush=True)
        create(client, "b_str", "testbin_2", "string")
        # One of the 64 pooled strings: take one stored.
        sample = next(iter(client.scan("test", "testset").results({"max_records": 1})))[2]["testbin_2"]
        runs = [count(client, p.equals("testbin_2", sample)) for _ in range(args.repeat)]
        rate = statistics.median(n / t for n, t in runs)
        results["string_eq"] = {"records": runs[0][0], "records_per_sec": rate}
        print(f"query string equality: {runs[0][0]} records, {rate:,.0f} records/s", flush=True)

        info = client.info_all
        info("sindex-delete:namespace=test;indexname=b_str")
        one = perf(args, "RU,50")
        results["ru50_one_index"] = one
        print("RU,50 one index:", one, flush=True)
        create(client, "b_str", "testbin_2", "string")
        create(client, "b_num3", "testbin_3", "numeric")
        three = perf(args, "RU,50")
        results["ru50_three_indexes"] = three
        print("RU,50 three indexes:", three, flush=True)
        client.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
