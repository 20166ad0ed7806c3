"""The backend: no hidden jax import, executable cache, async dispatch, StableHLO validity."""
import subprocess
import sys

import numpy as np

import s2s.numpy as jnp
from s2s.lowering import backend


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


_PROGRAM = """
import numpy as np, s2s.numpy as jnp
from s2s.lowering import compile_cache
x = jnp.asarray(np.arange(7, dtype=np.float32))
print(float(jnp.sum(jnp.cosh(x) * 3.5)), compile_cache.hits[0])
"""


def _run(cache, **env):
    import os
    out = subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True,
                         env={**os.environ, "S2S_CACHE_DIR": str(cache), **env}, check=True)
    value, hits = out.stdout.split()
    return float(value), int(hits)


def test_a_second_process_loads_what_the_first_compiled(tmp_path):
    """The persistent compilation cache: the second run compiles nothing it can load."""
    import os
    import stat
    expect = float(np.sum(np.cosh(np.arange(7, dtype=np.float32)) * 3.5))
    value, hits = _run(tmp_path)
    assert np.isclose(value, expect, rtol=1e-6) and hits == 0
    folder = tmp_path / "xla"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    entries = sorted(folder.iterdir())
    assert entries and all(e.suffix == ".xla" for e in entries)
    value2, hits2 = _run(tmp_path)
    assert value2 == value and hits2 == len(entries)
    # a damaged entry is never handed to jaxlib: deleted, compiled again, same result
    for e in entries:
        data = bytearray(e.read_bytes())
        data[-20] ^= 0xFF
        e.write_bytes(bytes(data))
    value3, hits3 = _run(tmp_path)
    assert value3 == value and hits3 == 0
    assert _run(tmp_path)[1] > 0  # rewritten whole


def test_the_compilation_cache_can_be_turned_off(tmp_path):
    _run(tmp_path, S2S_COMPILATION_CACHE="0")
    assert not (tmp_path / "xla").exists() or not list((tmp_path / "xla").iterdir())
