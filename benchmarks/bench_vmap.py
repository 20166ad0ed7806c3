"""vmap (issue: vmap): the quickstart's apply_matrix under jit against manual batching, and
per-example gradients of an MLP loss (batch 128), s2s beside jax."""
import numpy as np

import jax
import jax.numpy as jjnp

import s2s
import s2s.numpy as snp
from common import best_of


def run():
    rng = np.random.default_rng(0)
    mat = rng.normal(size=(150, 100)).astype(np.float32)
    batch = rng.normal(size=(10, 100)).astype(np.float32)
    Ms, Mj = snp.asarray(mat), jjnp.asarray(mat)

    def apply_s(v):
        return snp.dot(Ms, v)

    def apply_j(v):
        return jjnp.dot(Mj, v)

    vs = s2s.jit(s2s.vmap(apply_s))
    manual = s2s.jit(lambda vb: snp.dot(vb, Ms.T))
    vj = jax.jit(jax.vmap(apply_j))
    bs, bj = snp.asarray(batch), jjnp.asarray(batch)
    t_vmap = best_of(lambda: vs(bs).block_until_ready())
    t_manual = best_of(lambda: manual(bs).block_until_ready())
    t_jax = best_of(lambda: vj(bj).block_until_ready())
    rows = [("jit(vmap(apply_matrix)) vs s2s manual batching", t_vmap, t_manual, 1.05),
            ("jit(vmap(apply_matrix)) vs jax vmap", t_vmap, t_jax, 1.1)]

    def loss_s(W, x):
        return snp.sum(snp.tanh(x @ W) ** 2)

    def loss_j(W, x):
        return jjnp.sum(jjnp.tanh(x @ W) ** 2)

    W = rng.normal(size=(100, 10)).astype(np.float32) * 0.1
    X = rng.normal(size=(128, 100)).astype(np.float32)
    ps = s2s.jit(s2s.vmap(s2s.grad(loss_s), in_axes=(None, 0)))
    pj = jax.jit(jax.vmap(jax.grad(loss_j), in_axes=(None, 0)))
    Ws, Xs, Wj, Xj = snp.asarray(W), snp.asarray(X), jjnp.asarray(W), jjnp.asarray(X)
    np.testing.assert_allclose(np.asarray(ps(Ws, Xs)), np.asarray(pj(Wj, Xj)), rtol=1e-4,
                               atol=1e-5)
    rows.append(("jit(vmap(grad(loss))) per-example, batch 128",
                 best_of(lambda: ps(Ws, Xs).block_until_ready()),
                 best_of(lambda: pj(Wj, Xj).block_until_ready()), None))
    return rows


if __name__ == "__main__":
    from common import report
    report(run())
