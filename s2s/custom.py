"""User-defined derivative rules: ``custom_vjp``, ``custom_jvp``, ``custom_gradient`` and
``stop_gradient``.

The transforms use these rules in place of descending into the function: reverse mode calls the
``fwd``/``bwd`` pair of a ``custom_vjp`` function, and transposes the (linear in its tangents)
``jvp`` rule of a ``custom_jvp`` function by differentiating that rule with respect to its
tangents.
"""
import functools
import inspect

from s2s.runtime import numpy as jnp
from s2s.runtime.tree_util import tree_map


class custom_vjp:
    """``@custom_vjp`` function with ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, res)``,
    ``bwd(res, g) -> tuple of cotangents, one per argument``."""

    def __init__(self, fun, nondiff_argnums=()):
        if nondiff_argnums:
            raise NotImplementedError("custom_vjp nondiff_argnums: close over the value instead")
        functools.update_wrapper(self, fun)
        del self.__wrapped__  # calls run ``fun``; transforms use fwd/bwd, not its source
        self.__signature__ = _signature(fun)
        self.fun, self.fwd, self.bwd = fun, None, None

    def defvjp(self, fwd, bwd, symbolic_zeros=False):
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)


def _signature(fun):
    """``fun``'s signature, which ``inspect.signature`` then gives for the wrapper too (the
    transforms count a function's parameters by it)."""
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


def custom_gradient(fun):
    """``fun(*args) -> (value, vjp)`` as a ``custom_vjp`` function: the forward pass is ``fun``
    itself (its ``vjp`` the residual), the backward pass calls ``vjp`` on the cotangent; a
    single cotangent it returns stands for a 1-tuple."""
    def value(*args, **kwargs):
        return fun(*args, **kwargs)[0]
    functools.update_wrapper(value, fun)
    out = custom_vjp(value)
    out.defvjp(fun, _call_vjp)
    return out


def _call_vjp(vjp, g):
    cts = vjp(g)
    return cts if isinstance(cts, tuple) else (cts,)


class custom_jvp:
    """``@custom_jvp`` function with ``@f.defjvp`` rule ``rule(primals, tangents) ->
    (out, tangent_out)``."""

    def __init__(self, fun, nondiff_argnums=()):
        if nondiff_argnums:
            raise NotImplementedError("custom_jvp nondiff_argnums: close over the value instead")
        functools.update_wrapper(self, fun)
        del self.__wrapped__
        self.__signature__ = _signature(fun)
        self.fun, self.jvp = fun, None

    def defjvp(self, jvp, symbolic_zeros=False):
        self.jvp = jvp
        rule = jvp

        def tangent_map(tangents, primals):
            return rule(primals, tangents)[1]
        self.tangent_map = tangent_map
        return jvp

    def defjvps(self, *jvps):
        def rule(primals, tangents):
            out = self.fun(*primals)
            t_out = None
            for f, p, t in zip(jvps, primals, tangents):
                if f is not None:
                    term = f(t, out, *primals)
                    t_out = term if t_out is None else t_out + term
            return out, t_out
        return self.defjvp(rule)

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)

    def transpose(self, primals, ct):
        """Cotangents of ``primals`` for output cotangent ``ct``: the VJP of the jvp rule's
        tangent map (linear, so its VJP at zero tangents is its transpose)."""
        from s2s.reverse import grad_function
        from s2s.rules.helpers import materialize
        if self.jvp is None:
            raise TypeError(f"No JVP defined for custom_jvp function {self.__name__} using "
                            f"defjvp.")
        zeros = tuple(tree_map(jnp.zeros_like, p) for p in primals)
        _, (g,) = grad_function(self.tangent_map, (0,), mode="vjp")(zeros, tuple(primals), ct)
        return materialize(g, zeros)


def stop_gradient(x):
    """``x``, through which no derivative flows."""
    return tree_map(lambda v: v, x)
