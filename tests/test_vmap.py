"""vmap: batched functions against a Python loop over the batch, nested vmap, in_axes /
out_axes, composition with jit and grad, generated source, errors."""
import inspect

import numpy as np
import pytest

import s2s
import s2s.numpy as jnp
from s2s.errors import TransformError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 4)).astype(np.float32)
M = RNG.normal(size=(3, 4)).astype(np.float32)


def _loop(f, *args, in_axes=0):
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    n = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [f(*[jnp.asarray(np.take(np.asarray(a), i, axis=ax)) if ax is not None else a
                for a, ax in zip(args, axes)]) for i in range(n)]
    if isinstance(outs[0], tuple):
        return tuple(np.stack([np.asarray(o[k]) for o in outs]) for k in range(len(outs[0])))
    return np.stack([np.asarray(o) for o in outs])


def apply_matrix(x):
    return jnp.dot(jnp.asarray(M), x)


def mixed(x, y):
    z = x * y + jnp.sin(x)
    return jnp.sum(z) / x.shape[0], z


def reductions(x):
    return jnp.max(x, axis=-1) + jnp.mean(x, axis=0, keepdims=True).sum() + jnp.argmax(x)


def shapes(x):
    m = x.reshape(2, -1)
    return jnp.transpose(m).ravel()[1:3] + m.T[0, 0] + len(x)


def indexing(x):
    return x[1] * x[-1] + x[jnp.asarray([0, 2])].sum() + x[:2].mean()


def loop_body(x):
    acc = 0.0
    for i in range(3):
        acc = acc + jnp.tanh(x * i)
    return acc


def _helper(a, b):
    return a @ b


def calls(x):
    return _helper(jnp.asarray(M), x) * 2.0


def vector_dot(x, y):
    return jnp.dot(x, y) + x @ y


CASES = [(apply_matrix, (X,), 0), (mixed, (X, X[0]), (0, None)), (reductions, (X,), 0),
         (shapes, (X,), 0), (indexing, (X,), 0), (loop_body, (X,), 0), (calls, (X,), 0),
         (vector_dot, (X, X), 0), (vector_dot, (X, X[1]), (0, None)),
         (vector_dot, (X, X.T), (0, 1))]


@pytest.mark.parametrize("f,args,in_axes", CASES, ids=[c[0].__name__ for c in CASES])
def test_matches_python_loop(f, args, in_axes):
    ours = s2s.vmap(f, in_axes=in_axes)(*[jnp.asarray(a) for a in args])
    ref = _loop(f, *[jnp.asarray(a) for a in args], in_axes=in_axes)
    if isinstance(ref, tuple):
        for o, r in zip(ours, ref):
            np.testing.assert_allclose(o, r, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("in_axes,out_axes", [(0, 0), (1, 0), (-1, 1), (0, -1)])
def test_in_and_out_axes(in_axes, out_axes):
    x = RNG.normal(size=(4, 5)).astype(np.float32)
    out = s2s.vmap(lambda v: jnp.sin(v) * 2.0, in_axes=in_axes, out_axes=out_axes)(
        jnp.asarray(x))
    ref = np.moveaxis(np.sin(np.moveaxis(x, in_axes, 0)) * 2.0, 0, out_axes)
    np.testing.assert_allclose(out, ref, rtol=1e-6)


def test_unmapped_output_is_broadcast_or_kept_with_out_axes_none():
    out = s2s.vmap(lambda x, y: (x + 1.0, y * 2.0), in_axes=(0, None), out_axes=(0, None))(
        jnp.arange(3.0), jnp.asarray(5.0))
    np.testing.assert_allclose(out[0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(out[1], 10.0)


def test_nested_vmap():
    a = RNG.normal(size=(3, 4)).astype(np.float32)
    b = RNG.normal(size=(5, 4)).astype(np.float32)
    f = s2s.vmap(s2s.vmap(lambda x, y: jnp.dot(x, y), in_axes=(None, 0)), in_axes=(0, None))
    np.testing.assert_allclose(f(jnp.asarray(a), jnp.asarray(b)), a @ b.T, rtol=1e-5)


def test_jit_of_vmap_and_vmap_of_jit():
    ref = X @ M.T
    np.testing.assert_allclose(s2s.jit(s2s.vmap(apply_matrix))(jnp.asarray(X)), ref, rtol=1e-5)
    np.testing.assert_allclose(s2s.vmap(s2s.jit(apply_matrix))(jnp.asarray(X)), ref, rtol=1e-5)


def test_per_example_gradients():
    def loss(w, x):
        return jnp.sum(jnp.tanh(x @ w) ** 2)

    w = RNG.normal(size=(4, 2)).astype(np.float32)
    ours = s2s.vmap(s2s.grad(loss), in_axes=(None, 0))(jnp.asarray(w), jnp.asarray(X))
    ref = np.stack([np.asarray(s2s.grad(loss)(jnp.asarray(w), jnp.asarray(x))) for x in X])
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_grad_through_a_closure_it_cannot_see_into_is_refused_not_wrong():
    def f(w):
        return jnp.sum(s2s.vmap(lambda x: jnp.tanh(x * w))(jnp.asarray(X)))

    with pytest.raises(TransformError):
        s2s.grad(f)(jnp.asarray(0.3))


def test_quickstart_apply_matrix_naive_manual_vmap_agree():
    def naively_batched(v_batched):
        return jnp.stack([apply_matrix(v) for v in v_batched])

    def batched_apply_matrix(v_batched):
        return jnp.dot(v_batched, jnp.asarray(M).T)

    xb = jnp.asarray(X)
    np.testing.assert_allclose(naively_batched(xb), batched_apply_matrix(xb), rtol=1e-5)
    np.testing.assert_allclose(s2s.jit(s2s.vmap(apply_matrix))(xb), batched_apply_matrix(xb),
                               rtol=1e-5)


def test_generated_source_keeps_unmapped_code():
    src = inspect.getsource(s2s.vmap(mixed, in_axes=(0, None)))
    assert "def mixed_vmap(x, y, batch_size):" in src
    assert "jnp.sin(x)" in src and "per_example_shape(x)" in src
    src = inspect.getsource(s2s.vmap(loop_body))
    assert "for i in range(3):" in src


def test_inconsistent_sizes_error():
    with pytest.raises(ValueError, match="vmap got inconsistent sizes for array axes to be "
                                         "mapped:\n  \\* one axis had size 3: axis 0 of "
                                         "argument x of type float32\\[3\\];"):
        s2s.vmap(lambda x, y: x + y)(jnp.ones(3), jnp.ones(4))


def test_branch_on_mapped_value_suggests_where():
    def f(x):
        if jnp.sum(x) > 0:
            return x
        return -x

    # jax's class (raised when the branch runs), with the rewrite to make
    with pytest.raises(s2s.errors.TracerBoolConversionError, match="jnp.where"):
        s2s.vmap(f)(jnp.asarray(X))


def _corpus():
    import jax.numpy as jjnp
    from corpus import cases, load
    return load(jnp, "corpus_s2s_vmap"), load(jjnp, "corpus_jax_vmap"), cases()


S, J, CORPUS = _corpus()
_BRANCHY = {"branch", "final_if_return", "while_counter", "early_return"}  # Python control flow on data
VG = [c for c in CORPUS if c[2] == 0 and len(c[1]) == 1 and c[0] not in _BRANCHY
      and c[1][0].ndim == 1]


@pytest.mark.parametrize("name", sorted({c[0] for c in VG}))
def test_vmap_of_grad_over_corpus_matches_jax(name):
    import jax
    xs = RNG.normal(size=(3, 5)).astype(np.float32) * 0.5
    ours = s2s.vmap(s2s.grad(getattr(S, name)))(jnp.asarray(xs))
    ref = jax.vmap(jax.grad(getattr(J, name)))(xs)
    np.testing.assert_allclose(ours, ref, rtol=3e-4, atol=3e-5)


def test_vmap_over_a_batch_of_keys():
    keys = s2s.random.split(s2s.random.key(0), 3)
    out = s2s.vmap(lambda k: s2s.random.normal(k, (2,)))(keys)
    ref = np.stack([np.asarray(s2s.random.normal(k, (2,))) for k in keys])
    np.testing.assert_array_equal(out, ref)
    new_keys = s2s.vmap(lambda k: s2s.random.split(k)[0])(keys)
    assert new_keys.shape == (3,)


def _tanh_layer(w, x):
    return jnp.tanh(x @ w)


def test_grad_and_jvp_of_a_function_that_calls_vmap():
    import jax
    import jax.numpy as jjnp

    def f(w):
        return jnp.sum(s2s.vmap(_tanh_layer, in_axes=(None, 0))(w, jnp.asarray(X)) ** 2)

    def fj(w):
        return jjnp.sum(jax.vmap(lambda w, x: jjnp.tanh(x @ w), in_axes=(None, 0))(w, X) ** 2)

    w = RNG.normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(s2s.grad(f)(jnp.asarray(w)), jax.grad(fj)(w), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(s2s.jit(s2s.grad(f))(jnp.asarray(w)), jax.grad(fj)(w),
                               rtol=1e-5, atol=1e-6)
    v = np.ones_like(w)
    np.testing.assert_allclose(s2s.jvp(f, (jnp.asarray(w),), (jnp.asarray(v),))[1],
                               jax.jvp(fj, (w,), (v,))[1], rtol=1e-5, atol=1e-5)
    assert "vmap_vjp(" in inspect.getsource(s2s.grad(f))


def test_nested_vmap_merges_batches():
    c = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    h = s2s.vmap(s2s.vmap(s2s.vmap(lambda x: jnp.sum(x * 2.0))))
    np.testing.assert_allclose(h(jnp.asarray(c)), c * 2.0, rtol=1e-6)
    a = RNG.normal(size=(3, 4)).astype(np.float32)
    b = RNG.normal(size=(5,)).astype(np.float32)
    k = s2s.vmap(s2s.vmap(lambda x, y: x * y, in_axes=(1, None)), in_axes=(None, 0))
    np.testing.assert_allclose(k(jnp.asarray(a), jnp.asarray(b)),
                               np.stack([a.T * bb for bb in b]), rtol=1e-6)
    from s2s.rules import batching
    calls = []
    original = batching.loop
    batching.loop = lambda *a, **k: calls.append(a[0]) or original(*a, **k)
    try:
        s2s.vmap(s2s.vmap(lambda x: jnp.sin(x) * 2.0))(jnp.asarray(c[0]))
    finally:
        batching.loop = original
    assert not calls  # one batched call, no per-example loop


def test_dtype_queries_are_the_same_for_every_example():
    """iscomplexobj/result_type/finfo/issubdtype of a mapped value are unmapped (they were
    batched by a per-example loop that stacked dtypes: TypeError), and array_equiv's shape
    check is batched (it was a refused ``try``)."""
    x = np.array([[1.3, 2.5, -0.4], [1.0, 1.0, 1.0]], np.float32)
    masked = s2s.vmap(lambda v: jnp.sum(jnp.where(jnp.iscomplexobj(v) | (v > 1), v, 0.0)))
    np.testing.assert_allclose(masked(x), [3.8, 0.0], rtol=1e-6)
    equiv = s2s.vmap(lambda v: jnp.array_equiv(v, jnp.ones(3)) & (jnp.finfo(v.dtype).eps > 0)
                     & jnp.issubdtype(jnp.result_type(v), jnp.floating))
    np.testing.assert_array_equal(equiv(x), [False, True])
