"""A 1000-step Python loop under jit: s2s with control_flow="convert" (one lax.fori_loop) beside
jax, which unrolls it (issue 16). First call (trace + lower + XLA compile + run; compilation
caches off) and steady state; plus jax's hand-written fori_loop, the program s2s writes."""
import time

import numpy as np

import jax
import jax.numpy as jjnp

import s2s
import s2s.numpy as snp
from common import best_of
from s2s.lowering import backend

STEPS = 1000


def python_loop(N):
    def loop(x, w):
        for i in range(STEPS):
            x = N.tanh(x * w + 0.1) * 0.5 + x * 0.5
        return x
    return loop


def hand_fori(L, N):
    def loop(x, w):
        return L.fori_loop(0, STEPS, lambda i, x: N.tanh(x * w + 0.1) * 0.5 + x * 0.5, x)
    return loop


def _first_call(make, args, clear, rounds=3):
    times = []
    for _ in range(rounds):
        clear()
        f = make()
        start = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2], f


def _clear_s2s():
    backend.compile.cache_clear()


def run():
    rng = np.random.default_rng(0)
    x, w = (rng.normal(size=(256,)).astype(np.float32) for _ in range(2))
    xs, ws = snp.asarray(x), snp.asarray(w)
    old = s2s.config.jax_enable_compilation_cache
    s2s.config.update("jax_enable_compilation_cache", False)
    try:
        s_first, fs = _first_call(lambda: s2s.jit(python_loop(snp), control_flow="convert"),
                                  (xs, ws), _clear_s2s)
        j_first, fj = _first_call(lambda: jax.jit(python_loop(jjnp)), (x, w), jax.clear_caches,
                                  rounds=1)  # (seconds: one is enough)
        h_first, fh = _first_call(lambda: jax.jit(hand_fori(jax.lax, jjnp)), (x, w),
                                  jax.clear_caches)
    finally:
        s2s.config.update("jax_enable_compilation_cache", old)
    np.testing.assert_allclose(np.asarray(fs(xs, ws)), np.asarray(fj(x, w)), rtol=1e-4,
                               atol=1e-5)
    steady_s = best_of(lambda: fs(xs, ws).block_until_ready())
    steady_j = best_of(lambda: fj(x, w).block_until_ready())
    steady_h = best_of(lambda: fh(x, w).block_until_ready())
    fsh = s2s.jit(hand_fori(s2s.lax, snp))
    steady_sh = best_of(lambda: fsh(xs, ws).block_until_ready())
    return [
        (f"first call, {STEPS}-step loop: converted / jax unrolled", s_first, j_first, 0.1),
        ("first call: converted / jax fori_loop by hand", s_first, h_first, None),
        (f"steady, {STEPS}-step loop: converted / jax unrolled", steady_s, steady_j, None),
        ("steady: converted / jax fori_loop by hand", steady_s, steady_h, None),
        ("steady: s2s fori_loop by hand / jax's (same program)", steady_sh, steady_h, None),
    ]


if __name__ == "__main__":
    from common import report
    report(run())
