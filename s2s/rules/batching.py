"""Batching rules: how each s2s.numpy function runs on values that carry a batch axis in front.

``batched(fn, mapped, *args, **kwargs)`` is what the batch transform writes for a call whose
arguments include mapped values (``mapped`` says which positional arguments are). It applies
``fn``'s rule, or, for a function without one, runs ``fn`` once per example and stacks the
results (always right, just slower).
"""
import numpy as np

from s2s.runtime import callbacks, lax
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Array
from s2s.runtime.tree_util import for_staging, tree_flatten, tree_map, tree_unflatten
from s2s.rules.helpers import lu_matrix, lu_pivots, lu_pivots_to_permutation, triangular_solve

RULES = {}
# functions whose keyword arguments may be mapped: host callbacks (their arguments are the
# callback's, keywords included)
KEYWORD_MAPPED = {callbacks.debug_print, callbacks.debug_callback, callbacks.pure_callback}
_SCALARS = (int, float, complex, bool, type(None))


def rule(*fns):
    def register(r):
        for f in fns:
            RULES[f] = r
        return r
    return register


def batched(fn, mapped, *args, **kwargs):
    """``fn(*args, **kwargs)`` for every example, as one call where a rule allows. The
    symbolic zero cotangent has no batch axis, whatever the analysis said of the name holding
    it (an entry of a container cotangent that got nothing)."""
    if any(m and isinstance(a, _SCALARS) for a, m in zip(args, mapped)):
        # a Python number has no batch axis, whatever the analysis said of its name (the
        # index of a loop over a list of mapped values)
        mapped = tuple(m and not isinstance(a, _SCALARS) for a, m in zip(args, mapped)) + \
            tuple(mapped[len(args):])
    zeros = [m and _is_symbolic_zero(a) for a, m in zip(args, mapped)]
    if any(zeros):
        if _ZERO_IN_ZERO_OUT.get(fn, lambda zs: False)(zeros):
            return args[zeros.index(True)]  # (the zero itself, unbatched: 0 * inf is no NaN)
        unmapped = tuple(m and not z for m, z in zip(mapped, zeros))
        if any(unmapped):
            mapped = unmapped + tuple(mapped[len(unmapped):])
        else:
            out = fn(*args, **kwargs)
            if _is_symbolic_zero(out):
                return out
    r = RULES.get(fn)
    if r is not None:
        return r(fn, mapped, *args, **kwargs)
    return loop(fn, mapped, *args, **kwargs)


# functions whose result is zero when the flagged arguments are: (a cotangent that got nothing
# stays the symbolic zero, not a 0-d array marked batched without a batch axis)
_ZERO_IN_ZERO_OUT = {
    **{f: any for f in (jnp.multiply, jnp.matmul, jnp.dot, jnp.outer)},
    **{f: lambda zs: zs[0] for f in (jnp.true_divide, jnp.divide, jnp.negative, jnp.sum,
                                     jnp.reshape, jnp.transpose, jnp.conj, jnp.real,
                                     jnp.imag, jnp.ravel, jnp.squeeze, jnp.expand_dims,
                                     jnp.swapaxes, jnp.moveaxis, jnp.flip, jnp.cumsum)}}


def branch_error(message):
    """What generated batched code runs where the user's code branched on a mapped value."""
    from s2s.runtime.errors import TracerBoolConversionError
    raise TracerBoolConversionError(message)


def _is_symbolic_zero(x):
    from s2s.rules.helpers import Zero
    return isinstance(x, Zero)


def loop(fn, mapped, *args, **kwargs):
    """The fallback: one call per example, results stacked along a new front axis. Flags
    past the positional arguments are those of the keyword arguments (``KEYWORD_MAPPED``)."""
    kw_mapped = dict(zip(kwargs, mapped[len(args):]))
    size = batch_size(tuple(mapped[:len(args)]) + tuple(kw_mapped.values()),
                      list(args) + list(kwargs.values()))

    def one(i):
        return fn(*[example(a, i) if m else a for a, m in zip(args, mapped)],
                  **{k: example(v, i) if kw_mapped.get(k) else v for k, v in kwargs.items()})
    outs = [for_staging(one(i)) for i in range(size)]  # (keys stack as their data)
    leaves = [tree_flatten(o)[0] for o in outs]
    tree = tree_flatten(outs[0])[1]
    return tree_unflatten(tree, [jnp.stack([jnp.asarray(l[k]) for l in leaves])
                                 for k in range(len(leaves[0]))])


def example(x, i):
    from s2s.rules.helpers import Sparse, Zero
    if isinstance(x, Sparse):  # a container's cotangent: its entries are batched
        return Sparse({k: example(v, i) for k, v in x.items()})
    if isinstance(x, Zero):
        return x
    return tree_map(lambda v: v[i], for_staging(x))


def batch_size(mapped, args, required=True):
    """The batch size, from the first mapped array; ``required=False``: None if none."""
    for a, m in zip(args, mapped):
        if m:
            for leaf in _array_leaves(a):
                return leaf.shape[0]
    if required:
        raise ValueError("batched call without a mapped argument")
    return None


def _array_leaves(x):
    """The arrays in ``x``, through containers and sparse cotangents (dicts of entries)."""
    if isinstance(x, dict):
        for v in x.values():
            yield from _array_leaves(v)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _array_leaves(v)
    elif isinstance(x, Array) or getattr(x, "shape", None):  # arrays, typed keys
        yield x
    else:
        leaves = tree_flatten(x)[0]
        if leaves != [x]:
            for v in leaves:
                yield from _array_leaves(v)


class Unsized:
    """A value the same for every example, met where no batch size was at hand: the zero
    gradient of an unmapped input whose cotangent stayed the symbolic zero (a branch that
    never reached it). Whoever knows the size (the vmap call, ``batched_result``) repeats it
    with ``sized``; anything else fails on it rather than mistaking it for a batch."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def sized(x, size):
    """``x`` with every ``Unsized`` in it repeated ``size`` times."""
    if isinstance(x, Unsized):
        return broadcast_batch(x.value, size)
    if isinstance(x, (tuple, list)) and any(isinstance(v, Unsized) for v in x):
        return type(x)(sized(v, size) for v in x)
    return x


def broadcast_batch(x, size):
    """An unmapped value, repeated for every example (batch axis in front); the symbolic zero
    stays itself (it has no batch axis, see ``batched``)."""
    if _is_symbolic_zero(x):
        return x
    return tree_map(lambda v: jnp.broadcast_to(jnp.asarray(v), (size,) + np.shape(v)), x)


def broadcast_entry(x, size):
    """An unmapped entry of a container that has mapped ones: repeated for every example,
    except a Python bool, which stays a static flag (``cho_factor``'s ``(c, lower)``)."""
    if isinstance(x, bool):
        return x
    return broadcast_batch(x, size)


def per_example_shape(x):
    return tuple(x.shape[1:])


def per_example_ndim(x):
    return np.ndim(x) - 1


def per_example_size(x):
    return int(np.prod(x.shape[1:], dtype=np.int64))


def per_example_len(x):
    """``len(x)`` of one example: a list of batched values is as long as it is; an array's
    first axis is the batch."""
    return len(x) if isinstance(x, (list, tuple, dict)) else x.shape[1]


def items(x):
    """``for row in x`` over a mapped ``x``: the rows, each still batched (the entries, when
    ``x`` is a container or iterator of mapped values)."""
    if not isinstance(x, Array):
        return list(x)
    return [x[:, i] for i in range(x.shape[1])]


@rule(list, tuple, enumerate, reversed, zip)
def python_iteration(fn, mapped, *args):
    """``list``, ``enumerate``, ... of mapped values: of each mapped array's rows (each still
    batched), or of a container's entries as they are."""
    return fn(*[items(a) if m and isinstance(a, Array) else a for a, m in zip(args, mapped)])


def _ndim(x, m):
    return np.ndim(x) - 1 if m else np.ndim(x)


# ---- elementwise: line up the per-example ranks, then broadcasting does the rest -------------

def _align(args, mapped):
    rank = max(_ndim(a, m and not _is_symbolic_zero(a)) for a, m in zip(args, mapped))
    out = []
    for a, m in zip(args, mapped):
        if m and not _is_symbolic_zero(a) and _ndim(a, m) < rank:
            a = jnp.reshape(a, (a.shape[0],) + (1,) * (rank - _ndim(a, m)) + tuple(a.shape[1:]))
        out.append(a)
    return out


def elementwise(fn, mapped, *args, **kwargs):
    from s2s.rules.helpers import Sparse, Zero
    if fn is jnp.add and any(isinstance(a, (Sparse, Zero)) for a in args):
        return args[0] + args[1]  # cotangents of containers add up entry by entry
    return fn(*_align(list(args), list(mapped) + [False] * (len(args) - len(mapped))),
              **kwargs)


rule(jnp.add, jnp.subtract, jnp.multiply, jnp.divide, jnp.true_divide, jnp.power,
     jnp.maximum, jnp.minimum, jnp.arctan2, jnp.logaddexp, jnp.floor_divide, jnp.mod,
     jnp.fmod, jnp.equal, jnp.not_equal, jnp.less, jnp.less_equal, jnp.greater,
     jnp.greater_equal, jnp.logical_and, jnp.logical_or, jnp.logical_xor, jnp.bitwise_and,
     jnp.bitwise_or, jnp.bitwise_xor, jnp.where, jnp.clip)(elementwise)


# ---- reductions: per-example axes move one to the right ---------------------------------------

def _axes(axis, nd):
    """Per-example ``axis`` (None, int or tuple) as axes of the batched value."""
    if axis is None:
        return tuple(range(1, nd + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % nd + 1 for a in axis)
    return int(axis) % nd + 1 if nd else 1


@rule(jnp.sum, jnp.mean, jnp.max, jnp.min, jnp.prod, jnp.all, jnp.any, jnp.std, jnp.var,
      jnp.count_nonzero)
def reduction(fn, mapped, a, axis=None, *args, **kwargs):
    if not mapped[0]:
        return loop(fn, mapped, a, axis, *args, **kwargs)
    return fn(a, _axes(axis, a.ndim - 1), *args, **kwargs)


@rule(jnp.argmax, jnp.argmin, jnp.cumsum, jnp.cumprod)
def single_axis(fn, mapped, a, axis=None, **kwargs):
    if not mapped[0]:
        return loop(fn, mapped, a, axis, **kwargs)
    if axis is None:
        return fn(jnp.reshape(a, (a.shape[0], -1)), 1, **kwargs)
    return fn(a, _axes(axis, a.ndim - 1), **kwargs)


# ---- shapes -------------------------------------------------------------------------------

@rule(jnp.reshape)
def reshape(fn, mapped, a, shape=None, *args, **kwargs):
    if not mapped[0] or len(mapped) > 1 and mapped[1]:
        return loop(fn, mapped, a, shape, *args, **kwargs)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return jnp.reshape(a, (a.shape[0],) + shape, *args, **kwargs)


@rule(jnp.ravel)
def ravel(fn, mapped, a):
    return jnp.reshape(a, (a.shape[0], -1))


@rule(jnp.transpose)
def transpose(fn, mapped, a, axes=None):
    nd = a.ndim - 1
    axes = tuple(reversed(range(nd))) if axes is None else tuple(int(i) % nd for i in axes)
    return jnp.transpose(a, (0,) + tuple(i + 1 for i in axes))


@rule(jnp.einsum)
def einsum(fn, mapped, subscripts, *operands, **kwargs):
    """One einsum: a fresh label for the batch axis, on the mapped operands and the result."""
    flags = list(mapped[1:]) + [False] * (len(operands) - len(mapped) + 1)
    if not isinstance(subscripts, str):  # the interleaved form
        return loop(fn, mapped, subscripts, *operands, **kwargs)
    from s2s.runtime.numpy.linalg import einsum_labels
    from s2s.rules.helpers import fresh_labels
    ins, out = einsum_labels(subscripts, [np.ndim(o) - bool(m) for o, m in zip(operands, flags)])
    b = fresh_labels(1, set("".join(ins)))[0]
    spec = ",".join(b + s if m else s for s, m in zip(ins, flags)) + "->" + b + out
    return jnp.einsum(spec, *operands, **kwargs)


@rule(jnp.swapaxes)
def swapaxes(fn, mapped, a, axis1, axis2):
    nd = a.ndim - 1
    return jnp.swapaxes(a, axis1 % nd + 1, axis2 % nd + 1)


@rule(jnp.moveaxis)
def moveaxis(fn, mapped, a, source, destination):
    nd = a.ndim - 1
    shift = lambda s: tuple(int(i) % nd + 1 for i in np.atleast_1d(s))  # noqa: E731
    return jnp.moveaxis(a, shift(source), shift(destination))


@rule(jnp.expand_dims)
def expand_dims(fn, mapped, a, axis):
    nd = a.ndim - 1 + len(np.atleast_1d(axis))
    return jnp.expand_dims(a, tuple(int(i) % nd + 1 for i in np.atleast_1d(axis)))


@rule(jnp.squeeze)
def squeeze(fn, mapped, a, axis=None):
    if axis is None:
        axis = tuple(i for i, d in enumerate(a.shape[1:]) if d == 1)
    return jnp.squeeze(a, _axes(axis, a.ndim - 1) if axis != () else ())


@rule(jnp.split, jnp.array_split)
def split(fn, mapped, ary, indices_or_sections, axis=0):
    if any(mapped[1:]):
        return loop(fn, mapped, ary, indices_or_sections, axis)
    return fn(ary, indices_or_sections, _axes(axis, ary.ndim - 1))


@rule(jnp.fliplr, jnp.flipud)
def flip_rows_or_columns(fn, mapped, m):
    return jnp.flip(m, 2 if fn is jnp.fliplr else 1)


@rule(jnp.unstack)
def unstack(fn, mapped, x, axis=0):
    return fn(x, axis=_axes(axis, x.ndim - 1))


@rule(jnp.stack, jnp.concatenate)
def joining(fn, mapped, arrays, axis=0, **kwargs):
    arrays = list(arrays)
    size = next(a.shape[0] for a in arrays if isinstance(a, Array) and mapped[0])
    flags = getattr(arrays, "mapped", None)
    if flags is None:  # a list whose elements the transform could not tell apart: all mapped
        flags = [True] * len(arrays)
    arrays = [a if f else broadcast_batch(a, size) for a, f in zip(arrays, flags)]
    nd = arrays[0].ndim - 1 + (1 if fn is jnp.stack else 0)
    return fn(arrays, int(axis) % nd + 1 if nd else 1, **kwargs)


@rule(tree_unflatten)
def unflatten(fn, mapped, treedef, leaves):
    """A pytree of mapped leaves: unmapped ones are repeated for every example."""
    flags = getattr(leaves, "mapped", None) or [True] * len(leaves)
    leaves = list(leaves)
    size = next(v.shape[0] for v, f in zip(leaves, flags) if f and isinstance(v, Array))
    return fn(treedef, [v if f else broadcast_batch(v, size) for v, f in zip(leaves, flags)])


# ---- products -------------------------------------------------------------------------------

@rule(jnp.matmul, jnp.dot)
def matmul(fn, mapped, a, b, **kwargs):
    ma, mb = (list(mapped) + [False, False])[:2]
    ra, rb = _ndim(a, ma), _ndim(b, mb)
    if ra == 0 or rb == 0:
        return elementwise(jnp.multiply, (ma, mb), a, b)
    if (fn is jnp.dot and (ra > 2 or rb > 2)) or (ma != mb and (ra > 2 or rb > 2)):
        return loop(fn, mapped, a, b, **kwargs)  # stacks of matrices against a batch
    if ma and mb:
        if ra == 1 and rb == 1:
            return jnp.sum(a * b, axis=-1)
        if ra == 1:  # a row vector per example, in front of b's stack of matrices
            a = jnp.reshape(a, (a.shape[0],) + (1,) * (rb - 1) + tuple(a.shape[1:]))
            return jnp.matmul(a, b)[..., 0, :]
        if rb == 1:  # a column vector per example, behind a's stack of matrices
            b = jnp.reshape(b, (b.shape[0],) + (1,) * (ra - 2) + tuple(b.shape[1:]) + (1,))
            return jnp.matmul(a, b)[..., 0]
        a, b = _align([a, b], [True, True])
        return jnp.matmul(a, b)
    if ma:  # (B, k) or (B, n, k) against an unbatched vector or matrix
        return jnp.matmul(a, b)
    if rb == 1:  # a @ b_i for each example: (B, k) against a (k,) or (n, k)
        return jnp.matmul(b, a) if ra == 1 else jnp.tensordot(b, a, axes=(1, 1))
    return jnp.matmul(a, b)


@rule(jnp.outer)
def outer(fn, mapped, a, b):
    ma, mb = mapped
    a = jnp.reshape(a, (a.shape[0], -1)) if ma else jnp.ravel(a)
    b = jnp.reshape(b, (b.shape[0], -1)) if mb else jnp.ravel(b)
    return (a[..., :, None] if ma else a[:, None]) * (b[..., None, :] if mb else b[None, :])


# ---- linear algebra: leading dimensions are batch dimensions already -------------------------

@rule(jnp.linalg.cholesky, jnp.linalg.qr, jnp.linalg.eigh, jnp.linalg.eigvalsh, jnp.linalg.svd,
      jnp.linalg.eig, jnp.linalg.eigvals, jnp.linalg.inv, jnp.linalg.det, jnp.linalg.slogdet,
      lu_matrix, lu_pivots, lu_pivots_to_permutation)
def stacked_matrices(fn, mapped, a, *args, **kwargs):
    """Functions of a (batch of) matrix ``a`` (..., m, n): the vmapped axis in front is one more
    batch dimension; their outputs carry the batch dimensions in front too."""
    if not mapped[0] or any(mapped[1:]):
        return loop(fn, mapped, a, *args, **kwargs)
    return fn(a, *args, **kwargs)


@rule(jnp.linalg.solve)
def solve(fn, mapped, a, b):
    """Per example ``a`` is (..., m, m) and ``b`` (m,) or (..., m, k): a vector ``b`` becomes a
    one-column matrix, then both get the same rank with the vmapped axis in front (size-1
    batch dimensions broadcast) and one batched solve does every example."""
    ma, mb = (list(mapped) + [False, False])[:2]
    ra, rb = _ndim(a, ma), _ndim(b, mb)
    if ra < 2 or rb < 1 or (rb > 1 and ra == rb + 1 and np.shape(a)[-1] == np.shape(b)[-1]
                            and np.shape(a)[-1] != np.shape(b)[-2]):
        return loop(fn, mapped, a, b)  # JAX's error, raised for the first example
    a, b = jnp.asarray(a), jnp.asarray(b)
    vector = rb == 1
    if vector:
        b, rb = b[..., None], 2
    rank = max(ra, rb)

    def lift(x, m, r):
        lead = (x.shape[0],) if m else (1,)
        return jnp.reshape(x, lead + (1,) * (rank - r) + tuple(x.shape[1 if m else 0:]))

    out = fn(lift(a, ma, ra), lift(b, mb, rb))
    return out[..., 0] if vector else out


@rule(triangular_solve)
def triangular_solve_(fn, mapped, a, b, *args, **kwargs):
    """``a`` (..., m, m) and ``b`` (..., m, k) per example: both get the same rank with the
    vmapped axis in front (the helper broadcasts batch dimensions)."""
    ma, mb = (list(mapped) + [False, False])[:2]
    if any(mapped[2:]) or np.ndim(a) < 2 + ma or np.ndim(b) < 2 + mb:
        return loop(fn, mapped, a, b, *args, **kwargs)
    a, b = jnp.asarray(a), jnp.asarray(b)
    rank = max(_ndim(a, ma), _ndim(b, mb))

    def lift(x, m):
        lead = (x.shape[0],) if m else (1,)
        return jnp.reshape(x, lead + (1,) * (rank - _ndim(x, m)) + tuple(x.shape[1 if m else 0:]))

    return fn(lift(a, ma), lift(b, mb), *args, **kwargs)


# ---- indexing --------------------------------------------------------------------------------

@rule(jnp._getitem)
def getitem(fn, mapped, x, idx):
    mx, mi = (list(mapped) + [False, False])[:2]
    if isinstance(x, (tuple, list, dict)):  # a container of batched values: plain indexing
        return x[idx]
    index = idx if isinstance(idx, tuple) else (idx,)
    if mi:  # a mapped index: each of its entries carries the batch in front (Batch.uniform)
        if not all(_is_array_index(v) for v in index):  # slices among them: example by example
            return _getitem_loop(x, mx, index)
        rank = max(np.ndim(v) - 1 for v in index)  # per-example indices broadcast together
        index = tuple(jnp.reshape(v, (np.shape(v)[0],) + (1,) * (rank + 1 - np.ndim(v)) +
                                  tuple(np.shape(v)[1:])) for v in index)
        if not mx:  # x[i] for a batch of i: index x with the batch
            return x[index]
        rows = jnp.reshape(jnp.arange(x.shape[0]), (-1,) + (1,) * rank)
        return x[(rows,) + index]
    out = x[(slice(None),) + index]
    advanced = [k for k, v in enumerate(index) if _is_array_index(v)]
    if any(not isinstance(index[k], (int, np.integer)) for k in advanced) and \
            advanced != list(range(advanced[0], advanced[-1] + 1)):
        # x[i, :, j]: numpy puts the indexed axes first, in front of the batch axis
        rank = len(np.broadcast_shapes(*[np.shape(index[k]) for k in advanced]))
        out = jnp.moveaxis(out, rank, 0)
    return out


def _is_array_index(v):
    """An integer or array entry of an index (not a slice, None or Ellipsis)."""
    return v is not None and v is not Ellipsis and not isinstance(v, (slice, tuple, str))


def _getitem_loop(x, mx, index):
    size = next(np.shape(v)[0] for v in index if _is_array_index(v))
    return jnp.stack([(x[b] if mx else x)[tuple(v[b] if _is_array_index(v) else v
                                              for v in index)] for b in range(size)])


# ---- the helpers generated derivatives call (so vmap(grad(f)) stays vectorised) -------------

def _register_helper_rules():
    from s2s.rules import helpers

    def per_example(x, m):
        return tuple(np.shape(x)[1:]) if m else tuple(np.shape(x))

    def size_of(mapped, args):
        return batch_size(mapped, args)

    @rule(helpers.einsum_items)
    def einsum_items(fn, mapped, subscripts, operands, preferred_element_type=None):
        # (a list of operands that is mapped holds batched entries only)
        flags = (False,) + (bool(len(mapped) > 1 and mapped[1]),) * len(operands)
        return einsum(jnp.einsum, flags, subscripts, *operands,
                      preferred_element_type=preferred_element_type)

    @rule(helpers.drop_entry)
    def drop_entry(fn, mapped, ct, k):
        """Entries of a list cotangent are batched values: dropped as they are."""
        if mapped[1]:
            return loop(fn, mapped, ct, k)
        return fn(ct, k)

    @rule(helpers.set_entry)
    def set_entry(fn, mapped, ct, k, g):
        if mapped[1]:
            return loop(fn, mapped, ct, k, g)
        size = batch_size(mapped, (ct, k, g))
        ct = ct if mapped[0] else broadcast_batch(ct, size)
        g = g if mapped[2] else broadcast_batch(g, size)
        return fn(ct, k, g)

    @rule(helpers.add_tree)
    def add_tree(fn, mapped, a, b):
        """Leaf by leaf, each mapped leaf's per-example shape lined up with its partner's
        behind the batch axis (a zero cotangent is a scalar per example)."""
        def add(x, y):
            x, y = jnp.asarray(x), jnp.asarray(y)
            rank = max(x.ndim - mapped[0], y.ndim - mapped[1])

            def lined(v, m):
                extra = rank - (v.ndim - m)
                return jnp.reshape(v, v.shape[:1] + (1,) * extra + v.shape[1:]) if m and \
                    extra else v
            return lined(x, mapped[0]) + lined(y, mapped[1])
        return helpers.add_tree(a, b, add)

    @rule(helpers.unbroadcast)
    def unbroadcast(fn, mapped, g, x):
        mg, mx = (list(mapped) + [False, False])[:2]
        size = size_of(mapped, (g, x))
        g = jnp.asarray(g) if mg else broadcast_batch(jnp.asarray(g), size)
        target = per_example(x, mx)
        gs = tuple(g.shape[1:])
        if gs == target:
            out = g
        elif len(gs) <= len(target) and np.broadcast_shapes(gs, target) == target:
            out = jnp.broadcast_to(jnp.reshape(g, (size,) + (1,) * (len(target) - len(gs)) +
                                               gs), (size,) + target)
        else:
            lead = len(gs) - len(target)
            axes = tuple(range(1, lead + 1)) + tuple(
                1 + lead + i for i, d in enumerate(target) if d == 1 and gs[lead + i] != 1)
            out = jnp.reshape(jnp.sum(g, axis=axes) if axes else g, (size,) + target)
        return helpers._match_dtype(out, x)

    @rule(helpers.unreduce)
    def unreduce(fn, mapped, g, x, axis=None, keepdims=False):
        mg, mx = (list(mapped) + [False, False])[:2]
        if helpers.is_zero(g) and not isinstance(g, Array):  # zeros shaped like x, batched
            if not mx:
                return helpers.zero
            return jnp.zeros(np.shape(x), dtype=jnp.asarray(x).dtype)
        size = size_of(mapped, (g, x))
        g = jnp.asarray(g) if mg else broadcast_batch(jnp.asarray(g), size)
        target = per_example(x, mx)
        if g.ndim == 1 and target:  # a batched 0-d zero (a reset adjoint): zeros
            g = jnp.reshape(g, (size,) + (1,) * len(target))
        elif not keepdims:
            axes = tuple(range(len(target))) if axis is None else tuple(
                a % len(target) for a in np.atleast_1d(axis))
            g = jnp.reshape(g, (size,) + tuple(1 if i in axes else d
                                               for i, d in enumerate(target)))
        return jnp.broadcast_to(g, (size,) + target)

    @rule(helpers.materialize)
    def materialize(fn, mapped, ct, primal):
        mc, mp = (list(mapped) + [False, False])[:2]
        if primal is None:  # an empty pytree (a scan's ys when the body returns None)
            return None
        if helpers._is_container(ct) or helpers._is_container(primal):
            # (no size without a mapped array: empty containers)
            return _materialize_tree(ct, primal, mp, batch_size(mapped, (ct, primal), False))
        if _is_symbolic_zero(ct) and batch_size(mapped, (ct, primal), False) is None:
            return Unsized(helpers.materialize(ct, primal))
        if not isinstance(primal, Array):
            return loop(fn, mapped, ct, primal)
        if not helpers.dtypes.is_inexact(primal.dtype):  # no tangent: float zeros, as unbatched
            return jnp.zeros((size_of(mapped, (ct, primal)),) + per_example(primal, mp))
        if not mc:
            return broadcast_batch(helpers.materialize(ct, primal[0] if mp else primal),
                                   np.shape(primal)[0]) if mp else helpers.materialize(ct, primal)
        size = size_of(mapped, (ct, primal))
        ct = jnp.asarray(ct) if mc else broadcast_batch(jnp.asarray(ct), size)
        target = per_example(primal, mp)
        if ct.dtype != primal.dtype:
            ct = ct.astype(primal.dtype)
        if tuple(ct.shape[1:]) == target:
            return ct
        if ct.ndim - 1 < len(target):  # (a batched zero) per-example axes lined up behind
            ct = jnp.reshape(ct, ct.shape[:1] + (1,) * (len(target) - ct.ndim + 1) +
                             ct.shape[1:])
        return jnp.broadcast_to(ct, (size,) + target)

    def entry_cotangent(ct, primal, mp, size):
        """One entry of a batched container cotangent, in ``primal``'s shape, batched (zeros
        where the entry got none)."""
        if ct is None or helpers.is_zero(ct) or _is_symbolic_zero(ct):
            z = jnp.zeros_like(primal)
            return z if mp else broadcast_batch(z, size)
        return materialize(helpers.materialize, (True, mp), ct, primal)

    @rule(helpers.arrays_tangent)
    def arrays_tangent(fn, mapped, tangents, arrays):
        size = size_of(mapped, (tangents, arrays))
        return [entry_cotangent(t, a, mapped[1], size)
                for t, a in zip(helpers.item_list(tangents, len(arrays)), arrays)]

    @rule(helpers.concat_items)
    def concat_items(fn, mapped, ct, arrays, axis=0):
        size = size_of(mapped, (ct, arrays))
        parts = [entry_cotangent(helpers.item(ct, i), a, mapped[1], size)
                 for i, a in enumerate(arrays)]
        return jnp.concatenate(parts, _axes(axis, np.ndim(parts[0]) - 1))

    @rule(helpers.leaf_cotangents)
    def leaf_cotangents(fn, mapped, g, treedef, tree):
        mt = len(mapped) > 2 and mapped[2]
        return helpers.flatten_up_to(treedef, materialize(helpers.materialize, (True, mt), g,
                                                          tree))

    @rule(helpers.sinc_at_zero)
    def sinc_at_zero(fn, mapped, k, u):
        return fn(k, u)  # (elementwise in u)

    @rule(helpers.copy_lists)
    def copy_lists(fn, mapped, tree):
        return fn(tree)  # (containers copied; the batched leaves are shared, as unbatched)

    @rule(helpers.seed_cotangent)
    def seed_cotangent(fn, mapped, out, ct=None, holomorphic=False):
        if ct is helpers.zero and mapped[0]:  # zeros shaped like the (batched) output
            return helpers.seed_cotangent(out, ct)
        if ct is not None:  # always batched on the way out, like every rule's result
            return ct if len(mapped) > 1 and mapped[1] else broadcast_batch(
                ct, batch_size(mapped, (out, ct)))
        if np.ndim(out) != 1:
            raise TypeError(f"Gradient only defined for scalar-output functions. Output had "
                            f"shape: {tuple(np.shape(out)[1:])}.")
        helpers.check_output_dtype("grad", out, holomorphic)
        return jnp.ones_like(out)

    @rule(helpers.reduced_count)
    def reduced_count(fn, mapped, x, axis=None):
        shape = per_example(x, mapped[0])
        axes = range(len(shape)) if axis is None else [a % len(shape)
                                                       for a in np.atleast_1d(axis)]
        count = int(np.prod([shape[a] for a in axes], dtype=np.int64))
        return broadcast_batch(jnp.asarray(float(count)), np.shape(x)[0])

    @rule(helpers.item)
    def item(fn, mapped, ct, i):
        if isinstance(ct, (tuple, list, dict)) or (isinstance(ct, float) and ct == 0.0):
            return helpers.item(ct, i)  # entries are batched already
        if isinstance(ct, Array) and ct.ndim == 1 and mapped[0] and isinstance(i, (int, str)):
            return helpers.zero  # a batched zero standing for a container's cotangent
        return getitem(jnp._getitem, (True, False), ct, i)

    @rule(helpers.add_at)
    def add_at(fn, mapped, x, index, g):
        mx, mi, mg = (list(mapped) + [False] * 3)[:3]
        if g is helpers.zero:
            return helpers.zero
        if helpers._is_container(x):
            return helpers.add_at(x, index, g)  # a Sparse of batched entries
        if mi:  # indices that differ between examples: one scatter per example
            return loop(fn, mapped, x, index, g)
        size = size_of(mapped, (x, index, g))
        shape = per_example(x, mx)
        zeros = jnp.zeros((size,) + shape, dtype=x.dtype)
        index = (slice(None),) + (index if isinstance(index, tuple) else (index,))
        g = g if mg else broadcast_batch(g, size)
        if np.ndim(g) < zeros.ndim:  # g broadcasts into the region it is added to, its
            # per-example axes lined up from the right, the batch axis staying in front
            rank = np.ndim(zeros[index])
            if np.ndim(g) < rank:
                g = jnp.reshape(g, g.shape[:1] + (1,) * (rank - np.ndim(g)) + g.shape[1:])
        padded = helpers._pad_into(zeros, index, g)
        return padded if padded is not None else zeros.at[index].add(g)

    def _materialize_tree(ct, primal, mapped_primal, size):
        if isinstance(ct, helpers.Sparse) or helpers._is_container(primal):
            if isinstance(primal, dict):
                return type(primal)({k: _materialize_tree(helpers.item(ct, k), v, mapped_primal,
                                                          size) for k, v in primal.items()})
            fields = getattr(type(primal), "_fields", None)
            items = [_materialize_tree(helpers._field(ct, i, fields[i]) if fields else
                                       helpers.item(ct, i), v, mapped_primal, size)
                     for i, v in enumerate(primal)]
            return type(primal)(*items) if fields else type(primal)(items)
        if not isinstance(ct, Array) and (not mapped_primal or isinstance(primal, bool)
                                          or not isinstance(primal, Array)):
            # the same for every example (a bool entry of a mapped container is a static flag)
            return broadcast_batch(helpers.materialize(ct, primal), size)
        return materialize(helpers.materialize, (isinstance(ct, Array), mapped_primal), ct,
                           primal)

    def _at(op):
        def batched_rule(fn, mapped, x, idx, values):
            mx, mi, mv = (list(mapped) + [False] * 3)[:3]
            if mi:  # indices that differ between examples: one update per example
                return loop(fn, mapped, x, idx, values)
            size = size_of(mapped, (x, idx, values))
            x = x if mx else broadcast_batch(x, size)
            index = (slice(None),) + (idx if isinstance(idx, tuple) else (idx,))
            if mv:  # per-example values line up after the batch axis
                target = np.shape(x[index])
                values = jnp.reshape(values, (size,) + (1,) * (len(target) - np.ndim(values))
                                     + tuple(np.shape(values)[1:]))
            return getattr(x.at[index], op)(values)
        return batched_rule

    rule(helpers.at_set)(_at("set"))
    rule(helpers.at_add)(_at("add"))

    def _matmul_adjoint(lhs):
        def batched_rule(fn, mapped, g, x, y):
            mg, mx, my = (list(mapped) + [False] * 3)[:3]
            size = size_of(mapped, (g, x, y))
            if _is_symbolic_zero(g) or _is_symbolic_zero(y if lhs else x):
                return fn(g, x, y)  # the zero (bilinear in g and the other operand)
            rx, ry = len(per_example(x, mx)), len(per_example(y, my))
            if rx not in (1, 2) or ry not in (1, 2) or len(per_example(g, mg)) != rx + ry - 2:
                return loop(fn, mapped, g, x, y)
            g = g if mg else broadcast_batch(g, size)
            if lhs and ry == 2:  # d(x @ y)/dx: g @ y.T (matrix x) or y @ g (vector x)
                yt = jnp.swapaxes(y, -1, -2)
                return jnp.matmul(g, yt) if rx == 2 else jnp.matmul(g[:, None, :], yt)[:, 0]
            if lhs:  # a vector y: outer(g, y) for a matrix x, g * y for a vector
                y = y if my else broadcast_batch(y, size)
                return g[:, :, None] * y[:, None, :] if rx == 2 else g[:, None] * y
            x = x if mx else broadcast_batch(x, size)
            if rx == 2:  # d(x @ y)/dy: x.T @ g (matrix y) or g @ x (vector y)
                return jnp.matmul(jnp.swapaxes(x, -1, -2), g) if ry == 2 else \
                    jnp.matmul(g[:, None, :], x)[:, 0]
            return x[:, :, None] * g[:, None, :] if ry == 2 else g[:, None] * x  # a vector x
        return batched_rule

    rule(helpers.matmul_adjoint_lhs)(_matmul_adjoint(True))
    rule(helpers.matmul_adjoint_rhs)(_matmul_adjoint(False))

    def _dot_adjoint(lhs):
        as_matmul = _matmul_adjoint(lhs)

        def batched_rule(fn, mapped, g, x, y):
            mg, mx, my = (list(mapped) + [False] * 3)[:3]
            rx, ry = len(per_example(x, mx)), len(per_example(y, my))
            if rx == 0 or ry <= 1 or (rx <= 2 and ry <= 2):  # dot is matmul per example
                return as_matmul(fn, mapped, g, x, y)
            return loop(fn, mapped, g, x, y)
        return batched_rule

    rule(helpers.dot_adjoint_lhs)(_dot_adjoint(True))
    rule(helpers.dot_adjoint_rhs)(_dot_adjoint(False))


_register_helper_rules()


@rule(lax.fft)
def _fft(fn, mapped, x, *args, **kwargs):
    """A transform of the last axes: the batch axis in front is one more axis it maps over."""
    if mapped[0] and not any(mapped[1:]):
        return fn(x, *args, **kwargs)
    return loop(fn, mapped, x, *args, **kwargs)


from s2s.rules import window_batching  # noqa: E402,F401 (registers its rules)
from s2s.rules import gather_batching  # noqa: E402,F401 (registers its rules)


# ---- lax: the batch axis is one more leading axis (dimension arguments move one right) -------

def _lax_rules():
    from s2s.runtime import lax
    from s2s.rules import LAX_TWINS

    def twin_rule(twin):
        def r(fn, mapped, *args, **kwargs):
            return batched(twin, mapped, *args, **kwargs)
        return r
    for lax_name, np_name in LAX_TWINS.items():
        RULES[getattr(lax, lax_name)] = twin_rule(getattr(jnp, np_name))

    def shifted(*ints):
        return tuple(int(i) + 1 for i in ints)

    def only_first(build):
        """A rule for a function of one mapped operand and static arguments."""
        def r(fn, mapped, x, *rest, **kwargs):
            if any(mapped[1:]):
                return loop(fn, mapped, x, *rest, **kwargs)
            return build(x, *rest, **kwargs)
        return r

    RULES[lax.transpose] = only_first(lambda x, p: lax.transpose(x, (0,) + shifted(*p)))
    RULES[lax.rev] = only_first(lambda x, dims: lax.rev(x, shifted(*dims)))
    RULES[lax.reshape] = only_first(lambda x, new_sizes, dimensions=None: lax.reshape(
        x if dimensions is None else lax.transpose(x, (0,) + shifted(*dimensions)),
        (x.shape[0],) + tuple(new_sizes)))
    RULES[lax.broadcast_in_dim] = only_first(lambda x, shape, dims: lax.broadcast_in_dim(
        x, (x.shape[0],) + tuple(shape), (0,) + shifted(*dims)))
    RULES[lax.broadcast] = only_first(lambda x, sizes: jnp.moveaxis(
        lax.broadcast(x, sizes), len(sizes), 0))
    for name in ("sum", "max", "min", "prod"):
        RULES[getattr(lax, f"reduce_{name}")] = only_first(
            lambda x, axes, _f=getattr(lax, f"reduce_{name}"): _f(
                x, shifted(*[a % (x.ndim - 1) for a in axes])))
    for name in ("cumsum", "cumprod", "cummax", "cummin"):
        RULES[getattr(lax, name)] = only_first(
            lambda x, axis=0, reverse=False, _f=getattr(lax, name): _f(
                x, int(axis) % (x.ndim - 1) + 1, reverse))
    RULES[lax.slice] = only_first(lambda x, start, limit, strides=None: lax.slice(
        x, (0,) + tuple(start), (x.shape[0],) + tuple(limit),
        None if strides is None else (1,) + tuple(strides)))
    RULES[lax.dynamic_slice] = only_first(lambda x, start, sizes: lax.dynamic_slice(
        x, (0,) + tuple(start), (x.shape[0],) + tuple(sizes)))
    RULES[lax.integer_pow] = only_first(lambda x, y: lax.integer_pow(x, y))
    RULES[lax.convert_element_type] = only_first(
        lambda x, new_dtype, weak_type=False: lax.convert_element_type(x, new_dtype, weak_type))

    def pad(fn, mapped, x, value, config):
        if mapped[1:] and any(mapped[1:]):  # (a per-example padding value)
            return loop(fn, mapped, x, value, config)
        return lax.pad(x, value, ((0, 0, 0),) + tuple(tuple(c) for c in config))
    RULES[lax.pad] = pad

    def dynamic_update_slice(fn, mapped, x, update, start):
        if len(mapped) > 2 and mapped[2]:  # per-example start indices
            return loop(fn, mapped, x, update, start)
        size = batch_size(mapped, (x, update))
        if not mapped[0]:
            x = jnp.broadcast_to(x, (size,) + tuple(np.shape(x)))
        if len(mapped) < 2 or not mapped[1]:
            update = jnp.broadcast_to(update, (size,) + tuple(np.shape(update)))
        return lax.dynamic_update_slice(x, update, (0,) + tuple(start))
    RULES[lax.dynamic_update_slice] = dynamic_update_slice

    def dot_general(fn, mapped, lhs, rhs, dimension_numbers, precision=None,
                    preferred_element_type=None):
        (lc, rc), (lb, rb) = dimension_numbers
        ml, mr = mapped[0], len(mapped) > 1 and mapped[1]
        if ml and mr:
            dn = ((shifted(*lc), shifted(*rc)), ((0,) + shifted(*lb), (0,) + shifted(*rb)))
            return lax.dot_general(lhs, rhs, dn, preferred_element_type=preferred_element_type)
        if ml:  # the batch axis is a free axis of lhs: first after the batch dimensions
            dn = ((shifted(*lc), tuple(rc)), (shifted(*lb), tuple(rb)))
            out = lax.dot_general(lhs, rhs, dn, preferred_element_type=preferred_element_type)
            return jnp.moveaxis(out, len(lb), 0)
        dn = ((tuple(lc), shifted(*rc)), (tuple(lb), shifted(*rb)))
        out = lax.dot_general(lhs, rhs, dn, preferred_element_type=preferred_element_type)
        return jnp.moveaxis(out, np.ndim(lhs) - len(lc), 0)  # after lhs's batch + free axes
    RULES[lax.dot_general] = dot_general


_lax_rules()


@rule(callbacks.pure_callback)
def _pure_callback(fn, mapped, callback, result_shape_dtypes, *args, **kwargs):
    """As ``vmap_method`` says: one call per example (sequential), or one call on operands
    with a batch axis in front, where unmapped ones get a size-1 axis (expand_dims), the
    batch size (broadcast_all) or none (legacy_vectorized)."""
    method = kwargs.get("vmap_method")
    if method in ("sequential", "sequential_unrolled"):
        return loop(fn, mapped, callback, result_shape_dtypes, *args, **kwargs)
    if method is None:
        raise NotImplementedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one "
            "of 'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
            "'legacy_vectorized'. Got vmap_method=None.")
    if method not in ("expand_dims", "broadcast_all", "legacy_vectorized"):
        return fn(callback, result_shape_dtypes, *args, **kwargs)  # (its error)
    from s2s.shape_dtype import ShapeDtypeStruct
    flags = list(mapped[2:len(args) + 2])
    kw_flags = dict(zip(kwargs, mapped[len(args) + 2:]))
    size = batch_size(flags + list(kw_flags.values()), list(args) + list(kwargs.values()))

    def bring(x, m):
        if m or method == "legacy_vectorized":
            return x
        if method == "expand_dims":
            grow = lambda v: jnp.expand_dims(jnp.asarray(v), 0)  # noqa: E731
        else:
            grow = lambda v: jnp.broadcast_to(v, (size,) + jnp.shape(v))  # noqa: E731
        return tree_map(lambda v: grow(v) if callbacks.is_operand(v) else v, x)
    args = [bring(a, m) for a, m in zip(args, flags)]
    kwargs = {k: v if k in ("vmap_method", "sharding") else bring(v, kw_flags.get(k, False))
              for k, v in kwargs.items()}
    structs = tree_map(lambda s: ShapeDtypeStruct((size,) + tuple(s.shape), s.dtype,
                                                  weak_type=getattr(s, "weak_type", False)),
                       result_shape_dtypes)
    return fn(callback, structs, *args, **kwargs)
