#!/usr/bin/env bash
# A local cluster whose nodes each live in their own network namespace, joined by veth pairs
# to one bridge, so that a node can be cut off and healed (issue 7). Needs root and iproute2.
# Node i is 10.77.0.(i+1) inside namespace ${PREFIX}i; the root namespace reaches the nodes
# through the bridge (10.77.0.254). Clustering is in progress: the nodes agree on their
# membership (see `status`), they do not share partitions or data yet.
#
#   scripts/cluster-netns.sh start 3   # namespaces, bridge, 3 nodes; waits until they agree
#   scripts/cluster-netns.sh cut 0     # take node 0's link down: it is alone
#   scripts/cluster-netns.sh heal 0    # bring it back
#   scripts/cluster-netns.sh status    # each node's view, asked from inside its namespace
#   scripts/cluster-netns.sh stop      # stop the nodes, remove namespaces and bridge
#
# PREFIX (default sj, at most 8 characters), SUBNET (default 10.77.0) and DIR (default
# /tmp/scramjet-netns) let several such clusters coexist.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-sj}
SUBNET=${SUBNET:-10.77.0}
DIR=${DIR:-/tmp/scramjet-netns}
BIN=$(pwd)/target/release/scramjetd
BRIDGE=${PREFIX}br

stat() { # stat NODE NAME -> one statistic of node NODE, asked inside its namespace
    ip netns exec "${PREFIX}$1" python3 - "$SUBNET.$(($1 + 1))" "$2" <<'PY'
import socket, struct, sys
host, name = sys.argv[1], sys.argv[2]
with socket.create_connection((host, 3000), timeout=2) as s:
    body = b"statistics\n"
    s.sendall(struct.pack(">Q", (2 << 56) | (1 << 48) | len(body)) + body)
    size = struct.unpack(">Q", s.recv(8))[0] & ((1 << 48) - 1)
    data = b""
    while len(data) < size:
        data += s.recv(size - len(data))
stats = dict(kv.split("=", 1) for kv in data.decode().split("\t", 1)[1].strip().split(";"))
print(stats[name])
PY
}

nodes() { ls "$DIR"/node-*.pid 2>/dev/null | sed 's/.*node-\([0-9]*\)\.pid/\1/' | sort -n; }

case "${1:-}" in
start)
    n=${2:?usage: cluster-netns.sh start N}
    [ -x "$BIN" ] || cargo build --release --locked --bin scramjetd
    mkdir -p "$DIR"
    ip link add "$BRIDGE" type bridge
    ip addr add "$SUBNET.254/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    for ((i = 0; i < n; i++)); do
        ns=${PREFIX}$i
        ip netns add "$ns"
        ip link add "${PREFIX}v$i" type veth peer name "${PREFIX}p$i"
        ip link set "${PREFIX}p$i" netns "$ns"
        ip link set "${PREFIX}v$i" master "$BRIDGE" up
        ip netns exec "$ns" ip addr add "$SUBNET.$((i + 1))/24" dev "${PREFIX}p$i"
        ip netns exec "$ns" ip link set "${PREFIX}p$i" up
        ip netns exec "$ns" ip link set lo up
        cat > "$DIR/node-$i.conf" <<CONF
service {
    cluster-name netns
}
network {
    service {
        address $SUBNET.$((i + 1))
        port 3000
    }
    heartbeat {
        mode mesh
        address $SUBNET.$((i + 1))
        port 3002
        mesh-seed-address-port $SUBNET.1 3002
        interval 150
        timeout 10
    }
}
namespace test {
    storage-engine memory {
        data-size 256M
    }
}
CONF
        ip netns exec "$ns" "$BIN" --config-file "$DIR/node-$i.conf" --service-threads 1 > "$DIR/node-$i.log" 2>&1 &
        echo $! > "$DIR/node-$i.pid"
    done
    for _ in $(seq 100); do
        sizes=$(for ((i = 0; i < n; i++)); do stat "$i" cluster_size 2>/dev/null || echo 0; done | sort -u)
        if [ "$sizes" = "$n" ]; then
            echo "$n nodes agree on cluster key $(stat 0 cluster_key)"
            exit 0
        fi
        sleep 0.1
    done
    echo "the nodes did not agree within 10 s; see $DIR/node-*.log" >&2
    exit 1
    ;;
cut)
    ip link set "${PREFIX}v${2:?usage: cluster-netns.sh cut I}" down
    ;;
heal)
    ip link set "${PREFIX}v${2:?usage: cluster-netns.sh heal I}" up
    ;;
status)
    for i in $(nodes); do
        if size=$(stat "$i" cluster_size 2>/dev/null); then
            echo "node $i ($SUBNET.$((i + 1))): size $size key $(stat "$i" cluster_key) principal $(stat "$i" cluster_principal)"
        else
            echo "node $i ($SUBNET.$((i + 1))): not answering"
        fi
    done
    ;;
stop)
    pids=()
    for i in $(nodes); do
        pids+=("$(cat "$DIR/node-$i.pid")")
        rm -f "$DIR/node-$i.pid"
    done
    if [ ${#pids[@]} -gt 0 ]; then
        kill "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 100); do
            alive=0
            for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
            [ $alive = 1 ] || break
            sleep 0.1
        done
        kill -9 "${pids[@]}" 2>/dev/null || true
    fi
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^${PREFIX}[0-9]+$" || true); do
        ip netns del "$ns"
    done
    ip link del "$BRIDGE" 2>/dev/null || true
    ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
