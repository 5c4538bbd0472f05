"""Batch-index requests through the official client: batch_read (all bins, named bins,
header only), batch_operate, batch_remove and batch_write, with present and missing keys and
rows spread over every shard."""

import pytest
from aerospike import exception as ex
from aerospike_helpers.batch import records as br
from aerospike_helpers.operations import operations as op


def keys(n, set_name="batch"):
    return [("test", set_name, i) for i in range(n)]


def test_batch_read_present_missing_and_bin_selection(client):
    ks = keys(300, "br")
    for k in ks[:200]:
        client.put(k, {"i": k[2], "s": f"v{k[2]}"})
    records = client.batch_read(ks).batch_records
    assert len(records) == 300
    for r in records[:200]:
        assert r.result == 0 and r.record[2] == {"i": r.key[2], "s": f"v{r.key[2]}"}, r.key
        assert r.record[1]["gen"] == 1
    for r in records[200:]:
        assert r.result == 2 and r.record is None, r.key  # not found is a per-row result
    named = client.batch_read(ks[:10], ["s"]).batch_records
    assert [r.record[2] for r in named] == [{"s": f"v{i}"} for i in range(10)]
    headers = client.batch_read(ks[195:205], []).batch_records
    assert [r.result for r in headers] == [0] * 5 + [2] * 5
    assert all(r.record[1]["gen"] == 1 for r in headers[:5]), [r.record for r in headers[:5]]


def test_batch_operate_and_remove(client):
    ks = keys(50, "bo")
    for k in ks:
        client.put(k, {"n": k[2]})
    result = client.batch_operate(ks, [op.increment("n", 1000), op.read("n")])
    assert [r.record[2]["n"] for r in result.batch_records] == [i + 1000 for i in range(50)]
    removed = client.batch_remove(ks[:25])
    assert all(r.result == 0 for r in removed.batch_records)
    present = client.batch_read(ks).batch_records
    assert [r.result for r in present] == [2] * 25 + [0] * 25


def test_batch_write_mixes_reads_writes_and_deletes(client):
    ks = keys(6, "bw")
    client.put(ks[0], {"a": 1})
    client.put(ks[1], {"a": 2})
    batch = br.BatchRecords([
        br.Write(ks[2], [op.write("a", 3)]),
        br.Read(ks[0], [op.read("a")]),
        br.Remove(ks[1]),
        br.Read(ks[5], [op.read("a")]),
    ])
    client.batch_write(batch)
    results = [r.result for r in batch.batch_records]
    assert results == [0, 0, 0, 2], results
    assert batch.batch_records[1].record[2] == {"a": 1}
    assert client.get(ks[2])[2] == {"a": 3}
    with pytest.raises(ex.RecordNotFound):
        client.get(ks[1])


def test_unknown_namespace_rows_fail_alone(client):
    client.put(("test", "bn", 1), {"x": 1})
    records = client.batch_read([("test", "bn", 1), ("nope", "bn", 1)]).batch_records
    assert records[0].result == 0 and records[0].record[2] == {"x": 1}
    assert records[1].result == 20


def test_batch_over_max_requests_is_refused(client):
    # The whole batch fails with 151 (the client reports it as the batch's result and marks
    # every row as having had no response).
    result = client.batch_read(keys(5001, "big"))
    assert result.result == 151, result.result


