"""Count samplers of ``s2s.random``: poisson, binomial, multinomial, bit-identical with JAX.

They are rejection samplers whose loops run on all elements at once from one key stream (each
iteration splits the key and draws a whole array), an element keeping its value once accepted.
Bits match only if the same operations run in the same order as one program, so each sampler
is a ``compiled`` function (JAX jits them) and the float expressions below are written in the
order JAX evaluates them: Knuth's product of uniforms for small rates and Hormann's transformed
rejection (PTRS) for large ones (poisson); inversion by geometric waiting times for small
means and BTRS with Stirling tail corrections for large ones (binomial).
"""
import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import lax
from s2s.runtime import numpy as jnp
from s2s.runtime.control import scan, while_loop
from s2s.runtime.numpy.util import promote_inexact
from s2s.runtime.random import _key, _shape, _split, _split2, _uniform
from s2s.runtime.tracing import compiled

__all__ = ["poisson", "binomial", "multinomial"]

F32 = np.dtype(np.float32)


def _counted_loop(cond, body, init, max_iters):
    """``while_loop`` over ``init`` that also stops after ``max_iters`` iterations (JAX's cap)."""
    def c(state):
        return jnp.logical_and(cond(state[1]), jnp.less(state[0], max_iters))

    def b(state):
        return jnp.add(state[0], 1), body(state[1])
    return while_loop(c, b, (jnp.zeros((), np.int32), init))[1]


def _u01(k, shape, dtype):
    return _uniform(k, shape, np.dtype(dtype), np.array(0.0, dtype), np.array(1.0, dtype))


# ---- poisson --------------------------------------------------------------------------------

def poisson(key, lam, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("poisson", key)
    dtype = dtypes.default_int() if dtype is None else np.dtype(dtype)
    if dtype.kind not in "iu":
        raise ValueError(f"Invalid integer data type '{dtype.kind}'.")
    dtype = dtypes.canonicalize(dtype)
    lam = jnp.asarray(lam)
    shape = lam.shape if shape is None else _shape(shape, "broadcast_in_dim shape")
    lam = jnp.broadcast_to(lam, shape)
    return _poisson(k, lax.convert_element_type(lam, F32), shape=shape, dtype=dtype)


@compiled
def _poisson(k, lam, *, shape, dtype):
    use_knuth = jnp.logical_or(jnp.isnan(lam), jnp.less(lam, 10))
    lam_knuth = lax.select(use_knuth, lam, jnp.zeros(shape, F32))
    lam_rejection = lax.select(use_knuth, jnp.full(shape, 1e5, F32), lam)
    max_iters = min(int(np.iinfo(dtype).max), 2**31 - 1)
    out = lax.select(use_knuth, _poisson_knuth(k, lam_knuth, shape, dtype, max_iters),
                     _poisson_rejection(k, lam_rejection, shape, dtype, max_iters))
    return lax.select(jnp.equal(lam, 0), jnp.zeros(shape, dtype), out)


def _poisson_knuth(k, lam, shape, dtype, max_iters):
    """Count uniforms until their product falls below ``exp(-lam)``."""
    def body(state):
        count, key, log_prod = state
        key, sub = _split2(key)
        count = lax.select(jnp.greater(log_prod, -lam), jnp.add(count, 1), count)
        return count, key, jnp.add(log_prod, jnp.log(_u01(sub, shape, F32)))

    init = (jnp.zeros(shape, dtype), k, jnp.zeros(shape, F32))
    count = _counted_loop(lambda s: jnp.any(jnp.greater(s[2], -lam)), body, init, max_iters)[0]
    return jnp.subtract(count, 1).astype(dtype)


def _poisson_rejection(k, lam, shape, dtype, max_iters):
    log_lam = jnp.log(lam)
    b = 0.931 + 2.53 * jnp.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)

    def body(state):
        k_out, accepted, key = state
        keys = _split(key, (3,))
        u = _u01(keys[1], shape, F32) - 0.5
        v = _u01(keys[2], shape, F32)
        us = 0.5 - jnp.abs(u)
        kk = jnp.floor((2 * a / us + b) * u + lam + 0.43)
        s = jnp.log(v * inv_alpha / (a / (us * us) + b))
        t = -lam + kk * log_lam - lax.lgamma(kk + 1)
        accept1 = (us >= 0.07) & (v <= v_r)
        reject = (kk < 0) | ((us < 0.013) & (v > us))
        accept = accept1 | (~reject & (s <= t))
        return lax.select(accept, kk, k_out), accepted | accept, keys[0]

    init = (jnp.full(shape, -1, F32), jnp.zeros(shape, np.bool_), k)
    out = _counted_loop(lambda s: jnp.any(~s[1]), body, init, max_iters)[0]
    return out.astype(dtype)


# ---- binomial -------------------------------------------------------------------------------

def binomial(key, n, p, shape=None, dtype=None):
    k, _ = _key("binomial", key)
    n, p = _arraylike("binomial", n, p)
    dtype = dtypes.default_float() if dtype is None else np.dtype(dtype)
    if not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `binomial` must be a float dtype, got {dtype}")
    dtype = dtypes.canonicalize(dtype)
    return _binomial_any(k, n, p, None if shape is None else _shape(shape), dtype)


def _arraylike(name, *args):
    for i, a in enumerate(args):
        if isinstance(a, (list, tuple)):
            raise TypeError(f"{name} requires ndarray or scalar arguments, got {type(a)} at "
                            f"position {i}.")
    return [jnp.asarray(a) if not isinstance(a, (int, float, bool)) else a for a in args]


def _binomial_any(k, n, p, shape, dtype):
    """Parameters to arrays of one float dtype broadcast to ``shape``, then the sampler."""
    if shape is None:
        shape = tuple(np.broadcast_shapes(np.shape(n), np.shape(p)))
    else:
        _params_shape_lax(shape, np.shape(n), np.shape(p))
    (p,) = promote_inexact(p)
    n = lax.convert_element_type(jnp.asarray(n), p.dtype)
    return _binomial(k, jnp.broadcast_to(n, shape), jnp.broadcast_to(p, shape), dtype=dtype)


def _params_shape_lax(shape, *shapes):
    """JAX's ``_check_shape``: ``shape`` must be the broadcast of itself and the parameters."""
    try:
        ok = tuple(np.broadcast_shapes(shape, *shapes)) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={[shape, *shapes]}")


@compiled
def _binomial(k, count, prob, *, dtype):
    shape, fdt = prob.shape, np.dtype(prob.dtype)
    p_lt_half = prob < 0.5
    q = lax.select(p_lt_half, prob, 1.0 - prob)
    count_bad = jnp.isnan(count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_nan, q_neg = jnp.isnan(q), q < 0.0
    q = lax.select(q_nan | q_neg, jnp.full(shape, 0.01, fdt), q)
    use_inversion = count_bad | (count * q <= 10.0)
    count = jnp.floor(count)
    count_inv = lax.select(use_inversion, count, jnp.zeros(shape, fdt))
    count_btrs = lax.select(use_inversion, jnp.full(shape, 1e4, fdt), count)
    q_btrs = lax.select(use_inversion, jnp.full(shape, 0.5, fdt), q)
    max_iters = float(np.finfo(dtype).max)
    out = lax.select(use_inversion, _binomial_inversion(k, count_inv, q, dtype, max_iters),
                     _btrs(k, count_btrs, q_btrs, dtype, max_iters))
    invalid = q_neg | q_nan | count_bad
    out = lax.select(invalid, jnp.full(shape, np.nan, dtype), out)
    out = lax.select(count_inf & ~invalid, jnp.full(shape, np.inf, dtype), out)
    return lax.select(p_lt_half | count_bad | q_nan | count_inf, out,
                      jnp.subtract(count.astype(dtype), out))


def _binomial_inversion(k, count, prob, dtype, max_iters):
    """Count geometric waiting times until their sum passes ``count``."""
    shape, fdt = prob.shape, prob.dtype
    log1mp = jnp.log1p(-prob)

    def body(state):
        num, total, key = state
        sub, key = _split2(key)
        num = lax.select(total <= count, num + 1, num)
        geom = jnp.ceil(jnp.log(_u01(sub, shape, fdt)) / log1mp)
        return num, total + geom, key

    init = (jnp.zeros(shape, fdt), jnp.zeros(shape, fdt), k)
    num = _counted_loop(lambda s: jnp.any(s[1] <= count), body, init, max_iters)[0]
    return (num - 1).astype(dtype)


_STIRLING_TAIL = [0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287]


def _stirling_tail(k):
    """``log k! - (k + 1/2) log(k + 1) + (k + 1) - log(2 pi)/2``: tabled for k <= 9, else
    the series in ``1/(k+1)^2``."""
    table = jnp.asarray(np.array(_STIRLING_TAIL, k.dtype))
    small = k <= 9
    k = lax.clamp(jnp.zeros((), k.dtype), k, jnp.full((), 9.0, k.dtype))
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return lax.select(small, table[jnp.floor(k).astype(np.int32)], approx)


def _btrs(k, count, prob, dtype, max_iters):
    """Hormann's BTRS (transformed rejection with squeeze)."""
    shape, fdt = prob.shape, prob.dtype
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)

    def body(state):
        k_out, accepted, key = state
        keys = _split(key, (3,))
        u = _u01(keys[1], shape, fdt)
        v = _u01(keys[2], shape, fdt)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        kk = jnp.floor((2 * a / us + b) * u + c)
        reject = (kk < 0) | (kk > count)
        v = jnp.log(v * alpha / (a / (us * us) + b))
        ub = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
              + (count + 1) * jnp.log((count - m + 1) / (count - kk + 1))
              + (kk + 0.5) * jnp.log(r * (count - kk + 1) / (kk + 1))
              + _stirling_tail(m) + _stirling_tail(count - m)
              - _stirling_tail(kk) - _stirling_tail(count - kk))
        accept = accept1 | (~reject & (v <= ub))
        return lax.select(accept, kk, k_out), accepted | accept, keys[0]

    init = (jnp.full(shape, -1, fdt), jnp.zeros(shape, np.bool_), k)
    return _counted_loop(lambda s: jnp.any(~s[1]), body, init, max_iters)[0].astype(dtype)


# ---- multinomial ----------------------------------------------------------------------------

def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
    """Counts per outcome (last axis of ``p``): a binomial draw per outcome from what the
    outcomes before it left, with that outcome's share of the remaining probability."""
    k, _ = _key("multinomial", key)
    n, p = _arraylike("multinomial", n, p)
    n, p = promote_inexact(n, p)
    dtype = dtypes.default_float() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    shape = p.shape if shape is None else _shape(shape)
    if not shape:
        raise ValueError(f"axis -1 is out of bounds for array of dimension {len(shape)}")
    n = jnp.broadcast_to(n, shape[:-1])
    return _multinomial(k, n, jnp.broadcast_to(p, shape), dtype=dtype)


@compiled
def _multinomial(k, n, p, *, dtype):
    def step(remainder, ratio_key):
        ratio, key = ratio_key
        count = _binomial_any(key, remainder, jnp.clip(ratio, 0, 1), None,
                              np.dtype(remainder.dtype))
        return remainder - count, count

    p = jnp.moveaxis(p, -1, 0)
    remaining = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining == 0, 1, remaining)
    _, counts = scan(step, n, (ratios, _split(k, (ratios.shape[0],))))
    return jnp.moveaxis(counts, 0, -1).astype(dtype)
