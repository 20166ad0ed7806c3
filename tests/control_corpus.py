"""Functions with lax control flow, loaded twice by tests/test_control_ad.py: with ``jnp``/``lax``
bound to s2s's and to jax's modules (see tests/corpus.py)."""
import jnp
import lax


def fori(a, x):
    return jnp.sum(lax.fori_loop(0, 4, lambda i, c: c * a + jnp.sin(c), x))


def body(i, c):
    return c * 0.5 + jnp.cos(c) * i


def fori_named_body(a, x):
    return jnp.sum(lax.fori_loop(1, 3, body, x * a) ** 2)


def fori_tuple_carry(a, x):
    c = lax.fori_loop(0, 3, lambda i, c: (c[0] * a + c[1], jnp.tanh(c[1]) * a, c[2] + 1),
                      (x, a, 0))
    return jnp.sum(c[0]) + jnp.sum(c[1])


def scan_sum(a, x):
    c, ys = lax.scan(lambda c, v: (c * a + v, jnp.sin(c) * v), a, x)
    return c + jnp.sum(ys)


def scan_reverse_pytree(a, x):
    cd, ys = lax.scan(lambda c, v: ((c[0] + v * a, c[1] * 0.9), {"y": c[0] * v}),
                      (a, 1.0), x, reverse=True)
    c, d = cd
    return c * d + jnp.sum(ys["y"] ** 2)


def scan_length(a, x):
    c, _ = lax.scan(lambda c, _: (jnp.sin(c) * a, None), x, None, length=3)
    return jnp.sum(c)


def mapped(a, x):
    return jnp.sum(lax.map(lambda v: jnp.exp(v * a), x))


def branch(a, x):
    return jnp.sum(lax.cond(a > 0, lambda y: y * a, lambda y: jnp.sin(y) + a, x))


def branch_closures(a, x):
    y = x * 2
    return jnp.sum(lax.cond(a < 0, lambda: y * a, lambda: jnp.cos(y)))


def switched(a, x):
    return jnp.sum(lax.switch(2, [lambda v: v, lambda v: v * a, lambda v: jnp.sin(v) * a], x))


def loop_in_loop(a, x):
    return jnp.sum(lax.fori_loop(0, 2, lambda i, c: lax.fori_loop(
        0, 2, lambda j, d: jnp.tanh(d) * a + c, c), x))


def while_forward(a, x):
    return jnp.sum(lax.while_loop(lambda c: c[1] < 3, lambda c: (c[0] * a + x, c[1] + 1),
                                  (x, 0))[0])


def local_body(a, x):
    scale = a * 2

    def body(i, c):
        h = jnp.tanh(c * scale)
        return h + c * a

    return jnp.sum(lax.fori_loop(0, 3, body, x) ** 2)


def local_scan_step(a, x):
    def step(carry, v):
        total, prev = carry
        total = total + v * a
        return (total, v), total * prev

    (total, _), ys = lax.scan(step, (0.0, 1.0), x)
    return total + jnp.sum(ys)


REVERSE = ["local_body", "local_scan_step", "fori", "fori_named_body", "fori_tuple_carry", "scan_sum", "scan_reverse_pytree",
           "scan_length", "mapped", "branch", "branch_closures", "switched", "loop_in_loop"]
FORWARD = REVERSE + ["while_forward"]
