"""dot_general and sort."""
import numpy as np

from s2s.lowering.core import def_primitive
from s2s.lowering.ops.common import aval, kind, same_dtypes
from s2s.lowering.ops.elementwise import _compare_emitter


def _dims(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def _dot_general_rule(lhs, rhs, *, dimension_numbers, preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    same_dtypes("dot_general", [lhs, rhs])
    for a, b in zip(lc + lb, rc + rb):
        if lhs.shape[a] != rhs.shape[b]:
            raise TypeError(f"dot_general requires contracting dimensions to have the same shape, "
                            f"got {tuple(lhs.shape[i] for i in lc)} and "
                            f"{tuple(rhs.shape[i] for i in rc)}.")
    free_l = [d for i, d in enumerate(lhs.shape) if i not in lc and i not in lb]
    free_r = [d for i, d in enumerate(rhs.shape) if i not in rc and i not in rb]
    shape = [lhs.shape[i] for i in lb] + free_l + free_r
    dtype = preferred_element_type or lhs.dtype
    return aval(shape, dtype, lhs.weak_type and rhs.weak_type)


def _dot_general_emit(ctx, operands, in_avals, out_avals, *, dimension_numbers,
                      preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    dn = (f"#stablehlo.dot<lhs_batching_dimensions = {_dims(lb)}, "
          f"rhs_batching_dimensions = {_dims(rb)}, lhs_contracting_dimensions = {_dims(lc)}, "
          f"rhs_contracting_dimensions = {_dims(rc)}>")
    return ctx.op("stablehlo.dot_general", operands, in_avals, out_avals,
                  f"dot_dimension_numbers = {dn}")


def_primitive("dot_general", _dot_general_rule, _dot_general_emit)


def _sort_rule(*operands, dimension, is_stable=True, num_keys=1):
    if not operands or any(o.shape != operands[0].shape for o in operands):
        raise TypeError("sort operands must all have the same shape")
    for o in operands[:num_keys]:
        if kind(o.dtype) == "c":
            raise TypeError("sort of complex keys is not supported")
    return tuple(operands)


def _sort_emit(ctx, operands, in_avals, out_avals, *, dimension, is_stable=True, num_keys=1):
    """Lexicographic over the first ``num_keys`` operands; NaN sorts last, as in NumPy."""
    scalars = [aval((), a.dtype) for a in in_avals]
    pred = aval((), np.bool_)

    def body(c, args):
        def cmp(x, y, d, av):
            return _compare_emitter(d)(c, [x, y], [av, av], [pred])[0]

        def lt(a, b, av):
            less = cmp(a, b, "LT", av)
            if kind(av.dtype) != "f":
                return less
            a_num = cmp(a, a, "EQ", av)
            b_nan = cmp(b, b, "NE", av)
            nan_last = c.op("stablehlo.and", [a_num, b_nan], [pred, pred], [pred])[0]
            return c.op("stablehlo.or", [less, nan_last], [pred, pred], [pred])[0]

        result = None
        for k in reversed(range(num_keys)):  # fold from the last key: lt_k or (eq_k and rest)
            a, b, av = args[2 * k], args[2 * k + 1], scalars[k]
            less = lt(a, b, av)
            if result is None:
                result = less
                continue
            greater = lt(b, a, av)
            not_less = c.op("stablehlo.not", [less], [pred], [pred])[0]
            not_greater = c.op("stablehlo.not", [greater], [pred], [pred])[0]
            eq = c.op("stablehlo.and", [not_less, not_greater], [pred, pred], [pred])[0]
            tail = c.op("stablehlo.and", [eq, result], [pred, pred], [pred])[0]
            result = c.op("stablehlo.or", [less, tail], [pred, pred], [pred])[0]
        return [result], [pred]

    region = ctx.region([s for s in scalars for _ in (0, 1)], body)
    return ctx.op("stablehlo.sort", operands, in_avals, out_avals,
                  f"dimension = {dimension} : i64, is_stable = {str(is_stable).lower()}", [region])


def_primitive("sort", _sort_rule, _sort_emit, multiple_results=True)
