"""The jax.numpy names written as source in s2s/numpy/{elementwise,windows,index_tricks,sets,
polynomials,editing,calculus,functional}.py: values (dtypes, weak types) and errors as jax's,
grad and vmap(grad) through their source, jit of a representative subset."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jjnp = jax.numpy

F = "np.array([0.3, -1.7, 2.5, 4.0], np.float32)"
M = "j.arange(6.).reshape(2, 3)"

VALUES = [
    # elementwise.py
    "j.frexp(3)", "j.frexp(np.array([3., 0, -0.5, np.inf, np.nan, 1e30], np.float32))",
    "j.frexp(j.asarray([1.5, 1e-6], j.float16))", "j.ldexp(3, 2)",
    "j.ldexp(np.float32(1.5), np.array([-150, -140, 0, 127, 128, 200]))",
    "j.ldexp(j.float16(3), 2)", "j.modf(3.5)", "j.modf(np.array([-3.5, 2, np.inf, -0.], 'f'))",
    "j.modf(3)", "j.divmod(7, -3)", "j.divmod(7., -3)", "j.divmod(True, True)",
    "j.divmod(np.array([7, -7]), np.array([0, 2]))",
    "j.divmod(np.array([1., -7.5, 7.5, 0.], 'f'), np.array([0.1, 2, -2, 3], 'f'))",
    "j.fmod(7, 3)", "j.fmod(-7., 3)", "j.fmod(np.array([-5, 5]), 0)", "j.fmod(True, True)",
    "j.gcd(12, 18)", "j.gcd(np.array([12, -18, 0, 0, 7]), np.array([[18], [0]]))",
    "j.lcm(np.array([4, -6, 0]), 6)", "j.lcm(np.int8(4), np.int8(6))",
    "j.spacing(np.array([1., -1, 0, np.inf, 1e30], 'f'))", "j.spacing(1)",
    "j.spacing(j.float16(1))", "j.i0(1)", "j.i0(np.array([0., 5, -20, 100, 8, 7.99, 3], 'f'))",
    "j.iscomplex(np.array([1 + 0j, 1j]))", "j.isreal(np.array([1 + 0j, 1j]))",
    "j.array_equiv([1, 2], [[1, 2], [1, 2]])", "j.array_equiv(np.zeros((0,)), 1.)",
    # windows.py
    "j.bartlett(5)", "j.bartlett(1)", "j.bartlett(0)", "j.bartlett(2.5)", "j.blackman(7)",
    "j.hamming(6)", "j.hanning(1)", "j.kaiser(7, 14.)", "j.kaiser(1, 2)",
    # index_tricks.py
    "j.mgrid[0:3, 0:2]", "j.mgrid[0:1:5j]", "j.ogrid[0:3, 1:4]", "j.r_[1, 2, j.array([3, 4])]",
    "j.c_[j.array([1, 2]), j.array([3., 4])]", "j.r_['0,2', [1, 2], [3, 4]]",
    "j.r_['1,2,0', [1, 2], [3, 4]]", "j.r_[0:3, 5.]", "j.r_['c', [1, 2], [3, 4]]",
    "j.s_[1:2, ::3]", "j.index_exp[..., 1]",
    "j.ix_(j.array([0, 1]), j.array([2, 3, 4]))", "j.indices((2, 3))",
    "j.indices((2, 3), sparse=True)", "j.indices((2,), dtype=j.float32)",
    "j.diag_indices(2, 3)", "j.tril_indices(3, -1, 4)", "j.triu_indices(4)",
    "j.triu_indices_from(j.zeros((3, 4)), -1)", "j.tril_indices_from(j.zeros((3, 2)))",
    "j.diag_indices_from(j.zeros((3, 3)))", "j.mask_indices(3, j.tril, 1)",
    "j.ravel_multi_index((j.array([1, 2]), j.array([0, 3])), (3, 4), order='F')",
    "j.ravel_multi_index((j.array([1, 5]), j.array([0, 3])), (3, 4), mode='clip')",
    "j.ravel_multi_index((j.array([1, 5]), j.array([0, -3])), (3, 4), mode='wrap')",
    "j.unravel_index(j.array([5, -1, 20]), (3, 4))", "j.unravel_index(5, (3, 4))",
    "j.block([[j.ones((2, 2)), j.zeros((2, 1))], [j.zeros((1, 2)), j.ones((1, 1))]])",
    "j.block([j.arange(2.), 3., j.ones(2)])", "j.block(1.)",
    # sets.py
    "j.isin(np.array([[1, 2], [5, 2]]), np.array([2, 3]), invert=True)",
    "j.isin(np.array([1.5]), np.zeros(0))", "j.union1d(np.array([3, 1, 1]), np.array([[2, 3]]))",
    "j.union1d(np.array([3, 1, 1]), np.array([2, 3]), size=6)",
    "j.intersect1d(np.array([3, 1, 1, 5]), np.array([5, 3, 2]), size=4)",
    "j.intersect1d(np.array([3., 1, 5]), np.array([5, 3, 2]), assume_unique=True)",
    "j.setdiff1d(np.array([3, 1, 1, 5, 7]), np.array([5, 2]))",
    "j.setdiff1d(np.array([3, 1, 1, 5, 7]), np.array([5, 2]), size=5)",
    "j.setdiff1d(np.array([3, 1, 1, 5, 7]), np.array([5, 2]), size=2, fill_value=9)",
    "j.setxor1d(np.array([3, 1, 1, 5]), np.array([5, 2, 2]), size=5)",
    "j.setdiff1d(np.zeros(0), np.array([1.]))", "j.unique_all(np.array([3, 1, 1, 5]))",
    "j.unique_counts(np.array([[3, 1], [1, 5]]))", "j.unique_inverse(np.array([[3, 1], [1, 5]]))",
    "j.unique_counts(np.array([3, 1, 1, 5]), size=5)",
    # polynomials.py
    "j.polymul(j.array([1, 2]), j.array([3, 4, 5]))",
    "j.polyadd(j.array([1, 2]), j.array([3, 4, 5]))",
    "j.polysub(j.array([1., 2]), j.array([3, 4, 5]))",
    "j.polydiv(j.array([1., 2, 3, 4]), j.array([2., 1, 3]))", "j.polyder(j.array([1, 2, 3, 4]), 2)",
    "j.polyder(j.array([1., 2, 3, 4]), 0)", "j.polyint(j.array([3., 2, 1]), 2, k=2.)",
    "j.polyint(j.array([1, 1]))", "j.poly(j.array([1., 2, -0.5]))",
    # editing.py
    "j.delete(j.arange(6.), 2)", "j.delete(j.arange(6.).reshape(2, 3), slice(0, 1), axis=0)",
    "j.delete(j.arange(6.).reshape(2, 3), np.array([0, 2]), axis=1)",
    "j.insert(j.arange(4.), 1, 9.)",
    "j.insert(j.arange(4.), np.array([1, 3, 4]), j.array([7., 8, 9]))",
    "j.insert(j.arange(6.).reshape(2, 3), 1, 5., axis=1)",
    "j.insert(j.arange(6.).reshape(2, 3), 1, j.array([5., 6, 7]), axis=0)",
    "j.compress(j.array([1, 0, 1]), j.arange(6.).reshape(2, 3), axis=1)",
    "j.compress(j.array([True, False, True]), j.arange(6.), size=2, fill_value=-1)",
    "j.extract(j.arange(6) % 2 == 0, j.arange(6.) * 2)",
    "j.choose(j.array([0, 1, 2, 1]), [j.arange(4.), j.ones(4), 5.])",
    "j.choose(j.array([0, 3]), [j.arange(2.), j.ones(2)], mode='wrap')",
    "j.place(j.arange(6.), j.arange(6) > 2, j.array([10., 20]), inplace=False)",
    "j.put(j.arange(6.).reshape(2, 3), j.array([7, -1]), j.array([9., 8]), mode='wrap', "
    "inplace=False)",
    "j.put_along_axis(j.arange(6.).reshape(2, 3), j.array([[1, 0, 1]]), j.array([[7., 8, 9]]), "
    "axis=0, inplace=False)",
    "j.fill_diagonal(j.zeros((2, 4)), j.array([1., 2]), inplace=False)",
    "j.fill_diagonal(j.zeros((2, 2, 2)), 3., inplace=False)", "j.copy(j.arange(3))",
    "j.resize(j.arange(3.), (2, 4))", "j.resize(j.zeros(0), 3)",
    "j.trim_zeros(j.array([0, 0, 1, 2, 0]))", "j.trim_zeros(j.array([0, 0, 1, 2, 0]), 'b')",
    "j.trim_zeros(j.array([0, 0]))", "j.dsplit(j.arange(8.).reshape(1, 2, 4), 2)",
    # calculus.py
    "j.interp(np.array([-1., 0.5, 1.5, 2., 5.], 'f'), np.array([0., 1, 2, 3], 'f'), "
    "np.array([1., 3, 2, 0], 'f'))",
    "j.interp(np.array([-1., 0.5, 5.], 'f'), np.array([0., 1, 3], 'f'), np.array([1., 3, 2], 'f'), "
    "left=-5., right=7.)",
    "j.interp(2.5, np.array([0, 1, 3]), np.array([1, 3, 2]))",
    "j.interp(np.array([-1., 0.5, 7.]), np.array([0., 1, 3]), np.array([1., 3, 2]), period=4.)",
    "j.gradient(np.array([1., 2, 4, 7, 11], 'f'), 2.)",
    "j.gradient(np.array([1., 2, 4, 7, 11], 'f'), np.array([0., 1, 1.5, 3, 4], 'f'))",
    "j.gradient(np.arange(12.).reshape(3, 4) ** 2)",
    "j.gradient(np.arange(12.).reshape(3, 4), axis=1)",
    "j.unwrap(np.array([[0., 3, 6.5], [1, -3, 4]], 'f'), axis=0)",
    "j.unwrap(np.array([0., 3, 6.5, 1, -3], 'f'), period=4.)",
    "j.unwrap(np.array([0., 3, 6.5, 1, -3], 'f'), discont=4.)",
    "j.piecewise(np.array([-1., 0, 2], 'f'), [np.array([-1., 0, 2]) < 0], [0., 5.])",
    "j.piecewise(np.array([-1, 0, 2]), [np.array([-1., 0, 2]) < 0], [0.5])",
    "j.digitize(np.array([0.2, 1.0, 6.4, 3.0]), np.array([0., 1, 2.5, 4, 10]), right=True)",
    "j.digitize(np.array([0.2, 1.0, 6.4, 3.0]), np.array([10., 4, 2.5, 1, 0]))",
    "j.bincount(np.array([0, 1, 1, 3, 2, 1, 7]))",
    "j.bincount(np.array([0, 1, 1, 3]), minlength=6)",
    "j.bincount(np.array([0, 1, 1, 3]), weights=np.array([0.5, 1, 2, 3], 'f'))",
    "j.bincount(np.array([0, 1, 1, 3]), length=2)", "j.bincount(np.zeros(0, np.int32))",
    "j.histogram(np.array([1., 2, 1, 4, 3.5], 'f'), bins=3, range=(0, 5))",
    "j.histogram(np.array([1., 2, 1, 4, 3.5], 'f'), bins=np.array([0., 1, 2, 5]), "
    "weights=np.arange(5.), density=True)",
    "j.histogram_bin_edges(np.array([1, 1]), 2)",
    "j.histogram2d(np.array([0.1, 0.5, 0.9, 0.3], 'f'), np.array([0.2, 0.3, 0.8, 0.8], 'f'), "
    "bins=(2, 3), range=[(0, 1), (0, 2)], weights=np.arange(4.), density=True)",
    "j.histogramdd(np.array([[0.1, 0.2], [0.5, 0.3], [0.9, 0.8]], 'f'), bins=(2, 3))",
    "j.fromfunction(lambda i, k: i * 10 + k, (2, 3), dtype=int)",
    "j.apply_over_axes(j.sum, np.arange(24.).reshape(2, 3, 4), [0, 2])",
    # functional.py
    "j.frombuffer(np.arange(3, dtype=np.float64).tobytes())",
    "j.fromstring('1 2 3', sep=' ', dtype=int)",
    "j.apply_along_axis(lambda v: j.outer(v, v), 1, j.arange(6.).reshape(2, 3))",
    "j.apply_along_axis(lambda v, c: v * c, 1, j.arange(24.).reshape(2, 3, 4), 3.)",
    "j.vectorize(lambda a, b: a @ b, signature='(n),(n)->()')(j.ones((2, 3)), j.arange(3.))",
    "j.vectorize(lambda a, b: a * b, excluded={1})(j.arange(3.), 2.)",
    "j.vectorize(lambda a, b: a + b)(j.arange(3.), j.ones((2, 1)))",
]

ERRORS = [
    "j.ldexp(3., 2.)", "j.gcd(12., 18)", "j.i0(1j)", "j.array_equiv([1, 2], [1, 3, 4])",
    "j.bartlett(-1)", "j.ravel_multi_index((j.array([1, 5]), j.array([0, 3])), (3, 4))",
    "j.diag_indices_from(j.zeros((2, 3)))", "j.isin(np.array([1]), [2, 3])",
    "j.compress(j.array([True, False, True]), j.arange(6.), size=4)",
    "j.choose(j.array([0, 3]), [j.arange(2.), j.ones(2)])",
    "j.place(j.arange(6.), j.arange(6) > 2, j.array([10., 20]))",
    "j.fill_diagonal(j.zeros((5, 2)), 1., wrap=True, inplace=False)",
    "j.gradient(np.array([1.]))", "j.gradient(np.arange(3.), edge_order=2)",
    "j.bincount(np.array([0., 1]))", "j.fromiter(range(3), dtype=float)",
]


def _run(expr, mod):
    return eval(expr, {"j": mod, "np": np})


def _same(a, b, tol=1e-5):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb), (a, b)
    for x, y in zip(la, lb):
        if not isinstance(y, (jax.Array, np.ndarray)):
            assert x == y
            continue
        y = jjnp.asarray(y)
        assert np.shape(x) == y.shape and np.dtype(x.dtype) == y.dtype, (x, y)
        assert bool(getattr(x, "weak_type", False)) == bool(y.weak_type), (x, y)
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


@pytest.mark.parametrize("expr", VALUES)
def test_values_as_jax(expr):
    _same(_run(expr, snp), _run(expr, jjnp))


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_as_jax(expr):
    with pytest.raises(Exception) as want:
        _run(expr, jjnp)
    with pytest.raises(want.type) as got:
        _run(expr, snp)
    assert str(got.value) == str(want.value).split("\nThe error occurred while")[0]


def test_polyfit_as_jax():
    x = np.linspace(-1, 2, 9).astype(np.float32)
    for args, kw in [((x, np.sin(x), 4), {}), ((x, np.stack([x ** 2, 3 * x]).T, 1), {}),
                     ((x, x ** 3, 3), {"w": np.arange(1., 10.)})]:
        _same(snp.polyfit(*args, **kw), jjnp.polyfit(*args, **kw), 1e-4)


X = np.array([0.3, -1.7, 2.5, 4.0, 1.1, -0.6], np.float32)
IDX = np.array([0, 2, 2, 1, 0, 5])
KEEP = np.array([1, 0, 1, 1, 0, 1], bool)


def derivative_cases(j):
    return {
        "ldexp_frexp": lambda x: j.ldexp(x, 3) + j.frexp(x * 3.0)[0] * x,
        "modf_divmod": lambda x: j.modf(x * 2.3)[0] + j.divmod(x * 3.0, 0.7)[1]
        + j.divmod(2.0, x)[1],
        "fmod_i0": lambda x: j.fmod(x * 3.0, 0.7) + j.fmod(5.0, x) + j.i0(x),
        "kaiser": lambda x: j.kaiser(6, x[2] + 1.0) * x,
        "interp": lambda x: j.interp(x * 0.5, np.array([-1., 0, 1, 2.5], np.float32), x[:4] ** 2)
        + j.interp(x, np.array([0., 1, 2], np.float32), x[3:], period=2.5),
        "gradient": lambda x: j.gradient(x ** 2) + j.gradient(x, np.arange(6.0, dtype='f') ** 1.5)
        + j.gradient(j.reshape(x, (2, 3)) ** 2)[1].ravel(),
        "unwrap": lambda x: j.unwrap(x * 3.0),
        "polynomials": lambda x: j.polymul(x[:3], x[3:]) + j.polydiv(x, x[3:] + 3.0)[1][1:]
        + j.polyder(x) + j.polyint(x, k=x[0])[:5] + j.poly(x[:4])
        + j.polyadd(x[:2], x[1:6]) - j.polysub(x[1:4], x[:5]),
        "polyfit": lambda x: j.polyfit(np.arange(6.0, dtype=np.float32), x, 2),
        "resize_delete_insert": lambda x: j.resize(x, (3, 5)).sum(0)
        + j.insert(j.delete(x, np.array([1, 3])), 2, x[0] * 3.0),
        "compress_extract_choose": lambda x: j.compress(KEEP, x, size=4)
        + j.extract(KEEP, x * x, size=4)
        + j.choose(np.array([0, 1, 2, 1]), [x[:4], x[2:] ** 2, 3.0], mode='clip'),
        "put_place": lambda x: j.put(x, np.array([0, 4]), x[1:3] * 2.0, inplace=False)
        + j.place(x, KEEP, x[:2], inplace=False),
        "put_along_axis_fill_diagonal": lambda x: j.put_along_axis(
            j.reshape(x, (2, 3)), np.array([[1], [0]]), x[:2, None] * 5.0, axis=1, inplace=False)
        + j.fill_diagonal(j.reshape(x, (2, 3)), x[5], inplace=False),
        "bincount_histogram": lambda x: j.bincount(IDX, weights=x, length=6)
        + j.histogram(np.arange(6.0), 6, weights=x)[0],
    }


SD, JD = derivative_cases(snp), derivative_cases(jjnp)


# vmap(grad) is checked where the batch rules differ most (the rest batch the same functions)
VMAPPED = {"ldexp_frexp", "interp", "polynomials", "put_along_axis_fill_diagonal",
           "bincount_histogram", "compress_extract_choose"}


@pytest.mark.parametrize("name", sorted(SD))
def test_grad_and_vmap_grad_as_jax(name):
    f = lambda x: snp.sum(SD[name](x) ** 2)  # noqa: E731
    fj = lambda x: jjnp.sum(JD[name](x) ** 2)  # noqa: E731
    _same(s2s.jit(f)(X), jax.jit(fj)(X), 1e-4)
    grad = s2s.jit(s2s.grad(f))
    _same(grad(X), jax.jit(jax.grad(fj))(X), 1e-3)
    if name in VMAPPED:  # (against the per-example gradients, already checked against jax)
        batch = np.stack([X, X * 0.7 + 0.1])
        _same(s2s.jit(s2s.vmap(s2s.grad(f)))(batch), np.stack([grad(b) for b in batch]), 1e-3)


def test_eager_grad_and_piecewise():
    f = lambda j: lambda x: j.sum(j.piecewise(  # noqa: E731
        x, [x < 0, x > 2], [lambda v: v ** 2, lambda v: j.sin(v), 0.5]) ** 2)
    _same(s2s.grad(f(snp))(X), jax.grad(f(jjnp))(X), 1e-4)
    g = lambda j: lambda x: j.sum(j.fmod(x, 0.7) * j.interp(  # noqa: E731
        x, np.array([0., 1, 3], np.float32), np.array([1., 3, 2], np.float32)))
    _same(s2s.grad(g(snp))(X), jax.grad(g(jjnp))(X), 1e-4)


JIT = [
    ("j.unique_counts(x, size=3)", np.array([1, 2, 2])),
    ("j.intersect1d(x, np.array([2, 5]), size=2)", np.array([1, 2, 2])),
    ("j.setxor1d(x, np.array([2, 5]), size=3, fill_value=0)", np.array([1, 2, 2])),
    ("j.extract(x > 1, x, size=2)", np.array([1, 2, 2])),
    ("j.bincount(x, length=4)", np.array([1, 2, 2])),
    ("j.place(x, x > 1, np.array([7]), inplace=False)", np.array([1, 2, 2])),
    ("j.gcd(x, 6) + j.lcm(x, 4)", np.array([4, 9])),
    ("j.histogram(x, 3, range=(0, 3))", np.array([0.5, 2.], np.float32)),
    ("j.digitize(x, np.array([0., 1, 2]))", np.array([0.5, 2.], np.float32)),
    ("j.unravel_index(x, (2, 3))", np.array([4, 5])),
    ("j.ravel_multi_index((x, x), (3, 3), mode='clip')", np.array([1, 2, 5])),
]


@pytest.mark.parametrize("expr,arg", JIT)
def test_jit_as_jax(expr, arg):
    fn = lambda j: lambda x: eval(expr, {"j": j, "np": np, "x": x})  # noqa: E731
    _same(s2s.jit(fn(snp))(arg), jax.jit(fn(jjnp))(arg))


NEEDS_CONCRETE = ["j.unique(x)", "j.setdiff1d(x, np.array([2]))", "j.union1d(x, x)",
                  "j.intersect1d(x, x)", "j.unique_counts(x)", "j.compress(x > 1, x)",
                  "j.bincount(x)", "j.ravel_multi_index((x, x), (3, 3))", "j.trim_zeros(x)"]


@pytest.mark.parametrize("expr", NEEDS_CONCRETE)
def test_value_dependent_shapes_need_size_under_jit(expr):
    fn = lambda j: lambda x: eval(expr, {"j": j, "np": np, "x": x})  # noqa: E731
    x = np.array([1, 2, 2])
    with pytest.raises(Exception) as want:
        jax.jit(fn(jjnp))(x)
    with pytest.raises(Exception) as got:
        s2s.jit(fn(snp))(x)
    assert got.type.__name__ == want.type.__name__
    assert str(want.value).startswith(str(got.value).split("\nThe error occurred while")[0])


def test_printoptions_and_names():
    assert snp.printoptions is np.printoptions and snp.get_printoptions() == np.get_printoptions()
    for name in ("set_printoptions", "s_", "index_exp"):
        assert getattr(snp, name) is getattr(np, name)
