"""Loads tests/grad_corpus.py twice: with ``jnp`` = s2s.numpy and with ``jnp`` = jax.numpy."""
import importlib.util
import os
import sys

import numpy as np

HERE = os.path.dirname(__file__)


def load(jnp_module, name, file="grad_corpus.py", lax_module=None):
    """A corpus module, executed from its own file with ``jnp`` bound to ``jnp_module`` (and
    ``lax`` to ``lax_module``)."""
    path = os.path.join(HERE, file)
    bound = {"jnp": jnp_module, "lax": lax_module}
    sys.modules.update({k: v for k, v in bound.items() if v is not None})
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    finally:
        for k, v in bound.items():
            if v is not None:
                del sys.modules[k]
    return mod


X5 = np.array([0.3, -0.2, 0.5, 1.0, 0.7], np.float32)


def mlp_params(rng):
    return {"W1": rng.normal(size=(5, 4)).astype(np.float32) * 0.3,
            "b1": rng.normal(size=(4,)).astype(np.float32) * 0.1,
            "W2": rng.normal(size=(4, 2)).astype(np.float32) * 0.3,
            "b2": np.zeros(2, np.float32)}


def cases():
    """(name, args as numpy trees, argnums)."""
    rng = np.random.default_rng(0)
    single = ["poly", "sigmoid_sum", "chain", "reassign", "augmented", "for_loop", "nested_loops",
              "while_loop", "branch", "branch_in_loop", "early_break", "skip_continue",
              "final_if_return", "calls_helper", "calls_twice", "tuple_unpack", "indexing",
              "logsumexp", "softmax_xent", "reductions", "where_relu", "maximum_relu",
              "matrix_ops", "methods", "closure", "lam", "uses_lambda", "expm1_log1p",
              "arctan_pow", "clip_fn", "broadcasting", "sum_axis", "while_counter",
              "divide_chain", "early_return", "at_updates", "joins", "running", "norms"]
    out = [(n, (X5,), 0) for n in single]
    out.append(("branch", (-X5,), 0))
    out.append(("mlp", (mlp_params(rng), rng.normal(size=(3, 5)).astype(np.float32)), 0))
    out.append(("mlp", (mlp_params(rng), rng.normal(size=(3, 5)).astype(np.float32)), (0, 1)))
    layers = [(rng.normal(size=(5, 5)).astype(np.float32) * 0.4,
               rng.normal(size=(5,)).astype(np.float32) * 0.1) for _ in range(2)]
    out.append(("mlp_list", (layers, X5), 0))
    out.append(("unused_param", ({"used": X5, "unused": np.ones(3, np.float32)}, X5), 0))
    sizes = [5, 4, 4, 3]
    layers = [(rng.normal(size=(m, n)).astype(np.float32) * 0.5,
               rng.normal(size=(n,)).astype(np.float32) * 0.1)
              for m, n in zip(sizes[:-1], sizes[1:])]
    onehot = np.eye(3, dtype=np.float32)[[0, 2, 1, 1]]
    out.append(("mlp_layers_xent", (layers, rng.normal(size=(4, 5)).astype(np.float32),
                                    onehot), 0))
    return out


def tree_to(tree, conv):
    import jax
    return jax.tree_util.tree_map(conv, tree)


def assert_trees_close(a, b, rtol, atol, check_dtype):
    """Same tree structure, shapes (and dtypes), and values within tolerance."""
    import jax
    la, ta = jax.tree_util.tree_flatten(tree_to(a, np.asarray))
    lb, tb = jax.tree_util.tree_flatten(tree_to(b, np.asarray))
    assert ta == tb, (ta, tb)
    for x, y in zip(la, lb):
        assert x.shape == y.shape, (x.shape, y.shape)
        if check_dtype:
            assert x.dtype == y.dtype, (x.dtype, y.dtype)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)
