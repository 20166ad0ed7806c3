"""``jvp``, ``linearize``, ``jacfwd``, ``jacrev``, ``jacobian`` and ``hessian``.

Each is a loop over basis vectors around a generated function: ``jacfwd`` pushes one input
basis vector at a time through the generated ``*_jvp``, ``jacrev`` pulls one output basis
vector at a time through the generated ``*_vjp``. A Jacobian of a Jacobian
(``hessian = jacfwd(jacrev(f))``) differentiates the generated inner function again, so every
level is source. (Until ``vmap`` batches the basis, the loops run one basis vector per call.)
"""
import gast
import numpy as np

from s2s.runtime import dtypes
from s2s.runtime.callbacks import recomputing
from s2s.runtime import lax as rlax
from s2s.runtime import numpy as jnp
from s2s.runtime.core import Array
from s2s.runtime.tree_util import (tree_flatten, tree_leaves, tree_map, tree_structure,
                                   tree_unflatten)
from s2s.batch import batched_result, vmap_function
from s2s.forward import jvp_function
from s2s.from_ir import stand_in
from s2s.reverse import grad_function
from s2s.rules.helpers import check_input_dtypes, check_output_dtype, materialize


def _unjit(fun):
    from s2s.jit import Jitted
    return fun.__wrapped__ if isinstance(fun, Jitted) else fun


def arrays(tree):
    """Python numbers and NumPy arrays among the leaves of ``tree`` as arrays (numbers weakly
    typed): what a transformed function sees as its inputs and returns, as in JAX."""
    from s2s.runtime.numpy.util import to_array
    return tree_map(lambda v: to_array(v) if isinstance(
        v, (bool, int, float, complex, np.ndarray, np.generic)) else v, tree)


def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), the tangent of the output along tangents)``."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"primal and tangent arguments to jax.jvp must be tuples or lists; "
                        f"found {type(primals).__name__} and {type(tangents).__name__}.")
    if len(primals) != len(tangents):
        raise TypeError(f"jvp primal and tangent arguments must have the same number of "
                        f"elements, got {len(primals)} and {len(tangents)}.")
    for p, t in zip(primals, tangents):
        if tree_structure(p) != tree_structure(t):
            raise TypeError(f"primal and tangent arguments to jax.jvp must have the same tree "
                            f"structure; primals have tree structure {tree_structure(p)} whereas "
                            f"tangents have tree structure {tree_structure(t)}.")
        for pl, tl in zip(tree_flatten(p)[0], tree_flatten(t)[0]):
            if getattr(tl, "dtype", None) == dtypes.float0:
                continue
            pd, td = dtypes.dtype_and_weak(pl)[0], dtypes.dtype_and_weak(tl)[0]
            if dtypes.is_inexact(pd) and pd != td:
                raise TypeError(f"primal and tangent arguments to jax.jvp do not match; dtypes "
                                f"must be equal, or in case of int/bool primal dtype the tangent "
                                f"dtype must be float0. Got primal dtype {pd.name} and so "
                                f"expected tangent dtype {pd.name}, but got tangent dtype "
                                f"{td.name} instead.")
    tangents = [tree_unflatten(tree_structure(t), [_no_float0(pl, tl) for pl, tl in zip(
        tree_flatten(p)[0], tree_flatten(t)[0])]) for p, t in zip(primals, tangents)]
    primals, tangents = arrays(tuple(primals)), arrays(tuple(tangents))
    fun = stand_in(_unjit(fun), primals)
    # an integer or boolean input (an index, a count) has no tangent: not differentiated
    wrt = tuple(i for i, p in enumerate(primals) if not tree_flatten(p)[0] or any(
        dtypes.is_inexact(dtypes.dtype_and_weak(l)[0]) for l in tree_flatten(p)[0]))
    generated = jvp_function(fun, wrt, has_aux, (len(primals), ()))
    res = generated(*primals, *[tangents[i] for i in wrt])
    return (arrays(res[0]), arrays(res[1])) + tuple(res[2:])


def _no_float0(primal, tangent):
    """The tangent of an integer or boolean input, which jax spells as a float0 array: zeros."""
    if getattr(tangent, "dtype", None) == dtypes.float0:
        return np.zeros(np.shape(primal), dtypes.default_float())
    return tangent


def linearize(fun, *primals):
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the tangent map at primals."""
    generated = jvp_function(_unjit(fun), tuple(range(len(primals))), call=(len(primals), ()))
    out = arrays(_unjit(fun)(*primals))

    def f_jvp(*tangents):
        return arrays(generated(*primals, *tangents)[1])
    f_jvp.generated = generated
    return out, f_jvp


def _argnums(argnums, nargs):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    return tuple(n % nargs for n in nums), single


def _basis(leaves, dtype_of):
    """(leaf index, flat position, one-hot tree leaves) for every element of every leaf."""
    for li, leaf in enumerate(leaves):
        size = int(np.prod(np.shape(leaf), dtype=np.int64))
        for k in range(size):
            onehot = [jnp.zeros_like(jnp.asarray(l, dtype=dtype_of(l))) for l in leaves]
            flat = jnp.zeros(size, dtype_of(leaf)).at[k].set(1)
            onehot[li] = jnp.reshape(flat, np.shape(leaf))
            yield li, onehot


def _dtype(x):
    return dtypes.dtype_and_weak(x)[0]


def _eye(n, like, shape):
    """``n`` basis vectors of shape ``shape``, of ``like``'s dtype and weak type (a weak
    input's or output's Jacobian is weak in jax)."""
    dt, weak = dtypes.dtype_and_weak(like)
    return rlax.convert_element_type(jnp.reshape(jnp.eye(n, dtype=dt), (n,) + shape), dt, weak)


def _assemble(columns, out_leaves, in_leaves, in_tree_of, out_tree, rev):
    """columns[in leaf][element] = output leaves (jacfwd) or rows[out leaf][element] = input
    leaves (jacrev) -> tree of out.shape + in.shape arrays, output structure outermost."""
    result = []
    for oi, o in enumerate(out_leaves):
        per_input = []
        for ii, leaf in enumerate(in_leaves):
            if rev:
                parts = [row[ii] for row in columns[oi]]
                stacked = jnp.stack(parts) if parts else jnp.zeros((0,) + np.shape(leaf))
                jac = jnp.reshape(stacked, np.shape(o) + np.shape(leaf))
            else:
                parts = [col[oi] for col in columns[ii]]
                stacked = jnp.stack(parts, axis=-1) if parts else jnp.zeros(np.shape(o) + (0,))
                jac = jnp.reshape(stacked, np.shape(o) + np.shape(leaf))
            per_input.append(jac)
        result.append(in_tree_of(per_input))
    return tree_unflatten(out_tree, result)


class _Jacobian:
    """``jacfwd(f)`` / ``jacrev(f)``: callable; composes (``jacfwd(jacrev(f))``) by
    differentiating the inner generated function again."""

    def __init__(self, fun, argnums, has_aux, mode, holomorphic=False, allow_int=False):
        self.fun, self.argnums, self.has_aux, self.mode = _unjit(fun), argnums, has_aux, mode
        self.holomorphic, self.allow_int = holomorphic, allow_int
        self.__name__ = f"{mode}_{getattr(fun, '__name__', 'fun')}"

    def s2s_fingerprint(self, pins):
        from s2s.cache import fingerprint
        return (self.mode, repr(self.argnums), self.has_aux, self.holomorphic,
                fingerprint(self.fun, pins))

    def __call__(self, *args):
        nums, single = _argnums(self.argnums, len(args))
        args = tuple(arrays(a) if i in nums else a for i, a in enumerate(args))
        check_input_dtypes(self.mode, tree_leaves([args[i] for i in nums]), self.holomorphic,
                           self.allow_int)
        if not isinstance(self.fun, _Jacobian):
            fun = stand_in(self.fun, args)
            if fun is not self.fun:  # no source to read: the Jacobian of its traced program
                return _Jacobian(fun, self.argnums, self.has_aux, self.mode, self.holomorphic,
                                 self.allow_int)(*args)
        if isinstance(self.fun, _Jacobian):
            if self.has_aux and self.fun.has_aux:  # (hessian(f, has_aux=True))
                aux = self.fun.fun(*args)[1]
                inner = _Jacobian(_without_aux(self.fun.fun, len(args)), self.fun.argnums,
                                  False, self.fun.mode, self.fun.holomorphic, self.fun.allow_int)
                return _Jacobian(inner, self.argnums, False, self.mode, self.holomorphic,
                                 self.allow_int)(*args), aux
            if self.has_aux or self.fun.has_aux:
                raise NotImplementedError("a Jacobian of a Jacobian with has_aux at one level "
                                          "only")
            inner = _argnums(self.fun.argnums, len(args))
            if inner == (nums, single) and single and isinstance(args[nums[0]], Array):
                return self._nested(args, nums[0])
            return self._nested_trees(args, inner, (nums, single))
        if self.holomorphic and self.mode == "jacfwd":  # (jacrev checks the value it seeds)
            res = self.fun(*args)
            self._check_outputs(tree_leaves(res[0] if self.has_aux else res))
        if self._vectorisable(args, nums, single):
            return self._vectorised(args, nums[0])
        return self._looped(args, nums, single)

    def _looped(self, args, nums, single):
        """Any pytrees in and out: one basis vector per call."""
        wrt_trees = [args[i] for i in nums]
        in_leaves, in_trees = [], []
        for t in wrt_trees:
            leaves, tree = tree_flatten(t)
            in_leaves.append(leaves)
            in_trees.append(tree)
        flat_in = [l for leaves in in_leaves for l in leaves]
        bounds = np.cumsum([0] + [len(l) for l in in_leaves])

        def in_tree_of(per_input):
            trees = [tree_unflatten(in_trees[k], per_input[bounds[k]:bounds[k + 1]])
                     for k in range(len(nums))]
            return trees[0] if single else tuple(trees)

        def split(flat):
            return [tree_unflatten(in_trees[k], flat[bounds[k]:bounds[k + 1]])
                    for k in range(len(nums))]

        if self.mode == "jacfwd":
            generated = jvp_function(self.fun, nums, self.has_aux, (len(args), ()))
            columns = [[] for _ in flat_in]
            out = aux = None
            for li, onehot in _basis(flat_in, _dtype):
                res = generated(*args, *split(onehot))
                out, tangent = res[0], res[1]
                aux = res[2] if self.has_aux else None
                columns[li].append(tree_flatten(tangent)[0])
            if out is None:  # no input elements: evaluate once for the output structure
                res = generated(*args, *split([jnp.zeros_like(l) for l in flat_in]))
                out, aux = res[0], (res[2] if self.has_aux else None)
            out_leaves, out_tree = tree_flatten(out)
            jac = _assemble(columns, out_leaves, flat_in, in_tree_of, out_tree, rev=False)
        else:
            generated = grad_function(self.fun, nums, self.has_aux, "vjp",
                                      call=(len(args), ()))
            res = self.fun(*args)
            out, aux = (res[0], res[1]) if self.has_aux else (res, None)
            out_leaves, out_tree = tree_flatten(out)
            self._check_outputs(out_leaves)
            rows = [[] for _ in out_leaves]
            for oi, onehot in _basis(out_leaves, lambda l: dtypes.dtype_and_weak(l)[0]):
                ct = tree_unflatten(out_tree, onehot)
                grads = generated(*args, ct)[1]
                rows[oi].append([l for g in grads for l in tree_flatten(g)[0]])
            jac = _assemble(rows, out_leaves, flat_in, in_tree_of, out_tree, rev=True)
        return (jac, aux) if self.has_aux else jac

    def _check_outputs(self, leaves):
        if self.mode == "jacrev" or self.holomorphic:  # jacfwd takes complex outputs too
            for leaf in leaves:
                check_output_dtype(self.mode, leaf, self.holomorphic)

    def _vectorisable(self, args, nums, single):
        return (single and not self.has_aux and isinstance(args[nums[0]], Array)
                and dtypes.is_inexact(args[nums[0]].dtype))

    def _vectorised(self, args, num):
        """One array in: all basis vectors at once, through the vmapped generated function."""
        x = args[num]
        n_in = x.size
        if self.mode == "jacfwd":
            generated = jvp_function(self.fun, (num,), call=(len(args), ()))
            basis = _eye(n_in, x, x.shape)
            (out, tangents), flags = vmap_function(generated, (len(args),))(*args, basis, n_in)
            out_flag, tangent_flag = flags if isinstance(flags, tuple) else (flags, flags)
            if out_flag is True:  # the value does not depend on the direction: example 0
                out = tree_map(lambda v: v[0], out)
            tangents = batched_result((tangents, tangent_flag), n_in)
            out_leaves, out_tree = tree_flatten(out)
            jacs = [jnp.reshape(jnp.moveaxis(jnp.reshape(t, (n_in, -1)), 0, -1),
                                np.shape(o) + x.shape)
                    for t, o in zip(tree_flatten(tangents)[0], out_leaves)]
            return tree_unflatten(out_tree, jacs)
        out = self.fun(*args)
        if not isinstance(out, Array):
            return self._looped(args, (num,), True)
        self._check_outputs([out])
        generated = grad_function(self.fun, (num,), mode="vjp", call=(len(args), ()))
        n_out = out.size
        basis = _eye(n_out, out, out.shape)
        _, (rows,) = batched_result(vmap_function(generated, (len(args),))(*args, basis, n_out),
                                    n_out)
        return jnp.reshape(rows, out.shape + x.shape)

    def _nested(self, args, num):
        """d/dx of the inner Jacobian, ``x = args[num]``: differentiate the inner generated
        function again."""
        inner, outer = self.fun.mode, self.mode
        f = self.fun.fun
        x = jnp.asarray(args[num])
        args = args[:num] + (x,) + args[num + 1:]
        out = f(*args)
        with recomputing():  # (f's values were shown by the call above)
            return self._nested_blocks(f, args, num, x, out, inner, outer)

    def _nested_trees(self, args, inner, outer):
        """A Jacobian of a Jacobian with respect to pytrees or several arguments (``hessian(f,
        argnums=(0, 1))``, a dict of parameters): the nested Jacobian of ``f`` as a function of
        one flat vector holding every argument either level differentiates, cut into blocks."""
        from s2s.flatten_util import ravel_pytree
        union = tuple(sorted(set(inner[0]) | set(outer[0])))
        x, _ = ravel_pytree(tuple(args[i] for i in union))
        flat_fun = _of_flat(self.fun.fun, union, tuple(args[i] for i in union), len(args))
        out = self.fun.fun(*args)
        if not isinstance(out, Array):
            raise NotImplementedError("a Jacobian of a Jacobian with respect to pytrees or "
                                      "several arguments, of a function returning a pytree")
        h = _Jacobian(_Jacobian(flat_fun, 0, False, self.fun.mode), 0, False, self.mode)(
            x, *args)
        spans, offset = {}, 0  # argument -> [(offset, shape) of each leaf], and its treedef
        for i in union:
            leaves, tree = tree_flatten(args[i])
            spans[i] = ([], tree)
            for leaf in leaves:
                spans[i][0].append((offset, np.shape(leaf)))
                offset += int(np.prod(np.shape(leaf), dtype=np.int64))

        def block(a, b):  # d2 out / d leaf a d leaf b
            (oa, sa), (ob, sb) = a, b
            na, nb = int(np.prod(sa, dtype=np.int64)), int(np.prod(sb, dtype=np.int64))
            return jnp.reshape(h[..., oa:oa + na, ob:ob + nb], out.shape + sa + sb)

        def per_argument(level, leaf_value):  # one level's structure over its arguments
            nums, single = level
            trees = [tree_unflatten(spans[i][1], [leaf_value(leaf) for leaf in spans[i][0]])
                     for i in nums]
            return trees[0] if single else tuple(trees)
        return per_argument(inner, lambda a: per_argument(outer, lambda b: block(a, b)))

    def _nested_blocks(self, f, args, num, x, out, inner, outer):
        n, dt = len(args), _dtype(x)
        n_in, shape_in = x.size, x.shape
        shape_out = jnp.shape(out)
        n_out = int(np.prod(shape_out, dtype=np.int64))
        if inner == "jacrev":  # core(*args, ct) -> (out, (row,))
            core = grad_function(f, (num,), mode="vjp", call=(n, ()))
            inner_basis = [materialize(e, out) for e in _eye(n_out, out, shape_out)]

            def entry(e):  # row k of the Jacobian
                return core(*args, e)[1][0]
        else:  # core(*args, t) -> (out, tangent)
            core = jvp_function(f, (num,), call=(n, ()))
            inner_basis = list(_eye(n_in, x, shape_in))

            def entry(e):  # column k of the Jacobian
                return core(*args, e)[1]
        blocks = []
        for e in inner_basis:
            if outer == "jacfwd":  # all input directions at once: the jvp of the core, vmapped
                d_core = jvp_function(core, (num,), call=(n + 1, ()))
                basis = _eye(n_in, x, shape_in)
                res = batched_result(vmap_function(d_core, (n + 1,))(*args, e, basis, n_in),
                                     n_in)
                cols = jnp.reshape(_tangent_part(inner, res), (n_in, -1))
                blocks.append(jnp.moveaxis(cols, 0, -1))  # entry size + (n_in,)
            else:
                d_core = grad_function(core, (num,), mode="vjp", call=(n + 1, ()))
                probe = entry(e)
                rows = []
                for j in range(int(np.prod(jnp.shape(probe), dtype=np.int64))):
                    ct = jnp.zeros(jnp.size(probe), dt).at[j].set(1).reshape(jnp.shape(probe))
                    cot = (0.0, (ct,)) if inner == "jacrev" else (0.0, ct)
                    rows.append(jnp.ravel(d_core(*args, e, _sparse(cot))[1][0]))
                blocks.append(jnp.reshape(jnp.stack(rows), jnp.shape(probe) + (n_in,)))
        stacked = jnp.stack(blocks)  # (inner basis, entry..., n_in)
        if inner == "jacrev":  # rows: (n_out, in..., n_in) -> out + in + in
            return jnp.reshape(stacked, shape_out + shape_in + shape_in)
        # columns: (n_in, out..., n_in) -> out + in + in
        moved = jnp.moveaxis(stacked, 0, -2)
        return jnp.reshape(moved, shape_out + shape_in + shape_in)


_wrappers = {}


def _source_wrapper(key, header, body, names):
    """``def header: body`` as source the transforms read, its free names bound by
    ``names()``; one per key (bounded: generated derivatives are cached by its identity)."""
    from s2s import codegen
    if key not in _wrappers:
        if len(_wrappers) >= 64:
            _wrappers.pop(next(iter(_wrappers)))
        fdef = gast.parse(f"def {header}:\n" + "".join(f"    {line}\n" for line in body))
        _wrappers[key] = codegen.load(fdef.body[0], {}, names())
    return _wrappers[key]


def _params(nargs):
    return ", ".join(f"a{i}" for i in range(nargs))


def _without_aux(fun, nargs):
    """``value(a0, ...)``: ``fun(a0, ...)[0]``, the value of a ``has_aux`` function."""
    return _source_wrapper(("value", fun, nargs), f"value({_params(nargs)})",
                           [f"return fun({_params(nargs)})[0]"], lambda: {"fun": fun})


def _of_flat(fun, nums, trees, nargs):
    """``flat_fun(x, a0, a1, ...)``: ``fun(a0, a1, ...)`` with the arguments ``nums`` (whose
    values are ``trees``) read from the flat vector ``x`` (``ravel_pytree``'s order)."""
    from s2s.flatten_util import ravel_pytree
    leaves, tree = tree_flatten(trees)
    key = ("flat", fun, nums, nargs, tree, tuple((np.shape(v), _dtype(v)) for v in leaves))
    passed = ", ".join(f"parts[{nums.index(i)}]" if i in nums else f"a{i}"
                       for i in range(nargs))
    return _source_wrapper(key, f"flat_fun(x, {_params(nargs)})",
                           ["parts = unravel(x)", f"return fun({passed})"],
                           lambda: {"fun": fun, "unravel": ravel_pytree(trees)[1]})


def _tangent_part(inner, res):
    """The tangent of the inner core's Jacobian entry, from a jvp of the core."""
    tangent = res[1]
    return tangent[1][0] if inner == "jacrev" else tangent[1]


def _sparse(cot):
    from s2s.rules.helpers import Sparse
    out, rest = cot
    return Sparse({1: rest if not isinstance(rest, tuple) else Sparse({0: rest[0]})})


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian of ``fun`` by forward mode: shape ``out.shape + in.shape``."""
    return _Jacobian(fun, argnums, has_aux, "jacfwd", holomorphic)


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """The Jacobian of ``fun`` by reverse mode: shape ``out.shape + in.shape``."""
    return _Jacobian(fun, argnums, has_aux, "jacrev", holomorphic, allow_int)


jacobian = jacrev


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """``jacfwd(jacrev(fun))``."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
