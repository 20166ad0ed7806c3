"""``s2s.dtypes`` (as ``jax.dtypes``)."""
import types

from s2s.runtime import dtypes as _d

dtypes = types.SimpleNamespace(
    bfloat16=_d.bfloat16, canonicalize_dtype=_d.canonicalize, result_type=_d.result_type,
    promote_types=_d.promote_types, issubdtype=_d.issubdtype,
    TypePromotionError=_d.TypePromotionError, float0=_d.float0)
