# Shared by cluster.sh and cluster-netns.sh (sourced, not run). Expects DIR to be set.

# node_stat HOST PORT NAME [COMMAND PREFIX...] -> one statistic of the node at HOST:PORT. A
# prefix such as `ip netns exec NS` runs the query inside a network namespace.
node_stat() {
    local host=$1 port=$2 name=$3
    shift 3
    "$@" python3 - "$host" "$port" "$name" <<'PY'
import socket, struct, sys
host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with socket.create_connection((host, port), timeout=2) as s:
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

# The indexes of the nodes started in DIR.
nodes() { ls "$DIR"/node-*.pid 2>/dev/null | sed 's/.*node-\([0-9]*\)\.pid/\1/' | sort -n; }

# wait_agreed N STAT_FUNCTION: polls until nodes 0..N-1 all report cluster_size N, for up to
# 10 s; STAT_FUNCTION I NAME gives node I's statistic NAME.
wait_agreed() {
    local n=$1 stat=$2 i sizes
    for _ in $(seq 100); do
        sizes=$(for ((i = 0; i < n; i++)); do "$stat" "$i" cluster_size 2>/dev/null || echo 0; done | sort -u)
        if [ "$sizes" = "$n" ]; then
            echo "$n nodes agree on cluster key $("$stat" 0 cluster_key)"
            return 0
        fi
        sleep 0.1
    done
    echo "the nodes did not agree within 10 s; see $DIR/node-*.log" >&2
    return 1
}

# Stops every node started in DIR: SIGTERM to all, up to 10 s for them to flush and close,
# then SIGKILL.
stop_nodes() {
    local pids=() i pid alive
    for i in $(nodes); do
        pids+=("$(cat "$DIR/node-$i.pid")")
        rm -f "$DIR/node-$i.pid"
    done
    [ ${#pids[@]} -gt 0 ] || return 0
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 100); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 1 ] || break
        sleep 0.1
    done
    kill -9 "${pids[@]}" 2>/dev/null || true
}
