"""``lax``'s windowed operations: convolutions and ``reduce_window``, with JAX's argument forms
(layout strings, padding names, ``None`` for unit dilations) turned into the canonical params of
the ``conv_general_dilated`` and ``reduce_window`` primitives."""
from typing import NamedTuple

import numpy as np

from s2s.lowering.ops.windows import dilate_dim
from s2s.runtime import dtypes
from s2s.runtime.core import Array, bind


class ConvDimensionNumbers(NamedTuple):
    """Positions of (batch, feature, *spatial) of the input and output and of (out feature,
    in feature, *spatial) of the kernel."""
    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple


def conv_general_permutations(dimension_numbers):
    """The positions named by three layout strings such as ``('NHWC', 'HWIO', 'NHWC')``;
    spatial axes are ordered as the kernel's string lists them."""
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(dimension_numbers, pairs)):
        if not spec.count(a) == spec.count(b) == 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters "
                            f"'{a}' and '{b}' exactly once, got {spec}.")
        if len(spec) != len(set(spec)):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {spec}.")
    spatial = [set(s) - set(p) for s, p in zip(dimension_numbers, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(f"convolution dimension_numbers elements must each have the same set "
                        f"of spatial characters, got {tuple(dimension_numbers)}.")
    kernel = dimension_numbers[1]
    order = [c for c in kernel if c not in "OI"]
    return tuple((s.index(a), s.index(b)) + tuple(s.index(c) for c in order)
                 for s, (a, b) in zip(dimension_numbers, pairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """``ConvDimensionNumbers`` from ``None`` (NC..., OI..., NC...), layout strings, or itself."""
    lhs_shape, rhs_shape = tuple(lhs_shape), tuple(rhs_shape)
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if len(dimension_numbers) != 3 or not all(isinstance(s, str) for s in dimension_numbers):
        raise TypeError(f"convolution dimension_numbers must be None, a ConvDimensionNumbers or "
                        f"a tuple of three strings, got {dimension_numbers}.")
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != len(lhs_shape):
            raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the "
                            f"ndim of lhs and rhs, got {len(spec)} for lhs and rhs shapes "
                            f"{lhs_shape} and {rhs_shape}.")
    return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """Explicit ``(lo, hi)`` pairs for 'VALID', 'SAME' (extra padding after) or 'SAME_LOWER'
    (extra padding before): SAME keeps ``ceil(in / stride)`` outputs."""
    kind = padding.upper()
    if kind not in ("VALID", "SAME", "SAME_LOWER"):
        raise RuntimeError(f"Unrecognized padding type: expected 'VALID', 'SAME', or "
                           f"'SAME_LOWER', got {padding}.")
    if kind == "VALID":
        return tuple((0, 0) for _ in in_shape)
    pads = []
    for d, w, s in zip(in_shape, window_shape, window_strides):
        total = max((-(-d // s) - 1) * s + w - d, 0)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if kind == "SAME" else (big, small))
    return tuple(pads)


def _ints(values, n):
    """Per-axis integers; ``None`` is 1 on each of the ``n`` axes."""
    return (1,) * n if values is None else tuple(int(v) for v in values)


def _pairs(padding):
    try:
        return tuple((int(lo), int(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise TypeError(f"padding must be a string or a sequence of (low, high) integer "
                        f"pairs, got {padding}.") from None


def _operand(x):
    from s2s.runtime import numpy as jnp
    return x if isinstance(x, Array) else jnp.asarray(x)


def _integral(v):
    """A group count given as an integral float (``2.0``) is that integer, as in jax."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def conv_params(lhs_shape, rhs_shape, window_strides, padding, lhs_dilation=None,
                rhs_dilation=None, dimension_numbers=None):
    """``(window_strides, padding pairs, lhs_dilation, rhs_dilation, dimension numbers)`` of a
    convolution of arrays of these shapes, as plain tuples (what the primitive takes)."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    n = max(len(lhs_shape) - 2, 0)
    window_strides = _ints(window_strides, n)
    lhs_dilation, rhs_dilation = _ints(lhs_dilation, n), _ints(rhs_dilation, n)
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ValueError("String padding is not implemented for transposed convolution "
                             "using this op. Please either exactly specify the required "
                             "padding or use conv_transpose.")
        kernel = [dilate_dim(rhs_shape[p], r) for p, r in zip(dn.rhs_spec[2:], rhs_dilation)]
        padding = padtype_to_pads([lhs_shape[p] for p in dn.lhs_spec[2:]], kernel,
                                  window_strides, padding)
    dn = ConvDimensionNumbers(*(tuple(int(p) for p in spec) for spec in dn))
    return window_strides, _pairs(padding), lhs_dilation, rhs_dilation, dn


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         batch_group_count=1, precision=None, preferred_element_type=None):
    """General convolution (XLA's ``ConvGeneralDilated``): ``lhs_dilation`` > 1 is a
    transposed convolution, ``rhs_dilation`` an atrous one; ``precision`` changes nothing on
    CPU."""
    lhs, rhs = _operand(lhs), _operand(rhs)
    window_strides, padding, lhs_dilation, rhs_dilation, dn = conv_params(
        lhs.shape, rhs.shape, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers)
    pet = None if preferred_element_type is None else dtypes.canonicalize(
        preferred_element_type)
    return bind("conv_general_dilated", lhs, rhs, window_strides=window_strides,
                padding=padding, lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                dimension_numbers=dn,
                feature_group_count=_integral(feature_group_count),
                batch_group_count=_integral(batch_group_count), preferred_element_type=pet)


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                      4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def _transpose_pads(k, s, padding):
    """Padding of the stride-dilated input that makes a transposed convolution the gradient
    of a forward one with the same kernel size ``k``, stride ``s`` and padding name."""
    if padding == "SAME":
        total = k + s - 2
        lo = k - 1 if s > k - 1 else -(-total // 2)
    else:
        total = k + s - 2 + max(k - s, 0)
        lo = k - 1
    return lo, total - lo


def conv_transpose_params(lhs_shape, rhs_shape, strides, padding, rhs_dilation=None,
                          dimension_numbers=None):
    """``(dimension numbers, padding pairs, rhs_dilation)`` of ``lax.conv_transpose``: the
    default layouts are NHWC / HWIO, and a padding name pads the stride-dilated input."""
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise TypeError(f"conv_transpose requires lhs and rhs of equal ndim of at least 2, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        if len(lhs_shape) not in _TRANSPOSE_LAYOUTS:
            raise ValueError("No 4+ dimensional dimension_number defaults.")
        dimension_numbers = _TRANSPOSE_LAYOUTS[len(lhs_shape)]
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    rhs_dilation = _ints(rhs_dilation, len(lhs_shape) - 2)
    if padding in ("SAME", "VALID"):  # (other strings: conv_general_dilated's error)
        kernel = [dilate_dim(rhs_shape[p], r) for p, r in zip(dn.rhs_spec[2:], rhs_dilation)]
        padding = [_transpose_pads(k, s, padding) for k, s in zip(kernel, strides)]
    return dn, padding, rhs_dilation


def window_monoid(computation):
    """The reduction a ``computation`` names: lax's or s2s.numpy's add, max, min."""
    from s2s.runtime import lax
    from s2s.runtime import numpy as jnp
    known = {lax.add: "sum", jnp.add: "sum", lax.max: "max", jnp.maximum: "max",
             lax.min: "min", jnp.minimum: "min"}
    for fn, name in known.items():
        if computation is fn:
            return name
    raise NotImplementedError(f"reduce_window supports the computations lax.add, lax.max, "
                              f"lax.min (or jnp.add, jnp.maximum, jnp.minimum), got "
                              f"{getattr(computation, '__qualname__', computation)!r}.")


def window_params(shape, window_dimensions, window_strides, padding, base_dilation=None,
                  window_dilation=None):
    """``(window_dimensions, window_strides, padding pairs, base_dilation, window_dilation)``
    of a ``reduce_window`` over an array of ``shape``, as plain tuples; string padding is
    worked out on the dilated operand and window."""
    n = len(shape)
    window_dimensions, window_strides = _ints(window_dimensions, n), _ints(window_strides, n)
    base_dilation, window_dilation = _ints(base_dilation, n), _ints(window_dilation, n)
    if isinstance(padding, str):
        padding = padtype_to_pads(
            [dilate_dim(d, b) for d, b in zip(shape, base_dilation)],
            [dilate_dim(w, d) for w, d in zip(window_dimensions, window_dilation)],
            window_strides, padding)
    return window_dimensions, window_strides, _pairs(padding), base_dilation, window_dilation


def reduce_window(operand, init_value, computation, window_dimensions, window_strides, padding,
                  base_dilation=None, window_dilation=None):
    """Reduce every window of ``operand`` (``computation``: add, max or min, starting from
    ``init_value``, which also fills the padding)."""
    name = window_monoid(computation)
    if isinstance(operand, (tuple, list, dict)):
        raise NotImplementedError("reduce_window of several operands (a pytree) is not "
                                  "supported: reduce each array on its own.")
    operand = _operand(operand)
    if not isinstance(init_value, Array):
        init_value = np.asarray(init_value)
        if init_value.ndim:
            raise TypeError(f"reduce_window expected init_values to be scalars but init_values "
                            f"have shapes [{init_value.shape}].")
        from s2s.runtime import lax
        init_value = lax.convert_element_type(init_value, operand.dtype)
    window_dimensions, window_strides, padding, base_dilation, window_dilation = window_params(
        operand.shape, window_dimensions, window_strides, padding, base_dilation,
        window_dilation)
    return bind("reduce_window", operand, init_value, computation=name,
                window_dimensions=window_dimensions, window_strides=window_strides,
                padding=padding, base_dilation=base_dilation,
                window_dilation=window_dilation)
