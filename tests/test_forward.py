"""Forward mode and Jacobians: jvp / jacfwd / jacrev / hessian against jax, tangent templates
against adjoint templates, generated tangent source."""
import inspect

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import s2s
import s2s.numpy as jnp
from corpus import assert_trees_close, cases, load, tree_to
from s2s.forward import jvp_function

S = load(jnp, "corpus_s2s_fwd")
J = load(jjnp, "corpus_jax_fwd")
SINGLE = [c for c in cases() if c[2] == 0]


_tree = tree_to


def _close(a, b, rtol=3e-4, atol=3e-5):
    assert_trees_close(a, b, rtol, atol, check_dtype=False)


@pytest.mark.parametrize("name,args,argnums", SINGLE, ids=[c[0] for c in SINGLE])
def test_corpus_jvp_matches_jax(name, args, argnums):
    rng = np.random.default_rng(1)
    t = _tree(args[0], lambda a: rng.normal(size=np.shape(a)).astype(np.float32))
    rest = args[1:]
    zeros = [_tree(r, np.zeros_like) for r in rest]
    ours = s2s.jvp(getattr(S, name), tuple(_tree(a, jnp.asarray) for a in args),
                   tuple(_tree(v, jnp.asarray) for v in [t] + zeros))
    ref = jax.jvp(getattr(J, name), tuple(args), tuple([t] + zeros))
    _close(ours, ref)


JAC_NAMES = ["poly", "chain", "for_loop", "branch_in_loop", "calls_helper", "logsumexp",
             "softmax_xent", "matrix_ops", "broadcasting", "while_loop"]


@pytest.mark.parametrize("name", JAC_NAMES)
def test_jacobians_and_hessians_match_jax(name):
    x = np.array([0.3, -0.2, 0.5, 1.0, 0.7], np.float32)
    f, fj = getattr(S, name), getattr(J, name)
    _close(s2s.jacfwd(f)(jnp.asarray(x)), jax.jacfwd(fj)(x))
    _close(s2s.jacrev(f)(jnp.asarray(x)), jax.jacrev(fj)(x))
    _close(s2s.hessian(f)(jnp.asarray(x)), jax.hessian(fj)(x), rtol=2e-3, atol=2e-4)


def test_vector_valued_jacobians_and_nesting():
    def f(x):
        return jnp.sin(x) * x[0]

    def fj(x):
        return jjnp.sin(x) * x[0]

    x = np.arange(3.0, dtype=np.float32)
    for ours, ref in [(s2s.jacfwd, jax.jacfwd), (s2s.jacrev, jax.jacrev)]:
        _close(ours(f)(jnp.asarray(x)), ref(fj)(x))
    second = jax.jacfwd(jax.jacrev(fj))(x)
    for outer in (s2s.jacfwd, s2s.jacrev):
        for inner in (s2s.jacfwd, s2s.jacrev):
            _close(outer(inner(f))(jnp.asarray(x)), second)


def test_pytree_jacobians():
    def f(p):
        return {"a": jnp.sum(p["w"] * p["b"][0]), "b": p["w"] * 2.0}

    def fj(p):
        return {"a": jjnp.sum(p["w"] * p["b"][0]), "b": p["w"] * 2.0}

    p = {"w": np.array([1.0, 2.0], np.float32), "b": np.array([3.0], np.float32)}
    _close(s2s.jacfwd(f)(_tree(p, jnp.asarray)), jax.jacfwd(fj)(p))
    _close(s2s.jacrev(f)(_tree(p, jnp.asarray)), jax.jacrev(fj)(p))


def _two_arguments(np_):
    def h(a, b):
        return np_.sum(np_.tanh(b["w"] @ a) * b["u"]) + np_.sum(b["u"] ** 3) * a[0]
    return h


def test_nested_jacobians_of_pytrees_and_several_arguments():
    """hessian(argnums=(0, 1)), of a dict, and Jacobians of Jacobians over different arguments
    (all refused before: NotImplementedError), as jax; the matmul adjoints batch without a
    per-example loop."""
    from s2s.rules import batching
    rng = np.random.default_rng(0)
    a = rng.normal(size=3).astype(np.float32)
    b = {"w": rng.normal(size=(2, 3)).astype(np.float32),
         "u": rng.normal(size=2).astype(np.float32)}
    ours, ref = _two_arguments(jnp), _two_arguments(jjnp)
    sa, sb = jnp.asarray(a), _tree(b, jnp.asarray)
    loops, original = [], batching.loop
    batching.loop = lambda fn, *rest, **kw: loops.append(fn) or original(fn, *rest, **kw)
    try:
        for argnums in [(0, 1), 1, (1, 0)]:
            _close(s2s.hessian(ours, argnums)(sa, sb), jax.hessian(ref, argnums)(a, b))
    finally:
        batching.loop = original
    assert not loops, loops
    _close(s2s.jacfwd(s2s.jacrev(ours, 0), 1)(sa, sb), jax.jacfwd(jax.jacrev(ref, 0), 1)(a, b))
    _close(s2s.jacrev(s2s.jacrev(ours, (0, 1)), 0)(sa, sb),
           jax.jacrev(jax.jacrev(ref, (0, 1)), 0)(a, b))
    h, aux = s2s.hessian(lambda v: (jnp.sum(v ** 3), v * 2), has_aux=True)(sa)
    jh, jaux = jax.hessian(lambda v: (jjnp.sum(v ** 3), v * 2), has_aux=True)(a)
    _close((h, aux), (jh, jaux))


def test_argnums_tuple():
    def f(x, y):
        return x * jnp.sum(y)

    def fj(x, y):
        return x * jjnp.sum(y)

    x, y = np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0, 5.0], np.float32)
    _close(s2s.jacrev(f, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(y)),
           jax.jacrev(fj, argnums=(0, 1))(x, y))
    _close(s2s.jacfwd(f, argnums=1)(jnp.asarray(x), jnp.asarray(y)),
           jax.jacfwd(fj, argnums=1)(x, y))


def test_quickstart_values():
    np.testing.assert_allclose(jnp.diag(s2s.jacobian(jnp.exp)(jnp.arange(3.0))),
                               [1.0, 2.7182817, 7.389056], rtol=1e-6)

    def sum_logistic(x):
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    h = s2s.jit(s2s.hessian(sum_logistic))(jnp.arange(3.0))
    np.testing.assert_allclose(jnp.diag(h), [0.0, -0.09085776, -0.07996249], rtol=1e-5,
                               atol=1e-7)


def test_hvp_by_jvp_of_grad_and_grad_of_jvp():
    def f(x):
        return jnp.sum(jnp.tanh(x) ** 2 * x)

    def fj(x):
        return jjnp.sum(jjnp.tanh(x) ** 2 * x)

    x = np.array([0.3, -0.2, 0.5], np.float32)
    v = np.array([1.0, 0.5, -2.0], np.float32)
    ref = jax.jvp(jax.grad(fj), (x,), (v,))[1]
    _close(s2s.jvp(s2s.grad(f), (jnp.asarray(x),), (jnp.asarray(v),))[1], ref)
    g = s2s.grad(lambda x: s2s.jvp(f, (x,), (jnp.asarray(v),))[1])(jnp.asarray(x))
    _close(g, ref)


def test_linearize():
    out, f_jvp = s2s.linearize(jnp.sin, jnp.arange(3.0))
    np.testing.assert_allclose(f_jvp(jnp.ones(3)), np.cos(np.arange(3.0)), rtol=1e-6)
    np.testing.assert_allclose(out, np.sin(np.arange(3.0)), rtol=1e-6)


# tangent templates against adjoint templates: <u, J v> == <J^T u, v>
UNARY = ["exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arctan",
         "arcsinh", "arctanh", "sqrt", "cbrt", "square", "reciprocal", "absolute", "expm1",
         "log1p", "log2", "log10", "exp2", "negative", "sum", "mean", "std", "var", "max",
         "prod", "ravel", "transpose"]
BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "arctan2",
          "logaddexp", "matmul", "dot", "outer"]


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_tangent_and_adjoint_templates_agree(name):
    rng = np.random.default_rng(3)
    fn = getattr(jnp, name)
    shape = (3, 3) if name in ("matmul", "dot", "transpose") else (4,)
    nargs = 2 if name in BINARY else 1
    xs = [jnp.asarray(rng.uniform(0.2, 0.8, size=shape).astype(np.float32))
          for _ in range(nargs)]
    vs = [jnp.asarray(rng.normal(size=shape).astype(np.float32)) for _ in range(nargs)]
    out, tangent = jvp_function(fn, tuple(range(nargs)))(*xs, *vs)
    u = jnp.asarray(rng.normal(size=np.shape(out)).astype(np.float32))
    _, pull = s2s.vjp(fn, *xs)
    cts = pull(u)
    lhs = float(jnp.sum(u * tangent))
    rhs = sum(float(jnp.sum(c * v)) for c, v in zip(cts, vs))
    np.testing.assert_allclose(lhs, rhs, rtol=2e-4, atol=2e-5)
    ref = jax.jvp(getattr(jjnp, name), tuple(np.asarray(x) for x in xs),
                  tuple(np.asarray(v) for v in vs))[1]
    np.testing.assert_allclose(tangent, ref, rtol=2e-4, atol=2e-5)


def test_generated_tangent_source_is_readable():
    src = inspect.getsource(jvp_function(S.for_loop, (0,)))
    assert "def for_loop_jvp(x, dx):" in src
    assert "for i in range(4):" in src and "# tangent of: x = jnp.sin(x) * 1.1" in src
    assert "dx * jnp.cos(x)" in src


def test_jvp_errors():
    with pytest.raises(TypeError, match="same tree structure"):
        s2s.jvp(jnp.sin, (jnp.ones(2),), ((jnp.ones(2), jnp.ones(2)),))
    with pytest.raises(TypeError, match="dtypes must be equal"):
        s2s.jvp(jnp.sin, (jnp.ones(2),), (jnp.ones(2, dtype=jnp.float16),))
