"""s2s.autograph / jit(control_flow="convert"): Python control flow on traced values against
the same programs written by hand with jax.lax, against the unconverted function run eagerly,
and their derivatives, batching and errors."""
import inspect

import numpy as np
import pytest

import s2s
import s2s.numpy as snp
from s2s import autograph_runtime
from conftest import x64_in_both

jax = pytest.importorskip("jax")
jjnp = jax.numpy
jlax = jax.lax


def close(a, b, rtol=1e-5):
    la, _ = s2s.tree_flatten(a)
    lb, _ = jax.tree_util.tree_flatten(b)
    assert len(la) == len(lb), (a, b)
    for x, y in zip(la, lb):
        assert np.asarray(x).dtype == np.asarray(y).dtype, (x, y)
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=1e-6)


def converted(f, **kw):
    return s2s.jit(f, control_flow="convert", **kw)


# ---- the user's functions (module level: s2s reads their source) ------------------------------
def branches(x):
    y = x * 2.0
    if snp.sum(x) > 1.0:
        y = y + snp.sin(x)
        z = 3.0
    elif snp.sum(x) < -1.0:
        y = -y
        z = 1.0
    else:
        z = 2.0
    return y * z


def branches_ref(x):
    y = x * 2.0
    return jlax.cond(jjnp.sum(x) > 1.0, lambda y: (y + jjnp.sin(x)) * 3.0,
                     lambda y: jlax.cond(jjnp.sum(x) < -1.0, lambda y: -y * 1.0,
                                         lambda y: y * 2.0, y), y)


def no_else(x):
    y = x
    if x > 0:
        y = y * y
    return y + 1.0


def one_branch(x):
    if x > 0:
        z = x
    return z


def grows(x):
    n = 0
    while x < 100.0:
        x = x * 2.0 + 1.0
        n = n + 1
    return x, n


def grows_ref(x):
    return jlax.while_loop(lambda c: c[0] < 100.0, lambda c: (c[0] * 2.0 + 1.0, c[1] + 1), (x, 0))


def grows_value(x):
    while x < 100.0:
        x = x * 2.0 + 1.0
    return x


def steps(x, n):
    for i in range(n):
        x = x * 0.99 + snp.sin(x) * 0.01
    return x


def steps_ref(x, n):
    return jlax.fori_loop(0, n, lambda i, x: x * 0.99 + jjnp.sin(x) * 0.01, x)


def counted(x, n):
    acc = snp.zeros_like(x)
    for i in range(n):
        acc = acc + x * i
        t = acc * 2.0  # a temporary of one iteration: not carried
        acc = t * 0.5
    return acc


def counted_ref(x, n):
    return jlax.fori_loop(0, n, lambda i, acc: acc + x * i, jjnp.zeros_like(x))


def branch_in_loop(x):
    for i in range(200):
        if x > 1.0:
            x = x * 0.5
        else:
            x = x + 0.25
    return x


def branch_in_loop_ref(x):
    return jlax.fori_loop(0, 200, lambda i, x: jlax.cond(x > 1.0, lambda x: x * 0.5,
                                                         lambda x: x + 0.25, x), x)


def python_flag(x, flag):
    if flag:  # a Python value: Python's if, branches may differ in type
        out = (x, x + 1.0)
    else:
        out = x
    return out


log = []


def side_effects(x):
    if x > 0:
        log.append("positive")
    else:
        log.append("not positive")
    return x


def short_loop(x):
    for i in range(3):  # static and short: unrolled as Python runs it
        x = x * 2.0
    return x


# ---- values ----------------------------------------------------------------------------------
@pytest.mark.parametrize("v", [[0.5, 1.0], [-2.0, 0.5], [0.1, -0.2]])
def test_if_elif_else(v):
    x = np.array(v, np.float32)
    close(converted(branches)(x), jax.jit(branches_ref)(x))
    close(s2s.autograph(branches)(x), branches(x))  # eager: the Python if


@pytest.mark.parametrize("v", [1.5, -1.5])
def test_if_without_else(v):
    x = np.float32(v)
    close(converted(no_else)(x), jax.jit(lambda x: jlax.cond(x > 0, lambda y: y * y,
                                                             lambda y: y, x) + 1.0)(x))


@pytest.mark.parametrize("v", [0.5, 3.0, 200.0])
def test_while(v):
    x = np.float32(v)
    close(converted(grows)(x), jax.jit(grows_ref)(x))
    close(s2s.autograph(grows)(x), grows(x))


@pytest.mark.parametrize("n", [5, 150])
def test_for_range_static(n):
    x = np.array([0.3, -1.0], np.float32)
    close(converted(steps, static_argnums=1)(x, n), jax.jit(steps_ref, static_argnums=1)(x, n))
    text = str(s2s.make_jaxpr(s2s.autograph(steps), static_argnums=1)(x, n))
    # a long loop is one lax loop; a short one is unrolled as Python runs it
    assert ("while[" in text) == (n >= autograph_runtime.FORI_LOOP_MIN_TRIPS)


def test_for_range_traced_bound():
    x = np.array([1.0, 2.0], np.float32)
    for n in (0, 4):
        close(converted(counted)(x, n), jax.jit(counted_ref)(x, n))


def test_if_inside_loop():
    x = np.float32(7.0)
    close(converted(branch_in_loop)(x), jax.jit(branch_in_loop_ref)(x))


def test_short_static_loop_unrolled():
    text = str(s2s.make_jaxpr(s2s.autograph(short_loop))(np.float32(1.0)))
    assert "while[" not in text and text.count("mul") == 3


def test_python_values_keep_python_semantics():
    x = np.float32(2.0)
    f = converted(python_flag, static_argnums=1)
    close(f(x, True), (x, np.float32(3.0)))
    close(f(x, False), x)
    log.clear()
    s2s.autograph(side_effects)(np.float32(1.0))  # eager: one branch runs, as written
    assert log == ["positive"]


# ---- transformations -------------------------------------------------------------------------
def test_grad_jvp_vmap_of_if():
    g = s2s.autograph(branches)
    ref = branches_ref
    for v in ([0.5, 1.0], [-2.0, 0.5], [0.1, -0.2]):
        x = np.array(v, np.float32)
        loss, jloss = (lambda x: snp.sum(g(x))), (lambda x: jjnp.sum(ref(x)))
        close(s2s.grad(loss)(x), jax.grad(jloss)(x))
        close(s2s.jit(s2s.grad(loss))(x), jax.grad(jloss)(x))
        t = np.ones_like(x)
        close(s2s.jvp(g, (x,), (t,)), jax.jvp(ref, (x,), (t,)))
        close(s2s.jit(lambda x: s2s.jvp(g, (x,), (t,)))(x), jax.jvp(ref, (x,), (t,)))
    xs = np.array([[0.5, 1.0], [-2.0, 0.5], [0.1, -0.2]], np.float32)
    close(s2s.vmap(g)(xs), jax.vmap(ref)(xs))
    close(s2s.jit(s2s.vmap(g))(xs), jax.vmap(ref)(xs))
    close(s2s.vmap(s2s.grad(lambda x: snp.sum(g(x))))(xs),
          jax.vmap(jax.grad(lambda x: jjnp.sum(ref(x))))(xs))


def test_grad_vmap_of_static_loop():
    g = s2s.autograph(steps)
    x = np.array([0.3, -1.0], np.float32)
    close(s2s.jit(s2s.grad(lambda x: snp.sum(g(x, 150))))(x),
          jax.grad(lambda x: jjnp.sum(steps_ref(x, 150)))(x))
    close(s2s.jit(s2s.vmap(lambda x: g(x, 150)))(x[:, None]),
          jax.vmap(lambda x: steps_ref(x, 150))(x[:, None]))
    h = s2s.autograph(branch_in_loop)
    close(s2s.jit(s2s.grad(h))(np.float32(7.0)), jax.grad(branch_in_loop_ref)(np.float32(7.0)))


def test_vmap_and_jvp_of_while():
    g = s2s.autograph(grows)
    xs = np.array([0.5, 3.0, 200.0], np.float32)
    close(s2s.vmap(g)(xs), jax.vmap(grows_ref)(xs))
    t = np.float32(1.0)
    h = s2s.autograph(grows_value)
    ref = lambda x: grows_ref(x)[0]  # noqa: E731
    close(s2s.jit(lambda x: s2s.jvp(h, (x,), (t,)))(np.float32(3.0)),
          jax.jvp(ref, (np.float32(3.0),), (t,)))


def test_reverse_mode_of_while_refused_as_jax():
    with pytest.raises(ValueError) as ours:
        s2s.jit(s2s.grad(s2s.autograph(grows_value)))(np.float32(1.0))
    with pytest.raises(ValueError) as theirs:
        jax.grad(lambda x: jlax.while_loop(lambda x: x < 100.0, lambda x: x * 2.0 + 1.0, x))(
            np.float32(1.0))
    assert str(theirs.value) in str(ours.value)


# ---- errors and the source -------------------------------------------------------------------
def test_name_in_one_branch_only():
    with pytest.raises(ValueError, match=r"test_autograph.py:\d+: 'z' must have a value"):
        converted(one_branch)(np.float32(1.0))
    assert s2s.autograph(one_branch)(np.float32(1.0)) == 1.0  # Python's if: fine eagerly


def test_default_jit_unchanged():
    with pytest.raises(s2s.errors.TracerBoolConversionError):
        s2s.jit(no_else)(np.float32(1.0))
    with pytest.raises(ValueError, match="control_flow"):
        s2s.jit(no_else, control_flow="unroll")


def test_converted_source_is_visible():
    src = inspect.getsource(s2s.autograph(branches))
    assert "ag__.cond(" in src and "def if_true" in src and "test_autograph.py:" in src
    src = inspect.getsource(converted(steps, static_argnums=1))
    assert "ag__.fori_loop(" in src and "ag__.traced_range(" in src
    assert s2s.autograph(s2s.autograph(branches)) is s2s.autograph(branches)


# ---- for over an array, and/or/not ----------------------------------------------------------
def over_rows(xs, w):
    acc = xs[0] * 0.0
    for row in xs:
        acc = acc * 0.5 + row * w
    return acc


def over_rows_ref(xs, w):
    return jlax.scan(lambda acc, row: (acc * 0.5 + row * w, None), xs[0] * 0.0, xs)[0]


def over_list(x):
    acc = 0.0
    for v in [x, x * 2.0, x * 3.0]:  # a Python list: Python's loop
        acc = acc + v
    return acc


def logic(x, y):
    if x > 0 and not y > 0 or x < -5:
        out = x
    else:
        out = y
    return out


def logic_ref(x, y):
    c = jnp_or(jnp_and(x > 0, jjnp.logical_not(y > 0)), x < -5)
    return jlax.cond(c, lambda: x, lambda: y)


def jnp_and(a, b):
    return jjnp.logical_and(a, b)


def jnp_or(a, b):
    return jjnp.logical_or(a, b)


def escape(x):
    while not (x > 100.0 or x < -100.0):
        x = x * 3.0
    return x


def optional_scale(x, scale=None):
    if scale is not None and scale > 0:  # `is not None` decided in Python, then traced
        x = x * scale
    return x


def test_for_over_array():
    xs = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    w = np.float32(1.5)
    close(converted(over_rows)(xs, w), jax.jit(over_rows_ref)(xs, w))
    g = s2s.autograph(over_rows)
    close(g(xs, w), over_rows(xs, w))
    assert "while[" in str(s2s.make_jaxpr(g)(xs, w))
    loss = lambda xs, w: snp.sum(g(xs, w))  # noqa: E731
    jloss = lambda xs, w: jjnp.sum(over_rows_ref(xs, w))  # noqa: E731
    close(s2s.jit(s2s.grad(loss, argnums=(0, 1)))(xs, w), jax.grad(jloss, argnums=(0, 1))(xs, w))
    ws = np.array([1.0, -2.0], np.float32)
    close(s2s.vmap(g, (None, 0))(xs, ws), jax.vmap(over_rows_ref, (None, 0))(xs, ws))
    stacked = np.stack([xs, xs + 1.0])
    close(s2s.jit(s2s.vmap(g, (0, None)))(stacked, w), jax.vmap(over_rows_ref, (0, None))(
        stacked, w))
    x = np.float32(2.0)
    close(converted(over_list)(x), x * 6.0)
    assert "while[" not in str(s2s.make_jaxpr(s2s.autograph(over_list))(x))


def test_and_or_not():
    g = s2s.autograph(logic)
    xs = np.array([1, 1, -1, -1, -6, -6], np.float32)
    ys = np.array([1, -1, 1, -1, 1, -1], np.float32)
    for x, y in zip(xs, ys):
        close(converted(logic)(x, y), jax.jit(logic_ref)(x, y))
        assert g(x, y) == logic(x, y)
    close(s2s.vmap(g)(xs, ys), jax.vmap(logic_ref)(xs, ys))
    x = np.float32(1.5)
    close(converted(escape)(x), escape(x))
    close(converted(escape)(-x), escape(-x))
    f = converted(optional_scale)
    close(f(x), x)
    close(f(x, np.float32(2.0)), x * 2.0)
    close(f(x, np.float32(-2.0)), x)


# ---- return, break, continue -----------------------------------------------------------------
def early(x):
    if x > 10.0:
        return x * 2.0
    y = x + 1.0
    if y < 0.0:
        return -y
    return y * 3.0


def early_ref(x):
    return jlax.cond(x > 10.0, lambda: x * 2.0,
                     lambda: jlax.cond(x + 1.0 < 0.0, lambda: -(x + 1.0), lambda: (x + 1.0) * 3.0))


def first_big(xs):
    found = xs[0] * 0.0
    for x in xs:
        if x > 2.0:
            found = x
            break
    return found


def first_big_ref(xs):
    def step(c, x):
        done, found = c
        hit = jjnp.logical_and(jjnp.logical_not(done), x > 2.0)
        return (jjnp.logical_or(done, hit), jjnp.where(hit, x, found)), None
    return jlax.scan(step, (False, xs[0] * 0.0), xs)[0][1]


def skip_negative(xs):
    total = xs[0] * 0.0
    for x in xs:
        if x < 0:
            continue
        total = total + x
    return total


def halvings(x):
    n = 0
    while x > 1.0:
        x = x / 2.0
        n = n + 1
        if n >= 3:
            break
    return x, n


def halvings_ref(x):
    return jlax.while_loop(lambda c: jjnp.logical_and(c[0] > 1.0, c[1] < 3),
                           lambda c: (c[0] / 2.0, c[1] + 1), (x, 0))


@pytest.mark.parametrize("v", [20.0, -5.0, 3.0])
def test_early_return(v):
    x = np.float32(v)
    close(converted(early)(x), jax.jit(early_ref)(x))
    close(s2s.autograph(early)(x), early(x))
    close(s2s.jit(s2s.grad(s2s.autograph(early)))(x), jax.grad(early_ref)(x))


@pytest.mark.parametrize("v", [[1.0, 3.0, 5.0], [-1.0, 0.5, 4.0], [-20.0, 1.0, 1.0]])
def test_break_continue(v):
    xs = np.array(v, np.float32)
    close(converted(first_big)(xs), jax.jit(first_big_ref)(xs))
    close(s2s.autograph(first_big)(xs), first_big(xs))
    close(converted(skip_negative)(xs), jax.jit(lambda xs: jjnp.sum(jjnp.where(
        xs < 0, 0.0, xs)))(xs))
    close(s2s.autograph(skip_negative)(xs), skip_negative(xs))


@pytest.mark.parametrize("v", [20.0, -5.0, 3.0])
def test_break_in_while(v):
    x = np.float32(v)
    close(converted(halvings)(x), jax.jit(halvings_ref)(x))
    close(s2s.autograph(halvings)(x), halvings(x))


def python_counted_while(x):
    i = 0
    while i < 3:  # a Python condition: Python's loop, differentiable in reverse mode
        x = snp.sin(x) * 2.0
        i = i + 1
    return x


def test_reverse_mode_of_python_valued_while():
    g = s2s.autograph(python_counted_while)
    ref = lambda x: 2.0 * jjnp.sin(2.0 * jjnp.sin(2.0 * jjnp.sin(x)))  # noqa: E731
    x = np.float32(0.3)
    close(s2s.grad(g)(x), jax.grad(ref)(x))
    close(s2s.jit(s2s.grad(g))(x), jax.grad(ref)(x))


def total(xs):
    acc = 0.0
    for x in xs:
        acc = acc + x
    return acc


@s2s.autograph
def decorated(x):
    t = 0.0
    while x < 5.0:
        t += 1.0
        x += 1.0
    return x + t


def tree_carry(p, x):
    i = 0
    while p["w"] < 10.0:
        p = {"w": p["w"] * 2.0, "b": p["b"] + x}
        i += 1
    if p["b"] > 0:
        p = {"w": p["w"], "b": -p["b"]}
    return p, i


def tree_carry_ref(p, x):
    p, i = jlax.while_loop(lambda c: c[0]["w"] < 10.0,
                           lambda c: ({"w": c[0]["w"] * 2.0, "b": c[0]["b"] + x}, c[1] + 1),
                           (p, 0))
    return jlax.cond(p["b"] > 0, lambda: {"w": p["w"], "b": -p["b"]}, lambda: p), i


class Scaled:
    def __init__(self, scale):
        self.scale = scale

    def apply(self, x):
        if x > 0:
            x = x * self.scale
        return x


def test_empty_array_loop():
    for n in (0, 3):
        xs = np.ones((n,), np.float32)
        close(converted(total)(xs), jax.jit(lambda xs: jlax.scan(
            lambda c, x: (c + x, None), 0.0, xs)[0])(xs))


def test_decorator_augmented_assignment_pytrees_methods():
    x = np.float32(1.5)
    assert decorated(x) == 9.5  # eager: Python's loop
    close(s2s.jit(decorated)(x), np.float32(9.5))
    close(s2s.vmap(decorated)(np.array([1.0, 7.0], np.float32)), np.array([9.0, 7.0],
                                                                          np.float32))
    for x64 in (False, True):
        with x64_in_both(x64):
            p = {"w": 1.0, "b": 0.5}
            close(converted(tree_carry)(p, 1.5), jax.jit(tree_carry_ref)(p, 1.5))
    m = Scaled(np.float32(3.0))
    close(converted(m.apply)(np.float32(2.0)), np.float32(6.0))
    close(converted(m.apply)(np.float32(-2.0)), np.float32(-2.0))


def local_body(x, n):
    def body(i, x):
        if x > 1.0:  # converted too: it runs inside the user's own fori_loop
            x = x * 0.5
        return x + 0.1
    return s2s.lax.fori_loop(0, n, body, x)


def test_local_functions_converted():
    ref = lambda x, n: jlax.fori_loop(0, n, lambda i, x: jlax.cond(  # noqa: E731
        x > 1.0, lambda: x * 0.5, lambda: x) + 0.1, x)
    close(converted(local_body)(np.float32(5.0), 7), jax.jit(ref)(np.float32(5.0), 7))


def item_assignment(x, buf):
    if x > 0:
        buf[0] = 1.0
    return x


def test_statement_left_as_python_says_why():
    with pytest.raises(s2s.errors.TracerBoolConversionError, match="item or attribute"):
        converted(item_assignment)(np.float32(1.0), [0.0])
    buf = [0.0]
    s2s.autograph(item_assignment)(np.float32(1.0), buf)  # eager: Python's if
    assert buf == [1.0]


def nested_loops(x, n):
    total = x * 0.0
    for i in range(n):
        j = 0
        while j < i:  # Python at first; traced once `break_` is (after the traced if)
            if x * j > 2.0:
                break
            total = total + x * j
            j = j + 1
        if total > 10.0:
            continue
        total = total + 1.0
    return total


def multi_return(x, y):
    if x > y:
        if x > 0:
            return x - y
        return y
    elif y > 2.0:
        return x * y
    z = x + y
    return z * 2.0


def test_against_eager_python():
    for v in (0.3, 1.0, 3.0, -1.0):
        x = np.float32(v)
        for n in (0, 3, 6):
            want = nested_loops(x, n)
            close(converted(nested_loops)(x, n), want)
            close(converted(nested_loops, static_argnums=1)(x, n), want)
        for y in (-3.0, 0.5, 2.5):
            y = np.float32(y)
            close(converted(multi_return)(x, y), multi_return(x, y))


def branch_temporaries(x):
    label = "input"  # bound before, reassigned in a branch, never read after: not carried
    if x > 0:
        label = "positive"  # noqa: F841
        y = x * 2.0
    else:
        y = -x
    return y


def test_branch_temporaries_not_carried():
    close(converted(branch_temporaries)(np.float32(2.0)), np.float32(4.0))
    close(converted(branch_temporaries)(np.float32(-2.0)), np.float32(2.0))


def conditional_expressions(x):
    y = x * 2.0 if x > 0 else (x - 1.0 if x > -1.0 else -x)
    return y * 3.0 if y < 1.0 else y


def conditional_expressions_ref(x):
    y = jlax.cond(x > 0, lambda: x * 2.0,
                  lambda: jlax.cond(x > -1.0, lambda: x - 1.0, lambda: -x))
    return jlax.cond(y < 1.0, lambda: y * 3.0, lambda: y)


@pytest.mark.parametrize("v", [0.3, 2.0, -0.5, -3.0])
def test_conditional_expressions(v):
    x = np.float32(v)
    close(converted(conditional_expressions)(x), jax.jit(conditional_expressions_ref)(x))
    close(s2s.grad(s2s.autograph(conditional_expressions))(x),
          jax.grad(conditional_expressions_ref)(x))
