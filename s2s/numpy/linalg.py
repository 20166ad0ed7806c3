"""``s2s.numpy.linalg``: the LAPACK-backed functions of ``runtime.numpy.linalg_namespace`` and
the ones written as source over them (``s2s/numpy/linalg_library.py``)."""
from s2s.runtime.numpy.linalg_namespace import *  # noqa: F401,F403
from s2s.runtime.numpy.linalg_namespace import diagonal, matmul, norm, outer, tensordot, trace, vecdot  # noqa: F401
from s2s.numpy.linalg_library import *  # noqa: F401,F403
