"""``s2s.scipy.stats.expon``, as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return unsupported(z < 0, -z - jnp.log(scale))


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return jnp.where(z < 0, 0.0, -z)


def sf(x, loc=0, scale=1):
    return jnp.exp(logsf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return jnp.where(z < 0, 0.0, -jnp.expm1(-z))


def logcdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return unsupported(z < 0, jnp.log(-jnp.expm1(-jnp.maximum(z, 0))))


def ppf(q, loc=0, scale=1):
    q = standardize(q, 0, 1)
    inside = jnp.logical_and(q >= 0, q <= 1)
    return jnp.where(inside, -jnp.log1p(-q) * scale + loc, np.nan)
