"""``s2s/lax_composite.py`` (lax functions written as source): values and errors as
``jax.lax``'s, and grad / jvp / vmap(grad) through their source."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from corpus import assert_trees_close

jax = pytest.importorskip("jax")
jjnp = jax.numpy

A = np.random.RandomState(0).randn(3, 4).astype(np.float32)
V = np.array([0.5, -1.2, 2.0, 0.0, 2.0, -3.0], np.float32)


def cases(lax, j):
    return {
        "top_k": (lambda x: lax.top_k(x, 3)[0] * j.arange(1.0, 4.0), V),
        "top_k_axis": (lambda a: lax.top_k(a, 2, axis=0)[0] ** 2, A),
        "slice_index_in_dim": (lambda a: lax.slice_in_dim(a, -3, None, 2, axis=1) ** 2
                               + lax.index_in_dim(a, -1, 1), A),
        "dims": (lambda a: lax.squeeze(lax.expand_dims(a, (0, 3)), (0,))
                 * lax.broadcast_to_rank(a[0, :1], 3), A),
        "collapse": (lambda a: lax.collapse(a[None], 1) ** 2, A),
        "full": (lambda x: lax.full((2, 6), 2.0) * x + lax.full_like(x, 3) * x, V),
        "square_reciprocal_exp2": (lambda x: lax.square(x) + lax.reciprocal(x + 4.0)
                                   + lax.exp2(x), V),
        "sort_key_val": (lambda x: lax.sort_key_val(-x, x * 2.0)[1], V),
        "dynamic_slice_in_dim": (lambda a: lax.dynamic_slice_in_dim(a, -3, 2, axis=1)
                                 + lax.dynamic_index_in_dim(a, 1, 1, keepdims=True), A),
        "dynamic_update_in_dim": (lambda a: lax.dynamic_update_slice_in_dim(a, a[:1] * 3.0, 2, 0)
                                  + lax.dynamic_update_index_in_dim(a, a[0] ** 2, -1, 0), A),
        "dot": (lambda a: lax.dot(a, a.T) + lax.dot(a, a[0])[:, None]
                + lax.dot(a, a, dimension_numbers=(((1,), (1,)), ((), ()))), A),
        "batch_matmul": (lambda a: lax.batch_matmul(a[None], a.T[None]), A),
        "split": (lambda x: lax.split(x, (2, 4))[1] ** 2, V),
        "cumlogsumexp": (lambda x: lax.cumlogsumexp(x * 40.0)
                         + lax.cumlogsumexp(x, reverse=True), V),
    }


S, J = cases(s2s.lax, snp), cases(jax.lax, jjnp)


@pytest.mark.parametrize("name", sorted(S))
def test_values_and_derivatives_as_jax(name):
    (f, x), (fj, _) = S[name], J[name]
    assert_trees_close(f(snp.asarray(x)), fj(jjnp.asarray(x)), 1e-5, 1e-5, True)

    def loss(m, fn):
        return lambda x: m.numpy.sum(fn(x) ** 2)
    assert_trees_close(s2s.grad(loss(s2s, f))(x), jax.grad(loss(jax, fj))(x), 1e-4, 1e-4, True)
    assert_trees_close(s2s.jvp(f, (x,), (np.ones_like(x),)),
                       jax.jvp(fj, (x,), (np.ones_like(x),)), 1e-4, 1e-4, True)
    batch = np.stack([x, x * 0.5 + 0.1])
    assert_trees_close(s2s.vmap(s2s.grad(loss(s2s, f)))(batch),
                       jax.vmap(jax.grad(loss(jax, fj)))(batch), 1e-4, 1e-4, True)


def test_integer_and_nan_top_k_and_errors():
    x = np.array([1.0, np.nan, 3.0, 3.0, -np.inf], np.float32)
    assert_trees_close(s2s.lax.top_k(x, 3), jax.lax.top_k(x, 3), 0, 0, True)
    i = np.array([3, 1, 3, 2], np.int32)
    assert_trees_close(s2s.lax.top_k(i, 3), jax.lax.top_k(i, 3), 0, 0, True)
    assert_trees_close(s2s.lax.sort_key_val(i, x[:4]), jax.lax.sort_key_val(i, x[:4]), 0, 0,
                       True)
    for bad in (lambda m: m.top_k(x, 9), lambda m: m.top_k(x, -1),
                lambda m: m.top_k(np.float32(1.0), 1), lambda m: m.dot(x, x[:3]),
                lambda m: m.split(x, (2, 2))):
        with pytest.raises(ValueError) as ours:
            bad(s2s.lax)
        with pytest.raises(ValueError) as ref:
            bad(jax.lax)
        assert str(ours.value) == str(ref.value)
    with pytest.raises(IndexError, match="out of bounds"):
        s2s.lax.index_in_dim(x, 7)


def test_dynamic_slice_counts_negative_indices_from_the_end():
    """As jax (allow_negative_indices): -3 starts three from the end, under jit too."""
    x = np.arange(10.0, dtype=np.float32)
    ours = s2s.jit(lambda x, i: s2s.lax.dynamic_slice(x, (i,), (2,)))(x, -3)
    np.testing.assert_array_equal(ours, [7.0, 8.0])
    np.testing.assert_array_equal(s2s.lax.dynamic_slice(x, (-3,), (2,)), [7.0, 8.0])
    np.testing.assert_array_equal(s2s.lax.dynamic_update_slice(x, np.ones(2, np.float32), (-3,)),
                                  jax.lax.dynamic_update_slice(x, np.ones(2, np.float32), (-3,)))
