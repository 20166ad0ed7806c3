"""One small function per differentiation rule (``j`` is s2s.numpy or jax.numpy)."""


def make(j):
    eye = j.eye(3)
    return {
        "remainder": lambda a: j.sum((a * 3.0) % (a.T + 2.0))
        + j.sum(j.remainder(2.5, a - 2.0) ** 2) + j.sum(j.divmod(a * 5.0, 1.5)[1] ** 2),
        "prod_second_order": lambda a: j.prod(a) + j.sum(j.prod(a, axis=-1, keepdims=True) * a)
        + j.sum(j.prod(a * 2.0, axis=(0,)) ** 2) + j.prod(a[0, 0]),
        "take_along_axis": lambda a: j.sum(j.take_along_axis(a, j.argsort(a, axis=1), axis=1)
                                           * j.arange(3.0)),
        "take": lambda a: j.sum(j.take(a, j.array([2, 0, 2]), axis=0) ** 2),
        "take_flat": lambda a: j.sum(j.take(a, j.array([7, 1])) ** 3),
        "diag": lambda a: j.sum(j.diag(a, 1) ** 2) + j.sum(j.diag(j.diag(a)) * a),
        "diagonal": lambda a: j.sum(j.diagonal(a, -1) ** 2),
        "trace": lambda a: j.trace(a * a, 1) ** 2,
        "triu_tril": lambda a: j.sum(j.triu(a, 1) ** 2) + j.sum(j.tril(a) * a),
        "solve_vector": lambda a: j.sum(j.linalg.solve(a + 3 * eye, j.arange(3.0)) ** 2),
        "solve_matrix": lambda a: j.sum(j.linalg.solve(a + 3 * eye, a) ** 2),
        "slogdet": lambda a: j.linalg.slogdet(a + 3 * eye)[1],
        "split": lambda a: j.sum(j.split(a, 3, axis=1)[1] ** 2),
        "einsum_products": lambda a: j.sum(j.einsum("ij,jk->ik", a, a.T) ** 2)
        + j.sum(j.einsum("ij,kj", a, eye * 2.0) * a) + j.einsum("ij,ij->", a, a),
        "einsum_diagonals_and_sums": lambda a: j.einsum("ii->", a) * a[0, 1]
        + j.sum(j.einsum("ii->i", a) ** 3) + j.einsum("ij->", a) ** 2,
        "einsum_ellipsis_broadcast_three": lambda a: j.sum(j.einsum("...j,...j->...", a, a) ** 2)
        + j.sum(j.einsum("i,j->ij", a[0], a[:, 1]) ** 2) + j.sum(j.einsum("ij,ij->i", a[:1], a))
        + j.sum(j.einsum("ij,jk,kl->il", a, eye + a, a.T) ** 2),
        "cumprod": lambda a: j.sum(j.cumprod(a, axis=1) ** 2) + j.sum(j.cumprod(a) * 0.5)
        + j.sum(a.cumprod(axis=0) * a) + j.sum(j.cumprod(a * (a > 0.3), axis=1)),
        "roll_tile_repeat": lambda a: j.sum(j.roll(a, (1, -1), (0, 1)) * a) + j.sum(j.roll(a, 2) ** 2)
        + j.sum(j.tile(a, (2, 1, 2)) ** 2) + j.sum(j.repeat(a, 2, axis=0) * 3)
        + j.sum(j.repeat(a, j.array([1, 0, 2]), axis=1) ** 2) + j.sum(j.repeat(a, 2) ** 3),
        "pad_modes": lambda a: j.sum(j.pad(a, ((1, 0), (0, 2))) ** 2)
        + j.sum(j.pad(a, 1, mode="edge") ** 2) + j.sum(j.pad(a, ((0, 2), (1, 1)), "reflect") * 3),
        "nan_reductions": lambda a: j.nansum(j.where(a > 0.7, j.nan, a) ** 2)
        + j.sum(j.nanmean(j.where(a < 0.0, j.nan, a), axis=0) ** 2),
        "fft_complex": lambda a: j.sum(j.abs(j.fft.fft(a * (1 + 0.5j), n=4)) ** 2)
        + j.sum(j.real(j.fft.ifft2(a * 1j + a, s=(2, 3), axes=(1, 0)) * a[:, :2]))
        + j.sum(j.fft.hfft(a * (1 - 1j), axis=0) * 0.3) + j.sum(j.abs(j.fft.ifftn(a.T)) ** 2)
        + j.sum(j.real(j.fft.fftshift(j.fft.fftn(a, norm="ortho"), 0)) * a),
        "fft_real": lambda a: j.sum(j.abs(j.fft.rfft(a, axis=0, norm="forward")) ** 2)
        + j.sum(j.fft.irfft(a * (1 + 1j), n=5) ** 2) + j.sum(j.abs(j.fft.rfft2(a, s=(3, 4))) ** 2)
        + j.sum(j.fft.irfftn(a * 2j + a, norm="ortho") * 0.4) + j.sum(j.fft.rfftn(a).imag ** 2)
        + j.sum(j.abs(j.fft.ihfft(j.fft.ifftshift(a, 1))) ** 2) + j.sum(j.fft.irfft2(a) * 0.2),
        # functions written as source over the others (refused before: no rule)
        "elementwise_sources": lambda a: j.sum(j.hypot(a, a.T - 0.5) ** 2)
        + j.sum(j.fmax(a, a.T) * j.fmin(a, 0.3)) + j.sum(j.fabs(a) * a)
        + j.sum(j.nan_to_num(j.log(a)) * a) + j.sum(j.sinc(a * 2.0) ** 2),
        "nan_extremes_and_moments": lambda a:
        j.sum(j.nanmax(j.where(a > 1.0, j.nan, a), axis=1) ** 2)
        + j.nanmin(a * a) + j.sum(j.nanprod(a, axis=0)) + j.sum(j.nancumsum(a, axis=1) ** 2)
        + j.nanvar(j.where(a < 0.0, j.nan, a)) + j.sum(j.nanstd(a, axis=0, ddof=1)),
        "average_ptp": lambda a: j.sum(j.average(a, axis=1, weights=j.array([1.0, 2.0, 3.0])) ** 2)
        + j.average(a * a) + j.sum(j.ptp(a, axis=0) ** 2),
        "joining": lambda a: j.sum(j.vstack([a, a[0]]) ** 2) + j.sum(j.hstack((a[0], a[1])) ** 3)
        + j.sum(j.dstack([a, a * 2]) * 0.5) + j.sum(j.column_stack([a[0], a.T]) ** 2)
        + j.sum(j.broadcast_arrays(a, a[0])[1] * a) + j.sum(j.meshgrid(a[0], a[1])[0] * a)
        + j.sum(j.unstack(a, axis=1)[2] ** 2),
        "vector_products": lambda a: j.sum(j.inner(a, a) ** 2) + j.sum(j.tensordot(a, a.T, 1) * a)
        + j.sum(j.tensordot(a, a, axes=([0], [1])) ** 2) + j.vdot(a, a * 3) ** 2
        + j.sum(j.vecdot(a, a[0]) ** 2),
        # array methods and attributes: the rules of the functions they mean
        "conj_real_imag_methods": lambda a: j.sum((a * (1 + 2j)).conj().real * a)
        + j.sum((a * (2 - 1j)).conjugate().imag ** 2),
        "matrix_transpose_attr": lambda a: j.sum((a.mT @ a) * a) + j.sum(a.T * eye),
        "flatten_swapaxes_methods": lambda a: j.sum(a.flatten() ** 3)
        + j.sum(a.swapaxes(0, 1)[0] * a[1]),
        "take_diagonal_trace_methods": lambda a: j.sum(a.take(j.array([2, 0]), axis=1) ** 2)
        + j.sum(a.diagonal(1) * 3) + a.trace() ** 2,
        "argmax_index": lambda a: a[1, a[0].argmax()] * a[0, j.argmin(a[2])] + a.round().sum(),
    }
