"""A function's parameters as one call binds them: the first step of every transformation.

A derivative is generated for a *call shape*: how many positional arguments the caller passes
and which keywords. ``bind_call_shape`` rewrites the function's definition so that its
parameters are exactly those: ``nargs`` positional parameters, then the keyword arguments as
keyword-only parameters. Everything else is bound at the top of the body from the function
object's own defaults (already evaluated, as Python does: never by re-running the default's
expression), ``*args`` becomes a tuple of numbered parameters and ``**kwargs`` a dict::

    def h(x, p=3.0, *rest, eps=1e-5):        # called as h(a, b, c)
    def h(x, p, rest_0):                     # generated for that call shape
        rest = (rest_0,)
        eps = 1e-05

So the parameters a transformation appends (``b_out``, tangents, ``batch_size``) never land on
a parameter that has a default, and a default argument is an ordinary local value, whose
derivative is zero unless the body makes it depend on an input.
"""
import copy

import gast

from s2s.errors import TransformError
from s2s.syntax import clone

LITERALS = (bool, int, float, complex, str, bytes, type(None))


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def value_node(value, name, free):
    """A literal as itself (``3.0``, ``(1, 2)``); any other value as a free name bound to it."""
    if _is_literal(value):
        return _literal(value)
    name = name() if callable(name) else name
    free[name] = value
    return _name(name)


def _is_literal(v):
    if isinstance(v, tuple):
        return all(_is_literal(e) for e in v)
    if type(v) is float:
        return v == v and v not in (float("inf"), float("-inf"))  # repr must round-trip
    return type(v) in LITERALS


def _literal(v):
    if isinstance(v, tuple):
        return gast.Tuple(elts=[_literal(e) for e in v], ctx=gast.Load())
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0:
        return gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=-v, kind=None))
    return gast.Constant(value=v, kind=None)


def as_function_def(node):
    """A lambda as ``def lambda_(...): return <body>``; a ``def`` as it is."""
    if isinstance(node, gast.Lambda):
        fdef = gast.FunctionDef(name="lambda_", args=node.args,
                                body=[gast.Return(value=node.body)], decorator_list=[],
                                returns=None, type_comment=None, type_params=[])
        return gast.copy_location(fdef, node)
    return node


def bind_call_shape(parsed, nargs=None, kwnames=(), taken=()):
    """-> (FunctionDef, free values it needs) for a call with ``nargs`` positional arguments
    (None: every positional parameter) and keyword arguments ``kwnames``. Raises Python's own
    TypeError when the call does not fit the signature."""
    fun = parsed.fun
    fdef = copy.copy(as_function_def(clone(parsed.node)))
    a = fdef.args
    positional = [p.id for p in a.posonlyargs + a.args]
    kwonly = [p.id for p in a.kwonlyargs]
    vararg = a.vararg.id if a.vararg is not None else None
    kwarg = a.kwarg.id if a.kwarg is not None else None
    nargs = len(positional) if nargs is None else nargs
    kwnames = tuple(kwnames)
    qual = getattr(fun, "__qualname__", "function")
    used = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)} | set(taken)
    defaults = _defaults(fun, positional)
    kwdefaults = dict(getattr(fun, "__kwdefaults__", None) or {})
    free, prologue, params, keywords = {}, [], [], []

    def bind(name, value):
        prologue.append(gast.Assign(targets=[_name(name, gast.Store())], value=value,
                                    type_comment=None))

    if nargs > len(positional) and vararg is None:
        raise TypeError(f"{qual}() takes {len(positional)} positional arguments but {nargs} "
                        f"were given")
    params = positional[:nargs]
    for name in kwnames:
        if name in params:
            raise TypeError(f"{qual}() got multiple values for argument '{name}'")
        if name not in positional + kwonly and kwarg is None:
            raise TypeError(f"{qual}() got an unexpected keyword argument '{name}'")
    for name in positional[nargs:]:
        if name in kwnames:
            continue
        if name not in defaults:
            raise TypeError(f"{qual}() missing 1 required positional argument: '{name}'")
        bind(name, value_node(defaults[name], f"{name}_default", free))
    extra, rest = [], []
    if vararg is not None:
        for i in range(max(0, nargs - len(positional))):
            extra.append(_fresh(f"{vararg}_{i}", used))
        params += extra
        bind(vararg, gast.Tuple(elts=[_name(e) for e in extra], ctx=gast.Load()))
    for name in kwonly:
        if name in kwnames:
            continue
        if name not in kwdefaults:
            raise TypeError(f"{qual}() missing 1 required keyword-only argument: '{name}'")
        bind(name, value_node(kwdefaults[name], f"{name}_default", free))
    keywords = list(kwnames)
    if kwarg is not None:
        rest = [k for k in kwnames if k not in positional + kwonly]
        bind(kwarg, gast.Dict(keys=[gast.Constant(value=k, kind=None) for k in rest],
                              values=[_name(k) for k in rest]))
    fdef.args = gast.arguments(
        args=[_name(p, gast.Param()) for p in params], posonlyargs=[], vararg=None,
        kwonlyargs=[_name(k, gast.Param()) for k in keywords], kw_defaults=[None] * len(keywords),
        kwarg=None, defaults=[])
    stored = {n.id for n in gast.walk(gast.Module(body=fdef.body, type_ignores=[]))
              if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
    expand = _Expand(vararg if vararg not in stored else None, extra,
                     kwarg if kwarg not in stored else None, rest)
    fdef.body = _after_docstring([expand.visit(s) for s in fdef.body], prologue)
    fdef.decorator_list = []
    return fdef, free


class _Expand(gast.NodeTransformer):
    """``g(*args, **kwargs)`` with this call shape's own ``args`` and ``kwargs``: the items
    written out (``g(args_0, args_1, k=k)``), so a wrapper passing its arguments on is a plain
    call the transforms can follow."""

    def __init__(self, vararg, items, kwarg, keys):
        self.vararg, self.items, self.kwarg, self.keys = vararg, items, kwarg, keys

    def visit_Call(self, node):
        node = self.generic_visit(node)
        args = []
        for a in node.args:
            if isinstance(a, gast.Starred) and isinstance(a.value, gast.Name) and \
                    a.value.id == self.vararg:
                args += [_name(i) for i in self.items]
            else:
                args.append(a)
        keywords = []
        for k in node.keywords:
            if k.arg is None and isinstance(k.value, gast.Name) and k.value.id == self.kwarg:
                keywords += [gast.keyword(arg=key, value=_name(key)) for key in self.keys]
            else:
                keywords.append(k)
        node.args, node.keywords = args, keywords
        return node

    def visit_Lambda(self, node):
        return node


def _after_docstring(body, prologue):
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[:1] + prologue + body[1:]
    return prologue + body


def _defaults(fun, positional):
    values = getattr(fun, "__defaults__", None) or ()
    names = positional[len(positional) - len(values):] if values else []
    return dict(zip(names, values))


def _fresh(base, used):
    name, i = base, 0
    while name in used:
        i += 1
        name = f"{base}_{i}"
    used.add(name)
    return name


def positional_call(fn, args, kwargs, where, fresh):
    """A call ``fn(*args, **kwargs)`` (argument nodes) as positional arguments as far as the
    signature allows, the skipped ones filled with their defaults: ``h(x, p=w)`` -> ``h(x, w)``.
    ``fresh(base)`` names the non-literal defaults. Returns (positional nodes, keyword nodes by
    name, {free name: value} for those defaults)."""
    import inspect
    try:
        sig = inspect.signature(fn)
        bound = sig.bind(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise TransformError(f"{where}: this call of {getattr(fn, '__qualname__', fn)!r} does "
                             f"not match its signature ({e})") from None
    params = list(sig.parameters.values())
    pos_kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    supplied = bound.arguments
    last = -1
    for i, p in enumerate(params):
        if p.kind in pos_kinds and p.name in supplied:
            last = i
    positional, free = [], {}
    for p in params[:last + 1]:
        if p.kind not in pos_kinds:
            break
        if p.name in supplied:
            positional.append(supplied[p.name])
        else:
            positional.append(value_node(p.default, lambda: fresh(f"{p.name}_default"), free))
    for p in params:
        if p.kind == inspect.Parameter.VAR_POSITIONAL and p.name in supplied:
            positional.extend(supplied[p.name])
    keywords = {}
    for p in params:
        if p.kind == inspect.Parameter.KEYWORD_ONLY and p.name in supplied:
            keywords[p.name] = supplied[p.name]
        elif p.kind == inspect.Parameter.VAR_KEYWORD and p.name in supplied:
            keywords.update(supplied[p.name])
    return positional, keywords, free
