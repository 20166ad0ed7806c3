"""lax control flow under jit, grad and vmap, s2s beside jax: one XLA loop either way."""
import numpy as np

import jax
import jax.numpy as jjnp

import s2s
import s2s.numpy as snp
from common import best_of


def step(L, N):
    def f(w, x):
        def body(i, c):
            return N.tanh(c @ w) + c
        return N.sum(L.fori_loop(0, 50, body, x) ** 2)
    return f


def scan_loss(L, N):
    def f(w, xs):
        c, ys = L.scan(lambda c, x: (N.tanh(c @ w + x), N.sum(c)), N.zeros(xs.shape[1]), xs)
        return N.sum(c) + N.sum(ys)
    return f


def _row(name, fs, fj, args_s, args_j, target=None):
    out_s, out_j = fs(*args_s), fj(*args_j)
    a, b = (np.asarray(jax.tree_util.tree_leaves(o)[0]) for o in (out_s, out_j))
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4 * np.abs(b).max())
    block = lambda o: jax.tree_util.tree_leaves(o)[0].block_until_ready()  # noqa: E731
    return (name, best_of(lambda: block(fs(*args_s))), best_of(lambda: block(fj(*args_j))),
            target)


def run():
    rng = np.random.default_rng(0)
    w = (rng.normal(size=(64, 64)) * 0.1).astype(np.float32)
    x = rng.normal(size=(64,)).astype(np.float32)
    xs = rng.normal(size=(100, 64)).astype(np.float32)
    xb = rng.normal(size=(32, 64)).astype(np.float32)
    S, J = (s2s.lax, snp), (jax.lax, jjnp)
    ws, xs_s, x_s, xb_s = map(snp.asarray, (w, xs, x, xb))
    return [
        _row("jit fori_loop(50, tanh(c @ w) + c)", s2s.jit(step(*S)), jax.jit(step(*J)),
             (ws, x_s), (w, x)),
        _row("jit grad fori_loop", s2s.jit(s2s.grad(step(*S))), jax.jit(jax.grad(step(*J))),
             (ws, x_s), (w, x)),
        _row("jit grad scan (100 steps)", s2s.jit(s2s.grad(scan_loss(*S))),
             jax.jit(jax.grad(scan_loss(*J))), (ws, xs_s), (w, xs)),
        _row("jit vmap fori_loop (batch 32)", s2s.jit(s2s.vmap(step(*S), in_axes=(None, 0))),
             jax.jit(jax.vmap(step(*J), in_axes=(None, 0))), (ws, xb_s), (w, xb)),
    ]


if __name__ == "__main__":
    from common import report
    report(run())
