"""s2s: JAX's programming model as a source-to-source compiler.

``import s2s as jax`` and ``import s2s.numpy as jnp`` run JAX code; the transformations write
readable Python source (see ``docs/``).
"""
import runtime as _runtime  # noqa: F401  (attaches Array methods)
from runtime.config import config
from runtime.core import Array
from runtime.devices import (block_until_ready, default_backend, device_count, device_put,
                             devices, local_device_count, local_devices, process_count,
                             process_index)
from runtime import tree_util  # noqa: F401
from runtime.tree_util import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
from s2s import errors, lax, numpy, random, sharding  # noqa: F401
from s2s.dtypes import dtypes  # noqa: F401
from s2s.jit import jit, make_jaxpr

__version__ = "0.1.0"

from s2s import tree  # noqa: E402
from s2s.ad import (checkpoint, checkpoint_policies, grad, remat, value_and_grad,  # noqa: E402
                    vjp)
from s2s.custom import custom_gradient, custom_jvp, custom_vjp, stop_gradient  # noqa: E402
from s2s.jacobians import hessian, jacfwd, jacobian, jacrev, jvp, linearize  # noqa: E402
from s2s.batch import vmap  # noqa: E402
from s2s import debug  # noqa: E402,F401
from runtime.callbacks import pure_callback  # noqa: E402,F401
from s2s.shape_dtype import ShapeDtypeStruct, eval_shape  # noqa: E402,F401
from s2s import flatten_util, nn, scipy  # noqa: E402,F401
