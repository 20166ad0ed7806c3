"""Reductions that skip NaNs, ``average`` and ``ptp``, written over ``s2s.numpy`` as a source
library: grad, jvp and vmap come from the rules of the reductions and ``where`` they call (a
NaN entry gets no derivative; ties of ``nanmax`` share it, as ``max``'s). Values as jax's."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime import numpy as jnp
from s2s.runtime.numpy.util import normalize_axes

S2S_SOURCE_LIBRARY = True
__all__ = ["average", "ptp", "nanmax", "nanmin", "nanprod", "nancumsum", "nancumprod", "nanvar",
           "nanstd"]


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    a = jnp.asarray(a)
    if weights is None:
        avg = jnp.mean(a, axis=axis, keepdims=keepdims)
        count = a.size // max(avg.size, 1) if a.size else 0
        return (avg, jnp.broadcast_to(jnp.asarray(count, avg.dtype), avg.shape)) if returned \
            else avg
    w = jnp.asarray(weights)
    dtype = dtypes.to_inexact(jnp.result_type(a, w))
    a, w = a.astype(dtype), w.astype(dtype)
    axes = normalize_axes(axis, a.ndim)
    if w.shape != a.shape:
        _check_weights(axis, axes, w.shape, a.shape)
        w = lax.broadcast_in_dim(w, a.shape, axes)
    scale = jnp.sum(w, axis=axes, keepdims=keepdims)
    avg = jnp.sum(a * w, axis=axes, keepdims=keepdims) / scale
    return (avg, scale) if returned else avg


def _check_weights(axis, axes, w_shape, shape):
    if axis is None:
        raise ValueError("Axis must be specified when shapes of a and weights differ.")
    if len(w_shape) != 1 or len(axes) != 1:
        raise ValueError("1D weights expected when shapes of a and weights differ.")
    if w_shape[0] != shape[axes[0]]:
        raise ValueError("Length of weights not compatible with specified axis.")


def ptp(a, axis=None, out=None, keepdims=False):
    return jnp.max(a, axis=axis, keepdims=keepdims) - jnp.min(a, axis=axis, keepdims=keepdims)


def _nan_extreme(largest, a, axis, keepdims, initial, where):
    """max (``largest``) or min over the numbers; NaN where a slice has none (all NaN or
    masked out)."""
    a = jnp.asarray(a)
    if jnp.issubdtype(a.dtype, jnp.inexact):
        nan = jnp.isnan(a)
        filled = jnp.where(nan, -np.inf if largest else np.inf, a)
    else:
        nan, filled = None, a
    if largest:
        out = jnp.max(filled, axis=axis, keepdims=keepdims, initial=initial, where=where)
    else:
        out = jnp.min(filled, axis=axis, keepdims=keepdims, initial=initial, where=where)
    if nan is None or (initial is not None and not np.isnan(initial)):
        return out
    valid = _counted(nan, where)
    return jnp.where(jnp.any(valid, axis=axis, keepdims=keepdims), out, jnp.nan)


def _counted(nan, where):
    """The entries a NaN-skipping reduction counts: numbers, where ``where`` allows."""
    return ~nan if where is None else ~nan & jnp.broadcast_to(where, nan.shape)


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return _nan_extreme(True, a, axis, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return _nan_extreme(False, a, axis, keepdims, initial, where)


def _without_nan(a, fill):
    a = jnp.asarray(a)
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        return a
    return jnp.where(jnp.isnan(a), fill, a)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    return jnp.prod(_without_nan(a, 1), axis=axis, dtype=dtype, keepdims=keepdims,
                    initial=initial, where=where)


def nancumsum(a, axis=None, dtype=None, out=None):
    return jnp.cumsum(_without_nan(a, 0), axis=axis, dtype=dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    return jnp.cumprod(_without_nan(a, 1), axis=axis, dtype=dtype)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           correction=None):
    a = jnp.asarray(a)
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        return jnp.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
                       correction=correction)
    if correction is not None:
        ddof = correction
    nan = jnp.isnan(a)
    valid = _counted(nan, where)
    count = jnp.sum(valid, axis=axis, keepdims=keepdims, dtype=dtypes.default_int())
    safe = jnp.where(nan, 0, a)  # (a NaN entry's square, masked out, must not be NaN either:
    centered = safe - jnp.nanmean(a, axis=axis, keepdims=True, where=where)  # 0 * NaN slope)
    squares = jnp.real(centered * jnp.conj(centered)) if np.dtype(a.dtype).kind == "c" \
        else centered * centered
    total = jnp.sum(jnp.where(valid, squares, 0), axis=axis, keepdims=keepdims)
    divisor = count - ddof
    out = jnp.where(divisor > 0, total / jnp.where(divisor > 0, divisor, 1), jnp.nan)
    return out if dtype is None else out.astype(dtype)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           correction=None):
    return jnp.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
                           correction=correction))
