"""``s2s.scipy.stats.chi2``: the gamma distribution with shape ``df / 2`` and scale ``2``."""
from s2s import numpy as jnp
from s2s.scipy.special import gammaln, xlogy
from s2s.scipy.stats import gamma
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpdf(x, df, loc=0, scale=1):
    """(NaN x: NaN, where gamma's is -inf, as jax's.)"""
    z = standardize(x, loc, 2.0 * scale)
    half = df / 2.0
    safe = jnp.where(z < 0, 1.0, z)
    return unsupported(z < 0, xlogy(half - 1.0, safe) - safe - gammaln(half)
                       - jnp.log(2.0 * scale))


def pdf(x, df, loc=0, scale=1):
    return jnp.exp(logpdf(x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    return gamma.cdf(x, df / 2.0, loc, 2.0 * scale)


def logcdf(x, df, loc=0, scale=1):
    return gamma.logcdf(x, df / 2.0, loc, 2.0 * scale)


def sf(x, df, loc=0, scale=1):
    return gamma.sf(x, df / 2.0, loc, 2.0 * scale)


def logsf(x, df, loc=0, scale=1):
    return gamma.logsf(x, df / 2.0, loc, 2.0 * scale)
