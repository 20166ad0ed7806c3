"""Sorting and searching: ``sort argsort lexsort searchsorted unique``, all over ``lax.sort``
(a stable multi-operand sort; NaN sorts last, as in NumPy)."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.core import Tracer
from s2s.runtime.numpy.util import broadcast_to, normalize_axis, to_array

__all__ = ["sort", "argsort", "lexsort", "searchsorted", "unique", "unique_values", "partition",
           "argpartition", "sort_complex"]


def _flat_or_axis(x, axis):
    if axis is None:
        return lax.reshape(x, (x.size,)), 0
    return x, normalize_axis(axis, max(x.ndim, 1)) if x.ndim else 0


def _check_order(order, name):
    if order is not None:
        raise TypeError(f"'order' argument to {name} is not supported.")


def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """Sorted copy of ``a`` along ``axis`` (flattened when None); NaNs go last."""
    _check_order(order, "sort")
    x, axis = _flat_or_axis(to_array(a), axis)
    if x.ndim == 0:
        return x
    if np.dtype(x.dtype).kind == "c":
        return _sort_complex(x, axis, descending)
    if descending:
        return lax.rev(lax.sort(lax.rev(x, (axis,)), axis, is_stable=stable), (axis,))
    return lax.sort(x, axis, is_stable=stable)


def _sort_complex(x, axis, descending):
    """Lexicographic on (real, imag), as NumPy."""
    if descending:
        x = lax.rev(x, (axis,))
    _, _, out = lax.sort((lax.real(x), lax.imag(x), x), axis, is_stable=True, num_keys=2)
    return lax.rev(out, (axis,)) if descending else out


def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """Indices that sort ``a`` along ``axis`` (stable: ties keep their original order)."""
    _check_order(order, "argsort")
    x, axis = _flat_or_axis(to_array(a), axis)
    itype = dtypes.default_int()
    if x.ndim == 0:
        return lax.convert_element_type(0, itype)
    n = x.shape[axis]
    if descending:  # stable descending: sort the reversed array, reverse back, remap the indices
        x = lax.rev(x, (axis,))
    iota = lax.broadcasted_iota(itype, x.shape, axis)
    keys = (lax.real(x), lax.imag(x)) if np.dtype(x.dtype).kind == "c" else (x,)
    idx = lax.sort(keys + (iota,), axis, is_stable=True, num_keys=len(keys))[-1]
    if descending:
        idx = lax.sub(lax.convert_element_type(n - 1, itype), lax.rev(idx, (axis,)))
    return idx


def lexsort(keys, axis=-1):
    """Indices sorting by the last key first (as ``numpy.lexsort``)."""
    ks = [to_array(k) for k in keys]
    if not ks:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    shape = ks[0].shape
    if any(k.shape != shape for k in ks):
        raise ValueError("all keys need to be the same shape")
    if not shape:
        return lax.convert_element_type(0, dtypes.default_int())
    axis = normalize_axis(axis, len(shape))
    iota = lax.broadcasted_iota(dtypes.default_int(), shape, axis)
    return lax.sort(tuple(ks[::-1]) + (iota,), axis, is_stable=True, num_keys=len(ks))[-1]


def _nan_lt(a, b):
    """``a < b`` in sort order (NaN above everything)."""
    less = lax.lt(a, b)
    if not dtypes.is_inexact(a.dtype):
        return less
    return lax.bitwise_or(less, lax.bitwise_and(lax.ne(b, b), lax.eq(a, a)))


def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    """Insertion points of ``v`` into sorted 1-D ``a`` (counts ``a < v`` or ``a <= v``)."""
    from s2s.runtime.numpy.reductions import sum
    from s2s.runtime.numpy.util import promote_dtypes
    if side not in ("left", "right"):
        raise ValueError(f"{side!r} is an invalid value for keyword 'side'. Expected one of "
                         f"['left', 'right'].")
    a = to_array(a)
    if a.ndim != 1:
        raise ValueError("a should be 1-dimensional")
    if sorter is not None:
        from s2s.runtime.numpy.indexing import take
        a = take(a, sorter)
    a, v = promote_dtypes(a, v)
    shape = v.shape + a.shape
    aa = lax.broadcast_in_dim(a, shape, (v.ndim,))
    vv = lax.broadcast_in_dim(v, shape, tuple(range(v.ndim)))
    before = _nan_lt(aa, vv) if side == "left" else lax.bitwise_not(_nan_lt(vv, aa))
    return sum(before, axis=-1, dtype=dtypes.default_int())


_UNIQUE_NEEDS_SIZE = ("The error arose for the first argument of jnp.unique(). To make "
                      "jnp.unique() compatible with JIT and other transforms, you can specify a "
                      "concrete value for the size argument, which will determine the output "
                      "size.")


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):
    """Sorted unique elements of the flattened array. With ``size`` the result is padded with
    ``fill_value`` (default: the smallest unique value) or truncated to that length."""
    from s2s.runtime.numpy.indexing import getitem
    from s2s.runtime.numpy.reductions import cumsum
    if axis is not None:
        raise NotImplementedError("jnp.unique with axis= is not supported")
    x = to_array(ar)
    if size is None and isinstance(x, Tracer):
        from s2s.runtime.errors import abstract_value_error
        raise abstract_value_error(x.dtype, x.shape, _UNIQUE_NEEDS_SIZE)
    x = lax.reshape(x, (x.size,))
    n = x.size
    itype = dtypes.default_int()
    perm = argsort(x)
    s = getitem(x, perm) if n else x
    if n:
        prev = lax.concatenate([lax.slice(s, (0,), (1,)), lax.slice(s, (0,), (n - 1,))], 0)
        new = lax.ne(s, prev)
        if equal_nan and dtypes.is_inexact(x.dtype):
            new = lax.bitwise_and(new, lax.bitwise_not(lax.bitwise_and(lax.ne(s, s),
                                                                       lax.ne(prev, prev))))
        first = lax.concatenate([lax.convert_element_type(np.ones(1, np.bool_), np.bool_),
                                 lax.slice(new, (1,), (n,))], 0)
    else:
        first = lax.convert_element_type(np.zeros(0, np.bool_), np.bool_)
    group = lax.sub(cumsum(first, dtype=itype), lax.convert_element_type(1, itype)) if n else \
        lax.iota(itype, 0)
    if size is None:  # the number of unique values decides the shape: concrete only
        out_len = int(np.count_nonzero(np.asarray(first)))
        fill = None
    else:
        out_len = int(size)
        fill = (getitem(s, 0) if n else lax.convert_element_type(0, x.dtype)) \
            if fill_value is None else lax.convert_element_type(fill_value, x.dtype)
    base = broadcast_to(lax.convert_element_type(fill if fill is not None else 0, x.dtype),
                        (out_len,))
    col = lax.reshape(group, (n, 1))  # each sorted value lands at its group's slot
    dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                     scatter_dims_to_operand_dims=(0,))
    values = lax.scatter(base, col, s, dn) if n and out_len else base
    outs = [values]
    if return_index:
        big = broadcast_to(lax.convert_element_type(n, itype), (out_len,))
        idx = lax.scatter_min(big, col, perm, dn) if n and out_len else big
        if size is not None:
            idx = lax.select(lax.eq(idx, lax.convert_element_type(n, itype)),
                             broadcast_to(lax.convert_element_type(0, itype), (out_len,)), idx)
        outs.append(idx)
    if return_inverse:
        inv = lax.scatter(broadcast_to(lax.convert_element_type(0, itype), (n,)),
                          lax.reshape(perm, (n, 1)), group, dn) if n else group
        outs.append(lax.reshape(inv, to_array(ar).shape))  # (a 0-d input's is 0-d, as jax's)
    if return_counts:
        zeros = broadcast_to(lax.convert_element_type(0, itype), (out_len,))
        ones = broadcast_to(lax.convert_element_type(1, itype), (n,))
        outs.append(lax.scatter_add(zeros, col, ones, dn) if n and out_len else zeros)
    return outs[0] if len(outs) == 1 else tuple(outs)


def unique_values(x, *, size=None, fill_value=None):
    return unique(x, size=size, fill_value=fill_value)


def partition(a, kth, axis=-1):
    """A full sort satisfies ``partition``'s contract (kth in place, smaller before, larger
    after)."""
    return sort(a, axis)


def argpartition(a, kth, axis=-1):
    return argsort(a, axis)


def sort_complex(a):
    x = to_array(a)
    if np.dtype(x.dtype).kind != "c":
        x = lax.convert_element_type(x, dtypes.default_complex())
    return sort(x)
