"""Tests for hawkeye_core.concurrency.connpool: ConnectionPool and AsyncConnectionPool."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import threading
from collections import Counter
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any

import pytest

from hawkeye_core.concurrency.connpool import AsyncConnectionPool, ConnectionPool, PoolStats
from hawkeye_core.concurrency.workers import WorkerPool

pytestmark = pytest.mark.timeout(60)


class Boom(Exception):
    pass


def fail(message: str) -> None:
    raise Boom(message)


def test_pool_runs_tasks_on_named_threads_and_counts_outcomes() -> None:
    with ConnectionPool(4, name="HawkEye-Scanner") as pool:
        names = pool.submit_many(lambda _: threading.current_thread().name, range(8))
        bad = pool.submit(fail, "x")
        assert all(f.result(10).startswith("HawkEye-Scanner") for f in names)
        with pytest.raises(Boom):
            bad.result(10)
    assert pool.stats() == PoolStats(total=9, active=0, completed=8, failed=1)


def test_pool_tracks_active_tasks_by_id_and_refuses_a_duplicate_id() -> None:
    release = threading.Event()
    with ConnectionPool(2) as pool:
        future = pool.submit(release.wait, 10, task_id="scan:127.0.0.1:8080")
        assert pool.active_tasks() == {"scan:127.0.0.1:8080": future}
        assert pool.stats() == PoolStats(total=1, active=1, completed=0, failed=0)
        with pytest.raises(ValueError, match="already active"):
            pool.submit(release.wait, 10, task_id="scan:127.0.0.1:8080")
        release.set()
        future.result(10)
        again = pool.submit(lambda: "reused id", task_id="scan:127.0.0.1:8080")
        assert again.result(10) == "reused id"
    assert pool.active_tasks() == {}
    assert pool.stats() == PoolStats(total=2, active=0, completed=2, failed=0)


def test_pool_stats_stay_consistent_under_concurrent_submitters() -> None:
    threads, per_thread = 16, 150
    snapshots: list[PoolStats] = []
    stop_watching = threading.Event()
    start = threading.Barrier(threads + 1)

    def task(n: int) -> int:
        if n % 7 == 0:
            raise Boom(n)
        return n

    def watcher(pool: ConnectionPool) -> None:
        while not stop_watching.is_set():
            snapshots.append(pool.stats())

    def submitter(pool: ConnectionPool, offset: int) -> None:
        rng = random.Random(offset)
        start.wait()
        for n in range(offset, offset + per_thread):
            pool.submit(task, n, task_id=f"t{n}")
            if rng.random() < 0.05:
                snapshots.append(pool.stats())

    with ConnectionPool(8) as pool:
        watch = threading.Thread(target=watcher, args=(pool,))
        watch.start()
        workers = [
            threading.Thread(target=submitter, args=(pool, i * per_thread)) for i in range(threads)
        ]
        for w in workers:
            w.start()
        start.wait()
        for w in workers:
            w.join()
    stop_watching.set()
    watch.join()

    total = threads * per_thread
    failed = sum(1 for n in range(total) if n % 7 == 0)
    assert pool.stats() == PoolStats(total=total, active=0, completed=total - failed, failed=failed)
    assert len(snapshots) > threads
    for snap in snapshots:
        assert snap.total == snap.active + snap.completed + snap.failed
    assert any(s.active > 0 for s in snapshots)


def test_collect_yields_results_as_they_complete() -> None:
    slow_may_finish = threading.Event()
    with ConnectionPool(2) as pool:
        slow = pool.submit(lambda: slow_may_finish.wait(10) and "slow")
        fast = pool.submit(lambda: "fast")
        results = pool.collect([slow, fast])
        assert next(results) == "fast"
        slow_may_finish.set()
        assert list(results) == ["slow"]


def test_collect_skips_and_logs_failures_by_default(caplog: pytest.LogCaptureFixture) -> None:
    progress: list[tuple[int, int]] = []
    with ConnectionPool(2) as pool:
        futures = [pool.submit(lambda: 1), pool.submit(fail, "bad"), pool.submit(lambda: 2)]
        with caplog.at_level(logging.WARNING):
            got = sorted(pool.collect(futures, progress=lambda d, t: progress.append((d, t))))
    assert got == [1, 2]
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert any("bad" in r.getMessage() for r in caplog.records)


def test_collect_can_raise_or_return_failures() -> None:
    with ConnectionPool(2) as pool:
        bad = pool.submit(fail, "bad")
        bad.exception(10)
        with pytest.raises(Boom, match="bad"):
            list(pool.collect([bad], errors="raise"))
        returned = list(pool.collect([bad, pool.submit(lambda: 3)], errors="return"))
        assert len(returned) == 2
        assert 3 in returned
        assert any(isinstance(r, Boom) for r in returned)
        with pytest.raises(ValueError, match="errors"):
            pool.collect([bad], errors="ignore")  # type: ignore[call-overload]


def test_collect_timeout_says_how_many_tasks_are_still_pending() -> None:
    release = threading.Event()
    with ConnectionPool(4) as pool:
        futures = [pool.submit(release.wait, 30) for _ in range(2)] + [pool.submit(lambda: 1)]
        results = pool.collect(futures, timeout=0.05)
        with pytest.raises(TimeoutError, match="2 of 3 tasks still pending"):
            list(results)
        release.set()


def test_collect_does_not_mistake_a_task_timeout_for_its_own() -> None:
    def times_out() -> None:
        raise TimeoutError("connect timed out")

    with ConnectionPool(2) as pool, pytest.raises(TimeoutError, match="connect timed out"):
        list(pool.collect([pool.submit(times_out)], timeout=30, errors="raise"))


def test_submit_after_shutdown_raises_a_clear_error() -> None:
    pool = ConnectionPool(2, name="HawkEye-Batch")
    pool.shutdown()
    with pytest.raises(RuntimeError, match="HawkEye-Batch: pool is shut down"):
        pool.submit(print)


def test_leaving_the_block_on_error_cancels_queued_tasks_and_counts_them_failed() -> None:
    release = threading.Event()
    started = threading.Event()

    def blocker() -> str:
        started.set()
        release.wait(30)
        return "ran"

    with pytest.raises(Boom), ConnectionPool(1) as pool:
        running = pool.submit(blocker)
        queued = [pool.submit(lambda: "never") for _ in range(3)]
        queued[-1].add_done_callback(lambda _: release.set())  # fires when cancelled
        assert started.wait(10)
        raise Boom("body failed")
    assert running.result() == "ran"
    assert all(f.cancelled() for f in queued)
    assert pool.stats() == PoolStats(total=4, active=0, completed=1, failed=3)


@pytest.mark.parametrize("make_executor", [lambda: WorkerPool(2), lambda: ThreadPoolExecutor(2)])
def test_pool_uses_a_given_executor_without_shutting_it_down(make_executor: Any) -> None:
    executor = make_executor()
    with ConnectionPool(executor=executor) as pool:
        assert pool.submit(lambda: 5).result(10) == 5
    assert executor.submit(lambda: 6).result(10) == 6
    executor.shutdown()


class Conn:
    ids = itertools.count()

    def __init__(self, key: str) -> None:
        self.key = key
        self.id = next(Conn.ids)
        self.closed = False


class Harness:
    """A factory and close function that track open connections and concurrent users."""

    def __init__(self) -> None:
        self.open = 0
        self.peak_open = 0
        self.users: Counter[str] = Counter()
        self.peak_users: Counter[str] = Counter()
        self.peak_total_users = 0
        self.fail_next_creates = 0

    async def factory(self, key: str) -> Conn:
        await asyncio.sleep(0)
        if self.fail_next_creates:
            self.fail_next_creates -= 1
            raise ConnectionRefusedError(key)
        self.open += 1
        self.peak_open = max(self.peak_open, self.open)
        return Conn(key)

    async def close(self, conn: Conn) -> None:
        assert not conn.closed, "closed twice"
        conn.closed = True
        self.open -= 1

    async def use(self, pool: AsyncConnectionPool[str, Conn], key: str, steps: int = 3) -> int:
        async with pool.connection(key) as conn:
            assert conn.key == key and not conn.closed
            self.users[key] += 1
            self.peak_users[key] = max(self.peak_users[key], self.users[key])
            self.peak_total_users = max(self.peak_total_users, sum(self.users.values()))
            for _ in range(steps):
                await asyncio.sleep(0)
            self.users[key] -= 1
            return conn.id


def make_pool(h: Harness, **kwargs: Any) -> AsyncConnectionPool[str, Conn]:
    return AsyncConnectionPool(h.factory, close=h.close, **kwargs)


def test_async_pool_reuses_a_connection_per_key() -> None:
    h = Harness()

    async def main() -> None:
        pool = make_pool(h)
        first = await h.use(pool, "a")
        assert await h.use(pool, "a") == first
        assert await h.use(pool, "b") != first
        stats = pool.stats()
        assert (stats.created, stats.reused, stats.in_use, stats.idle) == (2, 1, 0, 2)

    asyncio.run(main())


def test_async_pool_lends_the_most_recently_returned_connection() -> None:
    async def main() -> None:
        pool = make_pool(Harness())
        async with pool.connection("a") as c1, pool.connection("a") as c2:
            assert c1 is not c2
        async with pool.connection("a") as again:
            assert again is c1  # returned last, so lent first

    asyncio.run(main())


def test_async_pool_respects_max_per_key_and_max_total_under_many_users() -> None:
    h = Harness()

    async def main() -> None:
        pool = make_pool(h, max_per_key=3, max_total=5)
        keys = [f"server{i % 4}" for i in range(200)]
        await asyncio.gather(*(h.use(pool, k, steps=1 + i % 4) for i, k in enumerate(keys)))
        assert max(h.peak_users.values()) == 3
        assert h.peak_total_users == 5
        assert h.peak_open <= 5
        stats = pool.stats()
        assert stats.in_use == 0
        assert stats.created - stats.closed == h.open
        await pool.aclose()
        assert h.open == 0

    asyncio.run(main())


def test_async_pool_discards_a_connection_whose_user_raised() -> None:
    h = Harness()

    async def main() -> None:
        pool = make_pool(h)
        with pytest.raises(Boom):
            async with pool.connection("a") as broken:
                raise Boom("protocol error")
        assert broken.closed
        async with pool.connection("a") as fresh:
            assert fresh is not broken
        assert (pool.stats().created, pool.stats().closed) == (2, 1)

    asyncio.run(main())


def test_async_pool_closes_connections_idle_past_the_timeout() -> None:
    now = [0.0]
    h = Harness()

    async def main() -> None:
        pool = make_pool(h, idle_timeout=60.0, clock=lambda: now[0])
        async with pool.connection("a") as old:
            pass
        now[0] = 30.0
        async with pool.connection("a") as same:
            assert same is old
        now[0] = 91.0
        async with pool.connection("a") as new:
            assert new is not old
        assert old.closed and not new.closed
        async with pool.connection("b"):
            pass
        now[0] = 200.0
        assert await pool.prune() == 2
        assert h.open == 0

    asyncio.run(main())


def test_async_pool_makes_room_by_closing_the_oldest_idle_connection() -> None:
    now = [0.0]
    h = Harness()

    async def main() -> None:
        pool = make_pool(h, max_total=2, clock=lambda: now[0])
        async with pool.connection("a") as a:
            pass
        now[0] = 1.0
        async with pool.connection("b") as b:
            pass
        async with pool.connection("c"):
            assert a.closed and not b.closed
        assert h.peak_open == 2

    asyncio.run(main())


def test_async_pool_aclose_closes_idle_now_and_lent_ones_on_return() -> None:
    h = Harness()

    async def main() -> None:
        pool = make_pool(h)
        await h.use(pool, "a")
        async with pool.connection("b") as lent:
            await pool.aclose()
            assert h.open == 1 and not lent.closed
        assert lent.closed and h.open == 0
        with pytest.raises(RuntimeError, match="closed"):
            async with pool.connection("a"):
                pass

    asyncio.run(main())


def test_async_pool_factory_failure_does_not_leak_a_slot() -> None:
    h = Harness()
    h.fail_next_creates = 3

    async def main() -> None:
        pool = make_pool(h, max_per_key=1, max_total=1)
        for _ in range(3):
            with pytest.raises(ConnectionRefusedError):
                await h.use(pool, "a")
        async with asyncio.timeout(10):  # a leaked slot would hang here
            await h.use(pool, "a")
        assert pool.stats().created == 1

    asyncio.run(main())


def test_async_pool_logs_a_failing_close(caplog: pytest.LogCaptureFixture) -> None:
    async def bad_close(conn: Conn) -> None:
        raise OSError("reset by peer")

    async def factory(key: str) -> Conn:
        return Conn(key)

    async def main() -> None:
        pool = AsyncConnectionPool(factory, close=bad_close)
        with pytest.raises(Boom):
            async with pool.connection("a"):
                raise Boom("original error survives")
        assert pool.stats().closed == 1

    with caplog.at_level(logging.WARNING):
        asyncio.run(main())
    assert any("closing connection" in r.getMessage() for r in caplog.records)


def test_pool_counts_a_cancelled_task_as_failed() -> None:
    release = threading.Event()
    with ConnectionPool(1) as pool:
        pool.submit(release.wait, 30)
        queued: Future[None] = pool.submit(print)
        assert queued.cancel()
        release.set()
    assert pool.stats() == PoolStats(total=2, active=0, completed=1, failed=1)
    assert isinstance(next(pool.collect([queued], errors="return")), CancelledError)


def test_async_pool_forgets_servers_with_no_borrowers_and_no_idle_connections() -> None:
    now = [0.0]
    h = Harness()

    async def main() -> None:
        pool = make_pool(h, max_total=200, idle_timeout=10.0, clock=lambda: now[0])
        await asyncio.gather(*(h.use(pool, f"host{i}") for i in range(100)))
        with pytest.raises(Boom):
            async with pool.connection("broken-host"):
                raise Boom
        assert pool.stats().idle == 100
        now[0] = 11.0
        assert await pool.prune() == 100
        # Per-server state would otherwise grow with every host a sweep touches.
        assert pool._keys == {}
        assert await h.use(pool, "host1") >= 0

    asyncio.run(main())
