"""List and map values packed in Aerospike's MessagePack form (particle types 20 and 19), to
hand them to the C library in one piece (an sj_value whose `data` holds the msgpack).

Aerospike stores list and map bins as MessagePack, with one twist: a string is a msgpack
string whose first byte is the particle type 3, and bytes are a msgpack string starting
with 4. Following that form keeps our lists readable by the official clients and theirs by us.
Results come back unpacked by the library (sj_value trees), so there is no unpacker here.
"""

import struct

AS_STRING = 3
AS_BYTES = 4
AS_HLL = 18
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
        # An HLL value (ours or the official client's HyperLogLog) keeps its type, 18.
        hll = any(c.__name__ == "HyperLogLog" for c in type(value).__mro__)
        _pack_raw(AS_HLL if hll else AS_BYTES, bytes(value), out)
    elif isinstance(value, (list, tuple)):
        _pack_header(len(value), 0x90, 0xDC, out)
        for item in value:
            pack(item, out)
    elif isinstance(value, dict):
        _pack_header(len(value), 0x80, 0xDE, out)
        for k, v in value.items():
            pack(k, out)
            pack(v, out)
    elif type(value).__name__ in _COMPARE:
        out += bytes((0xD4, 0xFF, _COMPARE[type(value).__name__]))
    else:
        raise TypeError(f"cannot store a {type(value).__name__} in a list or map")
    return out


# The wildcard and infinity of list and map operation arguments (ours or the official
# client's classes of these names): msgpack ext 0xFF with one byte.
_COMPARE = {"CDTWildcard": 0, "CDTInfinite": 1}


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
