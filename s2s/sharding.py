"""``s2s.sharding``."""
from runtime.devices import SingleDeviceSharding  # noqa: F401
