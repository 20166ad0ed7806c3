"""``s2s.scipy.stats.bernoulli`` (success probability ``p``), as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.special import xlog1py, xlogy
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpmf(k, p, loc=0):
    k = standardize(k, loc, 1)
    outside = jnp.logical_and(k != 0, k != 1)
    outside = jnp.logical_and(outside, k == k)  # (NaN k: NaN, as jax's)
    return unsupported(outside, xlogy(k, p) + xlog1py(1.0 - k, -p))


def pmf(k, p, loc=0):
    return jnp.exp(logpmf(k, p, loc))


def cdf(k, p):
    k = standardize(k, 0, 1)
    value = jnp.where(k < 0, 0.0, jnp.where(k < 1, 1.0 - p, 1.0))
    return jnp.where(jnp.logical_or(p < 0, p > 1), np.nan, value)


def ppf(q, p):
    q = standardize(q, 0, 1)
    value = jnp.where(q <= 1.0 - p, 0.0, 1.0)
    invalid = jnp.logical_or(jnp.logical_or(q < 0, q > 1), jnp.logical_or(p < 0, p > 1))
    return jnp.where(invalid, np.nan, value)
