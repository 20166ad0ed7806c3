"""Batching rules of ``lax.gather`` and the scatter family: the batch axis becomes one more
dimension of the operation itself. Mapped indices make it a batching dimension of operand and
indices (an unmapped operand, and unmapped updates, repeated per example); a mapped operand
with shared indices takes it as one more window dimension (a gather's offset, a scatter's
update window, the updates repeated if they are shared)."""
import inspect

from s2s.runtime import lax
from s2s.runtime.gather_scatter import scatter_mode
from s2s.rules.batching import batch_size, broadcast_batch, rule


def _shift(dims):
    return tuple(int(d) + 1 for d in dims)


def _bound(fn, args, kwargs):
    bound = inspect.signature(fn).bind(*args, **kwargs)
    return bound.arguments


@rule(lax.gather)
def gather(fn, mapped, *args, **kwargs):
    a = _bound(fn, args, kwargs)
    x, idx, dn = a["operand"], a["start_indices"], a["dimension_numbers"]
    mx, mi = mapped[0], len(mapped) > 1 and mapped[1]
    options = {k: a[k] for k in ("unique_indices", "indices_are_sorted", "mode", "fill_value")
               if k in a}
    sizes = tuple(a["slice_sizes"])
    if mx and not mi:  # the batch axis: the first offset (window) dimension
        out_dn = lax.GatherDimensionNumbers(
            offset_dims=(0,) + _shift(dn.offset_dims),
            collapsed_slice_dims=_shift(dn.collapsed_slice_dims),
            start_index_map=_shift(dn.start_index_map),
            operand_batching_dims=_shift(dn.operand_batching_dims),
            start_indices_batching_dims=tuple(dn.start_indices_batching_dims))
        return lax.gather(x, idx, out_dn, (x.shape[0],) + sizes, **options)
    if not mx:  # mapped indices only: one more batch dimension of the indices
        out_dn = lax.GatherDimensionNumbers(
            offset_dims=_shift(dn.offset_dims),
            collapsed_slice_dims=tuple(dn.collapsed_slice_dims),
            start_index_map=tuple(dn.start_index_map),
            operand_batching_dims=tuple(dn.operand_batching_dims),
            start_indices_batching_dims=_shift(dn.start_indices_batching_dims))
        return lax.gather(x, idx, out_dn, sizes, **options)
    out_dn = lax.GatherDimensionNumbers(
        offset_dims=_shift(dn.offset_dims),
        collapsed_slice_dims=_shift(dn.collapsed_slice_dims),
        start_index_map=_shift(dn.start_index_map),
        operand_batching_dims=(0,) + _shift(dn.operand_batching_dims),
        start_indices_batching_dims=(0,) + _shift(dn.start_indices_batching_dims))
    return lax.gather(x, idx, out_dn, (1,) + sizes, **options)


@rule(lax.scatter, lax.scatter_add, lax.scatter_sub, lax.scatter_mul, lax.scatter_min,
      lax.scatter_max)
def scatter(fn, mapped, *args, **kwargs):
    a = _bound(fn, args, kwargs)
    x, idx, upd, dn = a["operand"], a["scatter_indices"], a["updates"], a["dimension_numbers"]
    flags = tuple(mapped[:3]) + (False,) * (3 - len(mapped[:3]))
    size = batch_size(flags, (x, idx, upd))
    x, upd = [v if m else broadcast_batch(lax._as_operand(v), size)
              for v, m in ((x, flags[0]), (upd, flags[2]))]
    options = {k: a[k] for k in ("indices_are_sorted", "unique_indices") if k in a}
    options["mode"] = scatter_mode(a.get("mode"))
    if not flags[1]:  # shared indices: the batch axis is the first window dimension
        out_dn = lax.ScatterDimensionNumbers(
            update_window_dims=(0,) + _shift(dn.update_window_dims),
            inserted_window_dims=_shift(dn.inserted_window_dims),
            scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims),
            operand_batching_dims=_shift(dn.operand_batching_dims),
            scatter_indices_batching_dims=tuple(dn.scatter_indices_batching_dims))
    else:
        out_dn = lax.ScatterDimensionNumbers(
            update_window_dims=_shift(dn.update_window_dims),
            inserted_window_dims=_shift(dn.inserted_window_dims),
            scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims),
            operand_batching_dims=(0,) + _shift(dn.operand_batching_dims),
            scatter_indices_batching_dims=(0,) + _shift(dn.scatter_indices_batching_dims))
    return fn(x, idx, upd, out_dn, **options)
