"""Source for a function whose own source cannot be read: written from its traced program.

A function defined in the REPL, by ``python -c`` or by ``exec`` of a string has no file to read.
JAX transforms such functions by tracing them; s2s does the same, then writes Python source
from the traced program (one line per operation, loops unrolled, as the trace ran them) and
transforms that source like any other. ``inspect.getsource`` shows it. The source is specific to
the argument shapes and dtypes it was traced with, so it is made again for other shapes.
"""
import numpy as np

from s2s.runtime import numpy as rnp
from s2s.runtime import tracing
from s2s.runtime.core import Array
from s2s.runtime.tree_util import tree_flatten
from s2s import cache, codegen, parse as parse_mod
from s2s.errors import TransformError


def readable(fun):
    """Whether s2s can read ``fun``'s source (so it needs no stand-in); for ``grad(f)``,
    ``vmap(f)``, ``jit(f)``: whether it can read ``f``'s."""
    while hasattr(fun, "s2s_fingerprint"):
        fun = getattr(fun, "fun", None) or getattr(fun, "_fun")
    try:
        plain = parse_mod.resolve(fun)[0]
    except TransformError:
        return True  # not a function at all: let the transform report it
    code = plain.__code__
    if codegen.generated_lines(code.co_filename) is not None:
        return True
    import linecache
    return bool(linecache.getlines(code.co_filename, plain.__globals__))


def sourceless_wrapped(transformed):
    """``__wrapped__`` of ``grad(f)`` / ``vmap(f)`` for an ``f`` s2s cannot read: the generated
    code for its traced stand-in once a call made one (``transformed.traced``), else an
    AttributeError that says so (``inspect`` then reads ``__signature__``)."""
    traced = getattr(transformed, "traced", None)
    if traced is None:
        raise AttributeError(f"{parse_mod.where(transformed.fun)}: the source of "
                             f"{getattr(transformed.fun, '__qualname__', transformed.fun)!r} "
                             f"cannot be read; s2s writes its code from a trace at the first "
                             f"call (call it once, then inspect it)")
    return traced.__wrapped__


def sourceless_signature(transformed):
    """``__signature__`` of ``grad(f)`` / ``vmap(f)``: ``f``'s, as jax's (the parameters a
    caller passes; the generated code's own extras, ``batch_size``, are not among them), and
    without reading ``f``'s source."""
    import inspect
    return inspect.signature(transformed.fun)


def stand_in(fun, args, kwargs=None):
    """``fun`` itself when its source is readable, else a generated function with the same
    arguments computing the same values (traced at these arguments' shapes)."""
    if kwargs or readable(fun):
        return fun
    leaves = []
    for a in args:
        flat, tree = tree_flatten(a)
        if flat != [a] or not isinstance(a, (Array, np.ndarray, np.generic, int, float, bool)):
            raise TransformError(
                f"{parse_mod.where(fun)}: s2s cannot read the source of "
                f"{getattr(fun, '__qualname__', fun)!r} (defined in an interactive session or "
                f"by exec) and traces it instead, which it can do for array arguments only. "
                f"Define it in a .py file to pass containers.")
        leaves.append(a)
    avals = tuple(tracing.aval_of(rnp.asarray(a)) for a in leaves)
    return cache.generated(("traced", avals), fun, lambda: _write(fun, avals))


def _write(fun, avals):
    from s2s.runtime.tree_util import tree_structure
    name = "".join(c for c in getattr(fun, "__name__", "f") if c.isalnum() or c == "_")
    name = (name if name and not name[0].isdigit() else "f") + "_traced"
    debug = tracing.DebugInfo(getattr(fun, "__name__", "f"), parse_mod.where(fun),
                              "s2s (a traced stand-in)")
    jaxpr, out_tree = tracing.trace(fun, tree_structure((tuple(range(len(avals))), {})),
                                    list(avals), debug)
    writer = _Writer(jaxpr)
    body = writer.body()
    outs = [writer.atom(v) for v in jaxpr.outvars]
    if out_tree == tree_structure(0):
        ret = outs[0]
    elif out_tree == tree_structure(tuple(range(len(outs)))):
        ret = "(" + ", ".join(outs) + ("," if len(outs) == 1 else "") + ")"
    else:
        raise TransformError(f"{parse_mod.where(fun)}: a traced stand-in returns one array or "
                             f"a tuple of arrays, not {out_tree}")
    params = ", ".join(writer.names[v] for v in jaxpr.invars)
    lines = [f"def {name}({params}):"] + [f"    {s}" for s in body] + [f"    return {ret}"]
    import gast
    fdef = gast.parse("\n".join(lines)).body[0]
    header = (f"Traced stand-in for {getattr(fun, '__qualname__', fun)} ({parse_mod.where(fun)}),"
              f" whose source s2s cannot read: written by s2s from its trace at argument "
              f"types {', '.join(a.str_short() for a in avals)}.")
    from s2s.rules import helpers
    used = {"pad_with": helpers.pad_with} if any("pad_with(" in b for b in body) else {}
    from s2s.runtime import lax
    fn = codegen.load(fdef, {}, {"jnp": rnp, "lax": lax, **used, **writer.free}, header=header)
    fn.__s2s_original__ = fun
    return fn


_UNARY = {"sin": "jnp.sin", "cos": "jnp.cos", "tan": "jnp.tan", "tanh": "jnp.tanh",
          "exp": "jnp.exp", "log": "jnp.log", "log1p": "jnp.log1p", "expm1": "jnp.expm1",
          "sqrt": "jnp.sqrt", "abs": "jnp.abs", "sign": "jnp.sign", "floor": "jnp.floor",
          "ceil": "jnp.ceil", "sinh": "jnp.sinh", "cosh": "jnp.cosh", "asin": "jnp.arcsin",
          "acos": "jnp.arccos", "atan": "jnp.arctan", "asinh": "jnp.arcsinh",
          "acosh": "jnp.arccosh", "atanh": "jnp.arctanh", "cbrt": "jnp.cbrt",
          "is_finite": "jnp.isfinite", "not": "jnp.logical_not", "round_even": "jnp.round",
          "erf": "lax.erf", "erfc": "lax.erfc", "erf_inv": "lax.erf_inv", "lgamma": "lax.lgamma",
          "digamma": "lax.digamma"}
_BINARY = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "div": "{} / {}",
           "pow": "{} ** {}", "max": "jnp.maximum({}, {})", "min": "jnp.minimum({}, {})",
           "eq": "{} == {}", "ne": "{} != {}", "lt": "{} < {}", "le": "{} <= {}",
           "gt": "{} > {}", "ge": "{} >= {}", "and": "{} & {}", "or": "{} | {}",
           "xor": "{} ^ {}", "atan2": "jnp.arctan2({}, {})", "rem": "jnp.fmod({}, {})"}


def _broadcast_in_dim(a, p):
    shape, dims = tuple(p["shape"]), tuple(p["broadcast_dimensions"])
    new = tuple(i for i in range(len(shape)) if i not in dims)
    return f"jnp.broadcast_to({f'jnp.expand_dims({a[0]}, {new})' if new else a[0]}, {shape})"


def _slice(a, p):
    strides = p.get("strides") or [None] * len(p["start_indices"])
    idx = ", ".join(f"{s}:{e}" + (f":{st}" if st and st != 1 else "")
                    for s, e, st in zip(p["start_indices"], p["limit_indices"], strides))
    return f"{a[0]}[{idx},]"


def _cumsum(a, p):
    axis = p["axis"]
    if p.get("reverse"):
        return f"jnp.flip(jnp.cumsum(jnp.flip({a[0]}, {axis}), {axis}), {axis})"
    return f"jnp.cumsum({a[0]}, {axis})"


def _conv(a, p):
    pet = p.get("preferred_element_type")
    return (f"lax.conv_general_dilated({a[0]}, {a[1]}, {p['window_strides']}, {p['padding']}, "
            f"{p['lhs_dilation']}, {p['rhs_dilation']}, lax.{p['dimension_numbers']!r}, "
            f"{p['feature_group_count']}, {p['batch_group_count']}, preferred_element_type="
            f"{None if pet is None else 'jnp.' + np.dtype(pet).name})")


def _reduce_window(a, p):
    op = {"sum": "add", "max": "max", "min": "min"}[p["computation"]]
    return (f"lax.reduce_window({a[0]}, {a[1]}, lax.{op}, {p['window_dimensions']}, "
            f"{p['window_strides']}, {p['padding']}, {p['base_dilation']}, "
            f"{p['window_dilation']})")


def _gather(a, p):
    """The primitive is a PROMISE_IN_BOUNDS gather (a FILL_OR_DROP one traced as its mask)."""
    from s2s.runtime.lax import GatherDimensionNumbers
    dn = GatherDimensionNumbers(**{k: p[k] for k in GatherDimensionNumbers._fields})
    return (f"lax.gather({a[0]}, {a[1]}, lax.{dn!r}, "
            f"{p['slice_sizes']}, indices_are_sorted={p['indices_are_sorted']}, "
            f"mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)")


def _scatter(name):
    """The primitive drops what falls outside, as a FILL_OR_DROP scatter (a CLIP one traced
    as its clamp)."""
    def form(a, p):
        from s2s.runtime.lax import ScatterDimensionNumbers
        dn = ScatterDimensionNumbers(**{k: p[k] for k in ScatterDimensionNumbers._fields})
        return (f"lax.{name}({a[0]}, {a[1]}, {a[2]}, lax.{dn!r}, "
                f"indices_are_sorted={p['indices_are_sorted']}, "
                f"unique_indices={p['unique_indices']})")
    return form


# primitive -> its line, from the operand names ``a`` and the equation's params ``p``
_FORMS = {
    "gather": _gather,
    **{name: _scatter(name) for name in ("scatter", "scatter_add", "scatter_sub", "scatter_mul",
                                         "scatter_min", "scatter_max")},
    "neg": lambda a, p: f"-{a[0]}",
    "rsqrt": lambda a, p: f"1.0 / jnp.sqrt({a[0]})",
    "logistic": lambda a, p: f"1.0 / (1.0 + jnp.exp(-{a[0]}))",
    "integer_pow": lambda a, p: f"{a[0]} ** {p['y']}",
    "convert_element_type":
        lambda a, p: f"jnp.asarray({a[0]}).astype(jnp.{np.dtype(p['new_dtype']).name})",
    "reshape": lambda a, p: f"jnp.reshape({a[0]}, {tuple(p['new_sizes'])})",
    "transpose": lambda a, p: f"jnp.transpose({a[0]}, {tuple(p['permutation'])})",
    "squeeze": lambda a, p: f"jnp.squeeze({a[0]}, {tuple(p['dimensions'])})",
    "concatenate": lambda a, p: f"jnp.concatenate([{', '.join(a)}], axis={p['dimension']})",
    "rev": lambda a, p: f"jnp.flip({a[0]}, {tuple(p['dimensions'])})",
    "pad": lambda a, p: f"pad_with({a[0]}, {a[1]}, {tuple(map(tuple, p['padding_config']))})",
    "broadcast_in_dim": _broadcast_in_dim,
    "slice": _slice,
    "cumsum": _cumsum,
    "conv_general_dilated": _conv,
    "reduce_window": _reduce_window,
}
_REDUCE = {"reduce_sum": "jnp.sum", "reduce_max": "jnp.max", "reduce_min": "jnp.min",
           "reduce_prod": "jnp.prod", "argmax": "jnp.argmax", "argmin": "jnp.argmin",
           "reduce_and": "jnp.all", "reduce_or": "jnp.any"}


class _Writer:
    """One Python line per equation, over the names ``x0, x1, ...`` of the program's values."""

    def __init__(self, jaxpr):
        self.jaxpr = jaxpr
        self.names, self.free = {}, {}
        for i, v in enumerate(jaxpr.invars):
            self.names[v] = f"x{i}"
        for i, (v, c) in enumerate(zip(jaxpr.constvars, jaxpr.consts)):
            self.names[v] = f"const{i}"
            self.free[f"const{i}"] = c

    def atom(self, v):
        if v in self.names:
            return self.names[v]
        val = np.asarray(v.val)  # a literal
        if val.ndim == 0:
            py = val.item()
            if v.aval.weak_type or val.dtype == np.float32 and isinstance(py, float):
                return repr(py) if np.isfinite(py) else f"float({str(py)!r})"
        name = f"lit{len(self.free)}"
        self.free[name] = rnp.asarray(val, dtype=val.dtype)
        return name

    def body(self):
        out = []
        for k, e in enumerate(self.jaxpr.eqns):
            for j, v in enumerate(e.outvars):
                self.names[v] = f"v{k}" if len(e.outvars) == 1 else f"v{k}_{j}"
            expr = self.expr(e, [self.atom(v) for v in e.invars])
            lhs = ", ".join(self.names[v] for v in e.outvars)
            out.append(f"{lhs} = {expr}" if lhs else expr)  # (a debug callback: no result)
        return out

    def expr(self, e, a):
        p, name = e.params, e.prim.name
        if name in _UNARY:
            return f"{_UNARY[name]}({a[0]})"
        if name in _BINARY:
            return _BINARY[name].format(*a)
        if name in _FORMS:
            return _FORMS[name](a, p)
        if name in _REDUCE:
            axes = p.get("axes", p.get("axis"))
            axes = tuple(axes) if isinstance(axes, (tuple, list)) else axes
            return f"{_REDUCE[name]}({a[0]}, axis={axes})"
        if name == "select_n" and len(a) == 3:
            return f"jnp.where({a[0]}, {a[2]}, {a[1]})"
        if name == "iota":
            self.free.setdefault("broadcasted_iota", _iota())
            return (f"broadcasted_iota(jnp.{np.dtype(p['dtype']).name}, {tuple(p['shape'])}, "
                    f"{p['dimension']})")
        if name == "dot_general":
            return self.dot_general(a, p, e)
        if name in ("debug_callback", "pure_callback"):
            return self.callback(e, a)
        self.refuse(name)

    def callback(self, e, a):
        """A host callback called again: the function XLA would call (it takes NumPy values and
        rebuilds the user's arguments) behind ``debug.callback`` / ``pure_callback``."""
        from s2s.runtime import callbacks
        from s2s.shape_dtype import ShapeDtypeStruct
        host = e.params["callback"].fn
        fn = f"callback{len(self.free)}"
        self.free[fn] = lambda *values: host(*[np.asarray(v) for v in values])
        self.free[e.prim.name] = getattr(callbacks, e.prim.name)
        if e.prim.name == "debug_callback":
            return f"debug_callback({', '.join([fn, *a])})"
        structs = f"results{len(self.free)}"
        self.free[structs] = tuple(ShapeDtypeStruct.of(v) for v in e.params["result_avals"])
        call = (f"pure_callback({', '.join([fn, structs, *a])}, "
                f"vmap_method={e.params['vmap_method']!r})")
        return f"{call}[0]" if len(e.outvars) == 1 else call

    def dot_general(self, a, p, e):
        """Batch dimensions to the front, contracted ones last / first, then ``matmul``."""
        (lc, rc), (lb, rb) = p["dimension_numbers"]
        ls, rs = e.invars[0].aval.shape, e.invars[1].aval.shape
        lf = [i for i in range(len(ls)) if i not in lc and i not in lb]
        rf = [i for i in range(len(rs)) if i not in rc and i not in rb]
        size = lambda shape, dims: int(np.prod([shape[i] for i in dims], dtype=np.int64))  # noqa
        bshape = tuple(ls[i] for i in lb)
        lhs = _reshaped(_transposed(a[0], tuple(lb) + tuple(lf) + tuple(lc)),
                        tuple(ls[i] for i in tuple(lb) + tuple(lf) + tuple(lc)),
                        bshape + (size(ls, lf), size(ls, lc)))
        rhs = _reshaped(_transposed(a[1], tuple(rb) + tuple(rc) + tuple(rf)),
                        tuple(rs[i] for i in tuple(rb) + tuple(rc) + tuple(rf)),
                        bshape + (size(rs, rc), size(rs, rf)))
        out = bshape + tuple(ls[i] for i in lf) + tuple(rs[i] for i in rf)
        return _reshaped(f"jnp.matmul({lhs}, {rhs})", bshape + (size(ls, lf), size(rs, rf)), out)

    def refuse(self, name):
        raise TransformError(f"s2s traced a function whose source it cannot read, and its "
                             f"program uses `{name}`, which the traced stand-in cannot write "
                             f"yet. Define the function in a .py file.")


def _transposed(x, perm):
    return x if perm == tuple(range(len(perm))) else f"jnp.transpose({x}, {perm})"


def _reshaped(x, shape, new):
    return x if tuple(shape) == tuple(new) else f"jnp.reshape({x}, {new})"


def _iota():
    from s2s.runtime import lax
    return lax.broadcasted_iota
