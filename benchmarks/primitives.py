"""Benchmark the core's concurrency primitives against the raw primitives they wrap.

Run ``python benchmarks/primitives.py`` (about 25 s on 2 cores) or ``--quick`` (a few seconds).
Three sections, each ending with a line that states its goal and whether it was met:

1. cost per operation of each primitive and its ratio to a raw threading/asyncio
   equivalent measured in the same run (best of several interleaved repeats);
2. the rate limiter's achieved rate, and its busiest 1-second window, against its limit,
   with 4 threads and the real clock;
3. the throughput of 8 threads calling through one shared CLOSED circuit breaker, against
   the same calls unprotected and through a breaker that holds its lock during the call.

See benchmarks/README.md for how to read the output. The exit status is 1 if any
benchmark raised; the numbers themselves never fail the run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from _primitive_cases import (
    BREAKER_CALL_SLEEP,
    BREAKER_THREADS,
    CASES,
    FULL,
    MAX_RATIO,
    QUICK,
    RATE_THREADS,
    RATES,
    Case,
    Row,
    Settings,
    T,
)
from _timing import (
    best_per_op,
    format_duration,
    format_table,
)

from hawkeye_core.concurrency.breaker import BreakerState, BreakerStats, CircuitBreaker
from hawkeye_core.concurrency.ratelimit import RateLimiter

# -- section 1: cost per operation (the cases are in _primitive_cases.py) ------------------


def measure(case: Case, settings: Settings) -> list[Row]:
    with case() as comparison:
        timers = {comparison.name: comparison.timer}
        timers.update((b.label, b.timer) for b in comparison.baselines)
        best = best_per_op(
            timers, repeats=settings.repeats, target=settings.target, min_ops=comparison.min_ops
        )
    cost = best[comparison.name]
    return [
        Row(comparison.name, cost, b.label, best[b.label], b.floor) for b in comparison.baselines
    ]


def verdict(goal: str, failures: Sequence[str]) -> str:
    """The closing line of a section: its goal, and what fell short of it, one per line."""
    if not failures:
        return f"-> goal: {goal}: met"
    return "\n".join([f"-> goal: {goal}: NOT met by", *(f"   - {f}" for f in failures)])


def cost_cells(row: Row) -> list[str]:
    ratio = f"{row.ratio:.2f}x" + (" (floor)" if row.floor else "")
    cost, baseline_cost = format_duration(row.cost), format_duration(row.baseline_cost)
    return [row.name, cost, row.baseline, baseline_cost, ratio]


def section_costs(settings: Settings, errors: list[str]) -> None:
    print(
        "1. Cost per operation against the raw primitive (best of "
        f"{settings.repeats} interleaved runs of ~{settings.target * 1000:g} ms each)"
    )
    table: list[list[str]] = []
    rows: list[Row] = []
    raised: list[str] = []
    for case in CASES:
        try:
            results = measure(case, settings)
        except Exception:
            errors.append(f"{case.__name__}: {traceback.format_exc()}")
            table.append([case.__name__, "ERROR", "", "", ""])
            raised.append(f"{case.__name__} raised (traceback on standard error)")
            continue
        rows += results
        table += [cost_cells(row) for row in results]
    print(format_table(["primitive", "cost/op", "raw baseline", "cost/op", "ratio"], table))
    over = raised + [
        f"{r.name}: {r.ratio:.1f}x {r.baseline}"
        for r in rows
        if not r.floor and r.ratio > MAX_RATIO
    ]
    print(verdict(f"each primitive within {MAX_RATIO:g}x of its raw equivalent", over))
    floors = [f"{r.name}: {r.ratio:.1f}x {r.baseline}" for r in rows if r.floor]
    if floors:
        print("   (floor) rows are for scale, not the goal: " + "; ".join(floors))
    print()


# -- sections 2 and 3: many threads --------------------------------------------------------


def run_threads(work: Callable[[int], None], count: int) -> None:
    """Run ``work(0)`` .. ``work(count - 1)`` on threads; re-raise the first error here."""
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# -- section 2: rate limiter accuracy ------------------------------------------------------


@dataclass
class RateRun:
    """Admissions of one rate-limiter run: on the limiter's clock and as callers saw them."""

    rate: float
    limit: int
    seconds: float
    admitted: list[float] = field(default_factory=list)  # the limiter's clock at admission
    returned: list[float] = field(default_factory=list)  # when acquire() returned

    @property
    def achieved_ratio(self) -> float:
        return len(self.admitted) / self.seconds / self.rate


def max_in_window(stamps: Sequence[float], window: float) -> int:
    """The most stamps inside any half-open interval [t, t + window)."""
    ordered = sorted(stamps)
    most = 0
    first = 0
    for last, stamp in enumerate(ordered):
        while ordered[first] <= stamp - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def run_rate_limiter(rate: float, seconds: float) -> RateRun:
    """``RATE_THREADS`` threads call ``acquire()`` for ``seconds`` on the real clock."""
    stamp = threading.local()

    def clock() -> float:
        # try_acquire reads the clock once, under its lock, and admits at that instant;
        # remembering the last reading per thread gives the exact admission time.
        stamp.now = now = time.monotonic()
        return now

    limiter = RateLimiter(rate, clock=clock)
    start = time.monotonic() + 0.05  # every thread starts at the same instant
    end = start + seconds
    per_thread: list[list[tuple[float, float]]] = [[] for _ in range(RATE_THREADS)]

    def work(index: int) -> None:
        admissions = per_thread[index]
        time.sleep(max(0.0, start - time.monotonic()))
        while (remaining := end - time.monotonic()) > 0:
            if limiter.acquire(timeout=remaining):
                admissions.append((stamp.now, time.monotonic()))

    run_threads(work, RATE_THREADS)
    run = RateRun(rate=rate, limit=limiter.limit, seconds=seconds)
    for admissions in per_thread:
        # An admission granted right at the deadline is outside the measured span.
        inside = [(admitted, returned) for admitted, returned in admissions if admitted < end]
        run.admitted += [admitted for admitted, _ in inside]
        run.returned += [returned for _, returned in inside]
    return run


RATE_HEADERS = [
    "configured",
    "admitted",
    "achieved/configured",
    "max in any 1 s / limit",
    "max/limit",
    "max 1 s as returned",
    "max in any 0.1 s / rate*0.1",
]


def rate_cells(run: RateRun) -> tuple[list[str], list[str]]:
    """The table cells of one rate-limiter run, and the ways it missed its goal."""
    busiest = max_in_window(run.admitted, 1.0)
    returned = max_in_window(run.returned, 1.0)
    tenth = max_in_window(run.admitted, 0.1)
    cells = [
        f"{run.rate:,.0f}/s",
        f"{len(run.admitted):,}",
        f"{run.achieved_ratio:.3f}",
        f"{busiest:,} / {run.limit:,}",
        f"{busiest / run.limit:.3f}",
        f"{returned:,}",
        f"{tenth:,} / {run.rate * 0.1:,.0f}",
    ]
    failures = []
    if busiest > run.limit:
        failures.append(f"{run.rate:,.0f}/s: {busiest:,} admissions in one 1-s window")
    if not 0.95 <= run.achieved_ratio <= 1.0:
        failures.append(f"{run.rate:,.0f}/s: achieved/configured {run.achieved_ratio:.3f}")
    return cells, failures


def section_rate_limiter(settings: Settings, errors: list[str]) -> None:
    print(
        f"2. RateLimiter accuracy: {RATE_THREADS} threads calling acquire() for "
        f"{settings.rate_seconds:g} s, real clock (window 1 s, default burst = limit)"
    )
    table: list[list[str]] = []
    failures: list[str] = []
    for rate in RATES:
        try:
            cells, missed = rate_cells(run_rate_limiter(rate, settings.rate_seconds))
        except Exception:
            errors.append(f"rate limiter at {rate:g}/s: {traceback.format_exc()}")
            table.append([f"{rate:,.0f}/s", "ERROR", "", "", "", "", ""])
            failures.append(f"{rate:,.0f}/s raised (traceback on standard error)")
            continue
        table.append(cells)
        failures += missed
    print(format_table(RATE_HEADERS, table))
    goal = "max/limit <= 1.0 in every 1-s window, achieved/configured in [0.95, 1.0]"
    print(verdict(goal, failures))
    print()


# -- section 3: circuit breaker under concurrency ------------------------------------------


class LockHeldBreaker:
    """The seed's flaw, reproduced for contrast: the lock is held while the call runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def call(self, fn: Callable[[], T]) -> T:
        with self._lock:
            return fn()


def protected_call() -> None:
    time.sleep(BREAKER_CALL_SLEEP)  # releases the GIL, like a network call


def calls_per_second(call: Callable[[], object], seconds: float) -> float:
    """Calls per second made by ``BREAKER_THREADS`` threads calling ``call`` in a loop."""
    start = time.perf_counter() + 0.02
    end = start + seconds
    counts = [0] * BREAKER_THREADS
    finished = [start] * BREAKER_THREADS

    def work(index: int) -> None:
        time.sleep(max(0.0, start - time.perf_counter()))
        made = 0
        while time.perf_counter() < end:
            call()
            made += 1
        counts[index] = made
        finished[index] = time.perf_counter()

    run_threads(work, BREAKER_THREADS)
    return sum(counts) / (max(finished) - start)


def breaker_throughput(settings: Settings) -> tuple[dict[str, float], BreakerStats]:
    """Best calls/s of each contender (repeats interleaved), and the shared breaker's stats."""
    breaker = CircuitBreaker("bench")
    flawed = LockHeldBreaker()
    contenders: dict[str, Callable[[], object]] = {
        UNPROTECTED: protected_call,
        "CircuitBreaker.call": lambda: breaker.call(protected_call),
        LOCK_HELD: lambda: flawed.call(protected_call),
    }
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(settings.breaker_repeats):
        for name, call in contenders.items():
            best[name] = max(best[name], calls_per_second(call, settings.breaker_seconds))
    return best, breaker.stats()


UNPROTECTED = "unprotected call"
LOCK_HELD = "lock held during the call"
EXPECTED = {
    UNPROTECTED: "1.0",
    "CircuitBreaker.call": ">= 0.9",
    LOCK_HELD: f"~1/{BREAKER_THREADS} = {1 / BREAKER_THREADS:.3f}",
}


def section_breaker(settings: Settings, errors: list[str]) -> None:
    print(
        f"3. CircuitBreaker throughput: {BREAKER_THREADS} threads, one shared CLOSED breaker, "
        f"the call sleeps {BREAKER_CALL_SLEEP * 1000:g} ms "
        f"(best of {settings.breaker_repeats} x {settings.breaker_seconds:g} s)"
    )
    try:
        best, stats = breaker_throughput(settings)
    except Exception:
        errors.append(f"breaker throughput: {traceback.format_exc()}")
        print("ERROR (traceback on standard error)\n")
        return
    baseline = best[UNPROTECTED]
    table = [
        [name, f"{rate:,.0f}", f"{rate / baseline:.3f}", EXPECTED[name]]
        for name, rate in best.items()
    ]
    print(format_table(["calls through", "calls/s", "ratio", "expected"], table))
    print(
        f"   shared breaker after the runs: {stats.state.value}, {stats.calls:,} calls, "
        f"{stats.successes:,} successes, {stats.failures} failures, "
        f"{stats.rejections} rejections"
    )
    ratio = best["CircuitBreaker.call"] / baseline
    failures = []
    if ratio < 0.9:
        failures.append(f"CircuitBreaker.call got {ratio:.3f}x the unprotected calls/s")
    if stats.state is not BreakerState.CLOSED or stats.calls != stats.successes:
        failures.append("the breaker did not stay CLOSED with every call a success")
    goal = "CircuitBreaker.call >= 0.9x the unprotected calls/s (it must not serialise calls)"
    print(verdict(goal, failures))
    print(
        f"   for contrast, the lock-held breaker got {best[LOCK_HELD] / baseline:.3f}x "
        f"(it serialises the {BREAKER_THREADS} threads)"
    )
    print()


# -- main ----------------------------------------------------------------------------------


def header(quick: bool) -> str:
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    mode = "quick (smoke run; numbers are rough)" if quick else "full"
    return "\n".join(
        [
            "HawkEye concurrency primitives benchmark",
            f"date: {now}   mode: {mode}",
            f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}",
            f"python: {platform.python_implementation()} {platform.python_version()}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    errors: list[str] = []
    began = time.perf_counter()
    print(header(args.quick))
    print()
    section_costs(settings, errors)
    section_rate_limiter(settings, errors)
    section_breaker(settings, errors)
    print(f"finished in {time.perf_counter() - began:.1f} s; {len(errors)} benchmark(s) raised")
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
