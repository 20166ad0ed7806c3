"""``s2s.scipy.stats.t`` (Student's, ``df`` degrees of freedom), as source (see ``s2s.nn``)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.special import gammaln
from s2s.scipy.stats._common import standardize

S2S_SOURCE_LIBRARY = True


def logpdf(x, df, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return (gammaln((df + 1.0) / 2.0) - gammaln(df / 2.0) - 0.5 * jnp.log(df * np.pi)
            - (df + 1.0) / 2.0 * jnp.log1p(z * z / df) - jnp.log(scale))


def pdf(x, df, loc=0, scale=1):
    return jnp.exp(logpdf(x, df, loc, scale))
