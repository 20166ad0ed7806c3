"""NumPy functions written over the rest of ``s2s.numpy``, as a source library: s2s reads
their source like user code, so grad, jvp and vmap of each come from the functions it calls
(no rule of its own). Names, arguments and values as ``jax.numpy``'s."""
import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s.runtime.numpy.reductions import sum_dtype
from s2s.rules import nondifferentiable

S2S_SOURCE_LIBRARY = True
__all__ = ["acos", "asin", "atan", "atan2", "acosh", "asinh", "atanh", "bitwise_left_shift",
           "bitwise_right_shift", "bool", "double", "single", "cdouble", "csingle", "angle",
           "append", "cumulative_sum", "cumulative_prod", "diff", "ediff1d", "cross", "kron", "polyval", "vander", "copysign",
           "heaviside", "logaddexp2", "float_power", "select", "rot90", "rollaxis",
           "trapezoid", "cov", "corrcoef", "matvec", "vecmat", "diagflat", "iscomplexobj",
           "isrealobj", "iterable"]

# the Array API's names for the inverse trigonometric functions and shifts; dtype names
acos, asin, atan, atan2 = jnp.arccos, jnp.arcsin, jnp.arctan, jnp.arctan2
acosh, asinh, atanh = jnp.arccosh, jnp.arcsinh, jnp.arctanh
bitwise_left_shift, bitwise_right_shift = jnp.left_shift, jnp.right_shift
bool, double, single = jnp.bool_, jnp.float64, jnp.float32  # noqa: A001
cdouble, csingle = jnp.complex128, jnp.complex64


def angle(z, deg=False):
    """(A real ``z``'s angle is strongly typed, as jax's.)"""
    a = jnp.arctan2(jnp.imag(z), jnp.real(z))
    if np.dtype(jnp.asarray(z).dtype).kind != "c":
        a = a.astype(a.dtype)
    if deg:
        return a * (180.0 / np.pi)
    return a


def append(arr, values, axis=None):
    if axis is None:
        return jnp.concatenate([jnp.ravel(arr), jnp.ravel(values)])
    return jnp.concatenate([arr, values], axis=axis)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """The Array API's cumulative sum: small integers accumulate in the default integer (as
    ``sum``, unlike ``cumsum``); ``include_initial`` puts the empty sum, 0, first."""
    x = _cumulative_operand(x, axis, "sum")
    x = x.astype(sum_dtype(x.dtype) if dtype is None else dtype)
    return _with_initial(jnp.cumsum(x, axis=axis or 0), axis or 0, 0, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """The Array API's cumulative product (dtypes as ``cumprod``'s); ``include_initial`` puts
    the empty product, 1, first."""
    x = _cumulative_operand(x, axis, "product")
    if dtype is not None:
        x = x.astype(dtype)
    return _with_initial(jnp.cumprod(x, axis=axis or 0), axis or 0, 1, include_initial)


def _cumulative_operand(x, axis, what):
    x = jnp.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"The input must be non-scalar to take a cumulative {what}, however a "
                         f"scalar value or scalar array was given.")
    if axis is None and x.ndim > 1:
        raise ValueError(f"The input array has rank {x.ndim}, however axis was not set to an "
                         f"explicit value. The axis argument is only optional for "
                         f"one-dimensional arrays.")
    return x


def _with_initial(out, axis, identity, include_initial):
    if not include_initial:
        return out
    shape = list(out.shape)
    shape[axis] = 1
    return jnp.concatenate([jnp.full(shape, identity, out.dtype), out], axis)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    a = jnp.asarray(a)
    axis = axis % a.ndim
    if prepend is not None:
        a = jnp.concatenate([jnp.broadcast_to(prepend, _edge_shape(a, axis, prepend)), a], axis)
    if append is not None:
        a = jnp.concatenate([a, jnp.broadcast_to(append, _edge_shape(a, axis, append))], axis)
    for _ in range(n):
        head = (slice(None),) * axis
        a = a[head + (slice(1, None),)] - a[head + (slice(None, -1),)]
    return a


def _edge_shape(a, axis, value):
    """The shape a scalar ``prepend``/``append`` of ``diff`` broadcasts to."""
    if np.ndim(value) == 0:
        return a.shape[:axis] + (1,) + a.shape[axis + 1:]
    return np.shape(value)


def ediff1d(ary, to_end=None, to_begin=None):
    flat = jnp.ravel(ary)
    out = flat[1:] - flat[:-1]
    if to_begin is not None:
        out = jnp.concatenate([jnp.ravel(jnp.asarray(to_begin, out.dtype)), out])
    if to_end is not None:
        out = jnp.concatenate([out, jnp.ravel(jnp.asarray(to_end, out.dtype))])
    return out


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa, axisb, axisc = axis, axis, axis
    a = jnp.moveaxis(a, axisa, -1)
    b = jnp.moveaxis(b, axisb, -1)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if a.shape[-1] == 2:
        a = jnp.concatenate([a, jnp.zeros(a.shape[:-1] + (1,), a.dtype)], -1)
    if b.shape[-1] == 2:
        b = jnp.concatenate([b, jnp.zeros(b.shape[:-1] + (1,), b.dtype)], -1)
    c = jnp.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                   a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                   a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1)
    return jnp.moveaxis(c, -1, axisc)


def kron(a, b):
    a, b = jnp.asarray(a), jnp.asarray(b)
    nd = max(a.ndim, b.ndim)
    a = jnp.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = jnp.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    # a[i0, None, i1, None, ...] * b[None, j0, None, j1, ...], then pairs merged
    a_axes, b_axes = [], []
    for k in range(nd):
        a_axes.extend([a.shape[k], 1])
        b_axes.extend([1, b.shape[k]])
    product = jnp.reshape(a, a_axes) * jnp.reshape(b, b_axes)
    return jnp.reshape(product, tuple(a.shape[k] * b.shape[k] for k in range(nd)))


def polyval(p, x):
    p = jnp.asarray(p)
    y = jnp.zeros_like(x * p[0])
    for k in range(p.shape[0]):
        y = y * x + p[k]
    return y


def vander(x, N=None, increasing=False):
    x = jnp.asarray(x)
    n = x.shape[0] if N is None else N
    powers = jnp.arange(n)
    if not increasing:
        powers = powers[::-1]
    return x[:, None] ** powers


def copysign(x1, x2):
    return jnp.where(jnp.signbit(x2), -jnp.abs(x1), jnp.abs(x1))


@nondifferentiable
def heaviside(x1, x2):
    return jnp.where(x1 < 0, 0.0, jnp.where(x1 > 0, 1.0, x2))


def logaddexp2(x1, x2):
    return jnp.logaddexp(x1 * np.log(2.0), x2 * np.log(2.0)) / np.log(2.0)


def float_power(x1, x2):
    return jnp.power(jnp.asarray(x1, jnp.result_type(float)),
                     jnp.asarray(x2, jnp.result_type(float)))


def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError(f"condlist must have length equal to choicelist ({len(condlist)} vs "
                         f"{len(choicelist)})")
    out = default
    for k in range(len(condlist) - 1, -1, -1):
        out = jnp.where(condlist[k], choicelist[k], out)
    return out


def rot90(m, k=1, axes=(0, 1)):
    k = k % 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return jnp.flip(jnp.flip(m, a0), a1)
    if k == 1:
        return jnp.swapaxes(jnp.flip(m, a1), a0, a1)
    return jnp.flip(jnp.swapaxes(m, a0, a1), a1)


def rollaxis(a, axis, start=0):
    nd = jnp.ndim(a)
    axis, start = axis % nd, start % (nd + 1) if start < 0 else start
    if axis < start:
        start -= 1
    return jnp.moveaxis(a, axis, start)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = jnp.moveaxis(jnp.asarray(y), axis, -1)
    y = y.astype(dtypes.to_inexact(y.dtype))
    if x is None:
        return jnp.sum(y[..., 1:] + y[..., :-1], axis=-1) * (0.5 * dx)
    x = jnp.moveaxis(jnp.asarray(x), axis, -1) if jnp.ndim(x) > 1 else jnp.asarray(x)
    return 0.5 * jnp.sum((x[..., 1:] - x[..., :-1]) * (y[..., 1:] + y[..., :-1]), axis=-1)


def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    x = jnp.atleast_2d(m)
    if not rowvar:
        x = x.T
    if y is not None:
        other = jnp.atleast_2d(y)
        if not rowvar:
            other = other.T
        x = jnp.concatenate([x, other], 0)
    n = x.shape[1]
    if ddof is None:
        ddof = 0 if bias else 1
    centred = x - jnp.mean(x, axis=1, keepdims=True)
    return jnp.squeeze(centred @ jnp.conj(centred).T / (n - ddof))


def corrcoef(x, y=None, rowvar=True):
    c = cov(x, y, rowvar)
    if jnp.ndim(c) == 0:
        return c / c
    d = jnp.sqrt(jnp.diagonal(c))
    return c / d[:, None] / d[None, :]


def matvec(x1, x2):
    return jnp.sum(x1 * x2[..., None, :], axis=-1)


def vecmat(x1, x2):
    return jnp.sum(jnp.conj(x1)[..., :, None] * x2, axis=-2)


def diagflat(v, k=0):
    return jnp.diag(jnp.ravel(v), k)


@nondifferentiable
def iscomplexobj(x):
    return np.dtype(jnp.result_type(x)).kind == "c"


@nondifferentiable
def isrealobj(x):
    return not iscomplexobj(x)


def iterable(y):
    try:
        iter(y)
    except TypeError:
        return False
    return True
