"""Window functions of ``jax.numpy`` (``bartlett blackman hamming hanning kaiser``), written
over the rest of ``s2s.numpy`` (a source library; ``kaiser`` differentiates in ``beta``)."""
import operator

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s.numpy.elementwise import i0

S2S_SOURCE_LIBRARY = True
__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _length(M, name):
    try:
        return operator.index(M)
    except TypeError:
        if isinstance(M, (float, np.floating)):
            return int(M)
        raise TypeError(f"{name}: M must be an integer; got {M!r}") from None


def _positions(M):
    """``n / (M - 1)`` for ``n`` in ``1 - M, 3 - M, ..., M - 1`` (from -1 to 1)."""
    n = jnp.arange(1 - M, M, 2, dtype=dtypes.default_float())
    return n / (M - 1)


def bartlett(M):
    M = _length(M, "bartlett")
    if M <= 1:
        return jnp.ones(max(M, 0) if M >= 0 else M, dtypes.default_float())
    return 1.0 - jnp.abs(_positions(M))


def _cosine_window(M, name, weights):
    M = _length(M, name)
    if M <= 1:
        return jnp.ones(max(M, 0) if M >= 0 else M, dtypes.default_float())
    t = np.pi * _positions(M)
    out = weights[0] + 0.0 * t
    for k in range(1, len(weights)):
        out = out + weights[k] * jnp.cos(k * t)
    return out


def blackman(M):
    return _cosine_window(M, "blackman", (0.42, 0.5, 0.08))


def hamming(M):
    return _cosine_window(M, "hamming", (0.54, 0.46))


def hanning(M):
    return _cosine_window(M, "hanning", (0.5, 0.5))


def kaiser(M, beta):
    M = _length(M, "kaiser")
    if M <= 1:
        return jnp.ones(max(M, 0) if M >= 0 else M, dtypes.default_float())
    r = _positions(M)
    return i0(beta * jnp.sqrt(1.0 - r * r)) / i0(beta)
