"""Arrays, dtypes, primitive binding (eager and staged), and the numpy / lax / random APIs."""
from s2s.runtime import core, dtypes, lax, numpy, methods  # noqa: F401  (methods attaches to Array)
