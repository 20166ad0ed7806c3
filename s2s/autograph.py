"""``s2s.autograph``: Python control flow on traced values becomes lax control flow, in source.

Under ``jit`` a Python ``if x > 0:`` on a traced ``x`` raises ``TracerBoolConversionError`` and
``for i in range(1000):`` unrolls into a long program. ``autograph(f)`` (or
``jit(f, control_flow="convert")``) rewrites ``f``'s source once; in the converted function

- ``if``/``elif``/``else`` lifts each branch into a local function over the names it assigns
  and runs ``ag__.cond`` (``lax.cond``) when the condition is traced, else the Python ``if``;
- ``while`` lifts its test and body over the loop-carried names and runs Python's loop while
  the test gives Python values, then (from the first traced test on) ``ag__.while_loop``;
- ``for i in range(n)`` runs ``ag__.fori_loop`` when a bound is traced, or the loop is long
  (``autograph_runtime.FORI_LOOP_MIN_TRIPS``) and carries traced values, else the Python loop;
  ``for x in xs`` runs ``ag__.scan`` when ``xs`` is a traced array;
- ``y = a if c else b`` and ``return a if c else b`` convert as the ``if`` they mean;
- ``and``/``or``/``not`` in a condition become ``logical_and``/``logical_or``/``logical_not``
  of traced values (Python's short-circuits otherwise);
- early ``return``s and ``break``/``continue`` were first rewritten into assignments and
  flags (``s2s/autograph_jumps.py``).

The decisions are made when the statement runs (``s2s/autograph_runtime.py``), so eager code
and Python-valued conditions keep Python's semantics. Which names a statement carries comes
from a liveness analysis: those it assigns that are read later (or by the next iteration).
Statements this pass cannot lift (a ``return`` inside a loop, ``global``, assignments to items
or attributes, ``for``/``while`` with ``else``, ``for`` over anything but ``range(n)``,
``range(a, b)`` or an array) stay as written, so a traced condition there raises jax's error
as before. The result is ordinary Python calling ``s2s.lax``: grad, jvp and vmap transform it
like any other code.
"""
import functools

import gast

from s2s import autograph_runtime, cache, codegen
from s2s.parse import parse
from s2s.stage import stage
from s2s.syntax import clone

RUNTIME = "ag__"  # the name generated code calls the run-time helpers by


def autograph(fun):
    """``fun`` with Python control flow on traced values converted to lax control flow (see the
    module docstring); ``inspect.getsource`` of the result shows the converted source."""
    if getattr(fun, "__s2s_autograph__", False):
        return fun
    return cache.generated(("autograph",), fun, lambda: _convert(fun))


def _convert(fun):
    parsed = parse(fun)
    fdef, free = stage(parsed, {})
    free[RUNTIME] = autograph_runtime
    convert_function(fdef, parsed.filename)
    header = f"s2s.autograph: {parsed.fun.__qualname__} ({parsed.where}), control flow converted"
    fn = codegen.load(fdef, parsed.globals, free, header=header,
                      qualname=parsed.fun.__qualname__)
    fn.__s2s_original__ = parsed.fun
    fn.__s2s_autograph__ = True
    fn.__doc__ = parsed.fun.__doc__
    fn.__module__ = parsed.fun.__module__
    if parsed.bound_args or parsed.bound_kwargs:
        return functools.partial(fn, *parsed.bound_args, **parsed.bound_kwargs)
    return fn


def convert_function(fdef, filename):
    """Rewrite ``fdef``'s body in place (see the module docstring)."""
    used = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)} | {RUNTIME}
    _Converter(filename, used).function(fdef)


# ---- analysis ---------------------------------------------------------------------------------
_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef, gast.ListComp,
           gast.SetComp, gast.DictComp, gast.GeneratorExp)


def _walk_scope(node):
    """The nodes of ``node`` that run in its own scope (not inside nested functions/classes)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for c in gast.iter_child_nodes(n):
            if not isinstance(c, _SCOPES):
                todo.append(c)
            elif isinstance(c, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
                yield gast.Name(id=c.name, ctx=gast.Store(), annotation=None, type_comment=None)


def reads(node):
    """Every name read in ``node``, nested functions included (what they close over), and the
    targets of augmented assignments (``x += 1`` reads ``x``)."""
    nodes = node if isinstance(node, list) else [node]
    out = set()
    for x in nodes:
        for n in gast.walk(x):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                out.add(n.id)
            elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
                out.add(n.target.id)
    return out


def assigned(nodes):
    """Names bound in the statements ``nodes`` (in this scope, at any depth)."""
    return {n.id for x in nodes for n in _walk_scope(x)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _kills(s):
    """Names certainly bound by simple statement ``s``."""
    if isinstance(s, (gast.Assign, gast.AnnAssign)):
        return assigned([s])
    return set()


def _liveness(stmts, live_out, after):
    """Names live before ``stmts`` given those live after; records the names live after each
    statement in ``after`` (by id). Compound statements are approximated conservatively: every
    name they read is live before them, and they certainly bind nothing."""
    live = set(live_out)
    for s in reversed(stmts):
        after[id(s)] = set(live)
        if isinstance(s, gast.If):
            live = _liveness(s.body, live, after) | _liveness(s.orelse, live, after) | \
                reads(s.test)
        elif isinstance(s, (gast.While, gast.For)):
            head = reads(s.test if isinstance(s, gast.While) else s.iter)
            loop_out = live | head
            for _ in range(2):  # the back edge: what the next iteration reads
                inner = _liveness(s.body, loop_out, after)
                if isinstance(s, gast.For):
                    inner -= assigned([s.target])
                loop_out = live | head | inner
            live = loop_out | _liveness(s.orelse, live, after)
        else:
            live = (live - _kills(s)) | reads(s)
    return live


def _unliftable(stmts, loop):
    """Why the statements ``stmts`` (a branch, a loop body) cannot become a function, or None."""
    for x in stmts:
        for n in _walk_scope(x):
            if isinstance(n, gast.Return):
                return "a `return` inside it"
            if isinstance(n, (gast.Global, gast.Nonlocal)):
                return "a `global`/`nonlocal` declaration"
            if isinstance(n, (gast.Yield, gast.YieldFrom, gast.Await)):
                return "a `yield`/`await`"
            if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
                return "an assignment to an item or attribute"
    if loop:  # a break/continue of this loop (not of a loop inside it)
        todo = list(stmts)
        while todo:
            n = todo.pop()
            if isinstance(n, (gast.Break, gast.Continue)):
                return "a `break`/`continue` inside a `with`/`try`"
            if not isinstance(n, (gast.For, gast.While) + _SCOPES):
                todo.extend(gast.iter_child_nodes(n))
    else:
        if any(isinstance(n, (gast.Break, gast.Continue)) for x in stmts for n in _walk_scope(x)):
            return "a `break`/`continue` of an enclosing loop"
    return None


# ---- building syntax --------------------------------------------------------------------------
def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _names(ids, ctx=None):
    """``a`` for one name, ``(a, b)`` for several (``()`` for none)."""
    if len(ids) == 1:
        return _name(ids[0], ctx)
    return gast.Tuple(elts=[_name(i, ctx) for i in ids], ctx=ctx or gast.Load())


def _call(func, *args, **kwargs):
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in kwargs.items()])


def _ag(attr):
    return gast.Attribute(value=_name(RUNTIME), attr=attr, ctx=gast.Load())


def _assign(targets, value):
    if not targets:
        return gast.Expr(value=value)
    return gast.Assign(targets=[_names(targets, gast.Store())], value=value, type_comment=None)


def _const(v):
    return gast.Constant(value=v, kind=None)


def _def(name, params, body, returns=None):
    """``def name(params): body; return returns`` (``returns``: a list of names)."""
    args = gast.arguments(args=[_name(p, gast.Param()) for p in params], posonlyargs=[],
                          vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    if returns is not None:
        body = list(body) + [gast.Return(value=_names(returns) if returns else None)]
    return gast.FunctionDef(name=name, args=args, body=body, decorator_list=[],
                            returns=None, type_comment=None, type_params=[])


def _comment(text):
    return gast.Expr(value=_const(f"__s2s_comment__{text}"))


# ---- the conversion ---------------------------------------------------------------------------
class _Converter:
    def __init__(self, filename, used):
        self.filename, self.used = filename, used
        self.after = {}  # id(statement) -> the names live after it

    def fresh(self, base):
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def function(self, fdef):
        """Convert ``fdef``'s body (and those of the functions it defines), in place. Fresh
        names avoid every name of the outermost function, so none shadows a closed-over one."""
        from s2s.autograph_jumps import lower_jumps, lower_returns
        fdef.body = _conditional_expressions(fdef.body)
        lower_returns(fdef, self.fresh)
        lower_jumps(fdef, self.fresh)
        _liveness(fdef.body, set(), self.after)
        args = fdef.args
        params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
        params |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
        fdef.body = self.block(fdef.body, params)

    def where(self, s):
        return f"{self.filename}:{s.lineno}"

    def block(self, stmts, defined):
        """``stmts`` converted; ``defined``: the names that may be bound before them (updated
        with those they bind)."""
        out = []
        for s in stmts:
            if isinstance(s, gast.If):
                out += self.if_(s, defined)
            elif isinstance(s, gast.While):
                out += self.while_(s, defined)
            elif isinstance(s, gast.For):
                out += self.for_(s, defined)
            elif isinstance(s, gast.FunctionDef):  # a local function: its own conversion
                self.function(s)
                out.append(s)
            else:
                out.append(s)
            defined |= assigned([s])
        return out

    def python_condition(self, s, why):
        """The test of a statement left as Python, checked when it runs: a traced one raises
        jax's error saying why it was not converted."""
        return _call(_ag("python_condition"), s.test, _const(f"{self.where(s)}: "
                                                             f"{codegen.first_line(s)}"),
                     _const(why))

    def header(self, s):
        return _comment(f"{self.where(s)}: {codegen.first_line(s)}")

    def undefined(self, names, defined):
        """``z = ag__.Undefined('z')`` for the carried names not bound before the statement."""
        return [_assign([n], _call(_ag("Undefined"), _const(n))) for n in names
                if n not in defined]

    def require(self, what, s, names, defined):
        missing = [n for n in names if n not in defined]
        if not missing:
            return []
        return [gast.Expr(value=_call(_ag("require_defined"), _const(what),
                                      _const(self.where(s)),
                                      **{n: _name(n) for n in missing}))]

    def condition(self, test, name):
        """Statements computing condition ``test`` into ``name``: ``and``/``or``/``not`` of
        traced values become ``logical_and``/``logical_or``/``logical_not`` (both operands
        evaluated); of Python values they keep Python's meaning (short-circuits included)."""
        if isinstance(test, gast.BoolOp):
            out = self.condition(test.values[0], name)
            for v in test.values[1:]:
                part = self.fresh("cond")
                logical = "logical_and" if isinstance(test.op, gast.And) else "logical_or"
                python = self.condition(v, name)  # (no `not` on what vmap may map)
                python = gast.If(test=_name(name), body=python, orelse=[]) if \
                    isinstance(test.op, gast.And) else \
                    gast.If(test=_name(name), body=[gast.Pass()], orelse=python)
                out.append(gast.If(
                    test=_call(_ag("traced"), _name(name)),
                    body=self.condition(v, part) + [
                        _assign([name], _call(_ag(logical), _name(name), _name(part)))],
                    orelse=[python]))
            return out
        if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not) and \
                _has_logic(test.operand):
            return self.condition(test.operand, name) + [self.negate(name)]
        if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
            return [_assign([name], test.operand), self.negate(name)]
        return [_assign([name], test)]

    def negate(self, name):
        """``name = not name`` (as statements: vmap transforms a ``not`` it never runs)."""
        return gast.If(test=_call(_ag("traced"), _name(name)),
                       body=[_assign([name], _call(_ag("logical_not"), _name(name)))],
                       orelse=[gast.If(test=_name(name), body=[_assign([name], _const(False))],
                                       orelse=[_assign([name], _const(True))])])

    # ---- if ----------------------------------------------------------------------------------
    def if_(self, s, defined):
        header = self.header(s)
        if isinstance(s.test, gast.UnaryOp) and isinstance(s.test.op, gast.Not):
            swapped = gast.If(test=s.test.operand, body=s.orelse, orelse=s.body)  # `if not c`
            self.after[id(swapped)] = self.after[id(s)]
            s = gast.copy_location(swapped, s)
        why = _unliftable(s.body + s.orelse, loop=False)
        if why:
            s.test = self.python_condition(s, why)
            s.body = self.block(s.body, set(defined))
            s.orelse = self.block(s.orelse, set(defined))
            return [s]
        cond = self.fresh("cond")
        true_fn, false_fn = self.fresh("if_true"), self.fresh("if_false")
        body, orelse = self.block(s.body, set(defined)), self.block(s.orelse, set(defined))
        in_body, in_else = assigned(s.body), assigned(s.orelse)
        after = self.after[id(s)]
        outs = sorted((in_body | in_else) & after)
        # coming in: what a branch returns unchanged or reads before assigning it, unless both
        # branches assign it and it was not bound before
        read_first = _liveness(s.body, after, {}) | _liveness(s.orelse, after, {})
        params = sorted((in_body | in_else) & (set(outs) | read_first & defined) -
                        ((in_body & in_else) - defined))
        one_branch = [n for n in params if n not in defined]
        lax_path = self.require("if", s, one_branch, set()) + [
            _assign(outs, _call(_ag("cond"), _name(cond), _name(true_fn), _name(false_fn),
                                *[_name(p) for p in params]))]
        branch = gast.If(test=_name(cond),
                         body=[_assign(outs, _call(_name(true_fn), *map(_name, params)))],
                         orelse=[_assign(outs, _call(_name(false_fn), *map(_name, params)))])
        return [header, *self.undefined(one_branch, defined),
                *self.condition(s.test, cond),
                _def(true_fn, params, body, outs), _def(false_fn, params, orelse, outs),
                gast.If(test=_call(_ag("traced"), _name(cond)), body=lax_path,
                        orelse=[branch])]

    # ---- loops -------------------------------------------------------------------------------
    def carried(self, s, extra=()):
        """The names loop ``s`` assigns that a later iteration, its test or code after it
        reads."""
        inner = {}
        head = reads(s.test if isinstance(s, gast.While) else s.iter)
        live_in = _liveness(s.body, self.after[id(s)] | head, inner)
        return sorted(assigned(s.body) & (self.after[id(s)] | head | live_in) - set(extra))

    def while_(self, s, defined):
        carried = self.carried(s)
        why = "an `else` block" if s.orelse else _unliftable(s.body, loop=True)
        if why or not carried:
            if why:
                s.test = self.python_condition(s, why)
            s.body = self.block(s.body, set(defined))
            return [s]
        test_fn, body_fn = self.fresh("loop_test"), self.fresh("loop_body")
        test = self.fresh("cond")
        carry = self.fresh("carry") if len(carried) > 1 else carried[0]
        body = self.block(s.body, set(defined))
        unpack = [_assign(carried, _name(carry))] if len(carried) > 1 else []
        state = _names(carried)
        going = self.fresh("cond")
        # Python's loop while the condition is a Python value; from the first test that is
        # traced on (the first, or one after iterations that made the carried values traced),
        # the rest of the loop is one lax loop
        python = gast.While(test=_call(_ag("python_true"), _name(going)), body=[
            _assign(carried, _call(_name(body_fn), state)),
            _assign([going], _call(_name(test_fn), _names(carried)))], orelse=[])
        lax_path = self.require("while loop", s, carried, defined) + [
            _assign(carried, _call(_ag("while_loop"), _name(test_fn), _name(body_fn),
                                   _names(carried)))]
        return [self.header(s), *self.undefined(carried, defined),
                _def(test_fn, [carry], unpack + self.condition(s.test, test) +
                     [gast.Return(value=_name(test))]),
                _def(body_fn, [carry], unpack + body, carried),
                _assign([going], _call(_name(test_fn), _names(carried))), python,
                gast.If(test=_call(_ag("traced"), _name(going)), body=lax_path, orelse=[])]

    def for_(self, s, defined):
        target = s.target.id if isinstance(s.target, gast.Name) else None
        inside = set(defined) | assigned([s.target])
        carried = self.carried(s, extra=[target]) if target else []
        if s.orelse or target is None or not carried or target in self.after[id(s)] or \
                _unliftable(s.body, loop=True):
            s.body = self.block(s.body, inside)
            return [s]
        bounds = _range_bounds(s.iter)
        names = [self.fresh("lower"), self.fresh("upper")] if bounds else [self.fresh("items")]
        body_fn = self.fresh("loop_body")
        carry = self.fresh("carry") if len(carried) > 1 else carried[0]
        body = [_assign(carried, _name(carry))] if len(carried) > 1 else []
        body += self.block(s.body, inside)
        state = _names(carried)
        if bounds:  # for i in range(...): fori_loop(lower, upper, loop_body, carried)
            lower, upper = map(_name, names)
            loop_fn = _def(body_fn, [target, carry], body, carried)
            test = _call(_ag("traced_range"), lower, upper, state)
            lax_loop = _assign(carried, _call(_ag("fori_loop"), lower, upper, _name(body_fn),
                                              state))
            step = _assign(carried, _call(_name(body_fn), _name(target), state))
            iterated = _call(_name("range"), lower, upper)
        else:  # for x in xs: scan(loop_body, carried, xs) with no stacked outputs
            loop_fn = _def(body_fn, [carry, target], body)
            loop_fn.body.append(gast.Return(value=gast.Tuple(elts=[state, _const(None)],
                                                             ctx=gast.Load())))
            outs = self.fresh("no_outputs")
            pair = gast.Tuple(elts=[_names(carried, gast.Store()), _name(outs, gast.Store())],
                              ctx=gast.Store())
            test = _call(_ag("traced"), _name(names[0]))
            lax_loop = gast.Assign(targets=[pair], value=_call(
                _ag("scan"), _name(body_fn), state, _name(names[0])), type_comment=None)
            step = gast.Assign(targets=[clone(pair)], value=_call(_name(body_fn), state,
                                                                  _name(target)),
                               type_comment=None)
            bounds, iterated = [s.iter], _name(names[0])
        python = gast.For(target=_name(target, gast.Store()), iter=iterated, body=[step],
                          orelse=[], type_comment=None)
        lax_path = self.require("for loop", s, carried, defined) + [lax_loop]
        return [self.header(s), *self.undefined(carried, defined),
                _assign(names, gast.Tuple(elts=bounds, ctx=gast.Load()) if len(names) > 1
                        else bounds[0]),
                loop_fn, gast.If(test=test, body=lax_path, orelse=[python])]


def _conditional_expressions(block):
    """``y = a if c else b`` and ``return a if c else b`` (the whole value) as ``if``
    statements, which convert; the meaning is the same (``c``, then one branch, runs)."""
    out = []
    for s in block:
        value = getattr(s, "value", None)
        if isinstance(value, gast.IfExp) and (isinstance(s, gast.Return) or isinstance(
                s, gast.Assign) and len(s.targets) == 1):
            def rebuilt(v):
                new = clone(s)
                new.value = v
                return new
            s = gast.copy_location(gast.If(test=value.test, body=[rebuilt(value.body)],
                                           orelse=[rebuilt(value.orelse)]), s)
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                setattr(s, field, _conditional_expressions(getattr(s, field)))
        out.append(s)
    return out


def _has_logic(node):
    return isinstance(node, gast.BoolOp) or isinstance(node, gast.UnaryOp) and \
        isinstance(node.op, gast.Not)


def _range_bounds(node):
    """``[lower, upper]`` of ``range(upper)`` / ``range(lower, upper)``, else None."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
            node.func.id == "range" and not node.keywords and 1 <= len(node.args) <= 2 and \
            not any(isinstance(a, gast.Starred) for a in node.args):
        return [_const(0), node.args[0]] if len(node.args) == 1 else list(node.args)
    return None
