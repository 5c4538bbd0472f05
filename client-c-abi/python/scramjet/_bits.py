"""Bit operations: the official client's constants, and the translation of an operation dict
(from `scramjet.bitwise_operations` or the official
`aerospike_helpers.operations.bitwise_operations`, which make the same dicts) into a call of
the C API's `sj_operations_bit_*` functions, with the arguments the official client sends
(PROTOCOL-DATA.md B.2, B.3)."""

from ._cdt import _get as _need, translate_with


# Operation codes of the dicts (the official `aerospike.OP_BIT_*` values).
OP_BIT_RESIZE = 2000
OP_BIT_INSERT = 2001
OP_BIT_REMOVE = 2002
OP_BIT_SET = 2003
OP_BIT_OR = 2004
OP_BIT_XOR = 2005
OP_BIT_AND = 2006
OP_BIT_NOT = 2007
OP_BIT_LSHIFT = 2008
OP_BIT_RSHIFT = 2009
OP_BIT_ADD = 2010
OP_BIT_SUBTRACT = 2011
OP_BIT_GET_INT = 2012
OP_BIT_SET_INT = 2013
OP_BIT_GET = 2014
OP_BIT_COUNT = 2015
OP_BIT_LSCAN = 2016
OP_BIT_RSCAN = 2017

# Write flags (the `bit_write_flags` of a bit policy dict).
BIT_WRITE_DEFAULT = 0
BIT_WRITE_CREATE_ONLY = 1
BIT_WRITE_UPDATE_ONLY = 2
BIT_WRITE_NO_FAIL = 4
BIT_WRITE_PARTIAL = 8

# Resize flags.
BIT_RESIZE_DEFAULT = 0
BIT_RESIZE_FROM_FRONT = 1
BIT_RESIZE_GROW_ONLY = 2
BIT_RESIZE_SHRINK_ONLY = 4

# Overflow actions of add and subtract.
BIT_OVERFLOW_FAIL = 0
BIT_OVERFLOW_SATURATE = 2
BIT_OVERFLOW_WRAP = 4

# sj_operations_bit_<name>(err, ops, bin, <arguments>): the argument codes. "o" an int32 offset,
# "u" a uint32 size, shift or flags, "q" an int64 value, "b" a bool, "B" bytes (pointer, length),
# "P" a bit policy dict or None (its write flags, a uint32).
SIGNATURES = {
    "bit_resize": "uPu",
    "bit_insert": "oBP",
    "bit_remove": "ouP",
    "bit_set": "ouBP",
    "bit_or": "ouBP",
    "bit_xor": "ouBP",
    "bit_and": "ouBP",
    "bit_not": "ouP",
    "bit_lshift": "ouuP",
    "bit_rshift": "ouuP",
    "bit_add": "ouqbuP",
    "bit_subtract": "ouqbuP",
    "bit_set_int": "ouqP",
    "bit_get": "ou",
    "bit_count": "ou",
    "bit_lscan": "oub",
    "bit_rscan": "oub",
    "bit_get_int": "oub",
}




def _window(op):
    return [_need(op, "bit_offset"), _need(op, "bit_size")]


def _bytes_op(op):
    return _window(op) + [_need(op, "value"), op.get("policy")]


def _math(op):
    return _window(op) + [_need(op, "value"), op.get("sign", False), op.get("action", BIT_OVERFLOW_FAIL) or 0,
                          op.get("policy")]


# dict op code -> (C function name, the dict's arguments in the function's order).
OPERATIONS = {
    OP_BIT_RESIZE: ("bit_resize", lambda op: [_need(op, "byte_size"), op.get("policy"),
                                              op.get("resize_flags", BIT_RESIZE_DEFAULT) or 0]),
    OP_BIT_INSERT: ("bit_insert", lambda op: [_need(op, "byte_offset"), _need(op, "value"), op.get("policy")]),
    OP_BIT_REMOVE: ("bit_remove", lambda op: [_need(op, "byte_offset"), _need(op, "byte_size"), op.get("policy")]),
    OP_BIT_SET: ("bit_set", _bytes_op),
    OP_BIT_OR: ("bit_or", _bytes_op),
    OP_BIT_XOR: ("bit_xor", _bytes_op),
    OP_BIT_AND: ("bit_and", _bytes_op),
    OP_BIT_NOT: ("bit_not", lambda op: _window(op) + [op.get("policy")]),
    OP_BIT_LSHIFT: ("bit_lshift", lambda op: _window(op) + [_need(op, "value"), op.get("policy")]),
    OP_BIT_RSHIFT: ("bit_rshift", lambda op: _window(op) + [_need(op, "value"), op.get("policy")]),
    OP_BIT_ADD: ("bit_add", _math),
    OP_BIT_SUBTRACT: ("bit_subtract", _math),
    OP_BIT_SET_INT: ("bit_set_int", lambda op: _window(op) + [_need(op, "value"), op.get("policy")]),
    OP_BIT_GET: ("bit_get", _window),
    OP_BIT_COUNT: ("bit_count", _window),
    OP_BIT_LSCAN: ("bit_lscan", lambda op: _window(op) + [_need(op, "value")]),
    OP_BIT_RSCAN: ("bit_rscan", lambda op: _window(op) + [_need(op, "value")]),
    OP_BIT_GET_INT: ("bit_get_int", lambda op: _window(op) + [op.get("sign", False)]),
}


def translate(op):
    """(C function name, its Python arguments) for the bit operation dict `op`, or None if `op`
    is not a bit operation. Raises ValueError for a malformed dict."""
    return translate_with(OPERATIONS, op)
