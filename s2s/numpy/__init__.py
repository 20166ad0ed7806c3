"""``s2s.numpy``: re-exports ``runtime.numpy`` (``import s2s.numpy as jnp``)."""
from s2s.runtime.numpy import *  # noqa: F401,F403
from s2s.runtime.numpy import __dict__ as _ns

globals().update({k: v for k, v in _ns.items() if not k.startswith("__")})

from s2s.convolutions import convolve, correlate  # noqa: E402,F401
from s2s.numpy.composite import *  # noqa: F401,F403,E402  (functions written as source)
from s2s.numpy.statistics import *  # noqa: F401,F403,E402
from s2s.numpy.elementwise import *  # noqa: F401,F403,E402
from s2s.numpy.windows import *  # noqa: F401,F403,E402
from s2s.numpy.index_tricks import *  # noqa: F401,F403,E402
from s2s.numpy.sets import *  # noqa: F401,F403,E402
from s2s.numpy.polynomials import *  # noqa: F401,F403,E402
from s2s.numpy.editing import *  # noqa: F401,F403,E402
from s2s.numpy.calculus import *  # noqa: F401,F403,E402
from s2s.numpy.functional import *  # noqa: F401,F403,E402
from s2s.numpy.nan_reductions import *  # noqa: F401,F403,E402
from s2s.numpy.joining import *  # noqa: F401,F403,E402
import importlib as _importlib  # noqa: E402

# ``linalg`` is s2s.numpy.linalg: runtime's namespace plus the source library
linalg = _importlib.import_module("s2s.numpy.linalg")  # noqa: F811
from s2s.numpy.array_api import *  # noqa: F401,F403,E402  (and x.__array_namespace__)
from s2s.numpy.array_api import __array_api_version__, __array_namespace_info__  # noqa: E402,F401
