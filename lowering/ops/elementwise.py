"""Elementwise primitives. lax semantics: operands already share one shape and dtype
(broadcasting and promotion happen in ``s2s.numpy``, as in JAX)."""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, check_kinds, kind, same_dtypes, same_shapes, weak

FLOAT, COMPLEX, INT, BOOL = "f", "c", "iu", "b"


def _hlo_emitter(op_name):
    def emit(ctx, operands, in_avals, out_avals):
        operands, in_avals = _splat_scalars(ctx, operands, in_avals, out_avals[0].shape)
        return ctx.op(op_name, operands, in_avals, out_avals)
    return emit


def _splat_scalars(ctx, operands, in_avals, shape):
    """Rank-0 operands of an n-ary op broadcast to the others' shape (saves a dispatch for
    ``x + 1``); all other shapes must already agree."""
    ops, avs = [], []
    for o, a in zip(operands, in_avals):
        if a.shape != shape:
            b = aval(shape, a.dtype)
            o = ctx.op("stablehlo.broadcast_in_dim", [o], [a], [b], "broadcast_dimensions = array<i64>")[0]
            a = b
        ops.append(o)
        avs.append(a)
    return ops, avs


def common_shape(name, avals):
    shaped = [a for a in avals if a.shape]
    return same_shapes(name, shaped) if shaped else ()


def unary(name, op_name, kinds, out_dtype=None):
    def rule(x):
        check_kinds(name, x, kinds)
        return aval(x.shape, out_dtype(x.dtype) if out_dtype else x.dtype, x.weak_type)
    return def_primitive(name, rule, _hlo_emitter(op_name))


def binary(name, op_name, kinds, out_dtype=None):
    def rule(x, y):
        shape = common_shape(name, [x, y])
        dtype = same_dtypes(name, [x, y])
        check_kinds(name, x, kinds)
        return aval(shape, out_dtype(dtype) if out_dtype else dtype, weak([x, y]))
    return def_primitive(name, rule, _hlo_emitter(op_name))


def _real_dtype(dtype):
    return np.dtype(np.float32 if dtype == np.complex64 else np.float64) if kind(dtype) == "c" else dtype


_bool = lambda dtype: np.dtype(np.bool_)

for _name, _op, _kinds in [
    ("neg", "stablehlo.negate", "iufc"),
    ("floor", "stablehlo.floor", FLOAT), ("ceil", "stablehlo.ceil", FLOAT),
    ("round_even", "stablehlo.round_nearest_even", FLOAT),
    ("round_away", "stablehlo.round_nearest_afz", FLOAT),
    ("exp", "stablehlo.exponential", "fc"), ("expm1", "stablehlo.exponential_minus_one", "fc"),
    ("log", "stablehlo.log", "fc"), ("log1p", "stablehlo.log_plus_one", "fc"),
    ("tanh", "stablehlo.tanh", "fc"), ("logistic", "stablehlo.logistic", "fc"),
    ("tan", "stablehlo.tan", "fc"), ("sqrt", "stablehlo.sqrt", "fc"),
    ("rsqrt", "stablehlo.rsqrt", "fc"), ("cbrt", "stablehlo.cbrt", FLOAT),
    ("not", "stablehlo.not", "biu"),
    ("asin", "chlo.asin", "fc"), ("acos", "chlo.acos", "fc"), ("atan", "chlo.atan", "fc"),
    ("sinh", "chlo.sinh", "fc"), ("cosh", "chlo.cosh", "fc"), ("asinh", "chlo.asinh", "fc"),
    ("acosh", "chlo.acosh", "fc"), ("atanh", "chlo.atanh", "fc"),
    ("erf", "chlo.erf", FLOAT), ("erfc", "chlo.erfc", FLOAT), ("erf_inv", "chlo.erf_inv", FLOAT),
    ("lgamma", "chlo.lgamma", FLOAT), ("digamma", "chlo.digamma", FLOAT),
    ("population_count", "stablehlo.popcnt", INT), ("clz", "stablehlo.count_leading_zeros", INT),
]:
    unary(_name, _op, _kinds)

unary("abs", "stablehlo.abs", "iufc", _real_dtype)


def _complex_trig_emitter(name, native):
    """sin/cos of a complex a+bi as jax lowers them: from the real functions of a and b, with
    sinh b and cosh b from expm1(b) and expm1(-b), and the component that is exactly 0 when
    a == 0 set to 0 (so sin(inf j) is inf j, not nan + inf j). Real operands: ``native``."""
    def emit(ctx, operands, in_avals, out_avals):
        (z,), (zav,) = operands, in_avals
        if kind(zav.dtype) != "c":
            return ctx.op(native, operands, in_avals, out_avals)
        rav = aval(zav.shape, _real_dtype(zav.dtype))
        one = lambda op, x: ctx.op(op, [x], [rav], [rav])[0]
        two = lambda op, x, y: ctx.op(op, [x, y], [rav, rav], [rav])[0]

        def const(v):
            c = ctx.constant(np.asarray(v, rav.dtype), aval((), rav.dtype))
            if not rav.shape:
                return c
            return ctx.op("stablehlo.broadcast_in_dim", [c], [aval((), rav.dtype)], [rav],
                          "broadcast_dimensions = array<i64>")[0]
        a = ctx.op("stablehlo.real", [z], [zav], [rav])[0]
        b = ctx.op("stablehlo.imag", [z], [zav], [rav])[0]
        a_zero = _compare_emitter("EQ")(ctx, [a, const(0)], [rav, rav],
                                        [aval(rav.shape, np.bool_)])[0]
        sn, cs = one("stablehlo.sine", a), one("stablehlo.cosine", a)
        e1 = one("stablehlo.exponential_minus_one", b)
        e2 = one("stablehlo.exponential_minus_one", one("stablehlo.negate", b))
        snh = two("stablehlo.divide", two("stablehlo.subtract", e1, e2), const(2))
        csh = two("stablehlo.divide", two("stablehlo.add", two("stablehlo.add", e1, e2),
                                          const(2)), const(2))
        if name == "sin":
            re, im = two("stablehlo.multiply", sn, csh), two("stablehlo.multiply", cs, snh)
            re_if_zero, im_if_zero = const(0), im
        else:
            re = two("stablehlo.multiply", cs, csh)
            im = two("stablehlo.multiply", one("stablehlo.negate", sn), snh)
            re_if_zero, im_if_zero = re, const(0)
        pack = lambda r, i: ctx.op("stablehlo.complex", [r, i], [rav, rav], [zav])[0]
        pred = aval(rav.shape, np.bool_)
        return ctx.op("stablehlo.select", [a_zero, pack(re_if_zero, im_if_zero), pack(re, im)],
                      [pred, zav, zav], [zav])
    return emit


def _sign_emit(ctx, operands, in_avals, out_avals):
    """stablehlo.sign has no unsigned form: there sign(x) is (x != 0) as 0 or 1."""
    (x,), (av,) = operands, in_avals
    if kind(av.dtype) != "u":
        return ctx.op("stablehlo.sign", operands, in_avals, out_avals)
    scalar, pred = aval((), av.dtype), aval(av.shape, np.bool_)
    zero = ctx.constant(np.zeros((), av.dtype), scalar)
    if av.shape:
        zero = ctx.op("stablehlo.broadcast_in_dim", [zero], [scalar], [av],
                      "broadcast_dimensions = array<i64>")[0]
    nonzero = _compare_emitter("NE")(ctx, [x, zero], [av, av], [pred])[0]
    return ctx.op("stablehlo.convert", [nonzero], [pred], out_avals)


unary("sign", "stablehlo.sign", "iufc").emit = _sign_emit


def _conj_rule(x):
    """As in JAX, conj of float32/float64 is complex (with a zero imaginary part)."""
    if kind(x.dtype) != "c" and x.dtype not in (np.float32, np.float64):
        raise TypeError(f"conj does not accept dtype {x.dtype.name}. Accepted dtypes are "
                        f"subtypes of float32, complexfloating, float64.")
    out = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}.get(
        x.dtype, x.dtype)
    return aval(x.shape, out, x.weak_type)


def _conj_emit(ctx, operands, in_avals, out_avals):
    if kind(in_avals[0].dtype) != "c":
        return ctx.op("stablehlo.convert", operands, in_avals, out_avals)
    return ctx.op("chlo.conj", operands, in_avals, out_avals)


def_primitive("conj", _conj_rule, _conj_emit)
unary("real", "stablehlo.real", COMPLEX, _real_dtype)
unary("imag", "stablehlo.imag", COMPLEX, _real_dtype)
unary("is_finite", "stablehlo.is_finite", FLOAT, _bool)

for _name, _native in [("sin", "stablehlo.sine"), ("cos", "stablehlo.cosine")]:
    unary(_name, _native, "fc").emit = _complex_trig_emitter(_name, _native)

for _name, _op, _kinds in [
    ("add", "stablehlo.add", "iufc"), ("sub", "stablehlo.subtract", "iufc"),
    ("mul", "stablehlo.multiply", "biufc"), ("div", "stablehlo.divide", "iufc"),
    ("rem", "stablehlo.remainder", "iuf"), ("pow", "stablehlo.power", "fc"),
    ("max", "stablehlo.maximum", "biufc"), ("min", "stablehlo.minimum", "biufc"),
    ("atan2", "stablehlo.atan2", "fc"), ("and", "stablehlo.and", "biu"),
    ("or", "stablehlo.or", "biu"), ("xor", "stablehlo.xor", "biu"),
    ("shift_left", "stablehlo.shift_left", INT),
    ("shift_right_arithmetic", "stablehlo.shift_right_arithmetic", INT),
    ("shift_right_logical", "stablehlo.shift_right_logical", INT),
    ("nextafter", "chlo.next_after", FLOAT),
]:
    binary(_name, _op, _kinds)

binary("complex", "stablehlo.complex", FLOAT,
       lambda d: np.dtype(np.complex128 if d == np.float64 else np.complex64))


def _compare_emitter(direction):
    def emit(ctx, operands, in_avals, out_avals):
        k = kind(in_avals[0].dtype)
        ctype = {"f": "FLOAT", "c": "FLOAT", "i": "SIGNED", "u": "UNSIGNED", "b": "UNSIGNED"}[k]
        operands, in_avals = _splat_scalars(ctx, operands, in_avals, out_avals[0].shape)
        attrs = (f"comparison_direction = #stablehlo<comparison_direction {direction}>, "
                 f"compare_type = #stablehlo<comparison_type {ctype}>")
        return ctx.op("stablehlo.compare", operands, in_avals, out_avals, attrs)
    return emit


def _compare_rule(name):
    def rule(x, y):
        shape = common_shape(name, [x, y])
        same_dtypes(name, [x, y])
        return aval(shape, np.bool_, weak([x, y]))  # weak operands give a weak bool (as JAX)
    return rule


for _name in ["eq", "ne", "lt", "le", "gt", "ge"]:
    def_primitive(_name, _compare_rule(_name), _compare_emitter(_name.upper()))


def _integer_pow_rule(x, *, y):
    check_kinds("integer_pow", x, "iufc")
    return x


def _integer_pow_emit(ctx, operands, in_avals, out_avals, *, y):
    """x ** y for a static integer y, by repeated squaring (as exact as multiplication)."""
    (x,), (av,) = operands, in_avals
    mul = lambda a, b: ctx.op("stablehlo.multiply", [a, b], [av, av], [av])[0]
    acc, base, n = None, x, abs(y)
    while n:
        if n & 1:
            acc = base if acc is None else mul(acc, base)
        n >>= 1
        if n:
            base = mul(base, base)
    if acc is None:
        acc = ctx.constant(np.ones(av.shape, av.dtype), av)
    if y < 0:
        one = ctx.constant(np.ones(av.shape, av.dtype), av)
        acc = ctx.op("stablehlo.divide", [one, acc], [av, av], [av])[0]
    return [acc]


def_primitive("integer_pow", _integer_pow_rule, _integer_pow_emit)


def _select_n_rule(which, *cases):
    if not cases:
        raise ValueError("select_n requires at least one case")
    same_dtypes("select_n", cases)
    same_shapes("select_n", cases)
    if which.shape and which.shape != cases[0].shape:
        raise TypeError(f"select_n `which` must be scalar or have the same shape as cases, got "
                        f"`which` shape {which.shape} but case shape {cases[0].shape}.")
    if which.dtype != np.bool_ and kind(which.dtype) not in "iu":
        raise TypeError(f"select_n `which` must be boolean or integer type, got {which.dtype}")
    if which.dtype == np.bool_ and len(cases) > 2:
        raise TypeError("select_n with boolean `which` cannot have more than 2 cases")
    return aval(cases[0].shape, cases[0].dtype, weak(cases))


def _select_n_emit(ctx, operands, in_avals, out_avals):
    which, cases = operands[0], operands[1:]
    wav, cav = in_avals[0], in_avals[1]
    if len(cases) == 1:
        return [cases[0]]
    pred_av = aval(wav.shape, np.bool_)

    def pick(lo, hi):  # cases[lo:hi], by comparing `which` against the midpoint
        if hi - lo == 1:
            return cases[lo]
        mid = (lo + hi) // 2
        if wav.dtype == np.bool_:
            pred = which
        else:  # which >= mid picks the upper half
            m = ctx.constant(np.full(wav.shape, mid, wav.dtype), wav)
            pred = _compare_emitter("GE")(ctx, [which, m], [wav, wav], [pred_av])[0]
        return ctx.op("stablehlo.select", [pred, pick(mid, hi), pick(lo, mid)],
                      [pred_av, cav, cav], [out_avals[0]])[0]
    return [pick(0, len(cases))]


def_primitive("select_n", _select_n_rule, _select_n_emit)


def _clamp_rule(lo, x, hi):
    same_dtypes("clamp", [lo, x, hi])
    for b in (lo, hi):
        if b.shape and b.shape != x.shape:
            raise TypeError(f"clamp requires min.shape == operand.shape or min.shape == (), got "
                            f"{b.shape}.")
    return x


def_primitive("clamp", _clamp_rule, _hlo_emitter("stablehlo.clamp"))


def _convert_rule(x, *, new_dtype, weak_type=False):
    return aval(x.shape, new_dtype, weak_type)


def _convert_emit(ctx, operands, in_avals, out_avals, *, new_dtype, weak_type=False):
    (x,), (xav,), (oav,) = operands, in_avals, out_avals
    if xav.dtype == oav.dtype:
        return [x]
    if kind(xav.dtype) == "c" and kind(oav.dtype) != "c":  # complex -> real keeps the real part
        rav = aval(xav.shape, _real_dtype(xav.dtype))
        x = ctx.op("stablehlo.real", [x], [xav], [rav])[0]
        xav = rav
    if oav.dtype == np.bool_ and xav.dtype != np.bool_:  # to bool means "!= 0"
        zero = ctx.constant(np.zeros(xav.shape, xav.dtype), xav)
        return _compare_emitter("NE")(ctx, [x, zero], [xav, xav], [oav])
    return ctx.op("stablehlo.convert", [x], [xav], [oav])


def_primitive("convert_element_type", _convert_rule, _convert_emit)


def _bitcast_rule(x, *, new_dtype):
    new_dtype = np.dtype(new_dtype)
    a, b = x.dtype.itemsize, new_dtype.itemsize
    if a == b:
        return aval(x.shape, new_dtype)
    if a > b:
        return aval(x.shape + (a // b,), new_dtype)
    if not x.shape or x.shape[-1] != b // a:
        raise TypeError(f"bitcast_convert_type from {x.dtype} to {new_dtype}: the last dimension "
                        f"must be {b // a}, got shape {x.shape}")
    return aval(x.shape[:-1], new_dtype)


def _bitcast_emit(ctx, operands, in_avals, out_avals, *, new_dtype):
    return ctx.op("stablehlo.bitcast_convert", operands, in_avals, out_avals)


def_primitive("bitcast_convert_type", _bitcast_rule, _bitcast_emit)
