"""One small function per differentiation rule (``j`` is s2s.numpy or jax.numpy)."""


def make(j):
    eye = j.eye(3)
    return {
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
    }
