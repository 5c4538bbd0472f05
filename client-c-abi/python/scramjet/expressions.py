"""Expressions: filters for commands (`policy={"expressions": ...}`) and the values of
`scramjet.expression_operations`, with the names and arguments of the official
`aerospike_helpers.expressions`:

    from scramjet import expressions as exp
    filter = exp.And(exp.GT(exp.IntBin("a"), 5), exp.GT(exp.ListSize(None, exp.ListBin("l")), 2)).compile()
    client.get(key, policy={"expressions": filter})       # FilteredOut (27) if it is false

`compile()` gives the same list of `(op, result_type, fixed, n_children)` tuples as the official
helpers, so the two mix freely, and this package takes the compiled expressions of either
(`scramjet._exp.pack` makes the wire bytes the official client sends). Plain Python values
stand for literals where an expression is expected (`GT(IntBin("a"), 5)`).

Here: literals (`Val`), bins of every type, `BinType`, `BinExists`, keys, record metadata,
comparisons, `And`/`Or`/`Not`/`Exclusive`, arithmetic and integer bit operations,
`CmpRegex`, `CmpGeo`, `InList`, `Cond`/`Let`/`Def`/`Var`/`Unknown`, and the common reads of
lists, maps, bits and HLLs (`ListSize`, `ListGetByIndex`, `MapSize`, `MapGetByKey`,
`BitCount`, `HLLGetCount`). For the other list, map, bit, HLL and string expressions use the
official helpers: their compiled form is accepted too.
"""

from . import _exp

__all__ = ["ResultType", "Val", "Unknown", "Eq", "NE", "GT", "GE", "LT", "LE", "And", "Or", "Not", "Exclusive",
           "IntBin", "FloatBin", "StrBin", "BlobBin", "BoolBin", "ListBin", "MapBin", "GeoBin", "HLLBin",
           "BinType", "BinExists", "KeyInt", "KeyStr", "KeyBlob", "KeyExists", "SetName", "TTL", "VoidTime",
           "LastUpdateTime", "SinceUpdateTime", "IsTombstone", "DeviceSize", "MemorySize", "RecordSize",
           "DigestMod", "CmpRegex", "CmpGeo", "InList", "Cond", "Let", "Def", "Var", "Add", "Sub", "Mul", "Div",
           "Pow", "Log", "Mod", "Abs", "Floor", "Ceil", "ToInt", "ToFloat", "IntAnd", "IntOr", "IntXOr",
           "IntNot", "IntLeftShift", "IntRightShift", "IntArithmeticRightShift", "IntCount", "IntLeftScan",
           "IntRightScan", "Min", "Max", "ListSize", "ListGetByIndex", "MapSize", "MapGetByKey", "BitCount",
           "HLLGetCount", "LoopVarFloat", "LoopVarInt", "LoopVarList", "LoopVarMap", "LoopVarStr", "LoopVarBlob",
           "LoopVarBool", "LoopVarNil", "LoopVarGeoJson", "LoopVarHLL", "RemoveResult", "SelectByPath",
           "ModifyByPath", "EXP_LOOPVAR_KEY", "EXP_LOOPVAR_VALUE", "EXP_LOOPVAR_INDEX"]


class ResultType:
    """Types of expression values (the official `ResultType`)."""

    NIL = 0
    BOOLEAN = 1
    INTEGER = 2
    STRING = 3
    LIST = 4
    MAP = 5
    BLOB = 6
    FLOAT = 7
    GEOJSON = 8
    HLL = 9


_LITERAL = 200
_VAL = 128
_END = (150, 0, {}, 0)


class _Expr:
    """A node: its op code, result type (bins, keys, metadata), fixed parameters and children
    (expressions, or plain values that become literals)."""

    _op = 0
    _rt = None
    _fixed = None
    _children = ()

    def _tuple(self):
        return (self._op, self._rt, self._fixed, len(self._children))

    def compile(self):
        """The flat pre-order list of 4-tuples the official helpers' `compile()` gives."""
        out = []
        stack = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, _Expr):
                out.append(item._tuple())
                stack.extend(reversed(item._children))
            elif isinstance(item, tuple) and len(item) == 4:  # a marker
                out.append(item)
            else:
                out.append((_LITERAL, None, {"val": item}, 0))
        return out

    def pack(self):
        """The wire bytes (as sent in field 43)."""
        return _exp.pack(self.compile())

    # Arithmetic operators, as the official helpers have them: `IntBin("a") + 1 + 2` is one
    # Add of three operands (same-operator chains are flattened).

    def _chain(self, right, op):
        left = self._children[:-1] if self._op == op else (self,)
        more = right._children[:-1] if isinstance(right, _Expr) and right._op == op else (right,)
        return _Node(op, left + more + ((150, None, None, 0),))

    def _pair(self, right, op):
        left = self._children if self._op == op else (self,)
        more = right._children if isinstance(right, _Expr) and right._op == op else (right,)
        return _Node(op, left + more)

    def __add__(self, right):
        return self._chain(right, 20)

    def __sub__(self, right):
        return self._chain(right, 21)

    def __mul__(self, right):
        return self._chain(right, 22)

    def __truediv__(self, right):
        return self._chain(right, 23)

    def __floordiv__(self, right):
        return _Node(28, (self._chain(right, 23),))

    def __pow__(self, right):
        return self._pair(right, 24)

    def __mod__(self, right):
        return self._pair(right, 26)

    def __abs__(self):
        return _Node(27, self._children if self._op == 27 else (self,))

    def __floor__(self):
        return _Node(28, self._children if self._op == 28 else (self,))

    def __ceil__(self):
        return _Node(29, self._children if self._op == 29 else (self,))


class _Node(_Expr):
    """An operator made by an arithmetic operator of Python."""

    def __init__(self, op, children):
        self._op = op
        self._children = tuple(children)


class _VarArgs(_Expr):
    def __init__(self, *exprs):
        self._children = exprs + (_END,)


class _Fixed(_Expr):
    def __init__(self, *exprs):
        self._children = exprs


def _bin(value, cls):
    return cls(value) if isinstance(value, str) else value


# ---- literals, bins, keys, metadata ----------------------------------------------------------

class Val(_Expr):
    """A literal (any value: int, float, str, bytes, bool, None, list, dict, GeoJSON)."""

    _op = _VAL

    def __init__(self, value):
        self._fixed = {"val": value}


class Unknown(_Expr):
    """Unknown: the expression fails (e.g. as a `Cond` default)."""

    _op = 0


class _Bin(_Expr):
    _op = 81

    def __init__(self, bin_name):
        self._fixed = {"bin": bin_name}


class IntBin(_Bin):
    _rt = ResultType.INTEGER


class FloatBin(_Bin):
    _rt = ResultType.FLOAT


class StrBin(_Bin):
    _rt = ResultType.STRING


class BlobBin(_Bin):
    _rt = ResultType.BLOB


class BoolBin(_Bin):
    _rt = ResultType.BOOLEAN


class ListBin(_Bin):
    _rt = ResultType.LIST


class MapBin(_Bin):
    _rt = ResultType.MAP


class GeoBin(_Bin):
    _rt = ResultType.GEOJSON


class HLLBin(_Bin):
    _rt = ResultType.HLL


class BinType(_Bin):
    """The particle type of a bin (0 if it is missing)."""

    _op = 82
    _rt = ResultType.INTEGER


class BinExists(_Bin):
    """True if the bin exists."""

    _op = 83
    _rt = ResultType.BOOLEAN


class _Key(_Expr):
    _op = 80


class KeyInt(_Key):
    """The stored user key, if an int."""

    _rt = ResultType.INTEGER


class KeyStr(_Key):
    """The stored user key, if a str."""

    _rt = ResultType.STRING


class KeyBlob(_Key):
    """The stored user key, if bytes."""

    _rt = ResultType.BLOB


def _metadata(name, op, rt, doc):
    return type(name, (_Expr,), {"_op": op, "_rt": rt, "__doc__": doc})


# The official client's codes (converted to the wire codes when packed).
KeyExists = _metadata("KeyExists", 70, ResultType.BOOLEAN, "True if the user key is stored.")
SetName = _metadata("SetName", 69, ResultType.STRING, "The record's set name.")
TTL = _metadata("TTL", 68, ResultType.INTEGER, "The TTL in seconds (-1: never expires).")
VoidTime = _metadata("VoidTime", 67, ResultType.INTEGER, "The expiry, ns since the Unix epoch.")
LastUpdateTime = _metadata("LastUpdateTime", 66, ResultType.INTEGER, "The last update, ns since the Unix epoch.")
SinceUpdateTime = _metadata("SinceUpdateTime", 71, ResultType.INTEGER, "Milliseconds since the last update.")
IsTombstone = _metadata("IsTombstone", 72, ResultType.BOOLEAN, "True for a tombstone.")
DeviceSize = _metadata("DeviceSize", 65, ResultType.INTEGER, "The record's size on a device.")
MemorySize = _metadata("MemorySize", 73, ResultType.INTEGER, "The record's size in memory.")
RecordSize = _metadata("RecordSize", 74, ResultType.INTEGER, "The record's stored size.")


class DigestMod(_Expr):
    """The record's digest modulo `mod`."""

    _op = 64
    _rt = ResultType.INTEGER

    def __init__(self, mod):
        self._fixed = {"val": mod}


# ---- comparisons and logic -------------------------------------------------------------------

class Eq(_Fixed):
    """`a == b`."""

    _op = 1


class NE(_Fixed):
    """`a != b`."""

    _op = 2


class GT(_Fixed):
    """`a > b`."""

    _op = 3


class GE(_Fixed):
    """`a >= b`."""

    _op = 4


class LT(_Fixed):
    """`a < b`."""

    _op = 5


class LE(_Fixed):
    """`a <= b`."""

    _op = 6


class CmpRegex(_Expr):
    """True if the string matches `regex_str` (options: `scramjet.REGEX_*`)."""

    _op = 7

    def __init__(self, options, regex_str, cmp_str):
        self._fixed = {"regex_options": options, "val": regex_str}
        self._children = (_bin(cmp_str, StrBin),)


class CmpGeo(_Fixed):
    """True if one GeoJSON value is a point inside the other, a region."""

    _op = 8


class InList(_Expr):
    """True if `value` equals an element of `list` (a `Val([...])`, or a list bin's name)."""

    _op = 9

    def __init__(self, value, list_):
        self._children = (value, _bin(list_, ListBin))


class And(_VarArgs):
    """All of the expressions."""

    _op = 16


class Or(_VarArgs):
    """Any of the expressions."""

    _op = 17


class Not(_Fixed):
    """Not the expression."""

    _op = 18


class Exclusive(_VarArgs):
    """Exactly one of the expressions."""

    _op = 19


# ---- arithmetic and integer bits -------------------------------------------------------------

def _op_class(name, op, base, doc):
    return type(name, (base,), {"_op": op, "__doc__": doc})


Add = _op_class("Add", 20, _VarArgs, "The sum (all ints or all floats).")
Sub = _op_class("Sub", 21, _VarArgs, "The first minus the others (one: its negation).")
Mul = _op_class("Mul", 22, _VarArgs, "The product.")
Div = _op_class("Div", 23, _VarArgs, "The first divided by the others.")
Pow = _op_class("Pow", 24, _Fixed, "`base ** exponent` (floats).")
Log = _op_class("Log", 25, _Fixed, "The logarithm of `num` in `base` (floats).")
Mod = _op_class("Mod", 26, _Fixed, "`a % b` (ints).")
Abs = _op_class("Abs", 27, _Fixed, "The absolute value.")
Floor = _op_class("Floor", 28, _Fixed, "A float rounded down.")
Ceil = _op_class("Ceil", 29, _Fixed, "A float rounded up.")
ToInt = _op_class("ToInt", 30, _Fixed, "A float truncated to an int.")
ToFloat = _op_class("ToFloat", 31, _Fixed, "An int as a float.")
IntAnd = _op_class("IntAnd", 32, _VarArgs, "Bitwise and.")
IntOr = _op_class("IntOr", 33, _VarArgs, "Bitwise or.")
IntXOr = _op_class("IntXOr", 34, _VarArgs, "Bitwise xor.")
IntNot = _op_class("IntNot", 35, _Fixed, "Bitwise not.")
IntLeftShift = _op_class("IntLeftShift", 36, _Fixed, "`value << shift`.")
IntRightShift = _op_class("IntRightShift", 37, _Fixed, "`value >> shift`, logical.")
IntArithmeticRightShift = _op_class("IntArithmeticRightShift", 38, _Fixed, "`value >> shift`, arithmetic.")
IntCount = _op_class("IntCount", 39, _Fixed, "The number of bits set.")
IntLeftScan = _op_class("IntLeftScan", 40, _Fixed, "Position of the first bit equal to `search` from the left.")
IntRightScan = _op_class("IntRightScan", 41, _Fixed, "Position of the first bit equal to `search` from the right.")
Min = _op_class("Min", 50, _VarArgs, "The least.")
Max = _op_class("Max", 51, _VarArgs, "The greatest.")

# ---- control ---------------------------------------------------------------------------------


class Cond(_VarArgs):
    """`Cond(condition, action, condition, action, ..., default)`."""

    _op = 123


class Def(_Expr):
    """A variable of a `Let`: `name` bound to `value`."""

    _op = 126

    def __init__(self, var_name, expr):
        self._fixed = {"val": var_name}
        self._children = (expr,)


class Let(_VarArgs):
    """`Let(Def(...), Def(...), ..., scope)`."""

    _op = 125


class Var(_Expr):
    """The value of a `Let` variable."""

    _op = 124

    def __init__(self, var_name):
        self._fixed = {"val": var_name}


# ---- reads of lists, maps, bits and HLLs -----------------------------------------------------

def _cdt_fixed(ctx, **fixed):
    if ctx:
        fixed["ctx"] = ctx
    return fixed


class ListSize(_Expr):
    """The number of elements of the list (or of the nested list `ctx` leads to)."""

    _op = 1014

    def __init__(self, ctx, bin):  # noqa: A002 - the official client's parameter name
        self._fixed = _cdt_fixed(ctx)
        self._children = (_bin(bin, ListBin),)


class ListGetByIndex(_Expr):
    """The element at `index`, as `return_type` (`scramjet.LIST_RETURN_*`) says; `value_type`
    (`ResultType`) is the element's type for `LIST_RETURN_VALUE`."""

    _op = 1016

    def __init__(self, ctx, return_type, value_type, index, bin):  # noqa: A002
        self._fixed = _cdt_fixed(ctx, value_type=value_type, return_type=return_type)
        self._children = (index, _bin(bin, ListBin))


class MapSize(_Expr):
    """The number of entries of the map (or of the nested map `ctx` leads to)."""

    _op = 1106

    def __init__(self, ctx, bin):  # noqa: A002
        self._fixed = _cdt_fixed(ctx)
        self._children = (_bin(bin, MapBin),)


class MapGetByKey(_Expr):
    """The entry of `key`, as `return_type` (`scramjet.MAP_RETURN_*`) says; `value_type` is the
    value's type for `MAP_RETURN_VALUE`."""

    _op = 1118

    def __init__(self, ctx, return_type, value_type, key, bin):  # noqa: A002
        self._fixed = _cdt_fixed(ctx, value_type=value_type, return_type=return_type)
        self._children = (key, _bin(bin, MapBin))


class BitCount(_Expr):
    """The number of bits set in `bit_size` bits from `bit_offset` of a blob."""

    _op = 2015

    def __init__(self, bit_offset, bit_size, bin):  # noqa: A002
        self._children = (bit_offset, bit_size, _bin(bin, BlobBin))


class HLLGetCount(_Expr):
    """The estimated count of an HLL."""

    _op = 2103

    def __init__(self, bin):  # noqa: A002
        self._children = (_bin(bin, HLLBin),)


# ---- path select and modify (CDT op 0xFE) ----

EXP_LOOPVAR_KEY = 0
EXP_LOOPVAR_VALUE = 1
EXP_LOOPVAR_INDEX = 2


class _LoopVar(_Expr):
    """A path level's built-in variable: the child's key (`EXP_LOOPVAR_KEY`), value (`_VALUE`)
    or list index (`_INDEX`), if it has this type."""

    def __init__(self, var_id):
        self._fixed = {"val": var_id}


def _loop_var(name, op, doc):
    return type(name, (_LoopVar,), {"_op": op, "__doc__": doc})


LoopVarFloat = _loop_var("LoopVarFloat", 3000, "A float loop variable.")
LoopVarInt = _loop_var("LoopVarInt", 3001, "An int loop variable.")
LoopVarList = _loop_var("LoopVarList", 3002, "A list loop variable.")
LoopVarMap = _loop_var("LoopVarMap", 3003, "A map loop variable.")
LoopVarStr = _loop_var("LoopVarStr", 3004, "A string loop variable.")
LoopVarBlob = _loop_var("LoopVarBlob", 3005, "A blob loop variable.")
LoopVarBool = _loop_var("LoopVarBool", 3006, "A bool loop variable.")
LoopVarNil = _loop_var("LoopVarNil", 3007, "A nil loop variable.")
LoopVarGeoJson = _loop_var("LoopVarGeoJson", 3008, "A GeoJSON loop variable.")
LoopVarHLL = _loop_var("LoopVarHLL", 3009, "An HLL loop variable.")


class RemoveResult(_Expr):
    """As a path modify's value: remove the leaf."""

    _op = 100


class SelectByPath(_Expr):
    """What a path of `cdt_ctx` levels selects in `bin`, as a value of `value_type`."""

    _op = 3010

    def __init__(self, ctx, value_type, flags, bin):  # noqa: A002
        self._fixed = {"value_type": value_type, "ctx": ctx, "cdt_flags": flags}
        self._children = (bin,)


class ModifyByPath(_Expr):
    """A copy of `bin` with every leaf the path selects replaced by compiled `mod_exp`."""

    _op = 3011

    def __init__(self, ctx, value_type, mod_exp, flags, bin):  # noqa: A002
        self._fixed = {"value_type": value_type, "ctx": ctx, "cdt_flags": flags, "mod_exp": mod_exp}
        self._children = (bin,)
