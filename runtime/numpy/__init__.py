"""``s2s.numpy``: NumPy's API on immutable device arrays (JAX semantics)."""
import numpy as _np

from s2s.runtime import dtypes as _dtypes
from s2s.runtime.core import Array as ndarray
from s2s.runtime.numpy.creation import *  # noqa: F401,F403
from s2s.runtime.numpy.creation import array, asarray
from s2s.runtime.numpy.indexing import (argwhere, flatnonzero, getitem as _getitem, nonzero, take,
                                        take_along_axis)
from s2s.runtime.numpy.linalg import (diagonal, dot, einsum, inner, matmul, outer, tensordot, trace,
                                      vdot, vecdot)
from s2s.runtime.numpy.reductions import *  # noqa: F401,F403
from s2s.runtime.numpy.shape import *  # noqa: F401,F403
from s2s.runtime.numpy.sorting import *  # noqa: F401,F403
from s2s.runtime.numpy.ufuncs import *  # noqa: F401,F403
from s2s.runtime.numpy.ufuncs import abs, round, pow, where, clip
from s2s.runtime.numpy.util import broadcast_shapes as _broadcast_shapes, broadcast_to

from s2s.runtime.numpy.creation import empty, full, zeros, ones  # noqa: F401
from s2s.runtime.numpy import linalg_namespace as linalg  # noqa: E402
from s2s.runtime.numpy import fft  # noqa: E402,F401  (the jnp.fft namespace)


class _ScalarMeta(type):
    """The type of ``jnp.float32`` and friends: a dtype wherever one is expected
    (``np.dtype(jnp.float32)`` reads its ``dtype``) and a constructor of arrays when called
    (``jnp.float32(3)`` is ``Array(3., dtype=float32)``), as in JAX."""

    def __call__(cls, x=0):
        return asarray(x, dtype=cls.dtype)

    def __eq__(cls, other):
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other):
        return not cls == other

    def __hash__(cls):
        return hash(cls.dtype.type)

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.dtype.type)

    def __repr__(cls):
        return f"<class 's2s.numpy.{cls.__name__}'>"


def _scalar_type(dt):
    return _ScalarMeta(dt.name if dt != _dtypes.bool_ else "bool_", (object,), {"dtype": dt})


bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64 = map(_scalar_type, [
    _dtypes.bool_, _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64, _dtypes.uint8,
    _dtypes.uint16, _dtypes.uint32, _dtypes.uint64])
float16, bfloat16, float32, float64, complex64, complex128 = map(_scalar_type, [
    _dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64, _dtypes.complex64,
    _dtypes.complex128])
float8_e4m3fn, float8_e5m2 = map(_scalar_type, [_dtypes.float8_e4m3fn, _dtypes.float8_e5m2])

pi, e, inf, nan, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.euler_gamma
newaxis = None
promote_types = _dtypes.promote_types
result_type = _dtypes.result_type
issubdtype = _dtypes.issubdtype
dtype = _np.dtype
generic, number, integer, signedinteger, unsignedinteger, inexact, floating, complexfloating = (
    _np.generic, _np.number, _np.integer, _np.signedinteger, _np.unsignedinteger, _np.inexact,
    _np.floating, _np.complexfloating)
float_ = float64
int_ = int64
uint = uint64
complex_ = complex128


def broadcast_shapes(*shapes):
    return _broadcast_shapes("broadcast_shapes", *shapes)


finfo = _dtypes.finfo
iinfo = _dtypes.iinfo


def can_cast(from_, to, casting="safe"):
    return _np.can_cast(from_, to, casting)


def isscalar(element):
    return _np.isscalar(element) or (isinstance(element, ndarray) and element.ndim == 0)


def ndim(a):
    return _np.ndim(a) if not isinstance(a, ndarray) else a.ndim


def shape(a):
    return _np.shape(a) if not isinstance(a, ndarray) else a.shape


def size(a, axis=None):
    s = shape(a)
    return int(_np.prod(s)) if axis is None else s[axis]


def isdtype(dtype, kind):
    return _np.isdtype(_np.dtype(dtype), kind)


def array_equal(a1, a2, equal_nan=False):
    a1, a2 = asarray(a1), asarray(a2)
    if a1.shape != a2.shape:
        return asarray(False)
    eq = equal(a1, a2)  # noqa: F405
    if equal_nan:
        eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))  # noqa: F405
    return all(eq)  # noqa: F405


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return all(isclose(a, b, rtol, atol, equal_nan))  # noqa: F405


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = asarray(a), asarray(b)
    diff = absolute(subtract(a, b))  # noqa: F405
    close = less_equal(diff, add(atol, multiply(rtol, absolute(b))))  # noqa: F405
    close = logical_or(close, equal(a, b))  # noqa: F405
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))  # noqa: F405
    return close
