#!/usr/bin/env python3
"""Foreground latency with and without a full scan running, official Aerospike Python client.

Starts nothing: point it at a running server. Loads RECORDS records (a 100-byte string and an
integer) into SET, then runs the same foreground load twice for SECONDS each: PROCESSES client
processes doing random reads and updates (half each, one request in flight per process). The
second time, one more process scans the whole set over and over. Reports foreground ops/s and
latency percentiles for both runs, and the scan's records/s.

    .venv/bin/python scripts/bench_scan_under_load.py --records 1000000 --processes 4 --seconds 10

Latencies are measured in the client process and include the Python client's own cost; on a
small machine the client processes also compete with the server for CPU.
"""

import argparse
import multiprocessing as mp
import random
import time

import aerospike


def connect(args):
    return aerospike.client({"hosts": [(args.host, args.port)]}).connect()


def loader(args, first, last):
    client = connect(args)
    value = "x" * 100
    for i in range(first, last):
        client.put((args.namespace, args.set, i), {"v": value, "n": i})
    client.close()


def foreground(args, start, results):
    client = connect(args)
    value = "y" * 100
    rng = random.Random()
    latencies = []
    start.wait()
    deadline = time.perf_counter() + args.seconds
    while True:
        began = time.perf_counter()
        if began >= deadline:
            break
        key = (args.namespace, args.set, rng.randrange(args.records))
        if rng.random() < 0.5:
            client.get(key)
        else:
            client.put(key, {"v": value})
        latencies.append(time.perf_counter() - began)
    client.close()
    results.put(latencies)


def scanner(args, start, results):
    client = connect(args)
    start.wait()
    deadline = time.perf_counter() + args.seconds
    scans = []
    while time.perf_counter() < deadline:
        count = [0]

        def seen(_record):
            count[0] += 1

        began = time.perf_counter()
        query = client.query(args.namespace, args.set)
        query.records_per_second = args.scan_rps
        query.foreach(seen)
        scans.append((count[0], time.perf_counter() - began))
    client.close()
    results.put(scans)


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


def run(args, with_scan):
    parties = args.processes + (1 if with_scan else 0) + 1
    start = mp.Barrier(parties)
    fg_results, scan_results = mp.Queue(), mp.Queue()
    procs = [mp.Process(target=foreground, args=(args, start, fg_results)) for _ in range(args.processes)]
    if with_scan:
        procs.append(mp.Process(target=scanner, args=(args, start, scan_results)))
    for p in procs:
        p.start()
    start.wait()
    latencies = []
    for _ in range(args.processes):
        latencies.extend(fg_results.get())
    scans = scan_results.get() if with_scan else []
    for p in procs:
        p.join()
    latencies.sort()
    ms = [1000 * percentile(latencies, f) for f in (0.5, 0.99, 0.999)]
    label = "with scan   " if with_scan else "without scan"
    print(
        f"{label}: {len(latencies) / args.seconds:,.0f} ops/s, p50 {ms[0]:.3f} ms, "
        f"p99 {ms[1]:.3f} ms, p99.9 {ms[2]:.3f} ms, max {1000 * latencies[-1]:.3f} ms"
    )
    for count, seconds in scans:
        print(f"  scan: {count:,} records in {seconds:.2f} s, {count / seconds:,.0f} records/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--namespace", default="test")
    parser.add_argument("--set", default="scanload")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--scan-rps", type=int, default=0, help="the scan's records/s limit (0: none)")
    parser.add_argument("--skip-load", action="store_true", help="the records are already there")
    args = parser.parse_args()

    if not args.skip_load:
        began = time.perf_counter()
        step = (args.records + 7) // 8
        loaders = [
            mp.Process(target=loader, args=(args, first, min(first + step, args.records)))
            for first in range(0, args.records, step)
        ]
        for p in loaders:
            p.start()
        for p in loaders:
            p.join()
        print(f"loaded {args.records:,} records in {time.perf_counter() - began:.1f} s")

    run(args, with_scan=False)
    run(args, with_scan=True)


if __name__ == "__main__":
    main()
