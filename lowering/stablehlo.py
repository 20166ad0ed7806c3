"""IR -> StableHLO text.

Every op is written in MLIR's generic form (``"stablehlo.add"(%0, %1) : (...) -> ...``), one
uniform syntax for all ops; each primitive's emitter (``lowering/ops/``) only chooses the op name,
its attributes and, for reductions, its region.
"""
import itertools

import numpy as np

from s2s.lowering.core import Literal
from s2s.lowering.dtypes_short import mlir_name


def tensor_type(aval):
    dims = "".join(f"{d}x" for d in aval.shape)
    return f"tensor<{dims}{mlir_name(aval.dtype)}>"


def dense_attr(val, aval):
    """A ``dense<...>`` attribute holding ``val`` bit-exactly (hex of its little-endian bytes)."""
    data = np.ascontiguousarray(np.asarray(val, dtype=aval.dtype))
    if data.dtype == np.bool_:
        data = data.astype(np.uint8)
    if data.dtype.byteorder == ">":
        data = data.byteswap().view(data.dtype.newbyteorder("<"))
    if data.size == 0:
        return f"dense<> : {tensor_type(aval)}"
    return f'dense<"0x{data.tobytes().hex().upper()}"> : {tensor_type(aval)}'


def i64_array(values):
    return f"array<i64: {', '.join(str(int(v)) for v in values)}>" if len(values) else "array<i64>"


class Ctx:
    """Collects the lines of one function body and hands out SSA names."""

    def __init__(self, indent="    ", counter=None):
        self.lines = []
        self.indent = indent
        self.counter = counter or itertools.count()  # shared with nested regions: names stay unique

    def fresh(self):
        return f"%{next(self.counter)}"

    def op(self, name, operands, in_avals, out_avals, attrs="", regions=()):
        """Emit one generic-form op; returns the SSA names of its results."""
        outs = [self.fresh() for _ in out_avals]
        res = ""
        if len(outs) == 1:
            res = f"{outs[0]} = "
        elif outs:
            base = self.fresh()
            res = f"{base}:{len(outs)} = "
            outs = [f"{base}#{i}" for i in range(len(outs))]
        region = f" ({', '.join(regions)})" if regions else ""
        attrs = f" {{{attrs}}}" if attrs else ""
        ins = ", ".join(tensor_type(a) for a in in_avals)
        out_t = ", ".join(tensor_type(a) for a in out_avals)
        out_t = out_t if len(out_avals) == 1 else f"({out_t})"
        self.lines.append(f'{self.indent}{res}"{name}"({", ".join(operands)}){region}{attrs} '
                          f": ({ins}) -> {out_t}")
        return outs

    def constant(self, val, aval):
        return self.op("stablehlo.constant", [], [], [aval], f"value = {dense_attr(val, aval)}")[0]

    def region(self, arg_avals, body):
        """A region ``^bb0(args): ... stablehlo.return`` whose contents ``body(ctx, args)`` emits."""
        sub = Ctx(self.indent + "  ", self.counter)
        args = [sub.fresh() for _ in arg_avals]
        outs, out_avals = body(sub, args)
        header = ", ".join(f"{a}: {tensor_type(av)}" for a, av in zip(args, arg_avals))
        ret = (f'{sub.indent}"stablehlo.return"({", ".join(outs)}) : '
               f"({', '.join(tensor_type(a) for a in out_avals)}) -> ()")
        return "{\n" + f"{self.indent}^bb0({header}):\n" + "\n".join(sub.lines + [ret]) + \
            f"\n{self.indent}}}"


def emit_eqns(ctx, jaxpr, env):
    """Emit ``jaxpr``'s equations into ``ctx``; ``env`` maps its invars/constvars to SSA names.
    Each distinct literal becomes one constant op, however often it is read."""
    consts = {}

    def read(v):
        if not isinstance(v, Literal):
            return env[v]
        key = (v.aval.dtype, v.aval.shape, v.val.tobytes())
        if key not in consts:
            consts[key] = ctx.constant(v.val, v.aval)
        return consts[key]

    for eqn in jaxpr.eqns:
        operands = [read(v) for v in eqn.invars]
        outs = eqn.prim.emit(ctx, operands, [v.aval for v in eqn.invars],
                             [v.aval for v in eqn.outvars], **eqn.params)
        env.update(zip(eqn.outvars, outs))
    return [read(v) for v in jaxpr.outvars]


def lower(jaxpr, name="main", const_values=None):
    """Module text for ``jaxpr``. Its constvars are written into the program as constants when
    ``const_values`` (host arrays) are given, else they come first among the arguments."""
    ctx = Ctx()
    if const_values is not None:
        params = list(jaxpr.invars)
        env = {v: ctx.constant(val, v.aval) for v, val in zip(jaxpr.constvars, const_values)}
        env.update({v: f"%arg{i}" for i, v in enumerate(params)})
    else:
        params = list(jaxpr.constvars) + list(jaxpr.invars)
        env = {v: f"%arg{i}" for i, v in enumerate(params)}
    outs = emit_eqns(ctx, jaxpr, env)
    args = ", ".join(f"%arg{i}: {tensor_type(v.aval)}" for i, v in enumerate(params))
    out_types = ", ".join(tensor_type(v.aval) for v in jaxpr.outvars)
    body = "\n".join(ctx.lines)
    ret = f'    "func.return"({", ".join(outs)}) : ({out_types}) -> ()'
    return (f"module @{name} {{\n  func.func public @main({args}) -> ({out_types}) {{\n"
            f"{body}\n{ret}\n  }}\n}}\n")
