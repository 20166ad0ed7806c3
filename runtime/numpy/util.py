"""Conversion, promotion and broadcasting shared by every ``s2s.numpy`` function."""
import functools

import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.core import Array, put, scalar


def is_scalar(x):
    return isinstance(x, (bool, int, float, complex, np.generic))


def to_array(x, dtype=None, weak_type=None, cached=True):
    """Any array-like -> Array (tracers pass through). Python scalars become weak, and shared
    cached scalars unless ``cached`` is False (``jnp.asarray(2.0)``: a value of the user's own,
    which loop bodies closing over it pass in rather than compile in)."""
    if isinstance(x, Array):
        if dtype is not None and x.dtype != dtype:
            return lax.convert_element_type(x, dtype, bool(weak_type))
        return x
    if isinstance(x, (bool, int, float, complex)):
        d, weak = dtypes.scalar_dtype(x)
        if isinstance(x, int) and not isinstance(x, bool) and dtype is None:
            _check_int_range(x, d)
        # an explicit dtype makes the scalar strong (jnp.asarray(1, 'int8') is not weak)
        weak = (weak and dtype is None) if weak_type is None else weak_type
        if not cached:
            return put(np.asarray(x, dtype or d), weak_type=weak)
        return scalar(x, dtype or d, weak)
    if isinstance(x, (list, tuple)) and any(isinstance(e, Array) or isinstance(e, (list, tuple))
                                           for e in x):
        return _stack_nested(x, dtype)
    if hasattr(x, "__jax_array__"):
        return to_array(x.__jax_array__(), dtype, weak_type)
    val = np.asarray(x)
    if val.dtype == object:
        raise TypeError(f"JAX only supports number and bool dtypes, got an object array from "
                        f"{type(x).__name__}")
    if val.dtype.kind in "USV" and val.dtype not in dtypes.SUPPORTED:
        raise TypeError(f"JAX only supports number and bool dtypes, got dtype {val.dtype}")
    target = dtype or dtypes.canonicalize(val.dtype)
    return put(val.astype(target, copy=False), weak_type=bool(weak_type))


@functools.cache
def _int_bounds(dtype):
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _check_int_range(x, dtype):
    lo, hi = _int_bounds(np.dtype(dtype))
    if not lo <= x <= hi:
        raise OverflowError(f"Python int {x} too large to convert to {dtype.name}")


def _stack_nested(seq, dtype):
    from s2s.runtime.numpy.shape import stack
    items = [to_array(e) for e in seq]
    dt = dtype or dtypes.result_type(*[(e.dtype if not e.weak_type else e) for e in items])
    return stack([lax.convert_element_type(e, dt) for e in items]) if items else put(
        np.zeros((0,), dt))


def broadcast_shapes(name, *shapes):
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                            f"{', '.join(str(tuple(s)) for s in shapes)}.")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_to(x, shape):
    x = to_array(x)
    shape = tuple(int(d) for d in shape)
    if x.shape == shape:
        return x
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"Cannot broadcast to shape with fewer dimensions: arr_shape={x.shape} "
                         f"shape={shape}")
    if any(d not in (1, s) for d, s in zip(x.shape, shape[lead:])):
        name = np.dtype(x.dtype).name
        dims = [",".join(map(str, s)) for s in (x.shape, shape)]
        raise ValueError(f"Incompatible types for broadcasting: input type={name}[{dims[0]}] and "
                         f"requested type={name}[{dims[1]}]")
    keep = [i for i, d in enumerate(x.shape) if d == shape[lead + i]]
    if len(keep) != x.ndim:  # drop the size-1 dims that stretch, then broadcast
        x = lax.reshape(x, [x.shape[i] for i in keep])
    return lax.broadcast_in_dim(x, shape, [lead + i for i in keep])


def _dtype_weak(x):
    if isinstance(x, Array):
        return x.aval.dtype, x.aval.weak_type
    if isinstance(x, (bool, int, float, complex)):
        return dtypes.scalar_dtype(x)
    return None


def promote_dtypes(*args):
    """Convert to the common dtype, weak-type aware; returns Arrays (shapes untouched).

    Python scalars are never materialised in their own dtype: they go straight to the result
    dtype, so ``x + 1`` costs one transfer (cached) and one dispatch."""
    if len(args) < 2:
        return [to_array(a) for a in args]
    pairs = [_dtype_weak(a) for a in args]
    if None in pairs:
        args = [to_array(a) if p is None else a for a, p in zip(args, pairs)]
        pairs = [_dtype_weak(a) for a in args]
    dtype, weak = dtypes.promote_weak(*pairs)
    out = []
    for a, (d, w) in zip(args, pairs):
        if not isinstance(a, Array):
            if isinstance(a, int) and not isinstance(a, bool) and np.dtype(dtype).kind in "iu":
                _check_int_range(a, dtype)
            out.append(scalar(a, dtype, w and weak))
        elif d == dtype and w == weak:
            out.append(a)
        else:
            out.append(lax.convert_element_type(a, dtype, weak))
    return out


def promote_args(name, *args):
    """Promote dtypes and broadcast shapes (rank-0 operands are left for the op to splat)."""
    arrays = promote_dtypes(*args)
    shapes = {a.shape for a in arrays if a.shape}
    if len(shapes) <= 1 and (not shapes or all(a.ndim in (0, len(next(iter(shapes))))
                                               for a in arrays)):
        return arrays
    shape = broadcast_shapes(name, *(a.shape for a in arrays))
    return [a if a.shape == () or a.shape == shape else broadcast_to(a, shape) for a in arrays]


def promote_inexact(*args):
    """Like promote_dtypes, then ints and bools become floats (``dtypes.to_inexact``)."""
    arrays = promote_dtypes(*args)
    return [a if dtypes.is_inexact(a.dtype) else
            lax.convert_element_type(a, dtypes.to_inexact(a.dtype, a.weak_type), a.weak_type)
            for a in arrays]


def normalize_axis(axis, ndim, argname="axis"):
    axis = int(axis.__index__()) if not isinstance(axis, int) else axis
    if not -ndim <= axis < ndim:
        raise ValueError(f"{argname} {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def normalize_axes(axis, ndim):
    """None -> all axes; int or tuple -> sorted tuple of non-negative axes (duplicates refused)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    out = tuple(normalize_axis(a, ndim) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(out))


def check_arraylike(name, *args):
    for i, a in enumerate(args):
        if not (isinstance(a, (Array, np.ndarray, np.generic, bool, int, float, complex))
                or hasattr(a, "__jax_array__")):
            raise TypeError(f"{name} requires ndarray or scalar arguments, got {type(a)} at "
                            f"position {i}.")
