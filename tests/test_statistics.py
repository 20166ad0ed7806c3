"""Order statistics (``s2s/numpy/statistics.py``, written as source): quantile, percentile,
median and their nan forms differentiate as jax's -- grad, jvp, vmap(grad), jit(grad) and
second order -- including ties (the stable sort's order), NaNs and the derivative in ``q``.
(Their values over dtypes, shapes and methods are checked in ``test_numpy.py``.)"""
import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from corpus import assert_trees_close

jax = pytest.importorskip("jax")
jjnp = jax.numpy

A = np.random.RandomState(0).randn(4, 5).astype(np.float32)
V = np.random.RandomState(1).randn(7).astype(np.float32)
V_NAN = np.where(np.arange(7) == 2, np.nan, V).astype(np.float32)
TIES = np.array([1.0, 1.0, 1.0, 2.0], np.float32)


def cases(j):
    return {
        "median": (lambda x: j.median(x), V),
        "median_ties": (lambda x: j.median(x), TIES),
        "median_axis": (lambda x: j.sum(j.median(x, axis=0) * j.arange(5.0)), A),
        "median_keepdims": (lambda x: j.sum(j.median(x, axis=1, keepdims=True)
                                            * j.arange(4.0)[:, None]), A),
        "quantile": (lambda x: j.quantile(x, 0.3), V),
        "quantile_vector_q": (lambda x: j.sum(j.quantile(x, j.array([0.1, 0.5, 0.9]), axis=1)
                                              ** 2), A),
        "quantile_in_q": (lambda q: j.quantile(j.arange(5.0) ** 2, q), np.float32(0.3)),
        "nearest": (lambda x: j.quantile(x, 0.6, method="nearest"), V),
        "lower_higher": (lambda x: j.quantile(x, 0.6, method="lower")
                         + 2.0 * j.quantile(x, 0.6, method="higher"), V),
        "percentile": (lambda x: j.percentile(x, 70.0), V),
        "nanmedian": (lambda x: j.nanmedian(x), V_NAN),
        "median_of_nan": (lambda x: j.median(x), V_NAN),
        "nanpercentile_axis": (lambda x: j.sum(j.nanpercentile(x, 30.0, axis=0)), A),
    }


S, J = cases(snp), cases(jjnp)


def transforms(m):
    return {
        "value": lambda f: f,
        "grad": lambda f: m.grad(f),
        "jvp": lambda f: lambda x: m.jvp(f, (x,), (m.numpy.ones_like(x),)),
        "vmap_grad": lambda f: lambda x: m.vmap(m.grad(f))(m.numpy.stack([x, x * 1.1])),
        "jit_grad": lambda f: m.jit(m.grad(f)),
        "grad_grad": lambda f: m.grad(lambda x: m.numpy.sum(m.grad(f)(x) * x)),
    }


TS, TJ = transforms(s2s), transforms(jax)


@pytest.mark.parametrize("name", sorted(S))
def test_derivatives_as_jax(name):
    (f, x), (fj, _) = S[name], J[name]
    for t in TS:
        ours, ref = TS[t](f)(snp.asarray(x)), TJ[t](fj)(jjnp.asarray(x))
        assert_trees_close(ours, ref, 2e-3, 2e-3, True)


def test_gradient_goes_to_the_entries_read():
    """The median of an even count is the mean of the two middle entries: half each; with
    a NaN (and not ignoring it) the result is NaN and no entry gets a derivative."""
    g = s2s.grad(snp.median)(snp.asarray([4.0, 1.0, 3.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(s2s.grad(snp.median)(snp.asarray(V_NAN)), np.zeros(7))
