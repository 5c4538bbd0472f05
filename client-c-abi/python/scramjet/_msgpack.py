"""List and map values in Aerospike's MessagePack form (particle types 20 and 19).

Aerospike stores list and map bins as MessagePack, with one twist: a string is a msgpack
string whose first byte is the particle type 3, and bytes are a msgpack string starting
with 4. Following that form keeps our lists readable by the official clients and theirs by us.
"""

import struct

AS_STRING = 3
AS_BYTES = 4
AS_GEOJSON = 23


def pack(value, out=None):
    out = bytearray() if out is None else out
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        _pack_int(value, out)
    elif isinstance(value, float):
        out.append(0xCB)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        _pack_raw(AS_STRING, value.encode("utf-8"), out)
    elif isinstance(value, (bytes, bytearray)):
        _pack_raw(AS_BYTES, bytes(value), out)
    elif isinstance(value, (list, tuple)):
        _pack_header(len(value), 0x90, 0xDC, out)
        for item in value:
            pack(item, out)
    elif isinstance(value, dict):
        _pack_header(len(value), 0x80, 0xDE, out)
        for k, v in value.items():
            pack(k, out)
            pack(v, out)
    else:
        raise TypeError(f"cannot store a {type(value).__name__} in a list or map")
    return out


def _pack_int(v, out):
    if 0 <= v < 128:
        out.append(v)
    elif -32 <= v < 0:
        out.append(v & 0xFF)
    elif 0 <= v < 1 << 64:
        for limit, tag, fmt in ((1 << 8, 0xCC, ">B"), (1 << 16, 0xCD, ">H"), (1 << 32, 0xCE, ">I")):
            if v < limit:
                out.append(tag)
                out += struct.pack(fmt, v)
                return
        out.append(0xCF)
        out += struct.pack(">Q", v)
    elif -(1 << 63) <= v < 0:
        for limit, tag, fmt in ((1 << 7, 0xD0, ">b"), (1 << 15, 0xD1, ">h"), (1 << 31, 0xD2, ">i")):
            if v >= -limit:
                out.append(tag)
                out += struct.pack(fmt, v)
                return
        out.append(0xD3)
        out += struct.pack(">q", v)
    else:
        raise OverflowError(f"integer {v} does not fit in 64 bits")


def _pack_raw(particle, data, out):
    n = len(data) + 1
    if n < 32:
        out.append(0xA0 | n)
    elif n < 1 << 8:
        out += bytes((0xD9, n))
    elif n < 1 << 16:
        out.append(0xDA)
        out += struct.pack(">H", n)
    else:
        out.append(0xDB)
        out += struct.pack(">I", n)
    out.append(particle)
    out += data


def _pack_header(n, fix, tag16, out):
    if n < 16:
        out.append(fix | n)
    elif n < 1 << 16:
        out.append(tag16)
        out += struct.pack(">H", n)
    else:
        out.append(tag16 + 1)
        out += struct.pack(">I", n)


class _Ext:
    """A msgpack extension (Aerospike uses them to flag ordered maps); not user data."""


def unpack(data):
    value, end = _unpack(memoryview(bytes(data)), 0)
    if end != len(data):
        raise ValueError("trailing bytes after a MessagePack value")
    return value


def _unpack(b, i):
    t = b[i]
    i += 1
    if t < 0x80:
        return t, i
    if t >= 0xE0:
        return t - 0x100, i
    if 0x80 <= t <= 0x8F:
        return _map(b, i, t & 0x0F)
    if 0x90 <= t <= 0x9F:
        return _list(b, i, t & 0x0F)
    if 0xA0 <= t <= 0xBF:
        return _raw(b, i, t & 0x1F)
    simple = {0xC0: None, 0xC2: False, 0xC3: True}
    if t in simple:
        return simple[t], i
    sized = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i",
             0xD3: ">q", 0xCA: ">f", 0xCB: ">d"}
    if t in sized:
        fmt = sized[t]
        n = struct.calcsize(fmt)
        return struct.unpack(fmt, b[i:i + n])[0], i + n
    lengths = {0xC4: ">B", 0xC5: ">H", 0xC6: ">I", 0xD9: ">B", 0xDA: ">H", 0xDB: ">I",
               0xDC: ">H", 0xDD: ">I", 0xDE: ">H", 0xDF: ">I"}
    if t in lengths:
        fmt = lengths[t]
        w = struct.calcsize(fmt)
        n = struct.unpack(fmt, b[i:i + w])[0]
        i += w
        if t <= 0xC6:
            return bytes(b[i:i + n]), i + n
        if t <= 0xDB:
            return _raw(b, i, n)
        if t <= 0xDD:
            return _list(b, i, n)
        return _map(b, i, n)
    fixext = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
    if t in fixext:
        return _Ext(), i + 1 + fixext[t]
    if t in (0xC7, 0xC8, 0xC9):
        w = {0xC7: 1, 0xC8: 2, 0xC9: 4}[t]
        n = int.from_bytes(b[i:i + w], "big")
        return _Ext(), i + w + 1 + n
    raise ValueError(f"unknown MessagePack type byte 0x{t:02x}")


def _raw(b, i, n):
    data = bytes(b[i:i + n])
    if not data:
        return "", i + n
    if data[0] in (AS_STRING, AS_GEOJSON):
        return data[1:].decode("utf-8", errors="replace"), i + n
    return data[1:], i + n


def _list(b, i, n):
    out = []
    for _ in range(n):
        v, i = _unpack(b, i)
        if not isinstance(v, _Ext):
            out.append(v)
    return out, i


def _map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = _unpack(b, i)
        v, i = _unpack(b, i)
        if isinstance(k, _Ext):
            continue  # the ordered-map flag pair
        out[k] = v
    return out, i
