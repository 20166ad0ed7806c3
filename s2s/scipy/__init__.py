"""``s2s.scipy``: the parts of jax.scipy written so far (``special``, ``stats.norm``,
``linalg``)."""
from s2s.scipy import linalg, special, stats  # noqa: F401
