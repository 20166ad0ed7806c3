"""Staging: run a Python function on tracers and record every primitive it binds as an equation.

``JaxprTrace`` is the one kind of trace (see ``docs/design.md``): while it is on
``core._trace_stack`` every ``bind`` appends an ``Eqn`` to it. Operands that are not its own
tracers are turned into program inputs: rank-0 concrete arrays (``x + 1``'s scalar) become
literals, other concrete arrays closed over by the function become constvars whose buffers are
passed at execution, tracers of an enclosing live trace become constvars too (closure conversion
for nested traces). A tracer whose trace has finished is a leak and raises
``UnexpectedTracerError`` wherever it is used.

Errors raised on tracers name the traced function, its file:line and the arguments the offending
value depends on (found by walking the equations back to the inputs), as JAX's messages do.
"""
import threading

import numpy as np

from s2s.lowering.core import Eqn, Jaxpr, Literal, ShapedArray, Var
from s2s.runtime import core, dtypes
from s2s.runtime.core import Array, ArrayImpl, Tracer
from s2s.runtime.errors import (ConcretizationTypeError, TracerArrayConversionError,
                                TracerBoolConversionError, TracerIntegerConversionError,
                                UnexpectedTracerError)

_URL = "https://docs.jax.dev/en/latest/errors.html"


def _dims(aval):
    return f"{np.dtype(aval.dtype).name}[{','.join(str(d) for d in aval.shape)}]"


class JitTracer(Tracer):
    """A staged value: an aval and the variable of the trace that computes it."""

    __slots__ = ("_var",)

    def __init__(self, trace, var):
        self._trace = trace
        self._var = var
        self.aval = var.aval

    def __repr__(self):
        a = self.aval
        return (f"JitTracer({'~' if a.weak_type else ''}{np.dtype(a.dtype).name}"
                f"[{','.join(str(d) for d in a.shape)}])")

    __str__ = __repr__

    def __format__(self, spec):
        return format(repr(self), spec)

    def _error_repr(self):
        return f"traced array with shape {_dims(self.aval)}"

    def _check_concrete(self, what):
        trace = self._trace
        if not trace.alive:
            raise trace.leak_error(self)
        origin = trace.origin_msg(self)
        if what == "bool":
            raise TracerBoolConversionError(
                f"Attempted boolean conversion of {self._error_repr()}.\n{origin}"
                f"See {_URL}#jax.errors.TracerBoolConversionError")
        if what == "index":
            raise TracerIntegerConversionError(
                f"The __index__() method was called on {self._error_repr()}\n{origin}"
                f"See {_URL}#jax.errors.TracerIntegerConversionError")
        raise ConcretizationTypeError(
            f"Abstract tracer value encountered where concrete value is expected: "
            f"{self._error_repr()}\nThe problem arose with the `{what}` function. If trying to "
            f"convert the data type of a value, try using `x.astype({what})` or "
            f"`jnp.array(x, {what})` instead.\n{origin}\n"
            f"See {_URL}#jax.errors.ConcretizationTypeError")

    def __array__(self, dtype=None, copy=None):
        trace = self._trace
        if not trace.alive:
            raise trace.leak_error(self)
        raise TracerArrayConversionError(
            f"The numpy.ndarray conversion method __array__() was called on "
            f"{self._error_repr()}\n{trace.origin_msg(self)}"
            f"See {_URL}#jax.errors.TracerArrayConversionError")

    def tolist(self):
        return self.__array__()

    def block_until_ready(self):
        return self


class DebugInfo:
    """What error messages say about the traced function: its name, file:line, the transform
    (``jit``, ``make_jaxpr``) and the name of each flat argument."""

    __slots__ = ("name", "where", "transform", "arg_names")

    def __init__(self, name, where, transform, arg_names=None):
        self.name, self.where, self.transform, self.arg_names = name, where, transform, arg_names

    @classmethod
    def of(cls, fun, transform, arg_names=None):
        import functools
        import inspect
        f = fun
        while isinstance(f, functools.partial):
            f = f.func
        try:
            f = inspect.unwrap(f)
        except ValueError:
            pass
        name = getattr(f, "__name__", type(f).__name__)
        code = getattr(getattr(f, "__func__", f), "__code__", None)
        where = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "<unknown>"
        return cls(name, where, transform, arg_names)


class JaxprTrace:
    """Records the equations of one staged function."""

    def __init__(self, debug, literals="rank-0"):
        self.debug = debug
        # which concrete operands become literals: every rank-0 array, or (for the bodies of
        # control flow, traced again on every eager call) only the cached Python-scalar arrays,
        # so that closing over another value reuses the compiled program
        self.literals = literals
        self.eqns = []
        self.invars = []
        self.arg_names = {}    # invar -> name of the argument it stands for
        self.constvars = []
        self.consts = []       # concrete arrays (or outer tracers) behind the constvars
        self._const_ids = {}   # id(value) -> var (the value is kept alive by self.consts)
        self.alive = True
        self.thread = threading.get_ident()

    # -- building -------------------------------------------------------------------------------
    def new_arg(self, aval, name=None):
        var = Var(aval)
        self.invars.append(var)
        if name is not None:
            self.arg_names[var] = name
        return JitTracer(self, var)

    def bind(self, prim, args, params):
        if not self.alive:
            raise self.leak_error(next((a for a in args if isinstance(a, Tracer)), None))
        params.pop("device", None)
        invars = [self.atom(a) for a in args]
        out_avals = prim.abstract_eval([v.aval for v in invars], params)
        outvars = [Var(a) for a in out_avals]
        self.eqns.append(Eqn(prim, invars, outvars, params))
        if prim.multiple_results:
            return [JitTracer(self, v) for v in outvars]
        return JitTracer(self, outvars[0])

    def atom(self, x):
        """The Var or Literal standing for operand ``x`` in this trace."""
        if isinstance(x, JitTracer):
            t = x._trace
            if t is self:
                return x._var
            if not t.alive:
                raise t.leak_error(x)
            return self._const(x, x.aval)  # a value of an enclosing trace: closure-converted
        if isinstance(x, ArrayImpl):
            if x.aval.ndim == 0 and (self.literals == "rank-0" or id(x) in core.SCALAR_IDS):
                return Literal(x._value, x.aval)
            return self._const(x, x.aval)
        if isinstance(x, Tracer):
            raise TypeError(f"Unknown tracer type {type(x).__name__}")
        if isinstance(x, (bool, int, float, complex)):
            dtype, weak = dtypes.dtype_and_weak(x)
            return Literal(np.asarray(x, dtype), ShapedArray((), dtype, weak))
        if isinstance(x, (np.ndarray, np.generic)):
            val = np.asarray(x)
            val = val.astype(dtypes.canonicalize(val.dtype), copy=False)
            if val.ndim == 0:
                return Literal(val, ShapedArray((), val.dtype))
            return self._const(core.put(val), ShapedArray(val.shape, val.dtype))
        raise TypeError(f"Value {x!r} with type {type(x)} is not a valid JAX type")

    def _const(self, value, aval):
        var = self._const_ids.get(id(value))
        if var is None:
            var = self._const_ids[id(value)] = Var(aval)
            self.constvars.append(var)
            self.consts.append(value)
        return var

    def to_jaxpr(self, outs):
        """Close the trace over output values ``outs`` (flat list)."""
        outvars = []
        for o in outs:
            if isinstance(o, Array) or isinstance(o, (bool, int, float, complex, np.ndarray,
                                                      np.generic)):
                outvars.append(self.atom(o))
            else:
                raise TypeError(f"Value {o!r} with type {type(o)} is not a valid JAX type")
        return Jaxpr(self.constvars, self.invars, self.eqns, outvars, self.consts)

    # -- errors ---------------------------------------------------------------------------------
    def _arg_deps(self, var):
        producer = {}
        for e in self.eqns:
            for ov in e.outvars:
                producer[ov] = e
        seen, todo, found = set(), [var], set()
        while todo:
            v = todo.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in self.arg_names:
                found.add(v)
            e = producer.get(v)
            if e is not None:
                todo.extend(u for u in e.invars if isinstance(u, Var))
        return [self.arg_names[v] for v in self.invars if v in found]

    def origin_msg(self, tracer):
        d = self.debug
        msg = f"The error occurred while tracing the function {d.name} at {d.where} for " \
              f"{d.transform}."
        deps = self._arg_deps(tracer._var) if isinstance(tracer, JitTracer) else []
        if len(deps) == 1:
            msg += (" This concrete value was not available in Python because it depends on the "
                    f"value of the argument {deps[0]}.")
        elif deps:
            names = ", ".join(deps[:-1]) + f" and {deps[-1]}"
            msg += (" This concrete value was not available in Python because it depends on the "
                    f"values of the arguments {names}.")
        return msg + "\n"

    def leak_error(self, tracer):
        d = self.debug
        what = _dims(tracer.aval) if tracer is not None else "?"
        return UnexpectedTracerError(
            "Encountered an unexpected tracer. A function transformed by JAX had a side effect, "
            f"allowing for a reference to an intermediate value with type {what} wrapped in a "
            "JitTracer to escape the scope of the transformation.\nJAX transformations require "
            "that functions explicitly return their outputs, and disallow saving intermediate "
            f"values to global state.\nThe function being traced when the value leaked was "
            f"{d.name} at {d.where} traced for {d.transform}.\nTo catch the leak earlier, try "
            "setting the environment variable JAX_CHECK_TRACER_LEAKS or using the "
            f"`jax.checking_leaks` context manager.\nSee {_URL}#jax.errors.UnexpectedTracerError")


def trace(fun, in_tree, avals, debug, literals="rank-0"):
    """Run ``fun(*args, **kwargs)`` on tracers of ``avals``, where ``in_tree`` is the treedef of
    ``(args, kwargs)`` -> (Jaxpr, output treedef)."""
    from s2s.runtime.tree_util import for_staging, tree_flatten, tree_unflatten
    t = JaxprTrace(debug, literals)
    names = debug.arg_names or [None] * len(avals)
    tracers = [t.new_arg(a, n) for a, n in zip(avals, names)]
    targs, tkwargs = tree_unflatten(in_tree, tracers)
    core._trace_stack.append(t)
    try:
        out = for_staging(fun(*targs, **tkwargs))
        out_leaves, out_tree = tree_flatten(out)
        jaxpr = t.to_jaxpr(out_leaves)
    finally:
        core._trace_stack.remove(t)
        t.alive = False
    return jaxpr, out_tree


def aval_of(x):
    """The abstract value a jit argument leaf stands for (raises TypeError for non-arrays)."""
    if isinstance(x, Array):
        if isinstance(x, JitTracer) and not x._trace.alive:
            raise x._trace.leak_error(x)
        return x.aval
    if isinstance(x, (bool, int, float, complex)):
        dtype, weak = dtypes.dtype_and_weak(x)
        return ShapedArray((), dtype, weak)
    if isinstance(x, (np.ndarray, np.generic)):
        if x.dtype not in dtypes.SUPPORTED:
            raise TypeError(f"JAX only supports number and bool dtypes, got dtype {x.dtype}")
        return ShapedArray(np.shape(x), dtypes.canonicalize(x.dtype))
    if hasattr(x, "shape") and hasattr(x, "dtype") and not callable(getattr(x, "shape")):
        return ShapedArray(tuple(x.shape), dtypes.canonicalize(np.dtype(x.dtype)),
                           bool(getattr(x, "weak_type", False)))  # ShapeDtypeStruct-likes
    if hasattr(x, "__jax_array__"):
        return aval_of(x.__jax_array__())
    raise TypeError(type(x))


def compiled(fun):
    """Run library function ``fun`` (array arguments; keyword arguments are static) as one XLA
    program when it is called eagerly, as JAX jit-compiles its samplers (op-by-op execution can
    round differently from the fused program); inside a trace it is simply inlined."""
    import functools

    from s2s.lowering import backend
    from s2s.lowering.stablehlo import lower
    from s2s.runtime.tree_util import for_staging, tree_flatten, tree_unflatten
    cache = {}

    @functools.wraps(fun)
    def run(*args, **static):
        leaves, in_tree = tree_flatten((for_staging(args), {}))
        if core.current_trace() is not None or any(isinstance(x, Tracer) for x in leaves):
            return fun(*args, **static)
        device = leaves[0]._device if leaves else backend.default_device()
        key = (in_tree, tuple(x.aval for x in leaves), tuple(sorted(static.items())), device)
        hit = cache.get(key)
        if hit is None:
            jaxpr, out_tree = trace(lambda *a: fun(*a, **static), in_tree,
                                    [x.aval for x in leaves], DebugInfo.of(fun, "jit"))
            exe = backend.compile(lower(jaxpr, fun.__name__.strip("_")),
                                  tuple(jaxpr.out_avals), device)
            hit = cache[key] = (exe, list(jaxpr.consts), out_tree)
        exe, consts, out_tree = hit
        bufs = exe([c._buf for c in consts] + [x._buf for x in leaves])
        return tree_unflatten(out_tree, [ArrayImpl(b, a, device)
                                         for b, a in zip(bufs, exe.out_avals)])
    return run
