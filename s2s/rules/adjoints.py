"""Adjoint templates for the s2s.numpy functions (and the operators that call them).

Read each as "given the cotangent ``d[result]``, accumulate the cotangents of the inputs".
"""
import builtins

from s2s.runtime import numpy as jnp
from s2s.runtime import lax, tree_util
from s2s.rules import ADJOINTS, adjoint, product_adjoints, share_with_lax_twins, unary_slope
from s2s.rules.adjoint_library import *  # noqa: F401,F403
from s2s.rules.window_library import *  # noqa: F401,F403
from s2s.rules.gather_library import *  # noqa: F401,F403
from s2s.rules.linalg_library import *  # noqa: F401,F403
from s2s.rules.special_library import *  # noqa: F401,F403
from s2s.rules.helpers import *  # noqa: F401,F403  (the names templates use)

d = None  # the templates' cotangent notation; never evaluated


@adjoint(jnp.add)
def add(z, x1, x2):
    d[x1] = unbroadcast(d[z], x1)
    d[x2] = unbroadcast(d[z], x2)


@adjoint(jnp.subtract)
def subtract(z, x1, x2):
    d[x1] = unbroadcast(d[z], x1)
    d[x2] = unbroadcast(-d[z], x2)


@adjoint(jnp.multiply)
def multiply(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x2, x1)
    d[x2] = unbroadcast(d[z] * x1, x2)


@adjoint(jnp.divide, jnp.true_divide)
def divide(z, x1, x2):
    d[x1] = unbroadcast(d[z] / x2, x1)
    d[x2] = unbroadcast(-d[z] * z / x2, x2)


@adjoint(jnp.power)
def power(z, x1, x2):
    d[x1] = unbroadcast(d[z] * power_slope(x1, x2), x1)
    d[x2] = unbroadcast(d[z] * z * jnp.log(jnp.where(x1 == 0, 1.0, x1)), x2)


@adjoint(jnp.negative)
def negative(z, x):
    d[x] = -d[z]


@adjoint(jnp.exp)
def exp(z, x):
    d[x] = d[z] * z


@adjoint(jnp.exp2)
def exp2(z, x):
    d[x] = d[z] * z * jnp.log(2.0)


@adjoint(jnp.expm1)
def expm1(z, x):
    d[x] = d[z] * (z + 1.0)


@adjoint(jnp.log)
def log(z, x):
    d[x] = d[z] / x


@adjoint(jnp.log1p)
def log1p(z, x):
    d[x] = d[z] / (1.0 + x)


@adjoint(jnp.log2)
def log2(z, x):
    d[x] = d[z] / jnp.log(2.0) / x  # (jax's order of operations: same rounding)


@adjoint(jnp.log10)
def log10(z, x):
    d[x] = d[z] * 0.4342944819032518 / x  # 1 / log(10), as jax's log10 multiplies


@adjoint(jnp.sin)
def sin(z, x):
    d[x] = d[z] * jnp.cos(x)


@adjoint(jnp.cos)
def cos(z, x):
    d[x] = -d[z] * jnp.sin(x)


@adjoint(jnp.tan)
def tan(z, x):
    d[x] = d[z] * (1.0 + z * z)


@adjoint(jnp.tanh)
def tanh(z, x):
    d[x] = d[z] * (1.0 - z * z)


@adjoint(jnp.sinh)
def sinh(z, x):
    d[x] = d[z] * jnp.cosh(x)


@adjoint(jnp.cosh)
def cosh(z, x):
    d[x] = d[z] * jnp.sinh(x)


@adjoint(jnp.arcsin)
def arcsin(z, x):
    d[x] = d[z] / jnp.sqrt(1.0 - x * x)


@adjoint(jnp.arccos)
def arccos(z, x):
    d[x] = -d[z] / jnp.sqrt(1.0 - x * x)


@adjoint(jnp.arctan)
def arctan(z, x):
    d[x] = d[z] / (1.0 + x * x)


@adjoint(jnp.arctan2)
def arctan2(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x2 / (x1 * x1 + x2 * x2), x1)
    d[x2] = unbroadcast(-d[z] * x1 / (x1 * x1 + x2 * x2), x2)


@adjoint(jnp.arcsinh)
def arcsinh(z, x):
    d[x] = d[z] / jnp.sqrt(x * x + 1.0)


@adjoint(jnp.arccosh)
def arccosh(z, x):
    d[x] = d[z] / jnp.sqrt(x * x - 1.0)


@adjoint(jnp.arctanh)
def arctanh(z, x):
    d[x] = d[z] / (1.0 - x * x)


@adjoint(jnp.sqrt)
def sqrt(z, x):
    d[x] = d[z] / (2.0 * z)


@adjoint(jnp.cbrt)
def cbrt(z, x):
    d[x] = d[z] / (3.0 * z * z)


@adjoint(jnp.square)
def square(z, x):
    d[x] = d[z] * 2 * x


@adjoint(jnp.reciprocal)
def reciprocal(z, x):
    d[x] = -d[z] * z * z


@adjoint(jnp.absolute, jnp.abs, builtins.abs)
def absolute(z, x):
    d[x] = d[z] * abs_slope(x)


@adjoint(abs_slope)
def abs_slope_(z, x):
    d[x] = abs_slope_vjp(x, d[z])


@adjoint(real_adjoint)
def real_adjoint_(z, g, x):
    d[g] = unbroadcast(jnp.real(d[z]), g)


@adjoint(imag_adjoint)
def imag_adjoint_(z, g, x):
    d[g] = unbroadcast(jnp.imag(d[z]), g)


@adjoint(jnp.real)
def real(z, x):
    d[x] = real_adjoint(d[z], x)


@adjoint(jnp.imag)
def imag(z, x):
    d[x] = imag_adjoint(d[z], x)


@adjoint(jnp.maximum)
def maximum(z, x1, x2):
    d[x1] = unbroadcast(d[z] * jnp.where(x1 > x2, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), x1)
    d[x2] = unbroadcast(d[z] * jnp.where(x2 > x1, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), x2)


@adjoint(jnp.minimum)
def minimum(z, x1, x2):
    d[x1] = unbroadcast(d[z] * jnp.where(x1 < x2, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), x1)
    d[x2] = unbroadcast(d[z] * jnp.where(x2 < x1, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), x2)


@adjoint(jnp.remainder)
def remainder(z, x1, x2):
    # fmod's remainder, plus x2 where its sign was not x2's (one multiple of x2 fewer)
    d[x1] = unbroadcast(d[z], x1)
    d[x2] = unbroadcast(-d[z] * jnp.trunc(x1 / x2) + jnp.where(z != jnp.fmod(x1, x2), d[z], 0.0),
                        x2)


@adjoint(jnp.fmod)
def fmod(z, x1, x2):
    d[x1] = unbroadcast(d[z], x1)
    d[x2] = unbroadcast(-d[z] * jnp.trunc(x1 / x2), x2)


@adjoint(jnp.logaddexp)
def logaddexp(z, x1, x2):
    d[x1] = unbroadcast(d[z] * jnp.exp(x1 - z), x1)
    d[x2] = unbroadcast(d[z] * jnp.exp(x2 - z), x2)


@adjoint(jnp.where)
def where(z, condition, x, y):
    d[x] = unbroadcast(jnp.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(jnp.where(condition, 0.0, d[z]), y)


@adjoint(jnp.clip)
def clip(z, arr, min, max):
    d[arr] = unbroadcast(d[z] * clip_gradient_mask(arr, min, max), arr)
    d[min] = unbroadcast(d[z] * clip_bound_mask(arr, min, max, True), min)
    d[max] = unbroadcast(d[z] * clip_bound_mask(arr, min, max, False), max)


@adjoint(jnp.sum)
def sum(z, a, axis=None, keepdims=False):
    d[a] = unreduce(d[z], a, axis, keepdims)


@adjoint(jnp.mean)
def mean(z, a, axis=None, keepdims=False):
    d[a] = unreduce(d[z], a, axis, keepdims) / reduced_count(a, axis)


@adjoint(jnp.var)
def var(z, a, axis=None, ddof=0, keepdims=False):
    d[a] = unreduce(d[z], a, axis, keepdims) * 2.0 * (a - jnp.mean(a, axis, keepdims=True)) / (
        reduced_count(a, axis) - ddof)


@adjoint(jnp.std)
def std(z, a, axis=None, ddof=0, keepdims=False):
    d[a] = unreduce(d[z] / z, a, axis, keepdims) * (a - jnp.mean(a, axis, keepdims=True)) / (
        reduced_count(a, axis) - ddof)


@adjoint(jnp.max, jnp.min)
def max(z, a, axis=None, keepdims=False):
    d[a] = unreduce(d[z], a, axis, keepdims) * (a == unreduce(z, a, axis, keepdims)) / \
        unreduce(jnp.sum(a == unreduce(z, a, axis, keepdims), axis, keepdims=keepdims), a, axis,
                 keepdims)


@adjoint(jnp.prod)
def prod(z, a, axis=None, keepdims=False):
    d[a] = unreduce(d[z], a, axis, keepdims) * prod_others(a, axis)


@adjoint(jnp.matmul)
def matmul(z, a, b):
    d[a] = matmul_adjoint_lhs(d[z], a, b)
    d[b] = matmul_adjoint_rhs(d[z], a, b)


@adjoint(jnp.dot)
def dot(z, a, b):
    d[a] = dot_adjoint_lhs(d[z], a, b)
    d[b] = dot_adjoint_rhs(d[z], a, b)


product_adjoints(jnp.matmul, matmul_adjoint_lhs, matmul_adjoint_rhs)
product_adjoints(jnp.dot, dot_adjoint_lhs, dot_adjoint_rhs)


@adjoint(jnp.outer)
def outer(z, a, b):
    d[a] = jnp.reshape(d[z] @ jnp.ravel(b), jnp.shape(a))
    d[b] = jnp.reshape(jnp.ravel(a) @ d[z], jnp.shape(b))


@adjoint(jnp.transpose)
def transpose(z, a, axes=None):
    d[a] = jnp.transpose(d[z], transpose_inverse(axes, jnp.ndim(a)))


@adjoint(jnp.reshape)
def reshape(z, a, shape=None):
    d[a] = jnp.reshape(d[z], jnp.shape(a))


@adjoint(jnp.ravel)
def ravel(z, a):
    d[a] = jnp.reshape(d[z], jnp.shape(a))


@adjoint(jnp.squeeze)
def squeeze(z, a, axis=None):
    d[a] = jnp.reshape(d[z], jnp.shape(a))


@adjoint(jnp.expand_dims)
def expand_dims(z, a, axis):
    d[a] = jnp.reshape(d[z], jnp.shape(a))


@adjoint(jnp.broadcast_to)
def broadcast_to(z, x, shape):
    d[x] = unbroadcast(d[z], x)


@adjoint(jnp.asarray)
def asarray(z, a):
    d[a] = unbroadcast(d[z], a)


@adjoint(jnp.array)
def array(z, object):
    d[object] = unbroadcast(d[z], object)


@adjoint(jnp._getitem)
def getitem(z, x, idx):
    d[x] = add_at(x, idx, d[z])


# jnp.swapaxes, jnp.matrix_transpose, jnp.flip, cleared_at, drop_entry are their own transposes: registered with
# ``linear(..., self_adjoint=True)`` in tangents.py

# ---- the helpers generated derivatives call, so that derivatives differentiate again ---------

@adjoint(unbroadcast)
def unbroadcast_(z, g, x):
    d[g] = unbroadcast(d[z], g)


@adjoint(unreduce)
def unreduce_(z, g, x, axis=None, keepdims=False):  # (d[z] may be a zero at run time)
    d[g] = unbroadcast(jnp.sum(materialize(d[z], x), axis, keepdims=keepdims), g)


@adjoint(builtins.sum)
def builtin_sum(z, iterable, start):
    d[iterable] = spread_items(d[z], iterable)
    d[start] = unbroadcast(d[z], start)


@adjoint(sum_items)
def sum_items_(z, items):
    d[items] = spread_items(d[z], items)


@adjoint(spread_items)
def spread_items_(z, g, items):
    d[g] = unbroadcast(sum_items(tangent_items(d[z], items)), g)


@adjoint(unstack_like)
def unstack_like_(z, g, arrays, axis):
    d[g] = unbroadcast(stack_items(d[z], arrays, axis), g)


@adjoint(split_like)
def split_like_(z, g, arrays, axis):
    d[g] = unbroadcast(concat_items(d[z], arrays, axis), g)


@adjoint(field)
def field_(z, ct, i, name):
    d[ct] = add_at(ct, i, d[z])


@adjoint(power_slope)
def power_slope_(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x2 * power_slope(x1, x2 - 1), x1)
    d[x2] = unbroadcast(d[z] * (jnp.power(x1, x2 - 1) + x2 * (
        jnp.log(jnp.where(x1 == 0, 1.0, x1)) * jnp.power(x1, x2 - 1))), x2)


@adjoint(seed_cotangent)
def seed_cotangent_(z, out, ct, holomorphic=False):
    d[ct] = d[z]


@adjoint(add_tree)
def add_tree_(z, a, b):
    d[a] = d[z]
    d[b] = d[z]


@adjoint(materialize)
def materialize_(z, ct, primal):
    d[ct] = unbroadcast(d[z], ct)


@adjoint(add_at)
def add_at_(z, x, index, g):
    d[g] = unbroadcast(entry_of(d[z], x, index), g)


@adjoint(entry_of)
def entry_of_(z, ct, x, index):
    d[ct] = add_at(x, index, d[z])


@adjoint(item)
def item_(z, ct, i):
    d[ct] = add_at(ct, i, d[z])


@adjoint(set_entry)
def set_entry_(z, ct, k, g):
    d[ct] = drop_entry(d[z], k)
    d[g] = item(d[z], k)


@adjoint(getattr)
def getattr_(z, obj, name):
    d[obj] = add_at(obj, name, d[z])


@adjoint(jnp.concatenate)
def concatenate(z, arrays, axis=0):
    d[arrays] = split_like(d[z], arrays, axis)


@adjoint(jnp.moveaxis)
def moveaxis(z, a, source, destination):
    d[a] = jnp.moveaxis(d[z], destination, source)


@adjoint(concat_items)
def concat_items_(z, ct, arrays, axis=0):
    d[ct] = split_like(d[z], arrays, axis)


@adjoint(stack_items)
def stack_items_(z, ct, arrays, axis=0):
    d[ct] = unstack_like(d[z], arrays, axis)


@adjoint(jnp.split, jnp.array_split)
def split(z, ary, indices_or_sections, axis=0):
    d[ary] = concat_items(d[z], z, axis)


@adjoint(jnp.stack)
def stack(z, arrays, axis=0):
    d[arrays] = unstack_like(d[z], arrays, axis)


@adjoint(cumsum_adjoint)
def cumsum_adjoint_(z, g, a, axis=None):
    d[g] = jnp.cumsum(d[z], axis)  # (the transpose of a reversed running sum)


@adjoint(jnp.unstack)
def unstack(z, x, axis=0):
    d[x] = stack_items(d[z], z, axis)


@adjoint(sinc_at_zero)
def sinc_at_zero_(z, k, u):
    d[u] = d[z] * sinc_at_zero(k + 1, u)


@adjoint(tree_util.tree_unflatten)
def tree_unflatten(z, treedef, leaves):
    d[leaves] = leaf_cotangents(d[z], treedef, z)


@adjoint(leaf_cotangents)
def leaf_cotangents_(z, g, treedef, tree):
    d[g] = tree_unflatten(treedef, arrays_tangent(d[z], z))


@adjoint(jnp.cumsum)
def cumsum(z, a, axis=None):
    d[a] = cumsum_adjoint(d[z], a, axis)


@adjoint(jnp.sort)
def sort(z, a, axis=-1):
    d[a] = sort_adjoint(d[z], a, axis)


@adjoint(jnp.astype)
def astype(z, x, dtype):
    d[x] = materialize(d[z], x)


@adjoint(jnp.atleast_1d, jnp.atleast_2d, jnp.atleast_3d)
def atleast_nd(z, arys):
    d[arys] = jnp.reshape(d[z], jnp.shape(arys))


@adjoint(jnp.linalg.det)
def det(z, a):
    d[a] = unbroadcast(jnp.asarray(d[z] * z)[..., None, None] * jnp.swapaxes(
        jnp.linalg.inv(a), -1, -2), a)


@adjoint(pad_with)
def pad_with_(z, x, value, padding_config):
    d[x] = unpad(d[z], x, padding_config)
    d[value] = unbroadcast(pad_value_adjoint(d[z], x, padding_config), value)


@adjoint(jnp.linalg.inv)
def inv(z, a):
    d[a] = -jnp.matmul(jnp.matmul(jnp.swapaxes(z, -1, -2), d[z]), jnp.swapaxes(z, -1, -2))


@adjoint(gathered_at)
def gathered_at_(z, g, idx, like):
    d[g] = placed_at(g, idx, unbroadcast(d[z], jnp.asarray(g)[idx]), True)


@adjoint(placed_at)
def placed_at_(z, x, idx, t, add):
    d[t] = gathered_at(d[z], idx, t)


@adjoint(jnp.linalg.norm)
def norm(z, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_adjoint(d[z], x, z, ord, axis, keepdims)


@adjoint(jnp.linalg.cholesky)
def cholesky(z, a, upper=False, symmetrize_input=True):
    d[a] = cholesky_adjoint(d[z], z, upper, symmetrize_input)


@adjoint(jnp.linalg.eigh)
def eigh(z, a, UPLO=None, symmetrize_input=True):
    d[a] = eigh_adjoint(field(d[z], 0, "eigenvalues"), field(d[z], 1, "eigenvectors"), a, z,
                        symmetrize_input)


@adjoint(jnp.linalg.eigvalsh)
def eigvalsh(z, a, UPLO="L", symmetrize_input=True):
    d[a] = eigh_adjoint(d[z], zero, a, jnp.linalg.eigh(a, UPLO, symmetrize_input),
                        symmetrize_input)


@adjoint(jnp.linalg.eigvals)
def eigvals(z, a):
    d[a] = eigvals_adjoint(d[z], a)


@adjoint(jnp.linalg.eig)
def eig(z, a):
    d[a] = eig_derivative(a)


@adjoint(jnp.linalg.svd)
def svd(z, a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    d[a] = svd_adjoint(d[z], a, z, full_matrices, compute_uv, hermitian)


@adjoint(jnp.linalg.qr)
def qr(z, a, mode="reduced"):
    d[a] = qr_adjoint(d[z], a, z, mode)


@adjoint(triangular_solve)
def triangular_solve_(z, a, b, left_side=False, lower=False, transpose_a=False,
                      conjugate_a=False, unit_diagonal=False):
    d[a] = unbroadcast(triangular_solve_adjoint_a(d[z], a, z, left_side, lower, transpose_a,
                                                  conjugate_a, unit_diagonal), a)
    d[b] = unbroadcast(triangular_solve_adjoint_b(d[z], a, left_side, lower, transpose_a,
                                                  conjugate_a, unit_diagonal), b)


@adjoint(lu_matrix)
def lu_matrix_(z, a):
    d[a] = lu_adjoint(d[z], a, z)


@adjoint(at_set)
def at_set_(z, x, idx, values):
    d[x] = cleared_at(d[z], idx)
    d[values] = gathered_at(d[z], idx, values)


@adjoint(at_add)
def at_add_(z, x, idx, values):
    d[x] = d[z]
    d[values] = gathered_at(d[z], idx, values)


# ---- lax's elementwise functions ----------------------------------------------------------

share_with_lax_twins(ADJOINTS)


# (slopes in x and the result z; lgamma's and digamma's are source: rules/special_library.py)
unary_slope(lax.logistic, "z * (1.0 - z)")
unary_slope(lax.rsqrt, "-0.5 * z / x")
unary_slope(lax.erf, "1.1283791670955126 * jnp.exp(-(x * x))")
unary_slope(lax.erfc, "-1.1283791670955126 * jnp.exp(-(x * x))")
unary_slope(lax.erf_inv, "0.886226925452758 * jnp.exp(z * z)")
unary_slope(lax.lgamma, "lgamma_slope(x)")
unary_slope(lax.digamma, "digamma_slope(x)")


# ---- adjoints written as source (rules/adjoint_library.py) ------------------------------------

@adjoint(jnp.diagonal)
def diagonal(z, a, offset=0, axis1=0, axis2=1):
    d[a] = diagonal_adjoint(d[z], a, offset, axis1, axis2)


@adjoint(jnp.diag)
def diag(z, v, k=0):
    d[v] = diag_adjoint(d[z], v, k)


@adjoint(jnp.trace)
def trace(z, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    d[a] = trace_adjoint(d[z], a, offset, axis1, axis2)


@adjoint(jnp.take)
def take(z, a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    d[a] = take_adjoint(d[z], a, indices, axis)


@adjoint(jnp.take_along_axis)
def take_along_axis(z, arr, indices, axis, mode=None, fill_value=None):
    d[arr] = take_along_axis_adjoint(d[z], arr, indices, axis)


@adjoint(jnp.linalg.solve)
def solve(z, a, b):
    d[a] = solve_adjoint_a(d[z], a, b, z)
    d[b] = solve_adjoint_b(d[z], a, b)


@adjoint(jnp.roll)
def roll(z, a, shift, axis=None):
    d[a] = roll_adjoint(d[z], a, shift, axis)


@adjoint(jnp.tile)
def tile(z, A, reps):
    d[A] = tile_adjoint(d[z], A, reps)


@adjoint(jnp.repeat)
def repeat(z, a, repeats, axis=None):
    d[a] = repeat_adjoint(d[z], a, repeats, axis)


@adjoint(jnp.pad)
def pad(z, array, pad_width, mode="constant"):
    d[array] = pad_adjoint(d[z], array, pad_width, mode)


@adjoint(jnp.nansum)
def nansum(z, a, axis=None, keepdims=False):
    d[a] = nan_reduction_adjoint(d[z], a, axis, keepdims)


@adjoint(jnp.nanmean)
def nanmean(z, a, axis=None, keepdims=False):
    d[a] = nan_reduction_adjoint(d[z], a, axis, keepdims, True)


@adjoint(jnp.cumprod)
def cumprod(z, a, axis=None, dtype=None):
    d[a] = cumprod_adjoint(d[z], a, axis)


@adjoint(jnp.einsum, einsum_items)
def einsum(z, subscripts, operands):
    d[operands] = einsum_adjoints(d[z], subscripts, operands)


@adjoint(jnp.linalg.slogdet)
def slogdet(z, a, method=None):
    d[a] = slogdet_adjoint(item(d[z], 1), a)


# ---- convolutions and reduce_window (rules/window_library.py) ---------------------------------

@adjoint(lax.conv_general_dilated)
def conv_general_dilated(z, lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None, preferred_element_type=None):
    d[lhs] = conv_lhs_adjoint(materialize(d[z], z), lhs, rhs, window_strides, padding,
                              lhs_dilation, rhs_dilation, dimension_numbers,
                              feature_group_count, batch_group_count)
    d[rhs] = conv_rhs_adjoint(materialize(d[z], z), lhs, rhs, window_strides, padding,
                              lhs_dilation, rhs_dilation, dimension_numbers,
                              feature_group_count, batch_group_count)


@adjoint(lax.reduce_window)
def reduce_window(z, operand, init_value, computation, window_dimensions, window_strides,
                  padding, base_dilation=None, window_dilation=None):
    d[operand] = reduce_window_adjoint(materialize(d[z], z), operand, init_value, computation,
                                       window_dimensions, window_strides, padding,
                                       base_dilation, window_dilation)


# ---- lax.fft (rules/adjoint_library.py) --------------------------------------------------------

@adjoint(lax.fft)
def lax_fft(z, x, fft_type, fft_lengths):
    d[x] = fft_adjoint(materialize(d[z], z), x, fft_type, fft_lengths)


# ---- lax's other differentiable functions (rules/adjoint_library.py: lax_*) ------------------

@adjoint(lax.integer_pow)
def integer_pow(z, x, y):
    d[x] = d[z] * lax_integer_pow_slope(x, y)


@adjoint(lax.clamp)
def clamp(z, min, x, max):
    d[min] = unbroadcast(jnp.where((min > x) & (min < max), d[z], 0.0), min)
    d[x] = unbroadcast(jnp.where((x > min) & (x < max), d[z], 0.0), x)
    d[max] = unbroadcast(jnp.where(max < x, d[z], 0.0), max)


@adjoint(lax.select_n)
def select_n(z, which, cases):
    d[cases] = lax_select_n_adjoints(materialize(d[z], z), which, cases)


@adjoint(lax.complex)
def lax_complex(z, x, y):
    d[x] = jnp.real(d[z])
    d[y] = -jnp.imag(d[z])


@adjoint(lax.rem)
def rem(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * jnp.sign(x / y) * jnp.floor(jnp.abs(x / y)), y)


@adjoint(lax.convert_element_type)
def convert_element_type(z, x, new_dtype, weak_type=False):
    d[x] = lax_convert_adjoint(d[z], x, new_dtype)


@adjoint(lax.reshape)
def lax_reshape_(z, x, new_sizes, dimensions=None):
    d[x] = lax_reshape_adjoint(d[z], x, dimensions)


@adjoint(lax.transpose)
def lax_transpose_(z, x, permutation):
    d[x] = lax_transpose_adjoint(d[z], permutation)


@adjoint(lax.broadcast_in_dim)
def lax_broadcast_in_dim_(z, x, shape, broadcast_dimensions):
    d[x] = lax_broadcast_in_dim_adjoint(d[z], x, shape, broadcast_dimensions)


@adjoint(lax.broadcast)
def lax_broadcast_(z, x, sizes):
    d[x] = lax_broadcast_adjoint(d[z], sizes)


@adjoint(lax.rev)
def lax_rev_(z, x, dimensions):
    d[x] = lax_rev(d[z], dimensions)


@adjoint(lax.concatenate)
def lax_concatenate_(z, operands, dimension):
    d[operands] = split_like(d[z], operands, dimension)


@adjoint(lax.pad)
def lax_pad(z, x, padding_value, padding_config):
    d[x] = lax_unpad(materialize(d[z], z), x, padding_config)
    d[padding_value] = unbroadcast(lax_pad_value_adjoint(materialize(d[z], z), x,
                                                         padding_config), padding_value)


@adjoint(lax.slice)
def lax_slice_(z, x, start_indices, limit_indices, strides=None):
    d[x] = lax_slice_adjoint(d[z], x, start_indices, limit_indices, strides)


@adjoint(lax.dynamic_slice)
def lax_dynamic_slice_(z, x, start_indices, slice_sizes):
    d[x] = lax_dynamic_slice_adjoint(d[z], x, start_indices)


@adjoint(lax.dynamic_update_slice)
def lax_dynamic_update_slice_(z, x, update, start_indices):
    d[x] = lax_dynamic_update_slice_adjoint(d[z], update, start_indices)
    d[update] = lax_dynamic_slice(d[z], start_indices, jnp.shape(update))


# ---- gather and the scatter family (rules/gather_library.py) ----------------------------------

@adjoint(lax.scatter_apply)
def lax_scatter_apply_(z, operand, scatter_indices, func, dimension_numbers, update_shape=(),
                       indices_are_sorted=False, unique_indices=False, mode=None):
    d[operand] = scatter_apply_derivative(operand)


@adjoint(lax.gather)
def lax_gather_(z, operand, start_indices, dimension_numbers, slice_sizes, unique_indices=False,
                indices_are_sorted=False, mode=None, fill_value=None):
    d[operand] = gather_adjoint(materialize(d[z], z), operand, start_indices, dimension_numbers,
                                unique_indices, indices_are_sorted, mode)


@adjoint(lax.scatter_add)
def lax_scatter_add_(z, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted=False, unique_indices=False, mode=None):
    d[operand] = d[z]
    d[updates] = scattered_back(materialize(d[z], z), operand, scatter_indices, updates,
                                dimension_numbers, indices_are_sorted, unique_indices, mode)


@adjoint(lax.scatter_sub)
def lax_scatter_sub_(z, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted=False, unique_indices=False, mode=None):
    d[operand] = d[z]
    d[updates] = -scattered_back(materialize(d[z], z), operand, scatter_indices, updates,
                                 dimension_numbers, indices_are_sorted, unique_indices, mode)


@adjoint(lax.scatter)
def lax_scatter_(z, operand, scatter_indices, updates, dimension_numbers,
                 indices_are_sorted=False, unique_indices=False, mode=None):
    d[operand] = scatter_set(materialize(d[z], z), scatter_indices, jnp.zeros_like(updates),
                             dimension_numbers, indices_are_sorted, unique_indices, mode)
    d[updates] = scatter_updates_adjoint(materialize(d[z], z), operand, scatter_indices,
                                         updates, dimension_numbers, indices_are_sorted,
                                         unique_indices, mode)


@adjoint(lax.scatter_mul)
def lax_scatter_mul_(z, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted=False, unique_indices=False, mode=None):
    d[operand] = scatter_multiplied(materialize(d[z], z), scatter_indices, updates,
                                    dimension_numbers, indices_are_sorted, unique_indices, mode)
    d[updates] = scatter_mul_updates_adjoint(materialize(d[z], z), operand, scatter_indices,
                                             updates, dimension_numbers, indices_are_sorted,
                                             unique_indices, mode)


@adjoint(lax.scatter_min, lax.scatter_max)
def lax_scatter_extremal_(z, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted=False, unique_indices=False, mode=None):
    d[operand] = scatter_extremal_operand_adjoint(materialize(d[z], z), z, operand,
                                                  scatter_indices, updates, dimension_numbers,
                                                  indices_are_sorted, unique_indices, mode)
    d[updates] = scatter_extremal_updates_adjoint(materialize(d[z], z), z, operand,
                                                  scatter_indices, updates, dimension_numbers,
                                                  indices_are_sorted, unique_indices, mode)


@adjoint(lax.reduce_sum)
def reduce_sum(z, x, axes):
    d[x] = unreduce(d[z], x, axes)


@adjoint(lax.reduce_max, lax.reduce_min)
def reduce_max(z, x, axes):
    d[x] = unreduce(d[z], x, axes) * (x == unreduce(z, x, axes)) / \
        unreduce(jnp.sum(x == unreduce(z, x, axes), axes), x, axes)


@adjoint(lax.reduce_prod)
def reduce_prod(z, x, axes):
    d[x] = unreduce(d[z], x, axes) * prod_others(x, axes)


@adjoint(lax.cumsum)
def lax_cumsum(z, x, axis=0, reverse=False):
    d[x] = lax_cumulative_sum(d[z], axis, not reverse)


@adjoint(lax.cumprod)
def lax_cumprod(z, x, axis=0, reverse=False):
    d[x] = lax_cumprod_adjoint(d[z], x, axis, reverse)


@adjoint(lax.dot_general)
def dot_general(z, lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    d[lhs] = lax_dot_general_adjoint_lhs(materialize(d[z], z), lhs, rhs, dimension_numbers)
    d[rhs] = lax_dot_general_adjoint_rhs(materialize(d[z], z), lhs, rhs, dimension_numbers)


@adjoint(lax.sort)
def lax_sort(z, operand, dimension=-1, is_stable=True, num_keys=1):
    d[operand] = lax_sort_adjoint(materialize(d[z], z), operand, dimension, num_keys)


@adjoint(lax.conj)
def lax_conj(z, x):
    d[x] = unbroadcast(jnp.conj(d[z]), x)


@adjoint(lax.cummax, lax.cummin)
def lax_cummax(z, x, axis=0, reverse=False):
    d[x] = lax_cumulative_extreme_adjoint(materialize(d[z], z), x, z, axis, reverse)
