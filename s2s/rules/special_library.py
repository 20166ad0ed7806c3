"""Special functions the derivative rules of lax's special functions call, written as source
(a source library, see ``s2s.nn``): lgamma's slope is digamma, digamma's is the trigamma
function ``zeta(2, x)``, and the Hurwitz zeta function is a formula s2s differentiates in both
arguments by transforming it, so every order of derivative exists."""
import numpy as np

from s2s.runtime import lax
from s2s.runtime import numpy as jnp

S2S_SOURCE_LIBRARY = True

# Euler-Maclaurin summation of zeta(s, q) = sum_k (q + k)^-s: the first TERMS terms exactly,
# the rest as an integral plus corrections with the Bernoulli numbers B_2, B_4, ...
TERMS = 12
BERNOULLI_OVER_FACTORIAL = [b / float(np.prod(np.arange(1, 2 * j + 3, dtype=np.float64)))
                            for j, b in enumerate([1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66,
                                                   -691 / 2730, 7 / 6, -3617 / 510,
                                                   43867 / 798, -174611 / 330])]


def lgamma_slope(x):
    """d lgamma / dx."""
    return lax.digamma(x)


def digamma_slope(x):
    """d digamma / dx, the trigamma function."""
    return hurwitz_zeta(2.0, x)


def hurwitz_zeta(s, q):
    """``sum_k (q + k)^-s`` for ``s > 1`` (NaN below, inf at 1; inf at the poles ``q = 0, -1,
    ...``), by Euler-Maclaurin summation after ``TERMS`` terms."""
    s, q = jnp.asarray(s), jnp.asarray(q)
    dtype = jnp.result_type(s.dtype, q.dtype, float)
    s, q = s.astype(dtype), q.astype(dtype)
    total = jnp.zeros(jnp.broadcast_shapes(s.shape, q.shape), dtype)
    for k in range(TERMS):
        total = total + jnp.power(q + k, -s)
    a = q + TERMS
    a_power = jnp.power(a, -s)
    total = total + a * a_power / (s - 1.0) + 0.5 * a_power
    factor = s * a_power / a  # s (s+1) ... (s+2j-2) a^(-s-2j+1)
    for j, coefficient in enumerate(BERNOULLI_OVER_FACTORIAL):
        total = total + coefficient * factor
        factor = factor * (s + 2 * j + 1) * (s + 2 * j + 2) / (a * a)
    pole = jnp.logical_or(s == 1, jnp.logical_and(q <= 0, q == jnp.floor(q)))
    undefined = jnp.logical_or(jnp.logical_or(s < 1, jnp.isnan(s)),
                               jnp.logical_or(jnp.isinf(s), jnp.isinf(q)))
    return jnp.where(undefined, np.nan, jnp.where(pole, np.inf, total))
