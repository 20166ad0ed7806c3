"""Run every benchmark: s2s beside jax in one process; prints s2s/jax ratios."""
import importlib
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import report  # noqa: E402

MODULES = ["bench_eager"]

if __name__ == "__main__":
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    for name in sys.argv[1:] or MODULES:
        print(f"\n## {name}")
        report(importlib.import_module(name).run())
