"""``vectorize`` and ``apply_along_axis`` (over ``s2s.vmap``), and the host-side constructors
and print options of ``jax.numpy``."""
import functools
import re

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import numpy as jnp

__all__ = ["vectorize", "apply_along_axis", "frombuffer", "fromstring", "fromiter",
           "printoptions", "get_printoptions", "set_printoptions"]

printoptions, get_printoptions, set_printoptions = (np.printoptions, np.get_printoptions,
                                                    np.set_printoptions)


def _canonical(a):
    return jnp.asarray(np.asarray(a).astype(dtypes.canonicalize(np.asarray(a).dtype)))


def frombuffer(buffer, dtype=float, count=-1, offset=0):
    return _canonical(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string, dtype=float, count=-1, *, sep):
    return _canonical(np.fromstring(string, dtype=dtype, count=count, sep=sep))


def fromiter(*args, **kwargs):
    raise NotImplementedError(
        "jnp.fromiter() is not implemented because it may be non-pure and thus unsafe for use "
        "with JIT and other JAX transformations. Consider using jnp.asarray(np.fromiter(...)) "
        "instead, although care should be taken if np.fromiter is used within a jax "
        "transformations because of its potential side-effect of consuming the iterable object; "
        "for more information see https://docs.jax.dev/en/latest/notebooks/"
        "Common_Gotchas_in_JAX.html#pure-functions")


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    from s2s import vmap
    arr = jnp.asarray(arr)
    axis = axis % arr.ndim
    fn = functools.partial(func1d, **kwargs) if kwargs else func1d
    in_axes = (0,) + (None,) * len(args)
    for _ in range(arr.ndim - 1):
        fn = vmap(fn, in_axes=in_axes)
    out = fn(jnp.moveaxis(arr, axis, -1), *args)
    # the result's own axes take the place of ``axis``
    extra = jnp.ndim(out) - (arr.ndim - 1)
    return jnp.moveaxis(out, tuple(range(arr.ndim - 1, arr.ndim - 1 + extra)),
                        tuple(range(axis, axis + extra))) if extra else out


_DIMS = r"\(\s*(?:\w+(?:\s*,\s*\w+)*)?\s*\)"


def _parse_signature(signature):
    if not re.fullmatch(rf"{_DIMS}(?:\s*,\s*{_DIMS})*\s*->\s*{_DIMS}(?:\s*,\s*{_DIMS})*",
                        signature):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    ins, outs = signature.split("->")
    parse = lambda side: [tuple(d.strip() for d in g.split(",") if d.strip())  # noqa: E731
                          for g in re.findall(r"\(([^)]*)\)", side)]
    return parse(ins), parse(outs)


class vectorize:
    """``jax.numpy.vectorize``: ``pyfunc`` mapped over the leading (broadcast) axes of its
    array arguments with ``s2s.vmap``; ``excluded`` positions/names pass through unmapped,
    ``signature`` names the core dimensions each argument keeps."""

    def __init__(self, pyfunc, *, excluded=frozenset(), signature=None):
        self.pyfunc, self.excluded, self.signature = pyfunc, frozenset(excluded), signature
        functools.update_wrapper(self, pyfunc)

    def __call__(self, *args, **kwargs):
        from s2s import vmap
        fixed_kw = {k: v for k, v in kwargs.items() if k in self.excluded}
        mapped_kw = {k: v for k, v in kwargs.items() if k not in self.excluded}
        if mapped_kw:
            raise NotImplementedError("vectorize: keyword arguments that are not excluded")
        idx = [k for k in range(len(args)) if k not in self.excluded]
        arrays = [jnp.asarray(args[k]) for k in idx]
        if self.signature is None:
            core = [()] * len(arrays)
            outs = None
        else:
            core, outs = _parse_signature(self.signature)
            if len(core) != len(arrays):
                raise TypeError(f"wrong number of positional arguments: expected {len(core)}, "
                                f"got {len(arrays)}")
        sizes = {}
        for a, dims in zip(arrays, core):
            if a.ndim < len(dims):
                raise ValueError(f"input with shape {a.shape} does not have enough dimensions "
                                 f"for all core dimensions {dims}")
            for name, n in zip(dims, a.shape[a.ndim - len(dims):]):
                if sizes.setdefault(name, n) != n:
                    raise ValueError(f"inconsistent size for core dimension {name!r}: "
                                     f"{n} vs {sizes[name]}")
        loop = jnp.broadcast_shapes(*[a.shape[:a.ndim - len(d)] for a, d in zip(arrays, core)])
        arrays = [jnp.broadcast_to(a, loop + a.shape[a.ndim - len(d):])
                  for a, d in zip(arrays, core)]

        full = list(args)
        for k, v in zip(idx, arrays):
            full[k] = v
        fn = functools.partial(self.pyfunc, **fixed_kw) if fixed_kw else self.pyfunc
        in_axes = tuple(None if k in self.excluded else 0 for k in range(len(args)))
        for _ in loop:
            fn = vmap(fn, in_axes=in_axes)
        return fn(*full)
