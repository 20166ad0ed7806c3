"""``s2s.debug``: ``print`` and ``callback``, which show run-time values from inside staged
programs (``runtime/callbacks.py``). Transforms run them on primal values (no derivative),
once per example under ``vmap``."""
from s2s.runtime.callbacks import debug_callback as callback, debug_print as print  # noqa: F401
