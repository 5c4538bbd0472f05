"""Limits: bin-name length, record size, unknown namespace, namespace memory budget
(stop-writes), plus the server-side checks the client normally does first (via raw messages)."""

import pytest

from aerospike import exception as ex

import aswire
from aswire import (FIELD_DIGEST, FIELD_NAMESPACE, FIELD_SET, INFO1_GET_ALL, INFO1_READ,
                    INFO2_WRITE, OP_WRITE, PT_INTEGER)
from scramjet_e2e import namespace_config, poll


# -- bin names --------------------------------------------------------------------------

def test_bin_name_too_long_client_side(client, key):
    k = key()
    # The 19.x client rejects a >15-char bin name itself with BinNameError (code 21, message
    # "A bin name should not exceed 15 characters limit"; observed with 19.3.0, nothing is sent).
    # The server-side check is exercised by test_bin_name_too_long_server_side below.
    with pytest.raises(ex.BinNameError) as ei:
        client.put(k, {"abcdefghijklmnop": 1})
    assert ei.value.code == 21, f"expected 21, got {ei.value.code}"


def test_bin_name_too_long_server_side(server):
    body = aswire.as_msg(info2=INFO2_WRITE, fields=aswire.key_fields(),
                         ops=[aswire.op(OP_WRITE, "abcdefghijklmnop", PT_INTEGER,
                                        aswire.int_value(1))])
    res = aswire.msg_result(server.host, server.port, body)
    # Server write.c write_master_policies: name_sz >= AS_BIN_NAME_MAX_SZ (16) -> AS_ERR_BIN_NAME.
    assert res["result_code"] == 21, f"16-char bin name: expected result 21, got {res}"


def test_raw_put_and_get_roundtrip(server):
    """Sanity check of the raw message builder used by the server-side checks."""
    digest = aswire.random_digest()
    put = aswire.as_msg(info2=INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                        ops=[aswire.op(OP_WRITE, "n", PT_INTEGER, aswire.int_value(-5))])
    assert aswire.msg_result(server.host, server.port, put)["result_code"] == 0
    get = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL, fields=aswire.key_fields(digest=digest))
    with aswire.connect(server.host, server.port) as s:
        _, mtype, body = aswire.request(s, aswire.proto(aswire.TYPE_MSG, get))
    hdr = aswire.parse_as_msg(body)
    assert hdr["result_code"] == 0 and hdr["n_ops"] == 1 and hdr["generation"] == 1, f"got {hdr}"
    # One op: size(4) op(1) particle(1) flags(1) name_len(1) 'n' + 8-byte BE int.
    op_bytes = body[22 + 0:]
    assert op_bytes[4] == aswire.OP_READ and op_bytes[5] == PT_INTEGER and op_bytes[8:9] == b"n", (
        f"expected a READ op for bin 'n' with an INTEGER particle, got {op_bytes.hex()}")
    assert op_bytes[9:17] == aswire.int_value(-5), f"value bytes: {op_bytes[9:17].hex()}"


# -- namespaces -------------------------------------------------------------------------

def test_unknown_namespace_client(client):
    # The C client checks its partition map first and fails with code 20 without sending
    # ("Invalid namespace: nope", observed 19.3.0); either way the app sees NamespaceNotFound.
    with pytest.raises(ex.NamespaceNotFound) as ei:
        client.put(("nope", "demo", 1), {"a": 1})
    assert ei.value.code == 20
    with pytest.raises(ex.NamespaceNotFound):
        client.get(("nope", "demo", 1))


def test_unknown_namespace_server_side(server):
    body = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL, fields=aswire.key_fields(ns="nope"))
    res = aswire.msg_result(server.host, server.port, body)
    assert res["result_code"] == 20, f"unknown namespace: expected result 20, got {res}"
    body = aswire.as_msg(info2=INFO2_WRITE, fields=aswire.key_fields(ns="nope"),
                         ops=[aswire.op(OP_WRITE, "a", PT_INTEGER, aswire.int_value(1))])
    res = aswire.msg_result(server.host, server.port, body)
    assert res["result_code"] == 20, f"write to unknown namespace: expected 20, got {res}"


def test_missing_namespace_field_server_side(server):
    body = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL,
                         fields=[aswire.field(FIELD_SET, b"demo"),
                                 aswire.field(FIELD_DIGEST, aswire.random_digest())])
    res = aswire.msg_result(server.host, server.port, body)
    # PROTOCOL.md section 6: missing namespace field -> 20.
    assert res["result_code"] == 20, f"no namespace field: expected 20, got {res}"


def test_bad_digest_length_server_side(server):
    body = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL,
                         fields=[aswire.field(FIELD_NAMESPACE, b"test"),
                                 aswire.field(FIELD_SET, b"demo"),
                                 aswire.field(FIELD_DIGEST, b"\x01" * 19)])
    res = aswire.msg_result(server.host, server.port, body)
    # Server requires exactly 20 digest bytes else AS_ERR_PARAMETER (PROTOCOL.md section 3).
    assert res["result_code"] == 4, f"19-byte digest: expected 4, got {res}"


def test_neither_read_nor_write_server_side(server):
    body = aswire.as_msg(fields=aswire.key_fields())
    res = aswire.msg_result(server.host, server.port, body)
    # PROTOCOL.md section 6: a message with a digest but neither READ nor WRITE -> 4.
    assert res["result_code"] == 4, f"no READ/WRITE flag: expected 4, got {res}"


def test_write_without_ops_server_side(server):
    body = aswire.as_msg(info2=INFO2_WRITE, fields=aswire.key_fields())
    res = aswire.msg_result(server.host, server.port, body)
    # Server write.c write_master_policies: "bin op(s) expected, none present" -> 4.
    assert res["result_code"] == 4, f"write with 0 ops: expected 4, got {res}"


# -- record size ------------------------------------------------------------------------

@pytest.fixture
def small_record_server(start_server):
    return start_server(namespace_config(max_record_size="128K"))


def test_record_too_big(small_record_server, new_client, key):
    c = new_client(small_record_server)
    k = key()
    c.put(k, {"ok": b"x" * (100 * 1024)})  # 100 KB fits under 128K
    with pytest.raises(ex.RecordTooBig) as ei:
        c.put(key("big"), {"big": b"x" * (200 * 1024)})
    assert ei.value.code == 13, f"expected 13, got {ei.value.code}"
    with pytest.raises(ex.RecordNotFound):
        c.get(key("big"))


def test_record_too_big_by_growth(small_record_server, new_client, key):
    c = new_client(small_record_server)
    k = key()
    c.put(k, {"b": b"x" * (100 * 1024)})
    with pytest.raises(ex.RecordTooBig):
        c.append(k, "b", b"y" * (50 * 1024))
    _, meta, bins = c.get(k)
    assert len(bins["b"]) == 100 * 1024 and meta["gen"] == 1, (
        "a failed too-big append must leave the record unchanged")


# -- memory budget / stop-writes --------------------------------------------------------

def test_stop_writes_at_memory_budget(start_server, new_client):
    # data-size 32M x stop-writes-used-pct 70 (Aerospike 7 default) ~= 22 MB of data. Each
    # shard gets its share (16 write blocks of 1M here), and stops at 70% of it.
    srv = start_server(namespace_config(data_size="32M"))
    c = new_client(srv)
    record = b"\xab" * (500 * 1024)
    written = []
    full_error = None
    for i in range(130):  # 65 MB: twice data-size, so the limit must be hit well before this
        k = ("test", "full", i)
        try:
            c.put(k, {"v": record})
        except ex.ServerFull as e:  # code 8 (ERR_SERVER_FULL / AS_ERR_OUT_OF_SPACE)
            full_error = e
            break
        written.append(k)
    assert full_error is not None, (
        f"wrote {len(written)} x 500 KB into a 32M namespace without a ServerFull (code 8)")
    assert full_error.code == 8
    assert 30 <= len(written) <= 60, (
        f"stop-writes should trigger near 70% of 32M (~45 x 500 KB); it came after {len(written)}")

    # Reads still work while stop-writes is on.
    _, _, bins = c.get(written[0])
    assert bins["v"] == record, "reads must keep working at stop-writes"
    # A failed write must not have stored anything.
    with pytest.raises(ex.RecordNotFound):
        c.get(("test", "full", len(written)))
    # Deletes still work.
    for k in written:
        c.remove(k)
    with pytest.raises(ex.RecordNotFound):
        c.get(written[0])

    # Once memory is freed, writes succeed again (stop-writes may be re-evaluated
    # periodically, so poll with a deadline).
    def write_ok():
        try:
            c.put(("test", "full", "after"), {"v": record})
            return True
        except ex.ServerFull:
            return False

    poll(write_ok, 15, interval_s=0.1, desc="writes succeed again after deleting everything")
    assert c.get(("test", "full", "after"))[2]["v"] == record


def test_stop_writes_still_serves_exists_and_select(start_server, new_client):
    srv = start_server(namespace_config(data_size="32M"))
    c = new_client(srv)
    record = b"\xcd" * (500 * 1024)
    n = 0
    with pytest.raises(ex.ServerFull):
        while n < 130:
            c.put(("test", "full2", n), {"v": record})
            n += 1
    assert n > 0
    _, meta = c.exists(("test", "full2", 0))
    assert meta is not None and meta["gen"] == 1, f"exists must work at stop-writes, got {meta}"
    _, _, bins = c.select(("test", "full2", n - 1), ["v"])
    assert bins == {"v": record}
