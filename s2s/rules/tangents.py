"""Tangent templates for the s2s.numpy functions (forward mode).

Each statement ``d[result] = e`` is the contribution of the one input whose tangent ``e``
reads; contributions of inputs that are not active are left out.
"""
import builtins

from s2s.runtime import numpy as jnp
from s2s.runtime import lax, tree_util
from s2s.custom import stop_gradient  # noqa: F401
from s2s.rules import TANGENTS, linear, share_with_lax_twins, tangent
from s2s.rules.adjoint_library import *  # noqa: F401,F403
from s2s.rules.window_library import *  # noqa: F401,F403
from s2s.rules.gather_library import *  # noqa: F401,F403
from s2s.rules.linalg_library import *  # noqa: F401,F403
from s2s.rules.special_library import *  # noqa: F401,F403
from s2s.rules.helpers import *  # noqa: F401,F403  (the names templates use)

d = None  # the templates' tangent notation; never evaluated


@tangent(jnp.add)
def add(z, x1, x2):
    d[z] = unbroadcast(d[x1], z)
    d[z] = unbroadcast(d[x2], z)


@tangent(jnp.subtract)
def subtract(z, x1, x2):
    d[z] = unbroadcast(d[x1], z)
    d[z] = unbroadcast(-d[x2], z)


@tangent(jnp.multiply)
def multiply(z, x1, x2):
    d[z] = d[x1] * x2
    d[z] = x1 * d[x2]


@tangent(jnp.divide, jnp.true_divide)
def divide(z, x1, x2):
    d[z] = d[x1] / x2
    d[z] = -d[x2] * z / x2


@tangent(jnp.power)
def power(z, x1, x2):
    d[z] = d[x1] * power_slope(x1, x2)
    d[z] = d[x2] * z * jnp.log(jnp.where(x1 == 0, 1.0, x1))


@tangent(jnp.negative)
def negative(z, x):
    d[z] = -d[x]


@tangent(jnp.exp)
def exp(z, x):
    d[z] = d[x] * z


@tangent(jnp.exp2)
def exp2(z, x):
    d[z] = d[x] * z * jnp.log(2.0)


@tangent(jnp.expm1)
def expm1(z, x):
    d[z] = d[x] * (z + 1.0)


@tangent(jnp.log)
def log(z, x):
    d[z] = d[x] / x


@tangent(jnp.log1p)
def log1p(z, x):
    d[z] = d[x] / (1.0 + x)


@tangent(jnp.log2)
def log2(z, x):
    d[z] = d[x] / x / jnp.log(2.0)  # (jax's order of operations: same rounding)


@tangent(jnp.log10)
def log10(z, x):
    d[z] = d[x] / x * 0.4342944819032518  # 1 / log(10), as jax's log10 multiplies


@tangent(jnp.sin)
def sin(z, x):
    d[z] = d[x] * jnp.cos(x)


@tangent(jnp.cos)
def cos(z, x):
    d[z] = -d[x] * jnp.sin(x)


@tangent(jnp.tan)
def tan(z, x):
    d[z] = d[x] * (1.0 + z * z)


@tangent(jnp.tanh)
def tanh(z, x):
    d[z] = d[x] * (1.0 - z * z)


@tangent(jnp.sinh)
def sinh(z, x):
    d[z] = d[x] * jnp.cosh(x)


@tangent(jnp.cosh)
def cosh(z, x):
    d[z] = d[x] * jnp.sinh(x)


@tangent(jnp.arcsin)
def arcsin(z, x):
    d[z] = d[x] / jnp.sqrt(1.0 - x * x)


@tangent(jnp.arccos)
def arccos(z, x):
    d[z] = -d[x] / jnp.sqrt(1.0 - x * x)


@tangent(jnp.arctan)
def arctan(z, x):
    d[z] = d[x] / (1.0 + x * x)


@tangent(jnp.arctan2)
def arctan2(z, x1, x2):
    d[z] = d[x1] * x2 / (x1 * x1 + x2 * x2)
    d[z] = -d[x2] * x1 / (x1 * x1 + x2 * x2)


@tangent(jnp.arcsinh)
def arcsinh(z, x):
    d[z] = d[x] / jnp.sqrt(x * x + 1.0)


@tangent(jnp.arccosh)
def arccosh(z, x):
    d[z] = d[x] / jnp.sqrt(x * x - 1.0)


@tangent(jnp.arctanh)
def arctanh(z, x):
    d[z] = d[x] / (1.0 - x * x)


@tangent(jnp.sqrt)
def sqrt(z, x):
    d[z] = d[x] / (2.0 * z)


@tangent(jnp.cbrt)
def cbrt(z, x):
    d[z] = d[x] / (3.0 * z * z)


@tangent(jnp.square)
def square(z, x):
    d[z] = d[x] * 2 * x


@tangent(jnp.reciprocal)
def reciprocal(z, x):
    d[z] = -d[x] * z * z


@tangent(abs_slope)
def abs_slope_(z, x):
    d[z] = abs_slope_jvp(x, d[x])


@tangent(jnp.absolute, jnp.abs, builtins.abs)
def absolute(z, x):
    d[z] = jnp.real(d[x] * abs_slope(x))


@tangent(jnp.remainder)
def remainder(z, x1, x2):
    d[z] = unbroadcast(d[x1], z)
    d[z] = unbroadcast(-d[x2] * jnp.trunc(x1 / x2) + jnp.where(z != jnp.fmod(x1, x2), d[x2], 0.0),
                       z)


@tangent(jnp.fmod)
def fmod(z, x1, x2):
    d[z] = unbroadcast(d[x1], z)
    d[z] = unbroadcast(-d[x2] * jnp.trunc(x1 / x2), z)


@tangent(jnp.maximum)
def maximum(z, x1, x2):
    d[z] = unbroadcast(d[x1] * jnp.where(x1 > x2, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), z)
    d[z] = unbroadcast(d[x2] * jnp.where(x2 > x1, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), z)


@tangent(jnp.minimum)
def minimum(z, x1, x2):
    d[z] = unbroadcast(d[x1] * jnp.where(x1 < x2, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), z)
    d[z] = unbroadcast(d[x2] * jnp.where(x2 < x1, 1.0, jnp.where(x1 == x2, 0.5, 0.0)), z)


@tangent(jnp.logaddexp)
def logaddexp(z, x1, x2):
    d[z] = unbroadcast(d[x1] * jnp.exp(x1 - z), z)
    d[z] = unbroadcast(d[x2] * jnp.exp(x2 - z), z)


@tangent(jnp.where)
def where(z, condition, x, y):
    d[z] = jnp.where(condition, d[x], 0.0)
    d[z] = jnp.where(condition, 0.0, d[y])


@tangent(jnp.clip)
def clip(z, arr, min, max):
    d[z] = d[arr] * clip_gradient_mask(arr, min, max)
    d[z] = d[min] * clip_bound_mask(arr, min, max, True)
    d[z] = d[max] * clip_bound_mask(arr, min, max, False)


@tangent(jnp.sum)
def sum(z, a, axis=None, keepdims=False):
    d[z] = jnp.sum(d[a], axis, keepdims=keepdims)


@tangent(jnp.mean)
def mean(z, a, axis=None, keepdims=False):
    d[z] = jnp.mean(d[a], axis, keepdims=keepdims)


@tangent(jnp.var)
def var(z, a, axis=None, ddof=0, keepdims=False):
    d[z] = jnp.sum(2.0 * (a - jnp.mean(a, axis, keepdims=True)) * d[a], axis,
                   keepdims=keepdims) / (reduced_count(a, axis) - ddof)


@tangent(jnp.std)
def std(z, a, axis=None, ddof=0, keepdims=False):
    d[z] = jnp.sum((a - jnp.mean(a, axis, keepdims=True)) * d[a], axis, keepdims=keepdims) / (
        (reduced_count(a, axis) - ddof) * z)


@tangent(jnp.max, jnp.min)
def max(z, a, axis=None, keepdims=False):
    d[z] = jnp.sum(d[a] * (a == unreduce(z, a, axis, keepdims)), axis, keepdims=keepdims) / \
        jnp.sum(a == unreduce(z, a, axis, keepdims), axis, keepdims=keepdims)


@tangent(jnp.prod)
def prod(z, a, axis=None, keepdims=False):
    d[z] = jnp.sum(d[a] * prod_others(a, axis), axis, keepdims=keepdims)


@tangent(jnp.matmul)
def matmul(z, a, b):
    d[z] = jnp.matmul(d[a], b)
    d[z] = jnp.matmul(a, d[b])


@tangent(jnp.dot)
def dot(z, a, b):
    d[z] = jnp.dot(d[a], b)
    d[z] = jnp.dot(a, d[b])


@tangent(jnp.outer)
def outer(z, a, b):
    d[z] = jnp.outer(d[a], b)
    d[z] = jnp.outer(a, d[b])


@tangent(jnp.reshape)
def reshape(z, a, shape=None):
    d[z] = jnp.reshape(d[a], jnp.shape(z))


@tangent(jnp.squeeze)
def squeeze(z, a, axis=None):
    d[z] = jnp.reshape(d[a], jnp.shape(z))


@tangent(jnp.expand_dims)
def expand_dims(z, a, axis):
    d[z] = jnp.reshape(d[a], jnp.shape(z))


@tangent(jnp.broadcast_to)
def broadcast_to(z, x, shape):
    d[z] = jnp.broadcast_to(d[x], jnp.shape(z))


@tangent(jnp.asarray)
def asarray(z, a):
    d[z] = jnp.asarray(d[a])


@tangent(jnp.array)
def array(z, object):
    d[z] = jnp.asarray(d[object])


@tangent(jnp._getitem)
def getitem(z, x, idx):
    d[z] = item(d[x], idx)


@tangent(jnp.stack)
def stack(z, arrays, axis=0):
    d[z] = jnp.stack(arrays_tangent(d[arrays], arrays), axis)


@tangent(jnp.concatenate)
def concatenate(z, arrays, axis=0):
    d[z] = jnp.concatenate(arrays_tangent(d[arrays], arrays), axis)


@tangent(sinc_at_zero)
def sinc_at_zero_(z, k, u):
    d[z] = sinc_at_zero(k + 1, u) * d[u]


@tangent(tree_util.tree_unflatten)
def tree_unflatten(z, treedef, leaves):
    d[z] = tree_unflatten(treedef, arrays_tangent(d[leaves], leaves))


# the helpers generated derivatives call are linear in their first argument

@tangent(builtins.sum)
def builtin_sum(z, iterable, start):
    d[z] = sum_items(tangent_items(d[iterable], iterable))
    d[z] = d[start]


@tangent(sum_items)
def sum_items_(z, items):
    d[z] = sum_items(tangent_items(d[items], items))


@tangent(jnp.atleast_1d, jnp.atleast_2d, jnp.atleast_3d)
def atleast_nd(z, arys):
    d[z] = jnp.reshape(d[arys], jnp.shape(z))


@tangent(jnp.linalg.det)
def det(z, a):
    d[z] = z * jnp.trace(jnp.linalg.solve(a, d[a]), axis1=-2, axis2=-1)


@tangent(pad_with)
def pad_with_(z, x, value, padding_config):
    d[z] = pad_with(d[x], 0, padding_config)
    d[z] = pad_with(jnp.zeros_like(x), d[value], padding_config)


@tangent(jnp.linalg.inv)
def inv(z, a):
    d[z] = -jnp.matmul(jnp.matmul(z, d[a]), z)


@tangent(placed_at)
def placed_at_(z, x, idx, t, add):
    d[z] = placed_at(x, idx, d[t], add)


@tangent(power_slope)
def power_slope_(z, x1, x2):
    d[z] = d[x1] * x2 * power_slope(x1, x2 - 1)
    d[z] = d[x2] * (jnp.power(x1, x2 - 1) + x2 * (
        jnp.log(jnp.where(x1 == 0, 1.0, x1)) * jnp.power(x1, x2 - 1)))


@tangent(seed_cotangent)
def seed_cotangent_(z, out, ct, holomorphic=False):
    d[z] = d[ct]


@tangent(add_tree)
def add_tree_(z, a, b):
    d[z] = d[a]
    d[z] = d[b]


@tangent(add_at)
def add_at_(z, x, index, g):
    d[z] = add_at(x, index, d[g])


@tangent(set_entry)
def set_entry_(z, ct, k, g):
    d[z] = set_entry(d[ct], k, d[g])


@tangent(getattr)
def getattr_(z, obj, name):
    d[z] = item(d[obj], name)


@tangent(jnp.sort)
def sort(z, a, axis=-1):
    d[z] = jnp.take_along_axis(d[a], jnp.argsort(a, axis=axis), axis=axis)


@tangent(jnp.astype)
def astype(z, x, dtype):
    d[z] = materialize(d[x], z)


@tangent(jnp.linalg.norm)
def norm(z, x, ord=None, axis=None, keepdims=False):
    d[z] = jnp.sum(norm_adjoint(jnp.ones_like(z), x, z, ord, axis, keepdims) * d[x], axis,
                   keepdims=keepdims)


@tangent(at_set)
def at_set_(z, x, idx, values):
    d[z] = cleared_at(d[x], idx)
    d[z] = placed_at(x, idx, d[values])


@tangent(at_add)
def at_add_(z, x, idx, values):
    d[z] = d[x]
    d[z] = placed_at(x, idx, d[values], True)


# functions linear in their first argument: the tangent is the function of its tangent
linear(jnp.real, jnp.imag, real_adjoint, imag_adjoint, jnp.cumsum, jnp.ravel, jnp.transpose,
       materialize, unreduce, unbroadcast, item, field, entry_of, gathered_at, spread_items,
       unstack_like, split_like, jnp.split, jnp.array_split, concat_items, stack_items,
       leaf_cotangents)
linear(jnp.conj, jnp.swapaxes, jnp.matrix_transpose, jnp.flip, cleared_at, drop_entry,
       jnp.triu, jnp.tril, copy_lists, jnp.positive, jnp.deg2rad, jnp.rad2deg, jnp.fliplr,
       jnp.flipud, self_adjoint=True)
linear(jnp.diagonal, jnp.diag, jnp.trace, jnp.take, jnp.take_along_axis, jnp.moveaxis, jnp.roll,
       jnp.tile, jnp.repeat, jnp.unstack)


@tangent(jnp.pad)
def pad(z, array, pad_width, mode="constant"):
    d[z] = jnp.pad(d[array], pad_width, mode)  # (constant padding: with zeros)


@tangent(jnp.nansum)
def nansum(z, a, axis=None, keepdims=False):
    d[z] = jnp.nansum(jnp.where(jnp.isnan(a), jnp.nan, d[a]), axis, keepdims=keepdims)


@tangent(jnp.nanmean)
def nanmean(z, a, axis=None, keepdims=False):
    d[z] = jnp.nanmean(jnp.where(jnp.isnan(a), jnp.nan, d[a]), axis, keepdims=keepdims)


@tangent(jnp.linalg.solve)
def solve(z, a, b):
    d[z] = solve_tangent_a(d[a], a, b, z)
    d[z] = jnp.linalg.solve(a, d[b])


@tangent(jnp.linalg.cholesky)
def cholesky(z, a, upper=False, symmetrize_input=True):
    d[z] = cholesky_tangent(d[a], z, upper, symmetrize_input)


@tangent(jnp.linalg.eigh)
def eigh(z, a, UPLO=None, symmetrize_input=True):
    d[z] = eigh_tangent(d[a], a, z, symmetrize_input)


@tangent(jnp.linalg.eigvalsh)
def eigvalsh(z, a, UPLO="L", symmetrize_input=True):
    d[z] = eigvalsh_tangent(d[a], a, jnp.linalg.eigh(a, UPLO, symmetrize_input),
                            symmetrize_input)


@tangent(jnp.linalg.eigvals)
def eigvals(z, a):
    d[z] = eigvals_tangent(d[a], a)


@tangent(jnp.linalg.eig)
def eig(z, a):
    d[z] = eig_derivative(a)


@tangent(jnp.linalg.svd)
def svd(z, a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    d[z] = svd_tangent(d[a], a, z, full_matrices, compute_uv, hermitian)


@tangent(jnp.linalg.qr)
def qr(z, a, mode="reduced"):
    d[z] = qr_tangent(d[a], a, z, mode)


@tangent(triangular_solve)
def triangular_solve_(z, a, b, left_side=False, lower=False, transpose_a=False,
                      conjugate_a=False, unit_diagonal=False):
    d[z] = triangular_solve_tangent_a(d[a], a, z, left_side, lower, transpose_a, conjugate_a,
                                      unit_diagonal)
    d[z] = triangular_solve(a, d[b], left_side, lower, transpose_a, conjugate_a, unit_diagonal)


@tangent(lu_matrix)
def lu_matrix_(z, a):
    d[z] = lu_tangent(d[a], a, z)


@tangent(jnp.cumprod)
def cumprod(z, a, axis=None, dtype=None):
    d[z] = cumprod_tangent(d[a], a, axis)


@tangent(jnp.einsum, einsum_items)
def einsum(z, subscripts, operands):
    d[z] = einsum_tangent(subscripts, operands, d[operands])


@tangent(jnp.linalg.slogdet)
def slogdet(z, a, method=None):
    d[z] = slogdet_tangent(d[a], a, z)


# ---- lax's elementwise functions ----------------------------------------------------------

share_with_lax_twins(TANGENTS)


# ---- convolutions and reduce_window (rules/window_library.py) ---------------------------------

@tangent(lax.conv_general_dilated)
def conv_general_dilated(z, lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None, preferred_element_type=None):
    d[z] = conv_apply(d[lhs], rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                      dimension_numbers, feature_group_count, batch_group_count,
                      preferred_element_type)
    d[z] = conv_apply(lhs, d[rhs], window_strides, padding, lhs_dilation, rhs_dilation,
                      dimension_numbers, feature_group_count, batch_group_count,
                      preferred_element_type)


@tangent(lax.reduce_window)
def reduce_window(z, operand, init_value, computation, window_dimensions, window_strides,
                  padding, base_dilation=None, window_dilation=None):
    d[z] = reduce_window_tangent(d[operand], operand, init_value, computation,
                                 window_dimensions, window_strides, padding, base_dilation,
                                 window_dilation)


# ---- lax.fft (rules/adjoint_library.py) --------------------------------------------------------

@tangent(lax.fft)
def lax_fft(z, x, fft_type, fft_lengths):
    d[z] = fft_tangent(d[x], fft_type, fft_lengths)


# ---- lax's other differentiable functions (rules/adjoint_library.py: lax_*) ------------------

@tangent(lax.integer_pow)
def integer_pow(z, x, y):
    d[z] = d[x] * lax_integer_pow_slope(x, y)


@tangent(lax.clamp)
def clamp(z, min, x, max):
    d[z] = unbroadcast(jnp.where((min > x) & (min < max), d[min], 0.0), z)
    d[z] = unbroadcast(jnp.where((x > min) & (x < max), d[x], 0.0), z)
    d[z] = unbroadcast(jnp.where(max < x, d[max], 0.0), z)


@tangent(lax.select_n)
def select_n(z, which, cases):
    d[z] = lax_select_n_tangent(which, cases, d[cases])


@tangent(lax.complex)
def lax_complex(z, x, y):
    d[z] = jnp.asarray(d[x]) + 0j
    d[z] = jnp.asarray(d[y]) * 1j


@tangent(lax.rem)
def rem(z, x, y):
    d[z] = unbroadcast(d[x], z)
    d[z] = unbroadcast(-d[y] * jnp.sign(x / y) * jnp.floor(jnp.abs(x / y)), z)


@tangent(lax.convert_element_type)
def convert_element_type(z, x, new_dtype, weak_type=False):
    d[z] = lax_convert_tangent(d[x], new_dtype, weak_type)


@tangent(lax.reshape)
def lax_reshape_(z, x, new_sizes, dimensions=None):
    d[z] = lax_reshape(d[x], new_sizes, dimensions)


@tangent(lax.transpose)
def lax_transpose_(z, x, permutation):
    d[z] = lax_transpose(d[x], permutation)


@tangent(lax.broadcast_in_dim)
def lax_broadcast_in_dim_(z, x, shape, broadcast_dimensions):
    d[z] = lax_broadcast_in_dim(d[x], shape, broadcast_dimensions)


@tangent(lax.broadcast)
def lax_broadcast_(z, x, sizes):
    d[z] = lax_broadcast(d[x], sizes)


@tangent(lax.rev)
def lax_rev_(z, x, dimensions):
    d[z] = lax_rev(d[x], dimensions)


@tangent(lax.concatenate)
def lax_concatenate_(z, operands, dimension):
    d[z] = lax_concatenate(arrays_tangent(d[operands], operands), dimension)


@tangent(lax.pad)
def lax_pad(z, x, padding_value, padding_config):
    d[z] = pad_with(d[x], 0, padding_config)
    d[z] = pad_with(jnp.zeros_like(x), d[padding_value], padding_config)


@tangent(lax.slice)
def lax_slice_(z, x, start_indices, limit_indices, strides=None):
    d[z] = lax_slice(d[x], start_indices, limit_indices, strides)


@tangent(lax.dynamic_slice)
def lax_dynamic_slice_(z, x, start_indices, slice_sizes):
    d[z] = lax_dynamic_slice(d[x], start_indices, slice_sizes)


@tangent(lax.dynamic_update_slice)
def lax_dynamic_update_slice_(z, x, update, start_indices):
    d[z] = lax_dynamic_update_slice(d[x], jnp.zeros_like(update), start_indices)
    d[z] = lax_dynamic_update_slice(jnp.zeros_like(x), d[update], start_indices)


# ---- gather and the scatter family (rules/gather_library.py) ----------------------------------

@tangent(lax.scatter_apply)
def lax_scatter_apply_(z, operand, scatter_indices, func, dimension_numbers, update_shape=(),
                       indices_are_sorted=False, unique_indices=False, mode=None):
    d[z] = scatter_apply_derivative(d[operand])


@tangent(lax.gather)
def lax_gather_(z, operand, start_indices, dimension_numbers, slice_sizes, unique_indices=False,
                indices_are_sorted=False, mode=None, fill_value=None):
    d[z] = gather_tangent(d[operand], start_indices, dimension_numbers, slice_sizes,
                          unique_indices, indices_are_sorted, mode)


@tangent(lax.scatter_add)
def lax_scatter_add_(z, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted=False, unique_indices=False, mode=None):
    d[z] = d[operand]
    d[z] = scatter_added(jnp.zeros_like(operand), scatter_indices, d[updates], dimension_numbers,
                         indices_are_sorted, unique_indices, mode)


@tangent(lax.scatter_sub)
def lax_scatter_sub_(z, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted=False, unique_indices=False, mode=None):
    d[z] = d[operand]
    d[z] = scatter_added(jnp.zeros_like(operand), scatter_indices, -d[updates],
                         dimension_numbers, indices_are_sorted, unique_indices, mode)


@tangent(lax.scatter)
def lax_scatter_(z, operand, scatter_indices, updates, dimension_numbers,
                 indices_are_sorted=False, unique_indices=False, mode=None):
    d[z] = scatter_set(d[operand], scatter_indices, jnp.zeros_like(updates), dimension_numbers,
                       indices_are_sorted, unique_indices, mode)
    d[z] = scatter_set(jnp.zeros_like(operand), scatter_indices, d[updates], dimension_numbers,
                       indices_are_sorted, unique_indices, mode)


@tangent(lax.scatter_mul)
def lax_scatter_mul_(z, operand, scatter_indices, updates, dimension_numbers,
                     indices_are_sorted=False, unique_indices=False, mode=None):
    d[z] = scatter_multiplied(d[operand], scatter_indices, updates, dimension_numbers,
                              indices_are_sorted, unique_indices, mode)
    d[z] = scatter_mul_updates_tangent(d[updates], operand, scatter_indices, dimension_numbers,
                                       indices_are_sorted, unique_indices, mode)


@tangent(lax.scatter_min, lax.scatter_max)
def lax_scatter_extremal_(z, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted=False, unique_indices=False, mode=None):
    d[z] = scatter_extremal_tangent(d[operand], jnp.zeros_like(updates), z, operand,
                                    scatter_indices, updates, dimension_numbers,
                                    indices_are_sorted, unique_indices, mode)
    d[z] = scatter_extremal_tangent(jnp.zeros_like(operand), d[updates], z, operand,
                                    scatter_indices, updates, dimension_numbers,
                                    indices_are_sorted, unique_indices, mode)


@tangent(lax.reduce_sum)
def reduce_sum(z, x, axes):
    d[z] = jnp.sum(d[x], tuple(axes))


@tangent(lax.reduce_max, lax.reduce_min)
def reduce_max(z, x, axes):
    d[z] = jnp.sum(d[x] * (x == unreduce(z, x, axes)), tuple(axes)) / \
        jnp.sum(x == unreduce(z, x, axes), tuple(axes))


@tangent(lax.reduce_prod)
def reduce_prod(z, x, axes):
    d[z] = jnp.sum(d[x] * prod_others(x, axes), tuple(axes))


@tangent(lax.cumsum)
def lax_cumsum(z, x, axis=0, reverse=False):
    d[z] = lax_cumulative_sum(d[x], axis, reverse)


@tangent(lax.cumprod)
def lax_cumprod(z, x, axis=0, reverse=False):
    d[z] = lax_cumprod_tangent(d[x], x, axis, reverse)


@tangent(lax.dot_general)
def dot_general(z, lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    d[z] = lax_dot_general(d[lhs], rhs, dimension_numbers, preferred_element_type)
    d[z] = lax_dot_general(lhs, d[rhs], dimension_numbers, preferred_element_type)


@tangent(lax.sort)
def lax_sort(z, operand, dimension=-1, is_stable=True, num_keys=1):
    d[z] = lax_sort_tangent(operand, dimension, num_keys, d[operand])


@tangent(lax.conj)
def lax_conj(z, x):
    d[z] = jnp.conj(d[x])


@tangent(lax.cummax, lax.cummin)
def lax_cummax(z, x, axis=0, reverse=False):
    d[z] = lax_cumulative_extreme_tangent(d[x], x, z, axis, reverse)
