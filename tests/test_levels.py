"""Level pools and the worker pool behind them."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future

import pytest

from hawkeye_core import CallAbandoned, Level, LevelPool, LevelPools, WorkerPool
from hawkeye_core.levels import parse_level_size


def test_levels_parse_and_name_their_threads():
    assert Level.parse("l3") is Level.INTROSPECT
    assert Level.parse("analyse") is Level.ANALYSE
    assert Level.parse("2") is Level.BATCH
    assert parse_level_size("L1=400") == (Level.SCAN, 400)
    assert [lv.thread_prefix for lv in Level] == [
        "HawkEye-Scanner",
        "HawkEye-Batch",
        "HawkEye-MCP",
        "HawkEye-AI",
        "HawkEye-Monitor",
    ]
    with pytest.raises(ValueError, match="unknown level"):
        Level.parse("L0")


def _peak_of(pool: LevelPool, fn_factory, n: int, expected: int) -> int:
    active = 0
    peak = 0
    lock = threading.Lock()
    gate = threading.Event()

    def enter() -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)

    def leave() -> None:
        nonlocal active
        with lock:
            active -= 1

    futures = [pool.submit(fn_factory(enter, leave, gate)) for _ in range(n)]
    deadline = time.monotonic() + 10
    while peak < expected and time.monotonic() < deadline:  # let the level fill up
        time.sleep(0.005)
    time.sleep(0.05)  # a chance to go over the bound, if the bound is broken
    gate.set()
    for f in futures:
        f.result(timeout=10)
    return peak


def test_sync_work_is_bounded_by_the_level_size():
    def factory(enter, leave, gate):
        def work():
            enter()
            gate.wait(10)
            leave()

        return work

    with LevelPool(Level.INTROSPECT, 3) as pool:
        assert _peak_of(pool, factory, 12, 3) == 3


def test_async_work_is_bounded_by_the_level_semaphore():
    def factory(enter, leave, gate):
        async def work():
            enter()
            while not gate.is_set():
                await asyncio.sleep(0.005)
            leave()

        return work

    with LevelPool(Level.SCAN, 4) as pool:
        assert _peak_of(pool, factory, 20, 4) == 4


def test_both_kinds_of_callable_give_a_concurrent_future_and_named_threads():
    async def where_async():
        return threading.current_thread().name

    with LevelPool(Level.ANALYSE) as pool:
        sync_future = pool.submit(lambda: threading.current_thread().name)
        async_future = pool.submit(where_async)
        assert isinstance(sync_future, Future) and isinstance(async_future, Future)
        assert sync_future.result(5).startswith("HawkEye-AI_")
        assert async_future.result(5) == "HawkEye-AI-loop"


def test_abandoning_a_hung_sync_call_keeps_the_level_at_full_strength():
    release = threading.Event()
    started = threading.Semaphore(0)

    def hang() -> None:
        started.release()
        release.wait(30)

    with WorkerPool(2, name="HawkEye-Batch") as pool:
        hung = [pool.submit(hang) for _ in range(2)]
        assert started.acquire(timeout=10) and started.acquire(timeout=10)
        assert all(pool.abandon(f) for f in hung)
        for f in hung:
            with pytest.raises(CallAbandoned):
                f.result(0)
        # both original workers are stuck, yet two new calls run at once
        barrier = threading.Barrier(2, timeout=5)
        done = [pool.submit(barrier.wait) for _ in range(2)]
        assert sorted(f.result(10) for f in done) == [0, 1]
        assert pool.abandoned == 2
        release.set()
        deadline = time.monotonic() + 5
        while pool.abandoned and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool.abandoned == 0  # the stuck threads retired when their calls returned


def test_abandoning_a_hung_async_call_cancels_it():
    cancelled = threading.Event()
    started = threading.Event()

    async def hang():
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with LevelPool(Level.INTROSPECT, 1) as pool:
        future = pool.submit(hang)
        assert started.wait(10)
        assert pool.abandon(future)
        assert cancelled.wait(5)
        with pytest.raises(CallAbandoned):
            future.result(0)
        assert pool.submit(lambda: 42).result(5) == 42


def test_workers_are_daemons_so_a_hung_call_cannot_block_exit():
    with WorkerPool(1) as pool:
        assert pool.submit(lambda: threading.current_thread().daemon).result(5)


def test_submit_after_shutdown_is_a_clear_error():
    pool = WorkerPool(1, name="HawkEye-Scanner")
    pool.shutdown()
    with pytest.raises(RuntimeError, match="HawkEye-Scanner: cannot submit after shutdown"):
        pool.submit(print)


def test_level_pools_use_configured_sizes_and_refuse_the_monitor_level():
    pools = LevelPools(sizes={Level.SCAN: 400})
    try:
        assert pools.get(Level.SCAN).size == 400
        assert pools.get(Level.BATCH).size == 10
        with pytest.raises(ValueError, match="resource monitor"):
            pools.get(Level.MONITOR)
    finally:
        pools.shutdown()


def test_many_threads_submitting_at_once_lose_nothing():
    results: list[int] = []
    lock = threading.Lock()
    with WorkerPool(8) as pool:

        def submitter(base: int) -> None:
            futures = [pool.submit(lambda i=i: i) for i in range(base, base + 500)]
            values = [f.result(10) for f in futures]
            with lock:
                results.extend(values)

        threads = [threading.Thread(target=submitter, args=(k * 500,)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert pool.threads <= 8
    assert sorted(results) == list(range(8000))
