"""HyperLogLog operations on HLL bins through the official Python client
(aerospike_helpers.operations.hll_operations).

The counts are the ones Aerospike's own estimators give for the same elements (PROTOCOL-DATA.md
§B.4-§B.5; engine/src/hll/tests.rs holds the full table and docs/wire-protocol.md says how it was
made), so a sketch counts the same here as on an Aerospike server.
"""

import struct

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers import HyperLogLog
from aerospike_helpers.operations import hll_operations as hll
from aerospike_helpers.operations import operations as op


def E(a, b):
    return [f"e{i}" for i in range(a, b)]


def results(client, k, ops):
    _, _, res = client.operate_ordered(k, ops)
    return [value for _, value in res]


def error_code(client, k, ops):
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(k, ops)
    return info.value.code


def policy(*flags):
    f = 0
    for x in flags:
        f |= x
    return {"flags": f}


def test_add_count_describe_match_aerospike(client, key):
    k = key()
    # 1000 strings into 2^12 registers: 929 registers grow, Aerospike's estimate is 996.
    assert results(client, k, [
        hll.hll_add("h", E(0, 1000), 12),
        hll.hll_get_count("h"),
        hll.hll_describe("h"),
    ]) == [929, 996, [12, 0]]
    # With minhash bits the HyperLogLog part counts the same.
    k2 = key("mh")
    assert results(client, k2, [hll.hll_add("h", E(0, 1000), 12, 8), hll.hll_get_count("h"),
                                hll.hll_describe("h")]) == [945, 996, [12, 8]]
    # Adding what is there changes nothing; the bin's shape wins over the op's.
    assert results(client, k, [hll.hll_add("h", E(0, 1000), 16, 20), hll.hll_describe("h")]) == [0, [12, 0]]
    # The stored value is Aerospike's layout: 11-byte header, 2^12 six-bit registers.
    value = client.get(k)[2]["h"]
    assert isinstance(value, HyperLogLog) and len(value) == 11 + 6 * 4096 // 8
    assert bytes(value[:3]) == b"\x00\x0c\x00"


def test_integers_hash_as_msgpack(client, key):
    k = key()
    assert results(client, k, [hll.hll_add("h", list(range(1000)), 8), hll.hll_get_count("h")])[1] == 1037


def test_init_and_flags(client, key):
    k = key()
    # Creating needs index bits: 26. Out of range: 4.
    assert error_code(client, k, [hll.hll_add("h", ["a"])]) == 26
    assert error_code(client, k, [hll.hll_init("h")]) == 26
    assert error_code(client, k, [hll.hll_init("h", 17)]) == 4
    assert error_code(client, k, [hll.hll_init("h", 10, 3)]) == 4
    assert error_code(client, k, [hll.hll_init("h", 16, 49)]) == 4
    # UPDATE_ONLY on a missing bin: 17, or nothing under NO_FAIL.
    assert error_code(client, k, [hll.hll_init("h", 10, 0, policy(aerospike.HLL_WRITE_UPDATE_ONLY))]) == 17
    client.put(k, {"other": 1})
    client.operate(k, [hll.hll_init("h", 10, 0, policy(aerospike.HLL_WRITE_UPDATE_ONLY, aerospike.HLL_WRITE_NO_FAIL))])
    assert "h" not in client.get(k)[2]
    client.operate(k, [hll.hll_init("h", 10, 0, policy(aerospike.HLL_WRITE_CREATE_ONLY))])
    client.operate(k, [hll.hll_add("h", E(0, 50))])
    before = client.get(k)[2]["h"]
    # CREATE_ONLY on an existing bin: 6, or nothing under NO_FAIL.
    assert error_code(client, k, [hll.hll_init("h", 10, 0, policy(aerospike.HLL_WRITE_CREATE_ONLY))]) == 6
    client.operate(k, [hll.hll_add("h", ["x"], 10, 0, policy(aerospike.HLL_WRITE_CREATE_ONLY, aerospike.HLL_WRITE_NO_FAIL))])
    assert client.get(k)[2]["h"] == before
    # Both create-only and update-only: 4.
    both = policy(aerospike.HLL_WRITE_CREATE_ONLY, aerospike.HLL_WRITE_UPDATE_ONLY)
    assert error_code(client, k, [hll.hll_init("h", 10, 0, both)]) == 4
    # Init on an existing bin empties it, keeping the shape it is not given.
    assert results(client, k, [hll.hll_init("h", -1, 8), hll.hll_describe("h"), hll.hll_get_count("h")])[1:] == [[10, 8], 0]


def test_union_intersect_similarity_match_aerospike(client, key):
    a, b, c = key("a"), key("b"), key("c")
    client.operate(a, [hll.hll_add("h", E(0, 10000), 12)])
    client.operate(b, [hll.hll_add("h", E(5000, 15000), 12)])
    client.operate(c, [hll.hll_add("h", E(2500, 7500), 12)])
    hb, hc = client.get(b)[2]["h"], client.get(c)[2]["h"]
    assert results(client, a, [
        hll.hll_get_union_count("h", [hb]),
        hll.hll_get_intersect_count("h", [hb]),
        hll.hll_get_similarity("h", [hb]),
        hll.hll_get_union_count("h", [hb, hc]),
        hll.hll_get_intersect_count("h", [hb, hc]),
    ]) == [15066, 4998, 0.33174034249303064, 15066, 2363]
    union = results(client, a, [hll.hll_get_union("h", [hb])])[0]
    assert isinstance(union, HyperLogLog)
    # The union written to a new bin counts what the union count said.
    client.put(key("u"), {"h": union})
    assert results(client, key("u"), [hll.hll_get_count("h")]) == [15066]


def test_minhash_intersections_match_aerospike(client, key):
    a, b, c = key("a"), key("b"), key("c")
    client.operate(a, [hll.hll_add("h", E(0, 10000), 12, 16)])
    client.operate(b, [hll.hll_add("h", E(5000, 15000), 12, 16)])
    client.operate(c, [hll.hll_add("h", E(2500, 7500), 12, 16)])
    hb, hc = client.get(b)[2]["h"], client.get(c)[2]["h"]
    assert results(client, a, [
        hll.hll_get_intersect_count("h", [hb]),
        hll.hll_get_similarity("h", [hb]),
        hll.hll_get_intersect_count("h", [hb, hc]),
        hll.hll_get_similarity("h", [hb, hc]),
    ]) == [5026, 0.33358214471601816, 2606, 0.17295123177476118]
    # Three or more operands without minhash bits: 4; the bin's must match theirs: 26.
    d = key("d")
    client.operate(d, [hll.hll_add("h", E(0, 100), 12)])
    hd = client.get(d)[2]["h"]
    assert error_code(client, a, [hll.hll_get_intersect_count("h", [hd, hd, hd])]) == 4
    assert error_code(client, d, [hll.hll_get_similarity("h", [hb, hb, hc])]) == 26


def test_set_union_fold_and_refresh(client, key):
    a, b = key("a"), key("b")
    client.operate(a, [hll.hll_add("h", E(0, 10000), 14)])
    client.operate(b, [hll.hll_add("h", E(5000, 15000), 12)])
    hb = client.get(b)[2]["h"]
    # The bin has more index bits than the operand: 26 unless folding is allowed.
    assert error_code(client, a, [hll.hll_set_union("h", [hb])]) == 26
    client.operate(a, [hll.hll_set_union("h", [hb], policy(aerospike.HLL_WRITE_ALLOW_FOLD))])
    assert results(client, a, [hll.hll_describe("h"), hll.hll_get_count("h")]) == [[12, 0], 15066]
    # A union into a missing bin takes the operands' shape.
    n = key("new")
    client.operate(n, [hll.hll_set_union("h", [hb])])
    assert results(client, n, [hll.hll_describe("h"), hll.hll_get_count("h")]) == \
        [[12, 0], results(client, b, [hll.hll_get_count("h")])[0]]
    # Fold to fewer bits; never up, never with minhash bits; the bin must exist.
    f = key("f")
    client.operate(f, [hll.hll_add("h", E(0, 10000), 14)])
    client.operate(f, [hll.hll_fold("h", 10)])
    assert results(client, f, [hll.hll_describe("h"), hll.hll_get_count("h")]) == [[10, 0], 10389]
    assert error_code(client, f, [hll.hll_fold("h", 12)]) == 26
    assert error_code(client, key("none"), [hll.hll_fold("h", 8)]) == 17
    m = key("m")
    client.operate(m, [hll.hll_add("h", E(0, 10), 10, 8)])
    assert error_code(client, m, [hll.hll_fold("h", 8)]) == 26
    # Refresh count stores the estimate in the value's cache (little-endian, bytes 3..11).
    assert results(client, f, [hll.hll_refresh_count("h")]) == [10389]
    value = client.get(f)[2]["h"]
    assert struct.unpack("<Q", bytes(value[3:11]))[0] == 10389
    assert error_code(client, key("none"), [hll.hll_refresh_count("h")]) == 17


def test_wrong_types_and_bad_values(client, key):
    k = key()
    client.put(k, {"i": 5, "b": bytearray(b"abc")})
    # HLL ops on another type: 12. Reads of a missing bin: nothing.
    assert error_code(client, k, [hll.hll_add("i", ["a"], 10)]) == 12
    assert error_code(client, k, [hll.hll_get_count("b")]) == 12
    assert results(client, k, [hll.hll_get_count("missing")]) == [None]
    # Lists and maps are not elements: 4.
    assert error_code(client, k, [hll.hll_add("h", [[1, 2]], 10)]) == 4
    assert error_code(client, k, [hll.hll_add("h", [{"a": 1}], 10)]) == 4
    # A value that is not a well-formed HLL is refused on put and as an operand: 4.
    with pytest.raises(ex.AerospikeError) as info:
        client.put(key("bad"), {"h": HyperLogLog(b"\x00\x0c\x00" + b"\x00" * 8 + b"\x00" * 10)})
    assert info.value.code == 4
    client.operate(k, [hll.hll_add("h", E(0, 10), 10)])
    assert error_code(client, k, [hll.hll_get_union_count("h", [HyperLogLog(b"\x01\x02")])]) == 4
    # The record is untouched by the failures.
    assert results(client, k, [hll.hll_get_count("h"), op.read("i")]) == [10, 5]


def _raw_hll_read(server, digest, payload):
    """One HLL read op (type 15) on bin "h", raw; returns (result code, value bytes or None)."""
    import aswire

    body = aswire.as_msg(info1=aswire.INFO1_READ, fields=aswire.key_fields(digest=digest),
                         ops=[aswire.op(15, "h", aswire.PT_BLOB, payload)])
    with aswire.connect(server.host, server.port) as s:
        _, _, rbody = aswire.request(s, aswire.proto(aswire.TYPE_MSG, body))
    hdr = aswire.parse_as_msg(rbody)
    at = aswire.AS_MSG_HEADER_SZ
    for _ in range(hdr["n_fields"]):
        at += 4 + struct.unpack(">I", rbody[at:at + 4])[0]
    if hdr["n_ops"] == 0:
        return hdr["result_code"], None
    size, _, ptype, _, name_len = struct.unpack(">IBBBB", rbody[at:at + 8])
    return hdr["result_code"], (ptype, rbody[at + 8 + name_len:at + 4 + size])


def test_may_contain(server, key):
    """MAY_CONTAIN (56) is in the C client's headers but not the Python client's helpers."""
    import aswire

    digest = aswire.random_digest()
    # [1, ["e0".."e99"], 10]: create with 10 index bits.
    elements = b"".join(bytes([0xa0 | (len(s) + 1), 3]) + s.encode() for s in E(0, 100))
    add = bytes([0x93, 0x01, 0xdc, 0x00, 100]) + elements + bytes([10])
    body = aswire.as_msg(info1=aswire.INFO1_READ, info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                         ops=[aswire.op(16, "h", aswire.PT_BLOB, add)])
    assert aswire.msg_result(server.host, server.port, body)["result_code"] == 0
    present = bytes([0x92, 56, 0x92]) + bytes([0xa3, 3]) + b"e1" + bytes([0xa3, 3]) + b"e2"
    absent = bytes([0x92, 56, 0x92]) + bytes([0xa3, 3]) + b"e1" + bytes([0xa5, 3]) + b"nope"
    assert _raw_hll_read(server, digest, present) == (0, (1, struct.pack(">q", 1)))
    assert _raw_hll_read(server, digest, absent) == (0, (1, struct.pack(">q", 0)))
    assert _raw_hll_read(server, digest, bytes([0x91, 56]))[0] == 4
