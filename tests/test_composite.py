"""``s2s/numpy/composite.py`` (functions written as source over s2s.numpy): values as jax's, and
grad / vmap through their source."""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from corpus import assert_trees_close

jax = pytest.importorskip("jax")
jjnp = jax.numpy

A = np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.4]], np.float32)
B = np.array([[0.3, 0.7, -0.2], [1.5, -0.6, 0.8]], np.float32)
V = np.array([0.5, -1.2, 2.0, 0.0], np.float32)


def cases(j):
    return {
        "inverse_trig": lambda a, b: j.acos(a * 0.5) + j.asin(a * 0.5) + j.atan(a)
        + j.atan2(a, b) + j.asinh(a) + j.atanh(a * 0.5) + j.acosh(2.0 + a),
        "angle": lambda a, b: j.angle(a + 1j * b) + j.angle(a - 1j * b, deg=True),
        "append": lambda a, b: j.append(a, b) * 2.0 + j.append(a, b, axis=0).sum(),
        "diff": lambda a, b: j.sum(j.diff(a) ** 2) + j.sum(j.diff(a, n=2, axis=-1))
        + j.sum(j.diff(b, axis=0, prepend=0.5) ** 2) + j.sum(j.diff(a, append=b[:, :1]) ** 2),
        "ediff1d": lambda a, b: j.ediff1d(a, to_end=1.0, to_begin=j.array([2.0, 3.0])),
        "cross": lambda a, b: j.cross(a, b) + j.cross(a[:, :2], b[:, :2])[:, None]
        + j.cross(a.T, b.T, axis=0).T,
        "kron": lambda a, b: j.sum(j.kron(a, b) ** 2) + j.sum(j.kron(a[0], b[:, :2])),
        "polyval": lambda a, b: j.polyval(a[0], b) + j.polyval(a[1], 0.5),
        "vander": lambda a, b: j.vander(a[0]) + j.vander(b[1], 3, increasing=True),
        "copysign_heaviside": lambda a, b: j.copysign(a, b) + j.heaviside(a, 0.5) * b,
        "logaddexp2_float_power": lambda a, b: j.logaddexp2(a, b) + j.float_power(j.abs(a), b),
        "select": lambda a, b: j.select([a > 0.5, b > 0.0], [a * 2.0, b * 3.0], default=-1.0),
        "rot90": lambda a, b: j.sum(j.rot90(a) * j.arange(6.0).reshape(3, 2))
        + j.sum(j.rot90(a, 2) * b) + j.sum(j.rot90(a, -1) ** 2),
        "rollaxis": lambda a, b: j.rollaxis(a[None] * b, 2) * 2.0,
        "trapezoid": lambda a, b: j.trapezoid(a) + j.trapezoid(a, b[0]) + j.trapezoid(a, dx=0.5),
        "cov_corrcoef": lambda a, b: j.sum(j.cov(a) ** 2) + j.sum(j.corrcoef(a, b))
        + j.sum(j.cov(a, rowvar=False, bias=True)),
        "matvec_vecmat": lambda a, b: j.matvec(a.T @ b, a[0]) + j.vecmat(a[0], a.T @ b),
        "diagflat": lambda a, b: j.sum(j.diagflat(a, 1) ** 2),
    }


S, J = cases(snp), cases(jjnp)


@pytest.mark.parametrize("name", sorted(S))
def test_values_grad_and_vmap_as_jax(name):
    f, fj = S[name], J[name]
    assert_trees_close(f(snp.asarray(A), snp.asarray(B)), fj(A, B), 1e-5, 1e-5, True)

    def loss(mod, fn):
        return lambda a, b: mod.sum(mod.real(fn(a, b)) ** 2)
    assert_trees_close(s2s.grad(loss(snp, f), argnums=(0, 1))(A, B),
                       jax.grad(loss(jjnp, fj), argnums=(0, 1))(A, B), 1e-4, 1e-4, True)
    batch = (np.stack([A, A * 0.8]), np.stack([B, B + 0.1]))
    assert_trees_close(s2s.vmap(s2s.grad(loss(snp, f)))(*batch),
                       jax.vmap(jax.grad(loss(jjnp, fj)))(*batch), 1e-4, 1e-4, True)


def test_predicates_and_names():
    for name in ("iscomplexobj", "isrealobj"):
        for x in (A, A * 1j, 1.0, 1j):
            assert getattr(snp, name)(x) == getattr(jjnp, name)(x)
    assert snp.iterable([1]) and not snp.iterable(1.0)
    assert snp.dtype(snp.bool) == np.bool_ and snp.dtype(snp.single) == np.float32
    with pytest.raises(ValueError):
        snp.select([A > 0], [A, B])
