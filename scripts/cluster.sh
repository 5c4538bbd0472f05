#!/usr/bin/env bash
# Starts, inspects and stops a local cluster of scramjetd nodes, node i on 127.0.0.(i+1) with
# the standard ports (service 3000, fabric 3001, heartbeat 3002; PORT=N moves them to N..N+2),
# heartbeats seeded by node 0. The nodes form one cluster, share the partitions (replication
# factor 2 by default) and serve clients from any node; THREADS sets shards per node.
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
THREADS=${THREADS:-1} # shards per node
BIN=target/release/scramjetd

. scripts/cluster-common.sh

stat() { # stat I NAME -> one statistic of node I
    node_stat "127.0.0.$(($1 + 1))" "$PORT" "$2"
}

case "${1:-}" in
start)
    n=${2:?usage: cluster.sh start N}
    [ -x "$BIN" ] || cargo build --release --locked --bin scramjetd
    mkdir -p "$DIR"
    for ((i = 0; i < n; i++)); do
        host=127.0.0.$((i + 1))
        cat > "$DIR/node-$i.conf" <<CONF
service {
    work-directory $DIR/work-$i
    cluster-name local
    auto-pin none
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
        "$BIN" --config-file "$DIR/node-$i.conf" --service-threads "$THREADS" > "$DIR/node-$i.log" 2>&1 &
        echo $! > "$DIR/node-$i.pid"
    done
    wait_agreed "$n" stat
    ;;
status)
    for i in $(nodes); do
        host=127.0.0.$((i + 1))
        if size=$(stat "$i" cluster_size 2>/dev/null); then
            echo "node $i ($host:$PORT): size $size key $(stat "$i" cluster_key) principal $(stat "$i" cluster_principal) peers $(stat "$i" cluster_peers)"
        else
            echo "node $i ($host:$PORT): not answering"
        fi
    done
    ;;
stop)
    stop_nodes
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
