"""The rest of jax.nn: mish, squareplus, sparse_sigmoid, tanh, identity, log1mexp, logmeanexp
and dot_product_attention against jax (values, dtypes, grad at kinks, vmap)."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jnn = jax.nn

X = np.array([-7.0, -2.0, -1.0, -0.3, 0.0, 0.4, 0.6931472, 1.0, 2.2, 20.0], np.float32)
SPECIAL = np.array([np.inf, -np.inf, np.nan, -1.0, 0.0], np.float32)
ELEMENTWISE = ["mish", "squareplus", "sparse_sigmoid", "tanh", "identity", "log1mexp"]


def close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise(name):
    ours, ref = getattr(s2s.nn, name), getattr(jnn, name)
    x = X[X > 0] if name == "log1mexp" else X  # (log1mexp's slope at 0 is inf)
    close(ours(snp.asarray(X)), ref(X))
    close(ours(snp.asarray(SPECIAL)), ref(SPECIAL))
    close(ours(snp.arange(3)), ref(np.arange(3)))  # (integer input: dtype)
    close(s2s.vmap(s2s.grad(ours))(snp.asarray(x)), jax.vmap(jax.grad(ref))(x), rtol=1e-4)
    close(s2s.grad(s2s.grad(ours))(0.7), jax.grad(jax.grad(ref))(0.7), rtol=1e-4)


def test_squareplus_b_and_kinks():
    close(s2s.nn.squareplus(snp.asarray(X), b=2.0), jnn.squareplus(X, b=2.0))
    kinks = np.array([-1.0, 1.0], np.float32)
    for name in ("sparse_sigmoid", "sparse_plus", "relu", "relu6", "hard_tanh"):
        ours, ref = getattr(s2s.nn, name), getattr(jnn, name)
        close(s2s.vmap(s2s.grad(ours))(snp.asarray(kinks)), jax.vmap(jax.grad(ref))(kinks))


M = np.array([[1.0, 2.0, -3.0], [3.0, -np.inf, 0.5]], np.float32)


@pytest.mark.parametrize("kw", [{}, {"axis": 1}, {"axis": 0, "keepdims": True},
                                {"axis": 1, "where": np.array([[1, 0, 1], [0, 0, 0]], bool)},
                                {"where": np.array([[1, 0, 1], [1, 1, 0]], bool)}])
def test_logmeanexp(kw):
    close(s2s.nn.logmeanexp(snp.asarray(M), **kw), jnn.logmeanexp(M, **kw))
    m = np.nan_to_num(M, neginf=-1.0)
    w = np.arange(1.0, 1.0 + np.asarray(jnn.logmeanexp(m, **kw)).size, dtype=np.float32)
    w = w.reshape(np.shape(jnn.logmeanexp(m, **kw)))
    axis, where, keepdims = kw.get("axis"), kw.get("where"), kw.get("keepdims", False)

    def ours(v):
        y = s2s.nn.logmeanexp(v, axis, where, keepdims)
        return snp.sum(snp.where(y == y, y, 0.0) * w)

    def ref(v):
        y = jnn.logmeanexp(v, **kw)
        return jax.numpy.sum(jax.numpy.where(y == y, y, 0.0) * w)
    close(s2s.grad(ours)(snp.asarray(m)), jax.grad(ref)(m))


R = np.random.RandomState(0)
Q, K, V = (R.randn(*s).astype(np.float32) for s in [(2, 4, 4, 8), (2, 5, 2, 8), (2, 5, 2, 8)])
ATTENTION = [{}, {"is_causal": True}, {"scale": 0.3},
             {"bias": R.randn(4, 5).astype(np.float32), "mask": R.rand(2, 4, 4, 5) > 0.3},
             {"bias": R.randn(2, 4, 4, 5).astype(np.float32)},
             {"local_window_size": (1, 2)}, {"local_window_size": 1},
             {"query_seq_lengths": np.array([3, 4]), "key_value_seq_lengths": np.array([2, 5])},
             {"mask": np.array([[1, 1, 0, 0, 0], [0, 0, 0, 0, 0]] * 2, bool)}]


@pytest.mark.parametrize("kw", ATTENTION)
def test_dot_product_attention(kw):
    close(s2s.jit(s2s.nn.dot_product_attention, static_argnames=tuple(kw))(Q, K, V, **kw)
          if "is_causal" in kw else s2s.nn.dot_product_attention(Q, K, V, **kw),
          jnn.dot_product_attention(Q, K, V, **kw))
    ours = s2s.nn.dot_product_attention(Q, K, V, return_residual=True, **kw)
    ref = jnn.dot_product_attention(Q, K, V, return_residual=True, **kw)
    close(ours[1], ref[1])


@pytest.mark.parametrize("kw", [ATTENTION[i] for i in (0, 3, 7)])
def test_dot_product_attention_grad(kw):
    bias, mask = kw.get("bias"), kw.get("mask")
    lengths = kw.get("query_seq_lengths"), kw.get("key_value_seq_lengths")
    g = s2s.jit(s2s.grad(lambda q, k, v: snp.sum(s2s.nn.dot_product_attention(
        q, k, v, bias, mask, query_seq_lengths=lengths[0],
        key_value_seq_lengths=lengths[1]) ** 2), (0, 1, 2)))(Q, K, V)
    gj = jax.grad(lambda q, k, v: jax.numpy.sum(jnn.dot_product_attention(q, k, v, **kw) ** 2),
                  (0, 1, 2))(Q, K, V)
    for a, b in zip(g, gj):
        close(a, b, rtol=1e-4, atol=1e-5)


def test_dot_product_attention_unbatched_vmap_dtype_errors():
    close(s2s.nn.dot_product_attention(Q[0], K[0], V[0], is_causal=True),
          jnn.dot_product_attention(Q[0], K[0], V[0], is_causal=True))
    close(s2s.vmap(s2s.nn.dot_product_attention)(Q, K, V),
          jax.vmap(jnn.dot_product_attention)(Q, K, V))
    bf = jax.numpy.bfloat16
    ours = s2s.nn.dot_product_attention(*(snp.asarray(a).astype(bf) for a in (Q, K, V)))
    ref = jnn.dot_product_attention(*(a.astype(bf) for a in (Q, K, V)))
    close(np.asarray(ours).astype(np.float32), np.asarray(ref).astype(np.float32))
    assert ours.dtype == ref.dtype
    with pytest.raises(RuntimeError, match="cuDNN"):
        s2s.nn.dot_product_attention(Q, K, V, implementation="cudnn")
    with pytest.raises(ValueError):
        s2s.nn.dot_product_attention(Q, K[:, :, :1, :4], V)
    with pytest.raises(ValueError):
        s2s.nn.dot_product_attention(Q[:, :, :3], K, V)
