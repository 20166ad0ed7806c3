"""Local functions called by name, lifted out so the transforms can treat them as helpers.

``sq = lambda v: v * v`` or ``def cube(v): return sq(v) * v`` inside a transformed function
exist only at run time, so a transform cannot look them up while generating. Each such local
function that the body calls directly (and never reassigns) is generated once more as a real
function whose first parameters are the enclosing function's local values it reads, and the
calls become calls of that function with those values passed in (Python reads closed-over
values when the call runs, so passing them at the call is the same)::

    def f(x, w):
        sq = lambda v: v * w
        return sq(x)
    # the body the transforms see
    def f(x, w):
        sq = lambda v: v * w
        return sq_local(w, x)      # sq_local(w, v): return v * w

The local definition itself stays (it may also be passed to ``lax`` control flow).
"""
import copy

import gast

from s2s import codegen


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _statements(body):
    """Every statement of ``body``, blocks included (loops, branches, with, try), in order;
    not the bodies of nested functions."""
    for s in body:
        yield s
        if not isinstance(s, gast.FunctionDef):
            for field in ("body", "orelse", "finalbody"):
                yield from _statements(getattr(s, field, None) or [])
            for h in getattr(s, "handlers", None) or []:
                yield from _statements(h.body)


def _local_definitions(body, stored):
    """{name: FunctionDef} of the local functions bound once (by ``def`` or ``name =
    lambda``), wherever they stand: a call runs the same code whatever iteration or branch
    defined the name, and reads closed-over values when it runs."""
    defs = {}
    for s in _statements(body):
        if isinstance(s, gast.FunctionDef) and not s.decorator_list and _bound_once(
                s.name, stored):
            defs[s.name] = copy.deepcopy(s)
        elif isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], gast.Name) and isinstance(s.value, gast.Lambda) and \
                _bound_once(s.targets[0].id, stored):
            lam = s.value
            defs[s.targets[0].id] = gast.FunctionDef(
                name=s.targets[0].id, args=copy.deepcopy(lam.args),
                body=[gast.Return(value=copy.deepcopy(lam.body))], decorator_list=[],
                returns=None, type_comment=None, type_params=[])
    return defs


def _bound_once(name, stored):
    """One binding statement (``stored`` counts one inside a loop twice)."""
    return stored.get(name, 0) in (1, 2) and stored.get(f"{_ONCE}{name}", 0) <= 1


_ONCE = "\0statements:"


def lift_local_functions(body, params, globals_, free, fresh, stored):
    """-> (new body, {lifted name: function}). ``params``: the enclosing function's parameters;
    ``free``: the values its generated code closes over; ``stored``: {name: times assigned}."""
    stored = dict(stored)
    for s in _statements(body):  # how many statements bind each name
        for n in _bound_names(s):
            stored[f"{_ONCE}{n}"] = stored.get(f"{_ONCE}{n}", 0) + 1
    defs = _local_definitions(body, stored)
    called = {n.func.id for s in body for n in gast.walk(s) if isinstance(n, gast.Call)
              and isinstance(n.func, gast.Name) and n.func.id in defs}
    if not called:
        return body, {}
    local = set(params) | {k for k in stored if not k.startswith(_ONCE)}
    lifted, names = {}, {}
    for name, fdef in defs.items():  # in order: later ones may call earlier ones
        a = fdef.args
        if name not in called or a.vararg or a.kwarg or a.kwonlyargs or a.defaults:
            continue
        own = {p.id for p in a.args + a.posonlyargs}
        inner_stored = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name) and
                        isinstance(n.ctx, gast.Store)}
        reads = []
        for n in gast.walk(fdef):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in local \
                    and n.id not in own | inner_stored and n.id not in reads \
                    and n.id not in names:
                reads.append(n.id)
        if name in reads:  # recursive
            continue
        fdef = _CallLifted(names).visit(fdef)
        fdef.name = fresh(f"{name}_local")
        fdef.args = gast.arguments(args=[_name(r, gast.Param()) for r in reads] + a.args,
                                   posonlyargs=a.posonlyargs, vararg=None, kwonlyargs=[],
                                   kw_defaults=[], kwarg=None, defaults=[])
        used = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)}
        fn = codegen.load(fdef, globals_, {k: v for k, v in {**free, **lifted}.items()
                                           if k in used})
        fn.__s2s_lifted_from__ = name
        lifted[fdef.name] = fn
        names[name] = (fdef.name, reads)
    if not names:
        return body, {}
    body = [_CallLifted(names).visit(s) if not _defines(s, names) else s for s in body]
    still_read = {n.id for s in body for n in gast.walk(s) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, gast.Load)}
    return _drop_definitions(body, set(names) - still_read), lifted


def _bound_names(stmt):
    if isinstance(stmt, gast.FunctionDef):
        return [stmt.name]
    if isinstance(stmt, (gast.For, gast.While, gast.If, gast.With, gast.Try)):
        return [n.id for n in gast.walk(stmt.target) if isinstance(n, gast.Name)] if \
            isinstance(stmt, gast.For) else []
    return [n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)]


def _drop_definitions(body, unused):
    """``body`` without the definitions of ``unused`` (every call of them now calls the lifted
    function, and nothing else reads them); an emptied block keeps a ``pass``."""
    out = []
    for s in body:
        if isinstance(s, gast.FunctionDef) and s.name in unused or isinstance(
                s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], gast.Name) and s.targets[0].id in unused and isinstance(
                s.value, gast.Lambda):
            continue
        if not isinstance(s, gast.FunctionDef):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(s, field, None)
                if isinstance(block, list) and block:
                    setattr(s, field, _drop_definitions(block, unused) or (
                        [gast.Pass()] if field == "body" else []))
        out.append(s)
    return out


def _defines(stmt, names):
    if isinstance(stmt, gast.FunctionDef):
        return stmt.name in names
    return False


class _CallLifted(gast.NodeTransformer):
    """``sq(x)`` -> ``sq_local(<values it reads>, x)``."""

    def __init__(self, names):
        self.names = names

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id in self.names:
            new, reads = self.names[node.func.id]
            return gast.Call(func=_name(new), args=[_name(r) for r in reads] + node.args,
                             keywords=node.keywords)
        return node

    def visit_Lambda(self, node):
        return node  # a lambda's body reads values when it runs; leave it as written
