"""``s2s.numpy.fft`` and ``lax.fft`` against jax: values, dtypes, arguments, errors, and
grad / jvp / vmap / jit / second derivatives (jax's references are jitted: its op-by-op
compilation would dominate the file's time)."""
import numpy as np
import pytest

import s2s
import s2s.lax as slax
import s2s.numpy as snp
from conftest import x64_in_both

jax = pytest.importorskip("jax")
jjnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 5, 6)).astype(np.float32)
XC = (RNG.standard_normal((2, 5, 6)) + 1j * RNG.standard_normal((2, 5, 6))).astype(np.complex64)


def close(ours, ref, tol=2e-5):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype, (ours.shape, ours.dtype,
                                                                 ref.shape, ref.dtype)
    scale = max(float(np.max(np.abs(ref), initial=0.0)), 1.0)
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * scale)


# ---- values ------------------------------------------------------------------------------

ONE_D = [{}, {"n": 4, "axis": 0}, {"n": 9, "axis": 1, "norm": "ortho"}, {"norm": "forward"}]
TWO_D = [{}, {"s": (3, 4), "axes": (2, 0), "norm": "ortho"}, {"s": (7, 5), "norm": "forward"}]
N_D = [{}, {"axes": (1,)}, {"axes": (2, 0, 1), "s": (3, 2, 7), "norm": "ortho"}]


@pytest.mark.parametrize("name,inputs,arguments", [
    ("fft", (XC, X), ONE_D), ("ifft", (XC,), ONE_D), ("rfft", (X,), ONE_D),
    ("irfft", (XC, X), ONE_D), ("hfft", (XC,), ONE_D), ("ihfft", (X,), ONE_D),
    ("fft2", (XC,), TWO_D), ("ifft2", (XC,), TWO_D), ("rfft2", (X,), TWO_D),
    ("irfft2", (XC,), TWO_D), ("fftn", (XC, X), N_D), ("ifftn", (XC,), N_D),
    ("rfftn", (X,), N_D), ("irfftn", (XC,), N_D)])
def test_values_and_dtypes(name, inputs, arguments):
    """Values against NumPy's (float64) transforms, shapes and dtypes against jax's."""
    for x in inputs:
        for kw in arguments:
            ours = np.asarray(getattr(snp.fft, name)(x, **kw))
            ref = jax.eval_shape(lambda x: getattr(jjnp.fft, name)(x, **kw), x)
            assert (ours.shape, ours.dtype) == (ref.shape, ref.dtype), (kw, ours.dtype, ref)
            close(ours, getattr(np.fft, name)(x, **kw).astype(ours.dtype))
    x = inputs[0]
    for kw in arguments[:1]:  # and against jax's values
        close(getattr(snp.fft, name)(x, **kw), getattr(jjnp.fft, name)(x, **kw))


def test_more_than_three_axes_and_other_dtypes():
    x4 = RNG.standard_normal((2, 3, 2, 4, 3)).astype(np.float32)
    close(snp.fft.fftn(x4), np.fft.fftn(x4).astype(np.complex64), 1e-4)
    close(snp.fft.irfftn(x4, axes=(4, 0, 2, 1)),
          np.fft.irfftn(x4, axes=(4, 0, 2, 1)).astype(np.float32), 1e-4)
    close(snp.fft.rfftn(x4), jjnp.fft.rfftn(x4), 1e-4)
    ints = np.arange(6, dtype=np.int32)
    for name in ("fft", "rfft", "irfft"):
        close(getattr(snp.fft, name)(ints), getattr(jjnp.fft, name)(ints))
    half = ints.astype(np.float16)
    close(snp.fft.fft(half), jjnp.fft.fft(half))
    close(snp.fft.irfft(half), jjnp.fft.irfft(half))
    close(snp.fft.fft(np.array([True, False, True])), jjnp.fft.fft(np.array([True, False, True])))
    close(snp.fft.fftn(np.float32(2.0)), jjnp.fft.fftn(np.float32(2.0)))
    close(snp.fft.fftn(X, axes=()), jjnp.fft.fftn(X, axes=()))
    close(snp.fft.irfft(XC[:, :, :1]), jjnp.fft.irfft(XC[:, :, :1]))  # n = 0: empty
    close(snp.fft.fft(np.ones((3, 0), np.float32), n=4),
          jjnp.fft.fft(np.ones((3, 0), np.float32), n=4))
    close(snp.fft.fft(np.ones((0, 4), np.complex64)), jjnp.fft.fft(np.ones((0, 4), np.complex64)))
    close(snp.fft.fft(X, n=snp.asarray(3)), jjnp.fft.fft(X, n=3))
    with x64_in_both(True):
        close(snp.fft.rfft(X.astype(np.float64)), jjnp.fft.rfft(X.astype(np.float64)), 1e-12)
        close(snp.fft.fftfreq(5, 0.3), jjnp.fft.fftfreq(5, 0.3))


def test_frequencies_and_shifts():
    for n, d in ((5, 0.3), (6, 2)):
        close(snp.fft.fftfreq(n, d), np.fft.fftfreq(n, d).astype(np.float32), 1e-7)
        close(snp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d).astype(np.float32), 1e-7)
    for n in (0, -3):
        close(snp.fft.fftfreq(n), np.zeros(0, np.float32))
        close(snp.fft.rfftfreq(n), jjnp.fft.rfftfreq(n))  # (n = 0: one NaN, as jax)
    close(snp.fft.fftfreq(5, 0.3), jjnp.fft.fftfreq(5, 0.3), 1e-7)
    for dtype in (np.float16, np.int32):
        close(snp.fft.fftfreq(7, 0.1, dtype=dtype), jjnp.fft.fftfreq(7, 0.1, dtype=dtype), 1e-3)
        close(snp.fft.rfftfreq(7, 0.5, dtype=dtype), jjnp.fft.rfftfreq(7, 0.5, dtype=dtype),
              1e-3)
    d = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    close(snp.fft.fftfreq(4, snp.asarray(d)), jjnp.fft.fftfreq(4, d))
    for x, all_axes in ((np.arange(7, dtype=np.int32), (None,)), (X, (None, (0, -1)))):
        for axes in all_axes:
            close(snp.fft.fftshift(x, axes), np.fft.fftshift(x, axes))
            close(snp.fft.ifftshift(x, axes), np.fft.ifftshift(x, axes))
    close(snp.fft.fftshift(X, 1), jjnp.fft.fftshift(X, 1))
    close(snp.fft.ifftshift(np.float32(3.0)), jjnp.fft.ifftshift(np.float32(3.0)))


def test_lax_fft():
    for fft_type in ("fft", "IFFT", jlax.FftType.FFT):
        ours = slax.FftType.FFT if fft_type is jlax.FftType.FFT else fft_type
        for lengths in ((6,), (5, 6), (2, 5, 6)):
            close(slax.fft(XC, ours, lengths), jlax.fft(XC, fft_type, lengths))
    for lengths in ((6,), (5, 6), (2, 5, 6), (2, 5, 5)):
        close(slax.fft(X[..., :lengths[-1]], "rfft", lengths),
              jlax.fft(X[..., :lengths[-1]], "rfft", lengths))
        m = lengths[-1] // 2 + 1
        close(slax.fft(XC[..., :m], slax.FftType.IRFFT, lengths),
              jlax.fft(XC[..., :m], jlax.FftType.IRFFT, lengths))
    close(slax.fft(X, "fft", ()), jlax.fft(X, "fft", ()))
    close(slax.fft(X.astype(np.int32), "rfft", (6,)), jlax.fft(X.astype(np.int32), "rfft", (6,)))
    assert str(s2s.make_jaxpr(lambda x: slax.fft(x, "rfft", (6,)))(X)).splitlines()[1].strip() \
        == "b:c64[2,5,4] = fft[fft_lengths=(6,) fft_type=2] a"


# ---- errors ------------------------------------------------------------------------------

ERRORS = [
    lambda m, x: m.fft.fft(x, n=0), lambda m, x: m.fft.fft(x, n=-2),
    lambda m, x: m.fft.fft(x, axis=3), lambda m, x: m.fft.fft(x, axis=1.0),
    lambda m, x: m.fft.fft(x, n=2.0), lambda m, x: m.fft.fft(x, norm="bad"),
    lambda m, x: m.fft.ifft(x, norm="Backward"), lambda m, x: m.fft.fft(np.float32(1.0)),
    lambda m, x: m.fft.fft([1.0, 2.0]), lambda m, x: m.fft.rfft2([[1.0]]),
    lambda m, x: m.fft.hfft([1.0, 2.0]), lambda m, x: m.fft.fftshift([1.0]),
    lambda m, x: m.fft.rfft(x + 1j), lambda m, x: m.fft.ihfft(x + 1j),
    lambda m, x: m.fft.rfftn(x + 1j), lambda m, x: m.fft.rfft(x.astype(np.float16)),
    lambda m, x: m.fft.irfft(x, n=0), lambda m, x: m.fft.fftn(x, axes=(0, 0)),
    lambda m, x: m.fft.fftn(x, axes=(2, -1)), lambda m, x: m.fft.fftn(x[0], s=(2, 2, 2)),
    lambda m, x: m.fft.irfftn(x[0], s=(5, 6, 7)),
    lambda m, x: m.fft.fftn(x, s=(2, 2), axes=(0,)),
    lambda m, x: m.fft.fftn(x, s=2), lambda m, x: m.fft.fftn(x, axes=1),
    lambda m, x: m.fft.fftn(x, s=(2, 0)), lambda m, x: m.fft.fft2(x, axes=()),
    lambda m, x: m.fft.fft2(x, s=(1, 2, 3)), lambda m, x: m.fft.fft2(x[0, 0]),
    lambda m, x: m.fft.fftshift(x, axes=5), lambda m, x: m.lax.fft(x, "Fft", (6,)),
    lambda m, x: m.lax.fft(x, 2, (6,)), lambda m, x: m.lax.fft(x, "fft", (5,)),
    lambda m, x: m.lax.fft(x, "rfft", (4, 6)), lambda m, x: m.lax.fft(x + 1j, "rfft", (6,)),
    lambda m, x: m.lax.fft(x + 1j, "irfft", (4, 6)),
    lambda m, x: m.lax.fft(x, "fft", (1, 2, 5, 6)), lambda m, x: m.lax.fft(x, "fft", 6),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_match_jax(k):
    try:
        ERRORS[k](_JaxModules, X)
    except Exception as e:  # noqa: BLE001
        expected = e
    else:
        raise AssertionError("jax raised nothing")
    with pytest.raises(type(expected)) as info:
        ERRORS[k](_OurModules, X)
    if k not in _DIFFERENT_TEXT:
        assert str(info.value) == str(expected)


class _JaxModules:
    fft, lax = jjnp.fft, jlax


class _OurModules:
    fft, lax = snp.fft, slax


# repeated axes: jax's class, our text (jax's names a permutation of its own making)
_DIFFERENT_TEXT = {18}


def test_errors_in_our_own_words():
    with pytest.raises(ValueError, match="RFFT of an empty axis"):
        snp.fft.rfft(np.ones((3, 0), np.float32))  # (jax fails to lower it)
    with pytest.raises(ValueError, match="IRFFT requires innermost dimension"):
        slax.fft(XC, "irfft", (6,))  # (jax: an MLIRError)
    with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values of "
                       "integer type, got"):
        slax.fft(XC, "fft", (5, 6.0))  # (jax: a NotImplementedError about shape polymorphism)
    with pytest.raises(ValueError, match="FFT rank must be between 1 and 3, but got 4"):
        slax.fft(XC[None], "fft", (1, 2, 5, 6))  # (jax: an MLIRError)


# ---- derivatives --------------------------------------------------------------------------

def _cases(m):
    """(name, function of one array, input): a real loss of each transform."""
    w = np.linspace(0.5, 1.5, 8 * 8 * 12).reshape(8, 8, 12)

    def loss(y):
        y = y * w[tuple(slice(0, n) for n in y.shape)]
        return m.numpy.sum(m.numpy.abs(y) ** 2) + m.numpy.sum(m.numpy.real(y) * 0.3)
    f = m.numpy.fft
    return [
        ("fft_ifft", lambda x: loss(f.fft(x)) + loss(f.ifft(x, n=8, norm="forward"))
         + loss(m.lax.fft(x, "ifft", (5, 6))), XC),
        ("complex_of_real", lambda x: loss(f.fftshift(f.fft(x, n=4, axis=1, norm="ortho"), 1))
         + loss(f.irfft(x)), X),
        ("rfft_ihfft", lambda x: loss(f.rfft(x, n=5)) + loss(f.ihfft(x, axis=0))
         + loss(f.rfftn(x, s=(2, 4, 5))), X),
        ("irfft_hfft", lambda x: loss(f.irfft(x, n=7, axis=1, norm="ortho"))
         + loss(f.hfft(x, n=6)) + loss(m.lax.fft(x[..., :4], "irfft", (5, 7))), XC),
        ("two_and_n_axes", lambda x: loss(f.fft2(x, s=(3, 7), axes=(2, 0)))
         + loss(f.irfft2(x, s=(4, 4))) + loss(f.ifftn(x, axes=(0, 2))) + loss(f.irfftn(x)), XC),
        ("real_two_and_n_axes", lambda x: loss(f.rfft2(x, norm="forward")) + loss(f.fftn(x))
         + loss(f.ifftshift(x, (0, 2))), X),
    ]


class _Jax:
    numpy, lax = jjnp, jlax


class _Ours:
    numpy, lax = snp, slax


OURS, REFS = _cases(_Ours), _cases(_Jax)


@pytest.mark.parametrize("k", range(len(OURS)), ids=[c[0] for c in OURS])
def test_derivatives_match_jax(k):
    """grad and vmap(grad) jitted (eagerly: test_eager_derivatives), jvp eagerly against the
    gradient: ``<grad, t>`` (the real part, for complex inputs: jax's convention)."""
    (_, f, x), (_, fj, _) = OURS[k], REFS[k]
    g, grad_j = s2s.jit(s2s.grad(f))(x), jax.jit(jax.grad(fj))
    ref = grad_j(x)
    close(g, ref, 1e-4)
    t = (x[::-1] * 0.5).copy()
    close(s2s.jvp(f, (x,), (t,))[1], np.real(np.sum(np.asarray(g, np.complex128) * t)).astype(
        np.float32), 1e-4)
    batch = np.stack([x, x * 0.7 + 0.1])
    close(s2s.jit(s2s.vmap(s2s.grad(f)))(batch), np.stack([ref, grad_j(batch[1])]), 1e-4)


@pytest.mark.parametrize("name", ["rfft_ihfft"])
def test_eager_derivatives(name):
    k = [c[0] for c in OURS].index(name)
    (_, f, x), (_, fj, _) = OURS[k], REFS[k]
    close(s2s.grad(f)(x), jax.jit(jax.grad(fj))(x), 1e-4)
    close(s2s.jvp(f, (x,), (x,))[1], jax.jit(lambda x: jax.jvp(fj, (x,), (x,))[1])(x), 1e-4)


@pytest.mark.parametrize("name", ["complex_of_real", "irfft_hfft"])
def test_second_derivatives_match_jax(name):
    k = [c[0] for c in OURS].index(name)
    (_, f, x), (_, fj, _) = OURS[k], REFS[k]
    v = np.cos(np.arange(x.size)).reshape(x.shape).astype(np.float32)

    def outer(m, grad, f):
        return lambda x: m.sum(m.real(grad(f)(x) * v))
    close(s2s.jit(s2s.grad(outer(snp, s2s.grad, f)))(x),
          jax.jit(jax.grad(outer(jjnp, jax.grad, fj)))(x), 1e-3)


def test_vmap_of_transforms():
    batch = np.stack([XC, XC * 2])
    for f, fj, x in [(lambda x: snp.fft.fft(x, axis=1), lambda x: jjnp.fft.fft(x, axis=1), batch),
                     (lambda x: snp.fft.irfft(x, 5), lambda x: jjnp.fft.irfft(x, 5), batch),
                     (lambda x: snp.fft.rfftn(x, (3, 4)), lambda x: jjnp.fft.rfftn(x, (3, 4)),
                      np.real(batch)),
                     (snp.fft.fftshift, jjnp.fft.fftshift, batch)]:
        close(s2s.vmap(f)(x), jax.vmap(fj)(x))
    close(s2s.vmap(snp.fft.fft, in_axes=2)(XC), jax.vmap(jjnp.fft.fft, in_axes=2)(XC))
    close(s2s.vmap(lambda x: slax.fft(x, "irfft", (5, 6)))(batch[..., :4]),
          jax.vmap(lambda x: jlax.fft(x, "irfft", (5, 6)))(batch[..., :4]))


def test_adjoints_match_jax_vjp():
    """The transposes themselves: vjp with complex cotangents, real and complex inputs."""
    for fft_type, lengths, x in [("fft", (5, 6), XC), ("ifft", (6,), X), ("rfft", (2, 5, 6), X),
                                 ("irfft", (5, 10), XC), ("irfft", (5, 9), X[..., :5])]:
        y, vjp = s2s.vjp(lambda x: slax.fft(x, fft_type, lengths), x)
        y = np.asarray(y)
        ct = y * (1 - 0.5j) if y.dtype.kind == "c" else y * 0.5
        _, vjp_j = jax.vjp(lambda x: jlax.fft(x, fft_type, lengths), x)
        close(vjp(ct)[0], vjp_j(ct)[0], 1e-4)
