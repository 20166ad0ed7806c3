"""``s2s.scipy.stats.multivariate_normal``: the log-density through the Cholesky factor of
``cov`` (a ``(..., n, n)`` matrix, or one number: that multiple of the identity)."""
import numpy as np

from s2s import numpy as jnp
from s2s.scipy.linalg import solve_triangular

S2S_SOURCE_LIBRARY = True


def logpdf(x, mean, cov, allow_singular=None):
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = jnp.asarray(x), jnp.asarray(mean), jnp.asarray(cov)
    dtype = jnp.result_type(x.dtype, mean.dtype, cov.dtype, float)
    x, mean, cov = x.astype(dtype), mean.astype(dtype), cov.astype(dtype)
    if mean.ndim == 0:
        return (-0.5 * (x - mean) ** 2 / cov - 0.5 * (np.log(2 * np.pi) + jnp.log(cov)))
    n = mean.shape[-1]
    if cov.ndim == 0:  # (one variance for every coordinate)
        y = x - mean
        return (-0.5 * jnp.sum(y * y, axis=-1) / cov
                - 0.5 * n * (np.log(2 * np.pi) + jnp.log(cov)))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    factor = jnp.linalg.cholesky(cov)
    diff = jnp.broadcast_to(x - mean, jnp.broadcast_shapes(
        (x - mean).shape, factor.shape[:-1]))
    y = solve_triangular(jnp.broadcast_to(factor, diff.shape[:-1] + (n, n)), diff[..., None],
                         lower=True)[..., 0]
    log_det = jnp.sum(jnp.log(jnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * jnp.sum(y * y, axis=-1) - log_det - 0.5 * n * np.log(2 * np.pi)


def pdf(x, mean, cov):
    return jnp.exp(logpdf(x, mean, cov))
