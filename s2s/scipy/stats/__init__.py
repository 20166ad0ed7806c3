"""``s2s.scipy.stats``: distributions written so far (``norm``)."""
from s2s.scipy.stats import norm  # noqa: F401
