"""``s2s.sharding``."""
from s2s.runtime.devices import SingleDeviceSharding  # noqa: F401
