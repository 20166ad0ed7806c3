"""Run every benchmark: s2s beside jax in one process; prints s2s/jax ratios."""
import importlib
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import report  # noqa: E402

MODULES = ["bench_eager", "bench_jit", "bench_grad", "bench_hessian", "bench_vmap", "bench_random",
           "bench_control", "bench_autograph", "cnn"]

if __name__ == "__main__":
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    for name in sys.argv[1:] or MODULES:
        print(f"\n## {name}")
        result = importlib.import_module(name).run()
        rows, extra = result if isinstance(result, tuple) else (result, None)
        report(rows)
        if extra is not None:
            print("s2s first-call split (stage+trace, lower, XLA compile, first run): " +
                  ", ".join(f"{t * 1e3:.2f} ms" for t in extra))
