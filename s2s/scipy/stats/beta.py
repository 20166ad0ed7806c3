"""``s2s.scipy.stats.beta``, as source (see ``s2s.nn``)."""
from s2s import numpy as jnp
from s2s.scipy.special import betainc, betaln, xlog1py, xlogy
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpdf(x, a, b, loc=0, scale=1):
    z = standardize(x, loc, scale)
    outside = jnp.logical_or(z < 0, z > 1)
    safe = jnp.where(outside, 0.5, z)  # (NaN stays)
    log_density = xlogy(a - 1.0, safe) + xlog1py(b - 1.0, -safe) - betaln(a, b)
    return unsupported(outside, log_density - jnp.log(scale))


def pdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    return betainc(a, b, jnp.clip(standardize(x, loc, scale), 0, 1))


def logcdf(x, a, b, loc=0, scale=1):
    return jnp.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    return betainc(b, a, 1.0 - jnp.clip(standardize(x, loc, scale), 0, 1))


def logsf(x, a, b, loc=0, scale=1):
    return jnp.log(sf(x, a, b, loc, scale))
