"""``s2s.scipy.special``: jax.scipy.special's functions, written in s2s.numpy as source that
s2s transforms like user code (see ``s2s.nn``).

The iterative ones (incomplete gamma and beta functions, Bessel functions, the dilogarithm)
run a fixed number of steps of a textbook series or continued fraction (modified Lentz) in a
``fori_loop``, so derivatives in every argument come from transforming the loop; the Hurwitz
zeta function is Euler-Maclaurin summation (``s2s/rules/special_library.py``, shared with
digamma's derivative rule)."""
import math
from fractions import Fraction

import numpy as np

from s2s import lax
from s2s import numpy as jnp
from s2s.nn import log_softmax as _log_softmax
from s2s.nn import logsumexp  # noqa: F401
from s2s.nn import softmax as _softmax
from s2s.rules.special_library import hurwitz_zeta

S2S_SOURCE_LIBRARY = True


def erf(x):
    return lax.erf(_float(x))


def erfc(x):
    return lax.erfc(_float(x))


def erfinv(x):
    return lax.erf_inv(_float(x))


def gammaln(x):
    return lax.lgamma(_float(x))


def digamma(x):
    return lax.digamma(_float(x))


def betaln(a, b):
    a, b = _float(a), _float(b)
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def expit(x):
    return lax.logistic(x)


def logit(x):
    return jnp.log(x / (1 - x))


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x`` is 0."""
    nonzero = x != 0
    safe_x = jnp.where(nonzero, x, 1)
    safe_y = jnp.where(nonzero, y, 1)
    return jnp.where(nonzero, safe_x * jnp.log(safe_y), 0)


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x`` is 0."""
    nonzero = x != 0
    safe_x = jnp.where(nonzero, x, 1)
    safe_y = jnp.where(nonzero, y, 0)
    return jnp.where(nonzero, safe_x * jnp.log1p(safe_y), 0)


def entr(x):
    """``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` below."""
    positive = x > 0
    safe = jnp.where(positive, x, 1)
    return jnp.where(positive, -(safe * jnp.log(safe)), jnp.where(x == 0, 0.0, -jnp.inf))


def ndtr(x):
    """The standard normal CDF (through erf near 0 and erfc in the tails, for accuracy)."""
    z = x * np.sqrt(0.5)
    w = jnp.abs(z)
    inner = 1.0 + lax.erf(jnp.where(w < np.sqrt(0.5), z, 0.0))
    tails = jnp.where(z > 0, 2.0 - lax.erfc(jnp.where(z > 0, z, 1.0)),
                      lax.erfc(jnp.where(z > 0, 1.0, w)))
    return 0.5 * jnp.where(w < np.sqrt(0.5), inner, tails)


def log_ndtr(x, series_order=3):
    """``log(ndtr(x))``, accurate in both tails: ``-ndtr(-x)`` above ``upper``, an asymptotic
    series below ``lower``."""
    x = jnp.asarray(x)
    lower, upper = (-20.0, 8.0) if x.dtype == jnp.float64 else (-10.0, 5.0)
    low = jnp.minimum(x, lower)
    x2 = low * low
    series = 1.0
    power = x2
    sign = -1.0
    for n in range(1, series_order + 1):
        series = series + sign * float(np.prod(np.arange(2 * n - 1, 0, -2))) / power
        power = power * x2
        sign = -sign
    tail = -0.5 * x2 - jnp.log(-low) - 0.5 * np.log(2 * np.pi) + jnp.log(series)
    middle = jnp.log(ndtr(jnp.clip(x, lower, upper)))
    return jnp.where(x > upper, -ndtr(-jnp.maximum(x, upper)), jnp.where(x > lower, middle,
                                                                        tail))


def ndtri(p):
    """The inverse of ``ndtr``."""
    return np.sqrt(2.0) * lax.erf_inv(2.0 * p - 1.0)


def _float(x):
    """``x`` as an array of a floating type (integers become the default float, as jax's
    special functions promote them)."""
    x = jnp.asarray(x)
    return x.astype(jnp.result_type(x.dtype, float))


def _any(*conditions):
    """The elementwise or of boolean arrays (``|`` reads as arithmetic to the transforms)."""
    out = conditions[0]
    for c in conditions[1:]:
        out = jnp.logical_or(out, c)
    return out


def gammasgn(x):
    """The sign of the gamma function: 1 right of 0, alternating between the poles (which
    are NaN), the sign bit at zero."""
    x = _float(x)
    floor = jnp.floor(x)
    odd = jnp.remainder(floor, 2.0) == 1.0
    negative = jnp.where(odd, -1.0, 1.0).astype(x.dtype)
    at_zero = jnp.where(jnp.signbit(x), -1.0, 1.0).astype(x.dtype)
    sign = jnp.where(x > 0, 1.0, jnp.where(x == 0, at_zero, negative)).astype(x.dtype)
    pole = jnp.logical_and(x < 0, jnp.logical_or(floor == x, jnp.isinf(x)))
    return jnp.where(jnp.logical_or(pole, jnp.isnan(x)), np.nan, sign)


def gamma(x):
    x = _float(x)
    return gammasgn(x) * jnp.exp(lax.lgamma(x))


def loggamma(x):
    """``log(gamma(x))`` for real ``x > 0`` (NaN elsewhere)."""
    x = _float(x)
    return jnp.where(x > 0, lax.lgamma(x), np.nan)


def factorial(n, exact=False):
    if exact:
        raise NotImplementedError("factorial with exact=True")
    n = _float(n)
    return jnp.where(n < 0, 0.0, jnp.exp(lax.lgamma(n + 1.0))).astype(n.dtype)


def beta(a, b):
    a, b = _float(a), _float(b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * jnp.exp(betaln(a, b))


def poch(z, m):
    """The rising factorial ``gamma(z + m) / gamma(z)`` (1 where ``m`` is 0)."""
    z, m = _float(z), _float(m)
    ratio = gammasgn(z + m) * gammasgn(z) * jnp.exp(lax.lgamma(z + m) - lax.lgamma(z))
    return jnp.where(m == 0.0, 1.0, ratio)


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension ``d``."""
    d = _static_int(d, "d")
    a = _float(a)
    total = d * (d - 1) / 4.0 * np.log(np.pi)
    for j in range(d):
        total = total + lax.lgamma(a - j / 2.0)
    return total.astype(a.dtype) if d else jnp.zeros_like(a) + total


def _static_int(d, name):
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
        if getattr(d, "shape", None) == () and np.issubdtype(np.asarray(d).dtype, np.integer):
            return int(d)
        if isinstance(d, (float, np.floating)) and float(d) == int(d):
            return int(d)
        raise TypeError(f"{name} must be a concrete integer, got {d!r}")
    return int(d)


def softmax(x, /, *, axis=None):
    return _softmax(x, axis=axis)


def log_softmax(x, /, *, axis=None):
    return _log_softmax(x, axis=axis)


def rel_entr(p, q):
    """``p log(p / q)`` for positive ``p, q``; 0 where ``p`` is 0 and ``q >= 0``; inf
    elsewhere."""
    p, q = _float(p), _float(q)
    both = jnp.logical_and(p > 0, q > 0)
    safe_p, safe_q = jnp.where(both, p, 1.0), jnp.where(both, q, 1.0)
    inside = safe_p * jnp.log(safe_p / safe_q)
    return jnp.where(both, inside, jnp.where(jnp.logical_and(p == 0, q >= 0), 0.0, np.inf))


def kl_div(p, q):
    """``p log(p / q) - p + q`` (``q`` where ``p`` is 0, inf outside the domain)."""
    p, q = _float(p), _float(q)
    both = jnp.logical_and(p > 0, q > 0)
    safe_p, safe_q = jnp.where(both, p, 1.0), jnp.where(both, q, 1.0)
    inside = safe_p * jnp.log(safe_p / safe_q) - safe_p + safe_q
    return jnp.where(both, inside, jnp.where(jnp.logical_and(p == 0, q >= 0), q, np.inf))


def boxcox(x, lmbda):
    x, lmbda = _float(x), _float(lmbda)
    return _boxcox_of_log(jnp.log(x), lmbda)


def boxcox1p(x, lmbda):
    x, lmbda = _float(x), _float(lmbda)
    return _boxcox_of_log(jnp.log1p(x), lmbda)


def _boxcox_of_log(log_x, lmbda):
    """``(x**lmbda - 1) / lmbda`` (``log x`` at 0) from ``log x``."""
    nonzero = lmbda != 0
    safe = jnp.where(nonzero, lmbda, 1.0)
    return jnp.where(nonzero, jnp.expm1(safe * log_x) / safe, log_x)


def comb(N, k, *, repetition=False):
    """The binomial coefficient (of ``N + k - 1`` with repetition), through ``gammaln``; 0
    outside ``0 <= k <= N``."""
    N, k = _float(N), _float(k)
    if repetition:
        N = N + k - 1.0
    value = jnp.exp(lax.lgamma(N + 1.0) - lax.lgamma(k + 1.0) - lax.lgamma(N - k + 1.0))
    inside = jnp.logical_and(jnp.logical_and(k >= 0, k <= N), N >= 0)
    return jnp.where(inside, value, 0.0)


def bernoulli(n):
    """The Bernoulli numbers ``B_0 ... B_n`` (``B_1 = -1/2``), exact in fractions by the
    recurrence ``sum_j C(m+1, j) B_j = 0``."""
    n = _static_int(n, "n")
    if n < 0:
        raise ValueError("n must be a non-negative integer.")
    numbers = [Fraction(1)]
    for m in range(1, n + 1):
        numbers.append(-sum(math.comb(m + 1, j) * numbers[j] for j in range(m)) / (m + 1))
    return jnp.asarray(np.array([float(b) for b in numbers]), dtype=jnp.zeros(()).dtype)


def zeta(x, q=None):
    """The Hurwitz zeta function ``sum_k (q + k)^-x``."""
    if q is None:
        raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                                  "compute the Hurwitz Zeta function.")
    x, q = _float(x), _float(q)
    return hurwitz_zeta(x, q)


def polygamma(n, x):
    """The ``n``-th derivative of digamma: ``(-1)^(n+1) n! zeta(n + 1, x)``; ``n`` an integer
    array (NaN where negative; at the poles inf for odd ``n``, NaN for even)."""
    n = jnp.asarray(n)
    if not jnp.issubdtype(n.dtype, jnp.integer):
        raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype "
                         f"{n.dtype}.")
    x = _float(x)
    order = n.astype(x.dtype)
    sign = jnp.where(jnp.remainder(n, 2) == 1, 1.0, -1.0).astype(x.dtype)
    higher = sign * jnp.exp(lax.lgamma(order + 1.0)) * hurwitz_zeta(order + 1.0, x)
    pole = jnp.logical_and(x <= 0, x == jnp.floor(x))
    higher = jnp.where(jnp.logical_and(pole, jnp.remainder(n, 2) == 0), np.nan, higher)
    return jnp.where(n < 0, np.nan, jnp.where(n == 0, lax.digamma(x), higher))


STEPS = 200  # (series and continued fraction steps: float64 accuracy up to a, b, x ~ 1e3)


TINY = float(np.finfo(np.float32).tiny)


def _lentz_start(first):
    """The state ``(value, C, D)`` of the modified Lentz method for the continued fraction
    ``first + a_1 / (b_1 + a_2 / (b_2 + ...))``; ``_lentz_step`` takes in each ``a_i, b_i``."""
    f = jnp.where(jnp.abs(first) < TINY, TINY, first)
    return f, f, jnp.zeros_like(f)


def _lentz_step(state, a, b):
    f, c, d = state
    d = b + a * d
    d = 1.0 / jnp.where(jnp.abs(d) < TINY, TINY, d)
    c = b + a / c
    c = jnp.where(jnp.abs(c) < TINY, TINY, c)
    return f * c * d, c, d


def _gamma_series(a, x):
    """``sum_n x^n / ((a+1) ... (a+n))``, the series of the lower regularized incomplete gamma
    function after its prefactor."""
    def step(n, state):
        total, term = state
        term = term * x / (a + n)
        return total + term, term
    return lax.fori_loop(1, STEPS + 1, step, (jnp.ones_like(x), jnp.ones_like(x)))[0]


def _gamma_fraction(a, x):
    """The continued fraction of ``Q(a, x) e^x x^-a gamma(a)``: ``1 / (x + 1 - a - 1(1-a) /
    (x + 3 - a - 2(2-a) / ...))``."""
    def step(i, state):
        return _lentz_step(state, -i * (i - a), x + 1.0 - a + 2.0 * i)
    return 1.0 / lax.fori_loop(1, STEPS + 1, step, _lentz_start(x + 1.0 - a))[0]


def _regularized_gamma(a, x, upper):
    a, x = _float(a), _float(x)
    log_x = jnp.log(jnp.where(x > 0, x, 1.0))
    series_side = jnp.logical_or(x < a + 1.0, x <= 1.0)
    xs, as_ = jnp.where(series_side, x, 0.5), jnp.where(series_side, a, 1.0)
    log_xs = jnp.where(series_side, log_x, np.log(0.5))
    lower = jnp.exp(as_ * log_xs - xs - lax.lgamma(as_ + 1.0)) * _gamma_series(as_, xs)
    xf, af = jnp.where(series_side, 2.0, x), jnp.where(series_side, 1.0, a)
    log_xf = jnp.where(series_side, np.log(2.0), log_x)
    tail = jnp.exp(af * log_xf - xf - lax.lgamma(af)) * _gamma_fraction(af, xf)
    value = jnp.where(series_side, lower, 1.0 - tail)
    value = jnp.where(jnp.logical_or(a == 0, x == np.inf), 1.0, jnp.where(x == 0, 0.0, value))
    if upper:
        value = jnp.where(series_side, 1.0 - lower, tail)
        value = jnp.where(jnp.logical_or(a == 0, x == np.inf), 0.0, jnp.where(x == 0, 1.0, value))
    invalid = _any(x < 0, a < 0, jnp.logical_and(a == 0, x == 0), jnp.isinf(a),
                   jnp.isnan(a + x))
    return jnp.where(invalid, np.nan, value)


def gammainc(a, x):
    """The lower regularized incomplete gamma function ``P(a, x)``: the series below
    ``x = a + 1``, one minus the continued fraction above."""
    return _regularized_gamma(a, x, False)


def gammaincc(a, x):
    """The upper regularized incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    return _regularized_gamma(a, x, True)


def _beta_fraction(a, b, x):
    """The continued fraction of ``I_x(a, b) a B(a, b) x^-a (1-x)^-b``: ``1 / (1 + d_1 / (1 +
    d_2 / ...))`` with ``d_2m = m (b-m) x / ((a+2m-1)(a+2m))`` and ``d_2m+1 = -(a+m)(a+b+m) x
    / ((a+2m)(a+2m+1))``."""
    def step(i, state):
        m = jnp.floor(i / 2.0)
        even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        return _lentz_step(state, jnp.where(jnp.remainder(i, 2) == 0, even, odd), 1.0)
    return 1.0 / lax.fori_loop(1, 2 * STEPS + 1, step, _lentz_start(jnp.ones_like(x)))[0]


def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)``, by its continued fraction in
    ``x`` or, past the mean ``(a+1)/(a+b+2)``, in ``1 - x`` (``I_x(a, b) = 1 - I_1-x(b, a)``).
    """
    a, b, x = _float(a), _float(b), _float(x)
    inside = jnp.logical_and(x > 0, x < 1)
    safe_x = jnp.where(inside, x, 0.5)
    safe_a, safe_b = jnp.where(a > 0, a, 1.0), jnp.where(b > 0, b, 1.0)
    flip = safe_x > (safe_a + 1.0) / (safe_a + safe_b + 2.0)
    p, q = jnp.where(flip, safe_b, safe_a), jnp.where(flip, safe_a, safe_b)
    y = jnp.where(flip, 1.0 - safe_x, safe_x)
    log_front = p * jnp.log(y) + q * jnp.log1p(-y) - betaln(p, q) - jnp.log(p)
    part = jnp.exp(log_front) * _beta_fraction(p, q, y)
    value = jnp.where(flip, 1.0 - part, part)
    value = jnp.where(x == 0, 0.0, jnp.where(x == 1, 1.0, value))
    value = jnp.where(a == 0, 1.0, jnp.where(b == 0, 0.0, value))
    invalid = _any(a < 0, b < 0, x < 0, x > 1, jnp.logical_and(a == 0, b == 0),
                   jnp.isnan(a + b + x))
    return jnp.where(invalid, np.nan, value)


BESSEL_TERMS = 60
ASYMPTOTIC_FROM = 20.0  # (|x| past which the asymptotic series is used; its smallest term
# there is ~exp(-2|x|))


def _bessel_ie(x, order):
    """``exp(-|x|) I_order(x)`` for orders 0 and 1: the power series
    ``sum_k (x/2)^(2k+order) / (k! (k+order)!)`` below ``ASYMPTOTIC_FROM``, above it the
    asymptotic series ``(2 pi |x|)^-1/2 sum_k (-1)^k prod_j (4 order^2 - (2j-1)^2) /
    (k! (8|x|)^k)`` (times the sign of ``x`` for order 1)."""
    ax = _abs(x)
    small = ax < ASYMPTOTIC_FROM
    xs, axs = jnp.where(small, x, 1.0), jnp.where(small, ax, 1.0)
    quarter = xs * xs / 4.0

    def series_step(k, state):
        total, term = state
        term = term * quarter / (k * (k + order))
        return total + term, term
    first = jnp.exp(-axs)
    if order:
        first = first * xs / 2.0
    series = lax.fori_loop(1, BESSEL_TERMS + 1, series_step, (first, first))[0]
    xl = jnp.where(small, ASYMPTOTIC_FROM, ax)
    total, term = jnp.ones_like(xl), jnp.ones_like(xl)
    for k in range(1, 30):
        term = -term * (4.0 * order * order - (2 * k - 1) ** 2) / (k * 8.0 * xl)
        total = total + term
    asymptotic = total / jnp.sqrt(2.0 * np.pi * xl)
    if order:
        asymptotic = asymptotic * jnp.sign(x)
    return jnp.where(small, series, asymptotic)


def _abs(x):
    """``|x|`` with slope 0 at 0 (jax's derivatives of the Bessel functions there)."""
    return x * jnp.sign(x)


def i0e(x):
    """``exp(-|x|) I_0(x)``, the exponentially scaled modified Bessel function of order 0."""
    x = _float(x)
    return jnp.where(jnp.isinf(x), 0.0, _bessel_ie(x, 0))


def i0(x):
    x = _float(x)
    return jnp.exp(jnp.abs(x)) * _bessel_ie(x, 0)  # (slope 1 at 0, as jax's)


def i1e(x):
    """``exp(-|x|) I_1(x)`` (odd in ``x``)."""
    x = _float(x)
    return jnp.where(jnp.isinf(x), 0.0, _bessel_ie(x, 1))


def i1(x):
    x = _float(x)
    return jnp.exp(_abs(x)) * _bessel_ie(x, 1)


def _dilog_series(z):
    """``Li2(z) = sum_k z^k / k^2`` for ``|z| <= 1/2`` (2^-k / k^2: 40 terms reach float64)."""
    def step(k, state):
        total, power = state
        power = power * z
        return total + power / (k * k), power
    return lax.fori_loop(1, 41, step, (jnp.zeros_like(z), jnp.ones_like(z)))[0]


def spence(x):
    """Spence's function ``integral_1^x log(t) / (1 - t) dt = Li2(1 - x)`` for ``x >= 0``
    (NaN below), by the series of ``Li2`` at one of ``1 - x``, ``x`` (reflection) or ``1/x``
    and ``(x-1)/x`` (Landen's identity), whichever lies within 1/2 of 0."""
    x = _float(x)
    positive = jnp.logical_and(x > 0, x < np.inf)
    s = jnp.where(positive, x, 1.0)
    log_s = jnp.log(s)
    near_one = jnp.logical_and(s >= 0.5, s <= 1.5)
    z1 = jnp.where(near_one, 1.0 - s, 0.0)
    small = s < 0.5
    zs = jnp.where(small, s, 0.0)
    reflected = np.pi ** 2 / 6 - log_s * jnp.log1p(-zs) - _dilog_series(zs)
    middle = jnp.logical_and(s > 1.5, s < 2.0)
    zm = jnp.where(middle, (s - 1.0) / s, 0.0)
    landen = -_dilog_series(zm) - 0.5 * log_s * log_s
    zl = jnp.where(s >= 2.0, 1.0 / s, 0.0)
    large = -(np.pi ** 2 / 6 + jnp.log1p(-zl) * log_s - _dilog_series(zl)) - 0.5 * log_s * log_s
    value = jnp.where(near_one, _dilog_series(z1),
                      jnp.where(small, reflected, jnp.where(middle, landen, large)))
    value = jnp.where(x == 0, np.pi ** 2 / 6, value)
    return jnp.where(positive, value, jnp.where(x == 0, value, np.nan))


EULER_GAMMA = 0.5772156649015329


def _exp1_positive(x):
    """``E1(x)`` for ``x > 0``: its power series up to 1, beyond it the continued fraction
    ``e^-x / (x + 1 - 1^2 / (x + 3 - 2^2 / (x + 5 - ...)))``."""
    small = x <= 1.0
    xs = jnp.where(small, x, 1.0)

    def series_step(k, state):
        total, term = state
        term = -term * xs / k
        return total + term / k, term
    series = lax.fori_loop(1, 31, series_step, (jnp.zeros_like(xs), jnp.ones_like(xs)))[0]
    below = -EULER_GAMMA - jnp.log(xs) - series
    xf = jnp.where(small, 2.0, x)

    def fraction_step(i, state):
        return _lentz_step(state, -1.0 * i * i, xf + 1.0 + 2.0 * i)
    fraction = lax.fori_loop(1, STEPS + 1, fraction_step, _lentz_start(xf + 1.0))[0]
    return jnp.where(small, below, jnp.exp(-xf) / fraction)


def exp1(x):
    """The exponential integral ``E1(x) = integral_x^inf e^-t / t dt`` for ``x >= 0``."""
    x = _float(x)
    positive = jnp.logical_and(x > 0, x < np.inf)
    value = _exp1_positive(jnp.where(positive, x, 1.0))
    return jnp.where(positive, value, jnp.where(x == 0, np.inf, np.nan))


def expi(x):
    """The exponential integral ``Ei(x)``: ``-E1(-x)`` below 0, above it the series
    ``gamma + log x + sum_k x^k / (k k!)`` up to 40 and the asymptotic series
    ``e^x / x sum_k k! / x^k`` beyond."""
    x = _float(x)
    finite = jnp.logical_and(x != 0, jnp.isfinite(x))
    negative = x < 0
    xn = jnp.where(negative, -x, 1.0)
    left = -_exp1_positive(xn)
    small = jnp.logical_and(x > 0, x <= 40.0)
    xs = jnp.where(small, x, 1.0)

    def series_step(k, state):
        total, term = state
        term = term * xs / k
        return total + term / k, term
    series = lax.fori_loop(1, STEPS + 1, series_step, (jnp.zeros_like(xs), jnp.ones_like(xs)))[0]
    middle = EULER_GAMMA + jnp.log(xs) + series
    xl = jnp.where(x > 40.0, x, 41.0)
    total, term = jnp.ones_like(xl), jnp.ones_like(xl)
    for k in range(1, 25):
        term = term * k / xl
        total = total + term
    large = jnp.exp(xl) / xl * total
    value = jnp.where(negative, left, jnp.where(small, middle, large))
    return jnp.where(finite, value, np.nan)
