"""Array creation: ``array asarray zeros ones full empty *_like arange linspace eye ...``."""
import operator

import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.core import Array
from s2s.runtime.numpy.util import broadcast_to, to_array


def _shape(shape):
    if isinstance(shape, (int, np.integer)) or hasattr(shape, "__index__") and not isinstance(
            shape, (tuple, list)):
        shape = (shape,)
    out = []
    for d in shape:
        try:
            d = operator.index(d)
        except TypeError:
            raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, "
                            f"got {tuple(shape)}.") from None
        if d < 0:  # jax's error: its creation functions broadcast a scalar to the shape
            raise TypeError(f"broadcast_in_dim shape must have every element be nonnegative, "
                            f"got {tuple(shape)}.")
        out.append(d)
    return tuple(out)


def array(object, dtype=None, copy=True, order="K", ndmin=0):
    dtype = dtypes.check_user_dtype(dtype, "array")
    out = to_array(object, dtype, cached=False)
    if isinstance(object, Array) and dtype is None and copy and object.weak_type:
        out = lax.convert_element_type(out, out.dtype, True)
    if ndmin > out.ndim:
        out = lax.reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def asarray(a, dtype=None, order=None, *, copy=None, device=None):
    out = to_array(a, dtypes.check_user_dtype(dtype, "asarray"), cached=False)
    if device is not None:
        from s2s.runtime.devices import device_put
        out = device_put(out, device)
    return out


def from_dlpack(x, /, *, device=None, copy=None):
    """An array from any object exporting DLPack (``__dlpack__``): read through NumPy's
    importer on the host, then placed on ``device``."""
    if isinstance(x, Array):
        return array(x, copy=True) if copy else x
    if not (hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__")):
        raise TypeError("The array passed to from_dlpack must have __dlpack__ and "
                        "__dlpack_device__ methods.")
    return asarray(np.from_dlpack(x), device=device)


def full(shape, fill_value, dtype=None, *, device=None):
    dtype = dtypes.check_user_dtype(dtype, "full")
    # without a dtype, a Python scalar fill keeps its weak type (jnp.full(s, 7) is weak int32)
    return _filled(shape, fill_value, dtype, None if dtype is None else False)


def _filled(shape, fill_value, dtype, weak):
    """``fill_value`` as ``dtype`` (None: its own) broadcast to ``shape``, weak-typed or not
    (None: weak if the fill is a Python scalar)."""
    val = to_array(fill_value, dtype, weak_type=weak)
    if weak is not None and val.weak_type != weak:
        val = lax.convert_element_type(val, val.dtype, weak)
    return broadcast_to(val, _shape(shape))


def zeros(shape, dtype=None, *, device=None):
    return full(shape, 0, dtype or dtypes.default_float())


def ones(shape, dtype=None, *, device=None):
    return full(shape, 1, dtype or dtypes.default_float())


empty = zeros


def full_like(a, fill_value, dtype=None, shape=None, *, device=None):
    """Without a dtype, the result is weak-typed when ``a`` is (as jax's)."""
    a = to_array(a)
    dtype = dtypes.check_user_dtype(dtype, "full_like")
    return _filled(a.shape if shape is None else shape, fill_value, dtype or a.dtype,
                   dtype is None and a.weak_type)


def _like(fill):
    def fn(a, dtype=None, shape=None, *, device=None):
        return full_like(a, fill, dtype, shape)
    return fn


zeros_like = _like(0)
ones_like = _like(1)
empty_like = zeros_like


def arange(start, stop=None, step=None, dtype=None, *, device=None):
    for v in (start, stop, step):
        if isinstance(v, Array) and not hasattr(v, "_value"):
            from s2s.runtime.errors import ConcretizationTypeError
            raise ConcretizationTypeError(
                "jax.numpy.arange requires concrete (non-traced) start, stop and step values; "
                "got an abstract value. If using jit, mark them static.")
    dtype = dtypes.check_user_dtype(dtype, "arange")
    if stop is None and step is None:
        stop, start = start, 0
    vals = [np.asarray(v) for v in (start, stop, step if step is not None else 1)]
    if dtype is None:
        dtype = dtypes.result_type(*[v.item() if v.ndim == 0 and isinstance(
            v.item(), (int, float)) else v.dtype for v in vals])
    if step is None and dtype.kind in "iu" and not any(v.dtype.kind == "f" for v in vals):
        n = max(int(stop) - int(start), 0)
        out = lax.iota(dtype, n)
        return out if int(start) == 0 else lax.add(out, lax.convert_element_type(int(start), dtype))
    return to_array(np.arange(*[v.item() for v in vals], dtype=np.dtype(dtype)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    dtype = dtypes.check_user_dtype(dtype, "linspace")
    start, stop = to_array(start), to_array(stop)
    ctype = dtypes.result_type(start, stop, float)
    ctype = ctype if dtypes.is_inexact(ctype) else dtypes.default_float()
    start = lax.convert_element_type(start, ctype)
    stop = lax.convert_element_type(stop, ctype)
    bshape = np.broadcast_shapes(start.shape, stop.shape)
    start, stop = broadcast_to(start, bshape), broadcast_to(stop, bshape)
    div = (num - 1) if endpoint else num
    shape = (num,) + bshape
    iota = lax.broadcasted_iota(ctype, shape, 0)
    s = lax.broadcast_in_dim(start, shape, tuple(range(1, len(shape))))
    e = lax.broadcast_in_dim(stop, shape, tuple(range(1, len(shape))))
    if div > 0:
        step = lax.div(lax.sub(e, s), lax.convert_element_type(div, ctype))
        out = lax.add(s, lax.mul(iota, step))
        if endpoint and num > 1:  # the last sample is exactly ``stop``
            head = lax.slice(out, (0,) * len(shape), (num - 1,) + bshape)
            out = lax.concatenate([head, lax.slice(e, (0,) * len(shape), (1,) + bshape)], 0)
    else:
        step = lax.sub(e, s)
        out = s
    out = lax.convert_element_type(out, dtype or ctype)
    if axis != 0:
        from s2s.runtime.numpy.shape import moveaxis
        out = moveaxis(out, 0, axis)
    return (out, step if div > 0 else float("nan")) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    from s2s.runtime.numpy.ufuncs import power
    lin = linspace(start, stop, num, endpoint, dtype=None, axis=axis)
    out = power(lax.convert_element_type(base, lin.dtype), lin)
    return out if dtype is None else lax.convert_element_type(out, dtypes.check_user_dtype(dtype))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    from s2s.runtime.numpy.ufuncs import log10
    return logspace(log10(start), log10(stop), num, endpoint, 10.0, dtype, axis)


def eye(N, M=None, k=0, dtype=None, *, device=None):
    M = N if M is None else M
    dtype = dtypes.check_user_dtype(dtype, "eye") or dtypes.default_float()
    rows = lax.broadcasted_iota(dtypes.default_int(), (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.default_int(), (N, M), 1)
    return lax.convert_element_type(lax.eq(lax.add(rows, lax.convert_element_type(
        k, rows.dtype)), cols), dtype)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    dtype = dtypes.check_user_dtype(dtype, "tri") or dtypes.default_float()
    rows = lax.broadcasted_iota(dtypes.default_int(), (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.default_int(), (N, M), 1)
    return lax.convert_element_type(lax.ge(lax.add(rows, lax.convert_element_type(
        k, rows.dtype)), cols), dtype)


def _tri_mask(x, k, lower):
    n, m = x.shape[-2:]
    mask = tri(n, m, k if lower else k - 1, dtype=np.bool_)
    if not lower:
        mask = lax.bitwise_not(mask)
    mask = broadcast_to(mask, x.shape)
    return lax.select(mask, x, broadcast_to(lax.convert_element_type(0, x.dtype), x.shape))


def tril(m, k=0):
    x = to_array(m)
    if x.ndim < 2:
        raise ValueError("tril requires an array of at least two dimensions")
    return _tri_mask(x, k, True)


def triu(m, k=0):
    x = to_array(m)
    if x.ndim < 2:
        raise ValueError("triu requires an array of at least two dimensions")
    return _tri_mask(x, k, False)


def diag(v, k=0):
    x = to_array(v)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows = lax.broadcasted_iota(dtypes.default_int(), (n, n), 0)
        cols = lax.broadcasted_iota(dtypes.default_int(), (n, n), 1)
        on = lax.eq(lax.add(rows, lax.convert_element_type(k, rows.dtype)), cols)
        padded = lax.pad(x, lax.convert_element_type(0, x.dtype),
                         [(max(k, 0), max(-k, 0), 0)])
        vals = lax.broadcast_in_dim(padded, (n, n), (1,))  # vals[r, c] = padded[c]
        return lax.select(on, vals, broadcast_to(lax.convert_element_type(0, x.dtype), (n, n)))
    if x.ndim == 2:
        from s2s.runtime.numpy.linalg import diagonal
        return diagonal(x, k)
    raise ValueError("diag input must be 1d or 2d")


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    xs = [lax.reshape(to_array(x), (to_array(x).size,)) for x in xi]
    shape = [x.shape[0] for x in xs]
    if indexing == "xy" and len(xs) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, x in enumerate(xs):
        axis = (1 if i == 0 else 0 if i == 1 else i) if indexing == "xy" and len(xs) >= 2 else i
        if sparse:
            s = [1] * len(xs)
            s[axis] = x.shape[0]
            out.append(lax.reshape(x, s))
        else:
            out.append(lax.broadcast_in_dim(x, shape, (axis,)))
    return out
