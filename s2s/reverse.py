"""Reverse mode as a source transformation: ``f`` -> ``f_grad``, ``f_vjp``.

The generated function runs the user's code (the forward sweep), then a backward sweep that
walks the statements in reverse and, for each one that computes an active value, writes the
adjoint template of the function it calls (``s2s/rules/adjoints.py``) with the call's own names
substituted. ``bx`` is the adjoint of ``x``. Loops stay loops: the backward loop runs over the
iterations the forward loop ran (recorded as it went), and a value a statement overwrites is
pushed on ``tape`` before the overwrite and popped back by the backward sweep. ``if`` records its
condition. Each backward block carries a ``# grad of: <primal line>`` comment.

Unsupported constructs raise ``TransformError`` naming the user's file and line.
"""
import copy
import functools
import os
import sys
import types

import gast
import numpy as np

from s2s.runtime import callbacks, dtypes
from s2s.runtime import lax as rlax
from s2s.runtime import numpy as rnp
from s2s.runtime import tree_util
from s2s import cache, codegen, custom, desugar, from_ir, lift, methods, naming, parse as parse_mod, \
    signature
from s2s.errors import TransformError, TransformValueError
from s2s.rules import ADJOINTS, NONDIFFERENTIABLE
from s2s.rules import adjoints as _registered  # noqa: F401  (fills ADJOINTS)
from s2s.rules import helpers
from s2s.syntax import clone

_DISPLAYS = (gast.List, gast.Tuple, gast.ListComp)
_BINOPS = {gast.Add: rnp.add, gast.Sub: rnp.subtract, gast.Mult: rnp.multiply,
           gast.Div: rnp.true_divide, gast.Pow: rnp.power, gast.MatMult: rnp.matmul,
           gast.Mod: rnp.remainder}
_OPNAME = {gast.Add: "add", gast.Sub: "subtract", gast.Mult: "multiply", gast.Div: "true_divide",
           gast.Pow: "power", gast.MatMult: "matmul", gast.FloorDiv: "floor_divide",
           gast.Mod: "mod"}
_BITWISE = (gast.BitOr, gast.BitAnd, gast.BitXor, gast.LShift, gast.RShift)
_INACTIVE_ATTRS = {"shape", "ndim", "dtype", "size", "weak_type"}
COMMENT = "__s2s_comment__"
_UNKNOWN = object()  # a value the transform cannot know before running
# functions whose results carry no derivative (shapes, indices, signs, fresh constants)
# functions of a value's dtype only: the same for every example of a batch, and constant
DTYPE_QUERIES = {np.dtype, np.result_type, np.issubdtype, np.finfo, np.iinfo, np.promote_types,
                 np.can_cast, rnp.result_type, rnp.issubdtype, rnp.finfo, rnp.iinfo,
                 rnp.promote_types, rnp.can_cast, rnp.isdtype, dtypes.dtype_and_weak,
                 dtypes.promote_weak, dtypes.to_inexact}
SHAPE_QUERIES = {len, type, isinstance, rnp.shape, rnp.ndim, rnp.size, np.shape, np.ndim,
                 np.size} | DTYPE_QUERIES
_NONDIFFERENTIABLE = NONDIFFERENTIABLE
_NONDIFFERENTIABLE |= SHAPE_QUERIES | {
                      int, range, bool, print, callbacks.debug_print, callbacks.debug_callback,
                      rnp.argmax, rnp.argmin, rnp.sign, rnp.floor, rnp.ceil, rnp.round, rnp.trunc,
                      rnp.floor_divide,
                      rnp.isnan, rnp.isfinite, rnp.isinf, rnp.signbit, rnp.zeros_like,
                      rnp.ones_like,
                      rnp.arange, rnp.zeros, rnp.ones, rnp.equal, rnp.not_equal, rnp.less,
                      rnp.argsort, rnp.searchsorted,
                      rnp.less_equal, rnp.greater, rnp.greater_equal, helpers.vjp_function_for,
                      helpers.reduced_count, helpers.clip_gradient_mask, helpers.clip_bound_mask,
                      helpers.zeros_like_tree,
                      helpers.transpose_inverse, helpers.shape_of, custom.stop_gradient,
                      helpers.lu_pivots, helpers.lu_pivots_to_permutation,
                      # lax's piecewise-constant, integer and boolean functions
                      rlax.sign, rlax.floor, rlax.ceil, rlax.round, rlax.is_finite, rlax.eq,
                      rlax.ne, rlax.lt, rlax.le, rlax.gt, rlax.ge, rlax.argmax, rlax.argmin,
                      rlax.iota, rlax.broadcasted_iota, rlax.population_count, rlax.clz,
                      rlax.nextafter,
                      # NumPy's boolean, index and integer functions (those written as
                      # source libraries are transformed like user code)
                      *(getattr(rnp, n) for n in (
                          "isposinf", "isneginf", "isclose", "allclose", "logical_and",
                          "logical_or", "logical_not", "logical_xor", "array_equal",
                          "array_equiv", "any", "all", "count_nonzero", "nonzero",
                          "flatnonzero", "argwhere", "digitize", "isin", "nanargmax",
                          "nanargmin", "argpartition", "lexsort", "rint", "heaviside",
                          "iscomplexobj", "isrealobj", "isscalar", "bitwise_and", "bitwise_or",
                          "bitwise_xor", "bitwise_not", "invert", "left_shift", "right_shift",
                          # index arrays, constants and settings: no differentiable input
                          "diag_indices", "diag_indices_from", "tril_indices",
                          "tril_indices_from", "triu_indices", "triu_indices_from", "indices",
                          "mask_indices", "ix_", "ravel_multi_index", "unravel_index", "eye",
                          "identity", "tri", "broadcast_shapes", "get_printoptions",
                          "set_printoptions", "printoptions", "frombuffer", "fromiter",
                          "fromstring")
                        if hasattr(rnp, n))}


def comment(text):
    """A statement that codegen turns into a ``# text`` line."""
    return gast.Expr(value=gast.Constant(value=f"{COMMENT}{text}", kind=None))


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _assign(target, value):
    tgt = _name(target, gast.Store()) if isinstance(target, str) else target
    return gast.Assign(targets=[tgt], value=value, type_comment=None)


def _refuse(message):
    """What a derivative runs where it cannot go on (an error raised only if reached)."""
    raise TransformValueError(message)


def _call(func, *args, **kwargs):
    func = _name(func) if isinstance(func, str) else func
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in kwargs.items()])


def _attr(value, attr):
    return gast.Attribute(value=value, attr=attr, ctx=gast.Load())


def _loaded(target):
    """An assignment target as an expression reading it (``a[i]`` of ``a[i] += v``)."""
    node = copy.deepcopy(target)
    for n in gast.walk(node):
        if hasattr(n, "ctx"):
            n.ctx = gast.Load()
    return node


def _names_in(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


def _walk_outside_defs(body):
    """``gast.walk`` over statements, not entering local function definitions."""
    todo = list(body)
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, gast.FunctionDef):
            todo.extend(gast.iter_child_nodes(n))


def _local_defs(body):
    """{name: FunctionDef} of the functions ``body`` defines (in loops and branches too) under
    a name bound by nothing else: lax loop bodies and branches, lifted where they are used.
    (Normalisation may copy a definition into several branches: the copies are one.)"""
    defs, other = {}, set()
    for s in lift.statements(body):
        if isinstance(s, gast.FunctionDef):
            if s.name in defs and gast.dump(defs[s.name]) != gast.dump(s):
                other.add(s.name)
            defs.setdefault(s.name, s)
        else:
            other.update(lift.bound_names(s))
    return {k: v for k, v in defs.items() if k not in other}


def _free_loads(fdef):
    """Names a local function definition reads from the enclosing function."""
    own = {a.id for a in fdef.args.args + fdef.args.posonlyargs} | set(_stored(fdef.body))
    out = []
    for n in gast.walk(gast.Module(body=fdef.body, type_ignores=[])):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in own \
                and n.id not in out:
            out.append(n.id)
    return out


def _stored(stmts):
    """Every name assigned anywhere in ``stmts`` with how many assignments (loops count twice)."""
    counts = {}

    def visit(nodes, in_loop):
        for s in nodes:
            if isinstance(s, (gast.For, gast.While)):
                if isinstance(s, gast.For):
                    for n in _names_in(s.target):
                        counts[n] = counts.get(n, 0) + 2
                visit(s.body, True)
                visit(s.orelse, True)
                continue
            if isinstance(s, gast.If):
                visit(s.body, in_loop)
                visit(s.orelse, in_loop)
                continue
            if isinstance(s, gast.FunctionDef):  # its own names are its own
                counts[s.name] = counts.get(s.name, 0) + (2 if in_loop else 1)
                continue
            for n in gast.walk(s):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    counts[n.id] = counts.get(n.id, 0) + (2 if in_loop else 1)
    visit(stmts, False)
    return counts


class Reverse:
    """One function's reverse-mode transformation (see the module docstring)."""

    rules = ADJOINTS
    mode_name = "reverse"

    def __init__(self, parsed, wrt, has_aux=False, mode="vjp", single=False, call=(None, ()),
                 holomorphic=False):
        self.mode, self.single, self.holomorphic = mode, single, holomorphic
        self.parsed = parsed
        self.where_file = parsed.filename
        node, defaults = signature.bind_call_shape(parsed, *call)
        keep = [a.id for a in node.args.kwonlyargs]
        reserved = self.reserved_names()
        if set(keep) & reserved:
            raise TransformError(f"{parsed.where}: keyword arguments named "
                                 f"{sorted(set(keep) & reserved)} are names s2s's generated "
                                 f"code uses; pass them positionally or rename the parameter.")
        node, _ = naming.rename_shadowing_locals(node, reserved, keep)
        self.node = node
        positional = [a.id for a in node.args.args]
        self.params = positional + [a.id for a in node.args.kwonlyargs]
        self.wrt = [positional[i] for i in wrt]
        self.has_aux = has_aux
        self.free = {**parsed.freevars, **defaults}
        self.extra = dict(defaults)  # names the generated code adds, with their values
        # (and the names the generated function itself may take, which a name it binds
        # inside would shadow)
        self.user_names = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)} | set(
            self.params) | reserved | {f"{node.name}_{s}"
                            for s in ("vjp", "grad", "value_and_grad", "jvp", "vmap")}
        self.counter = 0
        # names assigned arrays / maybe other values / copies of other names (is_array)
        self.arrays, self.containers, self.copies = set(), set(), {}
        self.adj_names = {}
        self.defined = set()       # adjoints with a value at this point of the backward sweep
        self.needs_init = set()    # adjoints first written inside a loop or branch
        self.source_lines = None
        node.body = desugar.desugar(node.body, self.fresh_named)
        node.body, lifted = lift.lift_local_functions(
            node.body, self.params, parsed.globals, self.free, self.fresh_named,
            _stored(node.body))
        self.free.update(lifted)
        self.extra.update(lifted)

    # ---- helpers -------------------------------------------------------------------------
    def reserved_names(self):
        """The names the generated code calls s2s's helpers by (user locals are renamed)."""
        return set(helpers.namespace())

    def fail(self, node, what, error=TransformError):
        line = getattr(node, "lineno", None) or self.parsed.lineno
        origin = ""
        primal = getattr(self.parsed.fun, "__s2s_original__", None)
        while getattr(primal, "__s2s_original__", None) is not None:  # a derivative's primal
            primal = primal.__s2s_original__
        if primal is not None:
            origin = (f"; it is generated code, derived from {parse_mod.where(primal)} "
                      f"({getattr(primal, '__qualname__', primal)!r})")
        raise error(f"{self.where_file}:{line}: {self.mode_name} mode "
                    f"does not support {what} (in {self.parsed.name!r}{origin}).")

    def fresh(self, base="t"):
        while True:
            self.counter += 1
            name = f"{base}{self.counter}"
            if name not in self.user_names:
                self.user_names.add(name)
                return name

    def fresh_named(self, base):
        """``base`` itself when free, else ``base`` with a number."""
        if base not in self.user_names:
            self.user_names.add(base)
            return base
        return self.fresh(base)

    def derived_name(self, name, prefix):
        """``prefix`` + the primal name (``bx``, ``dx``), avoiding the user's own names."""
        if name not in self.adj_names:
            cand = f"{prefix}{name}"
            while cand in self.user_names or cand in self.adj_names.values():
                cand += "_"
            self.adj_names[name] = cand
        return self.adj_names[name]

    def adj(self, name):
        return self.derived_name(name, "b")

    def primal_line(self, node):
        """The first line of primal statement ``node``, and where it is (``  # model.py:12``),
        for the comment above its derivative."""
        return codegen.first_line(node) + self.location(node)

    def location(self, node):
        """``  [model.py:12]``: where primal statement ``node`` is (comments cite it)."""
        line = getattr(node, "lineno", None)
        return f"  [{os.path.basename(self.where_file)}:{line}]" if line else ""

    def is_active(self, node):
        """Whether the value of expression ``node`` depends on a differentiated input."""
        if node is None:
            return False
        if isinstance(node, gast.Name):
            return node.id in self.active or self.is_active_def(node.id)
        if isinstance(node, gast.Lambda):  # a lambda closing over active values is active
            params = {a.id for a in node.args.args}
            return any(n.id in self.active and n.id not in params for n in gast.walk(node.body)
                       if isinstance(n, gast.Name))
        if isinstance(node, (gast.Constant, gast.Compare, gast.BoolOp)):
            return False
        if isinstance(node, gast.Attribute) and node.attr in _INACTIVE_ATTRS:
            return False
        if isinstance(node, gast.Call):
            fn = self.static_value(node.func)
            if fn is None and isinstance(node.func, gast.Attribute):  # x.argmax()
                fn = methods.function(node.func.attr)
            if _key(fn) in _NONDIFFERENTIABLE:
                return False
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.Not, gast.Invert)):
            return False
        if isinstance(node, gast.BinOp) and isinstance(node.op, _BITWISE + (gast.FloorDiv,)):
            return False
        return any(self.is_active(c) for c in gast.iter_child_nodes(node))

    def plain_item_store(self, s):
        """``a[i] = v`` (or ``a[i] += v``) where nothing is differentiated: a local NumPy array
        (or list) filled in, kept as written (concrete values, as in jax). An argument is
        not: the caller would see it change."""
        target = s.targets[0] if isinstance(s, gast.Assign) else s.target
        return isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
            and target.value.id not in self.params and not self.is_active(target) \
            and not self.is_active(s.value)

    def closes_over_active(self, name, seen=None):
        """Whether local function ``name`` (a ``def`` or ``name = lambda``) reads
        differentiated values, directly or through the local functions it calls."""
        seen = set() if seen is None else seen
        if name in seen or name not in self.local_names:
            return False
        seen.add(name)
        for s in lift.statements(self.node.body):
            if isinstance(s, gast.FunctionDef) and s.name == name:
                reads = _free_loads(s)
            elif isinstance(s, gast.Assign) and isinstance(s.value, gast.Lambda) and any(
                    isinstance(t, gast.Name) and t.id == name for t in s.targets):
                a = s.value.args
                own = {p.id for p in a.args + a.posonlyargs + a.kwonlyargs}
                reads = [n.id for n in gast.walk(s.value.body) if isinstance(n, gast.Name)
                         and isinstance(n.ctx, gast.Load) and n.id not in own]
            else:
                continue
            if any(r in self.active or self.closes_over_active(r, seen) for r in reads):
                return True
        return False

    def is_active_def(self, name):
        """Whether local function ``name`` closes over active values."""
        fdef = getattr(self, "local_defs", {}).get(name)
        return fdef is not None and any(n in self.active for n in _free_loads(fdef))

    def static_value(self, node):
        """The value of a global/closure name or attribute chain (``jnp.sin``), else None."""
        if isinstance(node, gast.Name):
            if node.id in self.local_names:
                return None
            if node.id in self.extra:
                return self.extra[node.id]
            if node.id in self.parsed.freevars:
                return self.parsed.freevars[node.id]
            value = cache.note_global(self.parsed.globals, node.id)
            return None if value is cache.MISSING else value
        if isinstance(node, gast.Attribute):
            base = self.static_value(node.value)
            if base is None:
                return None
            value = getattr(base, node.attr, None)
            cache.note(base, node.attr, value)
            return value
        if isinstance(node, gast.Call):  # s2s.grad(f), s2s.jit(f): transformations of statics
            from s2s import ad
            from s2s.batch import vmap
            from s2s.jit import jit
            fn = self.static_value(node.func)
            if fn in (ad.grad, ad.value_and_grad, ad.checkpoint, jit, vmap) and not any(
                    isinstance(a, gast.Starred) for a in node.args):
                args = [self.static_argument(a) for a in node.args]
                kwargs = {k.arg: self.static_argument(k.value) for k in node.keywords}
                if _UNKNOWN not in args and _UNKNOWN not in kwargs.values():
                    return fn(*args, **kwargs)
        return None

    def static_argument(self, node):
        """A literal (numbers, None, tuples of them) or a static name's value; _UNKNOWN else."""
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, (gast.Tuple, gast.List)):
            items = [self.static_argument(e) for e in node.elts]
            return _UNKNOWN if _UNKNOWN in items else tuple(items)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) and isinstance(
                node.operand, gast.Constant):
            return -node.operand.value
        value = self.static_value(node)
        return _UNKNOWN if value is None else value

    # ---- activity --------------------------------------------------------------------------
    def analyse(self, body):
        """Flow-insensitive activity: a name is active if any assignment to it is."""
        counts = _stored(body)
        self.local_names = set(self.params) | set(counts)
        nodes = list(_walk_outside_defs(body))
        # local functions (loop bodies and branches for lax control flow)
        self.local_defs = _local_defs(body)
        self.prelude = []  # lifted copies of them, written before the statement that needs them
        # local lists the function mutates (``l.append(v)``, ``v = l.pop()``): the forward
        # sweep mutates them as written, the backward sweep undoes each mutation in reverse
        # order, so a list is in the same state at each point of both sweeps
        calls = [n for n in nodes if isinstance(n, gast.Call)
                 and isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name)
                 and n.func.value.id in self.local_names]
        self.stacks = {n.func.value.id for n in calls if n.func.attr == "pop" and not n.args}
        self.lists = self.stacks | {n.func.value.id for n in calls if n.func.attr == "append"}
        self.displayed = self.lists | {  # names bound to list or tuple displays
            t.id for n in nodes if isinstance(n, gast.Assign)
            and isinstance(n.value, _DISPLAYS) for t in n.targets if isinstance(t, gast.Name)}
        self.restoring = self.save_restore_lists(nodes)
        flows = []  # (names assigned, the value they get), each assignment once
        for n in nodes:
            if isinstance(n, gast.Assign) and _is_pop(n.value, self.restoring):
                continue  # x = tape.pop() restores x's own earlier value: x's activity
            if isinstance(n, gast.Assign):
                flows.append((n.targets, n.value))
            elif isinstance(n, gast.AugAssign):
                flows.append(([n.target], gast.BinOp(left=n.target, op=n.op, right=n.value)))
            elif isinstance(n, gast.For):
                flows.append(([n.target], n.iter))
            elif _list_method(n, self.lists, "append"):
                flows.append(([n.value.func.value], n.value.args[0]))
        flows = [(set().union(*map(_names_in, targets)), value) for targets, value in flows]
        self.active = set(self.wrt)
        changed = True
        while changed:
            changed = False
            for names, value in flows:
                if not names <= self.active and self.is_active(value):
                    self.active |= names
                    changed = True
        self.overwritten = {n for n, c in counts.items() if c > 1 or n in self.params}

    def save_restore_lists(self, nodes):
        """Lists used to save and restore names (``tape.append(x)`` ... ``x = tape.pop()``,
        as generated derivatives do): every item appended is a name, and the names popped into
        are exactly the names appended. A name popped from such a list gets back a value it
        had itself, so its activity is its own (loop counters and branch conditions saved
        beside differentiated values stay undifferentiated)."""
        pushed, popped = {}, {}
        for n in nodes:
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and isinstance(
                    n.func.value, gast.Name) and n.func.attr == "append":
                arg = n.args[0] if len(n.args) == 1 else None
                pushed.setdefault(n.func.value.id, set()).add(
                    arg.id if isinstance(arg, gast.Name) else None)
            if isinstance(n, gast.Assign) and _is_pop(n.value, self.lists):
                t = n.targets[0]
                popped.setdefault(n.value.func.value.id, set()).add(
                    t.id if isinstance(t, gast.Name) else None)
        return {lst for lst, names in popped.items() if None not in names
                and pushed.get(lst) == names}

    # ---- the transformation ------------------------------------------------------------------
    def build(self):
        body = [s for s in self.node.body if not (
            isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]  # docstring
        body = self.final_return(body)
        body = [self.guard_jumps_in_loops(s) for s in body]
        self.analyse(body)
        self.tape = self.fresh_named("tape")
        self.tape_used = False
        self.predeclare = set()
        self.assigned, self.assigned_outside_loops, self.reads = set(), set(), set()
        fwd, bwd_thunk = self.block(body, in_loop=False)
        out = value = self.out_name
        seed_args = [_name(out)]
        if self.mode == "vjp":
            b_out = self.fresh_named("b_out")
            seed_args.append(_name(b_out))
        seed = [comment("backward sweep: the adjoint of the output is the seed cotangent"),
                _assign(self.adj(out), _call("seed_cotangent", *seed_args, **(
                    {"holomorphic": gast.Constant(value=True, kind=None)}
                    if self.holomorphic else {})))]
        if self.lists & self.active and self.mode != "grad":  # the backward sweep undoes
            # list mutations: keep a copy of the value returned
            value = self.fresh_named("value")
            seed.insert(0, _assign(value, _call("copy_lists", _name(out))))
        elif out in self.overwritten:  # restored to older values by the backward sweep
            value = self.fresh_named("value")
            seed.insert(0, _assign(value, _name(out)))
        self.defined.add(self.adj(out))
        bwd = bwd_thunk()
        grads = [(_call("materialize", _name(self.adj(p)), _name(p)) if self.adj(p) in
                  self.defined | self.needs_init else _call("zeros_like_tree", _name(p)))
                 for p in self.wrt]
        grads = grads[0] if self.single else gast.Tuple(elts=grads, ctx=gast.Load())
        out_node = _name(value)
        if self.has_aux and self.mode == "value_and_grad":
            out_node = gast.Tuple(elts=[out_node, self.aux_node], ctx=gast.Load())
        elts = {"vjp": [out_node, grads], "value_and_grad": [out_node, grads],
                "grad": [grads]}[self.mode]
        if self.has_aux and self.mode != "value_and_grad":
            elts.append(self.aux_node)
        result = elts[0] if len(elts) == 1 else gast.Tuple(elts=elts, ctx=gast.Load())
        head = [_assign(self.tape, gast.List(elts=[], ctx=gast.Load()))] if self.tape_used else []
        # names pushed before their first assignment (inside a loop) start as None
        head += [_assign(n, gast.Constant(value=None, kind=None)) for n in sorted(self.predeclare)]
        self.needs_init.discard(self.adj(out))
        inits = [_assign(a, _name("zero")) for a in sorted(self.needs_init)]
        new_body = head + fwd + inits + seed + bwd + [gast.Return(value=result)]
        args = clone(self.node.args)
        if self.mode == "vjp":
            args.args.append(_name(b_out, gast.Param()))
        fdef = gast.FunctionDef(name=f"{self.node.name}_{self.mode}", args=args, body=new_body,
                                decorator_list=[], returns=None, type_comment=None,
                                type_params=[])
        return fdef

    def final_return(self, body):
        """The function must end in ``return`` (possibly in both branches of a final ``if``);
        the returned value is bound to a name (``self.out_name``)."""
        if not body:
            self.fail(self.node, "an empty function")
        body = _guard_returns(body)
        last = body[-1]
        if isinstance(last, gast.If) and _ends_in_return(last.body) and \
                _ends_in_return(last.orelse):  # early returns: every path binds the output
            out = self.fresh("out")
            self.aux_node = None
            self.bind_returns(last, out)
            self.out_name = out
            self.check_no_return(body[:-1])
            return body
        if not isinstance(last, gast.Return) or last.value is None:
            self.fail(last, "a function that does not end in `return <value>` (early returns "
                            "inside loops are not supported)")
        self.check_no_return(body[:-1])
        value = last.value
        if self.has_aux:
            if isinstance(value, gast.Tuple) and len(value.elts) == 2:
                value, self.aux_node = value.elts
            else:
                tmp = self.fresh("res")
                body = body[:-1] + [_assign(tmp, value)]
                value = gast.Subscript(value=_name(tmp), slice=gast.Constant(value=0, kind=None),
                                       ctx=gast.Load())
                self.aux_node = gast.Subscript(value=_name(tmp),
                                               slice=gast.Constant(value=1, kind=None),
                                               ctx=gast.Load())
                last = gast.Return(value=value)
        if isinstance(value, gast.Name):
            self.out_name = value.id
            return body[:-1]
        self.out_name = self.fresh("out")
        stmt = _assign(self.out_name, value)
        gast.copy_location(stmt, last)
        stmt.s2s_line = last
        return body[:-1] + [stmt]

    def bind_returns(self, node, out):
        """Every ``return v`` on the paths of ``node`` (an ``if``) becomes ``out = v``."""
        for branch in (node.body, node.orelse):
            self.check_no_return(branch[:-1])
            last = branch[-1]
            if isinstance(last, gast.Return):
                branch[-1] = self.bind_return(last, out)
            else:
                self.bind_returns(last, out)

    def bind_return(self, ret, out):
        if ret.value is None:
            self.fail(ret, "`return` without a value")
        value = ret.value
        if self.has_aux:
            if not (isinstance(value, gast.Tuple) and len(value.elts) == 2):
                self.fail(ret, "has_aux with a return that is not a literal pair in a branch")
            self.fail(ret, "has_aux with returns inside `if` branches")
        stmt = _assign(out, value)
        gast.copy_location(stmt, ret)
        stmt.s2s_line = ret
        return stmt

    def check_no_return(self, stmts):
        defs = _local_defs(self.node.body)
        for s in stmts:
            for n in _walk_outside_defs([s]):
                if isinstance(n, gast.FunctionDef) and n.name in defs:
                    self.check_local_def(n)
                    continue
                if isinstance(n, gast.Return):
                    self.fail(n, "an early `return` (return at the end of the function, or in "
                                 "both branches of a final `if`)")
                if isinstance(n, (gast.FunctionDef, gast.ClassDef)):
                    self.fail(n, "nested function or class definitions")
                if isinstance(n, (gast.Try, gast.With, gast.Delete, gast.Global, gast.Nonlocal)):
                    self.fail(n, f"`{type(n).__name__.lower()}` statements")

    def check_local_def(self, s):
        """A function defined in the function's body: fine as a loop body or branch for lax
        control flow (the transforms lift it), not as a value flowing elsewhere."""
        a = s.args
        if s.decorator_list or a.vararg or a.kwarg or a.kwonlyargs or a.defaults:
            self.fail(s, "local functions with decorators, *args, **kwargs or defaults")

    def guard_jumps_in_loops(self, stmt):
        """Statements after ``if c: break`` (or continue) move into its ``else``, so the
        backward sweep of an iteration mirrors what the forward iteration ran."""
        if isinstance(stmt, (gast.For, gast.While)):
            stmt.body = self.guard_block(stmt.body)
            if stmt.orelse:
                self.fail(stmt, "`else` on loops")
        elif isinstance(stmt, gast.If):
            stmt.body = [self.guard_jumps_in_loops(s) for s in stmt.body]
            stmt.orelse = [self.guard_jumps_in_loops(s) for s in stmt.orelse]
        return stmt

    def guard_block(self, stmts):
        out = []
        for i, s in enumerate(stmts):
            s = self.guard_jumps_in_loops(s)
            if isinstance(s, (gast.Break, gast.Continue)):
                out.append(s)
                return out  # the rest is dead code
            if isinstance(s, gast.If) and self.jumps(s):
                rest = self.guard_block(stmts[i + 1:])
                s.body = self.guard_block(s.body)
                s.orelse = self.guard_block(s.orelse + rest) if rest or s.orelse else []
                out.append(s)
                return out
            out.append(s)
        return out

    def jumps(self, node):
        for n in gast.walk(node):
            if isinstance(n, (gast.For, gast.While)):
                continue
            if isinstance(n, (gast.Break, gast.Continue)):
                return True
        return False

    # ---- statements --------------------------------------------------------------------------
    def block(self, stmts, in_loop):
        """Forward statements now; the backward sweep as a thunk, run later and in reverse
        order, so "first write of an adjoint" is decided in the order the code will run."""
        fwd, thunks = [], []
        for s in stmts:
            f, t = self.statement(s, in_loop)
            fwd += f
            thunks.append(t)
        return fwd, lambda: [stmt for t in reversed(thunks) for stmt in t()]

    def statement(self, s, in_loop):
        if isinstance(s, gast.Assign):
            return self.assign(s, in_loop)
        if isinstance(s, gast.AugAssign):
            if not isinstance(s.target, gast.Name) and not self.plain_item_store(s):
                self.fail(s, "augmented assignment to a subscript or attribute")
            stmt = gast.copy_location(gast.Assign(targets=[s.target], value=gast.BinOp(
                left=_loaded(s.target), op=s.op, right=s.value)), s)
            return self.assign(stmt, in_loop, line=s)
        if isinstance(s, gast.If):
            return self.if_(s, in_loop)
        if isinstance(s, gast.For):
            return self.for_(s, in_loop)
        if isinstance(s, gast.While):
            return self.while_(s, in_loop)
        if _list_method(s, self.lists, "append") and s.value.func.value.id in self.active:
            return self.list_append(s, in_loop)
        if _list_method(s, self.lists, "pop") and s.value.func.value.id in self.active:
            popped = gast.copy_location(_assign(self.fresh("popped"), s.value), s)
            return self.list_pop(popped, popped.targets[0].id, in_loop)
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and isinstance(
                s.value.func, gast.Attribute) and isinstance(s.value.func.value, gast.Name) \
                and s.value.func.value.id in self.active and s.value.func.value.id in \
                self.local_names and s.value.func.attr in _MUTATORS:
            self.fail(s, f"`.{s.value.func.attr}()` on a list of differentiated values (use "
                         f"append and pop, or build a new list)")
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and self.is_active(
                s.value) and _is_user_function(self.static_value(s.value.func)):
            self.fail(s, f"calling `{codegen.to_source(s.value.func).strip()}` for its side "
                         f"effects on differentiated values (a function that mutates its "
                         f"arguments); return the new values instead")
        if self.mode_name == "reverse" and self.mode == "vjp" and isinstance(s, gast.Expr) and \
                isinstance(s.value, gast.Call) and \
                self.static_value(s.value.func) in (callbacks.debug_print,
                                                    callbacks.debug_callback):
            # a vjp runs its function again (a callee's, a loop body's, vjp's pullback) after
            # the primal call already showed these values: jax shows them once
            return [], lambda: []
        if isinstance(s, (gast.Break, gast.Continue, gast.Pass, gast.Expr, gast.Assert,
                          gast.Raise)):  # (no derivative: kept as they are)
            return [s], lambda: []
        if isinstance(s, gast.FunctionDef) and s.name in self.local_defs:
            return [s], lambda: []
        self.fail(s, f"`{type(s).__name__}` statements")

    def assign(self, s, in_loop, line=None):
        line = line or getattr(s, "s2s_line", s)
        if len(s.targets) != 1:
            self.fail(s, "chained assignment (a = b = ...)")
        target, value = s.targets[0], s.value
        if isinstance(target, gast.Tuple):
            return self.unpack(s, target, value, in_loop)
        if not isinstance(target, gast.Name):
            if not self.plain_item_store(s):
                self.fail(s, "assignment to a subscript or attribute (arrays are immutable: use "
                             "x = x.at[i].set(v))")
            # stored into a copy: the backward sweep reads the values from before the store
            base = target.value.id
            self.overwritten.add(base)
            fresh = gast.copy_location(_assign(base, _call(_attr(_name(base), "copy"))), s)
            fwd, bwd = self.assign(fresh, in_loop)
            return fwd + [s], bwd
        name = target.id
        if isinstance(value, gast.Name) and value.id == name:  # x = x does nothing
            return [], lambda: []
        if isinstance(value, gast.IfExp) and self.is_active(value):
            return self.statement(_ifexp_as_if(s, name, value), in_loop)
        if _is_pop(value, self.lists) and value.func.value.id in self.active:
            return self.list_pop(s, name, in_loop)
        if not self.is_active(value):
            push, pushed = self.save(name, in_loop)
            fwd = push + [s]

            def inactive_bwd():
                bwd = self.restore(name, pushed)
                if name in self.active:  # this value does not depend on the inputs
                    self.defined.discard(self.adj(name))
                    bwd = [_assign(self.adj(name), _name("zero"))] + bwd
                return bwd
            return fwd, inactive_bwd
        steps = []
        # x = f(x): the new value goes to a temporary first, so the backward sweep can read
        # both the old and the new value
        reads_self = not isinstance(value, gast.Name) and name in _names_in(value)
        final = self.anf(value, steps, target=None if reads_self else name)
        if reads_self:
            final = _name(str(steps[-1][0]))
            self.active.add(final.id)
        if final is not None:  # a plain copy: y = x
            steps.append((name, "copy", final))
        fwd, thunks = [], []
        for tgt, kind, spec in steps:
            f, t = self.step(tgt, kind, spec, in_loop)
            fwd += f
            thunks.append(t)
        text = f"grad of: {self.primal_line(line)}"
        return fwd, lambda: [comment(text)] + [x for t in reversed(thunks) for x in t()]

    def list_append(self, s, in_loop):
        """``l.append(v)``: backward, ``l`` loses its last item again and ``v``'s adjoint
        takes that item's entry of ``l``'s adjoint."""
        lst = s.value.func.value.id
        if lst in self.params:
            self.fail(s, f"appending to the list argument {lst!r} (mutating an argument); "
                         f"build a new list and return it")
        steps = []
        value = self.operand(s.value.args[0], steps)
        fwd, thunks = [], []
        for tgt, kind, spec in steps:
            f, t = self.step(tgt, kind, spec, in_loop)
            fwd += f
            thunks.append(t)
        self.reads.add(lst)
        append = gast.Expr(value=_call(_attr(_name(lst), "append"), value))
        text = f"grad of: {self.primal_line(s)}"

        def bwd():
            # the item leaves the list again; its entry of the list's adjoint goes to v
            out = [comment(text), gast.Expr(value=_call(_attr(_name(lst), "pop")))]
            if self.has_cotangent(lst):
                position = _call("len", _name(lst))
                if isinstance(value, gast.Name) and value.id in self.active:
                    out += self.accumulate(value.id, _call("item", _name(self.adj(lst)),
                                                           position))
                out.append(_assign(self.adj(lst), _call("drop_entry", _name(self.adj(lst)),
                                                        clone(position))))
            return out + [x for t in reversed(thunks) for x in t()]
        return fwd + [append], bwd

    def list_pop(self, s, name, in_loop):
        """``v = l.pop()``: backward, the item goes back on ``l`` with ``v``'s adjoint as its
        entry of ``l``'s adjoint."""
        lst = s.value.func.value.id
        if lst in self.params:
            self.fail(s, f"popping from the list argument {lst!r} (mutating an argument); "
                         f"build a new list and return it")
        self.reads |= {lst, name}
        if lst not in self.restoring:
            self.active.add(name)
        push, pushed = self.save(name, in_loop)
        text = f"grad of: {self.primal_line(s)}"

        def bwd():
            out = [comment(text)]
            adj = _name(self.adj(name)) if name in self.active and self.has_cotangent(
                name) else None
            # the item goes back on the list, its adjoint as its entry of the list's adjoint
            out.append(gast.Expr(value=_call(_attr(_name(lst), "append"), _name(name))))
            if adj is not None:
                prev = _name(self.adj(lst)) if self.has_cotangent(lst) else _name("zero")
                out.append(_assign(self.adj(lst), _call("set_entry", prev, gast.BinOp(
                    left=_call("len", _name(lst)), op=gast.Sub(),
                    right=gast.Constant(value=1, kind=None)), adj)))
                self.defined.add(self.adj(lst))
            if name in self.active:
                self.defined.discard(self.adj(name))
                out.append(_assign(self.adj(name), _name("zero")))
            return out + self.restore(name, pushed)
        return push + [s], bwd

    def unpack(self, s, target, value, in_loop):
        if any(isinstance(e, gast.Starred) for e in target.elts):
            self.fail(s, "starred unpacking")
        pieces = []
        if isinstance(value, gast.Tuple) and len(value.elts) == len(target.elts):
            temps = [self.fresh() for _ in value.elts]  # a, b = b, a reads before it writes
            pieces += [_assign(t, e) for t, e in zip(temps, value.elts)]
            pieces += [_assign(clone(e), _name(t)) for t, e in zip(temps, target.elts)]
        else:
            if isinstance(value, gast.Name):
                tmp = value.id
            else:
                tmp = self.fresh()
                pieces.append(_assign(tmp, value))
                if self.is_active(value):
                    self.active.add(tmp)
            pieces += [_assign(clone(e), gast.Subscript(  # (a, b), c = ...: nested
                value=_name(tmp), slice=gast.Constant(value=i, kind=None), ctx=gast.Load()))
                for i, e in enumerate(target.elts)]
        fwd, thunks = [], []
        for piece in pieces:
            gast.copy_location(piece, s)
            piece.s2s_line = s
            f, t = self.assign(piece, in_loop)
            fwd += f
            thunks.append(t)
        return fwd, lambda: [x for t in reversed(thunks) for x in t()]

    def save(self, name, in_loop):
        """Push the value ``name`` is about to lose, when the backward sweep will need it.
        Returns the statements and whether it pushed (its ``restore`` must mirror that)."""
        if in_loop:
            self.overwritten.add(name)
        first = name not in self.params and name not in self.assigned and not in_loop
        self.assigned.add(name)
        if name in self.overwritten and name in self.needed and not first:
            self.tape_used = True
            if name not in self.params and name not in self.assigned_outside_loops:
                self.predeclare.add(name)
            return [gast.Expr(value=_call(_attr(_name(self.tape), "append"), _name(name)))], True
        if not in_loop:
            self.assigned_outside_loops.add(name)
        return [], False

    def restore(self, name, pushed):
        return [_assign(name, _call(_attr(_name(self.tape), "pop")))] if pushed else []

    def step(self, tgt, kind, spec, in_loop):
        """One active statement ``tgt = f(args)``: its forward line and its backward thunk."""
        tgt = str(tgt)
        self.active.add(tgt)
        if kind == "call" and _returns_array(spec[1].primal):
            self.arrays.add(tgt)
        elif kind == "copy" and isinstance(spec, gast.Name):
            self.copies.setdefault(tgt, set()).add(spec.id)
        else:
            self.containers.add(tgt)
        push, pushed = self.save(tgt, in_loop)
        if kind == "copy":
            fwd = push + [_assign(tgt, spec)]

            def bwd():
                out = []
                if isinstance(spec, gast.Name) and spec.id in self.active and \
                        self.has_cotangent(tgt):
                    out = self.accumulate(spec.id, _name(self.adj(tgt)))
                return out + self.reset(tgt) + self.restore(tgt, pushed)
            return fwd, bwd
        if kind == "call":
            expr, template, bound = spec
            fwd = push + [_assign(tgt, expr)]
            return fwd, lambda: ((self.instantiate(template, tgt, bound)
                                  if self.has_cotangent(tgt) else [])
                                 + self.reset(tgt) + self.restore(tgt, pushed))
        if kind == "pack":  # t = (a, b): each element takes its entry of t's adjoint
            expr, elts, keys = spec

            def bwd():
                out = []
                if self.has_cotangent(tgt):
                    for k, e in zip(keys, elts):
                        if isinstance(e, gast.Name) and e.id in self.active:
                            # a named tuple's entry may arrive by position or by field name
                            entry = _call("field", _name(self.adj(tgt)), *clone(
                                k.elts)) if isinstance(k, gast.Tuple) else _call(
                                "item", _name(self.adj(tgt)), clone(k))
                            out += self.accumulate(e.id, entry)
                return out + self.reset(tgt) + self.restore(tgt, pushed)
            return push + [_assign(tgt, expr)], bwd
        if kind == "custom":
            return self.custom_step(tgt, spec, push, pushed)
        if kind == "control":
            return self.control_step(tgt, spec, push, pushed, in_loop)
        if kind == "vmapped":  # y = vmap(g)(x): backward, the vmapped vjp of g
            expr, fn, args = spec
            vname = self.fresh_named(f"vmapped_{getattr(fn, '__name__', 'fn')}".replace(
                "<", "").replace(">", ""))
            self.free[vname] = fn
            self.reads |= {n for a in args for n in _names_in(a)}

            def bwd():
                return self.spread(tgt, args, pushed, lambda: _call(
                    "vmap_vjp", _name(vname), gast.Tuple(elts=[clone(a) for a in args],
                                                         ctx=gast.Load()), _name(self.adj(tgt))))
            return push + [_assign(tgt, _call(vname, *[clone(a) for a in args]))], bwd
        if kind == "dynamic":  # y = f(x) with f known at run time: its vjp, found then
            expr, func, args, kwargs, active_pos = spec
            self.reads |= {n for a in [func] + args + list(kwargs.values())
                           for n in _names_in(a)}
            wrt = gast.Tuple(elts=[gast.Constant(value=p, kind=None) for p in active_pos],
                             ctx=gast.Load())

            def bwd():
                call = _call("call_vjp", clone(func), wrt, *[clone(a) for a in args],
                             _name(self.adj(tgt)), **{k: clone(v) for k, v in kwargs.items()})
                return self.spread(tgt, [args[p] for p in active_pos], pushed, lambda: call)
            return push + [_assign(tgt, expr)], bwd
        if kind == "user":
            expr, fn, args, kwargs, active_pos, prelude = spec
            self.reads |= {n for a in args + list(kwargs.values()) + prelude
                           for n in _names_in(a)}
            fwd = [clone(p) for p in prelude] + push + [_assign(tgt, expr)]
            generated = self.user_grad(fn, active_pos, (len(args), tuple(kwargs)))
            gname = self.fresh_named("".join(  # the name its file defines
                c for c in generated.__name__ if c.isalnum() or c == "_") or "fn_vjp")
            self.free[gname] = generated

            def bwd():
                if not self.has_cotangent(tgt):
                    return self.reset(tgt) + self.restore(tgt, pushed)
                gtmp = self.fresh("g")
                out = [_assign(gtmp, gast.Subscript(  # (any ``prelude`` ran forward)
                    value=_call(gname, *[clone(a) for a in args], _name(self.adj(tgt)),
                                **{k: clone(v) for k, v in kwargs.items()}),
                    slice=gast.Constant(value=1, kind=None), ctx=gast.Load()))]
                for k, pos in enumerate(active_pos):
                    out += self.accumulate(args[pos].id, gast.Subscript(
                        value=_name(gtmp), slice=gast.Constant(value=k, kind=None),
                        ctx=gast.Load()))
                return out + self.reset(tgt) + self.restore(tgt, pushed)
            return fwd, bwd
        raise AssertionError(kind)

    def control_step(self, tgt, spec, push, pushed, in_loop):
        """A lax control-flow call, whose vjp is a rule of ``s2s/rules/control.py`` written
        for this many free values. ``fori_loop``/``scan`` run forward through ``*_carries``,
        which also keeps the carry each step started from, so the backward sweep replays the
        body's vjp on them without running the loop again."""
        expr, what, args, kw, counts, diff, prelude = spec
        self.reads |= {n for x in args + list(kw.values()) + prelude for n in _names_in(x)}
        fwd, rpushed = push + [_assign(tgt, expr)], False
        if what in ("fori_loop", "scan"):
            res = self.fresh_named(f"{tgt}_carries")
            rpush, rpushed = self.save(res, in_loop)
            self.reads.add(res)
            fwd = [clone(p) for p in prelude] + rpush + push + [_assign(
                gast.Tuple(elts=[_name(tgt, gast.Store()), _name(res, gast.Store())],
                           ctx=gast.Store()),
                self.control_rule(f"{what}_carries", counts, args, kw))]
            args = args + [_name(res) if what == "fori_loop" else gast.Tuple(
                elts=[_name(tgt), _name(res)], ctx=gast.Load())]
        else:  # the cotangent takes the output's structure
            args = args + [_name(tgt)]

        def bwd():  # (the lifted defs of fori_loop/scan bodies ran forward already)
            out = [] if what in ("fori_loop", "scan") else prelude
            out = out + self.spread(tgt, diff, pushed, lambda: self.control_rule(
                f"{what}_vjp", counts, args + [_name(self.adj(tgt))], kw))
            return out + (self.restore(res, rpushed) if rpushed else [])
        return fwd, bwd

    def control_rule(self, rule, counts, args, kw):
        """A call of the control-flow rule ``rule``, written for ``counts``."""
        from s2s.rules import control
        fn = control.rule(rule, **counts)
        name = next((k for k, v in self.free.items() if v is fn), None) or self.fresh_named(rule)
        self.free[name] = fn
        return _call(name, *[clone(x) for x in args],
                     **{k: clone(v) for k, v in kw.items()})

    def custom_step(self, tgt, spec, push, pushed):
        """A call of a function with a user rule: custom_vjp runs ``fwd`` forward (keeping its
        residuals) and ``bwd`` backward; custom_jvp transposes its jvp rule."""
        expr, fn, args = spec
        base = "".join(c for c in fn.__name__ if c.isalnum() or c == "_") or "f"
        if isinstance(fn, custom.custom_vjp):
            if fn.fwd is None:
                self.fail(expr, f"custom_vjp function {fn.__name__!r} without defvjp(fwd, bwd)")
            fwd_name, bwd_name = self.fresh_named(f"{base}_fwd"), self.fresh_named(f"{base}_bwd")
            self.free[fwd_name], self.free[bwd_name] = fn.fwd, fn.bwd
            res = self.fresh_named(f"{base}_res")
            fwd = push + [_assign(gast.Tuple(elts=[_name(tgt, gast.Store()),
                                                   _name(res, gast.Store())], ctx=gast.Store()),
                                  _call(fwd_name, *args))]
            backward = lambda: _call(bwd_name, _name(res), _name(self.adj(tgt)))  # noqa: E731
        else:
            rule = self.fresh_named(f"{base}_rule")
            self.free[rule] = fn
            fwd = push + [_assign(tgt, expr)]
            backward = lambda: _call(_attr(_name(rule), "transpose"),  # noqa: E731
                                     gast.Tuple(elts=[clone(a) for a in args],
                                                ctx=gast.Load()), _name(self.adj(tgt)))
        self.reads |= {n for a in args for n in _names_in(a)}

        return fwd, lambda: self.spread(tgt, args, pushed, backward)

    def spread(self, tgt, args, pushed, cotangents):
        """Backward of a call whose rule returns one cotangent per argument (as a tuple): each
        active argument takes its entry."""
        if not self.has_cotangent(tgt):
            return self.reset(tgt) + self.restore(tgt, pushed)
        g = self.fresh("g")
        out = [_assign(g, cotangents())]
        for i, a in enumerate(args):
            if isinstance(a, gast.Name) and a.id in self.active:
                out += self.accumulate(a.id, gast.Subscript(
                    value=_name(g), slice=gast.Constant(value=i, kind=None), ctx=gast.Load()))
        return out + self.reset(tgt) + self.restore(tgt, pushed)

    def reset(self, name):
        """After its definition is undone, an overwritten name's adjoint starts from zero."""
        if name in self.overwritten:
            self.defined.discard(self.adj(name))
            return [_assign(self.adj(name), _name("zero"))]
        return []

    def is_array(self, name, seen=()):
        """Whether every assignment of ``name`` stores an array (so its adjoint adds with
        ``+``); unknown for parameters, items of containers and results of user functions."""
        if name in self.containers or name in self.params or name in seen:
            return False
        copies = self.copies.get(name, ())
        return (name in self.arrays or bool(copies)) and all(
            self.is_array(c, seen + (name,)) for c in copies)

    def has_cotangent(self, name):
        """Whether ``name``'s adjoint may be non-zero here. In straight-line code an adjoint
        nobody wrote is zero and its templates are skipped; inside loops and branches a later
        iteration may write it, so it is initialised to zero up front instead."""
        a = self.adj(name)
        if a in self.defined or a in self.needs_init:
            return True
        if self.in_compound:
            self.needs_init.add(a)
            return True
        return False

    def accumulate(self, name, value):
        """``b<name> += value``: ``+`` where ``name`` is known to hold an array, else
        ``add_tree`` (cotangents of tuples and dicts add entry by entry)."""
        a = self.adj(name)
        if a in self.defined or a in self.needs_init or self.in_compound:
            if self.in_compound:
                self.needs_init.add(a)
            if self.is_array(name):
                return [_assign(a, gast.BinOp(left=_name(a), op=gast.Add(), right=value))]
            return [_assign(a, _call("add_tree", _name(a), value))]
        self.defined.add(a)
        return [_assign(a, value)]

    # ---- expressions -> steps ----------------------------------------------------------------
    def anf(self, node, steps, target=None):
        """Split an active expression into steps ``(name, kind, spec)``; returns the node that
        stands for its value when no step is needed (a name), else None (the last step binds
        ``target``)."""
        if isinstance(node, gast.Name) or not self.is_active(node):
            return node
        name = _Lazy(self, target)
        if isinstance(node, gast.BinOp):
            fn = _BINOPS.get(type(node.op))
            if fn is None:
                self.fail(node, f"the `{_OPNAME.get(type(node.op), type(node.op).__name__)}` "
                                f"operator on differentiated values")
            if isinstance(node.op, gast.Add) and any(
                    isinstance(o, _DISPLAYS) or isinstance(o, gast.Name) and o.id in
                    self.displayed for o in (node.left, node.right)):
                self.fail(node, "joining lists or tuples of differentiated values with `+` "
                                "(append to the list instead: `parts.append(v)`)")
            left, right = self.operand(node.left, steps), self.operand(node.right, steps)
            expr = gast.BinOp(left=left, op=node.op, right=right)
            steps.append((name, "call", (expr, self.rules[fn], {"x1": left, "x2": right}
                                         if fn is not rnp.matmul else {"a": left, "b": right})))
            return None
        if isinstance(node, gast.UnaryOp):
            operand = self.operand(node.operand, steps)
            if isinstance(node.op, gast.UAdd):
                steps.append((name, "copy", operand))
                return None
            if isinstance(node.op, gast.USub):
                steps.append((name, "call", (gast.UnaryOp(op=node.op, operand=operand),
                                             self.rules[rnp.negative], {"x": operand})))
                return None
        if isinstance(node, gast.Subscript):
            value = self.operand(node.value, steps)
            idx = node.slice
            if self.is_active(idx):
                self.fail(node, "indices that depend on differentiated values")
            expr = gast.Subscript(value=value, slice=idx, ctx=gast.Load())
            steps.append((name, "call", (expr, self.rules[rnp._getitem],
                                         {"x": value, "idx": _index_value(idx)})))
            return None
        if isinstance(node, gast.Attribute):
            if methods.is_value_attribute(node.attr):  # x.T, x.real: jnp.transpose(x), ...
                value = self.operand(node.value, steps)
                template = self.rules[methods.function(node.attr)]
                steps.append((name, "call", (gast.Attribute(value=value, attr=node.attr,
                                                            ctx=gast.Load()),
                                             template, {template.params[0]: value})))
                return None
            # params.W on a namedtuple (or any object holding arrays): an attribute read
            value = self.operand(node.value, steps)
            expr = gast.Attribute(value=value, attr=node.attr, ctx=gast.Load())
            steps.append((name, "call", (expr, self.rules[getattr], {
                "obj": value, "name": gast.Constant(value=node.attr, kind=None)})))
            return None
        if isinstance(node, gast.Call):
            return self.call(node, steps, name)
        if isinstance(node, (gast.Tuple, gast.List)) and not any(
                isinstance(e, gast.Starred) for e in node.elts):
            elts = [self.operand(e, steps) for e in node.elts]
            expr = type(node)(elts=elts, ctx=gast.Load())
            keys = [gast.Constant(value=i, kind=None) for i in range(len(elts))]
            steps.append((name, "pack", (expr, elts, keys)))
            return None
        if isinstance(node, gast.Dict) and all(k is not None and not self.is_active(k)
                                               for k in node.keys):
            elts = [self.operand(v, steps) for v in node.values]
            expr = gast.Dict(keys=[clone(k) for k in node.keys], values=elts)
            steps.append((name, "pack", (expr, elts, node.keys)))
            return None
        if isinstance(node, gast.IfExp):
            self.fail(node, "conditional expressions on differentiated values (write an `if` "
                            "statement or jnp.where)")
        self.fail(node, f"`{type(node).__name__}` expressions of differentiated values")

    def operand(self, node, steps):
        out = self.anf(node, steps)
        if out is None:
            name = str(steps[-1][0])
            self.active.add(name)
            return _name(name)
        return out

    def call(self, node, steps, name):
        if any(isinstance(a, gast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            self.fail(node, "calls with *args or **kwargs")
        func = node.func
        at = _at_update(node)
        if at is not None and self.is_active(node):
            return self.at_update(node, at, steps, name)
        fn = self.static_value(func)
        if _derived_at_run_time(fn):
            fn = None
        if fn is None and isinstance(func, gast.Attribute) and self.is_active(func.value):
            return self.method(node, steps, name)
        if _key(fn) in _control_flow():
            return self.control_flow(node, fn, steps, name)
        if fn is callbacks.pure_callback and self.is_active(node):
            raise ValueError(callbacks.NO_JVP)
        if _key(fn) in _control_rules() and self.is_active(node):
            self.fail(node, "differentiating batched lax control flow (generated vmap code; "
                            "differentiate the function, then vmap the derivative)")
        if hasattr(fn, "__s2s_rule__"):
            node, fn = self.relift(node, fn)
            func = node.func
        if fn is None and (self.is_active(func) or (isinstance(func, gast.Name) and
                                                    self.closes_over_active(func.id))):
            self.fail(node, f"calling `{codegen.to_source(func).strip()}`, a function that "
                            f"depends on the differentiated values (a local function is "
                            f"differentiated when called by name and not reassigned; one "
                            f"whose parameter shadows a value it reads through another local "
                            f"function cannot be: rename the parameter)")
        args = [self.operand(a, steps) for a in node.args]
        if fn is helpers.call_vjp and not node.keywords and len(args) > 2:
            # a derivative's call of a run-time function's vjp: that vjp is itself a function
            # known at run time
            func = _call("vjp_grads", args[0], args[1])
            expr = gast.Call(func=node.func, args=args, keywords=[])
            active_pos = [i for i, a in enumerate(args[2:]) if self.is_active(a)]
            steps.append((name, "dynamic", (expr, func, args[2:], {}, active_pos)))
            return None
        if fn is None:  # self.forward, a function passed in: its derivative found at run time
            kwargs = {k.arg: self.operand(k.value, steps) for k in node.keywords}
            expr = gast.Call(func=func, args=args, keywords=[
                gast.keyword(arg=k, value=v) for k, v in kwargs.items()])
            active_pos = [i for i, a in enumerate(args) if self.is_active(a)]
            for k, v in kwargs.items():
                if self.is_active(v):
                    self.fail(node, f"a keyword argument ({k!r}) that depends on the "
                                    f"transformed inputs, to a function known only when it "
                                    f"runs (pass it positionally)")
            steps.append((name, "dynamic", (expr, func, args, kwargs, active_pos)))
            return None
        kwargs = {k.arg: self.operand(k.value, steps) for k in node.keywords}
        expr = gast.Call(func=func, args=args,
                         keywords=[gast.keyword(arg=k, value=v) for k, v in kwargs.items()])
        if fn is _api_jvp() and len(node.args) >= 3 and not node.keywords:
            return self.jvp_call(node, steps, name)
        if _is_vmapped(fn):
            if kwargs:
                self.fail(node, "keyword arguments to a vmapped function")
            steps.append((name, "vmapped", (expr, fn, args)))
            return None
        if isinstance(fn, (custom.custom_vjp, custom.custom_jvp)):
            if kwargs:
                self.fail(node, "keyword arguments to a custom_vjp/custom_jvp function")
            steps.append((name, "custom", (expr, fn, args)))
            return None
        if _is_record(fn):
            return self.pack_call(node, fn, expr, args, kwargs, steps, name)
        template = self.rules.get(_key(fn))
        if template is not None:
            try:
                bound = dict(_bind(template, args, kwargs).arguments)
            except TypeError as e:
                self.fail(node, f"this call of {getattr(fn, '__name__', fn)} ({e})")
            for p, v in bound.items():
                if isinstance(v, tuple):  # ``*operands``: one tuple, whose adjoint is a tuple
                    bound[p] = self.operand(gast.Tuple(elts=list(v), ctx=gast.Load()), steps)
            steps.append((name, "call", (expr, template, bound)))
            return None
        if _is_user_function(fn):
            args, kwargs = self.positional_call(node, fn, args, kwargs)
            expr = gast.Call(func=func, args=args, keywords=[
                gast.keyword(arg=k, value=v) for k, v in kwargs.items()])
            active_pos = [i for i, a in enumerate(args) if self.is_active(a)]
            prelude, self.prelude = self.prelude, []  # (bodies ``relift`` lifted)
            steps.append((name, "user", (expr, fn, args, kwargs, active_pos, prelude)))
            return None
        self.fail(node, f"differentiating through `{getattr(fn, '__qualname__', fn)}`, which has "
                        f"no adjoint rule")

    def pack_call(self, node, fn, expr, args, kwargs, steps, name):
        """``P(w=a, b=b)`` (a named tuple) or ``dict(w=a)``: a container of the values, each
        taking its entry of the container's adjoint."""
        if fn is dict:
            if args:
                self.fail(node, "dict(...) of differentiated values with positional "
                                "arguments (write dict(key=value) or {key: value})")
            keys = [gast.Constant(value=k, kind=None) for k in kwargs]
            steps.append((name, "pack", (expr, list(kwargs.values()), keys)))
            return None
        record = tree_util.dataclass_fields(fn)
        fields = list(record if record is not None else fn._fields)
        if len(args) > len(fields) or any(k not in fields for k in kwargs):
            self.fail(node, f"this call of {fn.__name__} (its fields are {fields})")
        given = dict(zip(fields, args), **kwargs)
        if record is not None:  # a registered dataclass: entries by field name
            keys = [gast.Constant(value=f, kind=None) for f in given]
            steps.append((name, "pack", (expr, list(given.values()), keys)))
            return None
        keys = [gast.Tuple(elts=[gast.Constant(value=fields.index(f), kind=None),
                                 gast.Constant(value=f, kind=None)], ctx=gast.Load())
                for f in given]
        steps.append((name, "pack", (expr, list(given.values()), keys)))
        return None

    def positional_call(self, node, fn, args, kwargs):
        """A call of a user function with its arguments bound positionally as far as its
        signature allows (defaults filled in), so its derivative is generated for that call
        shape; differentiated keyword-only arguments are refused."""
        where = f"{self.where_file}:{getattr(node, 'lineno', self.parsed.lineno)}"
        args, kwargs, free = signature.positional_call(fn, args, kwargs, where, self.fresh_named)
        self.free.update(free)
        self.extra.update(free)
        for k, v in kwargs.items():
            if self.is_active(v):
                self.fail(node, f"a keyword-only argument ({k!r} of "
                                f"{getattr(fn, '__qualname__', fn)!r}) that depends on the "
                                f"transformed inputs (make it a positional parameter)")
        return args, kwargs

    def at_update(self, node, at, steps, name):
        """``x.at[i].set(v)`` / ``.add(v)``: the forward line stays as written; the templates
        are those of ``at_set`` / ``at_add``."""
        op, target, index = at
        if op not in ("set", "add") or len(node.args) != 1 or node.keywords:
            self.fail(node, f"`.at[...].{op}(...)` on differentiated values (set and add are "
                            f"supported)")
        if self.is_active(index):
            self.fail(node, "indices that depend on differentiated values")
        x = self.operand(target, steps)
        v = self.operand(node.args[0], steps)
        expr = gast.Call(func=gast.Attribute(value=gast.Subscript(
            value=gast.Attribute(value=x, attr="at", ctx=gast.Load()), slice=index,
            ctx=gast.Load()), attr=op, ctx=gast.Load()), args=[v], keywords=[])
        fn = helpers.at_set if op == "set" else helpers.at_add
        steps.append((name, "call", (expr, self.rules[fn],
                                     {"x": x, "idx": _index_value(index), "values": v})))
        return None

    def control_flow(self, node, fn, steps, name):
        """``lax.fori_loop`` / ``scan`` / ``map`` / ``cond`` / ``switch``: the forward line
        stays; backward, a rule of ``s2s/rules/control.py`` runs the generated vjp of each body,
        passed *lifted* over the differentiated values it closes over."""
        kind, a, fnodes, free, ops = self.control_parts(node, fn)
        if kind == "while_loop" and self.mode_name == "reverse":
            from s2s.rules.control import _DYNAMIC
            if not getattr(self.parsed.fun, "__s2s_autograph__", False):
                self.fail(node, f"lax.while_loop: {_DYNAMIC}", TransformValueError)
            # a Python `while` converted by s2s.autograph: refused only if it runs as a lax
            # loop (its condition traced), not when it runs as Python's loop
            refuse = self.fresh_named("refuse_reverse_while")
            self.free[refuse] = _refuse
            steps.append((name, "copy", _call(refuse, gast.Constant(value=(
                f"{self.where_file}:{node.lineno}: reverse mode does not support "
                f"lax.while_loop: {_DYNAMIC}"), kind=None))))
            return None
        for key in ("lower", "upper", "pred", "index", "length", "reverse"):
            if key in a and self.is_active(a[key]):
                self.fail(node, f"a differentiated `{key}` of lax.{kind}")
        lifted = [self.lift(f, free) for f in fnodes]
        new = {}  # operand node -> its name after splitting
        for key in ("init_val", "init", "xs"):  # the differentiable operands
            if key in a:
                new[id(a[key])] = self.operand(a[key], steps)
        for o in ops:
            new[id(o)] = self.operand(o, steps)
        expr = copy.copy(node)
        expr.args = [new.get(id(x), x) for x in node.args]
        expr.keywords = [gast.keyword(arg=k.arg, value=new.get(id(k.value), k.value))
                         for k in node.keywords]
        tup = lambda xs: gast.Tuple(elts=[clone(x) for x in xs], ctx=gast.Load())  # noqa
        free_t = tup([_name(n) for n in free])
        ops = [new[id(o)] for o in ops]
        init = new.get(id(a.get("init_val", a.get("init"))))
        xs = new.get(id(a.get("xs")), gast.Constant(value=None, kind=None))
        kw, counts = {}, {"NF": len(free)}
        if kind == "fori_loop":
            args, diff = [a["lower"], a["upper"], lifted[0], free_t, init], [init]
        elif kind == "scan":
            args, diff = [lifted[0], free_t, init, xs], [init, xs]
            kw = {k: a[k] for k in ("length", "reverse") if k in a}
            counts["XS"] = "xs" in a and not (isinstance(a["xs"], gast.Constant) and
                                              a["xs"].value is None)
        elif kind == "map":
            args, diff = [lifted[0], free_t, xs], [xs]
        elif kind == "while_loop":
            init = new[id(a["init_val"])]
            args, diff = [lifted[0], lifted[1], free_t, init], [init]
        else:
            args, diff = [a["pred" if kind == "cond" else "index"], tup(lifted), free_t,
                          tup(ops)], ops
            counts.update(NO=len(ops), NB=len(lifted))
        prelude, self.prelude = self.prelude, []
        steps.append((name, "control", (expr, kind, args, kw, counts,
                                        diff + [_name(n) for n in free], prelude)))
        return None

    def relift(self, node, fn):
        """A call of a control-flow rule in a derivative being differentiated again, whose
        loop body or branches close over values this transform differentiates and the first
        did not: they are lifted over those too, appended to the free values (their tangents
        zero), so the rule is written for more free values and differentiates them all."""
        from s2s.rules import control
        name, counts = fn.__s2s_rule__
        funs, free_pos, tangents_pos = control.layout(name)
        args = list(node.args)
        fnodes = [f for p in funs for f in (
            args[p].elts if isinstance(args[p], (gast.Tuple, gast.List)) else [args[p]])]
        new = []
        for f in fnodes:
            new += [n for n in self.lifted_names(f) if n not in new]
        if not new:
            return node, fn
        if not isinstance(args[free_pos], gast.Tuple) or tangents_pos is not None and \
                not isinstance(args[tangents_pos], gast.Tuple):
            self.fail(node, f"a call of {name} whose free values are not a literal tuple")
        lifted = iter([self.lift(f, new, at=counts["NF"]) for f in fnodes])
        for p in funs:
            args[p] = type(args[p])(elts=[next(lifted) for _ in args[p].elts], ctx=gast.Load()) \
                if isinstance(args[p], (gast.Tuple, gast.List)) else next(lifted)
        args[free_pos] = gast.Tuple(elts=args[free_pos].elts + [_name(n) for n in new],
                                    ctx=gast.Load())
        if tangents_pos is not None:
            args[tangents_pos] = gast.Tuple(elts=args[tangents_pos].elts + [
                _name("zero") for _ in new], ctx=gast.Load())
        fn = control.rule(name, **{**counts, "NF": counts["NF"] + len(new)})
        rule_name = self.fresh_named(name)
        self.free[rule_name] = fn
        return gast.Call(func=_name(rule_name), args=args, keywords=node.keywords), fn

    def control_parts(self, node, fn):
        """A lax control-flow call taken apart: (kind, its arguments by parameter name, the
        function expressions among them, the transformed values those close over, the
        operands passed to them)."""
        import inspect
        kind = _control_flow()[fn]
        if any(k.arg is None for k in node.keywords):
            self.fail(node, "calls with **kwargs")
        try:
            a = inspect.signature(fn).bind(*node.args, **{k.arg: k.value
                                                         for k in node.keywords}).arguments
        except TypeError as e:
            self.fail(node, f"this call of {fn.__name__} ({e})")
        if kind == "switch":
            if not isinstance(a["branches"], (gast.List, gast.Tuple)):
                self.fail(node, "lax.switch with branches that are not a literal list")
            fnodes = list(a["branches"].elts)
        else:
            fnodes = [a[p] for p in {"fori_loop": ["body_fun"], "scan": ["f"], "map": ["f"],
                                     "cond": ["true_fun", "false_fun"],
                                     "while_loop": ["cond_fun", "body_fun"]}[kind]]
        free = []
        for f in fnodes:
            free += [n for n in self.lifted_names(f) if n not in free]
        ops = list(a.get("operands", ())) + ([a["operand"]] if a.get("operand") is not None
                                             else [])
        return kind, a, fnodes, free, ops

    def lifted_names(self, f):
        """The differentiated values function expression ``f`` closes over."""
        if isinstance(f, gast.Lambda):
            params = {p.id for p in f.args.args}
            out = []
            for n in gast.walk(f.body):
                if isinstance(n, gast.Name) and n.id not in params and n.id in self.active \
                        and n.id not in out:
                    out.append(n.id)
            return out
        if isinstance(f, gast.Name) and f.id in self.local_defs:
            return [n for n in _free_loads(self.local_defs[f.id]) if n in self.active]
        if self.is_active(f):
            self.fail(f, "a loop body or branch that is a differentiated value")
        return []

    def lift(self, f, free, at=0):
        """``lambda <free>, <params>: <body>`` for a lambda; a named function is wrapped.
        ``at``: how many leading parameters (lifted already) stay before ``free``."""
        import inspect
        lead = [_name(n, gast.Param()) for n in free]
        if isinstance(f, gast.Lambda):
            if f.args.vararg or f.args.kwarg or f.args.kwonlyargs or f.args.defaults:
                self.fail(f, "loop bodies or branches with *args, **kwargs or defaults")
            params = clone(f.args.args)
            return gast.Lambda(args=gast.arguments(
                args=params[:at] + lead + params[at:], posonlyargs=[], vararg=None,
                kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]), body=clone(f.body))
        if isinstance(f, gast.Name) and f.id in self.local_defs:  # def body(i, c): ... lifted
            if not free:
                return clone(f)
            fdef = clone(self.local_defs[f.id])
            fdef.name = self.fresh_named(f"{f.id}_lifted")
            fdef.args.args = fdef.args.args[:at] + lead + fdef.args.args[at:]
            self.prelude.append(fdef)
            return _name(fdef.name)
        fn = self.static_value(f)
        if fn is None or not callable(fn):
            self.fail(f, "a loop body or branch that is not a lambda or a named function")
        try:
            params = [p.name for p in inspect.signature(fn).parameters.values()]
        except (TypeError, ValueError):
            self.fail(f, "a loop body or branch whose signature cannot be read")
        taken = set(free) | self.user_names
        names = [p if p not in taken else f"{p}_" for p in params]
        return gast.Lambda(args=gast.arguments(
            args=lead + [_name(p, gast.Param()) for p in names], posonlyargs=[], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
            body=gast.Call(func=clone(f), args=[_name(p) for p in names], keywords=[]))

    def jvp_call(self, node, steps, name):
        """``s2s.jvp(f, (x,), (v,))`` inside differentiated code: a call of f's generated
        ``f_jvp(x, v)``, which is itself differentiated like any user function."""
        from s2s.forward import jvp_function
        f = self.static_value(node.args[0])
        primals, tangents = node.args[1], node.args[2]
        if f is None or not isinstance(primals, (gast.Tuple, gast.List)) or not isinstance(
                tangents, (gast.Tuple, gast.List)):
            self.fail(node, "s2s.jvp with a function or argument tuples that are not written "
                            "out literally")
        generated = jvp_function(f, tuple(range(len(primals.elts))),
                                 call=(len(primals.elts), ()))
        fname = self.fresh_named(f"{generated.__name__}")
        self.free[fname] = generated
        call = gast.Call(func=_name(fname), args=list(primals.elts) + list(tangents.elts),
                         keywords=[])
        self.extra[fname] = generated
        return self.call(call, steps, name)

    def method(self, node, steps, name):
        """``x.sum(0)``: the forward line keeps the method call; the template is that of
        ``jnp.sum(x, 0)`` (``reshape``/``transpose`` take their sizes as one tuple)."""
        func = node.func
        fn = methods.function(func.attr)
        if _key(fn) not in self.rules or node.keywords and func.attr in ("reshape", "transpose"):
            self.fail(node, f"the method `.{func.attr}()` of a differentiated value")
        value = self.operand(func.value, steps)
        args = [self.operand(a, steps) for a in node.args]
        kwargs = {k.arg: self.operand(k.value, steps) for k in node.keywords}
        expr = gast.Call(func=gast.Attribute(value=value, attr=func.attr, ctx=gast.Load()),
                         args=args, keywords=[gast.keyword(arg=k, value=v)
                                              for k, v in kwargs.items()])
        if func.attr in ("reshape", "transpose") and len(args) != 1:
            args = [gast.Tuple(elts=args, ctx=gast.Load())] if args else []
        template = self.rules[fn]
        bound = _bind(template, [value] + args, kwargs)
        steps.append((name, "call", (expr, template, dict(bound.arguments))))
        return None

    def instantiate(self, template, result, bound):
        """The template's body with this call's names: ``d[p] = e`` accumulates into the
        adjoint of the argument bound to ``p`` (dropped when that argument is not active)."""
        self.check_differentiable(template, bound)
        none = gast.Constant(value=None, kind=None)
        values = {p: clone(bound.get(p, template.defaults.get(p, none))) for p in template.params}
        out = []
        for stmt in template.body:
            tgt = stmt.targets[0]
            param = tgt.slice.id
            arg = values[param]
            if not (isinstance(arg, gast.Name) and arg.id in self.active):
                continue
            rhs = _Substitute(template, result, values, self.adj).visit(clone(stmt.value))
            self.reads |= _names_in(rhs)
            out += self.accumulate(arg.id, rhs)
        return out

    def check_differentiable(self, template, bound):
        """Refuse a differentiated value passed to a parameter the rule does not know (its
        derivative would be silently dropped). Parameters the rule names but does not
        differentiate are structural: shapes, axes, indices, dtypes, conditions."""
        for p, arg in bound.items():
            if p not in template.params and self.is_active(arg):
                self.fail(arg, f"differentiating {getattr(template.primal, '__name__', '?')} "
                               f"with respect to its argument {p!r}, which has no derivative "
                               f"rule (wrap it in stop_gradient if it is constant)")

    def user_grad(self, fn, active_pos, call):
        return grad_function(fn, tuple(active_pos), call=call)

    # ---- control flow ------------------------------------------------------------------------
    in_compound = False

    def compound(self, thunk):
        """Backward code of a loop or branch body: adjoints first written there are
        initialised to zero at the start of the backward sweep instead."""
        saved_defined, saved_flag = set(self.defined), self.in_compound
        self.in_compound = True
        try:
            return thunk()
        finally:
            self.in_compound = saved_flag
            self.defined = saved_defined

    def if_(self, s, in_loop):
        cond = self.fresh("cond")
        before = set(self.assigned), set(self.assigned_outside_loops)
        fwd_body, bwd_body = self.block(s.body, in_loop)
        after_body = self.assigned, self.assigned_outside_loops
        self.assigned, self.assigned_outside_loops = set(before[0]), set(before[1])
        fwd_else, bwd_else = self.block(s.orelse, in_loop)  # each branch starts from `before`
        self.assigned |= after_body[0]
        self.assigned_outside_loops |= after_body[1]
        fwd = [_assign(cond, s.test),
               gast.If(test=_name(cond), body=fwd_body or [gast.Pass()], orelse=fwd_else)]
        if in_loop:  # pushed after the branch ran, so the backward sweep pops it first
            self.tape_used = True
            push = gast.Expr(value=_call(_attr(_name(self.tape), "append"), _name(cond)))
            fwd.append(push)
            for branch in (fwd_body, fwd_else):  # a branch that leaves the iteration pushes too
                _push_before_jumps(branch, push)
        line = f"grad of: if {codegen.to_source(s.test).strip()}:{self.location(s)}"

        def bwd():
            body = self.compound(bwd_body)
            orelse = self.compound(bwd_else)
            out = [_assign(cond, _call(_attr(_name(self.tape), "pop")))] if in_loop else []
            if body or orelse:
                out = [comment(line)] + out + [
                    gast.If(test=_name(cond), body=body or [gast.Pass()], orelse=orelse)]
            return out
        return fwd, bwd

    def for_(self, s, in_loop):
        if isinstance(s.target, gast.Tuple) and all(isinstance(e, gast.Name)
                                                    for e in s.target.elts):
            # for W, b in layers: one name for the item, unpacked first thing in the body
            item = self.fresh_named("_".join(e.id for e in s.target.elts))
            unpack = gast.copy_location(_assign(s.target, _name(item)), s)
            s = gast.copy_location(gast.For(target=_name(item, gast.Store()), iter=s.iter,
                                            body=[unpack] + s.body, orelse=[],
                                            type_comment=None), s)
            if self.is_active(s.iter):
                self.active.add(item)
        if not isinstance(s.target, gast.Name):
            self.fail(s, "this loop target")
        var = s.target.id
        iter_steps, iter_fwd, iter_thunks = [], [], []
        iterable = s.iter
        active_iter = self.is_active(iterable)
        if active_iter:  # the loop reads items of a differentiated value: name it first
            iterable = self.operand(iterable, iter_steps)
            for tgt, kind, spec in iter_steps:
                f, t = self.step(tgt, kind, spec, in_loop)
                iter_fwd += f
                iter_thunks.append(t)
            self.active.add(var)
        # for i in range(n) whose n never changes: the backward loop is reversed(range(n))
        readable = (not in_loop and not self.jumps(gast.Module(body=s.body, type_ignores=[]))
                    and _is_range_call(s.iter, self) and var not in self.active
                    and var not in _stored(s.body)
                    and not _names_in(s.iter) & (self.overwritten | (self.local_names - set(
                        self.params))))
        fwd_body, bwd_body = self.block(s.body, True)
        line = f"grad of: for {codegen.to_source(s.target).strip()} in " \
               f"{codegen.to_source(s.iter).strip()}:{self.location(s)}"
        if readable:
            fwd = [gast.For(target=s.target, iter=s.iter, body=fwd_body, orelse=[],
                            type_comment=None)]
            rev = _call("reversed", clone(s.iter))
            return fwd, lambda: [comment(line), gast.For(
                target=_name(var, gast.Store()), iter=rev,
                body=self.compound(bwd_body) or [gast.Pass()], orelse=[], type_comment=None)]
        seen = self.fresh_named(f"{var}_values")
        fwd = iter_fwd + [_assign(seen, gast.List(elts=[], ctx=gast.Load())),
               gast.For(target=_name(var, gast.Store()), iter=iterable, body=[gast.Expr(
                   value=_call(_attr(_name(seen), "append"), _name(var)))] + fwd_body,
                   orelse=[], type_comment=None)]
        if in_loop:
            self.tape_used = True
            fwd.append(gast.Expr(value=_call(_attr(_name(self.tape), "append"), _name(seen))))

        def bwd():
            out = [comment(line)]
            if in_loop:
                out.append(_assign(seen, _call(_attr(_name(self.tape), "pop"))))
            body = self.compound(bwd_body)
            if not active_iter:
                out.append(gast.For(target=_name(var, gast.Store()),
                                    iter=_call("reversed", _name(seen)),
                                    body=body or [gast.Pass()], orelse=[], type_comment=None))
                return out
            # the adjoint of each item flows back into the iterable, at its position
            position = self.fresh("k")
            body = body + self.compound(lambda: self.accumulate(iterable.id, _call(
                "add_at", _name(iterable.id), _name(position), _name(self.adj(var))))) + [
                _assign(self.adj(var), _name("zero"))]
            self.needs_init.add(self.adj(var))
            out.append(gast.For(
                target=gast.Tuple(elts=[_name(position, gast.Store()), _name(var, gast.Store())],
                                  ctx=gast.Store()),
                iter=_call("reversed", _call("list", _call("enumerate", _name(seen)))),
                body=body, orelse=[], type_comment=None))
            return out + [x for t in reversed(iter_thunks) for x in t()]
        return fwd, bwd

    def while_(self, s, in_loop):
        count = self.fresh("n_iter")
        fwd_body, bwd_body = self.block(s.body, True)
        fwd = [_assign(count, gast.Constant(value=0, kind=None)),
               gast.While(test=s.test, body=[gast.AugAssign(
                   target=_name(count, gast.Store()), op=gast.Add(),
                   value=gast.Constant(value=1, kind=None))] + fwd_body, orelse=[])]
        if in_loop:
            self.tape_used = True
            fwd.append(gast.Expr(value=_call(_attr(_name(self.tape), "append"), _name(count))))

        def bwd():
            out = [comment(f"grad of: while {codegen.to_source(s.test).strip()}:"
                           f"{self.location(s)}")]
            if in_loop:
                out.append(_assign(count, _call(_attr(_name(self.tape), "pop"))))
            out.append(gast.For(target=_name("_", gast.Store()),
                                iter=_call("range", _name(count)),
                                body=self.compound(bwd_body) or [gast.Pass()], orelse=[],
                                type_comment=None))
            return out
        return fwd, bwd


class _Lazy:
    """A temporary's name, chosen when first needed, so names number in evaluation order."""

    def __init__(self, rev, fixed):
        self.rev, self.fixed = rev, fixed

    def __str__(self):
        if self.fixed is None:
            self.fixed = self.rev.fresh()
        return self.fixed


class _Substitute(gast.NodeTransformer):
    """Template names -> this call's names; ``d[x]`` -> the adjoint name of x's argument."""

    def __init__(self, template, result, values, adj):
        self.template, self.result, self.values, self.adj = template, result, values, adj

    def visit_Subscript(self, node):
        if isinstance(node.value, gast.Name) and node.value.id == "d":
            key = node.slice.id
            if key == self.template.result:
                return _name(self.adj(self.result))
            arg = self.values[key]
            return _name(self.adj(arg.id))
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        """Fold arithmetic on literal numbers the substitution produced (``2 - 1`` -> ``1``)."""
        node = self.generic_visit(node)
        if isinstance(node.left, gast.Constant) and isinstance(node.right, gast.Constant) and \
                type(node.left.value) in (int, float) and type(node.right.value) in (int, float):
            ops = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
                   gast.Mult: lambda a, b: a * b}
            fold = ops.get(type(node.op))
            if fold is not None:
                value = fold(node.left.value, node.right.value)
                if value >= 0:
                    return gast.Constant(value=value, kind=None)
        return node

    def visit_Call(self, node):
        """``power_slope(x, 2)`` (the rule of ``x ** 2``) -> ``2 * x``: a literal integer
        exponent's slope written out."""
        node = self.generic_visit(node)
        f = node.func
        if isinstance(f, gast.Name) and f.id == "power_slope" and len(node.args) == 2 and \
                isinstance(node.args[1], gast.Constant) and type(node.args[1].value) is int \
                and node.args[1].value >= 1 and not node.keywords:
            x, n = node.args[0], node.args[1].value
            if n == 1:
                return _call(_attr(_name("jnp"), "ones_like"), x)
            power = x if n == 2 else _call(_attr(_name("jnp"), "power"), x,
                                           gast.Constant(value=n - 1, kind=None))
            return gast.BinOp(left=gast.Constant(value=n, kind=None), op=gast.Mult(),
                              right=power)
        return node

    def visit_Name(self, node):
        if node.id == self.template.result:
            return _name(self.result)
        if node.id in self.values:
            return clone(self.values[node.id])
        return node


def _ifexp_as_if(s, name, value):
    """``x = a if c else b`` as ``if c: x = a`` / ``else: x = b``."""
    branch = lambda v: gast.copy_location(_assign(name, v), s)  # noqa: E731
    return gast.copy_location(gast.If(test=value.test, body=[branch(value.body)],
                                      orelse=[branch(value.orelse)]), s)


def _ends_in_return(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    return isinstance(last, gast.If) and _ends_in_return(last.body) and _ends_in_return(
        last.orelse)


def _returns_somewhere(node):
    """A ``return`` inside ``node`` (not inside a nested function)."""
    return any(isinstance(n, gast.Return) for n in gast.walk(node))


def _guard_returns(stmts):
    """Statements after an ``if`` that returns on some path move into the paths that do not
    return, so every ``return`` ends its path (early returns outside loops)."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, gast.Return):
            out.append(s)
            return out  # the rest is dead code
        if isinstance(s, gast.If) and _returns_somewhere(s):
            rest = stmts[i + 1:]
            s.body = _guard_returns(s.body + ([] if _ends_in_return(s.body) else
                                              clone(rest)))
            s.orelse = _guard_returns(s.orelse + ([] if _ends_in_return(s.orelse) else
                                                  clone(rest)))
            out.append(s)
            return out
        out.append(s)
    return out


_MUTATORS = {"extend", "insert", "remove", "clear", "reverse", "sort", "__setitem__"}


def _list_method(node, lists, method):
    """Whether ``node`` is the statement ``l.<method>(...)`` (append: one value; pop: none)
    for one of ``lists``."""
    return (isinstance(node, gast.Expr) and isinstance(node.value, gast.Call)
            and isinstance(node.value.func, gast.Attribute) and node.value.func.attr == method
            and isinstance(node.value.func.value, gast.Name)
            and node.value.func.value.id in lists
            and len(node.value.args) == (1 if method == "append" else 0))


def _is_pop(node, stacks):
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and node.func.attr == "pop" and isinstance(node.func.value, gast.Name)
            and node.func.value.id in stacks and not node.args)


def _push_before_jumps(stmts, push):
    """Insert ``push`` before every break/continue of ``stmts`` (not inside nested loops)."""
    for i in reversed(range(len(stmts))):
        s = stmts[i]
        if isinstance(s, (gast.Break, gast.Continue)):
            stmts.insert(i, clone(push))
        elif isinstance(s, gast.If):
            _push_before_jumps(s.body, push)
            _push_before_jumps(s.orelse, push)


def _index_value(idx):
    """An index expression as a value (slices become ``slice(...)`` calls)."""
    if isinstance(idx, gast.Slice):
        parts = [idx.lower, idx.upper, idx.step]
        return _call("slice", *[p if p is not None else gast.Constant(value=None, kind=None)
                                for p in parts])
    if isinstance(idx, gast.Tuple):
        return gast.Tuple(elts=[_index_value(e) for e in idx.elts], ctx=gast.Load())
    return clone(idx)


def _is_range_call(node, rev):
    return isinstance(node, gast.Call) and rev.static_value(node.func) is range


def _key(fn):
    try:
        hash(fn)
        return fn
    except TypeError:
        return None


def _at_update(node):
    """(op, x, index) when ``node`` is ``x.at[index].op(...)``, else None."""
    f = node.func
    if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Subscript) and isinstance(
            f.value.value, gast.Attribute) and f.value.value.attr == "at":
        return f.attr, f.value.value.value, f.value.slice
    return None


class _Bound:
    def __init__(self, arguments):
        self.arguments = arguments


def _bind(template, args, kwargs):
    """The call's argument nodes by the primal's parameter names. A ``*args`` parameter
    called with one argument (``jnp.atleast_2d(x)``) binds that argument itself."""
    params = list(template.signature.parameters.values())
    if len(params) == 1 and params[0].kind == params[0].VAR_POSITIONAL:
        if len(args) != 1 or kwargs:
            raise TypeError(f"a rule for {template.name} with one argument only")
        return _Bound({params[0].name: args[0]})
    return template.signature.bind(*args, **kwargs)


def _is_namedtuple(fn):
    return isinstance(fn, type) and issubclass(fn, tuple) and hasattr(fn, "_fields")


def _is_record(fn):
    """A call that builds a container of its arguments: ``dict``, a named tuple, a dataclass
    registered as a pytree (``register_dataclass``, no static fields)."""
    return fn is dict or _is_namedtuple(fn) or tree_util.dataclass_fields(fn) is not None


# s2s.numpy functions that return a tuple or list of arrays
_RETURNS_CONTAINER = {"split", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
                      "meshgrid", "broadcast_arrays", "eigh", "eig", "qr", "svd", "slogdet",
                      "lu", "lu_factor", "cho_factor", "divmod", "frexp", "modf", "nonzero",
                      "atleast_1d", "atleast_2d", "atleast_3d", "histogram", "unique", "where",
                      "ix_", "indices", "tril_indices", "triu_indices", "diag_indices"}


def _returns_array(fn):
    """Whether a function with an adjoint rule always returns one array (not a container),
    so adjoints of its results add with ``+``."""
    module = getattr(fn, "__module__", "") or ""
    return fn not in (getattr, rnp._getitem) and (module + ".").startswith(
        "s2s.runtime.") and getattr(fn, "__name__", "") not in _RETURNS_CONTAINER


def _control_rules():
    from s2s.rules import control
    return set(control.namespace().values())


def _control_flow():
    from s2s.runtime import control
    return {getattr(control, k): k for k in ("fori_loop", "scan", "map", "cond", "switch",
                                             "while_loop")}


def _is_vmapped(fn):
    from s2s.batch import _Batched
    return isinstance(fn, _Batched)


def _api_jvp():
    from s2s.jacobians import jvp
    return jvp


def _derived_at_run_time(fn):
    """Whether a call of ``fn`` gets its derivative when it runs (through call_vjp & co): a
    user function without source to read (traced then), or a ``functools.partial`` of a user
    function (transformed through that function, the bound arguments bound again)."""
    if isinstance(fn, functools.partial):
        return _is_user_function(fn.func)
    return _is_user_function(fn) and not isinstance(fn, type) and not from_ir.readable(fn)


def _is_user_function(fn):
    if hasattr(type(fn), "s2s_fingerprint"):  # grad(f), vmap(f), jit(f) of a user function
        return True
    if not isinstance(fn, (types.FunctionType, types.MethodType)) and not hasattr(
            fn, "__wrapped__"):
        return False
    module = getattr(fn, "__module__", "") or ""
    if getattr(sys.modules.get(module), "S2S_SOURCE_LIBRARY", False):
        return True  # library code s2s transforms from its source (s2s.nn)
    return not module.split(".")[0] in ("runtime", "lowering", "numpy", "s2s")


# ---- entry points --------------------------------------------------------------------------

def grad_function(fun, wrt, has_aux=False, mode="vjp", single=False, call=(None, ()),
                  holomorphic=False):
    """Generated source for the derivative of ``fun`` with respect to its positional
    parameters ``wrt``, for calls with ``call = (number of positional arguments, keyword
    names)`` (None: all positional parameters; cached, see ``s2s/cache.py``):

    - ``mode="grad"``: ``f_grad(*args)`` returns the gradient (one array/tree when ``single``,
      else a tuple), plus ``aux`` when ``has_aux`` -- exactly what ``s2s.grad(f)`` returns;
    - ``mode="value_and_grad"``: ``f_value_and_grad(*args)`` -> ``(value, gradient)``;
    - ``mode="vjp"``: ``f_vjp(*args, b_out)`` -> ``(value, gradients[, aux])`` for the output
      cotangent ``b_out`` (used by ``vjp`` and by callers' backward sweeps).

    Keyword arguments of the call are keyword-only parameters of the generated function.
    ``holomorphic``: grad's seed accepts (only) a complex output.
    """
    return cache.generated(("reverse", tuple(wrt), has_aux, mode, single, call, holomorphic),
                           fun, lambda: _generate_reverse(fun, wrt, has_aux, mode, single, call,
                                                          holomorphic))


def _generate_reverse(fun, wrt, has_aux, mode, single, call, holomorphic):
    fun = for_call(ruled_function_as_source(fun, call), call)
    bound = unbind(fun, wrt, call)
    if bound is not None:  # a bound method or partial: the function's derivative, bound
        plain, args, kwargs, wrt, call = bound
        return functools.partial(grad_function(plain, wrt, has_aux, mode, single, call,
                                               holomorphic), *args, **kwargs)
    parsed = parse_for_transform(fun)
    # two passes: the first learns which values the backward sweep reads, the second saves
    # exactly those on the tape
    first = Reverse(parsed, wrt, has_aux, mode, single, call, holomorphic)
    first.needed = {n.id for n in gast.walk(first.node) if isinstance(n, gast.Name)}
    first.build()
    rev = Reverse(parsed, wrt, has_aux, mode, single, call, holomorphic)
    rev.needed = first.reads
    fdef = rev.build()
    what = {"grad": "the gradient", "value_and_grad": "(value, gradient)",
            "vjp": "(value, cotangents) for the output cotangent b_out"}[mode]
    header = (f"Reverse-mode derivative of {parsed.name} ({parsed.where}), generated by s2s:\n"
              f"returns {what} with respect to {', '.join(rev.wrt)}"
              f"{' (and aux)' if has_aux else ''}.")
    return load_generated(parsed, fdef, rev.free, helpers.namespace(), header, fun)


def for_call(fun, call):
    """The function to transform for calls of shape ``call``: a transformed function
    (``grad(f)``) has generated code per call shape (an optional argument passed or not)."""
    at = getattr(fun, "s2s_at_call", None)
    return at(*call) if at is not None and call[0] is not None else fun


def unbind(fun, positions, call):
    """A bound method, ``functools.partial`` or callable object as (its plain function, the
    bound positional and keyword arguments, ``positions`` and ``call`` shifted to the plain
    function's parameters); None for a plain function. Transforms generate the plain
    function's code and bind the arguments to it again (``self`` is closed over, as in JAX)."""
    plain, args, kwargs = parse_mod.resolve(fun)
    if not args and not kwargs:
        return None
    n = len(args)
    nargs, kwnames = call
    call = (None if nargs is None else nargs + n, tuple(kwnames) + tuple(
        k for k in kwargs if k not in kwnames))
    return plain, args, kwargs, tuple(p + n for p in positions), call


def parse_for_transform(fun):
    """``fun``'s AST; a partial or bound method is refused (transform the function itself)."""
    parsed = parse_mod.parse(fun)
    if parsed.bound_args or parsed.bound_kwargs:
        raise TransformError(f"{parsed.where}: transform the function itself, not a partial "
                             f"or bound method of it (close over the bound values instead)")
    return parsed


def load_generated(parsed, fdef, free, ours, header, original):
    """Write and load a generated function: the free values it uses, plus those of ``ours``
    (the names s2s's generated code calls) that it uses, which must not clash with what the
    user's code means by the same names."""
    used = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)}
    names = {k: v for k, v in free.items() if k in used}
    scope = {**parsed.globals, **parsed.freevars}
    for name, value in ours.items():
        if name in used:
            if name in scope and not helpers.same_binding(scope[name], value):
                raise TransformError(
                    f"{parsed.where}: the name {name!r} is used by s2s's generated code, but "
                    f"{parsed.name!r} sees it bound to something else. Rename it.")
            names.setdefault(name, value)
    fn = codegen.load(fdef, parsed.globals, names, header=header)
    fn.__s2s_original__ = original  # (not __wrapped__: inspect would show the original)
    return fn


_wrappers = {}


def ruled_function_as_source(fun, call=(None, ())):
    """A library function with derivative rules (``jnp.exp``) or a custom_vjp/custom_jvp
    function, differentiated directly, becomes a one-line function calling it with the
    arguments of this call shape (``call``: how many positional, which keywords), so the
    transforms see a call they have a rule for (or know to carry no derivative: ``jnp.floor``)."""
    from s2s.rules import CONSTANT_SOURCES, TANGENTS
    if all(_key(fun) not in known for known in (ADJOINTS, TANGENTS, _NONDIFFERENTIABLE)) and \
            not isinstance(fun, (custom.custom_vjp, custom.custom_jvp)) or \
            _key(fun) in CONSTANT_SOURCES:  # (custom functions' rules are used at calls)
        return fun
    nargs, keywords = call
    if (fun, call) not in _wrappers:
        import inspect
        sig = inspect.signature(fun).parameters.values()
        positional = [p.name for p in sig if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)
                      and (nargs is not None or p.default is p.empty)]
        if nargs is not None and any(p.kind == p.VAR_POSITIONAL for p in sig):
            positional += [f"arg{i}" for i in range(len(positional), nargs)]  # (*operands)
        positional = positional[:nargs] if nargs is not None else positional or ["x"]
        name = "".join(c for c in fun.__name__ if c.isalnum() or c == "_") or "f"
        params = ", ".join(positional + (["*"] if keywords else []) + list(keywords))
        passed = ", ".join(positional + [f"{k}={k}" for k in keywords])
        fdef = gast.parse(f"def {name}({params}):\n"
                          f"    return {name}_rule({passed})\n").body[0]
        _wrappers[fun, call] = codegen.load(fdef, {}, {f"{name}_rule": fun})
    return _wrappers[fun, call]
