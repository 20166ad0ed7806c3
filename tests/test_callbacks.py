"""Host callbacks (``debug.print``, ``debug.callback``, ``pure_callback``), ``ShapeDtypeStruct``
/ ``eval_shape`` and ``custom_gradient``, against jax: the printed text, the values callbacks
receive, results, errors and derivatives."""
import ml_dtypes
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from s2s.lowering import backend

jax = pytest.importorskip("jax")
jjnp = jax.numpy
X = np.arange(3, dtype=np.float32)
BF16 = np.dtype(ml_dtypes.bfloat16)


def printed(capsys, fn):
    capsys.readouterr()
    fn()
    return capsys.readouterr().out


def same_print(capsys, case):
    """``case(J, np_)`` prints the same with s2s as with jax (and prints something)."""
    ours = printed(capsys, lambda: case(s2s, snp))
    ref = printed(capsys, lambda: case(jax, jjnp))
    assert ours == ref and ref


# ------------------------------------------------------------------------------ debug.print
PRINT_CASES = {
    "positional and keyword": lambda J, np_: J.debug.print("x={x} y={}", X * 2, x=X),
    "format specs and repr": lambda J, np_: J.debug.print("{:.2f} {x!r} {x}", X[1], x=X),
    "python values and static strings":
        lambda J, np_: J.debug.print("{} {} {} {}", 3, True, 2.5, "s"),
    "containers": lambda J, np_: J.debug.print("{} {d}", (X, None), d={"k": np.ones(2)}),
    "no placeholders": lambda J, np_: J.debug.print("plain"),
    "two-call form": lambda J, np_: J.debug.print(ordered=True)("a {}", X),
    "integers and bools": lambda J, np_: J.debug.print("{} {}", np.arange(4), X > 1),
    "long array": lambda J, np_: J.debug.print("{}", np.arange(2000.0, dtype=np.float32)),
}


@pytest.mark.parametrize("name", sorted(PRINT_CASES))
def test_print_eager_and_jit(capsys, name):
    case = PRINT_CASES[name]
    same_print(capsys, lambda J, np_: case(J, np_))
    same_print(capsys, lambda J, np_: J.jit(lambda: case(J, np_))())


def test_print_under_jit_prints_runtime_values_in_program_order(capsys):
    def f(J, np_):
        def g(x):
            for i in range(12):
                J.debug.print("{i}: {v}", i=i, v=np_.sin(x * i).sum())
            return x + 1
        return J.jit(g)(X)
    same_print(capsys, f)
    out = printed(capsys, lambda: f(s2s, snp))
    assert "Tracer" not in out and out.splitlines()[3].startswith("3: ")


def test_print_uses_print_options_of_the_call(capsys):
    def f(J, np_):
        with np.printoptions(precision=2):
            g = J.jit(lambda x: J.debug.print("{}", x / 3))
            g(X)
    same_print(capsys, f)


LOOP_CASES = {
    "fori_loop": lambda J, np_: J.lax.fori_loop(
        0, 3, lambda i, c: (J.debug.print("i={i} c={c}", i=i, c=c), c + 1)[1], 1.0),
    "scan": lambda J, np_: J.lax.scan(
        lambda c, v: (J.debug.print("c={} v={}", c, v), (c + v, c))[1], 0.0, X),
    "while_loop": lambda J, np_: J.lax.while_loop(
        lambda c: c < 3, lambda c: (J.debug.print("w {}", c), c + 1)[1], 0),
    "cond": lambda J, np_: J.lax.cond(
        X[1] > 0, lambda v: (J.debug.print("pos {}", v), v)[1],
        lambda v: (J.debug.print("neg {}", v), v)[1], X - 1),
}


@pytest.mark.parametrize("name", sorted(LOOP_CASES))
def test_print_inside_control_flow(capsys, name):
    case = LOOP_CASES[name]
    same_print(capsys, lambda J, np_: J.jit(lambda: case(J, np_))())
    same_print(capsys, case)


def _printing(J, np_):
    def f(x):
        J.debug.print("x={}", x)
        return np_.sin(x).sum()
    return f


TRANSFORM_CASES = {
    "grad": lambda J, f: J.grad(f)(X),
    "jit of grad": lambda J, f: J.jit(J.grad(f))(X),
    "value_and_grad": lambda J, f: J.value_and_grad(f)(X),
    "jvp": lambda J, f: J.jvp(f, (X,), (X,)),
    "vmap": lambda J, f: J.vmap(f)(np.stack([X, X + 1])),
    "jit of vmap": lambda J, f: J.jit(J.vmap(f))(np.stack([X, X + 1])),
    "jacfwd": lambda J, f: J.jacfwd(f)(X),
}


@pytest.mark.parametrize("name", sorted(TRANSFORM_CASES))
def test_print_under_transforms(capsys, name):
    """The primal values, once (per example under vmap); the derivative is the function's."""
    run = TRANSFORM_CASES[name]
    ours = printed(capsys, lambda: setattr(test_print_under_transforms, "out",
                                           run(s2s, _printing(s2s, snp))))
    value = test_print_under_transforms.out
    ref = printed(capsys, lambda: setattr(test_print_under_transforms, "out",
                                          run(jax, _printing(jax, jjnp))))
    assert ours == ref
    for a, b in zip(jax.tree_util.tree_leaves(value),
                    jax.tree_util.tree_leaves(test_print_under_transforms.out)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def _print_in_body(J, np_):
    def f(x):
        def body(i, c):
            J.debug.print("i={} c={}", i, c)
            return c * x
        return J.lax.fori_loop(0, 3, body, 1.0)
    return f


def _print_in_callee(J, np_):
    def inner(x):
        J.debug.print("inner {}", x)
        return np_.sin(x)
    return lambda x: inner(x) * 2


RECOMPUTING_CASES = {
    "grad through a loop": lambda J, np_: J.grad(_print_in_body(J, np_))(2.0),
    "jit of grad through a loop": lambda J, np_: J.jit(J.grad(_print_in_body(J, np_)))(2.0),
    "jvp through a loop": lambda J, np_: J.jvp(_print_in_body(J, np_), (2.0,), (1.0,)),
    "grad through a callee": lambda J, np_: J.grad(_print_in_callee(J, np_))(1.0),
    "vjp and its pullback": lambda J, np_: J.vjp(_print_in_callee(J, np_), 1.0)[1](1.0),
    "grad of grad": lambda J, np_: J.grad(J.grad(_print_in_callee(J, np_)))(1.0),
    "nested jacobians": lambda J, np_: J.jacfwd(J.jacfwd(_print_in_callee(J, np_)))(1.0),
}


@pytest.mark.parametrize("name", sorted(RECOMPUTING_CASES))
def test_print_once_where_derivatives_recompute(capsys, name):
    """A vjp runs its function again after the primal call (a loop body's, a callee's, the
    pullback's); as in jax, the values show once, from the primal run."""
    same_print(capsys, RECOMPUTING_CASES[name])


def test_print_under_vmap_with_mapped_keywords_and_unmapped_values(capsys):
    same_print(capsys, lambda J, np_: J.vmap(lambda x, y: J.debug.print("{x} {y}", x=x, y=y),
                                             in_axes=(0, None))(X, 7))
    # nested: every example once (jax's order is by inner axis first, s2s's row-major)
    nested = lambda J: J.vmap(J.vmap(lambda x: J.debug.print("{}", x)))(  # noqa: E731
        np.arange(4.0, dtype=np.float32).reshape(2, 2))
    assert sorted(printed(capsys, lambda: nested(s2s)).splitlines()) == \
        sorted(printed(capsys, lambda: nested(jax)).splitlines())


@pytest.mark.parametrize("call", [
    lambda J: J.debug.print("{}", 1, 2),
    lambda J: J.debug.print("{}", 1, y=2),
    lambda J: J.debug.print("{} {}", 1),
    lambda J: J.debug.print("{y}", 1),
    lambda J: J.debug.print("hi", 1),
    lambda J: J.debug.print(1, ordered=True),
    lambda J: J.debug.print(1, ordered=True)("{}", 1),
    lambda J: J.debug.callback(3, X),
])
def test_print_and_callback_argument_errors(call):
    with pytest.raises(Exception) as ours:
        call(s2s)
    with pytest.raises(Exception) as ref:
        call(jax)
    assert type(ours.value) is type(ref.value) and str(ours.value) == str(ref.value)


# --------------------------------------------------------------------------- debug.callback
def test_callback_gets_arrays_with_runtime_values():
    seen = []

    def keep(*args, **kwargs):
        seen.append((args, kwargs))
    for run in (lambda f: f(X), lambda f: s2s.jit(f)(X)):
        seen.clear()
        run(lambda x: s2s.debug.callback(keep, x, 1, "s", y=x * 2))
        (a, one, s), kw = seen[0]
        assert isinstance(a, s2s.Array) and isinstance(one, s2s.Array) and s == "s"
        np.testing.assert_array_equal(np.asarray(a), X)
        np.testing.assert_array_equal(np.asarray(kw["y"]), X * 2)
        assert int(one) == 1


def test_callback_errors_arrive_as_jax_runtime_errors():
    def boom(a):
        raise ZeroDivisionError("no")
    with pytest.raises(s2s.errors.JaxRuntimeError, match="ZeroDivisionError: no") as e:
        s2s.jit(lambda x: s2s.debug.callback(boom, x))(X)
    assert str(e.value).startswith("INTERNAL: CpuCallback error calling callback")


# ---------------------------------------------------------------------------- pure_callback
def _host_sin(a):
    return np.sin(np.asarray(a))


def test_pure_callback_values_eager_and_jit():
    S = s2s.ShapeDtypeStruct
    f = lambda x: s2s.pure_callback(_host_sin, S((3,), np.float32), x)  # noqa: E731
    np.testing.assert_allclose(np.asarray(f(X)), np.sin(X))
    np.testing.assert_allclose(np.asarray(s2s.jit(f)(X)), np.sin(X))
    two = s2s.jit(lambda x: s2s.pure_callback(
        lambda a, b=None: (np.asarray(a), np.float32(np.sum(b["v"]))),
        (S((3,), np.float32), S((), np.float32)), x, b={"v": x * 2}))(X)
    np.testing.assert_array_equal(np.asarray(two[0]), X)
    assert float(two[1]) == 6.0
    none = s2s.jit(lambda: s2s.pure_callback(lambda: np.int32(4), S((), np.int32)))()
    assert int(none) == 4 and none.dtype == np.int32


def test_pure_callback_may_compute_with_s2s_inside():
    out = s2s.jit(lambda x: s2s.pure_callback(lambda a: snp.cos(a) + snp.sum(a),
                                              s2s.ShapeDtypeStruct((3,), np.float32), x))(X)
    np.testing.assert_allclose(np.asarray(out), np.cos(X) + X.sum(), rtol=1e-6)


@pytest.mark.parametrize("result,declared", [
    (lambda a: np.asarray(a)[:2], ((3,), np.float32)),
    (lambda a: np.arange(3), ((3,), np.float32)),
    (lambda a: (np.asarray(a), np.asarray(a)), ((3,), np.float32)),
])
@pytest.mark.parametrize("jit", [False, True])
def test_pure_callback_result_checks(result, declared, jit):
    def run(J):
        f = lambda x: J.pure_callback(result, J.ShapeDtypeStruct(*declared), x)  # noqa: E731
        return (J.jit(f) if jit else f)(X)
    with pytest.raises(s2s.errors.JaxRuntimeError) as ours:
        run(s2s)
    with pytest.raises(jax.errors.JaxRuntimeError) as ref:
        run(jax)
    assert str(ours.value).splitlines()[-1] == str(ref.value).splitlines()[-1]


@pytest.mark.parametrize("call", [
    lambda J: J.pure_callback(lambda a: a, J.ShapeDtypeStruct((3,), np.float64), X),
    lambda J: J.pure_callback(lambda a, s: a, J.ShapeDtypeStruct((3,), np.float32), X, "s"),
    lambda J: J.pure_callback(lambda a: a, J.ShapeDtypeStruct((3,), np.float32), X,
                              vmap_method="bogus"),
    lambda J: J.vmap(lambda x: J.pure_callback(lambda a: a, J.ShapeDtypeStruct((), np.float32),
                                               x))(X),
    lambda J: J.grad(lambda x: J.pure_callback(lambda a: a, J.ShapeDtypeStruct((), np.float32),
                                               x))(1.0),
    lambda J: J.jvp(lambda x: J.pure_callback(lambda a: a, J.ShapeDtypeStruct((), np.float32),
                                              x), (1.0,), (1.0,)),
])
def test_pure_callback_refusals(call):
    with pytest.raises(Exception) as ours:
        call(s2s)
    with pytest.raises(Exception) as ref:
        call(jax)
    assert type(ours.value) is type(ref.value) and str(ours.value) == str(ref.value)


@pytest.mark.parametrize("method", ["sequential", "expand_dims", "broadcast_all",
                                    "legacy_vectorized"])
@pytest.mark.parametrize("jit", [False, True])
def test_pure_callback_vmap_methods(method, jit):
    """The callback sees the operand shapes jax's sees, and the results agree."""
    def run(J):
        shapes = []

        def host(a, b, c=None):
            shapes.append((np.shape(a), np.shape(b), np.shape(c)))
            return np.asarray(a) * np.asarray(b) + np.asarray(c)
        f = J.vmap(lambda x, y, z: J.pure_callback(host, J.ShapeDtypeStruct((3,), np.float32),
                                                   x, y, c=z, vmap_method=method),
                   in_axes=(0, None, 0))
        out = (J.jit(f) if jit else f)(np.stack([X, X + 1]), X, np.ones((2, 3), np.float32))
        return np.asarray(out), shapes
    (ours, seen), (ref, ref_seen) = run(s2s), run(jax)
    np.testing.assert_allclose(ours, ref)
    assert seen == ref_seen


def test_pure_callback_behind_stop_gradient_differentiates():
    f = lambda J: lambda x: J.pure_callback(  # noqa: E731
        lambda a: np.asarray(a) * 2, J.ShapeDtypeStruct((), np.float32),
        J.lax.stop_gradient(x)) * x
    assert float(s2s.grad(f(s2s))(3.0)) == float(jax.grad(f(jax))(3.0))


# ------------------------------------------------------------- ShapeDtypeStruct, eval_shape
def test_shape_dtype_struct_as_jax():
    for args, kw in [(((2, 3), np.float32), {}), (((), np.int32), {"weak_type": True}),
                     (([2], "float64"), {}), (((4,), BF16), {})]:
        ours, ref = s2s.ShapeDtypeStruct(*args, **kw), jax.ShapeDtypeStruct(*args, **kw)
        assert repr(ours) == repr(ref) and str(ours) == str(ref)
        assert (ours.shape, ours.dtype, ours.ndim, ours.size, ours.weak_type, ours.sharding) == \
            (ref.shape, ref.dtype, ref.ndim, ref.size, ref.weak_type, ref.sharding)
    a = s2s.ShapeDtypeStruct((2,), np.float32)
    assert a == s2s.ShapeDtypeStruct((2,), np.dtype("float32")) and len(a) == 2
    assert hash(a) == hash(s2s.ShapeDtypeStruct((2,), "float32"))
    assert a != s2s.ShapeDtypeStruct((2,), np.float32, weak_type=True) and a != 3
    for make in (lambda S: S((2,), None), lambda S: S(3, np.float32),
                 lambda S: len(S((), np.float32)), lambda S: setattr(S((), "f4"), "shape", 1)):
        with pytest.raises(Exception) as ours:
            make(s2s.ShapeDtypeStruct)
        with pytest.raises(Exception) as ref:
            make(jax.ShapeDtypeStruct)
        assert type(ours.value) is type(ref.value) and str(ours.value) == str(ref.value)


EVAL_CASES = [
    (lambda np_: lambda x: x * 2, lambda S: (1.0,)),
    (lambda np_: lambda x, y: {"a": x + y, "b": (x.sum(), 3)},
     lambda S: (np.ones(3, np.float32), S((3,), np.float32))),
    (lambda np_: lambda x: x * 2, lambda S: (S((2,), np.float64),)),
    (lambda np_: lambda x: x.shape, lambda S: (np.ones(2),)),
    (lambda np_: lambda x: np_.matmul(x, x.T).astype(np.int32), lambda S: (S((2, 5), "f4"),)),
    (lambda np_: lambda x: np_.sum(x), lambda S: (S((4,), BF16),)),
]


@pytest.mark.parametrize("case", range(len(EVAL_CASES)))
def test_eval_shape_as_jax_without_running(case):
    fun, args = EVAL_CASES[case]
    before = backend.compile_count()
    ours = s2s.eval_shape(fun(snp), *args(s2s.ShapeDtypeStruct))
    assert backend.compile_count() == before
    ref = jax.eval_shape(fun(jjnp), *args(jax.ShapeDtypeStruct))
    assert repr(ours) == repr(ref)
    jitted = s2s.jit(fun(snp)).eval_shape(*args(s2s.ShapeDtypeStruct))
    assert repr(jitted) == repr(ref)


def test_eval_shape_refuses_non_arrays_as_jit_does():
    with pytest.raises(TypeError, match="Error interpreting argument"):
        s2s.eval_shape(lambda x: x, "s")


# --------------------------------------------------------------------------- custom_gradient
def _custom(J, np_):
    @J.custom_gradient
    def f(x):
        return np_.sin(x), lambda g: g * 3.0 * np_.cos(x)

    @J.custom_gradient
    def h(x, w):
        return x * w, lambda g: (g * w * 2, g * x * 2)
    return f, h


CUSTOM_CASES = {
    "value": lambda J, f, h: f(np.float32(0.7)),
    "grad": lambda J, f, h: J.grad(f)(np.float32(0.7)),
    "jit of grad": lambda J, f, h: J.jit(J.grad(f))(np.float32(0.7)),
    "grad of jit": lambda J, f, h: J.grad(J.jit(f))(np.float32(0.7)),
    "two arguments": lambda J, f, h: J.grad(h, argnums=(0, 1))(np.float32(0.7),
                                                               np.float32(2.0)),
    "vjp": lambda J, f, h: J.vjp(f, X)[1](np.ones(3, np.float32)),
    "inside a function": lambda J, f, h: J.grad(lambda x: f(x * 2) ** 2)(np.float32(0.7)),
    "vmap of the value": lambda J, f, h: J.vmap(f)(X),
}


@pytest.mark.parametrize("name", sorted(CUSTOM_CASES))
def test_custom_gradient_as_jax(name):
    run = CUSTOM_CASES[name]
    ours, ref = run(s2s, *_custom(s2s, snp)), run(jax, *_custom(jax, jjnp))
    for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(ref)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_custom_gradient_refuses_forward_mode():
    f, _ = _custom(s2s, snp)
    with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
        s2s.jvp(f, (1.0,), (1.0,))


def test_callbacks_traced_again_reuse_their_program(capsys):
    """An eager pure_callback, or an eager loop whose body prints, is the same program each
    time (one compile), and a print under a formatter dict (unhashable options) still works."""
    S = s2s.ShapeDtypeStruct((3,), np.float32)
    loop = lambda: s2s.lax.fori_loop(  # noqa: E731
        0, 2, lambda i, c: (s2s.debug.print("{}", c), c + 1)[1], 1.0)
    for run in (lambda: s2s.pure_callback(_host_sin, S, X), loop):
        run()
        before = backend.compile_count()
        run()
        assert backend.compile_count() == before
    with np.printoptions(formatter={"float": lambda v: f"<{v:.1f}>"}):
        out = printed(capsys, lambda: s2s.jit(lambda x: s2s.debug.print("{}", x))(X))
    assert out == "[<0.0> <1.0> <2.0>]\n"


def test_callbacks_in_functions_without_source(capsys):
    """A function defined by exec is traced and written back as source; its callbacks are
    written back as calls of debug.callback / pure_callback."""
    ns = {"s2s": s2s, "snp": snp, "np": np}
    exec("def f(x):\n    s2s.debug.print('x={}', x)\n    return snp.sin(x) * 2\n", ns)
    exec("def g(x):\n    return s2s.pure_callback(lambda a: np.asarray(a) * 2, "
         "s2s.ShapeDtypeStruct((), np.float32), x, vmap_method='sequential') + x\n", ns)
    f, g = ns["f"], ns["g"]
    assert printed(capsys, lambda: s2s.grad(f)(1.0)) == "x=1.0\n"
    assert printed(capsys, lambda: s2s.vmap(f)(X[:2])) == "x=0.0\nx=1.0\n"
    np.testing.assert_allclose(np.asarray(s2s.vmap(g)(X)), X * 3)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        s2s.grad(g)(1.0)


def test_print_of_a_typed_key_under_jit_shows_its_data(capsys):
    """(jax prints the raw uint32 data under jit; s2s prints the key, rebuilt around it.)"""
    k = s2s.random.key(0)
    out = printed(capsys, lambda: s2s.jit(lambda k: s2s.debug.print("{}", k))(k))
    assert out.endswith("[0 0]\n") and "Tracer" not in out
