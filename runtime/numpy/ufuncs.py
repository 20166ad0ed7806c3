"""Elementwise ``s2s.numpy`` functions: promotion and broadcasting, then one primitive each
where XLA has one, or a short composition of primitives."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.core import ArrayImpl, scalar
from s2s.runtime.numpy.util import (broadcast_shapes, broadcast_to, check_arraylike, promote_args,
                                    promote_dtypes, promote_inexact, to_array)


def _same_kind_fast(x1, x2):
    """Operands for the common cases (two arrays of one aval; a float array and a Python
    number), skipping the generic promotion machinery; None otherwise."""
    t1, t2 = type(x1), type(x2)
    if t1 is ArrayImpl:
        if t2 is ArrayImpl:
            return (x1, x2) if x1.aval == x2.aval else None
        if (t2 is float or t2 is int) and x1.aval.dtype.kind == "f":
            return x1, scalar(x2, x1.aval.dtype, True)
    elif t2 is ArrayImpl and (t1 is float or t1 is int) and x2.aval.dtype.kind == "f":
        return scalar(x1, x2.aval.dtype, True), x2
    return None


def _binary(name, prim, inexact=False):
    def fn(x1, x2, /):
        fast = _same_kind_fast(x1, x2)
        if fast is not None and (not inexact or fast[0].aval.dtype.kind == "f"):
            return prim(*fast)
        check_arraylike(name, x1, x2)
        a, b = promote_args(name, *(promote_inexact(x1, x2) if inexact else (x1, x2)))
        return prim(a, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``numpy.{name}`` with broadcasting and JAX's type promotion."
    return fn


def _unary(name, prim, inexact=True):
    def fn(x, /):
        if type(x) is ArrayImpl and (not inexact or x.aval.dtype.kind in "fc"):
            return prim(x)  # the common case, without the generic checks
        check_arraylike(name, x)
        (a,) = promote_inexact(x) if inexact else [to_array(x)]
        return prim(a)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``numpy.{name}``."
    return fn


def _bool_as_int_op(op):
    """add/subtract on bool operands mean or / xor (as NumPy)."""
    def prim(a, b):
        if a.dtype == np.bool_:
            return (lax.bitwise_or if op is lax.add else lax.bitwise_xor)(a, b)
        return op(a, b)
    return prim


add = _binary("add", _bool_as_int_op(lax.add))
multiply = _binary("multiply", lambda a, b: lax.bitwise_and(a, b) if a.dtype == np.bool_
                   else lax.mul(a, b))


def _subtract(a, b):
    if a.dtype == np.bool_:
        raise TypeError("numpy boolean subtract, the `-` operator, is not supported, use the "
                        "bitwise_xor, the `^` operator, or the logical_xor function instead.")
    return lax.sub(a, b)


subtract = _binary("subtract", _subtract)
true_divide = divide = _binary("divide", lax.div, inexact=True)
maximum = _binary("maximum", lax.max)
minimum = _binary("minimum", lax.min)
arctan2 = _binary("arctan2", lax.atan2, inexact=True)
nextafter = _binary("nextafter", lax.nextafter, inexact=True)
bitwise_and = _binary("bitwise_and", lax.bitwise_and)
bitwise_or = _binary("bitwise_or", lax.bitwise_or)
bitwise_xor = _binary("bitwise_xor", lax.bitwise_xor)
equal = _binary("equal", lax.eq)
not_equal = _binary("not_equal", lax.ne)
less = _binary("less", lax.lt)
less_equal = _binary("less_equal", lax.le)
greater = _binary("greater", lax.gt)
greater_equal = _binary("greater_equal", lax.ge)


def _floor_divide(a, b):
    if dtypes.is_inexact(a.dtype):
        return _float_floor_divide(a, b)
    if a.dtype == np.bool_:
        raise TypeError("floor_divide does not accept dtype bool.")
    q = lax.div(a, b)  # integer division truncates; step down where signs differ and r != 0
    if np.dtype(a.dtype).kind == "u":
        return q
    r = lax.rem(a, b)
    zero = lax.convert_element_type(0, a.dtype)
    # (the signs of a and b, as JAX compares them: a // 0 is then -2 for a != 0, as in JAX)
    fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.sign(a), lax.sign(b)))
    return lax.select(fix, lax.sub(q, lax.convert_element_type(1, a.dtype, a.weak_type)), q)


def _float_floor_divide(a, b):
    """NumPy's float floor division (as jax computes it): ``(a - rem(a, b)) / b``, one less
    where the remainder's sign is not ``b``'s, rounded to an integer; not ``floor(a / b)``,
    which rounds ``a / b`` first (``1 // 0.1`` is 9, not 10). Division by zero is ``a / b``."""
    r = lax.rem(a, b)
    q = lax.div(lax.sub(a, r), b)
    zero = lax.convert_element_type(0, a.dtype)
    fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.sign(b), lax.sign(r)))
    q = lax.select(fix, lax.sub(q, lax.convert_element_type(1, a.dtype, a.weak_type)), q)
    return lax.select(lax.eq(b, zero), lax.div(a, b), lax.round(q))


def _mod(a, b):
    if a.dtype == np.bool_:
        raise TypeError("remainder does not accept dtype bool.")
    r = lax.rem(a, b)
    zero = lax.convert_element_type(0, a.dtype)
    if np.dtype(a.dtype).kind != "u":
        fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(b, zero)))
        r = lax.select(fix, lax.add(r, b), r)
    if dtypes.is_inexact(a.dtype):
        return r
    return lax.select(lax.eq(b, zero), lax.sub(r, r), r)  # x % 0 is 0 for integers, as in JAX


floor_divide = _binary("floor_divide", _floor_divide)
remainder = mod = _binary("remainder", _mod)


def _fmod(a, b):
    """The remainder of truncated division (the sign of ``a``); ``x % 0`` is 0 for integers.
    Bools count as int32, as in JAX."""
    if a.dtype == np.bool_:
        a, b = (lax.convert_element_type(v, np.int32) for v in (a, b))
    r = lax.rem(a, b)
    if dtypes.is_inexact(a.dtype):
        return r
    return lax.select(lax.eq(b, lax.convert_element_type(0, a.dtype)), lax.sub(r, r), r)


fmod = _binary("fmod", _fmod)


def _int_power(a, b):
    """Integer ``a ** b`` with a traced exponent: square-and-multiply over the exponent's bits."""
    if a.dtype == np.bool_:
        return lax.bitwise_or(a, lax.bitwise_not(b))
    one = lax.convert_element_type(1, a.dtype)
    zero = lax.convert_element_type(0, a.dtype)
    acc = broadcast_to(one, a.shape)
    for _ in range(np.dtype(a.dtype).itemsize * 8):
        acc = lax.select(lax.ne(lax.bitwise_and(b, one), zero), lax.mul(acc, a), acc)
        a = lax.mul(a, a)
        b = lax.shift_right_logical(b, one)
    return acc


def power(x1, x2, /):
    check_arraylike("power", x1, x2)
    if isinstance(x2, int) and not isinstance(x2, bool):  # static integer exponent: exact
        a = to_array(x1)
        if dtypes.is_inexact(a.dtype) or x2 >= 0:
            return lax.integer_pow(a, x2)
    a, b = promote_args("power", x1, x2)
    if dtypes.is_inexact(a.dtype):
        return lax.pow(a, b)
    shape = broadcast_shapes("power", a.shape, b.shape)  # the bit loop needs full shapes
    return _int_power(broadcast_to(a, shape), broadcast_to(b, shape))


pow = power


def _float_binary(name, body):
    def fn(x1, x2, /):
        check_arraylike(name, x1, x2)
        a, b = promote_args(name, *promote_inexact(x1, x2))
        return body(a, b)
    fn.__name__ = fn.__qualname__ = name
    return fn


def _logaddexp(a, b):
    """``max + log1p(exp(min - max))``: the same value as with ``-|a - b|``, and a program
    differentiated op by op (a traced function) splits a tie half and half, as jax's rule."""
    amax = lax.max(a, b)
    delta = lax.sub(a, b)
    isnan = lax.ne(delta, delta)
    out = lax.add(amax, lax.log1p(lax.exp(lax.sub(lax.min(a, b), amax))))
    return lax.select(isnan, lax.add(a, b), out)


logaddexp = _float_binary("logaddexp", _logaddexp)
hypot = _float_binary("hypot", lambda a, b: lax.sqrt(lax.add(lax.mul(a, a), lax.mul(b, b))))


def _nan_ignoring(name, prim):
    """fmax / fmin: like maximum / minimum, but a NaN loses to a number (ints stay ints)."""
    def fn(x1, x2, /):
        check_arraylike(name, x1, x2)
        a, b = promote_dtypes(x1, x2)
        shape = broadcast_shapes(name, a.shape, b.shape)
        a, b = broadcast_to(a, shape), broadcast_to(b, shape)
        if not dtypes.is_inexact(a.dtype):
            return prim(a, b)
        return lax.select(lax.ne(b, b), a, lax.select(lax.ne(a, a), b, prim(a, b)))
    fn.__name__ = fn.__qualname__ = name
    return fn


fmax = _nan_ignoring("fmax", lax.max)
fmin = _nan_ignoring("fmin", lax.min)


def _shift(name, prim_signed, prim_unsigned):
    def body(a, b):
        return (prim_unsigned if np.dtype(a.dtype).kind == "u" else prim_signed)(a, b)
    return _binary(name, body)


left_shift = _binary("left_shift", lax.shift_left)
right_shift = _shift("right_shift", lax.shift_right_arithmetic, lax.shift_right_logical)


def _logical(name, prim):
    """Promote first (as JAX), then compare with zero: weak inputs give a weak bool."""
    def fn(x1, x2, /):
        check_arraylike(name, x1, x2)
        a, b = promote_args(name, x1, x2)
        return prim(_to_bool(a), _to_bool(b))
    fn.__name__ = fn.__qualname__ = name
    return fn


logical_and = _logical("logical_and", lax.bitwise_and)
logical_or = _logical("logical_or", lax.bitwise_or)
logical_xor = _logical("logical_xor", lax.bitwise_xor)


def logical_not(x, /):
    return lax.bitwise_not(_to_bool(x))


def _to_bool(x):
    x = to_array(x)
    if x.dtype == np.bool_:
        return x
    return lax.ne(x, 0)  # a Python 0 is weak: a weak x gives a weak bool (as JAX)


exp = _unary("exp", lax.exp)
exp2 = _unary("exp2", lambda a: lax.exp(lax.mul(a, lax.convert_element_type(np.log(2), a.dtype))))
expm1 = _unary("expm1", lax.expm1)
log = _unary("log", lax.log)
log1p = _unary("log1p", lax.log1p)


def _log_base(op, c):
    """``op(log(a), c)`` (jax: log2 divides by log 2, log10 multiplies by 1/log 10); of a
    complex ``a`` part by part (a complex operation would turn the imaginary part of
    log(inf + 1j) into nan), as jax."""
    def fn(a):
        ln = lax.log(a)
        if a.dtype.kind != "c":
            return op(ln, lax.convert_element_type(c, a.dtype))
        re, im = lax.real(ln), lax.imag(ln)
        c_ = lax.convert_element_type(c, re.dtype)
        return lax.complex(op(re, c_), op(im, c_))
    return fn


log2 = _unary("log2", _log_base(lax.div, np.log(2)))
log10 = _unary("log10", _log_base(lax.mul, 1 / np.log(10)))
sin, cos, tan = _unary("sin", lax.sin), _unary("cos", lax.cos), _unary("tan", lax.tan)
arcsin, arccos, arctan = _unary("arcsin", lax.asin), _unary("arccos", lax.acos), \
    _unary("arctan", lax.atan)
sinh, cosh, tanh = _unary("sinh", lax.sinh), _unary("cosh", lax.cosh), _unary("tanh", lax.tanh)
arcsinh, arccosh, arctanh = _unary("arcsinh", lax.asinh), _unary("arccosh", lax.acosh), \
    _unary("arctanh", lax.atanh)
sqrt = _unary("sqrt", lax.sqrt)
cbrt = _unary("cbrt", lax.cbrt)
deg2rad = radians = _unary("deg2rad", lambda a: lax.mul(a, lax.convert_element_type(np.pi / 180,
                                                                                  a.dtype)))
rad2deg = degrees = _unary("rad2deg", lambda a: lax.mul(a, lax.convert_element_type(180 / np.pi,
                                                                                  a.dtype)))


def _keep_ints(prim):
    return lambda a: a if not dtypes.is_inexact(a.dtype) else prim(a)


floor = _unary("floor", _keep_ints(lax.floor), inexact=False)
ceil = _unary("ceil", _keep_ints(lax.ceil), inexact=False)
trunc = fix = _unary("trunc", _keep_ints(lambda a: lax.select(lax.lt(a, lax.convert_element_type(
    0, a.dtype)), lax.ceil(a), lax.floor(a))), inexact=False)
rint = _unary("rint", _keep_ints(lambda a: lax.round(a, 1)), inexact=False)
negative = _unary("negative", lambda a: lax.bitwise_not(a) if a.dtype == np.bool_ else lax.neg(a),
                  inexact=False)
positive = _unary("positive", lambda a: a, inexact=False)
def _sign(a):
    if a.dtype == np.bool_:
        return a
    if np.dtype(a.dtype).kind == "u":  # XLA's sign takes signed types only
        return lax.convert_element_type(lax.ne(a, lax.convert_element_type(0, a.dtype)), a.dtype,
                                        a.weak_type)
    return lax.sign(a)


sign = _unary("sign", _sign, inexact=False)
absolute = abs = _unary("absolute", lambda a: a if a.dtype == np.bool_ or np.dtype(
    a.dtype).kind == "u" else lax.abs(a), inexact=False)
fabs = _unary("fabs", lax.abs)
square = _unary("square", lambda a: lax.integer_pow(a if a.dtype != np.bool_ else
                                                   lax.convert_element_type(a, dtypes.default_int()),
                                                   2), inexact=False)
reciprocal = _unary("reciprocal", lambda a: lax.integer_pow(a, -1), inexact=False)
invert = bitwise_not = bitwise_invert = _unary("invert", lax.bitwise_not, inexact=False)
conjugate = conj = _unary("conjugate", lambda a: lax.conj(a) if np.dtype(a.dtype).kind == "c"
                          else a, inexact=False)
real = _unary("real", lambda a: lax.real(a) if np.dtype(a.dtype).kind == "c" else a,
              inexact=False)
imag = _unary("imag", lambda a: lax.imag(a) if np.dtype(a.dtype).kind == "c" else lax.mul(
    a, lax.convert_element_type(0, a.dtype, a.weak_type)), inexact=False)


def round(a, decimals=0, out=None):
    """Round half to even, with ``decimals`` (as NumPy)."""
    a = to_array(a)
    if not dtypes.is_inexact(a.dtype):
        return a
    if decimals == 0:
        return lax.round(a, 1)
    if np.dtype(a.dtype).itemsize < 4:  # half floats scale in float32 (as JAX): x * 10 ** d
        return lax.convert_element_type(round(lax.convert_element_type(a, np.float32), decimals),
                                        a.dtype, a.weak_type)  # would round twice otherwise
    factor = lax.convert_element_type(10.0 ** decimals, a.dtype)
    return lax.div(lax.round(lax.mul(a, factor), 1), factor)


around = round


def isfinite(x, /):
    a = to_array(x)
    if not dtypes.is_inexact(a.dtype):
        return lax.convert_element_type(lax.eq(a, a), np.bool_)
    if np.dtype(a.dtype).kind == "c":
        return lax.bitwise_and(lax.is_finite(lax.real(a)), lax.is_finite(lax.imag(a)))
    return lax.is_finite(a)


def isnan(x, /):
    a = to_array(x)
    return lax.ne(a, a)


def isinf(x, /):
    a = to_array(x)
    if not dtypes.is_inexact(a.dtype):
        return lax.ne(a, a)
    if np.dtype(a.dtype).kind == "c":
        return lax.bitwise_or(isinf(lax.real(a)), isinf(lax.imag(a)))
    return lax.eq(lax.abs(a), lax.convert_element_type(np.inf, a.dtype))


def isposinf(x, /):
    a = to_array(x)
    return lax.eq(a, lax.convert_element_type(np.inf, a.dtype))


def isneginf(x, /):
    a = to_array(x)
    return lax.eq(a, lax.convert_element_type(-np.inf, a.dtype))


def signbit(x, /):
    a = to_array(x)
    if not dtypes.is_inexact(a.dtype):
        return lax.lt(a, lax.convert_element_type(0, a.dtype))
    bits = np.dtype(f"int{np.dtype(a.dtype).itemsize * 8}")
    return lax.lt(lax.bitcast_convert_type(a, bits), lax.convert_element_type(0, bits))


def sinc(x, /):
    (a,) = promote_inexact(x)
    pix = lax.mul(a, lax.convert_element_type(np.pi, a.dtype))
    zero = lax.eq(a, lax.convert_element_type(0, a.dtype))
    one = broadcast_to(lax.convert_element_type(1, a.dtype), a.shape)
    safe = lax.select(zero, one, pix)
    return lax.select(zero, one, lax.div(lax.sin(safe), safe))


def clip(arr=None, /, min=None, max=None, *, a=None, a_min=None, a_max=None):
    arr = a if arr is None else arr
    lo = min if min is not None else a_min
    hi = max if max is not None else a_max
    out = to_array(arr)
    if lo is not None:
        out = maximum(out, lo)
    if hi is not None:
        out = minimum(out, hi)
    return out


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    if x is None and y is None:
        from s2s.runtime.numpy.indexing import nonzero
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("Either both or neither of the x and y arguments should be provided to "
                         f"jax.numpy.where, got {x} and {y}.")
    x, y = promote_dtypes(x, y)
    c = _to_bool(condition)
    shape = broadcast_shapes("where", c.shape, x.shape, y.shape)
    return lax.select(*(broadcast_to(v, shape) for v in (c, x, y)))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    a = to_array(x)
    if not dtypes.is_inexact(a.dtype):
        return a
    if np.dtype(a.dtype).kind == "c":
        return lax.complex(nan_to_num(lax.real(a), nan=nan, posinf=posinf, neginf=neginf),
                           nan_to_num(lax.imag(a), nan=nan, posinf=posinf, neginf=neginf))
    info = np.finfo(a.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    c = lambda v: broadcast_to(lax.convert_element_type(v, a.dtype), a.shape)
    out = lax.select(isnan(a), c(nan), a)
    out = lax.select(isposinf(a), c(posinf), out)
    return lax.select(isneginf(a), c(neginf), out)
