"""grad / jvp / vmap of functions with lax control flow, against jax."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from s2s import lax
from corpus import assert_trees_close, load

jax = pytest.importorskip("jax")
S = load(snp, "control_s2s", "control_corpus.py", lax)
J = load(jax.numpy, "control_jax", "control_corpus.py", jax.lax)
X = np.array([0.3, -0.2, 0.5, 1.0], np.float32)
ARGS = [(0.7, X), (-0.4, X)]


@pytest.mark.parametrize("a, x", ARGS)
@pytest.mark.parametrize("name", S.REVERSE)
def test_grad_matches_jax(name, a, x):
    ours = s2s.grad(getattr(S, name), argnums=(0, 1))(a, snp.asarray(x))
    ref = jax.grad(getattr(J, name), argnums=(0, 1))(a, x)
    assert_trees_close(ours, ref, 2e-5, 2e-6, check_dtype=True)
    jitted = s2s.jit(s2s.grad(getattr(S, name), argnums=(0, 1)))(a, snp.asarray(x))
    assert_trees_close(jitted, ref, 2e-5, 2e-6, check_dtype=True)


@pytest.mark.parametrize("name", S.FORWARD)
def test_jvp_matches_jax(name):
    t = (np.float32(0.5), np.linspace(-1, 1, 4).astype(np.float32))
    ours = s2s.jvp(getattr(S, name), (0.7, snp.asarray(X)), (t[0], snp.asarray(t[1])))
    ref = jax.jvp(getattr(J, name), (0.7, X), t)
    assert_trees_close(ours, ref, 2e-5, 2e-6, check_dtype=False)


def test_finite_differences_float64():
    with s2s.config.enable_x64(True) if hasattr(s2s.config, "enable_x64") else _x64():
        x = np.linspace(-1, 1, 4)
        for name in ["fori_tuple_carry", "scan_reverse_pytree", "branch"]:
            f = getattr(S, name)
            g = np.asarray(s2s.grad(f, argnums=1)(0.7, snp.asarray(x)))
            eps = 1e-6
            fd = [(float(f(0.7, snp.asarray(x + eps * e))) - float(f(0.7, snp.asarray(
                x - eps * e)))) / (2 * eps) for e in np.eye(4)]
            np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


class _x64:
    def __enter__(self):
        s2s.config.update("jax_enable_x64", True)

    def __exit__(self, *exc):
        s2s.config.update("jax_enable_x64", False)


def test_generated_code_is_readable():
    import inspect
    src = inspect.getsource(s2s.grad(S.fori))
    assert "t2, t2_carries = fori_loop_carries(0, 4, lambda a, i, c: c * a + jnp.sin(c), " \
        "(a,), x)" in src, src
    assert "fori_loop_vjp(0, 4, lambda a, i, c: c * a + jnp.sin(c), (a,), x, t2_carries, b" \
        in src, src


def test_errors():
    with pytest.raises(s2s.errors.TransformError, match="Reverse-mode differentiation does not "
                                                        "work for lax.while_loop"):
        s2s.grad(S.while_forward)(0.7, snp.asarray(X))
    dyn = lambda a, n: lax.fori_loop(0, n, lambda i, c: c * a, 1.0)  # noqa: E731
    with pytest.raises(ValueError, match="dynamic start/stop"):
        s2s.jit(s2s.grad(dyn))(0.7, 3)
    np.testing.assert_allclose(s2s.grad(dyn)(0.7, 3), 3 * 0.7 ** 2, rtol=1e-6)


@pytest.mark.parametrize("name", S.REVERSE)
def test_second_order_matches_jax(name):
    """The rules' own source is differentiated again: grad of grad, hessians both ways, and
    a jvp of a grad, each against jax."""
    f, fj = getattr(S, name), getattr(J, name)
    x = snp.asarray(X)
    ref = jax.hessian(fj, argnums=1)(0.7, X)
    for hess in (s2s.jacfwd(s2s.jacrev(f, argnums=1), argnums=1),
                 s2s.jacrev(s2s.jacrev(f, argnums=1), argnums=1)):
        assert_trees_close(hess(0.7, x), ref, 2e-4, 2e-5, True)
    ours = s2s.grad(s2s.grad(f), argnums=(0, 1))(0.7, x)
    assert_trees_close(ours, jax.grad(jax.grad(fj), argnums=(0, 1))(0.7, X), 2e-4, 2e-5, True)
    v = np.linspace(-1, 1, 4).astype(np.float32)
    ours = s2s.jvp(s2s.grad(f, argnums=1), (0.7, x), (0.0, snp.asarray(v)))[1]
    assert_trees_close(ours, jax.jvp(jax.grad(fj, argnums=1), (0.7, X), (0.0, v))[1], 2e-4,
                       2e-5, True)


def test_third_order_and_batched_hessian():
    f, fj = S.fori_tuple_carry, J.fori_tuple_carry
    g3 = s2s.grad(s2s.grad(s2s.grad(f)))(0.7, snp.asarray(X))
    assert_trees_close(g3, jax.grad(jax.grad(jax.grad(fj)))(0.7, X), 2e-4, 2e-5, True)
    hs = s2s.vmap(s2s.hessian(lambda x: S.scan_sum(0.7, x)))(snp.asarray(XB))
    ref = jax.vmap(jax.hessian(lambda x: J.scan_sum(0.7, x)))(XB)
    assert_trees_close(hs, ref, 2e-4, 2e-5, True)


A = np.array([0.7, -0.4, 0.2], np.float32)
XB = np.linspace(-1, 1, 12).astype(np.float32).reshape(3, 4)


@pytest.mark.parametrize("name", S.FORWARD)
def test_vmap_matches_loop(name):
    f = getattr(S, name)
    loop = np.stack([np.asarray(f(a, snp.asarray(x))) for a, x in zip(A, XB)])
    np.testing.assert_allclose(s2s.vmap(f)(snp.asarray(A), snp.asarray(XB)), loop, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(s2s.jit(s2s.vmap(f))(snp.asarray(A), snp.asarray(XB)), loop,
                               rtol=1e-5, atol=1e-6)
    only_a = np.stack([np.asarray(f(a, snp.asarray(XB[0]))) for a in A])
    np.testing.assert_allclose(s2s.vmap(f, in_axes=(0, None))(snp.asarray(A),
                                                              snp.asarray(XB[0])), only_a,
                               rtol=1e-5, atol=1e-6)


def test_vmap_of_grad_and_generated_source():
    import inspect
    g = s2s.vmap(s2s.grad(S.scan_sum), in_axes=(0, None))(snp.asarray(A), snp.asarray(X))
    ref = jax.vmap(jax.grad(J.scan_sum), in_axes=(0, None))(A, X)
    np.testing.assert_allclose(g, ref, rtol=2e-5)
    src = inspect.getsource(s2s.vmap(S.while_forward))
    assert "while_loop_vmap(lambda a, c: c[1] < 3, lambda a, x, c:" in src or \
        "while_loop_vmap(" in src, src
