"""``s2s.scipy.stats.cauchy``, as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.stats._common import standardize

S2S_SOURCE_LIBRARY = True


def logpdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return -np.log(np.pi) - jnp.log(scale) - jnp.log1p(z * z)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return 0.5 + jnp.arctan(standardize(x, loc, scale)) / np.pi


def logcdf(x, loc=0, scale=1):
    return jnp.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    return 0.5 - jnp.arctan(standardize(x, loc, scale)) / np.pi


def logsf(x, loc=0, scale=1):
    return jnp.log(sf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    return loc + scale * jnp.tan(np.pi * (standardize(q, 0, 1) - 0.5))


def isf(q, loc=0, scale=1):
    return loc + scale * jnp.tan(np.pi * (0.5 - standardize(q, 0, 1)))
