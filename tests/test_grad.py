"""Reverse mode: the corpus against jax.grad, readability of the generated source, errors."""
import inspect

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import s2s
import s2s.numpy as jnp
from corpus import assert_trees_close, cases, load, tree_to
from s2s.errors import TransformError

S = load(jnp, "corpus_s2s")
J = load(jjnp, "corpus_jax")
CASES = cases()


_to = tree_to


def _close(a, b, rtol=2e-4, atol=2e-5):
    assert_trees_close(a, b, rtol, atol, check_dtype=True)


@pytest.mark.parametrize("name,args,argnums", CASES, ids=[c[0] for c in CASES])
def test_corpus_matches_jax(name, args, argnums):
    ours = s2s.grad(getattr(S, name), argnums=argnums)(*_to(args, jnp.asarray))
    ref = jax.grad(getattr(J, name), argnums=argnums)(*_to(args, jjnp.asarray))
    _close(ours, ref)


@pytest.mark.parametrize("name", ["chain", "for_loop", "calls_helper", "mlp"])
def test_value_and_grad(name):
    args = next(c[1] for c in CASES if c[0] == name)
    v, g = s2s.value_and_grad(getattr(S, name))(*_to(args, jnp.asarray))
    vr, gr = jax.value_and_grad(getattr(J, name))(*_to(args, jjnp.asarray))
    _close((v, g), (vr, gr))


def test_vjp_pullback_matches_jax():
    x = jnp.asarray(np.array([0.3, -0.2, 0.5], np.float32))

    def f(x):
        return jnp.sin(x) * x

    out, pull = s2s.vjp(f, x)
    ct = jnp.asarray(np.array([1.0, 2.0, -1.0], np.float32))
    (gx,) = pull(ct)
    _, pull_j = jax.vjp(lambda x: jjnp.sin(x) * x, np.asarray(x))
    np.testing.assert_allclose(gx, pull_j(np.asarray(ct))[0], rtol=1e-6)
    np.testing.assert_allclose(pull(ct)[0], gx)  # a pullback can be called again


def test_has_aux():
    def f(x):
        y = jnp.sum(x ** 2)
        return y, {"y": y}

    g, aux = s2s.grad(f, has_aux=True)(jnp.arange(3.0))
    np.testing.assert_allclose(g, [0.0, 2.0, 4.0])
    np.testing.assert_allclose(aux["y"], 5.0)


def test_finite_differences_float64():
    """Derivatives against central differences on the float64 NumPy evaluation."""
    for name in ["poly", "chain", "for_loop", "while_loop", "logsumexp", "softmax_xent"]:
        f_np = load(np, f"corpus_np_{name}")
        x = np.array([0.3, -0.2, 0.5, 1.0, 0.7])
        eps = 1e-6
        fd = np.array([(getattr(f_np, name)(x + eps * e) - getattr(f_np, name)(x - eps * e))
                       / (2 * eps) for e in np.eye(5)])
        ours = s2s.grad(getattr(S, name))(jnp.asarray(x.astype(np.float32)))
        np.testing.assert_allclose(ours, fd, rtol=2e-3, atol=2e-4)


def test_generated_source_is_readable():
    src = inspect.getsource(s2s.grad(S.for_loop))
    assert "def for_loop_grad(x" in src
    assert "for i in range(4):" in src and "for i in reversed(range(4)):" in src
    assert "# grad of: x = jnp.sin(x) * 1.1" in src
    assert "bx" in src and "bacc" in src
    src = inspect.getsource(s2s.grad(S.branch))
    assert "if cond" in src and "# grad of: if jnp.sum(x) > 0:" in src


def test_nonscalar_output_error():
    with pytest.raises(TypeError, match=r"Gradient only defined for scalar-output functions. "
                                        r"Output had shape: \(3,\)\."):
        s2s.grad(lambda x: x * 2.0)(jnp.ones(3))


def test_integer_input_error():
    with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs"):
        s2s.grad(lambda x: jnp.sum(x * 2))(jnp.arange(3))


def test_unsupported_construct_names_file_and_line():
    def f(x):
        try:
            y = x * 2.0
        finally:
            pass
        return jnp.sum(y)

    with pytest.raises(TransformError, match=r"test_grad.py:\d+: reverse mode does not support"):
        s2s.grad(f)(jnp.ones(3))


def test_sigmoid_quickstart_value():
    def sum_logistic(x):
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    g = s2s.grad(sum_logistic)(jnp.arange(3.0))
    np.testing.assert_allclose(g, [0.25, 0.19661197, 0.10499357], rtol=1e-6)


SECOND_ORDER = ["poly", "sigmoid_sum", "chain", "reassign", "for_loop", "while_loop", "branch",
                "matrix_ops", "broadcasting", "nested_loops",
                "logsumexp", "softmax_xent", "expm1_log1p", "divide_chain", "calls_helper"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_jax(name):
    """Hessian-vector products by differentiating the generated derivative again."""
    v = np.array([0.5, -1.0, 0.25, 2.0, 1.0], np.float32)
    f, fj = getattr(S, name), getattr(J, name)

    def hvp(x):
        return jnp.sum(s2s.grad(f)(x) * v)

    ours = s2s.grad(hvp)(jnp.asarray(X5_))
    ref = jax.grad(lambda x: jjnp.sum(jax.grad(fj)(x) * v))(X5_)
    np.testing.assert_allclose(ours, ref, rtol=5e-4, atol=5e-5)


X5_ = np.array([0.3, -0.2, 0.5, 1.0, 0.7], np.float32)


def test_data_dependent_branch_under_jit_raises_jax_error():
    with pytest.raises(s2s.errors.TracerBoolConversionError):
        s2s.jit(s2s.grad(S.branch))(jnp.asarray(X5_))


def test_jit_compositions():
    def sum_logistic(x):
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    x = jnp.arange(3.0)
    expect = [0.25, 0.19661197, 0.10499357]
    np.testing.assert_allclose(s2s.jit(s2s.grad(sum_logistic))(x), expect, rtol=1e-6)
    np.testing.assert_allclose(s2s.grad(s2s.jit(sum_logistic))(x), expect, rtol=1e-6)
    # the quickstart's tower: grad(jit(grad(jit(grad(f))))) at 1.0
    tower = s2s.grad(s2s.jit(s2s.grad(s2s.jit(s2s.grad(sum_logistic)))))
    np.testing.assert_allclose(tower(1.0), -0.0353256, rtol=1e-5)


def test_jit_of_grad_with_static_loop_bound():
    def loopy(x, n):
        for i in range(n):
            x = jnp.sin(x)
        return jnp.sum(x)

    x = jnp.arange(3.0)
    ref = jax.grad(lambda x: jjnp.sum(jjnp.sin(jjnp.sin(jjnp.sin(x)))))(np.arange(3.0))
    np.testing.assert_allclose(s2s.jit(s2s.grad(loopy), static_argnums=1)(x, 3), ref, rtol=1e-6)
    np.testing.assert_allclose(s2s.grad(s2s.jit(loopy, static_argnums=1))(x, 3), ref, rtol=1e-6)


# data-dependent Python control flow cannot be staged (JAX raises the same errors)
_DATA_DEPENDENT = {"branch", "final_if_return", "while_counter", "early_return"}
JIT_CASES = [c for c in CASES if c[0] not in _DATA_DEPENDENT][::2]


@pytest.mark.parametrize("name,args,argnums", JIT_CASES, ids=[c[0] for c in JIT_CASES])
def test_corpus_under_jit(name, args, argnums):
    fn = getattr(S, name)
    ours = s2s.jit(s2s.grad(fn, argnums=argnums))(*_to(args, jnp.asarray))
    ref = jax.grad(getattr(J, name), argnums=argnums)(*_to(args, jjnp.asarray))
    _close(ours, ref)


def test_custom_vjp_rule_is_used():
    @s2s.custom_vjp
    def clip_gradient(x):
        return x

    def fwd(x):
        return x, None

    def bwd(res, g):
        return (jnp.clip(g, -0.1, 0.1),)

    clip_gradient.defvjp(fwd, bwd)

    def f(x):
        return jnp.sum(clip_gradient(x * 3.0) ** 2)

    np.testing.assert_allclose(s2s.grad(f)(jnp.arange(3.0)), [0.0, 0.3, 0.3], rtol=1e-6)
    assert "clip_gradient_bwd(" in inspect.getsource(s2s.grad(f))


def test_custom_jvp_rule_is_transposed_for_reverse_mode():
    @s2s.custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        x, = primals
        x_dot, = tangents
        return log1pexp(x), (1.0 - 1.0 / (1.0 + jnp.exp(x))) * x_dot

    g = s2s.grad(lambda x: jnp.sum(log1pexp(x)))(jnp.asarray([0.0, 2.0, 100.0]))
    np.testing.assert_allclose(g, [0.5, 0.8807971, 1.0], rtol=1e-6)  # no nan at 100


def test_stop_gradient():
    g = s2s.grad(lambda x: jnp.sum(s2s.stop_gradient(x) * x))(jnp.arange(3.0))
    np.testing.assert_allclose(g, [0.0, 1.0, 2.0])


def test_namedtuple_params_with_attribute_reads():
    import collections
    Params = collections.namedtuple("Params", ["w", "b"])

    def loss(p, x):
        return jnp.sum(jnp.tanh(x * p.w + p.b) ** 2)

    def loss_j(p, x):
        return jjnp.sum(jjnp.tanh(x * p.w + p.b) ** 2)

    p = Params(np.array([0.5, -1.0], np.float32), np.array([0.1, 0.2], np.float32))
    x = np.array([1.0, 2.0], np.float32)
    ours = s2s.grad(loss)(Params(*map(jnp.asarray, p)), jnp.asarray(x))
    assert isinstance(ours, Params)
    _close(tuple(ours), tuple(jax.grad(loss_j)(p, x)))


def test_random_samplers_under_jit_and_grad():
    k = s2s.random.key(7)
    np.testing.assert_array_equal(s2s.jit(lambda k: s2s.random.normal(k, (4,)))(k),
                                  s2s.random.normal(k, (4,)))
    raw = s2s.random.PRNGKey(3)
    np.testing.assert_array_equal(s2s.jit(lambda k: s2s.random.uniform(k, (2, 3)))(raw),
                                  s2s.random.uniform(raw, (2, 3)))
    # reparameterised: d/ds sum(s * normal(k)) = sum(normal(k))
    g = s2s.grad(lambda s: jnp.sum(s2s.random.normal(k, (5,)) * s))(2.0)
    np.testing.assert_allclose(g, np.sum(np.asarray(s2s.random.normal(k, (5,)))), rtol=1e-6)


def test_comments_cite_the_primal_file_and_line():
    import os
    C = load(jnp, "corpus_where")
    src = inspect.getsource(s2s.grad(C.for_loop))
    code = C.for_loop.__code__
    name = os.path.basename(code.co_filename)
    cited = [ln for ln in src.splitlines() if "# grad of:" in ln and f"[{name}:" in ln]
    assert cited, src
    lines = open(code.co_filename).read().splitlines()
    for ln in cited:  # each cited line is the statement the comment quotes
        quoted, where = ln.split("# grad of: ", 1)[1].rsplit("  [", 1)
        number = int(where.rstrip("]").split(":")[1])
        assert lines[number - 1].strip().startswith(quoted.split(" ...")[0].rstrip(":")[:20])


def test_inspect_of_transforms_of_sourceless_functions():
    """inspect.signature never needs the source; after a call, getsource shows the code
    written from the trace."""
    f = eval("lambda x, y=1.0: x * y * 2.0")  # no file to read
    for t, arg in ((s2s.grad(f), 3.0), (s2s.vmap(f), jnp.ones(2))):
        assert str(inspect.signature(t)) == "(x, y=1.0)"
        with pytest.raises(TypeError):
            inspect.getsource(t)  # nothing traced yet
        t(arg)
        assert "_traced" in inspect.getsource(t)
