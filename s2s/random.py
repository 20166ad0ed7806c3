"""``s2s.random``: threefry keys and samplers, bit-identical with ``jax.random`` (re-exports
``runtime.random``)."""
from s2s.runtime.random import *  # noqa: F401,F403
from s2s.runtime.random import PRNGKeyArray, KEY_DTYPE  # noqa: F401
from s2s.runtime.random_counts import *  # noqa: F401,F403,E402
