"""Raw Aerospike wire-protocol helpers for the hostile-connection and server-side-validation
tests (see /work/shared/PROTOCOL.md sections 1-4, 7, 10 for the layouts used here)."""

import os
import select
import socket
import struct
import time

PROTO_VERSION = 2
TYPE_INFO = 1
TYPE_ADMIN = 2
TYPE_MSG = 3
TYPE_MSG_COMPRESSED = 4

AS_MSG_HEADER_SZ = 22
RESULT_OFFSET = 8 + 5  # result_code byte inside a full type-3 response (proto hdr + as_msg off 5)

# as_msg flag bits
INFO1_READ = 0x01
INFO1_GET_ALL = 0x02
INFO2_WRITE = 0x01
INFO2_DELETE = 0x02

# field types
FIELD_NAMESPACE = 0
FIELD_SET = 1
FIELD_KEY = 2
FIELD_DIGEST = 4

# op types
OP_READ = 1
OP_WRITE = 2

# particle types
PT_NULL = 0
PT_INTEGER = 1
PT_STRING = 3
PT_BLOB = 4


def proto(msg_type, body, version=PROTO_VERSION):
    """8-byte proto header (BE u64: version<<56 | type<<48 | size) + body."""
    return struct.pack(">Q", (version << 56) | (msg_type << 48) | len(body)) + body


def proto_header(msg_type, size, version=PROTO_VERSION):
    return struct.pack(">Q", (version << 56) | (msg_type << 48) | size)


def field(ftype, data):
    return struct.pack(">IB", len(data) + 1, ftype) + data


def op(optype, name, ptype=PT_NULL, value=b""):
    n = name.encode()
    return struct.pack(">IBBBB", 4 + len(n) + len(value), optype, ptype, 0, len(n)) + n + value


def as_msg(info1=0, info2=0, info3=0, generation=0, ttl=0, timeout_ms=1000, fields=(), ops=(),
           n_fields=None, n_ops=None):
    """A type-3 body. n_fields/n_ops default to the real counts but can be forced (malformed)."""
    nf = len(fields) if n_fields is None else n_fields
    no = len(ops) if n_ops is None else n_ops
    hdr = struct.pack(">BBBBBBIIIHH", AS_MSG_HEADER_SZ, info1, info2, info3, 0, 0,
                      generation, ttl, timeout_ms, nf, no)
    return hdr + b"".join(fields) + b"".join(ops)


def random_digest():
    # The server routes by the digest field and never recomputes it from the key, so any
    # 20 bytes address a record (PROTOCOL.md section 3, field 4).
    return os.urandom(20)


def key_fields(ns="test", set_name="demo", digest=None):
    return [field(FIELD_NAMESPACE, ns.encode()),
            field(FIELD_SET, set_name.encode()),
            field(FIELD_DIGEST, digest if digest is not None else random_digest())]


def int_value(v):
    return struct.pack(">q", v)


def connect(host, port, timeout=5.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exact(sock, n, deadline_s=5.0):
    """Read exactly n bytes; raises EOFError if the peer closes first, TimeoutError on deadline."""
    end = time.monotonic() + deadline_s
    buf = b""
    while len(buf) < n:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"got {len(buf)} of {n} bytes before the deadline")
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            raise TimeoutError(f"got {len(buf)} of {n} bytes before the deadline")
        if not chunk:
            raise EOFError(f"peer closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def read_proto(sock, deadline_s=5.0):
    """Read one proto message; returns (version, type, body)."""
    hdr = recv_exact(sock, 8, deadline_s)
    v, = struct.unpack(">Q", hdr)
    version, mtype, size = v >> 56, (v >> 48) & 0xFF, v & ((1 << 48) - 1)
    body = recv_exact(sock, size, deadline_s)
    return version, mtype, body


def parse_as_msg(body):
    """Parse the 22-byte as_msg header of a type-3 body into a dict."""
    (hsz, info1, info2, info3, info4, result, gen, ttl, tttl, nf, no) = struct.unpack(
        ">BBBBBBIIIHH", body[:AS_MSG_HEADER_SZ])
    return dict(header_sz=hsz, info1=info1, info2=info2, info3=info3, info4=info4,
                result_code=result, generation=gen, record_ttl=ttl, transaction_ttl=tttl,
                n_fields=nf, n_ops=no)


def request(sock, msg_bytes, deadline_s=5.0):
    sock.sendall(msg_bytes)
    return read_proto(sock, deadline_s)


def msg_result(host, port, body, deadline_s=5.0):
    """Send one type-3 body on a fresh connection; return the parsed as_msg response header."""
    with connect(host, port) as s:
        version, mtype, rbody = request(s, proto(TYPE_MSG, body), deadline_s)
    assert version == PROTO_VERSION and mtype == TYPE_MSG, (
        f"expected a version-2 type-3 response, got version {version} type {mtype}")
    assert len(rbody) >= AS_MSG_HEADER_SZ, f"response body too short: {rbody.hex()}"
    return parse_as_msg(rbody)


def read_bins_raw(host, port, digest, ns="test", set_name="demo", deadline_s=5.0):
    """Read every bin of a record; returns {name: (particle type, value bytes)} as sent."""
    body = as_msg(info1=INFO1_READ | INFO1_GET_ALL, fields=key_fields(ns, set_name, digest))
    with connect(host, port) as s:
        _, _, rbody = request(s, proto(TYPE_MSG, body), deadline_s)
    header = parse_as_msg(rbody)
    assert header["result_code"] == 0, header
    return parse_bins(rbody)


def parse_bins(rbody):
    """The bins of a type-3 response body: {name: (particle type, value bytes)} as sent."""
    header = parse_as_msg(rbody)
    at = AS_MSG_HEADER_SZ
    for _ in range(header["n_fields"]):
        size, = struct.unpack(">I", rbody[at:at + 4])
        at += 4 + size
    bins = {}
    for _ in range(header["n_ops"]):
        size, _, ptype, _, name_len = struct.unpack(">IBBBB", rbody[at:at + 8])
        name = rbody[at + 8:at + 8 + name_len].decode()
        bins[name] = (ptype, rbody[at + 8 + name_len:at + 4 + size])
        at += 4 + size
    return bins


def info_raw(host, port, commands, deadline_s=5.0):
    """Send an info request (list of command strings) and return the response text."""
    body = "".join(c + "\n" for c in commands).encode()
    with connect(host, port) as s:
        version, mtype, rbody = request(s, proto(TYPE_INFO, body), deadline_s)
    assert (version, mtype) == (PROTO_VERSION, TYPE_INFO), (
        f"expected a version-2 type-1 response, got version {version} type {mtype}")
    return rbody.decode("utf-8", "replace")


def wait_closed(sock, deadline_s):
    """True if the peer closes (EOF or reset) within the deadline; any data read is discarded.

    Returns False if the connection is still open at the deadline. A deadline of 0 checks
    once without blocking.
    """
    end = time.monotonic() + deadline_s
    while True:
        left = max(0.0, end - time.monotonic())
        r, _, _ = select.select([sock], [], [], min(left, 0.25))
        if r:
            try:
                data = sock.recv(65536)
            except OSError:  # ECONNRESET and friends
                return True
            if not data:
                return True
            continue
        if time.monotonic() >= end:
            return False
