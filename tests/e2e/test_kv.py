"""put/get/select/exists/remove/touch with every value type the Python client supports."""

import pytest

import aerospike
from aerospike import exception as ex

I64_MIN = -(2 ** 63)
I64_MAX = 2 ** 63 - 1
NEVER = 4294967295  # meta ttl the 19.x client reports for "never expires" (void time 0)


VALUES = {
    "int_zero": 0,
    "int_pos": 42,
    "int_neg": -42,
    "int_min": I64_MIN,
    "int_max": I64_MAX,
    "float": 3.25,
    "float_neg": -1.5e300,
    "float_tiny": 5e-324,
    "str": "hello",
    "str_unicode": "héllo ✓ 日本語 🚀",
    "str_empty": "",
    "bytes": b"\x00\x01\xfe\xff",
    "bytes_empty": b"",
    "list": [1, "a", 2.5, b"x", [1, 2], {"k": "v"}, None],
    "list_empty": [],
    "map": {"a": 1, "b": "two", 3: 4.5},
    "map_empty": {},
    "nested": {"l": [1, {"m": [2, {"deep": "yes"}]}], "n": {"x": {"y": {"z": [None, -1]}}}},
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_put_get_value_types(client, key, name):
    k = key(name)
    value = VALUES[name]
    client.put(k, {"v": value})
    _, meta, bins = client.get(k)
    assert bins == {"v": value}, f"round trip of {name}: expected {{'v': {value!r}}}, got {bins!r}"
    assert type(bins["v"]) is type(value), (
        f"{name}: expected Python type {type(value).__name__}, got {type(bins['v']).__name__}")
    assert meta["gen"] == 1, f"fresh record should have gen 1, got {meta}"


def test_bytearray_comes_back_as_bytes(client, key):
    k = key()
    client.put(k, {"v": bytearray(b"ab\x00c")})
    _, _, bins = client.get(k)
    # A blob particle (type 4) is returned as bytes by the client.
    assert bins == {"v": b"ab\x00c"}, f"expected bytes b'ab\\x00c', got {bins!r}"


def test_bool(client, key):
    k = key()
    client.put(k, {"t": True, "f": False})
    _, _, bins = client.get(k)
    # 19.x sends Python bools as the native BOOL particle (type 17) by default
    # (observed on the wire with aerospike 19.3.0); a server returns it as BOOL -> True/False.
    assert bins["t"] is True and bins["f"] is False, f"expected True/False, got {bins!r}"


def test_bool_inside_list(client, key):
    k = key()
    client.put(k, {"l": [True, False, 1]})
    _, _, bins = client.get(k)
    assert bins["l"] == [True, False, 1] and bins["l"][0] is True, f"got {bins!r}"


def test_geojson(client, key):
    k = key()
    point = aerospike.GeoJSON({"type": "Point", "coordinates": [-122.0, 37.5]})
    client.put(k, {"loc": point})
    _, _, bins = client.get(k)
    got = bins["loc"]
    assert isinstance(got, aerospike.GeoJSON), f"expected a GeoJSON object back, got {type(got)}"
    assert got.unwrap() == {"type": "Point", "coordinates": [-122.0, 37.5]}, (
        f"GeoJSON round trip mismatch: {got.unwrap()!r}")


def test_many_bins_and_15_char_bin_name(client, key):
    k = key()
    bins = {f"b{i}": i for i in range(100)}
    bins["abcdefghijklmno"] = "fifteen chars"  # 15 is the maximum bin-name length
    client.put(k, bins)
    _, _, got = client.get(k)
    assert got == bins, f"expected {len(bins)} bins back, got {len(got)}: diff {set(bins) ^ set(got)}"


def test_put_merges_bins(client, key):
    k = key()
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"b": 20, "c": 30})
    _, meta, bins = client.get(k)
    assert bins == {"a": 1, "b": 20, "c": 30}, f"default put should merge bins, got {bins}"
    assert meta["gen"] == 2


@pytest.mark.parametrize("null", [None, aerospike.null()], ids=["None", "aerospike.null"])
def test_null_bin_deletes_bin(client, key, null):
    k = key()
    client.put(k, {"a": 1, "b": 2})
    client.put(k, {"a": null})  # sent as a WRITE op with particle NULL = delete bin
    _, _, bins = client.get(k)
    assert bins == {"b": 2}, f"writing a null bin should delete it, got {bins}"


def test_deleting_last_bin_deletes_record(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.put(k, {"a": None})
    # Real server deletes a record whose last bin is removed
    # (aerospike-server as/src/transaction/write.c: is_delete / n_deleted_last_bin).
    with pytest.raises(ex.RecordNotFound):
        client.get(k)


@pytest.mark.parametrize("user_key", [7, -7, 0, I64_MAX, "string-key", "", "ключ",
                                      b"\x00bytes-key", bytearray(b"bytearray-key")],
                         ids=["int", "neg-int", "zero", "i64max", "str", "empty-str", "unicode",
                              "bytes", "bytearray"])
def test_key_types(client, user_key):
    k = ("test", "keytypes", user_key)
    client.put(k, {"k": repr(user_key)})
    _, _, bins = client.get(k)
    assert bins == {"k": repr(user_key)}, f"key {user_key!r}: got {bins}"
    client.remove(k)
    with pytest.raises(ex.RecordNotFound):
        client.get(k)


def test_int_and_string_keys_are_distinct(client, key):
    # Digest = RIPEMD-160(set | particle type | key bytes): 1 and "1" are different records.
    client.put(("test", "distinct", 1), {"v": "int"})
    client.put(("test", "distinct", "1"), {"v": "str"})
    assert client.get(("test", "distinct", 1))[2] == {"v": "int"}
    assert client.get(("test", "distinct", "1"))[2] == {"v": "str"}


def test_sets_are_part_of_identity(client):
    client.put(("test", "setA", "same"), {"v": "A"})
    client.put(("test", "setB", "same"), {"v": "B"})
    assert client.get(("test", "setA", "same"))[2] == {"v": "A"}
    assert client.get(("test", "setB", "same"))[2] == {"v": "B"}


def test_empty_set_name(client):
    k = ("test", None, "no-set-key")
    client.put(k, {"v": 1})
    assert client.get(k)[2] == {"v": 1}


def test_key_send_policy(client, key):
    k = key()
    client.put(k, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND})
    _, meta, bins = client.get(k)
    assert bins == {"a": 1} and meta["gen"] == 1, f"got meta={meta} bins={bins}"
    # Writing again with the key stored and the same key value must still work.
    client.put(k, {"b": 2}, policy={"key": aerospike.POLICY_KEY_SEND})
    assert client.get(k)[2] == {"a": 1, "b": 2}


def test_get_missing_record(client, key):
    with pytest.raises(ex.RecordNotFound) as ei:
        client.get(key("missing"))
    assert ei.value.code == 2, f"expected code 2, got {ei.value.code}"


def test_select(client, key):
    k = key()
    client.put(k, {"a": 1, "b": "two", "c": [3]})
    _, meta, bins = client.select(k, ["a", "c", "nope"])
    # Bins that do not exist are omitted from a named-bin read (PROTOCOL.md section 6).
    assert bins == {"a": 1, "c": [3]}, f"select should return only existing named bins, got {bins}"
    assert meta["gen"] == 1
    with pytest.raises(ex.RecordNotFound):
        client.select(key("missing"), ["a"])


def test_exists(client, key):
    k = key()
    client.put(k, {"a": 1})
    rkey, meta = client.exists(k)
    assert meta is not None and meta["gen"] == 1, f"exists on a live record: got meta {meta}"
    assert set(meta) == {"gen", "ttl"}, f"meta should have exactly gen and ttl, got {meta}"
    assert rkey[:3] == k, f"exists should echo the key, got {rkey}"
    # 19.x: exists on a missing record returns (key, None) rather than raising
    # (observed with aerospike 19.3.0).
    rkey, meta = client.exists(key("missing"))
    assert meta is None, f"exists on a missing record should give meta None, got {meta}"


def test_generation_increments(client, key):
    k = key()
    for expected in range(1, 6):
        client.put(k, {"n": expected})
        _, meta, _ = client.get(k)
        assert meta["gen"] == expected, f"after {expected} writes gen should be {expected}, got {meta}"


def test_default_ttl_is_never_expire(client, key):
    k = key()
    client.put(k, {"a": 1})
    _, meta, _ = client.get(k)
    # Embedded default namespace: default-ttl 0 = never expire -> void time 0, which the C
    # client reports as ttl 0xFFFFFFFF (cf_server_void_time_to_ttl; PROTOCOL.md section 2).
    assert meta["ttl"] == NEVER, f"expected ttl {NEVER} (never expires), got {meta}"


def test_digest_in_returned_key(client, key):
    k = key()
    client.put(k, {"a": 1})
    rkey, _, _ = client.get(k)
    expected = aerospike.calc_digest(*k)
    assert bytes(rkey[3]) == bytes(expected), "returned key should carry the record digest"


def test_remove(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.remove(k)
    with pytest.raises(ex.RecordNotFound):
        client.get(k)
    with pytest.raises(ex.RecordNotFound) as ei:
        client.remove(k)
    assert ei.value.code == 2


def test_recreate_after_remove_starts_at_gen_1(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.put(k, {"a": 2})
    client.remove(k)
    client.put(k, {"b": 3})
    _, meta, bins = client.get(k)
    assert bins == {"b": 3}, f"old bins must not survive a remove, got {bins}"
    assert meta["gen"] == 1, f"a recreated record starts again at gen 1, got {meta}"


def test_touch(client, key):
    k = key()
    client.put(k, {"a": 1})
    client.touch(k, 500)
    _, meta, bins = client.get(k)
    assert bins == {"a": 1}, f"touch must not change bins, got {bins}"
    assert meta["gen"] == 2, f"touch bumps generation, expected 2, got {meta}"
    assert 490 <= meta["ttl"] <= 500, f"touch(500) should set ttl ~500, got {meta}"


def test_touch_missing(client, key):
    # A touch op forbids creating the record (aerospike-server write.c write_master_policies:
    # AS_MSG_OP_TOUCH -> must_not_create -> AS_ERR_NOT_FOUND).
    with pytest.raises(ex.RecordNotFound) as ei:
        client.touch(key("missing"), 100)
    assert ei.value.code == 2
    with pytest.raises(ex.RecordNotFound):
        client.get(key("missing"))


def test_large_record_under_limit(client, key):
    k = key()
    blob = bytes(range(256)) * 3000  # 768 KB < 1M default max-record-size
    client.put(k, {"big": blob})
    _, _, bins = client.get(k)
    assert bins["big"] == blob, "768 KB blob did not round-trip"


def test_increment_append_prepend_apis(client, key):
    k = key()
    client.put(k, {"n": 10, "f": 1.5, "s": "mid", "b": b"MID"})
    client.increment(k, "n", -3)
    client.increment(k, "f", 0.25)
    client.append(k, "s", "-end")
    client.prepend(k, "s", "start-")
    client.append(k, "b", b"!")
    client.prepend(k, "b", b"<")
    client.increment(k, "new", 5)  # increment of a missing bin creates it
    _, meta, bins = client.get(k)
    assert bins == {"n": 7, "f": 1.75, "s": "start-mid-end", "b": b"<MID!", "new": 5}, f"got {bins}"
    assert meta["gen"] == 8, f"7 modifications after the put -> gen 8, got {meta}"
