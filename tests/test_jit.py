"""``jit`` and ``make_jaxpr``: the stage transform, tracing, caching, pytrees, errors, codegen."""
import collections
import functools
import inspect
import linecache
import os
import stat

import numpy as np
import pytest

import s2s as jax
import s2s.numpy as jnp
from s2s.lowering import backend
from s2s import codegen, errors
from s2s.parse import parse


# ---- the stage transform: statics become constants, folded ---------------------------------------

def signed(x, neg):
    return -x if neg else x


def branchy(x, mode, scale=2.0):
    """Doc stays."""
    if mode == "double":
        y = x * scale
    elif mode is None:
        y = x
    else:
        y = x - 1
    if not mode and scale > 1:
        y = y + 100
    return y


def test_static_conditional_expression_is_folded():
    lowered = jax.jit(signed, static_argnums=1).lower(jnp.ones(3), True)
    src = inspect.getsource(lowered.staged)
    assert "def signed(x):" in src
    assert "return -x" in src and "neg" not in src and " if " not in src
    src_false = inspect.getsource(jax.jit(signed, static_argnums=1).lower(jnp.ones(3), False).staged)
    assert "return x" in src_false and "-x" not in src_false


def test_static_if_keeps_one_branch():
    j = jax.jit(branchy, static_argnames="mode")
    src = inspect.getsource(j.lower(jnp.ones(3), mode="double").staged)
    assert "y = x * scale" in src
    assert "x - 1" not in src and "y = x\n" not in src and "100" not in src and "if" not in src
    assert '"""Doc stays."""' in src
    src_none = inspect.getsource(j.lower(jnp.ones(3), mode=None).staged)
    assert "y = x\n" in src_none and "if scale > 1" in src_none and "mode" not in src_none
    np.testing.assert_allclose(j(jnp.ones(3), mode="double"), [2, 2, 2])
    np.testing.assert_allclose(j(jnp.ones(3), mode=None), [101, 101, 101])
    np.testing.assert_allclose(j(jnp.ones(3), mode="other"), [0, 0, 0])


def test_static_reassigned_is_bound_once():
    def f(x, n):
        while n > 0:
            x = x * 2
            n -= 1
        return x
    j = jax.jit(f, static_argnums=1)
    np.testing.assert_allclose(j(jnp.ones(2), 3), [8, 8])
    assert "n = 3" in inspect.getsource(j.lower(jnp.ones(2), 3).staged)


def test_static_non_literal_value_and_closure():
    scale = jnp.asarray(3.0)

    def f(x, fn):
        return fn(x) * scale
    j = jax.jit(f, static_argnums=1)
    np.testing.assert_allclose(j(jnp.ones(2), jnp.exp), np.e * 3 * np.ones(2), rtol=1e-6)
    np.testing.assert_allclose(j(jnp.ones(2), jnp.sin), np.sin(1) * 3 * np.ones(2), rtol=1e-6)
    assert j._cache_size() == 2


def test_static_argnums_on_a_builtin_falls_back():
    j = jax.jit(jnp.reshape, static_argnums=1)
    np.testing.assert_array_equal(j(jnp.arange(6), (2, 3)), np.arange(6).reshape(2, 3))


# ---- caching ----------------------------------------------------------------------------------------

def test_no_retrace_no_recompile():
    traces = []

    def f(x, y):
        traces.append(1)
        return x * y + 1
    j = jax.jit(f)
    x = jnp.ones((2, 3))
    j(x, x)
    n = backend.compile_count()
    for _ in range(3):
        np.testing.assert_allclose(j(x, x), 2 * np.ones((2, 3)))
    assert len(traces) == 1 and backend.compile_count() == n and j._cache_size() == 1
    j(x, 2.0)            # weak float scalar: a new signature
    j(x, 3.0)            # same avals: cached
    assert len(traces) == 2 and j._cache_size() == 2
    j(x, np.float32(2))  # strong float32 scalar differs from weak
    assert len(traces) == 3
    j(jnp.ones(3), jnp.ones(3))
    assert len(traces) == 4 and j._cache_size() == 4


def test_static_values_key_the_cache():
    traces = []

    def f(x, k):
        traces.append(k)
        return x * k
    j = jax.jit(f, static_argnums=1)
    for k in [2, 2, 3, 2, 3]:
        np.testing.assert_allclose(j(jnp.ones(2), k), [k, k])
    assert traces == [2, 3] and j._cache_size() == 2
    j(jnp.ones(2), True)  # True == 1 but is another static value
    assert j._cache_size() == 3


def test_decorator_forms():
    @jax.jit
    def a(x):
        return x + 1

    @functools.partial(jax.jit, static_argnums=(1,))
    def b(x, n):
        return x * n

    @jax.jit(static_argnames=("n",))
    def c(x, n=3):
        return x * n
    np.testing.assert_allclose(a(jnp.ones(2)), [2, 2])
    np.testing.assert_allclose(b(jnp.ones(2), 4), [4, 4])
    np.testing.assert_allclose(c(jnp.ones(2), n=5), [5, 5])
    np.testing.assert_allclose(c(jnp.ones(2)), [3, 3])
    assert a.__wrapped__.__name__ == "a" and a.__name__ == "a"


def test_method_and_partial_and_lambda():
    class M:
        def __init__(self, w):
            self.w = w

        @functools.partial(jax.jit, static_argnums=0)
        def apply(self, x):
            return x * self.w
        __hash__ = object.__hash__
    np.testing.assert_allclose(M(3.0).apply(jnp.ones(2)), [3, 3])
    p = jax.jit(functools.partial(signed, neg=True))
    np.testing.assert_allclose(p(jnp.ones(2)), [-1, -1])
    f, g = jax.jit(lambda x: x + 1), jax.jit(lambda x: x * 10)  # two lambdas on one line
    np.testing.assert_allclose(f(jnp.ones(1)), [2])
    np.testing.assert_allclose(g(jnp.ones(1)), [10])


# ---- results equal eager results ---------------------------------------------------------------------

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype(np.float32)
B = RNG.normal(size=(4,)).astype(np.float32)
P = RNG.uniform(0.5, 2, size=(3, 4)).astype(np.float32)
I = RNG.integers(-5, 5, size=(3, 4)).astype(np.int32)

TABLE = [
    ("add_scalar", lambda x: x + 1, (A,)),
    ("mixed", lambda x, y: jnp.sin(x) * y - jnp.cos(y), (A, B)),
    ("exp_log", lambda x: jnp.log1p(jnp.exp(x)), (A,)),
    ("sqrt", lambda x: jnp.sqrt(x), (P,)),
    ("tanh", jnp.tanh, (A,)),
    ("power", lambda x: x ** 3 + x ** 0.5, (P,)),
    ("divide", lambda x, y: x / y, (A, P)),
    ("floor_divide", lambda x: x // 3, (I,)),
    ("mod", lambda x: x % 3, (I,)),
    ("int_float", lambda x: x * 2.5, (I,)),
    ("compare", lambda x, y: jnp.where(x > y, x, y), (A, B)),
    ("maximum", jnp.maximum, (A, B)),
    ("clip", lambda x: jnp.clip(x, -0.5, 0.5), (A,)),
    ("abs_sign", lambda x: jnp.abs(x) * jnp.sign(x), (A,)),
    ("sum", lambda x: jnp.sum(x), (A,)),
    ("sum_axis", lambda x: x.sum(axis=0), (A,)),
    ("mean_std", lambda x: (x.mean(0), x.std(1)), (A,)),
    ("var", lambda x: jnp.var(x, axis=1, keepdims=True), (A,)),
    ("max_argmax", lambda x: (x.max(1), jnp.argmax(x, axis=1)), (A,)),
    ("min_argmin", lambda x: (jnp.min(x), jnp.argmin(x)), (A,)),
    ("prod", lambda x: jnp.prod(x, axis=0), (P,)),
    ("cumsum", lambda x: jnp.cumsum(x, axis=1), (A,)),
    ("any_all", lambda x: (jnp.any(x > 1), jnp.all(x > -5)), (A,)),
    ("dot", jnp.dot, (A, B)),
    ("matmul", lambda x: x @ x.T, (A,)),
    ("einsum", lambda x, y: jnp.einsum("ij,j->i", x, y), (A, B)),
    ("reshape", lambda x: x.reshape(2, 6), (A,)),
    ("transpose", lambda x: jnp.transpose(x), (A,)),
    ("concatenate", lambda x: jnp.concatenate([x, x * 2], axis=0), (A,)),
    ("stack", lambda x, y: jnp.stack([x[0], y]), (A, B)),
    ("expand_squeeze", lambda x: jnp.squeeze(jnp.expand_dims(x, 0), 0), (A,)),
    ("slice", lambda x: x[1:, ::2], (A,)),
    ("int_index", lambda x: x[1, 2] + x[-1], (A,)),
    ("fancy_index", lambda x: x[np.array([0, 2])], (A,)),
    ("at_set", lambda x: x.at[0, 1].set(7.0), (A,)),
    ("at_add", lambda x: x.at[:, 0].add(1.0), (A,)),
    ("zeros_ones", lambda x: x + jnp.zeros(4) + jnp.ones((3, 1)), (A,)),
    ("arange", lambda x: x * jnp.arange(4), (A,)),
    ("linspace", lambda x: x + jnp.linspace(0, 1, 4), (A,)),
    ("eye", lambda x: x[:, :3] @ jnp.eye(3), (A,)),
    ("astype", lambda x: x.astype(jnp.int32) + 1, (A,)),
    ("sort", lambda x: jnp.sort(x, axis=1), (A,)),
    ("flip_roll", lambda x: jnp.roll(jnp.flip(x, 0), 1, axis=1), (A,)),
    ("tile_repeat", lambda x: jnp.tile(x, (2, 1)) + jnp.repeat(x, 2, axis=0), (A,)),
    ("broadcast_to", lambda y: jnp.broadcast_to(y, (3, 4)), (B,)),
    ("logical", lambda x: jnp.logical_and(x > 0, x < 1), (A,)),
    ("bitwise", lambda x: (x & 3) | (x ^ 1), (I,)),
    ("outer", jnp.outer, (B, B)),
    ("tril", lambda x: jnp.tril(x), (A,)),
    ("norm_quickstart", lambda X: (X - X.mean(0)) / X.std(0), (A,)),
    ("linalg_norm", lambda x: jnp.linalg.norm(x), (A,)),
    ("python_scalar_out", lambda x: (x, 2.0), (A,)),
]


@pytest.mark.parametrize("name,fn,args", TABLE, ids=[t[0] for t in TABLE])
def test_jit_matches_eager(name, fn, args):
    args = [jnp.asarray(a) for a in args]
    eager = fn(*args)
    staged = jax.jit(fn)(*args)
    e_leaves, e_tree = jax.tree_flatten(eager)
    s_leaves, s_tree = jax.tree_flatten(staged)
    assert e_tree == s_tree or len(e_leaves) == len(s_leaves)
    for e, s in zip(e_leaves, s_leaves):
        e, s = jnp.asarray(e), jnp.asarray(s)
        assert s.shape == e.shape and s.dtype == e.dtype, (s.aval, e.aval)
        np.testing.assert_allclose(np.asarray(s), np.asarray(e), rtol=2e-5, atol=2e-6)


def test_closed_over_array_is_a_constant():
    c = jnp.arange(3.0)
    traced = jax.make_jaxpr(lambda x: x * c)(jnp.ones(3))
    assert str(traced) == "{ lambda a:f32[3]; b:f32[3]. let c:f32[3] = mul b a in (c,) }"
    np.testing.assert_allclose(jax.jit(lambda x: x * c)(jnp.ones(3)), [0, 1, 2])


def test_python_scalars_stay_weak():
    out = jax.jit(lambda x: x * 2)(3.0)
    assert out.weak_type and out.dtype == np.float32
    out = jax.jit(lambda x: x + 1)(jnp.ones(2, jnp.int8))
    assert out.dtype == np.int8 and not out.weak_type
    seen = []
    jax.jit(lambda x, y: seen.append((repr(x), repr(y))))(jnp.ones((3, 4)), 1.0)
    assert seen == [("JitTracer(float32[3,4])", "JitTracer(~float32[])")]


def test_nested_jit_traces_through():
    inner = jax.jit(lambda x, n: x * n, static_argnums=1)
    outer = jax.jit(lambda x: inner(x, 3) + inner(x, 2))
    np.testing.assert_allclose(outer(jnp.ones(2)), [5, 5])
    text = str(jax.make_jaxpr(lambda x: inner(x, 3))(jnp.ones(2)))
    assert "mul a 3" in text


# ---- pytrees ------------------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def test_pytrees_in_and_out():
    def f(params, batch):
        w, b = params["w"], params["b"]
        return {"out": batch.x @ w + b, "aux": [batch.y * 2, None]}, (w.sum(),)
    params = {"w": jnp.ones((4, 2)), "b": jnp.zeros(2)}
    batch = Point(jnp.ones((3, 4)), jnp.arange(3.0))
    j = jax.jit(f)
    out, (s,) = j(params, batch)
    np.testing.assert_allclose(out["out"], 4 * np.ones((3, 2)))
    np.testing.assert_allclose(out["aux"][0], [0, 2, 4])
    assert out["aux"][1] is None
    np.testing.assert_allclose(s, 8.0)
    j(params, batch)
    assert j._cache_size() == 1
    j({"w": jnp.ones((4, 2)), "b": jnp.zeros(2)}, Point(jnp.ones((3, 4)), jnp.arange(3.0)))
    assert j._cache_size() == 1


def test_registered_pytree_node():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b
    jax.tree_util.register_pytree_node(Pair, lambda p: ((p.a, p.b), None),
                                       lambda _, c: Pair(*c))
    out = jax.jit(lambda p: Pair(p.b, p.a + p.b))(Pair(jnp.ones(2), jnp.arange(2.0)))
    assert isinstance(out, Pair)
    np.testing.assert_allclose(out.a, [0, 1])
    np.testing.assert_allclose(out.b, [1, 2])


def test_kwargs_and_defaults():
    def f(x, y=None, *, scale=1.0):
        return x * scale if y is None else (x + y) * scale
    j = jax.jit(f)
    np.testing.assert_allclose(j(jnp.ones(2)), [1, 1])
    np.testing.assert_allclose(j(jnp.ones(2), y=jnp.ones(2), scale=3.0), [6, 6])


# ---- AOT ----------------------------------------------------------------------------------------

def test_lower_compile():
    lowered = jax.jit(signed, static_argnums=1).lower(jnp.ones(3), True)
    text = lowered.as_text()
    assert "stablehlo.negate" in text and "tensor<3xf32>" in text
    compiled = lowered.compile()
    np.testing.assert_allclose(compiled(jnp.arange(3.0)), [0, -1, -2])
    with pytest.raises(TypeError):
        compiled(jnp.arange(3.0), True)


# ---- make_jaxpr -----------------------------------------------------------------------------------

def test_make_jaxpr_text():
    def f(x, y):
        return jnp.sin(x + 1.0) * y
    text = str(jax.make_jaxpr(f)(jnp.ones((3, 4)), jnp.ones(4)))
    assert text.startswith("{ lambda ; a:f32[3,4] b:f32[4]. let\n    c:f32[3,4] = add a 1.0:f32[]\n"
                           "    d:f32[3,4] = sin c\n")
    assert text.endswith("  in (f,) }")
    assert str(jax.make_jaxpr(lambda x: x + 1)(1)) == \
        "{ lambda ; a:i32[]. let b:i32[] = add a 1:i32[] in (b,) }"
    assert str(jax.make_jaxpr(signed, static_argnums=1)(jnp.ones(3), True)) == \
        "{ lambda ; a:f32[3]. let b:f32[3] = neg a in (b,) }"
    assert repr(jax.make_jaxpr(lambda x: jnp.cos(jnp.sin(x)))(1.0)) == \
        "{ lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = cos b in (c,) }"


# ---- errors ---------------------------------------------------------------------------------------

def _where(fn):
    return f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"


def test_bool_conversion_error():
    def f(x, y):
        if x > 0:
            return y
        return x
    with pytest.raises(errors.TracerBoolConversionError) as e:
        jax.jit(f)(1.0, 2.0)
    msg = str(e.value)
    assert msg.startswith("Attempted boolean conversion of traced array with shape bool[].\n")
    assert f"while tracing the function f at {_where(f)} for jit." in msg
    assert "depends on the value of the argument x." in msg
    assert isinstance(e.value, errors.ConcretizationTypeError)

    def g(a, b):
        return jnp.where(a["k"] + b > 0, 1, 2) if a["k"] + b > 0 else b
    with pytest.raises(errors.TracerBoolConversionError,
                       match=r"depends on the values of the arguments a\['k'\] and b\."):
        jax.jit(g)({"k": 1.0}, 2.0)


def test_concretization_errors():
    def f(x):
        return int(x)
    with pytest.raises(errors.ConcretizationTypeError,
                       match=r"(?s)Abstract tracer value encountered where concrete value is "
                             r"expected: traced array with shape float32\[\].*`int` function.*"
                             r"the function f at .*argument x"):
        jax.jit(f)(1.0)
    with pytest.raises(errors.TracerIntegerConversionError, match=r"__index__\(\) method"):
        jax.jit(lambda i: [1, 2, 3][i])(1)
    with pytest.raises(errors.TracerArrayConversionError,
                       match=r"The numpy.ndarray conversion method __array__\(\) was called on "
                             r"traced array with shape float32\[3\]"):
        jax.jit(lambda x: np.asarray(x))(jnp.ones(3))
    with pytest.raises((TypeError, errors.ConcretizationTypeError)):
        jax.jit(lambda n: jnp.zeros(n))(3)


def test_boolean_mask_error():
    with pytest.raises(errors.NonConcreteBooleanIndexError,
                       match=r"Array boolean indices must be concrete; got bool\[3\]"):
        jax.jit(lambda x: x[x < 0])(jnp.ones(3))


def test_leaked_tracer():
    leaked = []

    def f(x):
        leaked.append(x * 2)
        return x
    jax.jit(f)(1.0)
    with pytest.raises(errors.UnexpectedTracerError,
                       match=r"(?s)Encountered an unexpected tracer.*with type float32\[\].*"
                             r"leaked was f at .* traced for jit"):
        jnp.sin(leaked[0])
    with pytest.raises(errors.UnexpectedTracerError):
        jax.jit(lambda y: y + leaked[0])(1.0)


def test_static_arg_errors():
    def s(x, n):
        return x
    with pytest.raises(ValueError, match=r"Non-hashable static arguments are not supported\. An "
                                         r"error occurred while trying to hash an object of type "
                                         r"<class 'numpy.ndarray'>"):
        jax.jit(s, static_argnums=1)(1.0, np.ones(2))
    with pytest.raises(ValueError, match=r"Jitted function has static_argnums=\(3,\), but only "
                                         r"accepts 2 positional arguments\."):
        jax.jit(s, static_argnums=3)
    with pytest.raises(TypeError, match=r"(?s)Error interpreting argument to .* as an abstract "
                                        r"array.*of type <class 'str'> .* at path n\."):
        jax.jit(s)(1.0, "a")


# ---- parse and codegen -----------------------------------------------------------------------------

def test_parse_forms():
    k = 3

    def outer(x):
        return x + k
    p = parse(outer)
    assert p.node.name == "outer" and p.freevars == {"k": 3}
    f, g = (lambda a: a + 1), (lambda b, c: b * c)
    assert [a.id for a in parse(g).node.args.args] == ["b", "c"]
    assert [a.id for a in parse(f).node.args.args] == ["a"]
    part = parse(functools.partial(signed, neg=True))
    assert part.node.name == "signed" and part.bound_kwargs == {"neg": True}

    class C:
        def m(self, x):
            return x
    bound = parse(C().m)
    assert bound.node.name == "m" and len(bound.bound_args) == 1
    assert parse(jax.jit(signed)).node.name == "signed"  # through __wrapped__
    with pytest.raises(errors.TransformError, match="no Python source"):
        parse(len)
    ns = {}
    exec("def nofile(x):\n    return x\n", ns)
    with pytest.raises(errors.TransformError, match=r"<string>:1"):
        parse(ns["nofile"])


def test_generated_files(tmp_path, monkeypatch):
    monkeypatch.setenv("S2S_CACHE_DIR", str(tmp_path / "cache"))
    lowered = jax.jit(signed, static_argnums=1).lower(jnp.ones(3), True)
    path = lowered.staged.__s2s_source__
    folder = os.path.dirname(path)
    assert folder == str(tmp_path / "cache" / "generated")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert path in linecache.cache
    src = open(path).read()
    assert "def signed(x):" in src and "staged with static neg=True" in src
    mtime = os.stat(path).st_mtime_ns
    again = jax.jit(signed, static_argnums=1).lower(jnp.ones(3), True)
    assert again.staged.__s2s_source__ == path and os.stat(path).st_mtime_ns == mtime
    assert len(os.listdir(folder)) == 1
    assert again.staged.__s2s_original__ is signed
    assert inspect.getsource(again.staged).strip().startswith("def signed(x):")
    # generated code parses like any other function
    assert parse(again.staged).node.name == "signed"


def test_codegen_load_with_free_values(tmp_path, monkeypatch):
    monkeypatch.setenv("S2S_CACHE_DIR", str(tmp_path))
    import gast
    node = gast.ast_to_gast(__import__("ast").parse("def h(x):\n    return x * w\n").body[0])
    h = codegen.load(node, globals(), {"w": 5})
    assert h(2) == 10
    assert "return x * w" in inspect.getsource(h)
