"""Products: ``dot vdot matmul inner outer tensordot einsum trace diagonal`` and ``linalg.norm``."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.numpy.util import broadcast_shapes, broadcast_to, normalize_axis, promote_dtypes, to_array


def _dot(a, b, contract, batch=((), ())):
    a, b = promote_dtypes(a, b)
    if a.dtype == np.bool_:
        out = lax.dot_general(lax.convert_element_type(a, np.int32),
                              lax.convert_element_type(b, np.int32), (contract, batch))
        return lax.ne(out, lax.convert_element_type(0, out.dtype))
    return lax.dot_general(a, b, (contract, batch))


def matmul(a, b, /, *, precision=None, preferred_element_type=None):
    a, b = promote_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: Input operand {0 if a.ndim == 0 else 1} does not have enough "
                         f"dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) "
                         f"requires 1)")
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    if a_vec:
        a = lax.reshape(a, (1,) + a.shape)
    if b_vec:
        b = lax.reshape(b, b.shape + (1,))
    if a.shape[-1] != b.shape[-2]:
        raise TypeError(f"dot_general requires contracting dimensions to have the same shape, "
                        f"got {(a.shape[-1],)} and {(b.shape[-2],)}.")
    batch = broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    out = _dot(a, b, ((a.ndim - 1,), (nb,)), (tuple(range(nb)), tuple(range(nb))))
    if a_vec:
        out = lax.reshape(out, out.shape[:-2] + out.shape[-1:])
    if b_vec:
        out = lax.reshape(out, out.shape[:-1])
    return out


def dot(a, b, *, precision=None, preferred_element_type=None):
    a, b = promote_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return lax.mul(*_broadcast_pair(a, b))
    if b.ndim == 1:
        return _dot(a, b, ((a.ndim - 1,), (0,)))
    return _dot(a, b, ((a.ndim - 1,), (b.ndim - 2,)))


def _broadcast_pair(a, b):
    shape = broadcast_shapes("multiply", a.shape, b.shape)
    return broadcast_to(a, shape), broadcast_to(b, shape)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    a, b = to_array(a), to_array(b)
    if np.dtype(a.dtype).kind == "c":
        a = lax.conj(a)
    return dot(lax.reshape(a, (a.size,)), lax.reshape(b, (b.size,)))


def vecdot(x1, x2, /, *, axis=-1):
    from s2s.runtime.numpy.reductions import sum
    from s2s.runtime.numpy.ufuncs import conj, multiply
    a, b = to_array(x1), to_array(x2)
    if a.shape[axis] != b.shape[axis]:  # (the contracted axis does not broadcast)
        raise ValueError(f"axes must match; got shapes {a.shape} and {b.shape} with "
                         f"axis={axis}")
    # integers stay as they are (as jax's: a dot product, not a sum)
    return sum(multiply(conj(a), b), axis=axis, promote_integers=False)


def inner(a, b):
    a, b = promote_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return lax.mul(*_broadcast_pair(a, b))
    return _dot(a, b, ((a.ndim - 1,), (b.ndim - 1,)))


def outer(a, b, out=None):
    a, b = promote_dtypes(a, b)
    a, b = lax.reshape(a, (a.size,)), lax.reshape(b, (b.size,))
    return lax.mul(lax.broadcast_in_dim(a, (a.size, b.size), (0,)),
                   lax.broadcast_in_dim(b, (a.size, b.size), (1,)))


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    a, b = promote_dtypes(a, b)
    if isinstance(axes, (int, np.integer)):
        axes = (tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes)))
    ax_a, ax_b = axes
    ax_a = tuple(normalize_axis(i, a.ndim) for i in np.atleast_1d(ax_a))
    ax_b = tuple(normalize_axis(i, b.ndim) for i in np.atleast_1d(ax_b))
    if len(ax_a) != len(ax_b):
        raise TypeError("tensordot requires axes lists to have equal length.")
    return _dot(a, b, (ax_a, ax_b))


def diagonal(a, offset=0, axis1=0, axis2=1):
    from s2s.runtime.numpy.indexing import getitem
    from s2s.runtime.numpy.shape import moveaxis
    x = to_array(a)
    x = moveaxis(x, (normalize_axis(axis1, x.ndim), normalize_axis(axis2, x.ndim)), (-2, -1))
    n, m = x.shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset)) if min(n, m - offset) > max(0, -offset) \
        else np.zeros(0, np.int64)
    return getitem(x, (Ellipsis, rows, rows + offset))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    from s2s.runtime.numpy.reductions import sum
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def norm(x, ord=None, axis=None, keepdims=False):
    from s2s.runtime.numpy.reductions import max, min, sum
    from s2s.runtime.numpy.ufuncs import abs, power, sqrt
    x = to_array(x)
    x = lax.convert_element_type(x, dtypes.to_inexact(x.dtype))
    if axis is None and ord is None:
        axes = tuple(range(x.ndim))
    elif axis is None:
        axes = tuple(range(x.ndim))
        if x.ndim > 2:
            raise ValueError("Improper number of dimensions to norm.")
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(normalize_axis(i, x.ndim) for i in axes)
    if ord is None or (len(axes) == 1 and ord == 2) or (len(axes) == 2 and ord == "fro"):
        sq = lax.real(lax.mul(x, lax.conj(x))) if np.dtype(x.dtype).kind == "c" else lax.mul(x, x)
        return sqrt(sum(sq, axis=axes, keepdims=keepdims))
    ax = abs(x)
    if len(axes) == 1:
        if ord == np.inf:
            return max(ax, axis=axes, keepdims=keepdims)
        if ord == -np.inf:
            return min(ax, axis=axes, keepdims=keepdims)
        if ord == 0:
            return sum(lax.convert_element_type(lax.ne(x, lax.convert_element_type(0, x.dtype)),
                                                ax.dtype), axis=axes, keepdims=keepdims)
        if ord == 1:
            return sum(ax, axis=axes, keepdims=keepdims)
        return power(sum(power(ax, float(ord)), axis=axes, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2:
        r, c = axes
        if ord == 1:
            return max(sum(ax, axis=r, keepdims=True), axis=axes, keepdims=keepdims)
        if ord == -1:
            return min(sum(ax, axis=r, keepdims=True), axis=axes, keepdims=keepdims)
        if ord == np.inf:
            return max(sum(ax, axis=c, keepdims=True), axis=axes, keepdims=keepdims)
        if ord == -np.inf:
            return min(sum(ax, axis=c, keepdims=True), axis=axes, keepdims=keepdims)
        if ord in (2, -2, "nuc"):
            from s2s.runtime.numpy.decompositions import svd
            from s2s.runtime.numpy.shape import expand_dims, moveaxis
            s = svd(moveaxis(x, (r, c), (-2, -1)), compute_uv=False)
            out = (max if ord == 2 else min if ord == -2 else sum)(s, axis=-1)
            return expand_dims(out, tuple(sorted(axes))) if keepdims else out
        raise ValueError(f"Invalid order '{ord}' for matrix norm.")
    raise ValueError("Improper number of dimensions to norm.")


# ---- einsum --------------------------------------------------------------------------------------

def _parse_einsum(subscripts, operands):
    """-> (list of per-operand label strings, output labels), with ``...`` expanded into fresh
    capital-free labels (chr >= 0x100) so they never clash with user letters."""
    if not isinstance(subscripts, str):  # interleaved form: op, sublist, op, sublist, ..., [out]
        args = [subscripts] + list(operands)
        ops, subs = args[0::2], args[1::2]
        out = None
        if len(args) % 2 == 1:
            out, ops = args[-1], args[0:-1:2]
            subs = args[1:-1:2]
        conv = lambda sl: "".join("..." if s is Ellipsis else _letter(s) for s in sl)
        subscripts = ",".join(conv(s) for s in subs) + ("" if out is None else "->" + conv(out))
        operands = ops
    arrays = [to_array(o) for o in operands]
    labels, out = einsum_labels(subscripts, [x.ndim for x in arrays])
    return labels, out, arrays


def einsum_labels(subscripts, ndims):
    """Per-operand label strings and the output's for string ``subscripts`` and operand ranks
    ``ndims``: ``...`` expanded into fresh labels (chr >= 0x100, never a user letter), the
    implicit output made explicit."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
        if "->" in out:
            raise ValueError("einsum: subscripts may contain only one '->'")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(f"einsum: {len(ins)} operand subscripts for {len(ndims)} operands")
    for s in ins + ([out] if out is not None else []):
        bad = [c for c in s.replace("...", "") if not c.isalpha()]
        if bad or s.count("...") > 1:
            raise ValueError(f"einsum: invalid subscript {s!r}")
    # expand ellipses, right-aligned (they broadcast against each other)
    n_ell = 0
    expanded = []
    for s, nd in zip(ins, ndims):
        named = len(s.replace("...", ""))
        if "..." in s:
            k = nd - named
            if k < 0:
                raise ValueError(f"einsum: operand has {nd} dims, subscripts {s!r} need more")
            n_ell = n_ell if n_ell >= k else k
            expanded.append((s, k))
        else:
            if named != nd:
                raise ValueError(f"einsum: operand has {nd} dims but subscripts {s!r} name "
                                 f"{named}")
            expanded.append((s, 0))
    ell = [chr(0x100 + i) for i in range(n_ell)]
    labels = [s.replace("...", "".join(ell[n_ell - k:])) for s, k in expanded]
    if out is None:  # implicit: ellipsis dims, then labels seen once, alphabetically
        counts = {}
        for s in labels:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        if "..." in out:
            out = out.replace("...", "".join(ell))
        for c in out:
            if not any(c in s for s in labels):
                raise ValueError(f"einsum: output subscript {c!r} does not appear in the inputs")
        if len(set(out)) != len(out):
            raise ValueError("einsum: output subscripts repeat a label")
    return labels, out


def _letter(s):
    s = int(s)
    return chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26)


def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None):
    """Einstein summation: repeated labels within an operand take the diagonal, labels absent
    from the output are summed, and operands are contracted left to right with ``dot_general``
    (labels still needed later become batch dimensions)."""
    from s2s.runtime.numpy.reductions import sum as _sum
    labels, out_labels, arrays = _parse_einsum(subscripts, operands)
    arrays = promote_dtypes(*arrays) if len(arrays) > 1 else arrays
    # sizes per label (size-1 dims broadcast)
    sizes = {}
    for s, x in zip(labels, arrays):
        for c, d in zip(s, x.shape):
            if sizes.get(c, 1) != 1 and d not in (1, sizes[c]):
                raise ValueError(f"einsum: size of label {c!r} is {sizes[c]} in one operand "
                                 f"and {d} in another")
            if d != 1 or c not in sizes:
                sizes[c] = d
    ops = []
    for s, x in zip(labels, arrays):
        x, s = _einsum_diagonals(x, s)
        # broadcast size-1 dims that meet a larger size elsewhere
        target = tuple(sizes[c] for c in s)
        if x.shape != target:
            x = broadcast_to(x, target)
        ops.append((x, s))

    def needed(i):
        """labels used by the output or by operands after position i."""
        keep = set(out_labels)
        for _, s in ops[i + 1:]:
            keep |= set(s)
        return keep

    def sum_out(x, s, keep):
        drop = [j for j, c in enumerate(s) if c not in keep]
        if not drop:
            return x, s
        x = _einsum_sum(x, drop, _sum)
        return x, "".join(c for j, c in enumerate(s) if j not in drop)

    acc, acc_s = ops[0]
    acc, acc_s = sum_out(acc, acc_s, needed(0) | (set(ops[1][1]) if len(ops) > 1 else set()))
    for i in range(1, len(ops)):
        x, s = ops[i]
        keep = needed(i)
        x, s = sum_out(x, s, keep | set(acc_s))
        acc, acc_s = sum_out(acc, acc_s, keep | set(s))
        common = [c for c in acc_s if c in s]
        batch = [c for c in common if c in keep]
        contract = [c for c in common if c not in keep]
        dn = (([acc_s.index(c) for c in contract], [s.index(c) for c in contract]),
              ([acc_s.index(c) for c in batch], [s.index(c) for c in batch]))
        acc = _einsum_dot(acc, x, dn, preferred_element_type)
        acc_s = "".join(batch) + "".join(c for c in acc_s if c not in common) + \
            "".join(c for c in s if c not in common)
    acc, acc_s = sum_out(acc, acc_s, set(out_labels))
    acc = lax.transpose(acc, [acc_s.index(c) for c in out_labels])
    if preferred_element_type is not None:
        acc = lax.convert_element_type(acc, dtypes.check_user_dtype(preferred_element_type))
    return acc


def _einsum_sum(x, axes, _sum):
    if x.dtype == np.bool_:
        return lax.reduce_or(x, axes)
    return lax.convert_element_type(_sum(x, axis=tuple(axes), dtype=x.dtype), x.dtype,
                                    x.weak_type)


def _einsum_dot(a, b, dn, preferred_element_type):
    if a.dtype == np.bool_:
        return _dot(a, b, dn[0], dn[1])
    pet = None if preferred_element_type is None else dtypes.check_user_dtype(
        preferred_element_type)
    return lax.dot_general(a, b, dn, preferred_element_type=pet)


def _einsum_diagonals(x, s):
    """Collapse repeated labels of one operand onto their diagonal."""
    while True:
        dup = next((c for c in s if s.count(c) > 1), None)
        if dup is None:
            return x, s
        i = s.index(dup)
        j = s.index(dup, i + 1)
        x = diagonal(x, 0, i, j)  # the diagonal goes last
        s = "".join(c for k, c in enumerate(s) if k not in (i, j)) + dup
