"""Dense linear algebra on LAPACK: cholesky, eigh, eig, svd, geqrf, householder_product, lu,
lu_pivots_to_permutation, triangular_solve.

Each emitter writes the custom call JAX 0.10 writes on CPU (jaxlib's typed-FFI LAPACK kernels,
``lapack_<s|d|c|z><routine>_ffi``): the same target, ``mhlo.backend_config`` attributes,
column-major layouts for the matrices, ``output_operand_aliases`` and the ``num_batch_dims``
frontend attribute that lets the kernel loop over leading batch dimensions; then the same
post-processing (``info`` != 0 -> NaN, 1-based pivots -> 0-based). The kernels are registered
with XLA by ``lowering.backend`` before the first program that calls them is compiled.

A malformed custom call can take jaxlib down with it, so the shape rules check every rank,
dimension and dtype first and raise JAX's errors.
"""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, check_kinds
from s2s.lowering.stablehlo import i64_array

F32, F64, C64, C128 = (np.dtype(d) for d in ("float32", "float64", "complex64", "complex128"))
I32, BOOL = np.dtype("int32"), np.dtype("bool")
_PREFIX = {F32: "s", F64: "d", C64: "c", C128: "z"}
_REAL = {F32: F32, F64: F64, C64: F32, C128: F64}

TARGET_PREFIX = "lapack_"  # every custom call target this module writes starts with it


def target(routine, dtype):
    """``lapack_spotrf_ffi`` for ``potrf`` and float32."""
    return f"{TARGET_PREFIX}{_PREFIX[np.dtype(dtype)]}{routine}_ffi"


def _is_complex(dtype):
    return np.dtype(dtype).kind == "c"


# ---- checks --------------------------------------------------------------------------------------

def _check_dtype(name, x):
    check_kinds(name, x, "fc")
    if x.dtype not in _PREFIX:  # float16, bfloat16, float8: JAX has no LAPACK kernel either
        raise NotImplementedError(f"{name}: Unsupported dtype {x.dtype.name}. LAPACK supports "
                                  f"float32, float64, complex64 and complex128.")


def _check_matrix(name, x, square=False, i=0):
    """``x`` is a (batch of) matrix of a LAPACK dtype: rank >= 2, square if asked."""
    _check_dtype(name, x)
    if x.ndim < 2:
        raise TypeError(f"Input {i} to {name} must have rank at least 2, but got shape={x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(square.format(shape=x.shape[-2:]) if isinstance(square, str) else
                         f"The input to {name} must be a square matrix. Got shape {x.shape[-2:]}.")
    return x.shape[:-2], x.shape[-2], x.shape[-1]


def _check_bool(name, **flags):
    for k, v in flags.items():
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{name}: parameter {k} must be a bool, got {v!r}")


# ---- the custom call -----------------------------------------------------------------------------

def _layout(ndim, column_major):
    """Minor-to-major order: matrices in Fortran order, batch dimensions major-most."""
    if column_major:
        order = [ndim - 2, ndim - 1] + list(range(ndim - 3, -1, -1))
    else:
        order = list(range(ndim - 1, -1, -1))
    if not order:
        return "dense<> : tensor<0xindex>"
    if len(order) == 1:
        return f"dense<{order[0]}> : tensor<1xindex>"
    return f"dense<[{', '.join(map(str, order))}]> : tensor<{len(order)}xindex>"


def _ffi_call(ctx, routine, operands, in_avals, out_avals, config=(), aliases=None,
              dtype=None):
    """One ``stablehlo.custom_call`` to a LAPACK FFI kernel, as JAX's ``_linalg_ffi_lowering``
    writes it: arrays of the operands' largest rank are column-major matrices with leading batch
    dimensions (``num_batch_dims``); lower-rank ones (taus, pivots, info) are row-major.
    ``aliases`` maps operand indices to the result indices that reuse their buffers."""
    name = target(routine, dtype or in_avals[0].dtype)
    max_nd = max(a.ndim for a in in_avals)
    op_layouts = ", ".join(_layout(a.ndim, a.ndim == max_nd) for a in in_avals)
    res_layouts = ", ".join(_layout(a.ndim, a.ndim == max_nd) for a in out_avals)
    multi = len(out_avals) > 1
    alias = ", ".join(
        f"#stablehlo.output_operand_alias<output_tuple_indices = [{o}], operand_index = {i}, "
        f"operand_tuple_indices = []>" if multi else
        f"#stablehlo.output_operand_alias<output_tuple_indices = [], operand_index = {i}, "
        f"operand_tuple_indices = []>" for i, o in (aliases or {}).items())
    cfg = ", ".join(f"{k} = {v}" for k, v in config)
    attrs = (f'api_version = 1 : i32, backend_config = "", call_target_name = "{name}", '
             f"called_computations = [], has_side_effect = false, "
             f"operand_layouts = [{op_layouts}], output_operand_aliases = [{alias}], "
             f"result_layouts = [{res_layouts}], mhlo.backend_config = {{{cfg}}}, "
             f'mhlo.frontend_attributes = {{num_batch_dims = "{max_nd - 2}"}}')
    return ctx.op("stablehlo.custom_call", operands, in_avals, out_avals, attrs)


def _char(c):
    return f"{ord(c)} : ui8"


def _full(ctx, value, av):
    """``value`` broadcast to ``av`` (a rank-0 constant and a broadcast_in_dim)."""
    scalar = aval((), av.dtype)
    c = ctx.constant(np.asarray(value, av.dtype), scalar)
    if not av.shape:
        return c
    return _bcast(ctx, c, scalar, av.shape, ())


def _bcast(ctx, x, x_aval, shape, dims):
    out = aval(shape, x_aval.dtype)
    return ctx.op("stablehlo.broadcast_in_dim", [x], [x_aval], [out],
                  f"broadcast_dimensions = {i64_array(dims)}")[0]


def _compare(ctx, x, y, av, direction, ctype="SIGNED"):
    out = aval(av.shape, BOOL)
    return ctx.op("stablehlo.compare", [x, y], [av, av], [out],
                  f"comparison_direction = #stablehlo<comparison_direction {direction}>, "
                  f"compare_type = #stablehlo<comparison_type {ctype}>")[0]


def _info_ok(ctx, info, batch, direction="EQ"):
    """``info == 0`` (or ``>= 0``) per matrix of the batch."""
    iav = aval(batch, I32)
    return _compare(ctx, info, _full(ctx, 0, iav), iav, direction)


def _nan_where_not_ok(ctx, ok, batch, x, x_aval):
    """``x`` where its matrix's ``ok`` holds, NaN elsewhere (JAX's ``_replace_not_ok_with_nan``)."""
    nb = len(batch)
    sel_shape = tuple(batch) + (1,) * (x_aval.ndim - nb)
    ok = _bcast(ctx, ok, aval(batch, BOOL), sel_shape, range(nb))
    pred = _bcast(ctx, ok, aval(sel_shape, BOOL), x_aval.shape, range(x_aval.ndim))
    nan = np.nan + np.nan * 1j if _is_complex(x_aval.dtype) else np.nan
    fill = _full(ctx, nan, x_aval)
    return ctx.op("stablehlo.select", [pred, x, fill],
                  [aval(x_aval.shape, BOOL), x_aval, x_aval], [x_aval])[0]


# ---- cholesky (potrf) ----------------------------------------------------------------------------

def _cholesky_rule(x):
    _check_matrix("cholesky", x, square=True)
    return aval(x.shape, x.dtype)


def _cholesky_emit(ctx, operands, in_avals, out_avals):
    x = in_avals[0]
    batch = x.shape[:-2]
    res, info = _ffi_call(ctx, "potrf", operands, in_avals, [x, aval(batch, I32)],
                          [("uplo", _char("L"))], {0: 0})
    return [_nan_where_not_ok(ctx, _info_ok(ctx, info, batch), batch, res, out_avals[0])]


def_primitive("cholesky", _cholesky_rule, _cholesky_emit)


# ---- eigh (syevd / heevd) ------------------------------------------------------------------------

def _eigh_rule(x, *, lower=True):
    _check_bool("eigh", lower=lower)
    batch, n, _ = _check_matrix("eigh", x, square="Argument to symmetric eigendecomposition must "
                                "have shape [..., n, n], got shape {shape}")
    return aval(x.shape, x.dtype), aval(batch + (n,), _REAL[x.dtype])


def _eigh_emit(ctx, operands, in_avals, out_avals, *, lower=True):
    x = in_avals[0]
    batch = x.shape[:-2]
    v_av, w_av = out_avals
    routine = "heevd" if _is_complex(x.dtype) else "syevd"
    v, w, info = _ffi_call(ctx, routine, operands, in_avals, [v_av, w_av, aval(batch, I32)],
                           [("mode", _char("V")), ("uplo", _char("L" if lower else "U"))],
                           {0: 0})
    ok = _info_ok(ctx, info, batch)
    return [_nan_where_not_ok(ctx, ok, batch, v, v_av), _nan_where_not_ok(ctx, ok, batch, w, w_av)]


def_primitive("eigh", _eigh_rule, _eigh_emit, multiple_results=True)


# ---- svd (gesdd) ---------------------------------------------------------------------------------

def _svd_rule(x, *, full_matrices=True, compute_uv=True):
    _check_bool("svd", full_matrices=full_matrices, compute_uv=compute_uv)
    batch, m, n = _check_matrix("svd", x)
    k = min(m, n)
    s = aval(batch + (k,), _REAL[x.dtype])
    if not compute_uv:
        return (s,)
    um, vn = (m, n) if full_matrices else (k, k)
    return s, aval(batch + (m, um), x.dtype), aval(batch + (vn, n), x.dtype)


def _svd_emit(ctx, operands, in_avals, out_avals, *, full_matrices=True, compute_uv=True):
    x = in_avals[0]
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    if m == 0 or n == 0:
        return _empty_svd(ctx, x, out_avals, full_matrices, compute_uv)
    if compute_uv:
        s_av, u_av, vt_av = out_avals
    else:  # LAPACK still writes (unused) U and V^T buffers of these shapes
        s_av, = out_avals
        u_av = aval(batch + (m, m if full_matrices else k), x.dtype)
        vt_av = aval(batch + (n if full_matrices else k, n), x.dtype)
    mode = "N" if not compute_uv else ("A" if full_matrices else "S")
    _, s, u, vt, info = _ffi_call(ctx, "gesdd", operands, in_avals,
                                  [x, s_av, u_av, vt_av, aval(batch, I32)],
                                  [("mode", _char(mode))], {0: 0})
    ok = _info_ok(ctx, info, batch)
    outs = [_nan_where_not_ok(ctx, ok, batch, s, s_av)]
    if compute_uv:
        outs += [_nan_where_not_ok(ctx, ok, batch, u, u_av),
                 _nan_where_not_ok(ctx, ok, batch, vt, vt_av)]
    return outs


def _eye(ctx, av):
    """A (batch of) identity matrices of ``av``'s shape (square in its last two dimensions)."""
    size = av.shape[-1]
    idx = aval((size, size), I32)
    rows = ctx.op("stablehlo.iota", [], [], [idx], "iota_dimension = 0 : i64")[0]
    cols = ctx.op("stablehlo.iota", [], [], [idx], "iota_dimension = 1 : i64")[0]
    eq = _compare(ctx, rows, cols, idx, "EQ")
    eye = ctx.op("stablehlo.convert", [eq], [aval((size, size), BOOL)],
                 [aval((size, size), av.dtype)])[0]
    nd = len(av.shape)
    return _bcast(ctx, eye, aval((size, size), av.dtype), av.shape, (nd - 2, nd - 1))


def _empty_svd(ctx, x, out_avals, full_matrices, compute_uv):
    """JAX's answer for matrices with a zero dimension: no singular values, identity or zero
    singular vectors."""
    outs = [_full(ctx, 0, out_avals[0])]
    if compute_uv:
        for av in out_avals[1:]:
            square = av.shape[-1] == av.shape[-2] and av.shape[-1] > 0
            outs.append(_eye(ctx, av) if full_matrices and square else _full(ctx, 0, av))
    return outs


def_primitive("svd", _svd_rule, _svd_emit, multiple_results=True)


# ---- eig (geev) ----------------------------------------------------------------------------------

_COMPLEX = {F32: C64, F64: C128, C64: C64, C128: C128}


def _eig_rule(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True):
    _check_bool("eig", compute_left_eigenvectors=compute_left_eigenvectors,
                compute_right_eigenvectors=compute_right_eigenvectors)
    batch, n, _ = _check_matrix("eig", x, square=True)
    cdt = _COMPLEX[x.dtype]
    vecs = [aval(x.shape, cdt)] * (int(compute_left_eigenvectors) +
                                   int(compute_right_eigenvectors))
    return (aval(batch + (n,), cdt), *vecs)


def _eig_emit(ctx, operands, in_avals, out_avals, *, compute_left_eigenvectors=True,
              compute_right_eigenvectors=True):
    """geev: eigenvalues (for real matrices as real and imaginary parts, joined here) and the
    left/right eigenvectors, complex, each of unit norm with its largest entry real (the
    kernel writes both buffers, computed or not)."""
    x = in_avals[0]
    batch, n = x.shape[:-2], x.shape[-1]
    w_av, v_av = out_avals[0], aval(x.shape, _COMPLEX[x.dtype])
    wanted = [compute_left_eigenvectors, compute_right_eigenvectors]
    if n == 0:
        return [_full(ctx, 0, av) for av in out_avals]
    flags = [("compute_left", _char("V" if compute_left_eigenvectors else "N")),
             ("compute_right", _char("V" if compute_right_eigenvectors else "N"))]
    if _is_complex(x.dtype):
        w, vl, vr, info = _ffi_call(ctx, "geev", operands, in_avals,
                                    [w_av, v_av, v_av, aval(batch, I32)], flags)
    else:
        part = aval(batch + (n,), x.dtype)
        wr, wi, vl, vr, info = _ffi_call(ctx, "geev", operands, in_avals,
                                         [part, part, v_av, v_av, aval(batch, I32)], flags)
        w = ctx.op("stablehlo.complex", [wr, wi], [part, part], [w_av])[0]
    ok = _info_ok(ctx, info, batch)
    vecs = [v for v, keep in zip((vl, vr), wanted) if keep]
    return [_nan_where_not_ok(ctx, ok, batch, w, w_av)] + [
        _nan_where_not_ok(ctx, ok, batch, v, v_av) for v in vecs]


def_primitive("eig", _eig_rule, _eig_emit, multiple_results=True)


# ---- geqrf / householder_product (orgqr, ungqr) --------------------------------------------------

def _geqrf_rule(x):
    batch, m, n = _check_matrix("geqrf", x)
    if m == 0 or n == 0:
        raise ValueError(f"geqrf requires a matrix without zero dimensions, got shape {x.shape}")
    return aval(x.shape, x.dtype), aval(batch + (min(m, n),), x.dtype)


def _geqrf_emit(ctx, operands, in_avals, out_avals):
    return _ffi_call(ctx, "geqrf", operands, in_avals, out_avals, (), {0: 0})


def_primitive("geqrf", _geqrf_rule, _geqrf_emit, multiple_results=True)


def _householder_product_rule(a, taus):
    batch, m, n = _check_matrix("householder_product", a)
    _check_dtype("householder_product", taus)
    if taus.dtype != a.dtype:
        raise TypeError(f"householder_product requires a and taus to have the same dtype, got "
                        f"{a.dtype.name} and {taus.dtype.name}")
    if taus.ndim != a.ndim - 1 or taus.shape[:-1] != batch:
        raise ValueError(f"householder_product requires taus of shape batch + (k,) with the "
                         f"batch {batch} of a, got a of shape {a.shape} and taus of shape "
                         f"{taus.shape}")
    if m < n:
        raise ValueError(f"The first argument to householder_product must have at least as many "
                         f"rows as columns, got shape {a.shape[-2:]}")
    if taus.shape[-1] > n:
        raise ValueError("The second argument to householder_product must not have more rows "
                         "than the minimum of the first argument's rows and columns.")
    if m == 0 or n == 0:
        raise ValueError(f"householder_product requires a matrix without zero dimensions, got "
                         f"shape {a.shape}")
    return aval(a.shape, a.dtype)


def _householder_product_emit(ctx, operands, in_avals, out_avals):
    routine = "ungqr" if _is_complex(in_avals[0].dtype) else "orgqr"
    return _ffi_call(ctx, routine, operands, in_avals, out_avals, (), {0: 0})


def_primitive("householder_product", _householder_product_rule, _householder_product_emit)


# ---- lu (getrf) and lu_pivots_to_permutation -----------------------------------------------------

def _lu_rule(x):
    batch, m, n = _check_matrix("lu", x)
    return (aval(x.shape, x.dtype), aval(batch + (min(m, n),), I32), aval(batch + (m,), I32))


def _lu_emit(ctx, operands, in_avals, out_avals):
    x = in_avals[0]
    batch, m = x.shape[:-2], x.shape[-2]
    lu_av, piv_av, perm_av = out_avals
    if x.size == 0:  # nothing to factor: no kernel call (LAPACK's workspace query needs n > 0)
        lu = operands[0]
        piv = _full(ctx, 0, piv_av)
    else:
        lu, piv, info = _ffi_call(ctx, "getrf", operands, in_avals,
                                  [lu_av, piv_av, aval(batch, I32)], (), {0: 0})
        piv = ctx.op("stablehlo.subtract", [piv, _full(ctx, 1, piv_av)], [piv_av, piv_av],
                     [piv_av])[0]
        ok = _info_ok(ctx, info, batch, "GE")
        lu = _nan_where_not_ok(ctx, ok, batch, lu, lu_av)
    perm = _pivots_to_permutation(ctx, piv, piv_av, m)
    return [lu, piv, perm]


def_primitive("lu", _lu_rule, _lu_emit, multiple_results=True)


def _pivots_rule(pivots, *, permutation_size):
    if pivots.dtype != I32:
        raise TypeError(f"lu_pivots_to_permutation requires int32 pivots, got "
                        f"{pivots.dtype.name}")
    if pivots.ndim < 1:
        raise ValueError("lu_pivots_to_permutation requires an argument of rank >= 1")
    if not isinstance(permutation_size, (int, np.integer)) or \
            permutation_size < pivots.shape[-1]:
        raise ValueError(f"Output permutation size {permutation_size} has to exceed the trailing "
                         f"dimension of the pivots. Got pivots size {pivots.shape[-1]}")
    return aval(pivots.shape[:-1] + (int(permutation_size),), I32)


def _pivots_emit(ctx, operands, in_avals, out_avals, *, permutation_size):
    return [_pivots_to_permutation(ctx, operands[0], in_avals[0], permutation_size)]


def_primitive("lu_pivots_to_permutation", _pivots_rule, _pivots_emit)


def _pivots_to_permutation(ctx, piv, piv_av, m):
    """The permutation of ``iota(m)`` that applies the row swaps ``i <-> pivots[..., i]`` in
    order, as one ``stablehlo.while`` over ``i``. Each step is elementwise over the batch:
    ``perm[i]`` and ``perm[p]`` are read with masked sums (exact on integers), then swapped."""
    batch, k = piv_av.shape[:-1], piv_av.shape[-1]
    nb = len(batch)
    perm_av = aval(batch + (m,), I32)
    iota = ctx.op("stablehlo.iota", [], [], [perm_av], f"iota_dimension = {nb} : i64")[0]
    if k == 0 or m == 0:
        return iota
    s32 = aval((), I32)
    start = ctx.constant(np.int32(0), s32)
    state = [s32, perm_av, piv_av]

    def cond(c, args):
        limit = c.constant(np.int32(k), s32)
        return [_compare(c, args[0], limit, s32, "LT")], [aval((), BOOL)]

    def body(c, args):
        i, perm, pv = args
        col = aval(batch + (1,), I32)
        zero = c.constant(np.int32(0), s32)
        p = c.op("stablehlo.dynamic_slice", [pv] + [zero] * nb + [i], [piv_av] + [s32] * (nb + 1),
                 [col], f"slice_sizes = {i64_array(tuple(batch) + (1,))}")[0]
        p = _bcast(c, p, col, perm_av.shape, range(nb + 1))
        i_b = _bcast(c, i, s32, perm_av.shape, ())
        at_i = _compare(c, iota, i_b, perm_av, "EQ")
        at_p = _compare(c, iota, p, perm_av, "EQ")
        zeros = _full(c, 0, perm_av)
        mask_av = aval(perm_av.shape, BOOL)

        def read(mask):
            picked = c.op("stablehlo.select", [mask, perm, zeros], [mask_av, perm_av, perm_av],
                          [perm_av])[0]
            red = _reduce_sum_last(c, picked, perm_av)
            return _bcast(c, red, aval(batch, I32), perm_av.shape, range(nb))

        v_i, v_p = read(at_i), read(at_p)
        new = c.op("stablehlo.select", [at_p, v_i, perm], [mask_av, perm_av, perm_av],
                   [perm_av])[0]
        new = c.op("stablehlo.select", [at_i, v_p, new], [mask_av, perm_av, perm_av],
                   [perm_av])[0]
        one = c.constant(np.int32(1), s32)
        nxt = c.op("stablehlo.add", [i, one], [s32, s32], [s32])[0]
        return [nxt, new, pv], state

    regions = [ctx.region(state, cond), ctx.region(state, body)]
    outs = ctx.op("stablehlo.while", [start, iota, piv], state, state, "", regions)
    return outs[1]


def _reduce_sum_last(ctx, x, x_aval):
    out = aval(x_aval.shape[:-1], x_aval.dtype)
    s = aval((), x_aval.dtype)
    init = ctx.constant(np.zeros((), x_aval.dtype), s)

    def body(c, args):
        return c.op("stablehlo.add", args, [s, s], [s]), [s]

    return ctx.op("stablehlo.reduce", [x, init], [x_aval, s], [out],
                  f"dimensions = {i64_array([x_aval.ndim - 1])}", [ctx.region([s, s], body)])[0]


# ---- triangular_solve (trsm) ---------------------------------------------------------------------

def _triangular_solve_rule(a, b, *, left_side=False, lower=False, transpose_a=False,
                           conjugate_a=False, unit_diagonal=False):
    _check_bool("triangular_solve", left_side=left_side, lower=lower, transpose_a=transpose_a,
                conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    batch, m, n = _check_matrix("triangular_solve", a, square="The first input to "
                                "triangular_solve must be a square matrix. Got shape {shape}.")
    _check_dtype("triangular_solve", b)
    if b.ndim < 2:
        raise TypeError(f"Input 1 to triangular_solve must have rank at least 2, but got "
                        f"shape={b.shape}")
    if b.dtype != a.dtype:
        raise TypeError(f"triangular_solve requires a and b to have the same dtype, got "
                        f"{a.dtype.name} and {b.dtype.name}")
    if b.shape[:-2] != batch:
        raise ValueError(f"All inputs to triangular_solve must have the same batch dimensions, "
                         f"got {a.shape} and {b.shape}")
    if (b.shape[-2] if left_side else b.shape[-1]) != m:
        raise ValueError(f"Incompatible shapes for arguments to triangular_solve: "
                         f"{a.shape[-2:]} and {b.shape[-2:]}.")
    return aval(b.shape, b.dtype)


def _triangular_solve_emit(ctx, operands, in_avals, out_avals, *, left_side=False, lower=False,
                           transpose_a=False, conjugate_a=False, unit_diagonal=False):
    a_av, b_av = in_avals
    a, b = operands
    if conjugate_a and not transpose_a and _is_complex(a_av.dtype):
        # LAPACK has no "conjugate without transpose": conj(A) X = B is solved on conj(A)
        real = aval(a_av.shape, _REAL[a_av.dtype])
        re = ctx.op("stablehlo.real", [a], [a_av], [real])[0]
        im = ctx.op("stablehlo.imag", [a], [a_av], [real])[0]
        im = ctx.op("stablehlo.negate", [im], [real], [real])[0]
        a = ctx.op("stablehlo.complex", [re, im], [real, real], [a_av])[0]
        conjugate_a = False
    if b_av.size == 0:
        return [b]
    trans = ("C" if conjugate_a else "T") if transpose_a else "N"
    config = [("diag", _char("U" if unit_diagonal else "N")),
              ("side", _char("L" if left_side else "R")),
              ("trans_x", _char(trans)), ("uplo", _char("L" if lower else "U"))]
    return _ffi_call(ctx, "trsm", [a, b], in_avals, out_avals, config, {1: 0})


def_primitive("triangular_solve", _triangular_solve_rule, _triangular_solve_emit)
