"""``s2s.scipy.stats``: distributions written as source (``norm``, ``multivariate_normal``,
``uniform``, ``expon``, ``laplace``, ``logistic``, ``cauchy``, ``gamma``, ``chi2``, ``beta``,
``t``, ``poisson``, ``bernoulli``, ``binom``, ``geom``)."""
from s2s.scipy.stats import bernoulli, beta, binom, cauchy, chi2, expon, gamma, geom, \
    laplace, logistic, multivariate_normal, norm, poisson, t, uniform  # noqa: F401
