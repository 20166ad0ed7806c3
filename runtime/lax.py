"""``s2s.lax``: the primitives themselves, with lax's strict rules (operands already share one
shape and dtype; ``s2s.numpy`` does broadcasting and promotion on top)."""
import builtins

import numpy as np

from s2s.lowering.core import PRIMITIVES
from s2s.lowering.ops.fft import FftType
from s2s.runtime import dtypes
from s2s.runtime.core import Array, bind, put, scalar


def _as_operand(x, like=None):
    """Arrays pass through; Python scalars take the dtype of the other operand (weakly)."""
    if isinstance(x, Array):
        return x
    if isinstance(x, (bool, int, float, builtins.complex)) and like is not None:
        return scalar(x, like.dtype, weak_type=True)
    dtype, weak = dtypes.dtype_and_weak(x)
    return put(np.asarray(x, dtype), weak_type=weak)


def _operands(*xs):
    like = next((x for x in xs if isinstance(x, Array)), None)
    return [_as_operand(x, like) for x in xs]


def _unary(name):
    prim = PRIMITIVES[name]

    def fn(x):
        return bind(prim, x if isinstance(x, Array) else _as_operand(x))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (the primitive)."
    return fn


def _binary(name):
    prim = PRIMITIVES[name]

    def fn(x, y):
        if isinstance(x, Array) and isinstance(y, Array):
            return bind(prim, x, y)
        return bind(prim, *_operands(x, y))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (the primitive; equal shapes and dtypes)."
    return fn


neg, sign, floor, ceil, exp, expm1, log, log1p, tanh, logistic, sin, cos, tan, sqrt, rsqrt, \
    cbrt, conj, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erf, erfc, erf_inv, lgamma, \
    digamma, population_count, clz, abs, real, imag, is_finite = map(_unary, [
        "neg", "sign", "floor", "ceil", "exp", "expm1", "log", "log1p", "tanh", "logistic", "sin",
        "cos", "tan", "sqrt", "rsqrt", "cbrt", "conj", "asin", "acos", "atan", "sinh", "cosh",
        "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma",
        "population_count", "clz", "abs", "real", "imag", "is_finite"])
bitwise_not = _unary("not")

add, sub, mul, div, rem, pow, max, min, atan2, nextafter, complex, eq, ne, lt, le, gt, ge, \
    shift_left, shift_right_arithmetic, shift_right_logical = map(_binary, [
        "add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter", "complex",
        "eq", "ne", "lt", "le", "gt", "ge", "shift_left", "shift_right_arithmetic",
        "shift_right_logical"])
bitwise_and, bitwise_or, bitwise_xor = _binary("and"), _binary("or"), _binary("xor")


def round(x, rounding_method=0):
    """``rounding_method`` 0 rounds half away from zero, 1 to nearest even (as lax.round)."""
    return bind("round_even" if int(rounding_method) == 1 else "round_away", x)


def integer_pow(x, y):
    return bind("integer_pow", x, y=int(y))


def select_n(which, *cases):
    return bind("select_n", which, *_operands(*cases))


def select(pred, on_true, on_false):
    return select_n(pred, on_false, on_true)


def clamp(min, x, max):
    x = _as_operand(x)
    return bind("clamp", _as_operand(min, x), x, _as_operand(max, x))


def convert_element_type(x, new_dtype, weak_type=False):
    new_dtype = dtypes.canonicalize(dtypes.check_user_dtype(new_dtype, "convert_element_type"))
    if not isinstance(x, Array):  # host constants convert on the host: no dispatch
        val = np.asarray(x).astype(new_dtype)
        return scalar(val, new_dtype, weak_type) if val.ndim == 0 else put(val, weak_type=weak_type)
    if x.dtype == new_dtype and x.weak_type == weak_type:
        return x
    return bind("convert_element_type", x, new_dtype=new_dtype, weak_type=bool(weak_type))


def bitcast_convert_type(x, new_dtype):
    return bind("bitcast_convert_type", x, new_dtype=np.dtype(new_dtype))


def iota(dtype, size):
    return broadcasted_iota(dtype, (size,), 0)


def broadcasted_iota(dtype, shape, dimension):
    return bind("iota", dtype=dtypes.canonicalize(dtype), shape=tuple(int(d) for d in shape),
                dimension=int(dimension))


def broadcast_in_dim(x, shape, broadcast_dimensions):
    x = _as_operand(x)
    shape, dims = tuple(int(d) for d in shape), tuple(int(d) for d in broadcast_dimensions)
    if x.shape == shape and dims == tuple(range(len(shape))):
        return x
    return bind("broadcast_in_dim", x, shape=shape, broadcast_dimensions=dims)


def broadcast(x, sizes):
    x = _as_operand(x)
    sizes = tuple(sizes)
    return broadcast_in_dim(x, sizes + x.shape, range(len(sizes), len(sizes) + x.ndim))


def reshape(x, new_sizes, dimensions=None):
    x = _as_operand(x)
    if dimensions is not None:
        x = transpose(x, dimensions)
    new_sizes = tuple(int(d) for d in new_sizes)
    return x if x.shape == new_sizes else bind("reshape", x, new_sizes=new_sizes)


def transpose(x, permutation):
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return bind("transpose", x, permutation=permutation)


def rev(x, dimensions):
    return bind("rev", x, dimensions=tuple(int(d) for d in dimensions))


def concatenate(operands, dimension):
    operands = _operands(*operands)
    if len(operands) == 1:
        return operands[0]
    return bind("concatenate", *operands, dimension=int(dimension))


def pad(x, padding_value, padding_config):
    x = _as_operand(x)
    return bind("pad", x, _as_operand(padding_value, x),
                padding_config=tuple(tuple(int(v) for v in c) for c in padding_config))


def slice(x, start_indices, limit_indices, strides=None):
    strides = (1,) * len(start_indices) if strides is None else strides
    ints = lambda xs: tuple(int(v) for v in xs)
    return bind("slice", x, start_indices=ints(start_indices), limit_indices=ints(limit_indices),
                strides=ints(strides))


def _index_scalars(indices, shape):
    """Start indices as rank-0 operands, negative ones counted from the end of their axis (as
    JAX's ``allow_negative_indices=True``); XLA then clamps them so the window fits."""
    out = []
    for i, dim in zip(indices, shape):
        if isinstance(i, Array):
            i = _as_operand(i)
            if np.dtype(i.dtype).kind == "i":
                i = select(lt(i, _as_operand(0, i)), add(i, _as_operand(dim, i)), i)
            out.append(i)
        else:
            i = int(i)
            out.append(put(np.asarray(i + dim if i < 0 else i, dtypes.default_int())))
    return out


def dynamic_slice(x, start_indices, slice_sizes):
    x = _as_operand(x)
    return bind("dynamic_slice", x, *_index_scalars(start_indices, x.shape),
                slice_sizes=tuple(int(s) for s in slice_sizes))


def dynamic_update_slice(x, update, start_indices):
    x = _as_operand(x)
    return bind("dynamic_update_slice", x, _as_operand(update, x),
                *_index_scalars(start_indices, x.shape))


def _reducer(name):
    def fn(x, axes):
        return bind(f"reduce_{name}", x, axes=tuple(int(a) for a in axes))
    fn.__name__ = fn.__qualname__ = f"reduce_{name}"
    return fn


reduce_sum, reduce_prod, reduce_max, reduce_min, reduce_and, reduce_or, reduce_xor = map(
    _reducer, ["sum", "prod", "max", "min", "and", "or", "xor"])


def argmax(x, axis, index_dtype):
    return bind("argmax", x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def argmin(x, axis, index_dtype):
    return bind("argmin", x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def _cumulative(name):
    def fn(x, axis=0, reverse=False):
        return bind(name, x, axis=int(axis), reverse=bool(reverse))
    fn.__name__ = fn.__qualname__ = name
    return fn


cumsum, cumprod, cummax, cummin = map(_cumulative, ["cumsum", "cumprod", "cummax", "cummin"])


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    ints = lambda xs: tuple(int(v) for v in xs)
    dn = ((ints(lc), ints(rc)), (ints(lb), ints(rb)))
    pet = None if preferred_element_type is None else dtypes.canonicalize(preferred_element_type)
    return bind("dot_general", lhs, rhs, dimension_numbers=dn, preferred_element_type=pet)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    single = isinstance(operand, Array)
    ops = [operand] if single else list(operand)
    dimension = dimension % ops[0].ndim if ops[0].ndim else 0
    outs = bind("sort", *ops, dimension=dimension, is_stable=bool(is_stable),
                num_keys=int(num_keys))
    return outs[0] if single else tuple(outs)


_FFT_NAMES = {**{t.name: t for t in FftType}, **{t.name.lower(): t for t in FftType}}


def fft(x, fft_type, fft_lengths):
    """The discrete Fourier transform of ``fft_type`` (an ``FftType`` or its name) over the
    last ``len(fft_lengths)`` axes (one to three). Real input of FFT, IFFT and IRFFT is made
    complex, integer input of RFFT real (64-bit types to 64-bit ones, others to 32 bits)."""
    fft_type = FftType[_fft_type_name(fft_type)]
    lengths = tuple(fft_lengths[i] for i in range(len(fft_lengths)))
    if not builtins.all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                        for n in lengths):
        raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got "
                        f"{lengths}.")
    lengths = tuple(int(n) for n in lengths)
    x = _as_operand(x)
    if fft_type == FftType.RFFT:
        if x.dtype.kind == "c":
            raise ValueError("only real valued inputs supported for rfft")
        if x.dtype.kind in "biu":
            x = convert_element_type(x, _fft_real_dtype(x.dtype))
    else:
        x = convert_element_type(x, _fft_complex_dtype(x.dtype))
    if not lengths:
        return x
    return bind("fft", x, fft_type=fft_type, fft_lengths=lengths)


def _fft_type_name(fft_type):
    """'FFT', 'IFFT', 'RFFT' or 'IRFFT' for an ``FftType`` or such a name (or in lower case)."""
    if isinstance(fft_type, str):
        if fft_type not in _FFT_NAMES:
            raise ValueError(f"Unknown FFT type '{fft_type}'")
        return _FFT_NAMES[fft_type].name
    if not isinstance(fft_type, FftType):
        raise TypeError(f"Unknown FFT type value '{fft_type}'")
    return fft_type.name


def _fft_wide(dtype):
    return dtype in (dtypes.int64, dtypes.uint64, dtypes.float64, dtypes.complex128)


def _fft_complex_dtype(dtype):
    """The complex type a transform computes ``dtype`` in (64-bit types in complex128)."""
    return dtypes.canonicalize(dtypes.complex128 if _fft_wide(dtype) else dtypes.complex64)


def _fft_real_dtype(dtype):
    return dtypes.canonicalize(dtypes.float64 if _fft_wide(dtype) else dtypes.float32)


from s2s.runtime.control import cond, fori_loop, map, scan, switch, while_loop  # noqa: E402,F401
from s2s.runtime.windows import (ConvDimensionNumbers, conv_dimension_numbers,  # noqa: E402,F401
                                 conv_general_dilated, conv_general_permutations, padtype_to_pads,
                                 reduce_window)
from s2s.runtime.gather_scatter import (GatherDimensionNumbers,  # noqa: E402,F401
                                        GatherScatterMode, ScatterDimensionNumbers, gather,
                                        scatter, scatter_add, scatter_apply, scatter_max,
                                        scatter_min, scatter_mul, scatter_sub)
