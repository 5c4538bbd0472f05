"""Eviction: past evict-used-pct the sweep evicts the records nearest their expiry, a share at
a time, until the namespace is back under the threshold; records without a TTL are spared.

Each shard evicts on its own (share-nothing), by its own share of the space, so the evicted set
is nearest-expiry per shard: the two shards' cut-offs differ by a few records."""

from aerospike import exception as ex

from scramjet_e2e import info, namespace_config, parse_kv, poll


def test_eviction_takes_records_nearest_expiry_first(start_server, new_client):
    srv = start_server(namespace_config(
        data_size="16M", nsup_period=1, extra_ns="    evict-used-pct 20\n    evict-tenths-pct 100\n"))
    c = new_client(srv)
    value = b"v" * (100 * 1024)
    for i in range(10):
        c.put(("test", "forever", i), {"b": value}, meta={"ttl": -1})
    for i in range(60):
        c.put(("test", "ttl", i), {"b": value}, meta={"ttl": 10_000 + i})

    def under_threshold():
        stats = parse_kv(info(c, "namespace/test"))
        return int(stats["evicted_objects"]) > 0 and int(stats["data_used_pct"]) < 20

    poll(under_threshold, 30, interval_s=0.2, desc="eviction brought the namespace under evict-used-pct")
    for i in range(10):
        assert c.get(("test", "forever", i))[2] == {"b": value}, "records without a TTL are never evicted"
    present = [bool(c.exists(("test", "ttl", i))[1]) for i in range(60)]
    evicted = [i for i in range(60) if not present[i]]
    kept = [i for i in range(60) if present[i]]
    assert evicted and kept, present
    # Nearest expiry first: the evicted are the earlier TTLs, the latest are all kept.
    assert sum(evicted) / len(evicted) < sum(kept) / len(kept), present
    assert all(present[50:]), f"the records furthest from expiry must stay: {present}"
    assert not any(present[:10]), f"the records nearest expiry must go: {present}"
    stats = parse_kv(info(c, "namespace/test"))
    assert int(stats["evicted_objects"]) == len(evicted), stats
