"""dtypes against JAX 0.10.2: the promotion lattice (weak Python scalars, x32/x64), promote_types,
result_type, finfo/iinfo, the truncation warning, jax_enable_x64 and the errors' texts."""
import itertools
import os
import subprocess
import sys
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax._src.lax.lax import _convert_element_type as jax_convert

import s2s
import s2s.lax as slax
import s2s.numpy as snp
from conftest import x64_in_both

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "bfloat16", "float16", "float32", "float64", "complex64", "complex128",
          "float8_e4m3fn", "float8_e5m2"]
PY_TYPES = [int, float, complex]
PY_VALUES = [True, 1, 1.0, 1j]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(params=["x32", "x64"])
def mode(request):
    """Runs the test with 64-bit types off and on, in both s2s and jax; restores both after."""
    with x64_in_both(request.param == "x64"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # float64 requested with x64 off: tested below
        yield request.param


def outcome(fn):
    """A result or the raised error (type name and text), to compare s2s with jax."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e).split("\n")[0]


def compare(cases, ours, theirs):
    bad = [(c, o, t) for c in cases
           for o, t in [(outcome(lambda: ours(*c)), outcome(lambda: theirs(*c)))]
           if str(o) != str(t)]
    assert not bad, "\n".join(f"{c}: s2s {o} jax {t}" for c, o, t in bad[:20]) + \
        f"\n({len(bad)} mismatches)"


def test_promote_types_all_pairs(mode):
    pairs = list(itertools.product(DTYPES + PY_TYPES, repeat=2))
    compare(pairs, snp.promote_types, jnp.promote_types)


def test_result_type_of_dtypes_and_python_types(mode):
    cases = [(a,) for a in DTYPES + PY_TYPES + PY_VALUES + [None]]
    cases += list(itertools.product(DTYPES + PY_TYPES + PY_VALUES, repeat=2))
    cases += [(np.int8, 1.0, np.uint8), ("bfloat16", 1, 2.0), (int, float, complex),
              ("uint32", "int32", 1), (np.float32(1), 1), (np.zeros(3), 1j), ([1, 2], 1.0)]
    compare(cases, snp.result_type, jnp.result_type)
    compare(cases, lambda *a: s2s.dtypes.result_type(*a, return_weak_type_flag=True),
            lambda *a: jax.dtypes.result_type(*a, return_weak_type_flag=True))


def _shape_dtype(x):
    return str(x.shape), str(x.dtype), bool(x.weak_type)


def test_binary_op_result_dtype_and_weak_type(mode):
    """``zeros((2,), a) + b`` for every dtype a and every dtype or Python scalar b."""
    others = DTYPES + PY_VALUES

    def operand(numpy, b):
        return b if not isinstance(b, str) else numpy.zeros((2,), b)

    def ours(a, b):
        return _shape_dtype(snp.add(snp.zeros((2,), a), operand(snp, b)))

    def theirs(a, b):
        return _shape_dtype(jax.eval_shape(lambda: jnp.add(jnp.zeros((2,), a), operand(jnp, b))))
    compare(list(itertools.product(DTYPES, others)), ours, theirs)


def test_weak_arrays_join(mode):
    """Weakly typed arrays of every dtype against strong and weak ones (result_type)."""
    mine = {d: snp.zeros((2,), d) for d in DTYPES}
    theirs = {d: jnp.zeros((2,), d) for d in DTYPES}
    mine_w = {d: slax.convert_element_type(x, x.dtype, weak_type=True) for d, x in mine.items()}
    theirs_w = {d: jax_convert(x, x.dtype, True) for d, x in theirs.items()}
    for d in DTYPES:
        assert mine_w[d].weak_type and mine_w[d].dtype == theirs_w[d].dtype
    cases = list(itertools.product(DTYPES, DTYPES, [False, True]))

    def join(arrays, weak_arrays, result_type):
        return lambda a, b, weak_b: result_type(
            weak_arrays[a], (weak_arrays if weak_b else arrays)[b], return_weak_type_flag=True)
    compare(cases, join(mine, mine_w, s2s.dtypes.result_type),
            join(theirs, theirs_w, jax.dtypes.result_type))
    # and through an operation: weak int8 + strong uint8, weak bf16 + weak f16, ...
    ops = [("int8", "uint8", False), ("bfloat16", "float16", True), ("int16", "int8", True),
           ("float32", "int32", False), ("uint32", "int32", False)]
    compare(ops, lambda a, b, w: _shape_dtype(mine_w[a] * (mine_w if w else mine)[b]),
            lambda a, b, w: _shape_dtype(theirs_w[a] * (theirs_w if w else theirs)[b]))


def test_python_scalars_stay_weak():
    x = snp.zeros((2,), "int8")
    for expr, dtype, weak in [(lambda: x + 1, "int8", False), (lambda: x + 1.0, "float32", True),
                              (lambda: x * 1j, "complex64", True),
                              (lambda: snp.asarray(1) + 1, "int32", True),
                              (lambda: snp.zeros(2, "uint8") + snp.zeros(2, "int8"), "int16",
                               False),
                              (lambda: snp.zeros(2, "bfloat16") + 2.0, "bfloat16", False)]:
        r = expr()
        assert (r.dtype, r.weak_type) == (np.dtype(dtype), weak)
    assert not snp.asarray(1, dtype="int8").weak_type  # an explicit dtype is strong
    assert snp.asarray(1).weak_type and not snp.asarray(True).weak_type


def test_float8_never_promotes_implicitly():
    msg = ("Input dtypes ('float8_e4m3fn', 'float8_e5m2') have no available implicit dtype "
           "promotion path. To avoid unintended promotion, 8-bit floats do not support "
           "implicit promotion. If you'd like your inputs to be promoted to another type, you "
           "can do so explicitly using e.g. x.astype('float32')")
    with pytest.raises(s2s.dtypes.TypePromotionError) as info:
        snp.promote_types("float8_e4m3fn", "float8_e5m2")
    assert str(info.value) == msg
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError, match="8-bit floats do not support implicit promotion"):
        snp.zeros(2, "float8_e4m3fn") + snp.zeros(2, "float32")
    with pytest.raises(s2s.dtypes.TypePromotionError, match=r"<class 'complex'>"):
        snp.promote_types("float8_e5m2", complex)
    # a Python int or float does not change an 8-bit float
    assert (snp.zeros(2, "float8_e5m2") + 1.0).dtype == np.dtype("float8_e5m2")
    assert snp.promote_types("float8_e4m3fn", "float8_e4m3fn") == np.dtype("float8_e4m3fn")


def test_sub_byte_types_in_lattice():
    assert snp.promote_types("int4", int) == jnp.promote_types("int4", int)
    with pytest.raises(s2s.dtypes.TypePromotionError) as info:
        snp.promote_types("int4", "int8")
    with pytest.raises(jax.dtypes.TypePromotionError) as ref:
        jnp.promote_types("int4", "int8")
    assert str(info.value) == str(ref.value)


def test_bad_dtypes_raise_type_error():
    for fn in [lambda m: m.zeros(2, "foo"), lambda m: m.promote_types("foo", "int8"),
               lambda m: m.result_type("foo"), lambda m: m.asarray(1, dtype="not_a_dtype")]:
        with pytest.raises(TypeError):
            fn(snp)
        with pytest.raises(TypeError):
            fn(jnp)
    for bad in ["U5", object]:
        with pytest.raises(TypeError, match="JAX only supports number, bool, and string dtypes"):
            snp.asarray(1, dtype=bad)
    with pytest.raises(ValueError, match="not a valid dtype for JAX type promotion"):
        snp.promote_types("U5", "int8")
    with pytest.raises(ValueError, match="at least one array or dtype is required"):
        snp.result_type()


@pytest.mark.parametrize("fn,name", [
    (lambda m: m.asarray(1.0, dtype="float64"), "asarray"),
    (lambda m: m.array([1, 2], dtype=np.int64), "array"),
    (lambda m: m.arange(3, dtype="int64"), "arange"),
    (lambda m: m.full((2,), 1, "uint64"), "full"),
    (lambda m: m.result_type("complex128"), "dtype"),
])
def test_truncation_warning_matches_jax(fn, name):
    assert not s2s.config.jax_enable_x64
    texts = []
    for m in (snp, jnp):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(m)
        assert len(caught) == 1 and issubclass(caught[0].category, UserWarning)
        texts.append((str(caught[0].message), str(getattr(out, "dtype", out))))
    assert texts[0] == texts[1]
    assert f"requested in {name} is not available, and will be truncated" in texts[0][0]


def test_config_update_turns_on_64_bit():
    assert snp.zeros(2).dtype == np.float32
    s2s.config.update("jax_enable_x64", True)
    try:
        assert s2s.config.jax_enable_x64 and s2s.config.read("jax_enable_x64")
        x = snp.zeros(2)
        assert x.dtype == np.float64 and snp.arange(3).dtype == np.int64
        assert (snp.arange(3) + 1).dtype == np.int64 and snp.asarray(1j).dtype == np.complex128
        assert snp.asarray(np.zeros(2, np.float64)).dtype == np.float64
        assert snp.zeros(2, "uint64").dtype == np.uint64
        np.testing.assert_array_equal(snp.asarray(2**40) + 1, 2**40 + 1)
        assert snp.promote_types("uint32", "int32") == np.int64
    finally:
        s2s.config.update("jax_enable_x64", False)
    assert snp.zeros(2).dtype == np.float32 and snp.promote_types("uint32", "int32") == np.int32
    with pytest.raises(AttributeError, match="Unrecognized config option"):
        s2s.config.update("jax_no_such_option", True)


def test_env_var_turns_on_64_bit():
    code = ("import s2s, s2s.numpy as jnp; import numpy as np; "
            "assert s2s.config.jax_enable_x64; "
            "assert jnp.zeros(2).dtype == np.float64 and (jnp.arange(2) + 1).dtype == np.int64; "
            "print('ok')")
    env = dict(os.environ, JAX_ENABLE_X64="1")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


FINFO_ATTRS = ["bits", "eps", "epsneg", "max", "min", "tiny", "smallest_normal", "resolution",
               "nmant", "nexp", "machep", "negep", "maxexp", "minexp", "dtype"]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32", "float64", "float8_e4m3fn",
                                   "float8_e5m2", "complex64", np.dtype("float32"),
                                   snp.bfloat16, float])
def test_finfo(dtype):
    ours, ref = snp.finfo(dtype), jnp.finfo(dtype)
    for attr in FINFO_ATTRS:
        assert str(getattr(ours, attr)) == str(getattr(ref, attr)), attr


def test_finfo_iinfo_of_arrays():
    assert snp.finfo(snp.zeros(2, "bfloat16")).eps == jnp.finfo(jnp.bfloat16).eps
    assert snp.iinfo(snp.zeros(2, "uint8")).max == 255


def test_finfo_iinfo_of_numpy_scalar_types():
    assert snp.finfo(np.float32).eps == jnp.finfo(np.float32).eps
    assert snp.iinfo(np.uint32).max == jnp.iinfo(np.uint32).max


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "bool", int])
def test_iinfo(dtype):
    if dtype == "bool":
        with pytest.raises(ValueError):
            jnp.iinfo(dtype)
        with pytest.raises(ValueError):
            snp.iinfo(dtype)
        return
    ours, ref = snp.iinfo(dtype), jnp.iinfo(dtype)
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (ref.bits, ref.min, ref.max, ref.dtype)


def test_runtime_finfo_iinfo_handle_scalar_types():
    from s2s.runtime import dtypes
    assert dtypes.finfo(np.float32).eps == jnp.finfo(np.float32).eps
    assert dtypes.finfo(snp.bfloat16).bits == 16
    assert dtypes.iinfo(np.uint32).max == 2**32 - 1


def test_scalar_types_are_dtypes_and_constructors():
    import jax.numpy as jnp
    for name in ["bool_", "int8", "int32", "uint16", "float16", "bfloat16", "float32",
                 "complex64"]:
        ours, ref = getattr(snp, name), getattr(jnp, name)
        assert np.dtype(ours) == np.dtype(ref) and ours.dtype == ref.dtype
        x, y = ours(1), ref(1)
        assert x.dtype == y.dtype and x.weak_type == y.weak_type and np.asarray(x) == np.asarray(y)
        assert snp.zeros(2, ours).dtype == ours and ours == ref.dtype.type
    assert snp.float32 == np.float32 and {snp.float32: 1}[np.float32] == 1
    np.testing.assert_array_equal(snp.float32(snp.arange(3)), np.arange(3, dtype=np.float32))
    assert snp.issubdtype(snp.float32, snp.floating) and snp.finfo(snp.float16).bits == 16


_INEXACT_CASES = {
    "sin": lambda j, i: j.sin(i), "sqrt_int8": lambda j, i: j.sqrt(i.astype(np.int8)),
    "exp_uint16": lambda j, i: j.exp(i.astype(np.uint16)), "sin_int64": lambda j, i: j.sin(
        i.astype(np.int64)), "sin_python_int": lambda j, i: j.sin(3), "divide": lambda j, i: j.asarray(i) / i,
    "arctan2": lambda j, i: j.arctan2(i, i), "mean_bool": lambda j, i: j.mean(i > 2),
    "var": lambda j, i: j.var(i), "average_weights": lambda j, i: j.average(i, weights=i),
    "norm": lambda j, i: j.linalg.norm(i), "det": lambda j, i: j.linalg.det(i.reshape(2, 2)),
    "pinv": lambda j, i: j.linalg.pinv(i.reshape(2, 2)), "median": lambda j, i: j.median(i),
    "gradient": lambda j, i: j.gradient(i), "trapezoid": lambda j, i: j.trapezoid(i),
    "cov": lambda j, i: j.cov(i), "polyval": lambda j, i: j.polyval(i, 2),
}


@pytest.mark.parametrize("name", sorted(_INEXACT_CASES))
def test_integers_become_floats_of_their_width_under_x64(name):
    """With 64-bit types on, jax turns integers of up to 32 bits (and bools) into float32 and
    64-bit or Python integers into float64 (s2s gave float64 for all)."""
    with x64_in_both(True):
        i = np.arange(1, 5, dtype=np.int32)
        ours, ref = _INEXACT_CASES[name](snp, i), _INEXACT_CASES[name](jnp, i)
        assert (ours.dtype, ours.weak_type) == (ref.dtype, ref.weak_type)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(ref), rtol=1e-6)
