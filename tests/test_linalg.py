"""s2s.numpy.linalg's LAPACK-backed functions against jax.numpy.linalg 0.10.2 on CPU: the same
bits (eager and under jit, f32/f64/c64/c128, batches, empty matrices), the same custom calls in
the program text, JAX's errors; gradients of cholesky and eigh as JAX's, and JAX's error (no
silent zero) where JAX refuses a derivative."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, strategies as st

import s2s
import s2s.numpy as snp

jax = pytest.importorskip("jax")
from conftest import x64_in_both  # noqa: E402
jl = jax.numpy.linalg  # (not ``jnp``: s2s's generated code uses that name)


@pytest.fixture(params=["x32", "x64"])
def x64(request):
    on = request.param == "x64"
    with x64_in_both(on):
        yield on


def same(ours, ref, what="", rounding=False):
    """Equal trees of arrays, bit for bit (NaNs included), or equal up to float rounding."""
    ours, ref = jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(ref)
    assert len(ours) == len(ref), what
    for a, b in zip(ours, ref):
        a, b = np.asarray(a), np.asarray(b)
        assert (a.shape, a.dtype) == (b.shape, b.dtype), (what, a.shape, a.dtype, b.shape, b.dtype)
        if rounding:
            eps = np.finfo(a.dtype).eps
            scale = float(np.max(np.abs(b))) if b.size else 1.0
            np.testing.assert_allclose(a, b, rtol=4 * eps, atol=4 * eps * scale, err_msg=what)
            continue
        assert a.tobytes() == b.tobytes(), (what, np.max(np.abs(a - b)) if a.size else None)


def rand(rng, shape, dtype, kind="any"):
    a = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.normal(size=shape)
    if kind == "hpd":  # Hermitian positive definite
        a = a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])
    return np.asarray(a).astype(dtype)


# name -> (function of (linalg namespace, *arrays), kinds of the arrays, shape of each from (batch,
# m, n)); each runs eagerly and under jit (arrays as arguments) and must match jax's bits
def _sq(b, m, n):
    return b + (n, n)


def _rect(b, m, n):
    return b + (m, n)


CASES = {
    "cholesky": (lambda L, a: L.cholesky(a), ["hpd"], [_sq]),
    "cholesky_upper": (lambda L, a: L.cholesky(a, upper=True), ["hpd"], [_sq]),
    "cholesky_lower_triangle": (lambda L, a: L.cholesky(a, symmetrize_input=False), ["hpd"],
                                [_sq]),
    "cholesky_not_pd": (lambda L, a: L.cholesky(a), ["any"], [_sq]),  # NaN where it fails
    "qr": (lambda L, a: L.qr(a), ["any"], [_rect]),
    "qr_complete": (lambda L, a: L.qr(a, mode="complete"), ["any"], [_rect]),
    "qr_r": (lambda L, a: L.qr(a, mode="r"), ["any"], [_rect]),
    "qr_raw": (lambda L, a: L.qr(a, mode="raw"), ["any"], [_rect]),
    "eigh": (lambda L, a: L.eigh(a), ["any"], [_sq]),
    "eigh_upper": (lambda L, a: L.eigh(a, UPLO="U", symmetrize_input=False), ["hpd"], [_sq]),
    "eigvalsh": (lambda L, a: L.eigvalsh(a), ["hpd"], [_sq]),
    "eig": (lambda L, a: L.eig(a), ["any"], [_sq]),
    "eigvals": (lambda L, a: L.eigvals(a), ["any"], [_sq]),
    "svd": (lambda L, a: L.svd(a), ["any"], [_rect]),
    "svd_reduced": (lambda L, a: L.svd(a, full_matrices=False), ["any"], [_rect]),
    "svd_values": (lambda L, a: L.svd(a, compute_uv=False), ["any"], [_rect]),
    "svd_hermitian": (lambda L, a: L.svd(a, hermitian=True), ["any"], [_sq]),
    "svd_hermitian_values": (lambda L, a: L.svd(a, hermitian=True, compute_uv=False), ["hpd"],
                             [_sq]),
    "solve": (lambda L, a, b: L.solve(a, b), ["any", "any"], [_sq, lambda b, m, n: b + (n, 2)]),
    "solve_vector": (lambda L, a, b: L.solve(a, b), ["any", "any"], [_sq, lambda b, m, n: (n,)]),
    "solve_broadcast": (lambda L, a, b: L.solve(a, b), ["any", "any"],
                        [lambda b, m, n: (n, n), lambda b, m, n: b + (n, 3)]),
    "inv": (lambda L, a: L.inv(a), ["any"], [_sq]),
    "det": (lambda L, a: L.det(a), ["any"], [_sq]),
    "slogdet": (lambda L, a: L.slogdet(a), ["any"], [_sq]),
}


def _check_case(name, batch, m, n, dtype, seed=0):
    fn, kinds, shapes = CASES[name]
    rng = np.random.default_rng(seed)
    args = [rand(rng, s(batch, m, n), dtype, k) for k, s in zip(kinds, shapes)]
    ref = fn(jl, *args)
    # broadcast solves: XLA's CPU code for the batched substitution rounds differently
    # between machines (seen 1 ulp apart on some, equal on others)
    same(fn(snp.linalg, *args), ref, f"{name} eager {batch} {m}x{n} {dtype}",
         rounding=name == "solve_broadcast")
    same(s2s.jit(lambda *a: fn(snp.linalg, *a))(*args), ref, f"{name} jit {batch} {m}x{n} {dtype}",
         rounding=name == "solve_broadcast")


@pytest.mark.parametrize("name", sorted(CASES))
def test_bit_identical_with_jax(x64, name):
    dtypes = ["float64", "complex128"] if x64 else ["float32", "complex64"]
    if x64 and os.environ.get("CI"):  # (the complex path is the same code as complex64's)
        dtypes = ["float64"]
    for dtype in dtypes:
        for batch, m, n in [((), 4, 4), ((), 5, 3), ((2, 1), 3, 5), ((2,), 3, 3), ((3,), 1, 2),
                            ((), 12, 12)]:
            if name.startswith("slogdet") or name == "det":
                m = n  # (2x2 and 3x3 determinants are written out; larger ones go through LU)
            _check_case(name, batch, m, n, dtype)


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_and_1x1_matrices(name):
    for batch, m, n in [((), 0, 0), ((0,), 3, 3), ((2,), 0, 0), ((), 0, 3), ((), 3, 0),
                        ((4,), 1, 1)]:
        _check_case(name, batch, m, n, "float32")


@given(data=st.data())
def test_shapes_hypothesis(data):
    name = data.draw(st.sampled_from(sorted(CASES)), label="function")
    batch = data.draw(st.sampled_from([(), (1,), (2,), (2, 3), (0,)]), label="batch")
    m, n = data.draw(st.integers(0, 6), label="m"), data.draw(st.integers(0, 6), label="n")
    dtype = data.draw(st.sampled_from(["float32", "complex64"]), label="dtype")
    _check_case(name, batch, m, n, dtype, data.draw(st.integers(0, 2**32 - 1), label="seed"))


def test_slogdet_qr_method():
    rng = np.random.default_rng(3)
    for shape in [(4, 4), (2, 5, 5)]:
        a = rand(rng, shape, "float32")
        ref = jl.slogdet(a, method="qr")
        same(snp.linalg.slogdet(a, method="qr"), ref)
        same(s2s.jit(lambda x: snp.linalg.slogdet(x, method="qr"))(a), ref)


def test_results_are_named_tuples():
    a = rand(np.random.default_rng(0), (3, 3), "float32", "hpd")
    w, v = snp.linalg.eigh(a)
    assert snp.linalg.eigh(a).eigenvalues is not None and w.shape == (3,) and v.shape == (3, 3)
    q, r = snp.linalg.qr(a)
    assert type(snp.linalg.qr(a)).__name__ == "QRResult" and snp.linalg.qr(a).Q.shape == (3, 3)
    u, s, vh = snp.linalg.svd(a)
    assert snp.linalg.svd(a).Vh.shape == (3, 3) and s.shape == (3,)
    sign, logabsdet = snp.linalg.slogdet(a)
    assert snp.linalg.slogdet(a).logabsdet.shape == ()
    out = s2s.jit(lambda x: snp.linalg.qr(x))(a)  # a pytree through jit
    assert type(out).__name__ == "QRResult"
    same(out, jl.qr(a))


def test_integer_input_is_promoted():
    a = np.array([[4, 1], [1, 3]], np.int32)
    same(snp.linalg.cholesky(a), jl.cholesky(a))
    same(snp.linalg.eigh(a), jl.eigh(a))
    same(snp.linalg.inv(a), jl.inv(a))
    same(snp.linalg.det(a), jl.det(a))


def test_linalg_diagonal_is_the_array_api_one():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    same(snp.linalg.diagonal(a), jl.diagonal(a))
    same(snp.linalg.diagonal(a, offset=1), jl.diagonal(a, offset=1))


# ---- the program text: the same custom calls as JAX writes ------------------------------------

def _custom_calls(text):
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir
    keys = ["call_target_name", "api_version", "backend_config", "operand_layouts",
            "result_layouts", "output_operand_aliases", "mhlo.backend_config",
            "mhlo.frontend_attributes", "has_side_effect"]
    out = []
    with mlir.make_ir_context():
        module = ir.Module.parse(text)

        def walk(op):
            for region in op.regions:
                for block in region:
                    for o in block:
                        if o.operation.name == "stablehlo.custom_call":
                            attrs = o.operation.attributes
                            out.append({k: str(attrs[k]) for k in keys if k in attrs})
                        walk(o.operation)
        walk(module.operation)
    return out


@pytest.mark.parametrize("x64, dtype", [(m, d) for m in ("x32", "x64") for d in (
    "float32", "float64", "complex64", "complex128") if m == "x64" or d in ("float32",
                                                                          "complex64")],
                         indirect=["x64"])
def test_custom_calls_as_jax_writes_them(x64, dtype):
    rng = np.random.default_rng(0)
    cases = [(lambda L, a: L.cholesky(a), (2, 3, 3)), (lambda L, a: L.qr(a), (4, 3)),
             (lambda L, a: L.qr(a, mode="complete"), (2, 5, 3)),
             (lambda L, a: L.eigh(a), (3, 3)), (lambda L, a: L.svd(a), (2, 4, 3)),
             (lambda L, a: L.svd(a, full_matrices=False), (3, 5)),
             (lambda L, a: L.svd(a, compute_uv=False), (1, 3, 3)),
             (lambda L, a: L.solve(a, a), (2, 3, 3)), (lambda L, a: L.slogdet(a), (4, 4)),
             (lambda L, a: L.eig(a), (2, 3, 3)), (lambda L, a: L.eigvals(a), (3, 3))]
    for fn, shape in cases:
        a = rand(rng, shape, dtype)
        ours = _custom_calls(s2s.jit(lambda x: fn(snp.linalg, x)).lower(a).as_text())
        theirs = _custom_calls(jax.jit(lambda x: fn(jl, x)).lower(a).as_text())
        assert len(ours) == len(theirs) > 0
        for o, t in zip(ours, theirs):
            assert o.get("api_version", "1 : i32") == "1 : i32"  # with mhlo.backend_config: FFI
            assert o.get("has_side_effect", "false") == "false"
            assert {k: v for k, v in o.items() if k in t} == t, (o, t)
            assert set(t) <= set(o)


# ---- errors ------------------------------------------------------------------------------------

ERRORS = [
    ("cholesky of a non-square matrix", lambda L: L.cholesky(np.ones((3, 4), np.float32))),
    ("cholesky of a vector", lambda L: L.cholesky(np.ones((3,), np.float32))),
    ("cholesky float16", lambda L: L.cholesky(np.eye(3, dtype=np.float16))),
    ("eigh of a non-square matrix", lambda L: L.eigh(np.ones((3, 4), np.float32))),
    ("eigh bad UPLO", lambda L: L.eigh(np.eye(3, dtype=np.float32), UPLO="X")),
    ("qr of a vector", lambda L: L.qr(np.ones((3,), np.float32))),
    ("qr bad mode", lambda L: L.qr(np.eye(3, dtype=np.float32), mode="economic")),
    ("svd of a vector", lambda L: L.svd(np.ones((3,), np.float32))),
    ("svd hermitian non-square", lambda L: L.svd(np.ones((3, 4), np.float32), hermitian=True)),
    ("solve vector a", lambda L: L.solve(np.ones((3,), np.float32), np.ones((3,), np.float32))),
    ("solve mismatch", lambda L: L.solve(np.eye(3, dtype=np.float32), np.ones((4,), np.float32))),
    ("solve old batched vector", lambda L: L.solve(np.ones((2, 3, 3), np.float32),
                                                   np.ones((2, 3), np.float32))),
    ("inv non-square", lambda L: L.inv(np.ones((3, 4), np.float32))),
    ("det non-square", lambda L: L.det(np.ones((3, 4), np.float32))),
    ("slogdet non-square", lambda L: L.slogdet(np.ones((2, 3), np.float32))),
    ("slogdet bad method", lambda L: L.slogdet(np.eye(3, dtype=np.float32), method="x")),
    ("slogdet qr complex", lambda L: L.slogdet(np.eye(3, dtype=np.complex64), method="qr")),
]


@pytest.mark.parametrize("what,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_jax(what, fn):
    with pytest.raises(Exception) as theirs:
        fn(jl)
    with pytest.raises(type(theirs.value)) as ours:
        fn(snp.linalg)
    if isinstance(theirs.value, ValueError):  # JAX's own checks: same message
        assert str(ours.value) == str(theirs.value)


def test_primitive_shape_rules_validate():
    """What reaches the custom call is checked first (jaxlib would crash on a bad call)."""
    from s2s.runtime.core import bind
    f32 = snp.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="square"):
        bind("cholesky", f32)
    with pytest.raises(TypeError, match="rank at least 2"):
        bind("eigh", snp.ones((3,), np.float32), lower=True)
    with pytest.raises(TypeError, match="does not accept dtype int32"):
        bind("svd", snp.ones((3, 3), np.int32), full_matrices=True, compute_uv=True)
    with pytest.raises(NotImplementedError, match="float16"):
        bind("lu", snp.ones((3, 3), np.float16))
    with pytest.raises(ValueError, match="at least as many rows"):
        bind("householder_product", f32, snp.ones((3,), np.float32))
    with pytest.raises(ValueError, match="batch"):
        bind("householder_product", snp.ones((2, 4, 3), np.float32), snp.ones((3, 3), np.float32))
    with pytest.raises(TypeError, match="same dtype"):
        bind("triangular_solve", snp.eye(3), snp.ones((3, 2), np.complex64), left_side=True,
             lower=True, transpose_a=False, conjugate_a=False, unit_diagonal=False)
    with pytest.raises(ValueError, match="Incompatible shapes"):
        bind("triangular_solve", snp.eye(3), snp.ones((2, 3), np.float32), left_side=True,
             lower=True, transpose_a=False, conjugate_a=False, unit_diagonal=False)
    with pytest.raises(ValueError, match="permutation size"):
        bind("lu_pivots_to_permutation", snp.zeros((4,), np.int32), permutation_size=3)


def test_derivatives_jax_refuses_are_refused():
    """svd and qr differentiate now (tests/test_linalg_ad.py); what JAX refuses is refused
    with its error, never a silent zero, and second derivatives go through the rules' source."""
    a = np.eye(3, dtype=np.float32) * 2
    with pytest.raises(NotImplementedError, match="geqrf"):
        s2s.grad(lambda x: snp.linalg.qr(x, mode="raw")[1].sum())(a)
    with pytest.raises(NotImplementedError, match="full matrices"):
        s2s.grad(lambda x: snp.linalg.svd(x[:, :2])[0].sum())(a)
    a = a + np.float32(0.5)
    hess = s2s.hessian(lambda y: snp.linalg.cholesky(y).sum())(a)
    ref = jax.hessian(lambda y: jl.cholesky(y).sum())(a)
    np.testing.assert_allclose(hess, ref, rtol=1e-5, atol=1e-6)


def test_det_and_inv_gradients_match_jax():
    a = np.array([[2.0, 0.5, 0.1], [0.3, 1.5, -0.2], [0.1, 0.4, 1.2]], np.float32)
    for fs, fj in [(lambda x: snp.linalg.det(x), lambda x: jl.det(x)),
                   (lambda x: snp.linalg.inv(x).sum(), lambda x: jl.inv(x).sum())]:
        np.testing.assert_allclose(s2s.grad(fs)(a), jax.grad(fj)(a), rtol=1e-5, atol=1e-6)
        t = np.eye(3, dtype=np.float32)
        np.testing.assert_allclose(s2s.jvp(fs, (a,), (t,))[1], jax.jvp(fj, (a,), (t,))[1],
                                   rtol=1e-5, atol=1e-6)


def _grad_cases():
    J, S = jl, snp.linalg
    return [("cholesky", lambda x: J.cholesky(x), lambda x: S.cholesky(x)),
            ("cholesky_upper", lambda x: J.cholesky(x, upper=True),
             lambda x: S.cholesky(x, upper=True)),
            ("cholesky_lower_triangle", lambda x: J.cholesky(x, symmetrize_input=False),
             lambda x: S.cholesky(x, symmetrize_input=False)),
            ("eigh", lambda x: J.eigh(x), lambda x: S.eigh(x)),
            ("eigh_upper", lambda x: J.eigh(x, UPLO="U"), lambda x: S.eigh(x, UPLO="U")),
            ("eigvalsh", lambda x: J.eigvalsh(x), lambda x: S.eigvalsh(x))]


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_vjp_matches_jax(dtype, shape):
    """cholesky, eigh and eigvalsh have adjoint rules: the transposes of JAX's JVPs (complex
    inputs included, with JAX's convention for complex cotangents)."""
    rng = np.random.default_rng(4)
    x = rand(rng, shape, dtype, "hpd")
    for name, fj, fs in _grad_cases():
        out, vjp = jax.vjp(fj, x)
        ct = jax.tree_util.tree_map(lambda y: rand(rng, y.shape, y.dtype), out)
        ours = s2s.vjp(fs, x)[1](ct)[0]
        np.testing.assert_allclose(np.asarray(ours), np.asarray(vjp(ct)[0]), rtol=2e-4,
                                   atol=2e-5, err_msg=name)


def test_grad_through_named_fields():
    """Cotangents reaching eigh's result by position or by field name both count."""
    a = rand(np.random.default_rng(5), (4, 4), "float32", "hpd")
    w = np.arange(1.0, 5.0, dtype=np.float32)

    def ours(x):
        r = snp.linalg.eigh(x)
        return (r.eigenvalues * w).sum() + (r[1] ** 2 * w).sum() + (r.eigenvectors[0] * w).sum()

    def ref(x):
        r = jl.eigh(x)
        return (r.eigenvalues * w).sum() + (r[1] ** 2 * w).sum() + (r.eigenvectors[0] * w).sum()

    np.testing.assert_allclose(s2s.grad(ours)(a), jax.grad(ref)(a), rtol=1e-4, atol=1e-5)
    loss_s = lambda x: (snp.linalg.cholesky(x) * w).sum()  # noqa: E731
    loss_j = lambda x: (jl.cholesky(x) * w).sum()  # noqa: E731
    np.testing.assert_allclose(s2s.jit(s2s.grad(loss_s))(a), jax.grad(loss_j)(a), rtol=1e-5,
                               atol=1e-6)
    batch = np.stack([a, 2 * a])
    np.testing.assert_allclose(s2s.vmap(s2s.grad(loss_s))(batch),
                               jax.vmap(jax.grad(loss_j))(batch), rtol=1e-5, atol=1e-6)


def test_vmap_batches_every_function():
    rng = np.random.default_rng(1)
    a = rand(rng, (4, 3, 3), "float32", "hpd")
    for fn in [lambda x: snp.linalg.cholesky(x), lambda x: snp.linalg.qr(x).R,
               lambda x: snp.linalg.eigh(x)[1], lambda x: snp.linalg.svd(x)[0],
               lambda x: snp.linalg.inv(x), lambda x: snp.linalg.slogdet(x)[1]]:
        out = s2s.vmap(fn)(a)
        same(out, np.stack([np.asarray(fn(x)) for x in a]))


def test_lapack_is_registered_lazily():
    """``import s2s`` neither imports SciPy nor touches LAPACK; the first decomposition does."""
    code = textwrap.dedent("""
        import sys
        import s2s, s2s.numpy as jnp
        assert "scipy" not in sys.modules, "import s2s imported scipy"
        L = jnp.linalg.cholesky(jnp.eye(2) * 4.0)
        assert "scipy" in sys.modules
        print(float(L[1, 1]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2.0"
