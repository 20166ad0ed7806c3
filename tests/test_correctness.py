"""Regression tests for derivatives that were once wrong without an error (issue 11).

Each program runs under s2s and under jax (the same source, imported twice with ``jnp``
bound to ``s2s.numpy`` / ``jax.numpy``) and the results must agree.
"""
import functools
import importlib.util
import os
import sys
import textwrap
import threading

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import s2s
import s2s.numpy as jnp
from corpus import assert_trees_close
from s2s.errors import TransformError


def _module(tmp_path, name, source, np_module, lax):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    mod.jnp, mod.lax = np_module, lax
    mod.tree_util = s2s.tree_util if np_module is jnp else jax.tree_util
    spec.loader.exec_module(mod)
    return mod


def both(tmp_path, source):
    """The program under s2s and under jax."""
    key = f"m{abs(hash(source)) % 10**8}"
    return (_module(tmp_path, key + "_s", source, jnp, s2s.lax),
            _module(tmp_path, key + "_j", source, jjnp, jax.lax))


def close(a, b, rtol=1e-5, atol=1e-6):
    assert_trees_close(plain(a), plain(b), rtol, atol, check_dtype=False)


def plain(tree):
    """Named tuples (each module defines its own class) as dicts of their fields."""
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return {k: plain(v) for k, v in tree._asdict().items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(plain(v) for v in tree)
    if isinstance(tree, dict):
        return {k: plain(v) for k, v in tree.items()}
    return tree


PROGRAMS = {
    "default_argument": ("""
        def h(x, p=3.0):
            return x ** p

        def f(x):
            return h(x)
        """, (2.0,)),
    "default_argument_layer_norm": ("""
        def norm(x, eps=1e-5, keepdims=True):
            m = jnp.mean(x, keepdims=keepdims)
            v = jnp.mean((x - m) ** 2, keepdims=keepdims)
            return (x - m) / jnp.sqrt(v + eps)

        def f(x):
            return jnp.sum(norm(x) * jnp.arange(3.0))
        """, (np.array([0.5, 1.0, 2.5], np.float32),)),
    "keyword_argument_to_helper": ("""
        def h(x, p=3.0, *, scale=1.0):
            return scale * x ** p

        def f(x):
            return h(x, p=2.0, scale=0.5) + h(x)
        """, (1.5,)),
    "args_and_kwonly": ("""
        def h(*xs, w=2.0):
            return sum(xs) * w

        def f(x):
            return h(x, x * x, w=3.0)
        """, (1.5,)),
    "array_of_value": ("""
        def f(a):
            return jnp.array(a) * 3.0 + jnp.asarray(a) * 2.0
        """, (2.0,)),
    "list_append_index": ("""
        def f(a):
            l = []
            l.append(a * a)
            return l[0] * a
        """, (2.0,)),
    "list_append_loop_stack": ("""
        def f(a):
            l = []
            for i in range(3):
                l.append(jnp.sin(a * i))
            return jnp.sum(jnp.stack(l)) + jnp.sum(jnp.concatenate([l[0][None], l[-1][None]]))
        """, (0.7,)),
    "list_push_pop": ("""
        def f(a):
            stack = []
            stack.append(a)
            stack.append(a * 3.0)
            b = stack.pop()
            c = stack.pop()
            return b * c * a
        """, (2.0,)),
    "list_comprehension": ("""
        def f(x):
            ws = [1.0, 2.0, 3.0]
            ys = jnp.stack([w * x for w in ws if w > 1.0])
            return jnp.sum(ys * ys) + sum(x * i for i in range(3))
        """, (1.5,)),
    "walrus": ("""
        def f(x):
            z = (y := x * 2.0) + y
            return z * y
        """, (1.5,)),
    "tuple_params_twice": ("""
        def use(p, x):
            return p[0] * x + p[1]

        def f(x):
            p = (x * 2.0, x * x)
            return use(p, x) + use(p, x * 2.0)
        """, (1.5,)),
    "dict_params_twice": ("""
        def use(p, x):
            return p['a'] * x + p['b']

        def f(x):
            p = {'a': x * 2.0, 'b': jnp.sin(x)}
            return use(p, x) * use(p, x * 2.0)
        """, (1.5,)),
    "dict_closed_over_by_fori": ("""
        def f(x):
            p = {'a': x * 0.5, 'b': jnp.cos(x)}
            def body(i, c):
                return c * p['a'] + p['b']
            return lax.fori_loop(0, 3, body, x)
        """, (1.5,)),
    "local_lambda_and_def": ("""
        def f(x):
            sq = lambda v: v * v
            def cube(v):
                return sq(v) * v
            return sq(x) + cube(x)
        """, (1.5,)),
    "atleast_and_det": ("""
        def f(x):
            m = jnp.atleast_2d(x) * jnp.atleast_1d(x) + jnp.atleast_3d(x)[0]
            return jnp.linalg.det(m + jnp.eye(3) * 2.0)
        """, (np.array([0.5, 1.0, 1.5], np.float32),)),
    "decorator_with_wraps": ("""
        import functools

        def double(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                return 2.0 * fn(*args, **kwargs)
            return wrapper

        @double
        def f(x):
            return x * x
        """, (1.5,)),
    "at_update_and_numpy_input": ("""
        def f(x):
            return jnp.sum(x.at[0].set(x[1] * 2.0) * x)
        """, (np.array([1.0, 2.0, 3.0], np.float32),)),
    "self_assignment": ("""
        def f(x):
            x = x
            y = x * 2.0
            y = y
            return jnp.sum(y * x)
        """, (np.array([0.5, 1.0], np.float32),)),
    "self_assignment_as_whole_loop_body": ("""
        def f(x):
            y = x * 2.0
            for i in range(3):
                y = y
            return jnp.sum(y * x)
        """, (np.array([0.5, 1.0], np.float32),)),
    "local_lambda_and_defs_reading_differentiated_values": ("""
        def f(x):
            g = lambda a: a * x
            y = g(x * 2.0)
            for i in range(2):
                h = lambda a: a * y
                y = h(y) * 0.5 + 1.0
                def k(a):
                    return jnp.sin(a) * y
                y = k(y)
            if x.shape[0] > 1:
                def m(a):
                    return a * jnp.cos(y)
                y = m(x) + y
            return jnp.sum(y)
        """, (np.array([0.5, 1.0], np.float32),)),
    "container_entry_without_cotangent": ("""
        def f(x):
            p = (x, jnp.sum(x))
            q = {"w": x * 3.0, "b": jnp.sum(x)}
            return jnp.sum(p[0] * q["w"])
        """, (np.array([0.5, 1.0], np.float32),)),
    "closures_calling_closures": ("""
        def f(x):
            def g(a):
                return a * x
            def h(a):
                return g(a) + jnp.sin(x)
            k = lambda x: h(x) * 2.0  # a parameter named like a value g reads
            return jnp.sum(h(x * 2.0) + k(x))
        """, (np.array([0.5, 1.0], np.float32),)),
    "second_order_reduction_in_loop_after_reset": ("""
        def f(x):
            for k in range(2):
                v9 = jnp.sin(x)
                parts = []
                parts.append(v9[0] * x)
                v13 = jnp.sum(jnp.stack(parts), axis=0)
            return jnp.sum(v13)
        """, (np.array([1.1, 1.3, 1.4], np.float32),)),
    "second_order_list_whose_cotangent_stayed_zero": ("""
        def f(x):
            for i in range(2):
                parts = []
                for j in range(2):
                    parts.append(x)
                unused = jnp.tanh(parts[0] * parts[-1])
            return jnp.sum(jnp.sin(x))
        """, (np.array([0.7, 1.1, 1.3], np.float32),)),
    "dict_entry_without_cotangent_under_vmap": ("""
        def f(x):
            p = {"w": jnp.where(x[1] > 0.5, x, x), "b": x[1] * (-1.5)}
            return jnp.sum(p["w"])
        """, (np.array([0.7, 1.07, 0.75], np.float32),)),
    "numpy_array_filled_in": ("""
        import numpy as np

        def f(x):
            a = np.zeros(3)
            a[0] = 1.0
            y = x * a
            a[1] += 5.0  # (y keeps the values from before: the derivative reads those)
            w = [1.0, 2.0]
            w[0] = 3.0
            return jnp.sum(y * a) + jnp.sum(x * w[0])
        """, (np.array([0.5, 1.0, 2.0], np.float32),)),
    "second_order_helpers": ("""
        def mul(a, b):
            return a * b

        def f(a):
            b = mul(a, a)
            return mul(b, b)
        """, (2.0,)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_matches_jax(tmp_path, name):
    source, args = PROGRAMS[name]
    ms, mj = both(tmp_path, source)
    close(s2s.grad(ms.f)(*args), jax.grad(mj.f)(*args))
    ones = tuple(np.ones_like(a) for a in args)
    close(s2s.jvp(ms.f, args, ones), jax.jvp(mj.f, args, ones))
    close(s2s.grad(lambda x: jnp.sum(s2s.grad(ms.f)(x)))(*args),
          jax.grad(lambda x: jjnp.sum(jax.grad(mj.f)(x)))(*args), rtol=1e-4)
    close(s2s.jit(s2s.grad(ms.f))(*args), jax.jit(jax.grad(mj.f))(*args), rtol=1e-4)
    xs = np.stack([np.asarray(args[0], np.float32) * s for s in (0.5, 1.0, 1.5)])
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs), rtol=1e-4)


def test_pytree_params_used_twice_by_argument(tmp_path):
    ms, mj = both(tmp_path, """
        def use(p, x):
            return p[0] * x + p[1]

        def f(p, x):
            return use(p, x) + use(p, x * 2.0)

        def usd(p, x):
            return p['a'] * x + p['b']

        def g(p, x):
            return usd(p, x) + usd(p, x * 2.0)
        """)
    close(s2s.grad(ms.f)((1.0, 2.0), 3.0), jax.grad(mj.f)((1.0, 2.0), 3.0))
    d = {"a": 1.0, "b": 2.0}
    close(s2s.grad(ms.g)(d, 3.0), jax.grad(mj.g)(d, 3.0))
    close(s2s.jvp(ms.g, (d, 3.0), (d, 1.0)), jax.jvp(mj.g, (d, 3.0), (d, 1.0)))


def test_methods_partials_and_containers_built_by_calls(tmp_path):
    ms, mj = both(tmp_path, """
        import functools
        from typing import NamedTuple

        class Model:
            def __init__(self, w):
                self.w = w

            def loss(self, x):
                return jnp.sum(jnp.tanh(self.w * x))

        def scaled(x, y, scale):
            return jnp.sum(x * y) * scale

        class P(NamedTuple):
            w: object
            b: object

        def pack(x):
            return P(w=x * 2.0, b=jnp.sin(x))

        def pack_dict(x):
            return dict(a=x * 2.0, b=jnp.sin(x))
        """)
    x = np.array([0.5, 0.3], np.float32)
    w = np.array([1.0, 2.0], np.float32)
    close(s2s.grad(ms.Model(jnp.asarray(w)).loss)(x), jax.grad(mj.Model(w).loss)(x))
    close(s2s.vmap(ms.Model(jnp.asarray(w)).loss)(np.stack([x, x])),
          jax.vmap(mj.Model(w).loss)(np.stack([x, x])))
    part = (functools.partial(ms.scaled, scale=2.0), functools.partial(mj.scaled, scale=2.0))
    close(s2s.grad(part[0])(x, w), jax.grad(part[1])(x, w))
    for name in ("pack", "pack_dict"):
        close(s2s.jacrev(getattr(ms, name))(1.5), jax.jacrev(getattr(mj, name))(1.5))
        close(s2s.jacfwd(getattr(ms, name))(1.5), jax.jacfwd(getattr(mj, name))(1.5))
        close(s2s.jvp(getattr(ms, name), (1.5,), (1.0,)),
              jax.jvp(getattr(mj, name), (1.5,), (1.0,)))


def test_functions_known_only_at_run_time(tmp_path):
    """``self.forward(x)`` and functions passed as arguments: derivatives found when called."""
    ms, mj = both(tmp_path, """
        class Model:
            def __init__(self, w):
                self.w = w

            def forward(self, x):
                return jnp.tanh(self.w * x)

            def loss(self, x):
                return jnp.sum(self.forward(x) ** 2)

        def apply(f, x):
            return jnp.sum(f(x) * x)
        """)
    x = np.array([0.5, 0.3], np.float32)
    w = np.array([1.0, 2.0], np.float32)
    ones = np.ones(2, np.float32)
    close(s2s.grad(ms.Model(jnp.asarray(w)).loss)(x), jax.grad(mj.Model(w).loss)(x))
    close(s2s.jvp(ms.Model(jnp.asarray(w)).loss, (x,), (ones,)),
          jax.jvp(mj.Model(w).loss, (x,), (ones,)))
    close(s2s.vmap(ms.Model(jnp.asarray(w)).loss)(np.stack([x, 2 * x])),
          jax.vmap(mj.Model(w).loss)(np.stack([x, 2 * x])))
    close(s2s.grad(ms.apply, 1)(jnp.sin, x), jax.grad(mj.apply, 1)(jjnp.sin, x))
    close(s2s.jvp(lambda v: ms.apply(jnp.tanh, v), (x,), (ones,)),
          jax.jvp(lambda v: mj.apply(jjnp.tanh, v), (x,), (ones,)))


def test_vmap_and_jvp_with_defaults(tmp_path):
    ms, mj = both(tmp_path, """
        def g(x, s=2.0):
            return x * s
        """)
    close(s2s.vmap(ms.g)(jnp.ones(3)), jax.vmap(mj.g)(jjnp.ones(3)))
    close(s2s.jvp(ms.g, (1.5,), (1.0,)), jax.jvp(mj.g, (1.5,), (1.0,)))
    close(s2s.grad(ms.g)(1.5, 4.0), jax.grad(mj.g)(1.5, 4.0))
    close(s2s.grad(ms.g)(1.5, s=4.0), jax.grad(mj.g)(1.5, s=4.0))
    xs = np.arange(6, dtype=np.float32).reshape(2, 3) / 6
    # jit reads vmap(grad(g))'s signature: (x, s=2.0), without generating code for it
    close(s2s.jit(s2s.vmap(s2s.grad(lambda x, s=2.0: jnp.sum(ms.g(x, s)))))(xs),
          jax.jit(jax.vmap(jax.grad(lambda x, s=2.0: jjnp.sum(mj.g(x, s)))))(xs))


def test_vmap_unmapped_argument_later_holding_mapped_values(tmp_path):
    ms, mj = both(tmp_path, """
        def g(x, s):
            s -= x[0]
            y = x * s
            s = x[1]
            return jnp.sum(y * s)
        """)
    xs = np.arange(6, dtype=np.float32).reshape(2, 3) / 6
    close(s2s.vmap(s2s.grad(ms.g), (0, None))(xs, 2.0),
          jax.vmap(jax.grad(mj.g), (0, None))(xs, 2.0))
    close(s2s.vmap(ms.g, (0, None))(xs, 2.0), jax.vmap(mj.g, (0, None))(xs, 2.0))


def test_clip_bounds_are_differentiated(tmp_path):
    ms, mj = both(tmp_path, """
        def f(x, lo, hi):
            return jnp.sum(jnp.clip(x, lo, hi))
        """)
    x = np.array([0.0, 1.0, 2.0, 3.0, 0.5], np.float32)
    close(s2s.grad(ms.f, (0, 1, 2))(x, 1.0, 2.0), jax.grad(mj.f, (0, 1, 2))(x, 1.0, 2.0))


def test_helper_mutating_its_argument_is_refused(tmp_path):
    ms, _ = both(tmp_path, """
        def app(l, x):
            l.append(x * 2.0)

        def f(a):
            l = [a]
            app(l, a)
            return l[0] * l[1]
        """)
    with pytest.raises(TransformError, match=r"\.py:7: .*side effects"):
        s2s.grad(ms.f)(2.0)
    with pytest.raises(TransformError, match="side effects"):
        s2s.jvp(ms.f, (2.0,), (1.0,))


# ---- stale derivatives ---------------------------------------------------------------------

def test_edited_and_reloaded_module_regenerates(tmp_path):
    path = tmp_path / "edited_mod.py"
    path.write_text("import s2s.numpy as jnp\n\ndef f(x):\n    return x * x\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import edited_mod
        assert float(s2s.grad(edited_mod.f)(3.0)) == 6.0
        assert float(s2s.vmap(edited_mod.f)(jnp.ones(2))[0]) == 1.0
        path.write_text("import s2s.numpy as jnp\n\ndef f(x):\n    return x * x * x\n")
        importlib.reload(edited_mod)
        assert float(s2s.grad(edited_mod.f)(3.0)) == 27.0
        assert float(s2s.vmap(edited_mod.f)(2 * jnp.ones(2))[0]) == 8.0
        j = s2s.jit(lambda x, n: edited_mod.f(x) * n, static_argnums=1)
        assert float(j(2.0, 2)) == 16.0
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("edited_mod", None)


def test_file_edited_without_reload_is_refused_not_mixed_up(tmp_path):
    """The running function is the old code; the file holds new text (here the new text of
    ``f`` stands where the old one did): s2s must not differentiate the new text."""
    path = tmp_path / "edited_in_place.py"
    path.write_text("import s2s.numpy as jnp\n\ndef f(x):\n    return jnp.sin(x) * 3.0\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import edited_in_place
        old = edited_in_place.f
        path.write_text("import s2s.numpy as jnp\n\ndef f(x):\n    return jnp.cos(x) * 3.0\n")
        st = os.stat(path)
        os.utime(path, (st.st_atime, st.st_mtime + 10))  # (a new mtime, as an editor gives)
        with pytest.raises(TransformError, match="is not the code that runs"):
            s2s.grad(old)(0.5)
        importlib.reload(edited_in_place)
        np.testing.assert_allclose(s2s.grad(edited_in_place.f)(0.5), -3.0 * np.sin(0.5),
                                   rtol=1e-6)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("edited_in_place", None)


def test_same_code_other_globals_and_closures(tmp_path):
    ms, mj = both(tmp_path, """
        def hvps(fs, x, v):
            out = []
            for f in fs:
                out.append(grad(lambda y: jnp.sum(grad(f)(y) * v))(x))
            return out

        def adders(ks):
            return [lambda x, k=k: x * k for k in ks]
        """)
    ms.grad, mj.grad = s2s.grad, jax.grad
    fs_s = [lambda y: jnp.sum(jnp.sin(y)), lambda y: jnp.sum(y ** 3)]
    fs_j = [lambda y: jjnp.sum(jjnp.sin(y)), lambda y: jjnp.sum(y ** 3)]
    x = np.array([0.3, 0.7], np.float32)
    v = np.array([1.0, -1.0], np.float32)
    close(ms.hvps(fs_s, x, v), mj.hvps(fs_j, x, v), rtol=1e-4)
    # closures: the same code object with other cell values
    outs = [s2s.grad(lambda x, c=c: x * c)(1.0) for c in (1.0, 2.0, 3.0)]
    assert [float(o) for o in outs] == [1.0, 2.0, 3.0]
    outs = [s2s.grad(ms.adders([1.0, 2.0])[i])(1.0) for i in range(2)]
    assert [float(o) for o in outs] == [1.0, 2.0]


def test_redefined_callee_and_monkeypatched_function(tmp_path, monkeypatch):
    ms, _ = both(tmp_path, """
        def h(x):
            return x * x

        def f(x):
            return jnp.sin(h(x))
        """)
    assert np.isclose(float(s2s.grad(ms.f)(0.5)), np.cos(0.25) * 1.0)
    ms.h = lambda x: x * x * x
    assert np.isclose(float(s2s.grad(ms.f)(0.5)), np.cos(0.125) * 0.75)
    monkeypatch.setattr(jnp, "sin", jnp.cos)
    assert np.isclose(float(s2s.grad(ms.f)(0.5)), -np.sin(0.125) * 0.75)


def test_cached_call_check_is_cheap():
    """The staleness check on a cached derivative: a dictionary lookup and identity tests."""
    from s2s import cache
    from s2s.reverse import grad_function

    def f(x):
        return jnp.sin(x) * x
    grad_function(f, (0,), mode="grad", single=True, call=(1, ()))
    pins = []
    key = (("reverse", (0,), False, "grad", True, (1, ()), False), cache.fingerprint(f, pins))
    entry = cache._entries[key]
    assert entry.valid() and entry.dict_reads  # it recorded what it read (jnp, sin)
    assert grad_function(f, (0,), mode="grad", single=True, call=(1, ())) is entry.fn


def test_threads_share_one_derivative():
    def f(x):
        y = x
        for i in range(3):
            y = jnp.sin(y) * x
        return jnp.sum(y)
    g = s2s.grad(f)
    x = jnp.asarray(np.array([0.1, 0.2, 0.3], np.float32))
    ref = np.asarray(g(x))
    errors, results = [], []

    def run():
        try:
            for _ in range(200):
                results.append(np.asarray(g(x)))
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=run) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 3200 and all(np.array_equal(r, ref) for r in results)


def test_functions_without_source_are_traced():
    """Defined by exec (as in a REPL): traced, and the derivative written from the trace."""
    import inspect
    src = ("def f(x, w):\n    y = x\n    for i in range(3):\n        y = jnp.sin(y @ w) * x\n"
           "    return jnp.sum(jnp.maximum(y, 0.1) ** 2)\n")
    ns_s, ns_j = {"jnp": jnp}, {"jnp": jjnp}
    exec(src, ns_s)
    exec(src, ns_j)
    fs, fj = ns_s["f"], ns_j["f"]
    x = np.array([[0.3, 0.6], [0.2, -0.4]], np.float32)
    w = np.array([[0.5, -0.3], [0.8, 0.1]], np.float32)
    close(s2s.grad(fs, (0, 1))(x, w), jax.grad(fj, (0, 1))(x, w), rtol=1e-4)
    close(s2s.jvp(fs, (x, w), (x, w)), jax.jvp(fj, (x, w), (x, w)), rtol=1e-4)
    close(s2s.vmap(fs, (0, None))(np.stack([x, 2 * x]), w),
          jax.vmap(fj, (0, None))(np.stack([x, 2 * x]), w), rtol=1e-4)
    close(s2s.jacrev(fs)(x, w), jax.jacrev(fj)(x, w), rtol=1e-4)
    close(s2s.grad(lambda v: jnp.sum(s2s.grad(fs)(v, w)))(x),
          jax.grad(lambda v: jjnp.sum(jax.grad(fj)(v, w)))(x), rtol=1e-3)

    def calls_it(v):  # a function with source calling one without
        return fs(v * 2.0, w) + jnp.sum(v)

    def calls_it_j(v):
        return fj(v * 2.0, w) + jjnp.sum(v)
    close(s2s.grad(calls_it)(x), jax.grad(calls_it_j)(x), rtol=1e-4)
    assert "jnp.sin" in inspect.getsource(s2s.from_ir.stand_in(fs, (x, w)))


def test_joining_lists_with_plus_is_refused_not_wrong():
    """``parts = parts + [v]`` gave all-zero (in a loop) or doubled gradients with no error:
    the adjoint of ``+`` treated the joined list as a sum. Refused, with the rewrite."""
    def f(x):
        parts = [x, x * 2.0]
        for i in range(2):
            parts = parts + [parts[i] * parts[i + 1]]
        return jnp.sum(parts[-1])

    def g(x):
        parts = [x]
        parts = parts + [x * 3.0]
        return jnp.sum(parts[1] * parts[0])
    x = np.array([1.0, 2.0], np.float32)
    for fn in (f, g):
        with pytest.raises(TransformError, match="parts.append"):
            s2s.grad(fn)(x)
        with pytest.raises(TransformError, match="parts.append"):
            s2s.jvp(fn, (x,), (x,))

    def h(x):  # the rewrite the message suggests
        parts = [x]
        parts.append(x * 3.0)
        return jnp.sum(parts[1] * parts[0])
    close(s2s.grad(h)(x), jax.grad(lambda x: jjnp.sum(x * 3.0 * x))(x))


def test_traced_function_splits_a_logaddexp_tie_as_jax():
    """A function without source is differentiated primitive by primitive: logaddexp's
    primitives must give a tie half to each side, as jax's rule does (it gave 0 and 1)."""
    ns = {"jnp": jnp}
    exec("f = lambda x, y: jnp.logaddexp(x, y) + jnp.logaddexp(x, x)", ns)
    close(s2s.grad(ns["f"], (0, 1))(2.0, 2.0),
          jax.grad(lambda x, y: jjnp.logaddexp(x, y) + jjnp.logaddexp(x, x), (0, 1))(2.0, 2.0),
          rtol=1e-6)


@pytest.mark.parametrize("case", ["prod_with_zero", "abs_at_zero", "power_zero_at_zero",
                                  "index_past_the_end", "index_before_the_start",
                                  "at_add_out_of_range", "integer_power", "prod_axis"])
def test_edge_derivatives_match_jax(case):
    """Derivatives at the edges of their formulas, where a division or 0 * inf crept in."""
    fns = {
        "prod_with_zero": (lambda m: lambda x: m.prod(x), [0.0, 2.0, 3.0]),
        "abs_at_zero": (lambda m: lambda x: m.sum(m.abs(x)), [0.0, -1.0, 2.0]),
        "power_zero_at_zero": (lambda m: lambda x: m.sum(x ** 0 + x ** 1), [0.0, 1.0, 2.0]),
        "index_past_the_end": (lambda m: lambda x: x[10] * 2.0, [0.0, 1.0, 2.0]),
        "index_before_the_start": (lambda m: lambda x: x[-10] * x[m.array([5, -7])].sum(),
                                   [0.5, 1.0, 2.0]),
        "at_add_out_of_range": (lambda m: lambda x: m.sum(x.at[7].add(x[0]) * x),
                                [0.5, 1.0, 2.0]),
        "integer_power": (lambda m: lambda x: m.sum(x ** 3 - x ** 2 + x ** -1), [0.5, 1.0, 2.0]),
        "prod_axis": (lambda m: lambda x: m.sum(m.prod(m.reshape(x, (2, 2)), axis=1)),
                      [0.0, 2.0, 3.0, 0.0]),
    }
    make, x = fns[case]
    x = np.array(x, np.float32)
    close(s2s.grad(make(jnp))(x), jax.grad(make(jjnp))(x))
    close(s2s.jvp(make(jnp), (x,), (np.ones_like(x),)),
          jax.jvp(make(jjnp), (x,), (np.ones_like(x),)))


def test_traced_stand_in_covers_shape_operations():
    src = ("def f(x):\n"
           "    y = jnp.pad(x, ((1, 2), (0, 1))) * 2.0\n"
           "    z = jnp.cumsum(y[1:, ::2], axis=0).T.reshape(-1)\n"
           "    w = jnp.concatenate([z, jnp.flip(x[0])]) + jnp.arange(z.shape[0] + 3)\n"
           "    return jnp.sum(jnp.where(w > 1.0, w ** 2, jnp.exp(w))) + jnp.max(x, 1).sum()\n")
    ns_s, ns_j = {"jnp": jnp}, {"jnp": jjnp}
    exec(src, ns_s)
    exec(src, ns_j)
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 5
    close(s2s.grad(ns_s["f"])(x), jax.grad(ns_j["f"])(x), rtol=1e-5)
    close(s2s.jvp(ns_s["f"], (x,), (np.ones_like(x),)),
          jax.jvp(ns_j["f"], (x,), (np.ones_like(x),)), rtol=1e-5)


DOT_SHAPES = [((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
              ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)), ((2, 3), (4, 3, 5)), ((2, 2, 3), (4, 3, 5)),
              ((4,), (2, 4, 3)), ((2, 2, 3), (3,))]


@pytest.mark.parametrize("name,sa,sb", [("dot", *s) for s in DOT_SHAPES] + [
    ("matmul", *s) for s in DOT_SHAPES if s[0] and s[1] and s != ((2, 2, 3), (4, 3, 5))])
def test_products_of_every_rank(name, sa, sb):
    """``jnp.dot`` of an operand with more than two axes is not ``matmul`` (its adjoint was
    matmul's: wrong with no error); second order through both, where a factor's cotangent is
    the symbolic zero, crashed on shapes."""
    rng = np.random.RandomState(0)
    a, b = (np.asarray(rng.rand(*s), np.float32) for s in (sa, sb))

    def f(lib):
        op = getattr(lib, name)
        return lambda a, b: (op(a, lib.sin(b)) ** 2).sum()

    def second(lib, f):
        return lambda a, b: lib.grad(f, (0, 1))(a, b)[1].sum()

    close(s2s.grad(f(jnp), (0, 1))(a, b), jax.grad(f(jjnp), (0, 1))(a, b), 1e-4, 1e-5)
    close(s2s.grad(second(s2s, f(jnp)), (0, 1))(a, b),
          jax.grad(second(jax, f(jjnp)), (0, 1))(a, b), 1e-4, 1e-4)
    ab = np.stack([a, 2 * a])
    close(s2s.vmap(s2s.grad(f(jnp), (0, 1)), (0, None))(ab, b),
          jax.vmap(jax.grad(f(jjnp), (0, 1)), (0, None))(ab, b), 1e-4, 1e-5)


def test_registered_dataclasses_and_classes(tmp_path):
    """Dataclasses registered as pytrees built inside a differentiated function (outputs of
    jacrev/jvp/vjp/vmap) and taken as arguments, and a registered class's attributes read
    inside one: each cotangent lands on its field, as jax's."""
    ms, mj = both(tmp_path, """
        import dataclasses
        import functools

        @functools.partial(tree_util.register_dataclass, data_fields=["w", "b"], meta_fields=[])
        @dataclasses.dataclass
        class P:
            w: object
            b: object

        @tree_util.register_pytree_node_class
        class Layer:
            def __init__(self, w, b):
                self.w, self.b = w, b

            def tree_flatten(self):
                return (self.w, self.b), None

            @classmethod
            def tree_unflatten(cls, aux, children):
                return cls(*children)

        def build(x):
            return P(w=x * 2.0, b=jnp.sin(x))

        def loss(p, x):
            return jnp.sum(p.w * x + jnp.tanh(p.b))

        def layer_loss(layer, x):
            return jnp.sum(jnp.tanh(layer.w * x) + layer.b)
        """)
    x = np.array([0.5, 1.5], np.float32)

    def same(a, b):
        close(s2s.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b))
        assert type(a).__name__ == type(b).__name__

    same(s2s.jacrev(ms.build)(x), jax.jacrev(mj.build)(x))
    same(s2s.jacfwd(ms.build)(x), jax.jacfwd(mj.build)(x))
    same(s2s.jvp(ms.build, (x,), (x,))[1], jax.jvp(mj.build, (x,), (x,))[1])
    same(s2s.vjp(ms.build, x)[1](ms.P(x, -x)), jax.vjp(mj.build, x)[1](mj.P(x, -x)))
    same(s2s.vmap(ms.build)(np.stack([x, x])), jax.vmap(mj.build)(np.stack([x, x])))
    same(s2s.grad(ms.loss)(ms.P(x, x), x), jax.grad(mj.loss)(mj.P(x, x), x))
    same(s2s.grad(ms.layer_loss)(ms.Layer(x, x), x), jax.grad(mj.layer_loss)(mj.Layer(x, x), x))


def test_jvp_with_float0_tangent_of_an_integer_input():
    def f(x, k):
        return x[k] * 2.0

    x = np.array([0.5, 1.5], np.float32)
    t0 = np.zeros((), jax.dtypes.float0)
    assert s2s.dtypes.float0 == jax.dtypes.float0
    close(s2s.jvp(f, (x, 1), (x, t0)), jax.jvp(f, (x, 1), (x, t0)))


COMPLEX_PROGRAMS = {
    "abs": lambda np_: lambda x: np_.abs(x * (1 + 1j)),
    "builtin_abs": lambda np_: lambda x: abs(x * (1 + 1j)),
    "real": lambda np_: lambda x: np_.real(x * (2 + 1j)),
    "imag": lambda np_: lambda x: np_.imag(np_.exp(1j * x) * x),
    "abs_of_phase": lambda np_: lambda x: np_.abs(np_.exp(1j * x) * x),
    "conj_product": lambda np_: lambda x: np_.real(np_.conj(x * (1 + 2j)) * np_.sin(x * 1j)),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_PROGRAMS))
def test_real_functions_of_complex_intermediates(name):
    """abs/real/imag/conj of complex values inside a real function: jax's convention (the
    transpose of the real-linear tangent map); abs gave 0 with no error."""
    fs, fj = COMPLEX_PROGRAMS[name](jnp), COMPLEX_PROGRAMS[name](jjnp)
    close(s2s.grad(fs)(1.5), jax.grad(fj)(1.5), 1e-5, 1e-5)
    close(s2s.jvp(fs, (1.5,), (1.0,)), jax.jvp(fj, (1.5,), (1.0,)), 1e-5, 1e-5)
    close(s2s.grad(s2s.grad(fs))(1.5), jax.grad(jax.grad(fj))(1.5), 1e-4, 1e-4)
    xs = np.array([0.5, 1.5], np.float32)
    close(s2s.vmap(s2s.grad(fs))(xs), jax.vmap(jax.grad(fj))(xs), 1e-5, 1e-5)


def test_vmap_branch_on_mapped_value_is_an_error_only_when_it_runs(tmp_path):
    """As jax: a Python ``if`` on a mapped value raises TracerBoolConversionError when it
    runs; in a branch that is not taken it is never reached."""
    ms, mj = both(tmp_path, """
        MODE = 0

        def f(x):
            y = x * 2.0
            if MODE == 1:
                if jnp.sum(x) > 0.0:
                    y = y * 3.0
            return jnp.sum(y * x)

        def g(x):
            if jnp.sum(x) > 0.0:
                return x * 3.0
            return x
        """)
    xs = np.array([[0.5, 1.0], [1.5, -2.0]], np.float32)
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs))
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.vmap(mj.g)(xs)
    with pytest.raises(s2s.errors.TracerBoolConversionError, match="test_vmap_branch|m[0-9]"):
        s2s.vmap(ms.g)(xs)


def test_vmap_of_helper_called_with_a_mapped_keyword_argument(tmp_path):
    """Fuzzer (seed 31048): ``h(a, q=x[0])`` under vmap treated the keyword's value as
    unmapped (a per-example scalar met the whole batch in ``where``: a broadcasting error)."""
    ms, mj = both(tmp_path, """
        def h(a, p=2.0, q=1.0):
            return jnp.tanh(jnp.sum(jnp.where(q > 1.0, a * p, a)))

        def f(x):
            return h(x, q=x[0]) + h(x, p=x[1], q=3.0)
        """)
    xs = np.array([[0.5, 0.8, 1.4], [1.3, 1.2, 1.5]], np.float32)
    close(s2s.vmap(ms.f)(xs), jax.vmap(mj.f)(xs))
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs))
    close(s2s.jit(s2s.vmap(s2s.grad(ms.f)))(xs), jax.vmap(jax.grad(mj.f))(xs))


def test_vmap_grad_of_a_read_at_a_per_example_index(tmp_path):
    """vmap(grad) of ``a[0, argmax(a[0])]``: the index differs between examples. The batched
    adjoint of the read (a scatter-add) ignored that the index was mapped and added every
    example's cotangent at every example's place: 2 where jax gives 1, no error."""
    ms, mj = both(tmp_path, """
        def f(a):
            i = jnp.argmax(a[0])
            return a[0, i] * a[1, a[1].argmin()]

        def g(a, i):
            return jnp.sum(a[i] ** 2) + a[0, i]
        """)
    xs = np.array([[[0.5, 1.2, 0.3], [0.7, 0.9, 1.1]],
                   [[1.5, 0.2, 0.3], [0.1, 0.9, 1.1]]], np.float32)
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs))
    close(s2s.jit(s2s.vmap(s2s.grad(ms.f)))(xs), jax.vmap(jax.grad(mj.f))(xs))
    idx = np.array([1, 0])
    close(s2s.vmap(s2s.grad(ms.g))(xs, idx), jax.vmap(jax.grad(mj.g))(xs, idx))


def test_locals_named_like_generated_helpers(tmp_path):
    """A user variable named ``items``, ``batched``, ``zero`` or ``unbroadcast`` shadowed the
    helper of that name inside the generated code ('list' object is not callable, or a
    helper taken for a user value); such locals are now renamed before transforming."""
    ms, mj = both(tmp_path, """
        def f(x):
            items = [x * 2.0, x]
            batched = jnp.stack(items)
            zero = 1.0
            unbroadcast = batched + zero
            return jnp.sum(unbroadcast * x)

        def rows(x):
            total = 0.0
            for row in x:
                total = total + row * row
            return total
        """)
    xs = np.array([[0.5, 1.0, -1.5], [1.5, -2.0, 0.25]], np.float32)
    for name in ("f", "rows"):
        fs, fj = getattr(ms, name), getattr(mj, name)
        close(s2s.vmap(fs)(xs), jax.vmap(fj)(xs))
        close(s2s.grad(fs)(xs[0]), jax.grad(fj)(xs[0]))
        close(s2s.jvp(fs, (xs[0],), (xs[1],)), jax.jvp(fj, (xs[0],), (xs[1],)))
        close(s2s.vmap(s2s.grad(fs))(xs), jax.vmap(jax.grad(fj))(xs))
        close(s2s.jit(s2s.vmap(s2s.grad(fs)))(xs), jax.vmap(jax.grad(fj))(xs))


def test_vmap_of_einsum_with_unmapped_operands(tmp_path):
    ms, mj = both(tmp_path, """
        def f(x, w):
            return jnp.einsum("...j,jk->...k", x, w) + jnp.einsum("ij,ij->i", x, x)[:, None]
        """)
    xs = np.linspace(-1, 1, 24).astype(np.float32).reshape(2, 3, 4)
    w = np.linspace(0, 1, 8).astype(np.float32).reshape(4, 2)
    close(s2s.vmap(ms.f, in_axes=(0, None))(xs, w), jax.vmap(mj.f, in_axes=(0, None))(xs, w))
    loss_s = lambda x, w: s2s.numpy.sum(ms.f(x, w) ** 2)  # noqa: E731
    loss_j = lambda x, w: jax.numpy.sum(mj.f(x, w) ** 2)  # noqa: E731
    close(s2s.vmap(s2s.grad(loss_s, argnums=1), in_axes=(0, None))(xs, w),
          jax.vmap(jax.grad(loss_j, argnums=1), in_axes=(0, None))(xs, w))


def test_vmap_grad_of_a_read_whose_cotangent_is_a_per_example_scalar(tmp_path):
    """Fuzzer (seed 500045): in a loop, the adjoint of ``jnp.stack([y])[0]`` gets a per-example
    scalar (a zero reset in the backward loop) to add into a row: the batched scatter-add
    broadcast it against the batch axis (a shape error)."""
    ms, mj = both(tmp_path, """
        def f(x):
            for i in range(2):
                v = jnp.stack([x * 2.0])[0]
            return jnp.sum(v[0] * x)
        """)
    xs = np.array([[1.05, 1.07, 0.95], [0.68, 1.37, 0.61]], np.float32)
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs))


def test_shape_queries_and_identity_tests_are_not_mapped(tmp_path):
    """``jnp.ndim(x)``, ``np.shape(x)`` and ``b is None`` under vmap are the same for every
    example (were taken as mapped: a branch on them raised TracerBoolConversionError), and
    ``np.shape`` is not differentiated (was refused)."""
    ms, mj = both(tmp_path, """
        import numpy as np

        def f(x, b=None):
            has_b = b is not None
            if jnp.ndim(x) > 1 or np.ndim(x) > 1:
                x = x[0]
            if has_b:
                x = x * b
            if np.shape(x)[0] == 3 and jnp.size(x) == 3:
                x = x * 2.0
            return jnp.sum(jnp.sin(x))
        """)
    xs = np.array([[0.5, 1.0, -1.5], [1.5, -2.0, 0.25]], np.float32)
    close(s2s.vmap(ms.f)(xs), jax.vmap(mj.f)(xs))
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs))
    close(s2s.vmap(s2s.grad(ms.f))(xs, xs), jax.vmap(jax.grad(mj.f))(xs, xs))


def test_a_comprehension_in_a_conditional_branch_runs_only_in_that_branch():
    """``a if c else [..]``: the comprehension was hoisted before the statement and ran even
    when the other branch was taken (TypeError iterating None); in a differentiated branch it
    now differentiates like an ``if`` statement."""
    def scaled(mod, x, axis=None):
        return x * (1.0 if axis is None else mod.sum(mod.stack([x * k for k in axis])))

    for axis in (None, (1.0, 2.0)):
        for f, fj in ((lambda x: scaled(jnp, x, axis), lambda x: scaled(jjnp, x, axis)),):
            assert_trees_close(s2s.grad(f)(1.5), jax.grad(fj)(1.5), 1e-6, 1e-6, True)
            assert_trees_close(s2s.jvp(f, (1.5,), (1.0,)), jax.jvp(fj, (1.5,), (1.0,)),
                               1e-6, 1e-6, False)


def test_boolean_functions_and_bitwise_masks_carry_no_derivative():
    """Masks built with ``|``/``&``/``~`` from differentiated comparisons, and NumPy's boolean
    and index functions called on differentiated values, are constants (they were refused:
    "no adjoint rule" / "BitOr on differentiated values")."""
    def make(mod):
        def f(x):
            m = ((x < 1.0) | (x > 2.0)) & ~mod.isposinf(x) | mod.isin(x, x[:1])
            k = mod.digitize(x, mod.asarray([1.0, 2.0])) + mod.heaviside(x - 1.5, 0.5)
            return mod.sum(mod.where(m, x * x, x) * k) + mod.count_nonzero(mod.isclose(x, 1.5))
        return f

    f, fj = make(jnp), make(jjnp)
    x = np.array([0.5, 1.5, 2.5], np.float32)
    assert_trees_close(s2s.grad(f)(x), jax.grad(fj)(x), 1e-6, 1e-6, True)
    assert_trees_close(s2s.jvp(f, (x,), (x,)), jax.jvp(fj, (x,), (x,)), 1e-6, 1e-6, False)
    xs = np.stack([x, x[::-1]])
    assert_trees_close(s2s.vmap(s2s.grad(f))(xs), jax.vmap(jax.grad(fj))(xs), 1e-6, 1e-6, True)


def test_vmap_grad_of_an_unmapped_input_whose_branch_never_runs():
    """Fuzz seed 900029: ``s`` is only read in a branch not taken, so its cotangent stays the
    symbolic zero while the analysis calls it batched; materializing it found no batch size
    (crash). Its zero gradient is repeated per example, strong-typed like the NumPy input."""
    def f(mod, x, s):
        if x.shape[0] == 3:
            parts = []
            for _ in range(2):
                parts.append(x)
            v = mod.stack(parts)[0]  # noqa: F841  (unused, as in the fuzz program)
        else:
            x = x * s
        return x[2] * 2.0

    xs = np.array([[0.6, 0.7, 1.4], [1.0, 0.6, 1.3]], np.float32)
    s = np.float32(0.6)
    ours = s2s.vmap(s2s.grad(lambda x, s: f(jnp, x, s), (0, 1)), (0, None))(xs, s)
    ref = jax.vmap(jax.grad(lambda x, s: f(jjnp, x, s), (0, 1)), (0, None))(xs, s)
    assert_trees_close(ours, ref, 1e-6, 1e-6, True)
    assert not ours[1].weak_type and not ref[1].weak_type


def test_vmap_grad_of_an_unused_vector_dot(tmp_path):
    """Fuzz seed 910193: ``dot`` of two vectors whose result is never used gets the symbolic
    zero cotangent; the batched adjoint of a vector product indexed it (TypeError)."""
    ms, mj = both(tmp_path, """
        def f(x):
            for i in range(2):
                rows = []
                for k in range(1):
                    x = jnp.tanh(3.0 - x * (1.0 + 0.5 * k))
                    rows.append(x[0])
                unused = jnp.dot(jnp.stack(rows), jnp.stack(rows))
            return jnp.sum(jnp.tanh(x ** 2))
        """)
    xs = np.array([[0.78, 0.96, 0.77], [0.81, 0.91, 0.66]], np.float32)
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs))
    close(s2s.jit(s2s.vmap(s2s.grad(ms.f)))(xs), jax.vmap(jax.grad(mj.f))(xs))


def test_numpy_array_filled_in_a_loop_keeps_each_iterations_values(tmp_path):
    """The backward sweep reads the array as each iteration saw it. (jax itself gives [8, 1, 1]
    here: it caches the mutated NumPy array as a constant; the derivative is prod(a_k + 1).)"""
    ms, _ = both(tmp_path, """
        import numpy as np

        def f(x):
            a = np.zeros(3)
            for i in range(3):
                a[i] = i + 1.0
                x = x * a + x
            return jnp.sum(x)
        """)
    x = np.array([0.5, 1.0, 2.0], np.float32)
    expected = np.prod([[2, 1, 1], [2, 3, 1], [2, 3, 4]], axis=0)
    np.testing.assert_allclose(s2s.grad(ms.f)(x), expected)
    np.testing.assert_allclose(s2s.jvp(ms.f, (x,), (np.ones(3, np.float32),))[1], expected.sum())


def test_partial_of_a_user_function_called_by_name(tmp_path):
    """A module-level ``functools.partial`` of a user function, called inside the
    differentiated function: differentiated through the function's source, bound arguments
    bound again (was refused as a library function without a rule)."""
    source = """
        import functools

        def h(x, p=1.0, q=0.0):
            return x ** p + q * x

        g = functools.partial(h, p=2.0)
        g2 = functools.partial(h, 1.5)
        gq = functools.partial(g, q=3.0)

        def f(x):
            return g(x) * x + g2(x) + gq(x) + functools.partial(h, p=3.0)(x)
        """
    ms, mj = both(tmp_path, source)
    close(s2s.grad(ms.f)(1.5), jax.grad(mj.f)(1.5))
    close(s2s.jvp(ms.f, (1.5,), (1.0,)), jax.jvp(mj.f, (1.5,), (1.0,)))
    close(s2s.grad(s2s.grad(ms.f))(1.5), jax.grad(jax.grad(mj.f))(1.5), rtol=1e-4)
    xs = np.array([0.5, 1.0, 2.0], np.float32)
    close(s2s.vmap(s2s.grad(ms.f))(xs), jax.vmap(jax.grad(mj.f))(xs), rtol=1e-4)


def test_vmap_of_plain_python_around_mapped_values(tmp_path):
    """vmap against a Python loop: f-strings of shapes, ``isinstance`` of a list holding mapped
    values, library calls as bare statements, shapes in slice bounds (per example: they once
    read the batch's), lists joined with ``+``; formatting a mapped value is a clear error."""
    ms, _ = both(tmp_path, """
        def f(x):
            s = f"{x.shape} {x.ndim}"
            parts = [x, x * 2.0]
            if isinstance(parts, list):
                parts = parts + [x[: x.shape[0] - 1], x[x.shape[0] - 2:]] + [1.0]
            jnp.sum(x)
            print(end="")
            return len(s) * parts[1] + jnp.sum(parts[2]) + 10.0 * jnp.sum(parts[3]) + parts[4]

        def g(x):
            return f"{x}"
        """)
    xs = np.arange(20.0, dtype=np.float32).reshape(4, 5)
    close(s2s.vmap(ms.f)(xs), np.stack([ms.f(x) for x in xs]))
    with pytest.raises(TransformError, match="formatting a mapped value in an f-string"):
        s2s.vmap(ms.g)(xs)


def test_a_library_function_known_only_at_run_time_takes_its_optional_arguments():
    """``mod.where(c, x, y)`` with ``mod`` a parameter: the function is found at run time and
    wrapped for its rule; the wrapper took only the required ``condition`` (TypeError)."""
    def g(mod, x):
        return mod.sum(mod.where(x > 1.0, x * x, x))

    x = np.array([0.5, 1.5, 2.5], np.float32)
    assert_trees_close(s2s.grad(lambda v: g(jnp, v))(x), jax.grad(lambda v: g(jjnp, v))(x),
                       1e-6, 1e-6, True)
    assert_trees_close(s2s.jvp(lambda v: g(jnp, v), (x,), (x,)),
                       jax.jvp(lambda v: g(jjnp, v), (x,), (x,)), 1e-6, 1e-6, False)


def test_transforms_of_a_vmap_made_at_run_time(tmp_path):
    """grad, jvp and vmap(grad) through ``vmap(make())(...)``, a vmap of a closure built while
    the derivative runs (its generated code was parsed as if it were the closure: TypeError,
    missing batch_size)."""
    ms, mj = both(tmp_path, """
        def make():
            def f(a, b, c):
                return jnp.sin(a) * b + c
            return f

        def loss(x):
            return jnp.sum(vmap(make())(x, x, x) ** 2)
        """)
    ms.vmap, mj.vmap = s2s.vmap, jax.vmap
    x = np.arange(3.0, dtype=np.float32)
    close(s2s.grad(ms.loss)(x), jax.grad(mj.loss)(x))
    close(s2s.jvp(ms.loss, (x,), (x,)), jax.jvp(mj.loss, (x,), (x,)))
    close(s2s.vmap(s2s.grad(ms.loss))(np.stack([x, 2 * x])),
          jax.vmap(jax.grad(mj.loss))(np.stack([x, 2 * x])))
