"""Local functions called by name, lifted out so the transforms can treat them as helpers.

``sq = lambda v: v * v`` or ``def cube(v): return sq(v) * v`` inside a transformed function
exist only at run time, so a transform cannot look them up while generating. Each such local
function that the body calls directly (bound by one statement, which may stand in a loop or a
branch: every call runs the same code) is generated once more as a real
function whose first parameters are the enclosing function's local values it reads, and the
calls become calls of that function with those values passed in (Python reads closed-over
values when the call runs, so passing them at the call is the same)::

    def f(x, w):
        sq = lambda v: v * w
        return sq(x)
    # the body the transforms see
    def f(x, w):
        return sq_local(w, x)      # sq_local(w, v): return v * w

A local function calling another passes on what that one reads; its parameters named like a
value of the enclosing function are renamed first. The definition stays only where something
else still reads it (a ``lax`` body, a value passed on).
"""

import gast

from s2s import codegen
from s2s.syntax import clone


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def statements(body):
    """Every statement of ``body``, blocks included (loops, branches, with, try), in order;
    not the bodies of nested functions."""
    for s in body:
        yield s
        if not isinstance(s, gast.FunctionDef):
            for field in ("body", "orelse", "finalbody"):
                yield from statements(getattr(s, field, None) or [])
            for h in getattr(s, "handlers", None) or []:
                yield from statements(h.body)


def _local_definitions(body, stored):
    """{name: FunctionDef} of the local functions bound once (by ``def`` or ``name =
    lambda``), wherever they stand: a call runs the same code whatever iteration or branch
    defined the name, and reads closed-over values when it runs."""
    defs = {}
    for s in statements(body):
        if isinstance(s, gast.FunctionDef) and not s.decorator_list and _bound_once(
                body, s.name, stored):
            defs[s.name] = clone(s)
        elif isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], gast.Name) and isinstance(s.value, gast.Lambda) and \
                _bound_once(body, s.targets[0].id, stored):
            lam = s.value
            defs[s.targets[0].id] = gast.FunctionDef(
                name=s.targets[0].id, args=clone(lam.args),
                body=[gast.Return(value=clone(lam.body))], decorator_list=[],
                returns=None, type_comment=None, type_params=[])
    return defs


def _bound_once(body, name, stored):
    """``stored`` counts an assignment inside a loop twice."""
    return stored.get(name, 0) in (1, 2) and _bound_by_one_statement(body, name)


def _bound_by_one_statement(body, name):
    """Whether exactly one statement of ``body`` (blocks included) binds ``name``."""
    return sum(name in bound_names(s) for s in statements(body)) == 1


def lift_local_functions(body, params, globals_, free, fresh, stored):
    """-> (new body, {lifted name: function}). ``params``: the enclosing function's parameters;
    ``free``: the values its generated code closes over; ``stored``: {name: times assigned}."""
    defs = _local_definitions(body, stored)
    called = {n.func.id for s in body for n in gast.walk(s) if isinstance(n, gast.Call)
              and isinstance(n.func, gast.Name) and n.func.id in defs}
    if not called:
        return body, {}
    local = set(params) | set(stored)
    lifted, names = {}, {}
    for name, fdef in defs.items():  # in order: later ones may call earlier ones
        a = fdef.args
        if name not in called or a.vararg or a.kwarg or a.kwonlyargs or a.defaults:
            continue
        if not any(n.keywords for s in body for n in gast.walk(s) if isinstance(n, gast.Call)
                   and isinstance(n.func, gast.Name) and n.func.id == name):
            _rename_shadowing_params(fdef, local, fresh)  # (called positionally only)
        own = {p.id for p in a.args + a.posonlyargs}
        inner_stored = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name) and
                        isinstance(n.ctx, gast.Store)}
        calls = _CallLifted(names, own | inner_stored)
        fdef = calls.visit(fdef)  # calls of functions lifted before: their reads are ours too
        if calls.blocked:
            continue
        reads = []
        for n in gast.walk(fdef):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in local \
                    and n.id not in own | inner_stored and n.id not in reads \
                    and n.id not in names:
                reads.append(n.id)
        if name in reads:  # recursive
            continue
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
    while True:  # a definition only another dropped one read goes too
        still_read = {n.id for s in body for n in gast.walk(s) if isinstance(n, gast.Name)
                      and isinstance(n.ctx, gast.Load)}
        new_body = _drop_definitions(body, set(names) - still_read)
        if gast.dump(gast.Module(body=new_body, type_ignores=[])) == gast.dump(
                gast.Module(body=body, type_ignores=[])):
            return body, lifted
        body = new_body


def _rename_shadowing_params(fdef, local, fresh):
    """Parameters named like a local value of the enclosing function get fresh names, so
    that the values the function reads through other local functions can be passed in."""
    renames = {p.id: fresh(p.id) for p in fdef.args.args + fdef.args.posonlyargs
               if p.id in local}
    if not renames:
        return
    for n in gast.walk(fdef):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]


def bound_names(stmt):
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
    """``sq(x)`` -> ``sq_local(<values it reads>, x)``, also inside lambdas (which read those
    values when they run, as the call does). Where a name the lifted function reads means
    something else at the call (``shadow``: a parameter or local of the function or lambda
    around it), the call stays and ``blocked`` says so."""

    def __init__(self, names, shadow=frozenset()):
        self.names, self.shadow, self.blocked = names, set(shadow), False

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id in self.names:
            new, reads = self.names[node.func.id]
            if self.shadow & set(reads):
                self.blocked = True
                return node
            return gast.Call(func=_name(new), args=[_name(r) for r in reads] + node.args,
                             keywords=node.keywords)
        return node

    def visit_Lambda(self, node):
        a = node.args
        inner = _CallLifted(self.names, self.shadow | {
            p.id for p in a.args + a.posonlyargs + a.kwonlyargs + [a.vararg, a.kwarg] if p})
        node.body = inner.visit(node.body)
        self.blocked |= inner.blocked
        return node

    def visit_FunctionDef(self, node):
        a = node.args
        inner = _CallLifted(self.names, self.shadow | {
            p.id for p in a.args + a.posonlyargs + a.kwonlyargs + [a.vararg, a.kwarg] if p} | {
            n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)})
        node.body = [inner.visit(s) for s in node.body]
        self.blocked |= inner.blocked
        return node
