"""dtypes: canonicalisation (64-bit off by default), weak types and JAX's promotion lattice.

Python scalars are *weak*: ``int``, ``float`` and ``complex`` sit in the lattice as their own nodes
(``i*``, ``f*``, ``c*``) below every concrete type of their kind, so ``x + 1`` keeps ``x``'s dtype.
The result of a promotion is weak exactly when the join is one of those nodes.
"""
import functools
import warnings

import ml_dtypes
import numpy as np

from runtime.config import x64_enabled

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = map(np.dtype, ["int8", "int16", "int32", "int64"])
uint8, uint16, uint32, uint64 = map(np.dtype, ["uint8", "uint16", "uint32", "uint64"])
float16, float32, float64 = map(np.dtype, ["float16", "float32", "float64"])
bfloat16 = np.dtype(ml_dtypes.bfloat16)
complex64, complex128 = np.dtype(np.complex64), np.dtype(np.complex128)
FLOAT8 = [np.dtype(getattr(ml_dtypes, n)) for n in
          ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
           "float8_e4m3b11fnuz", "float8_e4m3", "float8_e3m4"] if hasattr(ml_dtypes, n)]
float8_e4m3fn, float8_e5m2 = FLOAT8[0], FLOAT8[1]

SUPPORTED = {bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, bfloat16,
             float32, float64, complex64, complex128, *FLOAT8}


class TypePromotionError(ValueError):
    pass


# weak nodes of the lattice, standing for Python int / float / complex
I_WEAK, F_WEAK, C_WEAK = "i*", "f*", "c*"

_LATTICE = {
    bool_: [I_WEAK],
    I_WEAK: [uint8, int8],
    uint8: [uint16, int16], uint16: [uint32, int32], uint32: [uint64, int64], uint64: [F_WEAK],
    int8: [int16], int16: [int32], int32: [int64], int64: [F_WEAK],
    F_WEAK: [C_WEAK, float16, bfloat16, *FLOAT8],
    float16: [float32], bfloat16: [float32], float32: [float64, complex64], float64: [complex128],
    C_WEAK: [complex64], complex64: [complex128], complex128: [],
    **{f8: [] for f8 in FLOAT8},
}


@functools.cache
def _upper_bounds(node):
    out = {node}
    for parent in _LATTICE[node]:
        out |= _upper_bounds(parent)
    return frozenset(out)


def _join(nodes):
    common = functools.reduce(frozenset.intersection, (_upper_bounds(n) for n in nodes))
    least = [n for n in common if common <= _upper_bounds(n)]
    return least[0] if least else None


def _node(dtype, weak):
    dtype = np.dtype(dtype)
    if weak and dtype != bool_:
        return {"i": I_WEAK, "u": I_WEAK, "f": F_WEAK, "c": C_WEAK}.get(
            dtype.kind if dtype.kind in "iufc" else "f")
    return dtype


def default_int():
    return int64 if x64_enabled() else int32


def default_uint():
    return uint64 if x64_enabled() else uint32


def default_float():
    return float64 if x64_enabled() else float32


def default_complex():
    return complex128 if x64_enabled() else complex64


_X32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


def canonicalize(dtype):
    """The dtype arrays of ``dtype`` really get (64-bit types shrink while x64 is off)."""
    dtype = np.dtype(dtype)
    return dtype if x64_enabled() else _X32.get(dtype, dtype)


def _weak_default(node):
    return {I_WEAK: default_int(), F_WEAK: default_float(), C_WEAK: default_complex()}[node]


def check_user_dtype(dtype, fun_name="array"):
    """Turn a user's dtype request into a supported np.dtype, warning as JAX does on truncation."""
    if dtype is None:
        return None
    if dtype is int:
        return default_int()
    if dtype is float:
        return default_float()
    if dtype is complex:
        return default_complex()
    if dtype is bool:
        return bool_
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = np.dtype(getattr(dtype, "dtype", None)) if hasattr(dtype, "dtype") else None
        if dt is None:
            raise TypeError(f"data type {dtype!r} not understood") from None
    if dt not in SUPPORTED:
        raise TypeError(f"JAX only supports number and bool dtypes, got dtype {dt.name} in "
                        f"{fun_name}")
    canon = canonicalize(dt)
    if canon != dt:
        warnings.warn(f"Explicitly requested dtype {dt.name} requested in {fun_name} is not "
                      f"available, and will be truncated to dtype {canon.name}. To enable more "
                      f"dtypes, set the jax_enable_x64 configuration option or the "
                      f"JAX_ENABLE_X64 shell environment variable. See "
                      f"https://github.com/jax-ml/jax#current-gotchas for more.",
                      UserWarning, stacklevel=3)
    return canon


def scalar_dtype(value):
    """dtype and weak flag of a Python or NumPy scalar (Python numbers are weak)."""
    if isinstance(value, bool):
        return bool_, False
    if isinstance(value, int):
        return default_int(), True
    if isinstance(value, float):
        return default_float(), True
    if isinstance(value, complex):
        return default_complex(), True
    return canonicalize(np.asarray(value).dtype), False


def dtype_and_weak(x):
    """dtype and weak flag of anything array-like."""
    if isinstance(x, (bool, int, float, complex)):
        return scalar_dtype(x)
    if hasattr(x, "aval"):
        return x.aval.dtype, x.aval.weak_type
    if isinstance(x, type) or isinstance(x, (str, np.dtype)):
        return check_user_dtype(x), False
    return canonicalize(np.asarray(x).dtype), False


def promote_weak(*pairs):
    """Join (dtype, weak) pairs: returns the result dtype and its weak flag."""
    return _promote_cached(pairs, x64_enabled())


@functools.lru_cache(maxsize=4096)
def _promote_cached(pairs, x64):
    return _promote(*pairs)


def _promote(*pairs):
    nodes = [_node(d, w) for d, w in pairs]
    if len(set(nodes)) == 1:
        n = nodes[0]
        return (canonicalize(_weak_default(n)), True) if isinstance(n, str) else (canonicalize(n), False)
    joined = _join(nodes)
    if joined is None:
        names = tuple(pretty(d, w) for d, w in pairs)
        f8 = [d for d, _ in pairs if np.dtype(d) in FLOAT8]
        why = (" To avoid unintended promotion, 8-bit floats do not support implicit promotion. "
               "If you'd like your inputs to be promoted to another type, you can do so "
               "explicitly using e.g. x.astype('float32')") if f8 else ""
        raise TypePromotionError(f"Input dtypes {names} have no available implicit dtype "
                                 f"promotion path.{why}")
    if isinstance(joined, str):
        return canonicalize(_weak_default(joined)), True
    return canonicalize(joined), False


def pretty(dtype, weak):
    return f"{np.dtype(dtype).name}" if not weak else {
        I_WEAK: "int", F_WEAK: "float", C_WEAK: "complex"}.get(_node(dtype, True), np.dtype(dtype).name)


def result_type(*args, return_weak_type_flag=False):
    if not args:
        raise ValueError("at least one array or dtype is required")
    dtype, weak = promote_weak(*(dtype_and_weak(a) for a in args))
    return (dtype, weak) if return_weak_type_flag else dtype


def promote_types(a, b):
    """Like ``result_type`` of two dtypes, which are never weak here (Python types are)."""
    nodes = []
    for t in (a, b):
        if t in (int, float, complex):
            nodes.append(({int: default_int(), float: default_float(), complex: default_complex()}[t], True))
        else:
            nodes.append((np.dtype(t), False))
    # promote_types is x64-independent in JAX: join without canonicalising
    joined = _join([_node(d, w) for d, w in nodes])
    if joined is None:
        return promote_weak(*nodes)  # raises TypePromotionError
    return np.dtype(_weak_default(joined)) if isinstance(joined, str) else np.dtype(joined)


def issubdtype(a, b):
    if b in (np.floating, np.inexact, np.number, np.generic) or b in (np.complexfloating,):
        da = np.dtype(a)
        if da == bfloat16 or da in FLOAT8:
            return b in (np.floating, np.inexact, np.number, np.generic)
    try:
        return np.issubdtype(a, b)
    except TypeError:
        return False


def is_float(dtype):
    dtype = np.dtype(dtype)
    return dtype.kind == "f" or dtype == bfloat16 or dtype in FLOAT8 or dtype.kind == "V" and dtype in SUPPORTED


def is_inexact(dtype):
    return is_float(dtype) or np.dtype(dtype).kind == "c"
