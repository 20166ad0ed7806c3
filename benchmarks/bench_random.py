"""random (issue: s2s.random): samplers under jit, s2s beside jax (same bits checked first)."""
import numpy as np

import jax

import s2s
from common import best_of


def _pair(name, f_s, f_j, args_s, args_j, target):
    fs, fj = s2s.jit(f_s), jax.jit(f_j)
    np.testing.assert_array_equal(np.asarray(fs(*args_s)), np.asarray(fj(*args_j)))
    return (name, best_of(lambda: fs(*args_s).block_until_ready()),
            best_of(lambda: fj(*args_j).block_until_ready()), target)


def run():
    ks, kj = s2s.random.key(0), jax.random.key(0)
    a = np.linspace(0.1, 5.0, 10000).astype(np.float32)
    return [
        _pair("jit normal(key, (1000, 1000))", lambda k: s2s.random.normal(k, (1000, 1000)),
              lambda k: jax.random.normal(k, (1000, 1000)), (ks,), (kj,), 1.1),
        _pair("jit gamma(key, a[10000])", lambda k, a: s2s.random.gamma(k, a),
              lambda k, a: jax.random.gamma(k, a), (ks, s2s.numpy.asarray(a)), (kj, a), None),
        _pair("jit beta(key, a, b)[10000]", lambda k, a, b: s2s.random.beta(k, a, b),
              lambda k, a, b: jax.random.beta(k, a, b), (ks, s2s.numpy.asarray(a),
                                                         s2s.numpy.asarray(a[::-1])),
              (kj, a, a[::-1]), None),
    ]


if __name__ == "__main__":
    from common import report
    report(run())
