import contextlib
import os

from hypothesis import HealthCheck, settings

# The vendored Array API suite runs in its own process (tests/test_array_api.py): its modules
# read the array module under test from the environment at import.
collect_ignore = ["third_party"]

settings.register_profile("ci", max_examples=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def _share_the_references_compiles():
    """jax, the reference, compiles every eager operation as s2s does; its persistent cache
    (in s2s's private cache folder) lets the test workers and later runs load them instead."""
    import jax

    from s2s.lowering.private_dir import private_dir
    jax.config.update("jax_compilation_cache_dir", private_dir("jax-reference"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


_share_the_references_compiles()


@contextlib.contextmanager
def x64_in_both(on):
    """64-bit types on or off in s2s and in jax (the reference) alike; both restored after."""
    import jax

    import s2s
    old = (s2s.config.jax_enable_x64, jax.config.jax_enable_x64)
    s2s.config.update("jax_enable_x64", on)
    jax.config.update("jax_enable_x64", on)
    try:
        yield
    finally:
        s2s.config.update("jax_enable_x64", old[0])
        jax.config.update("jax_enable_x64", old[1])
