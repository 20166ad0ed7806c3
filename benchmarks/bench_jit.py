"""jit: dispatch latency, first call (stage + trace + lower + compile) and steady state, s2s beside
jax (issue: Foundation II)."""
import time

import numpy as np

import jax
import jax.numpy as jnp

import s2s
import s2s.numpy as snp
from common import best_of, report
from s2s.lowering import backend


def make_norm(np_mod):
    def norm(X):
        X = X - X.mean(0)
        return X / X.std(0)
    return norm


def first_call_s2s(X, rounds=5):
    """Median first-call time, and the split into trace / lower / compile+run."""
    times, split = [], []
    for _ in range(rounds):
        backend.compile.cache_clear()
        f = s2s.jit(make_norm(snp))
        t0 = time.perf_counter()
        lowered = f.lower(X)
        t1 = time.perf_counter()
        text = lowered.as_text()
        t2 = time.perf_counter()
        compiled = lowered.compile()
        t3 = time.perf_counter()
        compiled(X).block_until_ready()
        t4 = time.perf_counter()
        backend.compile.cache_clear()
        g = s2s.jit(make_norm(snp))
        s = time.perf_counter()
        g(X).block_until_ready()
        times.append(time.perf_counter() - s)
        split.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
        del text
    times.sort()
    split = np.median(np.array(split), axis=0)
    return times[len(times) // 2], split


def first_call_jax(X, rounds=5):
    times = []
    for _ in range(rounds):
        jax.clear_caches()
        f = jax.jit(make_norm(jnp))
        s = time.perf_counter()
        f(X).block_until_ready()
        times.append(time.perf_counter() - s)
    times.sort()
    return times[len(times) // 2]


def run():
    rows = []
    fs, fj = s2s.jit(lambda x: x + 1), jax.jit(lambda x: x + 1)
    xs, xj = snp.ones(3), jnp.ones(3)
    rows.append(("jit dispatch x + 1, (3,)", best_of(lambda: fs(xs)), best_of(lambda: fj(xj)), 1.5))
    host = np.random.RandomState(1701).rand(10000, 10).astype(np.float32)
    Xs, Xj = snp.asarray(host), jnp.asarray(host)
    s_first, split = first_call_s2s(Xs)
    j_first = first_call_jax(Xj)
    rows.append(("norm first call (10000, 10)", s_first, j_first, 1.0))
    ns, nj = s2s.jit(make_norm(snp)), jax.jit(make_norm(jnp))
    rows.append(("norm steady state (10000, 10)", best_of(lambda: ns(Xs).block_until_ready()),
                 best_of(lambda: nj(Xj).block_until_ready()), 1.05))
    return rows, split


if __name__ == "__main__":
    rows, split = run()
    report(rows)
    print("s2s first-call split (stage+trace, lower, XLA compile, first run): " +
          ", ".join(f"{t * 1e3:.2f} ms" for t in split))
