"""``s2s.scipy``: the parts of jax.scipy written so far (``special``, ``stats.norm``,
``linalg``, ``optimize.minimize``)."""
from s2s.scipy import linalg, optimize, special, stats  # noqa: F401
