"""Every s2s.numpy batching rule (``s2s.rules.batching.RULES``) against a Python loop over the
batch: one TABLE line per case, every mix of mapped/unmapped operands, in_axes in
{0, 1, -1, None} and out_axes in {0, 1, -1} where the ranks allow.

s2s.vmap transforms source, so each line carries its own small lambda (defined in this file);
``fn`` is the rule's key, which ``test_every_numpy_rule_has_a_table_line`` checks for."""
import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import s2s
import s2s.numpy as jnp
from s2s.rules.batching import RULES


class Line:
    """``f`` (calling ``fn``) on operands of the per-example ``shapes`` (one tuple of operand
    shapes per case); ``kind`` picks the values: f(loat), p(ositive float), i(nt in {0, 1}),
    q (int in 1..3), b(ool), s(ymmetric positive definite matrices), or one letter per
    operand."""

    def __init__(self, name, fn, f, shapes, kind="f"):
        self.name, self.fn, self.f, self.shapes, self.kind = name, fn, f, shapes, kind
        self.arity = len(shapes[0])

    def __repr__(self):
        return self.name


S0, S1, S2 = (), (3,), (2, 3)
M3 = (3, 3)
UNARY = [(S0,), (S1,), (S2,)]
RANK1 = [(S1,), (S2,)]
BINARY = [(S0, S0), (S1, S1), (S2, S2), (S2, S1), (S0, S2), (S1, S0)]
TERNARY = [(S0, S0, S0), (S2, S2, S2), (S2, S1, S0), (S0, S1, S2)]

L = Line
TABLE = [
    # ---- elementwise (rank alignment of differently-ranked operands) -------------------------
    L("add", jnp.add, lambda x, y: jnp.add(x, y), BINARY),
    L("subtract", jnp.subtract, lambda x, y: jnp.subtract(x, y), BINARY),
    L("multiply", jnp.multiply, lambda x, y: jnp.multiply(x, y), BINARY),
    L("divide", jnp.divide, lambda x, y: jnp.divide(x, y), BINARY, "fp"),
    L("true_divide", jnp.true_divide, lambda x, y: x / y, BINARY, "fp"),
    L("power", jnp.power, lambda x, y: jnp.power(x, y), BINARY, "p"),
    L("maximum", jnp.maximum, lambda x, y: jnp.maximum(x, y), BINARY),
    L("minimum", jnp.minimum, lambda x, y: jnp.minimum(x, y), BINARY),
    L("arctan2", jnp.arctan2, lambda x, y: jnp.arctan2(x, y), BINARY),
    L("logaddexp", jnp.logaddexp, lambda x, y: jnp.logaddexp(x, y), BINARY),
    L("floor_divide", jnp.floor_divide, lambda x, y: x // y, BINARY, "iq"),
    L("mod", jnp.mod, lambda x, y: jnp.mod(x, y), BINARY, "fp"),
    L("fmod", jnp.fmod, lambda x, y: jnp.fmod(x, y), BINARY, "fp"),
    L("equal", jnp.equal, lambda x, y: jnp.equal(x, y), BINARY, "i"),
    L("not_equal", jnp.not_equal, lambda x, y: x != y, BINARY, "i"),
    L("less", jnp.less, lambda x, y: jnp.less(x, y), BINARY),
    L("less_equal", jnp.less_equal, lambda x, y: x <= y, BINARY, "i"),
    L("greater", jnp.greater, lambda x, y: x > y, BINARY),
    L("greater_equal", jnp.greater_equal, lambda x, y: jnp.greater_equal(x, y), BINARY),
    L("logical_and", jnp.logical_and, lambda x, y: jnp.logical_and(x, y), BINARY, "b"),
    L("logical_or", jnp.logical_or, lambda x, y: jnp.logical_or(x, y), BINARY, "b"),
    L("logical_xor", jnp.logical_xor, lambda x, y: jnp.logical_xor(x, y), BINARY, "b"),
    L("bitwise_and", jnp.bitwise_and, lambda x, y: x & y, BINARY, "i"),
    L("bitwise_or", jnp.bitwise_or, lambda x, y: jnp.bitwise_or(x, y), BINARY, "i"),
    L("bitwise_xor", jnp.bitwise_xor, lambda x, y: jnp.bitwise_xor(x, y), BINARY, "i"),
    L("where", jnp.where, lambda c, x, y: jnp.where(c, x, y), TERNARY, "bff"),
    L("clip", jnp.clip, lambda x, lo, hi: jnp.clip(x, lo, hi), TERNARY),
    # ---- reductions ---------------------------------------------------------------------------
    L("sum", jnp.sum, lambda x: jnp.sum(x), UNARY),
    L("sum_axis0", jnp.sum, lambda x: jnp.sum(x, axis=0), RANK1),
    L("sum_axis-1_keepdims", jnp.sum, lambda x: jnp.sum(x, axis=-1, keepdims=True), RANK1),
    L("sum_axes", jnp.sum, lambda x: jnp.sum(x, axis=(0, -1)), [(S2,)]),
    L("mean", jnp.mean, lambda x: jnp.mean(x, axis=-1), RANK1),
    L("max", jnp.max, lambda x: jnp.max(x), UNARY),
    L("min", jnp.min, lambda x: jnp.min(x, axis=0, keepdims=True), RANK1),
    L("prod", jnp.prod, lambda x: jnp.prod(x, axis=-1), RANK1),
    L("all", jnp.all, lambda x: jnp.all(x), UNARY, "b"),
    L("any", jnp.any, lambda x: jnp.any(x, axis=0), RANK1, "b"),
    L("std", jnp.std, lambda x: jnp.std(x, axis=-1), RANK1),
    L("var", jnp.var, lambda x: jnp.var(x, ddof=1), RANK1),
    L("count_nonzero", jnp.count_nonzero, lambda x: jnp.count_nonzero(x, axis=-1), RANK1, "b"),
    L("argmax", jnp.argmax, lambda x: jnp.argmax(x), UNARY),
    L("argmax_axis", jnp.argmax, lambda x: jnp.argmax(x, axis=-1), RANK1),
    L("argmin", jnp.argmin, lambda x: jnp.argmin(x, axis=0), RANK1),
    L("cumsum", jnp.cumsum, lambda x: jnp.cumsum(x), UNARY),
    L("cumsum_axis", jnp.cumsum, lambda x: jnp.cumsum(x, axis=-1), RANK1),
    L("cumprod", jnp.cumprod, lambda x: jnp.cumprod(x, axis=0), RANK1),
    # ---- shapes -------------------------------------------------------------------------------
    L("reshape", jnp.reshape, lambda x: jnp.reshape(x, (-1,)), UNARY),
    L("reshape_2d", jnp.reshape, lambda x: jnp.reshape(x, (3, 2)), [(S2,)]),
    L("reshape_method", jnp.reshape, lambda x: x.reshape(3, -1), [(S1,), (S2,)]),
    L("ravel", jnp.ravel, lambda x: jnp.ravel(x), UNARY),
    L("transpose", jnp.transpose, lambda x: jnp.transpose(x), UNARY),
    L("transpose_axes", jnp.transpose, lambda x: jnp.transpose(x, (1, 0)), [(S2,)]),
    L("transpose_T", jnp.transpose, lambda x: x.T, [(S2,)]),
    L("swapaxes", jnp.swapaxes, lambda x: jnp.swapaxes(x, 0, -1), [(S2,)]),
    L("moveaxis", jnp.moveaxis, lambda x: jnp.moveaxis(x, -1, 0), RANK1),
    L("expand_dims", jnp.expand_dims, lambda x: jnp.expand_dims(x, 0), UNARY),
    L("expand_dims_neg", jnp.expand_dims, lambda x: jnp.expand_dims(x, -1), UNARY),
    L("squeeze", jnp.squeeze, lambda x: jnp.squeeze(x), [((1, 3),), ((2, 1),)]),
    L("squeeze_axis", jnp.squeeze, lambda x: jnp.squeeze(x, axis=-1), [((2, 1),)]),
    L("stack", jnp.stack, lambda x, y: jnp.stack([x, y]), [(S0, S0), (S2, S2)]),
    L("stack_axis", jnp.stack, lambda x, y: jnp.stack([x, y], axis=-1), [(S0, S0), (S2, S2)]),
    L("stack3", jnp.stack, lambda x, y, z: jnp.stack((x, y, z), axis=1), [(S1, S1, S1)]),
    L("concatenate", jnp.concatenate, lambda x, y: jnp.concatenate([x, y]), [(S1, S1), (S2, S2)]),
    L("concatenate_axis", jnp.concatenate, lambda x, y: jnp.concatenate([x, y], axis=-1),
      [(S2, S2), (S2, (2, 1))]),
    L("split", jnp.split, lambda x: jnp.split(x, 3, axis=-1)[1], [(S1,), (S2,)]),
    L("split_indices", jnp.split, lambda x: jnp.split(x, [1], axis=0)[-1], [(S1,), (S2,)]),
    L("array_split", jnp.array_split, lambda x: jnp.array_split(x, 2, axis=-1)[0],
      [(S1,), (S2,)]),
    L("fliplr", jnp.fliplr, lambda x: jnp.fliplr(x), [(S2,)]),
    L("flipud", jnp.flipud, lambda x: jnp.flipud(x), [(S1,), (S2,)]),
    L("unstack", jnp.unstack, lambda x: jnp.unstack(x, axis=-1)[1], [((2, 3),)]),
    L("reshape_int", jnp.reshape, lambda x: jnp.reshape(x, 6), [(S2,)]),
    L("transpose_neg", jnp.transpose, lambda x: jnp.transpose(x, (-1, 0, 1)), [((2, 3, 4),)]),
    L("moveaxis_tuple", jnp.moveaxis, lambda x: jnp.moveaxis(x, (0, 1), (-1, 0)), [((2, 3, 4),)]),
    L("expand_dims_tuple", jnp.expand_dims, lambda x: jnp.expand_dims(x, (0, -1)), UNARY),
    L("squeeze_tuple", jnp.squeeze, lambda x: jnp.squeeze(x, (0, 2)), [((1, 3, 1),)]),
    L("einsum", jnp.einsum, lambda x, y: jnp.einsum("ij,kj->ik", x, y), [(S2, S2)]),
    L("einsum_ellipsis", jnp.einsum, lambda x, y: jnp.einsum("...j,...j", x, y),
      [(S1, S1), (S2, S2)]),
    L("concatenate3", jnp.concatenate, lambda x, y, z: jnp.concatenate((x, y, z), axis=0),
      [(S1, S1, S1), (S2, S2, (1, 3))]),
    # ---- methods (the transform sends x.sum(...) etc. to the same rules) ----------------------
    L("sum_method", jnp.sum, lambda x: x.sum(-1, keepdims=True), RANK1),
    L("max_method", jnp.max, lambda x: x.max(), UNARY),
    L("argmax_method", jnp.argmax, lambda x: x.argmax(axis=0), RANK1),
    L("cumsum_method", jnp.cumsum, lambda x: x.cumsum(), UNARY),
    L("clip_method", jnp.clip, lambda x: x.clip(-0.5, 0.5), UNARY),
    L("squeeze_method", jnp.squeeze, lambda x: x.squeeze(), [((1, 3),)]),
    L("transpose_method", jnp.transpose, lambda x: x.transpose(1, 0), [(S2,)]),
    L("ravel_method", jnp.ravel, lambda x: x.ravel(), UNARY),
    L("dot_method", jnp.dot, lambda x, y: x.dot(y), [(S1, S1), (S2, S1)]),
    # ---- products -----------------------------------------------------------------------------
    L("matmul", jnp.matmul, lambda x, y: jnp.matmul(x, y),
      [(S1, S1), (S2, S1), ((3,), (3, 2)), (S2, (3, 2)), ((4, 2, 3), (3, 2)),
       ((2, 3), (4, 3, 2)), ((4, 2, 3), (4, 3, 2)), ((4, 2, 3), (3,)), ((3,), (4, 3, 2))]),
    L("matmul_op", jnp.matmul, lambda x, y: x @ y, [(S1, S1), (S2, (3, 2))]),
    L("dot", jnp.dot, lambda x, y: jnp.dot(x, y),
      [(S0, S2), (S1, S1), (S2, S1), ((3,), (3, 2)), (S2, (3, 2)), ((4, 2, 3), (3, 2)),
       ((2, 3), (4, 3, 2))]),
    L("outer", jnp.outer, lambda x, y: jnp.outer(x, y), [(S1, (2,)), (S2, S1), (S0, S1)]),
    # ---- linear algebra (kind "s": symmetric positive definite matrices) ---------------------
    L("cholesky", jnp.linalg.cholesky, lambda x: jnp.linalg.cholesky(x), [(M3,), ((2, 3, 3),)],
      "s"),
    L("cholesky_upper", jnp.linalg.cholesky, lambda x: jnp.linalg.cholesky(x, upper=True),
      [(M3,)], "s"),
    L("qr", jnp.linalg.qr, lambda x: jnp.linalg.qr(x)[0], [(M3,), ((4, 3),), ((2, 3, 4),)]),
    L("qr_r", jnp.linalg.qr, lambda x: jnp.linalg.qr(x, mode="r"), [((4, 3),), ((3, 4),)]),
    L("eigh", jnp.linalg.eigh, lambda x: jnp.linalg.eigh(x).eigenvectors,
      [(M3,), ((2, 3, 3),)], "s"),
    L("eigh_values", jnp.linalg.eigh, lambda x: jnp.linalg.eigh(x, UPLO="U")[0], [(M3,)]),
    L("eigvalsh", jnp.linalg.eigvalsh, lambda x: jnp.linalg.eigvalsh(x), [(M3,)], "s"),
    L("eig", jnp.linalg.eig, lambda x: jnp.linalg.eig(x).eigenvalues, [(M3,), ((2, 3, 3),)]),
    L("eigvals", jnp.linalg.eigvals, lambda x: jnp.linalg.eigvals(x), [(M3,)]),
    L("svd", jnp.linalg.svd, lambda x: jnp.linalg.svd(x)[1], [((3, 4),), ((2, 4, 3),)]),
    L("svd_u", jnp.linalg.svd, lambda x: jnp.linalg.svd(x, full_matrices=False).U,
      [((4, 3),)]),
    L("svd_values", jnp.linalg.svd, lambda x: jnp.linalg.svd(x, compute_uv=False), [((3, 4),)]),
    L("svd_hermitian", jnp.linalg.svd, lambda x: jnp.linalg.svd(x, hermitian=True)[2], [(M3,)],
      "s"),
    L("inv", jnp.linalg.inv, lambda x: jnp.linalg.inv(x), [(M3,), ((2, 3, 3),)], "s"),
    L("det", jnp.linalg.det, lambda x: jnp.linalg.det(x), [(M3,), ((2, 2),), ((2, 4, 4),)]),
    L("slogdet", jnp.linalg.slogdet, lambda x: jnp.linalg.slogdet(x)[1], [(M3,), ((4, 4),)]),
    L("solve", jnp.linalg.solve, lambda a, b: jnp.linalg.solve(a, b),
      [(M3, (3,)), (M3, (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3, 2)), (M3, (2, 3, 2)),
       ((2, 3, 3), (3, 1))], "sf"),
    # ---- indexing -----------------------------------------------------------------------------
    L("getitem_int", jnp._getitem, lambda x: x[1], [((3,),), ((2, 3),)]),
    L("getitem_slices", jnp._getitem, lambda x: x[..., ::-1][:1], RANK1),
    L("getitem_tuple", jnp._getitem, lambda x: x[1, :2], [(S2,)]),
    L("getitem_newaxis", jnp._getitem, lambda x: x[None, :, None], [(S2,)]),
    L("getitem_index", jnp._getitem, lambda x, i: x[i], [(S1, S0), (S2, S0), (S2, (2,))], "fi"),
    L("getitem_index_2nd", jnp._getitem, lambda x, i: x[:, i], [(S2, S0), (S2, (2,))], "fi"),
    L("getitem_two_indices", jnp._getitem, lambda x, i, j: x[i, j],
      [(S2, S0, S0), (S2, (2,), (2,)), (S2, S0, (2,)), (S2, (2, 1), (2,))], "fii"),
    L("getitem_apart", jnp._getitem, lambda x: x[jnp.asarray([1, 0]), :, 1], [((2, 3, 2),)]),
    L("getitem_apart_ints", jnp._getitem, lambda x: x[1, :, 0], [((2, 3, 2),)]),
    L("getitem_adjacent", jnp._getitem, lambda x: x[:, jnp.asarray([[1], [0]]), 1],
      [((3, 2, 2),)]),
]


def _values(rng, kind, shape):
    if kind == "f":
        return rng.normal(size=shape).astype(np.float32)
    if kind == "p":
        return rng.uniform(0.5, 2.0, size=shape).astype(np.float32)
    if kind == "i":  # small non-negative ints: valid indices into axes of size 2 and 3
        return rng.integers(0, 2, size=shape).astype(np.int32)
    if kind == "q":  # positive ints (divisors)
        return rng.integers(1, 4, size=shape).astype(np.int32)
    if kind == "b":
        return rng.random(size=shape) < 0.5
    if kind == "s":  # symmetric positive definite (batches of) matrices
        a = rng.normal(size=shape)
        return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(np.float32)
    raise ValueError(kind)


def _kinds(line):
    k = line.kind
    if len(k) == line.arity:
        return list(k)
    return [k] * line.arity


def _in_axes(rank):
    return [0, -1] + ([1] if rank >= 1 else [])


def _out_axes(rank):
    return [0, -1] + ([1] if rank >= 1 else [])


def _patterns(n):
    """Which operands are mapped: every combination with at least one."""
    return [p for p in itertools.product([True, False], repeat=n) if any(p)]


# Known failures, kept visible (strict: they fail the run once fixed, so drop them then).
CASES = [pytest.param(line, p, id=f"{line.name}-{''.join('m' if m else 'u' for m in p)}")
         for line in TABLE for p in _patterns(line.arity)]


def _reference(f, args, in_axes, size, out_axes):
    outs = []
    for i in range(size):
        ex = [jnp.asarray(np.take(a, i, axis=ax)) if ax is not None else jnp.asarray(a)
              for a, ax in zip(args, in_axes)]
        outs.append(np.asarray(f(*ex)))
    return np.stack(outs, axis=out_axes)


def _check(line, shapes, pattern, choose, size, rng):
    """vmap(line.f) against the loop; ``choose(options, label)`` picks each in_axis/out_axes."""
    in_axes, args = [], []
    for shape, kind, m in zip(shapes, _kinds(line), pattern):
        if m:
            ax = choose(_in_axes(len(shape)), "in_axis")
            in_axes.append(ax)
            args.append(np.stack([_values(rng, kind, shape) for _ in range(size)], axis=ax))
        else:
            in_axes.append(None)
            args.append(_values(rng, kind, shape))
    ex = [jnp.asarray(np.take(a, 0, axis=ax)) if ax is not None else jnp.asarray(a)
          for a, ax in zip(args, in_axes)]
    out_axes = choose(_out_axes(np.ndim(np.asarray(line.f(*ex)))), "out_axes")
    ref = _reference(line.f, args, in_axes, size, out_axes)
    ours = s2s.vmap(line.f, in_axes=tuple(in_axes), out_axes=out_axes)(
        *[jnp.asarray(a) for a in args])
    where = f"{line.name} shapes={shapes} in_axes={tuple(in_axes)} out_axes={out_axes}"
    assert ours.shape == ref.shape, where
    assert np.asarray(ours).dtype == ref.dtype, where
    np.testing.assert_allclose(np.asarray(ours), ref, rtol=1e-5, atol=1e-6, err_msg=where)


@pytest.mark.parametrize("line,pattern", CASES)
@given(data=st.data(), size=st.integers(1, 3))
def test_rule_matches_python_loop(line, pattern, data, size):
    shapes = data.draw(st.sampled_from(line.shapes), label="shapes")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))
    _check(line, shapes, pattern, lambda opts, label: data.draw(st.sampled_from(opts),
                                                                label=label), size, rng)


@pytest.mark.parametrize("line", TABLE, ids=[line.name for line in TABLE])
def test_every_shape_case_and_pattern(line):
    """Hypothesis samples the shape cases; this runs each of them once, with every mapped
    operand at its last axis and the output's batch axis last."""
    rng = np.random.default_rng(0)
    for shapes in line.shapes:
        for pattern in _patterns(line.arity):
            _check(line, shapes, pattern, lambda opts, label: -1, 2, rng)


def test_every_numpy_rule_has_a_table_line():
    numpy_rules = {fn for fn in RULES
                   if getattr(fn, "__module__", "").startswith("s2s.runtime.numpy")}
    assert numpy_rules, "no runtime.numpy rules found"
    covered = {line.fn for line in TABLE}
    missing = sorted(f.__name__ for f in numpy_rules - covered)
    assert not missing, f"batching rules without a TABLE line in {__file__}: {missing}"
    assert all(line.fn in RULES for line in TABLE), [l.name for l in TABLE if l.fn not in RULES]
