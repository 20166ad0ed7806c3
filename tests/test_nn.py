"""s2s.nn against jax.nn: values, grad (also at the kinks), jvp, vmap, jit, and initializers
bit-identical for the same key."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jnn = jax.nn

X = np.array([-7.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.2, 6.0, 8.0], np.float32)
ELEMENTWISE = ["relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "sigmoid", "silu",
               "swish", "log_sigmoid", "soft_sign", "softplus", "sparse_plus", "hard_tanh",
               "hard_sigmoid", "hard_silu"]


def close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_value_grad_jvp_vmap_jit(name):
    ours, ref = getattr(s2s.nn, name), getattr(jnn, name)
    x = snp.asarray(X)
    close(ours(x), ref(X))
    g = s2s.grad(lambda v: snp.sum(ours(v)))(x)  # (at 0, 6, ...: jax's one-sided choices)
    close(g, jax.grad(lambda v: jax.numpy.sum(ref(v)))(X))
    t = np.linspace(-1, 1, X.size).astype(np.float32)
    close(s2s.jvp(ours, (x,), (snp.asarray(t),))[1], jax.jvp(ref, (X,), (t,))[1])
    per = s2s.vmap(s2s.grad(ours))(x)
    close(per, jax.vmap(jax.grad(ref))(X))
    close(s2s.jit(s2s.grad(lambda v: snp.sum(ours(v))))(x), g)
    hess = s2s.grad(s2s.grad(ours))(0.7)
    close(hess, jax.grad(jax.grad(ref))(0.7), rtol=1e-4)


def test_gelu_exact_and_parameters():
    x = snp.asarray(X)
    close(s2s.nn.gelu(x, approximate=False), jnn.gelu(X, approximate=False))
    close(s2s.grad(lambda v: snp.sum(s2s.nn.gelu(v, False)))(x),
          jax.grad(lambda v: jax.numpy.sum(jnn.gelu(v, False)))(X))
    close(s2s.nn.leaky_relu(x, 0.2), jnn.leaky_relu(X, 0.2))
    close(s2s.nn.elu(x, 0.5), jnn.elu(X, 0.5))
    close(s2s.nn.celu(x, 2.0), jnn.celu(X, 2.0))


M = np.array([[0.5, -1.0, 2.0, 0.0], [3.0, 3.0, -2.0, 1.0], [100.0, 0.0, -100.0, 1.0]],
             np.float32)


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_family(axis):
    m = snp.asarray(M)
    for name in ("softmax", "log_softmax"):
        if name == "log_softmax" and isinstance(axis, tuple):
            continue
        ours, ref = getattr(s2s.nn, name), getattr(jnn, name)
        close(ours(m, axis=axis), ref(M, axis=axis), rtol=1e-5, atol=1e-5)
        w = np.linspace(-1, 1, M.size).astype(np.float32).reshape(M.shape)
        close(s2s.grad(lambda v: snp.sum(ours(v, axis=axis) * w))(m),
              jax.grad(lambda v: jax.numpy.sum(ref(v, axis=axis) * w))(M), atol=1e-5)
    close(s2s.nn.logsumexp(m, axis=axis), jnn.logsumexp(M, axis=axis))
    close(s2s.grad(lambda v: snp.sum(s2s.nn.logsumexp(v, axis=axis)))(m),
          jax.grad(lambda v: jax.numpy.sum(jnn.logsumexp(v, axis=axis)))(M))


def test_softmax_where_logsumexp_b_sign_keepdims():
    m, where = snp.asarray(M), M > -1
    close(s2s.nn.softmax(m, where=snp.asarray(where)), jnn.softmax(M, where=where))
    close(s2s.nn.log_softmax(m, where=snp.asarray(where)), jnn.log_softmax(M, where=where))
    b = np.array([1.0, -2.0, 0.5, 1.0], np.float32)
    ours = s2s.nn.logsumexp(m, axis=1, b=snp.asarray(b), return_sign=True)
    ref = jnn.logsumexp(M, axis=1, b=b, return_sign=True)
    close(ours[0], ref[0], rtol=1e-5, atol=1e-5)
    close(ours[1], ref[1])
    close(s2s.nn.logsumexp(m, axis=0, keepdims=True), jnn.logsumexp(M, axis=0, keepdims=True))
    close(s2s.nn.logsumexp(m), jnn.logsumexp(M))
    neg = np.full((2, 3), -np.inf, np.float32)
    close(s2s.nn.logsumexp(snp.asarray(neg), axis=1), jnn.logsumexp(neg, axis=1))


def test_softmax_under_vmap_and_jit():
    m = snp.asarray(M)
    close(s2s.vmap(s2s.nn.softmax)(m), jax.vmap(jnn.softmax)(M), atol=1e-6)
    close(s2s.jit(s2s.nn.log_softmax)(m), jnn.log_softmax(M), atol=1e-5)
    f = lambda v: snp.sum(s2s.nn.log_softmax(v) * snp.arange(4.0))  # noqa: E731
    fj = lambda v: jax.numpy.sum(jnn.log_softmax(v) * jax.numpy.arange(4.0))  # noqa: E731
    close(s2s.vmap(s2s.grad(f))(m), jax.vmap(jax.grad(fj))(M), atol=1e-6)
    close(s2s.hessian(f)(m[0]), jax.hessian(fj)(M[0]), atol=1e-5)


def test_standardize_glu_one_hot():
    m = snp.asarray(M)
    close(s2s.nn.standardize(m), jnn.standardize(M), rtol=1e-4, atol=1e-5)
    close(s2s.nn.standardize(m, axis=0), jnn.standardize(M, axis=0), rtol=1e-4, atol=1e-5)
    close(s2s.grad(lambda v: snp.sum(s2s.nn.standardize(v)[:, 0]))(m),
          jax.grad(lambda v: jax.numpy.sum(jnn.standardize(v)[:, 0]))(M), rtol=1e-3, atol=1e-4)
    close(s2s.nn.glu(m), jnn.glu(M))
    close(s2s.grad(lambda v: snp.sum(s2s.nn.glu(v, axis=0 if v.shape[0] % 2 == 0 else -1)))(m),
          jax.grad(lambda v: jax.numpy.sum(jnn.glu(v)))(M))
    with pytest.raises(ValueError):
        s2s.nn.glu(snp.ones((3, 3)))
    labels = np.array([[0, 2], [3, 1]])
    close(s2s.nn.one_hot(snp.asarray(labels), 4), jnn.one_hot(labels, 4))
    close(s2s.nn.one_hot(snp.asarray(labels), 4, axis=0), jnn.one_hot(labels, 4, axis=0))
    close(s2s.nn.one_hot(snp.asarray(labels), 4, dtype=snp.int32),
          jnn.one_hot(labels, 4, dtype=jax.numpy.int32))


INITS = [("glorot_uniform", ()), ("glorot_normal", ()), ("lecun_uniform", ()),
         ("lecun_normal", ()), ("he_uniform", ()), ("he_normal", ()), ("xavier_normal", ()),
         ("kaiming_uniform", ()), ("normal", (0.3,)), ("uniform", (2.0,)),
         ("truncated_normal", (0.5,))]


@pytest.mark.parametrize("name, args", INITS)
@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 4, 6)])
def test_initializers_bit_identical(name, args, shape):
    ours = getattr(s2s.nn.initializers, name)(*args)(s2s.random.key(3), shape)
    ref = getattr(jnn.initializers, name)(*args)(jax.random.key(3), shape)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(ref))
    assert np.asarray(ours).dtype == np.asarray(ref).dtype


def test_initializers_constants_variance_scaling_orthogonal():
    key, jkey = s2s.random.key(0), jax.random.key(0)
    for name in ("zeros", "ones"):
        close(getattr(s2s.nn.initializers, name)(key, (2, 3)),
              getattr(jnn.initializers, name)(jkey, (2, 3)))
    close(s2s.nn.initializers.constant(0.5)(key, (2,)), jnn.initializers.constant(0.5)(jkey, (2,)))
    vs = s2s.nn.initializers.variance_scaling(0.7, "fan_out", "normal", in_axis=0, out_axis=2)
    ref = jnn.initializers.variance_scaling(0.7, "fan_out", "normal", in_axis=0, out_axis=2)
    np.testing.assert_array_equal(np.asarray(vs(key, (4, 2, 5))),
                                  np.asarray(ref(jkey, (4, 2, 5))))
    for shape, axis in [((4, 6), -1), ((6, 4), -1), ((3, 2, 5), 1)]:
        q = s2s.nn.initializers.orthogonal(2.0, axis)(key, shape)
        close(q, jnn.initializers.orthogonal(2.0, axis)(jkey, shape), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="at least 2D"):
        s2s.nn.initializers.glorot_uniform()(key, (3,))


def test_ravel_pytree():
    from jax.flatten_util import ravel_pytree as jravel
    for tree in [{"a": np.ones(2, np.float32), "b": (np.arange(3), 2.0)}, [],
                 (np.ones(2, np.float16), np.ones(1, np.int32)), {"w": np.ones((2, 3))}]:
        flat, unravel = s2s.flatten_util.ravel_pytree(tree)
        jflat, junravel = jravel(tree)
        close(flat, jflat)
        back = unravel(flat)
        ref = junravel(jflat)
        assert jax.tree_util.tree_structure(back) == jax.tree_util.tree_structure(ref)
        for a, b in zip(jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(ref)):
            close(a, b)
    _, unravel = s2s.flatten_util.ravel_pytree((np.ones(2, np.float16), np.ones(1, np.int32)))
    with pytest.raises(TypeError, match="expected dtype float16"):
        unravel(snp.ones(3))
    with pytest.raises(ValueError, match="shape"):
        unravel(snp.ones(4, snp.float16))


def _unravelled_loss(np_, unravel):
    def loss(flat):
        p = unravel(flat)
        return np_.sum(np_.tanh(p["w"] @ p["b"][0]) * p["b"][1]) + np_.sum(p["w"] ** 2)
    return loss


def test_derivatives_through_unravel():
    """grad, jvp, vmap, hessian and jit through ravel_pytree's unravel (it had no rule:
    refused), as jax."""
    from jax.flatten_util import ravel_pytree as jravel
    rng = np.random.default_rng(0)
    tree = {"w": rng.normal(size=(2, 3)).astype(np.float32),
            "b": (rng.normal(size=3).astype(np.float32), np.float32(0.5))}
    flat, unravel = s2s.flatten_util.ravel_pytree(tree)
    jflat, junravel = jravel(tree)
    ours, ref = _unravelled_loss(snp, unravel), _unravelled_loss(jax.numpy, junravel)
    close(s2s.grad(ours)(flat), jax.grad(ref)(jflat))
    t = rng.normal(size=flat.shape).astype(np.float32)
    close(s2s.jvp(ours, (flat,), (t,))[1], jax.jvp(ref, (jflat,), (t,))[1])
    batch = np.stack([np.asarray(flat), t])
    close(s2s.vmap(s2s.grad(ours))(batch), jax.vmap(jax.grad(ref))(batch))
    close(s2s.jit(s2s.grad(ours))(flat), jax.grad(ref)(jflat))
    close(s2s.hessian(ours)(flat), jax.hessian(ref)(jflat), rtol=1e-4, atol=1e-5)
    back = s2s.vmap(unravel)(batch)  # a pytree of batched leaves
    close(back["b"][1], batch[:, 3])  # (leaves in key order: b[0], b[1], w)


def test_checkpoint_is_recomputation(tmp_path):
    """grad through jax.checkpoint (decorator, call and policy forms) equals jax's."""
    import importlib.util
    src = (
        "import functools\n"
        "def make(jax, jnp):\n"
        "    @jax.checkpoint\n"
        "    def layer(w, x):\n"
        "        return jnp.tanh(x @ w)\n"
        "    @functools.partial(jax.checkpoint, policy=jax.checkpoint_policies.nothing_saveable)\n"
        "    def layer2(w, x):\n"
        "        return jnp.sin(x @ w)\n"
        "    def loss(w, x):\n"
        "        h = layer(w, x)\n"
        "        h = jax.remat(layer)(w, h)\n"
        "        return jnp.sum(layer2(w, h) ** 2)\n"
        "    return loss\n")
    path = tmp_path / "ckpt_prog.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("ckpt_prog", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    w = np.linspace(-1, 1, 9).astype(np.float32).reshape(3, 3)
    x = np.linspace(0, 1, 6).astype(np.float32).reshape(2, 3)
    ours = s2s.grad(mod.make(s2s, snp))(snp.asarray(w), snp.asarray(x))
    ref = jax.grad(mod.make(jax, jax.numpy))(w, x)
    close(ours, ref, rtol=1e-5, atol=1e-6)
