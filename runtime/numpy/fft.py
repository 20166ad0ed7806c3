"""``s2s.numpy.fft``: NumPy's discrete Fourier transforms over ``lax.fft`` (values, dtypes,
arguments and errors as ``jax.numpy.fft``).

A transform resizes the input along its axes to the requested lengths (zero padding or
cropping), moves those axes last, applies ``lax.fft`` (at most three axes at a time) and scales
by the ``norm`` convention. The module is a source library: s2s reads these functions like user
code, so their derivatives and batching come from those of ``lax.fft``, ``pad``, ``moveaxis``,
indexing and multiplication (no rule of their own).
"""
import math
import operator

import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Array

S2S_SOURCE_LIBRARY = True
__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "ortho", "forward")
_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def fft(a, n=None, axis=-1, norm=None):
    """The one-dimensional discrete Fourier transform along ``axis`` (resized to ``n``)."""
    return _transform("fft", "FFT", a, _length(n), (axis,), norm)


def ifft(a, n=None, axis=-1, norm=None):
    """The inverse of ``fft``."""
    return _transform("ifft", "IFFT", a, _length(n), (axis,), norm)


def rfft(a, n=None, axis=-1, norm=None):
    """The transform of real input: the ``n // 2 + 1`` non-negative frequencies."""
    return _transform("rfft", "RFFT", a, _length(n), (axis,), norm)


def irfft(a, n=None, axis=-1, norm=None):
    """The inverse of ``rfft``: ``n`` real values (by default ``2 * (m - 1)`` for ``m``
    frequencies)."""
    return _transform("irfft", "IRFFT", a, _length(n), (axis,), norm)


def hfft(a, n=None, axis=-1, norm=None):
    """The transform of a signal with Hermitian symmetry given by its first half: real."""
    _check_arraylike("conjugate", type(a))
    _check_norm(norm)
    return _transform("hfft", "IRFFT", jnp.conj(a), _length(n), (axis,), _SWAPPED[norm])


def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of ``hfft``."""
    _check_norm(norm)
    return jnp.conj(_transform("ihfft", "RFFT", a, _length(n), (axis,), _SWAPPED[norm]))


def fft2(a, s=None, axes=(-2, -1), norm=None):
    return _transform("fft2", "FFT", a, s, axes, norm, 2)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    return _transform("ifft2", "IFFT", a, s, axes, norm, 2)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    return _transform("rfft2", "RFFT", a, s, axes, norm, 2)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    return _transform("irfft2", "IRFFT", a, s, axes, norm, 2)


def fftn(a, s=None, axes=None, norm=None):
    """The transform over ``axes`` (all, or the last ``len(s)``, by default)."""
    return _transform("fftn", "FFT", a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
    return _transform("ifftn", "IFFT", a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
    """The transform of real input: the last of ``axes`` keeps its non-negative
    frequencies."""
    return _transform("rfftn", "RFFT", a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
    return _transform("irfftn", "IRFFT", a, s, axes, norm)


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The frequencies of ``fft``'s outputs for ``n`` samples spaced ``d`` apart."""
    n = operator.index(n)
    dtype = dtypes.default_float() if dtype is None else dtype
    work = dtype if jnp.issubdtype(dtype, np.inexact) else dtypes.default_float()
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    out = jnp.asarray(k, work) / jnp.asarray(d * n, work)
    return _placed(jnp.asarray(out, dtype), device)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The frequencies of ``rfft``'s outputs for ``n`` samples spaced ``d`` apart."""
    n = operator.index(n)
    dtype = dtypes.default_float() if dtype is None else dtype
    k = jnp.asarray(np.arange(0, max(n // 2 + 1, 0)), dtype)
    return _placed(k / jnp.asarray(d * n, dtype), device)


def fftshift(x, axes=None):
    """``x`` rolled so that the zero frequency comes to the middle of each of ``axes``."""
    _check_arraylike("fftshift", type(x))
    x = jnp.asarray(x)
    axes, shifts = _shifts(x.shape, axes, 1)
    if not axes:
        return x
    return jnp.roll(x, shifts, axes)


def ifftshift(x, axes=None):
    """The inverse of ``fftshift``."""
    _check_arraylike("ifftshift", type(x))
    x = jnp.asarray(x)
    axes, shifts = _shifts(x.shape, axes, -1)
    if not axes:
        return x
    return jnp.roll(x, shifts, axes)


# ---- the transform --------------------------------------------------------------------------

def _transform(name, kind, a, s, axes, norm, count=None):
    """The ``kind`` (FFT, IFFT, RFFT, IRFFT) transform of ``a`` over ``axes`` with output
    lengths ``s`` (``count``: the number of axes the function requires)."""
    _check_arraylike(name, type(a), "jax.numpy.fft.")
    _check_norm(norm)
    a = jnp.asarray(a)
    axes, lengths, sizes = _plan(name, kind, a.shape, s, axes, count)
    widths, crop = _resizing(a.shape, axes, sizes)
    x = a
    if widths is not None:
        x = jnp.pad(x, widths)
    if crop is not None:
        x = x[crop]
    if len(axes) > 3:
        x = _transform_many(x, kind, axes, lengths)
    else:
        last = tuple(range(x.ndim - len(axes), x.ndim))
        x = jnp.moveaxis(x, axes, last)
        x = lax.fft(x, kind, lengths)
        x = jnp.moveaxis(x, last, axes)
    factor = _scale(kind, norm, lengths)
    if factor is None:
        return x
    return x * factor


def _transform_many(x, kind, axes, lengths):
    """A transform over more than three axes: the complex transform of the leading ones (by
    threes) and the ``kind`` transform of the last three (RFFT first, IRFFT last)."""
    complex_kind = "IFFT" if kind in ("IFFT", "IRFFT") else "FFT"
    if kind == "IRFFT":
        x = _transform_axes(x, complex_kind, axes[:-3], lengths[:-3])
    x = _transform_axes(x, kind, axes[-3:], lengths[-3:])
    if kind == "RFFT":
        x = _transform_axes(x, complex_kind, axes[:-3], lengths[:-3])
    if kind in ("FFT", "IFFT"):
        x = _transform_axes(x, kind, axes[:-3], lengths[:-3])
    return x


def _transform_axes(x, kind, axes, lengths):
    for start in range(0, len(axes), 3):
        chunk = axes[start:start + 3]
        last = tuple(range(x.ndim - len(chunk), x.ndim))
        x = jnp.moveaxis(x, chunk, last)
        x = lax.fft(x, kind, lengths[start:start + 3])
        x = jnp.moveaxis(x, last, chunk)
    return x


# ---- static arithmetic of shapes and arguments ----------------------------------------------

def _check_arraylike(name, kind, prefix=""):
    if not (issubclass(kind, (Array, np.ndarray, np.generic, bool, int, float, complex))
            or hasattr(kind, "__jax_array__")):
        raise TypeError(f"{prefix}{name} requires ndarray or scalar arguments, got {kind} at "
                        f"position 0.")


def _check_norm(norm):
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or '
                         f'"forward".')


def _length(n):
    return None if n is None else (n,)


def _plan(name, kind, shape, s, axes, count):
    """The normalized axes, the transform's lengths and the lengths the input is resized to
    (for IRFFT the last is ``n // 2 + 1``)."""
    ndim = len(shape)
    if s is not None:
        s = tuple(operator.index(n) for n in s)
    if count is not None and len(axes) != count:
        raise ValueError(f"jax.numpy.fft.{name} only supports {count} axes. Got axes = "
                         f"{axes}.")
    if axes is None:
        given = tuple(range(ndim)) if s is None else tuple(range(ndim - len(s), ndim))
    else:
        given = tuple(operator.index(axes[i]) for i in range(len(axes)))
    if s is not None and len(s) != len(given):
        raise ValueError("Shape and axes have different lengths.")
    if len(set(given)) != len(given):
        raise ValueError(f"jax.numpy.fft.{name} does not support repeated axes. Got axes "
                         f"{given}.")
    if s is not None and len(s) > ndim:
        resized = s[:-1] + ((s[-1] // 2 + 1,) if kind == "IRFFT" else s[-1:])
        raise ValueError(f"FFT input shape {resized[len(s) - ndim:]} must have at least as "
                         f"many input dimensions as fft_lengths {s}.")
    for ax in given:
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of bounds for array of dimension {ndim}")
    axes = tuple(ax % ndim for ax in given)
    if len(set(axes)) != len(axes):
        order = tuple(i for i in range(ndim) if i not in axes) + axes
        raise TypeError(f"transpose permutation isn't a permutation of operand dimensions, "
                        f"got permutation {order} for operand shape {tuple(shape)}.")
    if s is not None and any(n < 1 for n in s):
        raise ValueError("Shape should be positive.")
    if s is None:
        s = tuple(shape[ax] for ax in axes)
        if kind == "IRFFT" and axes:
            s = s[:-1] + (2 * (s[-1] - 1),)
    sizes = s
    if kind == "IRFFT" and axes:
        sizes = s[:-1] + (s[-1] // 2 + 1,)
    return axes, s, sizes


def _resizing(shape, axes, sizes):
    """``jnp.pad`` widths (None: no padding) and an index cropping (None: no cropping) that
    resize ``shape`` to ``sizes`` along ``axes``."""
    target = list(shape)
    for ax, n in zip(axes, sizes):
        target[ax] = n
    widths = [(0, max(n - m, 0)) for n, m in zip(target, shape)]
    crop = tuple(slice(0, n) for n in target)
    return (tuple(widths) if any(w for _, w in widths) else None,
            crop if any(n < m for n, m in zip(target, shape)) else None)


def _scale(kind, norm, lengths):
    """The factor ``norm`` asks for (None: none): XLA's inverse transforms divide by the size,
    the forward ones do not."""
    size = math.prod(lengths)
    if norm in (None, "backward") or size == 0:
        return None
    inverse = kind in ("IFFT", "IRFFT")
    if norm == "ortho":
        return math.sqrt(size) if inverse else 1 / math.sqrt(size)
    return float(size) if inverse else 1 / size


def _shifts(shape, axes, sign):
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, (int, np.integer)):
        axes = (int(axes),)
    else:
        axes = tuple(axes)
    return axes, tuple(sign * (shape[ax] // 2) for ax in axes)


def _placed(x, device):
    if device is None:
        return x
    from s2s.runtime.devices import device_put
    return device_put(x, device)
