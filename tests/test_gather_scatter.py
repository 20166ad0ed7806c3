"""``lax.gather`` and the scatter family with JAX's arguments: values and dtypes against jax on
many dimension-number configurations (those ``jnp`` indexing writes, batching dimensions,
windows, an empty index vector, empty indices) in each mode with out-of-bounds indices, jax's
errors for bad dimension numbers; grad and jvp against jax and float64 finite differences;
vmap against a Python loop."""
import numpy as np
import pytest

import s2s
import s2s.lax as slax
from conftest import x64_in_both

jax = pytest.importorskip("jax")
jlax = jax.lax


def G(*dims):
    return dict(zip(("offset_dims", "collapsed_slice_dims", "start_index_map",
                     "operand_batching_dims", "start_indices_batching_dims"), dims))


# name: operand shape, indices (some out of bounds), gather dimension numbers, slice sizes
CONFIGS = {
    "rows": ((5, 4), [[1], [-1], [6], [4]], G((1,), (0,), (0,)), (1, 4)),
    "points": ((4, 5), [[[0, 1], [3, 4]], [[4, 0], [2, -2]]], G((), (0, 1), (0, 1)), (1, 1)),
    "take_axis1": ((3, 6, 2), [[5], [0], [7]], G((0, 2), (1,), (1,)), (3, 1, 2)),
    "windows": ((6, 7), [[0, 0], [4, 5], [5, 1]], G((1, 2), (), (0, 1)), (2, 3)),
    "swapped_map": ((4, 5), [[1, 2], [4, 3], [0, -1]], G((1,), (1,), (1, 0)), (2, 1)),
    "batching": ((2, 5, 3), [[[1], [4], [0]], [[2], [9], [3]]],
                 G((2,), (1,), (1,), (0,), (0,)), (1, 1, 3)),
    "batching_inner": ((5, 2), [[[4], [0]], [[1], [6]], [[2], [2]]],
                       G((), (0,), (0,), (1,), (1,)), (1, 1)),
    "no_index": ((4, 3), np.zeros((3, 0), np.int32), G((1, 2), (), ()), (2, 3)),
    "empty": ((4, 3), np.zeros((0, 1), np.int32), G((1,), (0,), (0,)), (1, 3)),
}
MODES = [None, "clip", "fill", "promise_in_bounds"]


def gdn(L, dims):
    return L.GatherDimensionNumbers(**dims)


def sdn(L, dims):
    """The scatter that writes where the gather of ``dims`` reads."""
    return L.ScatterDimensionNumbers(
        update_window_dims=dims["offset_dims"], inserted_window_dims=dims["collapsed_slice_dims"],
        scatter_dims_to_operand_dims=dims["start_index_map"],
        operand_batching_dims=dims.get("operand_batching_dims", ()),
        scatter_indices_batching_dims=dims.get("start_indices_batching_dims", ()))


def operands(name, dtype=np.float32, seed=0):
    shape, idx, dims, sizes = CONFIGS[name]
    rng = np.random.default_rng(seed)
    idx = np.asarray(idx, np.int32)
    x = _values(rng, shape, dtype)
    out = jax.eval_shape(lambda a: jlax.gather(a, idx, gdn(jlax, dims), sizes),
                         jax.ShapeDtypeStruct(shape, dtype)).shape
    return x, idx, _values(rng, out, dtype), dims, sizes


def _values(rng, shape, dtype):
    if np.dtype(dtype) == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(1, 5, shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def same(a, b, tol=0.0):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


# ---- values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_])
def test_gather_values(name, dtype):
    x, idx, _, dims, sizes = operands(name, dtype)
    for mode in MODES:
        got = slax.gather(x, idx, gdn(slax, dims), sizes, mode=mode)
        same(got, jlax.gather(x, idx, gdn(jlax, dims), sizes, mode=mode))


def test_gather_fill_value_and_mode_forms():
    x, idx, _, dims, sizes = operands("rows")
    for mode in ["fill", "drop", slax.GatherScatterMode.FILL_OR_DROP]:
        got = slax.gather(x, idx, gdn(slax, dims), sizes, mode=mode, fill_value=-7)
        same(got, jlax.gather(x, idx, gdn(jlax, dims), sizes, mode="fill", fill_value=-7))
    u8 = x.astype(np.uint8)
    same(slax.gather(u8, idx, gdn(slax, dims), sizes, mode="fill"),
         jlax.gather(u8, idx, gdn(jlax, dims), sizes, mode="fill"))
    got = slax.gather(x, idx.astype(np.uint8), gdn(slax, dims), sizes, mode="fill",
                      indices_are_sorted=True, unique_indices=True)
    same(got, jlax.gather(x, idx.astype(np.uint8), gdn(jlax, dims), sizes, mode="fill"))
    assert slax.GatherScatterMode.from_any("clip") is slax.GatherScatterMode.CLIP
    assert slax.GatherScatterMode.from_any(None) is slax.GatherScatterMode.FILL_OR_DROP


def test_weak_types_and_x64():
    idx = np.array([[0], [5]], np.int32)
    dims, sizes = G((), (0,), (0,)), (1,)
    for L in (slax, jlax):
        weak = L.broadcast_in_dim(1.0, (3,), ())
        outs = [L.gather(weak, idx, gdn(L, dims), sizes, mode=m) for m in MODES]
        outs.append(L.scatter_add(weak, idx, L.broadcast_in_dim(1.0, (2,), ()), sdn(L, dims),
                                  mode="clip"))
        outs.append(L.gather(np.ones(3, np.float32), idx, gdn(L, dims), sizes, mode="fill"))
        if L is slax:
            got = [(o.dtype, o.weak_type) for o in outs]
        else:
            assert got == [(o.dtype, o.weak_type) for o in outs]
    with x64_in_both(True):
        x = np.arange(3.0)
        same(slax.gather(x, idx.astype(np.int64), gdn(slax, dims), sizes, mode="fill"),
             jlax.gather(x, idx.astype(np.int64), gdn(jlax, dims), sizes, mode="fill"))


SCATTERS = ["scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min",
            "scatter_max"]


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("op", SCATTERS)
def test_scatter_values(name, op):
    for dtype in ([np.float32, np.int32] if op in ("scatter_add", "scatter_max") else
                  [np.float32]):
        x, idx, upd, dims, _ = operands(name, dtype)
        for mode in [None, "clip", "fill"] if op != "scatter" or name != "windows" else [None]:
            got = getattr(slax, op)(x, idx, upd, sdn(slax, dims), mode=mode)
            same(got, getattr(jlax, op)(x, idx, upd, sdn(jlax, dims), mode=mode), 1e-6)


def test_scatter_apply():
    x, idx, _, dims, _ = operands("rows")
    for mode in [None, "clip"]:
        got = slax.scatter_apply(x, idx, lambda v: v * 2.0 + 1.0, sdn(slax, dims),
                                 update_shape=(4, 4), mode=mode)
        same(got, jlax.scatter_apply(x, idx, lambda v: v * 2.0 + 1.0, sdn(jlax, dims),
                                     update_shape=(4, 4), mode=mode), 1e-6)


def test_under_jit():
    x, idx, upd, dims, sizes = operands("batching")

    def f(L, x, idx, upd):
        y = L.gather(x, idx, gdn(L, dims), sizes, mode="fill", fill_value=0.5)
        return L.scatter_add(x, idx, upd * y, sdn(L, dims), mode="clip"), y
    for a, b in zip(s2s.jit(lambda *a: f(slax, *a))(x, idx, upd),
                    jax.jit(lambda *a: f(jlax, *a))(x, idx, upd)):
        same(a, b, 1e-6)


def test_jnp_indexing_still_works():
    snp = s2s.numpy
    x = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    i = np.array([2, 0, 5])
    same(snp.asarray(x)[:, i % 3], x[:, i % 3])
    same(snp.take(x, i, axis=2, mode="fill"), jax.numpy.take(x, i, axis=2, mode="fill"))
    same(snp.asarray(x).at[1, i % 3].add(1.0), jax.numpy.asarray(x).at[1, i % 3].add(1.0))
    counts = snp.unique(snp.asarray([3, 1, 3, 2]), return_counts=True)[1]
    same(counts, np.array([1, 1, 2], np.int32))


# ---- errors: jax's classes and texts -----------------------------------------------------

BAD_GATHERS = [
    ((3, 4), np.float32, [[0]], G((1,), (0,), (0,)), (1, 4)),  # float indices
    ((3, 4), np.int32, 1, G((1,), (0,), (0,)), (1, 4)),  # rank-0 indices
    ((3, 4), np.int32, [[0]], G((1, 0), (0,), (0,)), (1, 4)),  # unsorted offsets
    ((3, 4), np.int32, [[0]], G((1, 1), (), (0,)), (1, 4)),  # repeated offsets
    ((3, 4), np.int32, [[0]], G((3,), (0,), (0,)), (1, 4)),  # offset out of range
    ((3, 4), np.int32, [[0, 1]], G((1,), (0,), (0,)), (1, 4)),  # index vector size
    ((3, 4), np.int32, [[0]], G((1,), (0,), (2,)), (1, 4)),  # start_index_map range
    ((3, 4), np.int32, [[0, 0]], G((), (0, 1), (0, 0)), (1, 1)),  # repeated map
    ((3, 4), np.int32, [[0]], G((1,), (2,), (0,)), (1, 4)),  # collapsed out of range
    ((3, 4), np.int32, [[0]], G((), (1, 0), (0,)), (1, 1)),  # collapsed unsorted
    ((2, 4), np.int32, [[[0]]], G((2,), (0,), (0,), (0,), (0,)), (1, 4)),  # not disjoint
    ((2, 4), np.int32, [[[0]]], G((2,), (), (1,), (0,), (2,)), (1, 1)),  # index vector batch
    ((2, 4), np.int32, [[[0]]], G((2,), (), (1,), (0,), ()), (1, 1)),  # unequal batching
    ((2, 4), np.int32, [[[0]], [[0]], [[0]]], G((2,), (1,), (1,), (0,), (0,)),
     (1, 1)),  # batch shapes
    ((3, 4), np.int32, [[0]], G((1,), (0,), (0,)), (1, 4, 1)),  # slice_sizes length
    ((3, 4), np.int32, [[0]], G((1,), (), (0,)), (1, 4)),  # dims not covered
    ((3, 4), np.int32, [[0]], G((1,), (0,), (0,)), (1, 5)),  # slice too big
    ((3, 4), np.int32, [[0]], G((1,), (0,), (0,)), (2, 4)),  # collapsed bound
    ((2, 4), np.int32, [[[0]], [[0]]], G((2,), (), (1,), (0,), (0,)), (2, 1)),  # batch bound
]


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (what jax raises is the reference)
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("case", range(len(BAD_GATHERS)))
def test_gather_errors(case):
    shape, itype, idx, dims, sizes = BAD_GATHERS[case]
    x, idx = np.zeros(shape, np.float32), np.asarray(idx, itype)
    want = _raised(lambda: jlax.gather(x, idx, gdn(jlax, dims), sizes))
    assert want is not None
    assert _raised(lambda: slax.gather(x, idx, gdn(slax, dims), sizes)) == want
    assert _raised(lambda: slax.gather(x, idx, gdn(slax, dims), sizes, mode="fill")) == want


def S(*dims):
    return dict(zip(("update_window_dims", "inserted_window_dims", "scatter_dims_to_operand_dims",
                     "operand_batching_dims", "scatter_indices_batching_dims"), dims))


BAD_SCATTERS = [
    ((3, 4), [[0.0]], (1, 4), np.float32, S((1,), (0,), (0,))),  # float indices
    ((3, 4), [[0]], (1, 4), np.int32, S((1,), (0,), (0,))),  # dtypes differ
    ((3, 4), [[0]], (1, 4, 1), np.float32, S((1,), (0,), (0,))),  # updates rank
    ((3, 4), [[0]], (1, 4, 1), np.float32, S((2, 1), (0,), (0,))),  # unsorted windows
    ((3, 4), [[0]], (1, 4), np.float32, S((1,), (2,), (0,))),  # inserted out of range
    ((2, 4), [[[0]]], (1, 1, 4), np.float32, S((2,), (0,), (1,), (0,), (0,))),  # disjoint
    ((2, 4), [[[0]]], (1, 1), np.float32, S((), (1,), (1,), (0,), ())),  # unequal batching
    ((2, 4), [[[0]], [[1]], [[2]]], (3, 1), np.float32,
     S((), (1,), (1,), (0,), (0,))),  # batch shapes
    ((3, 4), [[0]], (1, 4), np.float32, S((1,), (), (0,))),  # window size
    ((3, 4), [[0, 1]], (1, 4), np.float32, S((1,), (0,), (0,))),  # index vector size
    ((3, 4), [[0]], (1, 4), np.float32, S((1,), (0,), (3,))),  # map out of range
    ((3, 4), [[0]], (1, 5), np.float32, S((1,), (0,), (0,))),  # window too big
    ((3, 4), [[0], [1]], (3, 4), np.float32, S((1,), (0,), (0,))),  # scatter bound
]


@pytest.mark.parametrize("case", range(len(BAD_SCATTERS)))
@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_errors(case, op):
    shape, idx, ushape, utype, dims = BAD_SCATTERS[case]
    x, idx, upd = np.zeros(shape, np.float32), np.asarray(idx), np.zeros(ushape, utype)
    want = _raised(lambda: getattr(jlax, op)(x, idx, upd, jlax.ScatterDimensionNumbers(**dims)))
    assert want is not None
    for mode in [None, "clip"]:
        got = _raised(lambda: getattr(slax, op)(x, idx, upd, slax.ScatterDimensionNumbers(**dims),
                                                mode=mode))
        assert got == want


def test_bad_mode_and_dimension_numbers():
    x, idx = np.zeros((3, 4), np.float32), np.zeros((1, 1), np.int32)
    dims = G((1,), (0,), (0,))
    assert _raised(lambda: slax.gather(x, idx, gdn(slax, dims), (1, 4), mode="bogus")) == \
        _raised(lambda: jlax.gather(x, idx, gdn(jlax, dims), (1, 4), mode="bogus"))
    assert _raised(lambda: slax.gather(x, idx, (1,), (1, 4)))[0] == "AttributeError"
    assert slax.GatherScatterMode.from_any("one_hot") is slax.GatherScatterMode.ONE_HOT
    with pytest.raises(NotImplementedError, match="jnp indexing"):
        slax.gather(x, idx, gdn(slax, dims), (1, 4), mode="one_hot")


# ---- derivatives -------------------------------------------------------------------------

def program(L, op, dims, sizes, mode, idx, unique=False):
    """A scalar function of (operand, updates) through ``op`` (and a gather after it)."""
    g, s = gdn(L, dims), sdn(L, dims)

    def f(x, u):
        if op == "gather":
            y = L.gather(x * x, idx, g, sizes, mode=mode, fill_value=0.0)
            return (y ** 2 * u).sum()
        y = getattr(L, op)(x * x, idx, u * 1.5, s, mode=mode, unique_indices=unique)
        return (y ** 2).sum() + (L.gather(y, idx, g, sizes, mode="clip") * u).sum()
    return f


DIFF_CASES = [(op, name) for op in ["gather", "scatter_add", "scatter_sub", "scatter",
                                    "scatter_min", "scatter_max"]
              for name in ["rows", "swapped_map", "batching"]] + \
    [("scatter_mul", "unique_rows"), ("scatter_mul", "unique_batching")]
UNIQUE = {"unique_rows": ("rows", [[3], [0], [1], [4]]),
          "unique_batching": ("batching", [[[1], [4], [0]], [[2], [0], [3]]])}


def diff_case(op, name, dtype=np.float32):
    base, idx = UNIQUE.get(name, (name, None))
    x, idx0, upd, dims, sizes = operands(base, dtype, seed=1)
    idx = idx0 if idx is None else np.asarray(idx, np.int32)
    if op in ("scatter_min", "scatter_max"):  # ties between updates and with the operand
        upd = np.round(upd * 2) / 2
        x = np.round(x * 2) / 2
    return x, idx, upd, dims, sizes


@pytest.mark.parametrize("op,name", DIFF_CASES)
def test_grad_and_jvp_match_jax(op, name):
    x, idx, upd, dims, sizes = diff_case(op, name)
    unique = op == "scatter_mul"
    for mode in ([None, "clip", "fill"] if name == "rows" else [None]):
        fs = program(slax, op, dims, sizes, mode, idx, unique)
        fj = program(jlax, op, dims, sizes, mode, idx, unique)
        for a, b in zip(s2s.grad(fs, (0, 1))(x, upd), jax.grad(fj, (0, 1))(x, upd)):
            same(a, b, 1e-4)
        tx, tu = np.cos(x), np.sin(upd)
        same(s2s.jvp(fs, (x, upd), (tx, tu))[1], jax.jvp(fj, (x, upd), (tx, tu))[1], 1e-4)


@pytest.mark.parametrize("op", ["gather", "scatter_add", "scatter", "scatter_mul", "scatter_min"])
def test_grad_matches_finite_differences(op):
    name = "unique_rows" if op in ("scatter_mul", "scatter", "scatter_min") else "rows"
    with x64_in_both(True):
        x, idx, upd, dims, sizes = diff_case(op, name, np.float64)
        if op == "scatter_min":  # away from ties, where the slope jumps
            upd = upd + 0.01
        f = program(slax, op, dims, sizes, "clip", idx, op == "scatter_mul")
        gx, gu = s2s.grad(f, (0, 1))(x, upd)
        eps, rng = 1e-6, np.random.default_rng(3)
        for _ in range(3):
            dx, du = rng.normal(size=x.shape), rng.normal(size=upd.shape)
            fd = (f(x + eps * dx, upd + eps * du) - f(x - eps * dx, upd - eps * du)) / (2 * eps)
            np.testing.assert_allclose(np.sum(gx * dx) + np.sum(gu * du), fd, rtol=1e-6)


def test_second_derivative():
    x, idx, upd, dims, sizes = diff_case("scatter_add", "rows")
    g, s = gdn(slax, dims), sdn(slax, dims)

    def f(x):
        y = slax.scatter_add(x * x, idx, slax.gather(x, idx, g, sizes, mode="fill",
                                                     fill_value=0.0) * upd, s, mode="fill")
        return (y ** 3).sum()

    def f_jax(x):
        y = jlax.scatter_add(x * x, idx, jlax.gather(x, idx, gdn(jlax, dims), sizes, mode="fill",
                                                     fill_value=0.0) * upd, sdn(jlax, dims),
                             mode="fill")
        return (y ** 3).sum()
    same(s2s.hessian(f)(x), jax.hessian(f_jax)(x), 1e-4)


def test_refused_derivatives():
    x, idx, upd, dims, sizes = diff_case("scatter_mul", "rows")  # (repeated indices)
    for L, grad in ((slax, s2s.grad), (jlax, jax.grad)):
        f = program(L, "scatter_mul", dims, sizes, None, idx)
        with pytest.raises(NotImplementedError, match="only implemented if `unique_indices"):
            grad(f, 1)(x, upd)
        with pytest.raises(NotImplementedError, match="scatter_apply JVP not implemented"):
            grad(lambda v: L.scatter_apply(v, idx, L.sin, sdn(L, dims),
                                           update_shape=upd.shape).sum())(x)


# ---- batching ----------------------------------------------------------------------------

def _stacked(v, n, axis):
    return np.stack([v] * n) if axis is None else v


@pytest.mark.parametrize("op", ["gather"] + SCATTERS)
@pytest.mark.parametrize("name", ["rows", "batching", "windows"])
def test_vmap_matches_a_loop(op, name):
    n = 3
    x, idx, upd, dims, sizes = operands(name)
    rng = np.random.default_rng(2)
    xs = np.stack([x + i for i in range(n)])
    idxs = np.stack([np.roll(idx, i, axis=0) for i in range(n)])
    upds = rng.normal(size=(n,) + upd.shape).astype(np.float32)
    if op == "gather":
        def f(x, i):
            return slax.gather(x, i, gdn(slax, dims), sizes, mode="fill")
        args, combos = (xs, idxs), [(0, 0), (0, None), (None, 0)]
    else:
        def f(x, i, u):
            return getattr(slax, op)(x, i, u, sdn(slax, dims), mode="clip")
        args = (xs, idxs, upds)
        combos = [(0, 0, 0), (0, None, None), (None, 0, None), (None, None, 0), (0, None, 0),
                  (None, 0, 0)]
    for axes in combos:
        ins = [a if ax == 0 else a[0] for a, ax in zip(args, axes)]
        want = np.stack([f(*[a[k] if ax == 0 else a for a, ax in zip(ins, axes)])
                         for k in range(n)])
        same(s2s.vmap(f, axes)(*ins), want, 1e-6)


def test_vmap_of_grad_and_jit():
    x, idx, upd, dims, sizes = diff_case("scatter_max", "batching")
    xs, us = np.stack([x, x * 2, -x]), np.stack([upd, upd, -upd])
    fs = program(slax, "scatter_max", dims, sizes, None, idx)
    fj = program(jlax, "scatter_max", dims, sizes, None, idx)
    want = jax.vmap(jax.grad(fj, (0, 1)))(xs, us)
    for got in (s2s.vmap(s2s.grad(fs, (0, 1)))(xs, us),
                s2s.jit(s2s.vmap(s2s.grad(fs, (0, 1))))(xs, us)):
        for a, b in zip(got, want):
            same(a, b, 1e-4)


def test_function_without_source():
    """Traced and written back (``from_ir``): its gathers and scatters differentiate and batch."""
    made = {}
    exec("f = lambda x, i: (x[i] ** 2).sum() + (x.at[i].add(x[:3] * 3.0) ** 2).sum()", made)
    x, i = np.linspace(-1, 1, 5).astype(np.float32), np.array([4, 1, 4])
    same(s2s.grad(made["f"])(x, i), jax.grad(made["f"])(x, i), 1e-6)
    xs = np.stack([x, 2 * x])
    same(s2s.vmap(s2s.grad(made["f"]), (0, None))(xs, i),
         jax.vmap(jax.grad(made["f"]), (0, None))(xs, i), 1e-6)
