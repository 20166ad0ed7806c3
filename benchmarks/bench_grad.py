"""Reverse mode (issue: grad): derivative generation, jit(grad(mlp_loss)) and eager grad of a
784-512-512-10 MLP with batch 128, s2s beside jax."""
import time

import numpy as np

import jax
import jax.numpy as jjnp

import s2s
import s2s.numpy as snp
from common import best_of


def make_loss(np_):
    def mlp_loss(params, x, y):
        h = x
        for W, b in params[:-1]:
            h = np_.tanh(h @ W + b)
        W, b = params[-1]
        logits = h @ W + b
        logits = logits - np_.max(logits, axis=1, keepdims=True)
        logp = logits - np_.log(np_.sum(np_.exp(logits), axis=1, keepdims=True))
        return -np_.mean(np_.sum(logp * y, axis=1))
    return mlp_loss


def data(conv):
    rng = np.random.default_rng(0)
    sizes = [784, 512, 512, 10]
    params = [(conv(rng.normal(size=(m, n)).astype(np.float32) / np.sqrt(m)),
               conv(np.zeros(n, np.float32))) for m, n in zip(sizes[:-1], sizes[1:])]
    x = conv(rng.normal(size=(128, 784)).astype(np.float32))
    y = conv(np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)])
    return params, x, y


def _first_call(make_fn, args):
    start = time.perf_counter()
    out = make_fn()(*args)
    jax.block_until_ready(out) if not isinstance(out, list) else None
    s2s.block_until_ready(out)
    return time.perf_counter() - start


def run():
    from s2s import cache
    from s2s.reverse import grad_function
    rows = []
    s_loss, j_loss = make_loss(snp), make_loss(jjnp)
    s_args, j_args = data(snp.asarray), data(jjnp.asarray)

    cache.clear()
    start = time.perf_counter()
    grad_function(s_loss, (0,), mode="grad", single=True)
    first_gen = time.perf_counter() - start
    cached_gen = best_of(lambda: grad_function(s_loss, (0,), mode="grad", single=True))
    entry = next(e for e in cache._entries.values() if getattr(
        e.fn, "__s2s_original__", None) is s_loss)
    check = best_of(entry.valid)
    rows.append(("generate d(mlp_loss) source, first (s2s only)", first_gen, first_gen, None))
    rows.append(("generate d(mlp_loss) source, cached (s2s only)", cached_gen, cached_gen, None))
    rows.append((f"staleness check of a cached derivative, {len(entry.dict_reads)} reads "
                 f"(s2s only)", check, check, None))

    # a fresh function object each time so no executable cache is hit
    s_first = _first_call(lambda: s2s.jit(s2s.grad(make_loss(snp))), s_args)
    j_first = _first_call(lambda: jax.jit(jax.grad(make_loss(jjnp))), j_args)
    rows.append(("jit(grad(mlp)) first call", s_first, j_first, 1.0))

    s_step, j_step = s2s.jit(s2s.grad(s_loss)), jax.jit(jax.grad(j_loss))
    rows.append(("jit(grad(mlp)) steady state",
                 best_of(lambda: s2s.block_until_ready(s_step(*s_args))),
                 best_of(lambda: jax.block_until_ready(j_step(*j_args))), 1.05))
    s_eager, j_eager = s2s.grad(s_loss), jax.grad(j_loss)
    rows.append(("eager grad(mlp)", best_of(lambda: s2s.block_until_ready(s_eager(*s_args)),
                                            repeat=5),
                 best_of(lambda: jax.block_until_ready(j_eager(*j_args)), repeat=5), None))
    return rows


if __name__ == "__main__":
    from common import report
    report(run())
