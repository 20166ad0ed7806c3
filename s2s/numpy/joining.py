"""Joining and broadcasting several arrays, and the vector products, written over
``s2s.numpy`` as a source library: grad, jvp and vmap of each come from the rules of the
functions it calls (``concatenate``, ``broadcast_to``, ``dot_general``...). Values as jax's.
(Loops over the arrays go by index: a second derivative of ``for a in arrays`` is refused.)"""
import numpy as np

from s2s.runtime import lax
from s2s.runtime import numpy as jnp
from s2s.runtime.numpy.util import normalize_axis
from s2s.numpy.elementwise import _promoted

S2S_SOURCE_LIBRARY = True
__all__ = ["vstack", "hstack", "dstack", "column_stack", "broadcast_arrays", "meshgrid",
           "inner", "tensordot", "vdot", "vecdot"]


def _joined(arrays, axis, dtype):
    out = jnp.concatenate(arrays, axis=axis)
    return out if dtype is None else out.astype(dtype)


def vstack(tup, dtype=None):
    return _joined([jnp.atleast_2d(tup[i]) for i in range(len(tup))], 0, dtype)


def hstack(tup, dtype=None):
    arrays = [jnp.atleast_1d(tup[i]) for i in range(len(tup))]
    return _joined(arrays, 0 if arrays[0].ndim == 1 else 1, dtype)


def dstack(tup, dtype=None):
    return _joined([jnp.atleast_3d(tup[i]) for i in range(len(tup))], 2, dtype)


def column_stack(tup):
    columns = []
    for i in range(len(tup)):
        t = jnp.asarray(tup[i])
        if t.ndim < 2:
            t = jnp.reshape(t, (t.size, 1))
        columns.append(t)
    return jnp.concatenate(columns, axis=1)


def broadcast_arrays(*args):
    shape = ()
    for i in range(len(args)):
        shape = jnp.broadcast_shapes(shape, jnp.shape(args[i]))
    return [jnp.broadcast_to(args[i], shape) for i in range(len(args))]


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    vectors = [jnp.ravel(xi[i]) for i in range(len(xi))]
    swap = indexing == "xy" and len(vectors) >= 2  # the first two axes trade places
    axes = [(1 - i if i < 2 else i) if swap else i for i in range(len(vectors))]
    shape = [0] * len(vectors)
    for i in range(len(vectors)):
        shape[axes[i]] = vectors[i].size
    grids = []
    for i in range(len(vectors)):
        own = [1] * len(vectors)
        own[axes[i]] = vectors[i].size
        grid = jnp.reshape(vectors[i], own)
        if not sparse:
            grid = jnp.broadcast_to(grid, shape)
        grids.append(grid)
    return grids


def inner(a, b):
    a, b = _promoted(a, b, False)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return lax.dot_general(a, b, (([a.ndim - 1], [b.ndim - 1]), ([], [])))


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    a, b = _promoted(a, b, False)
    contracted = _contracted_axes(axes, a.ndim, b.ndim)
    return lax.dot_general(a, b, (contracted, ([], [])),
                           preferred_element_type=preferred_element_type)


def _contracted_axes(axes, ndim_a, ndim_b):
    """tensordot's ``axes`` (a count, or the two sequences of axes) as two lists of axes."""
    if isinstance(axes, (int, np.integer)):
        return list(range(ndim_a - int(axes), ndim_a)), list(range(int(axes)))
    ax_a, ax_b = axes
    ax_a = [normalize_axis(i, ndim_a) for i in np.atleast_1d(ax_a)]
    ax_b = [normalize_axis(i, ndim_b) for i in np.atleast_1d(ax_b)]
    if len(ax_a) != len(ax_b):
        raise TypeError("tensordot requires axes lists to have equal length.")
    return ax_a, ax_b


def vdot(a, b, *, precision=None, preferred_element_type=None):
    a, b = jnp.ravel(a), jnp.ravel(b)
    if np.dtype(a.dtype).kind == "c":
        a = jnp.conj(a)
    return jnp.dot(a, b, preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis=-1):
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    if x1.shape[axis] != x2.shape[axis]:  # (the contracted axis does not broadcast)
        raise ValueError(f"axes must match; got shapes {x1.shape} and {x2.shape} with "
                         f"axis={axis}")
    if np.dtype(x1.dtype).kind == "c":
        x1 = jnp.conj(x1)
    products = x1 * x2
    out = jnp.sum(products, axis=axis)
    if out.dtype != products.dtype:  # integers stay as they are (a dot product, not a sum)
        out = out.astype(products.dtype)
    return out
