"""Host callbacks: ``debug_callback`` (no results, kept for its side effect) and
``pure_callback`` (results of declared avals), both a call of jaxlib's Python CPU callback
(the typed-FFI custom call ``xla_ffi_python_cpu_callback``, registered inside jaxlib).

XLA finds the Python function by position in the list of host callbacks the executable is
compiled with. Program text must stay a pure function of the program (the compile cache is
keyed by it), so the emitter writes each callback's process-wide id (``register``) and
``backend.compile`` renumbers the ids of a program into positions of that list.
"""
import itertools
import weakref

from s2s.lowering.core import def_primitive

CALL_TARGET = "xla_ffi_python_cpu_callback"

# id -> HostCallback; weak: a callback lives as long as a program (jaxpr, executable) holds it
CALLBACKS = weakref.WeakValueDictionary()
_ids = itertools.count()


class HostCallback:
    """``fn(*numpy_arrays) -> tuple of numpy arrays`` as a primitive's param: hashed and
    compared by identity (it keys the eager cache), printed by the name of what it runs."""

    __slots__ = ("fn", "name", "id", "__weakref__")

    def __init__(self, fn, name):
        self.fn, self.name = fn, name
        self.id = next(_ids)
        CALLBACKS[self.id] = self

    def __call__(self, *arrays):
        return self.fn(*arrays)

    def __repr__(self):
        return self.name


def _emit(ctx, operands, in_avals, out_avals, *, callback, side_effect):
    return ctx.op("stablehlo.custom_call", operands, in_avals, out_avals,
                  f'call_target_name = "{CALL_TARGET}", api_version = 4 : i32, '
                  f"has_side_effect = {'true' if side_effect else 'false'}, "
                  f"backend_config = {{index = {callback.id} : ui64}}")


def _debug_rule(*avals, callback):
    return ()


def _debug_emit(ctx, operands, in_avals, out_avals, *, callback):
    _emit(ctx, operands, in_avals, out_avals, callback=callback, side_effect=True)
    return []


def _pure_rule(*avals, callback, result_avals, vmap_method):
    return result_avals


def _pure_emit(ctx, operands, in_avals, out_avals, *, callback, result_avals, vmap_method):
    return _emit(ctx, operands, in_avals, out_avals, callback=callback, side_effect=False)


def_primitive("debug_callback", _debug_rule, _debug_emit, multiple_results=True)
def_primitive("pure_callback", _pure_rule, _pure_emit, multiple_results=True)
