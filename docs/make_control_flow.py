"""Writes docs/control-flow.md from the live output of s2s.autograph."""
import inspect
import os
import sys
import textwrap

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import s2s  # noqa: E402
import control_flow_examples as E  # noqa: E402
from s2s.autograph_runtime import FORI_LOOP_MIN_TRIPS  # noqa: E402


def source(fn):
    return textwrap.dedent(inspect.getsource(fn)).replace(here + os.sep, "")


parts = ["# Python control flow under jit, converted in source\n",
         "Under `jit`, a Python `if x > 0:` on a traced `x` raises `TracerBoolConversionError`"
         " and `for i in range(1000):` unrolls into a program of 1000 copies of its body, slow"
         " to compile. `s2s.jit(f, control_flow=\"convert\")`, or `s2s.autograph(f)` (a "
         "decorator, usable under `grad`, `jvp` and `vmap`), rewrites `f`'s source: each "
         "statement whose condition turns out to be traced runs as `lax.cond`, "
         "`lax.while_loop`, `lax.fori_loop` or `lax.scan`; a condition that is a Python value "
         "keeps Python's meaning, decided when the statement runs (`ag__.traced(...)`; `ag__` "
         "is `s2s.autograph_runtime`), so eager code runs as written. Without `control_flow=` "
         "jit behaves as jax's. The converted function is ordinary Python calling `s2s.lax`: "
         "`inspect.getsource` shows it, a debugger steps through it, and grad/jvp/vmap "
         "transform it like any other code (reverse mode of a converted `while` is refused, as"
         " jax refuses `lax.while_loop`).\n",
         "Each branch or loop body becomes a local function over the names it assigns that are"
         " read later (a liveness analysis); names it only reads are closed over. A name given"
         " a value in one branch only, or first assigned inside a traced loop, is an error "
         "naming it and the line when the condition is traced (`ValueError: ...: 'z' must have"
         " a value before the if`); in Python it is `ag__.Undefined` until assigned. Only the "
         "decorated function (with the functions defined in it) is converted, not the "
         "functions it calls (decorate those too). "
         "Statements that assign items or attributes, declare `global`, or `return` from "
         "inside a loop stay Python, as do loops over `enumerate`/`zip`/stepped ranges and "
         "conditional expressions inside larger expressions (`y = a if c else b` and `return "
         "a if c else b` convert as `if` statements). A lifted branch or body "
         "runs once when traced, so its side effects (a `print`, a list `append`) happen at "
         "trace time, as in any jax loop body.\n",
         "This page is produced by `python docs/make_control_flow.py`; the functions are in "
         "`docs/control_flow_examples.py`.\n"]
for fn, what in [
        (E.relu_or_sine, "`if`/`elif`/`else`: `lax.cond` when the condition is traced"),
        (E.halve_until_small, "`while`: Python's loop while the test gives Python values, "
                              "then `lax.while_loop` over the loop-carried names"),
        (E.damped, f"`for i in range(n)`: `lax.fori_loop` when `n` is traced, or when the loop "
                   f"runs at least {FORI_LOOP_MIN_TRIPS} times over traced values (a shorter "
                   f"one is unrolled, as Python runs it)"),
        (E.running_mean, "`for row in xs`: `lax.scan` over a traced array (a Python list "
                         "keeps Python's loop)"),
        (E.sign_or_zero, "`and`/`or`/`not`: `logical_and`/`logical_or`/`logical_not` of "
                         "traced values, Python's short-circuits otherwise"),
        (E.clipped, "a conditional expression assigned to a name: an `if` statement"),
        (E.early_exit, "an early `return`: what follows moves into the other branch"),
        (E.first_above, "`break` (and `continue`): a flag guarding the rest of the body"),
]:
    parts.append(f"## {fn.__name__}: {what}\n\n```python\n{source(fn)}```\n\nconverted:\n\n"
                 f"```python\n{source(s2s.autograph(fn))}```\n")
out = os.path.join(here, "control-flow.md")
with open(out, "w") as f:
    f.write("\n".join(parts))
print("wrote", out)
