"""``s2s.scipy``: the parts of jax.scipy written so far (``special``, ``stats.norm``)."""
from s2s.scipy import special, stats  # noqa: F401
