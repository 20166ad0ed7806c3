"""``s2s.nn``: jax.nn's activation functions and friends.

They are written in ``s2s.numpy`` as ordinary source, and s2s transforms them by reading it,
as it does the user's code: ``grad``, ``jvp``, ``vmap`` and ``jit`` need no rule of their own,
and a debugger steps into ``relu``'s derivative as into any other. Where jax defines a
derivative at a kink (``relu`` at 0 is 0), the ``where`` the function is written with gives the
same one.
"""
import numpy as np

from s2s import lax
from s2s import numpy as jnp
from s2s.custom import stop_gradient
from s2s.nn import initializers  # noqa: F401

# (s2s transforms functions of this module from their source: see reverse._is_user_function)
S2S_SOURCE_LIBRARY = True


def relu(x):
    return jnp.where(x > 0, x, 0)


def relu6(x):
    return jnp.where(x > 0, jnp.where(x < 6, x, 6.0), 0.0)


def leaky_relu(x, negative_slope=1e-2):
    return jnp.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    safe = jnp.where(x > 0, 0.0, x)  # (expm1 of a large x overflows, and its slope is NaN)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe))


def celu(x, alpha=1.0):
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


def selu(x):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def gelu(x, approximate=True):
    if approximate:
        cdf = 0.5 * (1.0 + jnp.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * (x ** 3))))
        return x * cdf
    return x * (lax.erf(x / np.sqrt(2)) + 1) / 2


def sigmoid(x):
    return lax.logistic(x)


def silu(x):
    return x * sigmoid(x)


swish = silu


def log_sigmoid(x):
    return -softplus(-x)


def soft_sign(x):
    return x / (jnp.abs(x) + 1)


def softplus(x):
    return jnp.logaddexp(x, 0)


def sparse_plus(x):
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def hard_tanh(x):
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


def hard_sigmoid(x):
    return relu6(x + 3.0) / 6.0


def hard_silu(x):
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def softmax(x, axis=-1, where=None):
    if where is not None:
        x = jnp.where(where, x, -jnp.inf)
    shift = stop_gradient(jnp.max(x, axis=axis, keepdims=True))
    unnormalized = jnp.exp(x - shift)
    result = unnormalized / jnp.sum(unnormalized, axis=axis, keepdims=True)
    if where is not None:
        result = jnp.where(where, result, 0.0)
    return result


def log_softmax(x, axis=-1, where=None):
    if where is not None:
        x = jnp.where(where, x, -jnp.inf)
    shifted = x - stop_gradient(jnp.max(x, axis=axis, keepdims=True))
    result = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=axis, keepdims=True))
    if where is not None:
        result = jnp.where(where, result, -jnp.inf)
    return result


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """``log(sum(b * exp(a)))`` without overflow; with ``return_sign``, ``(log|s|, sign s)``."""
    if where is not None:
        a = jnp.where(where, a, -jnp.inf)
    top = jnp.max(a, axis=axis, keepdims=True)
    top = stop_gradient(jnp.where(jnp.isfinite(top), top, 0.0))
    terms = jnp.exp(a - top)
    if b is not None:
        terms = terms * b
    total = jnp.sum(terms, axis=axis, keepdims=keepdims)
    top = top if keepdims else jnp.squeeze(top, axis=axis)
    if return_sign:
        return jnp.log(jnp.abs(total)) + top, stop_gradient(jnp.sign(total))
    return jnp.log(total) + top


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """``(x - mean) / sqrt(variance + epsilon)`` over ``axis``."""
    if mean is None:
        mean = jnp.mean(x, axis=axis, keepdims=True, where=where)
    if variance is None:
        variance = jnp.mean(jnp.square(x), axis=axis, keepdims=True, where=where) - \
            jnp.square(mean)
    return (x - mean) * lax.rsqrt(variance + epsilon)


def glu(x, axis=-1):
    if x.shape[axis] % 2:
        raise ValueError("axis size must be divisible by 2")
    first, second = jnp.split(x, 2, axis)
    return first * sigmoid(second)


def one_hot(x, num_classes, dtype=None, axis=-1):
    """``x[..., None] == arange(num_classes)`` as ``dtype`` (float by default), the new axis
    at ``axis``."""
    x = jnp.asarray(x)
    out_ndim = x.ndim + 1
    if not -out_ndim <= axis < out_ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {out_ndim}")
    axis = axis % out_ndim
    classes = jnp.reshape(jnp.arange(num_classes),
                          tuple(num_classes if i == axis else 1 for i in range(out_ndim)))
    hits = jnp.expand_dims(x, axis) == classes
    return hits.astype(dtype if dtype is not None else jnp.zeros(()).dtype)
