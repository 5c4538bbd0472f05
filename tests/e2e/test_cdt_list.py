"""List operations through the official Python client (aerospike_helpers.operations.list_operations).

Expected values follow Aerospike's documented list semantics (PROTOCOL-DATA.md §A.2 op table,
§A.4 return types, §A.6 write flags, §A.7 index/rank/interval rules, §A.10 errors), the same
facts the server's op table (`as/src/base/particle_list.c`) implements.
"""

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers.operations import list_operations as lo
from aerospike_helpers.operations import operations as op

VALUE = aerospike.LIST_RETURN_VALUE
INDEX = aerospike.LIST_RETURN_INDEX
RANK = aerospike.LIST_RETURN_RANK
COUNT = aerospike.LIST_RETURN_COUNT
EXISTS = aerospike.LIST_RETURN_EXISTS
REVERSE_INDEX = aerospike.LIST_RETURN_REVERSE_INDEX
REVERSE_RANK = aerospike.LIST_RETURN_REVERSE_RANK
NONE = aerospike.LIST_RETURN_NONE


def results(client, k, ops):
    """The result of each op, in op order."""
    _, _, res = client.operate_ordered(k, ops)
    return [value for _, value in res]


def stored(client, k, bin_name="l"):
    _, _, bins = client.get(k)
    return bins.get(bin_name)


def error_code(client, k, ops):
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(k, ops)
    return info.value.code


def test_append_insert_and_sizes(client, key):
    k = key()
    client.put(k, {"l": [1, 2]})
    # Append and insert answer the new size (§A.2).
    assert results(client, k, [lo.list_append("l", 3), lo.list_insert("l", 0, 0), lo.list_size("l")]) == [3, 4, 4]
    assert stored(client, k) == [0, 1, 2, 3]
    assert results(client, k, [lo.list_append_items("l", ["a", "b"]), lo.list_insert_items("l", -1, [9])]) == [6, 7]
    assert stored(client, k) == [0, 1, 2, 3, "a", 9, "b"]


def test_list_ops_create_a_missing_bin_and_record(client, key):
    k = key()
    assert results(client, k, [lo.list_append("l", "x")]) == [1]
    assert stored(client, k) == ["x"]
    # Reads on a missing bin answer nothing (§A.10), they are not errors.
    _, _, bins = client.operate(k, [lo.list_size("missing")])
    assert "missing" not in (bins or {})


def test_insert_past_the_end_pads_with_nils_unless_bounded(client, key):
    k = key()
    client.put(k, {"l": [1]})
    assert results(client, k, [lo.list_insert("l", 3, 5)]) == [4]
    assert stored(client, k) == [1, None, None, 5]
    bounded = {"write_flags": aerospike.LIST_WRITE_INSERT_BOUNDED}
    assert error_code(client, k, [lo.list_insert("l", 9, 5, bounded)]) == 26
    assert error_code(client, k, [lo.list_insert("l", -9, 5)]) == 26


def test_set_get_pop_remove_trim_clear(client, key):
    k = key()
    client.put(k, {"l": [5, 6, 7, 8, 9]})
    assert results(client, k, [lo.list_set("l", 0, 50), lo.list_get("l", 0), lo.list_get("l", -1)]) == [50, 9]
    assert results(client, k, [lo.list_get_range("l", 1, 2), lo.list_pop("l", 1), lo.list_pop_range("l", 0, 2)]) == [
        [6, 7], 6, [50, 7]]
    assert stored(client, k) == [8, 9]
    client.put(k, {"l": [1, 2, 3, 4, 5, 6]})
    assert results(client, k, [lo.list_remove("l", 0), lo.list_remove_range("l", 0, 2)]) == [1, 2]
    assert stored(client, k) == [4, 5, 6]
    # Trim keeps [index, index+count) and answers how many went.
    assert results(client, k, [lo.list_trim("l", 1, 1)]) == [2]
    assert stored(client, k) == [5]
    client.operate(k, [lo.list_clear("l")])
    assert stored(client, k) == [], "clearing leaves an empty list, the bin stays"


def test_single_element_access_out_of_range_is_26(client, key):
    k = key()
    client.put(k, {"l": [1, 2, 3]})
    for ops in ([lo.list_get("l", 3)], [lo.list_get("l", -4)], [lo.list_pop("l", 5)], [lo.list_remove("l", 3)],
                [lo.list_get_by_index("l", 3, VALUE)], [lo.list_get_by_rank("l", -4, VALUE)]):
        assert error_code(client, k, ops) == 26, ops
    # Ranges are clamped, never errors (§A.7).
    assert results(client, k, [lo.list_get_range("l", 7, 2), lo.list_get_range("l", -5, 3)]) == [[], [1]]


def test_increment(client, key):
    k = key()
    client.put(k, {"l": [1, 2.5, "s"]})
    assert results(client, k, [lo.list_increment("l", 0, 10), lo.list_increment("l", 1, 1)]) == [11, 3.5]
    assert error_code(client, k, [lo.list_increment("l", 2, 1)]) == 4


def test_sort_and_order(client, key):
    k = key()
    client.put(k, {"l": [3, "b", 1, "a", 1]})
    client.operate(k, [lo.list_sort("l", aerospike.LIST_SORT_DEFAULT)])
    assert stored(client, k) == [1, 1, 3, "a", "b"], "ints sort before strings (§1.2)"
    client.operate(k, [lo.list_sort("l", aerospike.LIST_SORT_DROP_DUPLICATES)])
    assert stored(client, k) == [1, 3, "a", "b"]
    client.put(k, {"l": [3, 1, 2]})
    client.operate(k, [lo.list_set_order("l", aerospike.LIST_ORDERED)])
    assert stored(client, k) == [1, 2, 3]
    # An ordered list keeps appends in order and refuses positional writes.
    assert results(client, k, [lo.list_append("l", 0), lo.list_append_items("l", [5, 4])]) == [4, 6]
    assert stored(client, k) == [0, 1, 2, 3, 4, 5]
    assert error_code(client, k, [lo.list_insert("l", 0, 9)]) == 26
    assert error_code(client, k, [lo.list_set("l", 0, 9)]) == 26


def test_ordered_list_created_by_append_policy(client, key):
    k = key()
    policy = {"list_order": aerospike.LIST_ORDERED}
    results(client, k, [lo.list_append("l", "x", policy), lo.list_append("l", "a", policy),
                        lo.list_append("l", "m", policy)])
    assert stored(client, k) == ["a", "m", "x"]


def test_write_flags(client, key):
    k = key()
    client.put(k, {"l": [1, 2]})
    unique = {"write_flags": aerospike.LIST_WRITE_ADD_UNIQUE}
    assert error_code(client, k, [lo.list_append("l", 2, unique)]) == 24
    no_fail = {"write_flags": aerospike.LIST_WRITE_ADD_UNIQUE | aerospike.LIST_WRITE_NO_FAIL}
    assert results(client, k, [lo.list_append("l", 2, no_fail)]) == [2]
    partial = {"write_flags": aerospike.LIST_WRITE_ADD_UNIQUE | aerospike.LIST_WRITE_NO_FAIL
               | aerospike.LIST_WRITE_PARTIAL}
    assert results(client, k, [lo.list_append_items("l", [2, 3, 3, 4], partial)]) == [4]
    assert stored(client, k) == [1, 2, 3, 4]
    assert error_code(client, k, [lo.list_append_items("l", [5, 2], unique)]) == 24
    assert stored(client, k) == [1, 2, 3, 4], "a failed op writes nothing"


def test_get_by_index_rank_and_value_with_every_return_type(client, key):
    k = key()
    client.put(k, {"l": [7, 1, 5, 1, 9]})
    # Ranks: 1 (index 1) rank 0, 1 (index 3) rank 1, 5 rank 2, 7 rank 3, 9 rank 4.
    assert results(client, k, [
        lo.list_get_by_index("l", 0, VALUE), lo.list_get_by_index("l", 0, RANK),
        lo.list_get_by_index("l", 0, REVERSE_INDEX), lo.list_get_by_index("l", 0, REVERSE_RANK),
        lo.list_get_by_index("l", 0, COUNT), lo.list_get_by_index("l", 0, EXISTS),
        lo.list_get_by_rank("l", -1, VALUE), lo.list_get_by_rank("l", 0, INDEX),
    ]) == [7, 3, 4, 1, 1, True, 9, 1]
    assert results(client, k, [
        lo.list_get_by_value("l", 1, INDEX), lo.list_get_by_value("l", 1, COUNT),
        lo.list_get_by_value("l", 4, EXISTS), lo.list_get_by_value("l", 1, VALUE, inverted=True),
    ]) == [[1, 3], 2, False, [7, 5, 9]]


def test_ranges_intervals_lists_and_relative_rank(client, key):
    k = key()
    client.put(k, {"l": [7, 1, 5, 1, 9]})
    assert results(client, k, [
        lo.list_get_by_index_range("l", 1, VALUE, 2),
        lo.list_get_by_index_range("l", 1, VALUE, 2, inverted=True),
        # Unordered rank ranges near the smallest values come highest first (Aerospike's
        # heap selection; an Aerospike notebook shows getByRankRange(0, 6) highest to lowest).
        lo.list_get_by_rank_range("l", 0, VALUE, 3),
        lo.list_get_by_rank_range("l", -2, INDEX),
        lo.list_get_by_value_range("l", VALUE, 5, 9),
        lo.list_get_by_value_range("l", COUNT, 1, None),
        lo.list_get_by_value_list("l", [9, 7, 4], VALUE),
        lo.list_get_by_value_rank_range_relative("l", 5, 1, VALUE),
        lo.list_get_by_value_rank_range_relative("l", 5, -1, VALUE, 2),
    ]) == [[1, 5], [7, 1, 9], [5, 1, 1], [0, 4], [7, 5], 5, [7, 9], [7, 9], [5, 1]]


def test_removes_by_selection(client, key):
    k = key()
    client.put(k, {"l": [7, 1, 5, 1, 9]})
    assert results(client, k, [lo.list_remove_by_value("l", 1, COUNT)]) == [2]
    assert stored(client, k) == [7, 5, 9]
    assert results(client, k, [lo.list_remove_by_rank_range("l", 0, VALUE, 1, inverted=True)]) == [[7, 9]]
    assert stored(client, k) == [5]
    client.put(k, {"l": [1, 2, 3, 4]})
    assert results(client, k, [lo.list_remove_by_index("l", -1, VALUE),
                               lo.list_remove_by_value_range("l", INDEX, 2, None)]) == [4, [1, 2]]
    assert stored(client, k) == [1]


def test_wrong_types_and_bad_payloads(client, key):
    k = key()
    client.put(k, {"i": 5, "m": {"a": 1}, "l": [1]})
    assert error_code(client, k, [lo.list_append("i", 1)]) == 12
    assert error_code(client, k, [lo.list_size("m")]) == 12
    # A map-only return type on a list.
    assert error_code(client, k, [lo.list_get_by_index("l", 0, aerospike.MAP_RETURN_KEY)]) == 26


def test_list_changes_are_writes(client, key):
    k = key()
    client.put(k, {"l": [1]})
    _, meta, _ = client.operate(k, [lo.list_append("l", 2)])
    assert meta["gen"] == 2, "a list modify bumps the generation"
    _, meta, _ = client.operate(k, [lo.list_size("l")])
    assert meta["gen"] == 2, "a list read does not write"
    _, meta, bins = client.operate(k, [lo.list_append("l", 3), op.read("l")])
    assert bins == {"l": [1, 2, 3]}


def _cdt_op(server, payload, optype=4, bin_value=None):
    """Sends one CDT op on bin "l" of a fresh record (first written with `bin_value`), raw."""
    import aswire

    digest = aswire.random_digest()
    if bin_value is not None:
        write = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                              ops=[aswire.op(aswire.OP_WRITE, "l", 20, bin_value)])
        assert aswire.msg_result(server.host, server.port, write)["result_code"] == 0
    info1, info2 = (aswire.INFO1_READ, 0) if optype == 3 else (aswire.INFO1_READ, aswire.INFO2_WRITE)
    body = aswire.as_msg(info1=info1, info2=info2, fields=aswire.key_fields(digest=digest),
                         ops=[aswire.op(optype, "l", aswire.PT_BLOB, payload)])
    return aswire.msg_result(server.host, server.port, body)["result_code"]


def test_hostile_payloads_get_result_codes(server, client):
    """Malformed msgpack, lying counts, deep nesting and wrong op classes answer 4 (§A.10),
    and the node keeps serving (PROTOCOL-DATA.md §1; Aerospike checks every size against the
    bytes before it trusts it)."""
    good_list = bytes([0x92, 0x01, 0x02])
    cases = [
        bytes([0x92, 0x01]),                                    # array of 2 holding 1 element
        bytes([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]),            # claims 4 billion elements
        bytes([0x92, 0x01, 0xd4, 0xff, 0x00]),                  # append a WILDCARD (not storable)
        bytes([0x92, 0x01]) + bytes([0x91] * 100_000) + b"\xc0",  # append a value 100,000 deep
        bytes([0x91, 0xc1]),                                    # 0xC1 is never valid msgpack
        bytes([0x92, 0x63, 0x01]),                              # op code 99: not an op
        bytes([0x91, 0x10]),                                    # SIZE (a read) in a modify op
    ]
    for payload in cases:
        assert _cdt_op(server, payload, bin_value=good_list) == 4, payload[:16].hex()
    assert client.is_connected() and client.info_all("status")


def test_invalid_whole_containers_are_refused_with_1(server):
    """A whole-bin write of a malformed list or map is refused: Aerospike's particle "from
    wire" path answers 1 (list_from_wire / map_from_wire), and nothing is stored."""
    import aswire

    for ptype, value in [
        (20, bytes([0x95, 0x01])),                     # a list whose count lies
        (19, bytes([0x82, 0x01, 0x01, 0x01, 0x02])),   # duplicate map keys
        (19, bytes([0x81, 0xc3, 0x01])),               # a bool as a map key
        (20, bytes([0x81, 0x01, 0x01])),               # a map sent as a list
    ]:
        digest = aswire.random_digest()
        write = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                              ops=[aswire.op(aswire.OP_WRITE, "l", ptype, value)])
        assert aswire.msg_result(server.host, server.port, write)["result_code"] == 1, value.hex()
        read = aswire.as_msg(info1=aswire.INFO1_READ | aswire.INFO1_GET_ALL, fields=aswire.key_fields(digest=digest))
        assert aswire.msg_result(server.host, server.port, read)["result_code"] == 2, "nothing was stored"


def test_whole_maps_are_stored_key_sorted(client, key):
    """An unordered map is stored in key order, whatever order it was written in (§1.4)."""
    k = key()
    client.put(k, {"m": {"b": 1, "c": 2, "a": 3}})
    _, _, bins = client.get(k)
    assert list(bins["m"].keys()) == ["a", "b", "c"]


def test_list_ops_in_batches(client, key):
    """Batch rows carry list ops like single commands: writes in batch_operate, reads too."""
    keys = [key(f"b{i}") for i in range(5)]
    for k in keys:
        client.put(k, {"l": [1, 2, 3]})
    res = client.batch_operate(keys, [lo.list_append("l", 9), lo.list_size("l")])
    assert [(r.result, r.record[2]) for r in res.batch_records] == [(0, {"l": 4})] * 5
    res = client.batch_operate(keys, [lo.list_get_by_rank("l", -1, VALUE)])
    assert [(r.result, r.record[2]) for r in res.batch_records] == [(0, {"l": 9})] * 5
