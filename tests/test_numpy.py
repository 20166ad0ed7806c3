"""``s2s.numpy`` against NumPy (values) and JAX (result shapes and dtypes), table-driven.

Every case is a function ``f(m, *args)`` written once against a NumPy-like module ``m``; it runs
three times: with ``numpy`` on host arrays (the reference values), with ``s2s.numpy`` (the thing
under test) and with ``jax.numpy`` under ``jax.eval_shape`` (the reference result shape and dtype,
traced only, nothing compiled). Where JAX refuses the inputs, s2s must refuse them too.

Shapes come from small fixed sets so the eager per-(primitive, shape, dtype) compiles are reused.
"""
import warnings

import jax
import jax.numpy as jjnp
import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, strategies as st

import s2s.numpy as snp

F32, F16, I32, I8, U8, BOOL, C64 = map(np.dtype, ["float32", "float16", "int32", "int8", "uint8",
                                                  "bool", "complex64"])
BF16 = np.dtype(ml_dtypes.bfloat16)
FLOATS = [F32, BF16, F16]
NUMERIC = FLOATS + [I32, BOOL]
ALL = NUMERIC + [C64]
INTS = [I32, I8, U8, BOOL]

# (rtol, atol) by result dtype
TOL = {F32: (2e-5, 2e-6), C64: (2e-5, 2e-6), F16: (4e-3, 2e-3), BF16: (3e-2, 2e-2)}


# ---- inputs --------------------------------------------------------------------------------------

def make(rng, shape, dtype, domain="any"):
    """Random host values of ``dtype`` in ``domain`` (always an ndarray, also 0-d)."""
    return np.asarray(_make(rng, shape, np.dtype(dtype), domain))


def _make(rng, shape, dtype, domain):
    if dtype == BOOL:
        return rng.random(shape) < (0.5 if domain not in ("nonzero", "pos", "ge1") else 2.0)
    if dtype.kind in "iu":
        lo, hi = {"any": (-5, 6), "pos": (1, 6), "nonzero": (1, 6), "unit": (-1, 2), "ge1": (1, 6),
                  "shift": (0, 6), "exp": (0, 4), "special": (-5, 6), "nan": (-5, 6), "small": (-2, 3)}[domain]
        if dtype.kind == "u":
            lo = max(lo, 0)
        vals = rng.integers(lo, hi, shape)
        if domain == "nonzero" and dtype.kind == "i":
            vals = vals * rng.choice([-1, 1], shape)
        return vals.astype(dtype)
    def real(shape):
        if domain == "pos":
            return rng.uniform(0.1, 4.0, shape)
        if domain == "unit":
            return rng.uniform(-0.9, 0.9, shape)
        if domain == "ge1":
            return rng.uniform(1.0, 4.0, shape)
        if domain == "nonzero":
            return rng.uniform(0.25, 4.0, shape) * rng.choice([-1, 1], shape)
        if domain == "exp":
            return rng.uniform(-3.0, 3.0, shape)
        if domain == "small":
            return rng.integers(-3, 4, shape) * 0.5  # many ties and exact halves
        vals = rng.normal(0, 2.0, shape)
        if domain in ("special", "nan") and vals.size:
            flat = vals.reshape(-1)
            picks = rng.random(flat.shape) < 0.35
            flat[picks] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0] if domain == "special"
                                     else [np.nan], picks.sum())
        return vals
    if dtype.kind == "c":
        return (real(shape) + 1j * real(shape)).astype(dtype)
    return real(shape).astype(dtype)


def ref_input(a):
    """What NumPy computes on: half floats widened to float32 (the values are exact)."""
    if isinstance(a, np.ndarray) and a.dtype in (BF16, F16):
        return a.astype(F32)
    return a


# ---- the three-way check -------------------------------------------------------------------------

def _jax_spec(fn, args):
    """Result shapes/dtypes of ``fn(jax.numpy, *args)`` (host arrays -> abstract inputs)."""
    arr_pos = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

    def f(*arrs):
        full = list(args)
        for i, x in zip(arr_pos, arrs):
            full[i] = x
        return fn(jjnp, *full)

    return jax.eval_shape(f, *[jax.ShapeDtypeStruct(args[i].shape, args[i].dtype)
                               for i in arr_pos])


def _leaves(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def check(fn, *args, values=True, tol_scale=1.0, widen=True):
    """Run ``fn`` with s2s, NumPy and JAX; compare shapes, dtypes (JAX) and values (NumPy)."""
    try:
        spec = _jax_spec(fn, args)
    except (TypeError, ValueError, IndexError) as e:  # JAX refuses: s2s must refuse too
        with pytest.raises((TypeError, ValueError, IndexError)):
            fn(snp, *[snp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])
        return e
    got = fn(snp, *[snp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])
    got_l, spec_l = _leaves(got), _leaves(spec)
    assert len(got_l) == len(spec_l)
    for g, s in zip(got_l, spec_l):
        assert isinstance(g, snp.ndarray), type(g)
        assert g.shape == s.shape, (g.shape, s.shape)
        assert g.dtype == s.dtype, (g.dtype, s.dtype)
        assert g.weak_type == s.weak_type, ("weak_type", g.weak_type, s.weak_type)
    if not values:
        return got
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = fn(np, *[ref_input(a) if widen else a for a in args])
    for g, w in zip(got_l, _leaves(want)):
        assert_close(np.asarray(g), np.asarray(w), tol_scale)
    return got


def assert_close(got, want, tol_scale=1.0):
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    if got.dtype in TOL:  # the looser of the two precisions (NumPy computes bool -> float16)
        rtol, atol = np.max([TOL[got.dtype], TOL.get(np.asarray(want).dtype, (0, 0))], axis=0)
        wide = np.complex128 if got.dtype.kind == "c" else np.float64
        np.testing.assert_allclose(got.astype(wide), np.asarray(want).astype(wide),
                                   rtol=rtol * tol_scale, atol=atol * tol_scale, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, np.asarray(want).astype(got.dtype))


seeds = st.integers(0, 2 ** 16)


# ---- creation ------------------------------------------------------------------------------------

CREATION = {
    "array": lambda m: m.array([[1, 2], [3, 4]]),
    "array_float": lambda m: m.array([1.5, 2], dtype=m.float16),
    "array_nested_bool": lambda m: m.array([[True], [False]]),
    "asarray_scalar": lambda m: m.asarray(3.0),
    "asarray_dtype": lambda m: m.asarray([1, 2], dtype=BF16),
    "zeros": lambda m: m.zeros((2, 3)),
    "zeros_int": lambda m: m.zeros(4, dtype=m.int32),
    "ones": lambda m: m.ones((0, 2), dtype=bool),
    "full": lambda m: m.full((2, 2), 7),
    "full_float": lambda m: m.full(3, 2.5, dtype=m.float16),
    "full_array": lambda m: m.full((2, 3), m.arange(3)),
    "zeros_like": lambda m: m.zeros_like(m.arange(4)),
    "ones_like": lambda m: m.ones_like(m.ones((2,), dtype=BF16)),
    "full_like": lambda m: m.full_like(m.arange(3), 2.7),
    "full_like_dtype": lambda m: m.full_like(m.arange(3), 2.7, dtype=m.float32),
    "arange": lambda m: m.arange(5),
    "arange_start": lambda m: m.arange(2, 9, 3),
    "arange_float": lambda m: m.arange(0.5, 3.0, 0.5),
    "arange_neg": lambda m: m.arange(5, 0, -2),
    "arange_dtype": lambda m: m.arange(4, dtype=m.float32),
    "arange_empty": lambda m: m.arange(3, 1),
    "linspace": lambda m: m.linspace(0, 1, 7),
    "linspace_noend": lambda m: m.linspace(-2.0, 3.0, 5, endpoint=False),
    "linspace_one": lambda m: m.linspace(2, 3, 1),
    "linspace_vec": lambda m: m.linspace(m.zeros(2), m.ones(2), 3, axis=1),
    "linspace_int": lambda m: m.linspace(0, 10, 6, dtype=m.int32),
    "logspace": lambda m: m.logspace(0, 2, 5),
    "logspace_base": lambda m: m.logspace(0, 3, 4, base=2.0),
    "eye": lambda m: m.eye(3),
    "eye_rect_k": lambda m: m.eye(2, 4, k=1, dtype=m.int32),
    "eye_neg_k": lambda m: m.eye(4, 3, k=-2),
    "identity": lambda m: m.identity(3, dtype=bool),
    "tri": lambda m: m.tri(3, 4, k=1),
    "tril": lambda m: m.tril(m.arange(12).reshape(3, 4), k=-1),
    "triu": lambda m: m.triu(m.arange(12.0).reshape(3, 4), k=1),
    "triu_batched": lambda m: m.triu(m.ones((2, 3, 3))),
    "diag_vec": lambda m: m.diag(m.arange(1, 4)),
    "diag_vec_k": lambda m: m.diag(m.arange(1, 3), k=-1),
    "diag_mat": lambda m: m.diag(m.arange(12).reshape(3, 4), k=1),
    "meshgrid": lambda m: m.meshgrid(m.arange(3), m.arange(2.0)),
    "meshgrid_ij": lambda m: m.meshgrid(m.arange(3), m.arange(2), m.arange(4), indexing="ij"),
    "meshgrid_sparse": lambda m: m.meshgrid(m.arange(3), m.arange(2), sparse=True),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation(name):
    check(CREATION[name])


def test_empty():
    check(lambda m: m.empty((2, 3)), values=False)
    check(lambda m: m.empty_like(m.ones(3, dtype=m.int32)), values=False)


# ---- elementwise unary ---------------------------------------------------------------------------

UNARY_SHAPES = [(), (0,), (3,), (2, 3)]

# name -> (domain, dtypes); the function has the same name in numpy and s2s.numpy
UNARY = {
    "negative": ("any", [F32, BF16, I32, C64]),
    "abs": ("any", ALL + [I8, U8]),
    "sign": ("any", [F32, F16, I32, U8]),
    "sqrt": ("pos", NUMERIC + [C64]),
    "cbrt": ("any", [F32, F16, I32]),
    "square": ("any", ALL),
    "exp": ("exp", NUMERIC + [C64]),
    "exp2": ("exp", NUMERIC),
    "expm1": ("exp", NUMERIC),
    "log": ("pos", NUMERIC + [C64]),
    "log2": ("pos", NUMERIC),
    "log10": ("pos", NUMERIC),
    "log1p": ("pos", NUMERIC),
    "sin": ("any", ALL),
    "cos": ("any", ALL),
    "tan": ("unit", NUMERIC),
    "arcsin": ("unit", FLOATS),
    "arccos": ("unit", FLOATS),
    "arctan": ("any", NUMERIC),
    "sinh": ("exp", FLOATS + [I32]),
    "cosh": ("exp", FLOATS),
    "tanh": ("any", NUMERIC + [C64]),
    "arcsinh": ("any", FLOATS),
    "arccosh": ("ge1", FLOATS),
    "arctanh": ("unit", FLOATS),
    "floor": ("any", [F32, BF16, F16, I32, BOOL]),
    "ceil": ("any", [F32, BF16, I32]),
    "round": ("small", [F32, F16, I32]),
    "trunc": ("any", [F32, BF16, I32]),
    "rint": ("small", [F32, BF16]),
    "isnan": ("special", ALL),
    "isinf": ("special", ALL),
    "isfinite": ("special", ALL),
    "logical_not": ("any", [BOOL, I32, F32]),
    "invert": ("any", INTS),
    "sinc": ("any", [F32, F16]),
    "deg2rad": ("any", [F32, BF16, I32]),
    "rad2deg": ("any", [F32, F16]),
    "nan_to_num": ("special", [F32, F16, I32, C64]),
    "positive": ("any", [F32, I32]),
    "reciprocal": ("pos", [F32, BF16]),
    "fabs": ("any", [F32, F16]),
    "signbit": ("special", [F32, I32]),
    "conjugate": ("any", [C64, F32]),
    "real": ("any", [C64, F32]),
    "imag": ("any", [C64, F32]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data(), seed=seeds)
def test_unary(name, data, seed):
    domain, dts = UNARY[name]
    shape = data.draw(st.sampled_from(UNARY_SHAPES), "shape")
    dtype = data.draw(st.sampled_from(dts), "dtype")
    x = make(np.random.default_rng(seed), shape, dtype, domain)
    check(lambda m, a: getattr(m, name)(a), x, tol_scale=4.0 if dtype == C64 else 1.0,
          widen=name != "nan_to_num")  # its default posinf is the dtype's own max


@pytest.mark.parametrize("case", [
    lambda m, a: m.round(a, 1), lambda m, a: m.round(a, decimals=-1),
    lambda m, a: m.nan_to_num(a, nan=-1.0, posinf=9.0, neginf=-9.0),
    lambda m, a: m.clip(a, -1, 2), lambda m, a: m.clip(a, max=0.5),
    lambda m, a: m.clip(a, m.zeros(3), 1.5),
])
@given(dtype=st.sampled_from([F32, F16]), seed=seeds)
def test_unary_with_params(case, dtype, seed):
    check(case, make(np.random.default_rng(seed), (2, 3), dtype, "special"))


def test_clip_int_and_where():
    x = np.arange(-3, 4, dtype=np.int32)
    check(lambda m, a: m.clip(a, -1, 2), x)
    check(lambda m, a: m.where(a > 0, a, -a), x)
    check(lambda m, a: m.where(a > 0, a, 0.5), x)
    check(lambda m, c, a, b: m.where(c, a, b), x > 0, np.ones((2, 1), np.float32),
          np.zeros(7, BF16))


# ---- elementwise binary --------------------------------------------------------------------------

BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((0, 3), (1,)),
                 ((2, 3), ()), ((), (2, 3)), ((1,), (2, 3))]
# second operand not an array: a Python scalar (weakly typed), or a different dtype
MIXED = [(F32, I32), (I32, BOOL), (BF16, F16), (F16, F32), (I8, U8), (BF16, I32), (C64, F32),
         (I32, "pyint"), (BF16, "pyfloat"), (I8, "pyint"), (F32, "pyfloat"), (BOOL, "pyint")]

ARITH = [F32, BF16, F16, I32, I8, U8, C64]
# name -> (domain of the second operand, dtypes)
BINARY = {
    "add": ("any", ARITH + [BOOL]),
    "subtract": ("any", ARITH + [BOOL]),
    "multiply": ("any", ARITH + [BOOL]),
    "divide": ("nonzero", ARITH),
    "true_divide": ("nonzero", [F32, I32]),
    "floor_divide": ("nonzero", [F32, I32, I8, U8]),
    "mod": ("nonzero", [F32, I32, I8, U8]),
    "power": ("exp", [F32, F16, I32, U8, C64]),
    "maximum": ("any", ARITH + [BOOL]),
    "minimum": ("any", ARITH + [BOOL]),
    "fmax": ("special", [F32, F16, I32]),
    "fmin": ("special", [F32, BF16, I32]),
    "arctan2": ("any", [F32, F16, I32]),
    "hypot": ("any", [F32, F16, I32]),
    "logaddexp": ("any", [F32, BF16, I32]),
    "logical_and": ("any", [BOOL, I32, F32]),
    "logical_or": ("any", [BOOL, I32, F32]),
    "logical_xor": ("any", [BOOL, I32, F32]),
    "bitwise_and": ("any", INTS),
    "bitwise_or": ("any", INTS),
    "bitwise_xor": ("any", INTS),
    "left_shift": ("shift", [I32, I8, U8]),
    "right_shift": ("shift", [I32, I8, U8]),
    "equal": ("special", ALL),
    "not_equal": ("special", ALL),
    "less": ("special", NUMERIC),
    "less_equal": ("special", NUMERIC),
    "greater": ("special", NUMERIC),
    "greater_equal": ("special", NUMERIC),
}
FIRST_DOMAIN = {"power": "pos", "left_shift": "small", "right_shift": "any", "fmax": "special",
                "fmin": "special", "equal": "special", "less": "special"}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data(), seed=seeds)
def test_binary(name, data, seed):
    domain, dts = BINARY[name]
    shapes = data.draw(st.sampled_from(BINARY_SHAPES), "shapes")
    if data.draw(st.booleans(), "mixed"):
        # JAX's weak flag of logical_*(bool array, Python int) depends on the rank: not tested
        pair = data.draw(st.sampled_from([p for p in MIXED if p[0] in dts and not (
            name.startswith("logical") and p == (BOOL, "pyint"))]), "dtypes")
    else:
        pair = (data.draw(st.sampled_from(dts), "dtype"),) * 2
    rng = np.random.default_rng(seed)
    x = make(rng, shapes[0], pair[0], FIRST_DOMAIN.get(name, "any"))
    if pair[1] == "pyint":
        y = int(make(rng, (), I32, domain if domain != "special" else "any"))
        if name in ("power",):
            y = abs(y)
    elif pair[1] == "pyfloat":
        y = float(make(rng, (), F32, domain))
    else:
        y = make(rng, shapes[1], pair[1], domain)
    check(lambda m, a, b: getattr(m, name)(a, b), x, y,
          tol_scale=8.0 if C64 in pair or name == "power" else 1.0)


def test_incompatible_broadcast():
    with pytest.raises(TypeError, match="incompatible shapes for broadcasting"):
        snp.multiply(snp.ones((2, 3)), snp.ones((4,)))


def test_operators_follow_functions():
    a = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    b = np.array([1, 2, -2], np.int32)
    check(lambda m, x, y: (x + y, x - y, x * y, x // y, x % y, x ** 2, -x, x & y, x | y, x ^ y,
                           ~x, x < y, x >= y, x == y, abs(x), 1 - x, 2.5 * x), a, b)


# ---- reductions ----------------------------------------------------------------------------------

RED_SHAPES = [(), (0,), (5,), (2, 3), (2, 0), (3, 1, 2)]


class R:
    """A reduction's row: which keyword arguments it takes and on which inputs."""

    def __init__(self, dtypes, domain="any", axis="multi", keepdims=True, where=False, kw=None,
                 shapes=RED_SHAPES, tol=1.0, ref=None):
        self.dtypes, self.domain, self.axis, self.keepdims = dtypes, domain, axis, keepdims
        self.where, self.kw, self.shapes, self.tol = where, kw or {}, shapes, tol
        self.ref = ref  # NumPy-side stand-in where NumPy raises and JAX defines a value


def _np_nanarg(fn, fill):
    """NumPy's nanargmax/nanargmin, but -1 for all-NaN slices (JAX's answer) instead of raising."""
    def ref(a, axis=None, keepdims=False):
        nan = np.isnan(a)
        res = fn(np.where(nan, fill, a), axis=axis, keepdims=keepdims)
        return np.where(np.all(nan, axis=axis, keepdims=keepdims), -1, res)
    return ref


NONEMPTY = [(), (5,), (2, 3), (3, 1, 2)]
QSHAPES = [(5,), (2, 3), (3, 1, 2)]  # JAX's quantile family makes 0-d keepdims results 1-d
REDUCTIONS = {
    "sum": R([F32, BF16, F16, I32, I8, U8, BOOL, C64], where=True, tol=4),
    "prod": R([F32, F16, I32, I8, BOOL], domain="small", where=True),
    "mean": R([F32, BF16, F16, I32, BOOL, C64], where=True, tol=4),
    "var": R([F32, F16, I32, C64], where=True, tol=4),
    "std": R([F32, BF16, I32], where=True, tol=4),
    "var_ddof": R([F32, I32], kw={"ddof": 1}, tol=4),
    "max": R([F32, BF16, I32, U8, BOOL]),
    "min": R([F32, F16, I32, I8, BOOL]),
    "max_where": R([F32, I32], where=True, kw={"initial": -100}),
    "min_where": R([F32, U8], where=True, kw={"initial": 100}),
    "argmax": R([F32, BF16, I32, BOOL], domain="small", axis="single"),
    "argmin": R([F32, F16, I32, U8], domain="small", axis="single"),
    "all": R([BOOL, I32, F32], domain="small", where=True),
    "any": R([BOOL, I32, F32], domain="small", where=True),
    "cumsum": R([F32, BF16, I32, I8, BOOL], axis="single", keepdims=False, tol=4),
    "cumprod": R([F32, I32, BOOL], domain="small", axis="single", keepdims=False),
    "count_nonzero": R([F32, I32, BOOL], domain="small"),
    "ptp": R([F32, I32, I8], keepdims=True),
    "median": R([F32, F16, I32], domain="small", shapes=QSHAPES),
    "average": R([F32, I32, BF16], keepdims=True, tol=4, shapes=NONEMPTY),  # NumPy: 0/0 on empty
    "nansum": R([F32, F16, I32, BOOL], domain="special", where=True),
    "nanprod": R([F32, I32], domain="special", where=True),
    "nanmean": R([F32, BF16, I32], domain="special", where=True, tol=4),
    "nanvar": R([F32, I32], domain="special", tol=4),
    "nanstd": R([F32, F16], domain="special", tol=4),
    "nanmax": R([F32, I32], domain="special"),
    "nanmin": R([F32, F16], domain="special"),
    "nanmax_where": R([F32], domain="special", where=True, kw={"initial": -100.0}),
    "nanargmax": R([F32, I32], domain="special", axis="single", shapes=NONEMPTY,
                   ref=_np_nanarg(np.argmax, -np.inf)),
    "nanargmin": R([F32], domain="special", axis="single", shapes=NONEMPTY,
                   ref=_np_nanarg(np.argmin, np.inf)),
    "nancumsum": R([F32, I32], domain="special", axis="single", keepdims=False),
    "nancumprod": R([F32], domain="special", axis="single", keepdims=False),
    "nanmedian": R([F32, I32], domain="nan", shapes=QSHAPES),
    "quantile": R([F32, I32, F16], domain="small", shapes=QSHAPES, kw={"q": 0.3}),
    "quantile_vec": R([F32, I32], domain="any", shapes=QSHAPES,
                      kw={"q": np.array([0.0, 0.25, 0.5, 1.0], np.float32)}),
    "quantile_lower": R([F32], domain="small", shapes=QSHAPES, kw={"q": 0.4, "method": "lower"}),
    "quantile_higher": R([F32], domain="any", shapes=QSHAPES, kw={"q": 0.4, "method": "higher"}),
    "quantile_nearest": R([F32], domain="any", shapes=QSHAPES, kw={"q": 0.6, "method": "nearest"}),
    "quantile_midpoint": R([F32], domain="any", shapes=QSHAPES, kw={"q": 0.1, "method": "midpoint"}),
    "percentile": R([F32, I32], domain="any", shapes=QSHAPES, kw={"q": 75.0}),
    "nanquantile": R([F32], domain="nan", shapes=QSHAPES, kw={"q": 0.7}),
    "nanpercentile": R([F32], domain="nan", shapes=QSHAPES, kw={"q": 20.0}),
}


def _axis_strategy(ndim, kind):
    opts = [st.none()]
    if ndim:
        opts.append(st.integers(-ndim, ndim - 1))
        if kind == "multi" and ndim >= 2:
            opts.append(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True)
                        .map(tuple))
            opts.append(st.just(()))
    return st.one_of(*opts)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data(), seed=seeds)
def test_reduction(name, data, seed):
    row = REDUCTIONS[name]
    fn_name = name.split("_")[0] if name not in ("count_nonzero",) else name
    shape = data.draw(st.sampled_from(row.shapes), "shape")
    dtype = data.draw(st.sampled_from(row.dtypes), "dtype")
    axis = data.draw(_axis_strategy(len(shape), row.axis), "axis")
    kw = dict(row.kw)
    if row.keepdims:
        kw["keepdims"] = data.draw(st.booleans(), "keepdims")
    rng = np.random.default_rng(seed)
    x = make(rng, shape, dtype, row.domain)
    args = [x]
    if fn_name in ("quantile", "percentile", "nanquantile", "nanpercentile"):
        q = kw.pop("q")
        kw["q"] = q

    def fn(m, a, *rest):
        extra = dict(kw)
        if row.where and rest:
            extra["where"] = rest[0]
        f = row.ref if m is np and row.ref is not None else getattr(m, fn_name)
        if "q" in extra:
            q = extra.pop("q")
            return f(a, q, axis=axis, **extra)
        return f(a, axis=axis, **extra)

    if row.where and data.draw(st.booleans(), "use_where"):
        wshape = data.draw(st.sampled_from([shape, shape[-1:]]), "where_shape")
        args.append(rng.random(wshape) < 0.7)
    check(fn, *args, tol_scale=row.tol)


@given(seed=seeds, shape=st.sampled_from([(4,), (2, 3)]), returned=st.booleans())
def test_average_weights(seed, shape, returned):
    rng = np.random.default_rng(seed)
    x = make(rng, shape, F32)
    w = make(rng, shape[-1:], F32, "pos")
    check(lambda m, a, b: m.average(a, axis=-1, weights=b, returned=returned), x, w)
    check(lambda m, a, b: m.average(a, weights=b), x, make(rng, shape, I32, "pos"))


def test_reduction_dtype_and_initial():
    x = np.arange(6, dtype=np.int8).reshape(2, 3)
    check(lambda m, a: m.sum(a, dtype=m.float32), x)
    check(lambda m, a: m.sum(a, axis=1, initial=10), x)
    check(lambda m, a: m.prod(a, axis=0, dtype=m.int32), x)
    check(lambda m, a: m.max(a, initial=100), x)
    check(lambda m, a: m.mean(a, axis=0, dtype=m.float16), x)
    check(lambda m, a: m.cumsum(a, axis=1, dtype=m.float32), x)
    check(lambda m, a: m.std(a, axis=-1, ddof=1, keepdims=True), x)


def test_empty_reductions_raise():
    for fn in (snp.max, snp.min, snp.argmax, snp.argmin):
        with pytest.raises(ValueError):
            fn(snp.zeros((0, 3)))
    # sums of nothing are the identity
    assert float(snp.sum(snp.zeros((0, 3)))) == 0.0
    assert float(snp.prod(snp.zeros((0,)))) == 1.0


# ---- shape manipulation --------------------------------------------------------------------------

SHAPE_SHAPES = [(3,), (2, 3), (2, 1, 4), (0, 3)]
SHAPE_DTYPES = [F32, I32, BOOL, BF16]

# name -> (fn(m, x, axis), minimum ndim); ``axis`` is drawn in [-ndim, ndim)
SHAPE_OPS = {
    "reshape": (lambda m, x, a: m.reshape(x, (-1,)), 0),
    "reshape_F": (lambda m, x, a: m.reshape(x, (x.shape[-1], -1), order="F"), 1),
    "method_reshape": (lambda m, x, a: x.reshape(1, -1), 0),
    "ravel": (lambda m, x, a: m.ravel(x), 0),
    "transpose": (lambda m, x, a: m.transpose(x), 0),
    "transpose_axes": (lambda m, x, a: m.transpose(x, tuple(range(x.ndim))[::-1][:x.ndim]), 0),
    "T": (lambda m, x, a: x.T, 0),
    "moveaxis": (lambda m, x, a: m.moveaxis(x, a, 0), 1),
    "swapaxes": (lambda m, x, a: m.swapaxes(x, a, -1), 1),
    "squeeze": (lambda m, x, a: m.squeeze(x), 0),
    "squeeze_axis": (lambda m, x, a: m.squeeze(m.expand_dims(x, 0), axis=0), 0),
    "expand_dims": (lambda m, x, a: m.expand_dims(x, a), 1),
    "expand_dims_tuple": (lambda m, x, a: m.expand_dims(x, (0, -1)), 0),
    "concatenate": (lambda m, x, a: m.concatenate([x, x, x], axis=a), 1),
    "concatenate_none": (lambda m, x, a: m.concatenate([x, x], axis=None), 0),
    "stack": (lambda m, x, a: m.stack([x, x], axis=a), 0),
    "stack_neg": (lambda m, x, a: m.stack([x, x, x], axis=-1), 0),
    "vstack": (lambda m, x, a: m.vstack([x, x]), 0),
    "hstack": (lambda m, x, a: m.hstack([x, x]), 0),
    "split": (lambda m, x, a: m.split(m.concatenate([x, x], a), 2, axis=a), 1),
    "split_indices": (lambda m, x, a: m.split(x, [1], axis=a), 1),
    "broadcast_to": (lambda m, x, a: m.broadcast_to(x, (2,) + x.shape), 0),
    "broadcast_arrays": (lambda m, x, a: m.broadcast_arrays(x, m.ones((1,) * x.ndim)), 0),
    "flip": (lambda m, x, a: m.flip(x, a), 1),
    "flip_all": (lambda m, x, a: m.flip(x), 0),
    "roll": (lambda m, x, a: m.roll(x, 2, axis=a), 1),
    "roll_flat": (lambda m, x, a: m.roll(x, -1), 0),
    "roll_multi": (lambda m, x, a: m.roll(x, (1, 2), axis=(0, -1)), 1),
    "tile": (lambda m, x, a: m.tile(x, (2, 1)), 0),
    "tile_int": (lambda m, x, a: m.tile(x, 2), 0),
    "repeat": (lambda m, x, a: m.repeat(x, 2, axis=a), 1),
    "repeat_flat": (lambda m, x, a: m.repeat(x, 3), 0),
    "repeat_array": (lambda m, x, a: m.repeat(x, np.arange(x.shape[0]) % 3, axis=0), 1),
    "pad": (lambda m, x, a: m.pad(x, 1), 0),
    "pad_widths": (lambda m, x, a: m.pad(x, [(1, 0)] + [(0, 2)] * (x.ndim - 1),
                                         constant_values=1), 1),
    "pad_edge": (lambda m, x, a: m.pad(x, 2, mode="edge"), 1),
    "pad_wrap": (lambda m, x, a: m.pad(x, 1, mode="wrap"), 1),
    "pad_reflect": (lambda m, x, a: m.pad(x, 1, mode="reflect"), 1),
    "pad_symmetric": (lambda m, x, a: m.pad(x, (2, 1), mode="symmetric"), 1),
    "take": (lambda m, x, a: m.take(x, np.array([0, -1, 0], np.int32), axis=a), 1),
    "take_flat": (lambda m, x, a: m.take(x, np.array([[0], [-1]], np.int32)), 1),
    "take_scalar": (lambda m, x, a: m.take(x, 0, axis=a), 1),
    "take_clip": (lambda m, x, a: m.take(x, np.array([7, -9], np.int32), axis=a, mode="clip"), 1),
    "take_wrap": (lambda m, x, a: m.take(x, np.array([7, -9], np.int32), axis=a, mode="wrap"), 1),
    "take_along_axis": (lambda m, x, a: m.take_along_axis(x, m.argsort(x, axis=a), axis=a), 1),
    "take_along_bcast": (lambda m, x, a: m.take_along_axis(
        x, np.zeros((1,) * x.ndim, np.int32), axis=a), 1),
    "take_along_none": (lambda m, x, a: m.take_along_axis(x, np.array([0, -1], np.int32),
                                                          axis=None), 1),
    "sort": (lambda m, x, a: m.sort(x, axis=a), 1),
    "sort_none": (lambda m, x, a: m.sort(x, axis=None), 0),
    "sort_desc": (lambda m, x, a: m.sort(x, axis=a, descending=True) if m is not np else
                  np.flip(np.sort(x, axis=a), axis=a), 1),
    "argsort": (lambda m, x, a: m.argsort(x, axis=a, stable=True), 1),
    "argsort_desc": (lambda m, x, a: m.argsort(x, axis=a, stable=True, descending=True)
                     if m is not np else _np_argsort_desc(x, a), 1),
    "argsort_none": (lambda m, x, a: m.argsort(x, axis=None, stable=True), 0),
    "method_sort": (lambda m, x, a: m.sort(x, axis=-1) if m is np else x.sort(), 1),
    "method_take": (lambda m, x, a: x.take(np.array([0], np.int32)), 1),
    "searchsorted": (lambda m, x, a: m.searchsorted(m.sort(m.ravel(x)), x), 0),
    "searchsorted_right": (lambda m, x, a: m.searchsorted(m.sort(m.ravel(x)), x, side="right"),
                           0),
    "unique_size": (lambda m, x, a: m.unique(x, size=x.size) if m is not np else np.concatenate(
        [np.unique(x), np.full(x.size - np.unique(x).size, np.unique(x)[:1].item()
                               if x.size else 0, x.dtype)]), 1),
}


def _np_argsort_desc(x, axis):
    """Stable descending argsort in NumPy: sort the reversed array, map indices back."""
    n = x.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(x, axis), axis=axis, stable=True), axis)


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
@given(data=st.data(), seed=seeds)
def test_shape_ops(name, data, seed):
    fn, min_nd = SHAPE_OPS[name]
    shape = data.draw(st.sampled_from([s for s in SHAPE_SHAPES + [()] if len(s) >= min_nd]),
                      "shape")
    dtype = data.draw(st.sampled_from(SHAPE_DTYPES), "dtype")
    if name in ("sort", "sort_none", "sort_desc", "argsort", "argsort_desc", "argsort_none",
                "searchsorted", "searchsorted_right", "take_along_axis", "unique_size") and \
            data.draw(st.booleans(), "nan"):
        dtype = F32
        domain = "special"
    else:
        domain = "small"
    if name.startswith("pad_") and name not in ("pad_widths",) and 0 in shape:
        shape = (2, 3)
    if name.startswith("take") and shape and 0 in shape and "clip" not in name:
        shape = (2, 3)
    if name in ("take_clip", "take_wrap") and 0 in shape:
        shape = (2, 3)
    if name == "split_indices" and 0 in shape:  # JAX refuses split points past the end
        shape = (2, 3)
    if name == "take_along_none":
        shape = (2, 3)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), "axis") if shape else 0
    x = make(np.random.default_rng(seed), shape, dtype, domain)
    check(fn, x, axis)


def test_argsort_is_stable_with_ties():
    x = np.array([[2, 1, 2, 1, 0, 2], [0, 0, 0, 1, 1, 1]], np.int32)
    for desc in (False, True):
        got = snp.argsort(snp.asarray(x), axis=-1, descending=desc)
        want = np.argsort(-x if desc else x, axis=-1, stable=True)
        np.testing.assert_array_equal(got, want)


def test_sort_complex_and_lexsort():
    z = np.array([1 + 2j, 1 + 1j, -1 + 5j, 0j], np.complex64)
    check(lambda m, a: m.sort(a), z)
    k1 = np.array([1, 0, 1, 0], np.int32)
    k2 = np.array([3, 3, 1, 1], np.int32)
    check(lambda m, a, b: m.lexsort((a, b)), k1, k2)


def test_take_fill_mode():
    x = snp.arange(6.0).reshape(2, 3)
    got = snp.take(x, snp.array([0, -1, 5]), axis=1)
    np.testing.assert_array_equal(got, [[0, 2, np.nan], [3, 5, np.nan]])
    got = snp.take(snp.arange(4), snp.array([9]), fill_value=-7)
    np.testing.assert_array_equal(got, [-7])
    got = snp.take_along_axis(snp.arange(6).reshape(2, 3), snp.array([[4], [1]]), axis=1)
    np.testing.assert_array_equal(got, [[np.iinfo(np.int32).min], [4]])


def test_unique_variants():
    x = np.array([3, 1, 3, 2, 1, 1], np.int32)
    vals, idx, inv, cnt = snp.unique(snp.asarray(x), return_index=True, return_inverse=True,
                                     return_counts=True)
    w = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for g, e in zip((vals, idx, inv, cnt), w):
        np.testing.assert_array_equal(g, e)
    np.testing.assert_array_equal(snp.unique(snp.asarray(x), size=2), [1, 2])
    np.testing.assert_array_equal(snp.unique(snp.asarray(x), size=5, fill_value=0), [1, 2, 3, 0, 0])


# ---- linear algebra ------------------------------------------------------------------------------

LINALG = {
    "dot_vv": (lambda m, a, b: m.dot(a, b), (3,), (3,)),
    "dot_mv": (lambda m, a, b: m.dot(a, b), (2, 3), (3,)),
    "dot_mm": (lambda m, a, b: m.dot(a, b), (2, 3), (3, 4)),
    "dot_nd": (lambda m, a, b: m.dot(a, b), (2, 2, 3), (1, 3, 2)),
    "dot_scalar": (lambda m, a, b: m.dot(a, b), (), (2, 3)),
    "vdot": (lambda m, a, b: m.vdot(a, b), (2, 3), (2, 3)),
    "matmul": (lambda m, a, b: m.matmul(a, b), (2, 3), (3, 4)),
    "matmul_batch": (lambda m, a, b: m.matmul(a, b), (2, 1, 2, 3), (3, 3, 1)),
    "matmul_vec": (lambda m, a, b: m.matmul(a, b), (3,), (2, 3, 4)),
    "matmul_vec_r": (lambda m, a, b: m.matmul(a, b), (2, 2, 3), (3,)),
    "matmul_op": (lambda m, a, b: a @ b, (2, 3), (3,)),
    "matmul_empty": (lambda m, a, b: m.matmul(a, b), (2, 0), (0, 3)),
    "inner": (lambda m, a, b: m.inner(a, b), (2, 3), (4, 3)),
    "outer": (lambda m, a, b: m.outer(a, b), (2, 2), (3,)),
    "tensordot": (lambda m, a, b: m.tensordot(a, b), (2, 3, 4), (3, 4, 2)),
    "tensordot_1": (lambda m, a, b: m.tensordot(a, b, axes=1), (2, 3), (3, 2)),
    "tensordot_axes": (lambda m, a, b: m.tensordot(a, b, axes=([0, 2], [2, 1])), (2, 3, 4),
                       (3, 4, 2)),
    "trace": (lambda m, a, b: m.trace(a), (3, 3), ()),
    "trace_offset": (lambda m, a, b: m.trace(a, offset=1, axis1=1, axis2=2), (2, 3, 4), ()),
}
LINALG_DTYPES = [F32, I32, BF16, C64, BOOL, I8]


@pytest.mark.parametrize("name", sorted(LINALG))
@given(data=st.data(), seed=seeds)
def test_linalg(name, data, seed):
    fn, sa, sb = LINALG[name]
    rng = np.random.default_rng(seed)
    da = data.draw(st.sampled_from(LINALG_DTYPES), "dtype_a")
    db = data.draw(st.sampled_from([da, F32, I32]), "dtype_b")
    check(fn, make(rng, sa, da, "small"), make(rng, sb, db, "small"), tol_scale=8.0)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,j", [(3,), (2,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("bij,bjk->kib", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (4, 3, 2)]),
    ("...j,j", [(2, 3), (3,)]),
    ("i...->...", [(2, 3, 2)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,ij,jk->ik", [(2, 3), (2, 3), (3, 2)]),
    ("a,b,c->abc", [(2,), (3,), (2,)]),
    ("ab,cd->", [(2, 3), (2, 2)]),
    ("ij,j->i", [(2, 0), (0,)]),
    ("ij,kj->ikj", [(2, 3), (1, 3)]),
    ("ab,bc->", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("subscripts,shapes", EINSUM, ids=[e[0] for e in EINSUM])
@given(dtype=st.sampled_from([F32, I32, BF16, C64, BOOL]), seed=seeds)
def test_einsum(subscripts, shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    ops = [make(rng, s, dtype, "small") for s in shapes]
    check(lambda m, *xs: m.einsum(subscripts, *xs), *ops, tol_scale=8.0)


def test_einsum_interleaved_and_errors():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.arange(12, dtype=np.float32).reshape(3, 4)
    check(lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]), a, b)
    check(lambda m, x, y: m.einsum(x, [Ellipsis, 1], y, [1, 2]), a, b)
    with pytest.raises(ValueError):
        snp.einsum("ij,jk->ik", snp.asarray(a), snp.asarray(a))
    with pytest.raises(ValueError):
        snp.einsum("ij->k", snp.asarray(a))
    with pytest.raises(ValueError):
        snp.einsum("ijk", snp.asarray(a))


NORMS = [(None, None), (1, -1), (2, 0), (np.inf, -1), (-np.inf, 0), (0, -1), (3, None),
         ("fro", None), (1, (0, 1)), (np.inf, (0, 1)), (-1, (1, 0)), (None, 1), (0.5, 0)]


@pytest.mark.parametrize("ord,axis", NORMS)
@given(dtype=st.sampled_from([F32, I32, C64, F16]), keepdims=st.booleans(), seed=seeds)
def test_norm(ord, axis, dtype, keepdims, seed):
    shape = (3,) if (axis is None and ord not in (None, "fro")) and ord != 3 else (2, 3)
    if ord == "fro" or isinstance(axis, tuple):
        shape = (2, 3)
    x = make(np.random.default_rng(seed), shape, dtype)
    check(lambda m, a: m.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims), x, tol_scale=8.0)


# ---- errors --------------------------------------------------------------------------------------

AXIS_FUNCS = {
    "sum": lambda x, ax: snp.sum(x, axis=ax),
    "mean": lambda x, ax: snp.mean(x, axis=ax),
    "var": lambda x, ax: snp.var(x, axis=ax),
    "max": lambda x, ax: snp.max(x, axis=ax),
    "argmax": lambda x, ax: snp.argmax(x, axis=ax),
    "argmin": lambda x, ax: snp.argmin(x, axis=ax),
    "all": lambda x, ax: snp.all(x, axis=ax),
    "cumsum": lambda x, ax: snp.cumsum(x, axis=ax),
    "median": lambda x, ax: snp.median(x, axis=ax),
    "quantile": lambda x, ax: snp.quantile(x, 0.5, axis=ax),
    "nanmean": lambda x, ax: snp.nanmean(x, axis=ax),
    "nanmax": lambda x, ax: snp.nanmax(x, axis=ax),
    "nanargmax": lambda x, ax: snp.nanargmax(x, axis=ax),
    "count_nonzero": lambda x, ax: snp.count_nonzero(x, axis=ax),
    "sort": lambda x, ax: snp.sort(x, axis=ax),
    "argsort": lambda x, ax: snp.argsort(x, axis=ax),
    "take": lambda x, ax: snp.take(x, snp.array([0]), axis=ax),
    "take_along_axis": lambda x, ax: snp.take_along_axis(x, snp.zeros((1, 1), int), axis=ax),
    "flip": lambda x, ax: snp.flip(x, ax),
    "roll": lambda x, ax: snp.roll(x, 1, axis=ax),
    "squeeze": lambda x, ax: snp.squeeze(x, axis=ax),
    "swapaxes": lambda x, ax: snp.swapaxes(x, 0, ax),
    "moveaxis": lambda x, ax: snp.moveaxis(x, ax, 0),
    "concatenate": lambda x, ax: snp.concatenate([x, x], axis=ax),
    "split": lambda x, ax: snp.split(x, 1, axis=ax),
    "repeat": lambda x, ax: snp.repeat(x, 2, axis=ax),
    "norm": lambda x, ax: snp.linalg.norm(x, axis=ax),
    "ptp": lambda x, ax: snp.ptp(x, axis=ax),
    "average": lambda x, ax: snp.average(x, axis=ax),
}


@pytest.mark.parametrize("name", sorted(AXIS_FUNCS))
@pytest.mark.parametrize("axis", [3, -3])
def test_bad_axis(name, axis):
    x = snp.ones((2, 3))
    with pytest.raises(ValueError, match=f"axis {axis} is out of bounds for array of dimension 2"):
        AXIS_FUNCS[name](x, axis)


def test_bad_axis_ndim_plus_one():
    x = snp.ones((2, 3))
    with pytest.raises(ValueError, match="axis 4 is out of bounds for array of dimension 3"):
        snp.stack([x, x], axis=4)
    with pytest.raises(ValueError, match="axis 3 is out of bounds for array of dimension 3"):
        snp.expand_dims(x, 3)


@pytest.mark.parametrize("make_call", [
    lambda: snp.zeros(3, dtype="floot32"),
    lambda: snp.ones((2,), dtype="not_a_dtype"),
    lambda: snp.asarray([1, 2], dtype="int33"),
    lambda: snp.array([1.0], dtype=object),
    lambda: snp.full(2, 1, dtype="str"),
    lambda: snp.arange(3, dtype="bogus"),
    lambda: snp.sum(snp.ones(3), dtype="nope"),
    lambda: snp.ones(3).astype("float99"),
    lambda: snp.zeros_like(snp.ones(2), dtype="x"),
    lambda: snp.eye(2, dtype="quaternion"),
])
def test_bad_dtype_name(make_call):
    with pytest.raises(TypeError):
        make_call()


def test_other_errors_are_clean():
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        snp.sum(snp.ones((2, 3)), axis=(0, 0))
    with pytest.raises(ValueError):
        snp.split(snp.ones(5), 2)
    with pytest.raises(ValueError):
        snp.squeeze(snp.ones((2, 3)), axis=0)
    with pytest.raises(TypeError):
        snp.reshape(snp.ones(6), (4, -1))
    with pytest.raises(ValueError):
        snp.quantile(snp.ones(3), 0.5, method="bogus")
    with pytest.raises(ValueError):
        snp.searchsorted(snp.ones(3), 1.0, side="middle")
    with pytest.raises(ValueError):
        snp.take_along_axis(snp.ones((2, 3)), snp.zeros(2, int), axis=0)
