"""Array editing functions of ``jax.numpy`` written over the rest of ``s2s.numpy`` (a source
library: with static positions, grad, jvp and vmap come from their source). The ``inplace``
functions are functional, as in JAX: ``inplace=False`` is required."""
import operator

import numpy as np

from s2s.runtime import numpy as jnp
from s2s.runtime.core import Tracer
from s2s.runtime.errors import TracerBoolConversionError, abstract_value_error

S2S_SOURCE_LIBRARY = True
__all__ = ["delete", "insert", "compress", "extract", "choose", "place", "put", "put_along_axis",
           "fill_diagonal", "copy", "resize", "trim_zeros", "dsplit"]


def _not_inplace(name, inplace):
    if inplace:
        raise ValueError(f"jax.numpy.{name} cannot modify arrays in-place, because JAX arrays "
                         f"are immutable. Pass inplace=False to instead return an updated array.")


def _positions(obj, n):
    """Static positions (a slice, an int, a sequence) as a sorted list of ints in range."""
    if isinstance(obj, slice):
        return list(range(n))[obj]
    return [int(i) for i in np.ravel(np.asarray(obj))]


def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    a = jnp.asarray(arr)
    if axis is None:
        a = jnp.ravel(a)
        axis = 0
    axis = axis % a.ndim
    return jnp.take(a, jnp.asarray(_kept(obj, a.shape[axis]), int), axis=axis)


def _kept(obj, n):
    drop = set()
    for i in _positions(obj, n):
        drop.add(i % n)
    return [i for i in range(n) if i not in drop]


def insert(arr, obj, values, axis=None):
    a = jnp.asarray(arr)
    if axis is None:
        a = jnp.ravel(a)
        axis = 0
    axis = axis % a.ndim
    n = a.shape[axis]
    scalar_index = not isinstance(obj, slice) and np.ndim(obj) == 0
    where = [i if i >= 0 else i + n for i in _positions(obj, n + 1)]
    v = jnp.asarray(values, a.dtype)
    if scalar_index:
        v = jnp.reshape(v, (1,) * (a.ndim - v.ndim) + v.shape)
        v = jnp.moveaxis(v, 0, axis)
        shape = a.shape[:axis] + (v.shape[axis],) + a.shape[axis + 1:]
        v = jnp.broadcast_to(v, shape)
        where = where * shape[axis]
    else:
        shape = a.shape[:axis] + (len(where),) + a.shape[axis + 1:]
        if v.ndim == a.ndim and v.ndim > 1:
            v = jnp.moveaxis(v, 0, axis)
        elif v.ndim == 1:
            v = jnp.reshape(v, (-1,) + (1,) * (a.ndim - axis - 1))
        v = jnp.broadcast_to(v, shape)
    # stable order: original entries at 2 * i + 1, inserted ones at 2 * position
    keys = [2 * i + 1 for i in range(n)] + [2 * w for w in where]
    order = [int(k) for k in np.argsort(np.asarray(keys), kind="stable")]
    joined = jnp.concatenate([a, v], axis=axis)
    return jnp.take(joined, jnp.asarray(order, int), axis=axis)


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    cond = jnp.asarray(condition)
    if cond.ndim != 1:
        raise ValueError("condition must be a 1D array")
    a = jnp.asarray(a)
    if axis is None:
        a = jnp.ravel(a)
        axis = 0
    a = jnp.moveaxis(a, axis, 0)
    cond = cond[:a.shape[0]] if cond.shape[0] > a.shape[0] else cond
    if cond.shape[0] < a.shape[0]:
        a = a[:cond.shape[0]]
    if size is None:
        if isinstance(cond, Tracer):
            raise TracerBoolConversionError(
                "Attempted boolean conversion of traced array with shape bool[].")
        out = a[cond.astype(bool)]
    else:
        if size <= 0 or size > a.shape[0]:
            raise ValueError(f"size must be positive and not greater than the size of the array "
                             f"axis; got size={size} for a.shape[axis]={a.shape[0]}")
        order = jnp.argsort(jnp.where(cond.astype(bool), 0, 1), stable=True)
        picked = jnp.take(a, order, axis=0)[:size]
        inside = jnp.arange(size) < jnp.sum(cond.astype(bool))
        out = jnp.where(inside.reshape((size,) + (1,) * (a.ndim - 1)), picked,
                        jnp.asarray(fill_value, a.dtype))
    return jnp.moveaxis(out, 0, axis)


def extract(condition, arr, *, size=None, fill_value=0):
    return compress(jnp.ravel(jnp.asarray(condition)), jnp.ravel(jnp.asarray(arr)), size=size,
                    fill_value=fill_value)


def choose(a, choices, out=None, mode="raise"):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    a = jnp.asarray(a)
    n = len(choices)
    if mode == "raise":
        if bool(jnp.any((a < 0) | (a >= n))):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        a = jnp.remainder(a, n)
    elif mode == "clip":
        a = jnp.clip(a, 0, n - 1)
    else:
        raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    out = choices[n - 1] * jnp.ones_like(a)
    for k in range(n - 2, -1, -1):
        out = jnp.where(a == k, choices[k], out)
    return out


def place(arr, mask, vals, *, inplace=True):
    _not_inplace("place", inplace)
    a = jnp.asarray(arr)
    m = jnp.ravel(jnp.asarray(mask, bool))
    v = jnp.ravel(jnp.asarray(vals, a.dtype))
    slot = jnp.remainder(jnp.cumsum(m) - 1, v.shape[0])
    return jnp.reshape(jnp.where(m, jnp.take(v, slot), jnp.ravel(a)), a.shape)


def put(a, ind, v, mode=None, *, inplace=True):
    _not_inplace("put", inplace)
    a = jnp.asarray(a)
    ind = jnp.ravel(jnp.asarray(ind))
    v = jnp.ravel(jnp.asarray(v, a.dtype))
    if v.shape[0] != ind.shape[0]:
        v = jnp.resize(v, ind.shape) if v.size else v
    if mode == "wrap":
        ind = jnp.remainder(ind, a.size)
    elif mode == "clip":
        ind = jnp.clip(ind, 0, a.size - 1)
    elif mode not in (None, "fill", "drop"):
        raise ValueError(f"mode should be one of 'wrap' or 'clip'; got mode={mode!r}")
    return jnp.reshape(jnp.ravel(a).at[ind].set(v), a.shape)


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    _not_inplace("put_along_axis", inplace)
    a = jnp.asarray(arr)
    idx = jnp.asarray(indices)
    if axis is None:
        return jnp.reshape(put(a, idx, values, inplace=False), a.shape)
    axis = axis % a.ndim
    shape = jnp.broadcast_shapes(idx.shape, tuple(1 if k == axis else d
                                                  for k, d in enumerate(a.shape)))
    idx = jnp.broadcast_to(idx, shape)
    full = tuple(jnp.broadcast_to(jnp.reshape(jnp.arange(d), tuple(
        d if k == j else 1 for k in range(a.ndim))), shape) if j != axis else idx
        for j, d in enumerate(a.shape))
    v = jnp.broadcast_to(jnp.asarray(values, a.dtype), shape)
    return a.at[full].set(v)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    _not_inplace("fill_diagonal", inplace)
    a = jnp.asarray(a)
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    n = min(a.shape)
    if wrap:
        raise NotImplementedError("wrap=True is not implemented, must use wrap=False")
    flat = [int(np.ravel_multi_index((k,) * a.ndim, a.shape)) for k in range(n)]
    v = jnp.ravel(jnp.asarray(val, a.dtype))
    v = jnp.take(v, jnp.remainder(jnp.arange(len(flat)), max(v.shape[0], 1))) if v.size else v
    return jnp.reshape(jnp.ravel(a).at[jnp.asarray(flat, int)].set(v), a.shape)


def copy(a, order=None):
    return jnp.array(a, copy=True)


def resize(a, new_shape):
    a = jnp.ravel(jnp.asarray(a))
    new_shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else \
        tuple(operator.index(s) for s in new_shape)
    if any(s < 0 for s in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    total = int(np.prod(new_shape))
    if a.size == 0 or total == 0:
        return jnp.zeros(new_shape, a.dtype)
    reps = -(-total // a.size)
    return jnp.reshape(jnp.tile(a, reps)[:total], new_shape)


def trim_zeros(filt, trim="fb", axis=None):
    if isinstance(filt, Tracer):
        raise abstract_value_error(filt.dtype, filt.shape,
                                   "Error arose in the `filt` argument of trim_zeros()")
    f = np.asarray(filt)
    if f.ndim != 1:
        raise ValueError(f"trim_zeros requires a 1-D input, got shape {f.shape}")
    nz = np.flatnonzero(f)
    start = int(nz[0]) if nz.size and "f" in trim.lower() else (f.size if not nz.size else 0)
    stop = int(nz[-1]) + 1 if nz.size and "b" in trim.lower() else f.size
    return jnp.asarray(filt)[start:max(stop, start)]


def dsplit(ary, indices_or_sections):
    a = jnp.asarray(ary)
    if a.ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return jnp.split(a, indices_or_sections, axis=2)
