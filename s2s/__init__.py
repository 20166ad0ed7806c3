"""s2s: JAX's programming model as a source-to-source compiler.

``import s2s as jax`` and ``import s2s.numpy as jnp`` run JAX code; the transformations write
readable Python source (see ``docs/``).
"""
import os as _os

# The repository keeps ``runtime/`` and ``lowering/`` beside ``s2s/``; a wheel installs them as
# ``s2s.runtime`` and ``s2s.lowering`` (pyproject's package-dir). Run from a checkout (an
# editable install, or the checkout on PYTHONPATH), the two folders are found through this path.
_checkout = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if not _os.path.isdir(_os.path.join(__path__[0], "runtime")):
    __path__.append(_checkout)

import s2s.runtime as _runtime  # noqa: E402,F401  (attaches Array methods)
from s2s.runtime.config import config  # noqa: E402
from s2s.runtime.core import Array  # noqa: E402
from s2s.runtime.devices import (  # noqa: E402
    block_until_ready, default_backend, device_count, device_put, devices, local_device_count,
    local_devices, process_count, process_index)
from s2s.runtime import tree_util  # noqa: E402,F401
from s2s.runtime.tree_util import (  # noqa: E402
    tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten)
from s2s import errors, lax, numpy, random, sharding  # noqa: E402,F401
from s2s.dtypes import dtypes  # noqa: E402,F401
from s2s.jit import jit, make_jaxpr  # noqa: E402
from s2s.autograph import autograph  # noqa: E402

__version__ = "0.1.0"

from s2s import tree  # noqa: E402
from s2s.ad import (checkpoint, checkpoint_policies, grad, remat, value_and_grad,  # noqa: E402
                    vjp)
from s2s.custom import custom_gradient, custom_jvp, custom_vjp, stop_gradient  # noqa: E402
from s2s.jacobians import hessian, jacfwd, jacobian, jacrev, jvp, linearize  # noqa: E402
from s2s.batch import vmap  # noqa: E402
from s2s import debug  # noqa: E402,F401
from s2s.runtime.callbacks import pure_callback  # noqa: E402,F401
from s2s.shape_dtype import ShapeDtypeStruct, eval_shape  # noqa: E402,F401
from s2s import flatten_util, nn, scipy  # noqa: E402,F401
