"""Derivatives of lax control flow, called by generated code.

The transforms hand each loop body or branch over *lifted*: a function of the differentiated
values it closed over, then its own parameters (``lambda a, i, c: c * a`` for the user's
``lambda i, c: c * a``). The backward sweep of ``fori_loop``/``scan`` runs the loop again to
record the carries, then runs the body's generated vjp over them in reverse, itself a ``scan``, so
the derivative stays one XLA loop; a ``cond`` picks the generated vjp of the branch it took.
Each function returns one cotangent per differentiated argument, then one per lifted value.
"""
import numpy as np

from runtime import control as lax
from runtime import dtypes
from runtime import lax as lax_
from runtime import numpy as jnp
from runtime.core import Tracer
from s2s.rules.helpers import add_tree, item, materialize, zero

_DYNAMIC = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
            "dynamic start/stop values. Try using lax.scan, or using fori_loop with static "
            "start/stop.")


def _vjp(fun, n, skip=()):
    from s2s.reverse import grad_function
    return grad_function(fun, tuple(i for i in range(n) if i not in skip), mode="vjp",
                         call=(n, ()))


def _add(total, g, like):
    return add_tree(total, materialize(g, like)) if total is not None else \
        materialize(g, like)


def _zeros(values):
    return tuple(materialize(0.0, v) for v in values)


def with_carries(fn, *args, **kwargs):
    """Run the user's ``lax.fori_loop(...)`` or ``lax.scan(...)`` call, also returning the carry
    each step started from (stacked): what the backward sweep replays the body's vjp on."""
    import inspect
    a = inspect.signature(fn).bind(*args, **kwargs).arguments
    if fn is lax.fori_loop:
        idx = _indices(a["lower"], a["upper"])
        body = a["body_fun"]
        return lax.scan(lambda c, i: (body(i, c), c), a["init_val"], idx)
    f = a["f"]

    def step(c, x):
        c2, y = f(c, x)
        return c2, (c, y)
    final, (carries, ys) = lax.scan(step, a["init"], a.get("xs"), length=a.get("length"),
                                    reverse=a.get("reverse", False))
    return (final, ys), carries


def _indices(lower, upper):
    """The loop indices of a fori_loop with concrete bounds, typed as the loop types them."""
    if isinstance(lower, Tracer) or isinstance(upper, Tracer):
        raise ValueError(_DYNAMIC)
    lo, hi = jnp.asarray(lower), jnp.asarray(upper)
    dtype, weak = dtypes.promote_weak((lo.dtype, lo.weak_type), (hi.dtype, hi.weak_type))
    idx = jnp.arange(int(lower), max(int(upper), int(lower)), dtype=dtype)
    return lax_.convert_element_type(idx, dtype, weak) if weak else idx


def fori_loop_vjp(lower, upper, body, free, init, carries, ct):
    """Cotangents of ``init`` and ``free`` for ``fori_loop(lower, upper, body(*free, ...))``;
    ``carries`` (from ``with_carries``, or None: run the loop again) are its steps' inputs."""
    idx = _indices(lower, upper)
    if ct is zero or idx.shape[0] == 0:
        return (materialize(ct, init), *_zeros(free))
    if carries is None:
        _, carries = lax.scan(lambda c, i: (body(*free, i, c), c), init, idx)
    nf = len(free)
    vjp = _vjp(body, nf + 2, skip=(nf,))

    def back(state, xs):
        g, gfree = state
        i, c = xs
        _, grads = vjp(*free, i, c, g)
        gfree = tuple(_add(t, d, f) for t, d, f in zip(gfree, grads[:nf], free))
        return (materialize(grads[nf], c), gfree), None
    (g_init, g_free), _ = lax.scan(back, (materialize(ct, init), _zeros(free)), (idx, carries),
                                   reverse=True)
    return (g_init, *g_free)


def scan_vjp(f, free, init, xs, res, ct, length=None, reverse=False):
    """Cotangents of ``init``, ``xs`` and ``free`` for ``scan(f(*free, ...), init, xs)``;
    ``res`` is ``(output, carries)`` from ``with_carries`` (or None: run the scan again)."""
    if res is None:
        def forward(c, x):
            c2, y = f(*free, c, x)
            return c2, (c, y)
        final, (carries, ys) = lax.scan(forward, init, xs, length=length, reverse=reverse)
    else:
        (final, ys), carries = res
    nf = len(free)
    ct_carry = materialize(item(ct, 0), final)
    ct_ys = materialize(item(ct, 1), ys)
    vjp = _vjp(f, nf + 2, skip=() if xs is not None else (nf + 1,))

    def back(state, step):
        g, gfree = state
        c, x, gy = step
        _, grads = vjp(*free, c, x, (g, gy))
        gfree = tuple(_add(t, d, v) for t, d, v in zip(gfree, grads[:nf], free))
        gx = materialize(grads[nf + 1], x) if xs is not None else None
        return (materialize(grads[nf], c), gfree), gx
    (g_init, g_free), g_xs = lax.scan(back, (ct_carry, _zeros(free)), (carries, xs, ct_ys),
                                      length=length, reverse=not reverse)
    return (g_init, g_xs if xs is not None else zero, *g_free)


def map_vjp(f, free, xs, ct):
    """Cotangents of ``xs`` and ``free`` for ``map(f(*free, ...), xs)``."""
    nf = len(free)
    ct = materialize(ct, lax.map(lambda x: f(*free, x), xs))
    vjp = _vjp(f, nf + 1)

    def back(gfree, step):
        x, gy = step
        _, grads = vjp(*free, x, gy)
        return (tuple(_add(t, d, v) for t, d, v in zip(gfree, grads[:nf], free)),
                materialize(grads[nf], x))
    g_free, g_xs = lax.scan(back, _zeros(free), (xs, ct))
    return (g_xs, *g_free)


def switch_vjp(index, branches, free, operands, ct):
    """Cotangents of ``operands`` and ``free`` for ``switch(index, [b(*free, ...) ...])``: the
    branch taken runs its generated vjp."""
    return _branch_vjp(lambda fs, *a: lax.switch(index, fs, *a), branches, free, operands, ct)


def cond_vjp(pred, true_fun, false_fun, free, operands, ct):
    """Cotangents of ``operands`` and ``free`` for ``cond(pred, true_fun, false_fun, ...)``."""
    return _branch_vjp(lambda fs, *a: lax.cond(pred, fs[0], fs[1], *a), (true_fun, false_fun),
                       free, operands, ct)


def _branch_vjp(choose, branches, free, operands, ct):
    nf, args = len(free), (*free, *operands)
    ct = materialize(ct, choose(branches, *args))

    def branch_vjp(b):
        def run(*a):
            _, grads = _vjp(b, len(a))(*a, ct)
            return tuple(materialize(g, v) for g, v in zip(grads, a))
        return run
    grads = choose([branch_vjp(b) for b in branches], *args)
    return (*grads[nf:], *grads[:nf])


# ---- forward mode: the loop or branch runs the body's generated jvp beside its values ----------

def _jvp(fun, n, skip=()):
    from s2s.forward import jvp_function
    return jvp_function(fun, tuple(i for i in range(n) if i not in skip), call=(n, ()))


def _tangent(t, primal):
    return materialize(t, primal)


def _carried(jvp, free, t_free):
    """A loop step over (carry, its tangent): the body's generated jvp, after the index (if
    any) the loop passes first."""
    def step(*args):
        *index, (c, dc) = args
        out, t = jvp(*free, *index, c, *t_free, dc)
        return out, _tangent(t, out)
    return step


def fori_loop_jvp(lower, upper, body, free, init, tangents):
    nf = len(free)
    step = _carried(_jvp(body, nf + 2, skip=(nf,)), free,
                    [_tangent(t, v) for t, v in zip(tangents[1:], free)])
    return lax.fori_loop(lower, upper, step, (init, _tangent(tangents[0], init)))


def while_loop_jvp(cond_fun, body_fun, free, init, tangents):
    step = _carried(_jvp(body_fun, len(free) + 1), free,
                    [_tangent(t, v) for t, v in zip(tangents[1:], free)])
    return lax.while_loop(lambda state: cond_fun(*free, state[0]), step,
                          (init, _tangent(tangents[0], init)))


def scan_jvp(f, free, init, xs, tangents, length=None, reverse=False):
    nf = len(free)
    jvp = _jvp(f, nf + 2, skip=() if xs is not None else (nf + 1,))
    t_free = [_tangent(t, v) for t, v in zip(tangents[2:], free)]

    def step(state, xt):
        (c, dc), (x, dx) = state, xt
        (c2, y), (dc2, dy) = jvp(*free, c, x, *t_free, dc, *([dx] if xs is not None else []))
        return (c2, _tangent(dc2, c2)), (y, _tangent(dy, y))
    t_xs = _tangent(tangents[1], xs) if xs is not None else None
    (c, dc), (ys, dys) = lax.scan(step, (init, _tangent(tangents[0], init)), (xs, t_xs),
                                  length=length, reverse=reverse)
    return (c, ys), (dc, dys)


def map_jvp(f, free, xs, tangents):
    nf = len(free)
    jvp = _jvp(f, nf + 1)
    t_free = [_tangent(t, v) for t, v in zip(tangents[1:], free)]

    def one(xt):
        y, dy = jvp(*free, xt[0], *t_free, xt[1])
        return y, _tangent(dy, y)
    return lax.map(one, (xs, _tangent(tangents[0], xs)))


def switch_jvp(index, branches, free, operands, tangents):
    return _branch_jvp(lambda fs, *a: lax.switch(index, fs, *a), branches, free, operands,
                       tangents)


def cond_jvp(pred, true_fun, false_fun, free, operands, tangents):
    return _branch_jvp(lambda fs, *a: lax.cond(pred, fs[0], fs[1], *a), (true_fun, false_fun),
                       free, operands, tangents)


def _branch_jvp(choose, branches, free, operands, tangents):
    nops = len(operands)
    args = (*free, *operands)
    t = [_tangent(d, v) for d, v in zip((*tangents[nops:], *tangents[:nops]), args)]

    def branch_jvp(b):
        def run(*a):
            out, dout = _jvp(b, len(args))(*a[:len(args)], *a[len(args):])
            return out, _tangent(dout, out)
        return run
    return choose([branch_jvp(b) for b in branches], *args, *t)


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
    from runtime.tree_util import tree_map
    return tree_map(lambda a, b: jnp.where(jnp.reshape(pred, pred.shape + (1,) * (
        jnp.ndim(a) - 1)), a, b), new, old)


def _moveaxis(tree, src, dst):
    from runtime.tree_util import tree_map
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


def fori_loop_carries_vmap(lower, upper, body, free, free_mapped, init, init_mapped, size):
    """``with_carries(lax.fori_loop, ...)`` under vmap: the carries come out batched in front."""
    vbody = _vmapped(body, free_mapped, None, 0)
    out, carries = lax.scan(lambda c, i: (vbody(*free, i, c), c),
                            _batch(init, init_mapped, size), _indices(lower, upper))
    return out, _moveaxis(carries, 1, 0)


def scan_carries_vmap(f, free, free_mapped, init, init_mapped, xs, xs_mapped, size,
                      length=None, reverse=False):
    """``with_carries(lax.scan, ...)`` under vmap."""
    vf = _vmapped(f, free_mapped, 0, 0 if xs_mapped else None)

    def step(c, x):
        c2, y = vf(*free, c, x)
        return c2, (c, y)
    final, (carries, ys) = lax.scan(step, _batch(init, init_mapped, size),
                                    _moveaxis(xs, 0, 1) if xs_mapped else xs, length=length,
                                    reverse=reverse)
    return (final, _moveaxis(ys, 1, 0)), _moveaxis(carries, 1, 0)


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
    """The names generated code calls: ``<kind>_vjp``, ``<kind>_jvp``, ``<kind>_vmap``."""
    return {name: fn for name, fn in globals().items()
            if name.endswith(("_vjp", "_jvp", "_vmap")) and not name.startswith("_")} | {
                "with_carries": with_carries}
