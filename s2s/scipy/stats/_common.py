"""What the distributions share: the standardized variable and the log-density's support."""
import numpy as np

from s2s import numpy as jnp

S2S_SOURCE_LIBRARY = True


def standardize(x, loc, scale):
    """``(x - loc) / scale`` as a floating array."""
    x = jnp.asarray(x)
    x = x.astype(jnp.result_type(x.dtype, float))
    return (x - loc) / scale


def unsupported(outside, value):
    """``-inf`` where ``outside`` holds, ``value`` elsewhere (NaN stays NaN: the comparisons
    saying "outside" are false for it, as jax writes them)."""
    return jnp.where(outside, -np.inf, value)
