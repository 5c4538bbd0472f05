"""Info protocol through the official client (connect/tend, info_all) and over a raw socket."""

import base64
import re

import pytest

from aerospike import exception as ex

import aswire
from scramjet_e2e import info, parse_kv


def test_connect_and_tend(server, client):
    assert client.is_connected(), "client.connect() returned but is_connected() is False"
    nodes = client.get_nodes()
    assert nodes == [(server.host, server.port)], (
        f"expected exactly the one seed node {(server.host, server.port)}, got {nodes}")
    names = client.get_node_names()
    assert len(names) == 1 and names[0]["node_name"], f"expected one named node, got {names}"


def test_info_all_shape_and_node(client):
    res = client.info_all("node")
    # info_all -> {node_name: (error, text)}; text is the value (name\t stripped) plus "\n"
    # (observed with aerospike 19.3.0; aerospike-client-python src/main/client/info.c).
    assert isinstance(res, dict) and len(res) == 1, f"expected {{node: (err, text)}}, got {res!r}"
    (node_name, (err, text)), = res.items()
    assert err is None, f"expected no error, got {err!r}"
    assert text == node_name + "\n", (
        f"node value should equal the node name the client uses: expected {node_name!r}+'\\n', "
        f"got {text!r}")
    # Real servers print the 64-bit node id with %lX: uppercase hex, no leading zeros.
    assert re.fullmatch(r"[0-9A-F]+", node_name) and not node_name.startswith("0"), (
        f"node id should be uppercase hex without leading zeros, got {node_name!r}")


def test_build_is_four_part_version(client):
    build = info(client, "build")
    # Rust client requires ^\d+\.\d+\.\d+\.\d+ (PROTOCOL.md section 7); C needs >= 4.9.0.3.
    assert re.match(r"^\d+\.\d+\.\d+\.\d+$", build), f"expected a.b.c.d build, got {build!r}"
    major = int(build.split(".")[0])
    assert major >= 6, f"build should advertise >= 6.0 (partition queries, batch-any), got {build}"


def test_namespaces_and_namespace_stats(client):
    nss = info(client, "namespaces").split(";")
    assert "test" in nss, f"expected 'test' in namespaces, got {nss}"
    stats = parse_kv(info(client, "namespace/test"))
    assert "objects" in stats, f"namespace/test should have objects=, got keys {sorted(stats)}"
    assert stats["objects"].isdigit(), f"objects should be an integer, got {stats['objects']!r}"


def test_sets_lists_set_after_write(client, key):
    k = key(set="infosets")
    client.put(k, {"a": 1})
    text = info(client, "sets")
    # Real format: ns=test:set=infosets:objects=1:...; (one set per ';'-terminated entry).
    entries = [parse_kv(e, sep=":") for e in text.split(";") if e]
    ours = [e for e in entries if e.get("ns") == "test" and e.get("set") == "infosets"]
    assert ours, f"expected an entry ns=test:set=infosets:... in sets, got {text!r}"
    assert "objects" in ours[0] and int(ours[0]["objects"]) >= 1, (
        f"expected objects>=1 for set infosets, got {ours[0]}")


def test_statistics(client):
    stats = parse_kv(info(client, "statistics"))
    assert stats.get("cluster_size") == "1", f"expected cluster_size=1, got {stats.get('cluster_size')!r}"
    for k in ("client_connections", "uptime"):
        assert k in stats, f"statistics should contain {k}=, got keys {sorted(stats)[:40]}"
        assert stats[k].isdigit(), f"{k} should be an integer, got {stats[k]!r}"
    assert int(stats["client_connections"]) >= 1, (
        f"the test client is connected, so client_connections>=1, got {stats['client_connections']}")


def test_status_ok(client):
    assert info(client, "status") == "ok"


def test_features_has_pscans(client):
    feats = info(client, "features").split(";")
    # Java and Go clients reject a node without pscans (PROTOCOL.md section 7).
    assert "pscans" in feats, f"features should contain pscans, got {feats}"


def test_replicas_bitmap(client):
    text = info(client, "replicas")
    # <ns>:<regime>,<n_replicas>,<684-char base64>[,...];... (PROTOCOL.md section 7, replicas)
    per_ns = dict(item.split(":", 1) for item in text.split(";") if item)
    assert "test" in per_ns, f"replicas should describe namespace test, got {text[:200]!r}"
    parts = per_ns["test"].split(",")
    assert len(parts) >= 3, f"expected regime,n_replicas,bitmap..., got {parts[:3]}"
    regime, n_replicas, bitmaps = int(parts[0]), int(parts[1]), parts[2:]
    assert regime == 0, f"AP/CE regime should be 0, got {regime}"
    assert n_replicas == len(bitmaps) >= 1, (
        f"n_replicas ({n_replicas}) should equal the number of bitmaps ({len(bitmaps)})")
    assert len(bitmaps[0]) == 684, f"bitmap must be exactly 684 base64 chars, got {len(bitmaps[0])}"
    raw = base64.b64decode(bitmaps[0], validate=True)
    assert raw == b"\xff" * 512, "a single node must own (master) all 4096 partitions"


def test_peers_and_service(server, client):
    peers = info(client, "peers-clear-std")
    # <gen>,<default-port>,[] for a single node (PROTOCOL.md section 7, peers-clear-std)
    assert re.fullmatch(r"\d+,\d*,\[\]", peers), f"expected '<gen>,<port>,[]', got {peers!r}"
    service = info(client, "service-clear-std")
    addrs = [a for a in service.split(",") if a]
    assert addrs, f"service-clear-std should list this node's address, got {service!r}"
    assert any(a.endswith(f":{server.port}") for a in addrs), (
        f"service-clear-std should list an address with port {server.port}, got {addrs}")


def test_partition_generation(client):
    gen = info(client, "partition-generation")
    assert re.fullmatch(r"\d+", gen), f"partition-generation must be a non-negative int, got {gen!r}"


def test_get_config(client):
    cfg = parse_kv(info(client, "get-config"))
    assert cfg and all(v is not None for v in cfg.values()), (
        f"get-config should return k=v;k=v..., got {cfg!r}")
    nscfg = parse_kv(info(client, "get-config:context=namespace;id=test"))
    assert nscfg.get("default-ttl") == "0", (
        f"embedded default namespace has default-ttl 0, got {nscfg.get('default-ttl')!r}")
    assert "nsup-period" in nscfg, f"namespace config should list nsup-period, got {sorted(nscfg)}"


def test_set_config_default_ttl(start_server, new_client, key):
    # Own server: this changes namespace config.
    srv = start_server()
    c = new_client(srv)
    res = info(c, "set-config:context=namespace;id=test;default-ttl=100")
    assert res == "ok", f"set-config should answer ok, got {res!r}"
    nscfg = parse_kv(info(c, "get-config:context=namespace;id=test"))
    assert nscfg.get("default-ttl") == "100", f"get-config should show default-ttl=100, got {nscfg.get('default-ttl')!r}"
    k = key()
    c.put(k, {"a": 1})  # no meta: client sends ttl 0 = namespace default
    _, meta, _ = c.get(k)
    assert 95 <= meta["ttl"] <= 100, f"put without ttl should get the new default ~100 s, got {meta}"


def test_unknown_command_via_client(client):
    # The C client validates info responses and turns a value "ERROR:4:..." into an error
    # with that code (PROTOCOL.md section 7, as_info_validate); observed InvalidRequest code 4.
    with pytest.raises(ex.InvalidRequest) as ei:
        client.info_all("no-such-command")
    assert ei.value.code == 4, f"expected code 4, got {ei.value.code} ({ei.value.msg})"


def test_unknown_command_raw(server):
    text = aswire.info_raw(server.host, server.port, ["no-such-command"])
    assert text.startswith("no-such-command\tERROR:4"), (
        f"expected 'no-such-command\\tERROR:4...' (thr_info.c), got {text!r}")
    assert text.endswith("\n")


def test_multiple_commands_echoed_in_order_raw(server):
    text = aswire.info_raw(server.host, server.port, ["build", "node", "namespaces"])
    lines = text.split("\n")
    assert lines[-1] == "", f"response must end with newline, got {text!r}"
    names = [line.split("\t", 1)[0] for line in lines[:-1]]
    assert names == ["build", "node", "namespaces"], (
        f"each request line must be echoed, in order, before a tab; got {lines}")
    assert all("\t" in line for line in lines[:-1]), f"every line needs name\\tvalue: {lines}"


def test_info_single_node_and_random(client):
    # info_random_node returns the whole "name\tvalue\n" line (observed with 19.3.0).
    text = client.info_random_node("namespaces")
    assert text.startswith("namespaces\t") and "test" in text, f"got {text!r}"


def test_scramjet_info_prints_what_the_official_client_reads(server, client):
    """scramjet-info (asinfo's flags): -v answers the same text as the official client's
    info call, several -v one answer each, -l one item a line, no -v the node's summary, a node
    that does not answer an error and exit status 1."""
    import subprocess

    from scramjet_e2e import REPO_ROOT

    tool = str(REPO_ROOT / "target" / "release" / "scramjet-info")

    def run(*args):
        done = subprocess.run([tool, "-h", server.host, "-p", str(server.port), *args], capture_output=True,
                              text=True, timeout=30)
        return done.returncode, done.stdout, done.stderr

    for command in ("node", "build", "namespaces", "features", "get-config:context=service", "udf-list"):
        rc, out, _ = run("-v", command)
        assert rc == 0 and out == info(client, command) + "\n", command
    rc, out, _ = run("-v", "build", "-v", "node")
    assert out.splitlines() == [info(client, "build"), info(client, "node")]
    rc, out, _ = run("-v", "namespace/test", "-l")
    items = out.splitlines()
    assert "ns_cluster_size=1" in items and all("=" in item for item in items)
    rc, out, _ = run()
    assert rc == 0 and out.splitlines()[:2] == ["1 :  features", "     " + info(client, "features")]
    done = subprocess.run([tool, "-h", "127.0.0.1", "-p", "1", "-v", "build"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 1 and done.stderr.startswith("scramjet-info: "), done
