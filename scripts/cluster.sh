#!/usr/bin/env bash
# Starts, inspects and stops a local cluster of scramjetd nodes, node i on 127.0.0.(i+1) with
# the standard ports (service 3000, fabric 3001, heartbeat 3002; PORT=N moves them to N..N+2),
# heartbeats seeded by node 0. Clustering is in progress (issue 7): the nodes agree on their
# membership (see `status`), they do not share partitions or data yet.
#
#   scripts/cluster.sh start 3     # build if needed, start 3 nodes, wait until they agree
#   scripts/cluster.sh status      # each node's cluster_size, cluster_key, principal, peers
#   scripts/cluster.sh stop        # stop every node (SIGTERM, and wait)
#
# DIR (default /tmp/scramjet-cluster) holds each node's config, log and pid.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${DIR:-/tmp/scramjet-cluster}
PORT=${PORT:-3000}
BIN=target/release/scramjetd

info() { # info HOST PORT COMMAND -> the value of one info command
    python3 - "$@" <<'PY'
import socket, struct, sys
host, port, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with socket.create_connection((host, port), timeout=2) as s:
    body = (command + "\n").encode()
    s.sendall(struct.pack(">Q", (2 << 56) | (1 << 48) | len(body)) + body)
    size = struct.unpack(">Q", s.recv(8))[0] & ((1 << 48) - 1)
    data = b""
    while len(data) < size:
        data += s.recv(size - len(data))
print(data.decode().split("\t", 1)[1].strip())
PY
}

stat() { # stat HOST NAME -> one statistic of the node
    info "$1" "$PORT" statistics | tr ';' '\n' | sed -n "s/^$2=//p"
}

nodes() { ls "$DIR"/node-*.pid 2>/dev/null | sed 's/.*node-\([0-9]*\)\.pid/\1/' | sort -n; }

case "${1:-}" in
start)
    n=${2:?usage: cluster.sh start N}
    [ -x "$BIN" ] || cargo build --release --locked --bin scramjetd
    mkdir -p "$DIR"
    for ((i = 0; i < n; i++)); do
        host=127.0.0.$((i + 1))
        cat > "$DIR/node-$i.conf" <<CONF
service {
    cluster-name local
}
network {
    service {
        address $host
        port $PORT
    }
    fabric {
        address $host
        port $((PORT + 1))
    }
    heartbeat {
        mode mesh
        address $host
        port $((PORT + 2))
        mesh-seed-address-port 127.0.0.1 $((PORT + 2))
        interval 150
        timeout 10
    }
}
namespace test {
    storage-engine memory {
        data-size 1G
    }
}
CONF
        "$BIN" --config-file "$DIR/node-$i.conf" --service-threads 1 > "$DIR/node-$i.log" 2>&1 &
        echo $! > "$DIR/node-$i.pid"
    done
    for _ in $(seq 100); do
        sizes=$(for ((i = 0; i < n; i++)); do stat 127.0.0.$((i + 1)) cluster_size 2>/dev/null || echo 0; done | sort -u)
        if [ "$sizes" = "$n" ]; then
            echo "$n nodes agree on cluster key $(stat 127.0.0.1 cluster_key)"
            exit 0
        fi
        sleep 0.1
    done
    echo "the nodes did not agree within 10 s; see $DIR/node-*.log" >&2
    exit 1
    ;;
status)
    for i in $(nodes); do
        host=127.0.0.$((i + 1))
        if size=$(stat "$host" cluster_size 2>/dev/null); then
            echo "node $i ($host:$PORT): size $size key $(stat "$host" cluster_key) principal $(stat "$host" cluster_principal) peers $(stat "$host" cluster_peers)"
        else
            echo "node $i ($host:$PORT): not answering"
        fi
    done
    ;;
stop)
    pids=()
    for i in $(nodes); do
        pids+=("$(cat "$DIR/node-$i.pid")")
        rm -f "$DIR/node-$i.pid"
    done
    [ ${#pids[@]} -gt 0 ] || exit 0
    kill "${pids[@]}" 2>/dev/null || true
    # A clean stop flushes and closes: give them up to 10 s, then insist.
    for _ in $(seq 100); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 1 ] || break
        sleep 0.1
    done
    kill -9 "${pids[@]}" 2>/dev/null || true
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
