"""``s2s.numpy.linalg``."""
from runtime.numpy.linalg_namespace import *  # noqa: F401,F403
from runtime.numpy.linalg_namespace import diagonal, matmul, norm, outer, tensordot, trace, vecdot  # noqa: F401
