"""``fft``: discrete Fourier transforms over the last one to three axes (``stablehlo.fft``).

``fft_type`` is an ``FftType``: FFT and IFFT map complex to complex (IFFT divides by the
transform's size), RFFT maps real to the non-negative frequencies (the last axis becomes
``n // 2 + 1``), IRFFT maps those back to ``n`` real values. Every check happens here: XLA
refuses (or crashes on) a malformed transform.
"""
import enum

import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval
from s2s.lowering.stablehlo import i64_array


class FftType(enum.IntEnum):
    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}
_REAL_OF = {c: r for r, c in _COMPLEX_OF.items()}


def _fft_rule(x, *, fft_type, fft_lengths):
    fft_type, lengths = FftType(fft_type), tuple(fft_lengths)
    if len(lengths) > x.ndim:
        raise ValueError(f"FFT input shape {x.shape} must have at least as many input "
                         f"dimensions as fft_lengths {lengths}.")
    if not 1 <= len(lengths) <= 3:
        raise ValueError(f"FFT rank must be between 1 and 3, but got {len(lengths)}.")
    minor = x.shape[x.ndim - len(lengths):]
    if fft_type == FftType.RFFT:
        if x.dtype not in _COMPLEX_OF:
            raise ValueError(f"RFFT input must be float32 or float64, got {x.dtype.name}")
        if minor != lengths:
            raise ValueError(f"RFFT input shape {x.shape} minor dimensions must be equal to "
                             f"fft_lengths {lengths}")
        if lengths[-1] == 0:
            raise ValueError(f"RFFT of an empty axis: fft_lengths {lengths} must be positive.")
        return aval(x.shape[:-1] + (lengths[-1] // 2 + 1,), _COMPLEX_OF[x.dtype])
    if x.dtype not in _REAL_OF:
        raise ValueError(f"{fft_type.name} input must be complex64 or complex128, got "
                         f"{x.dtype.name}")
    if fft_type == FftType.IRFFT:
        if minor[:-1] != lengths[:-1]:
            raise ValueError(f"IRFFT input shape {x.shape} minor dimensions must be equal to all "
                             f"except the last fft_length, got fft_lengths={lengths}")
        if lengths[-1] < 0 or minor[-1] != lengths[-1] // 2 + 1:
            raise ValueError(f"IRFFT requires innermost dimension to be compatible with "
                             f"fft_length[-1]/2+1. Got: {minor[-1]} but fft_length is "
                             f"{lengths[-1]}.")
        return aval(x.shape[:-1] + (lengths[-1],), _REAL_OF[x.dtype])
    if minor != lengths:
        raise ValueError(f"FFT input shape {x.shape} minor dimensions must be equal to "
                         f"fft_lengths {lengths}")
    return aval(x.shape, x.dtype)


def _fft_emit(ctx, operands, in_avals, out_avals, *, fft_type, fft_lengths):
    (x,), (out,) = in_avals, out_avals
    if x.size == 0 or out.size == 0:  # nothing to transform (XLA's FFT wants non-empty data)
        return [ctx.constant(np.zeros(out.shape, out.dtype), out)]
    return ctx.op("stablehlo.fft", operands, in_avals, out_avals,
                  f"fft_type = #stablehlo<fft_type {FftType(fft_type).name}>, "
                  f"fft_length = {i64_array(fft_lengths)}")


def_primitive("fft", _fft_rule, _fft_emit)
