"""Partition scans (queries without a where clause) through the official client: a set or the
whole namespace, bin selection, max_records, partition filters and paginated resumption that
counts every record exactly once."""

import aerospike

from scramjet_e2e import namespace_config, wait_for_job


def fill(c, set_name, n, send_key=False):
    policy = {"key": aerospike.POLICY_KEY_SEND} if send_key else None
    for i in range(n):
        c.put(("test", set_name, i), {"i": i, "pad": "x" * 20}, policy=policy)


def test_scan_set_namespace_and_bin_selection(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    fill(c, "one", 1500, send_key=True)
    fill(c, "two", 300)
    records = c.query("test", "one").results()
    assert sorted(r[2]["i"] for r in records) == list(range(1500)), "every record of the set exactly once"
    assert all(r[0][2] == r[2]["i"] for r in records), "stored keys come back"
    assert len(c.query("test", None).results()) == 1800
    q = c.query("test", "one")
    q.select("i")
    assert all(set(r[2]) == {"i"} for r in q.results())
    assert c.query("test", "missing-set").results() == []


def test_scan_max_records_and_partition_filters(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    fill(c, "pf", 2000)
    q = c.query("test", "pf")
    q.max_records = 150
    assert len(q.results()) == 150
    halves = [
        c.query("test", "pf").results(policy={"partition_filter": {"begin": b, "count": 2048}})
        for b in (0, 2048)
    ]
    seen = [r[2]["i"] for half in halves for r in half]
    assert sorted(seen) == list(range(2000)), "two partition halves cover every record once"


def test_paginated_scan_resumes_without_gaps_or_repeats(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    fill(c, "pages", 2500)
    q = c.query("test", "pages")
    q.max_records = 400
    q.paginate()
    seen = []
    pages = 0
    while True:
        page = q.results()
        seen.extend(r[2]["i"] for r in page)
        pages += 1
        if q.is_done() or pages > 50:
            break
    assert pages > 3, pages
    assert sorted(seen) == list(range(2500)), f"{len(seen)} records over {pages} pages"


def test_scan_of_unknown_namespace_fails(client):
    import pytest
    from aerospike import exception as ex
    with pytest.raises(ex.AerospikeError) as err:
        client.query("nope", "x").results()
    assert err.value.code == 20, err.value


def test_records_per_second_throttles_a_scan(start_server, new_client):
    # A lower bound only: a slow machine makes the scan longer, never shorter.
    import time
    srv = start_server(namespace_config())
    c = new_client(srv)
    fill(c, "slow", 400)
    started = time.monotonic()
    q = c.query("test", "slow")
    q.records_per_second = 200
    records = q.results()
    elapsed = time.monotonic() - started
    assert len(records) == 400
    assert elapsed >= 1.0, f"400 records at 200 per second took {elapsed:.2f} s"


def test_records_per_second_throttles_a_background_job(start_server, new_client):
    # A lower bound only, as above. The job is answered at once and then paced by the server.
    import time
    from aerospike_helpers.operations import operations as op
    srv = start_server(namespace_config())
    c = new_client(srv)
    fill(c, "slowbg", 400)
    started = time.monotonic()
    q = c.query("test", "slowbg")
    q.records_per_second = 400
    q.add_ops([op.write("done", 1)])
    info = wait_for_job(c, q.execute_background())
    elapsed = time.monotonic() - started
    assert info["records_read"] == 400, info
    assert elapsed >= 0.5, f"400 records at 400 per second took {elapsed:.2f} s"
    assert all(r[2]["done"] == 1 for r in c.query("test", "slowbg").results())


def test_background_scan_writes_and_deletes_a_set(start_server, new_client):
    from aerospike_helpers.operations import operations as op
    srv = start_server(namespace_config())
    c = new_client(srv)
    fill(c, "bg", 600)
    fill(c, "untouched", 50)
    q = c.query("test", "bg")
    q.add_ops([op.write("flag", 1), op.increment("i", 1000)])
    job = q.execute_background()
    info = wait_for_job(c, job)
    assert info["records_read"] == 600, info
    for i in range(600):
        bins = c.get(("test", "bg", i))[2]
        assert bins["i"] == i + 1000 and bins["flag"] == 1, (i, bins)
    assert c.get(("test", "untouched", 3))[2] == {"i": 3, "pad": "x" * 20}
    q = c.query("test", "bg")
    q.add_ops([op.delete()])
    wait_for_job(c, q.execute_background())
    assert c.query("test", "bg").results() == []
    assert len(c.query("test", "untouched").results()) == 50
