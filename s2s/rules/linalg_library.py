"""Derivatives of the matrix decompositions, written as source: the tangent maps and adjoints
(transposes of the tangent maps) of cholesky, eigh, eigvals, svd and qr, over matmul, triangular
solves and masks. s2s transforms them from this source like user code (the module is a source
library, see ``s2s.nn``), so second derivatives and batching of derivatives need no rule.

The formulas are the textbook ones (Murray 2016 for Cholesky, the perturbation theory of the
symmetric eigenproblem, Townsend 2016 for the SVD, Walter & Lehmann 2018 for QR); each adjoint
is derived by transposing its tangent map term by term. Singular values (eigenvalues) must be
distinct for the singular (eigen) vectors to have a derivative; repeated ones give inf/NaN, as
in JAX.
"""
import numpy as np

from s2s.runtime import numpy as jnp
from s2s import linalg_checks as checks
from s2s.rules.helpers import field, lu_pivots, triangular_solve, zero

S2S_SOURCE_LIBRARY = True


def _mT(x):
    return jnp.swapaxes(x, -1, -2)


def _H(x):
    if np.dtype(x.dtype).kind == "c":
        return jnp.conj(jnp.swapaxes(x, -1, -2))
    return jnp.swapaxes(x, -1, -2)


def _conj(x):
    if np.dtype(x.dtype).kind == "c":
        return jnp.conj(x)
    return x


def _sym(x):
    """``(x + x^H) / 2``: the symmetrising map, which is also its own transpose."""
    return (x + _H(x)) / 2


def _diag(x):
    return jnp.diagonal(x, 0, -2, -1)


def _gap_reciprocals(w):
    """``F[..., i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it."""
    eye = jnp.eye(w.shape[-1], dtype=w.dtype)
    return 1.0 / (eye + jnp.expand_dims(w, -2) - jnp.expand_dims(w, -1)) - eye


# ---- cholesky: dL = L phi(L^-1 dA L^-H), phi = lower triangle with the diagonal halved --------

def cholesky_tangent(da, L, upper=False, symmetrize_input=True):
    """The tangent of ``cholesky(a, upper, symmetrize_input)`` (result ``L``) for ``da``."""
    if upper:
        L = _H(L)
    da = jnp.asarray(da).astype(L.dtype)
    if symmetrize_input:
        da = _sym(da)
    tmp = triangular_solve(L, da, left_side=False, lower=True, transpose_a=True,
                           conjugate_a=True)
    x = triangular_solve(L, tmp, left_side=True, lower=True)
    phi = jnp.tril(x) - 0.5 * x * jnp.eye(L.shape[-1], dtype=L.dtype)
    dl = jnp.matmul(L, phi)
    if upper:
        return _H(dl)
    return dl


def cholesky_adjoint(g, L, upper=False, symmetrize_input=True):
    """The cotangent of ``a`` from that of ``L = cholesky(a)``: the transpose of the tangent
    map (``phi`` is a mask, its own transpose; conj transposes to conj, JAX's convention)."""
    if (g is zero or np.ndim(g) < 1):
        return zero
    g = jnp.asarray(g)
    if upper:
        L = _H(L)
        g = _H(g)
    g = jnp.tril(g).astype(L.dtype)
    m = jnp.tril(jnp.matmul(_mT(L), g))
    x = m - 0.5 * m * jnp.eye(L.shape[-1], dtype=L.dtype)
    y = triangular_solve(L, x, left_side=True, lower=True, transpose_a=True)
    s = triangular_solve(_conj(L), y, left_side=False, lower=True)
    if symmetrize_input:
        return _sym(s)
    return s


# ---- eigh: dw = real(diag(v^H da v)), dv = v (F * (v^H da v)) ---------------------------------

def eigh_tangent(da, a, z, symmetrize_input=True):
    """The tangent of ``(w, v) = eigh(a)`` (result ``z``) for ``da``."""
    w, v = z[0], z[1]
    da = jnp.asarray(da).astype(v.dtype)
    if symmetrize_input:
        da = _sym(da)
    vdv = jnp.matmul(jnp.matmul(_H(v), da), v)
    dw = jnp.real(_diag(vdv)).astype(w.dtype)
    dv = jnp.matmul(v, _gap_reciprocals(w).astype(v.dtype) * vdv)
    return jnp.linalg.EighResult(dw, dv)


def eigvalsh_tangent(da, a, z, symmetrize_input=True):
    """The tangent of ``eigvalsh(a)`` for ``da``, ``z`` being ``eigh(a)``."""
    v = z[1]
    da = jnp.asarray(da).astype(v.dtype)
    if symmetrize_input:
        da = _sym(da)
    return jnp.real(_diag(jnp.matmul(jnp.matmul(_H(v), da), v))).astype(z[0].dtype)


def eigh_adjoint(gw, gv, a, z, symmetrize_input=True):
    """The cotangent of ``a`` from those of ``(w, v) = eigh(a)``: the transpose of
    ``eigh_tangent``."""
    if (gw is zero or np.ndim(gw) < 1) and (gv is zero or np.ndim(gv) < 1):
        return zero
    w, v = z[0], z[1]
    eye = jnp.eye(w.shape[-1], dtype=v.dtype)
    m = jnp.zeros(v.shape, v.dtype)
    if (gw is not zero and np.ndim(gw) >= 1):
        m = m + jnp.expand_dims(jnp.asarray(gw), -1).astype(v.dtype) * eye
    if (gv is not zero and np.ndim(gv) >= 1):
        m = m + _gap_reciprocals(w).astype(v.dtype) * jnp.matmul(
            _mT(v), jnp.asarray(gv).astype(v.dtype))
    ga = jnp.matmul(jnp.matmul(_conj(v), m), _mT(v))
    if symmetrize_input:
        return _sym(ga)
    return ga


# ---- eig (general matrices): dw = diag(v^-1 da v) with v the right eigenvectors -------------
# (eigenvectors have no derivative: as JAX, which allows them only on request, through an
# argument s2s's eig does not have)

def eigvals_tangent(da, a):
    """The tangent of ``eigvals(a)`` for ``da``."""
    v = jnp.linalg.eig(a)[1]
    da = jnp.asarray(da).astype(v.dtype)
    return jnp.sum(jnp.linalg.solve(v, da) * _mT(v), axis=-1)


def eigvals_adjoint(gw, a):
    """The cotangent of ``a`` from that of ``eigvals(a)``: ``v^-T (gw[:, None] * v^T)``, the
    transpose of ``eigvals_tangent`` (its real part for real ``a``)."""
    if gw is zero:
        return zero
    v = jnp.linalg.eig(a)[1]
    ga = jnp.linalg.solve(_mT(v), jnp.expand_dims(jnp.asarray(gw).astype(v.dtype), -1) * _mT(v))
    if np.dtype(a.dtype).kind == "c":
        return ga
    return jnp.real(ga).astype(a.dtype)


def eig_derivative(a):
    """``eig`` returns eigenvectors, whose derivative JAX refuses by default (even for the
    eigenvalues' part)."""
    checks.eig_vectors_derivative()


# ---- svd: a = u diag(s) v^H; dP = u^H da v ---------------------------------------------------

def _svd_factors(a, z, compute_uv, hermitian):
    if compute_uv:
        return z[0], z[1], z[2]
    r = jnp.linalg.svd(a, full_matrices=False, compute_uv=True, hermitian=hermitian)
    return r[0], r[1], r[2]


def svd_tangent(da, a, z, full_matrices=True, compute_uv=True, hermitian=False):
    """The tangent of ``svd(a, ...)`` (result ``z``) for ``da`` (Townsend's formulas):
    ``ds = diag(dP)``, ``du = u (F * (dP S + S dP^T)) + (I - u u^T) da v / s``,
    ``dv = v (F * (S dP + dP^T S)) + (I - v v^T) da^T u / s``, ``F[i, j] = 1/(s_j^2 - s_i^2)``."""
    checks.svd_derivative(a.dtype, a.shape, full_matrices, compute_uv)
    u, s, vh = _svd_factors(a, z, compute_uv, hermitian)
    v = _mT(vh)
    da = jnp.asarray(da).astype(a.dtype)
    if hermitian:  # (the decomposition of the symmetrised input)
        da = _sym(da)
    dav = jnp.matmul(da, v)
    dp = jnp.matmul(_mT(u), dav)
    ds = _diag(dp)
    if not compute_uv:
        return ds
    f = _gap_reciprocals(s * s)
    dps = dp * jnp.expand_dims(s, -2)
    sdp = jnp.expand_dims(s, -1) * dp
    du = jnp.matmul(u, f * (dps + _mT(dps)))
    dv = jnp.matmul(v, f * (sdp + _mT(sdp)))
    m, n = a.shape[-2], a.shape[-1]
    k = s.shape[-1]
    if m > k:
        du = du + (dav - jnp.matmul(u, dp)) / jnp.expand_dims(s, -2)
    if n > k:
        dv = dv + (jnp.matmul(_mT(da), u) - jnp.matmul(v, _mT(dp))) / jnp.expand_dims(s, -2)
    return jnp.linalg.SVDResult(du, ds, _mT(dv))


def svd_adjoint(ct, a, z, full_matrices=True, compute_uv=True, hermitian=False):
    """The cotangent of ``a`` from that of ``svd(a, ...)``'s result: the transpose of
    ``svd_tangent``, ``u (gP) v^T`` plus the parts of ``gu``/``gv`` off ``u``/``v``'s span."""
    gu, gs, gvh = zero, ct, zero
    if compute_uv:
        gu, gs, gvh = field(ct, 0, "U"), field(ct, 1, "S"), field(ct, 2, "Vh")
    if (gu is zero or np.ndim(gu) < 1) and (gs is zero or np.ndim(gs) < 1) and (
            gvh is zero or np.ndim(gvh) < 1):
        return zero
    checks.svd_derivative(a.dtype, a.shape, full_matrices, compute_uv)
    u, s, vh = _svd_factors(a, z, compute_uv, hermitian)
    v = _mT(vh)
    k = s.shape[-1]
    gp = jnp.zeros(a.shape[:-2] + (k, k), a.dtype)
    if (gs is not zero and np.ndim(gs) >= 1):
        gp = gp + jnp.expand_dims(jnp.asarray(gs).astype(a.dtype), -1) * jnp.eye(k, dtype=a.dtype)
    f = _gap_reciprocals(s * s)
    ga = jnp.zeros(a.shape, a.dtype)
    if (gu is not zero and np.ndim(gu) >= 1):
        gu = jnp.asarray(gu).astype(a.dtype)
        ut_gu = jnp.matmul(_mT(u), gu)
        j = f * ut_gu
        gp = gp + (j + _mT(j)) * jnp.expand_dims(s, -2)
        if a.shape[-2] > k:
            off = (gu - jnp.matmul(u, ut_gu)) / jnp.expand_dims(s, -2)
            ga = ga + jnp.matmul(off, vh)
    if (gvh is not zero and np.ndim(gvh) >= 1):
        gv = _mT(jnp.asarray(gvh).astype(a.dtype))
        vt_gv = jnp.matmul(vh, gv)
        kk = f * vt_gv
        gp = gp + jnp.expand_dims(s, -1) * (kk + _mT(kk))
        if a.shape[-1] > k:
            off = (gv - jnp.matmul(v, vt_gv)) / jnp.expand_dims(s, -2)
            ga = ga + jnp.matmul(u, _mT(off))
    ga = ga + jnp.matmul(jnp.matmul(u, gp), vh)
    if hermitian:
        return _sym(ga)
    return ga


# ---- qr: a = q r ----------------------------------------------------------------------------

def _qr_factors(a, z, mode):
    if mode == "r":
        r = jnp.linalg.qr(a)
        return r[0], r[1]
    return z[0], z[1]


def _thin_qr_tangent(q, r, dx):
    """``dq, dr`` for ``x = q r`` with ``x`` (..., m, n), m >= n: with ``c = q^H dx r^-1``
    and ``o`` the skew-Hermitian part of ``c`` below the diagonal (plus ``c``'s imaginary
    diagonal), ``dq = q (o - c) + dx r^-1`` and ``dr = (c - o) r``."""
    dx_rinv = triangular_solve(r, dx, left_side=False, lower=False)
    c = jnp.matmul(_H(q), dx_rinv)
    low = jnp.tril(c, -1)
    o = low - _H(low)
    if np.dtype(c.dtype).kind == "c":
        o = o + jnp.eye(c.shape[-1], dtype=c.dtype) * (c - jnp.real(c).astype(c.dtype))
    dq = jnp.matmul(q, o - c) + dx_rinv
    dr = jnp.matmul(c - o, r)
    return dq, dr


def qr_tangent(da, a, z, mode="reduced"):
    """The tangent of ``qr(a, mode)`` (result ``z``) for ``da``. A wide ``a = [a1 a2]`` has
    ``q r1 = a1`` and ``r2 = q^H a2``."""
    checks.qr_derivative(a.shape, mode)
    q, r = _qr_factors(a, z, mode)
    da = jnp.asarray(da).astype(a.dtype)
    m, n = a.shape[-2], a.shape[-1]
    if m >= n:
        dq, dr = _thin_qr_tangent(q, r, da)
    else:
        dq, dr1 = _thin_qr_tangent(q, r[..., :, :m], da[..., :, :m])
        dr2 = jnp.matmul(_H(dq), a[..., :, m:]) + jnp.matmul(_H(q), da[..., :, m:])
        dr = jnp.concatenate([dr1, dr2], -1)
    if mode == "r":
        return dr
    return jnp.linalg.QRResult(dq, dr)


def _thin_qr_adjoint(q, r, gq, gr):
    """The transpose of ``_thin_qr_tangent`` (real): with ``M = q^T gq - gr r^T`` the
    cotangent of ``c`` is ``tril(M - M^T, -1) - M``, and ``dx`` gets
    ``(gq + q gc) r^-T``."""
    m = jnp.zeros(r.shape[:-2] + (r.shape[-1], r.shape[-1]), r.dtype)
    gw = jnp.zeros(q.shape, q.dtype)
    if (gq is not zero and np.ndim(gq) >= 1):
        m = m + jnp.matmul(_mT(q), gq)
        gw = gw + gq
    if (gr is not zero and np.ndim(gr) >= 1):
        m = m - jnp.matmul(gr, _mT(r))
    gc = jnp.tril(m - _mT(m), -1) - m
    gw = gw + jnp.matmul(q, gc)
    return triangular_solve(r, gw, left_side=False, lower=False, transpose_a=True)


def qr_adjoint(ct, a, z, mode="reduced"):
    """The cotangent of ``a`` from that of ``qr(a, mode)``'s result (real matrices)."""
    gq, gr = zero, ct
    if mode != "r":
        gq, gr = field(ct, 0, "Q"), field(ct, 1, "R")
    if (gq is zero or np.ndim(gq) < 1) and (gr is zero or np.ndim(gr) < 1):
        return zero
    checks.qr_derivative(a.shape, mode)
    checks.qr_adjoint(a.dtype)
    q, r = _qr_factors(a, z, mode)
    if (gq is not zero and np.ndim(gq) >= 1):
        gq = jnp.asarray(gq).astype(a.dtype)
    if (gr is not zero and np.ndim(gr) >= 1):
        gr = jnp.asarray(gr).astype(a.dtype)
    m, n = a.shape[-2], a.shape[-1]
    if m >= n:
        return _thin_qr_adjoint(q, r, gq, gr)
    gr1 = zero
    if (gr is not zero and np.ndim(gr) >= 1):
        gr1 = gr[..., :, :m]
        gr2 = gr[..., :, m:]
        extra = jnp.matmul(a[..., :, m:], _mT(gr2))
        if (gq is zero or np.ndim(gq) < 1):
            gq = extra
        else:
            gq = gq + extra
        gx2 = jnp.matmul(q, gr2)
    else:
        gx2 = jnp.zeros(a.shape[:-1] + (n - m,), a.dtype)
    gx1 = _thin_qr_adjoint(q, r[..., :, :m], gq, gr1)
    return jnp.concatenate([gx1, gx2], -1)


# ---- triangular_solve: x = op(a)^-1 b (left) or b op(a)^-1 (right) ----------------------------

def _op(x, transpose_a, conjugate_a):
    if transpose_a:
        x = _mT(x)
    if conjugate_a:
        x = _conj(x)
    return x


def _triangle(x, lower, unit_diagonal):
    """The entries of ``x`` a triangular solve reads: one triangle, without the diagonal when
    it is taken to be ones."""
    k = 0
    if unit_diagonal:
        k = 1
    if lower:
        return jnp.tril(x, -k)
    return jnp.triu(x, k)


def triangular_solve_tangent_a(da, a, x, left_side=False, lower=False, transpose_a=False,
                               conjugate_a=False, unit_diagonal=False):
    """The tangent of ``x = triangular_solve(a, b, ...)`` from that of ``a``:
    ``-op(a)^-1 op(da) x`` (left) or ``-x op(da) op(a)^-1`` (right)."""
    dop = _op(_triangle(jnp.asarray(da).astype(x.dtype), lower, unit_diagonal), transpose_a,
              conjugate_a)
    if left_side:
        rhs = jnp.matmul(dop, x)
    else:
        rhs = jnp.matmul(x, dop)
    return -triangular_solve(a, rhs, left_side=left_side, lower=lower, transpose_a=transpose_a,
                             conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)


def triangular_solve_adjoint_b(g, a, left_side=False, lower=False, transpose_a=False,
                               conjugate_a=False, unit_diagonal=False):
    """The cotangent of ``b``: ``g`` solved with ``op(a)^T``."""
    if (g is zero or np.ndim(g) < 1):
        return zero
    return triangular_solve(a, g, left_side=left_side, lower=lower,
                            transpose_a=not transpose_a, conjugate_a=conjugate_a,
                            unit_diagonal=unit_diagonal)


def triangular_solve_adjoint_a(g, a, x, left_side=False, lower=False, transpose_a=False,
                               conjugate_a=False, unit_diagonal=False):
    """The cotangent of ``a``: the transpose of ``triangular_solve_tangent_a``, on the
    triangle the solve reads."""
    if (g is zero or np.ndim(g) < 1):
        return zero
    gb = triangular_solve_adjoint_b(g, a, left_side, lower, transpose_a, conjugate_a,
                                    unit_diagonal)
    if left_side:
        gop = -jnp.matmul(gb, _mT(x))
    else:
        gop = -jnp.matmul(_mT(x), gb)
    if transpose_a:
        gop = _mT(gop)
    if conjugate_a:
        gop = _conj(gop)
    return _triangle(gop, lower, unit_diagonal)


# ---- matrix norms from the SVD ----------------------------------------------------------------

def svd_norm_adjoint(g, x, ord, axis=None, keepdims=False):
    """The cotangent of ``x`` from that of ``linalg.norm(x, ord, axis)`` for ``ord`` 2, -2
    (the largest, smallest singular value: ``u_i v_i^T``) and ``"nuc"`` (their sum:
    ``u v^T``)."""
    if g is zero:
        return zero
    if axis is None:
        axis = (0, 1)
    r, c = axis[0] % x.ndim, axis[1] % x.ndim
    y = jnp.moveaxis(x, (r, c), (-2, -1))
    g = jnp.asarray(g).astype(x.dtype)
    if keepdims:
        g = jnp.squeeze(g, (r, c))
    u, s, vh = jnp.linalg.svd(y, full_matrices=False)
    if ord == 2:
        u, vh = u[..., :, :1], vh[..., :1, :]
    elif ord == -2:
        u, vh = u[..., :, -1:], vh[..., -1:, :]
    gy = jnp.matmul(u, vh) * jnp.expand_dims(jnp.expand_dims(g, -1), -1)
    return jnp.moveaxis(gy, (-2, -1), (r, c))


# ---- lu: a[perm] = L U, packed as tril(L, -1) + U ---------------------------------------------

def _rows(x, perm):
    """``x[..., perm, :]`` for a (batch of) permutation(s)."""
    return jnp.take_along_axis(x, jnp.broadcast_to(jnp.expand_dims(perm, -1), x.shape),
                               axis=-2)


def lu_tangent(da, a, lu):
    """With ``X = L^-1 da[perm] U^-1``: ``dL = L tril(X, -1)``, ``dU = triu(X) U``."""
    checks.lu_derivative(a.shape)
    perm = lu_pivots(a)[1]
    da = _rows(jnp.asarray(da).astype(lu.dtype), perm)
    y = triangular_solve(lu, da, left_side=True, lower=True, unit_diagonal=True)
    x = triangular_solve(lu, y, left_side=False, lower=False)
    ltri = jnp.tril(lu, -1) + jnp.eye(lu.shape[-1], dtype=lu.dtype)
    return jnp.matmul(ltri, jnp.tril(x, -1)) + jnp.matmul(jnp.triu(x), jnp.triu(lu))


def lu_adjoint(g, a, lu):
    """The transpose of ``lu_tangent``: ``gX = tril(L^T g, -1) + triu(g U^T)`` (each on the
    factor's own triangle), then ``L^-T gX U^-T`` with its rows put back in place."""
    if (g is zero or np.ndim(g) < 1):
        return zero
    checks.lu_derivative(a.shape)
    perm = lu_pivots(a)[1]
    g = jnp.asarray(g).astype(lu.dtype)
    ltri = jnp.tril(lu, -1) + jnp.eye(lu.shape[-1], dtype=lu.dtype)
    gx = jnp.tril(jnp.matmul(_mT(ltri), jnp.tril(g, -1)), -1) + jnp.triu(
        jnp.matmul(jnp.triu(g), _mT(jnp.triu(lu))))
    y = triangular_solve(lu, gx, left_side=True, lower=True, transpose_a=True,
                         unit_diagonal=True)
    gb = triangular_solve(lu, y, left_side=False, lower=False, transpose_a=True)
    return _rows(gb, jnp.argsort(perm, axis=-1))
