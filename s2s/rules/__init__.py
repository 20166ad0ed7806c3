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


class Template:
    """A parsed template: its parameter names (result first) and body statements."""

    def __init__(self, fn, primal):
        tree = gast.parse(textwrap.dedent(inspect.getsource(fn)))
        fdef = tree.body[0]
        self.name = fn.__name__
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
                raise TypeError(f"template {fn.__name__} of {primal.__qualname__}: parameters "
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
            ADJOINTS[p] = Template(fn, p)
        return fn
    return register


def tangent(*primals):
    """Register the decorated template as the tangent rule of each of ``primals``: each
    statement ``d[result] = e`` is the contribution of the one input whose tangent ``e`` reads;
    the forward transform sums the contributions of the active inputs."""
    def register(fn):
        for p in primals:
            TANGENTS[p] = Template(fn, p)
        return fn
    return register
