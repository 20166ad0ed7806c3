"""dtypes: canonicalisation (64-bit off by default), weak types and JAX's promotion lattice.

Python scalars are *weak*: in the lattice they are the nodes ``int``, ``float`` and ``complex``
(the Python types themselves), each below every concrete type of its kind, so ``x + 1`` keeps
``x``'s dtype. A promotion's result is weak exactly when the join is one of those nodes.

The lattice depends on x64: with it off, ``uint32 + int32`` is ``int32`` (no 64-bit type is
formed from 32-bit inputs). 8-bit floats and sub-byte ints never promote implicitly.
"""
import functools
import warnings

import ml_dtypes
import numpy as np

from s2s.runtime.config import x64_enabled

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = map(np.dtype, ["int8", "int16", "int32", "int64"])
uint8, uint16, uint32, uint64 = map(np.dtype, ["uint8", "uint16", "uint32", "uint64"])
float16, float32, float64 = map(np.dtype, ["float16", "float32", "float64"])
bfloat16 = np.dtype(ml_dtypes.bfloat16)
complex64, complex128 = np.dtype(np.complex64), np.dtype(np.complex128)


# the dtype of tangents of integer and boolean values (jax.dtypes.float0): no data
float0 = np.dtype([("float0", np.void, 0)])

def _ml(names):
    return [np.dtype(getattr(ml_dtypes, n)) for n in names if hasattr(ml_dtypes, n)]


# the arrays the backend handles (FLOAT8[0], FLOAT8[1] are e4m3fn and e5m2)
FLOAT8 = _ml(["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
              "float8_e4m3b11fnuz", "float8_e4m3", "float8_e3m4"])
float8_e4m3fn, float8_e5m2 = FLOAT8[0], FLOAT8[1]
# types the lattice knows (for promote_types / result_type on dtypes) though arrays can't hold
_FLOAT8_ALL = FLOAT8 + _ml(["float8_e8m0fnu"])
_FLOAT6 = _ml(["float6_e2m3fn", "float6_e3m2fn"])
_FLOAT4 = _ml(["float4_e2m1fn"])
_INTN = _ml(["int1", "uint1", "int2", "uint2", "int4", "uint4"])
_SMALL_FLOATS = _FLOAT8_ALL + _FLOAT6 + _FLOAT4
_CUSTOM_FLOATS = frozenset(_SMALL_FLOATS + [bfloat16])

SUPPORTED = {bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, bfloat16,
             float32, float64, complex64, complex128, *FLOAT8}


class TypePromotionError(ValueError):
    """Raised when two dtypes have no implicit promotion path (e.g. two float8 kinds)."""


_WEAK = (int, float, complex)  # weak lattice nodes; compare with `is` (np.dtype('int64') == int)


def _lattice(x64):
    """Each node -> the nodes immediately above it."""
    out = {
        bool_: [int],
        int: [uint8, int8, *_INTN],
        uint8: [int16, uint16], uint16: [int32, uint32],
        uint32: [int64, uint64] if x64 else [int32, uint64], uint64: [float],
        int8: [int16], int16: [int32], int32: [int64], int64: [float],
        float: [*_SMALL_FLOATS, bfloat16, float16, complex],
        bfloat16: [float32], float16: [float32], float32: [float64, complex64],
        float64: [complex128],
        complex: [complex64], complex64: [complex128], complex128: [],
    }
    for t in _INTN + _SMALL_FLOATS:
        out[t] = []
    return out


@functools.cache
def _upper_bounds(x64):
    lattice = _lattice(x64)
    ub = {}

    def bounds(n):
        if n not in ub:
            ub[n] = frozenset({n}).union(*(bounds(p) for p in lattice[n]))
        return ub[n]
    for n in lattice:
        bounds(n)
    return ub


def _least_upper_bound(*nodes):
    """The join of lattice nodes; ``nodes`` in the order error messages list them."""
    ub = _upper_bounds(x64_enabled())
    distinct = set(nodes)
    for n in distinct:
        if n not in ub:
            raise ValueError(f"dtype={n!r} is not a valid dtype for JAX type promotion.")
    common = frozenset.intersection(*(ub[n] for n in distinct))
    least = (common & distinct) or {c for c in common if common <= ub[c]}
    if len(least) == 1:
        return next(iter(least))
    names = tuple(str(n) for n in nodes)
    head = f"Input dtypes {names} have no available implicit dtype promotion path."
    small = [(_FLOAT8_ALL, "8-bit floats", "float32"), (_FLOAT6, "6-bit floats", "float32"),
             (_FLOAT4, "4-bit floats", "float32"),
             (_INTN, "1-bit, 2-bit and 4-bit integers", "int32")]
    for group, what, cast in small:
        if any(_in(n, group) for n in nodes):
            raise TypePromotionError(
                f"{head} To avoid unintended promotion, {what} do not support implicit "
                f"promotion. If you'd like your inputs to be promoted to another type, you can "
                f"do so explicitly using e.g. x.astype('{cast}')")
    raise TypePromotionError(f"{head} Try explicitly casting inputs to the desired output type.")


def _in(node, group):
    return isinstance(node, np.dtype) and node in group


def _is_weak_node(n):
    return any(n is t for t in _WEAK)


def _jax_type(dtype, weak):
    """The lattice node of a (dtype, weak) pair: weak types sit at their kind's Python node."""
    if not weak or dtype == bool_:
        return dtype
    if dtype in _CUSTOM_FLOATS:
        return float
    return {"i": int, "u": int, "f": float, "c": complex}[dtype.kind]


def default_int():
    return int64 if x64_enabled() else int32


def default_uint():
    return uint64 if x64_enabled() else uint32


def default_float():
    return float64 if x64_enabled() else float32


def to_inexact(dtype, weak=False):
    """The floating type a bool or integer operand becomes (``jnp.sin(int32)``): float32 for
    types of up to 32 bits, the default float for 64-bit and weak (Python) integers; inexact
    types stay."""
    dtype = np.dtype(dtype)
    if is_inexact(dtype):
        return dtype
    return default_float() if weak or dtype.itemsize == 8 else float32


def default_complex():
    return complex128 if x64_enabled() else complex64


def _default_of_kind(dtype):
    """The default type of ``dtype``'s kind (what weak results of that kind become)."""
    if dtype in _CUSTOM_FLOATS:
        return default_float()
    return {"b": lambda: bool_, "i": default_int, "u": default_uint, "f": default_float,
            "c": default_complex}[dtype.kind]()


_PY_DEFAULT = {bool: lambda: bool_, int: default_int, float: default_float,
               complex: default_complex}
_X32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


def canonicalize(dtype):
    """The dtype arrays of ``dtype`` really get (64-bit types shrink while x64 is off)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype {dtype!r} not understood") from e
    return dtype if x64_enabled() else _X32.get(dtype, dtype)


def _truncate_explicit(dtype, fun_name, stacklevel=4):
    """An explicitly requested 64-bit dtype with x64 off: JAX's warning, then the 32-bit one."""
    canon = canonicalize(dtype)
    if canon != dtype:
        where = f" requested in {fun_name}" if fun_name else ""
        warnings.warn(f"Explicitly requested dtype {dtype}{where} is not available, and will be "
                      f"truncated to dtype {canon.name}. To enable more dtypes, set the "
                      f"jax_enable_x64 configuration option or the JAX_ENABLE_X64 shell "
                      f"environment variable. See https://github.com/jax-ml/jax#current-gotchas "
                      f"for more.", UserWarning, stacklevel=stacklevel)
    return canon


def check_user_dtype(dtype, fun_name="array"):
    """Turn a user's dtype request into a supported np.dtype, warning as JAX does on truncation.

    ``None`` passes through (the caller picks its default); Python types give the defaults."""
    if dtype is None:
        return None
    if hasattr(dtype, "aval"):
        raise ValueError("Passing an array as a dtype argument is no longer supported; instead "
                         "of dtype=arr use dtype=arr.dtype.")
    if isinstance(dtype, type) and dtype in _PY_DEFAULT:
        return _PY_DEFAULT[dtype]()
    dt = np.dtype(dtype)  # numpy's TypeError for names it doesn't know
    if dt not in SUPPORTED:
        msg = f"JAX only supports number, bool, and string dtypes, got dtype {dtype}"
        raise TypeError(msg + (f" in {fun_name}" if fun_name else ""))
    return _truncate_explicit(dt, fun_name)


def scalar_dtype(value):
    """dtype and weak flag of a Python or NumPy scalar (Python numbers are weak; NumPy's
    float64 and complex128, subclasses of float and complex, are not)."""
    if isinstance(value, np.generic):
        return canonicalize(value.dtype), False
    if isinstance(value, bool):
        return bool_, False
    if isinstance(value, int):
        return default_int(), True
    if isinstance(value, float):
        return default_float(), True
    if isinstance(value, complex):
        return default_complex(), True
    return canonicalize(np.asarray(value).dtype), False


def _valid(dt, x):
    if dt not in SUPPORTED and dt not in _CUSTOM_FLOATS and dt not in _INTN:
        raise TypeError(f"Value '{x}' with dtype {dt} is not a valid JAX array type. Only "
                        f"arrays of numeric types are supported by JAX.")
    return dt


def dtype_of(x):
    """JAX's ``dtypes.dtype``: the canonical dtype of a value, Python/NumPy type or dtype name.
    Arrays keep theirs; explicitly named 64-bit dtypes warn and shrink while x64 is off."""
    if x is None:
        raise ValueError(f"Invalid argument to dtype: {x}.")
    if isinstance(x, type):
        if x in _PY_DEFAULT:
            return _PY_DEFAULT[x]()
        if issubclass(x, np.generic):
            return _truncate_explicit(np.dtype(x), "dtype", 5)
    elif type(x) in _PY_DEFAULT:
        return _PY_DEFAULT[type(x)]()
    elif hasattr(x, "aval"):
        return x.aval.dtype
    if isinstance(x, (str, np.dtype)):
        return _truncate_explicit(_valid(np.dtype(x), x), "dtype", 5)
    dt = getattr(x, "dtype", None)
    if not isinstance(dt, np.dtype):
        try:
            dt = np.result_type(x)
        except TypeError as e:
            raise TypeError(f"Cannot determine dtype of {x}") from e
    return canonicalize(_valid(dt, x))


def dtype_and_weak(x):
    """dtype and weak flag of anything array-like (Python scalars and their types are weak)."""
    if hasattr(x, "aval"):
        return x.aval.dtype, x.aval.weak_type
    weak = any(x is t for t in _WEAK) or type(x) in _WEAK
    return dtype_of(x), weak


def _lattice_join(pairs):
    """Join (dtype, weak) pairs as JAX's ``lattice_result_type`` does (result not canonical)."""
    dts = [d for d, _ in pairs]
    if len(pairs) == 1:
        dt, weak = pairs[0]
    elif len(set(dts)) == 1 and not all(w for _, w in pairs):
        dt, weak = dts[0], False
    elif all(w for _, w in pairs):  # join the strong counterparts, then make it weak
        joined = _least_upper_bound(*{_jax_type(d, False) for d in dts})
        dt, weak = np.dtype(joined), True
    else:
        joined = _least_upper_bound(*{_jax_type(d, w) for d, w in pairs})
        weak = _is_weak_node(joined)
        dt = _PY_DEFAULT[joined]() if weak else joined
    return dt, weak and dt != bool_


def promote_weak(*pairs):
    """Join (dtype, weak) pairs: returns the (canonical) result dtype and its weak flag."""
    return _promote_cached(pairs, x64_enabled())


@functools.lru_cache(maxsize=4096)
def _promote_cached(pairs, x64):
    dt, weak = _lattice_join([(np.dtype(d), bool(w)) for d, w in pairs])
    return canonicalize(dt), weak


def result_type(*args, return_weak_type_flag=False):
    """JAX's ``result_type``: arrays, scalars, dtypes and Python types (weak) joined on the
    lattice; a weak result is reported as its kind's default type."""
    if not args:
        raise ValueError("at least one array or dtype is required")
    pairs = [dtype_and_weak(default_float() if a is None else a) for a in args]
    dt, weak = _lattice_join(pairs)
    if weak:
        dt = _default_of_kind(dt)
    return (dt, weak) if return_weak_type_flag else dt


def promote_types(a, b):
    """JAX's ``promote_types``: dtypes are strong, the Python types int/float/complex weak; the
    result is not canonicalised (``promote_types('int8', float)`` is float64)."""
    nodes = [t if _is_weak_node(t) else np.dtype(t) for t in (a, b)]
    return np.dtype(_least_upper_bound(*nodes))


def finfo(dtype):
    """Float limits (``ml_dtypes.finfo``: bfloat16 and float8 included)."""
    return ml_dtypes.finfo(_info_dtype(dtype))


def iinfo(int_type):
    return ml_dtypes.iinfo(_info_dtype(int_type))


def _info_dtype(x):
    if hasattr(x, "aval"):
        return x.aval.dtype
    if isinstance(x, np.ndarray) or (not isinstance(x, (type, str, np.dtype))
                                     and isinstance(getattr(x, "dtype", None), np.dtype)):
        return x.dtype
    return np.dtype(x)


def issubdtype(a, b):
    if b in (np.floating, np.inexact, np.number, np.generic) or b in (np.complexfloating,):
        da = np.dtype(a)
        if da in _CUSTOM_FLOATS:
            return b in (np.floating, np.inexact, np.number, np.generic)
    if b in (np.integer, np.signedinteger, np.unsignedinteger, np.number, np.generic):
        try:
            da = np.dtype(a)
        except TypeError:
            return False
        if da in _INTN:
            signed = da.name.startswith("int")
            return b is not (np.unsignedinteger if signed else np.signedinteger)
    try:
        return np.issubdtype(a, b)
    except TypeError:
        return False


def is_float(dtype):
    dtype = np.dtype(dtype)
    return dtype.kind == "f" or dtype in _CUSTOM_FLOATS


def is_inexact(dtype):
    return is_float(dtype) or np.dtype(dtype).kind == "c"
