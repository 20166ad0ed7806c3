"""The staged IR, its lowering to StableHLO, and the XLA backend (PJRT clients, compile cache).

Nothing here imports ``runtime`` or ``s2s``: this package knows avals, primitives and programs,
not arrays or transformations.
"""
from s2s.lowering.core import ShapedArray, Primitive, PRIMITIVES, Var, Literal, Eqn, Jaxpr
