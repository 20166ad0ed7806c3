"""``s2s.scipy.stats.gamma`` (shape ``a``), as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.special import gammainc, gammaincc, gammaln, xlogy
from s2s.scipy.stats._common import standardize

S2S_SOURCE_LIBRARY = True


def logpdf(x, a, loc=0, scale=1):
    z = standardize(x, loc, scale)
    safe = jnp.where(z >= 0, z, 1.0)  # (NaN x: -inf, as jax's)
    return jnp.where(z >= 0, xlogy(a - 1.0, safe) - safe - gammaln(a) - jnp.log(scale),
                     -np.inf)


def pdf(x, a, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return gammainc(a, jnp.where(z < 0, 0.0, z))


def logcdf(x, a, loc=0, scale=1):
    return jnp.log(cdf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return gammaincc(a, jnp.where(z < 0, 0.0, z))


def logsf(x, a, loc=0, scale=1):
    return jnp.log(sf(x, a, loc, scale))
