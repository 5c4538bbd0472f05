"""Hostile or malformed connections over raw sockets. After each one the server must still
serve the official client."""

import socket
import struct
import zlib

import pytest

import aswire
from aswire import INFO1_GET_ALL, INFO1_READ, TYPE_ADMIN, TYPE_INFO, TYPE_MSG
from scramjet_e2e import namespace_config, poll

CLOSE_DEADLINE_S = 5.0


def assert_serving(srv, client, key, tag):
    """The official client can still write and read; the process is alive."""
    assert srv.alive(), f"scramjetd died after {tag}:\n{srv.stderr_tail()}"
    k = key(f"after-{tag}")
    client.put(k, {"ok": tag})
    assert client.get(k)[2] == {"ok": tag}, f"put/get after {tag} failed"


def assert_closed(sock, what, deadline_s=CLOSE_DEADLINE_S):
    assert aswire.wait_closed(sock, deadline_s), (
        f"{what}: expected the server to close the connection within {deadline_s} s")


def test_garbage_bytes_closed(server, client, key):
    with aswire.connect(server.host, server.port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\xde\xad\xbe\xef" * 8)
        # First byte 'G' is not protocol version 2 -> server closes (service.c read loop).
        assert_closed(s, "garbage bytes (HTTP request)")
    assert_serving(server, client, key, "garbage")


def test_wrong_version_closed(server, client, key):
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto(TYPE_INFO, b"node\n", version=3))
        assert_closed(s, "proto version 3")
    assert_serving(server, client, key, "version")


def test_tls_client_hello_on_clear_port_closed(server, client, key):
    hello = bytes([0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03]) + b"\x00" * 40
    with aswire.connect(server.host, server.port) as s:
        s.sendall(hello)
        assert_closed(s, "TLS ClientHello on the clear port")
    assert_serving(server, client, key, "tls")


def test_oversized_header_closed(server, client, key):
    with aswire.connect(server.host, server.port) as s:
        # 200 MiB > PROTO_SIZE_MAX (128 MiB): closed without waiting for the body.
        s.sendall(aswire.proto_header(TYPE_MSG, 200 * 1024 * 1024))
        assert_closed(s, "header announcing 200 MiB")
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto_header(TYPE_INFO, (1 << 48) - 1))
        assert_closed(s, "header announcing 2^48-1 bytes")
    assert_serving(server, client, key, "oversized")


def test_half_header_then_close(server, client, key):
    for _ in range(20):
        s = aswire.connect(server.host, server.port)
        s.sendall(aswire.proto_header(TYPE_MSG, 100)[:4])
        s.close()
    # Also an abortive close (RST) in the middle of a body.
    s = aswire.connect(server.host, server.port)
    s.sendall(aswire.proto_header(TYPE_MSG, 1000) + b"\x16" * 10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    assert_serving(server, client, key, "half-header")


def test_malformed_as_msg_gets_parameter_error(server, client, key):
    # n_fields says 5 but there are no fields: server as_transaction_prepare fails and
    # as_transaction_demarshal_error replies with AS_ERR_PARAMETER (4) (service.c).
    body = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL, n_fields=5)
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto(TYPE_MSG, body))
        version, mtype, rbody = aswire.read_proto(s)
    assert (version, mtype) == (2, TYPE_MSG), f"expected a type-3 response, got v{version} t{mtype}"
    assert len(rbody) >= 22, f"response too short: {rbody.hex()}"
    assert rbody[5] == 4, f"expected result code 4, got {rbody[5]} (response {rbody[:22].hex()})"
    assert_serving(server, client, key, "malformed-fields")


@pytest.mark.parametrize("case", ["op-overruns", "trailing-bytes", "short-header"])
def test_malformed_as_msg_variants(server, client, key, case):
    fields = aswire.key_fields()
    if case == "op-overruns":
        # op_sz claims 400 bytes but only the name follows.
        bad_op = struct.pack(">IBBBB", 400, aswire.OP_WRITE, aswire.PT_INTEGER, 0, 1) + b"a"
        body = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=fields, n_ops=1) + bad_op
    elif case == "trailing-bytes":
        body = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL, fields=fields) + b"\x00" * 7
    else:
        body = aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL, fields=fields)[:10]
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto(TYPE_MSG, body))
        try:
            version, mtype, rbody = aswire.read_proto(s)
        except EOFError:
            rbody = None  # closing the connection is acceptable for these
    if rbody is not None:
        assert mtype == TYPE_MSG and len(rbody) >= 22 and rbody[5] != 0, (
            f"{case}: expected an error response (non-zero result), got {rbody[:22].hex()}")
    assert_serving(server, client, key, f"malformed-{case}")


def test_compressed_message_enterprise_only(server, client, key):
    inner = aswire.proto(TYPE_MSG, aswire.as_msg(info1=INFO1_READ | INFO1_GET_ALL,
                                                 fields=aswire.key_fields()))
    body = struct.pack(">Q", len(inner)) + zlib.compress(inner, 1)
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto(aswire.TYPE_MSG_COMPRESSED, body))
        version, mtype, rbody = aswire.read_proto(s)
    # CE rejects compressed requests with ENTERPRISE_ONLY (25) in a normal response
    # (aerospike-server as/src/base/proto_ce.c; PROTOCOL.md section 10).
    assert mtype == TYPE_MSG and len(rbody) >= 22, f"expected a type-3 response, got type {mtype}"
    assert rbody[5] == 25, f"expected result 25 (enterprise only), got {rbody[5]}"
    assert_serving(server, client, key, "compressed")


def admin_field(fid, data):
    return struct.pack(">IB", len(data) + 1, fid) + data


def test_admin_login_security_not_enabled(server, client, key):
    fields = admin_field(0, b"admin") + admin_field(3, b"$2a$10$7EqJtq98hPqEX7fNZaFWoO" + b"x" * 31)
    # 16-byte admin header: scheme 0, result 0, command 20 (LOGIN), n_fields 2, 12 zero bytes.
    body = bytes([0, 0, 20, 2]) + b"\x00" * 12 + fields
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto(TYPE_ADMIN, body))
        version, mtype, rbody = aswire.read_proto(s)
    assert mtype == TYPE_ADMIN, f"expected an admin (type 2) response, got type {mtype}"
    assert len(rbody) == 16, f"expected a bare 16-byte admin header, got {len(rbody)} bytes"
    # 52 = SECURITY_NOT_ENABLED: the C client's login treats it as "no login needed"
    # (PROTOCOL.md section 10; the lead's contract picks 52 over CE's 51).
    assert rbody[1] == 52, f"expected admin result 52, got {rbody[1]}"
    assert_serving(server, client, key, "admin")


def test_raw_info_node(server, client):
    raw = bytes.fromhex("02 01 00 00 00 00 00 05 6E 6F 64 65 0A")
    with aswire.connect(server.host, server.port) as s:
        s.sendall(raw)
        version, mtype, rbody = aswire.read_proto(s)
    text = rbody.decode()
    assert (version, mtype) == (2, TYPE_INFO), f"expected a v2 type-1 response, got v{version} t{mtype}"
    assert text.startswith("node\t") and text.endswith("\n"), f"expected 'node\\t<id>\\n', got {text!r}"
    node_name = client.get_node_names()[0]["node_name"]
    assert text == f"node\t{node_name}\n", f"expected node\\t{node_name}\\n, got {text!r}"


def test_pipelined_requests_on_one_socket(server):
    msgs = aswire.proto(TYPE_INFO, b"build\n") + aswire.proto(TYPE_INFO, b"node\n") + \
        aswire.proto(TYPE_INFO, b"namespaces\n")
    with aswire.connect(server.host, server.port) as s:
        s.sendall(msgs)  # all three before reading any response
        texts = [aswire.read_proto(s)[2].decode() for _ in range(3)]
    assert [t.split("\t", 1)[0] for t in texts] == ["build", "node", "namespaces"], (
        f"three pipelined requests must get three responses in order, got {texts}")


def test_requests_then_half_close_answered_and_closed(server):
    # The client's end of stream reaches the server with (or right behind) its last requests:
    # every request is answered, and the server then closes its side, however the two were
    # reported to it. Repeated, since the end can come in the same wake-up as the bytes or
    # in one of its own.
    msgs = aswire.proto(TYPE_INFO, b"build\n") + aswire.proto(TYPE_INFO, b"node\n")
    for i in range(100):
        with aswire.connect(server.host, server.port) as s:
            s.sendall(msgs)
            s.shutdown(socket.SHUT_WR)
            texts = [aswire.read_proto(s)[2].decode() for _ in range(2)]
            assert [t.split("\t", 1)[0] for t in texts] == ["build", "node"], (
                f"attempt {i}: both requests before the end of stream must be answered, got {texts}")
            assert_closed(s, f"attempt {i}: requests then end of stream")


def test_many_requests_on_one_socket(server):
    digest = aswire.random_digest()
    with aswire.connect(server.host, server.port) as s:
        for i in range(200):
            put = aswire.as_msg(info2=aswire.INFO2_WRITE, fields=aswire.key_fields(digest=digest),
                                ops=[aswire.op(aswire.OP_WRITE, "n", aswire.PT_INTEGER,
                                               aswire.int_value(i))])
            _, mtype, rbody = aswire.request(s, aswire.proto(TYPE_MSG, put))
            hdr = aswire.parse_as_msg(rbody)
            assert hdr["result_code"] == 0 and hdr["generation"] == i + 1, (
                f"request {i} on a reused socket: got {hdr}")


def test_unknown_proto_type(server, client, key):
    with aswire.connect(server.host, server.port) as s:
        s.sendall(aswire.proto(9, b"\x00" * 30))
        try:
            version, mtype, rbody = aswire.read_proto(s)
        except EOFError:
            rbody = None  # closing is fine
        if rbody is not None and mtype == TYPE_MSG and len(rbody) >= 22:
            assert rbody[5] != 0, "an unknown proto type must not succeed"
    assert_serving(server, client, key, "unknown-type")


def test_idle_and_slow_connections_reaped(start_server, new_client, key):
    srv = start_server(namespace_config(extra_service="    proto-fd-idle-ms 2000"))
    slow = aswire.connect(srv.host, srv.port)
    idle = aswire.connect(srv.host, srv.port)
    try:
        # Announce 1 MiB, send 10 bytes, then go silent.
        slow.sendall(aswire.proto_header(TYPE_MSG, 1024 * 1024) + b"\x16" * 10)
        assert aswire.wait_closed(slow, 10.0), (
            "a stalled partial request must be closed by the idle reaper "
            "(proto-fd-idle-ms 2000) within 10 s")
        assert aswire.wait_closed(idle, 10.0), (
            "a connection that never sent anything must be closed after proto-fd-idle-ms")
    finally:
        slow.close()
        idle.close()
    assert srv.alive(), srv.stderr_tail()
    c = new_client(srv)
    k = key()
    c.put(k, {"a": 1})
    assert c.get(k)[2] == {"a": 1}


def test_active_connection_not_reaped(start_server):
    srv = start_server(namespace_config(extra_service="    proto-fd-idle-ms 2000"))
    with aswire.connect(srv.host, srv.port) as s:
        # Stay active for longer than the idle timeout: one request every ~0.5 s for ~4 s.
        for i in range(8):
            _, _, body = aswire.request(s, aswire.proto(TYPE_INFO, b"status\n"))
            assert body == b"status\tok\n", f"request {i}: got {body!r}"
            assert not aswire.wait_closed(s, 0.5), (
                f"connection used every 0.5 s was closed (after request {i}) with idle 2000 ms")


def test_proto_fd_max(start_server, new_client, key):
    cap = 100
    extra = 20
    srv = start_server(namespace_config(extra_service=f"    proto-fd-max {cap}"))
    socks = []
    try:
        for _ in range(cap + extra):
            socks.append(aswire.connect(srv.host, srv.port))
        closed = set()

        def enough_closed():
            for i, s in enumerate(socks):
                if i not in closed and aswire.wait_closed(s, 0):
                    closed.add(i)
            return len(closed) >= extra

        poll(enough_closed, CLOSE_DEADLINE_S, interval_s=0.05,
             desc=f"{extra} of {cap + extra} connections closed by proto-fd-max {cap}")
        survivors = [s for i, s in enumerate(socks) if i not in closed]
        assert len(survivors) >= cap - 2, (
            f"only {len(survivors)} connections survived; expected about {cap} (the cap)")
        # Every connection that was not closed must actually be served.
        for n, s in enumerate(survivors):
            try:
                _, mtype, body = aswire.request(s, aswire.proto(TYPE_INFO, b"status\n"))
            except (EOFError, OSError, TimeoutError) as e:
                raise AssertionError(
                    f"surviving connection #{n} was not served ({e!r}); "
                    f"{len(closed)} were closed at first") from None
            assert body == b"status\tok\n"
    finally:
        for s in socks:
            s.close()
    assert srv.alive(), srv.stderr_tail()

    # Once the raw connections are gone the official client works again (the server may
    # notice the closes asynchronously, so retry until a deadline).
    def client_works():
        try:
            c = new_client(srv)
            k = key()
            c.put(k, {"a": 1})
            return c.get(k)[2] == {"a": 1}
        except Exception:
            return False

    poll(client_works, 10, interval_s=0.2, desc="official client works after closing raw sockets")
