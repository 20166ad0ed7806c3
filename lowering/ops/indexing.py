"""gather and the scatter family, with XLA's dimension numbers. The index vector is always the
last dimension of ``indices`` (as in JAX). Out-of-bounds: gather clamps, scatter drops."""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, kind, same_dtypes
from s2s.lowering.ops.reductions import _COMBINE
from s2s.lowering.stablehlo import i64_array


def _dims(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def _check_int_indices(name, indices):
    if kind(indices.dtype) not in "iu":
        raise TypeError(f"{name} indices must have an integer type, got {indices.dtype}")
    if indices.ndim == 0:
        raise TypeError(f"{name} indices must have at least one dimension (the index vector)")


def _gather_rule(operand, indices, *, offset_dims, collapsed_slice_dims, start_index_map,
                 slice_sizes):
    _check_int_indices("gather", indices)
    if indices.shape[-1] != len(start_index_map):
        raise TypeError(f"gather: index vector of size {indices.shape[-1]} does not match "
                        f"start_index_map {start_index_map}")
    if len(slice_sizes) != operand.ndim or any(not 0 <= s <= d for s, d in
                                               zip(slice_sizes, operand.shape)):
        raise TypeError(f"gather: slice_sizes {slice_sizes} invalid for operand shape "
                        f"{operand.shape}")
    offsets = [s for i, s in enumerate(slice_sizes) if i not in collapsed_slice_dims]
    batch = list(indices.shape[:-1])
    rank = len(batch) + len(offsets)
    shape, oi, bi = [], iter(offsets), iter(batch)
    for d in range(rank):
        shape.append(next(oi) if d in offset_dims else next(bi))
    return aval(shape, operand.dtype, operand.weak_type)


def _gather_emit(ctx, operands, in_avals, out_avals, *, offset_dims, collapsed_slice_dims,
                 start_index_map, slice_sizes):
    dn = (f"#stablehlo.gather<offset_dims = {_dims(offset_dims)}, "
          f"collapsed_slice_dims = {_dims(collapsed_slice_dims)}, "
          f"start_index_map = {_dims(start_index_map)}, "
          f"index_vector_dim = {in_avals[1].ndim - 1}>")
    return ctx.op("stablehlo.gather", operands, in_avals, out_avals,
                  f"dimension_numbers = {dn}, slice_sizes = {i64_array(slice_sizes)}, "
                  f"indices_are_sorted = false")


def_primitive("gather", _gather_rule, _gather_emit)


def _scatter_rule(name):
    def rule(operand, indices, updates, *, update_window_dims, inserted_window_dims,
             scatter_dims_to_operand_dims):
        _check_int_indices(name, indices)
        same_dtypes(name, [operand, updates])
        if indices.shape[-1] != len(scatter_dims_to_operand_dims):
            raise TypeError(f"{name}: index vector of size {indices.shape[-1]} does not match "
                            f"scatter_dims_to_operand_dims {scatter_dims_to_operand_dims}")
        expect = len(indices.shape) - 1 + len(update_window_dims)
        if updates.ndim != expect:
            raise TypeError(f"{name}: updates of shape {updates.shape} should have rank {expect}")
        return aval(operand.shape, operand.dtype, operand.weak_type)
    return rule


def _scatter_emit(combine):
    def emit(ctx, operands, in_avals, out_avals, *, update_window_dims, inserted_window_dims,
             scatter_dims_to_operand_dims):
        scalar = aval((), in_avals[0].dtype)

        def body(c, args):
            if combine is None:  # plain scatter: the update replaces the old value
                return [args[1]], [scalar]
            return c.op(combine, args, [scalar, scalar], [scalar]), [scalar]
        dn = (f"#stablehlo.scatter<update_window_dims = {_dims(update_window_dims)}, "
              f"inserted_window_dims = {_dims(inserted_window_dims)}, "
              f"scatter_dims_to_operand_dims = {_dims(scatter_dims_to_operand_dims)}, "
              f"index_vector_dim = {in_avals[1].ndim - 1}>")
        return ctx.op("stablehlo.scatter", operands, in_avals, out_avals,
                      f"scatter_dimension_numbers = {dn}, indices_are_sorted = false, "
                      f"unique_indices = false", [ctx.region([scalar, scalar], body)])
    return emit


def_primitive("scatter", _scatter_rule("scatter"), _scatter_emit(None))
for _name in ["add", "mul", "min", "max"]:
    _op = _COMBINE[{"add": "sum", "mul": "prod"}.get(_name, _name)]
    def_primitive(f"scatter_{_name}", _scatter_rule(f"scatter_{_name}"), _scatter_emit(_op))
