"""``s2s.flatten_util.ravel_pytree``: a pytree as one flat array, and the way back."""
import numpy as np

from s2s.runtime.tree_util import tree_flatten, tree_unflatten
from s2s import numpy as jnp

S2S_SOURCE_LIBRARY = True  # unravel is differentiated, batched and staged from its source


def ravel_pytree(pytree):
    """``(flat, unravel)``: the leaves raveled and concatenated in one 1-d array of their
    common dtype, and the function that rebuilds the pytree (leaves in their own dtypes)."""
    leaves, treedef = tree_flatten(pytree)
    arrays = [jnp.asarray(leaf) for leaf in leaves]
    dtype = jnp.result_type(*arrays) if arrays else jnp.zeros(()).dtype
    flat = jnp.concatenate([jnp.ravel(a).astype(dtype) for a in arrays]) if arrays else \
        jnp.zeros((0,), dtype)
    shapes = [a.shape for a in arrays]
    dtypes = [a.dtype for a in arrays]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    offsets = np.cumsum(sizes)[:-1].tolist()

    def unravel(flat_values):
        flat_values = jnp.asarray(flat_values)
        if flat_values.dtype != dtype:
            raise TypeError(f"unravel function given array of dtype {flat_values.dtype}, but "
                            f"expected dtype {dtype}")
        if flat_values.shape != (sum(sizes),):
            raise ValueError(f"The unravel function expected an array of shape "
                             f"{(sum(sizes),)}, got shape {flat_values.shape}.")
        pieces = jnp.split(flat_values, offsets) if arrays else []
        return tree_unflatten(treedef, [jnp.reshape(pieces[k], shapes[k]).astype(dtypes[k])
                                        for k in range(len(pieces))])
    return flat, unravel
