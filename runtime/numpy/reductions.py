"""Reductions with NumPy's ``axis``, ``keepdims``, ``where``, ``dtype`` and ``initial``."""
import numpy as np

from runtime import dtypes, lax
from runtime.numpy.ufuncs import subtract
from runtime.numpy.util import broadcast_to, normalize_axes, normalize_axis, to_array


def _keep(out, shape, axes, keepdims):
    if not keepdims:
        return out
    return lax.reshape(out, [1 if i in axes else d for i, d in enumerate(shape)])


def _sum_dtype(dtype):
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
            x = lax.convert_element_type(x, _sum_dtype(x.dtype), x.weak_type)
        if where is not None:
            mask = broadcast_to(lax.convert_element_type(to_array(where), np.bool_), x.shape)
            x = lax.select(mask, x, broadcast_to(lax.convert_element_type(
                identity(x.dtype), x.dtype), x.shape))
        if needs_identity and initial is None and where is None and any(
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
    from lowering.ops.reductions import identity
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
        dtype = x.dtype if dtypes.is_inexact(x.dtype) else dtypes.default_float()
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
    centered = subtract(x if dtypes.is_inexact(x.dtype) else lax.convert_element_type(
        x, dtypes.default_float()), mean(x, axes, dtype, keepdims=True, where=where))
    if np.dtype(centered.dtype).kind == "c":
        sq = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        sq = lax.mul(centered, centered)
    n = _count(x, axes, where)
    total = sum(sq, axis=axes, keepdims=keepdims, where=where)
    if where is not None and keepdims:
        n = lax.reshape(n, total.shape)
    dof = lax.sub(lax.convert_element_type(n, total.dtype), lax.convert_element_type(ddof, total.dtype))
    out_ = lax.div(total, dof)
    return out_ if dtype is None else lax.convert_element_type(out_, dtype)


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
        elif upcast:
            x = lax.convert_element_type(x, _sum_dtype(x.dtype), x.weak_type)
        return prim(x, axis)
    fn.__name__ = fn.__qualname__ = name
    return fn


cumsum = cumulative_sum = _cumulative("cumsum", lax.cumsum, True)
cumprod = cumulative_prod = _cumulative("cumprod", lax.cumprod, True)


def count_nonzero(a, axis=None, keepdims=False):
    x = to_array(a)
    nz = lax.ne(x, lax.convert_element_type(0, x.dtype))
    return sum(nz, axis=axis, keepdims=keepdims, dtype=dtypes.default_int())
