"""``s2s.scipy.optimize.minimize`` (as ``jax.scipy.optimize.minimize``, method BFGS): the
BFGS iteration of Nocedal and Wright (Algorithm 6.1) with a strong-Wolfe line search
(Algorithms 3.5 and 3.6: bracketing, then zooming by cubic, quadratic or bisection steps),
written over ``s2s.value_and_grad`` and ``lax.while_loop`` so that it runs eagerly and under
``jit`` as one XLA loop. Step choices, stopping rules, counts and status codes are JAX's, so
both take the same path: ``status`` 0 converged, 1 ``maxiter`` reached, 3 the zoom failed,
5 the line search ran out of iterations, -1 otherwise."""
from typing import Any, NamedTuple

import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime import numpy as jnp

__all__ = ["OptimizeResults", "minimize"]


class OptimizeResults(NamedTuple):
    """What ``minimize`` found: the point ``x``, ``fun`` and its gradient ``jac`` there, the
    inverse-Hessian estimate, and how it went (``success``, ``status``, evaluation counts
    ``nfev``/``njev``, iterations ``nit``)."""
    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


def minimize(fun, x0, args=(), *, method, tol=None, options=None):
    """Minimize ``fun(x, *args)`` over a 1-D ``x`` from ``x0``. Only ``method="BFGS"``;
    ``options``: ``maxiter`` (default ``200 * x0.size``), ``norm`` (of the gradient in the
    stopping rule, default inf), ``gtol`` (1e-5), ``line_search_maxiter`` (10). ``tol`` is
    accepted and, as in JAX, not used."""
    if options is None:
        options = {}
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to jax.scipy.optimize.minimize must be a tuple, got "
                        f"{args}")
    if method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized")
    r = _bfgs(fun, args, x0, **options)
    return OptimizeResults(x=r.x, success=r.converged & ~r.failed, status=r.status, fun=r.f,
                           jac=r.g, hess_inv=r.H, nfev=r.nfev, njev=r.ngev, nit=r.k)


def _value_and_grad(f):
    from s2s.ad import value_and_grad  # (s2s's transform; imported late: s2s imports us)
    return value_and_grad(f)


def _pick(cond, new, old):
    """``old`` with the fields of ``new`` (a dict) replaced where ``cond`` holds."""
    return old._replace(**{k: jnp.where(cond, v, getattr(old, k)) for k, v in new.items()})


class _BFGS(NamedTuple):
    converged: Any
    failed: Any
    k: Any
    nfev: Any
    ngev: Any
    x: Any
    f: Any
    g: Any
    H: Any
    old_old_fval: Any
    status: Any
    line_search_status: Any


def _bfgs(fun, args, x0, maxiter=None, norm=np.inf, gtol=1e-5, line_search_maxiter=10):
    if maxiter is None:
        maxiter = np.size(x0) * 200
    x0 = jnp.asarray(x0)
    n = x0.shape[0]
    f0, g0 = _value_and_grad(fun)(x0, *args)
    state = _BFGS(converged=jnp.linalg.norm(g0, ord=norm) < gtol, failed=jnp.asarray(False),
                  k=jnp.asarray(0), nfev=jnp.asarray(1), ngev=jnp.asarray(1), x=x0, f=f0, g=g0,
                  H=jnp.eye(n, dtype=x0.dtype), old_old_fval=f0 + jnp.linalg.norm(g0) / 2,
                  status=jnp.asarray(0), line_search_status=jnp.asarray(0))

    def going(s):
        return ~s.converged & ~s.failed & (s.k < maxiter)

    def step(s):
        p = -jnp.dot(s.H, s.g)
        ls = _line_search(fun, args, s.x, p, s.f, s.old_old_fval, s.g, line_search_maxiter)
        step_ = ls.a * p
        y = ls.g - s.g
        rho = 1.0 / jnp.dot(y, step_)
        w = jnp.eye(n, dtype=rho.dtype) - rho * step_[:, None] * y[None, :]
        H = jnp.dot(jnp.dot(w, s.H), w.T) + rho * step_[:, None] * step_[None, :]
        return s._replace(converged=jnp.linalg.norm(ls.g, ord=norm) < gtol, failed=ls.failed,
                          k=s.k + 1, nfev=s.nfev + ls.nfev, ngev=s.ngev + ls.ngev,
                          x=s.x + step_, f=ls.f, g=ls.g, H=jnp.where(jnp.isfinite(rho), H, s.H),
                          old_old_fval=s.f, line_search_status=ls.status)

    s = lax.while_loop(going, step, state)
    status = jnp.where(s.converged, 0, jnp.where(s.k == maxiter, 1, jnp.where(
        s.failed, 2 + s.line_search_status, -1)))
    return s._replace(status=status)


# ---- the line search: a step along p satisfying the strong Wolfe conditions -----------------

class _Search(NamedTuple):
    done: Any
    failed: Any
    i: Any
    a_prev: Any
    phi_prev: Any
    dphi_prev: Any
    nfev: Any
    ngev: Any
    a: Any
    phi: Any
    dphi: Any
    g: Any


class _Found(NamedTuple):
    failed: Any
    nfev: Any
    ngev: Any
    a: Any
    f: Any
    g: Any
    status: Any


class _Wolfe(NamedTuple):
    """``phi(t) = fun(x + t p, *args)`` along the line with its slope, and the two
    conditions."""
    fun: Any
    args: tuple
    x: Any
    p: Any
    phi0: Any
    dphi0: Any
    c1: float = 1e-4
    c2: float = 0.9

    def at(self, t):
        phi, g = _value_and_grad(self.fun)(self.x + jnp.asarray(t, self.p.dtype) * self.p,
                                           *self.args)
        return phi, jnp.real(jnp.dot(g, self.p)), g

    def too_high(self, a, phi):  # sufficient decrease fails
        return phi > self.phi0 + self.c1 * a * self.dphi0

    def flat(self, dphi):  # the curvature condition holds
        return jnp.abs(dphi) <= -self.c2 * self.dphi0


def _line_search(fun, args, x, p, phi0, old_old_fval, g0, maxiter):
    x, p = _inexact(x), _inexact(p)
    line = _Wolfe(fun, args, x, p, phi0, jnp.real(jnp.dot(g0, p)))
    guess = 1.01 * 2 * (phi0 - old_old_fval) / line.dphi0
    first = jnp.where(guess > 1, 1.0, guess)
    state = _Search(done=jnp.asarray(False), failed=jnp.asarray(False), i=jnp.asarray(1),
                    a_prev=jnp.asarray(0.0, first.dtype), phi_prev=phi0,
                    dphi_prev=line.dphi0, nfev=jnp.asarray(0), ngev=jnp.asarray(0),
                    a=jnp.asarray(0.0, first.dtype), phi=phi0, dphi=line.dphi0, g=g0)

    def step(s):
        a = jnp.where(s.i == 1, first, s.a_prev * 2.0)
        phi, dphi, g = line.at(a)
        high = line.too_high(a, phi) | ((phi >= s.phi_prev) & (s.i > 1))
        here = line.flat(dphi) & ~high
        beyond = (dphi >= 0.0) & ~high & ~here
        # both zooms are traced; each runs only where its bracket was chosen
        z1 = _zoom(line, s.a_prev, s.phi_prev, s.dphi_prev, a, phi, dphi, g0, ~high)
        z2 = _zoom(line, a, phi, dphi, s.a_prev, s.phi_prev, s.dphi_prev, g0, ~beyond)
        s = s._replace(nfev=s.nfev + 1 + z1.nfev + z2.nfev, ngev=s.ngev + 1 + z1.ngev + z2.ngev)
        found = ("a", "phi", "dphi", "g")
        s = _pick(high, {k: getattr(z1, k) for k in found}, s)
        s = s._replace(done=s.done | high, failed=s.failed | (high & z1.failed))
        s = _pick(here, dict(a=a, phi=phi, dphi=dphi, g=g), s)
        s = s._replace(done=s.done | here)
        s = _pick(beyond, {k: getattr(z2, k) for k in found}, s)
        s = s._replace(done=s.done | beyond, failed=s.failed | (beyond & z2.failed))
        return s._replace(i=s.i + 1, a_prev=a, phi_prev=phi, dphi_prev=dphi)

    s = lax.while_loop(lambda s: ~s.done & (s.i <= maxiter) & ~s.failed, step, state)
    status = jnp.where(s.failed, 1, jnp.where(s.i > maxiter, 3, 0))
    a = s.a
    if dtypes.finfo(a.dtype).bits != 64:  # (a vanishing step would stall the iteration)
        a = jnp.where(jnp.abs(a) < 1e-8, jnp.sign(a) * 1e-8, a)
    return _Found(failed=s.failed | ~s.done, nfev=s.nfev, ngev=s.ngev, a=a, f=s.phi, g=s.g,
                  status=status)


def _inexact(v):
    v = jnp.asarray(v)
    return v.astype(dtypes.to_inexact(v.dtype))


class _Zoom(NamedTuple):
    done: Any
    failed: Any
    j: Any
    a_lo: Any
    phi_lo: Any
    dphi_lo: Any
    a_hi: Any
    phi_hi: Any
    dphi_hi: Any
    a_rec: Any
    phi_rec: Any
    a: Any
    phi: Any
    dphi: Any
    g: Any
    nfev: Any
    ngev: Any


def _zoom(line, a_lo, phi_lo, dphi_lo, a_hi, phi_hi, dphi_hi, g0, skip):
    """Shrink the bracket [a_lo, a_hi] (a_lo the better end) until a step satisfies both
    Wolfe conditions; the trial step is the minimizer of a cubic through the last three
    points, else of a quadratic through the ends, else the midpoint, whichever lies well
    inside the bracket. Fails on a bracket too narrow for the precision, or after 30 steps."""
    state = _Zoom(done=jnp.asarray(False), failed=jnp.asarray(False), j=jnp.asarray(0),
                  a_lo=a_lo, phi_lo=phi_lo, dphi_lo=dphi_lo, a_hi=a_hi, phi_hi=phi_hi,
                  dphi_hi=dphi_hi, a_rec=(a_lo + a_hi) / 2.0, phi_rec=(phi_lo + phi_hi) / 2.0,
                  a=jnp.ones_like(a_lo), phi=phi_lo, dphi=dphi_lo, g=g0,
                  nfev=jnp.asarray(0), ngev=jnp.asarray(0))
    narrowest = 1e-5 if dtypes.finfo(jnp.asarray(a_hi - a_lo).dtype).bits < 64 else 1e-10

    def step(s):
        width = s.a_hi - s.a_lo
        lo, hi = jnp.minimum(s.a_hi, s.a_lo), jnp.maximum(s.a_hi, s.a_lo)
        s = s._replace(failed=s.failed | (width <= narrowest))
        cubic = _cubic_min(s.a_lo, s.phi_lo, s.dphi_lo, s.a_hi, s.phi_hi, s.a_rec, s.phi_rec)
        use_cubic = (s.j > 0) & (cubic > lo + 0.2 * width) & (cubic < hi - 0.2 * width)
        quad = _quad_min(s.a_lo, s.phi_lo, s.dphi_lo, s.a_hi, s.phi_hi)
        use_quad = ~use_cubic & (quad > lo + 0.1 * width) & (quad < hi - 0.1 * width)
        a = jnp.where(use_cubic, cubic, s.a_rec)
        a = jnp.where(use_quad, quad, a)
        a = jnp.where(~use_cubic & ~use_quad, (s.a_lo + s.a_hi) / 2.0, a)
        phi, dphi, g = line.at(a)
        phi, dphi, g = (phi.astype(s.phi_lo.dtype), dphi.astype(s.dphi_lo.dtype),
                        g.astype(s.g.dtype))
        s = s._replace(nfev=s.nfev + 1, ngev=s.ngev + 1)
        to_hi = line.too_high(a, phi) | (phi >= s.phi_lo)
        found = line.flat(dphi) & ~to_hi
        flip = (dphi * (s.a_hi - s.a_lo) >= 0.0) & ~to_hi & ~found
        to_lo = ~to_hi & ~found
        s = _pick(to_hi, dict(a_hi=a, phi_hi=phi, dphi_hi=dphi, a_rec=s.a_hi,
                              phi_rec=s.phi_hi), s)
        s = _pick(found, dict(a=a, phi=phi, dphi=dphi, g=g), s)._replace(done=s.done | found)
        s = _pick(flip, dict(a_hi=s.a_lo, phi_hi=s.phi_lo, dphi_hi=s.dphi_lo, a_rec=s.a_hi,
                             phi_rec=s.phi_hi), s)
        s = _pick(to_lo & ~flip, dict(a_rec=s.a_lo, phi_rec=s.phi_lo), s)
        s = _pick(to_lo, dict(a_lo=a, phi_lo=phi, dphi_lo=dphi), s)
        return s._replace(j=s.j + 1, failed=s.failed | (s.j + 1 >= 30))

    return lax.while_loop(lambda s: ~s.done & ~skip & ~s.failed, step, state)


def _cubic_min(a, fa, fpa, b, fb, c, fc):
    """The minimizer of the cubic through (a, fa) with slope fpa, (b, fb) and (c, fc)."""
    db, dc = b - a, c - a
    denom = (db * dc) ** 2 * (db - dc)
    rb, rc = fb - fa - fpa * db, fc - fa - fpa * dc
    A = (dc ** 2 * rb - db ** 2 * rc) / denom
    B = (-dc ** 3 * rb + db ** 3 * rc) / denom
    return a + (-B + jnp.sqrt(B * B - 3.0 * A * fpa)) / (3.0 * A)


def _quad_min(a, fa, fpa, b, fb):
    """The minimizer of the quadratic through (a, fa) with slope fpa and (b, fb)."""
    db = b - a
    return a - fpa / (2.0 * ((fb - fa - fpa * db) / db ** 2))
