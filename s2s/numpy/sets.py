"""Set functions of ``jax.numpy`` over ``unique`` and sorting. Their output length depends on
the values: concrete inputs, or ``size=`` (padded with ``fill_value``) under a trace."""
from typing import NamedTuple

from s2s.runtime import numpy as jnp
from s2s.runtime.core import Tracer
from s2s.runtime.errors import abstract_value_error
from s2s.rules import nondifferentiable

__all__ = ["isin", "union1d", "intersect1d", "setdiff1d", "setxor1d", "unique_all",
           "unique_counts", "unique_inverse"]


class UniqueAllResult(NamedTuple):
    values: object
    indices: object
    inverse_indices: object
    counts: object


class UniqueCountsResult(NamedTuple):
    values: object
    counts: object


class UniqueInverseResult(NamedTuple):
    values: object
    inverse_indices: object


def _check_arraylike(name, *args):
    for k, a in enumerate(args):
        if isinstance(a, (list, tuple)):
            raise TypeError(f"{name} requires ndarray or scalar arguments, got {type(a)} at "
                            f"position {k}.")


@nondifferentiable
def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    _check_arraylike("isin", element, test_elements)
    element, test = jnp.asarray(element), jnp.ravel(jnp.asarray(test_elements))
    found = jnp.any(element[..., None] == test, axis=-1) if test.size else \
        jnp.zeros(element.shape, bool)
    return ~found if invert else found


def _select(values, keep, size, fill_value, default_fill=None):
    """``values[keep]`` (``values`` sorted); with ``size``: the first ``size`` of them, padded
    with ``fill_value`` (default: ``default_fill``, else the smallest kept value)."""
    if size is None:
        if isinstance(values, Tracer) or isinstance(keep, Tracer):
            from s2s.runtime.numpy.sorting import _UNIQUE_NEEDS_SIZE
            raise abstract_value_error(values.dtype, values.shape, _UNIQUE_NEEDS_SIZE)
        return values[keep]
    order = jnp.argsort(jnp.where(keep, 0, 1), stable=True)
    picked = jnp.take(values, order) if values.size else values
    if picked.shape[0] < size:
        picked = jnp.concatenate([picked, jnp.zeros(size - picked.shape[0], picked.dtype)])
    picked = picked[:size]
    inside = jnp.arange(size) < jnp.sum(keep)
    if fill_value is None:
        fill_value = picked[0] if default_fill is None and size else (default_fill or 0)
    return jnp.where(inside, picked, jnp.asarray(fill_value, picked.dtype))


def _need_concrete(name, *arrays):
    for a in arrays:
        a = jnp.asarray(a)
        if isinstance(a, Tracer):
            raise abstract_value_error(a.dtype, a.shape, f"The error arose in {name}()")


def union1d(ar1, ar2, *, size=None, fill_value=None):
    if size is None:
        _need_concrete("union1d", ar1, ar2)
    joined = jnp.concatenate([jnp.ravel(jnp.asarray(ar1)), jnp.ravel(jnp.asarray(ar2))])
    return jnp.unique(joined, size=size, fill_value=fill_value)


def _distinct(a, assume_unique, size):
    """(values, mask of the distinct ones) of the flattened ``a``."""
    a = jnp.ravel(jnp.asarray(a))
    if assume_unique:
        return a, jnp.ones(a.shape, bool)
    s = jnp.sort(a)
    return s, jnp.concatenate([jnp.ones(min(s.size, 1), bool), s[1:] != s[:-1]])


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    if return_indices:
        raise NotImplementedError("intersect1d(..., return_indices=True) is not supported")
    a, keep = _distinct(ar1, assume_unique, size)
    return _select(a, keep & isin(a, ar2), size, fill_value)


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    if size is None:
        _need_concrete("setdiff1d", ar1)
    a, keep = _distinct(ar1, assume_unique, size)
    return _select(a, keep & isin(a, ar2, invert=True), size, fill_value, 0)


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    a, ka = _distinct(ar1, assume_unique, size)
    b, kb = _distinct(ar2, assume_unique, size)
    values = jnp.concatenate([a, b]).astype(jnp.result_type(a, b))
    keep = jnp.concatenate([ka & isin(a, b, invert=True), kb & isin(b, a, invert=True)])
    order = jnp.argsort(values)
    values, keep = jnp.take(values, order), jnp.take(keep, order)
    return _select(values, keep, size, fill_value)


def unique_all(x, /, *, size=None, fill_value=None):
    out = jnp.unique(x, return_index=True, return_inverse=True, return_counts=True, size=size,
                     fill_value=fill_value)
    return UniqueAllResult(*out)


def unique_counts(x, /, *, size=None, fill_value=None):
    return UniqueCountsResult(*jnp.unique(x, return_counts=True, size=size,
                                          fill_value=fill_value))


def unique_inverse(x, /, *, size=None, fill_value=None):
    return UniqueInverseResult(*jnp.unique(x, return_inverse=True, size=size,
                                           fill_value=fill_value))
