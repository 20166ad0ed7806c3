"""lax.while_loop / fori_loop / cond / switch / scan / map against jax: values, dtypes and weak
types, eager and under jit, the jaxprs they stage and JAX's errors."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import s2s
import s2s.numpy as snp
from s2s import lax

jax = pytest.importorskip("jax")
jnp = jax.numpy
jlax = jax.lax


def same(a, b):
    """Same pytree of arrays: values, dtype and weak type."""
    la, ta = s2s.tree_flatten(a)
    lb, tb = jax.tree_util.tree_flatten(b)
    assert len(la) == len(lb), (a, b)
    for x, y in zip(la, lb):
        assert np.asarray(x).dtype == np.asarray(y).dtype, (x, y)
        assert getattr(x, "weak_type", False) == getattr(y, "weak_type", False), (x, y)
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-6)


def both(make):
    """``make(lax, numpy)`` run with s2s and with jax, eagerly and under each one's jit."""
    ours, ref = make(lax, snp), make(jlax, jnp)
    return ours, ref


X = np.arange(1.0, 6.0, dtype=np.float32)

CASES = {
    "while_count": lambda L, N: lambda x: L.while_loop(lambda c: c < 3, lambda c: c + 1, 0),
    "while_promotes_weak": lambda L, N: lambda x: L.while_loop(lambda c: c < 3,
                                                               lambda c: c + 1.0, 0),
    "while_tuple": lambda L, N: lambda x: L.while_loop(
        lambda c: c[0] < 4, lambda c: (c[0] + 1, c[1] * x), (0, N.ones_like(x))),
    "while_closure": lambda L, N: lambda x: L.while_loop(lambda c: N.sum(c) < 100.0,
                                                         lambda c: c * 2 + x, x),
    "fori_weak_index": lambda L, N: lambda x: L.fori_loop(0, 3, lambda i, c: c + i, 0),
    "fori_float_carry": lambda L, N: lambda x: L.fori_loop(0, 3, lambda i, c: c + 1.5, 0),
    "fori_reads_x": lambda L, N: lambda x: L.fori_loop(1, 5, lambda i, c: c + x[i] * c, 1.0),
    "fori_dict": lambda L, N: lambda x: L.fori_loop(
        0, 2, lambda i, c: {"a": c["a"] + x, "b": c["b"] * 2}, {"a": x, "b": 1}),
    "cond_true": lambda L, N: lambda x: L.cond(x[0] > 0, lambda y: y * 2, lambda y: y - 1, x),
    "cond_false": lambda L, N: lambda x: L.cond(x[0] < 0, lambda y: y * 2, lambda y: y - 1, x),
    "cond_int_pred": lambda L, N: lambda x: L.cond(2, lambda: x, lambda: -x),
    "cond_closures": lambda L, N: lambda x: L.cond(True, lambda: (x, 1), lambda: (x * 2, 3)),
    "switch": lambda L, N: lambda x: [L.switch(i, [lambda y: y, lambda y: y * 2,
                                                   lambda y: y * 3], x) for i in (-1, 1, 7)],
    "scan_cumsum": lambda L, N: lambda x: L.scan(lambda c, v: (c + v, c * v), 0.0, x),
    "scan_reverse": lambda L, N: lambda x: L.scan(lambda c, v: (c + v, c * v), 0.0, x,
                                                  reverse=True),
    "scan_pytree": lambda L, N: lambda x: L.scan(
        lambda c, v: ((c[0] + v["p"], c[1] + 1), {"q": v["p"] * c[0], "r": v["s"]}), (0.0, 2),
        {"p": x, "s": N.stack([x, x], 1)}),
    "scan_length": lambda L, N: lambda x: L.scan(lambda c, _: (c + 1, None), 0, None, length=4),
    "map": lambda L, N: lambda x: L.map(lambda v: v ** 2 + 1, x),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_jax(name):
    ours, ref = both(CASES[name])
    expect = ref(jnp.asarray(X))
    same(ours(snp.asarray(X)), expect)
    same(s2s.jit(ours)(snp.asarray(X)), jax.jit(ref)(X))


@given(n=st.integers(0, 6), shape=st.sampled_from([(), (3,), (2, 2)]),
       dtype=st.sampled_from([np.float32, np.int32]))
def test_fori_and_scan_shapes(n, shape, dtype):
    x = np.ones(shape, dtype)
    def body(L):
        return lambda v: L.fori_loop(0, n, lambda i, c: c * 2 + v, v)
    same(s2s.jit(body(lax))(x), body(jlax)(x))
    xs = np.arange(n * 2, dtype=dtype).reshape(n, 2)
    if n:
        same(lax.scan(lambda c, v: (c + v, c), np.zeros(2, dtype), xs),
             jlax.scan(lambda c, v: (c + v, c), np.zeros(2, dtype), xs))


def test_loop_stays_one_loop_in_the_program():
    f = s2s.jit(lambda x: lax.fori_loop(0, 1000, lambda i, c: c + x, x))
    text = f.lower(1.0).as_text()
    assert text.count("stablehlo.while") == 1 and float(f(1.0)) == 1001.0


def test_jaxpr_text_matches_jax():
    def f(L):
        return lambda x: L.while_loop(lambda c: c[0] < 3,
                                      lambda c: (c[0] + x * 2 + 3 * c[1], c[1] * x + c[0] ** 2),
                                      (0.0, x))
    assert str(s2s.make_jaxpr(f(lax))(1.0)) == str(jax.make_jaxpr(f(jlax))(1.0))

    def g(L):
        return lambda x: L.cond(x > 0, lambda: x, lambda: -x)
    assert str(s2s.make_jaxpr(g(lax))(1.0)) == str(jax.make_jaxpr(g(jlax))(1.0))


def test_eager_loops_compile_once():
    from s2s.lowering import backend
    f = lambda x: lax.fori_loop(0, 3, lambda i, c: c * x, 1.0)  # noqa: E731
    f(snp.asarray(2.0))
    before = backend.compile_count()
    assert float(f(snp.asarray(3.0))) == 27.0
    assert backend.compile_count() == before


@pytest.mark.parametrize("call, exc, msg", [
    (lambda L: L.while_loop(lambda c: c, lambda c: c + 1, 0.0), TypeError,
     "cond_fun must return a boolean scalar, but got output type(s) [ShapedArray(float32[]"),
    (lambda L: L.while_loop(lambda c: c[0] < 3, lambda c: c[0], (0, 1)), TypeError,
     "carry input and carry output must have the same pytree structure"),
    (lambda L: L.while_loop(lambda c: c[0] < 3, lambda c: c[:1], np.zeros(2, np.float32)),
     TypeError, "The input carry c has type float32[2] but the corresponding output carry "
     "component has type float32[1], so the shapes do not match."),
    (lambda L: L.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1].astype("int32")),
                            (0, np.zeros(2, np.float32))), TypeError,
     "The input carry component c[1] has type float32[2] but the corresponding output carry "
     "component has type int32[2], so the dtypes do not match."),
    (lambda L: L.scan(lambda c, x: (c[:1], x), np.ones(3), np.ones(3)), TypeError,
     "scan body function carry input and carry output must have equal types"),
    (lambda L: L.cond(np.array([1, 2]), lambda: 1, lambda: 2), TypeError,
     "Pred must be a scalar, got [1 2] of shape (2,)."),
    (lambda L: L.cond(True, lambda: 1, lambda: 2.0), TypeError,
     "The output of true_fun has type int32[] but the corresponding output of false_fun has "
     "type float32[], so the dtypes do not match."),
    (lambda L: L.cond(True, lambda: 1, lambda: (2, 3)), TypeError,
     "true_fun output is a pytree leaf but false_fun output is a <class 'tuple'>"),
    (lambda L: L.scan(lambda c, x: (c, x), 0, np.ones(3), length=4), ValueError,
     "scan got `length` argument of 4 which disagrees with leading axis sizes [3]."),
])
def test_errors_as_jax(call, exc, msg):
    with pytest.raises(exc) as ours:
        call(lax)
    with pytest.raises(exc) as ref:
        call(jlax)
    assert msg in str(ours.value), str(ours.value)
    assert msg in str(ref.value), str(ref.value)
