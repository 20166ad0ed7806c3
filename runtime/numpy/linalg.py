"""Products: ``dot vdot matmul inner outer tensordot einsum trace diagonal`` and ``linalg.norm``."""
import numpy as np

from runtime import dtypes, lax
from runtime.numpy.util import broadcast_shapes, broadcast_to, normalize_axis, promote_dtypes, to_array


def _dot(a, b, contract, batch=((), ())):
    a, b = promote_dtypes(a, b)
    if a.dtype == np.bool_:
        out = lax.dot_general(lax.convert_element_type(a, np.int32),
                              lax.convert_element_type(b, np.int32), (contract, batch))
        return lax.ne(out, lax.convert_element_type(0, out.dtype))
    return lax.dot_general(a, b, (contract, batch))


def matmul(a, b, /, *, precision=None, preferred_element_type=None):
    a, b = promote_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: Input operand {0 if a.ndim == 0 else 1} does not have enough "
                         f"dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) "
                         f"requires 1)")
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    if a_vec:
        a = lax.reshape(a, (1,) + a.shape)
    if b_vec:
        b = lax.reshape(b, b.shape + (1,))
    if a.shape[-1] != b.shape[-2]:
        raise TypeError(f"dot_general requires contracting dimensions to have the same shape, "
                        f"got {(a.shape[-1],)} and {(b.shape[-2],)}.")
    batch = broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    out = _dot(a, b, ((a.ndim - 1,), (nb,)), (tuple(range(nb)), tuple(range(nb))))
    if a_vec:
        out = lax.reshape(out, out.shape[:-2] + out.shape[-1:])
    if b_vec:
        out = lax.reshape(out, out.shape[:-1])
    return out


def dot(a, b, *, precision=None, preferred_element_type=None):
    a, b = promote_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return lax.mul(*_broadcast_pair(a, b))
    if b.ndim == 1:
        return _dot(a, b, ((a.ndim - 1,), (0,)))
    return _dot(a, b, ((a.ndim - 1,), (b.ndim - 2,)))


def _broadcast_pair(a, b):
    shape = broadcast_shapes("multiply", a.shape, b.shape)
    return broadcast_to(a, shape), broadcast_to(b, shape)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    a, b = to_array(a), to_array(b)
    if np.dtype(a.dtype).kind == "c":
        a = lax.conj(a)
    return dot(lax.reshape(a, (a.size,)), lax.reshape(b, (b.size,)))


def vecdot(x1, x2, /, *, axis=-1):
    from runtime.numpy.reductions import sum
    from runtime.numpy.ufuncs import conj, multiply
    return sum(multiply(conj(x1), x2), axis=axis)


def inner(a, b):
    a, b = promote_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return lax.mul(*_broadcast_pair(a, b))
    return _dot(a, b, ((a.ndim - 1,), (b.ndim - 1,)))


def outer(a, b, out=None):
    a, b = promote_dtypes(a, b)
    a, b = lax.reshape(a, (a.size,)), lax.reshape(b, (b.size,))
    return lax.mul(lax.broadcast_in_dim(a, (a.size, b.size), (0,)),
                   lax.broadcast_in_dim(b, (a.size, b.size), (1,)))


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    a, b = promote_dtypes(a, b)
    if isinstance(axes, (int, np.integer)):
        axes = (tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes)))
    ax_a, ax_b = axes
    ax_a = tuple(normalize_axis(i, a.ndim) for i in np.atleast_1d(ax_a))
    ax_b = tuple(normalize_axis(i, b.ndim) for i in np.atleast_1d(ax_b))
    if len(ax_a) != len(ax_b):
        raise TypeError("tensordot requires axes lists to have equal length.")
    return _dot(a, b, (ax_a, ax_b))


def diagonal(a, offset=0, axis1=0, axis2=1):
    from runtime.numpy.indexing import getitem
    from runtime.numpy.shape import moveaxis
    x = to_array(a)
    x = moveaxis(x, (normalize_axis(axis1, x.ndim), normalize_axis(axis2, x.ndim)), (-2, -1))
    n, m = x.shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset)) if min(n, m - offset) > max(0, -offset) \
        else np.zeros(0, np.int64)
    return getitem(x, (Ellipsis, rows, rows + offset))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    from runtime.numpy.reductions import sum
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def norm(x, ord=None, axis=None, keepdims=False):
    from runtime.numpy.reductions import max, min, sum
    from runtime.numpy.ufuncs import abs, power, sqrt
    x = to_array(x)
    if not dtypes.is_inexact(x.dtype):
        x = lax.convert_element_type(x, dtypes.default_float())
    if axis is None and ord is None:
        axes = tuple(range(x.ndim))
    elif axis is None:
        axes = tuple(range(x.ndim))
        if x.ndim > 2:
            raise ValueError("Improper number of dimensions to norm.")
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(normalize_axis(i, x.ndim) for i in axes)
    ax = abs(x)
    if ord is None or (len(axes) == 1 and ord == 2) or (len(axes) == 2 and ord == "fro"):
        sq = lax.real(lax.mul(x, lax.conj(x))) if np.dtype(x.dtype).kind == "c" else lax.mul(x, x)
        return sqrt(sum(sq, axis=axes, keepdims=keepdims))
    if len(axes) == 1:
        if ord == np.inf:
            return max(ax, axis=axes, keepdims=keepdims)
        if ord == -np.inf:
            return min(ax, axis=axes, keepdims=keepdims)
        if ord == 0:
            return sum(lax.convert_element_type(lax.ne(x, lax.convert_element_type(0, x.dtype)),
                                                ax.dtype), axis=axes, keepdims=keepdims)
        if ord == 1:
            return sum(ax, axis=axes, keepdims=keepdims)
        return power(sum(power(ax, float(ord)), axis=axes, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2:
        r, c = axes
        if ord == 1:
            return max(sum(ax, axis=r, keepdims=True), axis=axes, keepdims=keepdims)
        if ord == -1:
            return min(sum(ax, axis=r, keepdims=True), axis=axes, keepdims=keepdims)
        if ord == np.inf:
            return max(sum(ax, axis=c, keepdims=True), axis=axes, keepdims=keepdims)
        if ord == -np.inf:
            return min(sum(ax, axis=c, keepdims=True), axis=axes, keepdims=keepdims)
        raise NotImplementedError(f"matrix norm ord={ord!r} (needs an SVD)")
    raise ValueError("Improper number of dimensions to norm.")
