"""s2s.random against jax.random 0.10 (default config): the same bits for the same key."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import s2s
import s2s.numpy as snp
from s2s import random as sr

jax = pytest.importorskip("jax")
jnp = jax.numpy
jr = jax.random

SEEDS = [0, 42, 2**31 + 5]


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    if a.dtype == np.bool_:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.fixture(params=SEEDS)
def keys(request):
    return jr.key(request.param), sr.key(request.param)


def test_key_repr_and_quickstart():
    assert repr(sr.key(43)) == "Array((), dtype=key<fry>) overlaying:\n[ 0 43]"
    assert str(sr.key(0).dtype) == "key<fry>" and sr.key(0).shape == ()
    assert np.float32(sr.normal(sr.key(43))) == np.float32(0.07520543)
    out, ref = [], []
    k, jk = sr.key(42), jr.key(42)
    for _ in range(3):
        k, sub = sr.split(k)
        jk, jsub = jr.split(jk)
        out.append(float(sr.normal(sub)))
        ref.append(float(jr.normal(jsub)))
    assert out == ref  # 0.6057640314102173, -0.21089035272598267, -0.3948981463909149


@pytest.mark.parametrize("seed", [0, -1, 2**31, 2**32 - 1, 2**32 + 7, -2**40, np.int8(-3),
                                  np.uint32(2**32 - 1), True])
def test_seeds(seed):
    same(sr.PRNGKey(seed), jr.PRNGKey(seed))
    same(sr.key_data(sr.key(seed)), jr.key_data(jr.key(seed)))


def test_seed_errors():
    with pytest.raises(TypeError):
        sr.PRNGKey(1.5)
    with pytest.raises(OverflowError):
        sr.PRNGKey(2**64)


def test_key_data_roundtrip_and_tree():
    k = sr.split(sr.key(3), 4)
    assert k.shape == (4,) and k[1].shape == ()
    same(sr.key_data(sr.wrap_key_data(sr.key_data(k))), sr.key_data(k))
    leaves = s2s.tree_util.tree_leaves({"a": k, "b": [sr.key(0)]})
    assert len(leaves) == 2 and leaves[0] is k
    with pytest.raises(ValueError):
        sr.normal(k)
    # keys are values: the same key gives the same numbers
    same(sr.uniform(sr.key(5), (3,)), sr.uniform(sr.key(5), (3,)))


def test_split_fold_in_bits(keys):
    jk, sk = keys
    same(sr.key_data(sr.split(sk, (2, 3))), jr.key_data(jr.split(jk, (2, 3))))
    same(sr.split(sr.key_data(sk)), jr.split(jr.key_data(jk)))  # raw keys
    same(sr.key_data(sr.fold_in(sk, 7)), jr.key_data(jr.fold_in(jk, 7)))
    same(sr.key_data(sr.fold_in(sk, snp.asarray(-3, "int32"))), jr.key_data(jr.fold_in(jk, jnp.int32(-3))))
    for dt in ["uint8", "uint16", "uint32"]:
        same(sr.bits(sk, (5, 3), dt), jr.bits(jk, (5, 3), dt))


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_uniform_normal(keys, dtype):
    jk, sk = keys
    same(sr.uniform(sk, (5, 3), dtype), jr.uniform(jk, (5, 3), dtype))
    same(sr.uniform(sk, (5, 3), dtype, -2.0, 3.0), jr.uniform(jk, (5, 3), dtype, -2.0, 3.0))
    same(sr.normal(sk, (5, 3), dtype), jr.normal(jk, (5, 3), dtype))


def test_uniform_array_bounds_and_complex_normal(keys):
    jk, sk = keys
    lo = np.array([-1.0, 0.0, 2.0], np.float32)
    same(sr.uniform(sk, (5, 3), minval=snp.asarray(lo), maxval=5.0),
         jr.uniform(jk, (5, 3), minval=lo, maxval=5.0))
    same(sr.normal(sk, (5, 3), "complex64"), jr.normal(jk, (5, 3), jnp.complex64))


@pytest.mark.parametrize("dtype,lo,hi", [("int32", -5, 17), ("int8", -100, 127),
                                         ("uint16", 3, 60000), ("int32", 4, 4),
                                         ("uint8", 0, 256)])
def test_randint(keys, dtype, lo, hi):
    jk, sk = keys
    same(sr.randint(sk, (5, 3), lo, hi, dtype), jr.randint(jk, (5, 3), lo, hi, dtype))


def test_discrete(keys):
    jk, sk = keys
    same(sr.bernoulli(sk, 0.3, (5, 3)), jr.bernoulli(jk, 0.3, (5, 3)))
    same(sr.bernoulli(sk), jr.bernoulli(jk))
    L = np.random.RandomState(0).randn(3, 5).astype(np.float32)
    same(sr.categorical(sk, snp.asarray(L)), jr.categorical(jk, L))
    same(sr.categorical(sk, snp.asarray(L), axis=0, shape=(4, 5)),
         jr.categorical(jk, L, axis=0, shape=(4, 5)))
    same(sr.permutation(sk, 10), jr.permutation(jk, 10))
    same(sr.permutation(sk, 2000), jr.permutation(jk, 2000))  # two shuffle rounds
    X = np.arange(15.0, dtype=np.float32).reshape(5, 3)
    same(sr.permutation(sk, snp.asarray(X)), jr.permutation(jk, X))
    same(sr.permutation(sk, snp.asarray(X), axis=1, independent=True),
         jr.permutation(jk, X, axis=1, independent=True))


def test_choice(keys):
    jk, sk = keys
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.25], np.float32)
    X = np.arange(15.0, dtype=np.float32).reshape(5, 3)
    same(sr.choice(sk, 10, (5, 3)), jr.choice(jk, 10, (5, 3)))
    same(sr.choice(sk, 10, (4,), replace=False), jr.choice(jk, 10, (4,), replace=False))
    same(sr.choice(sk, 5, (5, 3), p=snp.asarray(p)), jr.choice(jk, 5, (5, 3), p=p))
    same(sr.choice(sk, 5, (3,), replace=False, p=snp.asarray(p)),
         jr.choice(jk, 5, (3,), replace=False, p=p))
    same(sr.choice(sk, snp.asarray(X), (2,)), jr.choice(jk, X, (2,)))


def test_continuous(keys):
    jk, sk = keys
    same(sr.truncated_normal(sk, -1.0, 2.0, (5, 3)), jr.truncated_normal(jk, -1.0, 2.0, (5, 3)))
    for name in ["gumbel", "exponential", "laplace", "logistic"]:
        same(getattr(sr, name)(sk, (5, 3)), getattr(jr, name)(jk, (5, 3)))


def test_gamma(keys):
    jk, sk = keys
    same(sr.gamma(sk, 2.0, (5, 3)), jr.gamma(jk, 2.0, (5, 3)))
    a = np.array([0.3, 1.0, 5.0], np.float32)
    same(sr.gamma(sk, snp.asarray(a)), jr.gamma(jk, a))


def test_gamma_family(keys):
    jk, sk = keys
    a = np.array([0.3, 1.0, 5.0, 0.01, 1e-3], np.float32)
    same(sr.loggamma(sk, snp.asarray(a)), jr.loggamma(jk, a))
    same(sr.beta(sk, 2.0, 3.0, (5,)), jr.beta(jk, 2.0, 3.0, (5,)))
    same(sr.beta(sk, snp.asarray(a), 0.5), jr.beta(jk, a, 0.5))
    alpha = np.array([1.0, 2.0, 0.1], np.float32)
    same(sr.dirichlet(sk, snp.asarray(alpha), (2,)), jr.dirichlet(jk, alpha, (2,)))
    same(sr.gamma(sk, 0.5, (0, 3)), jr.gamma(jk, 0.5, (0, 3)))
    with pytest.raises(ValueError):
        sr.gamma(sk, snp.ones(3), (2,))


def test_categorical_without_replacement(keys):
    jk, sk = keys
    L = np.random.RandomState(0).randn(3, 5).astype(np.float32)
    for kw in [dict(shape=(2, 3)), dict(axis=0, shape=(3, 5)), dict(shape=(5, 3))]:
        same(sr.categorical(sk, snp.asarray(L), replace=False, **kw),
             jr.categorical(jk, L, replace=False, **kw))
    with pytest.raises(ValueError, match="cannot exceed number of categories"):
        sr.categorical(sk, snp.asarray(L), replace=False, shape=(6, 3))


# every sampler under jit (parameters as arguments) against jax.jit of the same function
JITTED = {
    "split": lambda R, k: R.key_data(R.split(k, 3)),
    "fold_in": lambda R, k: R.key_data(R.fold_in(k, 9)),
    "bits": lambda R, k: R.bits(k, (4, 3)),
    "uniform": lambda R, k, lo: R.uniform(k, (4, 3), minval=lo, maxval=2.0),
    "normal": lambda R, k: R.normal(k, (4, 3)),
    "randint": lambda R, k: R.randint(k, (4, 3), -3, 20),
    "bernoulli": lambda R, k, q: R.bernoulli(k, q, (4, 3)),
    "categorical": lambda R, k, L: R.categorical(k, L, shape=(2, 3)),
    "categorical_distinct": lambda R, k, L: R.categorical(k, L, replace=False, shape=(2, 3)),
    "choice": lambda R, k, p: R.choice(k, 5, (3,), replace=False, p=p),
    "permutation": lambda R, k, L: R.permutation(k, L, axis=1, independent=True),
    "truncated_normal": lambda R, k, lo: R.truncated_normal(k, lo, 2.0, (4, 3)),
    "gumbel": lambda R, k: R.gumbel(k, (4, 3)),
    "exponential": lambda R, k: R.exponential(k, (4, 3)),
    "laplace": lambda R, k: R.laplace(k, (4, 3)),
    "logistic": lambda R, k: R.logistic(k, (4, 3)),
    "gamma": lambda R, k, a: R.gamma(k, a, (4, 3)),
    "loggamma": lambda R, k, a: R.loggamma(k, a, (4, 3)),
    "beta": lambda R, k, a, b: R.beta(k, a, b, (4, 3)),
    "dirichlet": lambda R, k, a: R.dirichlet(k, a, (4,)),
}
ARGS = {"lo": np.float32(-1.5), "q": np.float32(0.3), "p": np.array([0.1, 0.2, 0.3, 0.15, 0.25], np.float32),
        "L": np.random.RandomState(1).randn(3, 5).astype(np.float32),
        "a": np.array([0.2, 1.0, 3.0], np.float32), "b": np.float32(0.7)}


@pytest.mark.parametrize("name", sorted(JITTED))
def test_samplers_under_jit(keys, name):
    import inspect
    jk, sk = keys
    f = JITTED[name]
    args = [ARGS[p] for p in list(inspect.signature(f).parameters)[2:]]
    ours = s2s.jit(lambda k, *a: f(sr, k, *a))(sk, *[snp.asarray(a) for a in args])
    same(ours, jax.jit(lambda k, *a: f(jr, k, *a))(jk, *args))


@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(), (0,), (7,), (2, 3)]),
       dtype=st.sampled_from(["float32", "float16", "bfloat16"]))
def test_shapes_and_dtypes(seed, shape, dtype):
    sk, jk = sr.key(seed), jr.key(seed)
    same(sr.uniform(sk, shape, dtype), jr.uniform(jk, shape, dtype))
    same(sr.normal(sk, shape, dtype), jr.normal(jk, shape, dtype))
    same(s2s.jit(lambda k: sr.normal(k, shape, dtype))(sk), jr.normal(jk, shape, dtype))
    same(sr.randint(sk, shape, -7, 1000), jr.randint(jk, shape, -7, 1000))
    same(sr.bits(sk, shape, "uint8"), jr.bits(jk, shape, "uint8"))


def test_gamma_vmap_over_keys():
    keys = sr.split(sr.key(0), 3)
    out = s2s.vmap(lambda k: sr.gamma(k, 2.0, (3,)))(keys)
    np.testing.assert_array_equal(out, np.stack([sr.gamma(k, 2.0, (3,)) for k in keys]))
    a, b = np.array([0.5, 1.0, 3.0], np.float32), np.array([2.0, 0.1, 1.0], np.float32)
    jkeys = jr.split(jr.key(0), 3)
    beta = s2s.vmap(lambda k, a, b: sr.beta(k, a, b))
    same(beta(keys, snp.asarray(a), snp.asarray(b)), jax.vmap(jr.beta)(jkeys, a, b))
    same(s2s.jit(beta)(keys, snp.asarray(a), snp.asarray(b)),
         jax.jit(jax.vmap(jr.beta))(jkeys, a, b))


def test_statistics():
    k = sr.key(0)
    u = np.asarray(sr.uniform(k, (20000,)))
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = np.asarray(sr.normal(k, (20000,)))
    assert abs(n.mean()) < 0.03 and abs(n.var() - 1) < 0.05
    e = np.asarray(sr.exponential(k, (20000,)))
    assert abs(e.mean() - 1) < 0.05
    r = np.asarray(sr.randint(k, (20000,), 0, 10))
    assert r.min() == 0 and r.max() == 9 and abs(r.mean() - 4.5) < 0.1
    g = np.asarray(sr.gamma(k, 3.0, (2000,)))
    assert abs(g.mean() - 3) < 0.2
    b = np.asarray(sr.beta(k, 2.0, 6.0, (4000,)))
    assert abs(b.mean() - 0.25) < 0.01 and 0 <= b.min() and b.max() <= 1
    d = np.asarray(sr.dirichlet(k, snp.asarray([1.0, 3.0]), (4000,)))
    np.testing.assert_allclose(d.sum(-1), 1, rtol=1e-5)
    assert abs(d[:, 1].mean() - 0.75) < 0.02



# ---- multivariate_normal and orthogonal (on the LAPACK decompositions) ------------------------

def _spd(rng, shape):
    a = rng.normal(size=shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(np.float32)


# (mean shape, cov shape, shape argument): batch shapes that broadcast, size-1 dimensions, shape=
MVN_CASES = [((3,), (3, 3), None), ((3,), (3, 3), (5,)), ((4, 3), (3, 3), None),
             ((3,), (2, 3, 3), None), ((3,), (2, 3, 3), (4, 2)), ((2, 3), (4, 1, 3, 3), None),
             ((1, 3), (2, 3, 3), (5, 2)), ((1,), (1, 1), (3,)), ((6,), (6, 6), (2, 3)),
             ((3,), (3, 3), (0,))]


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal(keys, method):
    jk, sk = keys
    rng = np.random.default_rng(0)
    for mshape, cshape, shape in MVN_CASES:
        mean, cov = rng.normal(size=mshape).astype(np.float32), _spd(rng, cshape)
        ref = jr.multivariate_normal(jk, mean, cov, shape, method=method)
        same(sr.multivariate_normal(sk, mean, cov, shape, method=method), ref)
        same(s2s.jit(lambda k, m, c: sr.multivariate_normal(k, m, c, shape, method=method))(
            sk, mean, cov), ref)
    mean, cov = rng.normal(size=(3,)).astype(np.float32), _spd(rng, (3, 3))
    for dtype in ["float16", "bfloat16"]:  # the draws' dtype; the result is float32, as JAX's
        same(sr.multivariate_normal(sk, mean, cov, (2,), dtype, method),
             jr.multivariate_normal(jk, mean, cov, (2,), dtype, method))


def test_multivariate_normal_x64():
    old = (s2s.config.jax_enable_x64, jax.config.jax_enable_x64)
    s2s.config.update("jax_enable_x64", True)
    jax.config.update("jax_enable_x64", True)
    try:
        rng = np.random.default_rng(1)
        mean, cov = rng.normal(size=(2, 4)), _spd(rng, (4, 4)).astype(np.float64)
        for method in ["cholesky", "eigh", "svd"]:
            same(sr.multivariate_normal(sr.key(5), mean, cov, method=method),
                 jr.multivariate_normal(jr.key(5), mean, cov, method=method))
        same(sr.orthogonal(sr.key(5), 4, (2,), "complex128"),
             jr.orthogonal(jr.key(5), 4, (2,), "complex128"))
    finally:
        s2s.config.update("jax_enable_x64", old[0])
        jax.config.update("jax_enable_x64", old[1])


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5),
       batch=st.sampled_from([(), (2,), (3, 1)]), cov_batch=st.sampled_from([(), (1,), (2,)]),
       method=st.sampled_from(["cholesky", "eigh", "svd"]))
def test_multivariate_normal_shapes(seed, n, batch, cov_batch, method):
    rng = np.random.default_rng(seed % 1000)
    mean, cov = rng.normal(size=batch + (n,)).astype(np.float32), _spd(rng, cov_batch + (n, n))
    try:
        ref = jr.multivariate_normal(jr.key(seed), mean, cov, method=method)
    except ValueError as e:  # batch shapes that do not broadcast
        with pytest.raises(ValueError, match="Incompatible shapes"):
            sr.multivariate_normal(sr.key(seed), mean, cov, method=method)
        assert "Incompatible shapes" in str(e)
        return
    same(sr.multivariate_normal(sr.key(seed), mean, cov, method=method), ref)


def test_multivariate_normal_errors():
    k, jk = sr.key(0), jr.key(0)
    mean, cov = np.zeros(3, np.float32), np.eye(3, dtype=np.float32)
    for args, kw in [((np.zeros((), np.float32), cov), {}), ((mean, np.ones(3, np.float32)), {}),
                     ((mean, np.eye(4, dtype=np.float32)), {}), ((mean, cov), {"method": "lu"}),
                     ((mean, cov), {"dtype": "int32"}),
                     ((np.zeros((2, 3), np.float32), cov), {"shape": (3,)}),
                     ((np.zeros((2, 3), np.float32), cov), {"shape": (5, 1)})]:
        with pytest.raises(ValueError) as theirs:
            jr.multivariate_normal(jk, *args, **kw)
        with pytest.raises(ValueError) as ours:
            sr.multivariate_normal(k, *args, **kw)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="single key"):
        sr.multivariate_normal(sr.split(k), mean, cov)
    with pytest.raises(ValueError, match="float dtype"):  # complex
        sr.multivariate_normal(k, mean.astype(np.complex64), cov)


@pytest.mark.parametrize("n,shape,dtype,m", [
    (3, (), None, None), (4, (2,), None, None), (3, (2,), None, 5), (5, (), None, 2),
    (3, (2, 2), "complex64", None), (3, (), "complex64", 4), (0, (), None, None),
    (3, (), None, 0), (1, (3,), None, None), (6, (1, 2), "float32", 6)])
def test_orthogonal(keys, n, shape, dtype, m):
    jk, sk = keys
    ref = jr.orthogonal(jk, n, shape, dtype, m)
    same(sr.orthogonal(sk, n, shape, dtype, m), ref)
    same(s2s.jit(lambda k: sr.orthogonal(k, n, shape, dtype, m))(sk), ref)
    q = np.asarray(ref).astype(np.complex128)
    cols = q.shape[-1] <= q.shape[-2]  # semi-orthogonal columns or rows
    g = np.conj(np.swapaxes(q, -1, -2)) @ q if cols else q @ np.conj(np.swapaxes(q, -1, -2))
    np.testing.assert_allclose(g, np.broadcast_to(np.eye(g.shape[-1]), g.shape), atol=1e-5)


def test_orthogonal_errors():
    k, jk = sr.key(0), jr.key(0)
    for bad in [lambda R, key: R.orthogonal(key, 2.5),
                lambda R, key: R.orthogonal(key, 3, (), "int32")]:
        with pytest.raises(Exception) as theirs:
            bad(jr, jk)
        with pytest.raises(type(theirs.value)):
            bad(sr, k)
    for dtype in ["float16", "bfloat16"]:  # no LAPACK kernel, in JAX either
        with pytest.raises(NotImplementedError):
            jr.orthogonal(jk, 3, dtype=dtype)
        with pytest.raises(NotImplementedError):
            sr.orthogonal(k, 3, dtype=dtype)


def test_linalg_samplers_vmap_over_keys():
    """s2s.vmap gives each key exactly its unbatched draw (= JAX's unbatched draw). jax.vmap of
    multivariate_normal contracts all keys' draws in one larger dot, which can round differently
    from JAX's own per-key results, so the reference here is the per-key result."""
    keys, jkeys = sr.split(sr.key(0), 4), jr.split(jr.key(0), 4)
    rng = np.random.default_rng(2)
    mean, cov = rng.normal(size=(3,)).astype(np.float32), _spd(rng, (3, 3))
    for method in ["cholesky", "eigh", "svd"]:
        out = s2s.vmap(lambda k: sr.multivariate_normal(k, mean, cov, (2,), method=method))(keys)
        same(out, np.stack([np.asarray(jr.multivariate_normal(k, mean, cov, (2,), method=method))
                            for k in jkeys]))
    covs = np.stack([_spd(rng, (3, 3)) for _ in range(4)])
    out = s2s.vmap(lambda k, c: sr.multivariate_normal(k, mean, c, method="eigh"))(keys, covs)
    same(out, jax.vmap(lambda k, c: jr.multivariate_normal(k, mean, c, method="eigh"))(jkeys,
                                                                                      covs))
    out = s2s.vmap(lambda k: sr.orthogonal(k, 3, (2,)))(keys)
    same(out, jax.vmap(lambda k: jr.orthogonal(k, 3, (2,)))(jkeys))


# the other distributions of jax.random; parameters are arguments (see test_samplers_under_jit)
MORE = {
    "cauchy": (lambda R, k: R.cauchy(k, (4, 3)), ()),
    "rademacher": (lambda R, k: R.rademacher(k, (4, 3)), ()),
    "weibull_min": (lambda R, k, p: R.weibull_min(k, 2.0, p, (4, 3)), ("p",)),
    "pareto": (lambda R, k, p: R.pareto(k, p + 1), ("p",)),
    "lognormal": (lambda R, k, p: R.lognormal(k, p, (4, 3)), ("p",)),
    "rayleigh": (lambda R, k, p: R.rayleigh(k, p), ("p",)),
    "wald": (lambda R, k, p: R.wald(k, p + 0.5, (4, 3)), ("p",)),
    "chisquare": (lambda R, k, p: R.chisquare(k, p * 4), ("p",)),
    "f": (lambda R, k, p: R.f(k, p * 4, 3.0), ("p",)),
    "t": (lambda R, k, p: R.t(k, p * 4, (2, 3)), ("p",)),
    "geometric": (lambda R, k, p: R.geometric(k, p, (4, 3)), ("p",)),
    "triangular": (lambda R, k, p: R.triangular(k, 0.0, p, 2.0), ("p",)),
}
P3 = np.array([0.2, 0.5, 0.9], np.float32)


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_distributions(keys, name):
    jk, sk = keys
    f, params = MORE[name]
    args = [P3 for _ in params]
    same(f(sr, sk, *[snp.asarray(a) for a in args]), f(jr, jk, *args))
    same(s2s.jit(lambda k, *a: f(sr, k, *a))(sk, *[snp.asarray(a) for a in args]),
         jax.jit(lambda k, *a: f(jr, k, *a))(jk, *args))


def test_maxwell_close(keys):
    # the same operations as JAX's; XLA rounds the fused norm of some draws one ulp apart
    jk, sk = keys
    np.testing.assert_allclose(sr.maxwell(sk, (4, 3)), jr.maxwell(jk, (4, 3)), rtol=3e-7)
    np.testing.assert_allclose(sr.double_sided_maxwell(sk, 0.5, snp.asarray(P3), (2,)),
                               jr.double_sided_maxwell(jk, 0.5, P3, (2,)), rtol=3e-7, atol=1e-7)
    with pytest.raises(ValueError, match="broadcast-compatible"):
        sr.pareto(sk, snp.ones(3), (2,))
