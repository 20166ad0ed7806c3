"""``s2s.scipy.stats.binom`` (``n`` trials of probability ``p``), as source (see ``s2s.nn``).
"""
from s2s import numpy as jnp
from s2s.scipy.special import gammaln, xlog1py, xlogy
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpmf(k, n, p, loc=0):
    k = standardize(k, loc, 1)
    inside = jnp.logical_and(k >= 0, k <= n)  # (NaN k: -inf, as jax's)
    outside = jnp.logical_not(inside)
    safe = jnp.where(outside, 0.0, k)
    log_comb = gammaln(n + 1.0) - gammaln(safe + 1.0) - gammaln(n - safe + 1.0)
    return unsupported(outside, log_comb + xlogy(safe, p) + xlog1py(n - safe, -p))


def pmf(k, n, p, loc=0):
    return jnp.exp(logpmf(k, n, p, loc))
