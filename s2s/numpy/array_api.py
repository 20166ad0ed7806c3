"""The Python Array API standard's entry points (version 2024.12, as jax 0.10.2 declares):
``x.__array_namespace__()`` is ``s2s.numpy`` and ``__array_namespace_info__()`` describes what
it supports, so libraries written against the standard (array-api-compat, SciPy's array API
paths) accept s2s arrays. The answers are jax.numpy's, dtypes following the x64 flag."""
import numpy as np

from s2s.runtime import devices as _devices, dtypes
from s2s.runtime.core import Array

__all__ = ["__array_api_version__", "__array_namespace_info__"]

__array_api_version__ = "2024.12"

# the standard's dtypes (no float16/bfloat16/fp8) in the order the standard lists them
_STANDARD = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
             "float32", "float64", "complex64", "complex128"]
# kind name -> predicate on a dtype (the standard's kinds, "numeric" being all but bool)
_KINDS = {"bool": lambda d: d.kind == "b", "signed integer": lambda d: d.kind == "i",
          "unsigned integer": lambda d: d.kind == "u", "integral": lambda d: d.kind in "iu",
          "real floating": lambda d: d.kind == "f", "complex floating": lambda d: d.kind == "c",
          "numeric": lambda d: d.kind in "iufc"}


class ArrayNamespaceInfo:
    """What ``__array_namespace_info__()`` returns: the namespace's capabilities, devices and
    dtypes. ``device`` arguments are accepted and ignored, as in jax: every device has the
    same dtypes."""

    _capabilities = {"boolean indexing": False, "data-dependent shapes": False,
                     "max dimensions": 64}

    def capabilities(self):
        # Boolean masks and nonzero need a static size under jit, so both are False (jax's).
        return self._capabilities

    def default_device(self):
        # None: arrays go where device_put puts them when no device is named
        return None

    def devices(self):
        return [None, *_devices.devices()]

    def default_dtypes(self, *, device=None):
        return {"real floating": dtypes.default_float(),
                "complex floating": dtypes.default_complex(),
                "integral": dtypes.default_int(), "indexing": dtypes.default_int()}

    def dtypes(self, *, device=None, kind=None):
        """The supported standard dtypes by name (64-bit ones only with x64 on), all of them or
        those of ``kind``: one of the standard's kind names, or a tuple of them (the union)."""
        available = {name: dt for name in _STANDARD
                     if (dt := np.dtype(name)) == dtypes.canonicalize(dt)}
        if kind is None:
            return available
        kinds = kind if isinstance(kind, tuple) else (kind,)
        return {name: dt for name, dt in available.items()
                if any(_kind(k)(dt) for k in kinds)}


def _kind(name):
    if not isinstance(name, str) or name not in _KINDS:  # jax's class: KeyError
        raise KeyError(f"{name!r} is not a dtype kind of the Array API standard; expected one "
                       f"of {sorted(_KINDS)} or a tuple of them")
    return _KINDS[name]


def __array_namespace_info__():
    return ArrayNamespaceInfo()


def _array_namespace(self, *, api_version=None):
    """``x.__array_namespace__()``: the module that implements the standard for ``x``."""
    if api_version is not None and api_version != __array_api_version__:
        raise ValueError(f"api_version={api_version!r} is not available; available versions "
                         f"are: [{__array_api_version__!r}]")
    import s2s.numpy
    return s2s.numpy


Array.__array_namespace__ = _array_namespace
