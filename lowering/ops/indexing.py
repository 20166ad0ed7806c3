"""gather and the scatter family, with XLA's dimension numbers (batching dimensions included).
The index vector is always the last dimension of ``indices`` (as in JAX). Out-of-bounds: the
primitives do what XLA does (gather clamps, scatter drops); ``runtime/gather_scatter.py``
builds JAX's other modes around them. The shape rules check the dimension numbers with JAX's
errors, in JAX's order, so nothing malformed reaches XLA."""
from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, kind, same_dtypes
from s2s.lowering.ops.reductions import _COMBINE
from s2s.lowering.stablehlo import i64_array

import numpy as np


def _dims(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def _check_int_indices(indices):
    if kind(indices.dtype) not in "iu":
        raise ValueError("indices must have an integer type")


def _sorted(dims, op, name):
    if list(dims) != sorted(dims):
        raise TypeError(f"{name} in {op} op must be sorted; got {dims}")


def _unique(dims, op, name):
    if len(set(dims)) != len(dims):
        raise TypeError(f"{name} in {op} op must not repeat; got: {dims}.")


def _in_range(dims, rank, op, name, ends_only=False):
    """Each of ``dims`` in [0, rank) (``ends_only``: a sorted list, its first and last)."""
    bad = [d for d in ((dims[0], dims[-1]) if ends_only and dims else dims)
           if not 0 <= d < rank]
    if bad and (bad[0] or not ends_only):  # (JAX's check of sorted lists lets a 0 through)
        raise TypeError(f"Invalid {name} set in {op} op; valid range is [0, {rank}); got: "
                        f"{bad[0]}.")


def _disjoint(a, b, op, na, nb):
    if set(a) & set(b):
        raise TypeError(f"{na} and {nb} in {op} op must be disjoint; got: {a} and {b}.")


def _leaf_dim(indices, op):
    if indices.ndim == 0:
        raise TypeError(f"{op.capitalize()} index leaf dimension must be within [0, rank("
                        f"indices) + 1). rank(indices) is 0 and {op} index leaf dimension "
                        f"is -1.")
    return indices.ndim - 1


def _check_batching(op, operand, indices, operand_dims, indices_dims, indices_name):
    """The batching dimensions of operand and indices: sorted, distinct, in range, paired."""
    ivd = indices.ndim - 1
    _unique(indices_dims, op, indices_name)
    _in_range(indices_dims, indices.ndim, op, indices_name)
    if ivd in indices_dims:
        raise TypeError(f"{op.capitalize()} op cannot have the index vector dimension as a "
                        f"batching dimension; got {tuple(indices_dims)}.")
    if len(operand_dims) != len(indices_dims):
        sep = " " if op == "scatter" else ""
        raise TypeError(f"{op.capitalize()} op requires equal numbers of operand_batching_dims "
                        f"and {indices_name}, got {tuple(operand_dims)} and{sep}"
                        f"{tuple(indices_dims)}.")
    a = tuple(operand.shape[i] for i in operand_dims)
    b = tuple(indices.shape[i] for i in indices_dims)
    if a != b:
        raise TypeError(f"{op.capitalize()} op requires operand batching dimensions and "
                        f"indices batching dimensions to have the same shape, got {a} and {b}.")
    return a


def gather_shape(operand, indices, *, offset_dims, collapsed_slice_dims, start_index_map,
                 operand_batching_dims, start_indices_batching_dims, slice_sizes):
    """The output shape of a gather, after JAX's checks of its dimension numbers."""
    ivd = _leaf_dim(indices, "gather")
    _sorted(offset_dims, "gather", "offset_dims")
    _unique(offset_dims, "gather", "offset_dims")
    out_rank = len(offset_dims) + indices.ndim - 1
    for i, d in enumerate(offset_dims):
        if not 0 <= d < out_rank:
            raise TypeError(f"Offset dimension {i} in gather op is out of bounds; got {d}, but "
                            f"should have been in [0, {out_rank})")
    if len(start_index_map) != indices.shape[ivd]:
        raise TypeError(f"Gather op has {len(start_index_map)} elements in start_index_map and "
                        f"the bound of dimension index_vector_dim={ivd} of indices is "
                        f"{indices.shape[ivd]}. These two numbers must be equal.")
    for i, d in enumerate(start_index_map):
        if not 0 <= d < operand.ndim:
            raise TypeError(f"Invalid start_index_map; domain is [0, {operand.ndim}), got: "
                            f"{i}->{d}.")
    _unique(start_index_map, "gather", "start_index_map")
    _sorted(collapsed_slice_dims, "gather", "collapsed_slice_dims")
    _in_range(collapsed_slice_dims, operand.ndim, "gather", "collapsed_slice_dims", True)
    _unique(collapsed_slice_dims, "gather", "collapsed_slice_dims")
    _unique(operand_batching_dims, "gather", "operand_batching_dims")
    _sorted(operand_batching_dims, "gather", "operand_batching_dims")
    _in_range(operand_batching_dims, operand.ndim, "gather", "operand_batching_dims", True)
    _disjoint(collapsed_slice_dims, operand_batching_dims, "gather", "collapsed_slice_dims",
              "operand_batching_dims")
    _disjoint(start_index_map, operand_batching_dims, "gather", "start_index_map",
              "operand_batching_dims")
    _check_batching("gather", operand, indices, operand_batching_dims,
                    start_indices_batching_dims, "start_indices_batching_dims")
    if len(slice_sizes) != operand.ndim:
        raise TypeError(f"Gather op must have one slice size for every input dimension; got: "
                        f"len(slice_sizes)={len(slice_sizes)}, input_shape.rank={operand.ndim}")
    if len(slice_sizes) != len(offset_dims) + len(collapsed_slice_dims) + len(
            operand_batching_dims):
        raise TypeError(f"All components of the offset index in a gather op must either be a "
                        f"offset dimension or explicitly collapsed/batching; got "
                        f"len(slice_sizes)={len(slice_sizes)}, output_slice_sizes="
                        f"{tuple(offset_dims)}, collapsed_slice_dims="
                        f"{tuple(collapsed_slice_dims)}, operand_batching_dims="
                        f"{tuple(operand_batching_dims)}.")
    for i, (s, n) in enumerate(zip(slice_sizes, operand.shape)):
        if 0 not in indices.shape and not 0 <= s <= n:
            raise TypeError(f"Slice size at index {i} in gather op is out of range, must be "
                            f"within [0, {n} + 1), got {s}.")
    for i, d in enumerate(collapsed_slice_dims):
        if slice_sizes[d] != 1:
            raise TypeError(f"Gather op can only collapse slice dims with bound 1, but bound is "
                            f"{slice_sizes[d]} for index {d} at position {i}.")
    for i, d in enumerate(operand_batching_dims):
        if slice_sizes[d] > 1:
            raise TypeError(f"Gather op can only have operand batching dims with bound 0/1, but "
                            f"bound is {slice_sizes[d]} for index {d} at position {i}.")
    dropped = set(collapsed_slice_dims) | set(operand_batching_dims)
    offsets = iter(s for i, s in enumerate(slice_sizes) if i not in dropped)
    batch = iter(indices.shape[:-1])
    return tuple(next(offsets) if d in offset_dims else next(batch) for d in range(out_rank))


def _gather_rule(operand, indices, *, indices_are_sorted, **dn):
    _check_int_indices(indices)
    return aval(gather_shape(operand, indices, **dn), operand.dtype, operand.weak_type)


def _gather_emit(ctx, operands, in_avals, out_avals, *, offset_dims, collapsed_slice_dims,
                 start_index_map, operand_batching_dims, start_indices_batching_dims,
                 slice_sizes, indices_are_sorted):
    out = out_avals[0]
    if 0 in out.shape:  # (XLA wants data to gather from)
        return [ctx.constant(np.zeros(out.shape, out.dtype), out)]
    dn = (f"#stablehlo.gather<offset_dims = {_dims(offset_dims)}, "
          f"collapsed_slice_dims = {_dims(collapsed_slice_dims)}, "
          f"operand_batching_dims = {_dims(operand_batching_dims)}, "
          f"start_indices_batching_dims = {_dims(start_indices_batching_dims)}, "
          f"start_index_map = {_dims(start_index_map)}, "
          f"index_vector_dim = {in_avals[1].ndim - 1}>")
    return ctx.op("stablehlo.gather", operands, in_avals, out_avals,
                  f"dimension_numbers = {dn}, slice_sizes = {i64_array(slice_sizes)}, "
                  f"indices_are_sorted = {str(bool(indices_are_sorted)).lower()}")


def_primitive("gather", _gather_rule, _gather_emit)


def update_batching_dims(indices_batching_dims, update_window_dims, updates_ndim):
    """The dimensions of ``updates`` that pair with the indices' batching dimensions: the
    non-window dimensions of ``updates`` are those of the indices, in order."""
    scatter_dims = [d for d in range(updates_ndim) if d not in update_window_dims]
    return tuple(scatter_dims[i] for i in indices_batching_dims)


def check_scatter(operand, indices, updates, *, update_window_dims, inserted_window_dims,
                  scatter_dims_to_operand_dims, operand_batching_dims,
                  scatter_indices_batching_dims):
    """JAX's checks of a scatter's dimension numbers against the three shapes."""
    ivd = _leaf_dim(indices, "scatter")
    expected = indices.ndim - 1 + len(update_window_dims)
    if updates.ndim != expected:
        raise TypeError(f"Updates tensor must be of rank {expected}; got {updates.ndim}.")
    for dims, name, rank in [(update_window_dims, "update_window_dims", updates.ndim),
                             (inserted_window_dims, "inserted_window_dims", operand.ndim),
                             (operand_batching_dims, "operand_batching_dims", operand.ndim)]:
        _sorted(dims, "scatter", name)
        _unique(dims, "scatter", name)
        _in_range(dims, rank, "scatter", name, True)
    _disjoint(inserted_window_dims, operand_batching_dims, "scatter", "inserted_window_dims",
              "operand_batching_dims")
    _disjoint(scatter_dims_to_operand_dims, operand_batching_dims, "scatter",
              "scatter_dims_to_operand_dims", "operand_batching_dims")
    batch_shape = _check_batching("scatter", operand, indices, operand_batching_dims,
                                  scatter_indices_batching_dims,
                                  "scatter_indices_batching_dims")
    ub = update_batching_dims(scatter_indices_batching_dims, update_window_dims, updates.ndim)
    ushape = tuple(updates.shape[i] for i in ub)
    if ushape != batch_shape:
        raise TypeError(f"Scatter op requires operand batching dimensions and updates batching "
                        f"dimensions to have the same shape, got {batch_shape} and {ushape}.")
    window = len(update_window_dims) + len(inserted_window_dims) + len(operand_batching_dims)
    if operand.ndim != window:
        raise TypeError(f"Scatter op has window of size {window}; doesn't match operand of "
                        f"rank {operand.ndim}.")
    if len(scatter_dims_to_operand_dims) != indices.shape[ivd]:
        raise TypeError(f"Scatter op has {len(scatter_dims_to_operand_dims)} elements in "
                        f"scatter_dims_to_operand_dims and the bound of dimension "
                        f"index_vector_dim={ivd} of indices is {indices.shape[ivd]}. These two "
                        f"numbers must be equal")
    for i, d in enumerate(scatter_dims_to_operand_dims):
        if not 0 <= d < operand.ndim:
            raise TypeError(f"Invalid scatter_dims_to_operand_dims mapping; domain is "
                            f"[0, {operand.ndim}), got: {i}->{d}.")
    _unique(scatter_dims_to_operand_dims, "scatter", "scatter_dims_to_operand_dims")
    dropped = set(inserted_window_dims) | set(operand_batching_dims)
    bounds = [n for i, n in enumerate(operand.shape) if i not in dropped]
    for d, n in zip(update_window_dims, bounds):
        if updates.shape[d] > n:
            raise TypeError(f"Bounds of the window dimensions of updates must not exceed the "
                            f"bounds of the corresponding dimensions of operand. For dimension "
                            f"{d}, updates bound is {updates.shape[d]}, operand bound is {n}.")
    scatter_dims = [d for d in range(updates.ndim) if d not in update_window_dims]
    for d, n in zip(scatter_dims, indices.shape[:-1]):
        if updates.shape[d] != n:
            raise TypeError(f"Bounds of the scatter dimensions of updates must be the same as "
                            f"the bounds of the corresponding dimensions of scatter indices. For "
                            f"scatter dimension {d}, updates bound is {updates.shape[d]}, "
                            f"indices bound is {n}.")


def _scatter_rule(operand, indices, updates, *, indices_are_sorted, unique_indices, **dn):
    _check_int_indices(indices)
    same_dtypes("scatter", [operand, updates])
    check_scatter(operand, indices, updates, **dn)
    return aval(operand.shape, operand.dtype, operand.weak_type)


def _scatter_emit(combine):
    def emit(ctx, operands, in_avals, out_avals, *, update_window_dims, inserted_window_dims,
             scatter_dims_to_operand_dims, operand_batching_dims, scatter_indices_batching_dims,
             indices_are_sorted, unique_indices):
        if 0 in in_avals[0].shape or 0 in in_avals[2].shape:  # nothing to write
            return [operands[0]]
        scalar = aval((), in_avals[0].dtype)

        def body(c, args):
            if combine is None:  # plain scatter: the update replaces the old value
                return [args[1]], [scalar]
            return c.op(combine, args, [scalar, scalar], [scalar]), [scalar]
        dn = (f"#stablehlo.scatter<update_window_dims = {_dims(update_window_dims)}, "
              f"inserted_window_dims = {_dims(inserted_window_dims)}, "
              f"input_batching_dims = {_dims(operand_batching_dims)}, "
              f"scatter_indices_batching_dims = {_dims(scatter_indices_batching_dims)}, "
              f"scatter_dims_to_operand_dims = {_dims(scatter_dims_to_operand_dims)}, "
              f"index_vector_dim = {in_avals[1].ndim - 1}>")
        return ctx.op("stablehlo.scatter", operands, in_avals, out_avals,
                      f"scatter_dimension_numbers = {dn}, "
                      f"indices_are_sorted = {str(bool(indices_are_sorted)).lower()}, "
                      f"unique_indices = {str(bool(unique_indices)).lower()}",
                      [ctx.region([scalar, scalar], body)])
    return emit


def_primitive("scatter", _scatter_rule, _scatter_emit(None))
for _name, _op in [("add", _COMBINE["sum"]), ("sub", "stablehlo.subtract"),
                   ("mul", _COMBINE["prod"]), ("min", _COMBINE["min"]), ("max", _COMBINE["max"])]:
    def_primitive(f"scatter_{_name}", _scatter_rule, _scatter_emit(_op))
