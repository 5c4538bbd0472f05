"""Expression operations for `Client.operate`: the dicts of the official
`aerospike_helpers.operations.expression_operations`, so either may be passed.

    from scramjet import expressions as exp, expression_operations as eo
    client.operate(key, [eo.expression_write("total", exp.Add(exp.IntBin("a"), exp.IntBin("b")).compile()),
                         eo.expression_read("big", exp.GT(exp.IntBin("a"), 10).compile())])

`expression` is a compiled expression of `scramjet.expressions` or the official helpers.
"""

EXP_READ_DEFAULT = 0
EXP_READ_EVAL_NO_FAIL = 16
EXP_WRITE_DEFAULT = 0
EXP_WRITE_CREATE_ONLY = 1
EXP_WRITE_UPDATE_ONLY = 2
EXP_WRITE_ALLOW_DELETE = 4
EXP_WRITE_POLICY_NO_FAIL = 8
EXP_WRITE_EVAL_NO_FAIL = 16

OP_EXPR_READ = 2200
OP_EXPR_WRITE = 2201


def expression_read(bin_name, expression, expression_read_flags=EXP_READ_DEFAULT):
    """The value of `expression` for the record (as the operations before it left it), answered
    as a bin named `bin_name` (nothing for nil). Flags: `EXP_READ_*`."""
    return {"op": OP_EXPR_READ, "bin": bin_name, "expr": expression, "expr_flags": expression_read_flags}


def expression_write(bin_name, expression, expression_write_flags=EXP_WRITE_DEFAULT):
    """Stores the value of `expression` in bin `bin_name`. Flags: `EXP_WRITE_*`, OR-ed."""
    return {"op": OP_EXPR_WRITE, "bin": bin_name, "expr": expression, "expr_flags": expression_write_flags}
