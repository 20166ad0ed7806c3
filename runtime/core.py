"""Arrays and primitive binding.

``bind(prim, *args, **params)`` is the one entry point every operation goes through. On concrete
arrays it runs a cached one-primitive XLA executable (eager mode, asynchronous like JAX); when an
argument is a ``Tracer`` the trace it belongs to records an equation instead (staging, see
``runtime/tracing.py``).
"""
import math

import threading

import numpy as np

from s2s.lowering import backend
from s2s.lowering.core import Eqn, Jaxpr, PRIMITIVES, ShapedArray, Var
import s2s.lowering.ops  # noqa: F401  (registers the primitives)
from s2s.lowering.stablehlo import lower
from s2s.runtime import dtypes


class Array:
    """Base class of concrete arrays (``ArrayImpl``) and tracers: ``isinstance(x, s2s.Array)``
    holds for both, as in JAX. Operators and methods are attached in ``runtime/methods.py``."""

    __slots__ = ()
    __array_priority__ = 100
    __hash__ = None

    @property
    def shape(self):
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    @property
    def weak_type(self):
        return self.aval.weak_type

    @property
    def ndim(self):
        return len(self.aval.shape)

    @property
    def size(self):
        return self.aval.size

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object")
        return self.aval.shape[0]


class ArrayImpl(Array):
    """An immutable array living on one device, backed by a PJRT buffer."""

    __slots__ = ("_buf", "aval", "_device", "_npy")

    def __init__(self, buf, aval, device):
        self._buf, self.aval, self._device, self._npy = buf, aval, device, None

    @property
    def _value(self):
        """The host copy (cached; waits for the computation)."""
        if self._npy is None:
            self._npy = backend.to_numpy(self._buf, self.aval, self._device)
        return self._npy

    def block_until_ready(self):
        self._buf.block_until_ready()
        return self

    def is_ready(self):
        return self._buf.is_ready()

    def __array__(self, dtype=None, copy=None):
        val = self._value
        if copy:
            val = val.copy()
        return val if dtype is None else val.astype(dtype, copy=False)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        # exported from the host copy (CPU), whatever device holds the buffer; that copy is
        # read-only, which DLPack before 1.0 cannot signal, so such a consumer gets a copy
        val = self._value
        if not val.flags.writeable and copy is not False and (max_version or (0,))[0] < 1:
            val = val.copy()
        return val.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device,
                              copy=copy)

    def __dlpack_device__(self):
        return self._value.__dlpack_device__()

    def __reduce__(self):
        from s2s.runtime.numpy.creation import asarray
        return asarray, (np.array(self._value), self.dtype)


class Tracer(Array):
    """A value being staged; its ``_trace`` records every primitive bound on it."""

    __slots__ = ("_trace", "aval")


def put(value, dtype=None, weak_type=False, device=None):
    """A NumPy array or scalar -> ``ArrayImpl`` on ``device`` (the default device if None)."""
    value = np.asarray(value, dtype=dtype)
    aval = ShapedArray(value.shape, value.dtype, weak_type)
    device = device or backend.default_device()
    if value.dtype not in dtypes.SUPPORTED:
        raise TypeError(f"JAX only supports number and bool dtypes, got dtype {value.dtype}")
    return ArrayImpl(backend.device_put(value, aval, device), aval, device)


_scalars = {}


SCALAR_IDS = set()  # ids of the cached scalars (kept alive by ``_scalars``)


def scalar(value, dtype, weak_type=False):
    """A rank-0 array on the default device. Scalars are cached by their exact bits (arrays are
    immutable, so sharing one buffer is safe and saves a transfer per ``x + 1``)."""
    t = type(value)
    if t is int or t is float:  # fast key; the sign bit keeps 0.0 and -0.0 apart
        key = (t, value, dtype, weak_type, t is float and math.copysign(1.0, value) < 0)
        out = _scalars.get(key)
        if out is not None:
            return out
        val = np.asarray(value, dtype)
    else:
        val = np.asarray(value, dtype)
        key = (val.dtype, weak_type, val.tobytes())
    out = _scalars.get(key)
    if out is None:
        out = put(val, weak_type=weak_type)
        if len(_scalars) < 4096:
            _scalars[key] = out
            SCALAR_IDS.add(id(out))
    return out


# Traces being built, innermost last (``runtime/tracing.py``). While one is active in this thread
# every primitive is staged into it, concrete operands included (as JAX's omnistaging):
# ``jnp.zeros(3)`` inside a jitted function becomes an equation, not a constant. The list is
# shared by all threads (so the eager path tests one global); each trace records its thread.
_trace_stack = []


def current_trace():
    """The innermost trace being built by the calling thread, or None."""
    if _trace_stack:
        me = threading.get_ident()
        for t in reversed(_trace_stack):
            if t.thread == me:
                return t
    return None


def bind(prim, *args, **params):
    """Apply primitive ``prim`` (a name or a Primitive) to arrays ``args``."""
    if isinstance(prim, str):
        prim = PRIMITIVES[prim]
    if _trace_stack:
        trace = current_trace()
        if trace is not None:
            return trace.bind(prim, args, params)
    for a in args:
        if isinstance(a, Tracer):  # a tracer whose trace has finished: ``bind`` reports the leak
            return a._trace.bind(prim, args, params)
    outs = _eager(prim, args, params)
    return outs if prim.multiple_results else outs[0]


_eager_cache = {}
EAGER_CACHE_SIZE = 4096  # compiled eager ops kept (the oldest goes first): memory stays bounded
# primitives whose params are sub-programs traced afresh on every call: their executables are
# found by program text (``backend.compile``'s cache), not kept per params object here
_SUBPROGRAMS = frozenset({"while", "cond"})


def bounded_put(cache, key, value, size):
    """``cache[key] = value``, first dropping the oldest entry of a full ``cache``."""
    if len(cache) >= size:
        del cache[next(iter(cache))]
    cache[key] = value


def _eager(prim, args, params):
    device = args[0]._device if args else params.pop("device", None) or backend.default_device()
    if prim.name in _SUBPROGRAMS:
        key = None
    elif len(args) == 1 and not params:  # the hot case, kept cheap: key without temporaries
        key = (prim, args[0].aval, device)
    else:
        key = (prim, *[a.aval for a in args], *params.items(), device)
    exe = _eager_cache.get(key) if key is not None else None
    if exe is None:
        for a in args:
            if a._device is not device:
                raise ValueError(f"Received incompatible devices for {prim.name}: "
                                 f"{args[0]._device} and {a._device}. Move arrays with "
                                 f"device_put first.")
        exe = _compile_one(prim, tuple(a.aval for a in args), params, device)
        if key is not None:
            bounded_put(_eager_cache, key, exe, EAGER_CACHE_SIZE)
    elif len(args) > 1 and any(a._device is not device for a in args):
        raise ValueError(f"Received incompatible devices for {prim.name}: move arrays with "
                         f"device_put first.")
    bufs = exe([a._buf for a in args])
    if len(bufs) == 1:
        return [ArrayImpl(bufs[0], exe.out_avals[0], device)]
    return [ArrayImpl(b, av, device) for b, av in zip(bufs, exe.out_avals)]


def _compile_one(prim, avals, params, device):
    out_avals = prim.abstract_eval(avals, params)
    invars = [Var(a) for a in avals]
    outvars = [Var(a) for a in out_avals]
    jaxpr = Jaxpr([], invars, [Eqn(prim, invars, outvars, params)], outvars)
    return backend.compile(lower(jaxpr, prim.name), out_avals, device)
