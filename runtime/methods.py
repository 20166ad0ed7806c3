"""Operators, methods and reprs of ``Array`` (shared by concrete arrays and tracers), each
forwarding to the ``s2s.numpy`` function of the same meaning."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Array, ArrayImpl
from s2s.runtime.devices import SingleDeviceSharding, device_put
from s2s.runtime.numpy.indexing import _IndexUpdateHelper, getitem


def _forward(fn, swap=False):
    def method(self, other):
        try:
            return fn(other, self) if swap else fn(self, other)
        except TypeError:
            if not _operand_like(other):
                return NotImplemented
            raise
    return method


def _operand_like(x):
    return isinstance(x, (Array, np.ndarray, np.generic, bool, int, float, complex)) or hasattr(
        x, "__jax_array__")


_BINARY = {"add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "truediv": jnp.true_divide,
           "floordiv": jnp.floor_divide, "mod": jnp.mod, "pow": jnp.power, "matmul": jnp.matmul,
           "and": jnp.bitwise_and, "or": jnp.bitwise_or, "xor": jnp.bitwise_xor,
           "lshift": jnp.left_shift, "rshift": jnp.right_shift}
for _name, _fn in _BINARY.items():
    setattr(Array, f"__{_name}__", _forward(_fn))
    setattr(Array, f"__r{_name}__", _forward(_fn, swap=True))
for _name, _fn in {"eq": jnp.equal, "ne": jnp.not_equal, "lt": jnp.less, "le": jnp.less_equal,
                   "gt": jnp.greater, "ge": jnp.greater_equal}.items():
    setattr(Array, f"__{_name}__", _forward(_fn))


def _divmod(self, other):
    return jnp.floor_divide(self, other), jnp.mod(self, other)


Array.__divmod__ = _divmod
Array.__rdivmod__ = lambda self, other: _divmod(jnp.asarray(other), self)
Array.__neg__ = lambda self: jnp.negative(self)
Array.__pos__ = lambda self: jnp.positive(self)
Array.__abs__ = lambda self: jnp.absolute(self)
Array.__invert__ = lambda self: jnp.invert(self)
Array.__round__ = lambda self, ndigits=None: jnp.round(self, ndigits or 0)
Array.__getitem__ = getitem


def _setitem(self, idx, value):
    raise TypeError("JAX arrays are immutable and do not support in-place item assignment. "
                    "Instead of x[idx] = y, use x = x.at[idx].set(y) or another .at[] method: "
                    "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html")


Array.__setitem__ = _setitem
Array.at = property(lambda self: _IndexUpdateHelper(self))


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d array")
    return (self[i] for i in range(self.shape[0]))


Array.__iter__ = _iter
Array.__reversed__ = lambda self: (self[i] for i in reversed(range(len(self))))


def _scalar_conversion(kind):
    def conv(self):
        self._check_concrete(kind.__name__)
        if self.size != 1:
            if kind is bool:
                raise ValueError("The truth value of an array with more than one element is "
                                 "ambiguous. Use a.any() or a.all()")
            raise TypeError("only length-1 arrays can be converted to Python scalars")
        return kind(np.asarray(self).reshape(()))
    return conv


Array.__bool__ = _scalar_conversion(bool)
Array.__int__ = _scalar_conversion(int)
Array.__float__ = _scalar_conversion(float)
Array.__complex__ = _scalar_conversion(complex)


def _index(self):
    self._check_concrete("index")
    if self.ndim or np.dtype(self.dtype).kind not in "iub":
        raise TypeError("only integer scalar arrays can be converted to a scalar index")
    return int(np.asarray(self))


Array.__index__ = _index
Array._check_concrete = lambda self, what: None  # tracers override this with JAX's errors


def _item(self, *args):
    self._check_concrete("item")
    return np.asarray(self).item(*args)


Array.item = _item
Array.tolist = lambda self: np.asarray(self).tolist()
Array.__format__ = lambda self, spec: format(np.asarray(self), spec) if self.ndim == 0 else \
    str(self)

# attribute-style properties
Array.T = property(lambda self: jnp.transpose(self))
Array.mT = property(lambda self: jnp.matrix_transpose(self))
Array.real = property(lambda self: jnp.real(self))
Array.imag = property(lambda self: jnp.imag(self))
Array.itemsize = property(lambda self: np.dtype(self.dtype).itemsize)
Array.nbytes = property(lambda self: np.dtype(self.dtype).itemsize * self.size)
Array.flat = property(lambda self: iter(jnp.ravel(self)))


def _astype(self, dtype, copy=False, device=None):
    return lax.convert_element_type(self, dtypes.check_user_dtype(dtype, "astype"))


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return jnp.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    return jnp.transpose(self, axes or None)


Array.astype = _astype
Array.reshape = _reshape
Array.transpose = _transpose
Array.view = lambda self, dtype=None: self if dtype is None else lax.bitcast_convert_type(
    self, dtype)
Array.copy = lambda self: jnp.array(self, copy=True)
Array.__copy__ = Array.copy
Array.__deepcopy__ = lambda self, memo: self.copy()
Array.flatten = lambda self, order="C": jnp.ravel(self, order)
Array.conjugate = lambda self: jnp.conjugate(self)
for _name in ["ravel", "squeeze", "sum", "mean", "std", "var", "max", "min", "prod", "argmax",
              "argmin", "all", "any", "cumsum", "cumprod", "clip", "round", "dot", "conj",
              "nonzero", "swapaxes", "repeat", "diagonal", "trace", "take", "sort", "argsort",
              "searchsorted", "ptp", "compress"]:
    if hasattr(jnp, _name):
        setattr(Array, _name, getattr(jnp, _name))


# ---- concrete arrays only -----------------------------------------------------------------------

def _devices(self):
    return {self._device}


ArrayImpl.devices = _devices
ArrayImpl.device = property(lambda self: self._device)
ArrayImpl.to_device = lambda self, device, *, stream=None: device_put(self, device)
ArrayImpl.sharding = property(lambda self: SingleDeviceSharding(self._device))
ArrayImpl.committed = property(lambda self: True)
ArrayImpl.is_fully_addressable = property(lambda self: True)
ArrayImpl.is_fully_replicated = property(lambda self: True)
ArrayImpl.addressable_shards = property(lambda self: [self])
ArrayImpl.copy_to_host_async = lambda self: None
ArrayImpl.delete = lambda self: self._buf.delete()
ArrayImpl.is_deleted = lambda self: self._buf.is_deleted()


def _repr(self):
    val = np.asarray(self)
    suffix = f"dtype={np.dtype(self.dtype).name}" + (", weak_type=True" if self.weak_type else "")
    if val.size == 0:
        return f"Array([], shape={val.shape}, {suffix})"
    body = np.array2string(val, prefix="Array(", separator=", ")
    return f"Array({body}, {suffix})"


ArrayImpl.__repr__ = _repr
ArrayImpl.__str__ = lambda self: str(np.asarray(self))
ArrayImpl.__class_getitem__ = classmethod(lambda cls, item: cls)
