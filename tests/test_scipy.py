"""s2s.scipy.special and s2s.scipy.stats.norm against jax.scipy: values, grad, vmap."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jsp = jax.scipy

X = np.array([-3.0, -1.2, -0.3, 0.0, 0.4, 1.0, 2.5], np.float32)
P = np.array([0.01, 0.2, 0.5, 0.7, 0.99], np.float32)
UNARY = [("erf", X), ("erfc", X), ("erfinv", P * 2 - 1), ("gammaln", X + 3.5),
         ("expit", X), ("logit", P), ("entr", P), ("ndtr", X), ("ndtri", P),
         ("log_ndtr", np.array([-40, -12, -9, -3, 0, 2, 6, 30], np.float32))]


def close(a, b, rtol=2e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("name, x", UNARY, ids=[n for n, _ in UNARY])
def test_special_unary(name, x):
    ours, ref = getattr(s2s.scipy.special, name), getattr(jsp.special, name)
    close(ours(snp.asarray(x)), ref(x))
    g = s2s.grad(lambda v: snp.sum(ours(v)))(snp.asarray(x))
    close(g, jax.grad(lambda v: jax.numpy.sum(ref(v)))(x), rtol=1e-4)
    close(s2s.vmap(s2s.grad(ours))(snp.asarray(x)), jax.vmap(jax.grad(ref))(x), rtol=1e-4)


def test_special_binary_and_logsumexp():
    x = np.array([0.0, 0.5, 2.0, 0.0], np.float32)
    y = np.array([0.0, 1.5, 0.2, 3.0], np.float32)
    for name in ("xlogy", "xlog1py"):
        ours, ref = getattr(s2s.scipy.special, name), getattr(jsp.special, name)
        close(ours(snp.asarray(x), snp.asarray(y)), ref(x, y))
        close(s2s.grad(lambda a: snp.sum(ours(a, snp.asarray(y + 0.5))))(snp.asarray(x + 0.1)),
              jax.grad(lambda a: jax.numpy.sum(ref(a, y + 0.5)))(x + 0.1), rtol=1e-4)
    close(s2s.scipy.special.betaln(snp.asarray(y + 1), 2.0), jsp.special.betaln(y + 1, 2.0),
          rtol=1e-4)
    m = np.stack([X, X[::-1]])
    close(s2s.scipy.special.logsumexp(snp.asarray(m), axis=1),
          jsp.special.logsumexp(m, axis=1))


def test_norm():
    from s2s.scipy.stats import norm
    from jax.scipy.stats import norm as jnorm
    for name in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
        close(getattr(norm, name)(snp.asarray(X), 0.5, 2.0), getattr(jnorm, name)(X, 0.5, 2.0),
              rtol=1e-4)
        g = s2s.grad(lambda s: snp.sum(getattr(norm, name)(snp.asarray(X), 0.5, s)))(2.0)
        close(g, jax.grad(lambda s: jax.numpy.sum(getattr(jnorm, name)(X, 0.5, s)))(2.0),
              rtol=1e-4)
    close(norm.ppf(snp.asarray(P), 1.0, 3.0), jnorm.ppf(P, 1.0, 3.0), rtol=1e-5, atol=1e-5)
    close(s2s.jit(norm.logpdf)(snp.asarray(X)), jnorm.logpdf(X))
