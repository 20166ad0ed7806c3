"""Convolutions written over ``lax.conv_general_dilated``: lax's shorthands (``conv``,
``conv_with_general_padding``, ``conv_transpose``) and ``jnp.convolve`` / ``jnp.correlate``.

A source library (see ``s2s.nn``): s2s transforms these functions from their source, so their
derivatives and batching come from the primitive's rules.
"""
from s2s.runtime import lax
from s2s.runtime import numpy as jnp
from s2s.runtime.dtypes import default_float, is_inexact, promote_types
from s2s.runtime.windows import conv_transpose_params

S2S_SOURCE_LIBRARY = True


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """``conv_general_dilated`` in the NCHW/OIHW layout without dilation."""
    return lax.conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                    preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    """``conv_general_dilated`` in the NCHW/OIHW layout."""
    return lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation,
                                    rhs_dilation, precision=precision,
                                    preferred_element_type=preferred_element_type)


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None):
    """A transposed ("deconvolution") convolution: the input dilated by ``strides``. With
    ``transpose_kernel`` the kernel is flipped and its feature axes swapped, which makes it
    the gradient of ``conv_general_dilated``. Default layouts are NHWC / HWIO."""
    dn, pads, rhs_dilation = conv_transpose_params(lhs.shape, rhs.shape, strides, padding,
                                                   rhs_dilation, dimension_numbers)
    if transpose_kernel:
        rhs = jnp.swapaxes(jnp.flip(rhs, dn.rhs_spec[2:]), dn.rhs_spec[0], dn.rhs_spec[1])
    return lax.conv_general_dilated(lhs, rhs, None, pads, strides, rhs_dilation, dn,
                                    precision=precision,
                                    preferred_element_type=preferred_element_type)


def _sliding(name, a, v, mode, flip, precision, preferred_element_type):
    """``a`` slid along ``v`` (flipped for a convolution), as a one-channel 1-D convolution
    of the longer over the shorter; ``mode`` keeps all overlaps, ``len(a)`` or the full
    ones."""
    a, v = jnp.asarray(a), jnp.asarray(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{name}() only support 1-dimensional inputs.")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty, got shapes {a.shape} and {v.shape}.")
    dtype = promote_types(a.dtype, v.dtype)
    if preferred_element_type is None and not is_inexact(dtype):
        dtype = default_float()
    a, v = a.astype(dtype), v.astype(dtype)
    swapped = a.shape[0] < v.shape[0]
    if swapped:
        a, v = v, a
    if flip:
        v = jnp.flip(v)
    n = v.shape[0]
    pads = {"valid": (0, 0), "same": (n // 2, n - n // 2 - 1), "full": (n - 1, n - 1)}
    if mode not in pads:
        raise ValueError("mode must be one of ['full', 'same', 'valid']")
    out = lax.conv_general_dilated(jnp.reshape(a, (1, 1, -1)), jnp.reshape(v, (1, 1, -1)),
                                   (1,), [pads[mode]], precision=precision,
                                   preferred_element_type=preferred_element_type)[0, 0]
    return jnp.flip(out) if swapped and not flip else out


def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    """The discrete linear convolution of two 1-D arrays."""
    return _sliding("convolve", a, v, mode, True, precision, preferred_element_type)


def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    """The cross-correlation of two 1-D arrays (``v`` conjugated)."""
    return _sliding("correlate", a, jnp.conj(v), mode, False, precision,
                    preferred_element_type)
