"""``s2s.nn.initializers``: functions ``init(key, shape, dtype=float32) -> array``.

Each draws from ``s2s.random`` exactly as jax's does, so the same key gives the same array.
"""
import math

import numpy as np

from s2s import numpy as jnp
from s2s import random


def _float(dtype):
    return jnp.zeros((), dtype=dtype).dtype if dtype is not None else jnp.zeros(()).dtype


def zeros(key, shape, dtype=None):
    return jnp.zeros(shape, _float(dtype))


def ones(key, shape, dtype=None):
    return jnp.ones(shape, _float(dtype))


def constant(value, dtype=None):
    def init(key, shape, dtype=dtype):
        return jnp.full(shape, value, dtype=_float(dtype))
    return init


def normal(stddev=1e-2, dtype=None):
    def init(key, shape, dtype=dtype):
        return random.normal(key, shape, _float(dtype)) * stddev
    return init


def uniform(scale=1e-2, dtype=None):
    def init(key, shape, dtype=dtype):
        return random.uniform(key, shape, _float(dtype)) * scale
    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0):
    def init(key, shape, dtype=dtype):
        return random.truncated_normal(key, lower, upper, shape, _float(dtype)) * stddev
    return init


def _fans(shape, in_axis, out_axis, batch_axis):
    """(fan in, fan out): the in / out axis sizes times the receptive field (the other axes,
    batch axes left out)."""
    if len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         f"weights tensor. Must be at least 2D.")
    ndim = len(shape)
    in_axes = [a % ndim for a in np.atleast_1d(in_axis)]
    out_axes = [a % ndim for a in np.atleast_1d(out_axis)]
    batch = [a % ndim for a in np.atleast_1d(batch_axis)] if batch_axis != () else []
    in_size = math.prod(shape[a] for a in in_axes)
    out_size = math.prod(shape[a] for a in out_axes)
    field = math.prod(shape) / in_size / out_size / math.prod(shape[a] for a in batch)
    return in_size * field, out_size * field


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=None):
    """Samples with variance ``scale / n`` (``n``: fan in, fan out or their mean, by
    ``mode``) from a truncated normal, a normal or a uniform ``distribution``."""
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"invalid distribution for variance scaling initializer: "
                         f"{distribution}")

    def init(key, shape, dtype=dtype):
        shape = tuple(shape)
        fan_in, fan_out = _fans(shape, in_axis, out_axis, batch_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        dt = _float(dtype)
        variance = np.asarray(scale / n, dt)  # (in the sample's precision, as jax rounds)
        if distribution == "truncated_normal":
            # (the standard deviation of a unit normal truncated to [-2, 2])
            stddev = np.sqrt(variance) / np.asarray(.87962566103423978, dt)
            return random.truncated_normal(key, -2, 2, shape, dt) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dt) * np.sqrt(variance)
        return random.uniform(key, shape, dt, -1, 1) * np.sqrt(3 * variance)
    return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """A (semi-)orthogonal matrix from the QR factorization of a normal sample, columns along
    ``column_axis``."""
    def init(key, shape, dtype=dtype):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        dt = _float(dtype)
        n_rows = math.prod(shape) // shape[column_axis]
        n_cols = shape[column_axis]
        wide = n_rows < n_cols
        a = random.normal(key, (n_cols, n_rows) if wide else (n_rows, n_cols), dt)
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diagonal(r))[None, :]
        if wide:
            q = q.T
        rest = tuple(s for i, s in enumerate(shape) if i != column_axis % len(shape))
        q = jnp.moveaxis(jnp.reshape(q, rest + (n_cols,)), -1, column_axis)
        return scale * q
    return init
