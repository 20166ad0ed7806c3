"""Writes docs/generated-derivatives.md from the live generated source."""
import inspect
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
import s2s  # noqa: E402
import s2s.numpy as jnp  # noqa: E402
from corpus import load  # noqa: E402

C = load(jnp, "corpus_docs")
parts = ["# Generated derivatives\n",
         "`s2s.grad(f)` reads `f`'s source and writes its derivative as Python source, into a real "
         "file in the cache folder (`~/.cache/s2s/generated`, mode 0700), so a debugger can stop "
         "in it and `inspect.getsource(s2s.grad(f))` shows it. Below: four functions from "
         "`tests/grad_corpus.py` and what s2s writes for them (this page is produced by "
         "`python docs/make_generated_derivatives.py`).\n",
         "How to read it: the forward sweep is the user's code split into one call per line "
         "(temporaries `t1`, `t2`, ...); `bx` is the adjoint of `x`; every backward block starts "
         "with `# grad of: <the primal line>`. A value a statement overwrites is pushed on `tape` "
         "first and popped back by the backward sweep; loops run backwards over the iterations "
         "the forward loop ran.\n"]
for name, why in [("chain", "straight-line code"),
                  ("for_loop", "a loop that overwrites `x`"),
                  ("branch_in_loop", "a branch inside a loop"),
                  ("mlp", "a params dict (an MLP loss)")]:
    fn = getattr(C, name)
    parts.append(f"## `{name}`: {why}\n\n```python\n{inspect.getsource(fn)}```\n\n"
                 f"```python\n{inspect.getsource(s2s.grad(fn))}```\n")
from s2s.forward import jvp_function  # noqa: E402
parts.append("## Forward mode: `jvp` of `for_loop`\n\nA tangent statement (`dx`) beside each "
             "primal one; loops and branches stay as written.\n\n```python\n"
             f"{inspect.getsource(jvp_function(C.for_loop, (0,)))}```\n")
parts.append("## Batching: `vmap(softmax_xent)`\n\nCalls on mapped values become calls of "
             "their batching rule (`batched(fn, which arguments are mapped, ...)`); code that "
             "touches no mapped value is left as it is.\n\n```python\n"
             f"{inspect.getsource(s2s.vmap(C.softmax_xent))}```\n")
from s2s import lax  # noqa: E402
from s2s.rules import control  # noqa: E402
L = load(jnp, "control_docs", "control_corpus.py", lax)
parts.append("## Control flow: `grad` of a `lax.fori_loop` with a local body\n\nForward, "
             "`fori_loop_carries` runs the loop as one `scan` that also keeps each step's carry; "
             "backward, `fori_loop_vjp` runs the generated vjp of the body over them, in reverse. "
             "The body is handed over *lifted* over the differentiated values it closes over "
             "(`scale` and `a` become its first parameters). Both rules are generated source "
             "too (written for two free values), so this derivative differentiates again.\n\n"
             "```python\n"
             f"{inspect.getsource(L.local_body)}```\n\n```python\n"
             f"{inspect.getsource(s2s.grad(L.local_body))}```\n\n```python\n"
             f"{inspect.getsource(control.rule('fori_loop_vjp', NF=2))}```\n")
parts.append("## Control flow under `vmap`: `while_loop`\n\nEach example runs until its own "
             "condition fails (`while_loop_vmap` loops while any example's holds).\n\n"
             f"```python\n{inspect.getsource(L.while_forward)}```\n\n```python\n"
             f"{inspect.getsource(s2s.vmap(L.while_forward))}```\n")
out = os.path.join(os.path.dirname(__file__), "generated-derivatives.md")
with open(out, "w") as f:
    f.write("\n".join(parts))
print("wrote", out)
