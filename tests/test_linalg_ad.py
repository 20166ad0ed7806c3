"""Derivatives of linear algebra against jax 0.10.2 (float32, x64 off): for each function of
``s2s.numpy.linalg`` and ``s2s.scipy.linalg`` its values, grad, jvp, vmap(grad) and jit on
well-conditioned inputs, plus float64 finite differences where float32 references are noisy,
and JAX's refusals."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
import s2s.scipy.linalg as ssl

jax = pytest.importorskip("jax")
import jax.scipy.linalg as jsl  # noqa: E402

from conftest import x64_in_both  # noqa: E402

jl = jax.numpy.linalg  # (not ``jnp``: s2s's generated code uses that name)
NP = {"s2s": snp.linalg, "jax": jl}
SP = {"s2s": ssl, "jax": jsl}
RNG = np.random.default_rng(0)


def _gen(shape, kind="gen", seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    n = shape[-1]
    if kind == "spd":
        a = a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    elif kind == "gen":  # well-conditioned
        a = a + 3 * np.eye(shape[-2], n)
    elif kind == "tri":
        a = np.tril(a) + 3 * np.eye(n)
    elif kind == "small":
        a = 0.3 * a
    return a.astype(np.float32)


# name -> (namespace -> function of arrays, namespace table, argument shapes and kinds)
CASES = {
    "svd": (lambda L: lambda x: L.svd(x, full_matrices=False), NP, [((4, 3), "rect")]),
    "svd_wide": (lambda L: lambda x: L.svd(x, full_matrices=False), NP, [((3, 5), "rect")]),
    "svd_batched": (lambda L: lambda x: L.svd(x, full_matrices=False), NP, [((2, 4, 3), "rect")]),
    "svd_values": (lambda L: lambda x: L.svd(x, compute_uv=False), NP, [((4, 3), "rect")]),
    "svd_hermitian": (lambda L: lambda x: L.svd(x, hermitian=True)[1], NP, [((3, 3), "spd")]),
    "qr": (lambda L: lambda x: L.qr(x), NP, [((4, 3), "rect")]),
    "qr_wide": (lambda L: lambda x: L.qr(x), NP, [((3, 5), "rect")]),
    "qr_r": (lambda L: lambda x: L.qr(x, mode="r"), NP, [((4, 3), "rect")]),
    "qr_complete_wide": (lambda L: lambda x: L.qr(x, mode="complete"), NP, [((3, 4), "rect")]),
    "cholesky": (lambda L: lambda x: L.cholesky(x), NP, [((3, 3), "spd")]),
    "cholesky_upper": (lambda L: lambda x: L.cholesky(x, upper=True), NP, [((2, 3, 3), "spd")]),
    "eigh": (lambda L: lambda x: L.eigh(x), NP, [((3, 3), "spd")]),
    "eigh_upper": (lambda L: lambda x: L.eigh(x, UPLO="U"), NP, [((2, 3, 3), "spd")]),
    "eigvalsh": (lambda L: lambda x: L.eigvalsh(x), NP, [((4, 4), "spd")]),
    "norm_2": (lambda L: lambda x: L.norm(x, 2), NP, [((4, 3), "rect")]),
    "norm_-2": (lambda L: lambda x: L.norm(x, -2, axis=(0, 2), keepdims=True), NP,
                [((3, 2, 4), "rect")]),
    "norm_nuc": (lambda L: lambda x: L.norm(x, "nuc"), NP, [((3, 4), "rect")]),
    "norm_rows": (lambda L: lambda x: L.norm(x, axis=1), NP, [((4, 4), "rect")]),
    "pinv": (lambda L: lambda x: L.pinv(x), NP, [((4, 3), "rect")]),
    "pinv_wide_batched": (lambda L: lambda x: L.pinv(x), NP, [((2, 3, 4), "rect")]),
    "pinv_hermitian": (lambda L: lambda x: L.pinv(x, hermitian=True), NP, [((3, 3), "spd")]),
    "matrix_power_5": (lambda L: lambda x: L.matrix_power(x, 5), NP, [((3, 3), "small")]),
    "matrix_power_-2": (lambda L: lambda x: L.matrix_power(x, -2), NP, [((3, 3), "gen")]),
    "lstsq": (lambda L: lambda a, b: L.lstsq(a, b)[:2], NP, [((5, 3), "rect"), ((5, 2), "rect")]),
    "lstsq_vector": (lambda L: lambda a, b: L.lstsq(a, b)[0], NP,
                     [((4, 4), "gen"), ((4,), "rect")]),
    "cond": (lambda L: lambda x: L.cond(x), NP, [((3, 3), "gen")]),
    "cond_-2": (lambda L: lambda x: L.cond(x, -2), NP, [((4, 3), "rect")]),
    "cond_1": (lambda L: lambda x: L.cond(x, 1), NP, [((3, 3), "gen")]),
    "multi_dot": (lambda L: lambda a, b, c, d: L.multi_dot([a, b, c, d]), NP,
                  [((4,), "rect"), ((4, 2), "rect"), ((2, 5), "rect"), ((5,), "rect")]),
    "tensorsolve": (lambda L: lambda a, b: L.tensorsolve(a, b), NP,
                    [((2, 3, 6), "rect"), ((2, 3), "rect")]),
    "tensorinv": (lambda L: lambda a: L.tensorinv(a, 1), NP, [((6, 2, 3), "rect")]),
    "svdvals": (lambda L: lambda x: L.svdvals(x), NP, [((2, 3, 4), "rect")]),
    "matrix_norm": (lambda L: lambda x: L.matrix_norm(x, ord=2), NP, [((2, 3, 4), "rect")]),
    "vector_norm": (lambda L: lambda x: L.vector_norm(x, ord=3, axis=-1), NP, [((3, 4), "rect")]),
    "vector_norm_inf": (lambda L: lambda x: L.vector_norm(x, ord=np.inf, axis=0), NP,
                        [((3, 4), "rect")]),
    # scipy.linalg
    "solve_triangular": (lambda S: lambda a, b: S.solve_triangular(a, b, lower=True), SP,
                         [((3, 3), "tri"), ((3, 2), "rect")]),
    "solve_triangular_T_vector": (lambda S: lambda a, b: S.solve_triangular(
        a, b, trans="T", lower=True, unit_diagonal=True), SP, [((3, 3), "tri"), ((3,), "rect")]),
    "solve_triangular_upper": (lambda S: lambda a, b: S.solve_triangular(
        S.block_diag(a, a)[:3, :3].T, b, trans=1), SP, [((3, 3), "tri"), ((2, 3, 2), "rect")]),
    "cho_solve": (lambda S: lambda a, b: S.cho_solve(S.cho_factor(a), b), SP,
                  [((3, 3), "spd"), ((3, 2), "rect")]),
    "cho_solve_lower": (lambda S: lambda a, b: S.cho_solve(S.cho_factor(a, lower=True), b), SP,
                        [((3, 3), "spd"), ((3,), "rect")]),
    "lu_factor": (lambda S: lambda a: S.lu_factor(a)[0], SP, [((4, 4), "gen")]),
    "lu_solve": (lambda S: lambda a, b: S.lu_solve(S.lu_factor(a), b), SP,
                 [((4, 4), "gen"), ((4, 2), "rect")]),
    "lu": (lambda S: lambda a: S.lu(a)[1:], SP, [((4, 4), "gen")]),
    "lu_permute_l": (lambda S: lambda a: S.lu(a, permute_l=True), SP, [((3, 3), "gen")]),
    "expm": (lambda S: lambda a: S.expm(a), SP, [((3, 3), "small")]),
    "expm_large": (lambda S: lambda a: S.expm(2.0 * a), SP, [((3, 3), "rect")]),
    "expm_upper": (lambda S: lambda a: S.expm(a.T, upper_triangular=True), SP, [((3, 3), "tri")]),
    "block_diag": (lambda S: lambda a, b, c: S.block_diag(a, b, c), SP,
                   [((2, 2), "rect"), ((3,), "rect"), ((1, 2), "rect")]),
    "eigh_scipy": (lambda S: lambda a: S.eigh(a, lower=False), SP, [((3, 3), "spd")]),
    "svd_scipy": (lambda S: lambda a: S.svd(a, full_matrices=False), SP, [((3, 4), "rect")]),
    "qr_scipy": (lambda S: lambda a: S.qr(a, mode="economic"), SP, [((4, 3), "rect")]),
    "det_scipy": (lambda S: lambda a: S.det(a), SP, [((4, 4), "gen")]),
    "solve_pos": (lambda S: lambda a, b: S.solve(a, b, assume_a="pos"), SP,
                  [((3, 3), "spd"), ((3, 2), "rect")]),
}


def _args(case, seed=0):
    return [_gen(shape, kind, seed + i) for i, (shape, kind) in enumerate(CASES[case][2])]


def _weights(out, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=np.shape(o)).astype(np.float32) for o in out]


def _float_leaves(tree):
    return [np.asarray(v) for v in jax.tree_util.tree_leaves(tree)
            if np.issubdtype(np.asarray(v).dtype, np.inexact)]


def _close(ours, ref, what, rtol=2e-4, atol=2e-4):
    ours, ref = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(ref)
    assert len(ours) == len(ref), what
    for a, b in zip(ours, ref):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (what, a.shape, b.shape)
        scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale, err_msg=what)


def _functions(case):
    fn, table, _ = CASES[case]
    return fn(table["s2s"]), fn(table["jax"])


def _losses(case, args):
    """Scalar losses ``sum(w * out)`` over the float outputs, the same weights for both."""
    fs, fj = _functions(case)
    ref = fj(*args)
    weights = _weights(_float_leaves(ref))
    single = not isinstance(ref, tuple)

    def make(f):
        def loss(*xs):
            out = f(*xs)
            if single:  # (else a tuple, one level deep, all float: the cases' outputs)
                out = (out,)
            total = (weights[0] * out[0]).sum()
            for i in range(1, len(weights)):
                total = total + (weights[i] * out[i]).sum()
            return total
        return loss
    return make(fs), make(fj)


# the cases that also check jvp, vmap(grad) and jit (each transform generates code for every
# library function below it, which takes seconds; the others check values and grad)
FULL = {"svd", "qr_wide", "cholesky", "eigh", "eigvalsh", "norm_2", "solve_triangular",
        "lu_factor"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_derivatives_and_batching(case):
    args = _args(case)
    fs, fj = _functions(case)
    ls, lj = _losses(case, args)
    argnums = tuple(range(len(args)))
    # values and grad
    ref = fj(*args)
    _close(fs(*args), ref, f"{case}: value")
    _close(s2s.grad(ls, argnums)(*args), jax.grad(lj, argnums)(*args), f"{case}: grad",
           rtol=2e-3, atol=1e-3)
    if case not in FULL:
        return
    _close(s2s.jit(fs)(*args), ref, f"{case}: jit")
    # jvp
    tangents = tuple(_gen(np.shape(a), "rect", 7 + i) for i, a in enumerate(args))
    ours = s2s.jvp(fs, tuple(args), tangents)
    theirs = jax.jvp(fj, tuple(args), tangents)
    _close(_float_leaves(ours[0]), _float_leaves(theirs[0]), f"{case}: jvp primal")
    _close(_float_leaves(ours[1]), _float_leaves(theirs[1]), f"{case}: jvp tangent",
           rtol=2e-3, atol=1e-3)
    # vmap(grad) over a batch of two (the second input a small perturbation of the first)
    batch = [np.stack([a, a + 0.05 * _gen(np.shape(a), "rect", 11 + i)])
             for i, a in enumerate(args)]
    _close(s2s.vmap(s2s.grad(ls, argnums))(*batch), jax.vmap(jax.grad(lj, argnums))(*batch),
           f"{case}: vmap(grad)", rtol=2e-3, atol=1e-3)


# ---- float64 finite differences (the derivatives themselves, not only agreement with JAX) ---

FD_CASES = ["svd_wide", "qr_wide", "eigh", "lu_factor", "expm_large", "pinv"]


@pytest.mark.parametrize("case", FD_CASES)
def test_grad_matches_float64_finite_differences(case):
    with x64_in_both(True):
        args = [a.astype(np.float64) for a in _args(case)]
        ls, _ = _losses(case, args)
        grads = s2s.grad(ls, tuple(range(len(args))))(*args)
        rng = np.random.default_rng(3)
        for i, (a, g) in enumerate(zip(args, grads)):
            d = rng.normal(size=a.shape)
            if CASES[case][2][i][1] == "spd":
                d = d + d.T  # (a symmetric direction: what a symmetric input can move in)
            eps = 1e-6
            plus = [x if j != i else x + eps * d for j, x in enumerate(args)]
            minus = [x if j != i else x - eps * d for j, x in enumerate(args)]
            fd = (float(ls(*plus)) - float(ls(*minus))) / (2 * eps)
            np.testing.assert_allclose(float(np.sum(np.asarray(g) * d)), fd, rtol=1e-5,
                                       atol=1e-7, err_msg=f"{case} argument {i}")


def test_second_derivatives():
    """The derivative rules are source, so they differentiate again."""
    a = _gen((3, 3), "spd")
    for f, g in [(lambda x: snp.linalg.eigvalsh(x)[-1], lambda x: jl.eigvalsh(x)[-1])]:
        ours = s2s.hessian(f)(a)
        theirs = jax.hessian(g)(a)
        _close(ours, theirs, "hessian", rtol=2e-3, atol=2e-3)


# ---- what JAX refuses, refused the same way ------------------------------------------------

def test_refusals_as_jax():
    a = _gen((4, 3), "rect")
    with pytest.raises(NotImplementedError, match="not implemented for full matrices"):
        s2s.grad(lambda x: snp.linalg.svd(x)[0].sum())(a)
    with pytest.raises(NotImplementedError, match="not implemented for full matrices"):
        jax.grad(lambda x: jl.svd(x)[0].sum())(a)
    with pytest.raises(NotImplementedError, match="geqrf"):
        s2s.grad(lambda x: snp.linalg.qr(x, mode="raw")[0].sum())(a)
    with pytest.raises(NotImplementedError, match="geqrf"):
        jax.grad(lambda x: jl.qr(x, mode="raw")[0].sum())(a)


@pytest.mark.parametrize("call, error, message", [
    (lambda L: L.pinv(np.eye(2), rtol=0.1, rcond=0.1), ValueError, "only one of rtol"),
    (lambda L: L.matrix_power(np.ones(3), 2), TypeError, "Array must be at least"),
    (lambda L: L.matrix_power(np.ones((2, 3)), 2), TypeError, "must be square"),
    (lambda L: L.matrix_power(np.eye(2), 1.5), TypeError, "exponent must be an integer"),
    (lambda L: L.lstsq(np.ones((3, 2)), np.ones(4)), ValueError, "Leading dimensions"),
    (lambda L: L.lstsq(np.ones((2, 3, 2)), np.ones((2, 3))), TypeError, "two-dimensional"),
    (lambda L: L.matrix_rank(np.eye(2), rtol=1.0, tol=1.0), ValueError, "only one of tol"),
    (lambda L: L.cond(np.ones(3)), ValueError, "at least 2D"),
    (lambda L: L.cond(np.ones((2, 3)), 1), ValueError, "must be square"),
    (lambda L: L.multi_dot([]), ValueError, "at least two arrays"),
    (lambda L: L.multi_dot([np.ones((2, 3)), np.ones((2, 3))]), ValueError, "last dimension"),
    (lambda L: L.multi_dot([np.ones((2, 2, 2)), np.ones((2, 3))]), ValueError,
     "two-dimensional"),
    (lambda L: L.tensorinv(np.ones((2, 3)), 1), ValueError, "tensorinv is only possible"),
    (lambda L: L.tensorinv(np.ones((2, 2)), 0), ValueError, "positive integer"),
    (lambda L: L.tensorsolve(np.ones((2, 3)), np.ones(3)), ValueError, "leading shape"),
    (lambda L: L.vector_norm(np.ones(3), ord="inf"), ValueError, "Invalid order"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_as_jax(call, error, message):
    for L in (snp.linalg, jl):
        with pytest.raises(error, match=message):
            call(L)


@pytest.mark.parametrize("call, error, message", [
    (lambda S: S.solve_triangular(np.eye(2), np.ones(2), trans=3), ValueError,
     "Invalid 'trans'"),
    (lambda S: S.qr(np.eye(2), mode="bad"), ValueError, "Unsupported QR"),
    (lambda S: S.solve(np.eye(2), np.ones(2), assume_a="x"), ValueError, "assume_a"),
    (lambda S: S.eigh(np.eye(2), np.eye(2)), NotImplementedError, "b=None"),
    (lambda S: S.expm(np.ones((2, 3))), ValueError, "square matrix"),
    (lambda S: S.block_diag(np.ones((1, 1, 1))), ValueError, "at most 2"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_scipy_errors_as_jax(call, error, message):
    for S in (ssl, jsl):
        with pytest.raises(error, match=message):
            call(S)


def test_integer_results():
    a = _gen((4, 3), "rect")
    low = np.outer(np.arange(1.0, 5.0), np.arange(1.0, 4.0)).astype(np.float32)
    for x in (a, low, np.stack([a, low])):
        assert np.array_equal(snp.linalg.matrix_rank(x), jl.matrix_rank(x))
    assert np.asarray(snp.linalg.lstsq(a, a[:, 0])[2]) == 3
    piv_s, piv_j = ssl.lu_factor(_gen((4, 4)))[1], jsl.lu_factor(_gen((4, 4)))[1]
    assert np.array_equal(piv_s, piv_j) and np.asarray(piv_s).dtype == np.int32
    assert np.isnan(np.asarray(ssl.expm(np.full((2, 2), 1e9, np.float32), max_squarings=4))).all()
    assert np.isnan(np.asarray(jsl.expm(np.full((2, 2), 1e9, np.float32), max_squarings=4))).all()
