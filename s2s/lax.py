"""``s2s.lax``: the primitives (re-exports ``runtime.lax``)."""
from s2s.runtime.lax import *  # noqa: F401,F403
from s2s.runtime.lax import __dict__ as _ns

globals().update({k: v for k, v in _ns.items() if not k.startswith("__")})

from s2s.custom import stop_gradient  # noqa: E402,F401
from s2s.convolutions import conv, conv_transpose, conv_with_general_padding  # noqa: E402,F401
from s2s.lax_composite import *  # noqa: E402,F401,F403  (functions written as source)
