"""Bit operation builders for `Client.operate`: the functions, signatures and dicts of the
official `aerospike_helpers.operations.bitwise_operations`, so either module may be used.
Constants (write and resize flags, overflow actions) are in `scramjet`, as in `aerospike`.
`policy` is a bit policy dict, `{"bit_write_flags": BIT_WRITE_*}`. Bit 0 is the most
significant bit of the first byte; negative offsets count from the end. Modify operations
answer nothing; `bit_get` answers bytes, the other reads an int."""

from . import _bits as b


def bit_resize(bin_name, byte_size, policy=None, resize_flags=0):
    """Resizes the bytes to `byte_size` (creating the bin; new bytes are zero)."""
    return {"op": b.OP_BIT_RESIZE, "bin": bin_name, "policy": policy, "resize_flags": resize_flags,
            "byte_size": byte_size}


def bit_remove(bin_name, byte_offset, byte_size, policy=None):
    """Removes `byte_size` bytes at `byte_offset`."""
    return {"op": b.OP_BIT_REMOVE, "bin": bin_name, "policy": policy, "byte_offset": byte_offset,
            "byte_size": byte_size}


def _bytes_op(code, bin_name, bit_offset, bit_size, value_byte_size, value, policy):
    return {"op": code, "bin": bin_name, "policy": policy, "bit_offset": bit_offset, "bit_size": bit_size,
            "value_byte_size": value_byte_size, "value": value}


def bit_set(bin_name, bit_offset, bit_size, value_byte_size, value, policy=None):
    """Sets `bit_size` bits at `bit_offset` to the leading bits of `value` (bytes);
    `value_byte_size` is ignored, as in the official helper."""
    return _bytes_op(b.OP_BIT_SET, bin_name, bit_offset, bit_size, value_byte_size, value, policy)


def bit_or(bin_name, bit_offset, bit_size, value_byte_size, value, policy=None):
    """ORs `bit_size` bits at `bit_offset` with the leading bits of `value`."""
    return _bytes_op(b.OP_BIT_OR, bin_name, bit_offset, bit_size, value_byte_size, value, policy)


def bit_xor(bin_name, bit_offset, bit_size, value_byte_size, value, policy=None):
    """XORs `bit_size` bits at `bit_offset` with the leading bits of `value`."""
    return _bytes_op(b.OP_BIT_XOR, bin_name, bit_offset, bit_size, value_byte_size, value, policy)


def bit_and(bin_name, bit_offset, bit_size, value_byte_size, value, policy=None):
    """ANDs `bit_size` bits at `bit_offset` with the leading bits of `value`."""
    return _bytes_op(b.OP_BIT_AND, bin_name, bit_offset, bit_size, value_byte_size, value, policy)


def bit_insert(bin_name, byte_offset, value_byte_size, value, policy=None):
    """Inserts `value` (bytes) at `byte_offset` (creating the bin)."""
    return {"op": b.OP_BIT_INSERT, "bin": bin_name, "byte_offset": byte_offset,
            "value_byte_size": value_byte_size, "value": value, "policy": policy}


def bit_not(bin_name, bit_offset, bit_size, policy=None):
    """Negates `bit_size` bits at `bit_offset`."""
    return {"op": b.OP_BIT_NOT, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size, "policy": policy}


def bit_lshift(bin_name, bit_offset, bit_size, shift, policy=None):
    """Shifts `bit_size` bits at `bit_offset` left by `shift`."""
    return {"op": b.OP_BIT_LSHIFT, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size,
            "value": shift, "policy": policy}


def bit_rshift(bin_name, bit_offset, bit_size, shift, policy=None):
    """Shifts `bit_size` bits at `bit_offset` right by `shift`."""
    return {"op": b.OP_BIT_RSHIFT, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size,
            "value": shift, "policy": policy}


def _math(code, bin_name, bit_offset, bit_size, value, sign, action, policy):
    return {"op": code, "bin": bin_name, "policy": policy, "bit_offset": bit_offset, "bit_size": bit_size,
            "value": value, "sign": sign, "action": action}


def bit_add(bin_name, bit_offset, bit_size, value, sign, action, policy=None):
    """Adds `value` to the (`sign`ed) integer in `bit_size` (<= 64) bits at `bit_offset`, doing
    `action` (BIT_OVERFLOW_*) on overflow."""
    return _math(b.OP_BIT_ADD, bin_name, bit_offset, bit_size, value, sign, action, policy)


def bit_subtract(bin_name, bit_offset, bit_size, value, sign, action, policy=None):
    """Subtracts `value` from the (`sign`ed) integer in `bit_size` (<= 64) bits at `bit_offset`,
    doing `action` (BIT_OVERFLOW_*) on overflow."""
    return _math(b.OP_BIT_SUBTRACT, bin_name, bit_offset, bit_size, value, sign, action, policy)


def bit_set_int(bin_name, bit_offset, bit_size, value, policy=None):
    """Sets `bit_size` (<= 64) bits at `bit_offset` to the integer `value`, big-endian."""
    return {"op": b.OP_BIT_SET_INT, "bin": bin_name, "policy": policy, "bit_offset": bit_offset,
            "bit_size": bit_size, "value": value}


def bit_get(bin_name, bit_offset, bit_size):
    """The `bit_size` bits at `bit_offset`, as bytes."""
    return {"op": b.OP_BIT_GET, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size}


def bit_count(bin_name, bit_offset, bit_size):
    """The number of 1 bits of `bit_size` bits at `bit_offset`."""
    return {"op": b.OP_BIT_COUNT, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size}


def bit_get_int(bin_name, bit_offset, bit_size, sign):
    """The integer in `bit_size` (<= 64) bits at `bit_offset`, sign-extended if `sign`."""
    return {"op": b.OP_BIT_GET_INT, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size,
            "sign": sign}


def bit_lscan(bin_name, bit_offset, bit_size, value):
    """The offset (from `bit_offset`) of the first bit equal to `value` (a bool), or -1."""
    return {"op": b.OP_BIT_LSCAN, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size, "value": value}


def bit_rscan(bin_name, bit_offset, bit_size, value):
    """The offset (from `bit_offset`) of the last bit equal to `value` (a bool), or -1."""
    return {"op": b.OP_BIT_RSCAN, "bin": bin_name, "bit_offset": bit_offset, "bit_size": bit_size, "value": value}
