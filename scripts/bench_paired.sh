#!/usr/bin/env bash
# Paired runs: the same scramjet-perf load against two builds of scramjetd, one right after the
# other, several rounds, so that a change is compared on the same machine in the same minutes
# (this host is too noisy to compare runs taken at different times), alternating which goes
# first.
#
#   scripts/bench_paired.sh BEFORE_DIR AFTER_DIR [ROUNDS] [SHARDS] [SECONDS] [PERF FLAGS...]
#
# BEFORE_DIR and AFTER_DIR each hold a `scramjetd` binary (e.g. a copy of target/release from
# before the change, and target/release). Each round starts each server in turn with SHARDS
# shards (default 1), loads 200k keys of 100-byte strings and runs RU,50 with 16 in flight for
# SECONDS (default 10), the RU,50 row of docs/benchmarks.md. With one shard the server runs on
# CPU 0 and the tool on the last CPU, busy-polling, as bench_perf.py does; with more shards
# both run unpinned (add --no-shard-routing to the flags to send every command to the service
# port, as the official clients do, so that about half of them cross shards). Prints one line
# per run: build, round, ops/s, p50/p99/p99.9 in µs, errors.
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?BEFORE_DIR}
after=${2:?AFTER_DIR}
rounds=${3:-3}
shards=${4:-1}
seconds=${5:-10}
shift $(( $# < 5 ? $# : 5 ))
flags=("$@")
perf=target/release/scramjet-perf
port=3390
cpus=$(nproc)
if [ "$shards" = 1 ] && [ "$cpus" -ge 2 ]; then
    server_pin=(taskset -c 0)
    tool_pin=(taskset -c $((cpus - 1)))
    spin=(--spin-us 1000)
else
    server_pin=()
    tool_pin=()
    spin=()
fi
report=$(mktemp)
trap 'rm -f "$report"' EXIT

run() {
    local label=$1 dir=$2 round=$3
    "${server_pin[@]}" "$dir/scramjetd" --port "$port" --service-threads "$shards" --log-level warning &
    local pid=$!
    for _ in $(seq 1 200); do
        if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then break; fi
        sleep 0.05
    done
    "${tool_pin[@]}" "$perf" -h 127.0.0.1 -p "$port" -q -w I -k 200000 -o S100 -z 16 "${flags[@]}" >/dev/null
    "${tool_pin[@]}" "$perf" -h 127.0.0.1 -p "$port" -q -w RU,50 -k 200000 -o S100 -z 16 -t "$seconds" \
        "${spin[@]}" "${flags[@]}" --json "$report" >/dev/null
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    python3 - "$label" "$round" "$report" <<'PY'
import json, sys
label, round_, path = sys.argv[1:]
r = json.load(open(path))
lat = r["latency_us"]
print(f"{label:6} round {round_}: {r['throughput']:9,.0f} ops/s  p50 {lat['p50']} p99 {lat['p99']} "
      f"p99.9 {lat['p999']} us  errors {r['errors']}")
PY
}

# The second run of a pair is often a few percent faster on this host, whichever build it is:
# odd rounds run the old build first, even rounds the new one.
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then
        run before "$before" "$round"
        run after "$after" "$round"
    else
        run after "$after" "$round"
        run before "$before" "$round"
    fi
done
