"""Order statistics (``quantile``, ``percentile``, ``median`` and their ``nan`` forms) written
over ``s2s.numpy`` as a source library: the value is one or two entries of the sorted data
mixed by weights that depend only on ``q`` and the count, so grad, jvp and vmap come from the
rules of ``sort``, ``take_along_axis`` and arithmetic (the derivative goes to the entries the
result was read from, ties resolved by the stable sort, as jax's). Values as ``jax.numpy``'s."""
import math

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s.runtime.numpy.util import normalize_axes

S2S_SOURCE_LIBRARY = True
__all__ = ["quantile", "nanquantile", "percentile", "nanpercentile", "median", "nanmedian"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
             *, interpolation=None):
    return _order_statistic("quantile", a, q, axis, interpolation or method, keepdims, False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, interpolation=None):
    return _order_statistic("nanquantile", a, q, axis, interpolation or method, keepdims, True)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, interpolation=None):
    return _order_statistic("percentile", a, q, axis, interpolation or method, keepdims, False,
                            100.0)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, interpolation=None):
    return _order_statistic("nanpercentile", a, q, axis, interpolation or method, keepdims,
                            True, 100.0)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _order_statistic("median", a, 0.5, axis, "midpoint", keepdims, False)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _order_statistic("nanmedian", a, 0.5, axis, "midpoint", keepdims, True)


def _order_statistic(name, a, q, axis, method, keepdims, ignore_nan, scale=1.0):
    """The ``q``-th quantile(s) of ``a`` over ``axis``: result shape ``q.shape + kept axes``."""
    if method not in _METHODS:
        raise ValueError(f"{name} method={method!r} is not supported; use one of 'linear', "
                         f"'lower', 'higher', 'midpoint', 'nearest'")
    x = jnp.asarray(a)
    if np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{name} does not support complex input")
    x = x.astype(dtypes.to_inexact(x.dtype))
    q = jnp.asarray(q).astype(x.dtype)
    if scale != 1.0:
        q = q / scale
    axes = normalize_axes(axis, x.ndim)
    keep_shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    rest = [i for i in range(x.ndim) if i not in axes]
    lead = tuple(x.shape[i] for i in rest)
    m = math.prod(x.shape[i] for i in axes)
    # the reduced axes last, merged into one
    x = jnp.reshape(jnp.transpose(x, rest + list(axes)), lead + (m,))
    out_shape = q.shape + lead
    if m == 0:
        res = jnp.full(out_shape, np.nan, x.dtype)
        return jnp.reshape(res, q.shape + keep_shape) if keepdims else res
    nan_found = jnp.isnan(x)
    if ignore_nan:  # NaNs sort last: the count of the others says where the data ends
        last = jnp.maximum(jnp.sum(~nan_found, axis=-1, keepdims=True) - 1, 0)
    else:
        last = m - 1
    index_shape = out_shape + (1,)
    pos = jnp.reshape(q, q.shape + (1,) * (len(lead) + 1)) * last
    lo, hi = jnp.floor(pos), jnp.ceil(pos)
    lo_i = jnp.broadcast_to(jnp.clip(lo.astype(int), 0, last), index_shape)
    hi_i = jnp.broadcast_to(jnp.clip(hi.astype(int), 0, last), index_shape)
    ordered = jnp.broadcast_to(jnp.sort(x, axis=-1), out_shape + (m,))
    v_lo = jnp.take_along_axis(ordered, lo_i, -1)
    v_hi = jnp.take_along_axis(ordered, hi_i, -1)
    if method == "linear":
        res = jnp.where(lo_i == hi_i, v_lo, v_lo + (pos - lo) * (v_hi - v_lo))
    elif method == "lower":
        res = v_lo
    elif method == "higher":
        res = v_hi
    elif method == "midpoint":
        res = (v_lo + v_hi) * 0.5
    else:  # nearest: half to even, as NumPy
        near = jnp.broadcast_to(jnp.clip(jnp.round(pos).astype(int), 0, last), index_shape)
        res = jnp.take_along_axis(ordered, near, -1)
    res = jnp.reshape(res, out_shape)
    if ignore_nan:
        undefined = jnp.sum(~nan_found, axis=-1) == 0
    else:
        undefined = jnp.any(nan_found, axis=-1)
    res = jnp.where(undefined, np.nan, res)
    if keepdims:
        return jnp.reshape(res, q.shape + keep_shape)
    return res
