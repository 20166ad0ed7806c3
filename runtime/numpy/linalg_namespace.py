"""``s2s.numpy.linalg``."""
from runtime.numpy.linalg import matmul, norm, outer, tensordot, trace, vecdot  # noqa: F401
from runtime.numpy.linalg import diagonal  # noqa: F401
