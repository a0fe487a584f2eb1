"""Tests for hawkeye_core.concurrency.batch: Backpressure and BatchProcessor."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hawkeye_core.concurrency.batch import Backpressure, BatchProcessor, BatchResult
from hawkeye_core.concurrency.workers import WorkerPool

pytestmark = pytest.mark.timeout(60)

T = TypeVar("T")


class Boom(Exception):
    pass


class Occupancy:
    """Counts holders inside a section, across threads, and the most seen at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


def hammer(bp: Backpressure, threads: int, rounds: int, holds: list[int]) -> Occupancy:
    inside = Occupancy()

    def worker(seed: int) -> None:
        for i in range(rounds):
            hold = holds[(seed + i) % len(holds)]
            if hold == 2 and not bp.acquire(timeout=0.001):
                continue
            if hold != 2:
                bp.acquire()
            inside.enter()
            if hold:
                time.sleep(0)
            inside.leave()
            bp.release()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert not any(t.is_alive() for t in pool)
    return inside


def test_backpressure_refuses_beyond_the_threshold_until_a_release() -> None:
    bp = Backpressure(2)
    assert bp.acquire() and bp.acquire(timeout=0)
    assert not bp.acquire(timeout=0)
    assert not bp.acquire(timeout=0.01)
    assert (bp.in_flight, bp.peak) == (2, 2)
    bp.release()
    assert bp.acquire(timeout=0)
    with pytest.raises(ValueError, match="threshold"):
        Backpressure(0)


def test_backpressure_release_without_acquire_is_an_error() -> None:
    bp = Backpressure(1)
    with bp:
        assert bp.in_flight == 1
    with pytest.raises(RuntimeError, match="more often than acquired"):
        bp.release()


def test_lowering_the_threshold_makes_new_acquires_wait_until_below_it() -> None:
    bp = Backpressure(4)
    for _ in range(3):
        bp.acquire()
    bp.threshold = 2
    assert not bp.acquire(timeout=0)
    bp.release()
    assert not bp.acquire(timeout=0)  # 2 in flight, threshold 2
    bp.release()
    assert bp.acquire(timeout=0)
    assert bp.in_flight == 2


def test_raising_the_threshold_wakes_a_waiting_acquire() -> None:
    bp = Backpressure(1)
    bp.acquire()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(bp.acquire(timeout=30)))
    waiter.start()
    bp.threshold = 2
    waiter.join(30)
    assert got == [True]
    assert bp.in_flight == 2


def test_backpressure_reaches_its_threshold_with_concurrent_holders() -> None:
    bp = Backpressure(4)
    all_in = threading.Barrier(4, timeout=30)

    def hold() -> None:
        with bp:
            all_in.wait()

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert bp.peak == 4 and bp.in_flight == 0


def test_backpressure_hammered_by_32_threads_never_exceeds_the_threshold() -> None:
    bp = Backpressure(5)
    inside = hammer(bp, threads=32, rounds=300, holds=[0, 1, 1, 2])
    assert inside.peak <= 5
    assert bp.peak <= 5
    assert bp.in_flight == 0 and inside.now == 0


@settings(max_examples=25, deadline=None)
@given(
    threshold=st.integers(1, 6),
    threads=st.integers(2, 12),
    holds=st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=6),
    lowered=st.none() | st.integers(1, 6),
)
def test_backpressure_property_peak_never_exceeds_threshold(
    threshold: int, threads: int, holds: list[int], lowered: int | None
) -> None:
    bp = Backpressure(threshold)
    inside = hammer(bp, threads=threads, rounds=40, holds=holds)
    assert inside.peak <= threshold and bp.peak <= threshold
    assert bp.in_flight == 0
    if lowered is not None:
        bp.threshold = lowered
        again = hammer(bp, threads=threads, rounds=20, holds=holds)
        assert again.peak <= lowered


def test_acquire_async_waits_without_blocking_the_loop_for_a_release_from_a_thread() -> None:
    bp = Backpressure(1)
    bp.acquire()
    loop_ran = threading.Event()

    def release_once_the_loop_has_run() -> None:
        assert loop_ran.wait(30)
        bp.release()

    async def ticker() -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        loop_ran.set()

    async def main() -> bool:
        releaser = threading.Thread(target=release_once_the_loop_has_run)
        releaser.start()
        try:
            got, _ = await asyncio.gather(bp.acquire_async(timeout=30), ticker())
        finally:
            await asyncio.to_thread(releaser.join, 30)
        return got

    assert asyncio.run(main())
    assert bp.in_flight == 1


def test_acquire_async_times_out_with_false() -> None:
    bp = Backpressure(1)
    bp.acquire()
    assert asyncio.run(bp.acquire_async(timeout=0.01)) is False
    assert bp.in_flight == 1


def test_threads_and_coroutines_together_never_exceed_the_threshold() -> None:
    bp = Backpressure(3)
    inside = Occupancy()

    async def coroutine_user() -> None:
        for _ in range(20):
            assert await bp.acquire_async(timeout=30)
            inside.enter()
            await asyncio.sleep(0)
            inside.leave()
            bp.release()

    async def main() -> None:
        await asyncio.gather(*(coroutine_user() for _ in range(20)))

    threads = [threading.Thread(target=hammer, args=(bp, 1, 100, [0, 1])) for _ in range(6)]
    for t in threads:
        t.start()
    asyncio.run(main())
    for t in threads:
        t.join(30)
    assert inside.peak <= 3 and bp.peak <= 3
    assert bp.in_flight == 0


class InlineExecutor:
    """Runs each call during submit: the executor always keeps up."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        future.set_running_or_notify_cancel()
        self.sizes.append(len(args[1]))
        future.set_result(fn(*args, **kwargs))
        return future


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_results_are_yielded_as_batches_complete_so_a_slow_first_batch_blocks_nothing() -> None:
    first_may_finish = threading.Event()

    def fn(batch: list[int]) -> int:
        if batch[0] == 0:
            assert first_may_finish.wait(30)
        return sum(batch)

    with WorkerPool(4, name="HawkEye-Batch") as pool:
        processor: BatchProcessor[int, int] = BatchProcessor(
            pool, batch_size=10, max_batch_size=10, max_in_flight=4
        )
        results = processor.process(range(40), fn)
        early = [next(results) for _ in range(3)]
        assert sorted(r.batch_id for r in early) == [1, 2, 3]
        first_may_finish.set()
        late = list(results)
    assert [r.batch_id for r in late] == [0]
    assert late[0].result == sum(range(10)) and late[0].items == tuple(range(10))


def test_a_failing_batch_becomes_an_error_result_and_loses_no_other_batch() -> None:
    def fn(batch: list[int]) -> list[int]:
        if 13 in batch:
            raise Boom("bad batch")
        return [x * 2 for x in batch]

    with WorkerPool(3) as pool:
        processor: BatchProcessor[int, list[int]] = BatchProcessor(
            pool, batch_size=5, max_batch_size=5
        )
        results = list(processor.process(range(50), fn))
    failed = [r for r in results if not r.ok]
    assert len(results) == 10 and len(failed) == 1
    assert isinstance(failed[0].error, Boom) and failed[0].items == (10, 11, 12, 13, 14)
    doubled = sorted(x for r in results if r.ok for x in r.result or [])
    assert doubled == sorted(x * 2 for x in range(50) if not 10 <= x < 15)
    stats = processor.stats()
    assert (stats.submitted, stats.succeeded, stats.failed, stats.items) == (10, 9, 1, 50)


def test_batches_in_flight_never_exceed_max_in_flight_and_reach_it() -> None:
    running = Occupancy()
    first_wave = threading.Barrier(3, timeout=30)

    def fn(batch: list[int]) -> int:
        running.enter()
        try:
            if batch[0] < 3:  # the first three batches must all be in flight together
                first_wave.wait()
            time.sleep(0)
            return len(batch)
        finally:
            running.leave()

    with WorkerPool(8) as pool:
        processor: BatchProcessor[int, int] = BatchProcessor(
            pool, batch_size=1, max_batch_size=1, max_in_flight=3
        )
        results = list(processor.process(range(60), fn))
    assert all(r.ok for r in results) and len(results) == 60
    assert running.peak == 3
    assert processor.stats().peak_in_flight == 3
    assert processor.in_flight == 0


def test_items_are_pulled_lazily_as_batches_are_consumed() -> None:
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for i in range(200):
            pulled += 1
            yield i

    with WorkerPool(4) as pool:
        processor: BatchProcessor[int, int] = BatchProcessor(
            pool, batch_size=5, max_batch_size=5, max_in_flight=2
        )
        for yielded, _ in enumerate(processor.process(items(), len), start=1):
            assert pulled <= (yielded + 2 * 2) * 5
    assert pulled == 200


def test_batch_size_halves_while_throttled_and_grows_back_when_the_executor_keeps_up() -> None:
    throttled = True
    fake = FakeTime()
    executor = InlineExecutor()
    processor: BatchProcessor[int, int] = BatchProcessor(
        executor,
        batch_size=16,
        min_batch_size=2,
        max_batch_size=64,
        should_throttle=lambda: throttled,
        throttle_wait=0.1,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    sizes = []
    for result in processor.process(range(400), len):
        sizes.append(len(result.items))
        if len(sizes) == 4:
            throttled = False
    assert sizes[:15] == [8, 4, 2, 2, 3, 4, 6, 9, 13, 19, 28, 42, 63, 64, 64]
    assert sum(sizes) == 400 and executor.sizes == sizes
    assert processor.batch_size == 64
    assert processor.stats().throttled == 4
    assert max(fake.sleeps) <= 0.02 + 1e-9
    assert sum(fake.sleeps) <= 4 * 0.1 + 1e-9


def test_throttle_wait_ends_as_soon_as_the_pressure_clears() -> None:
    answers = iter([True, True, False])  # throttled at submission, then clears on re-check
    fake = FakeTime()
    processor: BatchProcessor[int, int] = BatchProcessor(
        InlineExecutor(),
        batch_size=4,
        should_throttle=lambda: next(answers, False),
        throttle_wait=10.0,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    results = list(processor.process(range(2), len))
    assert [r.items for r in results] == [(0, 1)]
    assert len(fake.sleeps) == 2
    assert processor.batch_size == 2


def test_timeout_names_pending_batches_and_cancels_those_not_started() -> None:
    release = threading.Event()
    calls: list[int] = []

    def fn(batch: list[int]) -> int:
        calls.append(batch[0])
        assert release.wait(30)
        return 0

    with WorkerPool(1) as pool:
        processor: BatchProcessor[int, int] = BatchProcessor(
            pool, batch_size=1, max_batch_size=1, max_in_flight=3
        )
        with pytest.raises(TimeoutError, match="3 batches pending"):
            list(processor.process(range(10), fn, timeout=0.05))
        release.set()
        deadline = time.monotonic() + 30
        while processor.in_flight and time.monotonic() < deadline:
            time.sleep(0.001)
    assert calls == [0]
    assert processor.in_flight == 0
    stats = processor.stats()
    assert (stats.submitted, stats.succeeded, stats.failed) == (3, 1, 2)


def test_a_batch_abandoned_by_the_executor_is_reported_not_lost() -> None:
    class AbandoningExecutor(InlineExecutor):
        def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
            future: Future[T] = Future()
            future.set_exception(Boom("abandoned"))
            return future

    processor: BatchProcessor[int, int] = BatchProcessor(AbandoningExecutor(), batch_size=3)
    results = list(processor.process(range(3), len))
    assert len(results) == 1 and isinstance(results[0].error, Boom)
    assert results[0].items == (0, 1, 2)


def test_batch_result_ok_and_processor_argument_checks() -> None:
    ok = BatchResult(batch_id=0, items=(1,), result=1, error=None, duration=0.0)
    bad = BatchResult(batch_id=1, items=(2,), result=None, error=Boom(), duration=0.0)
    assert ok.ok and not bad.ok
    with pytest.raises(ValueError, match="min_batch_size"):
        BatchProcessor(InlineExecutor(), batch_size=5, min_batch_size=6)
    with pytest.raises(ValueError, match="throttle_wait"):
        BatchProcessor(InlineExecutor(), throttle_wait=-1)


def test_max_in_flight_can_be_lowered_while_processing() -> None:
    running = Occupancy()

    def fn(batch: list[int]) -> int:
        running.enter()
        try:
            time.sleep(0.001)  # long enough that several batches overlap before lowering
            return len(batch)
        finally:
            running.leave()

    with WorkerPool(6) as pool:
        processor: BatchProcessor[int, int] = BatchProcessor(
            pool, batch_size=2, max_batch_size=2, max_in_flight=6
        )
        total = 0
        for n, result in enumerate(processor.process(range(300), fn)):
            total += len(result.items)
            if n == 10:
                processor.max_in_flight = 1
                # Batches already running finish on their own; after them, one at a time.
                deadline = time.monotonic() + 30
                while processor.in_flight > 1 and time.monotonic() < deadline:
                    time.sleep(0.001)
                running.peak = 0
    assert total == 300
    assert running.peak == 1
