"""Short dtype names, shared by the jaxpr printer (``f32``) and StableHLO types (``f32``, ``ui8``)."""
import ml_dtypes
import numpy as np

_SHORT = {
    "bool": ("bool", "i1"),
    "int8": ("i8", "i8"), "int16": ("i16", "i16"), "int32": ("i32", "i32"), "int64": ("i64", "i64"),
    "uint8": ("u8", "ui8"), "uint16": ("u16", "ui16"), "uint32": ("u32", "ui32"),
    "uint64": ("u64", "ui64"),
    "float16": ("f16", "f16"), "bfloat16": ("bf16", "bf16"), "float32": ("f32", "f32"),
    "float64": ("f64", "f64"),
    "complex64": ("c64", "complex<f32>"), "complex128": ("c128", "complex<f64>"),
    "float8_e4m3fn": ("f8_e4m3fn", "f8E4M3FN"), "float8_e5m2": ("f8_e5m2", "f8E5M2"),
    "float8_e4m3fnuz": ("f8_e4m3fnuz", "f8E4M3FNUZ"), "float8_e5m2fnuz": ("f8_e5m2fnuz", "f8E5M2FNUZ"),
    "float8_e4m3b11fnuz": ("f8_e4m3b11fnuz", "f8E4M3B11FNUZ"),
    "float8_e4m3": ("f8_e4m3", "f8E4M3"), "float8_e3m4": ("f8_e3m4", "f8E3M4"),
    "int4": ("i4", "i4"), "uint4": ("u4", "ui4"),
}


def short_name(dtype):
    return _SHORT[np.dtype(dtype).name][0]


def mlir_name(dtype):
    try:
        return _SHORT[np.dtype(dtype).name][1]
    except KeyError:
        raise TypeError(f"dtype {np.dtype(dtype).name} is not supported by the XLA backend") from None
