"""``s2s.scipy.stats.norm``: the normal distribution, as source s2s transforms (see
``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.special import log_ndtr, ndtr, ndtri

S2S_SOURCE_LIBRARY = True


def logpdf(x, loc=0, scale=1):
    z = (x - loc) / scale
    return -0.5 * (z * z) - np.log(np.sqrt(2 * np.pi)) - jnp.log(scale)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return ndtr((x - loc) / scale)


def logcdf(x, loc=0, scale=1):
    return log_ndtr((x - loc) / scale)


def sf(x, loc=0, scale=1):
    return ndtr(-(x - loc) / scale)


def ppf(q, loc=0, scale=1):
    return ndtri(q) * scale + loc


def logsf(x, loc=0, scale=1):
    return log_ndtr(-(x - loc) / scale)
