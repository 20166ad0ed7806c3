"""``s2s.scipy.linalg`` (as ``jax.scipy.linalg``), written as a source library over
``s2s.numpy.linalg`` and the triangular-solve and LU helpers (which have rules): s2s reads
these functions like user code, so their grad, jvp and vmap come from what they call."""
import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s import linalg_checks as checks
from s2s.custom import stop_gradient
from s2s.rules.linalg_library import _H, _mT  # noqa: F401
from s2s.rules.helpers import lu_matrix, lu_pivots, lu_pivots_to_permutation, triangular_solve

S2S_SOURCE_LIBRARY = True
__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv",
           "lu", "lu_factor", "lu_solve", "qr", "solve", "solve_triangular", "svd"]


def _inexact(a):
    a = jnp.asarray(a)
    return a.astype(dtypes.to_inexact(a.dtype))


def _inexact2(a, b):
    a, b = jnp.asarray(a), jnp.asarray(b)
    dtype = jnp.promote_types(a.dtype, b.dtype)
    dtype = dtypes.to_inexact(dtype)
    return a.astype(dtype), b.astype(dtype)


def _solve_tri(a, b, lower, transpose_a, conjugate_a, unit_diagonal, vector):
    if vector:
        x = triangular_solve(a, jnp.expand_dims(b, -1), left_side=True, lower=lower,
                             transpose_a=transpose_a, conjugate_a=conjugate_a,
                             unit_diagonal=unit_diagonal)
        return jnp.squeeze(x, -1)
    return triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose_a,
                            conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     debug=None, check_finite=True):
    """``x`` with ``op(a) x = b`` for triangular ``a`` (``trans``: 0/'N', 1/'T', 2/'C')."""
    if trans == 0 or trans == "N":
        transpose_a, conjugate_a = False, False
    elif trans == 1 or trans == "T":
        transpose_a, conjugate_a = True, False
    elif trans == 2 or trans == "C":
        transpose_a, conjugate_a = True, True
    else:
        raise ValueError(f"Invalid 'trans' value {trans}")
    a, b = _inexact2(a, b)
    vector = b.ndim == 1 or (a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1])
    checks.square_rhs("solve_triangular", a.shape, b.shape, vector)
    return _solve_tri(a, b, lower, transpose_a, conjugate_a, unit_diagonal, vector)


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of ``a``: upper (``a = U^H U``) unless ``lower``."""
    a = _inexact(a)
    if lower:  # (one triangle read, as LAPACK does)
        return jnp.linalg.cholesky(a, symmetrize_input=False)
    return _H(jnp.linalg.cholesky(_H(a), symmetrize_input=False))


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)``: the Cholesky factor for ``cho_solve``."""
    return (cholesky(a, lower=lower), lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """``x`` with ``a x = b`` from ``cho_factor(a)``: two triangular solves."""
    c = c_and_lower[0]
    # (an identity test: vmap knows it is no mapped value, though the pair it came in is)
    lower = c_and_lower[1] is True or c_and_lower[1] is np.True_
    c, b = _inexact2(c, b)
    vector = b.ndim == 1 or (c.ndim == b.ndim + 1 and c.shape[-1] == b.shape[-1])
    checks.square_rhs("cho_solve", c.shape, b.shape, vector)
    if lower:  # L L^H x = b
        b = _solve_tri(c, b, True, False, False, False, vector)
        return _solve_tri(c, b, True, True, True, False, vector)
    b = _solve_tri(c, b, False, True, True, False, vector)  # U^H U x = b
    return _solve_tri(c, b, False, False, False, False, vector)


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)``: the packed factors of ``a[perm] = L U`` and LAPACK's row swaps."""
    a = _inexact(a)
    return lu_matrix(a), lu_pivots(a)[0]


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """``x`` with ``op(a) x = b`` from ``lu_factor(a)`` (``trans``: 0, 1 (transpose) or 2
    (conjugate transpose))."""
    lu_, piv = lu_and_piv
    lu_, b = _inexact2(lu_, b)
    if lu_.ndim < 2 or lu_.shape[-1] != lu_.shape[-2]:
        raise ValueError(f"last two dimensions of LU decomposition must be equal, got shape "
                         f"{lu_.shape}")
    if trans not in (0, 1, 2):
        raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
    n = lu_.shape[-1]
    perm = lu_pivots_to_permutation(piv, n)
    vector = b.ndim == 1 or (lu_.ndim == b.ndim + 1 and lu_.shape[-1] == b.shape[-1])
    checks.square_rhs("lu_solve", lu_.shape, b.shape, vector)
    if vector:
        b = jnp.expand_dims(b, -1)
    batch = tuple(np.broadcast_shapes(lu_.shape[:-2], b.shape[:-2], perm.shape[:-1]))
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    perm = jnp.broadcast_to(perm, batch + perm.shape[-1:])
    if trans == 0:
        x = jnp.take_along_axis(b, jnp.broadcast_to(jnp.expand_dims(perm, -1), b.shape),
                                axis=-2)
        x = triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
        x = triangular_solve(lu_, x, left_side=True, lower=False)
    else:
        conj = trans == 2
        x = triangular_solve(lu_, b, left_side=True, lower=False, transpose_a=True,
                             conjugate_a=conj)
        x = triangular_solve(lu_, x, left_side=True, lower=True, transpose_a=True,
                             conjugate_a=conj, unit_diagonal=True)
        inverse = jnp.expand_dims(jnp.argsort(perm, axis=-1), -1)
        x = jnp.take_along_axis(x, jnp.broadcast_to(inverse, x.shape), axis=-2)
    if vector:
        return jnp.squeeze(x, -1)
    return x


def lu(a, permute_l=False, overwrite_a=False, check_finite=True):
    """``(p, l, u)`` with ``a = p @ l @ u`` (or ``(p @ l, u)`` with ``permute_l``)."""
    a = _inexact(a)
    packed = lu_matrix(a)
    perm = lu_pivots(a)[1]
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    p = (jnp.expand_dims(perm, -2) == jnp.expand_dims(jnp.arange(m, dtype=perm.dtype),
                                                      -1)).astype(a.dtype)
    l_ = jnp.tril(packed, -1)[..., :, :k] + jnp.eye(m, k, dtype=a.dtype)
    u = jnp.triu(packed)[..., :k, :]
    if permute_l:
        return jnp.matmul(p, l_), u
    return p, l_, u


def block_diag(*arrs):
    """The arrays (at most 2-D each) along the diagonal of a zero matrix."""
    if len(arrs) == 0:
        arrs = (jnp.zeros((1, 0)),)
    arrs = [jnp.asarray(a) for a in arrs]
    dtype = arrs[0].dtype
    for a in arrs[1:]:
        dtype = jnp.promote_types(dtype, a.dtype)
    for i in range(len(arrs)):
        if arrs[i].ndim > 2:
            raise ValueError(f"Arguments to jax.scipy.linalg.block_diag must have at most 2 "
                             f"dimensions, got {arrs[i]} at argument {i}.")
    blocks = [jnp.atleast_2d(a).astype(dtype) for a in arrs]
    total = sum([b.shape[1] for b in blocks])
    rows = []
    start = 0
    for b in blocks:
        cols = b.shape[1]
        rows.append(jnp.pad(b, ((0, 0), (start, total - cols - start))))
        start = start + cols
    return jnp.concatenate(rows, axis=0)


def eigh(a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         turbo=True, eigvals=None, type=1, check_finite=True):  # noqa: A002
    """``(w, v)`` (or ``w`` with ``eigvals_only``) of a Hermitian ``a``."""
    if b is not None:
        raise NotImplementedError("Only the b=None case of eigh is implemented")
    if type != 1:
        raise NotImplementedError("Only the type=1 case of eigh is implemented.")
    if eigvals is not None:
        raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
    a = _inexact(a)
    uplo = "L"
    if not lower:
        uplo = "U"
    w, v = jnp.linalg.eigh(a, UPLO=uplo)
    if eigvals_only:
        return w
    return w, v


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """``(u, s, vh)`` (or ``s``) as ``jnp.linalg.svd``, as a plain tuple."""
    a = _inexact(a)
    if compute_uv:
        u, s, vh = jnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=True)
        return u, s, vh
    return jnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=False)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """``(q, r)`` for ``mode`` "full" or "economic", ``(r,)`` for "r"."""
    if mode in ("full", "r"):
        np_mode = "complete"
    elif mode == "economic":
        np_mode = "reduced"
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    if pivoting:
        raise NotImplementedError("s2s: qr(pivoting=True) is not implemented")
    a = _inexact(a)
    q, r = jnp.linalg.qr(a, mode=np_mode)
    if mode == "r":
        return (r,)
    return q, r


def inv(a, overwrite_a=False, check_finite=True):
    return jnp.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    return jnp.linalg.det(a)


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, debug=False,
          check_finite=True, assume_a="gen"):
    """``x`` with ``a x = b``; ``assume_a="pos"`` solves with the Cholesky factor of ``a``
    (read from the triangle ``lower`` names), the others with LU."""
    valid = ["gen", "sym", "her", "pos"]
    if assume_a not in valid:
        raise ValueError(f"Expected assume_a to be one of {valid}; got {assume_a!r}")
    if assume_a != "pos":
        return jnp.linalg.solve(a, b)
    a, b = _inexact2(a, b)
    vector = b.ndim == 1 or (a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1])
    checks.square_rhs("solve", a.shape, b.shape, vector)
    # the value from the Cholesky factor of the triangle ``lower`` names; the derivative as
    # JAX's (a linear solve with all of ``a``): one refinement step x0 - a^-1 (a x0 - b), whose
    # value is x0 (up to rounding) and whose derivative is a^-1 (db - da x)
    c = cholesky(stop_gradient(a), lower=lower)
    x0 = stop_gradient(cho_solve((c, lower), b))
    if vector:
        residual = jnp.squeeze(jnp.matmul(a, jnp.expand_dims(x0, -1)), -1) - b
    else:
        residual = jnp.matmul(a, x0) - b
    return x0 - cho_solve((stop_gradient(c), lower), residual)


# ---- expm: Pade approximation with scaling and squaring (Higham 2005) ------------------------

def _pade_coefficients(m):
    """``b_j`` of the [m/m] Pade approximant of ``exp``: ``(2m-j)! m! / ((2m)! j! (m-j)!)``,
    scaled so that ``b_m = 1``."""
    from math import factorial
    raw = [factorial(2 * m - j) * factorial(m) / (factorial(2 * m) * factorial(j) *
                                                  factorial(m - j)) for j in range(m + 1)]
    return [r / raw[m] for r in raw]


# the largest 1-norms for which each degree is accurate to single / double precision
_THETA32 = {3: 4.258730016922831e-01, 5: 1.880152677804762, 7: 3.925724783138660}
_THETA64 = {3: 1.495585217958292e-02, 5: 2.539398330063230e-01, 7: 9.504178996162932e-01,
            9: 2.097847961257068, 13: 5.371920351148152}


def _pade(a, m, eye):
    """``(U, V)``: the odd and even parts of the degree-``m`` numerator at ``a``
    (``p = V + U``, ``q = V - U``)."""
    b = _pade_coefficients(m)
    a2 = jnp.matmul(a, a)
    if m == 13:
        a4 = jnp.matmul(a2, a2)
        a6 = jnp.matmul(a4, a2)
        u = jnp.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
        u = jnp.matmul(a, u + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = jnp.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
        v = v + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
        return u, v
    powers = [eye, a2]
    for _ in range(2, m // 2 + 1):
        powers.append(jnp.matmul(powers[-1], a2))
    odd = b[1] * eye
    even = b[0] * eye
    for i in range(1, m // 2 + 1):
        odd = odd + b[2 * i + 1] * powers[i]
        even = even + b[2 * i] * powers[i]
    return jnp.matmul(a, odd), even


def expm(A, *, upper_triangular=False, max_squarings=16):
    """The matrix exponential: ``A`` scaled by ``2^-s`` until its 1-norm is small, the Pade
    approximant of the degree that norm allows, then squared ``s`` times (NaN when ``s``
    would exceed ``max_squarings``). Differentiable: the degree and ``s`` are chosen on
    ``stop_gradient`` values and selected with ``where``."""
    A = _inexact(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"Expected A to be a (batched) square matrix, got A.shape={A.shape}.")
    if np.dtype(A.dtype) in (np.dtype(np.float64), np.dtype(np.complex128)):
        thetas = _THETA64
    elif np.dtype(A.dtype) in (np.dtype(np.float32), np.dtype(np.complex64)):
        thetas = _THETA32
    else:
        raise TypeError(f"A.dtype={A.dtype} is not supported.")
    degrees = sorted(thetas)
    norm1 = stop_gradient(jnp.max(jnp.sum(jnp.abs(A), axis=-2), axis=-1))
    top = thetas[degrees[-1]]
    squarings = jnp.maximum(0, jnp.floor(jnp.log2(norm1 / top)))
    scale = jnp.expand_dims(jnp.expand_dims(2.0 ** squarings, -1), -1).astype(A.dtype)
    scaled = A / scale
    eye = jnp.eye(A.shape[-1], dtype=A.dtype)
    result = None
    for i in range(len(degrees)):
        u, v = _pade(scaled, degrees[i], eye)
        if upper_triangular:
            r = solve_triangular(v - u, u + v)
        else:
            r = jnp.linalg.solve(v - u, u + v)
        if result is None:
            result = r
        else:
            lower_bound = thetas[degrees[i - 1]]
            pick = jnp.expand_dims(jnp.expand_dims(norm1 >= lower_bound, -1), -1)
            result = jnp.where(pick, r, result)
    for i in range(max_squarings):
        more = jnp.expand_dims(jnp.expand_dims(squarings > i, -1), -1)
        result = jnp.where(more, jnp.matmul(result, result), result)
    too_many = jnp.expand_dims(jnp.expand_dims(squarings > max_squarings, -1), -1)
    return jnp.where(too_many, jnp.nan, result)
