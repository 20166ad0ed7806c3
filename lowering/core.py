"""Avals, the primitive vocabulary and the IR of equations over avals (printed in jaxpr style).

A primitive is declared once with its shape/dtype rule and its StableHLO emitter
(see ``lowering/ops/``); everything else finds it by name in ``PRIMITIVES``.
"""
import enum
import itertools

import numpy as np

from s2s.lowering import dtypes_short


class ShapeProperties:
    """``ndim`` and ``size`` of anything with a ``shape`` (avals, ``ShapeDtypeStruct``)."""

    __slots__ = ()

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))


class ShapedArray(ShapeProperties):
    """Abstract value: what a program knows about an array before it runs."""

    __slots__ = ("shape", "dtype", "weak_type", "_hash")

    def __init__(self, shape, dtype, weak_type=False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)
        self._hash = hash((self.shape, self.dtype, self.weak_type))  # avals key every cache

    def __eq__(self, other):
        return self is other or (isinstance(other, ShapedArray) and self._hash == other._hash
                                 and self.shape == other.shape and self.dtype == other.dtype
                                 and self.weak_type == other.weak_type)

    def __hash__(self):
        return self._hash

    def update(self, shape=None, dtype=None, weak_type=None):
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def str_short(self):
        """``f32[3,4]``, with a ``~`` in front of weakly typed avals, as jaxprs print them."""
        dims = ",".join(str(d) for d in self.shape)
        return f"{'~' if self.weak_type else ''}{dtypes_short.short_name(self.dtype)}[{dims}]"

    def __repr__(self):
        dims = ",".join(str(d) for d in self.shape)
        return f"ShapedArray({self.dtype.name}[{dims}]{', weak_type=True' if self.weak_type else ''})"


class Primitive:
    """A named operation: ``shape_rule(*avals, **params)`` gives the output aval(s) and
    ``emit(ctx, operands, in_avals, out_avals, **params)`` writes its StableHLO."""

    def __init__(self, name, shape_rule, emit, multiple_results=False):
        self.name = name
        self.shape_rule = shape_rule
        self.emit = emit
        self.multiple_results = multiple_results

    def abstract_eval(self, avals, params):
        out = self.shape_rule(*avals, **params)
        return tuple(out) if self.multiple_results else (out,)

    def __repr__(self):
        return self.name


PRIMITIVES = {}


def def_primitive(name, shape_rule, emit, multiple_results=False):
    prim = Primitive(name, shape_rule, emit, multiple_results)
    PRIMITIVES[name] = prim
    return prim


class Var:
    __slots__ = ("aval", "count")
    _counter = itertools.count()

    def __init__(self, aval):
        self.aval = aval
        self.count = next(Var._counter)

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A constant operand held in the program text (scalars and closed-over arrays)."""

    __slots__ = ("val", "aval")

    def __init__(self, val, aval):
        self.val = np.asarray(val, dtype=aval.dtype)
        self.aval = aval

    def __repr__(self):
        if self.val.ndim == 0:  # jaxprs print literals without the weak-type mark
            return f"{self.val.item()!r}:{self.aval.update(weak_type=False).str_short()}"
        return f"Literal({self.aval.str_short()})"


class Eqn:
    __slots__ = ("prim", "invars", "outvars", "params", "source")

    def __init__(self, prim, invars, outvars, params, source=None):
        self.prim, self.invars, self.outvars, self.params = prim, invars, outvars, params
        self.source = source


class Jaxpr:
    """A closed program: ``invars`` in, ``eqns`` in order, ``outvars`` out.

    ``constvars`` hold arrays closed over by the traced function; ``consts`` their values."""

    def __init__(self, constvars, invars, eqns, outvars, consts=()):
        self.constvars, self.invars, self.eqns, self.outvars = constvars, invars, eqns, outvars
        self.consts = list(consts)

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def pretty(self):
        """Jaxpr text as JAX prints it: no weak-type marks, params sorted, a (sub-)program on one
        line when it fits in 80 columns, sub-programs of control flow nested in the params."""
        return "\n".join(_pp_jaxpr(self, _Namer(), 0))

    __str__ = pretty

    def __repr__(self):
        return self.pretty()


_WIDTH = 80


def _short(v):
    return v.aval.update(weak_type=False).str_short()


def _pp_jaxpr(jaxpr, names, col, start=None):
    """Lines of ``jaxpr`` printed at column ``col``; its first line (no indent) starts at column
    ``start`` (after a param's name)."""
    binders = lambda vs: " ".join(f"{names(v)}:{_short(v)}" for v in vs)
    head = f"{{ lambda {binders(jaxpr.constvars)}; {binders(jaxpr.invars)}. let"
    eqns = [_pp_eqn(e, names, col + 4) for e in jaxpr.eqns]
    outs = ", ".join(_atom(v, names) for v in jaxpr.outvars)
    tail = f"in ({outs}{',' if len(jaxpr.outvars) == 1 else ''}) }}"
    if all(len(e) == 1 for e in eqns):
        one = f"{head} {'; '.join(e[0] for e in eqns)} {tail}"
        if (col if start is None else start) + len(one) <= _WIDTH:
            return [one]
    lines = [head]
    for e in eqns:
        lines += [" " * (col + 4) + e[0]] + e[1:]
    return lines + [" " * (col + 2) + tail]


def _atom(v, names):
    return repr(v) if isinstance(v, Literal) else names(v)


def _pp_eqn(e, names, col):
    lhs = " ".join(f"{names(v)}:{_short(v)}" for v in e.outvars)
    lhs = f"{lhs} = " if lhs else ""  # (an equation without results: a host callback)
    args = " ".join(_atom(v, names) for v in e.invars)
    params = sorted(e.params.items())
    if not any(isinstance(v, Jaxpr) or isinstance(v, tuple) and v and isinstance(v[0], Jaxpr)
               for _, v in params):
        ps = " ".join(f"{k}={_param_str(v)}" for k, v in params)
        return [f"{lhs}{e.prim.name}{f'[{ps}]' if ps else ''} {args}".rstrip()]
    pad = " " * (col + 2)
    lines = [f"{lhs}{e.prim.name}["]
    for k, v in params:
        if isinstance(v, Jaxpr):
            sub = _pp_jaxpr(v, names, col + 2, col + 3 + len(k))
            lines += [f"{pad}{k}={sub[0]}"] + sub[1:]
        elif isinstance(v, tuple) and v and isinstance(v[0], Jaxpr):
            lines.append(f"{pad}{k}=(")
            for j in v:
                sub = _pp_jaxpr(j, names, col + 4)
                lines += [f"{pad}  {sub[0]}"] + sub[1:]
            lines.append(f"{pad})")
        else:
            lines.append(f"{pad}{k}={_param_str(v)}")
    return lines + [f"{' ' * col}] {args}".rstrip()]


def _param_str(v):
    if isinstance(v, np.dtype):
        return v.name
    if isinstance(v, enum.IntEnum):  # (FftType: jaxprs print the value)
        return str(int(v))
    return repr(v)


class _Namer:
    """Names variables a, b, ..., z, ba, bb, ... in order of first appearance, as jaxprs do."""

    def __init__(self):
        self.names = {}

    def __call__(self, v):
        if v not in self.names:
            n, s = len(self.names), ""
            while True:
                s = chr(ord("a") + n % 26) + s
                n //= 26
                if n == 0:
                    break
            self.names[v] = s
        return self.names[v]
