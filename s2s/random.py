"""``s2s.random``: threefry keys and samplers, bit-identical with ``jax.random`` (re-exports
``runtime.random``)."""
from runtime.random import *  # noqa: F401,F403
from runtime.random import PRNGKeyArray, KEY_DTYPE  # noqa: F401
from runtime.random_counts import *  # noqa: F401,F403,E402
