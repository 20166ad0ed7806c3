"""Adjoints written as source: what a template calls where the transpose of a function is a
few lines of s2s.numpy. s2s transforms them from this source like user code (the module is a
source library, see ``s2s.nn``), so their own derivatives and batching need no rule."""
import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime import numpy as jnp
from s2s.runtime.control import scan
from s2s.custom import stop_gradient
from s2s.rules.helpers import at_add, einsum_adjoint_plan, einsum_items, materialize, pad_with, \
    unbroadcast, unreduce, zero

S2S_SOURCE_LIBRARY = True
# (written with ``x.shape``, ``x.ndim``, ``x.dtype`` and ``at_add``: what vmap reads per
# example)


def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """The cotangent of ``a`` from that of ``jnp.diagonal(a, offset, axis1, axis2)``: ``g``
    on that diagonal of zeros."""
    shape = a.shape
    n1, n2 = shape[axis1], shape[axis2]
    size = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    rows = np.arange(size) + max(-offset, 0)
    cols = np.arange(size) + max(offset, 0)
    moved = jnp.moveaxis(jnp.zeros(shape, a.dtype), (axis1, axis2), (-2, -1))
    moved = at_add(moved, (Ellipsis, rows, cols), g)
    return jnp.moveaxis(moved, (-2, -1), (axis1, axis2))


def diag_adjoint(g, v, k=0):
    """The cotangent of ``v`` from that of ``jnp.diag(v, k)``."""
    if v.ndim == 1:
        return jnp.diagonal(g, k)
    return diagonal_adjoint(g, v, k)


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """The cotangent of ``a`` from that of ``jnp.trace(a, offset, axis1, axis2)``."""
    diagonal = jnp.diagonal(a, offset, axis1, axis2)
    return diagonal_adjoint(jnp.broadcast_to(jnp.expand_dims(g, -1), diagonal.shape), a,
                            offset, axis1, axis2)


def take_adjoint(g, a, indices, axis=None):
    """The cotangent of ``a`` from that of ``jnp.take(a, indices, axis)``: ``g`` added at the
    indices taken (repeated indices add up)."""
    if axis is None:
        return jnp.reshape(at_add(jnp.zeros((a.size,), a.dtype), indices, g), a.shape)
    where = (slice(None),) * (axis % a.ndim) + (indices,)
    return at_add(jnp.zeros(a.shape, a.dtype), where, g)


def take_along_axis_adjoint(g, arr, indices, axis):
    """The cotangent of ``arr`` from that of ``jnp.take_along_axis(arr, indices, axis)``."""
    axis = axis % arr.ndim
    grid = np.indices(indices.shape, sparse=True)
    where = tuple(indices if d == axis else grid[d] for d in range(arr.ndim))
    return at_add(jnp.zeros(arr.shape, arr.dtype), where, g)


def sort_adjoint(g, a, axis=-1):
    """The cotangent of ``a`` from that of ``jnp.sort(a, axis)``: each entry goes back to
    where its value came from (the stable order's inverse permutation)."""
    if g is zero:
        return zero
    if axis is None:
        order = jnp.argsort(jnp.ravel(a))
        return jnp.reshape(jnp.take_along_axis(g, jnp.argsort(order), axis=0), a.shape)
    order = jnp.argsort(a, axis=axis)
    return jnp.take_along_axis(g, jnp.argsort(order, axis=axis), axis=axis)


def solve_adjoint_b(g, a, b):
    """The cotangent of ``b`` from that of ``x = jnp.linalg.solve(a, b)``: ``solve(a^T, g)``."""
    return jnp.linalg.solve(jnp.swapaxes(a, -1, -2), g)


def solve_adjoint_a(g, a, b, x):
    """The cotangent of ``a`` from that of ``x = jnp.linalg.solve(a, b)``: ``-gb x^T``."""
    gb = solve_adjoint_b(g, a, b)
    if b.ndim == a.ndim - 1:  # vectors
        return -(jnp.expand_dims(gb, -1) * jnp.expand_dims(x, -2))
    return -jnp.matmul(gb, jnp.swapaxes(x, -1, -2))


def slogdet_adjoint(g, a):
    """The cotangent of ``a`` from that of ``jnp.linalg.slogdet(a).logabsdet``:
    ``g a^{-T}``."""
    return jnp.expand_dims(jnp.expand_dims(g, -1), -1) * jnp.swapaxes(jnp.linalg.inv(a), -1, -2)


def solve_tangent_a(da, a, b, x):
    """The tangent of ``x = jnp.linalg.solve(a, b)`` from that of ``a``: ``-a^{-1} da x``."""
    if b.ndim == a.ndim - 1:  # vectors
        return -jnp.linalg.solve(a, jnp.sum(da * jnp.expand_dims(x, -2), axis=-1))
    return -jnp.linalg.solve(a, jnp.matmul(da, x))


def slogdet_tangent(da, a, out):
    """The tangent of ``jnp.linalg.slogdet(a)``: ``(0, trace(a^{-1} da))``."""
    return (jnp.zeros_like(out[0]), jnp.trace(jnp.linalg.solve(a, da), axis1=-2, axis2=-1))


def einsum_adjoints(g, subscripts, operands):
    """The cotangents of all operands of ``jnp.einsum(subscripts, *operands)`` from that of
    its result: for each operand an einsum of ``g`` with the others (see
    ``einsum_adjoint_plan``), summed back over the axes where the operand broadcast."""
    cotangents = []
    if g is zero:  # (a derivative's cotangent that got nothing: nothing to send on)
        for o in operands:
            cotangents.append(zero)
        return cotangents
    shapes = [o.shape for o in operands]
    for k in range(len(operands)):
        spec, eyes, expand, full = einsum_adjoint_plan(subscripts, shapes, k)
        parts = [g]
        for j in range(len(operands)):
            if j != k:
                parts.append(operands[j])
        for n in eyes:
            parts.append(jnp.eye(n, dtype=g.dtype))
        ct = einsum_items(spec, parts)
        if expand:
            ct = jnp.broadcast_to(jnp.expand_dims(ct, expand), full)
        cotangents.append(unbroadcast(ct, operands[k]))
    return cotangents


def einsum_tangent(subscripts, operands, tangents):
    """The tangent of ``jnp.einsum(subscripts, *operands)``: multilinear, one einsum per
    operand with a tangent, that operand replaced by it."""
    total = zero
    for k in range(len(operands)):
        if tangents[k] is not zero:
            parts = []
            for j in range(len(operands)):
                if j == k:
                    parts.append(tangents[j])
                else:
                    parts.append(operands[j])
            total = total + einsum_items(subscripts, parts)
    return total


def _along_front(x, axis):
    """``x`` with ``axis`` first (flattened first when ``axis`` is None)."""
    if axis is None:
        return jnp.ravel(x)
    return jnp.moveaxis(x, axis, 0)


def cumprod_tangent(t, a, axis=None):
    """The tangent of ``jnp.cumprod(a, axis)``: by the product rule on z_i = z_{i-1} a_i, the
    running recurrence dz_i = dz_{i-1} a_i + z_{i-1} da_i (no division: exact at zeros)."""
    x, dx = _along_front(a, axis), _along_front(t, axis)

    def step(carry, xs):
        z, dz = carry
        ai, dai = xs
        dz = dz * ai + z * dai
        return (z * ai, dz), dz
    init = (jnp.ones(x.shape[1:], x.dtype), jnp.zeros(x.shape[1:], dx.dtype))
    out = scan(step, init, (x, dx))[1]
    if axis is None:
        return out
    return jnp.moveaxis(out, 0, axis)


def cumprod_adjoint(g, a, axis=None):
    """The cotangent of ``a`` from that of ``jnp.cumprod(a, axis)``: entry k gets
    E_k S_k, with E_k the product of the entries before it and S_k = g_k + a_{k+1} S_{k+1} a
    running recurrence from the end (no division: exact at zeros)."""
    if g is zero:
        return zero
    x, gs = _along_front(a, axis), _along_front(g, axis)
    if x.shape[0] == 0:
        return jnp.zeros(a.shape, a.dtype)
    ones = jnp.ones((1,) + x.shape[1:], x.dtype)
    before = jnp.cumprod(jnp.concatenate([ones, x[:-1]], 0), 0)
    after = jnp.concatenate([x[1:], ones], 0)

    def step(s, xs):
        gk, nxt = xs
        s = gk + nxt * s
        return s, s
    sums = scan(step, jnp.zeros(x.shape[1:], gs.dtype), (gs, after), reverse=True)[1]
    out = before * sums
    if axis is None:
        return jnp.reshape(out, a.shape)
    return jnp.moveaxis(out, 0, axis)


def roll_adjoint(g, a, shift, axis=None):
    """``roll``'s transpose: the roll back."""
    return jnp.roll(g, -np.asarray(shift), axis)


def tile_adjoint(g, A, reps):
    """The cotangent of ``A`` from that of ``jnp.tile(A, reps)``: the sum over the tiles."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    nd = max(len(reps), A.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    shape = (1,) * (nd - A.ndim) + A.shape
    pairs = []
    for r, n in zip(reps, shape):
        pairs.extend([r, n])
    summed = jnp.sum(jnp.reshape(g, pairs), axis=tuple(range(0, 2 * nd, 2)))
    return jnp.reshape(summed, A.shape)


def repeat_adjoint(g, a, repeats, axis=None):
    """The cotangent of ``a`` from that of ``jnp.repeat(a, repeats, axis)``: each entry gets
    the sum over its copies."""
    shape = a.shape
    if axis is None:
        shape = (a.size,)
        axis = 0
    axis = axis % len(shape)
    if np.ndim(repeats) == 0:
        split = shape[:axis] + (shape[axis], int(repeats)) + shape[axis + 1:]
        return jnp.reshape(jnp.sum(jnp.reshape(g, split), axis=axis + 1), a.shape)
    where = (slice(None),) * axis + (np.repeat(np.arange(shape[axis]), repeats),)
    return jnp.reshape(at_add(jnp.zeros(shape, g.dtype), where, g), a.shape)


def pad_adjoint(g, array, pad_width, mode="constant"):
    """The cotangent of ``array`` from that of ``jnp.pad(array, pad_width, mode)``: constant
    padding crops it back; the other modes (copies of entries) add each copy's cotangent to
    the entry it copies."""
    shape = array.shape
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (len(shape), 2))
    if mode == "constant":
        kept = []
        for k in range(len(shape)):
            kept.append(slice(int(widths[k][0]), int(widths[k][0]) + shape[k]))
        return g[tuple(kept)]
    size = array.size
    source = np.pad(np.arange(size).reshape(shape), widths, mode)
    flat = at_add(jnp.zeros((size,), g.dtype), source.ravel(), jnp.ravel(g))
    return jnp.reshape(flat, shape)


def nan_reduction_adjoint(g, a, axis=None, keepdims=False, mean=False):
    """The cotangent of ``a`` from that of ``jnp.nansum`` (``mean``: ``jnp.nanmean``) over
    ``axis``: NaN entries took no part and get none."""
    missing = jnp.isnan(a)
    if mean:
        g = g / jnp.sum(~missing, axis=axis, keepdims=keepdims)
    return jnp.where(missing, 0.0, unreduce(g, a, axis, keepdims))


def fft_tangent(t, fft_type, fft_lengths):
    """``lax.fft`` (the name a tangent template calls it by: the transform is linear)."""
    if t is zero:
        return zero
    return lax.fft(t, fft_type, fft_lengths)


def fft_adjoint(g, x, fft_type, fft_lengths):
    """The cotangent of ``x`` from that of ``lax.fft(x, fft_type, fft_lengths)``. FFT and IFFT
    are symmetric matrices, their own transposes. RFFT's transpose is the real part of the FFT
    of ``g`` zero-padded to the full length; IRFFT's the conjugated RFFT of the real ``g`` over
    the transform's size, doubled at the frequencies that stand for two (all but the first
    and, for an even length, the last). Real ``x`` of a complex transform gets the real part."""
    if g is zero:
        return zero
    kind = lax._fft_type_name(fft_type)
    n = fft_lengths[-1]
    if kind == "RFFT":
        widths = [(0, 0)] * (g.ndim - 1) + [(0, n - g.shape[-1])]
        return jnp.real(lax.fft(jnp.pad(g, widths), "FFT", fft_lengths))
    if kind == "IRFFT":
        size = int(np.prod(fft_lengths))
        if size == 0:
            out = jnp.zeros(x.shape, lax._fft_complex_dtype(x.dtype))
        else:
            k = np.arange(n // 2 + 1)
            weights = np.where((k == 0) | (2 * k == n), 1.0, 2.0) / size
            out = jnp.conj(lax.fft(g, "RFFT", fft_lengths)) * jnp.asarray(weights, g.dtype)
    else:
        out = lax.fft(g, kind, fft_lengths)
    if x.dtype.kind != "c":
        return jnp.real(out)
    return out


# ---- lax's structural functions (their transposes, and lax calls templates need by name) ----

def lax_reshape(x, new_sizes, dimensions=None):
    """``lax.reshape`` (its tangent: linear)."""
    return lax.reshape(x, new_sizes, dimensions)


def lax_reshape_adjoint(g, x, dimensions=None):
    if dimensions is None:
        return jnp.reshape(g, x.shape)
    return jnp.transpose(jnp.reshape(g, np.take(x.shape, dimensions)), np.argsort(dimensions))


def lax_transpose(x, permutation):
    return lax.transpose(x, permutation)


def lax_transpose_adjoint(g, permutation):
    return lax.transpose(g, np.argsort(permutation))


def lax_broadcast_in_dim(x, shape, broadcast_dimensions):
    return lax.broadcast_in_dim(x, shape, broadcast_dimensions)


def lax_broadcast_in_dim_adjoint(g, x, shape, broadcast_dimensions):
    """Sum over the new axes and over the axes of size 1 that were stretched."""
    axes = []
    for i in range(len(shape)):
        if i not in broadcast_dimensions:
            axes.append(i)
    for j in range(len(broadcast_dimensions)):
        if x.shape[j] == 1 and shape[broadcast_dimensions[j]] != 1:
            axes.append(broadcast_dimensions[j])
    return jnp.reshape(jnp.sum(g, axis=tuple(axes)), x.shape)


def lax_broadcast(x, sizes):
    return lax.broadcast(x, sizes)


def lax_broadcast_adjoint(g, sizes):
    return jnp.sum(g, axis=tuple(range(len(sizes))))


def lax_rev(x, dimensions):
    return lax.rev(x, dimensions)


def lax_concatenate(operands, dimension):
    return lax.concatenate(operands, dimension)


def lax_slice(x, start_indices, limit_indices, strides=None):
    return lax.slice(x, start_indices, limit_indices, strides)


def lax_slice_adjoint(g, x, start_indices, limit_indices, strides=None):
    """The sliced entries back in place, zeros between them (an interior padding)."""
    config = []
    for i in range(x.ndim):
        step = 1 if strides is None else strides[i]
        n = g.shape[i]
        if n == 0:
            config.append((x.shape[i], 0, 0))
        else:
            start = start_indices[i]
            config.append((start, x.shape[i] - (start + (n - 1) * step + 1), step - 1))
    return pad_with(g, 0.0, config)


def lax_dynamic_slice(x, start_indices, slice_sizes):
    return lax.dynamic_slice(x, start_indices, slice_sizes)


def lax_dynamic_slice_adjoint(g, x, start_indices):
    """``g`` written into zeros where the slice came from (clamped as the slice was)."""
    return lax.dynamic_update_slice(jnp.zeros(x.shape, g.dtype), g, start_indices)


def lax_dynamic_update_slice(x, update, start_indices):
    return lax.dynamic_update_slice(x, update, start_indices)


def lax_dynamic_update_slice_adjoint(g, update, start_indices):
    """The cotangent of the operand: ``g`` with the updated window cleared."""
    return lax.dynamic_update_slice(g, jnp.zeros(update.shape, g.dtype), start_indices)


def lax_cumulative_sum(x, axis=0, reverse=False):
    return lax.cumsum(x, axis, reverse)


def lax_cumprod_tangent(t, x, axis=0, reverse=False):
    if reverse:
        return jnp.flip(cumprod_tangent(jnp.flip(t, axis), jnp.flip(x, axis), axis), axis)
    return cumprod_tangent(t, x, axis)


def lax_cumprod_adjoint(g, x, axis=0, reverse=False):
    if reverse:
        return jnp.flip(cumprod_adjoint(jnp.flip(g, axis), jnp.flip(x, axis), axis), axis)
    return cumprod_adjoint(g, x, axis)


def lax_integer_pow_slope(x, y):
    """d/dx of ``x ** y`` for an integer ``y`` (zero for ``y == 0``)."""
    if y == 0:
        return jnp.zeros_like(x)
    return y * lax.integer_pow(x, y - 1)


def lax_dot_general(lhs, rhs, dimension_numbers, preferred_element_type=None):
    return lax.dot_general(lhs, rhs, dimension_numbers,
                           preferred_element_type=preferred_element_type)


def _free_dims(ndim, contracting, batch):
    out = []
    for i in range(ndim):
        if i not in contracting and i not in batch:
            out.append(i)
    return out


def lax_dot_general_adjoint_lhs(g, lhs, rhs, dimension_numbers):
    """The cotangent of ``lhs``: ``g`` contracted with ``rhs`` over ``rhs``'s free axes (the
    batch axes stay batch axes), then the axes put back in ``lhs``'s order."""
    (lc, rc), (lb, rb) = dimension_numbers
    lfree = _free_dims(lhs.ndim, lc, lb)
    rfree = _free_dims(rhs.ndim, rc, rb)
    nb = len(lb)
    g_rfree = list(range(nb + len(lfree), nb + len(lfree) + len(rfree)))
    out = lax.dot_general(g, rhs, ((g_rfree, rfree), (list(range(nb)), list(rb))))
    # out's axes: batch, lhs free, then rhs's contracting axes in rhs order (lhs's lc order)
    rc_sorted = sorted(rc)
    order = list(lb) + lfree
    for r in rc_sorted:
        order.append(lc[list(rc).index(r)])
    return lax.transpose(out, np.argsort(order))


def lax_dot_general_adjoint_rhs(g, lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    swapped = ((rc, lc), (rb, lb))
    lfree = _free_dims(lhs.ndim, lc, lb)
    rfree = _free_dims(rhs.ndim, rc, rb)
    nb = len(lb)
    order = list(range(nb))
    for i in range(len(rfree)):
        order.append(nb + len(lfree) + i)
    for i in range(len(lfree)):
        order.append(nb + i)
    return lax_dot_general_adjoint_lhs(lax.transpose(g, order), rhs, lhs, swapped)


def lax_sort_permutation(operand, dimension, num_keys):
    """Where each entry of ``lax.sort``'s outputs came from along ``dimension``."""
    keys = []
    for k in range(num_keys):
        keys.append(stop_gradient(operand[k]))
    index = lax.broadcasted_iota(np.int32, operand[0].shape, dimension)
    keys.append(index)
    return lax.sort(tuple(keys), dimension, True, num_keys)[num_keys]


def lax_sort_tangent(operand, dimension, num_keys, tangents):
    multi = getattr(operand, "shape", None) is None
    ops = list(operand) if multi else [operand]
    tans = list(tangents) if multi else [tangents]
    axis = dimension % ops[0].ndim
    perm = lax_sort_permutation(ops, axis, num_keys)
    out = []
    for k in range(len(ops)):
        out.append(jnp.take_along_axis(materialize(tans[k], ops[k]), perm, axis=axis))
    return tuple(out) if multi else out[0]


def lax_sort_adjoint(g, operand, dimension, num_keys):
    """Each cotangent goes back to where its entry came from (the inverse permutation)."""
    multi = getattr(operand, "shape", None) is None
    ops = []
    gs = []
    if multi:
        for k in range(len(operand)):
            ops.append(operand[k])
            gs.append(g[k])
    else:
        ops.append(operand)
        gs.append(g)
    axis = dimension % ops[0].ndim
    back = jnp.argsort(lax_sort_permutation(ops, axis, num_keys), axis=axis)
    out = []
    for k in range(len(ops)):
        out.append(jnp.take_along_axis(gs[k], back, axis=axis))
    return out if multi else out[0]


def lax_select_n_adjoints(g, which, cases):
    out = []
    for i in range(len(cases)):
        out.append(unbroadcast(jnp.where(which == i, g, 0.0), cases[i]))
    return out


def lax_select_n_tangent(which, cases, tangents):
    out = materialize(tangents[0], cases[0])
    for i in range(1, len(cases)):
        out = jnp.where(which == i, materialize(tangents[i], cases[i]), out)
    return out


def lax_convert_adjoint(g, x, new_dtype):
    """``g`` back in ``x``'s dtype; nothing flows back through a conversion to integers."""
    if not dtypes.is_inexact(new_dtype):
        return jnp.zeros(x.shape, x.dtype)
    return materialize(g, x)


def lax_convert_tangent(t, new_dtype, weak_type=False):
    if not dtypes.is_inexact(new_dtype):
        return jnp.zeros(t.shape, t.dtype)
    return lax.convert_element_type(t, new_dtype, weak_type)


def lax_unpad(g, x, padding_config):
    """The cotangent of ``x`` from that of ``lax.pad(x, v, padding_config)``: the entries that
    came from ``x`` (where negative padding cropped ``x``, zeros)."""
    grow = []
    cropped = False
    for lo, hi, interior in padding_config:
        grow.append((max(-lo, 0), max(-hi, 0), 0))
        cropped = cropped or lo < 0 or hi < 0
    if cropped:
        g = pad_with(g, 0.0, grow)
    index = []
    for i in range(x.ndim):
        lo, hi, interior = padding_config[i]
        n = x.shape[i]
        if n:
            index.append(slice(max(lo, 0), max(lo, 0) + (n - 1) * (interior + 1) + 1,
                               interior + 1))
        else:
            index.append(slice(0, 0))
    return g[tuple(index)]


def lax_pad_value_adjoint(g, x, padding_config):
    """The cotangent of the padding value: every entry of the output that it filled."""
    return jnp.sum(g) - jnp.sum(lax_unpad(g, x, padding_config))


def prod_others(a, axis=None):
    """For each entry of ``a``, the product of the other entries of its reduction over
    ``axis`` (None: all; running products from both ends: no division, zeros are fine).
    Source, so that products differentiate twice."""
    a = jnp.asarray(a)
    axes = []
    for ax in (range(a.ndim) if axis is None else np.atleast_1d(axis)):
        axes.append(int(ax) % a.ndim)
    keep = []
    for i in range(a.ndim):
        if i not in axes:
            keep.append(i)
    order = keep + axes
    moved = jnp.transpose(a, order)
    flat = jnp.reshape(moved, moved.shape[:len(keep)] + (-1,))
    ones = jnp.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = jnp.cumprod(jnp.concatenate([ones, flat[..., :-1]], -1), axis=-1)
    right = jnp.flip(jnp.cumprod(jnp.concatenate([ones, jnp.flip(flat, -1)[..., :-1]], -1),
                                 axis=-1), -1)
    return jnp.transpose(jnp.reshape(left * right, moved.shape), np.argsort(order))


def lax_cumulative_extreme_index(x, z, axis, reverse):
    """For ``z = lax.cummax(x, axis, reverse)`` (or cummin), where along ``axis`` each entry
    of ``z`` was taken from: the nearest position so far whose entry set the running value."""
    n = x.shape[axis]
    index = lax.broadcasted_iota(np.int32, x.shape, axis)
    if reverse:
        return lax.cummin(jnp.where(x == z, index, n), axis, True)
    return lax.cummax(jnp.where(x == z, index, 0), axis, False)


def lax_cumulative_extreme_tangent(t, x, z, axis=0, reverse=False):
    index = lax_cumulative_extreme_index(stop_gradient(x), stop_gradient(z), axis, reverse)
    return jnp.take_along_axis(t, index, axis=axis)


def lax_cumulative_extreme_adjoint(g, x, z, axis=0, reverse=False):
    index = lax_cumulative_extreme_index(stop_gradient(x), stop_gradient(z), axis, reverse)
    return take_along_axis_adjoint(g, x, index, axis)
