"""``threefry2x32``: the Threefry-2x32 block cipher (20 rounds), the hash under ``s2s.random``.

Operands ``key0, key1, x0, x1`` are uint32; the keys are rank-0 or shaped like the counters
``x0, x1`` (one key per element, as a batch of keys gives). The two uint32 outputs have the
counters' shape. Written in StableHLO integer ops only (add, xor, shifts, or), fully unrolled.
"""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA


def _threefry_rule(key0, key1, x0, x1):
    for name, a in (("key0", key0), ("key1", key1), ("x0", x0), ("x1", x1)):
        if a.dtype != np.uint32:
            raise TypeError(f"threefry2x32 requires uint32 arguments, got {a.dtype} for {name}")
    if x0.shape != x1.shape:
        raise TypeError(f"threefry2x32 requires counters of one shape, got {x0.shape} and "
                        f"{x1.shape}")
    for k in (key0, key1):
        if k.shape and k.shape != x0.shape:
            raise TypeError(f"threefry2x32 keys must be scalars or shaped like the counters "
                            f"{x0.shape}, got {k.shape}")
    out = aval(x0.shape, np.uint32)
    return out, out


def _threefry_emit(ctx, operands, in_avals, out_avals):
    k0, k1, x0, x1 = operands
    kav0, kav1, xav = in_avals[0], in_avals[1], in_avals[2]
    sav = aval((), np.uint32)
    shape = xav.shape
    vav = aval(shape, np.uint32)

    def binop(name, a, b, av):
        return ctx.op(f"stablehlo.{name}", [a, b], [av, av], [av])[0]

    def splat(v, av):  # rank-0 -> the counters' shape
        if av.shape == shape:
            return v
        return ctx.op("stablehlo.broadcast_in_dim", [v], [av], [vav],
                      "broadcast_dimensions = array<i64>")[0]

    consts = {}

    def const(c):  # a counters-shaped constant, splatted from a scalar (keeps the text small)
        if c not in consts:
            consts[c] = splat(ctx.constant(np.uint32(c), sav), sav)
        return consts[c]

    # key schedule: ks = [k0, k1, k0 ^ k1 ^ parity], at the keys' own shape, then splatted
    kav = kav0 if kav0.shape else kav1
    k0b = k0 if kav0.shape == kav.shape else ctx.op(
        "stablehlo.broadcast_in_dim", [k0], [kav0], [kav], "broadcast_dimensions = array<i64>")[0]
    k1b = k1 if kav1.shape == kav.shape else ctx.op(
        "stablehlo.broadcast_in_dim", [k1], [kav1], [kav], "broadcast_dimensions = array<i64>")[0]
    parity = ctx.op("stablehlo.broadcast_in_dim", [ctx.constant(np.uint32(_PARITY), sav)], [sav],
                    [kav], "broadcast_dimensions = array<i64>")[0] if kav.shape else \
        ctx.constant(np.uint32(_PARITY), sav)
    k2 = binop("xor", binop("xor", k0b, k1b, kav), parity, kav)
    ks = [splat(k0b, kav), splat(k1b, kav), splat(k2, kav)]

    def rotl(v, r):
        left = binop("shift_left", v, const(r), vav)
        right = binop("shift_right_logical", v, const(32 - r), vav)
        return binop("or", left, right, vav)

    a = binop("add", x0, ks[0], vav)
    b = binop("add", x1, ks[1], vav)
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            a = binop("add", a, b, vav)
            b = binop("xor", rotl(b, r), a, vav)
        a = binop("add", a, ks[(i + 1) % 3], vav)
        b = binop("add", binop("add", b, ks[(i + 2) % 3], vav), const(i + 1), vav)
    return [a, b]


threefry2x32_p = def_primitive("threefry2x32", _threefry_rule, _threefry_emit,
                               multiple_results=True)


# ``random_fused``: a small elementwise sub-program compiled as one unit (its ``jaxpr`` param is
# emitted inline). Samplers use it for the float tails (``floats * span + minval``, ``erf_inv``,
# logs) so XLA fuses them exactly as it fuses JAX's jitted samplers (e.g. contracting to FMA):
# op-by-op execution would round differently.
def _fused_rule(*avals, jaxpr):
    return tuple(jaxpr.out_avals)


def _fused_emit(ctx, operands, in_avals, out_avals, *, jaxpr):
    from s2s.lowering.stablehlo import emit_eqns
    return emit_eqns(ctx, jaxpr, dict(zip(jaxpr.invars, operands)))


random_fused_p = def_primitive("random_fused", _fused_rule, _fused_emit, multiple_results=True)
