"""Reductions over axes, arg-reductions and cumulative reductions (``reduce_window``)."""
import ml_dtypes
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, check_kinds, kind
from s2s.lowering.ops.elementwise import _compare_emitter
from s2s.lowering.stablehlo import i64_array


def identity(name, dtype):
    """The neutral element of reduction ``name`` for ``dtype``."""
    dtype = np.dtype(dtype)
    if name in ("sum", "or", "xor"):
        return np.zeros((), dtype)
    if name == "prod":
        return np.ones((), dtype)
    if name == "and":  # all bits set (True for bool, -1 for signed ints)
        return np.invert(np.zeros((), dtype))
    if kind(dtype) in "iu" or dtype == np.bool_:
        info = np.iinfo(dtype) if dtype != np.bool_ else None
        low, high = (False, True) if info is None else (info.min, info.max)
        return np.array(low if name == "max" else high, dtype)
    if kind(dtype) == "f" and not np.isinf(np.array(np.inf).astype(dtype)):  # float8 e4m3fn..
        info = ml_dtypes.finfo(dtype)
        return np.array(info.min if name == "max" else info.max, dtype)
    return np.array(-np.inf if name == "max" else np.inf).astype(dtype)


_COMBINE = {"sum": "stablehlo.add", "prod": "stablehlo.multiply", "max": "stablehlo.maximum",
            "min": "stablehlo.minimum", "and": "stablehlo.and", "or": "stablehlo.or",
            "xor": "stablehlo.xor"}


def _combiner(name, scalar):
    def body(ctx, args):
        return ctx.op(_COMBINE[name], args, [scalar, scalar], [scalar]), [scalar]
    return body


def _check_axes(name, x, axes):
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{name}: invalid axes {axes} for operand of shape {x.shape}")


def _reduce_rule(name):
    def rule(x, *, axes):
        _check_axes(f"reduce_{name}", x, axes)
        if name in ("and", "or", "xor"):
            check_kinds(f"reduce_{name}", x, "biu")
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return aval(shape, x.dtype, x.weak_type)
    return rule


def _reduce_emit(name):
    def emit(ctx, operands, in_avals, out_avals, *, axes):
        scalar = aval((), in_avals[0].dtype)
        init = ctx.constant(identity(name, scalar.dtype), scalar)
        region = ctx.region([scalar, scalar], _combiner(name, scalar))
        return ctx.op("stablehlo.reduce", [operands[0], init], [in_avals[0], scalar], out_avals,
                      f"dimensions = {i64_array(axes)}", [region])
    return emit


for _name in _COMBINE:
    def_primitive(f"reduce_{_name}", _reduce_rule(_name), _reduce_emit(_name))


def _arg_rule(name):
    def rule(x, *, axis, index_dtype):
        _check_axes(name, x, (axis,))
        if x.shape[axis] == 0:
            raise ValueError(f"attempt to get {name} of an empty sequence")
        return aval(x.shape[:axis] + x.shape[axis + 1:], index_dtype)
    return rule


def _arg_emit(direction):
    """Variadic reduce over (value, index); NaN wins, and the first index wins ties (as NumPy)."""
    def emit(ctx, operands, in_avals, out_avals, *, axis, index_dtype):
        xav = in_avals[0]
        val, idx = aval((), xav.dtype), aval((), index_dtype)
        pred = aval((), np.bool_)
        iota = ctx.op("stablehlo.iota", [], [], [aval(xav.shape, index_dtype)],
                      f"iota_dimension = {axis} : i64")[0]
        floating = kind(xav.dtype) in "fc"

        def body(c, args):
            a, ai, b, bi = args
            cmp = lambda x, y, d: _compare_emitter(d)(c, [x, y], [val, val], [pred])[0]
            better = cmp(a, b, direction)
            if floating:  # a is NaN and b is not -> a
                a_nan = cmp(a, a, "NE")
                better = c.op("stablehlo.or", [better, a_nan], [pred, pred], [pred])[0]
            eq = cmp(a, b, "EQ")
            lower = _compare_emitter("LT")(c, [ai, bi], [idx, idx], [pred])[0]
            tie = c.op("stablehlo.and", [eq, lower], [pred, pred], [pred])[0]
            pick_a = c.op("stablehlo.or", [better, tie], [pred, pred], [pred])[0]
            if floating:
                b_nan = cmp(b, b, "NE")
                a_ok = c.op("stablehlo.not", [cmp(a, a, "NE")], [pred], [pred])[0]
                drop_a = c.op("stablehlo.and", [b_nan, a_ok], [pred, pred], [pred])[0]
                keep = c.op("stablehlo.not", [drop_a], [pred], [pred])[0]
                pick_a = c.op("stablehlo.and", [pick_a, keep], [pred, pred], [pred])[0]
            v = c.op("stablehlo.select", [pick_a, a, b], [pred, val, val], [val])[0]
            i = c.op("stablehlo.select", [pick_a, ai, bi], [pred, idx, idx], [idx])[0]
            return [v, i], [val, idx]

        init_v = ctx.constant(identity("max" if direction == "GT" else "min", xav.dtype), val)
        init_i = ctx.constant(np.zeros((), index_dtype), idx)
        region = ctx.region([val, idx, val, idx], body)
        out_v = aval(out_avals[0].shape, xav.dtype)
        return ctx.op("stablehlo.reduce", [operands[0], iota, init_v, init_i],
                      [xav, aval(xav.shape, index_dtype), val, idx], [out_v, out_avals[0]],
                      f"dimensions = {i64_array([axis])}", [region])[1:]
    return emit


def_primitive("argmax", _arg_rule("argmax"), _arg_emit("GT"))
def_primitive("argmin", _arg_rule("argmin"), _arg_emit("LT"))


def _cumulative_rule(name):
    def rule(x, *, axis, reverse=False):
        _check_axes(name, x, (axis,))
        return x
    return rule


def _cumulative_emit(name):
    """A running reduction as ``reduce_window`` with a window of the whole axis, padded in front."""
    def emit(ctx, operands, in_avals, out_avals, *, axis, reverse=False):
        xav = in_avals[0]
        n = xav.shape[axis]
        scalar = aval((), xav.dtype)
        init = ctx.constant(identity(name, xav.dtype), scalar)
        dims = [1] * xav.ndim
        dims[axis] = max(n, 1)
        pad = [[0, 0] for _ in range(xav.ndim)]
        pad[axis] = [0, max(n - 1, 0)] if reverse else [max(n - 1, 0), 0]
        pad_attr = "dense<[" + ", ".join(f"[{lo}, {hi}]" for lo, hi in pad) + \
            f"]> : tensor<{xav.ndim}x2xi64>" if xav.ndim else "dense<> : tensor<0x2xi64>"
        region = ctx.region([scalar, scalar], _combiner(name, scalar))
        return ctx.op("stablehlo.reduce_window", [operands[0], init], [xav, scalar], out_avals,
                      f"window_dimensions = {i64_array(dims)}, padding = {pad_attr}", [region])
    return emit


for _name in ["sum", "prod", "max", "min"]:
    def_primitive(f"cum{_name}", _cumulative_rule(f"cum{_name}"), _cumulative_emit(_name))
