"""Map operations through the official Python client (aerospike_helpers.operations.map_operations).

Expected values follow Aerospike's documented map semantics (PROTOCOL-DATA.md §A.3 op table,
§A.4 return types, §A.5 order, §A.6 write flags, §A.7 index/rank/interval rules, §A.10 errors):
map index = position in key order, map rank = position in value order.
"""

import pytest

import aerospike
from aerospike import exception as ex
from aerospike_helpers.operations import map_operations as mo
from aerospike_helpers.operations import operations as op

KEY = aerospike.MAP_RETURN_KEY
VALUE = aerospike.MAP_RETURN_VALUE
KEY_VALUE = aerospike.MAP_RETURN_KEY_VALUE
INDEX = aerospike.MAP_RETURN_INDEX
RANK = aerospike.MAP_RETURN_RANK
COUNT = aerospike.MAP_RETURN_COUNT
EXISTS = aerospike.MAP_RETURN_EXISTS
NONE = aerospike.MAP_RETURN_NONE


def results(client, k, ops):
    """The result of each op, in op order."""
    _, _, res = client.operate_ordered(k, ops)
    return [value for _, value in res]


def stored(client, k, bin_name="m"):
    _, _, bins = client.get(k)
    return bins.get(bin_name)


def error_code(client, k, ops):
    with pytest.raises(ex.AerospikeError) as info:
        client.operate(k, ops)
    return info.value.code


def test_put_size_and_create(client, key):
    k = key()
    # A put on a missing record creates the record and the map, and answers the new size.
    assert results(client, k, [mo.map_put("m", "a", 1), mo.map_put("m", "b", 2), mo.map_size("m")]) == [1, 2, 2]
    assert stored(client, k) == {"a": 1, "b": 2}
    assert results(client, k, [mo.map_put_items("m", {"c": 3, "a": 10})]) == [3]
    assert stored(client, k) == {"a": 10, "b": 2, "c": 3}


def test_write_flags(client, key):
    k = key()
    client.put(k, {"m": {"a": 1}})
    create_only = {"map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY}
    update_only = {"map_write_flags": aerospike.MAP_WRITE_FLAGS_UPDATE_ONLY}
    assert error_code(client, k, [mo.map_put("m", "a", 2, create_only)]) == 24
    assert error_code(client, k, [mo.map_put("m", "z", 2, update_only)]) == 23
    no_fail = {"map_write_flags": aerospike.MAP_WRITE_FLAGS_UPDATE_ONLY | aerospike.MAP_WRITE_FLAGS_NO_FAIL}
    assert results(client, k, [mo.map_put("m", "z", 2, no_fail)]) == [1]
    partial = {"map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY | aerospike.MAP_WRITE_FLAGS_NO_FAIL
               | aerospike.MAP_WRITE_FLAGS_PARTIAL}
    assert results(client, k, [mo.map_put_items("m", {"a": 9, "b": 2}, partial)]) == [2]
    assert stored(client, k) == {"a": 1, "b": 2}


def test_increment_and_decrement(client, key):
    k = key()
    client.put(k, {"m": {"n": 5, "f": 1.5, "s": "x"}})
    assert results(client, k, [mo.map_increment("m", "n", 3), mo.map_decrement("m", "n", 10),
                               mo.map_increment("m", "f", 1.0), mo.map_increment("m", "new", 7)]) == [8, -2, 2.5, 7]
    assert error_code(client, k, [mo.map_increment("m", "s", 1)]) == 4


def test_gets_by_key_index_rank_and_value(client, key):
    k = key()
    client.put(k, {"m": {"c": 1, "a": 3, "b": 2}})
    assert results(client, k, [
        mo.map_get_by_key("m", "a", VALUE),
        mo.map_get_by_key("m", "c", INDEX),    # key order: a, b, c
        mo.map_get_by_key("m", "c", RANK),     # value order: c(1), b(2), a(3)
        mo.map_get_by_key("m", "zz", EXISTS),
        mo.map_get_by_index("m", 0, KEY),
        mo.map_get_by_rank("m", -1, KEY),
        mo.map_get_by_value("m", 2, KEY),
    ]) == [3, 2, 0, False, "a", "a", ["b"]]
    assert error_code(client, k, [mo.map_get_by_index("m", 3, VALUE)]) == 26


def test_ranges_intervals_and_lists(client, key):
    k = key()
    client.put(k, {"m": {"c": 1, "a": 3, "b": 2, "d": 2}})
    assert results(client, k, [
        mo.map_get_by_index_range("m", 1, 2, KEY),
        mo.map_get_by_key_range("m", "b", "d", VALUE),
        mo.map_get_by_value_range("m", 2, 3, KEY),
        mo.map_get_by_rank_range("m", 0, 2, KEY),
        mo.map_get_by_key_list("m", ["d", "a", "x"], VALUE),
        mo.map_get_by_value_list("m", [2, 9], KEY),
        mo.map_get_by_key_index_range_relative("m", "b", 1, KEY, 2),
        mo.map_get_by_value_rank_range_relative("m", 2, 1, KEY),
        mo.map_get_by_index_range("m", 0, 1, KEY, inverted=True),
        mo.map_get_by_value_range("m", 2, 3, COUNT),
    ]) == [["b", "c"], [2, 1], ["b", "d"], ["c", "b"], [3, 2], ["b", "d"], ["c", "d"], ["d", "a"],
           ["b", "c", "d"], 2]


def test_key_value_results(client, key):
    k = key()
    client.put(k, {"m": {"c": 1, "a": 3, "b": 2}})
    # KEY_VALUE answers a map the C client turns into (key, value) pairs, in selection order.
    got = results(client, k, [mo.map_get_by_index_range("m", 0, 2, KEY_VALUE)])[0]
    pairs = list(got.items()) if isinstance(got, dict) else (
        [tuple(p) for p in got] if got and isinstance(got[0], (list, tuple)) else list(zip(got[::2], got[1::2])))
    assert pairs == [("a", 3), ("b", 2)], got


def test_removes(client, key):
    k = key()
    client.put(k, {"m": {"a": 1, "b": 2, "c": 3, "d": 4}})
    assert results(client, k, [mo.map_remove_by_key("m", "a", VALUE)]) == [1]
    assert results(client, k, [mo.map_remove_by_key_list("m", ["b", "x"], COUNT)]) == [1]
    assert results(client, k, [mo.map_remove_by_value_range("m", 4, 10, KEY)]) == [["d"]]
    assert stored(client, k) == {"c": 3}
    client.operate(k, [mo.map_clear("m")])
    assert stored(client, k) == {}, "clearing leaves an empty map, the bin stays"


def test_key_ordered_maps(client, key):
    k = key()
    policy = {"map_order": aerospike.MAP_KEY_ORDERED}
    results(client, k, [mo.map_put("m", 3, "c", policy), mo.map_put("m", 1, "a", policy), mo.map_put("m", 2, "b")])
    assert results(client, k, [mo.map_get_by_index_range("m", 0, 3, KEY)]) == [[1, 2, 3]]
    client.put(k, {"u": {"y": 1, "x": 2}})
    client.operate(k, [mo.map_set_policy("u", {"map_order": aerospike.MAP_KEY_ORDERED})])
    assert results(client, k, [mo.map_get_by_index("u", 0, KEY)]) == ["x"]


def test_a_map_with_a_persisted_index(server, client, key):
    """A top-level KV-ordered map created with persist_index answers value ranges in rank order
    and value lists per listed value, as Aerospike answers from its persisted value index
    (particle_map.c packed_map_get_remove_by_value_interval, _by_value_list_ordered); the
    flag itself never leaves the server (cdt.c cdt_strip_indexes_from_particle)."""
    import aswire

    k, plain = key("p"), key("kv")
    entries = {1: 30, 2: 10, 3: 20}
    client.operate(k, [mo.map_create("m", aerospike.MAP_KEY_VALUE_ORDERED, True), mo.map_put_items("m", entries)])
    client.operate(plain, [mo.map_create("m", aerospike.MAP_KEY_VALUE_ORDERED, False), mo.map_put_items("m", entries)])
    ranges = [mo.map_get_by_value_range("m", 10, 31, VALUE), mo.map_get_by_value_range("m", 10, 31, INDEX),
              mo.map_get_by_value_list("m", [20, 10, 20], INDEX), mo.map_get_by_value_list("m", [20, 10, 20], RANK)]
    assert results(client, k, ranges) == [[10, 20, 30], [1, 2, 0], [2, 1, 2], [1, 0, 1]]
    assert results(client, plain, ranges) == [[30, 10, 20], [0, 1, 2], [1, 2], [0, 1]]
    # Writes keep the index: a put, then the same answers.
    assert results(client, k, [mo.map_put("m", 4, 0), mo.map_get_by_value_range("m", 0, 25, KEY)]) == [4, [4, 2, 3]]
    # Reads see a KV-ordered map (flags 0x03), the PERSIST bit (0x10) stripped.
    ptype, value = aswire.read_bins_raw(server.host, server.port, aerospike.calc_digest(*k))["m"]
    assert ptype == 19 and value[:5] == bytes([0x85, 0xc7, 0x00, 0x03, 0xc0]), value.hex()
    assert stored(client, k) == {1: 30, 2: 10, 3: 20, 4: 0}


def test_wrong_types(client, key):
    k = key()
    client.put(k, {"l": [1], "i": 7, "m": {"a": 1}})
    assert error_code(client, k, [mo.map_put("l", "a", 1)]) == 12
    assert error_code(client, k, [mo.map_size("i")]) == 12
    # A float is not a valid map key.
    assert error_code(client, k, [mo.map_put("m", 1.5, 1)]) == 4


def test_map_changes_are_writes(client, key):
    k = key()
    client.put(k, {"m": {"a": 1}})
    _, meta, _ = client.operate(k, [mo.map_put("m", "b", 2)])
    assert meta["gen"] == 2
    _, meta, bins = client.operate(k, [mo.map_size("m"), op.read("m")])
    assert meta["gen"] == 2 and bins["m"] == {"a": 1, "b": 2}
