#!/usr/bin/env python3
"""Lua UDF benchmarks (issue 16): starts scramjetd on one core (taskset, one shard) and drives it
from another with scramjet-perf and the official Python client.

  1. Registers a module with `add(rec, bin, n)` (a bin incremented by a record UDF), `sum` and
     `group_count` (stream UDFs), and loads RECORDS records (scramjet-perf -w I -o I).
  2. Record UDF throughput: scramjet-perf UF,0 (every operation `add(rec, "testbin", 1)`) and
     UF,50, next to the same change made by operate (IU,0 and IU,50), 10 s each, 16 in flight,
     the tool busy-polling.
  3. Aggregation: records per second of a sum and of a group-by (10 groups) over every record,
     through the official client (its final reduce included), median of REPEAT.

    cargo build --release && .venv/bin/python scripts/bench_udf.py --records 1000000

Prints one line per number and a JSON summary at the end.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import aerospike

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODULE = """
function add(rec, bin, n)
  rec[bin] = (rec[bin] or 0) + n
  if aerospike:exists(rec) then aerospike:update(rec) else aerospike:create(rec) end
  return rec[bin]
end

local function plus(a, b) return a + b end

function sum(stream, bin)
  return stream : map(function(rec) return rec[bin] end) : reduce(plus)
end

function group_count(stream, bin)
  local function tally(groups, rec)
    local k = rec[bin] % 10
    groups[k] = (groups[k] or 0) + 1
    return groups
  end
  return stream : aggregate(map(), tally) : reduce(function(a, b) return map.merge(a, b, plus) end)
end
"""


def perf(args, workload, extra=(), duration=None):
    report = os.path.join(args.work, "perf.json")
    cmd = ["taskset", "-c", args.client_core, os.path.join(ROOT, "target/release/scramjet-perf"),
           "-p", str(args.port), "-k", str(args.records), "-o", "I", "-w", workload, "-z", "16",
           "--json", report, *extra]
    if duration:
        cmd += ["-t", str(duration), "--spin-us", "1000"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(report) as f:
        r = json.load(f)
    return {"ops_per_sec": round(r["throughput"]), "p50_us": r["latency_us"]["p50"], "p99_us": r["latency_us"]["p99"],
            "errors": r["errors"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--port", type=int, default=3410)
    ap.add_argument("--server-core", default="0")
    ap.add_argument("--client-core", default="1")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    args.work = tempfile.mkdtemp(prefix="bench-udf-")
    # The Python client finishes aggregations with its own Lua: it needs the module file.
    module_path = os.path.join(args.work, "udfbench.lua")
    with open(module_path, "w") as f:
        f.write(MODULE)
    server = subprocess.Popen(
        ["taskset", "-c", args.server_core, os.path.join(ROOT, "target/release/scramjetd"), "--port", str(args.port),
         "--service-threads", "1", "--work-directory", os.path.join(args.work, "server"), "--log-level", "warning"],
        stderr=subprocess.DEVNULL)
    results = {}
    try:
        config = {"hosts": [("127.0.0.1", args.port)], "lua": {"user_path": args.work},
                  "policies": {"query": {"total_timeout": 0, "socket_timeout": 0}}}
        deadline = time.monotonic() + 30
        while True:  # until the server accepts clients
            try:
                client = aerospike.client(config).connect()
                break
            except aerospike.exception.AerospikeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.udf_put(module_path)
        perf(args, "I")
        print(f"loaded {args.records} records", flush=True)
        udf = ["--udf-module", "udfbench", "--udf-function", "add", "--udf-args", "testbin,1"]
        for name, workload, extra in [("operate_increment", "IU,0", ()), ("udf_increment", "UF,0", udf),
                                      ("operate_increment_read50", "IU,50", ()), ("udf_increment_read50", "UF,50", udf)]:
            results[name] = perf(args, workload, extra, duration=10)
            print(name, results[name], flush=True)
        for function in ("sum", "group_count"):
            rates = []
            for _ in range(args.repeat):
                q = client.query("test", "testset")
                q.apply("udfbench", function, ["testbin"])
                started = time.monotonic()
                answer = q.results()
                rates.append(args.records / (time.monotonic() - started))
                assert len(answer) == 1, answer
            results[f"aggregate_{function}_records_per_sec"] = round(statistics.median(rates))
            print(f"aggregate {function}: {statistics.median(rates):,.0f} records/s", flush=True)
    finally:
        server.terminate()
        server.wait()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
