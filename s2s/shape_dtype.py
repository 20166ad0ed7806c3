"""``ShapeDtypeStruct`` and ``eval_shape``: what a computation returns, without computing it.

``eval_shape`` traces ``fun`` as ``jit`` does (the trace runs no XLA program) and reads the
output avals; its arguments may be arrays or anything with ``shape`` and ``dtype``.
"""
import numpy as np

from s2s.lowering.core import ShapeProperties


class ShapeDtypeStruct(ShapeProperties):
    """An immutable (shape, dtype) pair standing for an array (``pure_callback``'s results,
    ``eval_shape``'s inputs and outputs). The dtype is kept as given: 64-bit types shrink only
    where an array is made from it."""

    __slots__ = ("shape", "dtype", "sharding", "weak_type")

    def __init__(self, shape, dtype, *, sharding=None, weak_type=False):
        if dtype is None:
            raise ValueError("ShapeDtypeStruct: dtype must be specified.")
        for name, value in (("shape", tuple(shape)), ("dtype", np.dtype(dtype)),
                            ("sharding", sharding), ("weak_type", bool(weak_type))):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot reassign attributes ({name}) of immutable ShapeDtypeStruct "
                           f"objects")

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def _key(self):
        return self.shape, self.dtype, self.sharding, self.weak_type

    def __eq__(self, other):
        return isinstance(other, ShapeDtypeStruct) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        sharding = f", sharding={self.sharding}" if self.sharding is not None else ""
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{sharding}{weak})"

    __str__ = __repr__

    @classmethod
    def of(cls, aval):
        return cls(aval.shape, aval.dtype, weak_type=aval.weak_type)


def eval_shape(fun, *args, **kwargs):
    """The pytree of ``ShapeDtypeStruct`` that ``fun(*args, **kwargs)`` would return."""
    from s2s.jit import jit
    return jit(fun).eval_shape(*args, **kwargs)
