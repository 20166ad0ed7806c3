"""``lax.gather`` and the scatter family with JAX's arguments: dimension-number named tuples,
``slice_sizes``, ``GatherScatterMode`` and ``fill_value``. The primitives behave as XLA's
(gather clamps a window into the operand, scatter drops a window that does not fit); the
other modes are built here around them, as JAX lowers them: a FILL_OR_DROP gather selects
``fill_value`` for each window that does not fit, a CLIP scatter clamps its indices first."""
import builtins
import enum
from typing import NamedTuple, Sequence

import numpy as np

from s2s.lowering.core import PRIMITIVES
from s2s.runtime import dtypes
from s2s.runtime import lax
from s2s.runtime.core import Array, bind
from s2s.runtime.tracing import compiled


class GatherDimensionNumbers(NamedTuple):
    """How the output of a gather is made of the operand and the index array: which output
    dimensions run within a slice (``offset_dims``), which slice dimensions of size one are
    dropped (``collapsed_slice_dims``), which operand dimension each entry of an index vector
    (the last dimension of the indices) starts, and which operand and index dimensions are
    batch dimensions of each other."""
    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """The mirror image of ``GatherDimensionNumbers`` for writing: ``update_window_dims`` are
    the update dimensions inside a window, ``inserted_window_dims`` the operand's size-one
    window dimensions that updates leave out."""
    update_window_dims: Sequence[int]
    inserted_window_dims: Sequence[int]
    scatter_dims_to_operand_dims: Sequence[int]
    operand_batching_dims: Sequence[int] = ()
    scatter_indices_batching_dims: Sequence[int] = ()


class GatherScatterMode(enum.Enum):
    """Out-of-bounds windows: CLIP clamps the start into range, FILL_OR_DROP fills a gathered
    window (all of it) with ``fill_value`` and drops a scattered one, PROMISE_IN_BOUNDS does
    what XLA does (gathers clamp, scatters drop). ONE_HOT names jnp indexing's one-hot
    rewrite; the lax functions refuse it (jax's fail in lowering)."""
    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()
    ONE_HOT = enum.auto()

    @staticmethod
    def from_any(s):
        if isinstance(s, GatherScatterMode):
            return s
        named = {"clip": "CLIP", None: "FILL_OR_DROP", "fill": "FILL_OR_DROP",
                 "drop": "FILL_OR_DROP", "promise_in_bounds": "PROMISE_IN_BOUNDS",
                 "one_hot": "ONE_HOT"}
        if not isinstance(s, (str, type(None))) or s not in named:
            raise ValueError(f'Unknown gather mode "{s}"')
        return GatherScatterMode[named[s]]


def _ints(dims):
    return tuple(int(d) for d in dims)


def _gather_params(dimension_numbers, slice_sizes):
    dn = dimension_numbers
    return dict(offset_dims=_ints(dn.offset_dims),
                collapsed_slice_dims=_ints(dn.collapsed_slice_dims),
                start_index_map=_ints(dn.start_index_map),
                operand_batching_dims=_ints(dn.operand_batching_dims),
                start_indices_batching_dims=_ints(dn.start_indices_batching_dims),
                slice_sizes=_ints(slice_sizes))


def _scatter_params(dimension_numbers):
    dn = dimension_numbers
    return dict(update_window_dims=_ints(dn.update_window_dims),
                inserted_window_dims=_ints(dn.inserted_window_dims),
                scatter_dims_to_operand_dims=_ints(dn.scatter_dims_to_operand_dims),
                operand_batching_dims=_ints(dn.operand_batching_dims),
                scatter_indices_batching_dims=_ints(dn.scatter_indices_batching_dims))


def _array(x):
    return x if isinstance(x, Array) else lax._as_operand(x)


def default_fill_value(dtype):
    """What an out-of-bounds window of a FILL_OR_DROP gather reads: NaN for inexact types,
    the most negative signed, the largest unsigned integer, True."""
    if dtypes.is_inexact(dtype):
        return np.nan
    if np.dtype(dtype) == np.bool_:
        return True
    info = dtypes.iinfo(dtype)
    return info.min if np.dtype(dtype).kind == "i" else info.max


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    """Slices of ``operand`` of size ``slice_sizes`` starting where ``start_indices`` say,
    arranged by ``dimension_numbers``. JAX's default mode here is PROMISE_IN_BOUNDS."""
    mode = gather_mode(mode)
    x, idx = _array(operand), _array(start_indices)
    params = _gather_params(dimension_numbers, slice_sizes)
    if mode != GatherScatterMode.FILL_OR_DROP:
        return bind("gather", x, idx, indices_are_sorted=bool(indices_are_sorted), **params)
    PRIMITIVES["gather"].shape_rule(x, idx, indices_are_sorted=False, **params)  # (checks)
    fill = default_fill_value(x.dtype) if fill_value is None else fill_value
    return _masked_gather(x, idx, lax.convert_element_type(fill, x.dtype, x.weak_type),
                          indices_are_sorted=bool(indices_are_sorted), **params)


@compiled
def _masked_gather(x, idx, fill, *, indices_are_sorted, **params):
    """A FILL_OR_DROP gather: ``fill`` wherever a window does not fit (one program eagerly,
    as jax lowers it)."""
    itype = np.dtype(np.int32 if builtins.max(x.shape, default=0) < 2 ** 31 else np.int64)
    idx = lax.convert_element_type(idx, itype)
    out = bind("gather", x, idx, indices_are_sorted=indices_are_sorted, **params)
    sim = params["start_index_map"]
    upper = np.array([x.shape[d] - params["slice_sizes"][d] for d in sim], itype)
    nb = idx.ndim - 1
    inside = lax.bitwise_and(
        lax.ge(idx, lax.broadcast_in_dim(np.zeros((), itype), idx.shape, ())),
        lax.le(idx, lax.broadcast_in_dim(upper, idx.shape, (nb,))))
    inside = lax.reduce_and(inside, (nb,))
    batch_dims = [d for d in range(out.ndim) if d not in params["offset_dims"]]
    return lax.select(lax.broadcast_in_dim(inside, out.shape, batch_dims), out,
                      lax.broadcast_in_dim(fill, out.shape, ()))


@compiled
def _clipped_scatter(x, idx, updates, *, name, **params):
    """A CLIP scatter: indices clamped so that every window fits inside the operand first
    (one program eagerly)."""
    dn = ScatterDimensionNumbers(**{k: params[k] for k in ScatterDimensionNumbers._fields})
    sizes = gather_of_scatter(dn, x.ndim, updates.shape)[1]
    cap = np.iinfo(idx.dtype).max
    upper = np.array([min(x.shape[d] - sizes[d], cap) for d in dn.scatter_dims_to_operand_dims],
                     idx.dtype)
    idx = lax.clamp(lax.broadcast_in_dim(np.zeros((), idx.dtype), idx.shape, ()), idx,
                    lax.broadcast_in_dim(upper, idx.shape, (idx.ndim - 1,)))
    return bind(name, x, idx, updates, **params)


def _scatter(name, doc):
    def fn(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
           unique_indices=False, mode=None):
        mode = scatter_mode(mode)
        x, idx, upd = _array(operand), _array(scatter_indices), _array(updates)
        params = dict(_scatter_params(dimension_numbers), indices_are_sorted=bool(
            indices_are_sorted), unique_indices=bool(unique_indices))
        if mode == GatherScatterMode.CLIP:
            PRIMITIVES[name].shape_rule(x, idx, upd, **params)  # (checks first)
            return _clipped_scatter(x, idx, upd, name=name, **params)
        return bind(name, x, idx, upd, **params)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


scatter = _scatter("scatter", "``operand`` with the windows of ``updates`` written where "
                   "``scatter_indices`` say (of several writes to one place, one wins).")
scatter_add, scatter_sub, scatter_mul, scatter_min, scatter_max = [
    _scatter(f"scatter_{op}", f"``operand`` with the windows of ``updates`` combined into it "
             f"by {op} where ``scatter_indices`` say.")
    for op in ("add", "sub", "mul", "min", "max")]


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
    """``func`` applied to ``operand`` where ``scatter_indices`` say, once per time a place
    is named. ``func`` is applied to whole arrays and selected from, so it must act
    elementwise (JAX calls it on each scalar)."""
    x = _array(operand)
    ones = lax.broadcast_in_dim(np.ones((), np.int32), _ints(update_shape), ())
    zeros = lax.broadcast_in_dim(np.zeros((), np.int32), x.shape, ())
    count = scatter_add(zeros, scatter_indices, ones, dimension_numbers,
                        indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                        mode=mode)
    most = lax.reduce_max(count, tuple(range(x.ndim))) if x.ndim else count

    def body(carry):
        k, y = carry
        return lax.add(k, np.int32(1)), lax.select(lax.gt(count, lax.broadcast_in_dim(
            k, count.shape, ())), lax.convert_element_type(func(y), x.dtype, x.weak_type), y)
    return lax.while_loop(lambda c: lax.lt(c[0], most), body, (np.int32(0), x))[1]


# ---- the pairs of a gather and a scatter that transpose each other (what the rules use) -------

def scatter_of_gather(dimension_numbers):
    """The scatter that writes back what a gather with ``dimension_numbers`` read."""
    dn = dimension_numbers
    return ScatterDimensionNumbers(
        update_window_dims=_ints(dn.offset_dims),
        inserted_window_dims=_ints(dn.collapsed_slice_dims),
        scatter_dims_to_operand_dims=_ints(dn.start_index_map),
        operand_batching_dims=_ints(dn.operand_batching_dims),
        scatter_indices_batching_dims=_ints(dn.start_indices_batching_dims))


def gather_of_scatter(dimension_numbers, operand_ndim, updates_shape):
    """The gather (dimension numbers and slice sizes) that reads the places a scatter with
    ``dimension_numbers`` writes: windows of the updates' window sizes, size one elsewhere."""
    dn = dimension_numbers
    single = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
    window = iter(updates_shape[d] for d in dn.update_window_dims)
    sizes = tuple(1 if i in single else int(next(window)) for i in range(operand_ndim))
    return GatherDimensionNumbers(
        offset_dims=_ints(dn.update_window_dims),
        collapsed_slice_dims=_ints(dn.inserted_window_dims),
        start_index_map=_ints(dn.scatter_dims_to_operand_dims),
        operand_batching_dims=_ints(dn.operand_batching_dims),
        start_indices_batching_dims=_ints(dn.scatter_indices_batching_dims)), sizes


def gather_mode(mode):
    """A gather's mode as given (``None`` means PROMISE_IN_BOUNDS for a gather)."""
    return _lax_mode(GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else mode)


def scatter_mode(mode):
    """A scatter's mode as given (``None`` means FILL_OR_DROP for a scatter)."""
    return _lax_mode(mode)


def _lax_mode(mode):
    mode = GatherScatterMode.from_any(mode)
    if mode == GatherScatterMode.ONE_HOT:
        raise NotImplementedError("GatherScatterMode.ONE_HOT is a mode of jnp indexing "
                                  "(x.at[idx].get(mode='one_hot')); lax.gather and the lax "
                                  "scatters take CLIP, FILL_OR_DROP or PROMISE_IN_BOUNDS.")
    return mode
