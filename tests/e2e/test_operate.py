"""client.operate / operate_ordered with the basic (non-CDT) operations."""

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers.operations import operations as op


def test_operate_write_creates_record(client, key):
    k = key()
    _, meta, bins = client.operate(k, [op.write("a", 1), op.write("s", "x")])
    assert bins == {} or bins is None, f"pure writes return no bins, got {bins!r}"
    _, meta, bins = client.get(k)
    assert bins == {"a": 1, "s": "x"} and meta["gen"] == 1, f"got meta={meta} bins={bins}"


def test_read_after_write_sees_write(client, key):
    k = key()
    client.put(k, {"a": 1})
    _, meta, bins = client.operate(k, [op.write("a", 2), op.read("a")])
    assert bins == {"a": 2}, f"read after write in one operate must see the write, got {bins}"
    assert meta["gen"] == 2, f"one operate = one write = gen 2, got {meta}"


def test_operate_ordered_reads_each_point(client, key):
    k = key()
    _, _, res = client.operate_ordered(k, [
        op.write("w", 1), op.read("w"), op.write("w", 2), op.read("w"), op.increment("w", 5),
        op.read("w")])
    # Each read op returns the bin value at that point, as a separate result in op order
    # (PROTOCOL.md section 6 "operate"; the C client does not set respond-all-ops here).
    assert res == [("w", 1), ("w", 2), ("w", 7)], f"expected [('w',1),('w',2),('w',7)], got {res}"


def test_increment_int_and_float(client, key):
    k = key()
    client.put(k, {"i": 10, "f": 2.5})
    _, _, bins = client.operate(k, [op.increment("i", 5), op.increment("f", 0.25),
                                    op.increment("i", -20), op.read("i"), op.read("f")])
    assert bins == {"i": -5, "f": 2.75}, f"expected i=-5 f=2.75, got {bins}"


def test_increment_missing_bin_and_record(client, key):
    k = key()
    _, _, bins = client.operate(k, [op.increment("n", 3), op.read("n")])
    assert bins == {"n": 3}, f"increment creates a missing record/bin from 0, got {bins}"


def test_increment_wraps_i64(client, key):
    k = key()
    client.put(k, {"n": 2 ** 63 - 1})
    _, _, bins = client.operate(k, [op.increment("n", 1), op.read("n")])
    # The server adds with two's-complement wraparound (particle_integer.c adds int64 values).
    assert bins == {"n": -(2 ** 63)}, f"i64 max + 1 should wrap to i64 min, got {bins}"


def test_append_prepend(client, key):
    k = key()
    client.put(k, {"s": "mid", "b": b"MID"})
    _, _, bins = client.operate(k, [op.append("s", "-end"), op.prepend("s", "start-"),
                                    op.append("b", b"\x00"), op.prepend("b", b"\xff"),
                                    op.read("s"), op.read("b")])
    assert bins == {"s": "start-mid-end", "b": b"\xffMID\x00"}, f"got {bins}"


def test_append_to_missing_bin_creates_it(client, key):
    k = key()
    client.put(k, {"x": 1})
    _, _, bins = client.operate(k, [op.append("s", "abc"), op.read("s")])
    assert bins == {"s": "abc"}, f"append to a missing bin creates it, got {bins}"


def test_touch_op(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.operate(k, [op.touch(300)])
    _, meta, bins = client.get(k)
    assert bins == {"a": 1} and meta["gen"] == 2, f"touch keeps bins, bumps gen; got {meta} {bins}"
    assert 290 <= meta["ttl"] <= 300, f"touch(300) should set ttl ~300, got {meta}"


def test_touch_op_missing_record(client, key):
    # TOUCH forbids creating a record (server write.c: touch -> must_not_create -> 2).
    with pytest.raises(ex.RecordNotFound):
        client.operate(key(), [op.touch(300)])


def test_delete_op(client, key):
    k = key()
    client.put(k, {"a": 1, "b": 2})
    client.operate(k, [op.delete()])
    with pytest.raises(ex.RecordNotFound):
        client.get(k)


def test_delete_then_write_in_one_operate(client, key):
    k = key()
    client.put(k, {"a": 1, "b": 2})
    client.operate(k, [op.delete(), op.write("c", 3)])
    # DELETE_ALL removes every bin, later ops in the same command write new ones.
    _, _, bins = client.get(k)
    assert bins == {"c": 3}, f"expected only the bin written after the delete op, got {bins}"


def test_operate_read_missing_record(client, key):
    with pytest.raises(ex.RecordNotFound) as ei:
        client.operate(key(), [op.read("a")])
    assert ei.value.code == 2


def test_operate_read_missing_bin_omitted(client, key):
    k = key()
    client.put(k, {"a": 1})
    _, _, bins = client.operate(k, [op.read("a"), op.read("nope")])
    assert bins == {"a": 1}, f"reading a missing bin returns nothing for it, got {bins}"


def test_increment_string_bin_incompatible(client, key):
    k = key()
    client.put(k, {"s": "text"})
    with pytest.raises(ex.BinIncompatibleType) as ei:
        client.operate(k, [op.increment("s", 1)])
    assert ei.value.code == 12, f"expected 12, got {ei.value.code}"
    _, meta, bins = client.get(k)
    assert bins == {"s": "text"} and meta["gen"] == 1, "a failed operate must not change the record"


def test_increment_float_on_int_bin_incompatible(client, key):
    k = key()
    client.put(k, {"i": 1})
    with pytest.raises(ex.BinIncompatibleType):
        client.operate(k, [op.increment("i", 1.5)])


def test_append_int_bin_incompatible(client, key):
    k = key()
    client.put(k, {"i": 5})
    with pytest.raises(ex.BinIncompatibleType) as ei:
        client.operate(k, [op.append("i", "x")])
    assert ei.value.code == 12


def test_failed_op_rolls_back_whole_operate(client, key):
    k = key()
    client.put(k, {"i": 1, "s": "x"})
    with pytest.raises(ex.BinIncompatibleType):
        client.operate(k, [op.write("new", 1), op.increment("i", 1), op.increment("s", 1)])
    _, meta, bins = client.get(k)
    # A record write is all-or-nothing on the real server (ops apply to a copy, committed only
    # when every op succeeded).
    assert bins == {"i": 1, "s": "x"} and meta["gen"] == 1, (
        f"no op of a failed operate may be applied, got meta={meta} bins={bins}")


def test_operate_with_meta_ttl_and_gen_policy(client, key):
    k = key()
    client.put(k, {"a": 1})
    with pytest.raises(ex.RecordGenerationError):
        client.operate(k, [op.write("a", 2)], meta={"gen": 9},
                       policy={"gen": aerospike.POLICY_GEN_EQ})
    _, meta, _ = client.operate(k, [op.write("a", 2), op.read("a")], meta={"gen": 1, "ttl": 200},
                                policy={"gen": aerospike.POLICY_GEN_EQ})
    assert meta["gen"] == 2 and 190 <= meta["ttl"] <= 200, f"got {meta}"
