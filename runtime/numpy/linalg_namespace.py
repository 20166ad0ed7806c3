"""``s2s.numpy.linalg``."""
import operator

import numpy as np

from s2s.runtime.numpy.linalg import matmul, norm, outer, tensordot, trace, vecdot  # noqa: F401
from s2s.runtime.numpy.shape import matrix_transpose  # noqa: F401
from s2s.runtime.numpy.decompositions import diagonal_last2 as _diagonal_last2
from s2s.runtime.numpy.decompositions import (  # noqa: F401
        EigResult, EighResult, QRResult, SlogdetResult, SVDResult, cholesky, det, eig, eigh,
        eigvals, eigvalsh, inv, qr, slogdet, solve, svd)


def diagonal(x, /, *, offset=0):
    """The diagonals of the matrices in the last two axes (the array API's ``linalg.diagonal``,
    as ``jax.numpy.linalg.diagonal``)."""
    if np.ndim(x) < 2:
        raise ValueError("diagonal requires an array of at least two dimensions.")
    return _diagonal_last2(x, operator.index(offset))
