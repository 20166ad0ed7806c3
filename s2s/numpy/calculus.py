"""Interpolation, differences and binning of ``jax.numpy`` (``interp gradient unwrap piecewise
digitize bincount histogram histogram_bin_edges fromfunction apply_over_axes``), written
over the rest of ``s2s.numpy`` as a source library: grad, jvp and vmap of the differentiable
ones (interp, gradient, unwrap, piecewise, weighted bincount) come from their source."""
import operator

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Tracer
from s2s.runtime.errors import abstract_value_error
from s2s.numpy.elementwise import divmod as _divmod
from s2s.rules import nondifferentiable

S2S_SOURCE_LIBRARY = True
__all__ = ["interp", "gradient", "unwrap", "piecewise", "digitize", "bincount", "histogram",
           "histogram_bin_edges", "histogram2d", "histogramdd", "fromfunction", "apply_over_axes"]


def _inexact(x):
    x = jnp.asarray(x)
    return x.astype(dtypes.to_inexact(x.dtype))


def interp(x, xp, fp, left=None, right=None, period=None):
    x, xp, fp = _inexact(x), _inexact(xp), _inexact(fp)
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError("xp and fp must be one-dimensional arrays")
    if xp.shape[0] != fp.shape[0]:
        raise ValueError("xp and fp must have the same length")
    if period is not None:
        if left is not None or right is not None:
            raise ValueError("left/right argument not supported when period argument given")
        period = jnp.abs(period)
        x = _divmod(x, period)[1]
        xp = _divmod(xp, period)[1]
        order = jnp.argsort(xp)
        xp, fp = jnp.take(xp, order), jnp.take(fp, order)
        xp = jnp.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = jnp.concatenate([fp[-1:], fp, fp[:1]])
    i = jnp.clip(jnp.searchsorted(xp, x, side="right"), 1, xp.shape[0] - 1)
    x0, x1 = jnp.take(xp, i - 1), jnp.take(xp, i)
    f0, f1 = jnp.take(fp, i - 1), jnp.take(fp, i)
    dx = x1 - x0
    same = dx == 0
    t = (x - x0) / jnp.where(same, 1.0, dx)
    y = jnp.where(same, f1, f0 + t * (f1 - f0))
    if period is None:
        if left is None:
            left = fp[0]
        if right is None:
            right = fp[-1]
        y = jnp.where(x < xp[0], left, y)
        y = jnp.where(x > xp[-1], right, y)
    return y


def _diff1(f, h, axis, edge_order):
    """Second-order central differences inside, first/second order one-sided at the edges."""
    f = jnp.moveaxis(f, axis, 0)
    n = f.shape[0]
    if n < edge_order + 1:
        raise ValueError(f"Shape of array too small to calculate a numerical gradient, at least "
                         f"{edge_order + 1} elements are required.")
    if jnp.ndim(h) == 0:
        inner = (f[2:] - f[:-2]) / (2.0 * h)
        if edge_order == 1:
            first = (f[1:2] - f[:1]) / h
            last = (f[-1:] - f[-2:-1]) / h
        else:
            first = (-1.5 * f[:1] + 2.0 * f[1:2] - 0.5 * f[2:3]) / h
            last = (0.5 * f[-3:-2] - 2.0 * f[-2:-1] + 1.5 * f[-1:]) / h
    else:
        x = jnp.asarray(h)
        d = x[1:] - x[:-1]
        shape = (-1,) + (1,) * (f.ndim - 1)
        a = jnp.reshape(d[:-1], shape)
        b = jnp.reshape(d[1:], shape)
        inner = (a * a * f[2:] - b * b * f[:-2] + (b * b - a * a) * f[1:-1]) / (a * b * (a + b))
        if edge_order == 1:
            first = (f[1:2] - f[:1]) / d[0]
            last = (f[-1:] - f[-2:-1]) / d[-1]
        else:
            d1, d2 = d[0], d[1]
            first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * f[:1] + (d1 + d2) / (d1 * d2) * f[1:2]
                     - d1 / (d2 * (d1 + d2)) * f[2:3])
            d1, d2 = d[-1], d[-2]
            last = (d1 / (d2 * (d1 + d2)) * f[-3:-2] - (d2 + d1) / (d2 * d1) * f[-2:-1]
                    + (2.0 * d1 + d2) / (d1 * (d2 + d1)) * f[-1:])
    return jnp.moveaxis(jnp.concatenate([first, inner, last]), 0, axis)


def gradient(f, *varargs, axis=None, edge_order=None):
    f = _inexact(f)
    if edge_order is not None:
        raise NotImplementedError("The 'edge_order' argument to jnp.gradient is not supported.")
    edge_order = 1
    axes = tuple(range(f.ndim)) if axis is None else \
        ((axis,) if isinstance(axis, int) else tuple(axis))
    axes = tuple(a % f.ndim for a in axes)
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and jnp.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("Invalid number of spacing arguments")
    out = [_diff1(f, h, a, edge_order) for a, h in zip(axes, spacing)]
    return out[0] if len(out) == 1 else out


def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
    p = _inexact(p)
    if p.ndim == 0:
        return p
    p = jnp.moveaxis(p, axis, -1)
    d = p[..., 1:] - p[..., :-1]
    half = period / 2.0
    discont = half if discont is None else jnp.maximum(discont, half)
    dd = _divmod(d + half, period)[1] - half
    dd = jnp.where((dd == -half) & (d > 0), half, dd)
    correction = jnp.where(jnp.abs(d) < discont, 0.0, dd - d)
    out = jnp.concatenate([p[..., :1], p[..., 1:] + jnp.cumsum(correction, axis=-1)], axis=-1)
    return jnp.moveaxis(out, -1, axis)


def _conditions(condlist, ndim):
    """``piecewise``'s conditions as a list (one array of ``x``'s rank is one condition)."""
    if isinstance(condlist, (list, tuple)):
        return list(condlist)
    if jnp.ndim(condlist) == ndim:
        return [condlist]
    return [condlist[k] for k in range(jnp.shape(condlist)[0])]


def piecewise(x, condlist, funclist, *args, **kw):
    x = jnp.asarray(x)
    conds = _conditions(condlist, x.ndim)
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected; "
                         f"got {len(funclist)}")
    out = jnp.zeros_like(x)
    if len(funclist) == n + 1:
        other = funclist[n]
        if callable(other):
            out = other(x, *args, **kw) + out
        else:
            out = other + out
    for k in range(n):
        f = funclist[k]
        if callable(f):
            value = f(x, *args, **kw)
        else:
            value = f
        out = jnp.where(conds[k], jnp.asarray(value, x.dtype), out)
    return out


@nondifferentiable
def digitize(x, bins, right=False, *, method=None):
    bins = jnp.asarray(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins}")
    if bins.shape[0] == 0:
        return jnp.zeros(jnp.shape(x), dtypes.default_int())
    side = "left" if right else "right"
    up = jnp.searchsorted(bins, x, side=side)
    down = bins.shape[0] - jnp.searchsorted(bins[::-1], x, side=side)
    return jnp.where(bins[-1] >= bins[0], up, down).astype(dtypes.default_int())


def bincount(x, weights=None, minlength=0, *, length=None):
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.integer):
        raise TypeError(f"x argument to bincount must have an integer type; got {x.dtype}")
    if x.ndim != 1:
        raise ValueError("only 1-dimensional input supported for bincount.")
    minlength = operator.index(minlength)
    if length is None:
        if isinstance(x, Tracer):
            raise abstract_value_error(
                x.dtype, x.shape, "The error occurred because of argument 'x' of jnp.bincount. "
                "To avoid this error, pass a static `length` argument.")
        length = max(minlength, int(np.max(np.asarray(x), initial=-1)) + 1)
    w = jnp.ones(x.shape, dtypes.default_int()) if weights is None else jnp.asarray(weights)
    hit = x[:, None] == jnp.arange(length)
    return jnp.sum(jnp.where(hit, w[:, None], jnp.zeros((), w.dtype)), axis=0)


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    if jnp.ndim(bins) == 1:
        return _inexact(bins)
    a = _inexact(jnp.ravel(jnp.asarray(a)))
    if range is None:
        lo, hi = jnp.min(a), jnp.max(a)
    else:
        lo, hi = jnp.asarray(range[0], a.dtype), jnp.asarray(range[1], a.dtype)
    same = lo == hi
    lo, hi = jnp.where(same, lo - 0.5, lo), jnp.where(same, hi + 0.5, hi)
    return jnp.linspace(lo, hi, operator.index(bins) + 1, dtype=a.dtype)


def histogram(a, bins=10, range=None, weights=None, density=None):
    a = jnp.ravel(jnp.asarray(a))
    edges = histogram_bin_edges(a, bins, range, weights)
    i = jnp.searchsorted(edges, a, side="right")
    i = jnp.where(a == edges[-1], edges.shape[0] - 1, i)
    w = jnp.ones(a.shape, edges.dtype) if weights is None else jnp.ravel(jnp.asarray(weights))
    hit = i[:, None] == jnp.arange(1, edges.shape[0])
    counts = jnp.sum(jnp.where(hit, w[:, None], jnp.zeros((), w.dtype)), axis=0)
    if density:
        counts = counts / (edges[1:] - edges[:-1]) / jnp.sum(counts)
    return counts, edges


def histogramdd(sample, bins=10, range=None, weights=None, density=None):
    sample = jnp.asarray(sample)
    if sample.ndim != 2:
        raise ValueError(f"histogramdd: sample must be a 2-D array; got shape {sample.shape}")
    n, d = sample.shape
    if isinstance(bins, int):
        bins = [bins] * d
    if len(bins) != d:
        raise ValueError("should be a bin for each dimension.")
    ranges = [None] * d if range is None else list(range)
    edges, index = [], jnp.zeros((n,), dtypes.default_int())
    for k in builtins_range(d):
        e = histogram_bin_edges(sample[:, k], bins[k], ranges[k])
        i = jnp.searchsorted(e, sample[:, k], side="right")
        i = jnp.where(sample[:, k] == e[-1], e.shape[0] - 1, i)
        # 0 and len(e) are outside; kept apart by one extra slot at each end
        index = index * (e.shape[0] + 1) + i
        edges.append(e)
    w = jnp.ones((n,), dtypes.default_int()) if weights is None else jnp.asarray(weights)
    shape = tuple(e.shape[0] + 1 for e in edges)
    total = int(np.prod(shape))
    hit = index[:, None] == jnp.arange(total)
    counts = jnp.sum(jnp.where(hit, w[:, None], jnp.zeros((), w.dtype)), axis=0)
    counts = jnp.reshape(counts, shape)[tuple(slice(1, -1) for _ in edges)]
    if density:
        counts = counts / jnp.sum(counts)
        for k in builtins_range(d):
            widths = edges[k][1:] - edges[k][:-1]
            counts = counts / jnp.reshape(widths, tuple(-1 if j == k else 1
                                                        for j in builtins_range(d)))
    return counts, edges


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):
    sample = jnp.stack([jnp.asarray(x), jnp.asarray(y)], axis=1)
    if not isinstance(bins, int) and jnp.ndim(bins) == 1 and len(bins) != 2:
        bins = [bins, bins]
    counts, edges = histogramdd(sample, bins, range, weights, density)
    return counts, edges[0], edges[1]


builtins_range = range


def fromfunction(function, shape, *, dtype=float, **kwargs):
    shape = tuple(operator.index(s) for s in shape)
    grids = []
    for j, n in enumerate(shape):
        axes = (1,) * j + (n,) + (1,) * (len(shape) - j - 1)
        grids.append(jnp.broadcast_to(jnp.reshape(jnp.arange(n, dtype=dtype), axes), shape))
    return function(*grids, **kwargs)


def apply_over_axes(func, a, axes):
    a = jnp.asarray(a)
    for axis in axes:
        b = func(a, axis)
        a = b if b.ndim == a.ndim else jnp.expand_dims(b, axis)
    return a
