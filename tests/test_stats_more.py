"""s2s.scipy.stats' distributions against jax.scipy.stats: values on grids with points outside
the support, derivatives in x and in the parameters, vmap against a loop, multivariate_normal.
"""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jst = jax.scipy.stats

X = np.array([-3.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.5, 7.0, np.inf, -np.inf, np.nan], np.float32)
Q = np.array([-0.1, 0.0, 0.01, 0.3, 0.5, 0.9, 1.0, 1.2], np.float32)
K = np.array([-1.0, 0.0, 1.0, 2.0, 2.5, 3.0, 7.0], np.float32)
# (distribution, functions, grid, parameters, points for derivatives)
TABLE = [
    ("uniform", ["logpdf", "pdf", "cdf"], X, (0.2, 2.0), [0.5, 1.0]),
    ("uniform", ["ppf"], Q, (0.2, 2.0), [0.3]),
    ("expon", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X, (0.2, 2.0), [0.5, 3.0]),
    ("expon", ["ppf"], Q, (0.2, 2.0), [0.3, 0.9]),
    ("laplace", ["logpdf", "pdf", "cdf"], X, (0.2, 2.0), [-1.0, 0.5, 3.0]),
    ("logistic", ["logpdf", "pdf", "cdf", "sf"], X, (0.2, 2.0), [-1.0, 0.5, 3.0]),
    ("logistic", ["ppf", "isf"], Q, (0.2, 2.0), [0.3, 0.9]),
    ("cauchy", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X, (0.2, 2.0), [-1.0, 3.0]),
    ("cauchy", ["ppf", "isf"], Q, (0.2, 2.0), [0.3, 0.9]),
    ("gamma", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X, (2.5, 0.2, 1.5),
     [0.5, 3.0]),
    ("chi2", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X, (3.0, 0.2, 1.5), [0.5, 3.0]),
    ("beta", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X / 8.0, (2.5, 1.5),
     [0.1, 0.3]),
    ("t", ["logpdf", "pdf"], X, (3.5, 0.2, 1.5), [-1.0, 0.5, 3.0]),
    ("norm", ["logpdf", "cdf", "sf"], X, (0.2, 1.5), [-1.0, 3.0]),
    ("poisson", ["logpmf", "pmf", "cdf"], K, (2.5, 0.0), []),
    ("bernoulli", ["logpmf", "pmf"], K, (0.3, 0.0), []),
    ("bernoulli", ["cdf"], K, (0.3,), []),
    ("bernoulli", ["ppf"], Q, (0.3,), []),
    ("binom", ["logpmf", "pmf"], K, (5.0, 0.3, 0.0), []),
    ("geom", ["logpmf", "pmf"], K, (0.3, 0.0), []),
]
IDS = [f"{d}-{fs[0]}" for d, fs, *_ in TABLE]


def close(a, b, rtol=2e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("dist, names, grid, params, at", TABLE, ids=IDS)
def test_distribution(dist, names, grid, params, at):
    ours_mod, ref_mod = getattr(s2s.scipy.stats, dist), getattr(jst, dist)
    for name in names:
        ours, ref = getattr(ours_mod, name), getattr(ref_mod, name)
        close(ours(snp.asarray(grid), *params), ref(grid, *params), rtol=1e-4)
        if not at:
            continue
        x = np.array(at, np.float32)
        # (jax does not differentiate betainc in a and b)
        wrt = (0,) if dist == "beta" and "pdf" not in name else tuple(range(1 + len(params)))
        g = s2s.vmap(s2s.grad(ours, wrt), (0,) + (None,) * len(params))(x, *params)
        gj = jax.jit(jax.vmap(jax.grad(ref, wrt), (0,) + (None,) * len(params)))(
            x, *(np.float32(p) for p in params))  # (jitted: one compile for the reference)
        for u, v in zip(g, gj):
            close(u, v, rtol=2e-4, atol=1e-5)


def test_discrete_parameter_derivatives_and_vmap():
    k = np.array([0.0, 1.0, 3.0], np.float32)
    for ours, ref, params in [(s2s.scipy.stats.poisson.logpmf, jst.poisson.logpmf, (2.5,)),
                              (s2s.scipy.stats.binom.logpmf, jst.binom.logpmf, (5.0, 0.3)),
                              (s2s.scipy.stats.geom.logpmf, jst.geom.logpmf, (0.3,))]:
        wrt = tuple(range(1, 1 + len(params)))
        g = s2s.grad(ours, wrt)(k[1], *params)
        for u, v in zip(g, jax.grad(ref, wrt)(k[1], *(np.float32(p) for p in params))):
            close(u, v, rtol=1e-5)
    mu = np.array([0.5, 2.0, 7.0], np.float32)
    batched = s2s.vmap(s2s.scipy.stats.poisson.cdf, (None, 0))(3.0, mu)
    close(batched, np.stack([np.asarray(s2s.scipy.stats.poisson.cdf(3.0, m)) for m in mu]))


def test_multivariate_normal():
    mvn, jmvn = s2s.scipy.stats.multivariate_normal, jst.multivariate_normal
    r = np.random.RandomState(0)
    a = r.randn(3, 3).astype(np.float32)
    cov = (a @ a.T + 3 * np.eye(3)).astype(np.float32)
    mean = r.randn(3).astype(np.float32)
    x = r.randn(4, 3).astype(np.float32)
    close(mvn.logpdf(x, mean, cov), jmvn.logpdf(x, mean, cov), rtol=1e-5)
    close(mvn.pdf(x, mean, cov), jmvn.pdf(x, mean, cov), rtol=1e-5)
    close(mvn.logpdf(x, mean, 2.0), jmvn.logpdf(x, mean, 2.0), rtol=1e-5)
    close(mvn.logpdf(x[:, 0], 0.5, 2.0), jmvn.logpdf(x[:, 0], 0.5, 2.0), rtol=1e-5)
    g = s2s.grad(lambda m, c: snp.sum(mvn.logpdf(x, m, c)), (0, 1))(mean, cov)
    gj = jax.grad(lambda m, c: jax.numpy.sum(jmvn.logpdf(x, m, c)), (0, 1))(mean, cov)
    for u, v in zip(g, gj):
        close(u, v, rtol=1e-4, atol=1e-5)
    close(s2s.vmap(mvn.logpdf, (0, None, None))(x, mean, cov),
          jax.vmap(jmvn.logpdf, (0, None, None))(x, mean, cov), rtol=1e-5)
    with pytest.raises(NotImplementedError):
        mvn.logpdf(x, mean, cov, allow_singular=True)
    with pytest.raises(ValueError):
        mvn.logpdf(x, mean, np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError):
        mvn.logpdf(x, mean, np.ones(3, np.float32))
