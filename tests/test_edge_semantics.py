"""Edge semantics equal jax's: which dtypes grad/jacfwd/jacrev accept (holomorphic, allow_int),
the errors of bad input (class and message), values at the edges."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jjnp = jax.numpy
C = 1.0 + 1.0j


def _cases(L, N):
    """name -> thunk, the same program for s2s (L, N = s2s, s2s.numpy) and jax."""
    vec = N.array([C, 2.0 - 1j])
    return {
        "int_output": lambda: L.grad(lambda x: 3)(1.0),
        "complex_output": lambda: L.grad(lambda x: x * 1j)(1.0),
        "complex_input_real_output": lambda: L.grad(lambda z: N.abs(z) * 2.0)(3.0 + 4.0j),
        "complex_input_conj": lambda: L.grad(lambda z: (z * z.conj()).real)(C),
        "holomorphic": lambda: L.grad(lambda z: z * z, holomorphic=True)(C),
        "holomorphic_real_input": lambda: L.grad(lambda x: x, holomorphic=True)(1.0),
        "holomorphic_real_output": lambda: L.grad(lambda x: x.real, holomorphic=True)(C),
        "allow_int_int_output": lambda: L.grad(lambda x: 1, allow_int=True)(1),
        "int_input": lambda: L.grad(lambda x: x * 2.0)(1),
        "jacfwd_complex_input": lambda: L.jacfwd(lambda x: x)(C),
        "jacrev_complex_output": lambda: L.jacrev(lambda x: x)(C),
        "jacfwd_holomorphic_real_input": lambda: L.jacfwd(lambda x: x, holomorphic=True)(1.0),
        "jacrev_holomorphic_real_output": lambda: L.jacrev(lambda x: x.real, holomorphic=True)(C),
        "jacfwd_holomorphic_real_output": lambda: L.jacfwd(lambda x: x.real, holomorphic=True)(C),
        "jacfwd_complex_output": lambda: L.jacfwd(lambda x: x * 1j)(1.0),
        "jacrev_int_input": lambda: L.jacrev(lambda x: x)(1),
        "jacfwd_int_input": lambda: L.jacfwd(lambda x: x)(1),
        "jacrev_int_output": lambda: L.jacrev(lambda x: 3)(1.0),
        "jacfwd_holomorphic": lambda: L.jacfwd(lambda x: x * x, holomorphic=True)(vec),
        "jacrev_holomorphic": lambda: L.jacrev(lambda x: x * x, holomorphic=True)(vec),
        "jacrev_complex_input": lambda: L.jacrev(lambda z: N.abs(z))(N.array([3.0 + 4.0j])),
        "vmap_holomorphic": lambda: L.vmap(L.grad(lambda z: z * z, holomorphic=True))(vec),
        "jit_holomorphic": lambda: L.jit(L.grad(lambda z: z * z, holomorphic=True))(C),
        "second_order_holomorphic": lambda: L.grad(L.grad(lambda z: z * z * z, holomorphic=True),
                                                   holomorphic=True)(C),
        "jvp_of_holomorphic_grad": lambda: L.jvp(L.grad(lambda z: z ** 3, holomorphic=True),
                                                 (C,), (C,))[1],
        "jit_complex_output": lambda: L.jit(L.grad(lambda x: x * 1j))(1.0),
        "vmap_complex_output": lambda: L.vmap(L.grad(lambda x: x * 1j))(N.ones(2)),
        "value_and_grad_int_output": lambda: L.value_and_grad(lambda x: 3)(1.0),
        "builtin_abs": lambda: (L.grad(abs)(0.0), L.grad(abs)(-2.0), L.jvp(abs, (-1.0,), (1.0,))),
        "vmap_builtin_abs": lambda: L.vmap(abs)(N.array([-1.0, 2.0])),
        "zeros_negative": lambda: N.zeros((-1,)),
        "ones_negative": lambda: N.ones((2, -1)),
        "float_index": lambda: N.ones(3)[1.5],
        "float_array_index": lambda: N.ones(3)[N.array([1.5])],
        "string_index": lambda: N.ones(3)["a"],
        "vmap_not_callable": lambda: L.vmap("abc"),
        "static_argnames_invalid": lambda: L.jit(lambda x: x, static_argnames=("y",)),
        "lax_real_of_real": lambda: L.lax.real(1.5),
        "while_loop_reverse": lambda: L.grad(lambda x: L.lax.while_loop(
            lambda c: c < 3.0, lambda c: c * 2.0, x))(1.0),
        **_power_cases(L, N),
    }


def _power_cases(L, N):
    """x ** y off the real line's easy part: a negative base's slope in y is NaN (log x), a zero
    base's is 0, a float exponent's slope in x at 0 ** 0 is NaN, an integer exponent's 0."""
    pw = lambda x, y: x ** y  # noqa: E731
    xs, ys = N.array([-2.0, 0.0, 2.0, -1.0, 0.0, 0.0]), N.array([3.0, 0.0, 0.5, 2.0, 2.0, 1.0])
    both = (0, 1)
    return {
        "pow_negative_base": lambda: L.grad(lambda y: N.power(-2.0, y))(3.0),
        "pow_negative_base_rpow": lambda: L.grad(lambda y: (-2.0) ** y)(3.0),
        "pow_negative_int_base": lambda: L.grad(lambda y: N.power(N.array([-2, 0, 2]), y).sum())(
            3.0),
        "pow_complex_base": lambda: L.grad(lambda y: N.power(-2 + 0j, y).real)(3.0),
        "pow_jvp": lambda: [L.jvp(pw, (x, y), (1.0, 1.0)) for x, y in
                            [(-2.0, 3.0), (0.0, 0.0), (2.0, 3.0), (0.0, 2.0)]],
        "pow_vmap_grad": lambda: L.vmap(L.grad(pw, argnums=both))(xs, ys),
        "pow_zero_exponent": lambda: [L.grad(lambda x: x ** 0)(0.0),
                                      L.grad(lambda x: x ** 0.0)(0.0),
                                      L.grad(lambda x: N.sum(x ** N.array([0, 1, 2])))(0.0)],
        "pow_second_order": lambda: [L.grad(L.grad(pw, argnums=i), argnums=j)(x, y)
                                     for i in both for j in both
                                     for x, y in [(-2.0, 3.0), (0.0, 0.0), (2.0, 3.0),
                                                  (0.0, 2.0)]],
        "pow_second_order_jvp": lambda: L.jvp(L.grad(pw), (0.0, 0.0), (1.0, 1.0)),
    }


S, J = _cases(s2s, snp), _cases(jax, jjnp)


def _outcome(thunk):
    try:
        return "value", jax.tree_util.tree_map(np.asarray, thunk())
    except Exception as e:  # noqa: BLE001
        return "error", e


@pytest.mark.parametrize("name", sorted(S))
def test_same_values_and_errors_as_jax(name):
    (kind, ours), (ref_kind, ref) = _outcome(S[name]), _outcome(J[name])
    if ref_kind == "error":
        assert kind == "error", f"jax raised {ref!r}; s2s returned {ours!r}"
        assert isinstance(ours, type(ref)) or type(ref).__name__ in (
            "MLIRError", "JaxRuntimeError"), (ours, ref)
        if type(ref) in (TypeError, ValueError):  # jax's message, word for word
            assert str(ref).split("\n")[0] in str(ours), (str(ours), str(ref))
        return
    assert kind == "value", f"s2s raised {ours!r}; jax returned {ref!r}"
    lo, lr = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(ref)
    assert len(lo) == len(lr)
    for a, b in zip(lo, lr):
        assert a.dtype == b.dtype and a.shape == b.shape, (a, b)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_random_shape_must_be_nonnegative():
    """jax's own error here is an MLIR parse error; s2s checks before lowering."""
    with pytest.raises(TypeError, match="nonnegative"):
        s2s.random.normal(s2s.random.PRNGKey(0), shape=(-1,))


def _weak_cases(L, N):
    """Python-scalar (weak-typed) inputs: derivatives are weak as in jax, including where an
    operation promoted the weak input (jax's conversion transposes back)."""
    sin, f32 = N.sin, N.float32(2.0)
    scalar_functions = (sin, N.abs, lambda x: x * x, lambda x: x, lambda x: x * f32,
                        lambda x: 2.0, lambda x: N.where(x > 0, x, 0.0))
    return {
        "grad": lambda: [L.grad(f)(1.5) for f in scalar_functions],
        "grad_argnums": lambda: L.grad(lambda x, y: x * y, argnums=(0, 1))(1.5, f32),
        "grad_tuple": lambda: L.grad(lambda p: p[0] * p[1])((1.5, 2.0)),
        "grad_numpy_scalar": lambda: [L.grad(sin)(np.float64(1.5)), N.asarray(np.float64(1.5)),
                                      N.asarray(np.complex128(1j)), N.sin(np.float64(1.5))],
        "value_and_grad": lambda: L.value_and_grad(lambda x: sin(x) * x)(1.5),
        "jvp": lambda: [L.jvp(sin, (1.5,), (1.0,)), L.jvp(lambda x: x * f32, (1.5,), (1.0,))],
        "vjp": lambda: [L.vjp(sin, 1.5)[1](1.0), L.vjp(sin, 1.5)[1](f32),
                        L.vjp(lambda x: x * f32, 1.5)[1](f32)],
        "jacobians": lambda: [L.jacfwd(sin)(1.5), L.jacrev(sin)(1.5), L.hessian(sin)(1.5),
                              L.grad(L.grad(sin))(1.5)],
        "complex_parts": lambda: [f(a) for f in (N.real, N.imag, N.conj, N.conjugate, N.angle)
                                  for a in (3, 3.5, 2j, True, N.asarray(3.5), N.float32(2.0),
                                            N.asarray(1 + 2j), N.int32(3))],
        "like": lambda: [g(a) for g in (N.ones_like, N.zeros_like, lambda a: N.full_like(a, 2),
                                        lambda a: L.lax.full_like(a, 2),
                                        lambda a: N.ones_like(a, shape=(2,)))
                         for a in (1.5, 2, True, N.asarray(1.5), N.ones(2))],
    }


WS, WJ = _weak_cases(s2s, snp), _weak_cases(jax, jjnp)


@pytest.mark.parametrize("name", sorted(WS))
def test_weak_types_as_jax(name):
    ours, ref = jax.tree_util.tree_leaves(WS[name]()), jax.tree_util.tree_leaves(WJ[name]())
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert (a.dtype, a.shape, a.weak_type) == (b.dtype, b.shape, b.weak_type), (a, b)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


_EDGES = [0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 7.5, -7.5, 2.0, -2.0, 3.0, 0.3, 5.0, 1e-30, 1e30,
          np.inf, -np.inf, np.nan]


def _division(L, N, dtype):
    """Floor division, remainder, fmod and divmod on every pair of edge values: values, and
    (vmapped) gradients and tangents in both arguments."""
    a = N.asarray(np.repeat(np.array(_EDGES, dtype), len(_EDGES)))
    b = N.asarray(np.tile(np.array(_EDGES, dtype), len(_EDGES)))
    out = {}
    for name, f in [("floor_divide", N.floor_divide), ("remainder", N.remainder),
                    ("fmod", N.fmod), ("floordiv_op", lambda x, y: x // y),
                    ("mod_op", lambda x, y: x % y), ("divmod_q", lambda x, y: N.divmod(x, y)[0]),
                    ("divmod_r", lambda x, y: N.divmod(x, y)[1])]:
        out[name] = f(a, b)
        out[name + "_jvp"] = L.jvp(f, (a, b), (N.ones_like(a), 2 * N.ones_like(b)))[1]
        out[name + "_grad"] = L.vmap(L.grad(f, argnums=(0, 1)))(a, b)
        out[name + "_second"] = [L.grad(L.grad(f, argnums=1), argnums=(0, 1))(a[k], b[k])
                                 for k in (40, 130, 200)]
    return out


@pytest.mark.parametrize("x64", [False, True])
def test_division_edges_as_jax(x64):
    """jax floors the quotient of ``a - rem(a, b)``, not ``a / b`` (``1 // 0.1`` is 9)."""
    from conftest import x64_in_both
    with x64_in_both(x64):
        dtype = np.float64 if x64 else np.float32
        ours, ref = _division(s2s, snp, dtype), _division(jax, jjnp, dtype)
    for name in ref:
        for a, b in zip(jax.tree_util.tree_leaves(ours[name]),
                        jax.tree_util.tree_leaves(ref[name])):
            a, b = np.asarray(a), np.asarray(b)
            assert a.dtype == b.dtype, name
            np.testing.assert_array_equal(a, b, err_msg=name)
            np.testing.assert_array_equal(np.signbit(a) & ~np.isnan(a),
                                          np.signbit(b) & ~np.isnan(b), err_msg=name)
