"""JAX's error classes (same names, same base classes), raised by the runtime and the transforms."""
from s2s.lowering.backend import JaxRuntimeError  # noqa: F401
from s2s.runtime.dtypes import TypePromotionError  # noqa: F401

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


from s2s.runtime.numpy.indexing import NonConcreteBooleanIndexError  # noqa: E402,F401


def abstract_value_error(dtype, shape, context):
    """JAX's ConcretizationTypeError for a traced value where a concrete one is needed."""
    import numpy as np
    return ConcretizationTypeError(
        f"Abstract tracer value encountered where concrete value is expected: traced array with "
        f"shape {np.dtype(dtype).name}[{','.join(map(str, shape))}]\n{context}")
