"""``s2s.scipy.stats.logistic``, as source (see ``s2s.nn``)."""
from s2s import numpy as jnp
from s2s.nn import softplus
from s2s.scipy.special import expit, logit
from s2s.scipy.stats._common import standardize

S2S_SOURCE_LIBRARY = True


def logpdf(x, loc=0, scale=1):
    z = standardize(x, loc, scale)
    return -softplus(-z) - softplus(z) - jnp.log(scale)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return expit(standardize(x, loc, scale))


def sf(x, loc=0, scale=1):
    return expit(-standardize(x, loc, scale))


def ppf(x, loc=0, scale=1):
    return logit(standardize(x, 0, 1)) * scale + loc


def isf(x, loc=0, scale=1):
    return -logit(standardize(x, 0, 1)) * scale + loc
