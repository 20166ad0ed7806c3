"""Timing helpers: s2s and jax on the same work in one process, reported as a ratio."""
import time


def best_of(fn, *, repeat=7, number=None, min_time=0.05):
    """Median per-call seconds over ``repeat`` rounds, each long enough to be measurable."""
    fn()
    if number is None:
        number, t = 1, 0.0
        while t < min_time:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            t = time.perf_counter() - start
            if t < min_time:
                number *= 2
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    rounds.sort()
    return rounds[len(rounds) // 2]


def report(rows):
    """rows: (name, s2s seconds, jax seconds, target ratio or None) -> printed table."""
    print(f"{'benchmark':48s} {'s2s':>11s} {'jax':>11s} {'ratio':>7s} {'target':>7s}")
    for name, s, j, target in rows:
        ok = "" if target is None else ("ok" if s / j <= target else "MISS")
        print(f"{name:48s} {_fmt(s):>11s} {_fmt(j):>11s} {s / j:7.2f} "
              f"{'' if target is None else f'<={target}':>7s} {ok}")


def _fmt(sec):
    return f"{sec * 1e6:.1f} us" if sec < 1e-3 else f"{sec * 1e3:.2f} ms"
