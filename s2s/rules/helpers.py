"""Functions the derivative templates call; the generated code imports them by these names."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Array
from s2s.runtime.tree_util import dataclass_fields, flatten_up_to, tree_unflatten


def shape_of(x):
    return x.shape if isinstance(x, Array) else np.shape(x)


def unbroadcast(g, x):
    """``g`` brought to the shape of ``x``: summed over the axes NumPy broadcasting added or
    stretched, or broadcast up when ``g`` is smaller (a zero, or the cotangent of a sum).
    When ``x`` is the symbolic zero (a first-order adjoint that had received nothing, seen
    as a primal by a second-order derivative) it is a constant: its cotangent is dropped."""
    if g is zero or x is zero:
        return zero
    if isinstance(g, (dict, list, tuple)) or isinstance(x, (dict, list, tuple)):
        return _unbroadcast_tree(g, x)
    shape = tuple(shape_of(x))
    g = jnp.asarray(g)
    if g.shape == shape:
        return _match_dtype(g, x)
    if g.ndim <= len(shape) and np.broadcast_shapes(g.shape, shape) == shape:
        return _match_dtype(jnp.broadcast_to(g, shape), x)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and g.shape[lead + i] != 1)
    out = jnp.sum(g, axis=axes) if axes else g
    return _match_dtype(jnp.reshape(out, shape), x)


def _unbroadcast_tree(g, x):
    """``unbroadcast`` entry by entry of a container cotangent (entries ``x`` lacks pass)."""
    if not isinstance(g, (dict, list, tuple)):
        return g
    entries = g.items() if isinstance(g, dict) else enumerate(g)

    def like(k):
        if isinstance(x, dict):
            return x.get(k)
        if isinstance(x, (list, tuple)) and isinstance(k, int) and k < len(x):
            return x[k]
        return None
    out = {k: v if like(k) is None else unbroadcast(v, like(k)) for k, v in entries}
    if isinstance(g, Sparse) or isinstance(g, dict):
        return type(g)(out)
    items = [out[i] for i in range(len(g))]
    return type(g)(*items) if hasattr(type(g), "_fields") else type(g)(items)


def _match_dtype(g, x):
    """``g`` as the cotangent of (inexact) ``x``: of its dtype, and weak-typed if ``x`` is (jax
    promotes a weak operand by a conversion, whose transpose converts the cotangent back)."""
    dt = getattr(x, "dtype", None)
    if dt is not None:  # (a NumPy float64 operand is float32 while x64 is off)
        dt = dtypes.canonicalize(dt)
    weak = isinstance(x, Array) and x.weak_type
    if dt is not None and dtypes.is_inexact(dt) and (g.dtype != dt or weak and not g.weak_type):
        return lax.convert_element_type(g, dt, weak)
    return g


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast ``g`` (the cotangent of a reduction of ``x`` over ``axis``) back to ``x``."""
    if g is zero:
        return zero
    shape = shape_of(x)
    g = jnp.asarray(g)
    if not keepdims:
        axes = tuple(range(len(shape))) if axis is None else tuple(
            a % len(shape) for a in np.atleast_1d(axis))
        g = jnp.reshape(g, [1 if i in axes else d for i, d in enumerate(shape)])
    return jnp.broadcast_to(g, shape)


def reduced_count(x, axis=None):
    """Number of elements each output of a reduction of ``x`` over ``axis`` summarises."""
    shape = shape_of(x)
    axes = range(len(shape)) if axis is None else [a % len(shape) for a in np.atleast_1d(axis)]
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def zeros_like(x):
    """The zero cotangent of ``x`` (Python numbers get a Python zero)."""
    if isinstance(x, (int, float, complex)) and not isinstance(x, bool):
        return 0.0
    return jnp.zeros_like(x)


def transpose_inverse(axes, ndim):
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


def matmul_adjoint_lhs(g, x, y):
    """d(x @ y)/dx applied to ``g`` (NumPy matmul rules: vectors, stacks, broadcasting; a
    scalar operand, as ``jnp.dot`` allows, multiplies). Bilinear in ``g`` and ``y``: zero if
    either is (``x`` gives only a shape)."""
    if g is zero or y is zero:
        return zero
    if jnp.ndim(x) == 0 or jnp.ndim(y) == 0:
        return unbroadcast(jnp.multiply(g, y), x)
    if jnp.ndim(x) == 2 and jnp.ndim(y) == 2:  # g @ y.T without materialising the transpose
        return jnp.tensordot(g, y, axes=(1, 1))
    if jnp.ndim(y) == 1:
        gx = jnp.multiply(jnp.expand_dims(g, -1), y) if jnp.ndim(x) > 1 else jnp.multiply(g, y)
    elif jnp.ndim(x) == 1:
        gx = jnp.matmul(y, jnp.expand_dims(g, -1))[..., 0] if jnp.ndim(y) > 2 else \
            jnp.matmul(y, g)
    else:
        gx = jnp.matmul(g, jnp.swapaxes(y, -1, -2))
    return unbroadcast(gx, x)


def matmul_adjoint_rhs(g, x, y):
    """d(x @ y)/dy applied to ``g``; bilinear in ``g`` and ``x``."""
    if g is zero or x is zero:
        return zero
    if jnp.ndim(x) == 0 or jnp.ndim(y) == 0:
        return unbroadcast(jnp.multiply(g, x), y)
    if jnp.ndim(x) == 2 and jnp.ndim(y) == 2:  # x.T @ g
        return jnp.tensordot(x, g, axes=(0, 0))
    if jnp.ndim(x) == 1:
        gy = jnp.multiply(jnp.expand_dims(x, -1), jnp.expand_dims(g, -2)) if jnp.ndim(y) > 1 \
            else jnp.multiply(x, g)
    elif jnp.ndim(y) == 1:
        gy = jnp.matmul(jnp.swapaxes(x, -1, -2), g[..., None])[..., 0] if jnp.ndim(x) > 2 \
            else jnp.matmul(g, x)
    else:
        gy = jnp.matmul(jnp.swapaxes(x, -1, -2), g)
    return unbroadcast(gy, y)


def _dot_is_matmul(x, y):
    """``jnp.dot`` is ``jnp.matmul`` (or a product, for a scalar operand) unless an operand has
    more than two axes and the other is a matrix: then dot contracts the last axis of ``x``
    with the second-to-last of ``y`` and keeps every other axis of both (no broadcasting)."""
    return jnp.ndim(x) == 0 or jnp.ndim(y) <= 1 or (jnp.ndim(x) <= 2 and jnp.ndim(y) <= 2)


def dot_adjoint_lhs(g, x, y):
    """d(dot(x, y))/dx applied to ``g``."""
    if g is zero or y is zero or _dot_is_matmul(x, y):
        return matmul_adjoint_lhs(g, x, y)
    lead = jnp.ndim(x) - 1  # g's axes: x's leading axes, y's batch axes, y's last axis
    return jnp.tensordot(g, y, axes=(list(range(lead, jnp.ndim(g))),
                                     list(range(jnp.ndim(y) - 2)) + [jnp.ndim(y) - 1]))


def dot_adjoint_rhs(g, x, y):
    """d(dot(x, y))/dy applied to ``g``."""
    if g is zero or x is zero or _dot_is_matmul(x, y):
        return matmul_adjoint_rhs(g, x, y)
    lead = jnp.ndim(x) - 1
    gy = jnp.tensordot(x, g, axes=(list(range(lead)), list(range(lead))))  # (k, batch.., m)
    return jnp.moveaxis(gy, 0, -2)


def product_cotangent(product, a, b, like):
    """``product(a, b)`` (bilinear: ``jnp.dot``, ``jnp.matmul``) brought to the shape of
    ``like``; the symbolic zero when a factor is (a scalar 0 would give the wrong shape)."""
    if a is zero or b is zero:
        return zero
    return unbroadcast(product(a, b), like)


def split_cotangent(g, sizes, axis):
    """Cotangents of concatenated pieces: ``g`` cut back into pieces of ``sizes`` along ``axis``."""
    return jnp.split(g, np.cumsum(sizes)[:-1].tolist(), axis=axis)


class Zero:
    """The zero cotangent: what an adjoint starts as before anything flows into it.
    ``zero + g`` is ``g`` itself (no addition in the program, as symbolic zeros in JAX); where
    an array is needed it is a scalar 0."""

    __slots__ = ()

    def __repr__(self):
        return "zero"

    def __add__(self, other):
        return other

    __radd__ = __add__

    def __mul__(self, other):
        return self

    __rmul__ = __mul__
    __truediv__ = __mul__

    def __neg__(self):
        return self

    def __jax_array__(self):
        return jnp.zeros(())

    def __array__(self, dtype=None, copy=None):
        return np.zeros((), dtype or np.float32)


zero = Zero()


def is_zero(x):
    return x is zero or (isinstance(x, (int, float)) and not isinstance(x, bool) and x == 0)


class Sparse(dict):
    """The cotangent of a container (dict, list, tuple) of which only some entries got one:
    ``{key: cotangent}``. ``+`` merges; ``materialize`` fills the rest with zeros."""

    def __add__(self, other):
        if is_zero(other):
            return self
        if not isinstance(other, Sparse):
            return NotImplemented
        out = Sparse(self)
        for k, v in other.items():
            out[k] = out[k] + v if k in out else v
        return out

    __radd__ = __add__


def add_tree(a, b, add=None):
    """``a + b`` for cotangents, leaf by leaf: containers (tuples, lists, dicts, named tuples,
    registered pytree nodes) are added entry by entry, never concatenated; ``zero`` and
    ``Sparse`` entries add as the values they stand for. ``add`` adds two leaves (``+``)."""
    if add is not None and not isinstance(a, (dict, list, tuple)) and not isinstance(
            b, (dict, list, tuple)) and not is_zero(a) and not is_zero(b):
        return add(a, b)
    if is_zero(a) and not isinstance(a, Array):
        return b
    if is_zero(b) and not isinstance(b, Array):
        return a
    if isinstance(a, Sparse) or isinstance(b, Sparse):
        if isinstance(a, Sparse) and isinstance(b, Sparse):
            out = Sparse(a)
            for k, v in b.items():
                out[k] = add_tree(out[k], v, add) if k in out else v
            return out
        sparse, full = (a, b) if isinstance(a, Sparse) else (b, a)
        if add is not None and not isinstance(full, (dict, list, tuple)):
            # batched code: an adjoint that started as zero is an array of zeros per example
            # (broadcast_batch(zero)); a container's cotangent replaces it
            return sparse
        return _add_sparse(full, sparse, add)
    if add is not None and (isinstance(a, Array) != isinstance(b, Array)) and (
            _is_container(a) or _is_container(b)):
        return a if _is_container(a) else b  # as above: the array is a batched zero
    if isinstance(a, dict) and isinstance(b, dict):
        out = type(a)(a)
        for k, v in b.items():
            out[k] = add_tree(out[k], v, add) if k in out else v
        return out
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            raise ValueError(f"cannot add cotangents of containers of lengths {len(a)} and "
                             f"{len(b)}")
        items = [add_tree(x, y, add) for x, y in zip(a, b)]
        return type(a)(*items) if hasattr(type(a), "_fields") else type(a)(items)
    if not isinstance(a, (Array, int, float, complex, np.ndarray, np.generic)):
        from s2s.runtime.tree_util import tree_flatten
        la, ta = tree_flatten(a)
        if la != [a]:
            lb, tb = tree_flatten(b)
            if ta != tb:
                raise ValueError(f"cannot add cotangents of structures {ta} and {tb}")
            return tree_unflatten(ta, [add_tree(x, y, add) for x, y in zip(la, lb)])
    return add(a, b) if add is not None else a + b


def sum_items(items):
    """``sum(items)`` of cotangents or tangents (zeros skipped; containers leaf by leaf)."""
    total = zero
    for v in items:
        total = add_tree(total, v)
    return total


def spread_items(g, items):
    """The cotangents of the items of ``sum(items)``: ``g`` for each, in its shape."""
    if g is zero:
        return zero
    return [unbroadcast(g, v) for v in items]


def drop_entry(ct, k):
    """A list cotangent without its entry ``k`` (the item no longer exists). An array here
    is a zero (batched by vmap) that stood for the list's cotangent."""
    if is_zero(ct) or isinstance(ct, Array):
        return zero
    if isinstance(ct, Sparse):
        return Sparse({i: v for i, v in ct.items() if i != k})
    return Sparse({i: v for i, v in enumerate(ct) if i != k})


def set_entry(ct, k, g):
    """A list cotangent with entry ``k`` set to ``g``."""
    if is_zero(g):
        return drop_entry(ct, k)
    base = {} if is_zero(ct) or isinstance(ct, Array) else dict(ct) if isinstance(
        ct, Sparse) else dict(enumerate(ct))
    return Sparse({**base, k: g})


def entry_of(ct, x, index):
    """The cotangent of ``x[index]`` within ``ct``, the cotangent of ``x``."""
    if ct is zero:
        return zero
    if _is_container(x):
        if isinstance(index, int) and not isinstance(x, dict):
            index %= len(x)
        return item(ct, index)
    return jnp.asarray(ct)[index]


def copy_lists(tree):
    """``tree`` with its lists (and the containers holding them) copied: the value a function
    returns, kept safe from the backward sweep, which undoes the function's list mutations."""
    if isinstance(tree, list):
        return [copy_lists(v) for v in tree]
    if isinstance(tree, tuple):
        items = [copy_lists(v) for v in tree]
        return type(tree)(*items) if hasattr(type(tree), "_fields") else tuple(items)
    if isinstance(tree, dict):
        return type(tree)({k: copy_lists(v) for k, v in tree.items()})
    return tree


def _add_sparse(full, sparse, add=None):
    if isinstance(full, dict):
        out = type(full)(full)
        for k, v in sparse.items():
            out[k] = add_tree(out[k], v, add) if k in out else v
        return out
    if isinstance(full, (tuple, list)):
        fields = getattr(type(full), "_fields", None) or ()
        items = list(full)
        for k, v in sparse.items():
            i = fields.index(k) if isinstance(k, str) else k
            items[i] = add_tree(items[i], v, add)
        return type(full)(*items) if fields else type(full)(items)
    raise TypeError(f"cannot add a container cotangent to {type(full).__name__}")


def _is_container(x):
    return isinstance(x, (dict, list, tuple))


def _entry(ct, key, primal, index):
    """A Sparse cotangent's entry for field ``key`` / position ``index`` (0 if absent)."""
    if key in ct:
        return ct[key]
    return ct.get(index, 0.0)


def add_at(x, index, g):
    """Adjoint of ``x[index]``: ``g`` placed at ``index`` of zeros shaped like ``x``. An ``x``
    that is a zero standing for a container (symbolic, or 0-d with an entry index) gave the
    constant ``item(x, index) = zero``: nothing flows back to it."""
    if g is zero or x is zero or (isinstance(x, Array) and x.ndim == 0 and isinstance(
            index, (int, str))):
        return zero
    if _is_container(x):
        if isinstance(index, slice):  # a slice of a list: its entries go back to their places
            places = range(len(x))[index]
            entries = g.items() if isinstance(g, Sparse) else enumerate(g) if _is_container(
                g) else ()
            return Sparse({places[k]: v for k, v in entries})
        if isinstance(index, int) and not isinstance(x, dict):
            index %= len(x)  # params[-1] and params[2] are the same entry
        return Sparse({index: g})
    if isinstance(index, str):  # an attribute of an object holding arrays (getattr's adjoint)
        return Sparse({index: g})
    index = _clamped(index, np.shape(x))  # reads clamp out-of-range indices: so do adjoints
    padded = _pad_into(x, index, g)
    return padded if padded is not None else jnp.zeros_like(x).at[index].add(g)


def _clamped(index, shape):
    """Integer indices brought into range as JAX's adjoints do: a scalar index (a Python int
    or a 0-d array) is clamped, as the read clamped it; entries of an index array that fall
    outside are dropped (left for the scatter to drop); slices, ``None``, ``...`` and boolean
    masks as they are."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is None or p is Ellipsis or getattr(p, "dtype", None) == np.bool_ for p in parts):
        return index
    out = []
    for p, n in zip(parts, shape):
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool):
            p = min(max(int(p), -n), n - 1) if n else p
        elif isinstance(p, (Array, np.ndarray)) and np.issubdtype(p.dtype, np.integer) and n \
                and np.ndim(p) == 0:
            p = jnp.clip(p, -n, n - 1)
        out.append(p)
    out += list(parts[len(out):])
    return tuple(out) if isinstance(index, tuple) else out[0]


def _in_range(index, shape):
    """Whether every static integer of ``index`` is inside ``shape`` (scatters drop the rest)."""
    parts = index if isinstance(index, tuple) else (index,)
    for p, n in zip(parts, shape):
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool) and not -n <= p < n:
            return False
    return True


def _pad_into(x, index, g):
    """``g`` placed at a basic index of zeros shaped like ``x`` by padding (what a slice's
    adjoint is) instead of a scatter; None when ``index`` is not static ints and slices."""
    index = index if isinstance(index, tuple) else (index,)
    shape = tuple(np.shape(x))
    if len(index) > len(shape) or not all(
            isinstance(i, int) and not isinstance(i, bool) or isinstance(i, slice) and all(
                v is None or isinstance(v, int) for v in (i.start, i.stop, i.step))
            for i in index):
        return None
    index = index + (slice(None),) * (len(shape) - len(index))
    kept, config = [], []
    for i, n in zip(index, shape):
        if isinstance(i, int):
            if not -n <= i < n:
                return None
            i = i % n
            kept.append(1)
            config.append((i, n - i - 1, 0))
            continue
        start, stop, step = i.indices(n)
        if step < 1:
            return None
        count = len(range(start, stop, step))
        if count == 0:
            return jnp.zeros_like(x)
        last = start + (count - 1) * step
        kept.append(count)
        config.append((start, n - last - 1, step - 1))
    g = jnp.broadcast_to(jnp.asarray(g, dtype=x.dtype), [c for c, i in zip(kept, index)
                                                           if not isinstance(i, int)])
    g = jnp.reshape(g, kept)
    return lax.pad(g, lax.convert_element_type(0, x.dtype), config)


def check_input_dtypes(name, leaves, holomorphic=False, allow_int=False):
    """jax's checks of what ``name`` (grad, jacrev, jacfwd, ...) differentiates: inexact
    inputs (integers with ``allow_int``; for jacfwd real ones), complex ones if holomorphic."""
    for leaf in leaves:
        dt = np.dtype(dtypes.dtype_and_weak(leaf)[0])
        if holomorphic:
            if dt.kind != "c":
                raise TypeError(f"{name} with holomorphic=True requires inputs with complex "
                                f"dtype, but got {dt.name}.")
        elif name == "jacfwd":
            if dt.kind != "f":
                raise TypeError(f"jacfwd requires real-valued inputs (input dtype that is a "
                                f"sub-dtype of np.floating), but got {dt.name}. For holomorphic "
                                f"differentiation, pass holomorphic=True. For differentiation of "
                                f"non-holomorphic functions involving complex inputs or integer "
                                f"inputs, use jax.jvp directly.")
        elif not dtypes.is_inexact(dt) and not allow_int:
            raise TypeError(f"{name} requires real- or complex-valued inputs (input dtype that "
                            f"is a sub-dtype of np.inexact), but got {dt.name}. If you want to "
                            f"use Boolean- or integer-valued inputs, use vjp or set allow_int "
                            f"to True.")


def check_output_dtype(name, out, holomorphic=False):
    """jax's check of the output reverse mode starts from: real, or complex if holomorphic."""
    dt = np.dtype(dtypes.dtype_and_weak(out)[0])
    if holomorphic:
        if dt.kind != "c":
            raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {dt.name}.")
    elif dt.kind != "f":
        how = ("For holomorphic differentiation, pass holomorphic=True. For differentiation of "
               "non-holomorphic functions involving complex outputs, use jax.vjp directly."
               if dt.kind == "c" else
               "For differentiation of functions with integer outputs, use jax.vjp directly.")
        raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {dt.name}. {how}")


def seed_cotangent(out, ct=None, holomorphic=False):
    """The cotangent the backward sweep starts from: ``ct``, or 1 for ``grad`` (a scalar
    output, real unless ``holomorphic``). A zero arriving for an array output (the
    cotangent of an input nothing reached, read back by a second derivative) takes its shape:
    the adjoints of shape operations (reshape) need one."""
    if ct is not None:
        return _shaped_zeros(ct, out)
    shape = shape_of(out)
    if shape != ():
        raise TypeError(f"Gradient only defined for scalar-output functions. Output had "
                        f"shape: {tuple(shape)}.")
    check_output_dtype("grad", out, holomorphic)
    return jnp.ones_like(out) if isinstance(out, Array) else 1.0


def _shaped_zeros(ct, out):
    """``ct`` with each zero that arrived for an array of ``out`` with a shape made an array of
    that shape, in containers too (a second derivative reads back the cotangent of a vjp's
    ``(value, grads)`` pair with the value's entry missing)."""
    if isinstance(out, Array):
        return materialize(ct, out) if out.shape and (ct is zero or np.ndim(ct) == 0) else ct
    if not isinstance(out, (tuple, list, dict)):
        return ct
    if ct is zero or isinstance(ct, Sparse) or (isinstance(ct, Array) and ct.ndim == 0):
        keys = out.keys() if isinstance(out, dict) else range(len(out))
        entries = {k: v for k in keys if (v := _shaped_zeros(item(ct, k), out[k])) is not zero}
        return Sparse(entries) if entries else ct
    if type(ct) in (tuple, list) and len(ct) == len(out):
        return type(ct)(_shaped_zeros(c, o) for c, o in zip(ct, out))
    return ct


def _materialize_attributes(ct, primal):
    """The cotangent of a registered pytree object of which attributes were read
    (``{name: cotangent}``): a copy with zero leaves and those attributes set, rebuilt through
    its registration so that every cotangent lands on a leaf (one that does not, an attribute
    that is not a child, is an error rather than a dropped derivative)."""
    from s2s.runtime.tree_util import tree_flatten, tree_map
    out = tree_map(lambda p: materialize(0.0, p), primal)
    for name, g in ct.items():
        object.__setattr__(out, name, materialize(g, getattr(primal, name)))
    leaves, tree = tree_flatten(out)
    rebuilt = tree_unflatten(tree, leaves)
    for name in ct:
        if getattr(rebuilt, name) is not getattr(out, name):
            raise TypeError(f"the cotangent of attribute {name!r} of a {type(primal).__name__} "
                            f"has no place among its pytree children")
    return rebuilt


def materialize(ct, primal):
    """A cotangent in the structure and dtype of ``primal`` (zeros where none arrived)."""
    if primal is zero:
        return zero
    if ct is zero:
        ct = 0.0
    record = dataclass_fields(type(primal))
    if record is not None and not isinstance(ct, type(primal)):  # built by field name
        ct = ct if isinstance(ct, Sparse) else Sparse()
        return type(primal)(**{f: materialize(ct.get(f, 0.0), getattr(primal, f))
                               for f in record})
    if isinstance(ct, Sparse) and not _is_container(primal):
        return _materialize_attributes(ct, primal)
    if isinstance(ct, Sparse) or (_is_container(primal) and not _is_container(ct)):
        ct = ct if isinstance(ct, Sparse) else Sparse()
        if isinstance(primal, dict):
            return type(primal)({k: materialize(ct.get(k, 0.0), v) for k, v in primal.items()})
        fields = getattr(type(primal), "_fields", None)
        if fields:  # namedtuple: entries by field name or by position
            return type(primal)(*[materialize(_entry(ct, f, primal, i), v)
                                  for i, (f, v) in enumerate(zip(fields, primal))])
        return type(primal)([materialize(ct.get(i, 0.0), v) for i, v in enumerate(primal)])
    if _is_container(primal):
        if isinstance(primal, dict):
            return type(primal)({k: materialize(ct[k], v) for k, v in primal.items()})
        items = [materialize(c, v) for c, v in zip(ct, primal)]
        return type(primal)(*items) if hasattr(type(primal), "_fields") else type(primal)(items)
    from s2s.runtime.tree_util import tree_leaves, tree_map
    if not isinstance(primal, Array) and tree_leaves(primal) != [primal]:  # registered node
        return tree_map(lambda p: materialize(0.0, p), primal) if not isinstance(ct, type(
            primal)) else ct
    if isinstance(primal, (bool, np.bool_)) or (isinstance(primal, Array) and not
                                                 dtypes.is_inexact(primal.dtype)):
        return 0.0 if not isinstance(primal, Array) else jnp.zeros(primal.shape)  # no tangent
    if isinstance(primal, (int, float)):
        return jnp.asarray(ct, dtype=dtypes.default_float()) if not isinstance(ct, Array) else ct
    dt = primal.dtype
    if not isinstance(ct, Array):  # zeros: weak as the primal (a NumPy scalar's are strong)
        ct = lax.convert_element_type(jnp.asarray(ct), dt, bool(getattr(primal, "weak_type",
                                                                        False)))
    if ct.dtype != dt:
        ct = lax.convert_element_type(ct, dt)
    if ct.shape != primal.shape:
        ct = jnp.broadcast_to(ct, primal.shape)
    return ct


def zeros_like_tree(x):
    return materialize(0.0, x)


def item(ct, i):
    """Entry ``i`` (an index, key or field name) of a container cotangent (0 where none)."""
    if isinstance(ct, Sparse):
        return ct.get(i, zero)
    if is_zero(ct) or (isinstance(ct, Array) and ct.ndim == 0 and isinstance(i, (int, str))):
        return zero  # (a 0-d array has no entry i: a zero that stood for a container)
    if isinstance(i, str) and not isinstance(ct, dict):
        return getattr(ct, i)
    return ct[i]


def clip_gradient_mask(x, lo, hi):
    """d clip(x, lo, hi) / dx, with clip = minimum(maximum(x, lo), hi): ties count half."""
    out = jnp.ones_like(x)
    if lo is not None:
        out = out * jnp.where(x > lo, 1.0, jnp.where(x == lo, 0.5, 0.0))
    if hi is not None:
        out = out * jnp.where(x < hi, 1.0, jnp.where(x == hi, 0.5, 0.0))
    return out


def abs_slope(x):
    """d|x|/dx: the sign, with 1 at 0 (as JAX); conj(x)/|x| for complex x, so that the
    tangent is ``real(slope * dx)`` and the cotangent ``ct * slope`` (JAX's convention: the
    transpose, with no conjugation, of the real-linear tangent map)."""
    x = jnp.asarray(x)
    if np.dtype(x.dtype).kind == "c":
        return jnp.conj(jnp.sign(x))
    return jnp.where(x >= 0, jnp.ones_like(x), -jnp.ones_like(x))


def abs_slope_jvp(x, t):
    """The tangent of ``abs_slope(x)`` along ``t``: 0 for real ``x`` (a step function); for
    complex ``x`` (slope ``conj(x)/r``, ``r = |x|``) ``conj(t)/r - conj(x) re(conj(x) t)/r^3``."""
    x = jnp.asarray(x)
    if t is zero or np.dtype(x.dtype).kind != "c":
        return zero
    r = jnp.abs(x)
    return jnp.conj(t) / r - jnp.conj(x) * jnp.real(jnp.conj(x) * t) / r ** 3


def abs_slope_vjp(x, g):
    """The transpose of ``abs_slope_jvp`` at ``x`` applied to ``g`` (pairing ``re(u v)``):
    ``conj(g)/r - re(g conj(x)) conj(x)/r^3``; 0 for real ``x``."""
    x = jnp.asarray(x)
    if g is zero or np.dtype(x.dtype).kind != "c":
        return zero
    r = jnp.abs(x)
    return jnp.conj(g) / r - jnp.real(g * jnp.conj(x)) * jnp.conj(x) / r ** 3


def real_adjoint(g, x):
    """The cotangent of ``x`` from that of ``real(x)``: ``g`` itself (as a complex number when
    ``x`` is complex)."""
    return unbroadcast(g, x)


def imag_adjoint(g, x):
    """The cotangent of ``x`` from that of ``imag(x)``: ``-1j * g`` (zero for a real ``x``,
    whose imaginary part is the constant 0)."""
    if g is zero or np.dtype(jnp.asarray(x).dtype).kind != "c":
        return zero
    return unbroadcast(g * -1j, x)


def power_slope(x1, x2):
    """d x1**x2 / d x1 = x2 * x1**(x2 - 1). An integer exponent's slope is 0 where x2 == 0
    (jax's integer power; not 0 * inf at x1 = 0); a float exponent's is the product as it
    stands, NaN at 0 ** 0 as in jax."""
    if np.dtype(jnp.asarray(x2).dtype).kind in "iub":
        return jnp.where(jnp.asarray(x2) == 0, 0, x2 * jnp.power(x1, x2 - 1))
    return x2 * jnp.power(x1, x2 - 1)


def clip_bound_mask(x, lo, hi, lower):
    """d clip(x, lo, hi) / d lo (``lower``) or / d hi, with clip = minimum(maximum(x, lo), hi)
    and ties counting half, as ``clip_gradient_mask``."""
    def picks(a, b):  # d maximum(a, b) / d b
        return jnp.where(b > a, 1.0, jnp.where(b == a, 0.5, 0.0))
    inner = x if lo is None else jnp.maximum(x, lo)
    if lower:
        out = picks(x, lo)
        return out if hi is None else out * picks(-hi, -inner)
    return picks(-inner, -hi)


def call_vjp(fn, wrt, *args_and_ct, **kwargs):
    """``(fn(*args), cotangents of args at positions wrt)`` for a function known only at run
    time (``self.forward``, a function passed in): its generated vjp, cached."""
    from s2s.batch import _Batched
    from s2s.from_ir import stand_in
    from s2s.reverse import grad_function
    *args, ct = args_and_ct
    if isinstance(fn, _Batched) and not kwargs:  # vmap(g), made at run time
        grads = vmap_vjp(fn, args, ct)
        return tuple(grads[i] for i in wrt)
    fn = stand_in(fn, args, kwargs)
    out, grads = grad_function(fn, tuple(wrt), mode="vjp", call=(len(args), tuple(kwargs)))(
        *args, ct, **kwargs)
    return grads


def vjp_function_for(fn, wrt, args):
    """The generated vjp of ``fn`` for these arguments (traced when it has no source)."""
    from s2s.from_ir import stand_in
    from s2s.reverse import grad_function
    return grad_function(stand_in(fn, args), tuple(wrt), mode="vjp", call=(len(args), ()))


def grads_of_call(fn, wrt, *args_and_ct):
    """What ``call_vjp(fn, wrt, *args_and_ct)`` computes, written so that the transforms can
    differentiate it again (the vjp is found, then called like any function known only at
    run time)."""
    vjp = vjp_function_for(fn, wrt, args_and_ct[:-1])
    return vjp(*args_and_ct)[1]


def vjp_grads(fn, wrt):
    """``call_vjp(fn, wrt, ...)`` as a function value, for derivatives of derivatives."""
    import functools
    return functools.partial(grads_of_call, fn, wrt)


def call_jvp(fn, wrt, args, tangents, **kwargs):
    """``(fn(*args), its tangent)`` for a function known only at run time."""
    from s2s.batch import _Batched
    from s2s.forward import jvp_function
    from s2s.from_ir import stand_in
    from s2s.runtime.tree_util import tree_map
    if isinstance(fn, _Batched) and not kwargs:  # vmap(g), made at run time
        given = dict(zip(wrt, tangents))
        return vmap_jvp(fn, args, [given[i] if i in given else tree_map(jnp.zeros_like, a)
                                   for i, a in enumerate(args)])
    fn = stand_in(fn, args, kwargs)
    res = jvp_function(fn, tuple(wrt), call=(len(args), tuple(kwargs)))(*args, *tangents,
                                                                           **kwargs)
    return res[0], res[1]


def vmap_vjp(batched_fn, args, ct):
    """Cotangents of ``args`` for ``vmap(g)(*args)`` with output cotangent ``ct``: the
    generated vjp of ``g``, vmapped the same way; unmapped arguments sum over the batch."""
    from s2s.batch import _Batched
    from s2s.reverse import grad_function
    if ct is zero:
        return tuple(zero for _ in args)
    n = len(args)
    axes = batched_fn.in_axes if isinstance(batched_fn.in_axes, tuple) else \
        (batched_fn.in_axes,) * n
    if not all(a is None or isinstance(a, int) for a in axes) or not isinstance(
            batched_fn.out_axes, int):
        raise NotImplementedError("grad through vmap with pytree in_axes/out_axes")
    vjp_g = grad_function(batched_fn.fun, tuple(range(n)), mode="vjp", call=(n, ()))
    _, grads = _Batched(vjp_g, axes + (batched_fn.out_axes,), 0, None)(*args, ct)
    out = []
    for g, a in zip(grads, axes):
        if a is None:  # the same value served every example: its cotangents add up
            out.append(tree_map_sum(g))
        else:
            out.append(jnp.moveaxis(g, 0, a) if a != 0 else g)
    return tuple(out)


def vmap_jvp(batched_fn, args, tangents):
    """(value, tangent) of ``vmap(g)(*args)``: the generated jvp of ``g``, vmapped with the
    tangents mapped like their primals."""
    from s2s.batch import _Batched
    from s2s.forward import jvp_function
    n = len(args)
    axes = batched_fn.in_axes if isinstance(batched_fn.in_axes, tuple) else \
        (batched_fn.in_axes,) * n
    jvp_g = jvp_function(batched_fn.fun, tuple(range(n)), call=(n, ()))
    return _Batched(jvp_g, axes + axes, batched_fn.out_axes, None)(*args, *tangents)


def tree_map_sum(g):
    from s2s.runtime.tree_util import tree_map
    return tree_map(lambda v: jnp.sum(v, axis=0), g)


def split_like(g, arrays, axis=0):
    """Cotangents of the pieces of ``concatenate(arrays, axis)`` (a 0-d ``g``: a zero)."""
    if g is zero or jnp.ndim(g) == 0:
        return [zero for _ in arrays]
    sizes = [np.shape(a)[axis] for a in arrays]
    return jnp.split(g, np.cumsum(sizes)[:-1].tolist(), axis=axis)


def sinc_at_zero(k, u):
    """The k-th derivative of ``sin(u) / u`` at ``u = 0`` (shaped like ``u``): its Maclaurin
    coefficient times k!, ``(-1)**(k/2) / (k + 1)`` for even k, 0 for odd. Its derivative in
    ``u`` is ``sinc_at_zero(k + 1, u)`` (the rules say so), which makes ``sinc``'s derivatives
    at 0 exact to every order."""
    value = (-1) ** (k // 2) / (k + 1) if k % 2 == 0 else 0.0
    return jnp.full_like(u, value)


def leaf_cotangents(g, treedef, tree):
    """Cotangents of the leaves of ``tree = tree_unflatten(treedef, leaves)``."""
    if is_zero(g):
        return [zero for _ in range(treedef.num_leaves)]
    return flatten_up_to(treedef, materialize(g, tree))


def unstack_like(g, arrays, axis=0):
    """Cotangents of the pieces of ``stack(arrays, axis)`` (a 0-d ``g``: a zero)."""
    if g is zero or jnp.ndim(g) == 0:
        return [zero for _ in arrays]
    return list(jnp.unstack(g, axis=axis))


def einsum_items(subscripts, operands, preferred_element_type=None):
    """``jnp.einsum(subscripts, *operands)`` with the operands as one sequence: the form the
    einsum rules write (a template cannot spread ``*operands``)."""
    return jnp.einsum(subscripts, *operands, preferred_element_type=preferred_element_type)


def fresh_labels(count, taken=()):
    """``count`` einsum labels that are no user letter and not in ``taken``."""
    out = []
    code = 0x4E00  # (letters for str.isalpha, far from the ones subscripts are written with)
    while len(out) < count:
        if chr(code) not in taken:
            out.append(chr(code))
        code += 1
    return out


def einsum_adjoint_plan(subscripts, shapes, k):
    """How ``einsum_adjoints`` computes the cotangent of operand ``k`` of
    ``einsum(subscripts, *operands)`` (operand shapes ``shapes``): as one einsum, with
    subscripts ``spec``, of the output's cotangent, the other operands and identity matrices of
    sizes ``eyes`` (a label repeated in operand k is a diagonal: the identity puts the
    cotangent on it); then ``expand`` axes inserted and a broadcast to ``full`` for the labels
    only operand k has (summed in the forward pass: every element gets the cotangent)."""
    from s2s.runtime.numpy.linalg import einsum_labels
    ins, out = einsum_labels(subscripts, [len(s) for s in shapes])
    sizes = {}
    for labels, shape in zip(ins, shapes):
        for c, n in zip(labels, shape):
            if n != 1 or c not in sizes:  # (a size-1 axis broadcasts)
                sizes[c] = n
    mine = ins[k]
    others = [s for j, s in enumerate(ins) if j != k]
    fresh = iter(fresh_labels(len(mine), set("".join(ins))))
    eyes, eye_labels, full = [], [], []
    for p, c in enumerate(mine):
        if c in mine[:p]:
            f = next(fresh)
            eyes.append(sizes[c])
            eye_labels.append(c + f)
            full.append(f)
        else:
            full.append(c)
    available = set(out).union(*others, *eye_labels)
    spec = ",".join([out] + others + eye_labels) + "->" + "".join(
        c for c in full if c in available)
    expand = tuple(p for p, c in enumerate(full) if c not in available)
    return spec, tuple(eyes), expand, tuple(sizes[mine[p]] for p in range(len(mine)))


def stack_items(ct, arrays, axis=0):
    """The cotangent of ``g`` from those of ``unstack_like(g, arrays, axis)``."""
    return jnp.stack([materialize(item(ct, i), a) for i, a in enumerate(arrays)], axis)


def concat_items(ct, arrays, axis=0):
    """The cotangent of ``g`` from those of ``split_like(g, arrays, axis)``."""
    return jnp.concatenate([materialize(item(ct, i), a) for i, a in enumerate(arrays)], axis)


def unpad(g, x, padding_config):
    """The cotangent of ``x`` from that of ``lax.pad(x, v, padding_config)``: the entries that
    came from ``x`` (negative padding cropped ``x``: those entries get zero)."""
    if g is zero:
        return zero
    g = jnp.asarray(g)
    grow = [(max(-lo, 0), max(-hi, 0), 0) for lo, hi, _ in padding_config]
    if any(a or b for a, b, _ in grow):
        g = lax.pad(g, lax.convert_element_type(0, g.dtype), grow)
    index = tuple(slice(max(lo, 0), max(lo, 0) + (n - 1) * (interior + 1) + 1, interior + 1)
                  if n else slice(0, 0) for (lo, _, interior), n in zip(padding_config,
                                                                        np.shape(x)))
    return g[index]


def pad_value_adjoint(g, x, padding_config):
    """The cotangent of the padding value: every entry of the output that it filled."""
    if g is zero:
        return zero
    return jnp.sum(g) - jnp.sum(unpad(g, x, padding_config))


def pad_with(x, value, padding_config):
    """``lax.pad`` (the name generated code calls it by)."""
    x = jnp.asarray(x)
    return lax.pad(x, lax.convert_element_type(value, x.dtype), padding_config)


def cumsum_adjoint(g, a, axis=None):
    """The transpose of a running sum: a running sum from the other end."""
    if g is zero:
        return zero
    if axis is None:
        flat = jnp.flip(jnp.cumsum(jnp.flip(jnp.ravel(g))))
        return jnp.reshape(flat, np.shape(a))
    return jnp.flip(jnp.cumsum(jnp.flip(g, axis), axis), axis)


def norm_adjoint(g, x, z, ord=None, axis=None, keepdims=False):
    """Cotangent of ``linalg.norm(x, ord, axis)`` for vector norms (and Frobenius)."""
    if g is zero:
        return zero
    if ord in (2, -2, "nuc") and (np.ndim(x) == 2 if axis is None else np.ndim(axis) == 1
                                  and len(axis) == 2):  # matrix norms from the SVD
        from s2s.rules.linalg_library import svd_norm_adjoint
        return svd_norm_adjoint(g, x, ord, axis, keepdims)
    back = unreduce(g, x, axis, keepdims)
    zb = unreduce(z, x, axis, keepdims)
    axes = None if axis is None else tuple(np.atleast_1d(axis))
    if ord in (1, -1, np.inf, -np.inf) and (np.ndim(x) == 2 if axis is None else
                                            len(axes) == 2):
        # matrix norms: the extreme column (1) or row (inf) sum of |x|; ties share
        r, c = (0, 1) if axis is None else (axes[0] % np.ndim(x), axes[1] % np.ndim(x))
        along = r if ord in (1, -1) else c
        sums = jnp.sum(jnp.abs(x), axis=along, keepdims=True)
        pick = jnp.max if ord > 0 else jnp.min
        hit = sums == pick(sums, axis=(r, c), keepdims=True)
        return back * jnp.sign(x) * hit / jnp.sum(hit, axis=(r, c), keepdims=True)
    if ord in (None, 2, "fro"):
        return back * jnp.where(zb == 0, 0.0, x / jnp.where(zb == 0, 1.0, zb))
    if ord == 1:
        return back * jnp.sign(x)
    if ord in (np.inf, -np.inf):
        hit = jnp.abs(x) == zb
        return back * jnp.sign(x) * hit / jnp.sum(hit, axis, keepdims=True)
    p = float(ord)
    return back * jnp.sign(x) * jnp.abs(x) ** (p - 1) * zb ** (1 - p)


def _mT(x):
    return jnp.swapaxes(x, -1, -2)


def _conj(x):
    return jnp.conj(x) if np.dtype(x.dtype).kind == "c" else x


def triangular_solve(a, b, left_side=False, lower=False, transpose_a=False, conjugate_a=False,
                     unit_diagonal=False):
    """``lax.linalg.triangular_solve``: ``op(a) x = b`` (``left_side``) or ``x op(a) = b``, for
    the triangle of ``a`` that ``lower`` names, ``op`` transposing and/or conjugating; leading
    batch dimensions of ``a`` and ``b`` broadcast. What the linear-algebra derivatives
    (``rules/linalg_library.py``) and ``scipy.linalg`` solve with; it has its own rules."""
    from s2s.runtime.numpy.decompositions import _triangular_solve
    a, b = jnp.asarray(a), jnp.asarray(b)
    if a.ndim < 2 or b.ndim < 2:
        return _triangular_solve(a, b, left_side=left_side, lower=lower,
                                 transpose_a=transpose_a, conjugate_a=conjugate_a,
                                 unit_diagonal=unit_diagonal)  # (the primitive's error)
    dtype = jnp.result_type(a, b)
    batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    a = jnp.broadcast_to(a.astype(dtype), batch + tuple(a.shape[-2:]))
    b = jnp.broadcast_to(b.astype(dtype), batch + tuple(b.shape[-2:]))
    return _triangular_solve(a, b, left_side=left_side, lower=lower, transpose_a=transpose_a,
                             conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)


def lu_matrix(a):
    """The packed ``L`` and ``U`` factors of ``a[perm] = L U`` (``lax.linalg.lu``'s first
    result, partial pivoting); it has rules, ``lu_pivots`` the integer results."""
    from s2s.runtime.core import bind
    return bind("lu", jnp.asarray(a))[0]


def lu_pivots(a):
    """``(pivots, permutation)`` of ``a``'s LU factorisation (no derivative)."""
    from s2s.runtime.core import bind
    out = bind("lu", jnp.asarray(a))
    return out[1], out[2]


def lu_pivots_to_permutation(pivots, permutation_size):
    """``lax.linalg.lu_pivots_to_permutation``: the row order LAPACK's swaps produce."""
    from s2s.runtime.core import bind
    return bind("lu_pivots_to_permutation", jnp.asarray(pivots),
                permutation_size=permutation_size)


def field(ct, i, name):
    """Entry ``i`` (field ``name``) of a named tuple's cotangent."""
    return _field(ct, i, name)


def _field(ct, i, name):
    """Entry ``i`` of a named-tuple cotangent, reached by position and/or by field ``name``."""
    if not isinstance(ct, Sparse):
        return item(ct, i)
    out = zero
    for k in (i, name):
        if k in ct and not is_zero(ct[k]):
            out = ct[k] if out is zero else out + ct[k]
    return out


def at_set(x, idx, values):
    """``x.at[idx].set(values)`` (the name the transforms give that method chain)."""
    return jnp.asarray(x).at[idx].set(values)


def at_add(x, idx, values):
    return jnp.asarray(x).at[idx].add(values)


def cleared_at(g, idx):
    """``g`` with the entries at ``idx`` set to zero (what an overwritten entry passes back)."""
    if g is zero:
        return zero
    return jnp.asarray(g).at[idx].set(0)


def gathered_at(g, idx, like):
    """``g[idx]`` brought to the shape of ``like`` (the cotangent of the values written); zero
    where the write fell outside the array (a scatter drops it)."""
    if g is zero:
        return zero
    if not _in_range(idx, np.shape(g)):
        return jnp.zeros_like(jnp.asarray(like, dtype=jnp.asarray(g).dtype))
    return unbroadcast(jnp.asarray(g)[idx], like)


def placed_at(x, idx, t, add=False):
    """Zeros shaped like ``x`` with ``t`` written (or added) at ``idx``."""
    if t is zero:
        return zero
    base = jnp.zeros_like(jnp.asarray(x))
    return base.at[idx].add(t) if add else base.at[idx].set(t)


def namespace():
    """The names generated derivative code uses, and their values: every public function of
    this module (so a helper a template calls can never be missing), the control-flow rules,
    ``jnp`` and the symbolic ``zero``."""
    from s2s.rules import control
    own = {name: value for name, value in globals().items()
           if callable(value) and getattr(value, "__module__", None) == __name__
           and not name.startswith("_") and not isinstance(value, type)
           and name not in ("namespace", "same_binding")}
    from s2s.rules import (adjoint_library, gather_library, linalg_library, special_library,
                           window_library)
    library = {name: value for module in (adjoint_library, window_library, linalg_library,
                                          special_library, gather_library)
               for name, value in vars(module).items()
               if callable(value) and getattr(value, "__module__", None) == module.__name__
               and not name.startswith("_")}
    return {**control.namespace(), **own, **library, "jnp": jnp, "zero": zero,
            "tree_unflatten": tree_unflatten}


def same_binding(user_value, ours):
    """Whether the user's binding of a name means the same as ours (``jnp`` may be
    ``s2s.numpy``, which re-exports ``runtime.numpy``)."""
    if user_value is ours:
        return True
    name = getattr(user_value, "__name__", "")
    return ours is jnp and name in ("s2s.numpy", "s2s.runtime.numpy")


def arrays_tangent(tangents, arrays):
    """Tangents of a list of arrays, zeros where an element had none."""
    return [t if t is not None and not (isinstance(t, float) and t == 0.0) else
            jnp.zeros_like(a) for t, a in zip(item_list(tangents, len(arrays)), arrays)]


def tangent_items(tangents, primals):
    """The tangents of the items of ``primals`` (zeros where none), to loop over alongside."""
    return [item(tangents, i) for i in range(len(primals))]


def item_list(ct, n):
    return [item(ct, i) for i in range(n)]
