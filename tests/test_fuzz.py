"""Differential fuzzer: random programs, s2s against jax.

Hypothesis writes random differentiable functions as source text (``tests/fuzz_programs.py``),
each one to a real ``.py`` file (s2s reads the source), imports the file twice -- with
``jnp``/``lax`` = ``s2s.numpy``/``s2s.lax`` and with ``jax.numpy``/``jax.lax`` -- and checks
that s2s agrees with jax (float32, rtol 1e-3, atol 1e-4 scaled by the result's magnitude) on
the transforms of ``TRANSFORMS``: the value, ``grad``, ``jvp``, ``vmap(grad)``, ``grad(grad)``
(a Hessian-vector product), and ``jit`` of each (plus ``grad(jit(f))``). Where jax raises
(data-dependent Python ``if`` under ``jit`` or ``vmap``), s2s must raise too.

A failure prints the whole program, its inputs, and for each transform that disagreed the s2s
and jax results (or the exception), ready to paste into a regression test. Each kind of
failure -- a WRONG NUMBER, an s2s crash (internal error), an s2s refusal (TransformError /
NotImplementedError), a missing error -- raises its own exception class, so hypothesis shrinks
and reports each one separately.

``ENABLED`` says which program features are generated and, for each, which transforms a
program that uses it is checked on (the ones that pass today): widen it as s2s learns more.

Environment knobs:

- ``S2S_FUZZ=long``: 3000 programs instead of the hypothesis profile's count (10 under CI,
  40 otherwise); ``S2S_FUZZ_EXAMPLES=N`` sets any count.
- ``S2S_FUZZ_FEATURES``: ``all`` (every feature of ``fuzz_programs.FEATURES``, all
  transforms); ``+lists,+closures`` (``ENABLED`` plus those, checked on all transforms); or a
  plain comma list (exactly those features).
- ``S2S_FUZZ_STRICT=1``: every generated feature checked on all transforms.
- ``S2S_FUZZ_TRANSFORMS``: a comma list of transform names to check at most (default: all).

e.g. ``S2S_FUZZ=long S2S_FUZZ_FEATURES=+lists python -m pytest tests/test_fuzz.py -x``, or
``S2S_FUZZ_STRICT=1 S2S_FUZZ_EXAMPLES=200 python -m pytest tests/test_fuzz.py`` to see what
a fix allows to widen.
"""
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import traceback

import jax
import jax.numpy as jjnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import s2s
import s2s.numpy as snp
from fuzz_programs import FEATURES, generate
from s2s.errors import TransformError

ALL = frozenset({"eval", "grad", "jvp", "vmap_grad", "grad_grad", "jit", "jit_grad", "jit_jvp",
                 "jit_vmap_grad", "jit_grad_grad", "grad_jit"})
_VMAP = frozenset({"vmap_grad", "jit_vmap_grad"})
_SECOND = frozenset({"grad_grad", "jit_grad_grad"})

# feature -> the transforms a program using it is checked on (a program using several features
# is checked on the intersection). A feature that is not a key is not generated.
ENABLED = {
    "straight": ALL,
    "helpers": ALL,
    "closures": ALL,
    "closure_chains": ALL,
    "lambdas": ALL,
    "def_in_block": ALL,
    "self_assign": ALL,
    "scalar_arg": ALL,
    "if": ALL,
    "loops": ALL,
    "lists": ALL,
    "kwargs": ALL,
    "pytrees": ALL,
    "lax": ALL,
}

RTOL, ATOL = 1e-3, 1e-4


def _features():
    """feature -> transforms, from ENABLED and the environment."""
    spec = os.environ.get("S2S_FUZZ_FEATURES", "").strip()
    items = [s.strip() for s in spec.split(",") if s.strip()]
    if spec == "all":
        out = {f: ALL for f in FEATURES}
    elif items and all(s.startswith("+") for s in items):
        out = dict(ENABLED, **{s[1:]: ALL for s in items})
    elif items:
        out = {f: ENABLED.get(f, ALL) for f in items}
    else:
        out = dict(ENABLED)
    unknown = set(out) - set(FEATURES)
    assert not unknown, (unknown, FEATURES)
    if os.environ.get("S2S_FUZZ_STRICT"):
        out = {f: ALL for f in out}
    return out


FEATURES_ON = _features()


def transforms_for(prog):
    """The transforms a program is checked on: those all its used features allow."""
    out = set(ALL)
    for f in prog.used:
        out &= FEATURES_ON.get(f, ALL)
    return [t for t in CHECKED if t in out]


# ---- loading a program twice --------------------------------------------------------------

_DIR = tempfile.mkdtemp(prefix="s2s_fuzz_")


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    shutil.rmtree(_DIR, ignore_errors=True)


def _load(source):
    """(module with jnp = s2s.numpy, module with jnp = jax.numpy), both from one real file."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    path = os.path.join(_DIR, f"prog_{digest}.py")
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(source)
    mods = []
    for tag, jnp_mod, lax_mod in (("s2s", snp, s2s.lax), ("jax", jjnp, jax.lax)):
        name = f"s2s_fuzz_{digest}_{tag}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        mod.jnp, mod.lax = jnp_mod, lax_mod
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


def _unload(mods):
    for m in mods:
        sys.modules.pop(m.__name__, None)


# ---- the transforms, written once per library (s2s reads these wrappers' source) ------------

def _hvp_s2s(f, v, nargs):
    if nargs == 1:
        def hvp(x):
            return snp.sum(s2s.grad(f)(x) * v)
    else:
        def hvp(x, s):
            return snp.sum(s2s.grad(f)(x, s) * v)
    return hvp


def _hvp_jax(f, v, nargs):
    if nargs == 1:
        def hvp(x):
            return jjnp.sum(jax.grad(f)(x) * v)
    else:
        def hvp(x, s):
            return jjnp.sum(jax.grad(f)(x, s) * v)
    return hvp


def _jvp_fn(jvp, f, tangents, nargs):
    if nargs == 1:
        def fj(x):
            return jvp(f, (x,), tangents)
    else:
        def fj(x, s):
            return jvp(f, (x, s), tangents)
    return fj


S2S = dict(grad=s2s.grad, jit=s2s.jit, vmap=s2s.vmap, jvp=s2s.jvp, hvp=_hvp_s2s,
           asarray=snp.asarray)
JAX = dict(grad=jax.grad, jit=jax.jit, vmap=jax.vmap, jvp=jax.jvp, hvp=_hvp_jax,
           asarray=jjnp.asarray)


def _argnums(n):
    return 0 if n == 1 else (0, 1)


def _in_axes(n):
    return 0 if n == 1 else (0, None)


# name -> fn(L, f, n, inp) with L = S2S or JAX, n = number of arguments, inp = the inputs
TRANSFORMS = {
    "eval": lambda L, f, n, a: f(*a["args"]),
    "grad": lambda L, f, n, a: L["grad"](f, argnums=_argnums(n))(*a["args"]),
    "jvp": lambda L, f, n, a: L["jvp"](f, a["args"], a["tangents"]),
    "vmap_grad": lambda L, f, n, a: L["vmap"](L["grad"](f, argnums=_argnums(n)),
                                              in_axes=_in_axes(n))(*a["batched"]),
    "grad_grad": lambda L, f, n, a: L["grad"](L["hvp"](f, a["v"], n),
                                              argnums=_argnums(n))(*a["args"]),
    "jit": lambda L, f, n, a: L["jit"](f)(*a["args"]),
    "jit_grad": lambda L, f, n, a: L["jit"](L["grad"](f, argnums=_argnums(n)))(*a["args"]),
    "jit_jvp": lambda L, f, n, a: L["jit"](_jvp_fn(L["jvp"], f, a["tangents"], n))(*a["args"]),
    "jit_vmap_grad": lambda L, f, n, a: L["jit"](L["vmap"](L["grad"](f, argnums=_argnums(n)),
                                                           in_axes=_in_axes(n)))(*a["batched"]),
    "jit_grad_grad": lambda L, f, n, a: L["jit"](L["grad"](L["hvp"](f, a["v"], n),
                                                           argnums=_argnums(n)))(*a["args"]),
    "grad_jit": lambda L, f, n, a: L["grad"](L["jit"](f), argnums=_argnums(n))(*a["args"]),
}
# the same value, which jax computes faster under jit
_SAME_VALUE = {"eval": "jit", "grad": "jit_grad", "jvp": "jit_jvp", "vmap_grad": "jit_vmap_grad",
               "grad_grad": "jit_grad_grad", "grad_jit": "jit_grad"}
assert set(TRANSFORMS) == ALL and all(set(v) <= ALL for v in ENABLED.values())
_only = os.environ.get("S2S_FUZZ_TRANSFORMS", "").strip()
CHECKED = [t.strip() for t in _only.split(",") if t.strip()] if _only else list(TRANSFORMS)
assert set(CHECKED) <= ALL, (set(CHECKED) - ALL, sorted(ALL))


# ---- failures -----------------------------------------------------------------------------

class FuzzFailure(AssertionError):
    """Base of the per-kind failures below (hypothesis shrinks each kind separately)."""


class WrongNumber(FuzzFailure):
    """s2s returned a result that differs from jax's: the critical class."""


class S2SCrash(FuzzFailure):
    """s2s raised an internal error (not a TransformError / NotImplementedError)."""


class MissingError(FuzzFailure):
    """jax raised (e.g. data-dependent ``if`` under jit) and s2s returned a value."""


class S2SRefused(FuzzFailure):
    """s2s raised a clear TransformError / NotImplementedError where jax succeeds."""


_SEVERITY = [WrongNumber, S2SCrash, MissingError, S2SRefused]
_CLASSES = {}


def _failure_class(base, transform):
    """One class per (kind, transform): hypothesis reports distinct bugs separately."""
    key = (base, transform)
    if key not in _CLASSES:
        _CLASSES[key] = type(f"{base.__name__}_{transform}", (base,), {})
    return _CLASSES[key]


def _tree_np(tree):
    return jax.tree_util.tree_map(np.asarray, tree)


def _mismatch(ours, ref):
    """None when ``ours`` matches ``ref``; else a sentence saying how not."""
    lo, to = jax.tree_util.tree_flatten(_tree_np(ours))
    lr, tr = jax.tree_util.tree_flatten(_tree_np(ref))
    if to != tr:
        return f"tree structure {to} vs {tr}"
    for i, (a, b) in enumerate(zip(lo, lr)):
        if a.shape != b.shape:
            return f"leaf {i}: shape {a.shape} vs {b.shape}"
        if a.dtype != b.dtype:
            return f"leaf {i}: dtype {a.dtype} vs {b.dtype}"
        if not np.all(np.isfinite(b)):
            continue  # an ill-conditioned draw; jax is no reference there
        atol = ATOL * max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
        if not np.allclose(a, b, rtol=RTOL, atol=atol):
            err = np.max(np.abs(a.astype(np.float64) - b))
            return f"leaf {i}: values differ (max abs diff {err:.3g}, atol {atol:.3g})"
    return None


def _exc_text(e):
    tb = traceback.format_exception(type(e), e, e.__traceback__)
    text = "".join(tb[-3:]) if len(tb) > 3 else "".join(tb)
    return text.rstrip()


def _inputs_text(prog, inp):
    def arr(a):
        return "np.array(" + np.array2string(np.asarray(a), separator=", ",
                                             floatmode="unique") + ", np.float32)"
    lines = [f"x = {arr(inp['args'][0])}"]
    if prog.nargs == 2:
        lines.append(f"s = np.float32({float(inp['args'][1])!r})")
    lines.append(f"tangents = ({', '.join(arr(t) for t in inp['tangents'])},)")
    lines.append(f"v = {arr(inp['v'])}  # grad_grad: grad of sum(grad(f)(*args) * v)")
    lines.append(f"batched x (vmap) = {arr(inp['batched'][0])}")
    return "\n".join(lines)


def _report(prog, inp, failures, checked):
    """The assertion message: the program, its inputs, and each disagreeing transform."""
    out = [f"s2s disagrees with jax on {len(failures)} transform(s): "
           + ", ".join(f"{t} ({k.__name__})" for t, k, _ in failures),
           f"features used: {sorted(prog.used)}; transforms checked: {checked}",
           "---- program (module globals: jnp = s2s.numpy | jax.numpy, "
           "lax = s2s.lax | jax.lax) ----",
           prog.source.rstrip(),
           "---- inputs ----",
           _inputs_text(prog, inp)]
    for t, kind, detail in failures:
        out.append(f"---- {t}: {kind.__name__} ----")
        out.append(detail)
    return "\n".join(out)


def check_program(prog, inp, transforms=None):
    """Runs the transforms (default: ``transforms_for(prog)``) on both copies; raises the most
    severe FuzzFailure (if any) with the full report."""
    transforms = transforms_for(prog) if transforms is None else transforms
    mods = _load(prog.source)
    try:
        fs, fj = getattr(mods[0], prog.name), getattr(mods[1], prog.name)
        failures = []
        refs = {}

        def jax_run(t):
            if t not in refs:
                try:
                    refs[t] = TRANSFORMS[t](JAX, fj, prog.nargs, inp["jax"]), None
                except Exception as e:  # noqa: BLE001
                    refs[t] = None, e
            return refs[t]

        for t in transforms:
            run = TRANSFORMS[t]
            # the reference: jax under jit where jax can stage the program (eager jax is slow)
            ref, ref_err = jax_run(_SAME_VALUE.get(t, t))
            if ref_err is not None and t in _SAME_VALUE:
                ref, ref_err = jax_run(t)
            try:
                ours, our_err = run(S2S, fs, prog.nargs, inp["s2s"]), None
            except Exception as e:  # noqa: BLE001
                ours, our_err = None, e
            if ref_err is not None:
                if our_err is None:
                    failures.append((t, MissingError, f"jax raised {_exc_text(ref_err)}\n"
                                                      f"s2s returned {_tree_np(ours)}"))
                continue
            if our_err is not None:
                refused = isinstance(our_err, (TransformError, NotImplementedError))
                if refused and prog.data_dependent and t in _VMAP:
                    continue  # vmap may refuse a data-dependent `if` that jax never reaches
                kind = S2SRefused if refused else S2SCrash
                failures.append((t, kind, f"s2s raised:\n{_exc_text(our_err)}\n"
                                          f"jax: {_tree_np(ref)}"))
                continue
            why = _mismatch(ours, ref)
            if why is not None:
                failures.append((t, WrongNumber, f"{why}\ns2s: {_tree_np(ours)}\n"
                                                 f"jax: {_tree_np(ref)}"))
    finally:
        _unload(mods)
    if failures:
        worst = min(failures, key=lambda f: _SEVERITY.index(f[1]))
        raise _failure_class(worst[1], worst[0])(_report(prog, inp, failures, transforms))


# ---- hypothesis ---------------------------------------------------------------------------

def _vec(lo, hi):
    return st.lists(st.floats(lo, hi, width=32), min_size=3, max_size=3).map(
        lambda v: np.array(v, np.float32))


@st.composite
def programs(draw, features=None):
    feats = set(FEATURES_ON) if features is None else features
    return generate(lambda lo, hi: draw(st.integers(lo, hi)), feats)


@st.composite
def inputs(draw, nargs):
    x = draw(_vec(0.5, 1.5))
    args = [x]
    tangents = [draw(_vec(-1.0, 1.0))]
    if nargs == 2:
        args.append(np.float32(draw(st.floats(0.5, 1.5, width=32))))
        tangents.append(np.float32(draw(st.floats(-1.0, 1.0, width=32))))
    v = draw(_vec(-1.0, 1.0))
    batched = [np.stack([x, draw(_vec(0.5, 1.5))])] + args[1:]

    def to(asarray):
        return dict(args=tuple(asarray(a) for a in args),
                    tangents=tuple(asarray(t) for t in tangents),
                    v=asarray(v), batched=tuple(asarray(b) for b in batched))

    return dict(args=args, tangents=tangents, v=v, batched=batched,
                s2s=to(snp.asarray), jax=to(jjnp.asarray))


def _settings():
    n = os.environ.get("S2S_FUZZ_EXAMPLES")
    if n is None and os.environ.get("S2S_FUZZ") == "long":
        n = 3000
    if n is not None:
        return settings(max_examples=int(n))
    # under CI the same 10 programs every run: a red CI names a bug, never a lucky draw
    return settings(derandomize=True, max_examples=10) if os.environ.get("CI") else (
        lambda f: f)


@_settings()
@given(data=st.data())
def test_s2s_agrees_with_jax_on_random_programs(data):
    prog = data.draw(programs(), label="program")
    inp = data.draw(inputs(prog.nargs), label="inputs")
    check_program(prog, inp)


def test_generator_covers_each_enabled_feature():
    """Every generated feature appears in some of the first programs of a fixed seed (so a
    feature flag cannot silently generate nothing)."""
    import random
    rng = random.Random(0)
    seen = set()
    for _ in range(200):
        seen |= generate(rng.randint, set(FEATURES_ON)).used
    assert set(FEATURES_ON) <= seen, set(FEATURES_ON) - seen


def test_programs_are_valid_python_for_all_features():
    """The generator writes programs that compile, with every feature on."""
    import random
    rng = random.Random(1)
    for _ in range(200):
        compile(generate(rng.randint, FEATURES).source, "<fuzz>", "exec")
