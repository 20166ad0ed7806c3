"""``jit`` and ``make_jaxpr``: the stage transform, tracing, lowering, compilation and dispatch.

A call goes: split static from dynamic arguments -> the staged function for the static values
(``s2s/stage.py``: statics substituted into the source and folded, written by ``codegen``) ->
trace it on tracers for the dynamic leaves' avals (``runtime/tracing.py``) -> lower the IR to
StableHLO -> compile (``lowering/backend.py``) -> execute. Each step's result is cached: staged
functions by static values; executables by (static values, input tree, avals incl. weak type,
device). A call that hits the cache with only arrays as positional arguments takes a short path:
one dict lookup keyed by the avals, then the executable runs on the buffers.
"""
import functools
import inspect
import types

import numpy as np

from s2s.lowering import backend
from s2s.lowering.stablehlo import lower as _lower_jaxpr
from s2s.runtime import core, tracing
from s2s.runtime.core import Array, ArrayImpl, Tracer
from s2s.runtime.tree_util import _node, for_staging, tree_flatten, tree_map, tree_unflatten
from s2s import codegen
from s2s.errors import TransformError
from s2s.parse import parse
from s2s.stage import stage

_trace_stack = core._trace_stack


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (int, str)):
        return (x,)
    return tuple(x)


class _Entry:
    """A compiled executable with its constants and how to rebuild the output tree."""

    __slots__ = ("execute", "handlers", "out_avals", "device", "const_bufs", "unflatten",
                 "executable", "lowering")

    def __init__(self, executable, const_bufs, out_tree, device, lowering):
        self.executable = executable
        self.execute = executable.exe.execute_sharded
        self.handlers = executable.handlers
        self.out_avals = executable.out_avals
        self.device = device
        self.const_bufs = list(const_bufs)
        self.lowering = lowering
        if out_tree.kind == "leaf":
            self.unflatten = _first
        elif out_tree.kind is tuple and all(c.kind == "leaf" for c in out_tree.children):
            self.unflatten = tuple
        else:
            self.unflatten = functools.partial(tree_unflatten, out_tree)

    def run(self, bufs):
        if self.const_bufs:
            bufs = self.const_bufs + bufs
        outs = self.execute(bufs).consume_with_handlers(self.handlers)
        dev = self.device
        return self.unflatten([ArrayImpl(b, a, dev) for b, a in zip(outs, self.out_avals)])


def _first(xs):
    return xs[0]


class _Lowering:
    """The result of staging + tracing + lowering one call signature."""

    def __init__(self, jaxpr, out_tree, staged, device, name):
        self.jaxpr, self.out_tree, self.staged, self.device = jaxpr, out_tree, staged, device
        self.name = name
        self._text = None

    @property
    def embedded(self):
        """Closed-over arrays become constants of the program (as in JAX), unless they are
        tracers of another trace or too large to write into the program text."""
        consts = self.jaxpr.consts
        return all(isinstance(c, ArrayImpl) for c in consts) and \
            sum(c.size for c in consts) <= _EMBED_LIMIT

    @property
    def text(self):
        if self._text is None:
            values = [np.asarray(c) for c in self.jaxpr.consts] if self.embedded else None
            self._text = _lower_jaxpr(self.jaxpr, self.name, values)
        return self._text

    def compile(self):
        exe = backend.compile(self.text, tuple(self.jaxpr.out_avals), self.device)
        if self.embedded:
            return _Entry(exe, [], self.out_tree, self.device, self)
        consts = []
        for c in self.jaxpr.consts:
            if isinstance(c, Tracer):
                raise TypeError("cannot compile a program closed over tracers of another trace")
            if c._device is not self.device:
                c = ArrayImpl(backend.device_put(np.asarray(c), c.aval, self.device), c.aval,
                              self.device)
            consts.append(c._buf)
        return _Entry(exe, consts, self.out_tree, self.device, self)


_EMBED_LIMIT = 1 << 22  # elements of closed-over arrays written into the program text


def _mlir_name(name):
    s = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    return f"jit_{s}"


class Jitted:
    """The callable ``jit`` returns (behaves like the wrapped function, but staged)."""

    def __init__(self, fun, static_argnums=(), static_argnames=(), donate_argnums=(),
                 donate_argnames=(), control_flow=None):
        if not callable(fun):
            raise TypeError(f"Expected a callable value, got {fun!r}")
        if control_flow not in (None, "convert"):
            raise ValueError(f"jit: control_flow must be None or 'convert', got "
                             f"{control_flow!r}")
        if control_flow == "convert":  # Python control flow on tracers -> lax (autograph.py)
            from s2s.autograph import autograph
            fun = autograph(fun)
        self.control_flow = control_flow
        self._fun = fun
        functools.update_wrapper(self, fun, updated=())
        self.__wrapped__ = fun
        static_argnums = tuple(int(i) for i in _as_tuple(static_argnums))
        static_argnames = tuple(_as_tuple(static_argnames))
        self._donate_argnums = tuple(_as_tuple(donate_argnums))
        try:
            # a transformed function's own signature: following its __wrapped__ generates code
            sig = getattr(fun, "__signature__", None) or inspect.signature(fun)
        except (TypeError, ValueError):
            sig = None
        pos_names, has_varargs, self._vararg_name = [], False, "args"
        if sig is not None:
            for p in sig.parameters.values():
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                    pos_names.append(p.name)
                elif p.kind == p.VAR_POSITIONAL:
                    has_varargs, self._vararg_name = True, p.name
            if not has_varargs:
                for i in static_argnums:
                    if i >= len(pos_names) or i < -len(pos_names):
                        raise ValueError(
                            f"Jitted function has static_argnums={static_argnums}, but only "
                            f"accepts {len(pos_names)} positional arguments.")
                static_argnums = tuple(i % len(pos_names) if i < 0 else i
                                       for i in static_argnums)
            # as JAX: static_argnums and static_argnames name the same parameters both ways
            kw_ok = {p.name for p in sig.parameters.values()
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            names = set(static_argnames)
            names |= {pos_names[i] for i in static_argnums
                      if 0 <= i < len(pos_names) and pos_names[i] in kw_ok}
            if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
                invalid = set(static_argnames) - kw_ok
                if invalid:
                    raise ValueError(f"Jitted function has invalid argnames {invalid} in "
                                     f"static_argnames. Function does not take these args.")
            nums = set(static_argnums)
            nums |= {pos_names.index(n) for n in static_argnames if n in pos_names}
            static_argnums, static_argnames = tuple(sorted(nums)), tuple(sorted(names))
        self._pos_names = pos_names
        self._sig = sig
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        self._static_nums = frozenset(static_argnums)
        self._static_names = frozenset(static_argnames)
        self._has_static = bool(static_argnums or static_argnames)
        self._cache = {}
        self._fast = {}
        self._staged = {}
        self._neg_static = any(i < 0 for i in static_argnums)

    def s2s_fingerprint(self, pins):
        from s2s.cache import fingerprint
        return ("jit", self.static_argnums, self.static_argnames, fingerprint(self._fun, pins))

    # ---- descriptor: @jit on a method ---------------------------------------------------------
    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def __repr__(self):
        return f"<s2s.jit of {self._fun!r}>"

    # ---- calling ------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not kwargs and not _trace_stack:
            try:
                entry = self._fast[tuple([a.aval for a in args])]
                bufs = [a._buf for a in args]
            except (KeyError, AttributeError, TypeError):
                pass
            else:
                dev = entry.device
                for a in args:
                    if a._device is not dev:
                        break
                else:
                    return entry.run(bufs)
        return self._call(args, kwargs)

    def _split(self, args, kwargs):
        """-> (dynamic args, dynamic kwargs, static key)."""
        if not self._has_static:
            return args, kwargs, ((), ())
        nums = self._static_nums
        if self._neg_static:
            nums = frozenset(i % len(args) if i < 0 else i for i in nums) if args else nums
        static_pos = tuple((i, type(args[i]), args[i]) for i in sorted(nums) if i < len(args))
        dyn_args = tuple(a for i, a in enumerate(args) if i not in nums)
        static_kw = tuple(sorted((k, type(v), v) for k, v in kwargs.items()
                                 if k in self._static_names))
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self._static_names}
        key = (static_pos, static_kw)
        try:
            hash(key)
        except TypeError:
            for _, _, v in static_pos + static_kw:
                try:
                    hash(v)
                except TypeError as e:
                    raise ValueError(
                        f"Non-hashable static arguments are not supported. An error occurred "
                        f"while trying to hash an object of type {type(v)}, {v}. The error "
                        f"was:\nTypeError: {e}\n") from None
            raise
        return dyn_args, dyn_kwargs, key

    def _call(self, args, kwargs):
        dyn_args, dyn_kwargs, skey = self._split(args, kwargs)
        if _trace_stack and core.current_trace() is not None:
            return self._inline(dyn_args, dyn_kwargs, skey)
        if self._has_static and not dyn_kwargs:  # statics + array args: one lookup
            try:
                entry = self._fast[(skey, tuple([a.aval for a in dyn_args]))]
                bufs = [a._buf for a in dyn_args]
            except (KeyError, AttributeError):
                pass
            else:
                if all(a._device is entry.device for a in dyn_args):
                    return entry.run(bufs)
        dyn_args, dyn_kwargs = for_staging((dyn_args, dyn_kwargs))
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = self._avals(leaves, dyn_args, dyn_kwargs, skey)
        device = _device_of(leaves)
        key = (skey, in_tree, tuple(avals), device)
        entry = self._cache.get(key)
        if entry is None:
            lowering = self._trace(skey, dyn_args, dyn_kwargs, leaves, in_tree, avals, device)
            entry = self._cache[key] = lowering.compile()
        bufs = _buffers(leaves, avals, device)
        if not dyn_kwargs and all(type(a) is ArrayImpl for a in dyn_args):
            self._fast[(skey, tuple(avals)) if self._has_static else tuple(avals)] = entry
        return entry.run(bufs)

    def _avals(self, leaves, dyn_args, dyn_kwargs, skey):
        avals = []
        for i, x in enumerate(leaves):
            try:
                avals.append(tracing.aval_of(x))
            except TypeError:
                if isinstance(x, Array):
                    raise
                paths = self._leaf_paths(dyn_args, dyn_kwargs, skey)
                path = paths[i] if paths and i < len(paths) else f"leaf {i}"
                raise TypeError(
                    f"Error interpreting argument to {self._fun!r} as an abstract array. The "
                    f"problematic value is of type {type(x)} and was passed to the function at "
                    f"path {path}.\nThis typically means that a jit-wrapped function was called "
                    f"with a non-array argument, and this argument was not marked as static "
                    f"using the static_argnums or static_argnames parameters of jax.jit."
                ) from None
        return avals

    def _inline(self, dyn_args, dyn_kwargs, skey):
        """Called while another function is being traced: trace through (no nested program)."""
        from s2s.runtime.numpy.util import to_array
        fn = self._staged_fn(skey)
        conv = lambda x: x if isinstance(x, Array) else to_array(x)  # noqa: E731
        dyn_args, dyn_kwargs = tree_map(conv, (tuple(dyn_args), dyn_kwargs))
        return tree_map(conv, fn(*dyn_args, **dyn_kwargs))

    # ---- staging ------------------------------------------------------------------------------
    def _staged_fn(self, skey):
        fn = self._staged.get(skey)
        if fn is None:
            fn = self._staged[skey] = self._make_staged(skey)
        return fn

    def _make_staged(self, skey):
        static_pos, static_kw = skey
        if not static_pos and not static_kw:
            return self._fun
        statics = {}
        ok = True
        for i, _, v in static_pos:
            if i < len(self._pos_names):
                statics[self._pos_names[i]] = v
            else:
                ok = False
        for k, _, v in static_kw:
            statics[k] = v
        if ok:
            try:
                parsed = parse(self._fun)
                fdef, free = stage(parsed, statics)
                shown = ", ".join(f"{k}={v!r}" for k, v in statics.items())
                header = (f"s2s.jit: {parsed.fun.__qualname__} ({parsed.where}) staged with "
                          f"static {shown}")
                fn = codegen.load(fdef, parsed.globals, free, header=header,
                                  qualname=parsed.fun.__qualname__)
                fn.__s2s_original__ = self._fun
                if parsed.bound_args or parsed.bound_kwargs:
                    fn = functools.partial(fn, *parsed.bound_args, **parsed.bound_kwargs)
                return fn
            except (TransformError, SyntaxError):
                pass
        fun = self._fun

        def with_statics(*dyn, **dkw):  # no source transform possible: pass the values in
            args = list(dyn)
            for i, _, v in static_pos:
                args.insert(i, v)
            dkw.update({k: v for k, _, v in static_kw})
            return fun(*args, **dkw)
        return with_statics

    def _leaf_paths(self, dyn_args, dyn_kwargs, skey):
        """Names of the flat argument leaves as JAX's messages give them (``x``, ``p['w']``)."""
        static_idx = {i for i, _, _ in skey[0]}
        names = []
        for i in range(len(dyn_args) + len(static_idx)):
            if i in static_idx:
                continue
            names.append(self._pos_names[i] if i < len(self._pos_names) else
                         f"{self._vararg_name}[{i - len(self._pos_names)}]")
        out = []
        for name, a in zip(names, dyn_args):
            _paths(a, name, out)
        for k in sorted(dyn_kwargs):
            _paths(dyn_kwargs[k], k, out)
        return out

    def _trace(self, skey, dyn_args, dyn_kwargs, leaves, in_tree, avals, device,
               transform="jit"):
        fn = self._staged_fn(skey)
        paths = self._leaf_paths(dyn_args, dyn_kwargs, skey)
        if len(paths) != len(leaves):
            paths = None
        debug = tracing.DebugInfo.of(self._fun, transform, paths)
        jaxpr, out_tree = tracing.trace(fn, in_tree, avals, debug)
        return _Lowering(jaxpr, out_tree, fn, device, _mlir_name(debug.name))

    # ---- AOT ----------------------------------------------------------------------------------
    def lower(self, *args, **kwargs):
        dyn_args, dyn_kwargs, skey = self._split(args, kwargs)
        dyn_args, dyn_kwargs = for_staging((dyn_args, dyn_kwargs))
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = self._avals(leaves, dyn_args, dyn_kwargs, skey)
        device = _device_of(leaves)
        lowering = self._trace(skey, dyn_args, dyn_kwargs, leaves, in_tree, avals, device)
        return Lowered(lowering, in_tree, avals)

    def trace(self, *args, **kwargs):
        return self.lower(*args, **kwargs)

    def eval_shape(self, *args, **kwargs):
        return self.lower(*args, **kwargs).out_info

    def _cache_size(self):
        return len(self._cache)

    def clear_cache(self):
        self._cache.clear()
        self._fast.clear()
        self._staged.clear()


def _paths(x, prefix, out):
    n = _node(x)
    if n == "leaf":
        out.append(prefix)
        return
    kind, aux, children = n
    if kind is dict:
        for k, c in zip(aux, children):
            _paths(c, f"{prefix}[{k!r}]", out)
    elif isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields"):
        for f, c in zip(kind._fields, children):
            _paths(c, f"{prefix}.{f}", out)
    else:
        for i, c in enumerate(children):
            _paths(c, f"{prefix}[{i}]", out)


def _device_of(leaves):
    for x in leaves:
        if type(x) is ArrayImpl:
            return x._device
    return backend.default_device()


def _buffers(leaves, avals, device):
    bufs = []
    for x, aval in zip(leaves, avals):
        if type(x) is ArrayImpl or isinstance(x, ArrayImpl):
            if x._device is not device:
                x = ArrayImpl(backend.device_put(np.asarray(x), x.aval, device), x.aval, device)
            bufs.append(x._buf)
        elif aval.ndim == 0 and isinstance(x, (bool, int, float, complex, np.generic)):
            bufs.append(core.scalar(x, aval.dtype, aval.weak_type)._buf)
        elif isinstance(x, Tracer):
            raise TypeError(f"cannot execute a compiled function on a tracer {x!r}")
        else:
            val = np.asarray(x.__jax_array__() if hasattr(x, "__jax_array__") else x,
                             aval.dtype)
            bufs.append(backend.device_put(np.require(val, requirements="C"), aval, device))
    return bufs


class Lowered:
    """``jit(f).lower(*args)``: the traced and lowered program for one signature."""

    def __init__(self, lowering, in_tree, in_avals):
        self._lowering = lowering
        self.in_tree = in_tree
        self.in_avals = tuple(in_avals)

    @property
    def staged(self):
        """The function that was traced: the source-specialised one when there are statics."""
        return self._lowering.staged

    @property
    def jaxpr(self):
        return ClosedJaxpr(self._lowering.jaxpr)

    @property
    def out_tree(self):
        return self._lowering.out_tree

    @property
    def out_info(self):
        from s2s.runtime.tree_util import tree_unflatten as unflat
        from s2s.shape_dtype import ShapeDtypeStruct
        return unflat(self._lowering.out_tree,
                      [ShapeDtypeStruct.of(a) for a in self._lowering.jaxpr.out_avals])

    def as_text(self, dialect=None, *, debug_info=False):
        return self._lowering.text

    def compiler_ir(self, dialect=None):
        return self._lowering.text

    def compile(self, compiler_options=None):
        return Compiled(self._lowering.compile(), self.in_tree, self.in_avals)


class Compiled:
    """``jit(f).lower(*args).compile()``: call it with the dynamic arguments only."""

    def __init__(self, entry, in_tree, in_avals):
        self._entry, self.in_tree, self.in_avals = entry, in_tree, tuple(in_avals)

    def __call__(self, *args, **kwargs):
        leaves, tree = tree_flatten((args, kwargs))
        if tree != self.in_tree:
            raise TypeError(f"Function compiled with input pytree does not match the input "
                            f"pytree it was called with: compiled for {self.in_tree}, called "
                            f"with {tree}.")
        avals = [tracing.aval_of(x) for x in leaves]
        for a, b in zip(avals, self.in_avals):
            if (a.shape, a.dtype) != (b.shape, b.dtype):
                raise TypeError(f"Argument types differ from the types for which this "
                                f"computation was compiled: got {a.str_short()}, compiled for "
                                f"{b.str_short()}.")
        return self._entry.run(_buffers(leaves, self.in_avals, self._entry.device))

    def as_text(self):
        return self._entry.executable.text

    @property
    def out_tree(self):
        return self._entry.lowering.out_tree


class ClosedJaxpr:
    """What ``make_jaxpr`` returns: the IR and its constants; prints as JAX's jaxprs do."""

    def __init__(self, jaxpr):
        self.jaxpr = jaxpr
        self.consts = list(jaxpr.consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)
    literals = property(lambda self: self.consts)

    def pretty_print(self, **kwargs):
        return self.jaxpr.pretty()

    def __str__(self):
        return self.jaxpr.pretty()

    __repr__ = __str__


def jit(fun=None, *, static_argnums=(), static_argnames=(), donate_argnums=(),
        donate_argnames=(), inline=False, keep_unused=False, device=None, backend=None,
        in_shardings=None, out_shardings=None, abstracted_axes=None, compiler_options=None,
        control_flow=None):
    """Stage ``fun`` for XLA: static arguments are folded into its source, the rest traced;
    executables are cached by (static values, argument avals). ``control_flow="convert"``
    (s2s only) first converts Python ``if``/``while``/``for`` on traced values into lax
    control flow (``s2s.autograph``); by default they raise jax's errors."""
    if fun is None:  # @jit(static_argnums=...) style
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, donate_argnums=donate_argnums,
                                 donate_argnames=donate_argnames, control_flow=control_flow)
    return Jitted(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                  control_flow)


def make_jaxpr(fun, static_argnums=(), axis_env=None, return_shape=False, abstracted_axes=None):
    """``make_jaxpr(f)(*args)`` -> the ``ClosedJaxpr`` of ``f`` traced at ``args``' avals."""
    j = Jitted(fun, static_argnums=static_argnums)

    @functools.wraps(fun)
    def make(*args, **kwargs):
        dyn_args, dyn_kwargs, skey = j._split(args, kwargs)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = j._avals(leaves, dyn_args, dyn_kwargs, skey)
        lowering = j._trace(skey, dyn_args, dyn_kwargs, leaves, in_tree, avals,
                            None, transform="make_jaxpr")
        closed = ClosedJaxpr(lowering.jaxpr)
        if return_shape:
            return closed, tree_unflatten(lowering.out_tree, list(lowering.jaxpr.out_avals))
        return closed
    return make
