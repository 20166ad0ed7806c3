"""``s2s.scipy.stats.laplace``, as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.stats._common import standardize

S2S_SOURCE_LIBRARY = True


def logpdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return -np.log(2.0) - jnp.log(scale) - jnp.abs(z)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return jnp.where(z < 0, 0.5 * jnp.exp(jnp.minimum(z, 0)),
                     1.0 - 0.5 * jnp.exp(-jnp.maximum(z, 0)))
