"""Structured control flow: ``while_loop``, ``fori_loop``, ``cond``, ``switch``, ``scan``, ``map``.

Each traces the user's functions into sub-programs (``runtime.tracing``) and binds one ``while``
or ``cond`` primitive (``lowering/ops/control.py``), eagerly or inside an enclosing trace, so the
loop runs inside XLA rather than in Python. ``scan`` and ``map`` are ``while`` loops over an
index that read and write slices of the stacked values.
"""
import numpy as np

from s2s.lowering.core import Jaxpr, ShapedArray, Var
from s2s.runtime import core, dtypes, tracing
from s2s.runtime.core import Array, bind
from s2s.runtime.tree_util import for_staging, tree_flatten, tree_unflatten

_TYPE_NAMES = {list: "list", tuple: "tuple", dict: "dict"}


def _operand(x):
    if isinstance(x, Array):
        return x
    dtype, weak = dtypes.dtype_and_weak(x)
    return core.put(np.asarray(x, dtype), weak_type=weak)


def _flatten(tree):
    leaves, treedef = tree_flatten(for_staging(tree))
    try:
        return [_operand(x) for x in leaves], treedef
    except TypeError:
        bad = next(x for x in leaves if not isinstance(x, Array))
        raise TypeError(f"Value {bad!r} with type {type(bad)} is not a valid JAX type") from None


def _trace(fun, args, avals, what):
    """``fun(*args)`` traced over ``avals`` (the flat leaves of ``args``) -> (sub-program whose
    first inputs are what ``fun`` closed over, those values, output leaves' treedef)."""
    _, in_tree = tree_flatten((tuple(for_staging(args)), {}))
    jaxpr, out_tree = tracing.trace(fun, in_tree, avals, tracing.DebugInfo.of(fun, what),
                                    literals="scalars")
    closed = Jaxpr([], list(jaxpr.constvars) + list(jaxpr.invars), jaxpr.eqns, jaxpr.outvars)
    return closed, list(jaxpr.consts), out_tree


def _fn_name(f):
    code = getattr(f, "__code__", None)
    where = f" at {code.co_filename}:{code.co_firstlineno}" if code else ""
    return f"{getattr(f, '__name__', f)}{where}"


def _kind(treedef):
    return "a pytree leaf" if treedef.kind == "leaf" else f"a {treedef.kind}"  # <class 'tuple'>


def _promote_weak(leaves, in_avals, out_avals):
    """JAX's rule for loop carries: a weakly typed input whose body output has another type takes
    the promoted type, strongly (``while_loop(..., lambda c: c + 1.0, 0)`` carries a float32)."""
    changed = False
    new = list(leaves)
    for i, (a, o) in enumerate(zip(in_avals, out_avals)):
        if a.weak_type and (a.dtype != o.dtype or not o.weak_type) and a.shape == o.shape:
            dtype, _ = dtypes.promote_weak((a.dtype, True), (o.dtype, o.weak_type))
            new[i] = bind("convert_element_type", leaves[i], new_dtype=dtype, weak_type=False)
            changed = True
    return new, changed


def _ty(aval):
    return f"{aval.dtype.name}[{','.join(str(d) for d in aval.shape)}]"


def _check_carry(what, names, in_avals, out_avals):
    for name, a, o in zip(names, in_avals, out_avals):
        if a.shape != o.shape or a.dtype != o.dtype:
            diff = "dtypes" if a.shape == o.shape else "shapes"
            which = "carry" if len(names) == 1 else "carry component"
            raise TypeError(
                f"{what} function carry input and carry output must have equal types, but they "
                f"differ:\n\nThe input {which} {name} has type {_ty(a)} but the corresponding "
                f"output carry component has type {_ty(o)}, so the {diff} do not match.\n\n"
                f"Revise the function so that all output types match the corresponding input "
                f"types.")


def _leaf_names(prefix, treedef):
    if treedef.num_leaves == 1 and treedef.kind == "leaf":
        return [prefix]
    return [f"{prefix}[{i}]" for i in range(treedef.num_leaves)]


def _trace_body(fun, make_args, leaves, treedef, what, prefix, out_part, extra_avals=()):
    """Trace a loop body over the carry ``leaves`` (and ``extra_avals`` after them); promote weak
    carries once if its outputs ask for it. ``out_part(out treedef)`` is the carry's treedef."""
    for _ in range(2):
        avals = [x.aval for x in leaves]
        args = make_args(tree_unflatten(treedef, leaves))
        jaxpr, consts, out_tree = _trace(fun, args, avals + list(extra_avals), what)
        carry_tree = out_part(out_tree)
        if carry_tree != treedef:
            raise TypeError(
                f"{what} function carry input and carry output must have the same pytree "
                f"structure, but they differ:\n\nThe input carry {prefix} is {_kind(treedef)} but "
                f"the corresponding component of the carry output is {_kind(carry_tree)}, so "
                f"their Python types differ.\n\nRevise the function so that the carry output has "
                f"the same pytree structure as the carry input.")
        outs = jaxpr.out_avals[:len(leaves)]
        leaves, changed = _promote_weak(leaves, avals, outs)
        if not changed:
            break
    _check_carry(what, _leaf_names(prefix, treedef), [x.aval for x in leaves], outs)
    return jaxpr, consts, leaves, out_tree


def while_loop(cond_fun, body_fun, init_val):
    """``while cond_fun(val): val = body_fun(val)``, as one XLA loop."""
    leaves, treedef = _flatten(init_val)
    body, body_consts, leaves, _ = _trace_body(body_fun, lambda c: (c,), leaves, treedef,
                                               "while_loop body", _arg_name(body_fun),
                                               lambda t: t)
    cond, cond_consts, _ = _trace(cond_fun, (tree_unflatten(treedef, leaves),),
                                  [x.aval for x in leaves], "while_loop cond")
    outs = cond.out_avals
    if len(outs) != 1 or outs[0].shape != () or outs[0].dtype != np.bool_:
        raise TypeError(f"cond_fun must return a boolean scalar, but got output type(s) "
                        f"{list(outs)}.")
    res = bind("while", *cond_consts, *body_consts, *leaves, cond_jaxpr=cond, body_jaxpr=body,
               cond_nconsts=len(cond_consts), body_nconsts=len(body_consts))
    return tree_unflatten(treedef, res)


def _arg_name(f):
    code = getattr(f, "__code__", None)
    return code.co_varnames[0] if code is not None and code.co_argcount else "val"


def fori_loop(lower, upper, body_fun, init_val):
    """``for i in range(lower, upper): val = body_fun(i, val)``, as one XLA loop."""
    lo, hi = _operand(lower), _operand(upper)
    for b in (lo, hi):
        if b.ndim or not np.issubdtype(b.dtype, np.integer):
            raise TypeError(f"fori_loop lower and upper arguments must be integer scalars, got "
                            f"{b.aval.str_short()}")
    dtype, weak = dtypes.promote_weak((lo.dtype, lo.weak_type), (hi.dtype, hi.weak_type))
    lo = bind("convert_element_type", lo, new_dtype=dtype, weak_type=weak)
    hi = bind("convert_element_type", hi, new_dtype=dtype, weak_type=weak)

    def cond(state):
        return state[0] < state[1]

    def body(state):
        i, n, val = state
        return i + 1, n, body_fun(i, val)
    return while_loop(cond, body, (lo, hi, init_val))[2]


def cond(pred, true_fun, false_fun, *operands, operand=None):
    """``true_fun(*operands) if pred else false_fun(*operands)``, choosing inside XLA."""
    if operand is not None:
        operands = (operand,)
    if not isinstance(pred, (Array, bool, int, float, np.ndarray, np.generic)):
        raise TypeError(f"Pred must be a scalar, got {pred} of type {type(pred)}")
    p = _operand(pred)
    if p.ndim:
        raise TypeError(f"Pred must be a scalar, got {pred} of shape {p.shape}.")
    if p.dtype != np.bool_ and not np.issubdtype(p.dtype, np.number):
        raise TypeError(f"Pred type must be either boolean or number, got {p.dtype}.")
    if np.issubdtype(p.dtype, np.number):
        p = bind("ne", p, core.scalar(0, p.dtype))
    index = bind("convert_element_type", p, new_dtype=np.dtype(np.int32), weak_type=False)
    return _branches(index, [false_fun, true_fun], operands, ("false_fun", "true_fun"), "cond",
                     ref=1)


def switch(index, branches, *operands, operand=None):
    """``branches[clamp(index, 0, len(branches) - 1)](*operands)``, choosing inside XLA."""
    if operand is not None:
        operands = (operand,)
    branches = list(branches)
    if not branches:
        raise ValueError("Empty branch sequence")
    i = _operand(index)
    if i.ndim or not np.issubdtype(i.dtype, np.integer):
        raise TypeError(f"Branch index must be scalar integer, got {index!r} of type "
                        f"{i.aval.str_short()}.")
    i = bind("convert_element_type", i, new_dtype=np.dtype(np.int32), weak_type=False)
    i = bind("clamp", core.scalar(0, np.int32), i, core.scalar(len(branches) - 1, np.int32))
    names = tuple(f"branch {k}" for k in range(len(branches)))
    return _branches(i, branches, operands, names, "switch")


def _branches(index, funs, operands, names, what, ref=0):
    """Bind ``cond`` over ``funs`` (one per index value); errors compare each with ``funs[ref]``."""
    leaves, treedef = _flatten(tuple(operands))
    avals = [x.aval for x in leaves]
    args = tree_unflatten(treedef, leaves)
    traced = [_trace(f, args, avals, what) for f in funs]
    (j0, _, t0), r = traced[ref], names[ref]
    for (j, _, t), f, name in zip(traced, funs, names):
        where = f"{r} is {_fn_name(funs[ref])}\n{name} is {_fn_name(f)}\n\n"
        if t != t0:
            raise TypeError(f"{what} branch outputs must have the same pytree structure, but "
                            f"they differ:\n\n{where}{r} output is {_kind(t0)} but {name} "
                            f"output is {_kind(t)}, so their Python types differ.\n\nRevise "
                            f"{r} and/or {name} so that they have the same pytree structure.")
        for a, b in zip(j0.out_avals, j.out_avals):
            if a.shape != b.shape or a.dtype != b.dtype:
                diff = "dtypes" if a.shape == b.shape else "shapes"
                raise TypeError(f"{what} branches must have equal output types but they "
                                f"differ.\n\n{where}The output of {r} has type {_ty(a)} but "
                                f"the corresponding output of {name} has type {_ty(b)}, so the "
                                f"{diff} do not match.\n\nRevise {r} and/or {name} so that all "
                                f"output types match.")
    # every branch reads all operands and the values any branch closed over
    consts = list({id(c): c for _, cs, _ in traced for c in cs}.values())
    out_avals = [ShapedArray(a.shape, a.dtype, all(j.out_avals[k].weak_type for j, _, _ in traced))
                 for k, a in enumerate(j0.out_avals)]
    branches = []
    for j, cs, _ in traced:
        own = {id(c): v for c, v in zip(cs, j.invars)}
        invars = [own.get(id(c)) or Var(tracing.aval_of(c)) for c in consts]
        branches.append(Jaxpr([], invars + list(j.invars[len(cs):]), j.eqns, j.outvars))
    outs = bind("cond", index, *consts, *leaves, branches=tuple(branches))
    outs = [o if o.aval == a else bind("convert_element_type", o, new_dtype=a.dtype,
                                       weak_type=a.weak_type) for o, a in zip(outs, out_avals)]
    return tree_unflatten(t0, outs)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``: ``(carry, stacked ys)``."""
    x_leaves, x_tree = _flatten(xs)
    lengths = sorted({int(x.shape[0]) for x in x_leaves if x.ndim})
    if any(x.ndim == 0 for x in x_leaves):
        raise ValueError("scan got value with no leading axis to scan over: "
                         f"{', '.join(x.aval.str_short() for x in x_leaves if x.ndim == 0)}.")
    if length is not None:
        length = int(length)
        if lengths and lengths != [length]:
            raise ValueError(f"scan got `length` argument of {length} which disagrees with "
                             f"leading axis sizes {lengths}.")
    elif len(lengths) == 1:
        length = lengths[0]
    elif not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    else:
        raise ValueError(f"scan got values with different leading axis sizes: {lengths}.")
    carry_leaves, carry_tree = _flatten(init)
    x_avals = [ShapedArray(x.shape[1:], x.dtype, x.weak_type) for x in x_leaves]

    # the carry's types and the shapes of ys: trace one step abstractly
    def step(c, *xl):
        return f(c, tree_unflatten(x_tree, list(xl)))

    def carry_of(out_tree):
        if out_tree.kind is not tuple or len(out_tree.children) != 2:
            raise TypeError("scan body output must be a pair (carry, y), got "
                            f"{out_tree}.")
        return out_tree.children[0]
    shapes = [_Shape(a) for a in x_avals]
    probe, _, carry_leaves, out_tree = _trace_body(step, lambda c: (c, *shapes), carry_leaves,
                                                   carry_tree, "scan body", _arg_name(f),
                                                   carry_of, x_avals)
    init = tree_unflatten(carry_tree, carry_leaves)
    nc = len(carry_leaves)
    y_avals = probe.out_avals[nc:]
    ys = [bind("broadcast_in_dim", core.scalar(0, a.dtype), shape=(length, *a.shape),
               broadcast_dimensions=()) for a in y_avals]
    y_tree = out_tree.children[1]
    if length == 0:  # the body never runs (a slice of an empty xs cannot even be taken)
        return init, tree_unflatten(y_tree, ys)

    def body(state):
        i, carry, ys_ = state
        t = length - 1 - i if reverse else i
        carry, y = f(carry, tree_unflatten(x_tree, [_index(x, t) for x in x_leaves]))
        y_leaves = tree_flatten(for_staging(y))[0]
        ys_ = [bind("dynamic_update_slice", b, bind("broadcast_in_dim", _operand(v),
                                                    shape=(1, *b.shape[1:]),
                                                    broadcast_dimensions=tuple(
                                                        range(1, b.ndim))),
                    t, *[core.scalar(0, np.int32)] * (b.ndim - 1))
               for b, v in zip(ys_, y_leaves)]
        return i + 1, carry, ys_
    state = (core.scalar(0, np.int32), init, ys)
    _, carry, ys = while_loop(lambda s: s[0] < length, body, state)
    return carry, tree_unflatten(y_tree, ys)


class _Shape:
    """Stands for a scanned slice while the body's output shapes are found."""

    def __init__(self, aval):
        self.aval = aval


def _index(x, i):
    sizes = (1, *x.shape[1:])
    zeros = [core.scalar(0, np.int32)] * (x.ndim - 1)
    piece = bind("dynamic_slice", x, i, *zeros, slice_sizes=sizes)
    return bind("reshape", piece, new_sizes=x.shape[1:])


def map(f, xs):
    """``stack([f(x) for x in xs])`` as one XLA loop."""
    return scan(lambda _, x: ((), f(x)), (), xs)[1]
