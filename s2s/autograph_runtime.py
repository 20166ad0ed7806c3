"""What code converted by ``s2s.autograph`` calls (as ``ag__``): the run-time decisions.

A converted statement keeps Python's semantics unless its condition (or loop bound) is traced:
these predicates make that decision when the statement runs, as TensorFlow's AutoGraph did, so
eager code behaves exactly as written. Under ``vmap`` a value that differs between examples
counts as traced: the batching transform passes ``mapped`` flags (``s2s/batch.py``), so a
mapped condition takes the ``lax`` path, whose batching rule selects per example.

The lax (and logical) functions are re-exported so that generated code names them
``ag__.cond`` & co without shadowing a ``lax`` of the user's module; the transforms recognise
them by identity.
"""
from s2s.runtime.control import cond, fori_loop, scan, while_loop  # noqa: F401
from s2s.runtime.core import Tracer
from s2s.runtime.errors import TracerBoolConversionError
from s2s.runtime.numpy import logical_and, logical_not, logical_or  # noqa: F401
from s2s.runtime.tree_util import tree_leaves
from s2s.rules import NONDIFFERENTIABLE

# ``for i in range(n)`` with a Python ``n`` at least this large becomes ``lax.fori_loop`` when
# it carries traced values (a shorter one is unrolled, as Python runs it): compiling an unrolled
# loop costs time in proportion to its length.
FORI_LOOP_MIN_TRIPS = 100


def _traced(value):
    return any(isinstance(leaf, Tracer) for leaf in tree_leaves(value))


def traced(value, mapped=(False,)):
    """Whether ``value`` (a condition, an array iterated over) is a traced (or mapped) array;
    a container of traced values is not: Python's semantics apply to it."""
    return bool(mapped[0]) or isinstance(value, Tracer)


def python_true(value, mapped=(False,)):
    """Whether ``value`` is true and not traced (or mapped): Python's loop goes on."""
    return not mapped[0] and not isinstance(value, Tracer) and bool(value)


def traced_range(lower, upper, carried, mapped=(False, False, False)):
    """Whether ``for i in range(lower, upper)`` carrying ``carried`` runs as ``fori_loop``:
    a traced (or mapped) bound, or a long loop over traced (or mapped) values."""
    if mapped[0] or mapped[1] or _traced(lower) or _traced(upper):
        return True
    return upper - lower >= FORI_LOOP_MIN_TRIPS and (bool(mapped[2]) or _traced(carried))


def python_condition(value, statement, why):
    """The condition of a statement the conversion left as Python (``why``): a traced one
    raises jax's error, saying so."""
    if isinstance(value, Tracer):
        raise TracerBoolConversionError(
            f"{statement}\ns2s.autograph left this statement as Python because it contains "
            f"{why}, so its condition must be a Python value, but it is traced. Rewrite the "
            f"statement without it (or use lax.cond / lax.while_loop / jnp.where).")
    return value


for _f in (traced, python_true, traced_range):
    _f.__s2s_dispatch__ = True
NONDIFFERENTIABLE.update((traced, python_true, traced_range, python_condition))


class Undefined:
    """The value of a name a converted statement may assign that was not assigned before it
    (a name given a value in one branch only); reading it on the ``lax`` path is an error."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name!r} not assigned yet>"


def require_defined(what, where, /, **values):
    """On the ``lax`` path: every name a converted statement carries must have a value."""
    for name, value in values.items():
        if isinstance(value, Undefined):
            raise ValueError(
                f"{where}: {name!r} must have a value before the {what} (its condition is a "
                f"traced value, so the statement becomes lax control flow, in which every "
                f"branch and every iteration gives {name!r} a value of the same type). Assign "
                f"{name!r} before the statement{' or in both branches' if what == 'if' else ''}.")
