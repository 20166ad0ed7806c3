"""JAX's error classes (same names, same base classes), raised by the runtime and the transforms."""
from runtime.dtypes import TypePromotionError  # noqa: F401

_ERRORS_URL = "https://docs.jax.dev/en/latest/errors.html"


class JAXTypeError(TypeError):
    pass


class ConcretizationTypeError(TypeError):
    pass


class TracerBoolConversionError(ConcretizationTypeError):
    pass


class TracerIntegerConversionError(TypeError):
    pass


class TracerArrayConversionError(TypeError):
    pass


class UnexpectedTracerError(Exception):
    pass


class KeyReuseError(RuntimeError):
    pass


from runtime.numpy.indexing import NonConcreteBooleanIndexError  # noqa: E402,F401
