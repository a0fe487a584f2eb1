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
import asyncio
import datetime
import os
import platform
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from _timing import (
    Timer,
    best_per_op,
    cycling_timer,
    format_duration,
    format_table,
    gc_paused,
    loop_timer,
    submit_all_timer,
)

from hawkeye_core.concurrency.aio import gather_with_concurrency, run_sync
from hawkeye_core.concurrency.batch import Backpressure
from hawkeye_core.concurrency.breaker import BreakerState, BreakerStats, CircuitBreaker
from hawkeye_core.concurrency.cache import TTLCache
from hawkeye_core.concurrency.connpool import ConnectionPool
from hawkeye_core.concurrency.counters import Stats
from hawkeye_core.concurrency.locks import OrderedLocks, ResourceAllocator
from hawkeye_core.concurrency.monitor import ResourceMonitor
from hawkeye_core.concurrency.ratelimit import RateLimiter
from hawkeye_core.concurrency.workers import WorkerPool
from hawkeye_core.levels import Level, LevelPool

T = TypeVar("T")

MAX_RATIO = 3.0  # section 1: a primitive costing more than this times its raw equivalent
POOL_WORKERS = 4
GATHER_LIMIT = 50
RATES = (1_000.0, 10_000.0)
RATE_THREADS = 4
BREAKER_THREADS = 8
BREAKER_CALL_SLEEP = 0.002


@dataclass(frozen=True)
class Settings:
    """How long to measure: the full run or a quick smoke run."""

    repeats: int  # section 1: runs per timer; the minimum is kept
    target: float  # section 1: seconds per run
    rate_seconds: float  # section 2: length of each rate-limiter run
    breaker_seconds: float  # section 3: length of each throughput run
    breaker_repeats: int  # section 3: runs per contender; the maximum is kept


FULL = Settings(repeats=41, target=0.003, rate_seconds=2.0, breaker_seconds=1.5, breaker_repeats=3)
QUICK = Settings(repeats=5, target=0.002, rate_seconds=1.0, breaker_seconds=0.3, breaker_repeats=1)


def noop() -> None:
    return None


async def anoop() -> None:
    return None


# -- section 1: cost per operation ---------------------------------------------------------


@dataclass
class Baseline:
    """A raw equivalent to compare a primitive with; a *floor* is shown only for scale."""

    label: str
    timer: Timer
    floor: bool = False


@dataclass
class Comparison:
    """One primitive operation and the baselines it is measured against."""

    name: str
    timer: Timer
    baselines: list[Baseline]
    min_ops: int = 1


@dataclass
class Row:
    name: str
    cost: float
    baseline: str
    baseline_cost: float
    floor: bool

    @property
    def ratio(self) -> float:
        return self.cost / self.baseline_cost


@contextmanager
def stats_incr() -> Iterator[Comparison]:
    stats = Stats("calls")
    lock = threading.Lock()
    values = {"calls": 0}

    def raw_incr() -> int:
        with lock:
            value = values.get("calls", 0) + 1
            values["calls"] = value
            return value

    yield Comparison(
        'Stats.incr("calls")',
        loop_timer(lambda: stats.incr("calls")),
        [Baseline("Lock; dict update", loop_timer(raw_incr))],
    )


def _lru_pair(entries: int) -> tuple[TTLCache[str, str], OrderedDict[str, str], list[str]]:
    keys = [f"key-{i}" for i in range(entries)]
    cache: TTLCache[str, str] = TTLCache(max_entries=2 * entries, ttl=300.0)
    ordered: OrderedDict[str, str] = OrderedDict()
    for key in keys:
        cache.set(key, key)
        ordered[key] = key
    return cache, ordered, keys


@contextmanager
def ttl_cache_get() -> Iterator[Comparison]:
    cache, ordered, keys = _lru_pair(1000)
    lock = threading.RLock()

    def raw_get(key: str) -> str | None:
        with lock:
            value = ordered.get(key)
            if value is not None:
                ordered.move_to_end(key)
            return value

    yield Comparison(
        "TTLCache.get (hit)",
        cycling_timer(cache.get, keys),
        [Baseline("RLock; OrderedDict LRU get", cycling_timer(raw_get, keys))],
    )


@contextmanager
def ttl_cache_set() -> Iterator[Comparison]:
    cache, ordered, keys = _lru_pair(1000)
    lock = threading.RLock()
    max_entries = cache.max_entries

    def raw_set(key: str) -> None:
        with lock:
            ordered[key] = key
            ordered.move_to_end(key)
            if len(ordered) > max_entries:
                ordered.popitem(last=False)

    yield Comparison(
        "TTLCache.set (ttl=300)",
        cycling_timer(lambda key: cache.set(key, key), keys),
        [Baseline("RLock; OrderedDict LRU set", cycling_timer(raw_set, keys))],
    )


@contextmanager
def ordered_locks() -> Iterator[Comparison]:
    locks = OrderedLocks()
    a, b = threading.Lock(), threading.Lock()

    def ordered() -> None:
        with locks.acquire("a", "b"):
            pass

    def raw() -> None:
        with a, b:
            pass

    yield Comparison(
        'OrderedLocks.acquire("a","b")',
        loop_timer(ordered),
        [Baseline("two Locks acquire/release", loop_timer(raw))],
    )


@contextmanager
def resource_allocator() -> Iterator[Comparison]:
    allocator = ResourceAllocator({"x": 4})
    semaphore = threading.Semaphore(4)
    request = {"x": 1}

    def allocate() -> None:
        allocator.allocate(request).release()

    def raw() -> None:
        semaphore.acquire()
        semaphore.release()

    yield Comparison(
        "ResourceAllocator.allocate+release",
        loop_timer(allocate),
        [Baseline("Semaphore acquire/release", loop_timer(raw))],
    )


@contextmanager
def rate_limiter_try_acquire() -> Iterator[Comparison]:
    lock = threading.Lock()

    def limited(n: int) -> float:
        limiter = RateLimiter(1e9)  # fresh each run, and so fast that it always admits
        elapsed = loop_timer(limiter.try_acquire)(n)
        if limiter.try_acquire() != 0.0:
            raise RuntimeError("the benchmark's rate limiter refused a call")
        return elapsed

    def raw() -> None:
        with lock:
            pass

    yield Comparison(
        "RateLimiter.try_acquire (admits)",
        limited,
        [Baseline("Lock acquire/release", loop_timer(raw))],
    )


@contextmanager
def breaker_call() -> Iterator[Comparison]:
    breaker = CircuitBreaker("bench")
    lock = threading.Lock()

    def through_breaker() -> None:
        breaker.call(noop)

    def locked() -> None:
        with lock:
            noop()

    yield Comparison(
        "CircuitBreaker.call(noop)",
        loop_timer(through_breaker),
        [
            Baseline("with lock: noop()", loop_timer(locked)),
            Baseline("noop()", loop_timer(noop), floor=True),
        ],
    )
    if breaker.state is not BreakerState.CLOSED:
        raise RuntimeError(f"the benchmark's breaker left CLOSED: {breaker!r}")


@contextmanager
def backpressure() -> Iterator[Comparison]:
    pressure = Backpressure(10)
    semaphore = threading.Semaphore(10)

    def bounded() -> None:
        pressure.acquire()
        pressure.release()

    def raw() -> None:
        semaphore.acquire()
        semaphore.release()

    yield Comparison(
        "Backpressure acquire/release",
        loop_timer(bounded),
        [Baseline("Semaphore acquire/release", loop_timer(raw))],
    )


@contextmanager
def worker_pool() -> Iterator[Comparison]:
    with WorkerPool(POOL_WORKERS) as pool, ThreadPoolExecutor(POOL_WORKERS) as executor:
        yield Comparison(
            f"WorkerPool({POOL_WORKERS}).submit+result",
            submit_all_timer(lambda: pool.submit(noop)),
            [
                Baseline(
                    "ThreadPoolExecutor submit+result",
                    submit_all_timer(lambda: executor.submit(noop)),
                )
            ],
            min_ops=1000,
        )


@contextmanager
def connection_pool() -> Iterator[Comparison]:
    with ConnectionPool(POOL_WORKERS) as tasks, WorkerPool(POOL_WORKERS) as pool:
        yield Comparison(
            f"ConnectionPool({POOL_WORKERS}).submit+result",
            submit_all_timer(lambda: tasks.submit(noop)),
            [Baseline("WorkerPool submit+result", submit_all_timer(lambda: pool.submit(noop)))],
            min_ops=1000,
        )


@contextmanager
def raw_loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running forever in a thread of its own, stopped and closed on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bench-raw-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@contextmanager
def level_pool_async() -> Iterator[Comparison]:
    pool = LevelPool(Level.INTROSPECT, size=GATHER_LIMIT)
    try:
        with raw_loop_thread() as loop:
            yield Comparison(
                "LevelPool.submit(async fn)+result",
                submit_all_timer(lambda: pool.submit(anoop)),
                [
                    Baseline(
                        "run_coroutine_threadsafe+result",
                        submit_all_timer(lambda: asyncio.run_coroutine_threadsafe(anoop(), loop)),
                    )
                ],
                min_ops=1000,
            )
    finally:
        pool.shutdown()


async def _time_gather_with_concurrency(n: int) -> float:
    coros = [anoop() for _ in range(n)]
    start = time.perf_counter()
    await gather_with_concurrency(coros, GATHER_LIMIT)
    return time.perf_counter() - start


async def _time_gather_with_semaphore(n: int) -> float:
    semaphore = asyncio.Semaphore(GATHER_LIMIT)

    async def bounded(coro: Coroutine[Any, Any, T]) -> T:
        async with semaphore:
            return await coro

    coros = [anoop() for _ in range(n)]
    start = time.perf_counter()
    await asyncio.gather(*(bounded(c) for c in coros))
    return time.perf_counter() - start


@contextmanager
def gather() -> Iterator[Comparison]:
    with asyncio.Runner() as runner:

        def bounded(n: int) -> float:
            with gc_paused():
                return runner.run(_time_gather_with_concurrency(n))

        def raw(n: int) -> float:
            with gc_paused():
                return runner.run(_time_gather_with_semaphore(n))

        yield Comparison(
            f"gather_with_concurrency(.., {GATHER_LIMIT}) /coro",
            bounded,
            [Baseline(f"gather + Semaphore({GATHER_LIMIT}) /coro", raw)],
            min_ops=1000,
        )


@contextmanager
def run_sync_case() -> Iterator[Comparison]:
    yield Comparison(
        "run_sync(coro)",
        loop_timer(lambda: run_sync(anoop())),
        [Baseline("asyncio.run(coro)", loop_timer(lambda: asyncio.run(anoop())))],
    )


class _Flag:
    def __init__(self) -> None:
        self.throttle = False


@contextmanager
def monitor_should_throttle() -> Iterator[Comparison]:
    monitor = ResourceMonitor()
    monitor.sample()
    state = _Flag()

    def attribute_read() -> bool:
        return state.throttle

    yield Comparison(
        "ResourceMonitor.should_throttle()",
        loop_timer(monitor.should_throttle),
        [Baseline("attribute read", loop_timer(attribute_read), floor=True)],
    )


Case = Callable[[], AbstractContextManager[Comparison]]

CASES: list[Case] = [
    stats_incr,
    ttl_cache_get,
    ttl_cache_set,
    ordered_locks,
    resource_allocator,
    rate_limiter_try_acquire,
    breaker_call,
    backpressure,
    worker_pool,
    connection_pool,
    level_pool_async,
    gather,
    run_sync_case,
    monitor_should_throttle,
]


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
