"""``s2s.scipy.special``: jax.scipy.special's functions, written in s2s.numpy as source that
s2s transforms like user code (see ``s2s.nn``)."""
import numpy as np

from s2s import lax
from s2s import numpy as jnp
from s2s.nn import logsumexp  # noqa: F401

S2S_SOURCE_LIBRARY = True


def erf(x):
    return lax.erf(x)


def erfc(x):
    return lax.erfc(x)


def erfinv(x):
    return lax.erf_inv(x)


def gammaln(x):
    return lax.lgamma(x)


def digamma(x):
    return lax.digamma(x)


def betaln(a, b):
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def expit(x):
    return lax.logistic(x)


def logit(x):
    return jnp.log(x / (1 - x))


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x`` is 0."""
    nonzero = x != 0
    safe_x = jnp.where(nonzero, x, 1)
    safe_y = jnp.where(nonzero, y, 1)
    return jnp.where(nonzero, safe_x * jnp.log(safe_y), 0)


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x`` is 0."""
    nonzero = x != 0
    safe_x = jnp.where(nonzero, x, 1)
    safe_y = jnp.where(nonzero, y, 0)
    return jnp.where(nonzero, safe_x * jnp.log1p(safe_y), 0)


def entr(x):
    """``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` below."""
    positive = x > 0
    safe = jnp.where(positive, x, 1)
    return jnp.where(positive, -(safe * jnp.log(safe)), jnp.where(x == 0, 0.0, -jnp.inf))


def ndtr(x):
    """The standard normal CDF (through erf near 0 and erfc in the tails, for accuracy)."""
    z = x * np.sqrt(0.5)
    w = jnp.abs(z)
    inner = 1.0 + lax.erf(jnp.where(w < np.sqrt(0.5), z, 0.0))
    tails = jnp.where(z > 0, 2.0 - lax.erfc(jnp.where(z > 0, z, 1.0)),
                      lax.erfc(jnp.where(z > 0, 1.0, w)))
    return 0.5 * jnp.where(w < np.sqrt(0.5), inner, tails)


def log_ndtr(x, series_order=3):
    """``log(ndtr(x))``, accurate in both tails: ``-ndtr(-x)`` above ``upper``, an asymptotic
    series below ``lower``."""
    x = jnp.asarray(x)
    lower, upper = (-20.0, 8.0) if x.dtype == jnp.float64 else (-10.0, 5.0)
    low = jnp.minimum(x, lower)
    x2 = low * low
    series = 1.0
    power = x2
    sign = -1.0
    for n in range(1, series_order + 1):
        series = series + sign * float(np.prod(np.arange(2 * n - 1, 0, -2))) / power
        power = power * x2
        sign = -sign
    tail = -0.5 * x2 - jnp.log(-low) - 0.5 * np.log(2 * np.pi) + jnp.log(series)
    middle = jnp.log(ndtr(jnp.clip(x, lower, upper)))
    return jnp.where(x > upper, -ndtr(-jnp.maximum(x, upper)), jnp.where(x > lower, middle,
                                                                        tail))


def ndtri(p):
    """The inverse of ``ndtr``."""
    return np.sqrt(2.0) * lax.erf_inv(2.0 * p - 1.0)
