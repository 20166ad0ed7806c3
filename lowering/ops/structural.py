"""Shape-changing primitives: iota, broadcast_in_dim, reshape, transpose, rev, concatenate, pad,
slice, dynamic_slice, dynamic_update_slice."""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, kind, same_dtypes
from s2s.lowering.stablehlo import i64_array


def _iota_rule(*, dtype, shape, dimension):
    return aval(shape, dtype)


def _iota_emit(ctx, operands, in_avals, out_avals, *, dtype, shape, dimension):
    return ctx.op("stablehlo.iota", [], [], out_avals, f"iota_dimension = {dimension} : i64")


def_primitive("iota", _iota_rule, _iota_emit)


def _broadcast_in_dim_rule(x, *, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != x.ndim:
        raise TypeError(f"broadcast_in_dim broadcast_dimensions must have length equal to operand "
                        f"ndim; got broadcast_dimensions {broadcast_dimensions} for operand ndim "
                        f"{x.ndim}.")
    for d, od in zip(x.shape, broadcast_dimensions):
        if not (0 <= od < len(shape)) or d not in (1, shape[od]):
            raise TypeError(f"broadcast_in_dim operand dimension sizes must either be 1, or be "
                            f"equal to their corresponding dimensions in the target broadcast "
                            f"shape; got operand of shape {x.shape}, target broadcast shape "
                            f"{shape}, broadcast_dimensions {broadcast_dimensions} ")
    return aval(shape, x.dtype, x.weak_type)


def _broadcast_in_dim_emit(ctx, operands, in_avals, out_avals, *, shape, broadcast_dimensions):
    return ctx.op("stablehlo.broadcast_in_dim", operands, in_avals, out_avals,
                  f"broadcast_dimensions = {i64_array(broadcast_dimensions)}")


def_primitive("broadcast_in_dim", _broadcast_in_dim_rule, _broadcast_in_dim_emit)


def _reshape_rule(x, *, new_sizes):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise TypeError(f"cannot reshape array of shape {x.shape} (size {x.size}) into shape "
                        f"{tuple(new_sizes)} (size {int(np.prod(new_sizes, dtype=np.int64))})")
    return aval(new_sizes, x.dtype, x.weak_type)


def _plain(op_name):
    def emit(ctx, operands, in_avals, out_avals, **params):
        return ctx.op(op_name, operands, in_avals, out_avals)
    return emit


def_primitive("reshape", _reshape_rule, _plain("stablehlo.reshape"))


def _transpose_rule(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise TypeError(f"transpose permutation isn't a permutation of operand dimensions, got "
                        f"permutation {permutation} for operand shape {x.shape}.")
    return aval(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


def _transpose_emit(ctx, operands, in_avals, out_avals, *, permutation):
    return ctx.op("stablehlo.transpose", operands, in_avals, out_avals,
                  f"permutation = {i64_array(permutation)}")


def_primitive("transpose", _transpose_rule, _transpose_emit)


def _rev_emit(ctx, operands, in_avals, out_avals, *, dimensions):
    return ctx.op("stablehlo.reverse", operands, in_avals, out_avals,
                  f"dimensions = {i64_array(dimensions)}")


def_primitive("rev", lambda x, *, dimensions: x, _rev_emit)


def _concatenate_rule(*xs, dimension):
    if not xs:
        raise TypeError("concatenate requires at least one operand")
    same_dtypes("concatenate", xs)
    ref = xs[0].shape
    for x in xs:
        if len(x.shape) != len(ref) or any(a != b for i, (a, b) in enumerate(zip(x.shape, ref))
                                           if i != dimension):
            raise TypeError(f"Cannot concatenate arrays with shapes that differ in dimensions "
                            f"other than the one being concatenated: concatenating along dimension "
                            f"{dimension} for shapes {', '.join(str(x.shape) for x in xs)}.")
    shape = list(ref)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return aval(shape, xs[0].dtype, all(x.weak_type for x in xs))


def _concatenate_emit(ctx, operands, in_avals, out_avals, *, dimension):
    return ctx.op("stablehlo.concatenate", operands, in_avals, out_avals,
                  f"dimension = {dimension} : i64")


def_primitive("concatenate", _concatenate_rule, _concatenate_emit)


def _pad_rule(x, padding_value, *, padding_config):
    same_dtypes("pad", [x, padding_value])
    shape = []
    for d, (lo, hi, interior) in zip(x.shape, padding_config):
        n = lo + hi + d + max(d - 1, 0) * interior
        if n < 0 or interior < 0:
            raise ValueError(f"Dimension size after padding is not at least 0, got result shape "
                             f"{n}, for padding_config {padding_config} and operand shape {x.shape}")
        shape.append(n)
    return aval(shape, x.dtype, x.weak_type)


def _pad_emit(ctx, operands, in_avals, out_avals, *, padding_config):
    lo, hi, interior = zip(*padding_config) if padding_config else ((), (), ())
    return ctx.op("stablehlo.pad", operands, in_avals, out_avals,
                  f"edge_padding_low = {i64_array(lo)}, edge_padding_high = {i64_array(hi)}, "
                  f"interior_padding = {i64_array(interior)}")


def_primitive("pad", _pad_rule, _pad_emit)


def _slice_rule(x, *, start_indices, limit_indices, strides):
    shape = []
    for d, s, l, st in zip(x.shape, start_indices, limit_indices, strides):
        if not 0 <= s <= l <= d or st < 1:
            raise TypeError(f"slice start_indices {start_indices}, limit_indices {limit_indices} "
                            f"and strides {strides} are invalid for operand shape {x.shape}")
        shape.append(-(-(l - s) // st))
    return aval(shape, x.dtype, x.weak_type)


def _slice_emit(ctx, operands, in_avals, out_avals, *, start_indices, limit_indices, strides):
    return ctx.op("stablehlo.slice", operands, in_avals, out_avals,
                  f"start_indices = {i64_array(start_indices)}, "
                  f"limit_indices = {i64_array(limit_indices)}, strides = {i64_array(strides)}")


def_primitive("slice", _slice_rule, _slice_emit)


def _check_indices(name, x, idx):
    if len(idx) != x.ndim:
        raise TypeError(f"{name} requires one scalar index per operand dimension: got {len(idx)} "
                        f"indices for operand of shape {x.shape}")
    for i in idx:
        if i.shape != () or kind(i.dtype) not in "iu":
            raise TypeError(f"{name} indices must be integer scalars, got {i.str_short()}")


def _dynamic_slice_rule(x, *idx, slice_sizes):
    _check_indices("dynamic_slice", x, idx)
    if any(not 0 <= s <= d for s, d in zip(slice_sizes, x.shape)):
        raise TypeError(f"slice slice_sizes must be less than or equal to operand shape, got "
                        f"slice_sizes {slice_sizes} for operand shape {x.shape}")
    return aval(slice_sizes, x.dtype, x.weak_type)


def _dynamic_slice_emit(ctx, operands, in_avals, out_avals, *, slice_sizes):
    return ctx.op("stablehlo.dynamic_slice", operands, in_avals, out_avals,
                  f"slice_sizes = {i64_array(slice_sizes)}")


def_primitive("dynamic_slice", _dynamic_slice_rule, _dynamic_slice_emit)


def _dynamic_update_slice_rule(x, update, *idx):
    _check_indices("dynamic_update_slice", x, idx)
    same_dtypes("dynamic_update_slice", [x, update])
    if update.ndim != x.ndim or any(u > d for u, d in zip(update.shape, x.shape)):
        raise TypeError(f"dynamic_update_slice update shape {update.shape} must fit in operand "
                        f"shape {x.shape}")
    return aval(x.shape, x.dtype, x.weak_type)


def_primitive("dynamic_update_slice", _dynamic_update_slice_rule,
              _plain("stablehlo.dynamic_update_slice"))
