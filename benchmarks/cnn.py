"""Convolutions (issue: API breadth): the training step of a small CNN on 28x28 images, batch
32 (conv 3x3x16 -> relu -> 2x2 max-pool -> conv 3x3x32 -> relu -> 2x2 max-pool -> dense 10 ->
logsumexp cross-entropy), jit(grad), s2s beside jax."""
import time

import numpy as np

import jax
import jax.numpy as jjnp

import s2s
import s2s.lax as slax
import s2s.numpy as snp
from common import best_of


def make_loss(lax, np_):
    def block(h, kernel, bias):
        h = lax.conv_general_dilated(h, kernel, (1, 1), "SAME",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = np_.maximum(h + bias, 0.0)
        return lax.reduce_window(h, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    def cnn_loss(params, images, labels):
        (k1, b1), (k2, b2), dense = params
        h = block(block(images, k1, b1), k2, b2)
        logits = np_.reshape(h, (h.shape[0], -1)) @ dense
        top = np_.max(logits, axis=1, keepdims=True)
        lse = np_.log(np_.sum(np_.exp(logits - top), axis=1)) + top[:, 0]
        return np_.mean(lse - np_.sum(logits * labels, axis=1))
    return cnn_loss


def data(conv, batch=32):
    rng = np.random.default_rng(0)
    normal = lambda *s: rng.normal(size=s).astype(np.float32)  # noqa: E731
    params = ((conv(normal(3, 3, 1, 16) / 3), conv(np.zeros(16, np.float32))),
              (conv(normal(3, 3, 16, 32) / 12), conv(np.zeros(32, np.float32))),
              conv(normal(7 * 7 * 32, 10) / 40))
    images = conv(normal(batch, 28, 28, 1))
    labels = conv(np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)])
    return params, images, labels


def _first_call(step, args, block):
    start = time.perf_counter()
    block(step(*args))
    return time.perf_counter() - start


def run():
    s_args, j_args = data(snp.asarray), data(jjnp.asarray)
    rows = []
    # a fresh function object each time so no executable cache is hit
    s_first = _first_call(s2s.jit(s2s.grad(make_loss(slax, snp))), s_args,
                          s2s.block_until_ready)
    j_first = _first_call(jax.jit(jax.grad(make_loss(jax.lax, jjnp))), j_args,
                          jax.block_until_ready)
    rows.append(("jit(grad(cnn)) first call", s_first, j_first, None))
    s_step = s2s.jit(s2s.grad(make_loss(slax, snp)))
    j_step = jax.jit(jax.grad(make_loss(jax.lax, jjnp)))
    rows.append(("jit(grad(cnn)) steady state, batch 32",
                 best_of(lambda: s2s.block_until_ready(s_step(*s_args))),
                 best_of(lambda: jax.block_until_ready(j_step(*j_args))), None))
    return rows


if __name__ == "__main__":
    from common import report
    report(run())
