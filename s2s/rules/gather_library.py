"""Derivatives of ``lax.gather`` and the scatter family written as source: each is again a
gather or a scatter (a gather's transpose is a scatter-add with the mirrored dimension
numbers, a scatter-add's a gather of the cotangent), with the same mode, so out-of-bounds
windows get what JAX gives them. s2s transforms these functions like user code (a source
library), so second derivatives and vmap of derivatives need no rule of their own."""
from s2s.runtime import lax
from s2s.runtime import numpy as jnp
from s2s.runtime.gather_scatter import (gather_mode, gather_of_scatter, scatter_mode,
                                        scatter_of_gather)
from s2s.rules import nondifferentiable

S2S_SOURCE_LIBRARY = True


def gather_tangent(t, start_indices, dimension_numbers, slice_sizes, unique_indices=False,
                   indices_are_sorted=False, mode=None):
    """The gather of the tangent (an out-of-bounds window of a FILL_OR_DROP gather reads 0)."""
    return lax.gather(t, start_indices, dimension_numbers, slice_sizes,
                      unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                      mode=mode, fill_value=0)


def gather_adjoint(g, operand, start_indices, dimension_numbers, unique_indices=False,
                   indices_are_sorted=False, mode=None):
    """The cotangent of a gather's operand: ``g`` added back where each window came from."""
    return lax.scatter_add(jnp.zeros(operand.shape, g.dtype), start_indices, g,
                           scatter_of_gather(dimension_numbers),
                           indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                           mode=gather_mode(mode))


def scattered_back(g, operand, scatter_indices, updates, dimension_numbers,
                   indices_are_sorted=False, unique_indices=False, mode=None):
    """What the windows a scatter writes read in ``g`` (0 for a dropped window): the
    transpose of a scatter-add in its updates."""
    dn, sizes = gather_of_scatter(dimension_numbers, operand.ndim, updates.shape)
    return lax.gather(g, scatter_indices, dn, sizes, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted, mode=scatter_mode(mode),
                      fill_value=0)


def scatter_set(operand, scatter_indices, updates, dimension_numbers, indices_are_sorted=False,
                unique_indices=False, mode=None):
    return lax.scatter(operand, scatter_indices, updates, dimension_numbers,
                       indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                       mode=mode)


def scatter_added(operand, scatter_indices, updates, dimension_numbers,
                  indices_are_sorted=False, unique_indices=False, mode=None):
    return lax.scatter_add(operand, scatter_indices, updates, dimension_numbers,
                           indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                           mode=mode)


def scatter_multiplied(operand, scatter_indices, updates, dimension_numbers,
                       indices_are_sorted=False, unique_indices=False, mode=None):
    return lax.scatter_mul(operand, scatter_indices, updates, dimension_numbers,
                           indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                           mode=mode)


@nondifferentiable
def update_won(operand, scatter_indices, updates, dimension_numbers, indices_are_sorted=False,
               unique_indices=False, mode=None):
    """Which entries of ``updates`` a scatter leaves in its result (of several written to one
    place, the one the scatter keeps): each entry's number, scattered and read back."""
    ids = jnp.reshape(jnp.arange(1, updates.size + 1, dtype=jnp.int32), updates.shape)
    owners = lax.scatter(jnp.zeros(operand.shape, jnp.int32), scatter_indices, ids,
                         dimension_numbers, indices_are_sorted=indices_are_sorted,
                         unique_indices=unique_indices, mode=mode)
    return scattered_back(owners, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted, unique_indices, mode) == ids


def scatter_updates_adjoint(g, operand, scatter_indices, updates, dimension_numbers,
                            indices_are_sorted=False, unique_indices=False, mode=None):
    """The cotangent of a scatter's updates: ``g`` where an entry was kept, else 0."""
    back = scattered_back(g, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted, unique_indices, mode)
    if unique_indices:
        return back
    return jnp.where(update_won(operand, scatter_indices, updates, dimension_numbers,
                                indices_are_sorted, unique_indices, mode), back, 0)


def _unique_only(unique_indices):
    if not unique_indices:
        raise NotImplementedError(
            "scatter_mul gradients are only implemented if `unique_indices=True`")


def scatter_mul_updates_tangent(t, operand, scatter_indices, dimension_numbers,
                                indices_are_sorted=False, unique_indices=False, mode=None):
    """The tangent of a scatter-mul in its updates (each place written once): the operand
    times the tangent put in place."""
    _unique_only(unique_indices)
    return operand * lax.scatter_add(jnp.zeros(operand.shape, t.dtype), scatter_indices, t,
                                     dimension_numbers, indices_are_sorted=indices_are_sorted,
                                     unique_indices=unique_indices, mode=mode)


def scatter_mul_updates_adjoint(g, operand, scatter_indices, updates, dimension_numbers,
                                indices_are_sorted=False, unique_indices=False, mode=None):
    _unique_only(unique_indices)
    return scattered_back(g * operand, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted, unique_indices, mode)


@nondifferentiable
def extremal_coefficients(z, operand, scatter_indices, updates, dimension_numbers):
    """JAX's split of a scatter-min/max's slope at each written place: equally among the
    updates that reached the result and the old value if it did too; ``(operand's,
    updates')``, the operand's as it enters through the gathered old value."""
    dn, sizes = gather_of_scatter(dimension_numbers, operand.ndim, updates.shape)
    result = lax.gather(z, scatter_indices, dn, sizes)
    won = updates == result
    kept = lax.gather(operand, scatter_indices, dn, sizes) == result
    zeros = jnp.zeros(operand.shape, operand.dtype)
    winners = lax.gather(lax.scatter_add(zeros, scatter_indices, jnp.where(won, 1, 0).astype(
        updates.dtype), dimension_numbers), scatter_indices, dn, sizes)
    refs = lax.gather(lax.scatter_add(zeros, scatter_indices, jnp.ones_like(updates),
                                      dimension_numbers), scatter_indices, dn, sizes)
    share = jnp.where(kept, 1.0 / (winners + 1), 1.0 / winners)
    operand_share = jnp.where(kept, 1.0 / (winners + 1), 0.0)
    return (-1.0 + operand_share) / refs, jnp.where(won, share, 0.0)


def scatter_extremal_tangent(t_operand, t_updates, z, operand, scatter_indices, updates,
                             dimension_numbers, indices_are_sorted=False, unique_indices=False,
                             mode=None):
    """The tangent of a scatter-min/max (linear in the two tangents together)."""
    c_operand, c_updates = extremal_coefficients(z, operand, scatter_indices, updates,
                                                 dimension_numbers)
    dn, sizes = gather_of_scatter(dimension_numbers, operand.ndim, updates.shape)
    moved = lax.gather(t_operand, scatter_indices, dn, sizes) * c_operand + t_updates * c_updates
    return lax.scatter_add(t_operand, scatter_indices, moved, dimension_numbers,
                           indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                           mode=mode)


def scatter_extremal_operand_adjoint(g, z, operand, scatter_indices, updates,
                                     dimension_numbers, indices_are_sorted=False,
                                     unique_indices=False, mode=None):
    """The transpose of ``scatter_extremal_tangent`` in the operand's tangent."""
    c_operand, c_updates = extremal_coefficients(z, operand, scatter_indices, updates,
                                                 dimension_numbers)
    back = scattered_back(g, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted, unique_indices, mode)
    return g + lax.scatter_add(jnp.zeros(operand.shape, g.dtype), scatter_indices,
                               back * c_operand, dimension_numbers,
                               mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)


def scatter_extremal_updates_adjoint(g, z, operand, scatter_indices, updates,
                                     dimension_numbers, indices_are_sorted=False,
                                     unique_indices=False, mode=None):
    """The transpose of ``scatter_extremal_tangent`` in the updates' tangent."""
    c_operand, c_updates = extremal_coefficients(z, operand, scatter_indices, updates,
                                                 dimension_numbers)
    return scattered_back(g, operand, scatter_indices, updates, dimension_numbers,
                          indices_are_sorted, unique_indices, mode) * c_updates


def scatter_apply_derivative(operand):
    """``lax.scatter_apply`` has no derivative in JAX; its error."""
    raise NotImplementedError("scatter_apply JVP not implemented")
