"""Derivatives and batching of lax control flow, called by generated code.

The transforms hand each loop body or branch over *lifted*: a function of the differentiated
values it closed over (``free``), then its own parameters (``lambda a, i, c: c * a`` for the
user's ``lambda i, c: c * a``). The derivative rules below are templates (``specialize.py``):
generated code calls them specialised to the number of free values, as source s2s can read, so
a derivative of a loop is itself differentiated, batched and jitted like user code (hessians of
loops need nothing more). Reverse mode runs ``fori_loop``/``scan`` forward through
``*_carries``, which keeps the carry each step started from; the vjp replays the body's
generated vjp over those in reverse, as one ``scan``; a branch runs the vjp of the branch taken.
Each vjp returns one cotangent per differentiated operand, then one per free value.
"""
import numpy as np

from s2s.runtime import control as lax
from s2s.runtime import dtypes
from s2s.runtime import lax as lax_
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Tracer
from s2s.rules.helpers import add_tree, item, materialize, zero
from s2s.rules.specialize import Template

_DYNAMIC = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
            "dynamic start/stop values. Try using lax.scan, or using fori_loop with static "
            "start/stop.")


def body_vjp(fun, n, skip=()):
    """The generated vjp of a lifted body of ``n`` parameters, for all but those in ``skip``."""
    from s2s.reverse import grad_function
    return grad_function(fun, tuple(i for i in range(n) if i not in skip), mode="vjp",
                         call=(n, ()))


def body_jvp(fun, n, skip=()):
    """The generated jvp of a lifted body of ``n`` parameters, for all but those in ``skip``."""
    from s2s.forward import jvp_function
    return jvp_function(fun, tuple(i for i in range(n) if i not in skip), call=(n, ()))


def loop_indices(lower, upper):
    """The loop indices of a fori_loop with concrete bounds, typed as the loop types them."""
    if isinstance(lower, Tracer) or isinstance(upper, Tracer):
        raise ValueError(_DYNAMIC)
    lo, hi = jnp.asarray(lower), jnp.asarray(upper)
    dtype, weak = dtypes.promote_weak((lo.dtype, lo.weak_type), (hi.dtype, hi.weak_type))
    idx = jnp.arange(int(lower), max(int(upper), int(lower)), dtype=dtype)
    return lax_.convert_element_type(idx, dtype, weak) if weak else idx


def _namespace():
    return {"lax": lax, "materialize": materialize, "add_tree": add_tree, "item": item,
            "zero": zero, "body_vjp": body_vjp, "body_jvp": body_jvp,
            "loop_indices": loop_indices}


_TEMPLATES = {}
# what ``rule`` writes into a template's source; here they only name what the source means
NF = NO = NB = XS = SWITCH = None


def unrolled(n):
    """In a template, ``for k in unrolled(n):`` stands for its body written out ``n`` times."""
    return range(n)


def _template(*names, **consts):
    """Register a template under the names generated code knows it by (with constants that
    name implies: ``cond_vjp`` is ``switch_vjp`` choosing by a predicate)."""
    def register(fn):
        t = Template(fn, _namespace)
        for name in names or (fn.__name__,):
            _TEMPLATES[name] = (t, consts.get(name, {}))
        return t
    return register


def rule(name, **consts):
    """The rule ``name`` (``fori_loop_vjp``, ``scan_carries``, ...) written for these counts:
    ``NF`` free values, ``NO`` operands and ``NB`` branches of a cond/switch, ``XS`` whether a
    scan has ``xs``."""
    template, implied = _TEMPLATES[name]
    fn = template.at(name, **implied, **consts)
    fn.__s2s_rule__ = (name, consts)
    return fn


# rule kind -> (positions of its function arguments, of its tuple of free values, of its
# tuple of tangents in the ``_jvp`` rule)
_LAYOUT = {"fori_loop": ((2,), 3, 5), "scan": ((0,), 1, 4), "map": ((0,), 1, 3),
           "while_loop": ((0, 1), 2, 4), "switch": ((1,), 2, 4), "cond": ((1,), 2, 4)}


def layout(name):
    """Where rule ``name`` takes its functions, free values and (``_jvp``) tangents."""
    kind, role = name.rsplit("_", 1)
    funs, free, tangents = _LAYOUT[kind]
    return funs, free, tangents if role == "jvp" else None


# ---- reverse mode ---------------------------------------------------------------------------
# (``NF``, ``NO``, ``NB``, ``XS`` are the constants ``rule`` writes in; ``free[k]`` for
# ``k in range(NF)`` are the values a body closed over, passed before its own parameters)

@_template()
def fori_loop_carries(lower, upper, body, free, init):
    """``fori_loop(lower, upper, body, init)`` as a scan that also returns the carry each step
    started from (stacked), for ``fori_loop_vjp``."""
    def step(c, i):
        return body(*[free[k] for k in range(NF)], i, c), c
    return lax.scan(step, init, loop_indices(lower, upper))


@_template()
def fori_loop_vjp(lower, upper, body, free, init, carries, ct):
    """Cotangents of ``init`` and the free values: the body's vjp replayed over ``carries``
    from the last step to the first."""
    vjp = body_vjp(body, NF + 2, (NF,))

    def back(state, step):
        i, c = step
        grads = vjp(*[free[k] for k in range(NF)], i, c, state[0])[1]
        return (materialize(grads[NF], c), *[add_tree(state[1 + k], materialize(
            grads[k], free[k])) for k in range(NF)]), None
    grads, _ = lax.scan(back, (materialize(ct, init), *[materialize(0.0, free[k])
                                                        for k in range(NF)]),
                        (loop_indices(lower, upper), carries), reverse=True)
    return grads


@_template()
def scan_carries(f, free, init, xs, length=None, reverse=False):
    """``scan(f, init, xs)`` also returning the carry each step started from (stacked), for
    ``scan_vjp``: ``((final carry, ys), carries)``."""
    def step(c, x):
        out = f(*[free[k] for k in range(NF)], c, x)
        return out[0], (c, out[1])
    final, (carries, ys) = lax.scan(step, init, xs, length=length, reverse=reverse)
    return (final, ys), carries


@_template()
def scan_vjp(f, free, init, xs, res, ct, length=None, reverse=False):
    """Cotangents of ``init``, ``xs`` and the free values; ``res`` is what ``scan_carries``
    returned. The body's vjp runs over the steps in the opposite order."""
    (final, ys), carries = res
    vjp = body_vjp(f, NF + 2, () if XS else (NF + 1,))

    def back(state, step):
        c, x, gy = step
        grads = vjp(*[free[k] for k in range(NF)], c, x, (state[0], gy))[1]
        return (materialize(grads[NF], c), *[add_tree(state[1 + k], materialize(
            grads[k], free[k])) for k in range(NF)]), (materialize(
                grads[NF + 1], x) if XS else None)
    grads, g_xs = lax.scan(back, (materialize(item(ct, 0), final), *[materialize(
        0.0, free[k]) for k in range(NF)]), (carries, xs, materialize(item(ct, 1), ys)),
        length=length, reverse=not reverse)
    return (grads[0], g_xs if XS else zero, *[grads[1 + k] for k in range(NF)])


@_template()
def map_vjp(f, free, xs, ys, ct):
    """Cotangents of ``xs`` and the free values: the body's vjp on every slice, as a scan
    that adds up the free values' cotangents."""
    vjp = body_vjp(f, NF + 1)

    def back(g_free, step):
        x, gy = step
        grads = vjp(*[free[k] for k in range(NF)], x, gy)[1]
        return (*[add_tree(g_free[k], materialize(grads[k], free[k]))
                  for k in range(NF)],), materialize(grads[NF], x)
    g_free, g_xs = lax.scan(back, (*[materialize(0.0, free[k]) for k in range(NF)],),
                            (xs, materialize(ct, ys)))
    return (g_xs, *[g_free[k] for k in range(NF)])


@_template("switch_vjp", "cond_vjp", cond_vjp={"SWITCH": False}, switch_vjp={"SWITCH": True})
def switch_vjp(index, branches, free, operands, out, ct):
    """Cotangents of the operands and the free values: the vjp of the branch taken."""
    ct = materialize(ct, out)
    for k in unrolled(NB):
        vjp_k = body_vjp(branches[k], NF + NO)

        def branch_k():
            grads = vjp_k(*[free[j] for j in range(NF)],
                          *[operands[j] for j in range(NO)], ct)[1]
            return (*[materialize(grads[NF + j], operands[j]) for j in range(NO)],
                    *[materialize(grads[j], free[j]) for j in range(NF)])
    return lax.switch(index, [*[branch_k for k in range(NB)]]) if SWITCH else lax.cond(
        index, *[branch_k for k in range(NB)])


# ---- forward mode: the loop or branch runs the body's generated jvp beside its values ----------

@_template()
def fori_loop_jvp(lower, upper, body, free, init, tangents):
    """The loop over (carry, its tangent); ``tangents`` are those of ``init``, then of the
    free values."""
    jvp = body_jvp(body, NF + 2, (NF,))
    t_free = (*[materialize(tangents[1 + k], free[k]) for k in range(NF)],)

    def step(i, state):
        out = jvp(*[free[k] for k in range(NF)], i, state[0],
                  *[t_free[k] for k in range(NF)], state[1])
        return out[0], materialize(out[1], out[0])
    return lax.fori_loop(lower, upper, step, (init, materialize(tangents[0], init)))


@_template()
def while_loop_jvp(cond_fun, body_fun, free, init, tangents):
    jvp = body_jvp(body_fun, NF + 1)
    t_free = (*[materialize(tangents[1 + k], free[k]) for k in range(NF)],)

    def cond(state):
        return cond_fun(*[free[k] for k in range(NF)], state[0])

    def step(state):
        out = jvp(*[free[k] for k in range(NF)], state[0],
                  *[t_free[k] for k in range(NF)], state[1])
        return out[0], materialize(out[1], out[0])
    return lax.while_loop(cond, step, (init, materialize(tangents[0], init)))


@_template()
def scan_jvp(f, free, init, xs, tangents, length=None, reverse=False):
    """``tangents``: of ``init``, ``xs``, then the free values."""
    jvp = body_jvp(f, NF + 2, () if XS else (NF + 1,))
    t_free = (*[materialize(tangents[2 + k], free[k]) for k in range(NF)],)

    def step(state, xt):
        out = jvp(*[free[k] for k in range(NF)], state[0], xt[0],
                  *[t_free[k] for k in range(NF)], state[1],
                  *[xt[1] for k in range(XS)])
        return (out[0][0], materialize(item(out[1], 0), out[0][0])), (
            out[0][1], materialize(item(out[1], 1), out[0][1]))
    carry, ys = lax.scan(step, (init, materialize(tangents[0], init)), (
        xs, materialize(tangents[1], xs) if XS else None),
        length=length, reverse=reverse)
    return (carry[0], ys[0]), (carry[1], ys[1])


@_template()
def map_jvp(f, free, xs, tangents):
    jvp = body_jvp(f, NF + 1)
    t_free = (*[materialize(tangents[1 + k], free[k]) for k in range(NF)],)

    def one(xt):
        out = jvp(*[free[k] for k in range(NF)], xt[0],
                  *[t_free[k] for k in range(NF)], xt[1])
        return out[0], materialize(out[1], out[0])
    return lax.map(one, (xs, materialize(tangents[0], xs)))


@_template("switch_jvp", "cond_jvp", cond_jvp={"SWITCH": False}, switch_jvp={"SWITCH": True})
def switch_jvp(index, branches, free, operands, tangents):
    """``tangents``: of the operands, then of the free values."""
    for k in unrolled(NB):
        jvp_k = body_jvp(branches[k], NF + NO)

        def branch_k():
            out = jvp_k(*[free[j] for j in range(NF)], *[operands[j] for j in range(NO)],
                        *[materialize(tangents[NO + j], free[j]) for j in range(NF)],
                        *[materialize(tangents[j], operands[j]) for j in range(NO)])
            return out[0], materialize(out[1], out[0])
    return lax.switch(index, [*[branch_k for k in range(NB)]]) if SWITCH else lax.cond(
        index, *[branch_k for k in range(NB)])


# ---- vmap: the loop or branch runs the body vmapped; values that differ between examples ----
# (``free`` flagged in ``free_mapped``, operands flagged) carry the batch axis in front

def _vmapped(f, free_mapped, *rest):
    from s2s.batch import vmap
    return vmap(f, in_axes=(*[0 if m else None for m in free_mapped], *rest))


def _batch(x, mapped, size):
    from s2s.rules.batching import broadcast_batch
    return x if mapped else broadcast_batch(x, size)


def _select(pred, new, old):
    """Per example: ``new`` where ``pred`` (shape ``(batch,)``) holds, else ``old``."""
    from s2s.runtime.tree_util import tree_map
    return tree_map(lambda a, b: jnp.where(jnp.reshape(pred, pred.shape + (1,) * (
        jnp.ndim(a) - 1)), a, b), new, old)


def _moveaxis(tree, src, dst):
    from s2s.runtime.tree_util import tree_map
    return tree_map(lambda v: jnp.moveaxis(v, src, dst), tree)


def fori_loop_vmap(lower, upper, body, free, free_mapped, init, init_mapped, size):
    vbody = _vmapped(body, free_mapped, None, 0)
    return lax.fori_loop(lower, upper, lambda i, c: vbody(*free, i, c),
                         _batch(init, init_mapped, size))


def while_loop_vmap(cond_fun, body_fun, free, free_mapped, init, init_mapped, size):
    """Every example runs until its own condition fails: the loop goes on while any example's
    holds, and the others keep their carry."""
    vcond, vbody = _vmapped(cond_fun, free_mapped, 0), _vmapped(body_fun, free_mapped, 0)

    def body(c):
        return _select(vcond(*free, c), vbody(*free, c), c)
    return lax.while_loop(lambda c: jnp.any(vcond(*free, c)), body,
                          _batch(init, init_mapped, size))


def scan_vmap(f, free, free_mapped, init, init_mapped, xs, xs_mapped, size, length=None,
              reverse=False):
    """The scanned axis is the leading axis of each example: behind the batch axis."""
    vf = _vmapped(f, free_mapped, 0, 0 if xs_mapped else None)
    xs = _moveaxis(xs, 0, 1) if xs_mapped else xs
    carry, ys = lax.scan(lambda c, x: vf(*free, c, x), _batch(init, init_mapped, size), xs,
                         length=length, reverse=reverse)
    return carry, _moveaxis(ys, 1, 0)


def map_vmap(f, free, free_mapped, xs, xs_mapped, size):
    vf = _vmapped(f, free_mapped, 0 if xs_mapped else None)
    ys = lax.map(lambda x: vf(*free, x), _moveaxis(xs, 0, 1) if xs_mapped else xs)
    return _moveaxis(ys, 1, 0)


def switch_vmap(index, index_mapped, branches, free, free_mapped, operands, ops_mapped, size):
    """An index that differs between examples runs every branch and selects per example."""
    axes = [0 if m else None for m in ops_mapped]
    vbranches = [_vmapped(b, free_mapped, *axes) for b in branches]
    if not index_mapped:
        outs = lax.switch(index, [lambda *a, b=b: b(*a) for b in vbranches], *free, *operands)
        return outs
    index = jnp.clip(index, 0, len(branches) - 1)
    outs = [b(*free, *operands) for b in vbranches]
    result = outs[0]
    for k, out in enumerate(outs[1:], 1):
        result = _select(index == k, out, result)
    return result


def cond_vmap(pred, pred_mapped, true_fun, false_fun, free, free_mapped, operands, ops_mapped,
              size):
    index = jnp.asarray(pred) != 0
    return switch_vmap(index.astype(np.int32), pred_mapped, (false_fun, true_fun), free,
                       free_mapped, operands, ops_mapped, size)


def namespace():
    """The batching rules generated batched code calls by name (``<kind>_vmap``)."""
    return {name: fn for name, fn in globals().items()
            if name.endswith("_vmap") and not name.startswith("_")}
