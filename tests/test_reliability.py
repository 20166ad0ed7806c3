"""Faults, threads and the cache folder: each case where a crash is possible runs in its own
process."""
import importlib.util
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import s2s
import s2s.numpy as jnp
from s2s.lowering import private_dir
from s2s import codegen


def _run(code, env=None, tmp_path=None):
    full = {**os.environ, **(env or {})}
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, env=full, cwd=str(tmp_path) if tmp_path else None,
                         timeout=300)
    return res


def test_cold_start_from_many_threads(tmp_path):
    """16 threads touching the backend and generating derivatives at once, from a cold start:
    one CPU client, one set of devices, no parser races."""
    (tmp_path / "work.py").write_text(textwrap.dedent("""
        import threading
        import s2s, s2s.numpy as jnp

        def f(x):
            return jnp.sum(jnp.sin(x) * x)

        errors, results = [], []

        def run(i):
            try:
                x = jnp.arange(3.0) + i
                g = s2s.grad(f)(x)
                results.append(float(jnp.sum(g - (jnp.cos(x) * x + jnp.sin(x)))))
            except Exception as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(results) == 16 and max(abs(r) for r in results) < 1e-4, results
        print("ok")
        """))
    res = _run("import work", env={"S2S_CACHE_DIR": str(tmp_path / "cache"),
                                    "PYTHONPATH": str(tmp_path)}, tmp_path=tmp_path)
    assert res.returncode == 0 and "ok" in res.stdout, res.stderr[-2000:]


def test_cache_folder_deleted_while_running(tmp_path, monkeypatch):
    import shutil
    monkeypatch.setenv("S2S_CACHE_DIR", str(tmp_path / "c"))

    def f(x):
        return x * x * 3.0
    assert float(s2s.grad(f)(2.0)) == 12.0
    shutil.rmtree(tmp_path / "c")

    def g(x):
        return x * x * 5.0
    assert float(s2s.grad(g)(2.0)) == 20.0  # a new transform makes the folder again


def test_cache_folder_is_private_under_umask_0(tmp_path):
    root = tmp_path / "deep" / "root"
    res = _run("""
        import os
        os.umask(0)
        import s2s
        print(s2s.codegen.cache_dir() if hasattr(s2s, 'codegen') else
              __import__('s2s.codegen').codegen.cache_dir())
        """, env={"S2S_CACHE_DIR": str(root)})
    assert res.returncode == 0, res.stderr
    for p in (root, root / "generated"):
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o700, p


def test_symlinked_cache_folder_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o755)
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(target, root / "generated")
    with pytest.raises(OSError, match="symbolic link"):
        private_dir._ensure(str(root / "generated"))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o755  # not chmod-ed through the link


def test_generated_code_is_read_from_memory_not_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("S2S_CACHE_DIR", str(tmp_path))

    def f(x):
        return jnp.sin(x) * x
    g = s2s.grad(f)
    path = g.__wrapped__.__s2s_source__
    with open(path) as fh:
        text = fh.read()
    assert "jnp.cos(x)" in text
    with open(path, "w") as fh:  # someone alters the cached file
        fh.write(text.replace("jnp.cos(x)", "jnp.sin(x) * 1000.0"))
    import linecache
    linecache.clearcache()
    x = 0.7
    expected = np.cos(x) * x + np.sin(x)
    h = s2s.grad(s2s.grad(f))(x)  # second order parses the generated first-order code
    assert np.isclose(float(h), -np.sin(x) * x + 2 * np.cos(x), rtol=1e-5)
    assert np.isclose(float(g(x)), expected, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["int32", "uint32", "int8", "float32"])
def test_integer_division_and_remainder_by_zero_as_jax(dtype):
    import jax.numpy as jjnp
    vals = np.array([-7, -1, 0, 1, 5, 7], np.int64)
    if dtype.startswith("u"):
        vals = np.abs(vals)
    a, b = np.meshgrid(vals, np.array([0, 3, -3, 1], np.int64) if not dtype.startswith("u")
                       else np.array([0, 3, 1], np.int64))
    a, b = a.astype(dtype).ravel(), b.astype(dtype).ravel()
    for op in (lambda m, x, y: x // y, lambda m, x, y: x % y):
        ours = np.asarray(op(jnp, jnp.asarray(a), jnp.asarray(b)))
        ref = np.asarray(op(jjnp, jjnp.asarray(a), jjnp.asarray(b)))
        np.testing.assert_array_equal(ours, ref)


def test_very_long_expressions_under_every_transform(tmp_path):
    """A 400-term sum: vmap's generated code nested 400 calls deep (a SyntaxError: too many
    nested parentheses); deep parts now move into their own assignments."""
    path = tmp_path / "long_sum.py"
    path.write_text("def f(x):\n    return " + " + ".join(f"x * {i}.0" for i in range(400))
                    + "\n")
    spec = importlib.util.spec_from_file_location("long_sum", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    total = float(sum(range(400)))
    np.testing.assert_allclose(s2s.vmap(mod.f)(x), x * total, rtol=1e-6)
    np.testing.assert_allclose(s2s.grad(lambda v: jnp.sum(mod.f(v)))(x[0]),
                               np.full(3, total), rtol=1e-6)
    np.testing.assert_allclose(s2s.jvp(mod.f, (x[0],), (x[1],))[1], x[1] * total, rtol=1e-6)
    np.testing.assert_allclose(s2s.vmap(s2s.grad(lambda v: jnp.sum(mod.f(v))))(x),
                               np.full((2, 3), total), rtol=1e-6)
