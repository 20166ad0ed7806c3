"""``s2s.errors``: JAX's error classes, plus ``TransformError`` for what a transform refuses."""
from s2s.runtime.errors import *  # noqa: F401,F403
from s2s.runtime.errors import (ConcretizationTypeError, NonConcreteBooleanIndexError,  # noqa: F401
                                TracerArrayConversionError, TracerBoolConversionError,
                                TracerIntegerConversionError, TypePromotionError,
                                UnexpectedTracerError)


class TransformError(Exception):
    """A construct a source transformation cannot handle; the message names file and line."""


class TransformValueError(TransformError, ValueError):
    """A refusal where jax raises ValueError (reverse mode through ``lax.while_loop``), so that
    code catching jax's class catches s2s's."""
