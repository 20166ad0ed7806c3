"""NumPy indexing (``x[idx]``) and functional updates (``x.at[idx].set(v)``).

Every index is first rewritten into an *index plan*: ``None`` becomes a size-1 axis of the operand,
``...`` expands, boolean masks (concrete only) become integer arrays, and each operand axis gets
either a slice or an integer index. Purely static int/slice indexing is done with ``slice`` and
``reshape``; everything else becomes one gather (or scatter) over explicit coordinates, so the
same plan serves reads and updates. Out of bounds: reads clamp, updates are dropped (as JAX).
"""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.core import Array, Tracer
from s2s.runtime.numpy.util import broadcast_shapes, broadcast_to, to_array


class NonConcreteBooleanIndexError(IndexError):
    pass


def _is_int(i):
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _expand(shape, idx):
    """-> (operand shape with None axes inserted, one entry per axis: slice | int | int array)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    idx = [_as_index(i) for i in idx]
    # boolean masks stand for as many axes as they have dims
    n_used = sum(getattr(i, "ndim", 1) if _is_bool_array(i) else (0 if i is None or i is Ellipsis
                                                                   else 1) for i in idx)
    if sum(i is Ellipsis for i in idx) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_used > len(shape):
        raise IndexError(f"Too many indices: {len(shape)}-dimensional array, but {n_used} were "
                         f"indexed")
    out_shape, entries, dim = [], [], 0
    for i in idx:
        if i is Ellipsis:
            for _ in range(len(shape) - n_used):
                out_shape.append(shape[dim]); entries.append(slice(None)); dim += 1
        elif i is None:
            out_shape.append(1); entries.append(slice(None))
        elif _is_bool_array(i):
            if isinstance(i, Tracer):
                raise NonConcreteBooleanIndexError(
                    f"Array boolean indices must be concrete; got {i.aval.str_short()}\n\nSee "
                    f"https://docs.jax.dev/en/latest/errors.html#jax.errors.NonConcreteBooleanIndexError")
            mask = np.asarray(i)
            if mask.shape != tuple(shape[dim:dim + mask.ndim]):
                raise IndexError(f"boolean index did not match shape of indexed array in index "
                                 f"{dim}: got {mask.shape}, expected {tuple(shape[dim:dim + mask.ndim])}")
            if mask.ndim == 0:  # a new axis, kept whole (True) or emptied (False)
                out_shape.append(1); entries.append(np.zeros(int(mask), dtypes.default_int()))
            for nz in np.nonzero(mask) if mask.ndim else ():
                out_shape.append(shape[dim]); entries.append(nz.astype(dtypes.default_int())); dim += 1
        else:
            out_shape.append(shape[dim]); entries.append(i); dim += 1
    while dim < len(shape):
        out_shape.append(shape[dim]); entries.append(slice(None)); dim += 1
    return tuple(out_shape), entries


def _is_bool_array(i):
    return (isinstance(i, (Array, np.ndarray)) and i.dtype == np.bool_) or isinstance(
        i, (bool, np.bool_))


def _as_index(i):
    if i is None or i is Ellipsis or isinstance(i, slice) or _is_int(i):
        return i
    if isinstance(i, (bool, np.bool_)):
        return np.asarray(i)
    if isinstance(i, str):
        raise TypeError(f"JAX does not support string indexing; got idx={i!r}")
    if isinstance(i, (float, complex, np.floating, np.complexfloating)):
        i = np.asarray(i)
    if isinstance(i, (list, tuple)):
        i = np.asarray(i) if not any(isinstance(e, Array) for e in i) else to_array(i)
    if isinstance(i, (np.ndarray, Array)):
        if i.dtype != np.bool_ and np.dtype(i.dtype).kind not in "iu":
            raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                            f"{i.dtype}")
        if isinstance(i, np.ndarray) and i.dtype != np.bool_:
            return i.astype(dtypes.canonicalize(i.dtype))
        return i
    if hasattr(i, "__index__"):
        return int(i.__index__())
    raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and "
                     f"integer or boolean arrays are valid indices. Got {i!r}")


def _static_basic(entries):
    return all(isinstance(e, slice) or _is_int(e) for e in entries) and all(
        not isinstance(e, slice) or all(v is None or _is_int(v) for v in (e.start, e.stop, e.step))
        for e in entries)


def _check_int(i, size, axis):
    """A static index: negative counts from the end, then clamps into range (as JAX's gather)."""
    if size == 0:
        raise IndexError(f"index is out of bounds for axis {axis} with size 0")
    i = i + size if i < 0 else i
    return min(max(i, 0), size - 1)


def getitem(x, idx):
    x = to_array(x)
    shape, entries = _expand(x.shape, idx)
    if shape != x.shape:
        x = lax.reshape(x, shape)
    if _static_basic(entries):
        return _basic(x, entries)
    out_shape, coords = _coordinates(shape, entries)
    if not coords:
        return x
    idx = _stack_coords(coords, out_shape)
    return _gather_points(x, idx) if x.size else _empty(out_shape, x.dtype)


def _gather_points(x, idx):
    """The entries of ``x`` at the coordinate vectors ``idx[..., :]`` (clamped into range)."""
    every = tuple(range(x.ndim))
    dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=every,
                                    start_index_map=every)
    return lax.gather(x, idx, dn, (1,) * x.ndim)


def _empty(shape, dtype):
    from s2s.runtime.numpy.creation import zeros
    return zeros(shape, dtype)


def _basic(x, entries):
    starts, limits, strides, flips, keep = [], [], [], [], []
    for axis, (e, n) in enumerate(zip(entries, x.shape)):
        if isinstance(e, slice):
            start, stop, step = e.indices(n)
            if step < 0:  # walk backwards: reverse the axis and slice forwards
                flips.append(axis)
                start, stop, step = n - 1 - start, n - 1 - stop, -step
            starts.append(start); limits.append(max(start, stop)); strides.append(step)
            keep.append(axis)
        else:
            i = _check_int(e, n, axis)
            starts.append(i); limits.append(i + 1); strides.append(1)
    if flips:
        x = lax.rev(x, flips)
    if starts != [0] * x.ndim or limits != list(x.shape) or strides != [1] * x.ndim:
        x = lax.slice(x, starts, limits, strides)
    out_shape = tuple(x.shape[a] for a in keep)
    return lax.reshape(x, out_shape) if out_shape != x.shape else x


def _coordinates(shape, entries):
    """Result shape and, per operand axis, its integer coordinate array (of the result shape)."""
    adv = [a for a, e in enumerate(entries) if not isinstance(e, slice)]
    adv_arrays = []
    for a in adv:
        e = entries[a]
        arr = to_array(np.asarray(e, dtypes.default_int()) if _is_int(e) else e)
        if np.dtype(arr.dtype).kind == "u":
            arr = lax.convert_element_type(arr, dtypes.default_int())
        zero = lax.convert_element_type(0, arr.dtype)
        n = lax.convert_element_type(shape[a], arr.dtype)
        arr = lax.select(lax.lt(arr, zero), lax.add(arr, n), arr)
        adv_arrays.append(arr)
    bshape = broadcast_shapes("indexing", *(a.shape for a in adv_arrays)) if adv_arrays else ()
    contiguous = adv == list(range(adv[0], adv[0] + len(adv))) if adv else True
    slice_axes = [a for a, e in enumerate(entries) if isinstance(e, slice)]
    ranges = {a: range(*entries[a].indices(shape[a])) for a in slice_axes}
    # layout of the result: slices before the first advanced axis, the broadcast block, the rest
    # (or, when the advanced axes are not adjacent, the broadcast block first)
    pos = adv[0] if adv and contiguous else 0
    before = [a for a in slice_axes if a < pos] if adv else slice_axes
    after = [a for a in slice_axes if a not in before]
    out_shape = tuple([len(ranges[a]) for a in before] + list(bshape) +
                      [len(ranges[a]) for a in after])
    block = len(before)
    itype = dtypes.default_int()
    coords = []
    for a in range(len(shape)):
        if a in ranges:
            r = ranges[a]
            at = (before + [None] * len(bshape) + after).index(a) if a in before else \
                block + len(bshape) + after.index(a)
            vals = lax.add(lax.mul(lax.iota(itype, len(r)), lax.convert_element_type(r.step, itype)),
                           lax.convert_element_type(r.start, itype)) if len(r) else \
                lax.iota(itype, 0)
            coords.append(lax.broadcast_in_dim(vals, out_shape, (at,)))
        else:
            arr = lax.convert_element_type(adv_arrays[adv.index(a)], itype)
            arr = broadcast_to(arr, bshape)
            coords.append(lax.broadcast_in_dim(arr, out_shape,
                                               tuple(range(block, block + len(bshape)))))
    return out_shape, coords


def _stack_coords(coords, out_shape):
    cols = [lax.reshape(c, out_shape + (1,)) for c in coords]
    return lax.concatenate(cols, len(out_shape))


def nonzero(a, *, size=None, fill_value=None):
    x = to_array(a)
    if isinstance(x, Tracer) and size is None:
        from s2s.runtime.errors import ConcretizationTypeError
        raise ConcretizationTypeError(
            "The size argument of jnp.nonzero must be statically specified to use jnp.nonzero "
            "within JAX transformations.")
    if isinstance(x, Tracer):
        raise NotImplementedError("nonzero with size= under tracing")
    if x.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "jnp.atleast_1d(scalar).nonzero() instead.")
    nz = np.nonzero(np.asarray(x))
    if size is not None:
        fill = 0 if fill_value is None else fill_value
        nz = [np.concatenate([n[:size], np.full(max(size - len(n), 0), fill, n.dtype)]) for n in nz]
    return tuple(to_array(n.astype(dtypes.default_int())) for n in nz)


def flatnonzero(a, *, size=None, fill_value=None):
    from s2s.runtime.numpy.shape import ravel
    return nonzero(ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    from s2s.runtime.numpy.shape import stack
    x = to_array(a)
    nz = nonzero(x if x.ndim else lax.reshape(x, (1,)), size=size, fill_value=fill_value)
    out = stack(nz, axis=1)
    return out if x.ndim else out[:, :0]


# ---- functional updates: x.at[idx].set(v) and friends ------------------------------------------

def _scatter(x, idx, values, combine):
    x = to_array(x)
    shape, entries = _expand(x.shape, idx)
    xs = lax.reshape(x, shape) if shape != x.shape else x
    out_shape, coords = _coordinates(shape, entries)
    v = to_array(values)
    if v.dtype != x.dtype:
        v = lax.convert_element_type(v, x.dtype, x.weak_type)
    try:
        v = broadcast_to(v, out_shape)
    except ValueError:
        raise ValueError(f"shape mismatch: value array of shape {v.shape} could not be broadcast "
                         f"to indexing result of shape {out_shape}") from None
    if not coords:  # x.at[...].set(v) on a 0-d array
        res = {"scatter": lambda a, b: b, "scatter_add": lax.add, "scatter_mul": lax.mul,
               "scatter_min": lax.min, "scatter_max": lax.max}[combine](xs, v)
    else:
        every = tuple(range(xs.ndim))
        res = getattr(lax, combine)(xs, _stack_coords(coords, out_shape), v,
                                    lax.ScatterDimensionNumbers(update_window_dims=(),
                                                                inserted_window_dims=every,
                                                                scatter_dims_to_operand_dims=every))
    return lax.reshape(res, x.shape) if shape != x.shape else res


class _IndexUpdateRef:
    def __init__(self, array, index):
        self.array, self.index = array, index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None):
        return getitem(self.array, self.index)

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return _scatter(self.array, self.index, values, "scatter")

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return _scatter(self.array, self.index, values, "scatter_add")

    def subtract(self, values, **kw):
        return self.add(lax.neg(to_array(values)) if not isinstance(values, (int, float, complex))
                        else -values)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return _scatter(self.array, self.index, values, "scatter_mul")

    mul = multiply

    def divide(self, values, **kw):
        from s2s.runtime.numpy.ufuncs import divide
        return self.set(lax.convert_element_type(divide(self.get(), values), self.array.dtype))

    def power(self, values, **kw):
        from s2s.runtime.numpy.ufuncs import power
        return self.set(lax.convert_element_type(power(self.get(), values), self.array.dtype))

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return _scatter(self.array, self.index, values, "scatter_min")

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return _scatter(self.array, self.index, values, "scatter_max")


class _IndexUpdateHelper:
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


# ---- take / take_along_axis ----------------------------------------------------------------------

def _fill_for(dtype, fill_value):
    """``mode='fill'``'s default: NaN for inexact, the minimum of signed ints, the maximum of
    unsigned ints, True for bool (as JAX)."""
    if fill_value is not None:
        return lax.convert_element_type(fill_value, dtype)
    dtype = np.dtype(dtype)
    if dtypes.is_inexact(dtype):
        val = np.nan
    elif dtype == np.bool_:
        val = True
    elif dtype.kind == "u":
        val = np.iinfo(dtype).max
    else:
        val = np.iinfo(dtype).min
    return lax.convert_element_type(val, dtype)


def _prepare_indices(idx, n, mode):
    """Normalise negative indices; returns (in-range indices, validity mask or None)."""
    itype = dtypes.default_int()
    idx = to_array(idx)
    if np.dtype(idx.dtype).kind not in "iu":
        raise TypeError(f"take indices must be of integer type, got {idx.dtype}")
    idx = lax.convert_element_type(idx, itype)
    size = lax.convert_element_type(n, itype)
    zero = lax.convert_element_type(0, itype)
    if mode == "wrap":
        r = lax.rem(idx, size) if n else idx
        return (lax.select(lax.lt(r, zero), lax.add(r, size), r) if n else r), None
    if mode == "clip":
        return lax.clamp(zero, idx, lax.convert_element_type(max(n - 1, 0), itype)), None
    if mode not in (None, "fill", "promise_in_bounds"):
        raise ValueError(f"Invalid mode {mode!r} for take: expected one of 'fill', 'clip', "
                         f"'wrap', 'promise_in_bounds'")
    fixed = lax.select(lax.lt(idx, zero), lax.add(idx, size), idx)
    valid = lax.bitwise_and(lax.ge(fixed, zero), lax.lt(fixed, size))
    clamped = lax.clamp(zero, fixed, lax.convert_element_type(max(n - 1, 0), itype))
    return clamped, (None if mode == "promise_in_bounds" else valid)


def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    """``a`` indexed by ``indices`` along ``axis`` (flattened when None). Out-of-bounds indices
    give ``fill_value`` (default ``mode='fill'``), or clip / wrap."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    x = to_array(a)
    if axis is None:
        x, axis = lax.reshape(x, (x.size,)), 0
    axis = _normalize_axis(axis, x.ndim)
    n = x.shape[axis]
    idx, valid = _prepare_indices(indices, n, mode)
    out_shape = x.shape[:axis] + idx.shape + x.shape[axis + 1:]
    if n == 0 and 0 not in out_shape:
        raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
    if 0 in out_shape:
        return broadcast_to(_fill_for(x.dtype, fill_value), out_shape)
    slice_sizes = tuple(1 if i == axis else d for i, d in enumerate(x.shape))
    offset_dims = tuple(range(axis)) + tuple(range(axis + idx.ndim, len(out_shape)))
    res = lax.gather(x, lax.reshape(idx, idx.shape + (1,)), lax.GatherDimensionNumbers(
        offset_dims=offset_dims, collapsed_slice_dims=(axis,), start_index_map=(axis,)),
        slice_sizes)
    if valid is not None:
        mask = lax.broadcast_in_dim(valid, out_shape, tuple(range(axis, axis + idx.ndim)))
        res = lax.select(mask, res, broadcast_to(_fill_for(x.dtype, fill_value), out_shape))
    return res


def _normalize_axis(axis, ndim):
    from s2s.runtime.numpy.util import normalize_axis
    return normalize_axis(axis, ndim)


def take_along_axis(arr, indices, axis, mode=None, fill_value=None):
    """``arr`` picked along ``axis`` at ``indices`` (same rank; other axes broadcast)."""
    x = to_array(arr)
    idx = to_array(indices)
    if axis is None:
        x, axis = lax.reshape(x, (x.size,)), 0
        if idx.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
    if idx.ndim != x.ndim:
        raise ValueError(f"indices and arr must have the same number of dimensions; "
                         f"{idx.ndim} vs. {x.ndim}")
    axis = _normalize_axis(axis, x.ndim)
    n = x.shape[axis]
    others = [d for i, d in enumerate(x.shape) if i != axis]
    iothers = [d for i, d in enumerate(idx.shape) if i != axis]
    bshape = broadcast_shapes("take_along_axis", others, iothers)
    out_shape = tuple(bshape[:axis]) + (idx.shape[axis],) + tuple(bshape[axis:])
    idx, valid = _prepare_indices(idx, n, mode)
    if n == 0 or 0 in out_shape:
        return broadcast_to(_fill_for(x.dtype, fill_value), out_shape)
    itype = dtypes.default_int()
    idx = broadcast_to(idx, out_shape)
    # the operand's size-1 axes that broadcast are indexed at 0; the others by their position
    coords = []
    for i, d in enumerate(x.shape):
        if i == axis:
            coords.append(idx)
        elif d == 1:
            coords.append(broadcast_to(lax.convert_element_type(0, itype), out_shape))
        else:
            coords.append(lax.broadcasted_iota(itype, out_shape, i))
    res = _gather_points(x, _stack_coords(coords, out_shape))
    if valid is not None:
        res = lax.select(broadcast_to(valid, out_shape), res,
                         broadcast_to(_fill_for(x.dtype, fill_value), out_shape))
    return res
