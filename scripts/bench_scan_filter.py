#!/usr/bin/env python3
"""Scan throughput with and without a filter expression, official Aerospike Python client.

Starts nothing: point it at a running server. Loads RECORDS records into SET, each an integer
bin `i` (0..RECORDS-1) and a map bin `m` of 100 entries (`"k0".."k99"` -> ints), then scans the
whole set REPEAT times in each of these ways and reports records examined per second (the set's
size over the scan's wall time; median of the runs) and records returned:

  * no filter (every record returned: bound by the client parsing records),
  * `i < RECORDS / 100` (an integer comparison; 1% returned),
  * `m["k50"] < RECORDS / 100` through MapGetByKey (a call into a 100-entry map; 1% returned).

    .venv/bin/python scripts/bench_scan_filter.py --records 200000 --repeat 5

The two filtered scans return few records, so their time is the server's: reading each record
and evaluating the filter on it.
"""

import argparse
import statistics
import time

import aerospike
from aerospike_helpers import expressions as exp


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--namespace", default="test")
    p.add_argument("--set", default="scanfilter")
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--skip-load", action="store_true")
    args = p.parse_args()

    client = aerospike.client({"hosts": [(args.host, args.port)]}).connect()
    if not args.skip_load:
        for i in range(args.records):
            m = {f"k{j}": (i + j * 7919) % args.records for j in range(100)}
            m["k50"] = i
            client.put((args.namespace, args.set, i), {"i": i, "m": m})
    cut = args.records // 100
    filters = [
        ("no filter", None),
        ("int comparison (i < n/100)", exp.LT(exp.IntBin("i"), cut).compile()),
        ("map call (m[\"k50\"] < n/100)",
         exp.LT(exp.MapGetByKey(None, aerospike.MAP_RETURN_VALUE, exp.ResultType.INTEGER, "k50",
                                exp.MapBin("m")), cut).compile()),
    ]
    print(f"| scan of {args.records} records | records examined/s | records returned |")
    print("|---|---|---|")
    for name, f in filters:
        rates, returned = [], 0
        for _ in range(args.repeat):
            policy = {"expressions": f} if f is not None else {}
            began = time.perf_counter()
            rows = client.scan(args.namespace, args.set).results(policy)
            elapsed = time.perf_counter() - began
            rates.append(args.records / elapsed)
            returned = len(rows)
        print(f"| {name} | {statistics.median(rates):,.0f} | {returned:,} |")
    client.close()


if __name__ == "__main__":
    main()
