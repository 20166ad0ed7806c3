"""The stage transform (``jit``'s source step): static arguments become constants, then fold.

``stage(parsed, statics)`` takes a parsed function and ``{parameter name: value}`` for its static
arguments and returns a ``gast.FunctionDef`` without those parameters in which

- every read of a static parameter is replaced by its value: literals (numbers, strings, bools,
  ``None``, tuples of those) are written into the source, other values (objects, arrays, functions)
  become free names of the generated function, bound to the value;
- constant expressions are folded: ``-x if neg else x`` with ``neg=True`` becomes ``-x``, an ``if``
  on a static keeps one branch, ``while False`` disappears, ``not``/``and``/``or``/comparisons and
  arithmetic on constants are evaluated.

A static parameter the body assigns to is not substituted: it is bound once at the top of the
body instead (``n = 3``) and left alone.
"""
import math
import operator

import gast

from s2s.errors import TransformError

_FREE_PREFIX = "__s2s_static_"


def is_literal(v):
    if v is None or v is Ellipsis or isinstance(v, (bool, str, bytes)):
        return True
    if type(v) is int:
        return True
    if type(v) is float:
        return math.isfinite(v)
    if type(v) is complex:
        return math.isfinite(v.real) and math.isfinite(v.imag)
    if type(v) is tuple:
        return all(is_literal(e) for e in v)
    return False


def literal_node(v):
    if type(v) is tuple:
        return gast.Tuple(elts=[literal_node(e) for e in v], ctx=gast.Load())
    if isinstance(v, (int, float, complex)) and not isinstance(v, bool) and (
            v.real < 0 or (isinstance(v, float) and math.copysign(1, v) < 0)):
        return gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=-v, kind=None))
    return gast.Constant(value=v, kind=None)


def _const_value(node):
    """(True, value) when ``node`` is a constant expression after folding."""
    if isinstance(node, gast.Constant):
        return True, node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) and \
            isinstance(node.operand, gast.Constant) and \
            isinstance(node.operand.value, (int, float, complex)):
        return True, -node.operand.value
    if isinstance(node, gast.Tuple) and isinstance(node.ctx, gast.Load):
        vals = [_const_value(e) for e in node.elts]
        if all(ok for ok, _ in vals):
            return True, tuple(v for _, v in vals)
    return False, None


def _params(args):
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + \
        ([args.vararg.id] if args.vararg else []) + ([args.kwarg.id] if args.kwarg else [])


def _rebound(body_nodes, name):
    """Whether ``name`` is assigned, deleted, declared global/nonlocal or shadowed anywhere."""
    for root in body_nodes:
        for n in gast.walk(root):
            if isinstance(n, gast.Name) and n.id == name and isinstance(
                    n.ctx, (gast.Store, gast.Del, gast.Param)):
                return True
            if isinstance(n, (gast.Global, gast.Nonlocal)) and name in n.names:
                return True
            if isinstance(n, (gast.FunctionDef, gast.ClassDef, gast.AsyncFunctionDef)) and \
                    n.name == name:
                return True
            if isinstance(n, gast.alias) and (n.asname or n.name.split(".")[0]) == name:
                return True
    return False


class _Substitute(gast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping  # name -> node factory

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.mapping:
            return gast.copy_location(self.mapping[node.id](), node)
        return node


_BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
           gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
           gast.Pow: operator.pow, gast.LShift: operator.lshift, gast.RShift: operator.rshift,
           gast.BitOr: operator.or_, gast.BitXor: operator.xor, gast.BitAnd: operator.and_}
_UNOPS = {gast.Not: operator.not_, gast.USub: operator.neg, gast.UAdd: operator.pos,
          gast.Invert: operator.invert}
_CMPOPS = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Lt: operator.lt,
           gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
           gast.Is: operator.is_, gast.IsNot: operator.is_not,
           gast.In: lambda a, b: a in b, gast.NotIn: lambda a, b: a not in b}


def _small(v):
    if isinstance(v, (str, bytes, tuple)):
        return len(v) <= 256
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) < 2 ** 64
    return True


class _Fold(gast.NodeTransformer):
    """Bottom-up constant folding of expressions and of control flow on constants."""

    def _result(self, node, fn, *vals):
        try:
            v = fn(*vals)
        except Exception:
            return node
        if not is_literal(v) or not _small(v):
            return node
        return gast.copy_location(literal_node(v), node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        ok, v = _const_value(node.operand)
        if ok and type(node.op) in _UNOPS and not (isinstance(node.op, gast.USub) and
                                                   isinstance(node.operand, gast.Constant)):
            return self._result(node, _UNOPS[type(node.op)], v)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        (ok1, a), (ok2, b) = _const_value(node.left), _const_value(node.right)
        if ok1 and ok2 and type(node.op) in _BINOPS:
            if isinstance(node.op, gast.Pow) and isinstance(b, int) and abs(b) > 64:
                return node
            return self._result(node, _BINOPS[type(node.op)], a, b)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        vals = [_const_value(n) for n in [node.left] + node.comparators]
        if all(ok for ok, _ in vals):
            def cmp(*xs):
                return all(_CMPOPS[type(op)](xs[i], xs[i + 1]) for i, op in enumerate(node.ops))
            if all(type(op) in _CMPOPS for op in node.ops):
                return self._result(node, cmp, *[v for _, v in vals])
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        values = list(node.values)
        is_and = isinstance(node.op, gast.And)
        while values:
            ok, v = _const_value(values[0])
            if not ok:
                break
            if len(values) == 1 or bool(v) != is_and:  # decides the result
                return values[0]
            values.pop(0)                               # neutral: skip it
        if len(values) == 1:
            return values[0]
        node.values = values
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        ok, v = _const_value(node.test)
        if ok:
            return node.body if v else node.orelse
        return node

    def visit_If(self, node):
        self.generic_visit(node)
        ok, v = _const_value(node.test)
        if ok:
            return (node.body if v else node.orelse) or [gast.Pass()]
        return node

    def visit_While(self, node):
        self.generic_visit(node)
        ok, v = _const_value(node.test)
        if ok and not v:
            return node.orelse or [gast.Pass()]
        return node


def stage(parsed, statics, name_suffix=""):
    """-> (gast.FunctionDef, free {name: value}) specialised to ``statics`` ({param: value})."""
    node = parsed.node
    if isinstance(node, gast.Lambda):
        fdef = gast.FunctionDef(name="_lambda", args=node.args,
                                body=[gast.Return(value=node.body)], decorator_list=[],
                                returns=None, type_comment=None, type_params=[])
        gast.copy_location(fdef, node)
    else:
        fdef = node
    fdef = _copy(fdef)
    fdef.decorator_list = []
    fdef.returns = None
    args = fdef.args
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None  # annotations are not needed and may name unreachable things
    unknown = [s for s in statics if s not in _params(args)]
    if unknown:
        raise TransformError(f"{parsed.where}: static argument(s) {unknown} are not parameters "
                             f"of {parsed.name!r}")
    for s in statics:
        if (args.vararg and args.vararg.id == s) or (args.kwarg and args.kwarg.id == s):
            raise TransformError(f"{parsed.where}: static argument {s!r} is a *args/**kwargs "
                                 f"parameter")
    free = {}
    # drop static parameters (positional defaults are a suffix, so they stay aligned)
    pos = args.posonlyargs + args.args
    n_nodefault = len(pos) - len(args.defaults)
    pos_defaults = [None] * n_nodefault + list(args.defaults)
    keep_pos = [(a, d) for a, d in zip(pos, pos_defaults) if a.id not in statics]
    n_posonly = len([a for a in args.posonlyargs if a.id not in statics])
    args.posonlyargs = [a for a, _ in keep_pos[:n_posonly]]
    args.args = [a for a, _ in keep_pos[n_posonly:]]
    defaults = [d for _, d in keep_pos]
    while defaults and defaults[0] is None:
        defaults.pop(0)
    if any(d is None for d in defaults):  # a parameter without default after one with it
        raise TransformError(f"{parsed.where}: cannot remove static parameters of "
                             f"{parsed.name!r} without breaking its defaults")
    args.defaults = defaults
    kw = [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if a.id not in statics]
    args.kwonlyargs = [a for a, _ in kw]
    args.kw_defaults = [d for _, d in kw]
    _bind_defaults(parsed, args, free)

    mapping, prologue = {}, []
    for s, v in statics.items():
        if is_literal(v):
            make = (lambda v=v: literal_node(v))
        else:
            free_name = _FREE_PREFIX + s
            free[free_name] = v
            make = (lambda n=free_name: gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                                  type_comment=None))
        if _rebound(fdef.body, s):
            prologue.append(gast.Assign(targets=[gast.Name(id=s, ctx=gast.Store(), annotation=None,
                                                           type_comment=None)],
                                        value=make(), type_comment=None))
        else:
            mapping[s] = make
    if mapping:
        fdef.body = [_Substitute(mapping).visit(stmt) for stmt in fdef.body]
    body = []
    folder = _Fold()
    for stmt in fdef.body:
        out = folder.visit(stmt)
        body.extend(out if isinstance(out, list) else [out])
    doc = []
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) and \
            isinstance(body[0].value.value, str):
        doc = [body.pop(0)]
    fdef.body = doc + prologue + body or [gast.Pass()]
    _fix_empty_blocks(fdef)
    if name_suffix:
        fdef.name = fdef.name + name_suffix
    for name, value in parsed.freevars.items():
        free.setdefault(name, value)
    return fdef, free


def _fix_empty_blocks(root):
    for n in gast.walk(root):
        for field in ("body", "orelse", "finalbody"):
            if field not in getattr(n, "_fields", ()):
                continue
            block = getattr(n, field)
            if isinstance(block, list) and not block and field == "body":
                block.append(gast.Pass())


def _bind_defaults(parsed, args, free):
    """Default values come from the function object (already evaluated), not from re-running
    their expressions: literals are written, other values become free names."""
    fun = parsed.fun
    pos = args.posonlyargs + args.args
    orig_pos = fun.__code__.co_varnames[:fun.__code__.co_argcount]
    defaults = fun.__defaults__ or ()
    dmap = dict(zip(orig_pos[len(orig_pos) - len(defaults):], defaults))
    new = []
    for a in pos[len(pos) - len(args.defaults):]:
        new.append(_value_node(dmap[a.id], "__s2s_default_" + a.id, free))
    args.defaults = new
    kwd = fun.__kwdefaults__ or {}
    args.kw_defaults = [None if a.id not in kwd else
                        _value_node(kwd[a.id], "__s2s_default_" + a.id, free)
                        for a in args.kwonlyargs]


def _value_node(v, name, free):
    if is_literal(v):
        return literal_node(v)
    free[name] = v
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _copy(node):
    from s2s.syntax import clone
    return clone(node)
