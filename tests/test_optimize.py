"""``s2s.scipy.optimize.minimize`` (BFGS) against ``jax.scipy.optimize.minimize``: the same
path (point, value, iterations, evaluation counts, status) on Rosenbrock, a quadratic and a
logistic-regression loss, eagerly and under jit, float32 and float64; jax's errors. (Each
call compiles nested loops in both libraries, seconds each: the cases are few.)"""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from conftest import x64_in_both
from s2s.scipy.optimize import OptimizeResults, minimize

jax = pytest.importorskip("jax")
jjnp = jax.numpy
jax_minimize = pytest.importorskip("jax.scipy.optimize").minimize

M = np.array([[3.0, 0.5, 0.2], [0.5, 2.0, -0.3], [0.2, -0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])
rng = np.random.default_rng(0)
FEATURES = rng.normal(size=(40, 3))
LABELS = (FEATURES @ np.array([1.5, -2.0, 0.7]) + 0.3 * rng.normal(size=40) > 0).astype(float)


def rosenbrock(x, np_):
    return np_.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def quadratic(x, m, b):
    return 0.5 * x @ m @ x - b @ x


def logistic(w, features, labels):
    z = features @ w
    return (snp if isinstance(z, s2s.Array) else jjnp).mean(
        (snp if isinstance(z, s2s.Array) else jjnp).logaddexp(0.0, z) - labels * z) + \
        0.01 * (w @ w)


def problems(dtype):
    c = lambda a: np.asarray(a, dtype)  # noqa: E731
    return {
        "rosenbrock": (lambda x: rosenbrock(x, snp), lambda x: rosenbrock(x, jjnp),
                       c([-1.2, 1.0, 0.5, -0.3]), ()),
        "quadratic": (quadratic, quadratic, c([1.0, 1.0, 1.0]), (c(M), c(B))),
        "logistic": (logistic, logistic, c([0.0, 0.0, 0.0]), (c(FEATURES), c(LABELS))),
    }


def check_same(got, want, tol):
    assert isinstance(got, OptimizeResults)
    for field in ("success", "status", "nit", "nfev", "njev"):
        assert int(np.asarray(getattr(got, field))) == int(np.asarray(getattr(want, field))), \
            field
    for field in ("x", "fun", "jac", "hess_inv"):
        a, b = np.asarray(getattr(got, field)), np.asarray(getattr(want, field))
        assert a.dtype == b.dtype, field
        scale = 10 if field == "hess_inv" else 1  # (rounding accumulates in the estimate)
        np.testing.assert_allclose(a, b, rtol=tol * scale, atol=tol * scale, err_msg=field)


@pytest.mark.parametrize("name,x64", [("rosenbrock", False), ("quadratic", False),
                                      ("logistic", False), ("logistic", True)])
def test_matches_jax(name, x64):
    with x64_in_both(x64):
        f_s, f_j, x0, args = problems(np.float64 if x64 else np.float32)[name]
        want = jax_minimize(f_j, x0, args, method="BFGS")
        check_same(minimize(f_s, x0, args, method="BFGS"), want, 1e-6 if x64 else 2e-4)
        # (jax's line search gives up on Rosenbrock's valley: status 3, matched above)
        assert bool(want.success) == (name != "rosenbrock")


def test_under_jit_with_options():
    f_s, f_j, x0, args = problems(np.float32)["quadratic"]
    options = {"maxiter": 2, "gtol": 1e-3, "norm": 2, "line_search_maxiter": 5}
    want = jax.jit(lambda x, *a: jax_minimize(f_j, x, a, method="bfgs", options=options))(
        x0, *args)
    got = s2s.jit(lambda x, *a: minimize(f_s, x, a, method="bfgs", tol=1e-3,
                                         options=options))(x0, *args)
    check_same(got, want, 2e-4)
    assert int(got.status) == 1  # maxiter reached


def test_errors():
    f_s, _, x0, _ = problems(np.float32)["rosenbrock"]
    for bad in [dict(method="Nelder-Mead"), dict(method="BFGS", args=[1.0])]:
        with pytest.raises((ValueError, TypeError)) as got:
            minimize(f_s, x0, **bad)
        with pytest.raises((ValueError, TypeError)) as want:
            jax_minimize(f_s, x0, **bad)
        assert (got.type, str(got.value)) == (want.type, str(want.value))
    assert s2s.scipy.optimize.minimize is minimize
