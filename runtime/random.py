"""``s2s.random``: counter-based PRNG on the Threefry-2x32 hash, bit-identical with JAX.

Keys are values (no global state). A typed key (``key(seed)``) is a ``PRNGKeyArray`` wrapping
the ``uint32[..., 2]`` key data; a raw key (``PRNGKey(seed)``) is that ``uint32[2]`` array
itself. Every sampler accepts both.

Layout (JAX's default ``jax_threefry_partitionable=True``): the element at flat index ``i`` of a
draw of shape ``s`` hashes the counter pair ``(hi, lo) = (i >> 32, i & 0xFFFFFFFF)`` under the
key; 32-bit draws are ``out0 ^ out1``, 64-bit draws ``out0 << 32 | out1``, narrower ones the
truncated 32-bit draw; ``split`` makes keys ``(out0, out1)`` from the same counters; ``fold_in``
hashes the counter ``(0, data)``.

Everything is written with ``runtime.lax`` / ``runtime.numpy`` operations (values never come
back to the host), so the same code stages under tracing.
"""
import math
import operator

import numpy as np

from s2s.runtime import dtypes
from s2s.runtime import lax as _rlax
from s2s.runtime import numpy as jnp
from s2s.runtime.config import x64_enabled
from s2s.lowering.core import PRIMITIVES, Eqn, Jaxpr, Literal, ShapedArray, Var
from s2s.runtime.core import Array, bind, bounded_put, put, scalar
from s2s.runtime.control import while_loop
from s2s.runtime.tracing import compiled
from s2s.runtime.tree_util import register_staged_leaf

__all__ = ["key", "PRNGKey", "key_data", "wrap_key_data", "split", "fold_in", "bits", "uniform",
           "normal", "loggamma", "randint", "bernoulli", "categorical", "choice", "permutation",
           "truncated_normal", "gumbel", "exponential", "gamma", "beta", "dirichlet", "laplace",
           "logistic", "multivariate_normal", "orthogonal", "PRNGKeyArray", "clone", "cauchy",
           "rademacher", "maxwell", "double_sided_maxwell", "weibull_min", "pareto", "lognormal",
           "rayleigh", "wald", "chisquare", "f", "t", "geometric", "triangular",
           "generalized_normal", "ball", "key_impl", "key_dtype"]

U32 = np.dtype(np.uint32)


class _StrictLax:
    """``runtime.lax`` with NumPy constants turned into (cached) rank-0 arrays of their own
    dtype first, so every operand's dtype is explicit."""

    def __getattr__(self, name):
        fn = getattr(_rlax, name)

        def call(*args, **kwargs):
            return fn(*[_const(a) for a in args], **kwargs)
        return call


def _const(x):
    if isinstance(x, (np.ndarray, np.generic)) and np.ndim(x) == 0:
        return scalar(x, x.dtype)
    return x


lax = _StrictLax()


class _Builder:
    """Writes a small jaxpr by hand: ``b.add(x, y)`` appends an equation; NumPy scalars become
    literals. Used for the fused float tails (see ``random_fused`` in lowering/ops/random.py)."""

    def __init__(self, in_avals):
        self.eqns = []
        self.invars = [Var(a) for a in in_avals]

    def op(self, name, *xs, **params):
        prim = PRIMITIVES[name]
        xs = [x if isinstance(x, (Var, Literal)) else
              Literal(np.asarray(x), ShapedArray((), np.asarray(x).dtype)) for x in xs]
        outs = [Var(a) for a in prim.abstract_eval([x.aval for x in xs], params)]
        self.eqns.append(Eqn(prim, xs, outs, params))
        return outs if prim.multiple_results else outs[0]

    def __getattr__(self, name):
        return lambda *xs, **params: self.op(name, *xs, **params)


_fused_cache = {}


def _fused(name, body, *args, **static):
    """``body(builder, *vars, **static)`` over ``args`` as one compiled program."""
    avals = tuple(a.aval for a in args)
    ckey = (name, avals, tuple(sorted(static.items())))
    jaxpr = _fused_cache.get(ckey)
    if jaxpr is None:
        b = _Builder(avals)
        outs = body(b, *b.invars, **static)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        jaxpr = Jaxpr([], b.invars, b.eqns, outs)
        bounded_put(_fused_cache, ckey, jaxpr, 1024)
    return bind("random_fused", *args, jaxpr=jaxpr)


# ---- typed keys ---------------------------------------------------------------------------------

class KeyDType:
    """The dtype of typed threefry keys; prints as ``key<fry>``."""

    name = "key<fry>"
    itemsize = 8
    kind = "V"
    impl = "fry"

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, KeyDType) or other == self.name

    def __hash__(self):
        return hash(self.name)


KEY_DTYPE = KeyDType()


class PRNGKeyArray:
    """An array of typed keys: ``shape`` is the key array's shape; ``_base`` holds the key data
    as ``uint32[*shape, 2]``. A pytree leaf, immutable like every array."""

    __slots__ = ("_base",)
    __array_priority__ = 100

    def __init__(self, base):
        self._base = base

    dtype = KEY_DTYPE

    @property
    def shape(self):
        return tuple(self._base.shape[:-1])

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def itemsize(self):
        return KEY_DTYPE.itemsize

    @property
    def weak_type(self):
        return False

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        if Ellipsis not in idx:
            idx = idx + (Ellipsis,)
        return PRNGKeyArray(self._base[idx + (slice(None),)])

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d key array")
        return (self[i] for i in range(self.shape[0]))

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return PRNGKeyArray(jnp.reshape(self._base, tuple(shape) + (2,)))

    def ravel(self):
        return self.reshape((self.size,))

    @property
    def T(self):
        perm = tuple(reversed(range(self.ndim))) + (self.ndim,)
        return PRNGKeyArray(jnp.transpose(self._base, perm))

    def block_until_ready(self):
        self._base.block_until_ready()
        return self

    def __repr__(self):
        return (f"Array({self.shape}, dtype={KEY_DTYPE}) overlaying:\n"
                f"{np.asarray(self._base)}")

    def __str__(self):
        return repr(self)

    def __eq__(self, other):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return jnp.all(jnp.equal(self._base, other._base), axis=-1)

    def __ne__(self, other):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return jnp.logical_not(self == other)

    __hash__ = None

    def __array__(self, dtype=None, copy=None):
        raise TypeError("JAX array with PRNGKey dtype cannot be converted to a NumPy array. "
                        "Use jax.random.key_data(arr) if you wish to extract the underlying "
                        "integer array.")

    def copy(self):
        return self

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


# A key array is a pytree leaf (as in JAX); jit and vmap see through it to its uint32 data and
# rebuild the key around the traced or batched data.
register_staged_leaf(PRNGKeyArray, lambda k: [k._base], lambda parts: PRNGKeyArray(parts[0]))


def _is_key(x):
    return isinstance(x, PRNGKeyArray)


def _check_impl(impl):
    if impl is not None and impl not in ("threefry2x32", "fry", "threefry"):
        raise NotImplementedError(f"only the threefry2x32 PRNG implementation is supported, "
                                  f"got impl={impl!r}")


# ---- seeds ----------------------------------------------------------------------------------------

def _seed_data(seed):
    """``uint32[2]`` key data for an integer seed, as JAX: the high word is the top half of a
    64-bit seed (0 when 64-bit mode is off or the seed is narrower), the low word its low 32
    bits (sign-extended from narrower signed types)."""
    if _is_key(seed):
        raise TypeError("PRNGKey accepts a scalar seed, but was given an array of keys.")
    if isinstance(seed, (bool, np.bool_)):
        seed = int(seed)
    if isinstance(seed, int):
        if x64_enabled():
            if not -2**63 <= seed < 2**63:
                raise OverflowError("Python int too large to convert to C long")
            v = seed % 2**64
            return put(np.array([v >> 32, v & 0xFFFFFFFF], U32))
        if not -2**63 <= seed < 2**63:
            raise OverflowError("Python int too large to convert to C long")
        return put(np.array([0, seed % 2**32], U32))
    if isinstance(seed, (float, complex)):
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
    if isinstance(seed, (np.generic, np.ndarray)):
        seed = np.asarray(seed)
        if seed.dtype.kind not in "iub":
            raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
        if seed.shape:
            raise TypeError(f"PRNGKey accepts a scalar seed, but was given an array of shape "
                            f"{seed.shape} != (). Use jax.vmap for batching")
        seed = seed.astype(dtypes.canonicalize(seed.dtype))
        v = int(seed)
        if seed.dtype.itemsize == 8:
            v %= 2**64
            return put(np.array([v >> 32, v & 0xFFFFFFFF], U32))
        return put(np.array([0, v % 2**32], U32))
    if isinstance(seed, Array):
        if np.dtype(seed.dtype).kind not in "iub":
            raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
        if seed.shape:
            raise TypeError(f"PRNGKey accepts a scalar seed, but was given an array of shape "
                            f"{seed.shape} != (). Use jax.vmap for batching")
        if np.dtype(seed.dtype).itemsize == 8:
            hi = lax.convert_element_type(lax.shift_right_logical(seed, 32), U32)
        else:
            hi = jnp.zeros((), U32)
        lo = lax.convert_element_type(seed, U32)
        return jnp.stack([hi, lo])
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")


def PRNGKey(seed, *, impl=None):
    """A raw key: ``uint32[2]``."""
    _check_impl(impl)
    return _seed_data(seed)


def key(seed, *, impl=None, dtype=None):
    """A typed key: a scalar of dtype ``key<fry>``."""
    _check_impl(impl)
    return PRNGKeyArray(_seed_data(seed))


def key_data(keys):
    """The ``uint32[..., 2]`` data under typed keys (raw keys pass through)."""
    if _is_key(keys):
        return keys._base
    return _raw_data(keys, "key_data", any_shape=True)


def wrap_key_data(key_bits_array, *, impl=None, dtype=None):
    """Typed keys over ``uint32[..., 2]`` key data."""
    _check_impl(impl)
    if _is_key(key_bits_array):
        raise TypeError("wrap_key_data: expected an array of uint32 key data, got typed keys")
    x = jnp.asarray(key_bits_array)
    if x.dtype != U32:
        raise TypeError(f"wrap_key_data: key data must be uint32, got {x.dtype}")
    if not x.shape or x.shape[-1] != 2:
        raise TypeError(f"wrap_key_data: last dimension of key data must be 2 for threefry, "
                        f"got shape {x.shape}")
    return PRNGKeyArray(x)


def clone(key):
    return key


def _raw_data(k, name, any_shape=False):
    if isinstance(k, (Array, np.ndarray)):
        k = jnp.asarray(k)
        if k.dtype != U32 or not k.shape or k.shape[-1] != 2:
            raise TypeError(f"JAX encountered invalid PRNG key data: expected key_data.dtype = "
                            f"uint32 and a trailing dimension of 2; got dtype={k.dtype}, "
                            f"shape={k.shape}")
        return k
    raise TypeError(f"{name} requires a PRNG key (from jax.random.key or jax.random.PRNGKey), "
                    f"got {type(k).__name__}")


def _key(name, k):
    """(``uint32[2]`` data of a single key, whether it was typed)."""
    if _is_key(k):
        if k.shape:
            raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                             f"{k.shape} != (). Use jax.vmap for batching.")
        return k._base, True
    data = _raw_data(k, name)
    if data.shape != (2,):
        raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                         f"{data.shape[:-1]} != (). Use jax.vmap for batching.")
    return data, False


def _wrap(data, typed):
    return PRNGKeyArray(data) if typed else data


# ---- the hash -------------------------------------------------------------------------------------

def _shape(shape, name="shape"):
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)) or (hasattr(shape, "__index__")
                                                 and not isinstance(shape, (tuple, list))):
        shape = (shape,)
    try:
        shape = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got "
                        f"{shape}.") from None
    if any(d < 0 for d in shape):  # (XLA would reject the program with an MLIR parse error)
        raise TypeError(f"{name} must have every element be nonnegative, got {shape}.")
    return shape


def _threefry(k, x0, x1):
    k0 = lax.reshape(lax.slice(k, (0,), (1,)), ())
    k1 = lax.reshape(lax.slice(k, (1,), (2,)), ())
    return bind("threefry2x32", k0, k1, x0, x1)


def _hash_counters(k, shape):
    """The two hash outputs for the counters ``0 .. prod(shape)-1`` laid out in ``shape``."""
    n = math.prod(shape)
    lo = lax.reshape(lax.iota(U32, n), shape)
    hi = lax.broadcast_in_dim(jnp.zeros((), U32), shape, ())
    if n > 2**32:
        raise NotImplementedError("draws of more than 2**32 elements")
    return _threefry(k, hi, lo)


def _bits(k, bit_width, shape):
    a, b = _hash_counters(k, shape)
    return _combine(a, b, bit_width)


def _combine(a, b, bit_width):
    if bit_width == 64:
        if not x64_enabled():
            raise ValueError("64-bit random bits need jax_enable_x64")
        u64 = np.dtype(np.uint64)
        a, b = lax.convert_element_type(a, u64), lax.convert_element_type(b, u64)
        return lax.bitwise_or(lax.shift_left(a, np.uint64(32)), b)
    x = lax.bitwise_xor(a, b)
    if bit_width == 32:
        return x
    return lax.convert_element_type(x, np.dtype(f"uint{bit_width}"))


def _split(k, shape):
    a, b = _hash_counters(k, shape)
    return jnp.stack([a, b], axis=-1)


def _split2(k):
    """Two fresh raw keys, as ``split(k)`` gives them."""
    ks = _split(k, (2,))
    return ks[0], ks[1]


def split(key, num=2):
    k, typed = _key("split", key)
    shape = _shape(num)
    return _wrap(_split(k, shape), typed)


def fold_in(key, data):
    k, typed = _key("fold_in", key)
    if isinstance(data, (int, np.integer)) and not isinstance(data, bool):
        if not 0 <= int(data) < 2**32:
            raise OverflowError(f"Python integer {int(data)} out of bounds for uint32")
        d = put(np.asarray(int(data), U32))
    else:
        d = jnp.asarray(data)
        if d.dtype != U32:
            d = lax.convert_element_type(d, U32)
    d = lax.reshape(d, (1,))
    a, b = _threefry(k, jnp.zeros((1,), U32), d)
    return _wrap(lax.concatenate([a, b], 0), typed)


def bits(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("bits", key)
    dtype = np.dtype(dtype) if dtype is not None else dtypes.default_uint()
    if dtype.kind != "u":
        raise TypeError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
    dtype = dtypes.canonicalize(dtype)
    return _bits(k, dtype.itemsize * 8, _shape(shape))


# ---- floats ---------------------------------------------------------------------------------------

def _float_dtype(name, dtype):
    dtype = dtypes.default_float() if dtype is None else np.dtype(dtype)
    if not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")
    return dtypes.canonicalize(dtype)


def _as(x, dtype):
    """``x`` (array or Python scalar) converted to ``dtype``, as JAX converts sampler bounds."""
    x = jnp.asarray(x)
    return x if x.dtype == dtype else lax.convert_element_type(x, dtype)


def _check_broadcast(name, shape, *arrays):
    for a in arrays:
        if a.ndim > len(shape) or any(d not in (1, s) for d, s in
                                      zip(a.shape[::-1], shape[::-1])):
            raise ValueError(f"{name}: arrays of shape {a.shape} cannot be broadcast to the "
                             f"requested shape {shape}")


def _rng_bits(dtype):
    nmant = jnp.finfo(dtype).nmant
    return next(w for w in (8, 16, 32, 64) if w >= nmant + 1)


def _uniform(k, shape, dtype, minval, maxval, post=None, extra=()):
    rng_bits = _rng_bits(dtype)
    minval, maxval = _as(minval, dtype), _as(maxval, dtype)
    _check_broadcast("uniform", shape, minval, maxval, *extra)
    return _uniform_from_bits(_bits(k, rng_bits, shape), rng_bits, dtype, minval, maxval, post,
                              extra)


def _post_normal(B, u, dtype):
    return B.mul(np.array(np.sqrt(2), dtype)[()], B.erf_inv(u))


def _post_gumbel(B, u, dtype):
    return B.neg(B.log(B.neg(B.log(u))))


def _post_exponential(B, u, dtype):
    return B.neg(B.log1p(B.neg(u)))


def _post_laplace(B, u, dtype):
    return B.mul(B.sign(u), B.log1p(B.neg(B.abs(u))))


def _post_logistic(B, u, dtype):
    return B.sub(B.log(u), B.log1p(B.neg(u)))


def _post_lt(B, u, p, dtype):
    return B.lt(u, p)


def _post_clip_normal(B, u, lo, hi, dtype):
    return B.min(hi, B.max(lo, _post_normal(B, u, dtype)))


def _u_expr(B, b, lo, hi, rng_bits, dtype):
    """Builder ops: uniform floats in [lo, hi) from random bits ``b`` (JAX's mantissa trick)."""
    finfo = jnp.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    udt = np.dtype(f"uint{nbits}")
    if rng_bits != nbits:
        b = B.convert_element_type(b, new_dtype=udt, weak_type=False)
    fbits = B.op("or", B.shift_right_logical(b, udt.type(rng_bits - nmant)),
                 np.array(1.0, dtype).view(udt)[()])
    floats = B.sub(B.bitcast_convert_type(fbits, new_dtype=dtype), np.array(1.0, dtype)[()])
    return B.max(lo, B.add(B.mul(floats, B.sub(hi, lo)), lo))


def _uniform_body(B, b, lo, hi, *extra, rng_bits, dtype, post):
    u = _u_expr(B, b, lo, hi, rng_bits, dtype)
    return post(B, u, *extra, dtype=dtype) if post is not None else u


def _fit(x, shape):
    x = _const(x)
    return x if x.ndim == 0 or x.shape == shape else jnp.broadcast_to(x, shape)


def _uniform_from_bits(b, rng_bits, dtype, minval, maxval, post=None, extra=()):
    shape = b.shape
    args = [_fit(a, shape) for a in (minval, maxval) + tuple(extra)]
    return _fused("uniform", _uniform_body, b, *args, rng_bits=rng_bits, dtype=np.dtype(dtype),
                  post=post)[0]


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0, *, out_sharding=None):
    k, _ = _key("uniform", key)
    return _uniform(k, _shape(shape), _float_dtype("uniform", dtype), minval, maxval)


def _normal_real(k, shape, dtype):
    lo = np.nextafter(np.array(-1.0, dtype), np.array(np.inf, dtype))
    return _uniform(k, shape, dtype, lo, np.array(1.0, dtype), _post_normal)


def _complex_normal_body(B, b1, b2, rng_bits, dtype):
    lo = np.nextafter(np.array(-1.0, dtype), np.array(np.inf, dtype))[()]
    one = np.array(1.0, dtype)[()]
    re = _post_normal(B, _u_expr(B, b1, lo, one, rng_bits, dtype), dtype)
    im = _post_normal(B, _u_expr(B, b2, lo, one, rng_bits, dtype), dtype)
    cdt = np.dtype(np.complex64 if dtype == np.float32 else np.complex128)
    return B.div(B.complex(re, im), np.array(np.sqrt(2), dtype).astype(cdt)[()])


def normal(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("normal", key)
    shape = _shape(shape)
    dtype = dtypes.default_float() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    if dtype.kind == "c":
        real = np.dtype(np.float32 if dtype == np.complex64 else np.float64)
        k1, k2 = _split2(k)
        rng_bits = _rng_bits(real)
        b1, b2 = _bits(k1, rng_bits, shape), _bits(k2, rng_bits, shape)
        return _fused("complex_normal", _complex_normal_body, b1, b2, rng_bits=rng_bits,
                      dtype=real)[0]
    if not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got "
                         f"{dtype}")
    return _normal_real(k, shape, dtype)


def truncated_normal(key, lower, upper, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("truncated_normal", key)
    dtype = _float_dtype("truncated_normal", dtype)
    lower, upper = _as(lower, dtype), _as(upper, dtype)
    shape = _shape(shape)
    if shape is None:
        shape = jnp.broadcast_shapes(lower.shape, upper.shape)
    sqrt2 = np.array(np.sqrt(2), dtype)
    a = lax.erf(lax.div(lower, sqrt2))
    b = lax.erf(lax.div(upper, sqrt2))
    lo = lax.nextafter(lower, jnp.full(lower.shape, np.inf, dtype))
    hi = lax.nextafter(upper, jnp.full(upper.shape, -np.inf, dtype))
    return _uniform(k, shape, dtype, a, b, _post_clip_normal, (lo, hi))


def _gumbel(k, shape, dtype):
    tiny = np.array(jnp.finfo(dtype).tiny, dtype)
    return _uniform(k, shape, dtype, tiny, np.array(1.0, dtype), _post_gumbel)


def gumbel(key, shape=(), dtype=None, mode=None, *, out_sharding=None):
    k, _ = _key("gumbel", key)
    return _gumbel(k, _shape(shape), _float_dtype("gumbel", dtype))


def exponential(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("exponential", key)
    dtype = _float_dtype("exponential", dtype)
    return _uniform(k, _shape(shape), dtype, np.array(0.0, dtype), np.array(1.0, dtype),
                    _post_exponential)


def laplace(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("laplace", key)
    dtype = _float_dtype("laplace", dtype)
    lo = np.nextafter(np.array(-1.0, dtype), np.array(np.inf, dtype))
    return _uniform(k, _shape(shape), dtype, lo, np.array(1.0, dtype), _post_laplace)


def logistic(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("logistic", key)
    dtype = _float_dtype("logistic", dtype)
    tiny = np.array(jnp.finfo(dtype).tiny, dtype)
    return _uniform(k, _shape(shape), dtype, tiny, np.array(1.0, dtype), _post_logistic)


# ---- integers and discrete ------------------------------------------------------------------------

def _convert_and_clip(x, dtype):
    """``x`` in ``dtype``, clipped to its range first when ``x``'s own dtype is wider."""
    src = np.dtype(x.dtype)
    if src != dtype and src.kind in "iu":
        si, di = np.iinfo(src), np.iinfo(dtype)
        lo, hi = max(si.min, di.min), min(si.max, di.max)
        if lo > si.min or hi < si.max:
            x = jnp.clip(x, np.array(lo, src), np.array(hi, src))
    return lax.convert_element_type(x, dtype)


def _int_bound(v, dtype):
    """(Array in ``dtype``, is above dtype's max) for a randint bound."""
    info = np.iinfo(dtype)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        v = int(v)
        return put(np.asarray(min(max(v, info.min), info.max), dtype)), v > info.max
    v = jnp.asarray(v)
    if np.dtype(v.dtype).kind not in "iub":
        raise TypeError(f"randint: bounds must be integers, got {v.dtype}")
    src = np.iinfo(v.dtype) if v.dtype != np.bool_ else np.iinfo(np.uint8)
    above = jnp.greater(v, np.array(info.max, v.dtype)) if src.max > info.max else False
    return _convert_and_clip(v, dtype), above


def randint(key, shape, minval, maxval, dtype=None, *, out_sharding=None):
    k, _ = _key("randint", key)
    shape = _shape(shape)
    dtype = dtypes.default_int() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    if dtype.kind not in "iu":
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    minval, _ = _int_bound(minval, dtype)
    maxval, above = _int_bound(maxval, dtype)
    _check_broadcast("randint", shape, minval, maxval)
    # narrow dtypes are drawn at 32 bits and converted, as JAX does
    work = dtype if dtype.itemsize >= 4 else np.dtype("int32" if dtype.kind == "i" else "uint32")
    if work != dtype:
        minval = lax.convert_element_type(minval, work)
        maxval = lax.convert_element_type(maxval, work)
    out = _randint(k, shape, minval, maxval, above, work)
    return out if work == dtype else lax.convert_element_type(out, dtype)


def _randint(k, shape, minval, maxval, above, dtype):
    nbits = dtype.itemsize * 8
    udt = np.dtype(f"uint{nbits}")
    minval, maxval = jnp.broadcast_to(minval, shape), jnp.broadcast_to(maxval, shape)
    k1, k2 = _split2(k)
    higher, lower = _bits(k1, nbits, shape), _bits(k2, nbits, shape)
    span = lax.convert_element_type(lax.sub(maxval, minval), udt)
    span = lax.select(lax.le(maxval, minval), jnp.ones(shape, udt), span)
    if above is not False:
        grow = lax.gt(maxval, minval)
        if above is not True:
            grow = jnp.logical_and(above, grow)
        span = lax.select(grow, lax.add(span, udt.type(1)), span)
    mult = lax.rem(jnp.full(shape, 2 ** (nbits // 2), udt), span)
    mult = lax.rem(lax.mul(mult, mult), span)
    off = lax.add(lax.mul(lax.rem(higher, span), mult), lax.rem(lower, span))
    off = lax.rem(off, span)
    return lax.add(minval, lax.convert_element_type(off, dtype))


def bernoulli(key, p=0.5, shape=None, mode="low", *, out_sharding=None):
    k, _ = _key("bernoulli", key)
    p = jnp.asarray(p)
    if not dtypes.is_float(p.dtype):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {p.dtype}.")
    shape = p.shape if shape is None else _shape(shape)
    _check_broadcast("bernoulli", shape, p)
    return _uniform(k, shape, np.dtype(p.dtype), np.array(0.0, p.dtype), np.array(1.0, p.dtype),
                    _post_lt, (p,))


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None, *,
                out_sharding=None):
    k, _ = _key("categorical", key)
    logits = jnp.asarray(logits)
    if not dtypes.is_inexact(logits.dtype):
        logits = lax.convert_element_type(logits, dtypes.default_float())
    axis = axis % logits.ndim if logits.ndim else 0
    batch = logits.shape[:axis] + logits.shape[axis + 1:]
    if shape is None:
        shape = batch
    else:
        shape = _shape(shape)
        _check_broadcast("categorical", shape, jnp.zeros(batch, np.bool_))
    lead = len(shape) - len(batch)
    if not replace:
        return _categorical_distinct(k, logits, axis, shape, batch, math.prod(shape[:lead]))
    full = shape[:lead + axis] + (logits.shape[axis],) + shape[lead + axis:]
    g = _gumbel(k, full, np.dtype(logits.dtype))
    x = jnp.add(g, jnp.broadcast_to(logits, full))
    return lax.argmax(x, lead + axis, dtypes.default_int())


def _categorical_distinct(k, logits, axis, shape, batch, n_draws):
    """Without replacement: the ``n_draws`` largest of ``logits + gumbel`` (top-k, ties by
    position), the draws leading."""
    n = logits.shape[axis]
    if n_draws > n:
        raise ValueError(f"Number of samples without replacement ({n_draws}) cannot exceed "
                         f"number of categories ({n}).")
    g = jnp.moveaxis(jnp.add(logits, _gumbel(k, logits.shape, np.dtype(logits.dtype))), axis, -1)
    last = g.ndim - 1
    iota = lax.broadcasted_iota(dtypes.default_int(), g.shape, last)
    _, order = lax.sort([lax.neg(g), iota], dimension=last, num_keys=1)
    top = lax.slice(order, (0,) * g.ndim, batch + (n_draws,))
    return jnp.reshape(jnp.moveaxis(top, -1, 0), shape)


def _shuffle_rounds(n):
    return math.ceil(3 * math.log(max(1, n)) / math.log(2**32 - 1)) if n > 1 else 1


def _shuffle(k, x, axis):
    n = x.shape[axis]
    for _ in range(_shuffle_rounds(x.size)):
        k, sub = _split2(k)
        sort_keys = _bits(sub, 32, x.shape)
        _, x = lax.sort([sort_keys, x], dimension=axis, num_keys=1)
    del n
    return x


def permutation(key, x, axis=0, independent=False, *, out_sharding=None):
    k, _ = _key("permutation", key)
    if isinstance(x, (int, np.integer)) or (isinstance(x, (Array, np.ndarray))
                                            and np.ndim(x) == 0):
        n = operator.index(x)
        return _shuffle(k, lax.iota(dtypes.default_int(), n), 0)
    x = jnp.asarray(x)
    if not x.ndim:
        raise TypeError("x must be an integer or at least 1-dimensional")
    axis = axis % x.ndim
    if independent or x.ndim == 1:
        return _shuffle(k, x, axis)
    ind = _shuffle(k, lax.iota(dtypes.default_int(), x.shape[axis]), 0)
    return jnp.take(x, ind, axis=axis)


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    k, _ = _key("choice", key)
    shape = _shape(shape)
    if isinstance(a, (int, np.integer)) or (np.ndim(a) == 0 and not isinstance(a, Array)):
        arr, n_inputs = None, operator.index(a)
    else:
        arr = jnp.asarray(a)
        if arr.ndim == 0:
            arr, n_inputs = None, operator.index(arr)
        else:
            axis = axis % arr.ndim
            n_inputs = arr.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        idx = jnp.zeros(shape, dtypes.default_int())
    elif p is None:
        if replace:
            idx = randint(k, shape, 0, n_inputs)
        else:
            if n_draws > n_inputs:
                raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                                 f"(size {n_inputs}) when 'replace=False'")
            perm = _shuffle(k, lax.iota(dtypes.default_int(), n_inputs), 0)
            idx = jnp.reshape(lax.slice(perm, (0,), (n_draws,)), shape)
    else:
        p = jnp.asarray(p)
        if p.shape != (n_inputs,):
            raise ValueError(f"p must be None or a 1D vector with the same size as a.shape[axis]. "
                             f"p has shape {p.shape} and a.shape[axis] is {n_inputs}.")
        if replace:
            cum = jnp.cumsum(p)
            total = lax.reshape(lax.slice(cum, (n_inputs - 1,), (n_inputs,)), ())
            u = _uniform(k, shape, np.dtype(p.dtype), np.array(0.0, p.dtype),
                         np.array(1.0, p.dtype))
            r = lax.mul(total, lax.sub(np.array(1.0, p.dtype), u))
            # searchsorted(cum, r, side="left"): how many cumulative sums lie below r
            below = jnp.less(jnp.expand_dims(cum, tuple(range(len(shape)))),
                             jnp.expand_dims(r, -1))
            idx = jnp.sum(below, axis=-1, dtype=dtypes.default_int())
        else:
            if n_draws > n_inputs:
                raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                                 f"(size {n_inputs}) when 'replace=False'")
            g = jnp.add(_gumbel(k, (n_inputs,), np.dtype(p.dtype)), lax.log(p))
            # top_k: the largest first, ties by position
            _, order = lax.sort([lax.neg(g), lax.iota(dtypes.default_int(), n_inputs)],
                                dimension=0, num_keys=1)
            idx = jnp.reshape(lax.slice(order, (0,), (n_draws,)), shape)
    if arr is None:
        return idx
    return jnp.take(arr, idx, axis=axis)


# ---- more distributions, each one compiled program as JAX jits them ------------------------------

def _params_shape(name, shape, *params):
    """JAX's rule: the result shape is ``shape`` (the parameters broadcast to it) or, if None,
    the parameters' broadcast shape."""
    shapes = [np.shape(p) for p in params]
    if shape is None:
        return tuple(np.broadcast_shapes(*shapes))
    shape = _shape(shape)
    try:
        full = tuple(np.broadcast_shapes(shape, *shapes))
    except ValueError:
        full = None
    if full != shape:
        raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                         f"argument, and the result of broadcasting the shapes must equal the "
                         f"shape argument, but got result {full} for shape argument {shape}.")
    return shape


def _params(*params):
    return [jnp.asarray(p) for p in params]


def cauchy(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("cauchy", key)
    return _cauchy(k, shape=_shape(shape), dtype=_float_dtype("cauchy", dtype))


@compiled
def _cauchy(k, *, shape, dtype):
    u = _uniform(k, shape, dtype, np.array(jnp.finfo(dtype).eps, dtype), np.array(1.0, dtype))
    return lax.tan(lax.mul(np.array(np.pi, dtype), lax.sub(u, np.array(0.5, dtype))))


def rademacher(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("rademacher", key)
    dtype = dtypes.default_int() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    return _rademacher(k, shape=_shape(shape), dtype=dtype)


@compiled
def _rademacher(k, *, shape, dtype):
    b = jnp.asarray(bernoulli(k, 0.5, shape)).astype(dtype)
    return jnp.subtract(jnp.multiply(2, b), 1).astype(dtype)


def maxwell(key, shape=(), dtype=None, *, out_sharding=None):
    k, _ = _key("maxwell", key)
    return _maxwell(k, shape=_shape(shape), dtype=_float_dtype("maxwell", dtype))


@compiled
def _maxwell(k, *, shape, dtype):
    return jnp.linalg.norm(_normal_real(k, shape + (3,), dtype), axis=-1)


def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
    k, _ = _key("double_sided_maxwell", key)
    dtype = _float_dtype("double_sided_maxwell", dtype)
    loc, scale = _params(loc, scale)
    params = tuple(np.broadcast_shapes(loc.shape, scale.shape))
    shape = _shape(shape)
    return _double_sided_maxwell(k, loc, scale, shape=(shape or params) + params, dtype=dtype)


@compiled
def _double_sided_maxwell(k, loc, scale, *, shape, dtype):
    km, kr = _split2(k)
    sign = jnp.asarray(rademacher(kr, shape, dtype))
    return jnp.add(jnp.multiply(jnp.multiply(sign, _maxwell(km, shape=shape, dtype=dtype)),
                                scale), loc)


def weibull_min(key, scale, concentration, shape=(), dtype=None):
    k, _ = _key("weibull_min", key)
    return _weibull_min(k, *_params(scale, concentration), shape=_shape(shape),
                        dtype=_float_dtype("weibull_min", dtype))


@compiled
def _weibull_min(k, scale, concentration, *, shape, dtype):
    u = _uniform(k, shape, dtype, np.array(0.0, dtype), np.array(1.0, dtype))
    return jnp.multiply(jnp.power(jnp.negative(jnp.log1p(jnp.negative(u))),
                                  jnp.divide(1.0, concentration)), scale)


def pareto(key, b, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("pareto", key)
    dtype = _float_dtype("pareto", dtype)
    return _pareto(k, *_params(b), shape=_params_shape("pareto", shape, b), dtype=dtype)


@compiled
def _pareto(k, b, *, shape, dtype):
    e = _uniform(k, shape, dtype, np.array(0.0, dtype), np.array(1.0, dtype), _post_exponential)
    return lax.exp(lax.div(e, jnp.broadcast_to(_as(b, dtype), shape)))


def lognormal(key, sigma=np.float32(1), shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("lognormal", key)
    dtype = _float_dtype("lognormal", dtype)
    return _lognormal(k, *_params(sigma), shape=_params_shape("lognormal", shape, sigma),
                      dtype=dtype)


@compiled
def _lognormal(k, sigma, *, shape, dtype):
    return lax.exp(jnp.multiply(_normal_real(k, shape, dtype), _as(sigma, dtype)))


def rayleigh(key, scale, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("rayleigh", key)
    dtype = _float_dtype("rayleigh", dtype)
    return _rayleigh(k, *_params(scale), shape=_params_shape("rayleigh", shape, scale),
                     dtype=dtype)


@compiled
def _rayleigh(k, scale, *, shape, dtype):
    u = _uniform(k, shape, dtype, np.array(0.0, dtype), np.array(1.0, dtype))
    scale = jnp.broadcast_to(_as(scale, dtype), shape)
    return lax.mul(scale, lax.sqrt(lax.mul(lax.log(u), np.array(-2, dtype))))


def wald(key, mean, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("wald", key)
    dtype = _float_dtype("wald", dtype)
    return _wald(k, *_params(mean), shape=_params_shape("wald", shape, mean), dtype=dtype)


@compiled
def _wald(k, mean, *, shape, dtype):
    k1, k2 = _split2(k)
    mean = jnp.broadcast_to(_as(mean, dtype), shape)
    v = _normal_real(k1, shape, dtype)
    z = _uniform(k2, shape, dtype, np.array(0.0, dtype), np.array(1.0, dtype))
    y = lax.integer_pow(v, 2)
    y_sq, mean_sq = lax.integer_pow(y, 2), lax.integer_pow(mean, 2)
    root = lax.sqrt(jnp.add(jnp.multiply(jnp.multiply(4, mean), y), jnp.multiply(mean_sq, y_sq)))
    x = jnp.subtract(jnp.add(mean, jnp.divide(jnp.multiply(mean_sq, y), 2)),
                     jnp.multiply(jnp.divide(mean, 2), root))
    return lax.select(jnp.less_equal(z, jnp.divide(mean, jnp.add(mean, x))), x,
                      jnp.divide(mean_sq, x))


def chisquare(key, df, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("chisquare", key)
    dtype = _float_dtype("chisquare", dtype)
    return _chisquare(k, *_params(df), shape=_params_shape("chisquare", shape, df), dtype=dtype)


@compiled
def _chisquare(k, df, *, shape, dtype):
    half = lax.div(_as(df, dtype), np.array(2, dtype))
    log_g = _gamma(k, jnp.broadcast_to(half, shape), log_space=True)
    return lax.mul(jnp.exp(log_g), np.array(2, dtype))


def f(key, dfnum, dfden, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("f", key)
    dtype = _float_dtype("f", dtype)
    return _f(k, *_params(dfnum, dfden), shape=_params_shape("f", shape, dfnum, dfden),
              dtype=dtype)


@compiled
def _f(k, dfnum, dfden, *, shape, dtype):
    dfden, dfnum = _as(dfden, dtype), _as(dfnum, dtype)
    k_den, k_num = _split2(k)
    num = lax.div(_chisquare(k_num, dfnum, shape=shape, dtype=dtype),
                  jnp.broadcast_to(dfnum, shape))
    den = lax.div(_chisquare(k_den, dfden, shape=shape, dtype=dtype),
                  jnp.broadcast_to(dfden, shape))
    return lax.div(num, den)


def t(key, df, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("t", key)
    dtype = _float_dtype("t", dtype)
    return _t(k, *_params(df), shape=_params_shape("t", shape, df), dtype=dtype)


@compiled
def _t(k, df, *, shape, dtype):
    k_n, k_g = _split2(k)
    n = _normal_real(k_n, shape, dtype)
    half = lax.div(_as(df, dtype), np.array(2, dtype))
    g = _gamma(k_g, jnp.broadcast_to(half, shape), log_space=False)
    return jnp.multiply(n, jnp.sqrt(jnp.divide(half, g)))


def geometric(key, p, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("geometric", key)
    dtype = dtypes.default_int() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    if not np.issubdtype(dtype, np.integer):
        raise ValueError(f"dtype argument to `geometric` must be an int dtype, got {dtype}")
    p = jnp.asarray(p)
    if not dtypes.is_inexact(p.dtype):
        p = p.astype(dtypes.default_float())
    return _geometric(k, p, shape=_params_shape("geometric", shape, p), dtype=dtype)


@compiled
def _geometric(k, p, *, shape, dtype):
    u = _uniform(k, shape, np.dtype(p.dtype), np.array(0.0, p.dtype), np.array(1.0, p.dtype))
    u = jnp.where(jnp.equal(u, 0), 1, u)
    log_1mp = jnp.broadcast_to(lax.log1p(jnp.negative(p)), shape)
    return jnp.add(lax.floor(lax.div(lax.log(u), log_1mp)), 1).astype(dtype)


def triangular(key, left, mode, right, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("triangular", key)
    dtype = _float_dtype("triangular", dtype)
    return _triangular(k, *_params(left, mode, right),
                       shape=_params_shape("triangular", shape, left, mode, right), dtype=dtype)


@compiled
def _triangular(k, left, mode, right, *, shape, dtype):
    left, right, mode = (jnp.broadcast_to(_as(v, dtype), shape) for v in (left, right, mode))
    fc = jnp.divide(jnp.subtract(mode, left), jnp.subtract(right, left))
    u = _uniform(k, shape, dtype, np.array(0.0, dtype), np.array(1.0, dtype))
    width = jnp.subtract(right, left)
    out1 = jnp.add(left, lax.sqrt(jnp.multiply(jnp.multiply(u, width), jnp.subtract(mode, left))))
    out2 = jnp.subtract(right, lax.sqrt(jnp.multiply(jnp.multiply(jnp.subtract(1, u), width),
                                                     jnp.subtract(right, mode))))
    return lax.select(jnp.less(u, fc), out1, out2)


def generalized_normal(key, p, shape=(), dtype=None, *, out_sharding=None):
    """Density ``~ exp(-|x|^p)``: a random sign times ``gamma(1/p) ** (1/p)``."""
    shape = _shape(shape)
    k, _ = _key("generalized_normal", key)
    dtype = dtypes.default_float() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    return _generalized_normal(k, _weak(p), shape=shape, dtype=dtype)


def _weak(x):
    """``x`` as an array, weakly typed if a Python scalar (as a jitted function's argument)."""
    if isinstance(x, Array):
        return x
    dtype, weak = dtypes.dtype_and_weak(x)
    return put(np.asarray(x, dtypes.canonicalize(dtype)), weak_type=weak)


@compiled
def _generalized_normal(k, p, *, shape, dtype):
    kg, kr = _split2(k)
    g = _gamma_sampler("gamma", kg, jnp.divide(1, p), shape, dtype, log_space=False)
    r = rademacher(kr, shape, dtype)
    return jnp.multiply(r, jnp.power(g, jnp.divide(1, p)))


def ball(key, d, p=2, shape=(), dtype=None, *, out_sharding=None):
    """Uniform in the unit Lp ball of dimension ``d`` (Barthe et al. 2005): generalized normal
    coordinates over the p-norm of (them, an exponential draw)."""
    shape = _shape(shape)
    k, _ = _key("ball", key)
    dtype = dtypes.default_float() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    d = operator.index(d)
    if d < 0:
        raise TypeError(f"Only non-negative indices are allowed when broadcasting static "
                        f"shapes, but got shape {shape + (d,)}.")
    return _ball(k, _weak(p), d=d, shape=shape, dtype=dtype)


@compiled
def _ball(k, p, *, d, shape, dtype):
    k1, k2 = _split2(k)
    g = _generalized_normal(k1, p, shape=shape + (d,), dtype=dtype)
    e = exponential(k2, shape, dtype)
    norm = jnp.power(jnp.add(jnp.sum(jnp.power(jnp.abs(g), p), axis=-1), e), jnp.divide(1, p))
    return jnp.divide(g, norm[..., None])


def key_impl(keys):
    """The name of the keys' PRNG implementation (always threefry here)."""
    if not _is_key(keys) and not isinstance(keys, (Array, np.ndarray)):
        raise TypeError(f"JAX encountered invalid PRNG key data: expected key_data to have ndim, "
                        f"shape, and dtype attributes. Got {keys}")
    if not _is_key(keys):
        _raw_data(keys, "key_impl")
    return "threefry2x32"


def key_dtype(impl=None):
    _check_impl(impl)
    return KEY_DTYPE


# ---- gamma family (rejection sampling) ------------------------------------------------------------

def gamma(key, a, shape=None, dtype=None, *, out_sharding=None):
    return _gamma_sampler("gamma", key, a, shape, dtype, log_space=False)


def loggamma(key, a, shape=None, dtype=None, *, out_sharding=None):
    """``log(gamma(...))`` sampled in log space (precise for ``a << 1``)."""
    return _gamma_sampler("loggamma", key, a, shape, dtype, log_space=True)


def _gamma_sampler(name, key, a, shape, dtype, log_space):
    k, _ = _key(name, key)
    dtype = _float_dtype(name, dtype)
    a = _as(a, dtype)
    shape = a.shape if shape is None else _shape(shape)
    _check_broadcast(name, shape, a)
    return _gamma(k, jnp.broadcast_to(a, shape), log_space=log_space)


@compiled
def _gamma(k, a, *, log_space):
    """Marsaglia-Tsang with JAX's per-element key streams: element ``i`` draws from the ``i``-th
    key of ``split(k, a.size)``. The rejection loops run on all elements at once, each element
    keeping its state once accepted (as JAX's vectorised sampler does)."""
    dtype, shape = a.dtype, a.shape
    n = math.prod(shape)
    c0 = lambda v: np.array(v, dtype)
    flat_a = jnp.reshape(a, (n,))
    keys = _split(k, (n,))
    boost_mask = jnp.greater_equal(flat_a, c0(1))
    alpha = lax.select(boost_mask, flat_a, lax.add(flat_a, c0(1)))
    d = lax.sub(alpha, c0(1 / 3))
    c = lax.div(c0(1 / 3), lax.sqrt(d))
    ks = _split_batch(keys, 2)
    key_boost = ks[:, 1]

    def rejected(X, V, U):
        cond1 = jnp.greater_equal(U, lax.sub(c0(1), lax.mul(c0(0.0331), lax.mul(X, X))))
        rhs = lax.add(lax.mul(X, c0(0.5)), lax.mul(d, lax.add(lax.sub(c0(1), V), lax.log(V))))
        return jnp.logical_and(cond1, jnp.greater_equal(lax.log(U), rhs))

    def draw_x(state):  # x ~ N(0, 1) until v = 1 + x c > 0
        xk, x, v = state
        bad = jnp.less_equal(v, c0(0))
        ks2 = _split_batch(xk, 2)
        rb = _rng_bits(dtype)
        xn, vn = _fused("gamma_xv", _gamma_xv_body, _bits_batch(ks2[:, 1], rb), c, rng_bits=rb,
                        dtype=dtype)
        return (jnp.where(bad[:, None], ks2[:, 0], xk), lax.select(bad, xn, x),
                lax.select(bad, vn, v))

    def propose(state):
        key, X, V, U = state
        rej = rejected(X, V, U)
        ks = _split_batch(key, 3)
        _, x, v = while_loop(lambda s: jnp.any(jnp.less_equal(s[2], c0(0))), draw_x,
                             (ks[:, 1], jnp.zeros((n,), dtype), jnp.full((n,), -1.0, dtype)))
        return (jnp.where(rej[:, None], ks[:, 0], key), lax.select(rej, lax.mul(x, x), X),
                lax.select(rej, lax.mul(lax.mul(v, v), v), V),
                lax.select(rej, _uniform_batch(ks[:, 2], dtype), U))

    init = (ks[:, 0], jnp.zeros((n,), dtype), jnp.ones((n,), dtype), jnp.full((n,), 2.0, dtype))
    _, _, V, _ = while_loop(lambda s: jnp.any(rejected(*s[1:])), propose, init)
    if log_space:
        log_u = lax.neg(_uniform_batch(key_boost, dtype, post=_post_exponential))
        log_boost = lax.select(jnp.logical_or(boost_mask, jnp.equal(log_u, c0(0))),
                               jnp.zeros((n,), dtype), lax.mul(log_u, lax.div(c0(1), flat_a)))
        out = lax.add(lax.add(lax.log(d), lax.log(V)), log_boost)
    else:
        u_boost = lax.sub(c0(1), _uniform_batch(key_boost, dtype))
        boost = lax.select(boost_mask, jnp.ones((n,), dtype),
                           lax.pow(u_boost, lax.div(c0(1), flat_a)))
        out = lax.mul(lax.mul(d, V), boost)
    return jnp.reshape(out, shape)


def _gamma_xv_body(B, b, c, rng_bits, dtype):
    lo = np.nextafter(np.array(-1.0, dtype), np.array(np.inf, dtype))[()]
    x = _post_normal(B, _u_expr(B, b, lo, np.array(1.0, dtype)[()], rng_bits, dtype), dtype)
    return x, B.add(np.array(1.0, dtype)[()], B.mul(x, c))


def _split_batch(keys, num):
    """``split`` of each of ``keys`` (``uint32[n, 2]``) into ``num``: ``uint32[n, num, 2]``."""
    n = keys.shape[0]
    k0 = jnp.broadcast_to(keys[:, 0:1], (n, num))
    k1 = jnp.broadcast_to(keys[:, 1:2], (n, num))
    lo = lax.broadcast_in_dim(lax.iota(U32, num), (n, num), (1,))
    hi = jnp.zeros((n, num), U32)
    a, b = bind("threefry2x32", k0, k1, hi, lo)
    return jnp.stack([a, b], axis=-1)


def _bits_batch(keys, bit_width=32):
    """One draw (shape ``()``) per key of ``keys`` (``uint32[n, 2]``)."""
    n = keys.shape[0]
    zero = jnp.zeros((n,), U32)
    a, b = bind("threefry2x32", keys[:, 0], keys[:, 1], zero, zero)
    return _combine(a, b, bit_width)


def _uniform_batch(keys, dtype, minval=0.0, maxval=1.0, post=None):
    rng_bits = _rng_bits(dtype)
    b = _bits_batch(keys, rng_bits)
    return _uniform_from_bits(b, rng_bits, dtype, np.array(minval, dtype),
                              np.array(maxval, dtype), post)


def _normal_batch(keys, dtype):
    lo = np.nextafter(np.array(-1.0, dtype), np.array(np.inf, dtype))
    return _uniform_batch(keys, dtype, lo, 1.0, _post_normal)


def beta(key, a, b, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("beta", key)
    dtype = _float_dtype("beta", dtype)
    a, b = _as(a, dtype), _as(b, dtype)
    shape = jnp.broadcast_shapes(a.shape, b.shape) if shape is None else _shape(shape)
    _check_broadcast("beta", shape, a, b)
    return _beta(k, jnp.broadcast_to(a, shape), jnp.broadcast_to(b, shape))


@compiled
def _beta(k, a, b):
    ka, kb = _split2(k)
    la, lb = _gamma(ka, a, log_space=True), _gamma(kb, b, log_space=True)
    top = jnp.maximum(la, lb)  # gamma_a / (gamma_a + gamma_b) without losing precision
    ea, eb = jnp.exp(jnp.subtract(la, top)), jnp.exp(jnp.subtract(lb, top))
    return jnp.divide(ea, jnp.add(ea, eb))


def dirichlet(key, alpha, shape=None, dtype=None, *, out_sharding=None):
    k, _ = _key("dirichlet", key)
    dtype = _float_dtype("dirichlet", dtype)
    alpha = _as(alpha, dtype)
    if alpha.ndim < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {alpha.ndim}")
    shape = alpha.shape[:-1] if shape is None else _shape(shape)
    _check_broadcast("dirichlet", shape, np.broadcast_to(np.bool_(0), alpha.shape[:-1]))
    return _dirichlet(k, jnp.broadcast_to(alpha, shape + alpha.shape[-1:]))


@compiled
def _dirichlet(k, alpha):
    lg = _gamma(k, alpha, log_space=True)
    e = jnp.exp(jnp.subtract(lg, jnp.max(lg, axis=-1, keepdims=True)))  # softmax
    return jnp.divide(e, jnp.sum(e, axis=-1, keepdims=True))


def _broadcast_shapes_lax(*shapes):
    """``lax.broadcast_shapes`` (NumPy's rule, JAX's error)."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky", *,
                        out_sharding=None):
    """Samples of N(mean, cov), ``mean + factor @ z`` with ``factor`` from the Cholesky (default),
    eigh or SVD decomposition of ``cov`` and standard normal ``z`` (bit-identical with JAX)."""
    from s2s.runtime.numpy.util import promote_inexact
    k, _ = _key("multivariate_normal", key)
    mean, cov = promote_inexact(jnp.asarray(mean), jnp.asarray(cov))
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dtype = mean.dtype if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    if not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `multivariate_normal` must be a float dtype, got "
                         f"{dtype}")
    if mean.ndim < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{mean.ndim}")
    if cov.ndim < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {cov.ndim}")
    n = mean.shape[-1]
    if cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, but "
                         f"got cov.shape == {cov.shape}.")
    if shape is None:
        shape = _broadcast_shapes_lax(mean.shape[:-1], cov.shape[:-2])
    else:
        shape = _shape(shape)
        full = _broadcast_shapes_lax(shape, mean.shape[:-1], cov.shape[:-2])
        if full != shape:
            raise ValueError(f"normal parameter shapes must be broadcast-compatible with shape "
                             f"argument, and the result of broadcasting the shapes must equal the "
                             f"shape argument, but got result {full} for shape argument {shape}.")
    return _multivariate_normal(k, mean, cov, shape=shape, dtype=dtype, method=method)


@compiled
def _multivariate_normal(k, mean, cov, *, shape, dtype, method):
    if method == "svd":
        u, s, _ = jnp.linalg.svd(cov)
        factor = jnp.multiply(u, jnp.sqrt(s[..., None, :]))
    elif method == "eigh":
        w, v = jnp.linalg.eigh(cov)
        factor = jnp.multiply(v, jnp.sqrt(w[..., None, :]))
    else:
        factor = jnp.linalg.cholesky(cov)
    z = normal(k, shape + mean.shape[-1:], dtype)
    return jnp.add(mean, _matvec_einsum(factor, z))


def _matvec_einsum(factor, z):
    """``jnp.einsum('...ij,...j->...i', factor, z)`` contracted as JAX contracts it (the same
    ``dot_general``, so the same rounding): ``z`` is the left operand; size-1 batch dimensions
    facing larger ones are squeezed; batch dimensions both share are dot batch dimensions; the
    operands are swapped when that gives the result's axis order without a transpose."""
    nz, nf = z.ndim - 1, factor.ndim - 2
    ell = [f"e{d}" for d in range(nz)]
    result = ell + ["i"]

    def filter_singletons(x, names, other_shape, other_names):
        keep = [x.shape[d] != 1 or nm not in other_names or
                other_shape[other_names.index(nm)] == 1 for d, nm in enumerate(names)]
        if all(keep):
            return x, names
        x = jnp.reshape(x, tuple(d for d, k in zip(x.shape, keep) if k))
        return x, [nm for nm, k in zip(names, keep) if k]

    lhs, lhs_names = filter_singletons(z, ell + ["j"], factor.shape, ell[nz - nf:] + ["i", "j"])
    rhs, rhs_names = filter_singletons(factor, ell[nz - nf:] + ["i", "j"], lhs.shape, lhs_names)
    batch = [nm for nm in result if nm in lhs_names and nm in rhs_names]
    lb, rb = [lhs_names.index(nm) for nm in batch], [rhs_names.index(nm) for nm in batch]
    lc, rc = [lhs_names.index("j")], [rhs_names.index("j")]
    rest_l = [nm for nm in lhs_names if nm not in batch and nm != "j"]
    rest_r = [nm for nm in rhs_names if nm not in batch and nm != "j"]
    out_dtype = dtypes.result_type(lhs.dtype, rhs.dtype)
    lhs, rhs = _as(lhs, out_dtype), _as(rhs, out_dtype)
    names = batch + rest_r + rest_l
    if names == result:
        out = _rlax.dot_general(rhs, lhs, ((rc, lc), (rb, lb)), preferred_element_type=out_dtype)
    else:
        names = batch + rest_l + rest_r
        out = _rlax.dot_general(lhs, rhs, ((lc, rc), (lb, rb)), preferred_element_type=out_dtype)
    if names != result:
        out = _rlax.transpose(out, [names.index(nm) for nm in result])
    return out


def orthogonal(key, n, shape=(), dtype=None, m=None, *, out_sharding=None):
    """A uniformly random orthogonal (unitary for complex dtypes) n x m matrix, or a batch of
    ``shape`` of them: Q of the QR decomposition of a normal matrix, its columns' signs fixed
    by R's diagonal (Mezzadri 2007); semi-orthogonal when n != m. Bit-identical with JAX."""
    shape = _shape(shape)
    k, _ = _key("orthogonal", key)
    dtype = dtypes.default_float() if dtype is None else dtypes.canonicalize(np.dtype(dtype))
    if not dtypes.is_inexact(dtype):
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got "
                         f"{dtype}")
    n = operator.index(n)
    m = n if m is None else operator.index(m)
    if n < 0 or m < 0:
        raise ValueError(f"negative dimensions are not allowed, got {n} and {m}")
    return _orthogonal(k, n=n, m=m, shape=shape, dtype=dtype)


@compiled
def _orthogonal(k, *, n, m, shape, dtype):
    z = normal(k, (*shape, max(n, m), min(n, m)), dtype)
    q, r = jnp.linalg.qr(z)
    d = jnp.linalg.diagonal(r)
    x = jnp.multiply(q, jnp.expand_dims(jnp.sign(d), -2))
    return jnp.swapaxes(x, -1, -2) if n < m else x
