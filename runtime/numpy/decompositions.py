"""``s2s.numpy.linalg`` decompositions and solvers on LAPACK: cholesky, qr, eigh, eigvalsh, eig,
eigvals, svd, solve, inv, det, slogdet.

Each function does JAX 0.10's pre- and post-processing around the same primitives, operation for
operation (symmetrising ``(x + x^H) / 2``, the triangular masks, QR's padding and slicing, the
hermitian SVD's sort, LU's permutation and two triangular solves, the 2x2 / 3x3 determinant
formulas), so results are bit-identical with ``jax.numpy.linalg`` on CPU. Leading dimensions are
batch dimensions throughout (the LAPACK kernels loop over them).

JAX jit-compiles each of these functions, and XLA's fused code can round differently from
op-by-op execution (a fused ``sum(log(abs(d)))`` for one), so called eagerly each runs as one
program (``runtime.tracing.compiled``); arguments are checked before that, with JAX's errors.
"""
from typing import NamedTuple

import numpy as np

from s2s.runtime import lax
from s2s.runtime.core import Array, bind
from s2s.runtime.numpy.util import broadcast_shapes, broadcast_to, promote_inexact, to_array


class EighResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class EigResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    Q: Array
    R: Array


class SVDResult(NamedTuple):
    U: Array
    S: Array
    Vh: Array


class SlogdetResult(NamedTuple):
    sign: Array
    logabsdet: Array


def compiled(fun):
    """``runtime.tracing.compiled(fun)``, resolved on first call (``runtime.tracing`` imports
    this package while it loads)."""
    import functools
    impl = []

    @functools.wraps(fun)
    def run(*args, **static):
        if not impl:
            from s2s.runtime.tracing import compiled as _compiled
            impl.append(_compiled(fun))
        return impl[0](*args, **static)
    return run


# ---- helpers (JAX's lax.linalg ``_T``, ``_H``, ``symmetrize``, ``_tril``, ``_triu``) -----------

def _inexact(a):
    return promote_inexact(to_array(a))[0]


def _is_complex(x):
    return np.dtype(x.dtype).kind == "c"


def _mT(x):
    perm = list(range(x.ndim))
    perm[-2:] = perm[-1], perm[-2]
    return lax.transpose(x, perm)


def _H(x):
    t = _mT(x)
    return lax.conj(t) if _is_complex(t) else t


def _zeros(shape, dtype):
    return lax.broadcast_in_dim(lax.convert_element_type(0, dtype), tuple(shape), ())


def _symmetrize(x):
    """``(x + x^H) / 2``; the two must have the same shape (JAX's error otherwise)."""
    h = _H(x)
    if h.shape != x.shape:
        raise TypeError(f"add got incompatible shapes for broadcasting: {x.shape}, {h.shape}.")
    s = lax.add(x, h)
    return lax.div(s, lax.convert_element_type(2, s.dtype))


def _tri_mask(n, m, k):
    """``lax._tri``: ``row + k >= col`` over an (n, m) grid."""
    rows = lax.broadcasted_iota(np.int32, (n, m), 0)
    cols = lax.broadcasted_iota(np.int32, (n, m), 1)
    return lax.ge(lax.add(rows, lax.convert_element_type(k, np.int32)), cols)


def _tril(x, k=0):
    mask = lax.broadcast(_tri_mask(x.shape[-2], x.shape[-1], k), x.shape[:-2])
    return lax.select(mask, x, _zeros(x.shape, x.dtype))


def _triu(x, k=0):
    mask = lax.broadcast(_tri_mask(x.shape[-2], x.shape[-1], k - 1), x.shape[:-2])
    return lax.select(mask, _zeros(x.shape, x.dtype), x)


def _eye(n, m, dtype):
    return lax.convert_element_type(_eq_mask(n, m), dtype)


def _eq_mask(n, m):
    rows = lax.broadcasted_iota(np.int32, (n, m), 0)
    cols = lax.broadcasted_iota(np.int32, (n, m), 1)
    return lax.eq(lax.add(rows, lax.convert_element_type(0, np.int32)), cols)


def _check_rank(name, x):
    if x.ndim < 2:
        raise TypeError(f"Input 0 to {name} must have rank at least 2, but got shape={x.shape}")


def _check_square(name, x, symmetrize_input, message):
    _check_rank(name, x)
    if x.shape[-1] != x.shape[-2]:
        if symmetrize_input:  # JAX fails on the symmetrising addition
            _symmetrize(x)
        raise ValueError(message.format(shape=x.shape[-2:]))


def _slice_last2(x, rows, cols):
    nb = x.ndim - 2
    return lax.slice(x, (0,) * x.ndim, tuple(x.shape[:nb]) + (rows, cols))


# ---- cholesky ------------------------------------------------------------------------------------

def cholesky(a, *, upper=False, symmetrize_input=True):
    """Lower (or upper) Cholesky factor; NaN for matrices that are not positive definite."""
    a = _inexact(a)
    _check_square("cholesky", a, symmetrize_input,
                  "The input to cholesky must be a square matrix. Got shape {shape}.")
    return _cholesky(a, upper=bool(upper), symmetrize_input=bool(symmetrize_input))


@compiled
def _cholesky(a, *, upper, symmetrize_input):
    if symmetrize_input:
        a = _symmetrize(a)
    L = _tril(bind("cholesky", a))
    if upper:
        L = _mT(L)
        return lax.conj(L) if _is_complex(L) else L
    return L


# ---- qr ------------------------------------------------------------------------------------------

def _geqrf(a):
    m, n = a.shape[-2:]
    if m == 0 or n == 0:  # nothing to reflect
        return a, _zeros(a.shape[:-2] + (0,), a.dtype)
    r, taus = bind("geqrf", a)
    return r, taus


def _qr(a, full_matrices):
    """``lax.linalg.qr`` (no pivoting) as JAX writes it: geqrf, then Q from the reflectors
    (R padded with zero columns for a complete Q of a tall matrix), R's upper triangle."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    nb = len(batch)
    if m == 0 or n == 0:
        k = m if full_matrices else min(m, n)
        q = lax.broadcast_in_dim(_eye(m, k, a.dtype), batch + (m, k), (nb, nb + 1))
        return q, _zeros(batch + (k, n), a.dtype)
    r, taus = bind("geqrf", a)
    if m < n:
        q = bind("householder_product", _slice_last2(r, m, m), taus)
    elif full_matrices:
        padded = lax.pad(r, lax.convert_element_type(0, r.dtype),
                         [(0, 0, 0)] * (nb + 1) + [(0, m - n, 0)])
        q = bind("householder_product", padded, taus)
    else:
        q = bind("householder_product", r, taus)
        r = _slice_last2(r, n, n)
    return q, _triu(r)


def qr(a, mode="reduced"):
    """QR decomposition; ``mode`` is "reduced", "complete", "r" or "raw" (as jnp.linalg.qr)."""
    a = _inexact(a)
    _check_rank("qr", a)
    if mode not in ("raw", "reduced", "r", "full", "complete"):
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    return _qr_mode(a, mode=mode)


@compiled
def _qr_mode(a, *, mode):
    if mode == "raw":
        r, taus = _geqrf(a)
        return QRResult(_mT(r), taus)
    q, r = _qr(a, mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# ---- eigh / eigvalsh -----------------------------------------------------------------------------

def _eigh(a, lower=True, symmetrize_input=True):
    """``lax.linalg.eigh``: (eigenvectors, eigenvalues), eigenvalues ascending."""
    if symmetrize_input:
        a = _symmetrize(a)
    v, w = bind("eigh", a, lower=bool(lower))
    return v, w


def _check_eigh(a, symmetrize_input=True):
    _check_square("eigh", a, symmetrize_input, "Argument to symmetric eigendecomposition must "
                  "have shape [..., n, n], got shape {shape}")


def eigh(a, UPLO=None, symmetrize_input=True):
    """Eigenvalues (ascending) and eigenvectors of Hermitian (real symmetric) matrices."""
    if UPLO is None or UPLO == "L":
        lower = True
    elif UPLO == "U":
        lower = False
    else:
        raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
    a = _inexact(a)
    _check_eigh(a, symmetrize_input)
    return _eigh_result(a, lower=lower, symmetrize_input=bool(symmetrize_input))


@compiled
def _eigh_result(a, *, lower, symmetrize_input):
    v, w = _eigh(a, lower, symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a, UPLO="L", *, symmetrize_input=True):
    return eigh(a, UPLO, symmetrize_input=symmetrize_input).eigenvalues


# ---- eig / eigvals (general matrices) ------------------------------------------------------

def eig(a):
    """Eigenvalues and right eigenvectors of general square matrices (LAPACK geev), complex
    whatever the input, in LAPACK's order; each eigenvector has unit norm and its largest
    entry real."""
    w, v = bind("eig", _inexact(a), compute_left_eigenvectors=False,
                compute_right_eigenvectors=True)
    return EigResult(w, v)


def eigvals(a):
    """The eigenvalues of ``eig(a)``, without computing eigenvectors."""
    return bind("eig", _inexact(a), compute_left_eigenvectors=False,
                compute_right_eigenvectors=False)[0]


# ---- svd -----------------------------------------------------------------------------------------

def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """Singular value decomposition ``a = U @ diag(S) @ Vh`` (LAPACK gesdd); with
    ``hermitian=True`` from the eigendecomposition, as JAX does."""
    a = _inexact(a)
    _check_rank("svd", a)
    m, n = a.shape[-2:]
    if subset_by_index is not None and tuple(subset_by_index) != (0, min(m, n)):
        raise NotImplementedError("subset_by_index not implemented for CPU and GPU")
    if hermitian:
        _check_eigh(a)
    return _svd(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv),
                hermitian=bool(hermitian))


@compiled
def _svd(a, *, full_matrices, compute_uv, hermitian):
    if hermitian:
        vecs, vals = _eigh(a)
        s = lax.abs(vals)
        last = s.ndim - 1
        if not compute_uv:
            return lax.rev(lax.sort(s, dimension=last), (last,))
        sign = lax.sign(vals)
        idxs = lax.broadcasted_iota(np.int32, s.shape, last)
        s, idxs, sign = lax.sort((s, idxs, sign), dimension=last, num_keys=1)
        s, idxs, sign = (lax.rev(v, (last,)) for v in (s, idxs, sign))
        from s2s.runtime.numpy.indexing import take_along_axis
        u = take_along_axis(vecs, lax.reshape(idxs, idxs.shape[:-1] + (1,) + idxs.shape[-1:]),
                            axis=-1)
        sign = lax.convert_element_type(lax.reshape(sign, sign.shape[:-1] + (1,) +
                                                    sign.shape[-1:]), u.dtype)
        vh = _H(lax.mul(u, lax.broadcast_in_dim(sign, u.shape, range(u.ndim))))
        return SVDResult(u, s, vh)
    outs = bind("svd", a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    if compute_uv:
        s, u, vh = outs
        return SVDResult(u, s, vh)
    return outs[0]


# ---- solve / inv ---------------------------------------------------------------------------------

def _triangular_solve(a, b, **flags):
    return bind("triangular_solve", a, b, **{k: bool(v) for k, v in flags.items()})


def _lu_solve(lu, perm, b):
    """``lax.linalg.lu_solve`` with trans=0 on matrices ``b`` (..., m, k): rows permuted, then
    the unit-lower and the upper triangular solves."""
    from s2s.runtime.numpy.indexing import take_along_axis
    x = take_along_axis(b, lax.reshape(perm, perm.shape + (1,)), axis=-2)
    x = _triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    return _triangular_solve(lu, x, left_side=True, lower=False)


def solve(a, b):
    """Solve ``a @ x = b`` for square ``a`` (LU with partial pivoting, as jnp.linalg.solve);
    ``b`` is a vector (..., m) only when it is 1-D, else a (batch of) matrix (..., m, k)."""
    a, b = promote_inexact(to_array(a), to_array(b))
    if a.ndim < 2:
        raise ValueError(f"left hand array must be at least two dimensional; got a.shape={a.shape}")
    if (b.ndim > 1 and a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1]
            and a.shape[-1] != b.shape[-2]):
        raise ValueError(
            f"Invalid shapes for solve: {a.shape}, {b.shape}. Prior to JAX v0.5.0, this would "
            f"have been treated as a batched 1-dimensional solve. To recover this behavior, use "
            f"solve(a, b[..., None]).squeeze(-1).")
    vector = b.ndim == 1
    core = b.shape[-1:] if vector else b.shape[-2:]
    signature = "(m,m),(m)->(m)" if vector else "(m,m),(m,n)->(m,n)"
    m = a.shape[-2]
    for d in (a.shape[-1], core[0]):  # (jnp.vectorize's check and message)
        if d != m:
            raise ValueError(f"inconsistent size for core dimension 'm': {d} vs {m} on "
                             f"vectorized function with excluded=frozenset() and "
                             f"signature='{signature}'")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-len(core)])
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes="
                         f"{[a.shape[:-2], b.shape[:-len(core)]]}") from None
    return _solve(a, b)


@compiled
def _solve(a, b):
    vector = b.ndim == 1
    core = b.shape[-1:] if vector else b.shape[-2:]
    m = a.shape[-1]
    batch = broadcast_shapes("solve", a.shape[:-2], b.shape[:-len(core)])
    a = broadcast_to(a, batch + (m, m))
    b = broadcast_to(b, batch + core)
    if vector:
        b = lax.reshape(b, batch + (m, 1))
    lu, _, perm = bind("lu", a)
    x = _lu_solve(lu, perm, b)
    return lax.reshape(x, batch + (m,)) if vector else x


def inv(a):
    """Inverse of square matrices: ``solve(a, I)``."""
    a = to_array(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Argument to inv must have shape [..., n, n], got {a.shape}.")
    return _inv(a)


@compiled
def _inv(a):
    n = a.shape[-1]
    eye = lax.broadcast(_eye(n, n, a.dtype), a.shape[:-2])
    a, eye = promote_inexact(a, eye)
    return _solve(a, eye)


# ---- det / slogdet -------------------------------------------------------------------------------

def _at(a, i, j):
    """``a[..., i, j]``."""
    nb = a.ndim - 2
    s = lax.slice(a, (0,) * nb + (i, j), tuple(a.shape[:nb]) + (i + 1, j + 1))
    return lax.reshape(s, a.shape[:nb])


def _slogdet_small(a):
    """n in {1, 2}: the determinant written out, then sign and log|det|."""
    from s2s.runtime.numpy.ufuncs import abs as _abs, log, real, sign
    if a.shape[-1] == 1:
        det = _at(a, 0, 0)
    else:
        det = lax.sub(lax.mul(_at(a, 0, 0), _at(a, 1, 1)), lax.mul(_at(a, 0, 1), _at(a, 1, 0)))
    return sign(det), real(log(_abs(det)))


def diagonal_last2(x, offset=0):
    """``x[..., i, i + offset]`` as ``jnp.diagonal`` gathers it on CPU: one gather whose index
    pairs are two (wrapped) iotas and whose batch dimensions are slice dimensions. (How the
    diagonal is read decides how XLA fuses what follows, e.g. a sum of logs, and so its
    rounding.)"""
    x = to_array(x)
    nb, (n, m) = x.ndim - 2, x.shape[-2:]
    size = max(0, min(n + min(offset, 0), m - max(offset, 0)))
    if size == 0:
        return _zeros(x.shape[:-2] + (0,), x.dtype)
    i = lax.iota(np.int32, size)
    j = lax.add(lax.iota(np.int32, size), lax.convert_element_type(abs(offset), np.int32))
    rows, cols = (i, j) if offset >= 0 else (j, i)

    def wrap(v, d):  # negative indices count from the end (JAX's index normalisation)
        neg = lax.lt(v, lax.convert_element_type(0, np.int32))
        return lax.select(neg, lax.add(v, lax.convert_element_type(d, np.int32)), v)

    idx = lax.concatenate([lax.broadcast_in_dim(wrap(rows, n), (size, 1), (0,)),
                           lax.broadcast_in_dim(wrap(cols, m), (size, 1), (0,))], 1)
    dn = lax.GatherDimensionNumbers(offset_dims=tuple(range(nb)),
                                    collapsed_slice_dims=(nb, nb + 1), start_index_map=(nb, nb + 1))
    return lax.gather(x, idx, dn, tuple(x.shape[:nb]) + (1, 1))


_diag = diagonal_last2


def _slogdet_lu(a):
    from s2s.runtime.numpy.reductions import any as _any, count_nonzero, prod, sum as _sum
    from s2s.runtime.numpy.ufuncs import abs as _abs, log, multiply, real, where
    dtype = a.dtype
    lu, pivot, _ = bind("lu", a)
    diag = _diag(lu)
    zero = lax.convert_element_type(0, dtype)
    is_zero = _any(lax.eq(diag, lax.broadcast_in_dim(zero, diag.shape, ())), axis=-1)
    n = a.shape[-1]
    iota = lax.broadcast_in_dim(lax.iota(np.int32, n), pivot.shape, (pivot.ndim - 1,))
    parity = count_nonzero(lax.ne(pivot, iota), axis=-1)
    if _is_complex(a):
        absd = lax.convert_element_type(_abs(diag), dtype)
        sign = prod(lax.div(diag, absd), axis=-1)
    else:
        sign = lax.convert_element_type(1, dtype)
        parity = lax.add(parity, count_nonzero(lax.lt(diag, lax.broadcast_in_dim(
            zero, diag.shape, ())), axis=-1))
    two = lax.convert_element_type(2, parity.dtype)
    flip = lax.add(lax.mul(lax.convert_element_type(-2, parity.dtype), lax.rem(parity, two)),
                   lax.convert_element_type(1, parity.dtype))  # parity >= 0: rem is mod
    sign = where(is_zero, zero, multiply(sign, lax.convert_element_type(flip, dtype)))
    logdet = where(is_zero, lax.convert_element_type(-np.inf, dtype),
                   _sum(lax.convert_element_type(log(_abs(diag)), dtype), axis=-1))
    return sign, real(logdet)


def _slogdet_qr(a):
    from s2s.runtime.numpy.reductions import prod, sum as _sum
    from s2s.runtime.numpy.ufuncs import abs as _abs, log, sign as _sign, where
    if _is_complex(a):
        raise NotImplementedError("slogdet method='qr' not implemented for complex inputs")
    n = a.shape[-1]
    r, taus = _geqrf(a)
    d = _diag(r)
    log_abs_det = _sum(log(_abs(d)), axis=-1)
    sign_diag = prod(_sign(d), axis=-1)
    t = taus[..., :n - 1]
    flips = prod(where(lax.ne(t, lax.broadcast_in_dim(lax.convert_element_type(0, t.dtype),
                                                      t.shape, ())), -1, 1), axis=-1)
    return lax.mul(sign_diag, lax.convert_element_type(flips, sign_diag.dtype)), log_abs_det


def slogdet(a, *, method=None):
    """Sign and natural log of the absolute value of the determinant."""
    a = _inexact(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {a.shape}")
    if method not in (None, "lu", "qr"):
        raise ValueError(f"Unknown slogdet method '{method}'. Supported methods are 'lu' "
                         f"(`None`), and 'qr'.")
    if method == "qr" and _is_complex(a):
        raise NotImplementedError("slogdet method='qr' not implemented for complex inputs")
    return _slogdet(a, method=method)


@compiled
def _slogdet(a, *, method):
    if method is None or method == "lu":
        if a.shape[-1] in (1, 2):
            return SlogdetResult(*_slogdet_small(a))
        return SlogdetResult(*_slogdet_lu(a))
    return SlogdetResult(*_slogdet_qr(a))


def det(a):
    """Determinant: written out for 2x2 and 3x3 matrices, else ``sign * exp(logabsdet)``."""
    a = _inexact(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Argument to _det() must have shape [..., n, n], got {a.shape}")
    return _det(a)


@compiled
def _det(a):
    if a.shape[-2:] == (2, 2):
        return lax.sub(lax.mul(_at(a, 0, 0), _at(a, 1, 1)), lax.mul(_at(a, 0, 1), _at(a, 1, 0)))
    if a.shape[-2:] == (3, 3):
        e = lambda i, j: _at(a, i, j)  # noqa: E731
        terms = [lax.mul(lax.mul(e(0, 0), e(1, 1)), e(2, 2)),
                 lax.mul(lax.mul(e(0, 1), e(1, 2)), e(2, 0)),
                 lax.mul(lax.mul(e(0, 2), e(1, 0)), e(2, 1)),
                 lax.mul(lax.mul(e(0, 2), e(1, 1)), e(2, 0)),
                 lax.mul(lax.mul(e(0, 0), e(1, 2)), e(2, 1)),
                 lax.mul(lax.mul(e(0, 1), e(1, 0)), e(2, 2))]
        out = lax.add(lax.add(terms[0], terms[1]), terms[2])
        for t in terms[3:]:
            out = lax.sub(out, t)
        return out
    from s2s.runtime.numpy.ufuncs import exp
    sign, logdet = _slogdet(a, method=None)
    return lax.mul(sign, lax.convert_element_type(exp(logdet), sign.dtype))
