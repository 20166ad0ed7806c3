"""The functions docs/control-flow.md shows converted (read by docs/make_control_flow.py)."""
import s2s.numpy as jnp


def relu_or_sine(x):
    if x > 0:
        y = x * x
    elif x > -1.0:
        y = jnp.sin(x)
    else:
        y = -x
    return y * 2.0


def halve_until_small(x):
    steps = 0
    while jnp.max(jnp.abs(x)) > 1.0:
        x = x / 2.0
        steps = steps + 1
    return x, steps


def damped(x, w, n):
    for i in range(n):
        x = jnp.tanh(x * w) + 0.1 * i
    return x


def running_mean(xs):
    mean = xs[0] * 0.0
    for row in xs:
        mean = 0.9 * mean + 0.1 * row
    return mean


def sign_or_zero(x, eps):
    if x > eps or x < -eps:
        out = jnp.sign(x)
    else:
        out = x * 0.0
    return out


def clipped(x, limit):
    y = x if x < limit else limit
    return y * 2.0


def early_exit(x):
    if x > 10.0:
        return x
    y = x * 3.0
    return y + 1.0


def first_above(xs, limit):
    found = xs[0] * 0.0
    for x in xs:
        if x > limit:
            found = x
            break
    return found
