"""jit(hessian(f)) for a 100-dimensional function (issue: forward mode and Jacobians)."""
import time

import numpy as np

import jax
import jax.numpy as jjnp

import s2s
import s2s.numpy as snp
from common import best_of


def make_f(np_):
    def f(x):
        return np_.sum(np_.tanh(x) ** 2) + np_.sum(x[:-1] * x[1:]) * 0.5
    return f


def run():
    x = np.linspace(-1, 1, 100).astype(np.float32)
    xs, xj = snp.asarray(x), jjnp.asarray(x)
    start = time.perf_counter()
    hs = s2s.jit(s2s.hessian(make_f(snp)))
    s2s.block_until_ready(hs(xs))
    s_first = time.perf_counter() - start
    start = time.perf_counter()
    hj = jax.jit(jax.hessian(make_f(jjnp)))
    jax.block_until_ready(hj(xj))
    j_first = time.perf_counter() - start
    np.testing.assert_allclose(np.asarray(hs(xs)), np.asarray(hj(xj)), rtol=1e-4, atol=1e-5)
    return [("jit(hessian(f)) 100-dim, first call", s_first, j_first, None),
            ("jit(hessian(f)) 100-dim, steady state",
             best_of(lambda: s2s.block_until_ready(hs(xs))),
             best_of(lambda: jax.block_until_ready(hj(xj))), 1.05)]


if __name__ == "__main__":
    from common import report
    report(run())
