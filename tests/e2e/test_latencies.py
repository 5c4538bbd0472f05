"""Latency histograms and the ticker (issue 18): `latencies:` in Aerospike's format
(cf/src/hist.c, thr_info.c cmd_latencies): `name:msec,TPS,>1ms%,>2ms%,...,>65536ms%;` per
histogram, as of the last ticker dump; the ticker's block in the log."""

import pytest

from aerospike import exception as ex

from scramjet_e2e import info, namespace_config, poll

NAMES = ["batch-index"] + [f"{{test}}-{k}" for k in (
    "read", "write", "udf", "batch-sub-read", "batch-sub-write", "batch-sub-udf", "pi-query", "si-query")]


def parse(text):
    """{name: None (no dump yet) or (tps, [17 percentages])}"""
    out = {}
    for item in filter(None, text.split(";")):
        name, _, value = item.partition(":")
        if not value:
            out[name] = None
            continue
        unit, tps, *pcts = value.split(",")
        assert unit == "msec" and len(pcts) == 17, item
        out[name] = (float(tps), [float(p) for p in pcts])
    return out


def test_latencies_count_each_kind_and_the_ticker_logs(start_server, new_client, tmp_path):
    srv = start_server(namespace_config(extra_service="    ticker-interval 1"))
    c = new_client(srv)
    # Before two dumps every histogram is there, empty.
    first = parse(info(c, "latencies:"))
    assert list(first) == NAMES and all(v is None or v[0] == 0 for v in first.values())
    module = tmp_path / "lat.lua"
    module.write_text("function f(rec) return 1 end")
    c.udf_put(str(module))
    keys = [("test", "lat", i) for i in range(50)]

    def load_seen():
        # Load while waiting: the next dump covers an interval with operations of every kind.
        for k in keys:
            c.put(k, {"a": 1})
            c.get(k)
        c.apply(keys[0], "lat", "f", [])
        c.batch_read(keys[:10])
        c.scan("test", "lat").results()
        got = parse(info(c, "latencies:"))
        wanted = ["{test}-read", "{test}-write", "{test}-udf", "batch-index", "{test}-batch-sub-read",
                  "{test}-pi-query"]
        return got if all(got[n] is not None and got[n][0] > 0 for n in wanted) else None

    got = poll(load_seen, 30, desc="a dump with operations of every kind")
    for name, value in got.items():
        if value is None:
            continue
        tps, pcts = value
        assert tps >= 0 and all(0 <= p <= 100 for p in pcts), (name, value)
        # The share at or over a threshold only falls as the threshold grows.
        assert pcts == sorted(pcts, reverse=True), (name, pcts)
    one = info(c, "latencies:hist={test}-read")
    assert one.startswith("{test}-read:msec,") and one.count(";") == 1
    for bad in ("{nope}-read", "bogus"):
        with pytest.raises(ex.InvalidRequest):
            info(c, f"latencies:hist={bad}")
    # The ticker's block is in the log, with the histograms that saw operations.
    poll(lambda: any("histogram dump: {test}-read" in line for line in srv.stderr_lines()), 10,
         desc="a histogram dump in the log")
    lines = srv.stderr_lines()
    assert any("NODE-ID" in line and "CLUSTER-SIZE 1" in line for line in lines)
    assert any("{test} objects: all 50" in line for line in lines)
    assert any("{test} client: read (" in line for line in lines)
    assert any("process: cpu-pct" in line for line in lines)
    poll(lambda: any("latency: {test}-write ops/sec" in line and ">64ms" in line for line in srv.stderr_lines()),
         10, desc="the interval's latency shares in the log")
    # The process and host figures in statistics (CPU shares over the last ticker interval).
    from scramjet_e2e import parse_kv
    stats = parse_kv(info(c, "statistics"))
    for name in ("process_cpu_pct", "system_total_cpu_pct", "system_user_cpu_pct", "system_kernel_cpu_pct",
                 "system_free_mem_kbytes", "system_free_mem_pct", "process_open_fds", "process_rss_bytes"):
        assert int(stats[name]) >= 0, name
    assert 0 < int(stats["system_free_mem_pct"]) <= 100 and int(stats["process_open_fds"]) >= 3
    assert int(stats["system_user_cpu_pct"]) + int(stats["system_kernel_cpu_pct"]) == int(stats["system_total_cpu_pct"])


def scrape(port):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
        text = r.read().decode()
    metrics = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        metrics[series] = float(value)
    return text, metrics


def with_metrics(port, extra_service="", address=""):
    """A config with the metrics endpoint on `port` and a ticker each second."""
    config = namespace_config(extra_service="    ticker-interval 1\n" + extra_service)
    address = f"        address {address}\n" if address else ""
    return config.replace("network {", f"network {{\n    metrics {{\n{address}        port {port}\n    }}", 1)


def test_the_prometheus_endpoint_answers_the_info_values(start_server, new_client):
    from scramjet_e2e import free_port, parse_kv
    port = free_port()
    srv = start_server(with_metrics(port, "    cluster-name promtest", address="127.0.0.1"))
    c = new_client(srv)
    for i in range(30):
        c.put(("test", "promset", i), {"a": i})
    service = f"127.0.0.1:{srv.port}"
    base = f'cluster_name="promtest",service="{service}"'

    def loaded():
        text, m = scrape(port)
        series = f'aerospike_latencies_write_ms_count{{{base},ns="test"}}'
        c.put(("test", "promset", 0), {"a": 0})
        return (text, m) if m.get(series, 0) > 0 else None

    text, m = poll(loaded, 30, desc="a latency dump in the metrics")
    ns = parse_kv(info(c, "namespace/test"))
    assert m[f'aerospike_namespace_objects{{{base},ns="test"}}'] == float(ns["objects"]) == 30
    assert m[f'aerospike_namespace_client_write_success{{{base},ns="test"}}'] >= 30
    assert m[f'aerospike_node_stats_cluster_size{{{base}}}'] == 1
    assert m[f'aerospike_sets_objects{{{base},ns="test",set="promset"}}'] == 30
    # The exporter's buckets: +Inf is the rate; every le bucket at most the next one.
    buckets = [m[f'aerospike_latencies_write_ms_bucket{{{base},ns="test",le="{le}"}}']
               for le in [str(1 << k) for k in range(17)] + ["+Inf"]]
    assert buckets == sorted(buckets) and buckets[-1] == m[f'aerospike_latencies_write_ms_count{{{base},ns="test"}}']
    assert "# TYPE aerospike_namespace_objects gauge" in text
    assert "# TYPE aerospike_namespace_client_write_success counter" in text
    import urllib.error
    with pytest.raises(urllib.error.HTTPError) as e:
        import urllib.request
        urllib.request.urlopen(f"http://127.0.0.1:{port}/nothing", timeout=10)
    assert e.value.code == 404


def test_a_real_prometheus_scrapes_the_endpoint(start_server, new_client, tmp_path):
    """Debian's prometheus server scrapes the endpoint every second; what its query API
    returns equals the info answers."""
    import json
    import shutil
    import subprocess
    import urllib.parse
    import urllib.request

    from scramjet_e2e import free_ports, parse_kv

    prometheus = shutil.which("prometheus")
    assert prometheus, "prometheus is installed by .ci/run (Debian's package)"
    metrics_port = free_ports(2)
    web_port = metrics_port + 1
    srv = start_server(with_metrics(metrics_port))
    c = new_client(srv)
    for i in range(42):
        c.put(("test", "scraped", i), {"a": i})
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n  - job_name: scramjet\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{metrics_port}']\n")
    proc = subprocess.Popen([prometheus, f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{web_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def query(expr):
            url = f"http://127.0.0.1:{web_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    result = json.load(r)["data"]["result"]
            except OSError:
                return None  # not up yet
            return float(result[0]["value"][1]) if result else None

        objects = poll(lambda: query('aerospike_namespace_objects{ns="test"}'), 60,
                       desc="prometheus has scraped the namespace's objects")
        assert objects == float(parse_kv(info(c, "namespace/test"))["objects"]) == 42
        assert poll(lambda: query('aerospike_sets_objects{set="scraped"}'), 30, desc="the set") == 42
        assert poll(lambda: query("aerospike_node_stats_cluster_size"), 30, desc="the node") == 1

        def writes_rated():
            c.put(("test", "scraped", 0), {"a": 0})
            value = query('aerospike_latencies_write_ms_count{ns="test"}')
            return value if value and value > 0 else None

        poll(writes_rated, 60, desc="a write rate from the latency histograms")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_benchmark_histograms_count_each_phase(start_server, new_client, tmp_path):
    """`enable-benchmarks-*` (write from the file, the others by set-config) and
    `enable-hist-info`: `latencies:hist={ns}-benchmarks-<group>` answers the group's phases."""
    from scramjet_e2e import parse_kv
    srv = start_server(namespace_config(extra_service="    ticker-interval 1",
                                        extra_ns="    enable-benchmarks-write true"))
    c = new_client(srv)
    ns_config = parse_kv(info(c, "get-config:context=namespace;id=test"))
    assert ns_config["enable-benchmarks-write"] == "true" and ns_config["enable-benchmarks-read"] == "false"
    for item in ("enable-benchmarks-read", "enable-benchmarks-udf", "enable-benchmarks-batch-sub",
                 "enable-benchmarks-ops-sub", "enable-benchmarks-udf-sub"):
        assert info(c, f"set-config:context=namespace;id=test;{item}=true") == "ok"
    assert info(c, "set-config:context=service;enable-hist-info=true") == "ok"
    with pytest.raises(ex.InvalidRequest):
        info(c, "set-config:context=namespace;id=test;enable-benchmarks-read=maybe")
    assert parse_kv(info(c, "get-config:context=service"))["enable-hist-info"] == "true"
    assert parse_kv(info(c, "get-config:context=namespace;id=test"))["enable-benchmarks-batch-sub"] == "true"
    module = tmp_path / "benchlat.lua"
    module.write_text("function f(rec) return 1 end")
    c.udf_put(str(module))
    keys = [("test", "bl", i) for i in range(20)]
    groups = {
        "benchmarks-read": ["read-start", "read-local", "read-response"],
        "benchmarks-write": ["write-start", "write-master", "write-response"],
        "benchmarks-udf": ["udf-start", "udf-master", "udf-response"],
        "benchmarks-batch-sub": ["batch-sub-prestart", "batch-sub-start", "batch-sub-read-local",
                                 "batch-sub-response"],
        "benchmarks-ops-sub": ["ops-sub-start", "ops-sub-master", "ops-sub-response"],
        "benchmarks-udf-sub": ["udf-sub-start", "udf-sub-master", "udf-sub-response"],
    }
    from aerospike_helpers.operations import operations as op
    from scramjet_e2e import wait_for_job

    def load_seen():
        for k in keys:
            c.put(k, {"a": 1})
            c.get(k)
        c.apply(keys[0], "benchlat", "f", [])
        c.batch_read(keys)
        # Background jobs over the set: an operations job and a UDF job.
        ops = c.query("test", "bl")
        ops.add_ops([op.write("b", 2)])
        wait_for_job(c, ops.execute_background())
        udf = c.query("test", "bl")
        udf.apply("benchlat", "f", [])
        wait_for_job(c, udf.execute_background())
        got = {}
        for group in groups:
            got.update(parse(info(c, f"latencies:hist={{test}}-{group}")))
        got.update(parse(info(c, "latencies:hist=info")))
        counted = [f"{{test}}-{n}" for names in groups.values() for n in names] + ["info"]
        return got if all(got.get(n) is not None and got[n][0] > 0 for n in counted) else None

    got = poll(load_seen, 30, desc="a dump with every phase counted")
    # Each group answers all of Aerospike's histograms, the phases Scramjet has no use for
    # (restart without UDF retries, dup-res outside a cluster, repl-ping) at zero.
    assert [n for n in got if n.startswith("{test}-read-")] == [
        "{test}-read-start", "{test}-read-restart", "{test}-read-dup-res", "{test}-read-repl-ping",
        "{test}-read-local", "{test}-read-response"]
    assert len([n for n in got if n.startswith("{test}-batch-sub-")]) == 10
    assert got["{test}-read-repl-ping"] is None or got["{test}-read-repl-ping"][0] == 0
    # The canonical answer is unchanged: no benchmark histograms in it.
    assert list(parse(info(c, "latencies:"))) == NAMES
    with pytest.raises(ex.InvalidRequest):
        info(c, "latencies:hist={test}-benchmarks-nope")
    # Switched off, a group stops counting (its last dump stays, as in Aerospike).
    assert info(c, "set-config:context=namespace;id=test;enable-benchmarks-read=false") == "ok"
    poll(lambda: "histogram dump: {test}-read-start" in "".join(srv.stderr_lines()), 10,
         desc="the ticker logs the benchmark histograms")


def test_cluster_benchmarks_count_replica_writes_and_proxies(start_server):
    """In a cluster: a master's writes count their replica round trips (`write-repl-write`), and
    a node sent a write it does not master counts the proxy (`{ns}-proxy`)."""
    import aswire
    from test_cluster_data import client_for, info as node_info, owners_by_partition, start_cluster
    servers, _ = start_cluster(start_server, 2, 0x5B)
    for s in servers:
        assert node_info(s, "set-config:context=service;ticker-interval=1") == "ok"
        assert node_info(s, "set-config:context=namespace;id=test;enable-benchmarks-write=true;"
                            "enable-hist-proxy=true") == "ok"
    client = client_for(servers)
    owners = owners_by_partition(servers)
    names = {node_info(s, "node"): s for s in servers}
    digest = aswire.random_digest()
    pid = (digest[0] | digest[1] << 8) & 0xFFF
    replica = names[owners[pid][1]]
    body = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                         ops=[aswire.op(aswire.OP_WRITE, "v", aswire.PT_INTEGER, aswire.int_value(1))])

    def seen():
        for i in range(50):
            client.put(("test", "cb", i), {"v": i})
        assert aswire.msg_result(replica.host, replica.port, body)["result_code"] == 0
        write = {}
        for s in servers:
            for name, value in parse(node_info(s, "latencies:hist={test}-benchmarks-write")).items():
                if value is not None and value[0] > 0:
                    write[name] = value
        proxy = parse(node_info(replica, "latencies:hist={test}-proxy"))["{test}-proxy"]
        wanted = ["{test}-write-start", "{test}-write-master", "{test}-write-repl-write", "{test}-write-response"]
        return all(n in write for n in wanted) and proxy is not None and proxy[0] > 0

    poll(seen, 30, desc="replica writes and a proxy counted")
    client.close()
