"""Control flow: ``while`` and ``cond``, primitives whose params are sub-programs.

A sub-program is a ``Jaxpr`` without constvars: what its function closed over is passed in as
its first inputs (``*_nconsts`` of them) and rides along as operands of the equation, so one
program text serves every closed-over value.
"""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.stablehlo import emit_eqns, tensor_type


def _while_rule(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    carry = avals[cond_nconsts + body_nconsts:]
    if [a.dtype for a in body_jaxpr.out_avals] != [a.dtype for a in carry] or \
            [a.shape for a in body_jaxpr.out_avals] != [a.shape for a in carry]:
        raise TypeError("while: body output avals must match the carry avals")
    return tuple(carry)


def _while_emit(ctx, operands, in_avals, out_avals, *, cond_jaxpr, body_jaxpr, cond_nconsts,
                body_nconsts):
    nc, nb = cond_nconsts, body_nconsts

    def cond(sub, args):
        env = dict(zip(cond_jaxpr.invars, args[:nc] + args[nc + nb:]))
        return emit_eqns(sub, cond_jaxpr, env), cond_jaxpr.out_avals

    def body(sub, args):
        env = dict(zip(body_jaxpr.invars, args[nc:]))
        outs = emit_eqns(sub, body_jaxpr, env)
        return args[:nc + nb] + outs, in_avals

    regions = [ctx.region(in_avals, cond), ctx.region(in_avals, body)]
    outs = ctx.op("stablehlo.while", operands, in_avals, in_avals, regions=regions)
    return outs[nc + nb:]


def_primitive("while", _while_rule, _while_emit, multiple_results=True)


def _cond_rule(index, *ops, branches):
    if index.shape != () or index.dtype != np.int32:
        raise TypeError(f"cond: the branch index must be an int32 scalar, got {index.str_short()}")
    return tuple(branches[0].out_avals)


def _cond_emit(ctx, operands, in_avals, out_avals, *, branches):
    """``stablehlo.case``: its regions take no arguments and read the operands from above."""
    regions = []
    for br in branches:
        sub = type(ctx)(ctx.indent + "  ", ctx.counter)
        outs = emit_eqns(sub, br, dict(zip(br.invars, operands[1:])))
        types = ", ".join(tensor_type(a) for a in out_avals)
        sub.lines.append(f'{sub.indent}"stablehlo.return"({", ".join(outs)}) : ({types}) -> ()')
        regions.append("{\n" + "\n".join(sub.lines) + f"\n{ctx.indent}}}")
    return ctx.op("stablehlo.case", operands[:1], in_avals[:1], out_avals, regions=regions)


def_primitive("cond", _cond_rule, _cond_emit, multiple_results=True)
