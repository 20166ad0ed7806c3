"""Batching rules of ``conv_general_dilated`` and ``reduce_window``.

A convolution takes the batch axis into one of its own: into the input batch when only the
input is mapped, into the kernel's output features when only the kernel is, and into feature
(or batch) groups when both are, one group per example. ``reduce_window`` gives the batch axis
a window of size 1.
"""
import inspect

import numpy as np

from s2s.runtime import lax
from s2s.runtime import numpy as jnp
from s2s.runtime.windows import conv_params, window_params
from s2s.rules.batching import loop, rule


def _arguments(fn, args, kwargs):
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _merge(x, dim, count):
    """Merge axes ``dim .. dim + count - 1`` into one (major to minor)."""
    shape = x.shape
    size = int(np.prod(shape[dim:dim + count], dtype=np.int64))
    return jnp.reshape(x, shape[:dim] + (size,) + shape[dim + count:])


def _split(x, dim, sizes):
    """Split axis ``dim`` into ``sizes`` (the last one what remains)."""
    shape, lead = x.shape, int(np.prod(sizes, dtype=np.int64))
    return jnp.reshape(x, shape[:dim] + tuple(sizes) + (shape[dim] // lead,) + shape[dim + 1:])


def _fold(x, dim, groups, outer):
    """Merge the batch axis (in front) into per-example axis ``dim`` of size ``groups * k``:
    as ``(batch, groups, k)`` when ``outer``, else as ``(groups, batch, k)``."""
    if outer:
        return _merge(jnp.moveaxis(x, 0, dim), dim, 2)
    return _merge(jnp.moveaxis(_split(x, dim + 1, (groups,)), 0, dim + 1), dim, 3)


def _unfold(y, dim, size, groups, outer):
    """The inverse of ``_fold`` on a result: the batch axis of ``size`` back in front."""
    if outer:
        return jnp.moveaxis(_split(y, dim, (size,)), dim, 0)
    return _merge(jnp.moveaxis(_split(y, dim, (groups, size)), dim + 1, 0), dim + 1, 2)


@rule(lax.conv_general_dilated)
def conv_general_dilated(fn, mapped, *args, **kwargs):
    a = _arguments(fn, args, kwargs)
    lhs_m, rhs_m = (list(mapped) + [False, False])[:2]
    if any(mapped[2:]):
        return loop(fn, mapped, *args, **kwargs)
    lhs, rhs = jnp.asarray(a["lhs"]), jnp.asarray(a["rhs"])
    size = lhs.shape[0] if lhs_m else rhs.shape[0]
    strides, pads, lhs_dil, rhs_dil, dn = conv_params(
        lhs.shape[lhs_m:], rhs.shape[rhs_m:], a["window_strides"], a["padding"],
        a["lhs_dilation"], a["rhs_dilation"], a["dimension_numbers"])
    fgc, bgc = a["feature_group_count"], a["batch_group_count"]
    (ln, lc, *_), (ro, *_), (on, oc, *_) = dn

    def conv(lhs, rhs, fgc, bgc):
        return fn(lhs, rhs, strides, pads, lhs_dil, rhs_dil, dn, fgc, bgc, a["precision"],
                  a["preferred_element_type"])
    if lhs_m and rhs_m:  # one group per example
        if bgc > 1:
            out = conv(_fold(lhs, ln, bgc, True), _fold(rhs, ro, bgc, True), fgc, bgc * size)
        else:
            out = conv(_fold(lhs, lc, fgc, True), _fold(rhs, ro, fgc, True), fgc * size, bgc)
        return _unfold(out, oc, size, 1, True)
    if lhs_m:
        return _unfold(conv(_fold(lhs, ln, bgc, False), rhs, fgc, bgc), on, size, 1, True)
    groups = max(fgc, bgc)
    out = conv(lhs, _fold(rhs, ro, groups, False), fgc, bgc)
    return _unfold(out, oc, size, groups, False)


@rule(lax.reduce_window)
def reduce_window(fn, mapped, *args, **kwargs):
    a = _arguments(fn, args, kwargs)
    if not mapped[0] or any(mapped[1:]):
        return loop(fn, mapped, *args, **kwargs)
    operand = a["operand"]
    dims, strides, pads, base, wdil = window_params(
        operand.shape[1:], a["window_dimensions"], a["window_strides"], a["padding"],
        a["base_dilation"], a["window_dilation"])
    return fn(operand, a["init_value"], a["computation"], (1,) + dims, (1,) + strides,
              ((0, 0),) + pads, (1,) + base, (1,) + wdil)
