"""Small helpers shared by the benchmarks: best-of-N timing and a plain-text table.

A *timer* is a callable ``timer(n) -> seconds`` that performs ``n`` operations and
returns how long they took, measured with ``time.perf_counter`` around the operations
only (set-up such as building a fresh object stays outside the measured span).
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager

__all__ = [
    "Timer",
    "best_per_op",
    "calibrate",
    "cycling_timer",
    "format_duration",
    "format_table",
    "gc_paused",
    "loop_timer",
    "submit_all_timer",
]

Timer = Callable[[int], float]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a measurement, as ``timeit`` does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def loop_timer(op: Callable[[], object]) -> Timer:
    """A timer that calls ``op()`` ``n`` times in a plain loop."""

    def run(n: int) -> float:
        with gc_paused():
            start = time.perf_counter()
            for _ in range(n):
                op()
            return time.perf_counter() - start

    return run


def cycling_timer(op: Callable[[str], object], keys: Sequence[str]) -> Timer:
    """A timer calling ``op(key)`` ``n`` times, cycling through ``keys``."""

    def run(n: int) -> float:
        sequence = list(itertools.islice(itertools.cycle(keys), n))
        with gc_paused():
            start = time.perf_counter()
            for key in sequence:
                op(key)
            return time.perf_counter() - start

    return run


def submit_all_timer(start_one: Callable[[], Future[object]]) -> Timer:
    """A timer that starts ``n`` tasks (all in flight at once), then waits for every result."""

    def run(n: int) -> float:
        with gc_paused():
            start = time.perf_counter()
            futures = [start_one() for _ in range(n)]
            for future in futures:
                future.result()
            return time.perf_counter() - start

    return run


def calibrate(timer: Timer, target: float, *, start: int = 1, limit: int = 10_000_000) -> int:
    """The number of operations for which one run of ``timer`` takes about ``target`` seconds."""
    n = start
    while True:
        elapsed = timer(n)
        if elapsed >= target / 4 or n >= limit:
            break
        n *= 4 if elapsed < target / 40 else 2
    per_op = max(elapsed, 1e-9) / n
    return max(1, min(limit, round(target / per_op)))


def best_per_op(
    timers: Mapping[str, Timer], *, repeats: int, target: float, min_ops: int = 1
) -> dict[str, float]:
    """Seconds per operation of each timer: the minimum over ``repeats`` runs.

    Each timer is calibrated on its own to run for about ``target`` seconds, and the
    repeats are interleaved (A B C, A B C, ...), so a noisy spell on a shared machine
    tends to hit every contender instead of one. Keep ``target`` short (a few ms, less
    than a scheduler time slice) and ``repeats`` high: on a busy machine a long run is
    always preempted, while some short runs are not, and the minimum keeps those.
    """
    sizes = {name: max(min_ops, calibrate(t, target)) for name, t in timers.items()}
    best = dict.fromkeys(timers, float("inf"))
    for _ in range(repeats):
        for name, timer in timers.items():
            best[name] = min(best[name], timer(sizes[name]) / sizes[name])
    return best


def format_duration(seconds: float) -> str:
    """``seconds`` in the unit that keeps three significant digits readable (ns .. s)."""
    for unit, scale in (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3)):
        if seconds < scale * 1000:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        out = [first.ljust(widths[0])]
        out += [cell.rjust(w) for cell, w in zip(rest, widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
