"""Python sugar rewritten into the statements every transformation knows, before analysis.

- A list comprehension (or a generator expression) in a statement becomes the loop it
  abbreviates, appending to a fresh list, written just before the statement::

      ys = jnp.stack([w * x for w in ws if w is not None])
      # becomes
      items = []
      for w_ in ws:
          if w_ is not None:
              items.append(w_ * x)
      ys = jnp.stack(items)

  (the comprehension's own variables are renamed, so they do not leak into the function);
- an assignment expression ``(y := e)`` becomes ``y = e`` before the statement;
- ``del x`` is dropped (the transforms may still need the value).

Only expressions evaluated once per statement are moved: the test of a ``while``, the bodies
of lambdas and the operands of ``and``/``or`` after the first are left alone (a comprehension
there reaches the transform, which names it in its error); a conditional expression with sugar
in a branch becomes an ``if`` statement, so the sugar runs only in its branch.
"""

import gast
from s2s.syntax import clone


def desugar(body, fresh):
    """``body`` (a list of statements) with the sugar above rewritten; ``fresh(base)`` gives
    an unused name."""
    out = []
    for s in body:
        out.extend(_statement(s, fresh))
    return out


def _statement(s, fresh):
    if isinstance(s, gast.Delete):
        return []
    for field in ("body", "orelse"):
        if isinstance(getattr(s, field, None), list) and not isinstance(s, gast.FunctionDef):
            setattr(s, field, desugar(getattr(s, field), fresh))
    before = []
    if isinstance(s, (gast.Assign, gast.AugAssign, gast.Return, gast.Expr)) and \
            s.value is not None:
        s.value = _hoist(s.value, before, fresh)
    elif isinstance(s, gast.If):
        s.test = _hoist(s.test, before, fresh)
    elif isinstance(s, gast.For):
        s.iter = _hoist(s.iter, before, fresh)
    for b in before:
        gast.copy_location(b, s)
        for n in gast.walk(b):
            if isinstance(n, gast.stmt):
                gast.copy_location(n, s)
    return before + [s]


class _Hoist(gast.NodeTransformer):
    def __init__(self, before, fresh):
        self.before, self.fresh = before, fresh

    def visit_Lambda(self, node):
        return node  # evaluated when called, not here

    def visit_IfExp(self, node):
        """``a if c else b`` with sugar in a branch becomes an ``if`` statement assigning a
        fresh name, so each branch's sugar is rewritten inside that branch and runs only when
        the branch is taken."""
        if not any(isinstance(n, _SUGAR) for branch in (node.body, node.orelse)
                   for n in gast.walk(branch)):
            node.test = self.visit(node.test)
            return node
        value = self.fresh("branch_value")
        self.before.append(gast.If(
            test=self.visit(node.test),
            body=desugar([_assign(value, node.body)], self.fresh),
            orelse=desugar([_assign(value, node.orelse)], self.fresh)))
        return _load(value)

    def visit_BoolOp(self, node):
        node.values[0] = self.visit(node.values[0])
        return node  # the other operands may not run: their sugar stays (and is refused there)

    def visit_NamedExpr(self, node):
        node = self.generic_visit(node)
        self.before.append(gast.Assign(targets=[gast.Name(
            id=node.target.id, ctx=gast.Store(), annotation=None, type_comment=None)],
            value=node.value, type_comment=None))
        return gast.Name(id=node.target.id, ctx=gast.Load(), annotation=None, type_comment=None)

    def visit_ListComp(self, node):
        return self.loop(node)

    visit_GeneratorExp = visit_ListComp

    def loop(self, node):
        items = self.fresh("items")
        renames = {}
        for gen in node.generators:
            for n in gast.walk(gen.target):
                if isinstance(n, gast.Name):
                    renames[n.id] = self.fresh(n.id + "_")
        first_iter = node.generators[0].iter  # evaluated outside the comprehension's scope
        node = _Rename(renames).visit(node)
        node.generators[0].iter = first_iter
        inner = [gast.Expr(value=gast.Call(
            func=gast.Attribute(value=_load(items), attr="append", ctx=gast.Load()),
            args=[node.elt], keywords=[]))]
        for gen in reversed(node.generators):
            if gen.is_async:
                return node
            for cond in reversed(gen.ifs):
                inner = [gast.If(test=cond, body=inner, orelse=[])]
            inner = [gast.For(target=gen.target, iter=gen.iter, body=inner, orelse=[],
                              type_comment=None)]
        stmts = desugar(inner, self.fresh)  # comprehensions inside this one
        self.before.append(gast.Assign(targets=[gast.Name(
            id=items, ctx=gast.Store(), annotation=None, type_comment=None)],
            value=gast.List(elts=[], ctx=gast.Load()), type_comment=None))
        self.before.extend(stmts)
        return _load(items)


class _Rename(gast.NodeTransformer):
    def __init__(self, renames):
        self.renames = renames

    def visit_Name(self, node):
        if node.id in self.renames:
            return gast.Name(id=self.renames[node.id], ctx=node.ctx, annotation=None,
                             type_comment=None)
        return node


def _hoist(expr, before, fresh):
    return _Hoist(before, fresh).visit(clone(expr))


_SUGAR = (gast.ListComp, gast.GeneratorExp, gast.NamedExpr)


def _assign(name, value):
    return gast.Assign(targets=[gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                          type_comment=None)], value=value, type_comment=None)


def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
