"""Clustering, membership (issue 7): nodes with `heartbeat { mode mesh }` find each other
through a seed, agree on one succession list and cluster key, notice a dead node and take it
back after a restart, and split and merge in network namespaces. Data across the cluster is
in test_cluster_data.py."""

import os
import re
import subprocess

import pytest

import aswire
from scramjet_e2e import REPO_ROOT, cluster_node_config, free_port, free_ports, netns_available, poll

def config(node_id, hb, seed, name=""):
    return cluster_node_config(node_id, hb, seed, name=name)


def stats(srv):
    text = aswire.info_raw(srv.host, srv.port, ["statistics", "node"])
    lines = dict(line.split("\t", 1) for line in text.strip().split("\n"))
    kv = dict(item.split("=", 1) for item in lines["statistics"].split(";"))
    kv["node"] = lines["node"]
    return kv


def agreed(servers, size):
    """The nodes all report one cluster of `size` with the same key, or None."""
    seen = [stats(s) for s in servers]
    keys = {s["cluster_key"] for s in seen}
    if len(keys) == 1 and all(int(s["cluster_size"]) == size for s in seen) and "0" not in keys:
        return seen
    return None


def test_nodes_agree_notice_a_death_and_take_a_restart_back(start_server):
    seed = free_port()
    configs = [config(0xA1 + i, seed if i == 0 else free_port(), seed) for i in range(3)]
    servers = [start_server(c) for c in configs]
    seen = poll(lambda: agreed(servers, 3), 20, desc="three nodes agree on one cluster")
    ids = sorted((int(s["node"], 16) for s in seen), reverse=True)
    assert seen[0]["cluster_principal"] == f"{ids[0]:X}", "the highest node id leads"
    assert seen[0]["cluster_succession"] == ",".join(f"{i:X}" for i in ids)
    assert all(s["cluster_integrity"] == "true" for s in seen)
    key = seen[0]["cluster_key"]

    # The principal dies: the other two agree on a new cluster without it.
    principal = next(s for s, st in zip(servers, seen) if st["node"] == seen[0]["cluster_principal"])
    principal.kill()
    rest = [s for s in servers if s is not principal]
    seen = poll(lambda: agreed(rest, 2), 20, desc="the two survivors agree")
    assert seen[0]["cluster_key"] != key
    assert seen[0]["cluster_principal"] == f"{ids[1]:X}"
    assert any(peer.endswith(":gone") for peer in seen[0]["cluster_peers"].split(","))

    # It comes back (its node-id is configured, so the same id): three again, under a new key.
    back = start_server(configs[servers.index(principal)])
    seen = poll(lambda: agreed(rest + [back], 3), 20, desc="the restarted node is taken back")
    assert seen[0]["cluster_principal"] == f"{ids[0]:X}"


def test_nodes_of_another_cluster_name_stay_apart(start_server):
    seed = free_port()
    a = start_server(config(0xB1, seed, seed, name="blue"))
    other = start_server(config(0xB2, free_port(), seed, name="green"))
    c = start_server(config(0xB3, free_port(), seed, name="blue"))
    # The positive control: the two "blue" nodes find each other through the same seed...
    seen = poll(lambda: agreed([a, c], 2), 20, desc="the blue nodes agree")
    assert "B2" not in seen[0]["cluster_peers"] and "B2" not in seen[0]["cluster_succession"]
    # ...while the green one, heard by the same seed, stays on its own.
    alone = stats(other)
    assert alone["cluster_size"] == "1" and alone["cluster_peers"] == "", alone


def test_a_node_without_heartbeats_is_a_cluster_of_one(server):
    s = stats(server)
    assert s["cluster_size"] == "1" and s["cluster_principal"] == s["node"] and s["cluster_peers"] == ""


def test_the_cluster_script_starts_reports_and_stops_a_local_cluster(tmp_path):
    env = dict(os.environ, DIR=str(tmp_path), PORT=str(free_ports(3)))  # service, fabric, heartbeat
    script = str(REPO_ROOT / "scripts" / "cluster.sh")
    try:
        started = subprocess.run([script, "start", "3"], env=env, capture_output=True, text=True, timeout=60)
        assert started.returncode == 0 and "3 nodes agree" in started.stdout, started.stdout + started.stderr
        status = subprocess.run([script, "status"], env=env, capture_output=True, text=True, timeout=60).stdout
        assert status.count("size 3") == 3, status
    finally:
        subprocess.run([script, "stop"], env=env, timeout=60)
    assert not list(tmp_path.glob("*.pid"))


@pytest.mark.skipif(not netns_available(), reason="needs root and iproute2 for network namespaces")
def test_a_node_cut_off_in_its_namespace_splits_then_merges(tmp_path):
    tag = os.getpid() % 200
    env = dict(os.environ, PREFIX=f"e{tag}n", SUBNET=f"10.79.{tag}", DIR=str(tmp_path))
    script = str(REPO_ROOT / "scripts" / "cluster-netns.sh")

    def run(*args):
        done = subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def views():
        """node -> (size, key) as each node sees it, asked inside its namespace."""
        out = {}
        for line in run("status").splitlines():
            m = re.match(r"node (\d+) .*size (\d+) key (\w+)", line)
            if m:
                out[int(m.group(1))] = (int(m.group(2)), m.group(3))
        return out

    def split():
        v = views()
        return v if len(v) == 3 and v[0][0] == 1 and v[1] == v[2] and v[1][0] == 2 else None

    def merged():
        v = views()
        return v if len(v) == 3 and len(set(v.values())) == 1 and v[0][0] == 3 else None

    try:
        assert "3 nodes agree" in run("start", "3")
        run("cut", "0")  # node 0 is also the others' seed: they keep each other through their peers
        apart = poll(split, 20, desc="node 0 alone, nodes 1 and 2 together")
        run("heal", "0")
        together = poll(merged, 20, desc="the three merged again")
        assert together[0][1] not in (apart[0][1], apart[1][1]), "the merged cluster has a new key"
    finally:
        subprocess.run([script, "stop"], env=env, timeout=60)
