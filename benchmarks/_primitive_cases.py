"""Section 1 of benchmarks/primitives.py: each primitive against the raw code it replaces.

Each case is a context manager yielding a ``Comparison``: the primitive's timer and the
baselines measured beside it (see benchmarks/README.md for the table).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from _timing import (
    Timer,
    cycling_timer,
    gc_paused,
    loop_timer,
    submit_all_timer,
)

from hawkeye_core.concurrency.aio import gather_with_concurrency, run_sync
from hawkeye_core.concurrency.batch import Backpressure
from hawkeye_core.concurrency.breaker import BreakerState, CircuitBreaker
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
