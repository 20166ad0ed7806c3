"""Elementwise functions of ``jax.numpy`` written over the rest of ``s2s.numpy`` (a source
library: grad, jvp and vmap of each come from transforming its source). Exponents and
quotients are integer-valued and carry no derivative; mantissas, fractional parts and
remainders carry the input's."""
import numpy as np

from s2s.runtime import control, dtypes, lax
from s2s.runtime import numpy as jnp
from s2s.custom import stop_gradient
from s2s.rules import nondifferentiable
from s2s.rules.helpers import sinc_at_zero

S2S_SOURCE_LIBRARY = True
__all__ = ["frexp", "ldexp", "modf", "divmod", "gcd", "lcm", "spacing", "i0", "iscomplex",
           "isreal", "array_equiv", "hypot", "fmax", "fmin", "fabs", "nan_to_num", "sinc"]

_INT_OF_WIDTH = {2: np.int16, 4: np.int32, 8: np.int64}


def _as_inexact(x):
    """``x`` as an inexact array (ints and bools: the default float, weak if ``x`` is)."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.true_divide(x, 1)
    return x


def _power_of_two(n, dtype):
    """``2.0 ** n`` exactly for integer ``n`` in the normal range of ``dtype`` (built from the
    exponent bits)."""
    info = jnp.finfo(dtype)
    itype = _INT_OF_WIDTH[np.dtype(dtype).itemsize]
    bias = info.maxexp - 1
    n = jnp.clip(jnp.asarray(n, itype), 1 - bias, bias)
    return lax.bitcast_convert_type(jnp.left_shift(n + bias, jnp.asarray(info.nmant, itype)),
                                    np.dtype(dtype))


def ldexp(x1, x2, /):
    n = jnp.asarray(x2)
    if not jnp.issubdtype(n.dtype, jnp.integer):
        raise ValueError(f"ldexp not supported for input types "
                         f"{(jnp.asarray(x1).dtype, n.dtype)}")
    x = _as_inexact(x1)
    info = jnp.finfo(x.dtype)
    n = jnp.clip(n, -2 * (info.maxexp + info.nmant), 2 * info.maxexp)
    half = jnp.floor_divide(n, 2)
    return x * _power_of_two(half, x.dtype) * _power_of_two(n - half, x.dtype)


def frexp(x, /):
    x = _as_inexact(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise TypeError("frexp does not support complex-valued inputs")
    info = jnp.finfo(x.dtype)
    itype = _INT_OF_WIDTH[np.dtype(x.dtype).itemsize]
    # subnormals are scaled into the normal range first (XLA on CPU flushes float32 ones)
    v = stop_gradient(x)
    tiny = jnp.abs(v) < info.smallest_normal
    v = jnp.where(tiny, v * _power_of_two(info.nmant + 1, x.dtype), v)
    bits = lax.bitcast_convert_type(v, np.dtype(itype))
    biased = jnp.bitwise_and(jnp.right_shift(bits, jnp.asarray(info.nmant, itype)),
                             jnp.asarray(2 * info.maxexp - 1, itype))
    e = jnp.asarray(biased, np.int32) - (info.maxexp - 2)
    e = jnp.where(tiny, e - (info.nmant + 1), e)
    regular = jnp.isfinite(x) & (x != 0)
    e = jnp.where(regular, e, 0)
    mantissa = jnp.where(regular, ldexp(x, -e), x)
    return mantissa, e


def modf(x, /, out=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
    x = _as_inexact(x)
    whole = jnp.where(x >= 0, jnp.floor(x), jnp.ceil(x))
    return x - whole, whole


def divmod(x1, x2, /):
    """``(floor_divide, remainder)``: the quotient is piecewise constant, the remainder
    differentiates by its rules; bools count as int32."""
    a, b = jnp.asarray(x1), jnp.asarray(x2)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        a, b = jnp.asarray(a, np.int32), jnp.asarray(b, np.int32)
    return jnp.floor_divide(a, b), jnp.remainder(a, b)


def _check_integers(name, x1, x2):
    if not (jnp.issubdtype(jnp.result_type(x1), jnp.integer) or jnp.result_type(x1) == np.bool_) \
            or not (jnp.issubdtype(jnp.result_type(x2), jnp.integer)
                    or jnp.result_type(x2) == np.bool_):
        raise ValueError(f"Arguments to jax.numpy.{name} must be integers.")


def _gcd_step(carry):
    a, b = carry
    nonzero = b != 0
    rest = jnp.remainder(a, jnp.where(nonzero, b, 1))
    return jnp.where(nonzero, b, a), jnp.where(nonzero, rest, 0)


def _gcd_pending(carry):
    return jnp.any(carry[1] != 0)


def gcd(x1, x2, /):
    _check_integers("gcd", x1, x2)
    weak = _both_weak(x1, x2)
    a, b = jnp.broadcast_arrays(*[jnp.abs(v) for v in _int_pair(x1, x2)])
    a, b = control.while_loop(_gcd_pending, _gcd_step, (a, b))
    return lax.convert_element_type(a, a.dtype, weak) if weak else a


def _both_weak(x1, x2):
    return all(isinstance(v, int) or getattr(v, "weak_type", False) for v in (x1, x2))


def lcm(x1, x2, /):
    _check_integers("lcm", x1, x2)
    a, b = _int_pair(x1, x2)
    d = gcd(a, b)
    zero = (a == 0) | (b == 0)
    return jnp.where(zero, 0, jnp.abs(jnp.floor_divide(a, jnp.where(zero, 1, d)) * b))


def _int_pair(x1, x2):
    a, b = jnp.asarray(x1), jnp.asarray(x2)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        return jnp.asarray(a, np.int32), jnp.asarray(b, np.int32)
    dt = jnp.result_type(x1, x2)
    return jnp.asarray(x1, dt), jnp.asarray(x2, dt)


def spacing(x, /):
    x = _as_inexact(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise TypeError("spacing does not support complex-valued inputs")
    inf = jnp.asarray(np.inf, x.dtype)
    return jnp.where(x < 0, lax.nextafter(x, -inf), lax.nextafter(x, inf)) - x


# Chebyshev coefficients of exp(-|x|) i0(x) on [0, 8] and of exp(-x) sqrt(x) i0(x) on
# [8, inf) in 8/x (Cephes' ``i0``)
_I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
         1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
         -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
         9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
         -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
         1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
         -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
         1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
         -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
         1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
_I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
         3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
         1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
         -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
         7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
         -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
         3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
         2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
         8.04490411014108831608e-1)


def _chebyshev(x, coefficients):
    b0 = coefficients[0] + 0.0 * x
    b1 = 0.0 * x
    b2 = 0.0 * x
    for c in coefficients[1:]:
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def i0(x):
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise ValueError(f"Unsupported input type to jax.numpy.i0: {x.dtype}")
    x = _as_inexact(x)
    a = jnp.abs(x)
    small = a <= 8.0
    near = _chebyshev(jnp.where(small, a, 8.0) * 0.5 - 2.0, _I0_A)
    far_a = jnp.where(small, 8.0, a)
    far = _chebyshev(32.0 / far_a - 2.0, _I0_B) / jnp.sqrt(far_a)
    return jnp.where(small, near, far) * jnp.exp(a)


def iscomplex(x):
    x = jnp.asarray(x)
    return jnp.imag(x) != jnp.zeros_like(jnp.real(x))


def isreal(x):
    x = jnp.asarray(x)
    return jnp.imag(x) == jnp.zeros_like(jnp.real(x))


@nondifferentiable
def array_equiv(a1, a2):
    a1, a2 = jnp.asarray(a1), jnp.asarray(a2)
    _check_broadcastable(a1.shape, a2.shape)
    return jnp.all(a1 == a2)


def _check_broadcastable(shape1, shape2):
    """jax's error for ``array_equiv`` of shapes that do not broadcast (a function of its own:
    vmap transforms ``array_equiv``, not a ``try`` over shapes, which are the same per example)."""
    try:
        jnp.broadcast_shapes(shape1, shape2)
    except (TypeError, ValueError):
        raise TypeError(f"eq got incompatible shapes for broadcasting: {shape1}, "
                        f"{shape2}.") from None


def _promoted(x1, x2, inexact):
    """``x1`` and ``x2`` in their common dtype (weak if both are), inexact if asked."""
    dtype, weak = dtypes.promote_weak(dtypes.dtype_and_weak(x1), dtypes.dtype_and_weak(x2))
    if inexact:
        dtype = dtypes.to_inexact(dtype, weak)
    return (lax.convert_element_type(jnp.asarray(x1), dtype, weak),
            lax.convert_element_type(jnp.asarray(x2), dtype, weak))


def hypot(x1, x2, /):
    """``sqrt(x1**2 + x2**2)`` without overflow: the larger magnitude times
    ``sqrt(1 + ratio**2)`` (at 0, 0 the larger one itself, so the slope is that of max)."""
    a, b = _promoted(x1, x2, True)
    if np.dtype(a.dtype).kind == "c":
        raise ValueError("jnp.hypot is not well defined for complex-valued inputs. Please "
                         "convert to real values first, such as by using abs(x)")
    a, b = jnp.abs(a), jnp.abs(b)
    big, small = jnp.maximum(a, b), jnp.minimum(a, b)
    ratio = small / jnp.where(big == 0, jnp.ones_like(big), big)
    out = jnp.where(big == 0, big, big * jnp.sqrt(1 + ratio * ratio))
    return jnp.where(jnp.isinf(a) | jnp.isinf(b), jnp.inf, out)


def fmax(x1, x2, /):
    """The larger, a NaN losing to a number (a tie's derivative goes to ``x2``, as jax's)."""
    a, b = _promoted(x1, x2, False)
    return jnp.where((a > b) | jnp.isnan(b), a, b)


def fmin(x1, x2, /):
    a, b = _promoted(x1, x2, False)
    return jnp.where((a < b) | jnp.isnan(b), a, b)


def fabs(x, /):
    x = _as_inexact(x)
    if np.dtype(x.dtype).kind == "c":
        raise TypeError("ufunc 'fabs' does not support complex dtypes")
    return jnp.abs(x)


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaNs and infinities replaced (the replaced entries carry no derivative)."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return x
    if np.dtype(x.dtype).kind == "c":
        return lax.complex(_real_nan_to_num(jnp.real(x), nan, posinf, neginf),
                           _real_nan_to_num(jnp.imag(x), nan, posinf, neginf))
    return _real_nan_to_num(x, nan, posinf, neginf)


def _real_nan_to_num(x, nan, posinf, neginf):
    info = jnp.finfo(x.dtype)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    out = jnp.where(jnp.isnan(x), jnp.asarray(nan, x.dtype), x)
    out = jnp.where(jnp.isposinf(x), jnp.asarray(big, x.dtype), out)
    return jnp.where(jnp.isneginf(x), jnp.asarray(small, x.dtype), out)


def sinc(x, /):
    """``sin(pi x) / (pi x)``; at 0, ``sinc_at_zero`` gives the value and (through its rules)
    every derivative of the Maclaurin series, which the quotient cannot."""
    x = _as_inexact(x)
    u = x * np.pi
    zero = x == 0
    safe = jnp.where(zero, jnp.ones_like(u), u)
    return jnp.where(zero, sinc_at_zero(0, u), jnp.sin(safe) / safe)
