"""The rest of jax.scipy.special (gamma family, zeta/polygamma, incomplete gamma and beta,
Bessel i0/i1, entropies, boxcox, comb, bernoulli) against jax on grids with edge values;
derivatives against jax (including parameters jax differentiates), vmap against a loop."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jsp = jax.scipy.special
ours_sp = s2s.scipy.special

EDGES = [0.0, -0.0, -1.0, -1.5, -2.5, np.inf, -np.inf, np.nan]
POS = [0.1, 0.5, 1.0, 2.5, 7.0, 30.0]
UNARY = [  # (name, values checked, points where derivatives are checked)
    ("gamma", EDGES + POS + [171.0, 172.0], [-1.5, 0.3, 2.5, 7.0]),
    ("gammasgn", EDGES + POS, []),
    ("loggamma", EDGES + POS + [1e30], [0.3, 2.5, 30.0]),
    ("factorial", EDGES + POS + [3.0, 171.0], [0.5, 3.0]),
    ("digamma", EDGES + POS + [1e-3], [-1.5, 1e-3, 0.5, 7.0, 30.0]),
    ("i0", EDGES + POS + [-30.0, 100.0, 19.9, 20.1], [0.0, -1.0, 5.0, 25.0]),
    ("i0e", EDGES + POS + [-30.0, 100.0, 19.9, 20.1, 1e4], [0.0, -1.0, 5.0, 25.0]),
    ("i1", EDGES + POS + [-30.0, 100.0], [0.0, -1.0, 5.0, 25.0]),
    ("i1e", EDGES + POS + [-30.0, 100.0, 1e4], [0.0, -1.0, 5.0, 25.0]),
    ("exp1", EDGES + POS + [1e-3, 100.0], [1e-3, 0.5, 2.0, 30.0]),
    ("expi", EDGES + POS + [1e-3, -30.0, -100.0, 39.0, 41.0, 80.0, 100.0],
     [-5.0, -0.5, 1e-3, 2.0, 30.0, 50.0]),
]


def close(a, b, rtol=2e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("name, xs, grads", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, xs, grads):
    ours, ref = getattr(ours_sp, name), getattr(jsp, name)
    x = np.array(xs, np.float32)
    close(ours(snp.asarray(x)), ref(x), rtol=1e-5)
    close(ours(snp.arange(3)), ref(np.arange(3)), rtol=1e-5)  # (integers: the default float)
    if grads:
        g = np.array(grads, np.float32)
        close(s2s.vmap(s2s.grad(ours))(snp.asarray(g)), jax.jit(jax.vmap(jax.grad(ref)))(g),
              rtol=1e-4)  # (jax jitted: one compile for the reference)


def test_derivative_rules_of_lax_special_functions():
    """digamma's slope is the trigamma function; second derivatives of gammaln exist."""
    x = np.array([0.3, 1.5, 8.0], np.float32)
    for f, fj in [(s2s.grad(s2s.grad(ours_sp.gammaln)), jax.grad(jax.grad(jsp.gammaln))),
                  (s2s.grad(s2s.grad(ours_sp.digamma)), jax.grad(jax.grad(jsp.digamma)))]:
        close(s2s.vmap(f)(snp.asarray(x)), jax.vmap(fj)(x), rtol=1e-4)
    close(s2s.jvp(ours_sp.digamma, (snp.asarray(x),), (snp.ones(3),))[1],
          jax.jvp(jsp.digamma, (x,), (np.ones(3, np.float32),))[1], rtol=1e-5)


A = [0.0, 0.0, 1.0, 1.0, -1.0, 2.0, np.inf, 2.0, np.nan, 1e-3, 50.0, 2.0, 0.5, 3.0, 10.0, 100.0]
X = [0.0, 1.0, 0.0, -1.0, 1.0, np.inf, 1.0, np.nan, 1.0, 1e-3, 49.0, 1e4, 2.0, 1.0, 12.0, 90.0]
BINARY = [  # (name, first, second, (derivative points), derivative arguments, rtol)
    ("gammainc", A, X, ([0.5, 2.0, 30.0, 3.0], [1.5, 0.5, 31.0, 9.0]), (0, 1), 3e-4),
    ("gammaincc", A, X, ([0.5, 2.0, 30.0, 3.0], [1.5, 0.5, 31.0, 9.0]), (0, 1), 3e-4),
    ("zeta", [1.5, 2.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.5, 1.01, 1.0, 0.5],
     [0.5, 2.0, 0.3, 0.0, -1.0, -1.5, np.inf, 1e-3, 100.0, 7.0, 1.0, 1.0],
     ([1.5, 2.5, 4.0], [0.5, 1.5, 3.0]), (0, 1), 2e-5),
    ("poch", [-1.5, 2.0, 0.0, -0.5, 3.0, 4.5], [2.0, -1.5, 1.0, -0.7, 0.0, 2.5],
     ([2.0, 4.5], [1.5, 2.5]), (0, 1), 1e-5),
    ("beta", [-1.5, 2.0, 0.0, -0.5, 3.0], [2.0, -1.5, 1.0, -0.7, 0.5],
     ([2.0, 4.5], [1.5, 2.5]), (0, 1), 1e-5),
    ("rel_entr", [0.0, 0.0, 0.5, 1.0, -1.0, 0.3], [0.0, 1.0, 0.0, 0.5, 1.0, -0.2],
     ([0.5, 1.0], [0.3, 2.0]), (0, 1), 1e-5),
    ("kl_div", [0.0, 0.0, 0.5, 1.0, -1.0, 0.3], [0.0, 1.0, 0.0, 0.5, 1.0, -0.2],
     ([0.5, 1.0], [0.3, 2.0]), (0, 1), 1e-5),
    ("boxcox", [0.0, 1.0, 2.0, -1.0, 3.0], [0.0, 0.5, 0.0, 2.0, -1.5],
     ([0.5, 2.0], [0.0, 1.5]), (0, 1), 1e-5),
    ("boxcox1p", [0.0, 1.0, 2.0, -1.0, 3.0], [0.0, 0.5, 0.0, 2.0, -1.5],
     ([0.5, 2.0], [0.0, 1.5]), (0, 1), 1e-5),
    ("comb", [5.0, 5.0, 3.0, 10.0, 4.5], [2.0, 7.0, -1.0, 3.0, 2.0], ([5.0], [2.0]), (0,), 1e-5),
]


@pytest.mark.parametrize("name, a, b, at, wrt, rtol", BINARY, ids=[b[0] for b in BINARY])
def test_binary(name, a, b, at, wrt, rtol):
    ours, ref = getattr(ours_sp, name), getattr(jsp, name)
    a, b = np.array(a, np.float32), np.array(b, np.float32)
    close(ours(snp.asarray(a), snp.asarray(b)), ref(a, b), rtol=rtol)
    a, b = (np.array(v, np.float32) for v in at)
    g = s2s.vmap(s2s.grad(ours, wrt))(snp.asarray(a), snp.asarray(b))
    for u, v in zip(g, jax.vmap(jax.grad(ref, wrt))(a, b)):
        close(u, v, rtol=1e-4)


def test_betainc():
    a = np.array([0, 1, 1, 1, -1, 2, 2, 2, 2, 0.5, 3, 20, 0.2, 5], np.float32)
    b = np.array([1, 0, 1, 1, 1, 2, 2, 2, 2, 0.5, 0.7, 2, 0.3, 15], np.float32)
    x = np.array([0.5, 0.5, 0, 1, 0.5, -0.1, 1.1, np.nan, 0.3, 0.999, 0.6, 0.95, 0.2, 0.25],
                 np.float32)
    close(ours_sp.betainc(a, b, x), jsp.betainc(a, b, x), rtol=1e-5, atol=2e-6)
    sl = slice(8, None)
    g = s2s.vmap(s2s.grad(ours_sp.betainc, 2))(a[sl], b[sl], x[sl])
    close(g, jax.vmap(jax.grad(jsp.betainc, 2))(a[sl], b[sl], x[sl]), rtol=1e-4)


def test_betainc_parameter_derivative_against_finite_differences():
    """(jax refuses these; s2s differentiates the continued fraction.)"""
    import scipy.special
    from conftest import x64_in_both
    with x64_in_both(True):
        a, b, x = 2.5, 1.5, 0.4
        da, db = s2s.grad(ours_sp.betainc, (0, 1))(a, b, x)
        h = 1e-6
        close(da, (scipy.special.betainc(a + h, b, x) - scipy.special.betainc(a - h, b, x))
              / (2 * h), rtol=1e-6)
        close(db, (scipy.special.betainc(a, b + h, x) - scipy.special.betainc(a, b - h, x))
              / (2 * h), rtol=1e-6)


def test_riemann_zeta_refused_as_jax():
    with pytest.raises(NotImplementedError, match="Riemann zeta"):
        ours_sp.zeta(2.0)


def test_polygamma_multigammaln_bernoulli_softmax_errors():
    n = np.array([1, 1, 1, 2, 2, 2, 3, 3, 0, 0, -1, 4])
    x = np.array([0, -1, -2, 0, -1, -0.5, 0, -2, 0, -1, 1.5, 2.5], np.float32)
    close(ours_sp.polygamma(n, x), jsp.polygamma(n, x), rtol=1e-5)
    g = np.array([0.5, 2.5, 7.0], np.float32)
    close(s2s.vmap(s2s.grad(ours_sp.polygamma, 1))(np.array([1, 2, 3]), g),
          jax.vmap(jax.grad(jsp.polygamma, 1))(np.array([1, 2, 3]), g), rtol=1e-4)
    with pytest.raises(ValueError, match="must be of integer type"):
        ours_sp.polygamma(1.5, 2.0)
    a = np.array([2.0, 3.5], np.float32)
    close(ours_sp.multigammaln(a, 3), jsp.multigammaln(a, 3), rtol=1e-5)
    close(s2s.grad(lambda v: snp.sum(ours_sp.multigammaln(v, 2)))(a),
          jax.grad(lambda v: jax.numpy.sum(jsp.multigammaln(v, 2)))(a), rtol=1e-5)
    close(ours_sp.bernoulli(12), jsp.bernoulli(12), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="non-negative"):
        ours_sp.bernoulli(-1)
    with pytest.raises(NotImplementedError):
        ours_sp.factorial(3, exact=True)
    m = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, 0.5]], np.float32)
    for name in ("softmax", "log_softmax"):
        close(getattr(ours_sp, name)(m), getattr(jsp, name)(m), rtol=1e-5)
        close(getattr(ours_sp, name)(m, axis=1), getattr(jsp, name)(m, axis=1), rtol=1e-5)


def test_spence():
    """Values as jax's; the slope ``log(x) / (1 - x)`` exactly (jax's gradient is 0 at 1 and
    NaN on (1, 2])."""
    x = np.array([0, 1e-3, 0.3, 0.5, 1, 1.49, 1.7, 2, 10, 1e4, -1, np.inf, np.nan], np.float32)
    close(ours_sp.spence(x), jsp.spence(x), rtol=1e-5, atol=1e-6)
    g = np.array([0.3, 1.0, 1.7, 10.0], np.float32)
    close(s2s.vmap(s2s.grad(ours_sp.spence))(g),
          np.where(g == 1, -1.0, np.log(g) / (1 - np.where(g == 1, 0, g))).astype(np.float32),
          rtol=1e-5)


def test_vmap_against_loop():
    a = np.array([0.5, 2.0, 7.0], np.float32)
    x = np.array([1.0, 0.3, 9.0], np.float32)
    batched = s2s.vmap(ours_sp.gammainc)(a, x)
    close(batched, np.stack([np.asarray(ours_sp.gammainc(u, v)) for u, v in zip(a, x)]))
    batched = s2s.vmap(ours_sp.i1e)(x)
    close(batched, np.stack([np.asarray(ours_sp.i1e(v)) for v in x]))
