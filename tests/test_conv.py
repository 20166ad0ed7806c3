"""Convolutions and ``reduce_window`` against jax 0.10.2: values, dtypes and errors of
``lax.conv_general_dilated`` (layouts, strides, paddings, dilations, feature and batch groups,
1-D to 3-D), its shorthands, ``jnp.convolve``/``correlate`` and ``lax.reduce_window``; their
grad, jvp, vmap, vmap(grad), grad(grad) and jit; and a small CNN's training step."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import s2s
import s2s.lax as slax
import s2s.numpy as snp

jax = pytest.importorskip("jax")
jjnp = pytest.importorskip("jax.numpy")
jlax = jax.lax

RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def _leaves(tree, flatten):
    return [np.asarray(x) for x in flatten(tree)]


def assert_close(expect, got, tol=1e-4):
    """Same structure, shapes, dtypes and (to ``tol``) values."""
    e = _leaves(expect, jax.tree_util.tree_leaves)
    g = _leaves(got, s2s.tree_util.tree_leaves)
    assert len(e) == len(g)
    for a, b in zip(e, g):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)


# ---- convolution cases: (lambda lax: function of (lhs, rhs)), lhs, rhs ------------------------

X4 = _normal(2, 3, 7, 6)
XH = X4.transpose(0, 2, 3, 1)
CONVS = {
    "nchw_same_strided_atrous": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (2, 1), "SAME", rhs_dilation=(1, 2)), X4, _normal(4, 3, 3, 2)),
    "nhwc_pairs_lhs_dilation": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 2), [(1, 2), (0, 1)], lhs_dilation=(2, 1),
        dimension_numbers=("NHWC", "HWIO", "NHWC")), XH, _normal(3, 2, 3, 4)),
    "depthwise_same_lower": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (2, 1), "SAME_LOWER", dimension_numbers=("NHWC", "HWIO", "NCHW"),
        feature_group_count=3), XH, _normal(3, 2, 1, 6)),
    "batch_groups": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), "VALID", batch_group_count=2), X4, _normal(4, 3, 3, 2)),
    "batch_groups_odd_layout": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), "VALID", dimension_numbers=("HNWC", "IHWO", "WCNH"),
        batch_group_count=2), X4.transpose(2, 0, 3, 1), _normal(3, 3, 2, 4)),
    "1d_valid_strided": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (2,), "VALID"), _normal(2, 3, 9), _normal(4, 3, 3)),
    "3d_same": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 2, 1), "SAME", dimension_numbers=("NDHWC", "DHWIO", "NDHWC")),
        _normal(1, 4, 5, 3, 2), _normal(2, 2, 2, 2, 3)),
    "dimension_numbers_object": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), "SAME", dimension_numbers=L.conv_dimension_numbers(
            x.shape, w.shape, ("NHWC", "OIHW", "NHWC"))), XH, _normal(2, 3, 2, 2)),
    "grouped_with_rhs_dilation": (lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), [(2, 0), (1, 1)], rhs_dilation=(2, 1), feature_group_count=2),
        _normal(2, 4, 6, 5), _normal(6, 2, 2, 2)),
    "conv": (lambda L: lambda x, w: L.conv(x, w, (1, 2), "SAME"), X4, _normal(4, 3, 2, 2)),
    "conv_with_general_padding": (lambda L: lambda x, w: L.conv_with_general_padding(
        x, w, (1, 2), [(1, 1), (2, 0)], (2, 1), (1, 2)), X4, _normal(4, 3, 2, 2)),
    "conv_transpose_same": (lambda L: lambda x, w: L.conv_transpose(
        x, w, (2, 1), "SAME"), XH, _normal(3, 2, 3, 4)),
    "conv_transpose_kernel_valid": (lambda L: lambda x, w: L.conv_transpose(
        x, w, (2, 2), "VALID", transpose_kernel=True), XH, _normal(3, 2, 4, 3)),
}
TRANSFORMED = ["nchw_same_strided_atrous", "nhwc_pairs_lhs_dilation", "depthwise_same_lower",
               "batch_groups_odd_layout", "conv_transpose_kernel_valid"]


@pytest.mark.parametrize("name", sorted(CONVS))
def test_conv_values(name):
    make, x, w = CONVS[name]
    assert_close(make(jlax)(x, w), make(slax)(x, w))


def test_conv_dtypes_and_empty():
    f = lambda L: lambda x, w: L.conv_general_dilated(x, w, (1,), "SAME")  # noqa: E731
    ints = np.arange(24, dtype=np.int32).reshape(2, 3, 4), np.ones((2, 3, 2), np.int32)
    assert_close(f(jlax)(*ints), f(slax)(*ints))
    as_f64 = np.ones((1, 3, 4)), np.ones((2, 3, 2))  # float64 NumPy inputs, x64 off
    assert_close(f(jlax)(*as_f64), f(slax)(*as_f64))
    empty = np.ones((0, 3, 4), np.float32), np.ones((2, 3, 2), np.float32)
    assert_close(f(jlax)(*empty), f(slax)(*empty))
    assert_close(jax.grad(lambda w: jjnp.sum(f(jlax)(empty[0], w)))(empty[1]),
                 s2s.grad(lambda w: snp.sum(f(slax)(empty[0], w)))(empty[1]))
    g = lambda L: lambda x, w: L.conv_general_dilated(  # noqa: E731
        x, w, (1,), "VALID", preferred_element_type=np.float32)
    assert_close(g(jlax)(*ints), g(slax)(*ints))
    small = np.ones((1, 3, 2), np.float32), np.ones((2, 3, 5), np.float32)
    v = lambda L: lambda x, w: L.conv_general_dilated(x, w, (1,), "VALID")  # noqa: E731
    assert_close(v(jlax)(*small), v(slax)(*small))  # no window fits: an empty output
    assert_close(jax.grad(lambda x, w: jjnp.sum(v(jlax)(x, w)), (0, 1))(*small),
                 s2s.grad(lambda x, w: snp.sum(v(slax)(x, w)), (0, 1))(*small))
    assert_close(jax.vmap(jax.grad(lambda x, w: jjnp.sum(v(jlax)(x, w)), (0, 1)))(
        np.stack([small[0]] * 2), np.stack([small[1]] * 2)),
        s2s.vmap(s2s.grad(lambda x, w: snp.sum(v(slax)(x, w)), (0, 1)))(
        np.stack([small[0]] * 2), np.stack([small[1]] * 2)))


def _loss(L, N, f):
    return lambda x, w: N.sum(N.sin(f(x, w)))


@pytest.mark.parametrize("transform", ["grad", "jit_grad", "grad_grad", "jvp", "vmap_lhs",
                                       "vmap_rhs", "vmap_both", "vmap_grad", "jvp_grad"])
@pytest.mark.parametrize("name", TRANSFORMED)
def test_conv_transforms(name, transform):
    make, x, w = CONVS[name]
    _check_transform(transform, make(jlax), make(slax), x, w)


def _check_transform(transform, fj, fs, x, w):
    """One transformation of ``f(x, w)`` (two array arguments) in jax and in s2s."""
    xs, ws = np.stack([x, 0.5 * x + 1, -x]), np.stack([w, 2 * w - 1, -w])
    lj, ls = _loss(jlax, jjnp, fj), _loss(slax, snp, fs)
    if transform == "grad":
        assert_close(jax.grad(lj, (0, 1))(x, w), s2s.grad(ls, (0, 1))(x, w))
    elif transform == "jit_grad":
        assert_close(jax.jit(jax.grad(lj, (0, 1)))(x, w), s2s.jit(s2s.grad(ls, (0, 1)))(x, w))
    elif transform == "grad_grad":
        def gj(x, w):
            return jjnp.sum(jax.grad(lj, (0, 1))(x, w)[1] ** 2)

        def gs(x, w):
            return snp.sum(s2s.grad(ls, (0, 1))(x, w)[1] ** 2)
        assert_close(jax.grad(gj, (0, 1))(x, w), s2s.grad(gs, (0, 1))(x, w), 2e-4)
    elif transform == "jvp":
        tangents = (0.3 * x + 1, -0.5 * w)
        assert_close(jax.jvp(fj, (x, w), tangents), s2s.jvp(fs, (x, w), tangents))
    elif transform == "vmap_lhs":
        assert_close(jax.vmap(fj, (0, None))(xs, w), s2s.vmap(fs, (0, None))(xs, w))
    elif transform == "vmap_rhs":
        assert_close(jax.vmap(fj, (None, 0))(x, ws), s2s.vmap(fs, (None, 0))(x, ws))
    elif transform == "vmap_both":
        assert_close(jax.jit(jax.vmap(fj))(xs, ws), s2s.jit(s2s.vmap(fs))(xs, ws))
    elif transform == "vmap_grad":
        assert_close(jax.vmap(jax.grad(lj, (0, 1)))(xs, ws),
                     s2s.vmap(s2s.grad(ls, (0, 1)))(xs, ws))
    else:
        assert_close(jax.jvp(jax.grad(lj), (x, w), (x, w)),
                     s2s.jvp(s2s.grad(ls), (x, w), (x, w)), 2e-4)


# ---- errors: jax's exception class, before jaxlib is reached ----------------------------------

X, W = np.ones((1, 3, 5, 5), np.float32), np.ones((4, 3, 2, 2), np.float32)
BAD_CONVS = {
    "unknown_padding": lambda L: L.conv_general_dilated(X, W, (1, 1), "FOO"),
    "strides_length": lambda L: L.conv_general_dilated(X, W, (1,), "SAME"),
    "pads_length": lambda L: L.conv_general_dilated(X, W, (1, 1), [(0, 0)]),
    "ndim": lambda L: L.conv_general_dilated(X, W[0], (1, 1), "SAME"),
    "dtypes": lambda L: L.conv_general_dilated(X, W.astype(np.float16), (1, 1), "SAME"),
    "features": lambda L: L.conv_general_dilated(X, W[:, :2], (1, 1), "SAME"),
    "feature_groups": lambda L: L.conv_general_dilated(X, W, (1, 1), "SAME",
                                                       feature_group_count=2),
    "zero_groups": lambda L: L.conv_general_dilated(X, W, (1, 1), "SAME",
                                                    feature_group_count=0),
    "batch_groups": lambda L: L.conv_general_dilated(X, W, (1, 1), "SAME",
                                                     batch_group_count=3),
    "both_groups": lambda L: L.conv_general_dilated(
        np.ones((2, 4, 5, 5), np.float32), np.ones((4, 2, 2, 2), np.float32), (1, 1), "SAME",
        feature_group_count=2, batch_group_count=2),
    "spatial_chars": lambda L: L.conv_general_dilated(
        X, W, (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHX")),
    "duplicate_chars": lambda L: L.conv_general_dilated(
        X, W, (1, 1), "SAME", dimension_numbers=("NCHH", "OIHW", "NCHW")),
    "layout_length": lambda L: L.conv_general_dilated(
        X, W, (1, 1), "SAME", dimension_numbers=("NCH", "OIH", "NCH")),
    "missing_batch": lambda L: L.conv_general_dilated(
        X, W, (1, 1), "SAME", dimension_numbers=("XCHW", "OIHW", "NCHW")),
    "string_padding_lhs_dilation": lambda L: L.conv_general_dilated(
        X, W, (1, 1), "SAME", lhs_dilation=(2, 1)),
    "window_length": lambda L: L.reduce_window(X, 0.0, L.add, (1, 2, 2), (1, 1, 1, 1),
                                               "VALID"),
    "window_padding": lambda L: L.reduce_window(X, 0.0, L.add, (1, 1, 2, 2), (1, 1, 1, 1),
                                                "FOO"),
    "zero_strides": lambda L: L.conv_general_dilated(X, W, (0, 1), "VALID"),
    "zero_dilation": lambda L: L.conv_general_dilated(X, W, (1, 1), [(0, 0)] * 2,
                                                      lhs_dilation=(0, 1)),
    "window_zero_stride": lambda L: L.reduce_window(X, 0.0, L.add, (1, 1, 2, 2), (1, 1, 0, 1),
                                                    "VALID"),
    "window_strides_length": lambda L: L.reduce_window(X, 0.0, L.add, (1, 1, 2, 2), (1, 1, 1),
                                                       "VALID"),
    "window_pads_length": lambda L: L.reduce_window(X, 0.0, L.add, (1, 1, 2, 2), (1, 1, 1, 1),
                                                    [(0, 0)]),
    "window_init_not_scalar": lambda L: L.reduce_window(X, np.zeros(2, np.float32), L.add,
                                                        (1, 1, 2, 2), (1, 1, 1, 1), "VALID"),
    "transpose_padding": lambda L: L.conv_transpose(np.ones((1, 5, 5, 3), np.float32),
                                                    np.ones((2, 2, 3, 4), np.float32), (1, 1),
                                                    "FOO"),
    "transpose_6d_defaults": lambda L: L.conv_transpose(np.ones((1,) * 6, np.float32),
                                                        np.ones((1,) * 6, np.float32), (1,) * 4,
                                                        "SAME"),
    "convolve_2d": lambda L: (jjnp if L is jlax else snp).convolve(np.ones((2, 2)), np.ones(2)),
    "convolve_empty": lambda L: (jjnp if L is jlax else snp).convolve(np.ones(0), np.ones(2)),
    "correlate_mode": lambda L: (jjnp if L is jlax else snp).correlate(np.ones(3), np.ones(2),
                                                                       "foo"),
}

CLASS_ONLY = {"zero_strides", "window_pads_length"}


@pytest.mark.parametrize("name", sorted(BAD_CONVS))
def test_conv_errors_as_jax(name):
    with pytest.raises(Exception) as expect:
        BAD_CONVS[name](jlax)
    with pytest.raises(type(expect.value)) as got:
        BAD_CONVS[name](slax)
    if name not in CLASS_ONLY:  # (where jax's message comes from deeper down)
        assert str(got.value).split(",")[0] == str(expect.value).split(",")[0]


def test_reduce_window_other_computation_names_what_works():
    with pytest.raises(NotImplementedError, match="lax.add, lax.max, lax.min"):
        slax.reduce_window(X, 1.0, slax.mul, (1, 1, 2, 2), (1, 1, 1, 1), "VALID")


# ---- reduce_window -----------------------------------------------------------------------

WINDOWS = {
    "same_strided": lambda x: ((1, 1, 3, 2), (1, 1, 2, 1), "SAME", None, None),
    "pairs_dilated": lambda x: ((1, 2, 3, 2), (1, 1, 2, 1), [(0, 0), (1, 0), (0, 2), (1, 1)],
                                (1, 1, 2, 1), (1, 2, 1, 2)),
    "pool_2x2": lambda x: ((1, 1, 2, 2), (1, 1, 2, 2), "VALID", None, None),
    "same_lower_base_dilation": lambda x: ((1, 1, 3, 2), (1, 1, 2, 1), "SAME_LOWER",
                                           (1, 2, 2, 1), None),
}
MONOIDS = {"max": (lambda L: L.max, -np.inf), "min": (lambda L: L.min, np.inf),
           "add": (lambda L: L.add, 0.0)}


def _window(L, monoid, spec):
    op, init = MONOIDS[monoid]
    dims, strides, padding, base, wdil = spec

    def f(x, scale):
        return L.reduce_window(x * scale, init, op(L), dims, strides, padding, base, wdil)
    return f


@pytest.mark.parametrize("window", sorted(WINDOWS))
@pytest.mark.parametrize("monoid", sorted(MONOIDS))
def test_reduce_window_values(monoid, window):
    spec = WINDOWS[window](X4)
    assert_close(_window(jlax, monoid, spec)(X4, 1.0), _window(slax, monoid, spec)(X4, 1.0))


def test_reduce_window_jnp_computations_and_ints():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    for jop, sop, init in ((jjnp.maximum, snp.maximum, -2**31), (jjnp.minimum, snp.minimum,
                                                                 2**31 - 1),
                           (jjnp.add, snp.add, 0)):
        assert_close(jlax.reduce_window(x, init, jop, (2, 2), (1, 2), "SAME"),
                     slax.reduce_window(x, init, sop, (2, 2), (1, 2), "SAME"))


@pytest.mark.parametrize("transform", ["grad", "jit_grad", "grad_grad", "jvp", "vmap_lhs",
                                       "vmap_both", "vmap_grad", "jvp_grad"])
@pytest.mark.parametrize("monoid", sorted(MONOIDS))
def test_reduce_window_transforms(monoid, transform):
    spec = WINDOWS["same_strided"](X4)
    _check_transform(transform, _window(jlax, monoid, spec), _window(slax, monoid, spec), X4,
                     np.float32(1.5))


def test_reduce_window_dilated_sum_derivatives():
    spec = WINDOWS["pairs_dilated"](X4)
    _check_transform("grad_grad", _window(jlax, "add", spec), _window(slax, "add", spec), X4,
                     np.float32(1.5))


def test_max_pool_with_window_dilation_is_transpose_consistent():
    """jax has no VJP of a dilated max window; s2s's gradient is the transpose of its jvp."""
    f = _window(slax, "max", WINDOWS["pairs_dilated"](X4))
    t, g = _normal(*X4.shape), _normal(*f(X4, 1.0).shape)
    _, jvp_out = s2s.jvp(lambda x: f(x, 1.0), (X4,), (t,))
    vjp_in = s2s.grad(lambda x: snp.sum(f(x, 1.0) * g))(X4)
    np.testing.assert_allclose(np.sum(np.asarray(jvp_out) * g), np.sum(np.asarray(vjp_in) * t),
                               rtol=1e-4)


@pytest.mark.parametrize("op", ["max", "min"])
def test_ties_go_to_the_first_entry_as_in_jax(op):
    a = np.array([[1., 3., 3., 2.], [3., 0., 1., 3.], [3., 3., 0., 0.]], np.float32)
    weights = np.array([[1., 10., 100.], [1e3, 1e4, 1e5]], np.float32)
    fn, init = MONOIDS[op]

    def f(L, N):
        return lambda a: N.sum(L.reduce_window(a, init, fn(L), (2, 2), (1, 1), "VALID") * weights)
    assert_close(jax.grad(f(jlax, jjnp))(a), s2s.grad(f(slax, snp))(a))
    t = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert_close(jax.jvp(f(jlax, jjnp), (a,), (t,)), s2s.jvp(f(slax, snp), (a,), (t,)))


def test_avg_pool_is_window_sum_over_count():
    def avg_pool(L, N):
        def f(x):
            ones = N.ones(x.shape, x.dtype)
            total = L.reduce_window(x, 0.0, L.add, (1, 1, 3, 3), (1, 1, 2, 2), "SAME")
            count = L.reduce_window(ones, 0.0, L.add, (1, 1, 3, 3), (1, 1, 2, 2), "SAME")
            return total / count
        return f
    assert_close(avg_pool(jlax, jjnp)(X4), avg_pool(slax, snp)(X4))
    assert_close(jax.grad(lambda x: jjnp.sum(jjnp.sin(avg_pool(jlax, jjnp)(x))))(X4),
                 s2s.grad(lambda x: snp.sum(snp.sin(avg_pool(slax, snp)(x))))(X4))


# ---- jnp.convolve / correlate --------------------------------------------------------------

@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_convolve_correlate(op, mode):
    a, v = _normal(7), _normal(3)
    fj, fs = getattr(jjnp, op), getattr(snp, op)
    for p, q in ((a, v), (v, a), (np.arange(4), np.arange(3))):
        assert_close(fj(p, q, mode), fs(p, q, mode))
    assert_close(jax.grad(lambda p, q: jjnp.sum(jjnp.sin(fj(p, q, mode))), (0, 1))(v, a),
                 s2s.grad(lambda p, q: snp.sum(snp.sin(fs(p, q, mode))), (0, 1))(v, a))
    batch = np.stack([a, -a])
    assert_close(jax.vmap(lambda p: fj(p, v, mode))(batch),
                 s2s.vmap(lambda p: fs(p, v, mode))(batch))


# ---- random configurations -------------------------------------------------------------------

@settings(max_examples=4, deadline=None)
@given(st.data())
def test_random_conv_configurations(data):
    n = data.draw(st.integers(1, 2), label="spatial dims")
    groups = data.draw(st.sampled_from([1, 2]), label="groups")
    by_batch = data.draw(st.booleans(), label="batch groups")
    size = [data.draw(st.integers(2, 6)) for _ in range(n)]
    kernel = [data.draw(st.integers(1, 3)) for _ in range(n)]
    strides = tuple(data.draw(st.integers(1, 2)) for _ in range(n))
    rhs_dil = tuple(data.draw(st.integers(1, 2)) for _ in range(n))
    padding = data.draw(st.sampled_from(["SAME", "VALID", "SAME_LOWER", "pairs"]))
    if padding == "pairs":
        padding = [(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
                   for _ in range(n)]
    fgc, bgc = (1, groups) if by_batch else (groups, 1)
    x = _normal(2 * bgc, 2 * fgc, *size)
    w = _normal(2 * groups, 2, *kernel)

    def f(L):
        return lambda x, w: L.conv_general_dilated(x, w, strides, padding, None, rhs_dil,
                                                   None, fgc, bgc)
    assert_close(f(jlax)(x, w), f(slax)(x, w))
    _check_transform("grad", f(jlax), f(slax), x, w)


# ---- a small CNN --------------------------------------------------------------------------

def cnn_loss(L, N):
    """conv -> relu -> 2x2 max-pool -> dense -> logsumexp cross-entropy."""
    def loss(params, images, labels):
        kernel, bias, dense = params
        h = L.conv_general_dilated(images, kernel, (1, 1), "SAME",
                                   dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = N.maximum(h + bias, 0.0)
        h = L.reduce_window(h, -np.inf, L.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        logits = N.reshape(h, (h.shape[0], -1)) @ dense
        top = N.max(logits, axis=1, keepdims=True)
        lse = N.log(N.sum(N.exp(logits - top), axis=1)) + top[:, 0]
        return N.mean(lse - N.sum(logits * labels, axis=1))
    return loss


def cnn_data(batch=4, side=8, channels=3, features=6, classes=5):
    params = (_normal(3, 3, channels, features) * 0.3, _normal(features) * 0.1,
              _normal(features * (side // 2) ** 2, classes) * 0.1)
    images = _normal(batch, side, side, channels)
    labels = np.eye(classes, dtype=np.float32)[RNG.integers(0, classes, batch)]
    return params, images, labels


def test_cnn_grad_and_jit_grad_match_jax():
    params, images, labels = cnn_data()
    expect = jax.grad(cnn_loss(jlax, jjnp))(params, images, labels)
    assert_close(expect, s2s.grad(cnn_loss(slax, snp))(params, images, labels))
    step = s2s.jit(s2s.grad(cnn_loss(slax, snp)))
    assert_close(expect, step(params, images, labels))
    assert_close(expect, step(params, images, labels))  # the cached executable


def test_traced_stand_in_writes_conv_and_reduce_window():
    """A function without readable source (exec) is traced and written back as source."""
    source = ("f = lambda x, w: N.sum(L.reduce_window(N.tanh(L.conv_general_dilated(\n"
              "    x, w, (1, 1), 'SAME')), -np.inf, L.max, (1, 1, 2, 2), (1, 1, 2, 2), 'VALID'))")
    fs, fj = {}, {}
    exec(source, {"N": snp, "L": slax, "np": np}, fs)
    exec(source, {"N": jjnp, "L": jlax, "np": np}, fj)
    x, w = _normal(2, 3, 6, 6), _normal(4, 3, 3, 3) * 0.1
    assert_close(jax.grad(fj["f"], (0, 1))(x, w), s2s.grad(fs["f"], (0, 1))(x, w))


def test_reduce_window_from_another_init_value_is_not_differentiable_as_in_jax():
    def f(L, N):
        return lambda x: N.sum(L.reduce_window(x, 2.5, L.max, (2, 2), (1, 1), "VALID"))
    x = _normal(3, 4)
    with pytest.raises(ValueError):
        jax.grad(f(jlax, jjnp))(x)
    with pytest.raises(ValueError, match="init_value 2.5 is not differentiable"):
        s2s.grad(f(slax, snp))(x)
