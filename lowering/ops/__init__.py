"""Primitive declarations: each module defines its primitives' shape rules and emitters."""
from s2s.lowering.ops import elementwise, structural, reductions, indexing, linalg  # noqa: F401 (register)
from s2s.lowering.ops import random  # noqa: F401,E402 (register threefry2x32)
from s2s.lowering.ops import lapack  # noqa: F401,E402 (LAPACK custom calls)
from s2s.lowering.ops import control  # noqa: F401,E402 (register while, cond)
from s2s.lowering.ops import windows  # noqa: F401,E402 (convolution, reduce_window)
from s2s.lowering.ops import fft  # noqa: F401,E402 (register fft)
from s2s.lowering.ops import callbacks  # noqa: F401,E402 (debug_callback, pure_callback)
