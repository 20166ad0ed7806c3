"""JAX's quickstart, run through s2s (`import s2s as jax`, `import s2s.numpy as jnp`)."""
import numpy as np

import s2s as jax
import s2s.numpy as jnp

# JAX vs. NumPy: the same API, immutable arrays
x_jnp = jnp.linspace(0, 10, 1000)
y_jnp = 2 * jnp.sin(x_jnp) * jnp.cos(x_jnp)
np.testing.assert_allclose(np.asarray(y_jnp), 2 * np.sin(np.linspace(0, 10, 1000)) *
                           np.cos(np.linspace(0, 10, 1000)), rtol=1e-5, atol=1e-5)
print(type(x_jnp))

x = jnp.arange(10)
try:
    x[0] = 10
except TypeError as e:
    print("TypeError:", e)
y = x.at[0].set(10)
print(x)
print(y)

# Arrays: devices and sharding
x = jnp.arange(5)
print(isinstance(x, jax.Array))
print(x.devices())
print(x.sharding)

# Operations run eagerly, one XLA computation each
def norm(X):
    X = X - X.mean(0)
    return X / X.std(0)


np.random.seed(1701)
X = jnp.array(np.random.rand(10000, 10))
out = norm(X).block_until_ready()
ref = np.random.RandomState(1701).rand(10000, 10).astype(np.float32)
ref = (ref - ref.mean(0)) / ref.std(0)
print(np.allclose(out, ref, atol=1e-5))


def get_negatives(x):
    return x[x < 0]


x = jnp.array(np.random.randn(10))
print(get_negatives(x))


# Just-in-time compilation with jax.jit: the whole function becomes one XLA program
norm_compiled = jax.jit(norm)
np.testing.assert_allclose(norm_compiled(X), norm(X), rtol=1e-4, atol=1e-4)
print(jax.make_jaxpr(norm)(X))


def get_negatives(x):
    return x[x < 0]


try:
    jax.jit(get_negatives)(x)
except jax.errors.NonConcreteBooleanIndexError as e:
    print("NonConcreteBooleanIndexError:", str(e).splitlines()[0])


# Static arguments: folded into the staged source
def f(x, neg):
    return -x if neg else x


f_jit = jax.jit(f, static_argnums=1)
print(f_jit(jnp.arange(3.0), True))
import inspect  # noqa: E402
print(inspect.getsource(f_jit.lower(jnp.arange(3.0), True).staged))


# Taking derivatives with jax.grad: the derivative is generated Python source
def sum_logistic(x):
    return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))


x_small = jnp.arange(3.0)
derivative_fn = jax.grad(sum_logistic)
print(derivative_fn(x_small))
print(inspect.getsource(derivative_fn))


def first_finite_differences(f, x, eps=1e-3):
    return jnp.array([(f(x + eps * v) - f(x - eps * v)) / (2 * eps) for v in jnp.eye(len(x))])


print(first_finite_differences(sum_logistic, x_small))
print(jax.grad(jax.jit(jax.grad(jax.jit(jax.grad(sum_logistic)))))(1.0))
print(jax.jacobian(jnp.exp)(x_small))


def hessian(fun):
    return jax.jit(jax.jacfwd(jax.jacrev(fun)))


print(hessian(sum_logistic)(x_small))


# Auto-vectorization with jax.vmap: the batched function is generated source too
key = jax.random.key(1701)
key1, key2 = jax.random.split(key)
mat = jax.random.normal(key1, (150, 100))
batched_x = jax.random.normal(key2, (10, 100))


def apply_matrix(x):
    return jnp.dot(mat, x)


def naively_batched_apply_matrix(v_batched):
    return jnp.stack([apply_matrix(v) for v in v_batched])


@jax.jit
def batched_apply_matrix(batched_x):
    return jnp.dot(batched_x, mat.T)


@jax.jit
def vmap_batched_apply_matrix(batched_x):
    return jax.vmap(apply_matrix)(batched_x)


np.testing.assert_allclose(naively_batched_apply_matrix(batched_x),
                           batched_apply_matrix(batched_x), atol=1e-4, rtol=1e-4)
np.testing.assert_allclose(naively_batched_apply_matrix(batched_x),
                           vmap_batched_apply_matrix(batched_x), atol=1e-4, rtol=1e-4)
print(inspect.getsource(jax.vmap(apply_matrix)))

# Pseudorandom numbers: explicit keys, the same bits as JAX
key = jax.random.key(43)
print(key)
print(jax.random.normal(key))
key = jax.random.key(42)
for i in range(3):
    key, subkey = jax.random.split(key)
    print(jax.random.normal(subkey))
