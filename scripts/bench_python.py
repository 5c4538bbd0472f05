#!/usr/bin/env python3
"""A first loopback throughput figure with the official Aerospike Python client.

Starts nothing: point it at a running server. Runs PROCESSES client processes; each puts
KEYS records (one 100-byte string bin) and then gets them back, one request at a time, and
reports operations per second for each phase. This measures the server through a
synchronous client (one request in flight per process); scramjet-perf will measure the server
itself.

    .venv/bin/python scripts/bench_python.py --port 3000 --processes 4 --keys 20000
"""

import argparse
import multiprocessing as mp
import time

import aerospike


def worker(args, index, phase, start, results):
    client = aerospike.client({"hosts": [(args.host, args.port)]}).connect()
    value = "x" * 100
    keys = [("test", "bench", f"{index}-{i}") for i in range(args.keys)]
    if phase == "get":
        for key in keys:
            client.put(key, {"v": value})
    start.wait()
    began = time.perf_counter()
    if phase == "put":
        for key in keys:
            client.put(key, {"v": value})
    else:
        for key in keys:
            client.get(key)
    results.put(time.perf_counter() - began)
    client.close()


def run_phase(args, phase):
    start = mp.Barrier(args.processes)
    results = mp.Queue()
    procs = [mp.Process(target=worker, args=(args, i, phase, start, results)) for i in range(args.processes)]
    for p in procs:
        p.start()
    elapsed = [results.get() for _ in procs]
    for p in procs:
        p.join()
    total = args.keys * args.processes
    return total / max(elapsed)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--keys", type=int, default=20000)
    args = parser.parse_args()
    for phase in ("put", "get"):
        rate = run_phase(args, phase)
        print(f"{phase}: {rate:,.0f} ops/s ({args.processes} processes x {args.keys} keys, 100-byte string bin)")


if __name__ == "__main__":
    main()
