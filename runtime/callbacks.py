"""Python called from programs: ``debug.callback``, ``debug.print`` and ``pure_callback``.

Each flattens its arguments; array-like leaves are operands of a ``debug_callback`` /
``pure_callback`` primitive (``lowering/ops/callbacks.py``), the rest (strings, None, ...) stay
in Python. Staged, XLA calls the function with the operands' run-time values, which arrive
as arrays again (on the CPU device, not weakly typed: what a program passes out); eagerly,
``debug`` functions simply run and ``pure_callback`` runs as a one-op program, as JAX does.
"""
import contextlib
import functools
import string
import sys
import threading

import numpy as np

from s2s.lowering import backend
from s2s.lowering.ops.callbacks import HostCallback
from s2s.runtime import core, dtypes
from s2s.runtime.core import Array, Tracer
from s2s.runtime.tree_util import for_staging, tree_flatten, tree_leaves, tree_unflatten

VMAP_METHODS = ["sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                "legacy_vectorized", None]
NO_JVP = ("Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use callbacks "
          "while taking gradients.")


def is_operand(x):
    return isinstance(x, (Array, np.ndarray, np.generic, bool, int, float, complex)) or \
        hasattr(x, "__jax_array__")


def _split(args, kwargs, staged=True):
    """``(args, kwargs)`` -> (operands, layout): the layout (tree, operand positions, the
    other leaves) holds no operand, so a callback keeping it keeps no tracer or array alive.
    Staged, typed PRNG keys count as their data (what a program can pass to Python)."""
    leaves, tree = tree_flatten(for_staging((args, kwargs)) if staged else (args, kwargs))
    where = tuple(i for i, x in enumerate(leaves) if is_operand(x))
    rest = tuple(None if i in where else x for i, x in enumerate(leaves))
    return [leaves[i] for i in where], (tree, where, rest)


def _rebuild(layout, values):
    """``(args, kwargs)`` of ``layout`` around new operand values."""
    tree, where, rest = layout
    leaves = list(rest)
    for i, v in zip(where, values):
        leaves[i] = v
    return tree_unflatten(tree, leaves)


def _staged(args, kwargs):
    return core.current_trace() is not None or any(
        isinstance(x, Tracer) for x in tree_leaves(for_staging((args, kwargs))))


_host_callbacks = {}


def _host_callback(key, make, name):
    """One ``HostCallback`` per behaviour (the function, the arguments' structure and static
    values, the result avals): a program traced again with it (an eager loop body, each eager
    ``pure_callback``) is the same program text, so its executable is reused."""
    try:
        hit = _host_callbacks.get(key)
    except TypeError:  # (unhashable static arguments)
        return HostCallback(make(), name)
    if hit is None:
        hit = HostCallback(make(), name)
        core.bounded_put(_host_callbacks, key, hit, 1024)
    return hit


def _cpu():
    return backend.devices("cpu")[0]


def _from_host(values):
    """What a program hands to Python: arrays on the CPU device (XLA's buffers are valid only
    during the call, so they are copied)."""
    return [core.put(np.array(v), device=_cpu()) for v in values]


def _name(fn):
    return getattr(fn, "__name__", None) or type(fn).__name__


_recomputing = threading.local()


@contextlib.contextmanager
def recomputing():
    """Debug callbacks do nothing inside: derivative code that runs a function again after its
    primal run (a vjp's pullback, nested Jacobians) shows its values once, as jax does."""
    before = getattr(_recomputing, "on", False)
    _recomputing.on = True
    try:
        yield
    finally:
        _recomputing.on = before


def debug_callback(callback=None, *args, ordered=False, partitioned=False, **kwargs):
    """Call ``callback(*args, **kwargs)`` with the run-time values of array arguments; inside a
    staged program, when the program runs. ``debug_callback(ordered=...)`` returns the
    function taking the callback (JAX's two-call form)."""
    if callback is None:
        if args or kwargs:
            raise TypeError(f"debug_callback received unexpected arguments in the two-call "
                            f"form: {args=} {kwargs=}")
        return lambda cb, *a, **k: debug_callback(cb, *a, ordered=ordered,
                                                  partitioned=partitioned, **k)
    if not callable(callback):
        raise TypeError(f"first argument to jax.debug.callback must be callable, but got an "
                        f"object of type {type(callback)}")
    if getattr(_recomputing, "on", False):
        return None
    if not _staged(args, kwargs):
        operands, layout = _split(args, kwargs, staged=False)
        a, k = _rebuild(layout, [x if isinstance(x, Array) else _asarray(x) for x in operands])
        callback(*a, **k)
        return None
    operands, layout = _split(args, kwargs)

    def make():
        def host(*values):
            a, k = _rebuild(layout, _from_host(values))
            callback(*a, **k)
            return ()
        return host
    core.bind("debug_callback", *operands, callback=_host_callback(
        ("debug", callback, layout), make, _name(callback)))
    return None


def _asarray(x):
    from s2s.runtime.numpy import asarray
    return asarray(x.__jax_array__() if hasattr(x, "__jax_array__") else x)


class _FormatCheck(string.Formatter):
    """``str.format``'s argument lookup without formatting: missing arguments raise as
    ``format`` would, unused ones raise JAX's errors."""

    def format_field(self, value, format_spec):
        return ""

    def check_unused_args(self, used_args, args, kwargs):
        unused = [a for i, a in enumerate(args) if i not in used_args]
        if unused:
            raise ValueError(f"Unused positional arguments to `jax.debug.print`: {unused}")
        unused_kw = [k for k in kwargs if k not in used_args]
        if unused_kw:
            raise ValueError(f"Unused keyword arguments to `jax.debug.print`: {unused_kw}. You "
                             f"may be passing an f-string (i.e, `f\"{{x}}\"`) into "
                             f"`jax.debug.print` and instead should pass in a regular string.")


def debug_print(fmt=None, *args, ordered=False, partitioned=False, skip_format_check=False,
                **kwargs):
    """``print(fmt.format(*args, **kwargs))`` with run-time values, under NumPy's print
    options of the call; without placeholders in ``fmt``, the arguments follow it."""
    if fmt is None:
        if args or kwargs:
            raise TypeError(f"debug_print received unexpected arguments in the two-call form: "
                            f"{args=} {kwargs=}")
        return lambda f, *a, **k: debug_print(f, *a, ordered=ordered, partitioned=partitioned,
                                              skip_format_check=skip_format_check, **k)
    if not isinstance(fmt, str):
        raise TypeError(f"expected str, got {type(fmt).__name__}")
    if not skip_format_check:
        _FormatCheck().format(fmt, *args, **kwargs)
    placeholders = bool(fmt) and next(iter(string.Formatter().parse(fmt)))[1] is not None
    options = tuple(np.get_printoptions().items())
    try:
        write = _writer(fmt, placeholders, options)
    except TypeError:  # (unhashable print options: a formatter dict)
        write = _writer.__wrapped__(fmt, placeholders, options)
    debug_callback(write, *args, ordered=ordered, partitioned=partitioned, **kwargs)


@functools.lru_cache(maxsize=1024)
def _writer(fmt, placeholders, options):
    """The function ``debug_print`` calls back (one per format and print options, so a print
    traced again is the same program)."""
    def debug_print(*a, **k):
        if placeholders:
            with np.printoptions(**dict(options)):
                msg = fmt.format(*a, **k)
        else:
            msg = " ".join([fmt, *map(str, a)])
        sys.stdout.write(msg + "\n")
    return debug_print


def result_avals(result_shape_dtypes):
    """The avals (and their tree) ``result_shape_dtypes`` declares; 64-bit dtypes only with
    x64 on, as JAX requires."""
    leaves, tree = tree_flatten(result_shape_dtypes)
    avals = []
    for s in leaves:
        dtype = np.dtype(s.dtype)
        if dtypes.canonicalize(dtype) != dtype:
            raise ValueError("result_shape_dtypes cannot specify 64-bit types when "
                             "`jax_enable_x64` is disabled")
        avals.append(core.ShapedArray(tuple(s.shape), dtype,
                                      bool(getattr(s, "weak_type", False))))
    return tuple(avals), tree


def pure_callback(callback, result_shape_dtypes, *args, sharding=None, vmap_method=None,
                  **kwargs):
    """``callback(*args, **kwargs)`` (a pure function of NumPy-convertible values) as an
    operation of the program, returning values of ``result_shape_dtypes``' shapes and dtypes.
    Transforms may call it any number of times or not at all; it has no derivative."""
    if vmap_method not in VMAP_METHODS:
        raise ValueError(f"vmap_method must be on of the allowed methods {VMAP_METHODS}, but "
                         f"got: {vmap_method}")
    avals, out_tree = result_avals(result_shape_dtypes)
    operands, layout = _split(args, kwargs)
    for i, x in enumerate(layout[2]):
        if i not in layout[1]:
            raise TypeError(f"Error interpreting argument to pure_callback as a JAX value. The "
                            f"problematic value is of type {type(x)} and was passed to "
                            f"pure_callback at position {i}.\n")

    def make():
        def host(*values):
            a, k = _rebuild(layout, _from_host(values))
            return _check_results(tree_leaves(callback(*a, **k)), avals)
        return host
    hc = _host_callback(("pure", callback, layout, avals), make, _name(callback))
    outs = core.bind("pure_callback", *[x if isinstance(x, Array) else _asarray(x)
                                        for x in operands],
                     callback=hc, result_avals=avals, vmap_method=vmap_method)
    return tree_unflatten(out_tree, list(outs))


def _check_results(outs, avals):
    """``outs`` as the NumPy arrays XLA takes, after JAX's checks of their number, shapes and
    (canonical) dtypes."""
    if len(outs) != len(avals):
        raise RuntimeError(f"Mismatched number of outputs from callback. Expected: "
                           f"{len(avals)}, Actual: {len(outs)}")
    vals = []
    for i, (v, aval) in enumerate(zip(outs, avals)):
        v = np.asarray(v)
        v = v.astype(dtypes.canonicalize(v.dtype), copy=False)
        if v.shape != aval.shape:
            raise RuntimeError(f"Incorrect output shape for return value #{i}: Expected: "
                               f"{aval.shape}, Actual: {v.shape}")
        if v.dtype != aval.dtype:
            raise RuntimeError(f"Incorrect output dtype for return value #{i}: Expected: "
                               f"{aval.dtype}, Actual: {v.dtype}")
        vals.append(v)
    return tuple(vals)
