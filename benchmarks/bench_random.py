"""random (issue: s2s.random): normal(key, (1000, 1000)) under jit, s2s beside jax."""
import numpy as np

import jax

import s2s
from common import best_of


def run():
    ks, kj = s2s.random.key(0), jax.random.key(0)
    fs = s2s.jit(lambda k: s2s.random.normal(k, (1000, 1000)))
    fj = jax.jit(lambda k: jax.random.normal(k, (1000, 1000)))
    np.testing.assert_array_equal(np.asarray(fs(ks)), np.asarray(fj(kj)))
    return [("jit normal(key, (1000, 1000))", best_of(lambda: fs(ks).block_until_ready()),
             best_of(lambda: fj(kj).block_until_ready()), 1.1)]


if __name__ == "__main__":
    from common import report
    report(run())
