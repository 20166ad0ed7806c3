"""Reductions with NumPy's ``axis``, ``keepdims``, ``where``, ``dtype`` and ``initial``."""
import builtins

import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.numpy.ufuncs import subtract
from s2s.runtime.numpy.util import broadcast_to, normalize_axes, normalize_axis, to_array


def _keep(out, shape, axes, keepdims):
    if not keepdims:
        return out
    return lax.reshape(out, [1 if i in axes else d for i, d in enumerate(shape)])


def sum_dtype(dtype):
    """NumPy's accumulator: bools and small ints sum in the default int (uint for unsigned)."""
    if dtype == np.bool_:
        return dtypes.default_int()
    if np.dtype(dtype).kind == "i" and np.dtype(dtype).itemsize < dtypes.default_int().itemsize:
        return dtypes.default_int()
    if np.dtype(dtype).kind == "u" and np.dtype(dtype).itemsize < dtypes.default_uint().itemsize:
        return dtypes.default_uint()
    return dtype


def _reduction(name, prim, identity, upcast=False, bool_result=False, needs_identity=False):
    def fn(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
           promote_integers=True):
        if out is not None:
            raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
        x = to_array(a)
        axes = normalize_axes(axis, x.ndim)
        if bool_result:
            x = lax.convert_element_type(x, np.bool_)
        elif dtype is not None:
            x = lax.convert_element_type(x, dtypes.check_user_dtype(dtype, name))
        elif upcast and promote_integers:
            x = lax.convert_element_type(x, sum_dtype(x.dtype), x.weak_type)
        if where is not None:
            mask = broadcast_to(lax.convert_element_type(to_array(where), np.bool_), x.shape)
            x = lax.select(mask, x, broadcast_to(lax.convert_element_type(
                identity(x.dtype), x.dtype), x.shape))
        if needs_identity and initial is None and where is None and builtins.any(
                x.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             f"identity")
        out_ = prim(x, axes) if axes else x
        if initial is not None:
            out_ = {"sum": lax.add, "prod": lax.mul, "max": lax.max, "min": lax.min}[name](
                out_, lax.convert_element_type(initial, out_.dtype))
        return _keep(out_, x.shape, axes, keepdims)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``numpy.{name}`` over ``axis`` (all axes when None)."
    return fn


def _ident(kind):
    from s2s.lowering.ops.reductions import identity
    return lambda dtype: identity(kind, dtype)


sum = _reduction("sum", lax.reduce_sum, _ident("sum"), upcast=True)
prod = _reduction("prod", lax.reduce_prod, _ident("prod"), upcast=True)
max = amax = _reduction("max", lax.reduce_max, _ident("max"), needs_identity=True)
min = amin = _reduction("min", lax.reduce_min, _ident("min"), needs_identity=True)
all = _reduction("all", lax.reduce_and, _ident("and"), bool_result=True)
any = _reduction("any", lax.reduce_or, _ident("or"), bool_result=True)


def _count(x, axes, where):
    if where is None:
        n = 1
        for i in axes:
            n *= x.shape[i]
        return n
    mask = broadcast_to(lax.convert_element_type(to_array(where), np.bool_), x.shape)
    return sum(mask, axis=axes)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    x = to_array(a)
    axes = normalize_axes(axis, x.ndim)
    if dtype is None:
        dtype = dtypes.to_inexact(x.dtype, x.weak_type)
    dtype = dtypes.check_user_dtype(dtype, "mean")
    total = sum(lax.convert_element_type(x, dtype, x.weak_type), axis=axes, keepdims=keepdims,
                where=where)
    n = _count(x, axes, where)
    if where is not None and keepdims:
        n = lax.reshape(n, total.shape)
    return lax.div(total, lax.convert_element_type(n, total.dtype))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    x = to_array(a)
    if correction is not None:
        ddof = correction
    axes = normalize_axes(axis, x.ndim)
    centered = subtract(lax.convert_element_type(x, dtypes.to_inexact(x.dtype, x.weak_type),
                                                 x.weak_type),
                        mean(x, axes, dtype, keepdims=True, where=where))
    if np.dtype(centered.dtype).kind == "c":
        sq = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        sq = lax.mul(centered, centered)
    n = _count(x, axes, where)
    total = sum(sq, axis=axes, keepdims=keepdims, where=where)
    if where is not None and keepdims:
        n = lax.reshape(n, total.shape)
    dof = _dof(n, ddof, total.dtype)
    out_ = lax.div(total, dof)
    return out_ if dtype is None else lax.convert_element_type(out_, dtype)


def _dof(n, ddof, dtype):
    """``max(n - ddof, 0)``: no degrees of freedom left gives 0/0 = NaN (as NumPy)."""
    d = lax.sub(lax.convert_element_type(n, dtype), lax.convert_element_type(ddof, dtype))
    return lax.max(d, lax.convert_element_type(0, dtype))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    return lax.sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, correction=correction))


def _arg(name, prim):
    def fn(a, axis=None, out=None, keepdims=False):
        x = to_array(a)
        if axis is None:
            flat = lax.reshape(x, (x.size,))
            res = prim(flat, 0, dtypes.default_int()) if x.size else _empty_arg(name)
            return lax.reshape(res, (1,) * x.ndim) if keepdims else res
        ax = normalize_axis(axis, x.ndim)
        if x.shape[ax] == 0:
            _empty_arg(name)
        res = prim(x, ax, dtypes.default_int())
        return _keep(res, x.shape, (ax,), keepdims)
    fn.__name__ = fn.__qualname__ = name
    return fn


def _empty_arg(name):
    raise ValueError(f"attempt to get {name} of an empty sequence")


argmax = _arg("argmax", lax.argmax)
argmin = _arg("argmin", lax.argmin)


def _cumulative(name, prim, upcast):
    def fn(a, axis=None, dtype=None, out=None):
        x = to_array(a)
        if axis is None:
            x, axis = lax.reshape(x, (x.size,)), 0
        axis = normalize_axis(axis, x.ndim)
        if dtype is not None:
            x = lax.convert_element_type(x, dtypes.check_user_dtype(dtype, name))
        elif upcast and x.dtype == np.bool_:  # (JAX keeps small ints; only bool upcasts)
            x = lax.convert_element_type(x, dtypes.default_int(), x.weak_type)
        return prim(x, axis)
    fn.__name__ = fn.__qualname__ = name
    return fn


cumsum = _cumulative("cumsum", lax.cumsum, True)
cumprod = _cumulative("cumprod", lax.cumprod, True)


def count_nonzero(a, axis=None, keepdims=False):
    x = to_array(a)
    nz = lax.ne(x, lax.convert_element_type(0, x.dtype))
    return sum(nz, axis=axis, keepdims=keepdims, dtype=dtypes.default_int())


def ptp(a, axis=None, out=None, keepdims=False):
    """Peak to peak: ``max - min`` over ``axis``."""
    from s2s.runtime.numpy.ufuncs import subtract
    return subtract(max(a, axis=axis, keepdims=keepdims), min(a, axis=axis, keepdims=keepdims))


# ---- NaN-ignoring reductions ---------------------------------------------------------------------

def _nan_mask(x):
    return lax.ne(x, x) if dtypes.is_inexact(x.dtype) else None


def _fill_nan(x, value):
    """``x`` with NaNs replaced by ``value`` (ints and bools pass through)."""
    mask = _nan_mask(x)
    if mask is None:
        return x
    return lax.select(mask, broadcast_to(lax.convert_element_type(value, x.dtype), x.shape), x)


def _and_where(mask, where, shape):
    """Combine the not-NaN mask with the user's ``where`` (either may be None)."""
    if where is None:
        return mask
    w = broadcast_to(lax.convert_element_type(to_array(where), np.bool_), shape)
    return w if mask is None else lax.bitwise_and(mask, w)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    x = to_array(a)
    return sum(_fill_nan(x, 0), axis=axis, dtype=dtype, keepdims=keepdims, initial=initial,
               where=where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    x = to_array(a)
    return prod(_fill_nan(x, 1), axis=axis, dtype=dtype, keepdims=keepdims, initial=initial,
                where=where)


def _nan_extreme(name, red, fill):
    def fn(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        x = to_array(a)
        mask = _nan_mask(x)
        if mask is None:
            return red(x, axis=axis, keepdims=keepdims, initial=initial, where=where)
        out_ = red(_fill_nan(x, fill), axis=axis, keepdims=keepdims, initial=initial, where=where)
        # a slice with no number in it (all NaN, or all masked out by where) gives NaN
        valid = lax.bitwise_not(mask)
        if where is not None:
            valid = _and_where(valid, where, x.shape)
        has_num = any(valid, axis=axis, keepdims=keepdims)
        if initial is not None:
            return out_ if not bool(np.isnan(initial)) else lax.select(
                has_num, out_, broadcast_to(lax.convert_element_type(np.nan, x.dtype), out_.shape))
        return lax.select(has_num, out_, broadcast_to(lax.convert_element_type(np.nan, x.dtype),
                                                      out_.shape))
    fn.__name__ = fn.__qualname__ = name
    return fn


nanmax = _nan_extreme("nanmax", max, -np.inf)
nanmin = _nan_extreme("nanmin", min, np.inf)


def _not_nan_count(x, axes, keepdims, where):
    valid = _and_where(None if _nan_mask(x) is None else lax.bitwise_not(_nan_mask(x)), where,
                       x.shape)
    if valid is None:
        n = 1
        for i in axes:
            n *= x.shape[i]
        return n
    return sum(valid, axis=axes, keepdims=keepdims, dtype=dtypes.default_int())


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    x = to_array(a)
    if _nan_mask(x) is None:
        return mean(x, axis, dtype, keepdims=keepdims, where=where)
    axes = normalize_axes(axis, x.ndim)
    dtype = dtypes.check_user_dtype(dtype, "nanmean") or x.dtype
    total = nansum(x, axes, dtype, keepdims=keepdims, where=where)
    n = _not_nan_count(x, axes, keepdims, where)
    return lax.div(total, lax.convert_element_type(n, total.dtype))


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           correction=None):
    x = to_array(a)
    if _nan_mask(x) is None:
        return var(x, axis, dtype, ddof=ddof, keepdims=keepdims, where=where,
                   correction=correction)
    if correction is not None:
        ddof = correction
    axes = normalize_axes(axis, x.ndim)
    centered = subtract(x, nanmean(x, axes, keepdims=True, where=where))
    if np.dtype(centered.dtype).kind == "c":
        sq = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        sq = lax.mul(centered, centered)
    # only the input's NaNs are skipped (inf - inf in ``centered`` must stay NaN)
    total = sum(sq, axes, keepdims=keepdims,
                where=_and_where(lax.bitwise_not(_nan_mask(x)), where, x.shape))
    n = _not_nan_count(x, axes, keepdims, where)
    dof = _dof(n, ddof, total.dtype)
    out_ = lax.div(total, dof)
    return out_ if dtype is None else lax.convert_element_type(
        out_, dtypes.check_user_dtype(dtype, "nanvar"))


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           correction=None):
    return lax.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where,
                           correction=correction))


def nancumsum(a, axis=None, dtype=None, out=None):
    return cumsum(_fill_nan(to_array(a), 0), axis, dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    return cumprod(_fill_nan(to_array(a), 1), axis, dtype)


def _nan_arg(name, fn, fill):
    def nanarg(a, axis=None, out=None, keepdims=False):
        x = to_array(a)
        mask = _nan_mask(x)
        if mask is None:
            return fn(x, axis, keepdims=keepdims)
        res = fn(_fill_nan(x, fill), axis, keepdims=keepdims)
        all_nan = all(mask, axis=axis, keepdims=keepdims)
        return lax.select(all_nan, broadcast_to(lax.convert_element_type(-1, res.dtype),
                                                res.shape), res)
    nanarg.__name__ = nanarg.__qualname__ = name
    return nanarg


nanargmax = _nan_arg("nanargmax", argmax, -np.inf)
nanargmin = _nan_arg("nanargmin", argmin, np.inf)


# ---- weighted mean -------------------------------------------------------------------------------

def average(a, axis=None, weights=None, returned=False, keepdims=False):
    x = to_array(a)
    if weights is None:
        avg = mean(x, axis, keepdims=keepdims)
        n = _count(x, normalize_axes(axis, x.ndim), None)
        scl = broadcast_to(lax.convert_element_type(n, avg.dtype), avg.shape)
        return (avg, scl) if returned else avg
    from s2s.runtime.numpy.ufuncs import multiply
    from s2s.runtime.numpy.util import promote_dtypes
    w = to_array(weights)
    x, w = promote_dtypes(x, w)
    if not dtypes.is_inexact(x.dtype):
        x = lax.convert_element_type(x, dtypes.to_inexact(x.dtype))
        w = lax.convert_element_type(w, x.dtype)
    axes = normalize_axes(axis, x.ndim)
    if w.shape != x.shape:
        if axis is None:
            raise ValueError("Axis must be specified when shapes of a and weights differ.")
        if w.ndim != 1 or len(axes) != 1:
            raise ValueError("1D weights expected when shapes of a and weights differ.")
        if w.shape[0] != x.shape[axes[0]]:
            raise ValueError("Length of weights not compatible with specified axis.")
        w = lax.broadcast_in_dim(w, x.shape, axes)
    scl = sum(w, axis=axes, keepdims=keepdims)
    avg = lax.div(sum(multiply(x, w), axis=axes, keepdims=keepdims), scl)
    return (avg, scl) if returned else avg
