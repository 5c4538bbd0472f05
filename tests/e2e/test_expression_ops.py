"""Expression operations (EXP_READ 7, EXP_MODIFY 8) inside operate, and calls into list, map,
bit and HLL code from expressions (PROTOCOL-DATA.md §C.1, §C.4), through the official Python
client's aerospike_helpers.expressions and expression_operations."""

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import expression_operations as eo
from aerospike_helpers.operations import hll_operations as hll
from aerospike_helpers.operations import operations as op


def results(client, k, ops, policy=None):
    _, _, res = client.operate_ordered(k, ops, policy=policy)
    return [value for _, value in res]


def code_of(client, k, ops):
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(k, ops)
    return info.value.code


@pytest.fixture
def rec(client, key):
    k = key()
    client.put(k, {"i": 5, "f": 1.5, "s": "hi", "l": [3, 1, 2], "m": {"a": 1, "b": 2},
                   "bb": bytearray(b"\x0f\xff")})
    client.operate(k, [hll.hll_add("h", ["a", "b", "c"], 8)])
    return k


def test_expression_reads_every_type(client, rec):
    # Read-only operate (the read path) and mixed with a write (the write path) answer alike.
    reads = [
        eo.expression_read("a", exp.Add(exp.IntBin("i"), 10).compile()),
        eo.expression_read("b", exp.Mul(exp.FloatBin("f"), 2.0).compile()),
        eo.expression_read("c", exp.GT(exp.IntBin("i"), 3).compile()),
        eo.expression_read("d", exp.StrBin("s").compile()),
        eo.expression_read("e", exp.ListBin("l").compile()),
        eo.expression_read("g", exp.MapBin("m").compile()),
        eo.expression_read("h", exp.BlobBin("bb").compile()),
        eo.expression_read("j", exp.HLLDescribe(exp.HLLBin("h")).compile()),
    ]
    expected = [15, 3.0, True, "hi", [3, 1, 2], {"a": 1, "b": 2}, b"\x0f\xff", [8, 0]]
    assert results(client, rec, reads) == expected
    assert results(client, rec, [op.write("w", 1)] + reads)[1:] == expected


def test_calls_into_lists_maps_bits_and_hll(client, rec):
    assert results(client, rec, [
        # A modify call works on a copy: the value is the changed list, the bin stays.
        eo.expression_read("a", exp.ListAppend(None, None, 9, exp.ListBin("l")).compile()),
        eo.expression_read("b", exp.ListSort(None, 0, exp.ListBin("l")).compile()),
        # An argument that is an expression is evaluated per record: index i - 4 = 1.
        eo.expression_read("c", exp.ListGetByIndex(None, aerospike.LIST_RETURN_VALUE, exp.ResultType.INTEGER,
                                                   exp.Sub(exp.IntBin("i"), 4), exp.ListBin("l")).compile()),
        eo.expression_read("d", exp.MapPut(None, None, "z", 26, exp.MapBin("m")).compile()),
        eo.expression_read("e", exp.BitCount(0, 12, exp.BlobBin("bb")).compile()),
        eo.expression_read("f", exp.BitInsert(None, 0, bytearray(b"\xff"), exp.BlobBin("bb")).compile()),
        eo.expression_read("g", exp.HLLGetCount(exp.HLLAdd(None, ["d", "e"], 8, 0, exp.HLLBin("h"))).compile()),
        op.read("l"),
    ]) == [[3, 1, 2, 9], [1, 2, 3], 1, {"a": 1, "b": 2, "z": 26}, 8, b"\xff\x0f\xff", 5, [3, 1, 2]]


def test_calls_in_filters(client, key):
    keys = [key(i) for i in range(6)]
    for i, k in enumerate(keys):
        client.put(k, {"bb": bytearray([i]), "l": list(range(i))})
        client.operate(k, [hll.hll_add("h", [f"x{j}" for j in range(i * 10)], 10)] if i else [op.write("z", 0)])
    # Records whose blob has exactly two bits set (3 and 5), and whose HLL counts over 35.
    two_bits = {"expressions": exp.Eq(exp.BitCount(0, 8, exp.BlobBin("bb")), 2).compile()}
    assert [r.record[2]["bb"] for r in client.batch_read(keys, policy=two_bits).batch_records if r.result == 0] == \
        [b"\x03", b"\x05"]
    big = {"expressions": exp.GT(exp.HLLGetCount(exp.HLLBin("h")), 35).compile()}
    assert [r.key[2] for r in client.batch_read(keys, policy=big).batch_records if r.result == 0] == \
        [keys[4][2], keys[5][2]]
    # A call on a missing bin or another type never lets a record through.
    assert all(r.result == 27 for r in client.batch_read(
        keys, policy={"expressions": exp.GT(exp.HLLGetCount(exp.HLLBin("l")), -1).compile()}).batch_records)


def test_expression_writes(client, rec):
    assert results(client, rec, [eo.expression_write("j", exp.Mul(exp.IntBin("i"), 3).compile()), op.read("j")])[1] == 15
    # Lists and maps written by an expression are stored like any other.
    results(client, rec, [eo.expression_write("l", exp.ListSort(None, 0, exp.ListBin("l")).compile())])
    assert client.get(rec)[2]["l"] == [1, 2, 3]
    # CREATE_ONLY on an existing bin: 6; UPDATE_ONLY on a missing one: 17; POLICY_NO_FAIL: no-op.
    five = exp.Add(exp.IntBin("i"), 0).compile()
    assert code_of(client, rec, [eo.expression_write("i", five, aerospike.EXP_WRITE_CREATE_ONLY)]) == 6
    assert code_of(client, rec, [eo.expression_write("new", five, aerospike.EXP_WRITE_UPDATE_ONLY)]) == 17
    client.operate(rec, [eo.expression_write("new", five, aerospike.EXP_WRITE_UPDATE_ONLY | aerospike.EXP_WRITE_POLICY_NO_FAIL)])
    assert "new" not in client.get(rec)[2]
    # An expression that cannot be evaluated: 26, or nothing with EVAL_NO_FAIL.
    missing = exp.Add(exp.IntBin("nope"), 1).compile()
    assert code_of(client, rec, [eo.expression_write("k", missing)]) == 26
    assert code_of(client, rec, [eo.expression_read("k", missing)]) == 26
    client.operate(rec, [eo.expression_write("k", missing, aerospike.EXP_WRITE_EVAL_NO_FAIL)])
    assert results(client, rec, [eo.expression_read("k", missing, aerospike.EXP_READ_EVAL_NO_FAIL)]) == [None]
    # Expression ops see the ops before them in the same command.
    assert results(client, rec, [op.write("i", 100), eo.expression_read("x", exp.IntBin("i").compile())])[1] == 100
    # Flags a read does not take: 4.
    assert code_of(client, rec, [eo.expression_read("x", five, aerospike.EXP_WRITE_CREATE_ONLY)]) == 4
    bins = client.get(rec)[2]
    assert "k" not in bins and bins["i"] == 100


def test_nil_deletes_only_when_allowed(server, client):
    """A nil result deletes the bin only with ALLOW_DELETE; without it, 26 when no flag is set and
    a silent no-op when any flag is (Aerospike's expop.c tests `flags && POLICY_NO_FAIL`). The
    helpers cannot build a bare nil, so the op is sent raw: [nil] or [nil, flags]."""
    import aswire

    digest = aswire.random_digest()
    write = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                          ops=[aswire.op(aswire.OP_WRITE, "i", 1, aswire.int_value(5))])
    assert aswire.msg_result(server.host, server.port, write)["result_code"] == 0

    def exp_modify(value):
        body = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                             ops=[aswire.op(8, "i", aswire.PT_BLOB, value)])
        return aswire.msg_result(server.host, server.port, body)["result_code"]

    def read_i():
        body = aswire.as_msg(info1=aswire.INFO1_READ | 0x02, fields=aswire.key_fields(digest=digest))
        return aswire.msg_result(server.host, server.port, body)["n_ops"]

    assert exp_modify(bytes([0x91, 0xc0])) == 26
    assert exp_modify(bytes([0x92, 0xc0, 0x08])) == 0
    assert read_i() == 1
    assert exp_modify(bytes([0x92, 0xc0, 0x04])) == 0
    assert read_i() == 0
    # Malformed: an empty array, three elements, an expression that does not build: 4.
    for bad in (bytes([0x90]), bytes([0x93, 0x01, 0x00, 0x00]), bytes([0x91, 0x91, 0x7f])):
        assert exp_modify(bad) == 4
