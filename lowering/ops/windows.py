"""Windowed primitives: ``conv_general_dilated`` and ``reduce_window``.

Dimension numbers arrive canonical (``runtime.lax`` parses layout strings): three tuples of
positions, ``(batch, feature, *spatial)`` for the input and output, ``(out feature, in feature,
*spatial)`` for the kernel. The shape rules check what XLA would otherwise reject (or crash on)
and raise JAX's errors.
"""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, same_dtypes
from s2s.lowering.ops.reductions import _combiner
from s2s.lowering.stablehlo import i64_array


def dilate_dim(d, dilation):
    """The size of an axis of ``d`` entries with ``dilation - 1`` holes between neighbours."""
    return 0 if d == 0 else 1 + dilation * (d - 1)


def window_out_dim(d, window, stride, lo, hi, base_dilation=1, window_dilation=1):
    """How many windows fit along a padded, dilated axis (zero when none does)."""
    span = dilate_dim(d, base_dilation) + lo + hi - dilate_dim(window, window_dilation)
    return max(0, span // stride + 1) if span >= 0 else 0


def _check_length(name, what, values, n):
    if len(values) != n:
        raise ValueError(f"{name} window and {what} must have the same number of dimensions, "
                         f"but got {n} and {len(values)}")


def _check_positive(name, what, values, error=TypeError):
    if any(v <= 0 for v in values):
        raise error(f"{name} {what} must have every element be strictly positive, "
                    f"got {tuple(values)}.")


def _check_groups(lhs_shape, rhs_shape, specs, fgc, bgc):
    """JAX's checks of feature_group_count and batch_group_count (ValueErrors)."""
    lhs_spec, rhs_spec, _ = specs
    for what, v in (("feature_group_count", fgc), ("batch_group_count", bgc)):
        if not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"conv_general_dilated {what} must be a positive integer, got {v}.")
    if fgc > 1 and bgc > 1:
        raise ValueError(f"At most one of batch_group_count and feature_group_count may be > 1, "
                         f"got batch_group_count={bgc} and feature_group_count={fgc}")
    n, c = lhs_shape[lhs_spec[0]], lhs_shape[lhs_spec[1]]
    o, i = rhs_shape[rhs_spec[0]], rhs_shape[rhs_spec[1]]
    pre = "conv_general_dilated"
    if c % fgc:
        raise ValueError(f"{pre} feature_group_count must divide lhs feature dimension size, "
                         f"but {fgc} does not divide {c}.")
    if c // fgc != i:
        raise ValueError(f"{pre} lhs feature dimension size divided by feature_group_count must "
                         f"equal the rhs input feature dimension size, but {c} // {fgc} != {i}.")
    for what, v in (("feature_group_count", fgc), ("batch_group_count", bgc)):
        if what == "batch_group_count" and n % bgc:
            raise ValueError(f"{pre} batch_group_count must divide lhs batch dimension size, "
                             f"but {bgc} does not divide {n}.")
        if o % v:
            raise ValueError(f"{pre} rhs output feature dimension size must be a multiple of "
                             f"{what}, but {o} is not a multiple of {v}.")


def _check_spatial(lhs_shape, rhs_shape, specs, padding, lhs_dilation):
    """An empty kernel window, or padding cropping more than the (dilated) input, is
    something XLA rejects late: rejected here with JAX's ValueErrors."""
    lhs_spec, rhs_spec, _ = specs
    window = tuple(rhs_shape[p] for p in rhs_spec[2:])
    if 0 in window:
        raise ValueError(f"conv_general_dilated kernel spatial dimensions must be positive, "
                         f"got {window}.")
    spatial = tuple(dilate_dim(lhs_shape[p], d) for p, d in zip(lhs_spec[2:], lhs_dilation))
    if any(lo < -d or hi < -d for (lo, hi), d in zip(padding, spatial)):
        raise ValueError(f"Negative padding is larger than the size of the corresponding "
                         f"dimension: got padding={tuple(padding)} for lhs_shape[2:]={spatial}")


def _conv_rule(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count,
               preferred_element_type=None):
    name = "conv_general_dilated"
    if lhs.ndim != rhs.ndim or lhs.ndim < 2:
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got {lhs.ndim} "
                        f"and {rhs.ndim}.")
    same_dtypes(name, [lhs, rhs])
    n = lhs.ndim - 2
    for what, v in (("window_strides", window_strides), ("lhs_dilation", lhs_dilation),
                    ("rhs_dilation", rhs_dilation)):
        _check_length(name, what, v, n)
    _check_positive(name, "window_strides", window_strides, ValueError)
    if any(d <= 0 for d in lhs_dilation + rhs_dilation):
        bad = lhs_dilation if any(d <= 0 for d in lhs_dilation) else rhs_dilation
        raise TypeError(f"All dilations must be positive, got {tuple(bad)}.")
    if len(padding) != n:
        raise TypeError(f"Wrong number of explicit pads for convolution: expected {n}, got "
                        f"{len(padding)}.")
    _check_groups(lhs.shape, rhs.shape, dimension_numbers, feature_group_count,
                  batch_group_count)
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    _check_spatial(lhs.shape, rhs.shape, dimension_numbers, padding, lhs_dilation)
    spatial = [window_out_dim(lhs.shape[a], rhs.shape[b], s, lo, hi, ld, rd)
               for a, b, s, (lo, hi), ld, rd in zip(lhs_spec[2:], rhs_spec[2:], window_strides,
                                                    padding, lhs_dilation, rhs_dilation)]
    canonical = [lhs.shape[lhs_spec[0]] // batch_group_count, rhs.shape[rhs_spec[0]]] + spatial
    shape = [0] * lhs.ndim
    for pos, d in zip(out_spec, canonical):
        shape[pos] = d
    return aval(shape, preferred_element_type or lhs.dtype, lhs.weak_type and rhs.weak_type)


def _layout(spec, batch, feature):
    """``[b, 0, 1, f]``: each position's role, as ``#stablehlo.conv`` writes a layout."""
    roles = [""] * len(spec)
    roles[spec[0]], roles[spec[1]] = batch, feature
    for j, pos in enumerate(spec[2:]):
        roles[pos] = str(j)
    return "[" + ", ".join(roles) + "]"


def _pad_attr(padding):
    if not padding:
        return "dense<> : tensor<0x2xi64>"
    rows = ", ".join(f"[{int(lo)}, {int(hi)}]" for lo, hi in padding)
    return f"dense<[{rows}]> : tensor<{len(padding)}x2xi64>"


def _conv_emit(ctx, operands, in_avals, out_avals, *, window_strides, padding, lhs_dilation,
               rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
               preferred_element_type=None):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    dn = (f"#stablehlo.conv<{_layout(lhs_spec, 'b', 'f')}x{_layout(rhs_spec, 'o', 'i')}->"
          f"{_layout(out_spec, 'b', 'f')}>")
    attrs = (f"batch_group_count = {int(batch_group_count)} : i64, dimension_numbers = {dn}, "
             f"feature_group_count = {int(feature_group_count)} : i64, "
             f"lhs_dilation = {i64_array(lhs_dilation)}, padding = {_pad_attr(padding)}, "
             f"rhs_dilation = {i64_array(rhs_dilation)}, "
             f"window_strides = {i64_array(window_strides)}")
    return ctx.op("stablehlo.convolution", operands, in_avals, out_avals, attrs)


def_primitive("conv_general_dilated", _conv_rule, _conv_emit)


def _reduce_window_rule(operand, init, *, computation, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation):
    name = "reduce_window"
    n = operand.ndim
    if init.ndim:
        raise TypeError(f"{name} expected init_values to be scalars but init_values have "
                        f"shapes [{init.shape}].")
    if init.dtype != operand.dtype:
        raise TypeError(f"{name} init_value dtype {init.dtype.name} must match the operand "
                        f"dtype {operand.dtype.name}.")
    if len(window_dimensions) != n:
        raise TypeError(f"{name} got the wrong number of window_dimensions for operand: got "
                        f"operand shape {operand.shape} with window_dimensions "
                        f"{tuple(window_dimensions)}.")
    for what, v in (("window_strides", window_strides), ("base_dilation", base_dilation),
                    ("window_dilation", window_dilation)):
        if len(v) != n:
            raise TypeError(f"{name} got inconsistent {what} and window_dimensions: got {what} "
                            f"{tuple(v)} and window_dimensions {tuple(window_dimensions)}.")
    for what, v in (("window_dimensions", window_dimensions), ("window_strides", window_strides),
                    ("base_dilation", base_dilation), ("window_dilation", window_dilation)):
        _check_positive(name, what, v)
    if len(padding) != n:
        raise ValueError(f"{name} padding has wrong length: expected {n}, got {len(padding)}.")
    shape = [window_out_dim(d, w, s, lo, hi, b, wd) for d, w, s, (lo, hi), b, wd in zip(
        operand.shape, window_dimensions, window_strides, padding, base_dilation,
        window_dilation)]
    return aval(shape, operand.dtype, operand.weak_type)


def _reduce_window_emit(ctx, operands, in_avals, out_avals, *, computation, window_dimensions,
                        window_strides, padding, base_dilation, window_dilation):
    scalar = in_avals[1]
    region = ctx.region([scalar, scalar], _combiner(computation, aval((), scalar.dtype)))
    attrs = (f"base_dilations = {i64_array(base_dilation)}, padding = {_pad_attr(padding)}, "
             f"window_dilations = {i64_array(window_dilation)}, "
             f"window_dimensions = {i64_array(window_dimensions)}, "
             f"window_strides = {i64_array(window_strides)}")
    return ctx.op("stablehlo.reduce_window", operands, in_avals, out_avals, attrs, [region])


def_primitive("reduce_window", _reduce_window_rule, _reduce_window_emit)
