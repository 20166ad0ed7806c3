"""Eager op latency and host<->device transfer, s2s beside jax (issue: Foundation I)."""
import numpy as np

import jax
import jax.numpy as jnp

import s2s
import s2s.numpy as snp
from common import best_of, report


def run():
    rows = []
    for n in (3, 1000):
        xs, xj = snp.arange(float(n)), jnp.arange(float(n))
        rows.append((f"sin on ({n},) float32", best_of(lambda: snp.sin(xs).block_until_ready()),
                     best_of(lambda: jnp.sin(xj).block_until_ready()), 1.5))
    xs, xj = snp.arange(3.0), jnp.arange(3.0)
    rows.append(("x + 1 (Python scalar), (3,)", best_of(lambda: (xs + 1).block_until_ready()),
                 best_of(lambda: (xj + 1).block_until_ready()), 1.5))
    for n in (3, 1_000_000):
        host = np.random.rand(n).astype(np.float32)
        rows.append((f"host->device ({n},) float32",
                     best_of(lambda: snp.asarray(host).block_until_ready()),
                     best_of(lambda: jnp.asarray(host).block_until_ready()), 1.5))
        ds, dj = snp.asarray(host), jnp.asarray(host)
        rows.append((f"device->host ({n},) float32",
                     best_of(lambda: np.array(s2s.numpy.add(ds, 0.0))) ,
                     best_of(lambda: np.array(jnp.add(dj, 0.0))), 1.5))
    return rows


if __name__ == "__main__":
    report(run())
