"""Tests for hawkeye_core.concurrency.locks."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hawkeye_core.concurrency import locks as locks_module
from hawkeye_core.concurrency.locks import (
    Allocation,
    LockOrderError,
    LockTimeoutError,
    OrderedLocks,
    ResourceAllocator,
    ResourceTimeoutError,
)
from tests.primitives.support import frequent_thread_switches

JOIN_TIMEOUT = 60


def held_elsewhere(lock: threading.RLock) -> bool:
    """Whether another thread holds ``lock`` (tested from a fresh thread)."""
    result: list[bool] = []

    def probe() -> None:
        got = lock.acquire(blocking=False)
        if got:
            lock.release()
        result.append(not got)

    t = threading.Thread(target=probe)
    t.start()
    t.join(timeout=10)
    return result[0]


def start_holder(lock: threading.RLock) -> tuple[threading.Thread, threading.Event]:
    """Hold ``lock`` on another thread until the returned event is set."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    assert taken.wait(10)
    return t, release


class RecordingLock:
    """Wraps an RLock; records acquire timeouts and release order."""

    def __init__(self, name: str, log: list[tuple[str, str, float | None]]) -> None:
        self.name, self.log, self.inner = name, log, threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.log.append(("acquire", self.name, timeout))
        return self.inner.acquire(blocking, timeout)

    def release(self) -> None:
        self.log.append(("release", self.name, None))
        self.inner.release()


def recording_locks(names: str) -> tuple[OrderedLocks, list[tuple[str, str, float | None]]]:
    log: list[tuple[str, str, float | None]] = []
    locks = OrderedLocks()
    for name in names:
        locks._locks[name] = RecordingLock(name, log)  # type: ignore[assignment]
    return locks, log


def test_acquire_takes_locks_in_sorted_order_and_releases_in_reverse():
    locks, log = recording_locks("abc")
    with locks.acquire("c", "a", "b", "a"):
        assert [(op, n) for op, n, _ in log] == [
            ("acquire", "a"),
            ("acquire", "b"),
            ("acquire", "c"),
        ]
        assert locks.held() == ["a", "b", "c"]
    assert [(op, n) for op, n, _ in log[3:]] == [
        ("release", "c"),
        ("release", "b"),
        ("release", "a"),
    ]
    assert locks.held() == []


def test_acquired_locks_are_held_inside_the_block_only():
    locks = OrderedLocks()
    with locks.acquire("x", "y"):
        assert held_elsewhere(locks.lock("x")) and held_elsewhere(locks.lock("y"))
    assert not held_elsewhere(locks.lock("x")) and not held_elsewhere(locks.lock("y"))


def test_lock_is_released_when_the_block_raises():
    locks = OrderedLocks()
    with pytest.raises(KeyError), locks.acquire("a"):
        raise KeyError("boom")
    assert not held_elsewhere(locks.lock("a"))


def test_timeout_names_the_busy_lock_and_releases_the_ones_taken():
    locks = OrderedLocks()
    holder, release = start_holder(locks.lock("b"))
    try:
        with pytest.raises(LockTimeoutError) as info, locks.acquire("a", "b", timeout=0.05):
            pytest.fail("must not enter the block")
        assert info.value.name == "b"
        assert info.value.timeout == 0.05
        assert "0.05 s" in str(info.value) and "'b'" in str(info.value)
        assert isinstance(info.value, TimeoutError)
        assert not held_elsewhere(locks.lock("a"))  # rolled back
        assert locks.held() == []
    finally:
        release.set()
        holder.join(JOIN_TIMEOUT)


class SteppingTime:
    """Stands in for the ``time`` module: each lock wait costs ``step`` seconds."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def monotonic(self) -> float:
        return self.now


def test_one_timeout_budget_is_shared_by_all_the_locks(monkeypatch):
    fake_time = SteppingTime(0.6)
    monkeypatch.setattr(locks_module, "time", fake_time)
    log: list[tuple[str, str, float | None]] = []

    class SlowLock(RecordingLock):
        def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
            self.log.append(("acquire", self.name, timeout))
            fake_time.now += min(timeout, fake_time.step)
            return timeout >= fake_time.step  # succeeds only if it may wait a full step

        def release(self) -> None:
            self.log.append(("release", self.name, None))

    locks = OrderedLocks()
    for name in "abc":
        locks._locks[name] = SlowLock(name, log)  # type: ignore[assignment]
    # Each lock alone fits in 1.0 s; together they do not.
    with pytest.raises(LockTimeoutError) as info, locks.acquire("a", "b", "c", timeout=1.0):
        pass
    assert info.value.name == "b"
    timeouts = [t for op, _, t in log if op == "acquire"]
    assert timeouts == [pytest.approx(1.0), pytest.approx(0.4)]
    assert ("release", "a", None) in log


def test_zero_timeout_tries_once_and_negative_is_rejected():
    locks = OrderedLocks()
    with locks.acquire("a", timeout=0):
        pass
    with pytest.raises(ValueError):
        locks.acquire("a", timeout=-1)


def test_nested_acquisition_must_follow_the_order():
    locks = OrderedLocks()
    with locks.acquire("b"):
        with locks.acquire("b", "c"):  # re-entering b and adding a later name is fine
            assert locks.held() == ["b", "c"]
        assert locks.held() == ["b"]
        with pytest.raises(LockOrderError, match=r"'a'.*'b'"), locks.acquire("a", "c"):
            pass
        assert locks.held() == ["b"]
        assert not held_elsewhere(locks.lock("a")) and not held_elsewhere(locks.lock("c"))
    assert locks.held() == []


def test_opposite_orders_do_not_deadlock():
    locks = OrderedLocks()
    errors: list[BaseException] = []

    def worker(names: tuple[str, str]) -> None:
        try:
            for _ in range(2_000):
                with locks.acquire(*names, timeout=20):
                    pass
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(pair,)) for pair in [("a", "b"), ("b", "a")] * 8
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert not errors


@settings(deadline=None, max_examples=25)
@given(
    plans=st.lists(
        st.lists(
            st.sets(st.sampled_from("abcdefg"), min_size=1, max_size=5), min_size=1, max_size=6
        ),
        min_size=2,
        max_size=6,
    )
)
def test_random_concurrent_multi_lock_acquisitions_never_deadlock(plans):
    locks = OrderedLocks()
    owners: dict[str, int] = {}
    guard = threading.Lock()
    errors: list[BaseException] = []

    def worker(ident: int, plan: list[set[str]]) -> None:
        try:
            for _ in range(30):
                for names in plan:
                    with locks.acquire(*names, timeout=20):
                        with guard:
                            clash = [n for n in names if n in owners]
                            owners.update(dict.fromkeys(names, ident))
                        assert not clash, f"{clash} held by two threads at once"
                        time.sleep(0)
                        with guard:
                            for n in names:
                                del owners[n]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, plan)) for i, plan in enumerate(plans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "deadlock: threads did not finish"
    assert not errors, errors[0]


def test_allocator_grants_and_releases_amounts():
    pool = ResourceAllocator({"sockets": 10, "procs": 2})
    assert pool.capacities == {"sockets": 10, "procs": 2}
    with pool.allocate({"sockets": 3, "procs": 1}) as grant:
        assert isinstance(grant, Allocation)
        assert grant.amounts == {"sockets": 3, "procs": 1}
        assert pool.available() == {"sockets": 7, "procs": 1}
    assert grant.released
    assert pool.available() == {"sockets": 10, "procs": 2}


def test_allocation_release_is_idempotent():
    pool = ResourceAllocator({"x": 3})
    grant = pool.allocate({"x": 2})
    grant.release()
    grant.release()
    with grant:
        pass
    assert pool.available() == {"x": 3}


def test_allocator_rejects_requests_it_could_never_grant():
    pool = ResourceAllocator({"x": 3})
    with pytest.raises(ValueError, match="unknown resource 'y'"):
        pool.allocate({"y": 1})
    with pytest.raises(ValueError, match="exceeds its capacity 3"):
        pool.allocate({"x": 4})
    with pytest.raises(ValueError, match="negative"):
        pool.allocate({"x": -1})
    with pytest.raises(ValueError):
        ResourceAllocator({"x": -1})
    assert pool.available() == {"x": 3}


def test_allocator_timeout_names_the_short_resource():
    pool = ResourceAllocator({"sockets": 2, "procs": 1}, name="introspection")
    with pool.allocate({"sockets": 2}), pytest.raises(ResourceTimeoutError) as info:
        pool.allocate({"sockets": 1, "procs": 1}, timeout=0)
    err = info.value
    assert isinstance(err, LockTimeoutError)
    assert "'introspection'" in str(err) and "sockets (wanted 1, 0 free)" in str(err)
    assert "procs" not in str(err)
    assert pool.available() == {"sockets": 2, "procs": 1}  # nothing kept from the failed try


def test_waiting_request_holds_nothing_and_is_granted_on_release():
    pool = ResourceAllocator({"x": 2, "y": 1})
    first = pool.allocate({"x": 2})
    result: list[Allocation] = []
    waiter = threading.Thread(
        target=lambda: result.append(pool.allocate({"x": 1, "y": 1}, timeout=30))
    )
    waiter.start()
    # While the waiter waits for x, y must still be free for others: it holds no part.
    for _ in range(50):
        with pool.allocate({"y": 1}, timeout=0):
            pass
        time.sleep(0.001)
    first.release()
    waiter.join(JOIN_TIMEOUT)
    assert len(result) == 1
    assert pool.available() == {"x": 1, "y": 0}
    result[0].release()
    assert pool.available() == {"x": 2, "y": 1}


@settings(deadline=None, max_examples=20)
@given(
    capacities=st.fixed_dictionaries(
        {"a": st.integers(1, 4), "b": st.integers(1, 4), "c": st.integers(1, 4)}
    ),
    seed=st.integers(0, 2**32),
)
def test_allocator_never_over_allocates_under_concurrency(capacities, seed):
    pool = ResourceAllocator(capacities)
    in_use = dict.fromkeys(capacities, 0)
    peak = dict.fromkeys(capacities, 0)
    guard = threading.Lock()
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        rng = random.Random(seed + i)
        try:
            for _ in range(100):
                request = {
                    r: rng.randint(0, cap) for r, cap in capacities.items() if rng.random() < 0.6
                }
                with pool.allocate(request, timeout=30):
                    with guard:
                        for r, n in request.items():
                            in_use[r] += n
                            peak[r] = max(peak[r], in_use[r])
                    time.sleep(0)
                    with guard:
                        for r, n in request.items():
                            in_use[r] -= n
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    with frequent_thread_switches():
        for t in threads:
            t.start()
        for t in threads:
            t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[0]
    assert all(peak[r] <= capacities[r] for r in capacities), (peak, capacities)
    assert pool.available() == capacities


def test_allocate_async_waits_without_blocking_the_loop_for_a_release_from_a_thread():
    pool = ResourceAllocator({"procs": 1, "fds": 8})
    first = pool.allocate({"procs": 1})
    loop_ran = threading.Event()

    def release_once_the_loop_has_run() -> None:
        assert loop_ran.wait(30)
        first.release()

    async def ticker() -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        loop_ran.set()

    async def main() -> Allocation:
        releaser = threading.Thread(target=release_once_the_loop_has_run)
        releaser.start()
        try:
            grant, _ = await asyncio.gather(
                pool.allocate_async({"procs": 1, "fds": 4}, timeout=30), ticker()
            )
        finally:
            await asyncio.to_thread(releaser.join, 30)
        return grant

    grant = asyncio.run(main())
    assert pool.available() == {"procs": 0, "fds": 4}
    grant.release()
    assert pool.available() == {"procs": 1, "fds": 8}


def test_allocate_async_times_out_holding_nothing():
    pool = ResourceAllocator({"procs": 1, "fds": 8}, name="exec")
    with pool.allocate({"procs": 1}):
        with pytest.raises(ResourceTimeoutError, match="procs \\(wanted 1, 0 free\\)"):
            asyncio.run(pool.allocate_async({"procs": 1, "fds": 4}, timeout=0.01))
        assert pool.available() == {"procs": 0, "fds": 8}
    with pytest.raises(ValueError, match="exceeds its capacity"):
        asyncio.run(pool.allocate_async({"fds": 9}))


def test_threads_and_coroutines_sharing_an_allocator_never_over_allocate():
    pool = ResourceAllocator({"procs": 2, "fds": 5})
    in_use = {"procs": 0, "fds": 0}
    peak = dict(in_use)
    guard = threading.Lock()

    def use(amounts: dict[str, int], delta: int) -> None:
        with guard:
            for res, n in amounts.items():
                in_use[res] += delta * n
                peak[res] = max(peak[res], in_use[res])

    async def coroutine_user(i: int) -> None:
        amounts = {"procs": 1, "fds": 1 + i % 3}
        for _ in range(20):
            grant = await pool.allocate_async(amounts, timeout=30)
            use(amounts, 1)
            await asyncio.sleep(0)
            use(amounts, -1)
            grant.release()

    def thread_user(i: int) -> None:
        amounts = {"fds": 1 + i % 4}
        for _ in range(50):
            with pool.allocate(amounts, timeout=30):
                use(amounts, 1)
                time.sleep(0)
                use(amounts, -1)

    async def main() -> None:
        await asyncio.gather(*(coroutine_user(i) for i in range(6)))

    threads = [threading.Thread(target=thread_user, args=(i,)) for i in range(6)]
    with frequent_thread_switches():
        for t in threads:
            t.start()
        asyncio.run(main())
        for t in threads:
            t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert peak["procs"] <= 2 and peak["fds"] <= 5
    assert pool.available() == {"procs": 2, "fds": 5}
