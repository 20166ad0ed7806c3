"""``jax.numpy.linalg`` functions written over the decompositions, as a source library: s2s
reads their source like user code, so grad, jvp and vmap of each come from the functions they
call (svd, solve, inv, matmul ... have rules). Names, arguments, defaults and errors as
``jax.numpy.linalg``'s."""
import operator

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s import linalg_checks as checks
from s2s.rules.linalg_library import _H, _mT  # noqa: F401
from s2s.rules.helpers import einsum_items
from s2s.numpy.composite import cross as _cross

S2S_SOURCE_LIBRARY = True
__all__ = ["cross", "pinv", "matrix_power", "lstsq", "matrix_rank", "cond", "multi_dot", "tensorsolve",
           "tensorinv", "svdvals", "matrix_norm", "vector_norm"]


def _inexact(a):
    a = jnp.asarray(a)
    return a.astype(dtypes.to_inexact(a.dtype))


def cross(x1, x2, /, *, axis=-1):
    """The Array API's cross product: only of 3-vectors, along ``axis`` of both."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they have x1.shape[axis]={x1.shape[axis]} and "
                         f"x2.shape[axis]={x2.shape[axis]}")
    return _cross(x1, x2, axis=axis)


def pinv(a, rtol=None, hermitian=False, *, rcond=None):
    """Moore-Penrose pseudo-inverse from the SVD, singular values at most
    ``rtol * max(s)`` (default ``rtol``: ``10 * max(m, n) * eps``) counted as zero."""
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: only one of rtol and rcond may be specified.")
        rtol = rcond
    a = _inexact(a)
    m, n = a.shape[-2], a.shape[-1]
    if m == 0 or n == 0:
        return jnp.empty(a.shape[:-2] + (n, m), a.dtype)
    if rtol is None:
        rtol = 10.0 * max(m, n) * float(np.finfo(a.dtype).eps)
    u, s, vh = jnp.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    cutoff = jnp.expand_dims(jnp.asarray(rtol, dtype=s.dtype), -1) * jnp.max(
        s, axis=-1, keepdims=True)
    s = jnp.where(s > cutoff, s, jnp.inf).astype(u.dtype)
    return jnp.matmul(_H(vh), _H(u) / jnp.expand_dims(s, -1)).astype(a.dtype)


def matrix_power(a, n):
    """``a`` to the integer power ``n`` by repeated squaring (``inv(a)`` for ``n < 0``)."""
    a = jnp.asarray(a)
    if a.ndim < 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be at least "
                        f"two-dimensional")
    if a.shape[-2] != a.shape[-1]:
        raise TypeError("Last 2 dimensions of the array must be square")
    if not hasattr(n, "__index__"):
        raise TypeError(f"exponent must be an integer, got {n}")
    n = operator.index(n)
    if n == 0:
        return jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a = jnp.linalg.inv(a)
        n = -n
    bits = bin(n)[:1:-1]
    result = None
    z = a
    for i in range(len(bits)):
        if i > 0:
            z = jnp.matmul(z, z)
        if bits[i] == "1":
            if result is None:
                result = z
            else:
                result = jnp.matmul(result, z)
    return result


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """Least-squares solution of ``a @ x = b`` for a 2-D ``a`` from its SVD; returns
    ``(x, residuals, rank, s)``. Singular values below ``rcond * s[0]`` (default
    ``eps * max(m, n)``) are dropped."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    dtype = jnp.promote_types(a.dtype, b.dtype)
    dtype = dtypes.to_inexact(dtype)
    a, b = a.astype(dtype), b.astype(dtype)
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    vector = b.ndim == 1
    if vector:
        b = jnp.expand_dims(b, 1)
    if a.ndim != 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if b.ndim != 2:
        raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or "
                        f"two-dimensional")
    m, n = a.shape
    if a.size == 0:
        s = jnp.empty((0,), dtype)
        rank = jnp.asarray(0, dtype=int)
        x = jnp.zeros((n,) + b.shape[1:], dtype)
    else:
        eps = float(np.finfo(dtype).eps)
        if rcond is None:
            rcond = eps * max(n, m)
        else:
            rcond = jnp.where(jnp.asarray(rcond) < 0, eps, rcond)
        u, s, vh = jnp.linalg.svd(a, full_matrices=False)
        mask = (s > 0) & (s >= jnp.asarray(rcond, dtype=s.dtype) * s[0])
        rank = jnp.sum(mask)
        safe = jnp.where(mask, s, 1).astype(dtype)
        s_inv = jnp.expand_dims(jnp.where(mask, 1 / safe, 0), 1)
        x = jnp.matmul(_H(vh), s_inv * jnp.matmul(_H(u), b))
    empty_resid = False
    if numpy_resid:  # (a value-dependent shape: not under jit or vmap, as in JAX)
        if m <= n:
            empty_resid = True
        elif rank < n:
            empty_resid = True
    if empty_resid:
        resid = jnp.asarray([])
    else:
        resid = jnp.linalg.norm(b - jnp.matmul(a, x), axis=0) ** 2
    if vector:
        x = jnp.ravel(x)
    return x, resid, rank, s


def matrix_rank(M, rtol=None, *, hermitian=False, tol=None):
    """The number of singular values above ``rtol * max(s)`` (default ``rtol``:
    ``max(m, n) * eps``)."""
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
        rtol = tol
    M = _inexact(M)
    if M.ndim < 2:
        return jnp.any(M != 0).astype(np.int32)
    s = jnp.linalg.svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
    if rtol is None:
        rtol = jnp.max(s, axis=-1) * (float(max(M.shape[-2:])) * float(np.finfo(s.dtype).eps))
    rtol = jnp.asarray(rtol)
    return jnp.sum(s > jnp.expand_dims(rtol, rtol.ndim), axis=-1)


def cond(x, p=None):
    """Condition number: the ratio of the extreme singular values for ``p`` in (None, 2, -2),
    else ``norm(x, p) * norm(inv(x), p)``."""
    x = jnp.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got "
                         f"arr.shape={x.shape}")
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ValueError(f"jnp.linalg.cond: input array must not be empty; got "
                         f"arr.shape={x.shape}")
    if p is None or p == 2:
        s = svdvals(x)
        return s[..., 0] / s[..., -1]
    if p == -2:
        s = svdvals(x)
        r = s[..., -1] / s[..., 0]
    else:
        if x.shape[-2] != x.shape[-1]:
            raise ValueError(f"jnp.linalg.cond: for p={p!r}, array must be square; got "
                             f"arr.shape={x.shape}")
        r = jnp.linalg.norm(x, ord=p, axis=(-2, -1)) * jnp.linalg.norm(
            jnp.linalg.inv(x), ord=p, axis=(-2, -1))
    return jnp.where(jnp.isnan(r) & ~jnp.any(jnp.isnan(x), axis=(-2, -1)), np.inf, r)


def multi_dot(arrays, *, precision=None):
    """The product of a chain of matrices (the first may be a row vector, the last a column
    vector), as one einsum."""
    arrs = [jnp.asarray(a) for a in arrays]
    if len(arrs) < 2:
        raise ValueError(f"multi_dot requires at least two arrays; got "
                         f"len(arrays)={len(arrs)}")
    shapes = [a.shape for a in arrs]
    if not (arrs[0].ndim in (1, 2) and arrs[-1].ndim in (1, 2)
            and all(a.ndim == 2 for a in arrs[1:-1])):
        raise ValueError(f"multi_dot: input arrays must all be two-dimensional, except for "
                         f"the first and last array which may be 1 or 2 dimensional. Got "
                         f"array shapes {shapes}")
    if any(shapes[i][-1] != shapes[i + 1][0] for i in range(len(arrs) - 1)):
        raise ValueError(f"multi_dot: last dimension of each array must match first dimension "
                         f"of following array. Got array shapes {shapes}")
    spec = checks.multi_dot_spec([a.ndim for a in arrs])
    if spec is None:  # (more matrices than letters)
        return _chain(arrs)
    return einsum_items(spec, arrs)


def _chain(arrs):
    out = arrs[0]
    for a in arrs[1:]:
        out = jnp.matmul(out, a)
    return out


def tensorsolve(a, b, axes=None):
    """``x`` with ``tensordot(a, x, x.ndim) == b``."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    if axes is not None:
        a = jnp.moveaxis(a, axes, len(axes) * (a.ndim - 1,))
    out_shape = checks.tensorsolve(a.shape, b.shape)
    a = jnp.reshape(a, (int(np.prod(out_shape)), int(np.prod(out_shape))))
    return jnp.reshape(jnp.linalg.solve(a, jnp.ravel(b)), out_shape)


def tensorinv(a, ind=2):
    """The inverse of ``a`` under ``tensordot(., ., ind)``."""
    a = jnp.asarray(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"ind must be a positive integer; got ind={ind!r}")
    head, tail = a.shape[:ind], a.shape[ind:]
    rows, cols = int(np.prod(head)), int(np.prod(tail))
    if rows != cols:
        raise ValueError(f"tensorinv is only possible when the product of the first `ind` "
                         f"dimensions equals that of the remaining dimensions. got "
                         f"arr.shape={a.shape} with ind={ind!r}.")
    return jnp.reshape(jnp.linalg.inv(jnp.reshape(a, (rows, cols))), tail + head)


def svdvals(x, /):
    """The singular values of ``x``, descending."""
    return jnp.linalg.svd(x, compute_uv=False, hermitian=False)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """``norm(x, ord)`` of the matrices in the last two axes."""
    return jnp.linalg.norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The vector norm of ``x`` along ``axis`` (all of ``x`` when None, whatever its rank)."""
    x = jnp.asarray(x)
    checks.vector_order(ord)
    if ord is None or ord == 2:
        return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return jnp.sum(x != 0, dtype=jnp.finfo(x.dtype).dtype, axis=axis, keepdims=keepdims)
    if ord == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    ax = jnp.abs(x)
    p = float(ord)
    return jnp.power(jnp.sum(ax ** p, axis=axis, keepdims=keepdims), 1.0 / p)
