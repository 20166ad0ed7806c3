"""Array methods and attributes as the ``s2s.numpy`` functions they mean: ``x.sum(0)`` is
``jnp.sum(x, 0)``, ``x.mT`` is ``jnp.matrix_transpose(x)``. The transforms differentiate and
batch a method call with the rules of that function, so a method needs no rule of its own."""
from s2s.runtime import numpy as rnp
from s2s.runtime.core import Array

# methods and attributes whose function has another name
_ALIASES = {"flatten": "ravel", "conjugate": "conj", "T": "transpose",
            "mT": "matrix_transpose"}
# attributes that are functions of the array (the others -- shape, dtype -- are not values)
_VALUE_ATTRIBUTES = {"T", "mT", "real", "imag"}


def function_name(attr):
    """The name in ``s2s.numpy`` of what the array method or value attribute ``attr`` calls,
    or None when ``attr`` is neither."""
    name = _ALIASES.get(attr, attr)
    if attr in _VALUE_ATTRIBUTES or callable(getattr(Array, attr, None)) and callable(
            getattr(rnp, name, None)):
        return name
    return None


def function(attr):
    """The ``s2s.numpy`` function of the array method or value attribute ``attr``, or None."""
    name = function_name(attr)
    return None if name is None else getattr(rnp, name)


def is_value_attribute(attr):
    return attr in _VALUE_ATTRIBUTES
