"""The rest of jax.random 0.10 (poisson, binomial, multinomial, generalized_normal, ball,
key_impl, key_dtype): the same bits as jax for the same key, eagerly, under jit and under vmap
over keys, and jax's errors."""
import os

import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from s2s import random as sr

jax = pytest.importorskip("jax")
jr = jax.random


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_array_equal(np.atleast_1d(a).view(np.uint8),
                                  np.atleast_1d(b).view(np.uint8))


LAM = np.array([0.0, 0.5, 3.0, 9.9, 10.0, 20.0, 1e3, np.nan], np.float32)  # both methods, nan
N = np.array([5.0, 100.0, 1e4, 3.0, -1.0, np.inf, 20.0, 7.0], np.float32)
P = np.array([0.3, 0.6, 0.9, 0.5, 0.5, 0.2, np.nan, -0.1], np.float32)
PROBS = np.array([[0.2, 0.3, 0.5], [0.1, 0.0, 0.9]], np.float32)

# Each sampler with its parameters as arguments (not compile-time constants: XLA would fold
# them differently, see docs/design.md on ``tracing.compiled``). One jax reference per sampler
# (compiling these samplers is what the time goes to); s2s's eager, jitted and vmapped results
# must all equal it.
SAMPLERS = {
    "poisson": (lambda R, k, lam: R.poisson(k, lam), LAM),
    "poisson_int16": (lambda R, k, lam: R.poisson(k, lam, (3, 2), dtype="int16"),
                      np.float32(4.0)),
    "binomial": (lambda R, k, p: R.binomial(k, N, p), P),
    "multinomial": (lambda R, k, p: R.multinomial(k, np.array([10.0, 50.0], np.float32), p,
                                                  dtype="int32"), PROBS),
    "generalized_normal": (lambda R, k, p: R.generalized_normal(k, p, (3, 4)), np.float32(1.5)),
    "ball": (lambda R, k, p: R.ball(k, 3, p, (2,)), np.float32(0.7)),
}


# under CI, the cases others cover are left out (ball draws generalized_normal)
IN_CI = ["poisson", "binomial", "multinomial", "ball"]


@pytest.mark.parametrize("name", IN_CI if os.environ.get("CI") else sorted(SAMPLERS))
def test_bits_eager_vmap(name):
    f, arg = SAMPLERS[name]
    keys, jkeys = sr.split(sr.key(5), 2), jr.split(jr.key(5), 2)
    ref = np.stack([f(jr, k, arg) for k in jkeys])
    same(f(sr, keys[0], snp.asarray(arg)), ref[0])
    same(s2s.vmap(lambda k, a: f(sr, k, a), in_axes=(0, None))(keys, snp.asarray(arg)), ref)


@pytest.mark.parametrize("name", ["poisson", "multinomial"])
def test_bits_jit_raw_key(name):
    f, arg = SAMPLERS[name]
    ref = f(jr, jr.split(jr.key(5), 2)[1], arg)  # (jax's compilation is cached from above)
    key = sr.key_data(sr.split(sr.key(5), 2)[1])
    same(s2s.jit(lambda k, a: f(sr, k, a))(key, snp.asarray(arg)), ref)


@pytest.mark.skipif(bool(os.environ.get("CI")), reason="compiles three more samplers")
def test_python_scalar_parameters():
    same(sr.binomial(sr.key(1), 10, 0.3, (4,)), jr.binomial(jr.key(1), 10, 0.3, (4,)))
    same(sr.generalized_normal(sr.key(1), 0.7, (5,), "float16"),
         jr.generalized_normal(jr.key(1), 0.7, (5,), "float16"))
    same(sr.ball(sr.key(1), 4, 1), jr.ball(jr.key(1), 4, 1))


def test_keys():
    assert sr.key_impl(sr.key(0)) == jr.key_impl(jr.key(0)) == "threefry2x32"
    assert sr.key_impl(sr.PRNGKey(0)) == "threefry2x32"
    assert str(sr.key_dtype()) == str(jr.key_dtype()) == "key<fry>"


def _errors(f):
    out = []
    for R, k in ((sr, sr.key(0)), (jr, jr.key(0))):
        with pytest.raises(Exception) as e:
            f(R, k)
        out.append((type(e.value), str(e.value)))
    assert out[0] == out[1]


@pytest.mark.parametrize("f", [
    lambda R, k: R.poisson(k, 1.0, dtype="float32"),
    lambda R, k: R.poisson(k, np.ones(3, np.float32), (2,)),
    lambda R, k: R.poisson(k, 1.0, (-1,)),
    lambda R, k: R.poisson(R.split(k), 1.0),
    lambda R, k: R.binomial(k, 3, 0.5, dtype="int32"),
    lambda R, k: R.binomial(k, np.ones(3), 0.5, (2,)),
    lambda R, k: R.binomial(k, [1, 2], 0.5),
    lambda R, k: R.multinomial(k, 3, np.ones(3) / 3, shape=(2,)),
    lambda R, k: R.multinomial(k, 3, 0.5),
    lambda R, k: R.generalized_normal(k, 2.0, dtype="int32"),
    lambda R, k: R.ball(k, 2.5),
    lambda R, k: R.ball(k, -1),
    lambda R, k: R.key_impl(3),
])
def test_errors(f):
    _errors(f)


def test_every_public_name():
    # random_gamma_p is jax's primitive object (s2s's primitives are not a public API)
    names = {n for n in dir(jr) if not n.startswith("_")} - {"random_gamma_p"}
    assert not sorted(n for n in names if not hasattr(sr, n))
