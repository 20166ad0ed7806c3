"""Devices and shardings as JAX shows them: ``devices()``, ``device_put``, ``x.sharding``."""
import numpy as np

from s2s.lowering import backend


class SingleDeviceSharding:
    """The placement of an array held whole on one device."""

    def __init__(self, device, *, memory_kind=None):
        self._device = device
        self.memory_kind = memory_kind or _default_memory_kind(device)

    @property
    def device_set(self):
        return {self._device}

    @property
    def num_devices(self):
        return 1

    @property
    def is_fully_replicated(self):
        return True

    @property
    def is_fully_addressable(self):
        return True

    def devices_indices_map(self, global_shape):
        return {self._device: (slice(None),) * len(global_shape)}

    def __eq__(self, other):
        return (isinstance(other, SingleDeviceSharding) and other._device == self._device
                and other.memory_kind == self.memory_kind)

    def __hash__(self):
        return hash((self._device, self.memory_kind))

    def __repr__(self):
        return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind})"


def _default_memory_kind(device):
    return "unpinned_host" if device.platform == "cpu" else "device"


def devices(backend_name=None):
    return backend.devices(backend_name)


def local_devices(process_index=None, backend_name=None):
    return devices(backend_name)


def device_count(backend_name=None):
    return len(devices(backend_name))


local_device_count = device_count


def default_backend():
    return backend.default_platform() if backend.default_platform() not in ("cuda", "rocm") else "gpu"


def process_index():
    return 0


def process_count():
    return 1


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
    """Place ``x`` (a pytree of arrays) on ``device`` (a Device or a SingleDeviceSharding)."""
    from s2s.runtime.core import ArrayImpl, Tracer, put
    from s2s.runtime.tree_util import tree_map
    if isinstance(device, SingleDeviceSharding):
        device = device._device
    if device is not None and not backend.is_device(device):  # (jaxlib would fail obscurely)
        raise ValueError("`jax.device_put` only accepts `None`, `jax.sharding.Sharding`, "
                         "`jax.Device`, `Format`, `jax.memory.Space` or a pytree of these "
                         f"values. Received invalid value: {device}")
    target = device or backend.default_device()

    def one(v):
        if isinstance(v, Tracer):
            return v
        if isinstance(v, ArrayImpl):
            if v._device is target:
                return v
            return ArrayImpl(backend.device_put(np.asarray(v), v.aval, target), v.aval, target)
        from s2s.runtime.numpy.util import to_array
        arr = to_array(v)
        return arr if arr._device is target else one(arr)
    return tree_map(one, x)


def block_until_ready(x):
    from s2s.runtime.core import ArrayImpl
    from s2s.runtime.tree_util import tree_leaves
    bufs = [v._buf for v in tree_leaves(x) if isinstance(v, ArrayImpl)]
    if bufs:
        backend.block_until_ready(bufs)
    return x
