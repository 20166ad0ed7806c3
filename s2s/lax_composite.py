"""``lax`` functions written over the primitives as a source library (like
``s2s/numpy/composite.py``): s2s reads their source, so grad, jvp and vmap of each come from
the functions they call. Names, arguments, values and errors as ``jax.lax``'s."""
import numpy as np

from s2s.runtime import lax
from s2s.runtime import numpy as jnp

S2S_SOURCE_LIBRARY = True
__all__ = ["top_k", "sort_key_val", "dynamic_slice_in_dim", "dynamic_index_in_dim",
           "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim", "slice_in_dim",
           "index_in_dim", "expand_dims", "squeeze", "collapse", "broadcast_to_rank", "full",
           "full_like", "square", "reciprocal", "exp2", "dot", "batch_matmul", "split",
           "cumlogsumexp"]


def top_k(operand, k, *, axis=-1):
    """The ``k`` largest entries along ``axis`` and their indices, largest first (NaN
    counts as largest; equal entries keep their order)."""
    x = jnp.asarray(operand)
    if x.ndim == 0:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension 0")
    axis = axis % x.ndim
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    if k > x.shape[axis]:
        raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={list(x.shape)} and axis={axis}")
    order = jnp.argsort(x, axis=axis, descending=True)
    indices = slice_in_dim(order, 0, k, axis=axis)
    return [jnp.take_along_axis(x, indices, axis=axis), indices]


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    return lax.sort((jnp.asarray(keys), jnp.asarray(values)), dimension, is_stable=is_stable,
                    num_keys=1)


def _axis_start(operand, index, axis):
    return [0] * axis + [index] + [0] * (operand.ndim - axis - 1)


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
    axis = axis % operand.ndim
    sizes = operand.shape[:axis] + (slice_size,) + operand.shape[axis + 1:]
    return lax.dynamic_slice(operand, _axis_start(operand, start_index, axis), sizes)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *,
                         allow_negative_indices=True):
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
    axis = axis % operand.ndim
    return lax.dynamic_update_slice(operand, update, _axis_start(operand, start_index, axis))


def dynamic_update_index_in_dim(operand, update, index, axis, *,
                                allow_negative_indices=True):
    axis = axis % operand.ndim
    update = jnp.asarray(update)
    if update.ndim == operand.ndim - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis)


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    operand = jnp.asarray(operand)
    axis = axis % operand.ndim
    n = operand.shape[axis]
    start = 0 if start_index is None else start_index + n if start_index < 0 else start_index
    limit = n if limit_index is None else limit_index + n if limit_index < 0 else limit_index
    return operand[(slice(None),) * axis + (slice(start, limit, stride),)]


def index_in_dim(operand, index, axis=0, keepdims=True):
    operand = jnp.asarray(operand)
    axis = axis % operand.ndim
    n = operand.shape[axis]
    if index < -n or index >= n:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size {n}")
    index = index % n
    out = slice_in_dim(operand, index, index + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def expand_dims(array, dimensions):
    array = jnp.asarray(array)
    return jnp.expand_dims(array, tuple(dimensions))


def squeeze(array, dimensions):
    array = jnp.asarray(array)
    for d in dimensions:
        if array.shape[d % array.ndim] != 1:
            raise ValueError(f"cannot select an axis to squeeze out which has size not equal "
                             f"to one, got shape={array.shape} and dimensions={tuple(dimensions)}")
    return jnp.squeeze(array, tuple(dimensions))


def collapse(operand, start_dimension, stop_dimension=None):
    operand = jnp.asarray(operand)
    stop = operand.ndim if stop_dimension is None else stop_dimension
    shape = operand.shape
    size = int(np.prod(shape[start_dimension:stop]))
    return jnp.reshape(operand, shape[:start_dimension] + (size,) + shape[stop:])


def broadcast_to_rank(x, rank):
    x = jnp.asarray(x)
    if x.ndim >= rank:
        return x
    return jnp.reshape(x, (1,) * (rank - x.ndim) + x.shape)


def full(shape, fill_value, dtype=None, *, sharding=None):
    return jnp.full(shape, fill_value, dtype)


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """(``x`` gives only a shape, a dtype and a weak type: no derivative flows to it.)"""
    return jnp.full_like(jnp.zeros_like(x), fill_value, dtype, shape)


def square(x):
    return lax.integer_pow(x, 2)


def reciprocal(x):
    return lax.integer_pow(x, -1)


def exp2(x, *, accuracy=None):
    return jnp.exp2(x)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None,
        out_sharding=None):
    if dimension_numbers is not None:
        return lax.dot_general(lhs, rhs, dimension_numbers,
                               preferred_element_type=preferred_element_type)
    lhs, rhs = jnp.asarray(lhs), jnp.asarray(rhs)
    if (lhs.ndim < 1 or lhs.ndim > 2 or rhs.ndim < 1 or rhs.ndim > 2
            or lhs.shape[-1] != rhs.shape[0]):
        raise ValueError(f"jax.lax.dot: dimension_numbers must be specified when not performing "
                         f"simple un-batched matrix-matrix, matrix-vector, or vector-vector "
                         f"products; got lhs_shape={lhs.shape} rhs_shape={rhs.shape}")
    return jnp.dot(lhs, rhs, preferred_element_type=preferred_element_type)


def batch_matmul(lhs, rhs, precision=None):
    if lhs.ndim < 2 or lhs.ndim != rhs.ndim:
        raise ValueError(f"Arguments to batch_matmul must be at least 2D and have the same "
                         f"rank, got {lhs.ndim} and {rhs.ndim}.")
    return jnp.matmul(lhs, rhs)


def split(operand, sizes, axis=0):
    operand = jnp.asarray(operand)
    axis = axis % operand.ndim
    if sum(sizes) != operand.shape[axis]:
        raise ValueError(f"Sum of sizes {sum(sizes)} must be equal to dimension {axis} of the "
                         f"operand shape {list(operand.shape)}")
    starts = np.cumsum((0,) + tuple(sizes))
    return [slice_in_dim(operand, int(starts[i]), int(starts[i + 1]), 1, axis)
            for i in range(len(sizes))]


def cumlogsumexp(operand, axis=0, reverse=False):
    """``log(cumsum(exp(operand)))`` without overflow: prefix ``logaddexp`` by doubling
    (after step ``d`` each entry holds the sum of the ``2d`` entries ending at it)."""
    x = jnp.asarray(operand)
    axis = axis % x.ndim
    if reverse:
        x = jnp.flip(x, axis)
    n = x.shape[axis]
    d = 1
    while d < n:
        pad = jnp.full(x.shape[:axis] + (d,) + x.shape[axis + 1:], -np.inf, x.dtype)
        x = jnp.logaddexp(x, jnp.concatenate([pad, slice_in_dim(x, 0, n - d, 1, axis)], axis))
        d = d * 2
    return jnp.flip(x, axis) if reverse else x
