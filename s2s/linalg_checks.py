"""Argument checks of the linear-algebra source libraries (``s2s/numpy/linalg_library.py``,
``s2s/scipy/linalg.py``, ``s2s/rules/linalg_library.py``). They take shapes, dtypes and flags
only (never arrays), and live outside the libraries so that no transform reads them: a check
called for its side effect (raising) needs no derivative and no batching."""
import numpy as np


def svd_derivative(dtype, shape, full_matrices, compute_uv):
    if np.dtype(dtype).kind == "c":
        raise NotImplementedError("s2s: derivatives of the SVD of complex matrices are not "
                                  "implemented")
    if compute_uv and full_matrices and shape[-2] != shape[-1]:
        raise NotImplementedError(
            "Singular value decomposition JVP not implemented for full matrices")


def qr_derivative(shape, mode):
    if mode == "raw":
        raise NotImplementedError("Differentiation rule for 'geqrf' not implemented")
    if mode == "complete" and shape[-2] > shape[-1]:
        raise NotImplementedError("s2s: the derivative of qr(mode='complete') of a tall "
                                  "matrix is not implemented (mode='reduced' is)")


def qr_adjoint(dtype):
    if np.dtype(dtype).kind == "c":
        raise NotImplementedError("s2s: reverse-mode derivatives of the QR decomposition of "
                                  "complex matrices are not implemented")


def lu_derivative(shape):
    if shape[-2] != shape[-1]:
        raise NotImplementedError("s2s: derivatives of the LU decomposition of non-square "
                                  "matrices are not implemented")


def square_rhs(name, a_shape, b_shape, vector):
    """``a`` (..., n, n) and ``b`` (..., n) (``vector``) or (..., n, k)."""
    if len(a_shape) < 2 or a_shape[-1] != a_shape[-2]:
        raise ValueError(f"{name}: a must be a (batch of) square matrix; got "
                         f"a.shape={tuple(a_shape)}")
    n = b_shape[-1] if vector else (b_shape[-2] if len(b_shape) >= 2 else -1)
    if n != a_shape[-1]:
        raise ValueError(f"{name}: incompatible shapes a.shape={tuple(a_shape)}, "
                         f"b.shape={tuple(b_shape)}")


def vector_order(ord):
    if isinstance(ord, str):
        msg = f"Invalid order '{ord}' for vector norm."
        if ord == "inf":
            msg += "Use 'jax.numpy.inf' instead."
        if ord == "-inf":
            msg += "Use '-jax.numpy.inf' instead."
        raise ValueError(msg)


def tensorsolve(a_shape, b_shape):
    nb = len(b_shape)
    out_shape = tuple(a_shape[nb:])
    if tuple(a_shape[:nb]) != tuple(b_shape):
        raise ValueError(f"After moving axes to end, leading shape of a must match shape of b. "
                         f"got a.shape={tuple(a_shape)}, b.shape={tuple(b_shape)}")
    if int(np.prod(b_shape)) != int(np.prod(out_shape)):
        raise ValueError(f"Input arrays must have prod(a.shape[:b.ndim]) == "
                         f"prod(a.shape[b.ndim:]); got a.shape={tuple(a_shape)}, b.ndim={nb}.")
    return out_shape


def multi_dot_spec(ndims):
    """The einsum subscripts of a matrix chain whose ends may be vectors (None: too long)."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if len(ndims) + 1 > len(letters):
        return None
    specs = [letters[i:i + 2] for i in range(len(ndims))]
    if ndims[0] == 1:
        specs[0] = specs[0][1:]
    if ndims[-1] == 1:
        specs[-1] = specs[-1][:1]
    out = (specs[0][:1] if ndims[0] == 2 else "") + (specs[-1][1:] if ndims[-1] == 2 else "")
    return ",".join(specs) + "->" + out


def eig_vectors_derivative():
    raise NotImplementedError(
        "Derivatives of non-symmetric eigenvectors are only valid under assumptions on the input "
        "that JAX cannot check (see the enable_eigvec_derivs argument to jax.lax.linalg.eig). "
        "Pass enable_eigvec_derivs=True to jax.lax.linalg.eig to opt in. See "
        "https://github.com/jax-ml/jax/issues/2748 for discussion.")
