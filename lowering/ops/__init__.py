"""Primitive declarations: each module defines its primitives' shape rules and emitters."""
from lowering.ops import elementwise, structural, reductions, indexing, linalg  # noqa: F401 (register)
