"""``s2s.numpy.linalg.eig`` / ``eigvals`` (LAPACK geev) against jax 0.10.2: values in LAPACK's
order, eigenvectors as LAPACK normalises them, the defining equation ``A v = v w``, complex
results for real input, jit and vmap, the eigenvalues' derivatives (against jax and float64
finite differences) and jax's refusal to differentiate eigenvectors."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp

from conftest import x64_in_both

jax = pytest.importorskip("jax")
jl = jax.numpy.linalg  # (not ``jnp``: s2s's generated code uses that name)


def _mat(shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape) + 2 * np.eye(shape[-1])
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.normal(size=shape)
    return a.astype(dtype)


def _close(ours, ref, rtol=1e-5, atol=1e-5):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype, (ours.dtype, ref.dtype)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape,dtype", [((3, 3), np.float32), ((2, 4, 4), np.float32),
                                         ((3, 3), np.complex64), ((0, 0), np.float32),
                                         ((2, 0, 0), np.complex64), ((1, 1), np.int32)])
def test_values_against_jax(shape, dtype):
    a = _mat(shape, dtype)
    w, v = snp.linalg.eig(a)
    jw, jv = jl.eig(a)
    _close(w, jw)
    _close(v, jv)
    _close(snp.linalg.eigvals(a), jl.eigvals(a))
    w, v = np.asarray(w), np.asarray(v)
    np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, rtol=1e-6)  # LAPACK's norm
    assert type(snp.linalg.eig(a)).__name__ == "EigResult"
    assert snp.linalg.eig(a)._fields == ("eigenvalues", "eigenvectors")


def test_float64_and_failures():
    with x64_in_both(True):
        a = _mat((3, 3), np.float64)
        _close(snp.linalg.eigvals(a), jl.eigvals(a), rtol=1e-12, atol=1e-12)
        assert snp.linalg.eigvals(a).dtype == np.complex128
    bad = np.full((2, 2), np.nan, np.float32)  # LAPACK's info != 0: NaN, as jax
    w, v = snp.linalg.eig(bad)
    assert np.isnan(np.asarray(w)).all() and np.isnan(np.asarray(v)).all()


def test_jit_and_vmap():
    a = _mat((3, 4, 4))
    ref = jl.eigvals(a)
    _close(s2s.jit(snp.linalg.eigvals)(a), ref)
    _close(s2s.vmap(snp.linalg.eigvals)(a), ref)
    w, v = s2s.vmap(snp.linalg.eig)(a)
    _close(w, ref)
    _close(v, jl.eig(a)[1])


def _loss(L):
    weights = np.array([1.0, -2.0, 0.5], np.float32)

    def loss(x):
        w = L.linalg.eigvals(x)
        return (L.real(w) * weights).sum() + L.abs(w).sum()
    return loss


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_eigvals_derivatives_against_jax(dtype):
    a, t = _mat((3, 3), dtype), _mat((3, 3), dtype, seed=1)
    _close(s2s.grad(_loss(snp))(a), jax.grad(_loss(jax.numpy))(a), rtol=1e-4, atol=1e-4)
    ours, theirs = s2s.jvp(snp.linalg.eigvals, (a,), (t,)), jax.jvp(jl.eigvals, (a,), (t,))
    _close(ours[1], theirs[1], rtol=1e-4, atol=1e-4)
    if dtype == np.float32:
        batch = np.stack([a, a + 0.1 * t])
        _close(s2s.vmap(s2s.grad(_loss(snp)))(batch),
               jax.vmap(jax.grad(_loss(jax.numpy)))(batch), rtol=1e-4, atol=1e-4)


def test_eigvals_grad_matches_float64_finite_differences():
    with x64_in_both(True):
        a = _mat((3, 3), np.float64)
        f = _loss(snp)
        g = np.asarray(s2s.grad(f)(a))
        eps, fd = 1e-6, np.zeros_like(a)
        for i in np.ndindex(a.shape):
            d = np.zeros_like(a)
            d[i] = eps
            fd[i] = (float(f(a + d)) - float(f(a - d))) / (2 * eps)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)


def test_eigenvector_derivatives_refused_as_jax():
    a = _mat((3, 3))
    cases = [(lambda L, T: lambda x: L.linalg.eig(x)[0].real.sum(), "grad"),
             (lambda L, T: lambda x: L.linalg.eig(x).eigenvectors, "jvp"),
             (lambda L, T: lambda x: (T.grad(_loss(L))(x) ** 2).sum(), "grad")]  # 2nd order
    for f, how in cases:
        msgs = []
        for L, T in ((snp, s2s), (jax.numpy, jax)):
            with pytest.raises(NotImplementedError) as e:
                if how == "grad":
                    T.grad(f(L, T))(a)
                else:
                    T.jvp(f(L, T), (a,), (a,))
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]


@pytest.mark.parametrize("x", [np.ones((2, 3), np.float32), np.ones(3, np.float32)])
def test_errors_as_jax(x):
    for f in (lambda L: L.linalg.eig(x), lambda L: L.linalg.eigvals(x)):
        with pytest.raises(Exception) as ours:
            f(snp)
        with pytest.raises(Exception) as theirs:
            f(jax.numpy)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
