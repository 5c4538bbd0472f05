"""Bit operations on blob bins through the official Python client
(aerospike_helpers.operations.bitwise_operations).

Expected values follow PROTOCOL-DATA.md §B.2-§B.3 (Aerospike's particle_blob.c): bits count from
the most significant bit of the first byte; negative offsets count from the end.
"""

import warnings

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers.operations import bitwise_operations as bo

warnings.filterwarnings("ignore", category=DeprecationWarning)


def results(client, k, ops):
    _, _, res = client.operate_ordered(k, ops)
    return [value for _, value in res]


def error_code(client, k, ops):
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(k, ops)
    return info.value.code


def stored(client, k):
    return client.get(k)[2].get("b")


def test_reads(client, key):
    k = key()
    client.put(k, {"b": bytearray([0b0101_0000, 0xFF])})
    assert results(client, k, [
        bo.bit_count("b", 0, 16),
        bo.bit_get("b", 1, 3),
        bo.bit_get_int("b", 8, 8, False),
        bo.bit_get_int("b", 8, 8, True),
        bo.bit_lscan("b", 0, 16, True),
        bo.bit_rscan("b", 0, 8, True),
        bo.bit_lscan("b", 4, 4, True),
    ]) == [10, b"\xa0", 255, -1, 1, 3, -1]
    assert error_code(client, k, [bo.bit_get("b", 12, 8)]) == 26


def test_set_or_xor_and_not_and_shifts(client, key):
    k = key()
    client.put(k, {"b": bytearray([0x00, 0x00])})
    client.operate(k, [bo.bit_set("b", 4, 8, 1, bytearray([0xAB]))])
    assert stored(client, k) == b"\x0a\xb0"
    client.operate(k, [bo.bit_or("b", 0, 8, 1, bytearray([0xF0])), bo.bit_xor("b", 8, 8, 1, bytearray([0xFF]))])
    assert stored(client, k) == b"\xfa\x4f"
    client.operate(k, [bo.bit_and("b", -8, 8, 1, bytearray([0x0F])), bo.bit_not("b", 0, 4)])
    assert stored(client, k) == b"\x0a\x0f"
    client.operate(k, [bo.bit_lshift("b", 8, 8, 4), bo.bit_rshift("b", 0, 8, 1)])
    assert stored(client, k) == b"\x05\xf0"


def test_resize_insert_remove_create_the_bin(client, key):
    k = key()
    client.operate(k, [bo.bit_resize("b", 2)])
    assert stored(client, k) == b"\x00\x00"
    client.operate(k, [bo.bit_insert("b", 1, 1, bytearray([7]))])
    assert stored(client, k) == b"\x00\x07\x00"
    client.operate(k, [bo.bit_remove("b", 0, 1)])
    assert stored(client, k) == b"\x07\x00"
    client.operate(k, [bo.bit_resize("b", 4, resize_flags=aerospike.BIT_RESIZE_FROM_FRONT)])
    assert stored(client, k) == b"\x00\x00\x07\x00"


def test_integer_fields_and_overflow(client, key):
    k = key()
    client.put(k, {"b": bytearray([250])})
    client.operate(k, [bo.bit_add("b", 0, 8, 5, False, aerospike.BIT_OVERFLOW_FAIL)])
    assert stored(client, k) == b"\xff"
    assert error_code(client, k, [bo.bit_add("b", 0, 8, 1, False, aerospike.BIT_OVERFLOW_FAIL)]) == 26
    client.operate(k, [bo.bit_add("b", 0, 8, 1, False, aerospike.BIT_OVERFLOW_WRAP)])
    assert stored(client, k) == b"\x00"
    client.operate(k, [bo.bit_subtract("b", 0, 8, 1, False, aerospike.BIT_OVERFLOW_SATURATE)])
    assert stored(client, k) == b"\x00"
    client.operate(k, [bo.bit_set_int("b", 0, 8, 0x7F)])
    client.operate(k, [bo.bit_add("b", 0, 8, 1, True, aerospike.BIT_OVERFLOW_SATURATE)])
    assert stored(client, k) == b"\x7f", "signed saturate at the field's largest value"


def test_errors(client, key):
    k = key()
    client.put(k, {"b": bytearray([0]), "i": 5})
    # Out of the blob: 26; a missing bin for a modify other than resize/insert: 17; not a blob: 12.
    assert error_code(client, k, [bo.bit_not("b", 8, 1)]) == 26
    assert error_code(client, k, [bo.bit_not("missing", 0, 8)]) == 17
    assert error_code(client, k, [bo.bit_count("i", 0, 8)]) == 12
    no_fail = {"bit_write_flags": aerospike.BIT_WRITE_NO_FAIL}
    client.operate(k, [bo.bit_not("b", 8, 1, policy=no_fail)])
    assert stored(client, k) == b"\x00", "NO_FAIL turns the failure into a no-op"
    partial = {"bit_write_flags": aerospike.BIT_WRITE_PARTIAL}
    client.operate(k, [bo.bit_not("b", 4, 8, policy=partial)])
    assert stored(client, k) == b"\x0f", "PARTIAL cuts the op at the end of the blob"
