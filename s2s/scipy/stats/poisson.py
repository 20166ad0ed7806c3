"""``s2s.scipy.stats.poisson`` (mean ``mu``), as source (see ``s2s.nn``)."""
from s2s import numpy as jnp
from s2s.scipy.special import gammaincc, gammaln, xlogy
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpmf(k, mu, loc=0):
    k = standardize(k, loc, 1)
    outside = jnp.logical_or(k < 0, k != jnp.floor(k))  # (NaN k: -inf, as jax's)
    safe = jnp.where(outside, 0.0, k)
    return unsupported(outside, xlogy(safe, mu) - gammaln(safe + 1.0) - mu)


def pmf(k, mu, loc=0):
    return jnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    k = standardize(k, loc, 1)
    return jnp.where(k < 0, 0.0, gammaincc(jnp.floor(jnp.where(k < 0, 0.0, k)) + 1.0, mu))
