"""Each rule of ``rules_corpus.py`` against jax: grad, jvp, vmap(grad) and grad(grad)."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from corpus import assert_trees_close

jax = pytest.importorskip("jax")
import rules_corpus  # noqa: E402

S, J = rules_corpus.make(snp), rules_corpus.make(jax.numpy)
A = np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.4], [0.6, 0.1, 0.8]], np.float32)


def _jitted(f):
    """``f`` under jax.jit (one compile for the reference instead of one per operation),
    eagerly where jit needs a concrete value (``repeat`` by an array of counts)."""
    def run(*args):
        try:
            return jax.jit(f)(*args)
        except jax.errors.ConcretizationTypeError:
            return f(*args)
    return run


@pytest.mark.parametrize("name", sorted(S))
def test_rule_matches_jax(name):
    """grad, jvp, vmap(grad) and grad(grad) of each corpus function, s2s eagerly against jax
    (jitted where it can be)."""
    f, fj = S[name], J[name]
    a = snp.asarray(A)
    assert_trees_close(s2s.grad(f)(a), _jitted(jax.grad(fj))(A), 1e-4, 1e-5, True)
    t = (A[::-1] * 0.5).copy()
    assert_trees_close(s2s.jvp(f, (a,), (snp.asarray(t),))[1],
                       _jitted(lambda p, d: jax.jvp(fj, (p,), (d,))[1])(A, t), 1e-4, 1e-5, False)
    batch = np.stack([A, A * 0.8 + 0.1])
    assert_trees_close(s2s.vmap(s2s.grad(f))(snp.asarray(batch)),
                       _jitted(jax.vmap(jax.grad(fj)))(batch), 1e-4, 1e-5, True)
    v = np.linspace(-1, 1, 9).astype(np.float32).reshape(3, 3)
    ours = s2s.grad(lambda x: snp.sum(s2s.grad(f)(x) * v))(a)
    assert_trees_close(ours, _jitted(jax.grad(lambda x: jax.numpy.sum(jax.grad(fj)(x) * v)))(A),
                       1e-3, 1e-4, True)


def test_vmap_of_index_update_with_per_example_index():
    """x.at[i].add(v) with i differing between examples: each example updates its own place
    (the batched rule once placed every example's update with every index)."""
    def f(mod):
        return lambda x, i: mod.sum(x.at[i].add(x[0] * 3.0) ** 2)
    xb = np.array([[0.7, 1.07, 0.75], [1.3, 0.68, 1.04]], np.float32)
    ib = np.array([2, 1])
    assert_trees_close(s2s.vmap(s2s.grad(f(snp)))(snp.asarray(xb), snp.asarray(ib)),
                       jax.vmap(jax.grad(f(jax.numpy)))(xb, ib), 1e-5, 1e-6, True)
    assert_trees_close(s2s.vmap(f(snp))(snp.asarray(xb), snp.asarray(ib)),
                       jax.vmap(f(jax.numpy))(xb, ib), 1e-5, 1e-6, True)
