"""Static arithmetic of the derivatives of convolutions and ``reduce_window``: which padding,
dilation and layout make the transpose of a windowed op another windowed op. Plain Python on
shapes (the source library ``window_library`` calls it with inactive values only)."""
import itertools

import numpy as np

from s2s.lowering.ops.reductions import identity
from s2s.lowering.ops.windows import dilate_dim, window_out_dim
from s2s.runtime.core import Tracer
from s2s.runtime.windows import ConvDimensionNumbers, conv_params, window_monoid, window_params


def _spatial(shape, spec):
    return [shape[p] for p in spec[2:]]


def transpose_pads(in_dims, window_dims, strides, out_dims, pads, base_dilation,
                   window_dilation):
    """Padding of the stride-dilated cotangent so that sliding the (flipped) window over it
    lands every entry back on the input position it came from."""
    result = []
    for d, w, s, o, (lo, _), b, r in zip(in_dims, window_dims, strides, out_dims, pads,
                                         base_dilation, window_dilation):
        before = dilate_dim(w, r) - lo - 1
        after = dilate_dim(d, b) + dilate_dim(w, r) - 1 - dilate_dim(o, s) - before
        result.append((before, after))
    return tuple(result)


def _swap(spec):
    return (spec[1], spec[0]) + tuple(spec[2:])


def conv_lhs_transpose(lhs_shape, rhs_shape, out_shape, window_strides, padding, lhs_dilation,
                       rhs_dilation, dimension_numbers, feature_group_count, batch_group_count):
    """The cotangent of ``lhs`` is ``conv_general_dilated(g, kernel, *params)`` with strides
    and input dilation trading places, the kernel flipped and its feature axes swapped.
    Returns ``(kernel axes to flip, kernel (out, in) axes, params, lhs (feature, batch)
    axes)``: with groups, the kernel's group axis moves from its outputs to its inputs, and
    for batch groups the result's group axis from features back to the batch."""
    strides, pads, lhs_dil, rhs_dil, dn = conv_params(
        lhs_shape, rhs_shape, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers)
    lhs_spec, rhs_spec, out_spec = dn
    pads = transpose_pads(_spatial(lhs_shape, lhs_spec), _spatial(rhs_shape, rhs_spec), strides,
                          _spatial(out_shape, out_spec), pads, lhs_dil, rhs_dil)
    params = (lhs_dil, pads, strides, rhs_dil,
              ConvDimensionNumbers(out_spec, _swap(rhs_spec), lhs_spec),
              max(feature_group_count, batch_group_count))
    return tuple(rhs_spec[2:]), rhs_spec[:2], params, (lhs_spec[1], lhs_spec[0])


def conv_rhs_transpose(lhs_shape, rhs_shape, out_shape, window_strides, padding, lhs_dilation,
                       rhs_dilation, dimension_numbers, feature_group_count, batch_group_count):
    """Params of ``conv_general_dilated(lhs, g, *params)``, the cotangent of ``rhs``: the
    cotangent is the kernel, strides and kernel dilation trade places, and feature groups
    become batch groups (and the other way round)."""
    strides, pads, lhs_dil, rhs_dil, dn = conv_params(
        lhs_shape, rhs_shape, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers)
    lhs_spec, rhs_spec, out_spec = dn
    new_pads = []
    for d, w, o, (lo, _), s, ld, rd in zip(
            _spatial(lhs_shape, lhs_spec), _spatial(rhs_shape, rhs_spec),
            _spatial(out_shape, out_spec), pads, strides, lhs_dil, rhs_dil):
        hi = dilate_dim(o, s) - dilate_dim(d, ld) + dilate_dim(w, rd) - lo - 1
        new_pads.append((lo, hi))
    return (rhs_dil, tuple(new_pads), lhs_dil, strides,
            ConvDimensionNumbers(_swap(lhs_spec), _swap(out_spec), _swap(rhs_spec)),
            batch_group_count, feature_group_count)


def sum_window_transpose(shape, out_shape, window_dimensions, window_strides, padding,
                         base_dilation, window_dilation):
    """``(padding config of the cotangent, window, strides, padding, window dilation of its
    reduce_window sum)``: the transpose
    of a windowed sum is a windowed sum over the stride-dilated, padded cotangent."""
    dims, strides, pads, base, wdil = window_params(shape, window_dimensions, window_strides,
                                                    padding, base_dilation, window_dilation)
    grown = transpose_pads(shape, dims, strides, out_shape, pads, base, wdil)
    config = tuple((lo, hi, s - 1) for (lo, hi), s in zip(grown, strides))
    return config, dims, base, ((0, 0),) * len(shape), wdil


def window_slices(shape, window_dimensions, window_strides, padding, base_dilation,
                  window_dilation):
    """``(padding config, [index per window offset], padded shape, index of x in the padded
    array)``: entry ``k`` of a window is ``pad(x)[index[k]]`` for every window at once
    (offsets in row-major order, the order in which XLA's select picks the first of equal
    entries)."""
    dims, strides, pads, base, wdil = window_params(shape, window_dimensions, window_strides,
                                                    padding, base_dilation, window_dilation)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        raise NotImplementedError("derivatives of reduce_window with negative padding")
    out = [window_out_dim(d, w, s, lo, hi, b, r) for d, w, s, (lo, hi), b, r in zip(
        shape, dims, strides, pads, base, wdil)]
    config = tuple((lo, hi, b - 1) for (lo, hi), b in zip(pads, base))
    padded = tuple(dilate_dim(d, b) + lo + hi for d, b, (lo, hi) in zip(shape, base, pads))
    index = [tuple(slice(o * r, o * r + (n - 1) * s + 1 if n else o * r, s)
                   for o, r, n, s in zip(offset, wdil, out, strides))
             for offset in itertools.product(*[range(w) for w in dims])]
    inner = tuple(slice(lo, lo + dilate_dim(d, b), b) for (lo, _), d, b in zip(pads, shape, base))
    return config, index, padded, inner


def place_configs(index, padded):
    """The padding configs that put each window offset's entries back where ``index`` took
    them from (the transpose of the strided slice)."""
    configs = []
    for idx in index:
        config = []
        for sl, p in zip(idx, padded):
            n = len(range(sl.start, sl.stop, sl.step))
            used = (n - 1) * sl.step + 1 if n else 0
            config.append((sl.start, p - sl.start - used, sl.step - 1))
        configs.append(tuple(config))
    return configs


def differentiable_kind(computation, init_value, dtype):
    """``'sum'``, ``'max'`` or ``'min'``; as in jax, only a reduction from its identity (0,
    -inf, inf) has a derivative (a known other ``init_value`` is a ValueError)."""
    kind = window_monoid(computation)
    if not isinstance(init_value, Tracer):
        value = np.asarray(init_value).astype(dtype)
        start = identity(kind, dtype)
        if value != start:
            raise ValueError(f"reduce_window with init_value {value} is not differentiable: "
                             f"jax differentiates a windowed {kind} only from {start} (the "
                             f"identity of the computation).")
    return kind
