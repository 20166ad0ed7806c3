"""Rules written once for any number of values, specialised into source s2s can read.

A rule of ``control.py`` calls a loop body over the values the body closed over, however many:
``body(*free, i, c)``. The transforms cannot differentiate or batch a call whose arguments are
spread from a tuple of unknown length, so such a rule is a *template*: ``at(NF=2)`` writes its
source again with the counts as constants, every ``*[e for k in range(NF)]`` unrolled into
``e`` for ``k = 0, 1`` and every ``for k in unrolled(NB):`` statement into its copies (a name
ending in ``_k`` becomes ``_0``, ``_1``, ... in each copy). The result is generated Python like
any derivative s2s writes: ``inspect.getsource`` shows it, a debugger stops in it, and grad,
jvp and vmap transform it, so derivatives of derivatives of loops need no rule of their own.
"""
import inspect
import textwrap

import gast
from s2s.syntax import clone


class Template:
    """A rule's source, specialised (and cached) per set of constants by ``at``."""

    def __init__(self, fn, namespace):
        self.fn, self.namespace, self.made = fn, namespace, {}
        self.__name__, self.__doc__ = fn.__name__, fn.__doc__

    def at(self, name=None, **consts):
        key = (name, tuple(sorted(consts.items())))
        if key not in self.made:
            self.made[key] = self._write(name or self.__name__, consts)
        return self.made[key]

    def _write(self, name, consts):
        from s2s import codegen
        fdef = gast.parse(textwrap.dedent(inspect.getsource(self.fn))).body[0]
        fdef.decorator_list, fdef.name = [], name
        fdef = _Fold().visit(_Expand(consts).visit(fdef))
        where = f"{inspect.getsourcefile(self.fn)}:{self.fn.__code__.co_firstlineno}"
        header = (f"{name}: the rule at {where}, written by s2s for "
                  f"{', '.join(f'{k}={v}' for k, v in sorted(consts.items()))}.")
        return codegen.load(fdef, dict(self.namespace()), {}, header=header)


class _Expand(gast.NodeTransformer):
    """Counts to constants, unrolled comprehensions and ``for k in unrolled(n)`` blocks."""

    def __init__(self, consts, index=None):
        self.consts, self.index = consts, index  # index: (loop name, its value in this copy)

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.consts:
            return gast.Constant(value=self.consts[node.id], kind=None)
        if self.index is not None:
            var, i = self.index
            if node.id == var and isinstance(node.ctx, gast.Load):
                return gast.Constant(value=i, kind=None)
            if node.id.endswith(f"_{var}"):
                node.id = f"{node.id[:-len(var)]}{i}"
        return node

    def visit_FunctionDef(self, node):
        if self.index is not None and node.name.endswith(f"_{self.index[0]}"):
            node.name = f"{node.name[:-len(self.index[0])]}{self.index[1]}"
        return self.generic_visit(node)

    def _copies(self, var, count, nodes):
        return [_Expand(self.consts, (var, i)).visit(clone(n))
                for i in range(count) for n in nodes]

    def _spread(self, items):
        out = []
        for e in items:
            loop = _unrolled_comprehension(e, self.consts)
            if loop is None:
                out.append(self.visit(e))
            else:
                var, count, elt = loop
                out += [self.visit(c) for c in self._copies(var, count, [elt])]
        return out

    def visit_Tuple(self, node):
        node.elts = self._spread(node.elts)
        return node

    visit_List = visit_Tuple

    def visit_Call(self, node):
        node.func = self.visit(node.func)
        node.args = self._spread(node.args)
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def visit_For(self, node):
        it = node.iter
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and \
                it.func.id == "unrolled":
            count = _count(it.args[0], self.consts)
            return [self.visit(c) for c in self._copies(node.target.id, count, node.body)]
        return self.generic_visit(node)


def _count(node, consts):
    return node.value if isinstance(node, gast.Constant) else consts[node.id]


def _unrolled_comprehension(node, consts):
    """``*[elt for k in range(n)]`` -> (``k``, n, elt), else None."""
    if not (isinstance(node, gast.Starred) and isinstance(node.value, gast.ListComp)):
        return None
    (gen,) = node.value.generators
    assert isinstance(gen.iter, gast.Call) and gen.iter.func.id == "range" and not gen.ifs
    return gen.target.id, _count(gen.iter.args[0], consts), node.value.elt


class _Fold(gast.NodeTransformer):
    """``1 + 2`` -> ``3`` and ``a if True else b`` -> ``a``: what the constants left."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.left, gast.Constant) and isinstance(node.right, gast.Constant) and \
                isinstance(node.op, (gast.Add, gast.Sub)):
            a, b = node.left.value, node.right.value
            return gast.Constant(value=a + b if isinstance(node.op, gast.Add) else a - b,
                                 kind=None)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if isinstance(node.test, gast.Constant):
            return node.body if node.test.value else node.orelse
        return node
