"""``s2s.numpy.fft``."""
from s2s.runtime.numpy.fft import *  # noqa: F401,F403
