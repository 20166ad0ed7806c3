"""Every primitive against a NumPy/SciPy reference: ONE table, a line per primitive.

A line gives the ``s2s.lax`` call, the reference, the input generator and the dtypes; hypothesis
draws a small shape (0-d and empty included), a dtype and the values. Adding a primitive to
``lowering.PRIMITIVES`` requires adding its line here (``test_every_primitive_has_a_line``).
"""
import math
from dataclasses import dataclass, field
from typing import Callable

import ml_dtypes
import numpy as np
import pytest
import scipy.special
from hypothesis import given, strategies as st

import s2s.lowering.ops  # noqa: F401  (registers the primitives)
import s2s.lax as lax
import s2s.numpy as jnp
from s2s.lowering.core import PRIMITIVES, Eqn, Jaxpr, ShapedArray, Var
from s2s.lowering.ops.callbacks import HostCallback
from s2s.runtime.core import bind

BF16 = np.dtype(ml_dtypes.bfloat16)
F8 = np.dtype(ml_dtypes.float8_e4m3fn)
F32, F16, C64 = np.dtype("float32"), np.dtype("float16"), np.dtype("complex64")
I32, I8, U8, U32, BOOL = (np.dtype(d) for d in ["int32", "int8", "uint8", "uint32", "bool"])
FLOATS = [F32, BF16, F16]
INEXACT = FLOATS + [C64]
INTS = [I32, I8, U8, U32]
NUMBERS = FLOATS + INTS
ALL = NUMBERS + [BOOL]
SHAPES = [(), (0,), (3,), (2, 3)]

# tolerances (rtol, atol) of a result of this dtype vs. a float64 reference
TOL = {F32: (2e-5, 1e-6), C64: (2e-5, 1e-6), F16: (2e-3, 1e-4), BF16: (1.6e-2, 1e-3),
       F8: (0.13, 1e-2)}


# ---------------------------------------------------------------------------------- values
def values(kind, rng, shape, dtype):
    """Random values of ``dtype`` in a domain: 'any', 'pos', 'unit' (-1, 1), 'ge1', 'half'
    (multiples of 0.5, for rounding), 'small' (small integers: exact sums), 'special'."""
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = {"pos": (1, 10), "small": (-4, 5), "ge1": (1, 10)}.get(kind, (-20, 21))
        lo = max(lo, int(info.min), 0 if dtype.kind == "u" else lo)
        if kind == "bits":
            lo, hi = int(info.min), int(info.max) + 1
        return rng.integers(lo, hi, shape, dtype=np.int64).astype(dtype)
    if dtype.kind == "c":
        real = values(kind, rng, shape, np.float32)
        return (real + 1j * values(kind, rng, shape, np.float32)).astype(dtype)
    if kind == "pos":
        v = rng.uniform(0.25, 4.0, shape)
    elif kind == "unit":
        v = rng.uniform(-0.9, 0.9, shape)
    elif kind == "ge1":
        v = rng.uniform(1.1, 4.0, shape)
    elif kind == "half":
        v = rng.integers(-8, 9, shape) / 2.0
    elif kind == "halfpos":
        v = rng.integers(0, 9, shape) / 2.0
    elif kind == "small":
        v = rng.integers(-4, 5, shape).astype(np.float64)
    elif kind == "special":
        v = rng.choice(np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan]), shape)
    else:
        v = rng.normal(0.0, 2.0, shape)
    return np.asarray(v).astype(dtype)


def arg(kind="any"):
    return lambda rng, shape, dtype: values(kind, rng, shape, dtype)


def f64(x):
    x = np.asarray(x)
    if x.dtype == BOOL or x.dtype.kind in "iu":
        return x
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


# ---------------------------------------------------------------------------------- the table
@dataclass
class Line:
    """``call(*inputs, **params)`` with s2s; ``ref(*inputs, **params)`` with NumPy in float64
    (inputs upcast; the result is cast to the output dtype unless ``cast`` is False)."""
    call: Callable
    ref: Callable
    inputs: list  # generators (rng, shape, dtype) -> np.ndarray
    dtypes: list
    params: Callable = lambda rng, shape, dtype: {}
    shapes: Callable = lambda shape: True  # which of SHAPES the line accepts
    exact: bool = False  # compare bit for bit (integers, structural ops)
    tol_scale: float = 1.0
    shape_of: list = field(default_factory=list)  # per-input shape transform (default: same)


def unary(fn, ref, kind="any", dtypes=INEXACT, **kw):
    return Line(fn, ref, [arg(kind)], dtypes, **kw)


def binary(fn, ref, kinds=("any", "any"), dtypes=NUMBERS, **kw):
    return Line(fn, ref, [arg(k) for k in kinds], dtypes, **kw)


def _round_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _int_div(a, b):
    if a.dtype.kind in "iu":
        q = np.abs(a.astype(np.int64)) // np.abs(b.astype(np.int64))
        return (np.sign(a.astype(np.int64)) * np.sign(b.astype(np.int64)) * q).astype(a.dtype)
    return a / b


def _rem(a, b):
    return np.fmod(a, b)


def _nonzero(kind="any"):
    def gen(rng, shape, dtype):
        v = values(kind, rng, shape, dtype)
        one = np.ones((), dtype)
        return np.where(v == 0, one, v).astype(dtype)
    return gen


def _bits(dtype):
    return np.dtype(dtype).itemsize * 8


def _shift_amount(rng, shape, dtype):
    return rng.integers(0, _bits(dtype), shape).astype(dtype)


def _shift_right_logical(a, b):
    u = np.dtype(f"uint{_bits(a.dtype)}")
    return (a.view(u) >> b.astype(u)).view(a.dtype)


def _shift_right_arithmetic(a, b):
    """The sign bit fills in, for unsigned types too (the op reads the bits as signed)."""
    i = np.dtype(f"int{_bits(a.dtype)}")
    return (a.view(i) >> b.astype(i)).view(a.dtype)


def _shift_left(a, b):
    u = np.dtype(f"uint{_bits(a.dtype)}")
    return (a.view(u) << b.astype(u)).view(a.dtype)


def _clz(x):
    u = x.astype(np.dtype(f"uint{_bits(x.dtype)}")).astype(object)
    out = [_bits(x.dtype) - int(v).bit_length() for v in np.ravel(u)]
    return np.array(out, dtype=x.dtype).reshape(x.shape)


def _popcount(x):
    return np.bitwise_count(x.view(np.dtype(f"uint{_bits(x.dtype)}"))).astype(x.dtype)


def _not(x):
    return np.logical_not(x) if x.dtype == BOOL else np.invert(x)


def _sign(x):
    if x.dtype.kind == "c":
        a = np.abs(x)
        return np.where(a == 0, 0, x / np.where(a == 0, 1, a))
    return np.sign(x)


def _pad_ref(x, pv, *, padding_config):
    for axis, (lo, hi, interior) in enumerate(padding_config):
        n = x.shape[axis]
        size = n + max(n - 1, 0) * interior
        shape = list(x.shape)
        shape[axis] = size
        y = np.full(shape, pv, x.dtype)
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(0, size, interior + 1)
        y[tuple(idx)] = x
        pads = [(0, 0)] * x.ndim
        pads[axis] = (max(lo, 0), max(hi, 0))
        y = np.pad(y, pads, constant_values=pv)
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(-min(lo, 0), y.shape[axis] + min(hi, 0))
        x = y[tuple(idx)]
    return x


def _pad_params(rng, shape, dtype):
    return {"padding_config": tuple((int(rng.integers(-1 if d else 0, 3)),
                                     int(rng.integers(0, 3)), int(rng.integers(0, 2)))
                                    for d in shape)}


def _reduce(ufunc, identity=None):
    def ref(x, *, axes):
        if identity is None:
            return ufunc.reduce(x, axis=axes)
        return ufunc.reduce(x, axis=axes, initial=identity(x.dtype))
    return ref


def _lowest(dtype):
    if dtype == F8:  # no infinities
        return ml_dtypes.finfo(dtype).min
    return np.iinfo(dtype).min if np.dtype(dtype).kind in "iu" else (
        False if dtype == BOOL else -np.inf)


def _highest(dtype):
    if dtype == F8:
        return ml_dtypes.finfo(dtype).max
    return np.iinfo(dtype).max if np.dtype(dtype).kind in "iu" else (
        True if dtype == BOOL else np.inf)


def _axes_params(rng, shape, dtype):
    if not shape:
        return {"axes": ()}
    return {"axes": tuple(sorted(rng.choice(len(shape), int(rng.integers(1, len(shape) + 1)),
                                            replace=False).tolist()))}


def _cumulative(ufunc):
    def ref(x, *, axis, reverse):
        if reverse:
            return np.flip(ufunc.accumulate(np.flip(x, axis), axis=axis), axis)
        return ufunc.accumulate(x, axis=axis)
    return ref


def _cum_params(rng, shape, dtype):
    return {"axis": int(rng.integers(0, len(shape))), "reverse": bool(rng.integers(0, 2))}


def _dot_rhs(rng, shape, dtype):
    return values("small", rng, (shape[-1], 2) if shape else (2,), dtype)


def _dot_ref(a, b, *, dimension_numbers):
    (lc, rc), _ = dimension_numbers
    return np.tensordot(a, b, axes=(list(lc), list(rc)))


def _dot_params(rng, shape, dtype):
    contract = ((len(shape) - 1,), (0,)) if shape else ((), ())
    return {"dimension_numbers": (contract, ((), ()))}


def _conv_ref(x, w, *, window_strides, padding):
    """A 1-D cross-correlation, NCW x OIW -> NCW, one output position at a time."""
    xp = np.pad(x, ((0, 0), (0, 0), padding[0]))
    k, s = w.shape[2], window_strides[0]
    n = max(0, (xp.shape[2] - k) // s + 1)
    outs = [np.einsum("ncw,ocw->no", xp[:, :, i * s:i * s + k], w) for i in range(n)]
    return np.stack(outs, -1) if n else np.zeros((x.shape[0], w.shape[0], 0))


def _conv_params(rng, shape, dtype):
    return {"window_strides": (int(rng.integers(1, 3)),),
            "padding": ((int(rng.integers(0, 2)), int(rng.integers(0, 2))),)}


_WINDOW_OPS = {"sum": (lax.add, np.sum), "max": (lax.max, np.max), "min": (lax.min, np.min)}


def _window_call(x, *, computation, window_dimensions, window_strides, padding):
    from s2s.lowering.ops.reductions import identity
    return lax.reduce_window(x, identity(computation, x.dtype), _WINDOW_OPS[computation][0],
                             window_dimensions, window_strides, padding)


def _window_ref(x, *, computation, window_dimensions, window_strides, padding):
    from s2s.lowering.ops.reductions import identity
    if x.ndim == 0:  # the one window holds the one entry
        return x
    init = identity(computation, x.dtype)
    xp = np.pad(x, np.array(padding, int).reshape(-1, 2), constant_values=init)
    out = tuple(max(0, (p - w) // s + 1) for p, w, s in zip(xp.shape, window_dimensions,
                                                            window_strides))
    if 0 in out:
        return np.zeros(out, x.dtype)
    views = np.lib.stride_tricks.sliding_window_view(xp, window_dimensions)
    views = views[tuple(slice(None, None, s) for s in window_strides)]
    return _WINDOW_OPS[computation][1](views, axis=tuple(range(x.ndim, 2 * x.ndim)))


def _window_params(rng, shape, dtype):
    padding = tuple((int(rng.integers(0, 2)), int(rng.integers(0, 2))) for _ in shape)
    return {"computation": str(rng.choice(list(_WINDOW_OPS))),
            "window_dimensions": tuple(int(rng.integers(1, 3)) for _ in shape),
            "window_strides": tuple(int(rng.integers(1, 3)) for _ in shape),
            "padding": padding}


def _indices(rng, shape, dtype, oob=True):
    k = 4
    hi = shape[0] + (1 if oob else 0)
    return rng.integers(0, hi, (k, 1)).astype(np.int32)


def _unique_indices(rng, shape, dtype):
    k = min(shape[0], 4)
    return rng.permutation(shape[0])[:k].reshape(k, 1).astype(np.int32)


def _gather_params(rng, shape, dtype):
    return {"dimension_numbers": lax.GatherDimensionNumbers(
        offset_dims=tuple(range(1, len(shape))), collapsed_slice_dims=(0,), start_index_map=(0,)),
        "slice_sizes": (1,) + tuple(shape[1:])}


def _gather_ref(x, idx, **_):
    return x[np.clip(idx[:, 0], 0, x.shape[0] - 1)]


def _scatter_params(rng, shape, dtype):
    return {"dimension_numbers": lax.ScatterDimensionNumbers(
        update_window_dims=tuple(range(1, len(shape))), inserted_window_dims=(0,),
        scatter_dims_to_operand_dims=(0,))}


def _scatter_ref(ufunc):
    def ref(x, idx, upd, **_):
        out = x.copy()
        keep = idx[:, 0] < x.shape[0]
        if ufunc is None:
            out[idx[keep, 0]] = upd[keep]
        else:
            ufunc.at(out, idx[keep, 0], upd[keep])
        return out
    return ref


def _updates(rng, shape, dtype):
    return values("small", rng, (4,) + tuple(shape[1:]), dtype)


def _unique_updates(rng, shape, dtype):
    return values("small", rng, (min(shape[0], 4),) + tuple(shape[1:]), dtype)


def _scatter_line(name, ufunc, dtypes):
    return Line(getattr(lax, name), _scatter_ref(ufunc),
                [arg("small"), _indices, _updates], dtypes, _scatter_params,
                shapes=lambda s: len(s) >= 1 and s[0] > 0, exact=True)


def _select_n_ref(which, *cases):
    return np.choose(which.astype(np.int64), cases)


def _which(n):
    def gen(rng, shape, dtype):
        return (rng.integers(0, 2, shape).astype(bool) if n == 2 else
                rng.integers(0, n, shape).astype(np.int32))
    return gen


def _clamp_ref(lo, x, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _scalar_gen(value):
    """A rank-0 operand (lax splats it); negative values become 1 for unsigned dtypes."""
    return lambda rng, shape, dtype: np.asarray(
        1 if value < 0 and np.dtype(dtype).kind == "u" else value, dtype)


def _convert_params(rng, shape, dtype):
    targets = [F32, BF16, F16, I32, U8, BOOL, C64]
    return {"new_dtype": targets[int(rng.integers(0, len(targets)))]}


def _convert_ref(x, *, new_dtype):
    if x.dtype.kind == "c" and np.dtype(new_dtype).kind != "c":
        x = x.real  # lax (unlike NumPy) keeps the real part, also on the way to bool
    if np.dtype(new_dtype) == BOOL:
        return x != 0
    return x.astype(new_dtype)


def _bitcast_params(rng, shape, dtype):
    return {"new_dtype": {F32: I32, I32: F32, U32: F32, F16: np.dtype("uint16"),
                          BF16: np.dtype("int16"), I8: U8, U8: I8}[dtype]}


def _iota_call(*, dtype, shape, dimension):
    return lax.broadcasted_iota(dtype, shape, dimension)


def _iota_ref(*, dtype, shape, dimension):
    return np.broadcast_to(np.arange(shape[dimension]).reshape(
        [-1 if i == dimension else 1 for i in range(len(shape))]), shape).astype(dtype)


def _iota_params(rng, shape, dtype):
    return {"dtype": dtype, "shape": tuple(shape) or (3,),
            "dimension": int(rng.integers(0, max(len(shape), 1)))}


def _sort_ref(keys, vals, *, dimension, num_keys=1):
    order = np.argsort(f64(keys), axis=dimension, kind="stable")  # NaN last
    return (np.take_along_axis(keys, order, dimension),
            np.take_along_axis(vals, order, dimension))


def _sort_call(keys, vals, *, dimension, num_keys=1):
    return lax.sort((keys, vals), dimension=dimension, num_keys=num_keys)


def _iota_like(rng, shape, dtype):
    return np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)


def _bit_dtype_values(rng, shape, dtype):
    return values("bits", rng, shape, dtype) if np.dtype(dtype).kind in "iu" else \
        values("any", rng, shape, dtype)


# threefry2x32 (Random123's 20-round Threefry-2x32), written from the specification
_ROT = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry_ref(k0, k1, x0, x1):
    k0, k1, x0, x1 = np.broadcast_arrays(*(np.asarray(v, np.uint64) for v in (k0, k1, x0, x1)))
    m = np.uint64(0xFFFFFFFF)
    ks = [k0, k1, k0 ^ k1 ^ np.uint64(0x1BD11BDA)]
    a, b = (x0 + ks[0]) & m, (x1 + ks[1]) & m
    for i in range(5):
        for r in _ROT[i % 2]:
            a = (a + b) & m
            b = (((b << np.uint64(r)) | (b >> np.uint64(32 - r))) & m) ^ a
        a = (a + ks[(i + 1) % 3]) & m
        b = (b + ks[(i + 2) % 3] + np.uint64(i + 1)) & m
    return a.astype(np.uint32), b.astype(np.uint32)


def _u32(rng, shape, dtype):
    return rng.integers(0, 2**32, shape, dtype=np.uint64).astype(np.uint32)


def _u32_scalar(rng, shape, dtype):
    return _u32(rng, (), dtype)


def _fused_call(x, y):
    """``random_fused`` runs a sub-jaxpr: here ``x * y + x``."""
    av = ShapedArray(np.shape(x), x.dtype)
    a, b, t, o = Var(av), Var(av), Var(av), Var(av)
    sub = Jaxpr([], [a, b], [Eqn(PRIMITIVES["mul"], [a, b], [t], {}),
                             Eqn(PRIMITIVES["add"], [t, a], [o], {})], [o])
    return bind("random_fused", x, y, jaxpr=sub)[0]


# LAPACK primitives (lowering/ops/lapack.py): (batches of) 3x3 matrices, shape s -> s[:1] + (3, 3)
def _matrices(shape):
    return tuple(shape[:1]) + (3, 3)


def _mat(kind="any"):
    return lambda rng, shape, dtype: values(kind, rng, shape, dtype)


def _hermitian_pd(rng, shape, dtype):
    a = values("any", rng, shape, dtype)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + 3 * np.eye(shape[-1])).astype(dtype)


def _well_conditioned(rng, shape, dtype):
    return (values("unit", rng, shape, dtype) + 3 * np.eye(shape[-1])).astype(dtype)


def _batched(fn):
    """``fn`` (one matrix -> tuple of arrays) over the leading dimensions of ``x``."""
    def ref(x, *rest, **params):
        outs = [fn(x[i], *[r[i] for r in rest], **params) for i in np.ndindex(x.shape[:-2])]
        if not outs:
            proto = fn(np.eye(*x.shape[-2:], dtype=x.dtype),
                       *[np.ones(r.shape[len(x.shape) - 2:], r.dtype) for r in rest], **params)
            return tuple(np.zeros(x.shape[:-2] + np.shape(p), np.asarray(p).dtype)
                         for p in proto)
        return tuple(np.stack([o[k] for o in outs]).reshape(x.shape[:-2] + np.shape(outs[0][k]))
                     for k in range(len(outs[0])))
    return ref


def _single(ref):
    return lambda *a, **p: ref(*a, **p)[0]


def _cholesky_ref(x):  # potrf writes L into the lower triangle, the upper one is the input's
    return (np.tril(np.linalg.cholesky(x)) + np.triu(x, 1),)


def _eigh_call(x, *, lower):
    v, w = bind("eigh", x, lower=lower)  # eigenvectors only up to phase: rebuild the matrix
    return w, jnp.matmul(v * w[..., None, :].astype(v.dtype), jnp.conj(jnp.swapaxes(v, -1, -2)))


def _eigh_ref(x, *, lower):
    return np.linalg.eigvalsh(x), x


def _eig_call(x, *, left, right):
    """Eigenvalues through their sum and product (LAPACK's order and the eigenvectors' phases
    are not NumPy's to fix), eigenvectors through the residuals of their defining equations."""
    outs = bind("eig", x, compute_left_eigenvectors=left, compute_right_eigenvectors=right)
    w, xc = outs[0], x.astype(outs[0].dtype)
    res = [jnp.sum(w, -1), jnp.prod(w, -1)]
    if left:
        vh = jnp.conj(jnp.swapaxes(outs[1], -1, -2))
        res.append(jnp.matmul(vh, xc) - w[..., :, None] * vh)
    if right:
        res.append(jnp.matmul(xc, outs[-1]) - outs[-1] * w[..., None, :])
    return tuple(res)


def _eig_ref(x, *, left, right):
    return (np.trace(x), np.linalg.det(x)) + (np.zeros(x.shape),) * (left + right)


def _svd_call(x, *, full_matrices, compute_uv):
    outs = bind("svd", x, full_matrices=full_matrices, compute_uv=compute_uv)
    if not compute_uv:
        return outs[0]
    s, u, vt = outs
    k = s.shape[-1]
    return s, jnp.matmul(u[..., :, :k] * s[..., None, :].astype(u.dtype), vt[..., :k, :])


def _svd_ref(x, *, full_matrices, compute_uv):
    s = np.linalg.svd(x, compute_uv=False)
    return (s, x) if compute_uv else s


def _svd_params(rng, shape, dtype):
    return {"full_matrices": bool(rng.integers(0, 2)), "compute_uv": bool(rng.integers(0, 2))}


def _geqrf_ref(x):
    h, tau = np.linalg.qr(x, mode="raw")
    return h.T, tau


def _lu_ref(x):
    lu, piv = scipy.linalg.lu_factor(x)
    perm = np.arange(x.shape[0])
    for i, p in enumerate(piv):
        perm[[i, p]] = perm[[p, i]]
    return lu, piv.astype(np.int32), perm.astype(np.int32)


def _lu_call(x):
    lu, piv, perm = bind("lu", x)
    return lu, piv, perm


def _pivots(rng, shape, dtype):
    m = shape[-1]
    return np.stack([np.array([rng.integers(i, m) for i in range(m)], np.int32)
                     for _ in range(int(np.prod(shape[:-1], dtype=np.int64)))]
                    ).reshape(shape).astype(np.int32) if shape[-1] else np.zeros(shape, np.int32)


def _pivots_ref(p, *, permutation_size):
    out = np.broadcast_to(np.arange(permutation_size, dtype=np.int32),
                          p.shape[:-1] + (permutation_size,)).copy()
    for idx in np.ndindex(p.shape[:-1]):
        for i, j in enumerate(p[idx]):
            out[idx][[i, j]] = out[idx][[j, i]]
    return out


def _trsm_params(rng, shape, dtype):
    return {k: bool(rng.integers(0, 2)) for k in ("left_side", "lower", "transpose_a",
                                                  "conjugate_a", "unit_diagonal")}


def _trsm_ref(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        t = t - np.diag(np.diag(t)) + np.eye(t.shape[0])
    if conjugate_a:
        t = np.conj(t)
    if transpose_a:
        t = t.T
    return (np.linalg.solve(t, b) if left_side else np.linalg.solve(t.T, b.T).T,)


def _trsm_call(a, b, **params):
    return bind("triangular_solve", a, b, **params)


def _compare(fn):
    return binary(fn, getattr(np, {lax.eq: "equal", lax.ne: "not_equal", lax.lt: "less",
                                   lax.le: "less_equal", lax.gt: "greater",
                                   lax.ge: "greater_equal"}[fn]),
                  dtypes=ALL + [C64] if fn in (lax.eq, lax.ne) else ALL, exact=True)


def _pure_callback_call(x):
    """The operand through Python and back: a callback returning (a copy of) what XLA gave it."""
    return bind("pure_callback", x, callback=HostCallback(lambda a: (np.array(a),), "copy"),
                result_avals=(x.aval,), vmap_method=None)


def _debug_callback_call(x):
    """What the callback saw when the program ran."""
    seen = []
    bind("debug_callback", x, callback=HostCallback(lambda a: seen.append(np.array(a)) or (),
                                                    "keep"))
    return seen


TABLE = {
    # elementwise, unary
    "neg": unary(lax.neg, np.negative, dtypes=INEXACT + [I32, I8]),
    "sign": unary(lax.sign, _sign, dtypes=INEXACT + [I32, I8, U8]),
    "floor": unary(lax.floor, np.floor, "half", FLOATS),
    "ceil": unary(lax.ceil, np.ceil, "half", FLOATS),
    "round_even": unary(lambda x: lax.round(x, 1), np.round, "half", FLOATS),
    "round_away": unary(lambda x: lax.round(x, 0), _round_away, "half", FLOATS),
    "exp": unary(lax.exp, np.exp),
    "expm1": unary(lax.expm1, np.expm1, "unit"),
    "log": unary(lax.log, np.log, "pos"),
    "log1p": unary(lax.log1p, np.log1p, "pos"),
    "tanh": unary(lax.tanh, np.tanh),
    "logistic": unary(lax.logistic, lambda x: 1 / (1 + np.exp(-x)), dtypes=FLOATS),
    "sin": unary(lax.sin, np.sin),
    "cos": unary(lax.cos, np.cos),
    "tan": unary(lax.tan, np.tan, "unit"),
    "sqrt": unary(lax.sqrt, np.sqrt, "pos"),
    "rsqrt": unary(lax.rsqrt, lambda x: 1 / np.sqrt(x), "pos"),
    "cbrt": unary(lax.cbrt, np.cbrt, dtypes=FLOATS),
    "not": unary(lax.bitwise_not, _not, "bits", [BOOL] + INTS, exact=True),
    "conj": unary(lax.conj, np.conj, dtypes=[C64, F32]),  # float32 -> complex64, as in JAX
    "asin": unary(lax.asin, np.arcsin, "unit"),
    "acos": unary(lax.acos, np.arccos, "unit"),
    "atan": unary(lax.atan, np.arctan),
    "sinh": unary(lax.sinh, np.sinh, "unit"),
    "cosh": unary(lax.cosh, np.cosh, "unit"),
    "asinh": unary(lax.asinh, np.arcsinh),
    "acosh": unary(lax.acosh, np.arccosh, "ge1"),
    "atanh": unary(lax.atanh, np.arctanh, "unit"),
    "erf": unary(lax.erf, scipy.special.erf, dtypes=FLOATS),
    "erfc": unary(lax.erfc, scipy.special.erfc, "unit", FLOATS),
    "erf_inv": unary(lax.erf_inv, scipy.special.erfinv, "unit", FLOATS, tol_scale=5),
    "lgamma": unary(lax.lgamma, scipy.special.gammaln, "pos", FLOATS, tol_scale=5),
    "digamma": unary(lax.digamma, scipy.special.digamma, "pos", FLOATS, tol_scale=5),
    "population_count": unary(lax.population_count, _popcount, "bits", INTS, exact=True),
    "clz": unary(lax.clz, _clz, "bits", INTS, exact=True),
    "abs": unary(lax.abs, np.abs, dtypes=INEXACT + [I32, I8]),
    "real": unary(lax.real, np.real, dtypes=[C64]),
    "imag": unary(lax.imag, np.imag, dtypes=[C64]),
    "is_finite": unary(lax.is_finite, np.isfinite, "special", FLOATS, exact=True),
    # elementwise, binary
    "add": binary(lax.add, np.add, dtypes=NUMBERS + [C64]),
    "sub": binary(lax.sub, np.subtract, dtypes=NUMBERS + [C64]),
    "mul": binary(lax.mul, np.multiply, ("small", "small"), ALL + [C64]),
    "div": Line(lax.div, _int_div, [arg(), _nonzero()], NUMBERS + [C64]),
    "rem": Line(lax.rem, _rem, [arg(), _nonzero("pos")], NUMBERS),
    "pow": binary(lax.pow, np.power, ("pos", "any"), INEXACT, tol_scale=4),
    "max": binary(lax.max, np.maximum, dtypes=ALL),
    "min": binary(lax.min, np.minimum, dtypes=ALL),
    "atan2": binary(lax.atan2, np.arctan2, dtypes=FLOATS),
    "and": binary(lax.bitwise_and, np.bitwise_and, ("bits", "bits"), [BOOL] + INTS, exact=True),
    "or": binary(lax.bitwise_or, np.bitwise_or, ("bits", "bits"), [BOOL] + INTS, exact=True),
    "xor": binary(lax.bitwise_xor, np.bitwise_xor, ("bits", "bits"), [BOOL] + INTS, exact=True),
    "shift_left": Line(lax.shift_left, _shift_left, [arg("bits"), _shift_amount], INTS,
                       exact=True),
    "shift_right_arithmetic": Line(lax.shift_right_arithmetic, _shift_right_arithmetic,
                                   [arg("bits"), _shift_amount], INTS, exact=True),
    "shift_right_logical": Line(lax.shift_right_logical, _shift_right_logical,
                                [arg("bits"), _shift_amount], INTS, exact=True),
    "nextafter": binary(lax.nextafter, np.nextafter, ("half", "half"), [F32], exact=True),
    "complex": binary(lax.complex, lambda a, b: a + 1j * b, dtypes=[F32]),
    **{name: _compare(getattr(lax, name)) for name in ["eq", "ne", "lt", "le", "gt", "ge"]},
    "integer_pow": unary(lambda x, *, y: lax.integer_pow(x, y), lambda x, *, y: x ** y, "pos",
                         INEXACT + [I32, U8],
                         params=lambda rng, shape, dtype: {"y": int(rng.choice(
                             [0, 1, 2, 3, 5] + ([-1, -2] if dtype.kind in "fcV" else [])))}),
    "select_n": Line(lax.select_n, _select_n_ref, [_which(3), arg(), arg(), arg()], ALL,
                     exact=True),
    "clamp": Line(lax.clamp, _clamp_ref, [_scalar_gen(-1), arg(), _scalar_gen(2)],
                  NUMBERS, exact=True),
    "convert_element_type": Line(lax.convert_element_type, _convert_ref, [arg("halfpos")],
                                 [F32, BF16, I32, U8, C64, BOOL], _convert_params,
                                 tol_scale=0),
    "bitcast_convert_type": Line(lax.bitcast_convert_type, lambda x, *, new_dtype: x.view(
        new_dtype), [_bit_dtype_values], [F32, I32, U32, F16, BF16, I8, U8], _bitcast_params,
        exact=True),
    # structural
    "iota": Line(_iota_call, _iota_ref, [], [I32, F32, U8], _iota_params, exact=True),
    "broadcast_in_dim": unary(
        lambda x, *, shape, broadcast_dimensions: lax.broadcast_in_dim(x, shape,
                                                                       broadcast_dimensions),
        lambda x, *, shape, broadcast_dimensions: np.broadcast_to(x, shape), "any", ALL,
        params=lambda rng, shape, dtype: {"shape": (2,) + tuple(shape),
                                          "broadcast_dimensions": tuple(range(1, len(shape) + 1))},
        exact=True),
    "reshape": unary(lambda x, *, new_sizes: lax.reshape(x, new_sizes),
                     lambda x, *, new_sizes: x.reshape(new_sizes), "any", ALL,
                     params=lambda rng, shape, dtype: {"new_sizes": tuple(reversed(shape)) + (1,)},
                     exact=True),
    "transpose": unary(lambda x, *, permutation: lax.transpose(x, permutation),
                       lambda x, *, permutation: np.transpose(x, permutation), "any", ALL,
                       params=lambda rng, shape, dtype: {
                           "permutation": tuple(reversed(range(len(shape))))}, exact=True),
    "rev": unary(lambda x, *, dimensions: lax.rev(x, dimensions),
                 lambda x, *, dimensions: np.flip(x, dimensions), "any", ALL,
                 params=lambda rng, shape, dtype: {"dimensions": tuple(
                     i for i in range(len(shape)) if rng.integers(0, 2))}, exact=True),
    "concatenate": Line(lambda a, b, *, dimension: lax.concatenate([a, b], dimension),
                        lambda a, b, *, dimension: np.concatenate([a, b], dimension),
                        [arg(), arg()], ALL,
                        lambda rng, shape, dtype: {"dimension": int(rng.integers(0, len(shape)))},
                        shapes=lambda s: len(s) >= 1, exact=True),
    "pad": Line(lambda x, pv, *, padding_config: lax.pad(x, pv, padding_config), _pad_ref,
                [arg(), _scalar_gen(7)], ALL, _pad_params, exact=True),
    "slice": unary(lambda x, *, start_indices, limit_indices, strides: lax.slice(
        x, start_indices, limit_indices, strides),
        lambda x, *, start_indices, limit_indices, strides: x[tuple(
            slice(s, l, st) for s, l, st in zip(start_indices, limit_indices, strides))],
        "any", ALL, params=lambda rng, shape, dtype: {
            "start_indices": tuple(min(1, d) for d in shape), "limit_indices": tuple(shape),
            "strides": tuple(int(rng.integers(1, 3)) for _ in shape)}, exact=True),
    "dynamic_slice": unary(lambda x, *, starts, sizes: lax.dynamic_slice(x, starts, sizes),
                           lambda x, *, starts, sizes: x[tuple(
                               slice(_start(s, n, d), _start(s, n, d) + n)
                               for s, n, d in zip(starts, sizes, x.shape))], "any", ALL,
                           params=lambda rng, shape, dtype: {
                               "starts": tuple(int(rng.integers(-1, 4)) for _ in shape),
                               "sizes": tuple(max(d - 1, 0) for d in shape)}, exact=True),
    "dynamic_update_slice": Line(
        lambda x, u, *, starts: lax.dynamic_update_slice(x, u, starts),
        lambda x, u, *, starts: _dus_ref(x, u, starts), [arg(), arg()], ALL,
        lambda rng, shape, dtype: {"starts": tuple(int(rng.integers(-1, 4)) for _ in shape)},
        shape_of=[None, lambda s: tuple(max(d - 1, 0) for d in s)], exact=True),
    # host callbacks (the run-time value reaches Python and, for pure_callback, comes back)
    "pure_callback": unary(_pure_callback_call, lambda x: (x,), dtypes=ALL, exact=True),
    "debug_callback": unary(_debug_callback_call, lambda x: (x,), dtypes=ALL, exact=True),
    "fft": unary(lambda x: lax.fft(x, lax.FftType.FFT, x.shape[-1:]),
                 lambda x: np.fft.fft(x, axis=-1), "any", [C64],
                 shapes=lambda s: len(s) >= 1 and s[-1] > 0),
    # reductions
    "reduce_sum": unary(lax.reduce_sum, _reduce(np.add), "small", NUMBERS + [C64],
                        params=_axes_params),
    "reduce_prod": unary(lax.reduce_prod, _reduce(np.multiply), "small", NUMBERS,
                         params=_axes_params),
    "reduce_max": unary(lax.reduce_max, _reduce(np.maximum, _lowest), "any", ALL + [F8],
                        params=_axes_params, exact=True),
    "reduce_min": unary(lax.reduce_min, _reduce(np.minimum, _highest), "any", ALL + [F8],
                        params=_axes_params, exact=True),
    "reduce_and": unary(lax.reduce_and, _reduce(np.bitwise_and), "bits", [BOOL] + INTS,
                        params=_axes_params, exact=True),
    "reduce_or": unary(lax.reduce_or, _reduce(np.bitwise_or), "bits", [BOOL] + INTS,
                       params=_axes_params, exact=True),
    "reduce_xor": unary(lax.reduce_xor, _reduce(np.bitwise_xor), "bits", [BOOL] + INTS,
                        params=_axes_params, exact=True),
    "argmax": unary(lax.argmax, lambda x, *, axis, index_dtype: np.argmax(x, axis).astype(
        index_dtype), "special", FLOATS + INTS + [BOOL],
        params=lambda rng, shape, dtype: {"axis": int(rng.integers(0, len(shape))),
                                          "index_dtype": I32},
        shapes=lambda s: len(s) >= 1 and min(s) > 0, exact=True),
    "argmin": unary(lax.argmin, lambda x, *, axis, index_dtype: np.argmin(x, axis).astype(
        index_dtype), "special", FLOATS + INTS + [BOOL],
        params=lambda rng, shape, dtype: {"axis": int(rng.integers(0, len(shape))),
                                          "index_dtype": I32},
        shapes=lambda s: len(s) >= 1 and min(s) > 0, exact=True),
    "cumsum": unary(lax.cumsum, _cumulative(np.add), "small", NUMBERS, params=_cum_params,
                    shapes=lambda s: len(s) >= 1),
    "cumprod": unary(lax.cumprod, _cumulative(np.multiply), "small", NUMBERS,
                     params=_cum_params, shapes=lambda s: len(s) >= 1),
    "cummax": unary(lax.cummax, _cumulative(np.maximum), "any", NUMBERS, params=_cum_params,
                    shapes=lambda s: len(s) >= 1, exact=True),
    "cummin": unary(lax.cummin, _cumulative(np.minimum), "any", NUMBERS, params=_cum_params,
                    shapes=lambda s: len(s) >= 1, exact=True),
    # linalg, sort, indexing
    "dot_general": Line(lax.dot_general, _dot_ref, [arg("small"), _dot_rhs],
                        [F32, BF16, F16, I32, C64], _dot_params),
    "conv_general_dilated": Line(
        lambda x, w, *, window_strides, padding: lax.conv_general_dilated(
            x, w, window_strides, padding), _conv_ref, [arg("small"), arg("small")],
        [F32, BF16, F16, I32], _conv_params, shapes=lambda s: len(s) >= 1,
        shape_of=[lambda s: (s[0], 1, s[-1]), lambda s: (2, 1, 2)], tol_scale=4),
    "reduce_window": Line(_window_call, _window_ref, [arg("small")], NUMBERS, _window_params),
    "sort": Line(_sort_call, _sort_ref, [arg("special"), _iota_like], FLOATS + INTS + [BOOL],
                 lambda rng, shape, dtype: {"dimension": int(rng.integers(0, len(shape)))},
                 shapes=lambda s: len(s) >= 1, exact=True),
    "gather": Line(lax.gather, _gather_ref, [arg(), _indices], ALL, _gather_params,
                   shapes=lambda s: len(s) >= 1 and s[0] > 0, exact=True),
    "scatter": Line(lax.scatter, _scatter_ref(None), [arg(), _unique_indices, _unique_updates],
                    ALL, _scatter_params, shapes=lambda s: len(s) >= 1 and s[0] > 0, exact=True),
    "scatter_add": _scatter_line("scatter_add", np.add, NUMBERS),
    "scatter_sub": _scatter_line("scatter_sub", np.subtract, NUMBERS),
    "scatter_mul": _scatter_line("scatter_mul", np.multiply, NUMBERS),
    "scatter_min": _scatter_line("scatter_min", np.minimum, ALL),
    "scatter_max": _scatter_line("scatter_max", np.maximum, ALL),
    # random
    "threefry2x32": Line(lambda k0, k1, x0, x1: bind("threefry2x32", k0, k1, x0, x1),
                         _threefry_ref, [_u32_scalar, _u32, _u32, _u32], [np.dtype("uint32")],
                         shape_of=[lambda s: (), None, None, None], exact=True),
    "random_fused": Line(_fused_call, lambda x, y: x * y + x, [arg(), arg()], [F32, I32]),
    # control flow (through the lax functions that bind them)
    "while": unary(lambda x: lax.fori_loop(0, 3, lambda i, c: c + x, x), lambda x: 4 * x,
                   "small", NUMBERS),
    "cond": Line(lambda x, y: lax.cond(x.size % 2 == 0, lambda: x * y, lambda: x - y),
                 lambda x, y: x * y if x.size % 2 == 0 else x - y, [arg("small"), arg("small")],
                 ALL[:-1]),
    # LAPACK (shapes: a batch of 0, 1, 3 or 2 matrices of 3x3, or 3x4 / 4x3 for svd and qr)
    "cholesky": Line(lambda x: bind("cholesky", x), _single(_batched(_cholesky_ref)),
                     [_hermitian_pd], [F32, C64], shape_of=[_matrices], tol_scale=20),
    "eigh": Line(_eigh_call, _batched(_eigh_ref), [_hermitian_pd], [F32, C64],
                 lambda rng, shape, dtype: {"lower": bool(rng.integers(0, 2))},
                 shape_of=[_matrices], tol_scale=50),
    "eig": Line(_eig_call, _batched(_eig_ref), [_well_conditioned], [F32, C64],
                lambda rng, shape, dtype: {"left": bool(rng.integers(0, 2)),
                                           "right": bool(rng.integers(0, 2))},
                shape_of=[_matrices], tol_scale=50),
    "svd": Line(_svd_call, lambda x, **p: _batched(lambda m: _svd_ref(m, **p))(x)
                if p["compute_uv"] else _batched(lambda m: (_svd_ref(m, **p),))(x)[0],
                [_mat()], [F32, C64], _svd_params,
                shape_of=[lambda s: tuple(s[:1]) + ((3, 4) if len(s) % 2 else (4, 3))],
                tol_scale=50),
    "geqrf": Line(lambda x: bind("geqrf", x), _batched(_geqrf_ref), [_mat()], [F32, C64],
                  shape_of=[lambda s: tuple(s[:1]) + ((3, 4) if len(s) % 2 else (4, 3))],
                  tol_scale=50),
    "householder_product": Line(lambda x: bind("householder_product", *bind("geqrf", x)),
                                _single(_batched(lambda m: (np.linalg.qr(m)[0],))), [_mat()],
                                [F32, C64],
                                shape_of=[lambda s: tuple(s[:1]) + (4, 3)], tol_scale=50),
    "lu": Line(_lu_call, _batched(_lu_ref), [_well_conditioned], [F32, C64],
               shape_of=[_matrices], tol_scale=50),
    "lu_pivots_to_permutation": Line(
        lambda p, *, permutation_size: bind("lu_pivots_to_permutation", p,
                                            permutation_size=permutation_size),
        _pivots_ref, [_pivots], [I32],
        lambda rng, shape, dtype: {"permutation_size": (shape[-1] if shape else 1) +
                                   int(rng.integers(0, 2))},
        shapes=lambda s: len(s) >= 1, exact=True),
    "triangular_solve": Line(_trsm_call, _single(_batched(_trsm_ref)), [_well_conditioned, _mat()],
                             [F32, C64], _trsm_params,
                             shape_of=[_matrices, _matrices], tol_scale=50),
}


def _start(s, n, d):
    """Where a dynamic slice of size ``n`` starting at ``s`` on an axis of size ``d`` starts:
    a negative start counts from the end (as jax's lax), then clamped so the window fits."""
    s = s + d if s < 0 else s
    return min(max(s, 0), d - n)


def _dus_ref(x, u, starts):
    out = x.copy()
    idx = tuple(slice(_start(s, n, d), _start(s, n, d) + n)
                for s, n, d in zip(starts, u.shape, x.shape))
    out[idx] = u
    return out


# ---------------------------------------------------------------------------------- the tests
def test_every_primitive_has_a_line():
    missing = sorted(set(PRIMITIVES) - set(TABLE))
    assert not missing, f"primitives without a line in tests/test_lax.py TABLE: {missing}"
    assert not set(TABLE) - set(PRIMITIVES), sorted(set(TABLE) - set(PRIMITIVES))


def _check(name, result, expect, dtype, line):
    result = np.asarray(result)
    expect = np.asarray(expect)
    assert result.shape == expect.shape, (name, result.shape, expect.shape)
    out_dtype = result.dtype
    if line.exact or out_dtype == BOOL or out_dtype.kind in "iu":
        expect = expect.astype(out_dtype) if expect.dtype != out_dtype else expect
        assert result.dtype == expect.dtype, (name, result.dtype, expect.dtype)
        # through float64 (exact), where NumPy knows NaN == NaN for bfloat16 and float8 too
        np.testing.assert_array_equal(f64(result), f64(expect), err_msg=name)
        return
    rtol, atol = TOL[out_dtype]
    scale = line.tol_scale if line.tol_scale else 0
    np.testing.assert_allclose(f64(result), f64(expect.astype(out_dtype)) if scale == 0 else
                               f64(expect), rtol=rtol * scale, atol=atol * scale, err_msg=name,
                               equal_nan=True)


@pytest.mark.parametrize("name", sorted(TABLE))
@given(data=st.data())
def test_primitive_matches_reference(name, data):
    line = TABLE[name]
    shapes = [s for s in SHAPES if line.shapes(s)]
    shape = data.draw(st.sampled_from(shapes), label="shape")
    dtype = np.dtype(data.draw(st.sampled_from(line.dtypes), label="dtype"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    transforms = line.shape_of or [None] * len(line.inputs)
    inputs = [gen(rng, (t or (lambda s: s))(shape), dtype)
              for gen, t in zip(line.inputs, transforms)]
    params = line.params(rng, shape, dtype)
    result = line.call(*[jnp.asarray(x) for x in inputs], **params)
    expect = line.ref(*[f64(x) if not line.exact else x for x in inputs], **params)
    if isinstance(result, (tuple, list)):
        for i, (r, e) in enumerate(zip(result, expect)):
            _check(f"{name}[{i}]", r, e, dtype, line)
    else:
        _check(name, result, expect, dtype, line)


def test_threefry_known_answers():
    """Random123's known-answer vectors for Threefry-2x32 (20 rounds)."""
    cases = [((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
             ((0xFFFFFFFF,) * 2, (0xFFFFFFFF,) * 2, (0x1CB996FC, 0xBB002BE7)),
             ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]
    for key, ctr, expect in cases:
        assert tuple(int(v) for v in _threefry_ref(*key, *ctr)) == expect
        if "threefry2x32" in PRIMITIVES:
            args = [jnp.asarray(np.asarray([v], np.uint32)) for v in key + ctr]
            out = bind("threefry2x32", *args)
            assert tuple(int(np.asarray(o)[0]) for o in out) == expect
