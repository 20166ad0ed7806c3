"""Small checks shared by the shape rules; the messages are the ones JAX users know."""
import numpy as np

from s2s.lowering.core import ShapedArray


def kind(dtype):
    """'b', 'i', 'u', 'f' or 'c' (bfloat16 and float8 count as 'f')."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return "b"
    if dtype.kind in "iuc":
        return dtype.kind
    return "f"


def same_shapes(name, avals):
    shapes = [a.shape for a in avals]
    if any(s != shapes[0] for s in shapes):
        raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                        f"{', '.join(map(str, shapes))}.")
    return shapes[0]


def same_dtypes(name, avals):
    dtypes = [a.dtype for a in avals]
    if any(d != dtypes[0] for d in dtypes):
        raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got "
                        f"{', '.join(d.name for d in dtypes)}.")
    return dtypes[0]


def check_kinds(name, aval, kinds):
    if kind(aval.dtype) not in kinds:
        raise TypeError(f"{name} does not accept dtype {aval.dtype.name}. Accepted dtypes are "
                        f"subtypes of {_KIND_NAMES[kinds] if kinds in _KIND_NAMES else kinds}.")


_KIND_NAMES = {"fc": "floating, complexfloating", "f": "floating", "c": "complexfloating",
               "iu": "integer",
               "biu": "bool, integer", "iuf": "integer, floating", "iufc": "number"}


def weak(avals):
    return all(a.weak_type for a in avals)


def normalize_axis(axis, ndim):
    if not -ndim <= axis < max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % max(ndim, 1)


def aval(shape, dtype, weak_type=False):
    return ShapedArray(shape, dtype, weak_type)
