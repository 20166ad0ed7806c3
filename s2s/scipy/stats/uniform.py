"""``s2s.scipy.stats.uniform`` on ``[loc, loc + scale]``, as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return unsupported(jnp.logical_or(z < 0, z > 1), -jnp.log(scale * jnp.ones_like(z)))


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return jnp.where(z > 0, jnp.where(z < 1, z, 1.0), 0.0)  # (0 for NaN, as jax's)


def ppf(q, loc=0, scale=1):
    q = standardize(q, 0, 1)
    return jnp.where(jnp.logical_and(q >= 0, q <= 1), loc + q * scale, np.nan)
