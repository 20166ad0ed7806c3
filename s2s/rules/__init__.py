"""Derivative templates, Tangent-style: small Python functions that the transforms read as source.

An adjoint template has the primal function's parameters, preceded by the name of the result::

    @adjoint(jnp.sin)
    def sin(y, x):
        d[x] = d[y] * jnp.cos(x)

``d[v]`` is the adjoint of ``v``. The reverse transform substitutes the call's own names and
arguments into the template body and writes the result into the generated derivative; an
assignment ``d[x] = e`` accumulates into the adjoint of ``x`` (and is dropped when ``x`` is not
active). Names used in templates (``jnp``, ``unbroadcast``, ...) come from ``s2s.rules.helpers``.
"""
import inspect
import textwrap

import gast

ADJOINTS = {}
TANGENTS = {}
NONDIFFERENTIABLE = set()  # functions whose results carry no derivative (bools, indices)
CONSTANT_SOURCES = set()  # those of them written as source (vmap still transforms their source)


def nondifferentiable(fn):
    """Declare source-library function ``fn``'s result constant (a decorator; returns
    ``fn``): it is then not differentiated through; vmap batches its source as usual."""
    NONDIFFERENTIABLE.add(fn)
    CONSTANT_SOURCES.add(fn)
    return fn


class Template:
    """A parsed template: its parameter names (result first) and body statements."""

    def __init__(self, source, primal):
        tree = gast.parse(textwrap.dedent(source))
        fdef = tree.body[0]
        self.name = fdef.name
        self.result = fdef.args.args[0].id
        self.params = [a.id for a in fdef.args.args[1:]]
        self.defaults = dict(zip(self.params[len(self.params) - len(fdef.args.defaults):],
                                 fdef.args.defaults))
        self.body = fdef.body
        self.primal = primal
        try:
            self.signature = inspect.signature(primal)
        except (TypeError, ValueError):  # builtins (getattr): the transforms bind by name
            self.signature = None
        if self.signature is not None:  # a misnamed parameter would drop its derivative
            names = set(self.signature.parameters)
            wrong = [p for p in self.params if p not in names]
            if wrong:
                raise TypeError(f"template {self.name} of {primal.__qualname__}: parameters "
                                f"{wrong} are not parameters of the primal {sorted(names)}")
        # the parameters the template differentiates: a d[p] it writes (adjoint) or reads
        # (tangent)
        self.differentiates = {n.slice.id for stmt in self.body for n in gast.walk(stmt)
                               if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name)
                               and n.value.id == "d" and isinstance(n.slice, gast.Name)
                               and n.slice.id != self.result}


def adjoint(*primals):
    """Register the decorated template as the adjoint of each of ``primals``."""
    def register(fn):
        for p in primals:
            ADJOINTS[p] = Template(inspect.getsource(fn), p)
        return fn
    return register


def tangent(*primals):
    """Register the decorated template as the tangent rule of each of ``primals``: each
    statement ``d[result] = e`` is the contribution of the one input whose tangent ``e`` reads;
    the forward transform sums the contributions of the active inputs."""
    def register(fn):
        for p in primals:
            TANGENTS[p] = Template(inspect.getsource(fn), p)
        return fn
    return register


def linear(*primals, self_adjoint=False):
    """Register the rules of functions linear in their first parameter, the others being
    constants (axes, indices, shapes): the tangent is the function applied to the first
    argument's tangent. With ``self_adjoint`` (flips, axis swaps, dropping an entry: maps that
    are their own transpose) the adjoint is the function applied to the result's cotangent.
    The template is written from the primal's signature, as if by hand."""
    for primal in primals:
        params = list(inspect.signature(primal).parameters.values())
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params) or any(
                p.default is not p.empty and not isinstance(p.default, (type(None), bool, int,
                                                                       float, str))
                for p in params):
            raise TypeError(f"linear({primal.__qualname__}): write its template by hand")
        result = "z" if "z" not in {p.name for p in params} else "result"
        head = ", ".join([result] + [p.name if p.default is p.empty else f"{p.name}={p.default!r}"
                                     for p in params])
        first, rest = params[0].name, "".join(
            f", {p.name}={p.name}" if p.kind == p.KEYWORD_ONLY else f", {p.name}"
            for p in params[1:])
        name = f"{primal.__name__.strip('_')}_linear"
        ref = _reference(primal)
        TANGENTS[primal] = Template(
            f"def {name}({head}):\n    d[{result}] = {ref}(d[{first}]{rest})\n", primal)
        if self_adjoint:
            ADJOINTS[primal] = Template(
                f"def {name}({head}):\n    d[{first}] = {ref}(d[{result}]{rest})\n", primal)


def unary_slope(primal, slope):
    """Register both rules of an elementwise function of one argument from its slope
    ``dz/dx``, an expression in ``x`` and the result ``z``: the tangent is ``d[x]`` times it,
    the adjoint ``d[z]`` times it."""
    name = f"{primal.__name__}_"
    TANGENTS[primal] = Template(f"def {name}(z, x):\n    d[z] = d[x] * ({slope})\n", primal)
    ADJOINTS[primal] = Template(f"def {name}(z, x):\n    d[x] = d[z] * ({slope})\n", primal)


def product_adjoints(product, lhs, rhs):
    """Register the rules of ``lhs(g, x, y)`` and ``rhs(g, x, y)``, the cotangents of ``x``
    and ``y`` for ``z = product(x, y)`` with cotangent ``g`` (what second derivatives of a
    product differentiate). ``lhs`` is bilinear in ``(g, y)`` and ``rhs`` in ``(g, x)``: the
    tangent is the map of each factor's tangent, summed; the adjoint for ``g`` is the product
    (``product_cotangent``), for the other factor the partner map."""
    p, l, r = _reference(product), _reference(lhs), _reference(rhs)

    def register(fn, name, tangent, adjoint):
        head = f"def {fn.__name__}_(z, g, x, y):\n"
        TANGENTS[fn] = Template(f"{head}    d[z] = {name}(d[g], x, y)\n"
                                f"    d[z] = {name}({tangent})\n", fn)
        ADJOINTS[fn] = Template(head + adjoint, fn)
    register(lhs, l, "g, x, d[y]", f"    d[g] = product_cotangent({p}, d[z], y, g)\n"
                                   f"    d[y] = {r}(g, d[z], y)\n")
    register(rhs, r, "g, d[x], y", f"    d[g] = product_cotangent({p}, x, d[z], g)\n"
                                   f"    d[x] = {l}(g, x, d[z])\n")


def _reference(primal):
    """How generated code names ``primal``: ``jnp.<name>``, or a helper's own name."""
    from s2s.runtime import numpy as jnp
    from s2s.rules import helpers
    name = primal.__name__
    if getattr(jnp, name, None) is primal:
        return f"jnp.{name}"
    if getattr(helpers, name, None) is primal:
        return name
    raise TypeError(f"linear({primal.__qualname__}): not reachable from generated code")


# lax's elementwise functions with an s2s.numpy twin: the twin's rules serve both
LAX_TWINS = {"exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "tanh": "tanh",
             "sin": "sin", "cos": "cos", "tan": "tan", "sqrt": "sqrt", "cbrt": "cbrt",
             "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh",
             "cosh": "cosh", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
             "neg": "negative", "add": "add", "sub": "subtract", "mul": "multiply",
             "div": "divide", "pow": "power", "max": "maximum", "min": "minimum",
             "atan2": "arctan2", "abs": "absolute", "real": "real", "imag": "imag",
             "select": "where"}


def share_with_lax_twins(rules):
    """Give each of ``LAX_TWINS``' lax functions the rule (in ``rules``) of its twin."""
    from s2s.runtime import lax
    from s2s.runtime import numpy as jnp
    for lax_name, np_name in LAX_TWINS.items():
        rules[getattr(lax, lax_name)] = rules[getattr(jnp, np_name)]
