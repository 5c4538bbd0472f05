#!/usr/bin/env bash
# A local cluster whose nodes each live in their own network namespace, joined by veth pairs
# to one bridge, so that a node can be cut off and healed (issue 7). Needs root and iproute2.
# Node i is 10.77.0.(i+1) inside namespace ${PREFIX}i; the root namespace reaches the nodes
# through the bridge (10.77.0.254), clients included. A cut node forms a cluster of its own;
# after a heal the clusters merge and migrations converge every record to its newest version.
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

. scripts/cluster-common.sh

stat() { # stat I NAME -> one statistic of node I, asked inside its namespace
    node_stat "$SUBNET.$(($1 + 1))" 3000 "$2" ip netns exec "${PREFIX}$1"
}

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
    work-directory $DIR/work-$i
    cluster-name netns
    auto-pin none
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
    wait_agreed "$n" stat
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
    stop_nodes
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
