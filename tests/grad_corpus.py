"""Research-style functions for the transformation tests. Written once against ``jnp``; the
tests load this file twice, with ``jnp`` = s2s.numpy and with ``jnp`` = jax.numpy."""
import jnp  # noqa: F401  (replaced by the loader; see tests/corpus.py)


def poly(x):
    return jnp.sum(3.0 * x ** 3 - 2.0 * x + 1.0)


def sigmoid_sum(x):
    return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))


def chain(x):
    y = jnp.sin(x)
    z = jnp.cos(y) * y
    return jnp.mean(jnp.tanh(z) + jnp.sqrt(z * z + 1.0))


def reassign(x):
    x = x * 2.0
    x = jnp.exp(-x)
    x = x + 1.0
    return jnp.sum(jnp.log(x))


def augmented(x):
    y = x * 1.0
    y += x ** 2
    y *= 0.5
    y -= jnp.sin(x)
    y /= 2.0
    return jnp.sum(y)


def for_loop(x):
    acc = 0.0
    for i in range(4):
        x = jnp.sin(x) * 1.1
        acc = acc + jnp.sum(x * x)
    return acc


def nested_loops(x):
    total = 0.0
    for i in range(3):
        y = x
        for j in range(2):
            y = jnp.tanh(y + 0.1 * j)
        total = total + jnp.sum(y) * (i + 1)
    return total


def while_loop(x):
    i = 0
    while i < 3:
        x = x * jnp.cos(x)
        i += 1
    return jnp.sum(x)


def branch(x):
    if jnp.sum(x) > 0:
        y = x * 2.0
    else:
        y = -x
    return jnp.mean(y ** 2)


def branch_in_loop(x):
    out = 0.0
    for i in range(4):
        if i % 2 == 0:
            out = out + jnp.sum(jnp.sin(x) * i)
        else:
            out = out - jnp.sum(x * x)
    return out


def early_break(x):
    total = 0.0
    for i in range(5):
        if i == 3:
            break
        total = total + jnp.sum(x[i] * x)
    return total


def skip_continue(x):
    total = 0.0
    for i in range(4):
        if i == 1:
            continue
        total = total + jnp.sum(jnp.exp(x * 0.1 * i))
    return total


def final_if_return(x):
    s = jnp.sum(x)
    if s > 100.0:
        return s * 2.0
    else:
        return jnp.sum(x ** 2)


def _helper(a, b):
    return a * b + jnp.exp(a)


def calls_helper(x):
    y = _helper(x, x + 1.0)
    return jnp.sum(y)


def calls_twice(x):
    return jnp.sum(_helper(x, 2.0) + _helper(jnp.sin(x), x))


def tuple_unpack(x):
    a, b = x[0], x[1]
    a, b = b, a * b
    return a + b


def indexing(x):
    return jnp.sum(x[1:3] * x[0]) + x[-1] ** 2


def logsumexp(x):
    m = jnp.max(x)
    return m + jnp.log(jnp.sum(jnp.exp(x - m)))


def softmax_xent(x):
    logits = x * 2.0
    shifted = logits - jnp.max(logits)
    logp = shifted - jnp.log(jnp.sum(jnp.exp(shifted)))
    return -jnp.sum(logp * jnp.arange(5.0) / 10.0)


def reductions(x):
    return jnp.std(x) + jnp.var(x) * 2.0 + jnp.prod(x + 2.0) + jnp.min(x)


def where_relu(x):
    return jnp.sum(jnp.where(x > 0, x, 0.01 * x) ** 2)


def maximum_relu(x):
    return jnp.sum(jnp.maximum(x, 0.0) * x)


def matrix_ops(x):
    m = jnp.reshape(x[:4], (2, 2))
    return jnp.sum(m @ m.T) + jnp.sum(jnp.dot(m, x[:2]))


def methods(x):
    m = x[:4].reshape(2, 2)
    return m.sum() * m.mean() + m.T.sum(axis=0)[1]


def closure_maker(scale):
    def inner(x):
        return jnp.sum(jnp.sin(x) * scale)
    return inner


closure = closure_maker(3.0)
lam = lambda x: jnp.sum(x * jnp.cos(x))  # noqa: E731


def uses_lambda(x):
    return lam(x) * 2.0


def mlp(params, x):
    h = jnp.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return jnp.mean(out ** 2)


def mlp_list(params, x):
    for W, b in params:
        x = jnp.tanh(x @ W + b)
    return jnp.sum(x)


def unused_param(params, x):
    return jnp.sum(params["used"] * x)


def expm1_log1p(x):
    return jnp.sum(jnp.log1p(jnp.abs(x)) + jnp.expm1(x * 0.5))


def arctan_pow(x):
    return jnp.sum(jnp.arctan(x) ** 2 + jnp.power(jnp.abs(x) + 1.0, 1.5))


def clip_fn(x):
    return jnp.sum(jnp.clip(x, -0.5, 0.5) * x)


def broadcasting(x):
    m = jnp.reshape(x[:4], (2, 2))
    row = x[:2]
    return jnp.sum(m * row + m / (row + 3.0) - row[:, None])


def sum_axis(x):
    m = jnp.reshape(x[:4], (2, 2))
    return jnp.sum(jnp.sum(m, axis=0) * jnp.mean(m, axis=1, keepdims=True))


def while_counter(x):
    n = 0
    y = x
    while jnp.sum(y) < 10.0 and n < 20:
        y = y * 1.5 + 0.1
        n += 1
    return jnp.sum(y)


def divide_chain(x):
    y = x / (1.0 + x * x)
    return jnp.sum(y / 2.0 + 3.0 / (2.0 + y))


def mlp_layers_xent(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(h @ W + b)
    W, b = params[-1]
    logits = h @ W + b
    logits = logits - jnp.max(logits, axis=1, keepdims=True)
    logp = logits - jnp.log(jnp.sum(jnp.exp(logits), axis=1, keepdims=True))
    return -jnp.mean(jnp.sum(logp * y, axis=1))


def early_return(x):
    s = jnp.sum(x * x)
    if s > 100.0:
        return s
    y = jnp.sin(x) * s
    if jnp.max(y) > 50.0:
        return jnp.sum(y)
    return jnp.sum(y * x)


def at_updates(x):
    y = x.at[0].set(x[1] * 3.0)
    y = y.at[1:3].add(jnp.sin(x[:2]))
    return jnp.sum(y * x)


def joins(x):
    a = jnp.concatenate([x, x * 2.0])
    b = jnp.stack([x, x ** 2], axis=1)
    return jnp.sum(a ** 2) + jnp.sum(b[:, 1] * b[:, 0])


def running(x):
    return jnp.sum(jnp.cumsum(x * x) * jnp.arange(5.0)) + jnp.sum(jnp.sort(x) * jnp.arange(5.0))


def norms(x):
    return jnp.linalg.norm(x) + jnp.linalg.norm(x, 1) + jnp.sum(x.astype(jnp.float32) * 0.5)
