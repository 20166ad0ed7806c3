"""Global configuration, with JAX's option names (``s2s.config.update("jax_enable_x64", True)``)."""
import os

from s2s.lowering import compile_cache


def _env_flag(name, default=False):
    """A boolean environment variable, read as JAX reads them (anything else is an error)."""
    val = os.environ.get(name, str(default)).strip().lower()
    if val in ("y", "yes", "t", "true", "on", "1"):
        return True
    if val in ("n", "no", "f", "false", "off", "0", ""):
        return False
    raise ValueError(f"invalid truth value {val!r} for environment {name!r}")


class Config:
    _defaults = {"jax_enable_x64": lambda: _env_flag("JAX_ENABLE_X64"),
                 "jax_platforms": lambda: os.environ.get("JAX_PLATFORMS", ""),
                 "jax_debug_nans": lambda: False,
                 "jax_enable_compilation_cache": lambda: compile_cache.enabled[0]}

    def __init__(self):
        self._values = {k: f() for k, f in self._defaults.items()}

    def update(self, name, value):
        if name not in self._values:
            raise AttributeError(f"Unrecognized config option: {name}")
        self._values[name] = value
        if name == "jax_enable_compilation_cache":
            compile_cache.enabled[0] = bool(value)

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"Unrecognized config option: {name}") from None

    def read(self, name):
        return getattr(self, name)


config = Config()


def x64_enabled():
    return bool(config._values["jax_enable_x64"])
