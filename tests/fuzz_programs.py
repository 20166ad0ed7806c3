"""Random differentiable programs as Python SOURCE TEXT, for the differential fuzzer
(``tests/test_fuzz.py``).

``generate(draw_int, features)`` writes one small module: optional module-level helpers, and a
function ``f(x)`` (or ``f(x, s)``) of a float32 vector ``x`` of shape (3,) (and a float32 scalar
``s``) that returns a float32 scalar, so ``grad`` applies. The module refers to ``jnp`` and
``lax`` as globals; the test binds them to ``s2s.numpy``/``s2s.lax`` in one copy and to
``jax.numpy``/``jax.lax`` in another.

Every choice goes through ``draw_int(lo, hi)``: hypothesis draws them (and shrinks each one
towards ``lo``, so the first option of every choice is the simplest one), or a
``random.Random`` does (``python tests/fuzz_programs.py [seed] [feature,...]`` prints
programs).

The values stay bounded so that float32 agrees with float32 without nan/inf false positives:
inputs lie in [0.5, 1.5]; every expression carries an upper bound on its magnitude, an
expression whose bound exceeds ``WRAP`` is wrapped in ``tanh``, and every value stored in a
variable (or returned by a helper, a closure or a loop body) is squashed below ``LIMIT``.
Only smooth operations are used (plus ``maximum``/``where``, whose kinks are hit with
probability zero).

Features (each one a flag of ``generate``):

- ``straight``: overwrites of existing variables (``y = y * x``) and augmented assignments;
  without it every assignment makes a new variable.
- ``loops``: ``for i in range(n)`` (with ``if i == k: break/continue``) and ``while k < n``
  loops on a Python counter; helpers with an int default loop count.
- ``if``: ``if``/``else`` on data (``if jnp.sum(x) > 2.0:``, which jit and vmap reject, as
  in JAX) and on Python ints (the loop counter, a module-level constant).
- ``helpers``: module-level helpers with default arguments (``def h0(a, p=2.0)``), called as
  ``h0(e)`` and ``h0(e, 3.0)``; helpers calling earlier helpers.
- ``lists``: ``l = []``, ``l.append(...)`` in a loop, then ``jnp.stack(l)``, ``sum(l)``,
  ``l[0]``, ``l[-1]``.
- ``pytrees``: tuples and dicts of arrays passed to a module-level helper that is called twice
  on the same tree, and read in the function body (``p0[0]``, ``p0["w"]``).
- ``closures``: nested ``def``s that read outer variables (late binding included), called
  afterwards; with ``lambdas`` also lambdas assigned to a name (``g = lambda a: a * y``).
- ``kwargs``: helper calls with keyword arguments (``h0(e, p=3.0)``, ``h0(e, q=0.5)``).
- ``lax``: ``lax.fori_loop`` and ``lax.scan`` with lambda or local-def bodies that close over
  the function's values.
- ``scalar_arg``: ``f(x, s)`` with a second, scalar, argument (differentiated too).
- ``self_assign``: lets an assignment's right side be its own target (``x = x``, ``c = c``);
  without it such a statement gets a ``jnp.sin`` around the right side.
- ``def_in_block``: lets a nested ``def`` (a closure, a lax body) stand inside a loop or an
  ``if`` branch; without it a lax body there is a lambda, a closure there a lambda (with
  ``lambdas``) or nothing.
- ``lambdas``: closures written as ``g = lambda a: ...`` (lax bodies are lambdas or defs
  whatever this says).
- ``closure_chains``: a closure's body may call closures defined before it (and the pytree
  helpers' bound calls ``use1(p2, ...)``).
"""
import math

FEATURES = ("straight", "loops", "if", "helpers", "lists", "pytrees", "closures", "kwargs",
            "lax", "scalar_arg", "self_assign", "def_in_block", "lambdas", "closure_chains")

LIMIT = 4.0      # bound on every stored value
WRAP = 16.0      # an expression whose bound exceeds this is wrapped in tanh
CONSTS = (("2.0", 2.0), ("0.5", 0.5), ("-1.5", 1.5), ("3.0", 3.0), ("0.25", 0.25))


class Program:
    """A generated module: ``source``, ``name`` of the entry function, its ``nargs`` (1 or 2),
    whether it branches on data (``data_dependent``: jit and vmap must raise, as in JAX), and
    the ``used`` features."""

    def __init__(self, source, nargs, data_dependent, used):
        self.source = source
        self.name = "f"
        self.nargs = nargs
        self.data_dependent = data_dependent
        self.used = frozenset(used)

    def __repr__(self):
        return f"Program(nargs={self.nargs}, used={sorted(self.used)})\n{self.source}"


class _Var:
    __slots__ = ("name", "kind", "bound", "assignable")

    def __init__(self, name, kind, bound, assignable=True):
        self.name, self.kind, self.bound, self.assignable = name, kind, bound, assignable


class _Scope:
    """Variables (name -> _Var, kind "vec" for shape (3,) or "scal" for shape ()), Python int
    names (loop counters: (name, max value)), and callables (source prefix, e.g. ``"g0("`` or
    ``"use0(p0, "``, each taking one vector and returning a vector bounded by LIMIT)."""

    def __init__(self):
        self.vars = {}
        self.ints = []
        self.calls = []
        self.helpers = []

    def copy(self):
        c = _Scope()
        c.vars = {k: _Var(v.name, v.kind, v.bound, v.assignable) for k, v in self.vars.items()}
        c.ints = list(self.ints)
        c.calls = list(self.calls)
        c.helpers = self.helpers
        return c

    def add(self, name, kind, bound, assignable=True):
        self.vars[name] = _Var(name, kind, bound, assignable)

    def of_kind(self, kind):
        return [v for v in self.vars.values() if v.kind == kind]

    def loosen(self):
        """Inside a loop (or a function called later) a variable may hold any stored value."""
        for v in self.vars.values():
            v.bound = max(v.bound, LIMIT)


class _E:
    """An expression: source, magnitude bound, and whether it needs no parentheses."""
    __slots__ = ("src", "bound", "atom")

    def __init__(self, src, bound, atom):
        self.src, self.bound, self.atom = src, bound, atom

    def p(self):
        return self.src if self.atom else f"({self.src})"


class Generator:
    def __init__(self, draw_int, features):
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown fuzz features {sorted(unknown)}; known: {FEATURES}")
        self.int = draw_int
        self.feat = set(features)
        self.n = 0
        self.module_defs = []   # source blocks before f
        self.helpers = []       # (name, [(param, default_src)], has_loop_n)
        self.data_dependent = False
        self.used = set()
        self.need_N = None

    # ---- choices -------------------------------------------------------------------------
    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def flag(self):
        return self.int(0, 1) == 1

    def fresh(self, prefix="v"):
        self.n += 1
        return f"{prefix}{self.n}"

    # ---- expressions ---------------------------------------------------------------------
    def squash(self, e, limit=LIMIT):
        if e.bound <= limit:
            return e
        fn = self.choice(["jnp.tanh", "jnp.sin"])
        return _E(f"{fn}({e.src})", 1.0, True)

    def const(self, scope):
        opts = list(CONSTS)
        ints = [(n, m) for n, m in scope.ints]
        if ints and self.flag():
            name, top = self.choice(ints)
            return _E(f"1.0 + 0.5 * {name}", 1.0 + 0.5 * top, False)
        src, b = self.choice(opts)
        return _E(src, b, not src.startswith("-"))

    def leaf(self, scope, kind):
        vecs = scope.of_kind("vec")
        if kind == "vec":
            v = self.choice(vecs)
            return _E(v.name, v.bound, True)
        scals = scope.of_kind("scal")
        k = self.int(0, 2 + (1 if scals else 0))
        if k == 3:
            v = self.choice(scals)
            return _E(v.name, v.bound, True)
        v = self.choice(vecs)
        if k == 0:
            return _E(f"jnp.sum({v.name})", 3 * v.bound, True)
        if k == 1:
            return _E(f"jnp.mean({v.name})", v.bound, True)
        return _E(f"{v.name}[{self.int(0, 2)}]", v.bound, True)

    def expr(self, scope, kind, depth):
        if depth <= 0 or self.int(0, 2) == 0:
            return self.leaf(scope, kind)
        opts = ["unary", "binary", "const"]
        if kind == "scal":
            opts.append("reduce")
        else:
            opts.append("where")
            if scope.calls:
                opts.append("call")
            if scope.helpers:
                opts.append("helper")
        op = self.choice(opts)
        if op == "unary":
            e = self.unary(self.expr(scope, kind, depth - 1))
        elif op == "binary":
            e = self.binary(scope, kind, depth)
        elif op == "const":
            a = self.expr(scope, kind, depth - 1)
            c = self.const(scope)
            which = self.int(0, 2)
            if which == 0:
                e = _E(f"{a.p()} * {c.p()}", a.bound * c.bound, False)
            elif which == 1:
                e = _E(f"{a.p()} + {c.p()}", a.bound + c.bound, False)
            else:
                e = _E(f"{c.p()} - {a.p()}", a.bound + c.bound, False)
        elif op == "reduce":
            a = self.expr(scope, "vec", depth - 1)
            which = self.int(0, 3)
            if which == 0:
                e = _E(f"jnp.sum({a.src})", 3 * a.bound, True)
            elif which == 1:
                e = _E(f"jnp.mean({a.src})", a.bound, True)
            elif which == 2:
                b = self.expr(scope, "vec", depth - 1)
                e = _E(f"jnp.dot({a.src}, {b.src})", 3 * a.bound * b.bound, True)
            else:
                e = _E(f"{a.p()}[{self.int(0, 2)}]", a.bound, True)
        elif op == "where":
            c = self.leaf(scope, self.choice(["vec", "scal"]))
            t = self.choice(["1.0", "0.5", "2.0"])
            a = self.expr(scope, kind, depth - 1)
            b = self.expr(scope, kind, depth - 1)
            e = _E(f"jnp.where({c.src} > {t}, {a.src}, {b.src})", max(a.bound, b.bound), True)
        elif op == "helper":
            e = self.helper_call_expr(scope, depth - 1)
        else:  # call
            fn = self.choice(scope.calls)
            a = self.squash(self.expr(scope, "vec", depth - 1))
            e = _E(f"{fn}{a.src})", LIMIT, True)
        if e.bound > WRAP:
            e = _E(f"jnp.tanh({e.src})", 1.0, True)
        return e

    def unary(self, a):
        k = self.int(0, 8)
        if k == 0:
            return _E(f"jnp.sin({a.src})", 1.0, True)
        if k == 1:
            return _E(f"jnp.tanh({a.src})", 1.0, True)
        if k == 2:
            return _E(f"jnp.cos({a.src})", 1.0, True)
        if k == 3:
            return _E(f"{a.p()} ** 2", a.bound ** 2, False)
        if k == 4:
            return _E(f"{a.p()} ** 3", a.bound ** 3, False)
        if k == 5:
            if a.bound > 2.0:
                return _E(f"jnp.exp(jnp.tanh({a.src}))", math.e, True)
            return _E(f"jnp.exp({a.src})", math.exp(a.bound), True)
        if k == 6:
            return _E(f"jnp.log(1.0 + {a.p()} * {a.p()})", math.log1p(a.bound ** 2), True)
        if k == 7:
            return _E(f"jnp.sqrt(1.0 + {a.p()} ** 2)", math.sqrt(1 + a.bound ** 2), True)
        return _E(f"-{a.p()}", a.bound, False)

    def binary(self, scope, kind, depth):
        if kind == "vec":
            ka, kb = self.choice([("vec", "vec"), ("vec", "scal"), ("scal", "vec")])
        else:
            ka, kb = "scal", "scal"
        a = self.expr(scope, ka, depth - 1)
        b = self.expr(scope, kb, depth - 1)
        k = self.int(0, 4)
        if k == 0:
            return _E(f"{a.p()} * {b.p()}", a.bound * b.bound, False)
        if k == 1:
            return _E(f"{a.p()} + {b.p()}", a.bound + b.bound, False)
        if k == 2:
            return _E(f"{a.p()} - {b.p()}", a.bound + b.bound, False)
        if k == 3:
            return _E(f"{a.p()} / (1.0 + {b.p()} * {b.p()})", a.bound, False)
        return _E(f"jnp.maximum({a.src}, {b.src})", max(a.bound, b.bound), True)

    # ---- statements ----------------------------------------------------------------------
    def block(self, scope, depth, ind, lo=1, hi=2):
        lines = []
        for _ in range(self.int(lo, hi)):
            lines += self.stmt(scope, depth, ind)
        return lines

    def stmt(self, scope, depth, ind):
        opts = ["assign"]
        f = self.feat
        if depth < 2:
            if "loops" in f:
                opts += ["for", "while"]
            if "if" in f:
                opts += ["if_data", "if_int"]
            if "lists" in f:
                opts.append("list")
        if "pytrees" in f:
            opts.append("pytree")
        if "closures" in f:
            opts.append("closure")
        if "lax" in f:
            opts += ["fori", "scan"]
        kind = self.choice(opts)
        return getattr(self, "s_" + kind)(scope, depth, ind)

    def assign_target(self, scope, kind):
        if "straight" in self.feat:
            olds = [v for v in scope.of_kind(kind) if v.assignable]
            if olds and self.flag():
                self.used.add("straight")
                return self.choice(olds).name, False
        return self.fresh(), True

    def not_self(self, name, e):
        """``name = name`` only with the ``self_assign`` feature."""
        if e.src != name:
            return e
        if "self_assign" in self.feat:
            self.used.add("self_assign")
            return e
        return _E(f"jnp.sin({e.src})", 1.0, True)

    def s_assign(self, scope, depth, ind):
        kind = self.choice(["vec", "scal"])
        name, new = self.assign_target(scope, kind)
        e = self.not_self(name, self.expr(scope, kind, 2))
        if not new and self.int(0, 3) == 0:
            cur = scope.vars[name]
            op = self.choice(["+=", "*=", "-="])
            b = cur.bound * e.bound if op == "*=" else cur.bound + e.bound
            if b <= LIMIT:
                scope.vars[name].bound = b
                return [f"{ind}{name} {op} {e.src}"]
        e = self.squash(e)
        if new:
            scope.add(name, kind, e.bound)
        else:
            scope.vars[name].bound = e.bound
        return [f"{ind}{name} = {e.src}"]

    def merge_loop(self, scope, body):
        """Names bound in a loop body (which runs at least once) stay bound after it."""
        for k, v in body.vars.items():
            if k not in scope.vars:
                scope.vars[k] = v
        for c in body.calls:
            if c not in scope.calls:
                scope.calls.append(c)

    def s_for(self, scope, depth, ind):
        self.used.add("loops")
        i = "ij"[depth] if depth < 2 else self.fresh("i")
        n = self.int(1, 4)
        scope.loosen()
        body = scope.copy()
        body.ints.append((i, n - 1))
        lines = [f"{ind}for {i} in range({n}):"]
        inner = ind + "    "
        stmts = self.block(body, depth + 1, inner)
        if n >= 2 and self.int(0, 3) == 0:
            k = self.int(1, n - 1)
            jump = self.choice(["continue", "break"])
            at = self.int(0, len(stmts))
            # only at a statement boundary: find a line at `inner` indentation
            while at < len(stmts) and (stmts[at].startswith(inner + " ")
                                       or stmts[at].startswith(inner + "else")):
                at += 1
            stmts[at:at] = [f"{inner}if {i} == {k}:", f"{inner}    {jump}"]
        lines += stmts
        self.merge_loop(scope, body)
        return lines

    def s_while(self, scope, depth, ind):
        self.used.add("loops")
        k = self.fresh("k")
        n = self.int(1, 3)
        scope.loosen()
        body = scope.copy()
        body.ints.append((k, n - 1))
        lines = [f"{ind}{k} = 0", f"{ind}while {k} < {n}:"]
        lines += self.block(body, depth + 1, ind + "    ")
        lines.append(f"{ind}    {k} += 1")
        body.ints.pop()
        self.merge_loop(scope, body)
        return lines

    def merge_branches(self, scope, a, b):
        for k in list(a.vars):
            if k in b.vars and k not in scope.vars:
                scope.vars[k] = a.vars[k]
        for k, v in scope.vars.items():
            v.bound = max(v.bound, a.vars[k].bound, b.vars[k].bound)
        for c in a.calls:
            if c in b.calls and c not in scope.calls:
                scope.calls.append(c)

    def branch_pair(self, scope, depth, ind, cond):
        lines = [f"{ind}if {cond}:"]
        a, b = scope.copy(), scope.copy()
        lines += self.block(a, depth + 1, ind + "    ")
        if self.flag():
            lines.append(f"{ind}else:")
            lines += self.block(b, depth + 1, ind + "    ")
        self.merge_branches(scope, a, b)
        return lines

    def s_if_data(self, scope, depth, ind):
        self.used.add("if")
        self.data_dependent = True
        c = self.leaf(scope, "scal")
        t = self.choice(["2.0", "1.0", "0.0", "3.0"])
        return self.branch_pair(scope, depth, ind, f"{c.src} > {t}")

    def s_if_int(self, scope, depth, ind):
        self.used.add("if")
        if scope.ints and self.flag():
            i, top = self.choice(scope.ints)
            cond = self.choice([f"{i} % 2 == 0", f"{i} == {self.int(0, max(top, 0))}",
                                f"{i} > 0"])
        else:
            if self.need_N is None:
                self.need_N = self.int(0, 3)
            cond = self.choice(["N > 1", "N == 2", "N % 2 == 0"])
        return self.branch_pair(scope, depth, ind, cond)

    def s_list(self, scope, depth, ind):
        self.used.add("lists")
        l = self.fresh("l")
        i = self.fresh("i")
        n = self.int(1, 4)
        kind = self.choice(["vec", "scal"])
        scope.loosen()
        body = scope.copy()
        body.ints.append((i, n - 1))
        lines = [f"{ind}{l} = []", f"{ind}for {i} in range({n}):"]
        if self.flag():
            lines += self.s_assign(body, depth + 1, ind + "    ")
        e = self.squash(self.expr(body, kind, 2))
        lines.append(f"{ind}    {l}.append({e.src})")
        self.merge_loop(scope, body)
        out = self.fresh()
        b = e.bound
        if kind == "vec":
            k = self.int(0, 5)
            rhs, ob, okind = [
                (f"jnp.sum(jnp.stack({l}), axis=0)", n * b, "vec"),
                (f"jnp.stack({l})[{self.int(0, n - 1)}]", b, "vec"),
                (f"sum({l})", n * b, "vec"),
                (f"{l}[0] * {l}[-1]", b * b, "vec"),
                (f"jnp.mean(jnp.stack({l}), axis=0)", b, "vec"),
                (f"jnp.sum(jnp.stack({l}))", 3 * n * b, "scal"),
            ][k]
        else:
            k = self.int(0, 3)
            rhs, ob, okind = [
                (f"jnp.stack({l})", b, "vec") if n == 3 else (f"jnp.sum(jnp.stack({l}))", n * b,
                                                             "scal"),
                (f"sum({l})", n * b, "scal"),
                (f"{l}[-1] + {l}[0]", 2 * b, "scal"),
                (f"jnp.dot(jnp.stack({l}), jnp.stack({l}))", n * b * b, "scal"),
            ][k]
        e = self.squash(_E(rhs, ob, True))
        scope.add(out, okind, e.bound)
        lines.append(f"{ind}{out} = {e.src}")
        return lines

    def helper_scope(self, params):
        sc = _Scope()
        sc.add("a", "vec", LIMIT)
        for p, _ in params[1:]:
            if p != "n":
                sc.add(p, "scal", LIMIT)
        sc.helpers = list(self.helpers)  # helpers call earlier helpers
        return sc

    def make_helper(self):
        """A module-level helper ``h<k>(a, p=..., [q=...], [n=...])`` returning a vector."""
        name = f"h{len(self.helpers)}"
        params = [("a", None), ("p", self.choice(["2.0", "0.5", "-1.0", "3.0"]))]
        if self.flag():
            params.append(("q", self.choice(["1.0", "0.25", "-2.0"])))
        loop = "loops" in self.feat and self.flag()
        if loop:
            self.used.add("loops")
            params.append(("n", str(self.int(1, 3))))
        sc = self.helper_scope(params)
        sig = ", ".join(p if d is None else f"{p}={d}" for p, d in params)
        lines = [f"def {name}({sig}):"]
        ind = "    "
        if loop:
            sc.ints.append(("i", 3))
            lines.append(f"{ind}for i in range(n):")
            e = self.not_self("a", self.squash(self.expr(sc, "vec", 2)))
            lines.append(f"{ind}    a = {e.src}")
            sc.ints.pop()
        for _ in range(self.int(0, 1)):
            kind = self.choice(["vec", "scal"])
            e = self.squash(self.expr(sc, kind, 2))
            t = self.fresh("t")
            sc.add(t, kind, e.bound)
            lines.append(f"{ind}{t} = {e.src}")
        e = self.squash(self.expr(sc, "vec", 2))
        lines.append(f"{ind}return {e.src}")
        self.module_defs.append("\n".join(lines))
        self.helpers.append((name, params))

    def helper_call_expr(self, scope, depth):
        """``h(e)``, ``h(e, 3.0)``, ``h(e, q=0.5, p=s)``: the vector argument first, then
        none, a positional prefix, or (with ``kwargs``) keywords in any order."""
        name, params = self.choice(scope.helpers)
        self.used.add("helpers")
        a = self.squash(self.expr(scope, "vec", depth))
        args = [a.src]
        extra = params[1:]
        style = self.int(0, 2 if "kwargs" in self.feat else 1)
        if style == 1:  # positional prefix
            for p, _ in extra[:self.int(1, len(extra))]:
                args.append(self.param_value(scope, p))
        elif style == 2:  # keywords, any subset, any order
            self.used.add("kwargs")
            chosen = [pd for pd in extra if self.flag()] or [extra[-1]]
            if self.flag():
                chosen = chosen[::-1]
            args += [f"{p}={self.param_value(scope, p)}" for p, _ in chosen]
        return _E(f"{name}({', '.join(args)})", LIMIT, True)

    def param_value(self, scope, p):
        if p == "n":
            return str(self.int(0, 3))
        if self.flag():
            e = self.squash(self.leaf(scope, "scal"))
            return e.src
        return self.choice(["3.0", "0.5", "-1.0", "1.5"])

    def s_pytree(self, scope, depth, ind):
        self.used.add("pytrees")
        use = f"use{self.n + 1}"
        self.n += 1
        p = self.fresh("p")
        tup = self.flag() is False
        wkind = self.choice(["vec", "scal"])
        w = self.squash(self.expr(scope, wkind, 1))
        b = self.squash(self.expr(scope, "scal", 1))
        lines = []
        hs = _Scope()
        hs.add("a", "vec", LIMIT)
        if tup:
            lines.append(f"{ind}{p} = ({w.src}, {b.src})")
            unpack = self.flag()
            body = [f"def {use}(p, a):"]
            if unpack:
                body.append("    w, b = p")
                hs.add("w", wkind, LIMIT, False)
                hs.add("b", "scal", LIMIT, False)
            else:
                hs.add("p[0]", wkind, LIMIT, False)
                hs.add("p[1]", "scal", LIMIT, False)
            ref = [f"{p}[0]", f"{p}[1]"]
        else:
            lines.append(f'{ind}{p} = {{"w": {w.src}, "b": {b.src}}}')
            body = [f"def {use}(p, a):"]
            hs.add('p["w"]', wkind, LIMIT, False)
            hs.add('p["b"]', "scal", LIMIT, False)
            ref = [f'{p}["w"]', f'{p}["b"]']
        e = self.squash(self.expr(hs, "vec", 2))
        body.append(f"    return {e.src}")
        self.module_defs.append("\n".join(body))
        scope.add(ref[0], wkind, w.bound, False)
        scope.add(ref[1], "scal", b.bound, False)
        a1 = self.squash(self.expr(scope, "vec", 1))
        second = self.choice([f"{a1.p()} * 2.0", None])
        a2 = second if second else self.squash(self.expr(scope, "vec", 1)).src
        out = self.fresh()
        lines.append(f"{ind}{out} = {use}({p}, {a1.src}) + {use}({p}, {a2})")
        scope.add(out, "vec", 2 * LIMIT)
        e = self.squash(_E(out, 2 * LIMIT, True))
        if e.src != out:
            lines.append(f"{ind}{out} = {e.src}")
            scope.vars[out].bound = e.bound
        scope.calls.append(f"{use}({p}, ")
        return lines

    def use_def(self, depth):
        """A nested def (else a lambda); inside a block only with ``def_in_block``."""
        if not self.flag():
            return False
        if depth > 0:
            if "def_in_block" not in self.feat:
                return False
            self.used.add("def_in_block")
        return True

    def s_closure(self, scope, depth, ind):
        can_def = depth == 0 or "def_in_block" in self.feat
        can_lambda = "lambdas" in self.feat
        if not (can_def or can_lambda):
            return self.s_assign(scope, depth, ind)
        as_def = can_def and (not can_lambda or self.flag())
        self.used.add("closures")
        if as_def and depth > 0:
            self.used.add("def_in_block")
        if not as_def:
            self.used.add("lambdas")
        g = self.fresh("g")
        inner = scope.copy()
        inner.loosen()
        if "closure_chains" not in self.feat:
            inner.calls = []
        elif inner.calls:
            self.used.add("closure_chains")
        for v in inner.vars.values():
            v.assignable = False
        inner.add("a", "vec", LIMIT, False)
        lines = []
        if as_def:
            lines.append(f"{ind}def {g}(a):")
            if self.flag():
                t = self.fresh("t")
                e = self.squash(self.expr(inner, "vec", 2))
                lines.append(f"{ind}    {t} = {e.src}")
                inner.add(t, "vec", e.bound, False)
            e = self.squash(self.expr(inner, "vec", 2))
            lines.append(f"{ind}    return {e.src}")
        else:
            e = self.squash(self.expr(inner, "vec", 2))
            lines.append(f"{ind}{g} = lambda a: {e.src}")
        scope.calls.append(f"{g}(")
        out = self.fresh()
        a1 = self.squash(self.expr(scope, "vec", 1))
        call = f"{g}({a1.src})"
        if self.flag():
            a2 = self.squash(self.expr(scope, "vec", 1))
            call += f" * {g}({a2.src})"
            e = self.squash(_E(call, LIMIT * LIMIT, False))
        else:
            e = _E(call, LIMIT, True)
        lines.append(f"{ind}{out} = {e.src}")
        scope.add(out, "vec", e.bound)
        return lines

    def body_scope(self, scope, carry_kind, carry="c", extra=()):
        inner = scope.copy()
        inner.loosen()
        for v in inner.vars.values():
            v.assignable = False
        inner.add(carry, carry_kind, LIMIT)
        for name, kind in extra:
            inner.add(name, kind, LIMIT, False)
        return inner

    def s_fori(self, scope, depth, ind):
        self.used.add("lax")
        kind = self.choice(["vec", "scal"])
        init = self.squash(self.expr(scope, kind, 1))
        n = self.int(1, 4)
        inner = self.body_scope(scope, kind)
        inner.ints.append(("i", 3))  # the body's own (traced) i shadows any outer i
        out = self.fresh()
        lines = []
        if self.use_def(depth):
            body = self.fresh("body")
            lines.append(f"{ind}def {body}(i, c):")
            if self.flag():
                e = self.not_self("c", self.squash(self.expr(inner, kind, 2)))
                lines.append(f"{ind}    c = {e.src}")
            e = self.squash(self.expr(inner, kind, 2))
            lines.append(f"{ind}    return {e.src}")
            fn = body
        else:
            e = self.squash(self.expr(inner, kind, 2))
            fn = f"lambda i, c: {e.src}"
        lines.append(f"{ind}{out} = lax.fori_loop(0, {n}, {fn}, {init.src})")
        scope.add(out, kind, LIMIT)
        return lines

    def s_scan(self, scope, depth, ind):
        self.used.add("lax")
        init = self.squash(self.expr(scope, "vec", 1))
        xs = self.squash(self.expr(scope, "vec", 1))
        inner = self.body_scope(scope, "vec", extra=[("xi", "scal")])
        c_out, y_out = self.fresh(), self.fresh()
        lines = []
        if self.use_def(depth):
            step = self.fresh("step")
            lines.append(f"{ind}def {step}(c, xi):")
            if self.flag():
                e = self.not_self("c", self.squash(self.expr(inner, "vec", 2)))
                lines.append(f"{ind}    c = {e.src}")
            ec = self.squash(self.expr(inner, "vec", 2))
            ey = self.squash(self.expr(inner, "scal", 2))
            lines.append(f"{ind}    return {ec.src}, {ey.src}")
            fn = step
        else:
            ec = self.squash(self.expr(inner, "vec", 2))
            ey = self.squash(self.expr(inner, "scal", 2))
            fn = f"lambda c, xi: ({ec.src}, {ey.src})"
        lines.append(f"{ind}{c_out}, {y_out} = lax.scan({fn}, {init.src}, {xs.src})")
        scope.add(c_out, "vec", LIMIT)
        scope.add(y_out, "vec", LIMIT)
        return lines

    # ---- the module ----------------------------------------------------------------------
    def program(self):
        nargs = 2 if ("scalar_arg" in self.feat and self.flag()) else 1
        if nargs == 2:
            self.used.add("scalar_arg")
        if "helpers" in self.feat:
            for _ in range(self.int(1, 2)):
                self.make_helper()
        scope = _Scope()
        scope.helpers = self.helpers
        scope.add("x", "vec", 1.5)
        if nargs == 2:
            scope.add("s", "scal", 1.5)
        body = []
        for _ in range(self.int(1, 4)):
            body += self.stmt(scope, 0, "    ")
            if self.helpers and self.int(0, 2) == 0:
                e = self.helper_call_expr(scope, 1)
                kind = "vec"
                name, new = self.assign_target(scope, kind)
                if self.flag():  # two calls of the same helper: default and explicit
                    e2 = self.helper_call_expr(scope, 1)
                    e = self.squash(_E(f"{e.src} + {e2.src}", 2 * LIMIT, False))
                if new:
                    scope.add(name, kind, e.bound)
                else:
                    scope.vars[name].bound = e.bound
                body.append(f"    {name} = {e.src}")
        if self.helpers and "helpers" not in self.used:
            e = self.helper_call_expr(scope, 1)
            v = self.fresh()
            scope.add(v, "vec", e.bound)
            body.append(f"    {v} = {e.src}")
        # return a scalar that reads the most recent variable
        last = [v for v in scope.vars.values() if v.assignable][-1]
        k = self.int(0, 2)
        if k == 0 and last.kind == "vec":
            ret = f"jnp.sum({last.name})"
        elif k == 0:
            ret = last.name
        elif k == 1:
            e = self.expr(scope, "vec", 2)
            ret = f"jnp.sum({last.name}) + jnp.sum({e.src})"
        else:
            e = self.expr(scope, "scal", 2)
            ret = f"jnp.mean({last.name}) * {e.p()}"
        args = "x, s" if nargs == 2 else "x"
        main = "\n".join([f"def f({args}):"] + body + [f"    return {ret}"])
        parts = []
        if self.need_N is not None:
            parts.append(f"N = {self.need_N}")
        parts += self.module_defs + [main]
        src = "\n\n\n".join(parts) + "\n"
        return Program(src, nargs, self.data_dependent, self.used)


def generate(draw_int, features):
    """One Program using (a subset of) ``features``."""
    return Generator(draw_int, features).program()


if __name__ == "__main__":
    import random
    import sys
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    feats = sys.argv[2].split(",") if len(sys.argv) > 2 else FEATURES
    rng = random.Random(seed)
    for _ in range(3):
        print(generate(rng.randint, feats).source)
        print("# " + "-" * 70)
