"""``s2s.scipy.stats.geom`` (trials to the first success), as source (see ``s2s.nn``)."""
from s2s import numpy as jnp
from s2s.scipy.special import xlog1py
from s2s.scipy.stats._common import standardize, unsupported

S2S_SOURCE_LIBRARY = True


def logpmf(k, p, loc=0):
    k = standardize(k, loc, 1)
    return unsupported(k < 1, xlog1py(k - 1.0, -p) + jnp.log(p))


def pmf(k, p, loc=0):
    return jnp.exp(logpmf(k, p, loc))
