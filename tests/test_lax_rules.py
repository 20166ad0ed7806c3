"""Each differentiable ``lax`` function against jax: grad, jvp, vmap(grad) and grad(grad)
(one small function per entry; ``L`` is s2s.lax or jax.lax, ``j`` the matching numpy)."""
import numpy as np
import pytest

import s2s
import s2s.lax as slax
import s2s.numpy as snp
from corpus import assert_trees_close

jax = pytest.importorskip("jax")

A = np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.4], [0.6, 0.1, 0.8]], np.float32)
W = np.linspace(-1, 1, 9).astype(np.float32).reshape(3, 3)


def cube(j, a):
    return a[:, :, None] * a[:, None, :] + a[None, :, :]


def make(L, j):
    w = j.asarray(W)
    i32 = np.int32
    return {
        "add": lambda a: j.sum(L.add(a, a * a) * w) + j.sum(L.add(a, 2.0) ** 2),
        "sub": lambda a: j.sum(L.sub(a * a, a) * w) + j.sum(L.sub(1.5, a) ** 2),
        "mul": lambda a: j.sum(L.mul(a, a[::-1]) * w) + j.sum(L.mul(a, 3.0) ** 2),
        "div": lambda a: j.sum(L.div(a, a * a + 1.0) * w) + j.sum(L.div(2.0, a + 2.0)),
        "max_ties": lambda a: j.sum(L.max(a, a.T) * w) + j.sum(L.max(a, a) * w)
        + j.sum(L.max(a, 0.5) ** 2),
        "min_ties": lambda a: j.sum(L.min(a, a.T) * w) + j.sum(L.min(a, a) * w)
        + j.sum(L.min(0.1, a) ** 2),
        "pow": lambda a: j.sum(L.pow(a * a + 0.5, a) * w) + j.sum(L.pow(a * a + 0.5, 2.5)),
        "integer_pow": lambda a: j.sum(L.integer_pow(a, 3) * w) + j.sum(L.integer_pow(a, 0))
        + j.sum(L.integer_pow(a + 2.0, -2)) + j.sum(L.integer_pow(a, 1) * w),
        "abs_sign": lambda a: j.sum(L.abs(a) * w) + j.sum(L.sign(a) * a * a),
        "floor_ceil_round": lambda a: j.sum(L.floor(a * 3) * a + L.ceil(a * 3) * a * a)
        + j.sum(L.round(a * 3) * a),
        "atan2": lambda a: j.sum(L.atan2(a, a[::-1] + 2.0) * w),
        "rem": lambda a: j.sum(L.rem(a * 5.0, a * a + 0.3) * w),
        "clamp_ties": lambda a: j.sum(L.clamp(0.1, a, 0.5) ** 2)
        + j.sum(L.clamp(a * 0.5, a, a.T) * w),
        "select": lambda a: j.sum(L.select(a > 0.3, a * a, L.sin(a)) * w),
        "select_n": lambda a: j.sum(L.select_n((a > 0.0).astype(i32) + (a > 0.6).astype(i32),
                                               a, a * a, a * a * a) * w),
        "dot_general_matmul": lambda a: j.sum(L.dot_general(a, a * a, (((1,), (0,)), ((), ())))
                                              * w),
        "dot_general_batch": lambda a: j.sum(L.dot_general(
            cube(j, a), cube(j, a) * 0.5 + 1.0, (((2, 1), (1, 2)), ((0,), (0,)))) ** 2),
        "dot_general_free": lambda a: j.sum(L.dot_general(
            cube(j, a), a, (((0,), (1,)), ((), ()))) ** 2),
        "reshape": lambda a: j.sum(L.reshape(a, (9,)) * j.arange(9.0))
        + j.sum(L.reshape(a, (9,), (1, 0)) ** 2 * j.arange(9.0)),
        "transpose": lambda a: j.sum(L.transpose(cube(j, a), (2, 0, 1)) * cube(j, w)),
        "broadcast_in_dim": lambda a: j.sum(L.broadcast_in_dim(a, (2, 3, 3), (1, 2)) ** 2)
        + j.sum(L.broadcast_in_dim(a[:1], (3, 3), (0, 1)) * w)
        + j.sum(L.broadcast_in_dim(a[0], (3, 4), (0,)) ** 3),
        "broadcast": lambda a: j.sum(L.broadcast(a, (2,)) ** 2),
        "concatenate": lambda a: j.sum(L.concatenate([a, a * a, a[:1]], 0) ** 2),
        "pad": lambda a: j.sum(L.pad(a, 0.5, ((1, -1, 1), (-1, 2, 0))) ** 2)
        + j.sum(L.pad(a, a[0, 1], ((0, 1, 2), (2, -2, 1))) ** 2),
        "slice": lambda a: j.sum(L.slice(a, (0, 1), (3, 3), (2, 1)) ** 2)
        + j.sum(L.slice(a, (1, 0), (3, 2)) * a[:2, :2]),
        "dynamic_slice_clamped": lambda a: j.sum(L.dynamic_slice(a, (1, 2), (2, 2)) ** 2)
        + j.sum(L.dynamic_slice(a, (j.asarray(0), j.asarray(1)), (2, 2)) ** 3),
        "dynamic_update_slice": lambda a: j.sum(
            L.dynamic_update_slice(a, a[:2, :2] ** 2, (2, 0)) ** 2)
        + j.sum(L.dynamic_update_slice(a * w, a[:1] * 3.0, (1, 0)) ** 2),
        "rev": lambda a: j.sum(L.rev(a, (0, 1)) * w) + j.sum(L.rev(a, (1,)) ** 2 * w),
        "reduce_sum": lambda a: j.sum(L.reduce_sum(cube(j, a), (0, 2)) ** 2)
        + L.reduce_sum(a, (0, 1)) ** 2,
        "reduce_max_ties": lambda a: j.sum(L.reduce_max(L.max(a, 0.5), (1,)) ** 2)
        + L.reduce_max(a * w, (0, 1)) ** 2,
        "reduce_min": lambda a: j.sum(L.reduce_min(a, (0,)) ** 2)
        + L.reduce_min(cube(j, a), (0, 1, 2)),
        "reduce_prod": lambda a: j.sum(L.reduce_prod(a, (1,)) ** 2)
        + L.reduce_prod(a, (0, 1)),
        "cumsum": lambda a: j.sum(L.cumsum(a, 1) ** 2)
        + j.sum(L.cumsum(a, 0, reverse=True) * w),
        "cumprod": lambda a: j.sum(L.cumprod(a, 1) ** 2)
        + j.sum(L.cumprod(a, 0, reverse=True) * w),
        "cummax_cummin": lambda a: j.sum(L.cummax(a, 1) ** 2) + j.sum(L.cummax(a, 0, True) * w)
        + j.sum(L.cummin(a, 0) * w) + j.sum(L.cummin(a, 1, reverse=True) ** 2),
        "sort": lambda a: j.sum(L.sort(a, 1) * w) + j.sum(L.sort(a, 0) ** 3),
        "sort_two_operands": lambda a: j.sum(L.sort((a, a * a), 0)[1] * w)
        + j.sum(L.sort((a.T, a), 1)[0] ** 2 * w),
        "sort_num_keys": lambda a: j.sum(L.sort(((a > 0.4).astype(np.float32), a, a * w), 1,
                                                num_keys=2)[2] * w),
        "convert_element_type": lambda a: j.sum(L.convert_element_type(
            L.convert_element_type(a * 2.0, np.float16) * 3.0, np.float32) * w)
        + j.sum(L.convert_element_type(a * 4.0, np.int32) * a),
        "complex_real_imag_conj": lambda a: j.sum(L.real(L.complex(a, a * a) * L.conj(
            L.complex(a[::-1], 1.0))) * w) + j.sum(L.imag(L.complex(a, a * w) ** 2)),
        "unary_twins": lambda a: j.sum(L.exp(a) * L.tanh(a) + L.sqrt(a * a + 1.0)
                                       + L.logistic(a) * w + L.neg(a) ** 2),
    }


S, J = make(slax, snp), make(jax.lax, jax.numpy)


@pytest.mark.parametrize("name", sorted(S))
def test_lax_rule_matches_jax(name):
    """grad and vmap(grad) staged (s2s.jit), jvp eager, grad(grad) eager."""
    f, fj = S[name], J[name]
    a = snp.asarray(A)
    assert_trees_close(s2s.jit(s2s.grad(f))(a), jax.jit(jax.grad(fj))(A), 1e-4, 1e-5, True)
    t = (A[::-1] * 0.5).copy()
    assert_trees_close(s2s.jvp(f, (a,), (snp.asarray(t),))[1],
                       jax.jit(lambda x, u: jax.jvp(fj, (x,), (u,))[1])(A, t), 1e-4, 1e-5, False)
    batch = np.stack([A, A * 0.8 + 0.1])
    assert_trees_close(s2s.jit(s2s.vmap(s2s.grad(f)))(snp.asarray(batch)),
                       jax.jit(jax.vmap(jax.grad(fj)))(batch), 1e-4, 1e-5, True)
    ours = s2s.grad(lambda x: snp.sum(s2s.grad(f)(x) * W))(a)
    theirs = jax.jit(jax.grad(lambda x: jax.numpy.sum(jax.grad(fj)(x) * W)))(A)
    assert_trees_close(ours, theirs, 1e-3, 1e-4, True)


def test_vmap_of_dynamic_slice_with_per_example_start():
    """A start index that differs between examples (one clamped): each example slices its own
    window, and so does the gradient."""
    xb = np.stack([A, A[::-1] * 0.7])
    ib = np.array([0, 2])

    def f(L, j):
        return lambda x, i: j.sum(L.dynamic_slice(x, (i, 1), (2, 2)) ** 2)
    assert_trees_close(s2s.vmap(f(slax, snp))(snp.asarray(xb), snp.asarray(ib)),
                       jax.vmap(f(jax.lax, jax.numpy))(xb, ib), 1e-5, 1e-6, True)
    assert_trees_close(s2s.vmap(s2s.grad(f(slax, snp)))(snp.asarray(xb), snp.asarray(ib)),
                       jax.vmap(jax.grad(f(jax.lax, jax.numpy)))(xb, ib), 1e-5, 1e-6, True)
