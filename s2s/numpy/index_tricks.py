"""Index helpers of ``jax.numpy``: ``mgrid ogrid r_ c_ s_ index_exp ix_ indices`` and the
index sets of diagonals and triangles, ``ravel_multi_index`` / ``unravel_index``. Index
arrays are int32 constants (x64 off); ``ix_``, ``r_``/``c_`` and the (un)ravelling take
traced values."""
import operator

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Tracer
from s2s.runtime.errors import abstract_value_error

__all__ = ["index_exp", "s_", "mgrid", "ogrid", "r_", "c_", "ix_", "indices", "diag_indices",
           "diag_indices_from", "tril_indices", "tril_indices_from", "triu_indices",
           "triu_indices_from", "mask_indices", "ravel_multi_index", "unravel_index", "block"]

index_exp, s_ = np.index_exp, np.s_


def _device(a):
    a = np.asarray(a)
    return jnp.asarray(a.astype(dtypes.canonicalize(a.dtype)))


class _Grid:
    def __init__(self, grid, name):
        self._grid, self._name = grid, name

    def __getitem__(self, key):
        out = self._grid[key]
        if isinstance(out, tuple):
            return tuple(_device(o) for o in out)
        return _device(out)

    def __repr__(self):
        return f"<s2s.numpy.{self._name}>"


mgrid = _Grid(np.mgrid, "mgrid")
ogrid = _Grid(np.ogrid, "ogrid")


class _Concatenator:
    """``r_`` / ``c_``: slices become ``arange``/``linspace`` (a complex step is a count),
    entries are concatenated along ``axis`` after ``ndmin`` promotion; a leading string
    ``"axis[,ndmin[,trans1d]]"``, or ``"r"`` / ``"c"`` for a matrix row / column stack."""

    def __init__(self, axis, ndmin, trans1d, name):
        self._defaults, self._name = (axis, ndmin, trans1d), name

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self._defaults
        matrix = None
        parts = []
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k != 0:
                    raise ValueError("string directive must be placed at the beginning")
                if item in ("r", "c"):
                    matrix = item
                    continue
                spec = [int(s) for s in item.split(",")]
                axis = spec[0]
                ndmin = spec[1] if len(spec) > 1 else ndmin
                trans1d = spec[2] if len(spec) > 2 else trans1d
                continue
            if isinstance(item, slice):
                arr = _device(np.r_[item])
            else:
                arr = jnp.asarray(item)
            if arr.ndim < ndmin:
                new = arr.ndim
                arr = jnp.reshape(arr, (1,) * (ndmin - new) + arr.shape)
                if trans1d != -1:
                    arr = jnp.transpose(arr, _trans_order(new, ndmin, trans1d))
            parts.append(arr)
        out = jnp.concatenate(parts, axis=axis) if len(parts) > 1 or parts[0].ndim else \
            jnp.reshape(parts[0], (1,))
        if matrix is not None:
            out = jnp.atleast_2d(out)
            if matrix == "c":
                out = out.T
        return out

    def __len__(self):
        return 0

    def __repr__(self):
        return f"<s2s.numpy.{self._name}>"


def _trans_order(nd, ndmin, trans1d):
    """NumPy's placement of an ``nd``-dim entry's axes among ``ndmin`` (``trans1d``)."""
    k2 = ndmin - nd
    k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
    axes = list(range(ndmin))
    return axes[:k1] + axes[k2:] + axes[k1:k2]


r_ = _Concatenator(0, 1, -1, "r_")
c_ = _Concatenator(-1, 2, 0, "c_")


def ix_(*args):
    n = len(args)
    out = []
    for k, a in enumerate(args):
        a = jnp.asarray(a)
        if a.ndim != 1:
            raise ValueError(f"Arguments to jax.numpy.ix_ must be 1-dimensional, got shape "
                             f"{a.shape}")
        if a.dtype == np.bool_:
            raise TypeError("Boolean arguments to jax.numpy.ix_ are not supported.")
        out.append(jnp.reshape(a, (1,) * k + (a.shape[0],) + (1,) * (n - k - 1)))
    return tuple(out)


def indices(dimensions, dtype=None, sparse=False):
    dtype = dtypes.default_int() if dtype is None else dtype
    out = np.indices(tuple(operator.index(d) for d in dimensions), sparse=sparse)
    if sparse:
        return tuple(jnp.asarray(o, dtype) for o in out)
    return jnp.asarray(out, dtype)


def _int_pair(arrays):
    return tuple(jnp.asarray(a.astype(np.int64), dtypes.default_int()) for a in arrays)


def diag_indices(n, ndim=2):
    n, ndim = operator.index(n), operator.index(ndim)
    if n < 0:
        raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
    if ndim < 0:
        raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
    return _int_pair(np.diag_indices(n, ndim))


def diag_indices_from(arr):
    shape = np.shape(arr)
    if len(shape) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(shape[0], len(shape))


def tril_indices(n, k=0, m=None):
    return _int_pair(np.tril_indices(operator.index(n), operator.index(k), m))


def triu_indices(n, k=0, m=None):
    return _int_pair(np.triu_indices(operator.index(n), operator.index(k), m))


def _check_2d(arr, name):
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"{name} requires a 2-D array")
    return shape


def tril_indices_from(arr, k=0):
    n, m = _check_2d(arr, "tril_indices_from")
    return tril_indices(n, k, m)


def triu_indices_from(arr, k=0):
    n, m = _check_2d(arr, "triu_indices_from")
    return triu_indices(n, k, m)


def mask_indices(n, mask_func, k=0, *, size=None):
    mask = np.asarray(mask_func(jnp.ones((n, n), np.bool_), k))
    rows, cols = np.nonzero(mask)
    if size is not None:
        rows = np.concatenate([rows[:size], np.zeros(max(size - len(rows), 0), rows.dtype)])
        cols = np.concatenate([cols[:size], np.zeros(max(size - len(cols), 0), cols.dtype)])
    return _int_pair((rows, cols))


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    dims = tuple(operator.index(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    index = [jnp.asarray(i) for i in multi_index]
    for i in index:
        if not jnp.issubdtype(i.dtype, jnp.integer):
            raise TypeError("only int indices permitted")
    if mode == "raise":
        if any(isinstance(i, Tracer) for i in index):
            t = next(i for i in index if isinstance(i, Tracer))
            raise abstract_value_error(t.dtype, t.shape, "The error occurred because "
                                       "ravel_multi_index was jit-compiled with mode='raise'. Use "
                                       "mode='wrap' or mode='clip' instead.")
        if any(bool(jnp.any((i < 0) | (i >= d))) for i, d in zip(index, dims)):
            raise ValueError("invalid entry in coordinates array")
    elif mode == "clip":
        index = [jnp.clip(i, 0, d - 1) for i, d in zip(index, dims)]
    elif mode == "wrap":
        index = [jnp.remainder(i, d) for i, d in zip(index, dims)]
    else:
        raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', or 'clip'")
    strides = np.cumprod((1,) + (dims[::-1] if order == "C" else dims)[:-1])
    strides = strides[::-1] if order == "C" else strides
    out = jnp.zeros(jnp.broadcast_shapes(*[i.shape for i in index]), dtypes.default_int())
    for i, s in zip(index, strides):
        out = out + jnp.asarray(i, dtypes.default_int()) * int(s)
    return out


def unravel_index(indices, shape):
    shape = tuple(operator.index(d) for d in shape)
    idx = jnp.asarray(indices)
    if not jnp.issubdtype(idx.dtype, jnp.integer):
        raise TypeError("Only integer indices are supported.")
    total = int(np.prod(shape))
    idx = jnp.clip(jnp.where(idx < 0, idx + total, idx), 0, max(total - 1, 0))
    out = []
    for d in shape[::-1]:
        out.append(jnp.remainder(idx, d) if d else idx * 0)
        idx = jnp.floor_divide(idx, d) if d else idx
    return tuple(out[::-1])


def block(arrays):
    def depth(x):
        return 1 + depth(x[0]) if isinstance(x, list) and x else (1 if isinstance(x, list)
                                                                  else 0)
    d = depth(arrays)
    if not isinstance(arrays, list):
        return jnp.asarray(arrays)
    return _block(arrays, d, max([jnp.ndim(x) for x in _leaves(arrays)] + [d]))


def _leaves(x):
    if isinstance(x, list):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def _block(x, depth, nd):
    if not isinstance(x, list):
        a = jnp.asarray(x)
        return jnp.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    parts = [_block(item, depth - 1, nd) for item in x]
    return jnp.concatenate(parts, axis=-depth)
