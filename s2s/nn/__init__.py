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


def sparse_sigmoid(x):
    """``(x + 1) / 2`` clipped to [0, 1] (the derivative of ``sparse_plus``; at the kinks it
    keeps the inner slope, as jax's does)."""
    return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


def squareplus(x, b=4):
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.zeros(()).dtype)
    return 0.5 * (x + jnp.sqrt(x * x + b))


def mish(x):
    return x * jnp.tanh(softplus(x))


def tanh(x):
    return jnp.tanh(x)


def identity(x):
    return jnp.asarray(x)


def log1mexp(x):
    """``log(1 - exp(-x))``: through ``expm1`` below ``log 2`` and ``log1p`` above, where each
    keeps its precision."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.zeros(()).dtype)
    small = x < np.log(2.0)
    near = jnp.log(-jnp.expm1(-jnp.where(small, x, 1.0)))
    far = jnp.log1p(-jnp.exp(-jnp.where(small, 1.0, x)))
    return jnp.where(small, near, far)


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


def logmeanexp(x, axis=None, where=None, keepdims=False):
    """``log(mean(exp(x)))`` over ``axis`` (of the entries ``where`` selects)."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.zeros(()).dtype)
    total = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    if where is None:
        return total - np.log(_reduced_size(x.shape, axis)).astype(x.dtype)
    count = jnp.sum(jnp.broadcast_to(where, x.shape), axis=axis, keepdims=keepdims)
    return total - jnp.log(count.astype(x.dtype))


def _reduced_size(shape, axis):
    """How many entries a reduction over ``axis`` of an array of ``shape`` takes together."""
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    return int(np.prod([shape[a] for a in axes]))


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


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal=False, query_seq_lengths=None, key_value_seq_lengths=None,
                          local_window_size=None, implementation=None, return_residual=False):
    """Scaled dot-product attention over ``[batch,] seq, heads, head_dim`` arrays, jax's XLA
    implementation: key/value heads may be fewer than query heads (grouped), logits in
    float32, masked entries set to a large negative number (fully masked rows average)."""
    if implementation not in (None, "xla"):
        if implementation == "cudnn":
            raise RuntimeError("cuDNN is not detected.")
        raise ValueError(f"Unsupported implementation option: {implementation}")
    query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    unbatched = query.ndim == 3
    if unbatched:
        query, key, value = query[None], key[None], value[None]
        bias = None if bias is None else jnp.asarray(bias)[None] if jnp.ndim(bias) == 4 \
            else bias
        mask = None if mask is None else jnp.asarray(mask)[None] if jnp.ndim(mask) == 4 \
            else mask
    _check_attention_shapes(query.shape, key.shape, value.shape)
    b, t, n, h = query.shape
    s, k = key.shape[1], key.shape[2]
    scale = 1.0 / np.sqrt(h) if scale is None else scale
    grouped = jnp.reshape(query, (b, t, k, n // k, h))
    logits = jnp.einsum("BTKGH,BSKH->BKGTS", grouped, key, preferred_element_type=jnp.float32)
    logits = logits * np.float32(scale)
    if bias is not None:
        logits = logits + _by_group(jnp.asarray(bias).astype(jnp.float32), k)
    allowed = _attention_mask(mask, is_causal, query_seq_lengths, key_value_seq_lengths,
                              local_window_size, b, t, s)
    if allowed is not None:
        big_negative = -0.7 * float(np.finfo(np.float32).max)
        logits = jnp.where(_by_group(allowed, k), logits, np.float32(big_negative))
    probs = softmax(logits, axis=-1).astype(key.dtype)
    out = jnp.einsum("BKGTS,BSKH->BTKGH", probs, value)
    out = jnp.reshape(out, (b, t, n, value.shape[-1]))
    if query_seq_lengths is not None:  # (rows past a query's length are zero)
        valid = jnp.arange(t)[None, :] < jnp.reshape(jnp.asarray(query_seq_lengths), (b, 1))
        out = jnp.where(valid[:, :, None, None], out, jnp.zeros((), out.dtype))
    if return_residual:
        residual = jnp.reshape(jnp.moveaxis(logsumexp(logits, axis=-1), 3, 1), (b, t, n))
        return (out[0], residual[0]) if unbatched else (out, residual)
    return out[0] if unbatched else out


def _check_attention_shapes(query, key, value):
    """(Shapes only: a check of the arrays would be a call on differentiated values.)"""
    if len(query) != 4 or len(key) != 4 or len(value) != 4:
        raise ValueError("query, key and value must be rank 3 or 4 (B, T, N, H), got ranks "
                         f"{len(query)}, {len(key)}, {len(value)}")
    if key[:3] != value[:3] or key[0] != query[0] or key[3] != query[3]:
        raise ValueError(f"query {query}, key {key} and value {value} shapes do not agree")
    if query[2] % key[2]:
        raise ValueError(f"the number of query heads {query[2]} must be a multiple of "
                         f"the number of key heads {key[2]}")


def _by_group(x, k):
    """A ``[B,] N, T, S`` operand (broadcastable) split as ``B, K, G, T, S``."""
    x = jnp.reshape(x, (1,) * (4 - jnp.ndim(x)) + jnp.shape(x))
    heads = x.shape[1]
    return jnp.reshape(x, (x.shape[0], k if heads > 1 else 1, heads // k if heads > 1 else 1)
                       + x.shape[2:])


def _attention_mask(mask, is_causal, query_seq_lengths, key_value_seq_lengths, window, b, t, s):
    """Where attention is allowed (``[B,] N, T, S``, broadcastable), or None for all."""
    allowed = None if mask is None else jnp.asarray(mask).astype(bool)

    def both(a, c):
        return c if a is None else jnp.logical_and(a, c)
    rows = jnp.arange(t)[:, None]
    cols = jnp.arange(s)[None, :]
    if is_causal:
        allowed = both(allowed, rows >= cols)
    if window is not None:
        left, right = (window, window) if isinstance(window, int) else window
        allowed = both(allowed, (cols >= rows - left) & (cols <= rows + right))
    if query_seq_lengths is not None:
        lengths = jnp.reshape(jnp.asarray(query_seq_lengths), (b, 1, 1, 1))
        allowed = both(allowed, rows[None, None] < lengths)
    if key_value_seq_lengths is not None:
        lengths = jnp.reshape(jnp.asarray(key_value_seq_lengths), (b, 1, 1, 1))
        allowed = both(allowed, cols[None, None] < lengths)
    return allowed
