"""Polynomial functions of ``jax.numpy`` (coefficients highest power first), written over the
rest of ``s2s.numpy`` as a source library: grad, jvp and vmap come from their source."""
import operator

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp

S2S_SOURCE_LIBRARY = True
__all__ = ["poly", "polyadd", "polysub", "polymul", "polydiv", "polyder", "polyint", "polyfit"]


def _as_1d(p, name):
    p = jnp.asarray(p)
    if p.ndim != 1:
        raise ValueError(f"jnp.{name} requires 1-D inputs, got shape {p.shape}")
    return p


def _pad_front(a, n):
    return jnp.concatenate([jnp.zeros((n - a.shape[0],), a.dtype), a]) if a.shape[0] < n else a


def polyadd(a1, a2):
    a, b = _as_1d(a1, "polyadd"), _as_1d(a2, "polyadd")
    n = max(a.shape[0], b.shape[0])
    return _pad_front(a, n) + _pad_front(b, n)


def polysub(a1, a2):
    a, b = _as_1d(a1, "polysub"), _as_1d(a2, "polysub")
    n = max(a.shape[0], b.shape[0])
    return _pad_front(a, n) - _pad_front(b, n)


def _float(p):
    return p.astype(dtypes.to_inexact(p.dtype))


def polymul(a1, a2, *, trim_leading_zeros=False):
    a, b = _float(_as_1d(a1, "polymul")), _float(_as_1d(a2, "polymul"))
    dtype = jnp.promote_types(a.dtype, b.dtype)
    if a.shape[0] == 0 or b.shape[0] == 0:
        return jnp.zeros((1,), dtype)
    n = a.shape[0] + b.shape[0] - 1
    out = jnp.zeros((n,), dtype)
    for k in range(a.shape[0]):
        out = out + jnp.concatenate([jnp.zeros((k,), out.dtype), a[k] * b,
                                     jnp.zeros((n - k - b.shape[0],), out.dtype)])
    return out


def polydiv(u, v, *, trim_leading_zeros=False):
    u, v = _float(_as_1d(u, "polydiv")), _float(_as_1d(v, "polydiv"))
    m = u.shape[0] - 1
    n = v.shape[0] - 1
    scale = 1.0 / v[0]
    q = []
    r = u
    for k in range(max(m - n + 1, 0)):
        d = scale * r[k]
        q.append(d)
        r = r - jnp.concatenate([jnp.zeros((k,), r.dtype), d * v,
                                 jnp.zeros((m - n - k,), r.dtype)])
    if m - n + 1 > 0:
        return jnp.stack(q), r
    return jnp.zeros((1,), u.dtype), r


def polyder(p, m=1):
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive")
    p = _float(_as_1d(p, "polyder"))
    for _ in range(m):
        n = p.shape[0] - 1
        p = p[:-1] * jnp.arange(n, 0, -1, dtype=p.dtype)
    return p


def polyint(p, m=1, k=None):
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    p = _float(_as_1d(p, "polyint"))
    if k is None:
        ks = jnp.zeros((m,), p.dtype)
    else:
        ks = jnp.broadcast_to(jnp.asarray(k, p.dtype), (m,))
    for j in range(m):
        n = p.shape[0]
        p = jnp.concatenate([p / jnp.arange(n, 0, -1, dtype=p.dtype), ks[j:j + 1]])
    return p


def poly(seq_of_zeros):
    z = jnp.asarray(seq_of_zeros)
    if z.ndim != 1:
        raise NotImplementedError("jnp.poly of a matrix needs its eigenvalues (jnp.linalg.eig), "
                                  "which s2s does not have")
    z = _float(z)
    out = jnp.ones((1,), z.dtype)
    for k in range(z.shape[0]):
        out = jnp.concatenate([out, jnp.zeros((1,), z.dtype)]) - \
            jnp.concatenate([jnp.zeros((1,), z.dtype), out * z[k]])
    return out


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least squares through the normal equations of the column-scaled Vandermonde matrix."""
    deg = operator.index(deg)
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if full or cov:
        raise NotImplementedError("polyfit(..., full=True / cov=True) is not supported")
    x, y = _float(jnp.asarray(x)), _float(jnp.asarray(y))
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.shape[0] == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    lhs = x[:, None] ** jnp.arange(deg, -1, -1, dtype=x.dtype)
    rhs = y
    if w is not None:
        w = jnp.asarray(w)
        lhs = lhs * w[:, None]
        rhs = rhs * (w if y.ndim == 1 else w[:, None])
    scale = jnp.sqrt(jnp.sum(lhs * lhs, axis=0))
    scale = jnp.where(scale == 0, 1.0, scale)
    a = lhs / scale
    gram = a.T @ a
    c = jnp.linalg.solve(gram, a.T @ rhs)
    for _ in range(2):  # iterative refinement: the normal equations square the conditioning
        c = c + jnp.linalg.solve(gram, a.T @ (rhs - a @ c))
    return c / scale if y.ndim == 1 else c / scale[:, None]
