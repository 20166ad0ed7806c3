"""The backend: no hidden jax import, executable cache, async dispatch, StableHLO validity."""
import subprocess
import sys

import numpy as np

import s2s.numpy as jnp
from lowering import backend


def test_library_never_imports_jax():
    code = ("import sys, numpy as np, s2s, s2s.numpy as jnp\n"
            "x = jnp.arange(3.0) + 1\n"
            "np.asarray(x); repr(x); np.asarray(jnp.ones(2, jnp.bfloat16)); x[jnp.array([0])]\n"
            "assert not [m for m in sys.modules if m == 'jax' or m.startswith('jax.')], "
            "sorted(m for m in sys.modules if m.startswith('jax'))\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_eager_executables_are_cached():
    x = jnp.arange(7.0)
    jnp.cos(x)
    before = backend.compile_count()
    for _ in range(3):
        jnp.cos(x)
    assert backend.compile_count() == before
    jnp.cos(jnp.arange(8.0))
    assert backend.compile_count() == before + 1


def test_results_are_asynchronous_and_block():
    x = jnp.ones((200, 200))
    y = x @ x
    assert y.block_until_ready() is y
    assert y.is_ready()
    np.testing.assert_allclose(np.asarray(y)[0, 0], 200.0)


def test_negative_zero_scalars_are_not_confused():
    x = jnp.zeros(2)
    assert np.signbit(np.asarray(x * -0.0)).all()
    assert not np.signbit(np.asarray(x * 0.0)).any()
