"""Derivatives of convolutions and ``reduce_window`` written as source: each is again a
convolution, a windowed sum, or slices of the padded operand (a window's entries, one strided
slice per window offset). s2s transforms these functions like user code (a source library),
so grad of grad, jvp of grad and vmap of grad need no rule of their own."""
from s2s.runtime import lax
from s2s.runtime import numpy as jnp
from s2s.rules.helpers import pad_with
from s2s.rules.window_geometry import (conv_lhs_transpose, conv_rhs_transpose,
                                       differentiable_kind, place_configs, sum_window_transpose,
                                       window_slices)

S2S_SOURCE_LIBRARY = True


def conv_apply(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
               dimension_numbers=None, feature_group_count=1, batch_group_count=1,
               preferred_element_type=None):
    """``lax.conv_general_dilated`` (the name a tangent template calls it by)."""
    return lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation,
                                    rhs_dilation, dimension_numbers, feature_group_count,
                                    batch_group_count,
                                    preferred_element_type=preferred_element_type)


def _axis_into(x, src, dst):
    """Merge axis ``src`` into axis ``dst`` (numbered without ``src``) as its major part."""
    moved = jnp.moveaxis(x, src, dst)
    shape = moved.shape
    return jnp.reshape(moved, shape[:dst] + (shape[dst] * shape[dst + 1],) + shape[dst + 2:])


def _axis_out_of(x, src, size):
    """Split axis ``src`` into ``(size, rest)``."""
    shape = x.shape
    return jnp.reshape(x, shape[:src] + (size, shape[src] // size) + shape[src + 1:])


def _regroup(x, src, dst, groups):
    """Move the group axis (the major part of ``src``) into ``dst``."""
    if groups == 1:
        return x
    return _axis_into(_axis_out_of(x, src, groups), src, dst)


def conv_lhs_adjoint(g, lhs, rhs, window_strides, padding, lhs_dilation=None,
                     rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                     batch_group_count=1):
    """The cotangent of ``lhs``: the cotangent convolved with the flipped kernel."""
    flip, (o, i), params, (f, b) = conv_lhs_transpose(
        lhs.shape, rhs.shape, g.shape, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers, feature_group_count, batch_group_count)
    strides, pads, lhs_dil, rhs_dil, dn, groups = params
    kernel = _regroup(jnp.flip(rhs, flip), o, i, groups)
    out = lax.conv_general_dilated(g, kernel, strides, pads, lhs_dil, rhs_dil, dn, groups)
    return _regroup(out, f, b, batch_group_count)


def conv_rhs_adjoint(g, lhs, rhs, window_strides, padding, lhs_dilation=None,
                     rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                     batch_group_count=1):
    """The cotangent of ``rhs``: ``lhs`` convolved with the cotangent (none when the output
    is empty, which would make an empty window)."""
    if 0 in g.shape:
        return jnp.zeros(rhs.shape, rhs.dtype)
    strides, pads, lhs_dil, rhs_dil, dn, fgc, bgc = conv_rhs_transpose(
        lhs.shape, rhs.shape, g.shape, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers, feature_group_count, batch_group_count)
    return lax.conv_general_dilated(lhs, g, strides, pads, lhs_dil, rhs_dil, dn, fgc, bgc)


def window_sum(x, window_dimensions, window_strides, padding, base_dilation=None,
               window_dilation=None):
    """``reduce_window`` with ``lax.add`` from zero."""
    return lax.reduce_window(x, 0, lax.add, window_dimensions, window_strides, padding,
                             base_dilation, window_dilation)


def _patches(x, fill, config, index):
    """Every window's entries: entry ``k`` of all windows at ``[k]``."""
    padded = pad_with(x, fill, config)
    return jnp.stack([padded[i] for i in index])


def _chosen(operand, init_value, kind, config, index):
    """Which window entry ``max`` / ``min`` picks (the first of equal ones), one-hot along
    the window-offset axis."""
    patches = _patches(operand, init_value, config, index)
    if kind == "max":
        pick = jnp.argmax(patches, axis=0)
    else:
        pick = jnp.argmin(patches, axis=0)
    offsets = jnp.reshape(jnp.arange(len(index)), (len(index),) + (1,) * (patches.ndim - 1))
    return jnp.expand_dims(pick, 0) == offsets


def reduce_window_tangent(t, operand, init_value, computation, window_dimensions,
                          window_strides, padding, base_dilation=None, window_dilation=None):
    """The tangent of ``reduce_window``: the windowed sum of ``t``, or the tangent of the
    entry ``max`` / ``min`` picked."""
    kind = differentiable_kind(computation, init_value, operand.dtype)
    if kind == "sum":
        return window_sum(t, window_dimensions, window_strides, padding, base_dilation,
                          window_dilation)
    config, index, _, _ = window_slices(operand.shape, window_dimensions, window_strides,
                                        padding, base_dilation, window_dilation)
    chosen = _chosen(operand, init_value, kind, config, index)
    return jnp.sum(jnp.where(chosen, _patches(t, 0, config, index), 0), axis=0)


def reduce_window_adjoint(g, operand, init_value, computation, window_dimensions,
                          window_strides, padding, base_dilation=None, window_dilation=None):
    """The cotangent of ``operand``: for a sum, the windowed sum of the padded, stride-dilated
    cotangent; for ``max`` / ``min``, each window's cotangent added at the entry it picked."""
    kind = differentiable_kind(computation, init_value, operand.dtype)
    if kind == "sum":
        config, dims, strides, pads, wdil = sum_window_transpose(
            operand.shape, g.shape, window_dimensions, window_strides, padding, base_dilation,
            window_dilation)
        return window_sum(pad_with(g, 0, config), dims, strides, pads, None, wdil)
    config, index, padded, inner = window_slices(operand.shape, window_dimensions,
                                                 window_strides, padding, base_dilation,
                                                 window_dilation)
    chosen = _chosen(operand, init_value, kind, config, index)
    picked = jnp.where(chosen, jnp.expand_dims(g, 0), 0)
    places = place_configs(index, padded)
    spread = jnp.sum(jnp.stack([pad_with(picked[k], 0, places[k])
                                for k in range(len(index))]), axis=0)
    return spread[inner]
