"""Write policies: record-exists actions and generation checks."""

import pytest

import aerospike
from aerospike import exception as ex


def exists_policy(value):
    return {"exists": value}


def test_exists_create(client, key):
    k = key()
    client.put(k, {"a": 1}, policy=exists_policy(aerospike.POLICY_EXISTS_CREATE))
    with pytest.raises(ex.RecordExistsError) as ei:
        client.put(k, {"a": 2}, policy=exists_policy(aerospike.POLICY_EXISTS_CREATE))
    assert ei.value.code == 5, f"expected code 5, got {ei.value.code}"
    _, meta, bins = client.get(k)
    assert bins == {"a": 1} and meta["gen"] == 1, (
        f"a failed create-only write must not change the record, got meta={meta} bins={bins}")


def test_exists_create_after_remove(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.remove(k)
    client.put(k, {"a": 2}, policy=exists_policy(aerospike.POLICY_EXISTS_CREATE))
    assert client.get(k)[2] == {"a": 2}


def test_exists_update(client, key):
    k = key()
    with pytest.raises(ex.RecordNotFound) as ei:
        client.put(k, {"a": 1}, policy=exists_policy(aerospike.POLICY_EXISTS_UPDATE))
    assert ei.value.code == 2
    with pytest.raises(ex.RecordNotFound):
        client.get(k)  # the failed update must not create the record
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"b": 20, "c": 30}, policy=exists_policy(aerospike.POLICY_EXISTS_UPDATE))
    _, meta, bins = client.get(k)
    assert bins == {"a": 1, "b": 20, "c": 30}, f"update merges bins, got {bins}"
    assert meta["gen"] == 2


def test_exists_replace(client, key):
    k = key()
    with pytest.raises(ex.RecordNotFound) as ei:
        client.put(k, {"a": 1}, policy=exists_policy(aerospike.POLICY_EXISTS_REPLACE))
    assert ei.value.code == 2
    with pytest.raises(ex.RecordNotFound):
        client.get(k)
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"c": 3}, policy=exists_policy(aerospike.POLICY_EXISTS_REPLACE))
    _, meta, bins = client.get(k)
    assert bins == {"c": 3}, f"replace must drop the old bins, got {bins}"
    assert meta["gen"] == 2, f"replace is an update of the record: gen 2, got {meta}"


def test_exists_create_or_replace(client, key):
    k = key()
    client.put(k, {"a": 1, "b": 2}, policy=exists_policy(aerospike.POLICY_EXISTS_CREATE_OR_REPLACE))
    assert client.get(k)[2] == {"a": 1, "b": 2}
    client.put(k, {"c": 3}, policy=exists_policy(aerospike.POLICY_EXISTS_CREATE_OR_REPLACE))
    _, meta, bins = client.get(k)
    assert bins == {"c": 3}, f"create-or-replace must drop the old bins, got {bins}"
    assert meta["gen"] == 2


def test_exists_ignore_merges(client, key):
    k = key()
    client.put(k, {"a": 1}, policy=exists_policy(aerospike.POLICY_EXISTS_IGNORE))
    client.put(k, {"b": 2}, policy=exists_policy(aerospike.POLICY_EXISTS_IGNORE))
    assert client.get(k)[2] == {"a": 1, "b": 2}


def test_gen_eq(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})  # gen 2
    gen_eq = {"gen": aerospike.POLICY_GEN_EQ}
    with pytest.raises(ex.RecordGenerationError) as ei:
        client.put(k, {"a": 3}, meta={"gen": 1}, policy=gen_eq)
    assert ei.value.code == 3, f"expected code 3, got {ei.value.code}"
    with pytest.raises(ex.RecordGenerationError):
        client.put(k, {"a": 3}, meta={"gen": 3}, policy=gen_eq)
    assert client.get(k)[2] == {"a": 2}, "failed generation checks must not write"
    client.put(k, {"a": 3}, meta={"gen": 2}, policy=gen_eq)
    _, meta, bins = client.get(k)
    assert bins == {"a": 3} and meta["gen"] == 3, f"got meta={meta} bins={bins}"


def test_gen_gt(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})  # gen 2
    gen_gt = {"gen": aerospike.POLICY_GEN_GT}
    # GENERATION_GT applies only if request gen > record gen (server rw_utils generation_check).
    for bad in (1, 2):
        with pytest.raises(ex.RecordGenerationError) as ei:
            client.put(k, {"a": 99}, meta={"gen": bad}, policy=gen_gt)
        assert ei.value.code == 3, f"gen {bad} vs record gen 2: expected code 3, got {ei.value.code}"
    client.put(k, {"a": 3}, meta={"gen": 5}, policy=gen_gt)
    _, meta, bins = client.get(k)
    assert bins == {"a": 3}, f"got {bins}"
    assert meta["gen"] == 3, f"the stored generation still just increments (2 -> 3), got {meta}"


def test_remove_with_gen_eq(client, key):
    k = key()
    client.put(k, {"a": 1})
    with pytest.raises(ex.RecordGenerationError):
        client.remove(k, meta={"gen": 7}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert client.get(k)[2] == {"a": 1}
    client.remove(k, meta={"gen": 1}, policy={"gen": aerospike.POLICY_GEN_EQ})
    with pytest.raises(ex.RecordNotFound):
        client.get(k)


def test_gen_eq_on_missing_record(client, key):
    # The real server runs generation_check() also when the write would create the record; a
    # new index entry has generation 0, so expecting gen 5 fails with 3 and nothing is created
    # (aerospike-server as/src/transaction/write.c write_master).
    k = key()
    with pytest.raises(ex.RecordGenerationError):
        client.put(k, {"a": 1}, meta={"gen": 5}, policy={"gen": aerospike.POLICY_GEN_EQ})
    with pytest.raises(ex.RecordNotFound):
        client.get(k)
    # ... and the same rule makes "gen EQ 0" a create-only-if-absent write (the client sends
    # info2 GENERATION with generation 0; observed with 19.3.0).
    client.put(k, {"a": 1}, meta={"gen": 0}, policy={"gen": aerospike.POLICY_GEN_EQ})
    _, meta, bins = client.get(k)
    assert bins == {"a": 1} and meta["gen"] == 1, f"got meta={meta} bins={bins}"
    with pytest.raises(ex.RecordGenerationError):
        client.put(k, {"a": 2}, meta={"gen": 0}, policy={"gen": aerospike.POLICY_GEN_EQ})
