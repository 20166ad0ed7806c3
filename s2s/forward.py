"""Forward mode as a source transformation: ``f`` -> ``f_jvp(*args, *tangents)``.

Beside each statement that computes an active value the generated function computes its tangent
(``dx`` is the tangent of ``x``) from the tangent template of the function it calls
(``s2s/rules/tangents.py``). Loops and branches stay as they are, with the tangent statements
inside them; calls into user functions call their own generated ``*_jvp``. Activity analysis,
the splitting of expressions into one call per line and the error reporting are shared with the
reverse transform.
"""
import functools

import gast

from s2s import custom
from s2s import cache
from s2s.codegen import to_source
from s2s.reverse import (Reverse, _Substitute, _assign, _call, _is_user_function, _name,
                         _returns_array,
                         _ifexp_as_if, comment, load_generated, parse_for_transform,
                         ruled_function_as_source, unbind, for_call)
from s2s.rules import TANGENTS
from s2s.rules import helpers
from s2s.rules import tangents as _registered  # noqa: F401  (fills TANGENTS)
from s2s.syntax import clone


class Forward(Reverse):
    """One function's forward-mode transformation."""

    rules = TANGENTS
    mode_name = "forward"

    def tan(self, name):
        return self.derived_name(name, "d")

    adj = tan  # templates' d[x] means the tangent here

    def analyse(self, body):
        super().analyse(body)
        # every list that is appended to carries tangents beside its values (stacks and
        # ``ys.append(y)`` alike)
        appended = {n.value.func.value.id for n in gast.walk(gast.Module(body=body,
                                                                         type_ignores=[]))
                    if isinstance(n, gast.Expr) and _list_append(n)}
        self.stacks = self.stacks | appended
        changed = True
        while changed:
            changed = False
            for n in gast.walk(gast.Module(body=body, type_ignores=[])):
                if isinstance(n, gast.Expr) and _list_append(n) and \
                        n.value.func.value.id not in self.active and \
                        self.is_active(n.value.args[0]):
                    self.active.add(n.value.func.value.id)
                    changed = True
                if isinstance(n, gast.Assign) and self.is_active(n.value) and not (
                        _is_pop_call(n.value) and n.value.func.value.id in self.stacks):
                    for t in n.targets:
                        for name in {m.id for m in gast.walk(t) if isinstance(m, gast.Name)}:
                            if name not in self.active:
                                self.active.add(name)
                                changed = True

    def build(self):
        body = [s for s in self.node.body if not (
            isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
        body = self.final_return(body)
        self.analyse(body)
        self.needed, self.reads = set(), set()
        stmts = self.block_fwd(body)
        # parameters that become active later (x = f(x, W) with only W differentiated) start
        # with zero tangents
        stmts = [_assign(self.tan(p), _call("zeros_like_tree", _name(p))) for p in self.params
                 if p in self.active and p not in self.wrt] + stmts
        out = self.out_name
        tangent_out = _call("materialize", _name(self.tan(out)), _name(out)) \
            if out in self.active else _call("zeros_like_tree", _name(out))
        elts = [_name(out), tangent_out] + ([self.aux_node] if self.has_aux else [])
        args = clone(self.node.args)
        for p in self.wrt:
            args.args.append(_name(self.tan(p), gast.Param()))
        return gast.FunctionDef(
            name=f"{self.node.name}_jvp", args=args,
            body=stmts + [gast.Return(value=gast.Tuple(elts=elts, ctx=gast.Load()))],
            decorator_list=[], returns=None, type_comment=None, type_params=[])

    # ---- statements --------------------------------------------------------------------------
    def block_fwd(self, stmts):
        out = []
        for s in stmts:
            out += self.stmt_fwd(s)
        return out

    def stmt_fwd(self, s):
        if isinstance(s, gast.AugAssign):
            if not isinstance(s.target, gast.Name):
                if self.plain_item_store(s):
                    return [s]
                self.fail(s, "augmented assignment to a subscript or attribute")
            stmt = gast.copy_location(_assign(s.target.id, gast.BinOp(
                left=_name(s.target.id), op=s.op, right=s.value)), s)
            stmt.s2s_line = s
            return self.stmt_fwd(stmt)
        if isinstance(s, gast.Assign):
            return self.assign_fwd(s)
        if isinstance(s, gast.If):
            return [gast.If(test=s.test, body=self.block_fwd(s.body) or [gast.Pass()],
                            orelse=self.block_fwd(s.orelse))]
        if isinstance(s, gast.For):
            if s.orelse:
                self.fail(s, "`else` on loops")
            target, body, pre = s.target, s.body, []
            if self.is_active(s.iter):
                # for row in X: the tangent walks dX alongside
                steps = []
                iterable = self.operand(s.iter, steps)
                pre = self.steps_fwd(steps)
                if isinstance(target, gast.Tuple):  # for W, b in layers: unpack in the body
                    item = self.fresh_named("_".join(e.id for e in target.elts))
                    body = [gast.copy_location(_assign(target, _name(item)), s)] + body
                    target = _name(item, gast.Store())
                if not isinstance(target, gast.Name):
                    self.fail(s, "this loop target")
                self.active.add(target.id)
                pair = gast.Tuple(elts=[clone(target), _name(self.tan(target.id), gast.Store())],
                                  ctx=gast.Store())
                return pre + [gast.For(target=pair, iter=_call(
                    "zip", iterable, _call("tangent_items", _name(self.tan(iterable.id)),
                                           iterable)), body=self.block_fwd(body) or
                    [gast.Pass()], orelse=[], type_comment=None)]
            return [gast.For(target=target, iter=s.iter, body=self.block_fwd(body) or
                             [gast.Pass()], orelse=[], type_comment=None)]
        if isinstance(s, gast.While):
            if s.orelse:
                self.fail(s, "`else` on loops")
            return [gast.While(test=s.test, body=self.block_fwd(s.body) or [gast.Pass()],
                               orelse=[])]
        if isinstance(s, gast.Expr) and _list_append(s) and s.value.func.value.id in self.active:
            # ys.append(y): the tangent list grows alongside
            lst, value = s.value.func.value.id, s.value.args[0]
            steps = []
            value = self.operand(value, steps)
            out = self.steps_fwd(steps)
            self.active.add(lst)
            return out + [gast.Expr(value=s.value.__class__(
                func=s.value.func, args=[value], keywords=[])), gast.Expr(value=_call(
                    gast.Attribute(value=_name(self.tan(lst)), attr="append", ctx=gast.Load()),
                    _name(self.tan(value.id)) if isinstance(value, gast.Name) and value.id in
                    self.active else gast.Constant(value=0.0, kind=None)))]
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and self.is_active(
                s.value) and _is_user_function(self.static_value(s.value.func)):
            self.fail(s, f"calling `{to_source(s.value.func).strip()}` for its side effects on "
                         f"differentiated values (a function that mutates its arguments); "
                         f"return the new values instead")
        if isinstance(s, (gast.Break, gast.Continue, gast.Pass, gast.Expr, gast.Assert,
                          gast.Raise)):  # (no derivative: kept as they are)
            return [s]
        if isinstance(s, gast.FunctionDef) and s.name in self.local_defs:
            return [s]
        self.fail(s, f"`{type(s).__name__}` statements")

    def assign_fwd(self, s):
        if len(s.targets) != 1:
            self.fail(s, "chained assignment (a = b = ...)")
        target, value = s.targets[0], s.value
        line = getattr(s, "s2s_line", s)
        if isinstance(target, gast.Tuple):
            if not all(isinstance(e, (gast.Name, gast.Tuple)) for e in target.elts):
                self.fail(s, "starred unpacking")
            tmp = value.id if isinstance(value, gast.Name) else None
            out = []
            if tmp is None:
                tmp = self.fresh()
                out += self.assign_fwd(gast.copy_location(_assign(tmp, value), s))
            for i, e in enumerate(target.elts):
                item = gast.Subscript(value=_name(tmp), slice=gast.Constant(value=i, kind=None),
                                      ctx=gast.Load())
                out += self.assign_fwd(gast.copy_location(_assign(clone(e), item), s))
            return out
        if not isinstance(target, gast.Name):
            if self.plain_item_store(s):
                return [s]
            self.fail(s, "assignment to a subscript or attribute (arrays are immutable: use "
                         "x = x.at[i].set(v))")
        name = target.id
        if isinstance(value, gast.Name) and value.id == name:  # x = x does nothing
            return []
        if isinstance(value, gast.IfExp) and self.is_active(value):
            return self.stmt_fwd(_ifexp_as_if(s, name, value))
        if _is_pop_call(value) and value.func.value.id in self.active:
            # x = stack.pop(): its tangent comes off the tangent stack, which mirrors every push
            pop = _call(gast.Attribute(value=_name(self.tan(value.func.value.id)), attr="pop",
                                       ctx=gast.Load()))
            if name in self.active:
                return [s, _assign(self.tan(name), pop)]
            return [s, gast.Expr(value=pop)]
        if isinstance(value, gast.List) and not value.elts:  # ys = []: its tangent list too
            if name in self.active:
                return [s, _assign(self.tan(name), gast.List(elts=[], ctx=gast.Load()))]
            return [s]
        if not self.is_active(value):
            if name in self.active:  # a value that does not depend on the inputs
                return [s, _assign(self.tan(name), _call("zeros_like_tree", _name(name)))]
            return [s]
        steps = []
        # x = f(x): compute into a temporary, so the tangent reads the old x
        reads_self = not isinstance(value, gast.Name) and name in {
            n.id for n in gast.walk(value) if isinstance(n, gast.Name)}
        final = self.anf(value, steps, target=None if reads_self else name)
        if reads_self:
            final = _name(str(steps[-1][0]))
            self.active.add(final.id)
        if final is not None:
            steps.append((name, "copy", final))
        return [comment(f"tangent of: {self.primal_line(line)}")] + self.steps_fwd(steps)

    def steps_fwd(self, steps):
        out = []
        for tgt, kind, spec in steps:
            tgt = str(tgt)
            self.active.add(tgt)
            if kind == "copy":
                out += [_assign(tgt, spec), _assign(self.tan(tgt), self.tangent_of(spec))]
            elif kind == "call":
                expr, template, bound = spec
                out += [_assign(tgt, expr), _assign(self.tan(tgt),
                                                    self.instantiate_fwd(template, tgt, bound))]
            elif kind == "pack":
                expr, elts, keys = spec
                tangents = [self.tangent_of(e, zeros_like=True) for e in elts]
                if isinstance(expr, gast.Call):  # P(w=a, b=b), dict(w=a): the same call
                    names = [k.elts[1].value if isinstance(k, gast.Tuple) else k.value
                             for k in keys]
                    packed = gast.Call(func=clone(expr.func), args=[], keywords=[
                        gast.keyword(arg=n, value=t) for n, t in zip(names, tangents)])
                elif isinstance(expr, gast.Dict):
                    packed = gast.Dict(keys=[clone(k) for k in keys], values=tangents)
                else:
                    packed = type(expr)(elts=tangents, ctx=gast.Load())
                out += [_assign(tgt, expr), _assign(self.tan(tgt), packed)]
            elif kind == "dynamic":  # f known at run time: its jvp, found then
                expr, func, args, kwargs, active_pos = spec
                wrt = gast.Tuple(elts=[gast.Constant(value=p, kind=None) for p in active_pos],
                                 ctx=gast.Load())
                call = _call("call_jvp", clone(func), wrt,
                             gast.Tuple(elts=[clone(a) for a in args], ctx=gast.Load()),
                             gast.Tuple(elts=[_name(self.tan(args[p].id)) for p in active_pos],
                                        ctx=gast.Load()),
                             **{k: clone(v) for k, v in kwargs.items()})
                out.append(_assign(gast.Tuple(elts=[_name(tgt, gast.Store()), _name(
                    self.tan(tgt), gast.Store())], ctx=gast.Store()), call))
            elif kind == "user":
                expr, fn, args, kwargs, active_pos, prelude = spec
                out += prelude
                jvp_fn = jvp_function(fn, tuple(active_pos), call=(len(args), tuple(kwargs)))
                base = "".join(c for c in fn.__name__ if c.isalnum() or c == "_") or "fn"
                fname = self.fresh_named(f"{base}_jvp")
                self.free[fname] = jvp_fn
                call = _call(fname, *[clone(a) for a in args],
                             *[_name(self.tan(args[p].id)) for p in active_pos],
                             **{k: clone(v) for k, v in kwargs.items()})
                out.append(_assign(gast.Tuple(elts=[_name(tgt, gast.Store()), _name(
                    self.tan(tgt), gast.Store())], ctx=gast.Store()), call))
            elif kind == "vmapped":  # y = vmap(g)(x): the vmapped jvp of g
                expr, fn, args = spec
                vname = self.fresh_named("vmapped_" + "".join(
                    c for c in getattr(fn, "__name__", "fn") if c.isalnum() or c == "_"))
                self.free[vname] = fn
                tangents = gast.Tuple(elts=[self.tangent_of(a, zeros_like=True) for a in args],
                                      ctx=gast.Load())
                out.append(_assign(gast.Tuple(elts=[_name(tgt, gast.Store()), _name(
                    self.tan(tgt), gast.Store())], ctx=gast.Store()), _call(
                        "vmap_jvp", _name(vname), gast.Tuple(elts=[clone(a) for a in args],
                                                             ctx=gast.Load()), tangents)))
            elif kind == "custom":
                expr, fn, args = spec
                if isinstance(fn, custom.custom_vjp):
                    raise TypeError(f"can't apply forward-mode autodiff (jvp) to a custom_vjp "
                                    f"function {fn.__name__}.")
                rule = self.fresh_named(f"{fn.__name__}_jvp_rule")
                self.free[rule] = fn.jvp
                tangents = gast.Tuple(elts=[self.tangent_of(a, zeros_like=True) for a in args],
                                      ctx=gast.Load())
                out.append(_assign(gast.Tuple(elts=[_name(tgt, gast.Store()), _name(
                    self.tan(tgt), gast.Store())], ctx=gast.Store()), _call(
                        rule, gast.Tuple(elts=[clone(a) for a in args],
                                         ctx=gast.Load()), tangents)))
            elif kind == "control":  # lax.fori_loop & co: the loop runs the body's jvp as well
                expr, what, args, kw, counts, diff, prelude = spec
                out += prelude
                tangents = gast.Tuple(elts=[self.tangent_of(a, zeros_like=True) for a in diff],
                                      ctx=gast.Load())
                out.append(_assign(gast.Tuple(elts=[_name(tgt, gast.Store()), _name(
                    self.tan(tgt), gast.Store())], ctx=gast.Store()), self.control_rule(
                        f"{what}_jvp", counts, args + [tangents], kw)))
            else:
                raise AssertionError(kind)
        return out

    def tangent_of(self, node, zeros_like=False):
        if isinstance(node, gast.Name) and node.id in self.active:
            return _name(self.tan(node.id))
        if zeros_like:
            return _call("zeros_like_tree", clone(node))
        return gast.Constant(value=0.0, kind=None)

    def instantiate_fwd(self, template, result, bound):
        """The sum of the template's contributions from active inputs."""
        self.check_differentiable(template, bound)
        values = {p: clone(bound.get(p, template.defaults.get(
            p, gast.Constant(value=None, kind=None)))) for p in template.params}
        terms = []
        for stmt in template.body:
            reads = {n.slice.id for n in gast.walk(stmt.value) if isinstance(n, gast.Subscript)
                     and isinstance(n.value, gast.Name) and n.value.id == "d"}
            if not all(isinstance(values[p], gast.Name) and values[p].id in self.active
                       for p in reads):
                continue
            terms.append(_Substitute(template, result, values, self.tan).visit(
                clone(stmt.value)))
        if not terms:
            return gast.Constant(value=0.0, kind=None)
        expr = terms[0]
        for t in terms[1:]:
            expr = gast.BinOp(left=expr, op=gast.Add(), right=t) if _returns_array(
                template.primal) else _call("add_tree", expr, t)
        return expr


def _is_pop_call(v):
    return (isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute)
            and v.func.attr == "pop" and isinstance(v.func.value, gast.Name) and not v.args)


def _list_append(s):
    v = s.value
    return (isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute)
            and v.func.attr == "append" and isinstance(v.func.value, gast.Name)
            and len(v.args) == 1)


def jvp_function(fun, wrt, has_aux=False, call=(None, ())):
    """Generated ``f_jvp(*args, *tangents of wrt) -> (out, tangent_out[, aux])`` for calls
    with ``call = (number of positional arguments, keyword names)`` (cached)."""
    return cache.generated(("forward", tuple(wrt), has_aux, call), fun,
                           lambda: _generate_forward(fun, wrt, has_aux, call))


def _generate_forward(fun, wrt, has_aux, call):
    fun = for_call(ruled_function_as_source(fun, call), call)
    bound = unbind(fun, wrt, call)
    if bound is not None:  # a bound method or partial: the function's jvp, bound
        plain, args, kwargs, wrt, call = bound
        return functools.partial(jvp_function(plain, wrt, has_aux, call), *args, **kwargs)
    parsed = parse_for_transform(fun)
    fwd = Forward(parsed, wrt, has_aux, call=call)
    fdef = fwd.build()
    header = (f"Forward-mode derivative of {parsed.name} ({parsed.where}), generated by s2s:\n"
              f"returns (value, tangent) for tangents of {', '.join(fwd.wrt)}.")
    return load_generated(parsed, fdef, fwd.free, helpers.namespace(), header, fun)
