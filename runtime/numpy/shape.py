"""Shape manipulation: reshape, transpose, concatenate, stack, split, flip, roll, tile, pad, ..."""
import math
import operator

import numpy as np

from s2s.runtime import dtypes, lax
from s2s.runtime.numpy.util import (broadcast_shapes, broadcast_to, normalize_axes, normalize_axis,
                                    promote_dtypes, to_array)


def _resolve_shape(newshape, size):
    if isinstance(newshape, (int, np.integer)):
        newshape = (newshape,)
    newshape = [operator.index(d) for d in newshape]
    if newshape.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in newshape:
        known = math.prod(d for d in newshape if d != -1)
        if known == 0 or size % known:
            raise TypeError(f"cannot reshape array of size {size} into shape {tuple(newshape)}")
        newshape[newshape.index(-1)] = size // known
    return tuple(newshape)


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    x = to_array(a)
    shape = newshape if shape is None else shape
    if order not in ("C", "F"):
        raise NotImplementedError(f"reshape order={order!r}")
    shape = _resolve_shape(shape, x.size)
    if order == "F":
        return transpose(lax.reshape(transpose(x), shape[::-1]))
    return lax.reshape(x, shape)


def ravel(a, order="C"):
    x = to_array(a)
    return reshape(x, (x.size,), order)


def transpose(a, axes=None):
    x = to_array(a)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    axes = tuple(normalize_axis(i, x.ndim) for i in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError("axes don't match array")
    return lax.transpose(x, axes)


def permute_dims(a, axes):
    return transpose(a, axes)


def matrix_transpose(x):
    x = to_array(x)
    perm = list(range(x.ndim))
    perm[-2:] = perm[-1], perm[-2]
    return lax.transpose(x, perm)


def moveaxis(a, source, destination):
    x = to_array(a)
    src = [normalize_axis(s, x.ndim) for s in np.atleast_1d(source)]
    dst = [normalize_axis(d, x.ndim) for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError("Inconsistent number of elements: source and destination")
    perm = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return lax.transpose(x, perm)


def swapaxes(a, axis1, axis2):
    x = to_array(a)
    perm = list(range(x.ndim))
    i, j = normalize_axis(axis1, x.ndim), normalize_axis(axis2, x.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(x, perm)


def squeeze(a, axis=None):
    x = to_array(a)
    if axis is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    else:
        axes = normalize_axes(axis, x.ndim)
        for i in axes:
            if x.shape[i] != 1:
                raise ValueError(f"cannot select an axis to squeeze out which has size not equal "
                                 f"to one, got shape={x.shape} and dimensions={tuple(axes)}")
    return lax.reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


def expand_dims(a, axis):
    x = to_array(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = x.ndim + len(axes)
    axes = sorted(normalize_axis(i, ndim) for i in axes)
    shape = list(x.shape)
    for i in axes:
        shape.insert(i, 1)
    return lax.reshape(x, shape)


def atleast_1d(*arys):
    out = [to_array(a) if to_array(a).ndim >= 1 else lax.reshape(to_array(a), (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    out = []
    for a in arys:
        x = to_array(a)
        out.append(x if x.ndim >= 2 else lax.reshape(x, (1,) * (2 - x.ndim) + x.shape))
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys):
    out = []
    for a in arys:
        x = to_array(a)
        if x.ndim == 0:
            x = lax.reshape(x, (1, 1, 1))
        elif x.ndim == 1:
            x = lax.reshape(x, (1, x.shape[0], 1))
        elif x.ndim == 2:
            x = lax.reshape(x, x.shape + (1,))
        out.append(x)
    return out[0] if len(out) == 1 else out


def concatenate(arrays, axis=0, dtype=None):
    if not len(arrays):
        raise ValueError("Need at least one array to concatenate.")
    xs = promote_dtypes(*arrays)
    if dtype is not None:
        xs = [lax.convert_element_type(x, dtypes.check_user_dtype(dtype)) for x in xs]
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    if any(x.ndim == 0 for x in xs):
        raise ValueError("Zero-dimensional arrays cannot be concatenated.")
    axis = normalize_axis(axis, xs[0].ndim)
    return lax.concatenate(xs, axis)


concat = concatenate


def stack(arrays, axis=0, out=None, dtype=None):
    if not len(arrays):
        raise ValueError("Need at least one array to stack.")
    xs = [to_array(a) for a in arrays]
    shapes = {x.shape for x in xs}
    if len(shapes) != 1:
        raise ValueError("All input arrays must have the same shape.")
    axis = normalize_axis(axis, xs[0].ndim + 1)
    return concatenate([expand_dims(x, axis) for x in xs], axis, dtype)


def vstack(tup, dtype=None):
    return concatenate([atleast_2d(t) for t in tup], 0, dtype)


def hstack(tup, dtype=None):
    xs = [atleast_1d(t) for t in tup]
    return concatenate(xs, 0 if xs[0].ndim == 1 else 1, dtype)


def dstack(tup, dtype=None):
    return concatenate([atleast_3d(t) for t in tup], 2, dtype)


def column_stack(tup):
    xs = [to_array(t) for t in tup]
    return concatenate([x if x.ndim >= 2 else lax.reshape(x, (x.size, 1)) for x in xs], 1)


def _split(name, ary, indices_or_sections, axis, strict):
    x = to_array(ary)
    axis = normalize_axis(axis, x.ndim)
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        if strict and n % k:
            raise ValueError("array split does not result in an equal division")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        points = np.cumsum([0] + sizes)
    else:
        points = [0] + [min(max(int(i) + (n if int(i) < 0 else 0), 0), n)
                        for i in indices_or_sections] + [n]
    out = []
    for s, e in zip(points[:-1], points[1:]):
        start = [0] * x.ndim
        stop = list(x.shape)
        start[axis], stop[axis] = int(s), int(max(e, s))
        out.append(lax.slice(x, start, stop))
    return out


def split(ary, indices_or_sections, axis=0):
    return _split("split", ary, indices_or_sections, axis, True)


def array_split(ary, indices_or_sections, axis=0):
    return _split("array_split", ary, indices_or_sections, axis, False)


def hsplit(ary, indices_or_sections):
    x = to_array(ary)
    return split(x, indices_or_sections, 1 if x.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, 0)


def broadcast_arrays(*args):
    xs = [to_array(a) for a in args]
    shape = broadcast_shapes("broadcast_arrays", *(x.shape for x in xs))
    return [broadcast_to(x, shape) for x in xs]


def flip(m, axis=None):
    x = to_array(m)
    return lax.rev(x, normalize_axes(axis, x.ndim))


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def roll(a, shift, axis=None):
    x = to_array(a)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = np.broadcast_to(np.asarray(shift), np.shape(axis)).ravel() if np.ndim(axis) else \
        [int(np.asarray(shift))]
    axes = np.atleast_1d(axis)
    for s, ax in zip(shifts, axes):
        ax = normalize_axis(int(ax), x.ndim)
        n = x.shape[ax]
        if n == 0:
            continue
        s = int(s) % n
        if s:
            lo = lax.slice(x, [0] * x.ndim, [n - s if i == ax else d for i, d in enumerate(x.shape)])
            hi = lax.slice(x, [n - s if i == ax else 0 for i in range(x.ndim)], x.shape)
            x = lax.concatenate([hi, lo], ax)
    return x


def tile(A, reps):
    x = to_array(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(len(reps), x.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    x = lax.reshape(x, (1,) * (nd - x.ndim) + x.shape)
    # broadcast to (r0, d0, r1, d1, ...) and merge pairs
    big = []
    dims = []
    for i, (r, d) in enumerate(zip(reps, x.shape)):
        big += [r, d]
        dims.append(2 * i + 1)
    out = lax.broadcast_in_dim(x, big, dims)
    return lax.reshape(out, [r * d for r, d in zip(reps, x.shape)])


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
    x = to_array(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim)
    if isinstance(repeats, (int, np.integer)) and total_repeat_length is None:
        r = int(repeats)
        shape = list(x.shape)
        expanded = lax.broadcast_in_dim(x, shape[:axis + 1] + [r] + shape[axis + 1:],
                                        [i if i <= axis else i + 1 for i in range(x.ndim)])
        shape[axis] *= r
        return lax.reshape(expanded, shape)
    reps = np.asarray(repeats)
    if reps.shape in ((), (1,)):  # one count for every element
        reps = np.broadcast_to(reps, (x.shape[axis],))
    if reps.ndim != 1 or len(reps) != x.shape[axis]:
        raise ValueError(f"repeats shape {reps.shape} does not match axis size {x.shape[axis]}")
    from s2s.runtime.numpy.indexing import getitem
    idx = np.repeat(np.arange(x.shape[axis]), reps)
    if total_repeat_length is not None:  # truncated, or padded with the last element
        idx = np.concatenate([idx, np.full(max(total_repeat_length - len(idx), 0),
                                           idx[-1] if len(idx) else 0)])[:total_repeat_length]
    return getitem(x, (slice(None),) * axis + (idx,))


def pad(array, pad_width, mode="constant", **kwargs):
    x = to_array(array)
    pw = np.asarray(pad_width, dtype=np.int64)
    pw = np.broadcast_to(pw, (x.ndim, 2)) if pw.ndim <= 1 or pw.shape != (x.ndim, 2) else pw
    if pw.ndim == 1 and pw.size == 2:
        pw = np.broadcast_to(pw, (x.ndim, 2))
    if mode == "constant":
        cv = np.asarray(kwargs.get("constant_values", 0))
        if cv.ndim == 0:
            return lax.pad(x, lax.convert_element_type(cv.item(), x.dtype),
                           [(int(lo), int(hi), 0) for lo, hi in pw])
        cv = np.broadcast_to(cv, (x.ndim, 2))
        for ax in range(x.ndim):
            cfg = [(0, 0, 0)] * x.ndim
            lo_cfg = list(cfg); lo_cfg[ax] = (int(pw[ax][0]), 0, 0)
            x = lax.pad(x, lax.convert_element_type(cv[ax][0].item(), x.dtype), lo_cfg)
            hi_cfg = list(cfg); hi_cfg[ax] = (0, int(pw[ax][1]), 0)
            x = lax.pad(x, lax.convert_element_type(cv[ax][1].item(), x.dtype), hi_cfg)
        return x
    if mode in ("edge", "wrap", "reflect", "symmetric"):
        from s2s.runtime.numpy.indexing import getitem
        for ax in range(x.ndim):
            n = x.shape[ax]
            lo, hi = int(pw[ax][0]), int(pw[ax][1])
            idx = np.arange(-lo, n + hi)
            if mode == "edge":
                idx = np.clip(idx, 0, n - 1)
            elif mode == "wrap":
                idx = idx % n
            else:
                period = 2 * n - (2 if mode == "reflect" else 0)
                period = max(period, 1)
                m = idx % period
                idx = np.where(m < n, m, period - m - (0 if mode == "reflect" else 1))
            x = getitem(x, (slice(None),) * ax + (idx,))
        return x
    raise NotImplementedError(f"jnp.pad mode={mode!r}")


def unstack(x, /, *, axis=0):
    """The slices of ``x`` along ``axis``, as a tuple (the inverse of ``stack``)."""
    x = to_array(x)
    axis = normalize_axis(axis, x.ndim)
    moved = moveaxis(x, axis, 0)
    return tuple(moved[i] for i in range(moved.shape[0]))


def astype(x, dtype, /, *, copy=False, device=None):
    return lax.convert_element_type(to_array(x), dtypes.check_user_dtype(dtype, "astype"))
