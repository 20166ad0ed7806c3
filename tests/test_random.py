"""s2s.random against jax.random 0.10 (default config): the same bits for the same key."""
import numpy as np
import pytest

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


def test_beta_dirichlet_close(keys):
    # log-space gamma is not reproduced bit for bit yet: values agree to a few ulps
    jk, sk = keys
    np.testing.assert_allclose(sr.beta(sk, 2.0, 3.0, (5,)), jr.beta(jk, 2.0, 3.0, (5,)),
                               rtol=1e-5)
    alpha = np.array([1.0, 2.0, 3.0], np.float32)
    np.testing.assert_allclose(sr.dirichlet(sk, snp.asarray(alpha), (2,)),
                               jr.dirichlet(jk, alpha, (2,)), rtol=1e-5, atol=1e-6)


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

