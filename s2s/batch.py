"""The batch transform (``vmap``): ``f`` -> ``f_vmap(*args, batch_size)``.

Mapped values (those that depend on a mapped argument) carry the batch axis in front. Code that
touches no mapped value is left as it is. A call with mapped arguments becomes
``batched(fn, mapped, *args)`` (its batching rule, ``s2s/rules/batching.py``), except
elementwise functions of one argument, which need no rule (``jnp.sin(x)`` stays); a call into a
user function calls that function's own generated ``*_vmap``. Shape queries on mapped values
(``x.shape``, ``x.ndim``, ``len(x)``, ``x.size``) are rewritten to the per-example view. The
generated function returns its outputs and, as a literal, which of them are mapped.
"""
import functools

import gast

from s2s.runtime import lax as rlax
from s2s.runtime import numpy as rnp
from s2s.runtime.core import Array
from s2s import cache, codegen, from_ir, methods
from s2s.errors import TransformError
from s2s.reverse import Reverse, _DISPLAYS, _assign, _at_update, _call, _control_flow, \
    _index_value, _is_record, _is_user_function, _key, _name, load_generated, \
    parse_for_transform, ruled_function_as_source, unbind, SHAPE_QUERIES, DTYPE_QUERIES, for_call
from s2s.rules import batching, helpers
from s2s.syntax import clone

_OPS = {gast.Add: rnp.add, gast.Sub: rnp.subtract, gast.Mult: rnp.multiply,
        gast.Div: rnp.true_divide, gast.Pow: rnp.power, gast.MatMult: rnp.matmul,
        gast.FloorDiv: rnp.floor_divide, gast.Mod: rnp.mod, gast.BitAnd: rnp.bitwise_and,
        gast.BitOr: rnp.bitwise_or, gast.BitXor: rnp.bitwise_xor}
_OP_NAMES = {gast.Add: "add", gast.Sub: "subtract", gast.Mult: "multiply",
             gast.Div: "true_divide", gast.Pow: "power", gast.MatMult: "matmul",
             gast.FloorDiv: "floor_divide", gast.Mod: "mod", gast.BitAnd: "bitwise_and",
             gast.BitOr: "bitwise_or", gast.BitXor: "bitwise_xor"}
_CMP = {gast.Lt: "less", gast.LtE: "less_equal", gast.Gt: "greater", gast.GtE: "greater_equal",
        gast.Eq: "equal", gast.NotEq: "not_equal"}
# functions of one array for which a batch axis in front changes nothing (elementwise ones,
# matrix_transpose)
_UNARY = {getattr(rnp, n) for n in [
    "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh",
    "arccosh", "arctanh", "exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt",
    "cbrt", "square", "reciprocal", "absolute", "abs", "negative", "positive", "sign", "floor",
    "ceil", "trunc", "rint", "isnan", "isinf", "isfinite", "logical_not", "invert", "real",
    "imag", "conj", "conjugate", "sinc", "deg2rad", "rad2deg", "nan_to_num", "asarray",
    "array", "zeros_like", "ones_like", "matrix_transpose"]}
_UNARY |= {getattr(rlax, n) for n in [
    "neg", "sign", "floor", "ceil", "exp", "expm1", "log", "log1p", "tanh", "logistic", "sin",
    "cos", "tan", "sqrt", "rsqrt", "cbrt", "conj", "asin", "acos", "atan", "sinh", "cosh",
    "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma", "abs", "real",
    "imag", "is_finite"]}


class Batch(Reverse):
    """One function's batch transformation."""

    mode_name = "vmap"

    def reserved_names(self):
        return set(_namespace())

    def read_whole(self):
        """Names read other than as ``name.append(...)`` / ``name.pop()`` (cached)."""
        if getattr(self, "_read_whole", None) is None:
            receivers = {id(n.func.value) for n in gast.walk(self.node)
                         if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                         and n.func.attr in ("append", "pop")}
            self._read_whole = {n.id for n in gast.walk(self.node) if isinstance(n, gast.Name)
                                and isinstance(n.ctx, gast.Load) and id(n) not in receivers}
        return self._read_whole

    def is_active(self, node):
        """Whether ``node``'s value differs between examples (shape queries do not)."""
        if node is None:
            return False
        if isinstance(node, gast.Name):
            return node.id in self.active or self.is_active_def(node.id)
        if isinstance(node, gast.Constant) or isinstance(node, gast.Compare) and all(
                isinstance(op, (gast.Is, gast.IsNot)) for op in node.ops):  # (identity)
            return False
        if isinstance(node, gast.Lambda):  # a lambda closing over mapped values
            return super().is_active(node)
        if isinstance(node, gast.Attribute) and node.attr in ("shape", "ndim", "dtype", "size"):
            return False
        if isinstance(node, gast.Call) and _key(self.static_value(node.func)) in SHAPE_QUERIES:
            return False
        if isinstance(node, gast.Call) and getattr(self.static_value(node.func),
                                                   "__s2s_dispatch__", False):
            return False  # (the same decision for every example: see expr)
        return any(self.is_active(c) for c in gast.iter_child_nodes(node))

    def build(self):
        body = [s for s in self.node.body if not (
            isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
        self.batch_size = self.fresh_named("batch_size")
        self.local_names = set()
        self.analyse(body)
        self.mapped = self.active
        stmts = self.block(body)
        # an unmapped parameter that later holds mapped values is batched from the start
        # (a name is mapped or not throughout the generated code)
        stmts = [_assign(p, _call("broadcast_batch", _name(p), _name(self.batch_size)))
                 for p in self.params if p in self.mapped and p not in self.wrt] + stmts
        args = clone(self.node.args)
        args.args.append(_name(self.batch_size, gast.Param()))
        return gast.FunctionDef(name=f"{self.node.name}_vmap", args=args, body=stmts,
                                decorator_list=[], returns=None, type_comment=None,
                                type_params=[])

    # ---- statements ------------------------------------------------------------------------
    def block(self, stmts):
        out = []
        for s in stmts:
            new = self.stmt(s)
            out += self.prelude + new  # lifted local functions the statement calls
            self.prelude = []
        return out or [gast.Pass()]

    def stmt(self, s):
        if isinstance(s, gast.Return):
            if s.value is None:
                self.fail(s, "`return` without a value")
            value, flags = self.returned(s.value)
            return [gast.copy_location(gast.Return(value=gast.Tuple(
                elts=[value, flags], ctx=gast.Load())), s)]
        if isinstance(s, gast.AugAssign):
            if not isinstance(s.target, gast.Name):
                self.fail(s, "augmented assignment to a subscript or attribute")
            s = gast.copy_location(_assign(s.target.id, gast.BinOp(
                left=_name(s.target.id), op=s.op, right=s.value)), s)
        if isinstance(s, gast.Assign):
            value, m = self.expr(s.value)
            if _is_pop(s.value):  # x = stack.pop(): x's own earlier value, mapped as x is
                m = True
            names = {n.id for t in s.targets for n in gast.walk(t) if isinstance(n, gast.Name)}
            if not m and names & self.mapped:
                if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
                    value = _call("broadcast_batch", value, _name(self.batch_size))
                else:
                    self.fail(s, "unpacking unmapped values into names that are mapped "
                                 "elsewhere")
            out = gast.copy_location(gast.Assign(targets=s.targets, value=value,
                                                 type_comment=None), s)
            return [out]
        if isinstance(s, gast.If):
            test, m = self.expr(s.test)
            if m:  # an error when (if) it runs, as jax's: the branch may be dead code
                return [self.branch_error(s, at_run_time=True)]
            return [gast.If(test=test, body=self.block(s.body), orelse=self.block(s.orelse))]
        if isinstance(s, gast.For):
            it, m = self.expr(s.iter)
            if m:
                it = _call("items", it)  # for row in X: rows of each example, still batched
            return [gast.For(target=s.target, iter=it, body=self.block(s.body),
                             orelse=self.block(s.orelse) if s.orelse else [],
                             type_comment=None)]
        if isinstance(s, gast.While):
            test, m = self.expr(s.test)
            if m:
                return [self.branch_error(s, at_run_time=True)]
            return [gast.While(test=test, body=self.block(s.body), orelse=[])]
        if isinstance(s, gast.Expr):
            value, _ = self.expr(s.value)
            return [gast.Expr(value=value)]
        if isinstance(s, (gast.Pass, gast.Break, gast.Continue, gast.Assert, gast.Raise)):
            return [s]
        if isinstance(s, gast.FunctionDef) and s.name in self.local_defs:
            self.check_local_def(s)
            return [s]
        self.fail(s, f"`{type(s).__name__}` statements")

    def branch_error(self, s, at_run_time=False):
        """Python control flow on a mapped value: jax's TracerBoolConversionError, raised by
        the generated code where the statement stood (``at_run_time``), else now."""
        message = (f"{self.where_file}:{s.lineno}: vmap cannot run Python control flow on a "
                   f"value that depends on the mapped inputs (in {self.parsed.name!r}): each "
                   f"example could take another branch. Compute both sides and select with "
                   f"jnp.where(condition, a, b).")
        if not at_run_time:
            raise TransformError(message)
        return gast.copy_location(gast.Expr(value=_call(
            "branch_error", gast.Constant(value=message, kind=None))), s)

    def returned(self, node):
        """The returned value and a literal saying which parts of it are mapped."""
        if isinstance(node, gast.Tuple):
            parts = [self.returned(e) for e in node.elts]
            return (gast.Tuple(elts=[p[0] for p in parts], ctx=gast.Load()),
                    gast.Tuple(elts=[p[1] for p in parts], ctx=gast.Load()))
        value, m = self.expr(node)
        return value, gast.Constant(value=m, kind=None)

    # ---- expressions -> (new expression, mapped?) -------------------------------------------
    def expr(self, node):
        if node is None:
            return None, False
        if isinstance(node, gast.Name):
            return node, node.id in self.mapped
        if isinstance(node, gast.Constant):
            return node, False
        if isinstance(node, gast.BinOp):
            (l, ml), (r, mr) = self.expr(node.left), self.expr(node.right)
            if not (ml or mr):
                return gast.BinOp(left=l, op=node.op, right=r), False
            if isinstance(node.op, gast.Add) and any(  # lists joined: entries of every example
                    isinstance(o, _DISPLAYS) or isinstance(o, gast.Name) and o.id in
                    self.displayed for o in (node.left, node.right)):
                l, r = (v if m else _call("broadcast_batch", v, _name(self.batch_size))
                        for v, m in ((l, ml), (r, mr)))
                return gast.BinOp(left=l, op=node.op, right=r), True
            fn = _OP_NAMES.get(type(node.op))
            if fn is None:
                self.fail(node, f"the `{type(node.op).__name__}` operator on mapped values")
            return self.rule(_jnp_attr(fn), [l, r], [ml, mr]), True
        if isinstance(node, gast.UnaryOp):
            v, m = self.expr(node.operand)
            if m and isinstance(node.op, gast.Not):
                self.fail(node, "`not` of a mapped value (use jnp.logical_not)")
            return gast.UnaryOp(op=node.op, operand=v), m
        if isinstance(node, gast.Compare) and all(isinstance(op, (gast.Is, gast.IsNot))
                                                  for op in node.ops):  # identity: unmapped
            return gast.Compare(left=self.expr(node.left)[0], ops=node.ops, comparators=[
                self.expr(c)[0] for c in node.comparators]), False
        if isinstance(node, gast.Compare):
            if len(node.ops) != 1:
                self.fail(node, "chained comparisons of mapped values")
            (l, ml), (r, mr) = self.expr(node.left), self.expr(node.comparators[0])
            if not (ml or mr):
                return gast.Compare(left=l, ops=node.ops, comparators=[r]), False
            return self.rule(_jnp_attr(_CMP[type(node.ops[0])]), [l, r], [ml, mr]), True
        if isinstance(node, gast.BoolOp):
            vals = [self.expr(v) for v in node.values]
            if any(m for _, m in vals):
                self.fail(node, "`and`/`or` on mapped values (use jnp.logical_and/or)")
            return gast.BoolOp(op=node.op, values=[v for v, _ in vals]), False
        if isinstance(node, gast.IfExp):
            test, mt = self.expr(node.test)
            if mt:
                self.branch_error(node)
            (b, mb), (o, mo) = self.expr(node.body), self.expr(node.orelse)
            if mb != mo:
                b = b if mb else _call("broadcast_batch", b, _name(self.batch_size))
                o = o if mo else _call("broadcast_batch", o, _name(self.batch_size))
            return gast.IfExp(test=test, body=b, orelse=o), mb or mo
        if isinstance(node, gast.Attribute):
            v, m = self.expr(node.value)
            if not m:
                return gast.Attribute(value=v, attr=node.attr, ctx=gast.Load()), False
            if node.attr == "shape":
                return _call("per_example_shape", v), False
            if node.attr == "ndim":
                return gast.BinOp(left=gast.Attribute(value=v, attr="ndim", ctx=gast.Load()),
                                  op=gast.Sub(), right=gast.Constant(value=1, kind=None)), False
            if node.attr == "size":
                return _call("per_example_size", v), False
            if node.attr in ("dtype", "weak_type"):
                return gast.Attribute(value=v, attr=node.attr, ctx=gast.Load()), False
            if node.attr == "T":
                return self.rule(_jnp_attr("transpose"), [v], [True]), True
            if node.attr in ("real", "imag", "mT"):  # the batch axis in front rides along
                return gast.Attribute(value=v, attr=node.attr, ctx=gast.Load()), True
            return gast.Attribute(value=v, attr=node.attr, ctx=gast.Load()), True
        if isinstance(node, gast.Subscript):
            (v, mv), (i, mi) = self.expr(node.value), self.index(node.slice)
            if not (mv or mi):
                return gast.Subscript(value=v, slice=i, ctx=gast.Load()), False
            if mv and not mi and self.is_container_read(node):
                return gast.Subscript(value=v, slice=i, ctx=gast.Load()), True
            return self.rule(_jnp_attr("_getitem"), [v, _index_value(i)], [mv, mi]), True
        if isinstance(node, (gast.Tuple, gast.List)):
            parts = self.uniform([self.expr(e) for e in node.elts])
            return type(node)(elts=[p[0] for p in parts], ctx=gast.Load()), any(
                m for _, m in parts)
        if isinstance(node, gast.Dict):
            parts = self.uniform([self.expr(v) for v in node.values])
            return gast.Dict(keys=node.keys, values=[p[0] for p in parts]), any(
                m for _, m in parts)
        if isinstance(node, gast.Call):
            return self.call(node)
        if isinstance(node, gast.Lambda) and not self.lifted_names(node):
            return node, False
        if isinstance(node, gast.Slice):  # (bounds read from shapes are per example)
            parts = [self.expr(p) for p in (node.lower, node.upper, node.step)]
            if any(m for _, m in parts):
                self.fail(node, "slice bounds that depend on mapped values")
            return gast.Slice(*[v for v, _ in parts]), False
        if isinstance(node, gast.JoinedStr):  # f"{x.shape}": formatted per example
            values = []
            for v in node.values:
                if isinstance(v, gast.FormattedValue):
                    value, m = self.expr(v.value)
                    if m:
                        self.fail(node, "formatting a mapped value in an f-string (vmap's "
                                        "generated code holds the whole batch; format its "
                                        "shape or dtype)")
                    v = gast.FormattedValue(value=value, conversion=v.conversion,
                                            format_spec=v.format_spec)
                values.append(v)
            return gast.JoinedStr(values=values), False
        self.fail(node, f"`{type(node).__name__}` expressions of mapped values")

    def index(self, node):
        """An index: a tuple of slices and values stays a tuple (no entry is broadcast); it is
        mapped if any entry is."""
        if isinstance(node, gast.Tuple):
            parts = [self.expr(e) for e in node.elts]
            if any(m for _, m in parts):  # index arrays of every example; slices stay slices
                parts = [(v, m) if m or isinstance(e, gast.Slice) or (
                    isinstance(e, gast.Constant) and e.value in (None, Ellipsis)) else
                    (_call("broadcast_batch", v, _name(self.batch_size)), True)
                    for (v, m), e in zip(parts, node.elts)]
            return gast.Tuple(elts=[p[0] for p in parts], ctx=gast.Load()), any(
                m for _, m in parts)
        return self.expr(node)

    def uniform(self, parts):
        """A container with a mapped entry is mapped through and through: its other entries
        are repeated for every example."""
        if not any(m for _, m in parts):
            return parts
        return [(v if m else _call("broadcast_entry", v, _name(self.batch_size)), True)
                for v, m in parts]

    def is_container_read(self, node):
        """``params["W"]``: a string key reads a container, which stays as it is."""
        return isinstance(node.slice, gast.Constant) and isinstance(node.slice.value, str)

    def rule(self, func, args, mapped, keywords=()):
        flags = gast.Tuple(elts=[gast.Constant(value=bool(m), kind=None) for m in mapped],
                           ctx=gast.Load())
        return gast.Call(func=_name("batched"), args=[func, flags] + list(args),
                         keywords=list(keywords))

    def call(self, node):
        if any(isinstance(a, gast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            self.fail(node, "calls with *args or **kwargs on mapped values")
        func = node.func
        if isinstance(func, gast.Attribute) and func.attr in ("append", "pop") and \
                isinstance(func.value, gast.Name) and self.static_value(func.value) is None:
            # a list of values (a tape, ys.append(y)): batched values go in and come out as
            # they are; whether a popped value is mapped is its target's business. A mapped
            # list also read as a whole (stacked, passed on) gets only batched entries.
            mapped_list = func.value.id in self.mapped
            args = [v if m or not (mapped_list and func.attr == "append" and
                                   func.value.id in self.read_whole())
                    else _call("broadcast_batch", v, _name(self.batch_size))
                    for v, m in (self.expr(a) for a in node.args)]
            return gast.Call(func=func, args=args, keywords=[]), mapped_list
        at = _at_update(node)
        if at is not None:  # x.at[i].set(v): the rule of at_set / at_add
            op, target, index = at
            (x, mx), (i, mi) = self.expr(target), self.expr(index)
            vals = [self.expr(a) for a in node.args]
            if op in ("set", "add") and len(vals) == 1 and not node.keywords:
                fn = "at_set" if op == "set" else "at_add"  # (a mapped index: per example)
                if mx or mi or vals[0][1]:
                    return self.rule(_name(fn), [x, _index_value(i), vals[0][0]],
                                     [mx, mi, vals[0][1]]), True
        if isinstance(func, gast.Attribute) and func.attr in ("astype", "conj", "conjugate",
                                                              "copy", "view"):
            obj, mo = self.expr(func.value)
            args = [self.expr(a) for a in node.args]
            if mo and not any(m for _, m in args):  # elementwise: the batch axis rides along
                return gast.Call(func=gast.Attribute(value=obj, attr=func.attr,
                                                     ctx=gast.Load()),
                                 args=[a for a, _ in args], keywords=node.keywords), True
        if isinstance(func, gast.Attribute) and methods.function_name(func.attr) and \
                self.static_value(func.value) is None:  # a method of a value, not jnp.sum
            obj, mo = self.expr(func.value)
            args = [self.expr(a) for a in node.args]
            if mo or (func.attr == "dot" and any(m for _, m in args)):
                # x.sum(0) on a mapped x: jnp.sum's rule (x.dot(y): either may be mapped)
                kws = [(k.arg, self.expr(k.value)) for k in node.keywords]
                if any(m for _, (_, m) in kws) or (func.attr != "dot" and any(
                        m for _, m in args)):
                    self.fail(node, "method arguments that depend on mapped values")
                values = [a for a, _ in args]
                if func.attr in ("reshape", "transpose") and len(values) > 1:
                    values = [gast.Tuple(elts=values, ctx=gast.Load())]
                return self.rule(_jnp_attr(methods.function_name(func.attr)), [obj] + values,
                                 [mo] + [m for _, m in args],
                                 [gast.keyword(arg=k, value=v) for k, (v, _) in kws]), True
        if isinstance(func, gast.Attribute) and not isinstance(func.value, gast.Name) or \
                isinstance(func, gast.Attribute) and func.value.id in self.mapped:
            receiver, mr = self.expr(func.value)
            if mr:
                self.fail(node, f"the method `.{func.attr}()` of a mapped value")
        fn = self.static_value(func)
        if _is_user_function(fn) and not isinstance(fn, type) and not from_ir.readable(fn):
            fn = None  # no source to read: traced when it runs, through call_vjp & co
        if _key(fn) in _control_flow():
            return self.control_flow(node, fn)
        args = [self.expr(a) for a in node.args]
        kws = [(k.arg, self.expr(k.value)) for k in node.keywords]
        mapped = [m for _, m in args]
        new_kw = [gast.keyword(arg=k, value=v) for k, (v, _) in kws]
        values = [a for a, _ in args]
        if not any(mapped) and not any(m for _, (_, m) in kws):
            return gast.Call(func=func, args=values, keywords=new_kw), False
        if getattr(fn, "__s2s_dispatch__", False):  # autograph's run-time decision: told
            flags = gast.Tuple(elts=[gast.Constant(value=m, kind=None) for m in mapped],
                               ctx=gast.Load())  # which values are mapped, it treats them
            return gast.Call(func=func, args=values, keywords=new_kw + [  # as traced
                gast.keyword(arg="mapped", value=flags)]), False
        if _is_record(fn):  # a container of batched values
            def bring(v, m):
                return v if m else _call("broadcast_batch", v, _name(self.batch_size))
            return gast.Call(func=func, args=[bring(v, m) for v, m in args], keywords=[
                gast.keyword(arg=k, value=bring(v, m)) for k, (v, m) in kws]), True
        if fn is len and mapped[0]:
            return _call("per_example_len", values[0]), False
        if _key(fn) in SHAPE_QUERIES and mapped[0] and len(values) == 1:  # of one example
            query = {"ndim": "per_example_ndim", "shape": "per_example_shape",
                     "size": "per_example_size"}.get(getattr(fn, "__name__", None))
            if query is not None:
                return _call(query, values[0]), False
        if fn in (type, isinstance) or _key(fn) in DTYPE_QUERIES:  # the same for every example
            return gast.Call(func=func, args=values, keywords=new_kw), False
        if fn in _UNARY and len(values) == 1 and not new_kw:
            return gast.Call(func=func, args=values, keywords=[]), True
        if fn is not None and _is_user_function(fn) and not isinstance(fn, type):
            flags = {id(v): m for v, m in args + [vm for _, vm in kws]}
            values, kwargs = self.positional_call(node, fn, values,
                                                  {k.arg: k.value for k in new_kw})
            mapped = [flags.get(id(v), False) for v in values]
            callee = vmap_function(fn, tuple(i for i, m in enumerate(mapped) if m),
                                   (len(values), tuple(kwargs)))
            base = "".join(c for c in fn.__name__ if c.isalnum() or c == "_") or "fn"
            name = self.fresh_named(f"{base}_vmap")
            self.free[name] = callee
            # the callee returns (outputs, which are mapped); results are brought to the batch
            return _call("batched_result", _call(name, *values, _name(self.batch_size),
                                                 **kwargs),
                         _name(self.batch_size)), True
        if any(m for _, (_, m) in kws):
            if fn not in batching.KEYWORD_MAPPED:
                self.fail(node, "keyword arguments that depend on mapped values")
            # (callbacks: the flags of the keyword arguments follow the positional ones)
            return self.rule(func, values, mapped + [m for _, (_, m) in kws], new_kw), True
        if fn is None and self.is_active(func):
            self.fail(node, f"calling `{codegen.to_source(func).strip()}`, a function that "
                            f"differs between examples")
        if fn is None:  # self.forward, a function passed in: batched when it runs
            kwargs = {k: v for k, (v, m) in kws}
            wrt = gast.Tuple(elts=[gast.Constant(value=i, kind=None)
                                   for i, m in enumerate(mapped) if m], ctx=gast.Load())
            return _call("batched_result", _call("call_vmap", func, wrt, _name(
                self.batch_size), *values, **kwargs), _name(self.batch_size)), True
        return self.rule(func, values, mapped, new_kw), True

    def control_flow(self, node, fn):
        """``lax.fori_loop`` & co on mapped values: the rule of ``s2s/rules/control.py`` runs
        each body vmapped, lifted over the mapped values it closes over."""
        kind, a, fnodes, free, ops = self.control_parts(node, fn)
        done = {k: self.expr(a[k]) for k in ("init_val", "init", "xs", "lower", "upper",
                                             "pred", "index") if k in a}
        done_ops = [self.expr(o) for o in ops]
        for k in ("lower", "upper"):
            if k in done and done[k][1]:
                self.fail(node, f"a `{k}` bound of lax.fori_loop that depends on mapped values")
        if not free and not any(m for _, m in list(done.values()) + done_ops):
            return gast.Call(func=node.func, args=[self.expr(x)[0] for x in node.args],
                             keywords=node.keywords), False
        lifted = [self.lift(f, free) for f in fnodes]
        flag = lambda m: gast.Constant(value=bool(m), kind=None)  # noqa: E731
        tup = lambda xs: gast.Tuple(elts=list(xs), ctx=gast.Load())  # noqa: E731
        free_t, free_m = tup([_name(n) for n in free]), tup([flag(True) for _ in free])
        size = _name(self.batch_size)
        val = lambda k: done[k][0]  # noqa: E731
        if kind == "fori_loop":
            args = [val("lower"), val("upper"), lifted[0], free_t, free_m, val("init_val"),
                    flag(done["init_val"][1]), size]
        elif kind == "while_loop":
            args = [lifted[0], lifted[1], free_t, free_m, val("init_val"),
                    flag(done["init_val"][1]), size]
        elif kind in ("scan", "map"):
            xs = done.get("xs", (gast.Constant(value=None, kind=None), False))
            args = [lifted[0], free_t, free_m]
            if kind == "scan":
                args += [val("init"), flag(done["init"][1])]
            args += [xs[0], flag(xs[1]), size]
        else:
            sel = "pred" if kind == "cond" else "index"
            branches = lifted if kind == "cond" else [gast.List(elts=lifted, ctx=gast.Load())]
            args = [val(sel), flag(done[sel][1]), *branches, free_t, free_m,
                    tup([v for v, _ in done_ops]), tup([flag(m) for _, m in done_ops]), size]
        kw = [gast.keyword(arg=k, value=a[k]) for k in ("length", "reverse") if k in a and
              kind == "scan"]
        call = _call(f"{kind}_vmap", *args)
        call.keywords = kw
        return call, True


def _is_pop(node):
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and node.func.attr == "pop" and not node.args)


def _jnp_attr(name):
    return gast.Attribute(value=_name("jnp"), attr=name, ctx=gast.Load())


def batched_result(result, size):
    """A generated ``*_vmap``'s (outputs, mapped) as outputs that all carry the batch."""
    out, flags = result
    return _bring(out, flags, size)


def _bring(out, flags, size, entry=False):
    if isinstance(flags, tuple):
        return type(out)(_bring(o, f, size, True) for o, f in zip(out, flags)) if isinstance(
            out, (tuple, list)) else out
    if flags:
        return batching.sized(out, size)
    return batching.broadcast_entry(out, size) if entry else batching.broadcast_batch(out, size)


def call_vmap(fn, mapped, batch_size, *args, **kwargs):
    """``fn(*args)`` for every example, ``fn`` known only at run time: its generated batched
    code, cached. Returns (outputs, which are mapped)."""
    flags = [i in mapped for i in range(len(args))]
    if isinstance(fn, _Batched) and not kwargs:  # vmap(g), made at run time: one merged batch
        merged = _merge_nested(fn, list(args), flags, batch_size)
        return (merged[0] if merged is not None else batching.loop(fn, flags, *args)), True
    fn = stand_in_batched(fn, args, flags) if not kwargs else fn
    return vmap_function(fn, tuple(mapped), (len(args), tuple(kwargs)))(
        *args, batch_size, **kwargs)


def stand_in_batched(fn, args, mapped):
    """``from_ir.stand_in`` for batched arguments: traced on one example's shapes."""
    from s2s.from_ir import readable, stand_in
    if readable(fn):
        return fn
    return stand_in(fn, [a[0] if m else a for a, m in zip(args, mapped)])


def vmap_function(fun, mapped, call=(None, ())):
    """Generated ``f_vmap(*args, batch_size) -> (outputs, which are mapped)`` for ``fun`` with
    the positional parameters ``mapped`` carrying a batch axis in front, for calls with
    ``call = (number of positional arguments, keyword names)`` (cached)."""
    return cache.generated(("batch", tuple(mapped), call), fun,
                           lambda: _generate_batch(fun, mapped, call))


def _generate_batch(fun, mapped, call):
    from s2s.jacobians import _Jacobian
    if isinstance(fun, _Jacobian):  # a loop over basis vectors in Python: run per example
        def per_example(*args_and_size, **kwargs):
            args = args_and_size[:-1]
            flags = tuple(i in mapped for i in range(len(args)))
            return batching.loop(fun, flags, *args, **kwargs), True
        return per_example
    fun = for_call(ruled_function_as_source(fun, call), call)
    bound = unbind(fun, mapped, call)
    if bound is not None:  # a bound method or partial: the function's batched code, bound
        plain, args, kwargs, mapped, call = bound
        return functools.partial(vmap_function(plain, mapped, call), *args, **kwargs)
    parsed = parse_for_transform(fun)
    b = Batch(parsed, mapped, call=call)
    fdef = b.build()
    header = (f"Batched (vmap) version of {parsed.name} ({parsed.where}), generated by s2s:\n"
              f"mapped parameters {', '.join(b.wrt)} carry the batch axis in front.")
    return load_generated(parsed, fdef, b.free, _namespace(), header, fun)


def _namespace():
    """The names vmap's generated code calls s2s's helpers by."""
    from s2s.rules import control as control_rules
    return {"at_set": helpers.at_set, "at_add": helpers.at_add, "batched": batching.batched,
            "broadcast_batch": batching.broadcast_batch,
            "per_example_shape": batching.per_example_shape,
            "per_example_size": batching.per_example_size, "items": batching.items,
            "per_example_ndim": batching.per_example_ndim,
            "per_example_len": batching.per_example_len, "call_vmap": call_vmap,
            "batched_result": batched_result, "branch_error": batching.branch_error,
            "broadcast_entry": batching.broadcast_entry,
            "jnp": rnp, **control_rules.namespace()}


# ---- the API -----------------------------------------------------------------------------------

class _Batched:
    """What ``vmap(f)`` returns. ``__wrapped__`` is the generated batched function for mapping
    every positional argument, so ``inspect.getsource(s2s.vmap(f))`` shows its source."""

    def __init__(self, fun, in_axes, out_axes, axis_size):
        from s2s.runtime.tree_util import tree_flatten
        if isinstance(in_axes, list):
            in_axes = tuple(in_axes)
        for leaf in tree_flatten(in_axes, is_leaf=lambda x: x is None)[0]:
            if leaf is not None and not isinstance(leaf, int):
                raise TypeError(f"vmap in_axes must be an int, None, or a tuple of entries "
                                f"corresponding to the positional arguments passed to the "
                                f"function, but got {in_axes}.")
        self.fun, self.in_axes, self.out_axes, self.axis_size = fun, in_axes, out_axes, axis_size
        self.__name__ = getattr(fun, "__name__", "fun")
        self.__qualname__ = getattr(fun, "__qualname__", self.__name__)
        self.__module__ = getattr(fun, "__module__", None)
        self.__doc__ = getattr(fun, "__doc__", None)

    def s2s_fingerprint(self, pins):
        return ("vmap", repr(self.in_axes), repr(self.out_axes), self.axis_size,
                cache.fingerprint(self.fun, pins))

    @property
    def __wrapped__(self):
        import inspect
        if not from_ir.readable(self.fun):  # the code of its last traced stand-in, if any
            return from_ir.sourceless_wrapped(self)
        n = len([p for p in inspect.signature(self.fun).parameters.values()  # as grad's
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                 and p.default is p.empty])
        mapped = tuple(i for i in range(n) if self._axes_for(i, n) is not None)
        generated = vmap_function(self.fun, mapped)
        while isinstance(generated, functools.partial):  # a bound method's, bound
            generated = generated.func
        return generated

    @property
    def __signature__(self):
        return from_ir.sourceless_signature(self)

    def _axes_for(self, i, n):
        if isinstance(self.in_axes, tuple):
            return self.in_axes[i] if i < len(self.in_axes) else None
        return self.in_axes

    def __call__(self, *args, **kwargs):
        from s2s.runtime.tree_util import flatten_up_to, tree_flatten, tree_structure, \
            tree_unflatten
        if kwargs:
            raise TypeError("s2s.vmap: pass mapped arguments positionally (keyword arguments "
                            "are not mapped in JAX either; close over them).")
        if isinstance(self.in_axes, tuple) and len(self.in_axes) != len(args):
            raise ValueError(f"vmap in_axes specification must be a tree prefix of the "
                             f"corresponding value, got specification {self.in_axes} for value "
                             f"tree {tree_structure(args)}.")
        from s2s.runtime.tree_util import for_staging
        args = for_staging(args)  # typed keys: batch their data
        sizes, prepared, mapped = [], [], []
        for i, a in enumerate(args):
            spec = self._axes_for(i, len(args))
            leaves, tree = tree_flatten(a)
            specs = flatten_up_to(tree, spec) if not isinstance(spec, (int, type(None))) else \
                [spec] * len(leaves)
            for leaf, ax in zip(leaves, specs):
                if ax is not None:
                    nd = rnp.ndim(leaf)
                    if not -nd <= ax < nd:
                        raise ValueError(f"vmap was requested to map its argument along axis "
                                         f"{ax}, which implies that its rank should be at least "
                                         f"{(ax + 1) if ax >= 0 else -ax}, but is only {nd} (its "
                                         f"shape is {rnp.shape(leaf)})")
                    sizes.append((rnp.shape(leaf)[ax % nd], ax, i, leaf))
            prepared.append((leaves, tree, specs))
        size = self.axis_size
        if sizes:
            if len({s for s, *_ in sizes}) > 1:
                names = self._arg_names(len(args))
                lines = [f"  * one axis had size {s}: axis {ax} of argument {names[i]} of type "
                         f"{_type_str(leaf)}" for s, ax, i, leaf in sizes]
                raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n" +
                                 ";\n".join(lines))
            if size is not None and size != sizes[0][0]:
                raise ValueError(f"vmap got inconsistent sizes: axis_size={size} but an axis "
                                 f"to be mapped has size {sizes[0][0]}")
            size = sizes[0][0]
        if size is None:
            raise ValueError("vmap must have at least one non-None value in in_axes")
        new_args = []
        for i, (leaves, tree, specs) in enumerate(prepared):
            if all(ax is None for ax in specs):
                new_args.append(tree_unflatten(tree, leaves))
                mapped.append(False)
                continue
            moved = [rnp.moveaxis(l, ax, 0) if ax is not None else
                     batching.broadcast_batch(l, size) for l, ax in zip(leaves, specs)]
            new_args.append(tree_unflatten(tree, moved))
            mapped.append(True)
        if isinstance(self.fun, _Batched):  # vmap of vmap: one batch of size*inner size
            merged = _merge_nested(self.fun, new_args, mapped, size)
            if merged is not None:
                return _place_outputs(merged[0], True, self.out_axes, size)
            out = batching.loop(self.fun, mapped, *new_args)  # pytree axes: per example
            return _place_outputs(out, True, self.out_axes, size)
        fun = stand_in_batched(self.fun, new_args, mapped)
        generated = vmap_function(fun, tuple(i for i, m in enumerate(mapped) if m),
                                  (len(new_args), ()))
        if fun is not self.fun:  # (what ``__wrapped__`` shows for a function without source)
            self.traced = _Batched(fun, self.in_axes, self.out_axes, self.axis_size)
        out, flags = generated(*new_args, size)
        return _place_outputs(out, flags, self.out_axes, size)

    def _arg_names(self, n):
        import inspect
        try:
            params = [p.name for p in inspect.signature(self.fun).parameters.values()]
        except (TypeError, ValueError):
            params = []
        return [params[i] if i < len(params) else f"args[{i}]" for i in range(n)]


def _merge_nested(inner, args, outer_mapped, outer_size):
    """``vmap(vmap(g, in1, out1))`` on arguments whose outer batch is in front: both batch axes
    merged into one of outer*inner size, one call of ``vmap(g)``, then split again: a 1-tuple
    of the outputs (which may be None), or None when the inner axes are not plain ints/None
    (the caller then loops)."""
    n = len(args)
    in1 = inner.in_axes if isinstance(inner.in_axes, tuple) else (inner.in_axes,) * n
    if len(in1) != n or not all(a is None or isinstance(a, int) for a in in1) or \
            not isinstance(inner.out_axes, int) or not all(
                isinstance(a, Array) or not m for a, m in zip(args, outer_mapped)):
        return None
    sizes = {rnp.shape(a)[(ax + 1 if m and ax >= 0 else ax)] for a, ax, m in
             zip(args, in1, outer_mapped) if ax is not None}
    if len(sizes) != 1:
        return None
    inner_size = sizes.pop()
    total = outer_size * inner_size
    merged, flags = [], []
    for a, ax, m in zip(args, in1, outer_mapped):
        if ax is None and not m:
            merged.append(a)
            flags.append(None)
            continue
        if m and ax is not None:  # (outer, ..., inner at ax, ...) -> (outer, inner, ...)
            a = rnp.moveaxis(a, ax + 1 if ax >= 0 else ax, 1)
        elif m:  # mapped outside only: the same value for every inner example
            a = rnp.broadcast_to(rnp.expand_dims(a, 1),
                                 (outer_size, inner_size) + tuple(rnp.shape(a)[1:]))
        else:  # mapped inside only
            a = rnp.moveaxis(a, ax, 0)
            a = rnp.broadcast_to(a, (outer_size,) + tuple(rnp.shape(a)))
        merged.append(rnp.reshape(a, (total,) + tuple(rnp.shape(a)[2:])))
        flags.append(0)
    out = vmap(inner.fun, in_axes=tuple(flags), out_axes=0)(*merged)

    def split(o):  # (outer*inner, ...) -> (outer, ...) with the inner axis at out1
        o = rnp.reshape(o, (outer_size, inner_size) + tuple(rnp.shape(o)[1:]))
        dest = inner.out_axes + 1 if inner.out_axes >= 0 else inner.out_axes
        return rnp.moveaxis(o, 1, dest) if dest != 1 else o
    from s2s.runtime.tree_util import tree_map
    return (tree_map(split, out),)


def _type_str(x):
    from s2s.runtime import dtypes
    dt = dtypes.dtype_and_weak(x)[0]
    return f"{dt.name}[{','.join(str(d) for d in rnp.shape(x))}]"


def _place_outputs(out, flags, out_axes, size):
    """Outputs with the batch axis moved to ``out_axes`` (unmapped ones broadcast first)."""
    from s2s.runtime.tree_util import flatten_up_to, for_staging, tree_flatten, tree_unflatten
    out = for_staging(out)
    leaves, tree = tree_flatten(out)
    flag_leaves = _expand_prefix(flags, out, tree)
    axes = flatten_up_to(tree, out_axes) if not isinstance(out_axes, (int, type(None))) else \
        [out_axes] * len(leaves)
    placed = []
    for leaf, m, ax in zip(leaves, flag_leaves, axes):
        if ax is None:
            if m:
                raise ValueError("vmap has mapped output but out_axes is None")
            placed.append(leaf)
            continue
        leaf = batching.sized(leaf, size) if m else batching.broadcast_batch(leaf, size)
        placed.append(rnp.moveaxis(leaf, 0, ax) if ax != 0 else leaf)
    return tree_unflatten(tree, placed)


def _expand_prefix(flags, out, tree):
    from s2s.runtime.tree_util import tree_flatten
    if isinstance(flags, tuple) and isinstance(out, (tuple, list)):
        return [f for o, fl in zip(out, flags) for f in _expand_prefix(fl, o, None)]
    return [bool(flags)] * len(tree_flatten(out)[0])


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Vectorise ``fun`` over a leading (``in_axes``) axis by generating its batched source."""
    if not callable(fun):
        raise TypeError(f"Expected a callable value, got {fun}")
    return _Batched(fun, in_axes, out_axes, axis_size)
