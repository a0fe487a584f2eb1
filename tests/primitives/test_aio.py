"""Tests for hawkeye_core.concurrency.aio: bounded gather, AsyncBatch, timeouts, run_sync."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import pickle
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hawkeye_core.concurrency.aio import (
    AsyncBatch,
    LoopThread,
    OperationTimeout,
    gather_with_concurrency,
    run_sync,
    timeout_context,
)

pytestmark = pytest.mark.timeout(30)


class Boom(Exception):
    pass


class Running:
    """Counts coroutines running at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.finished = 0

    async def work(self, value: int, steps: int = 3) -> int:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            for _ in range(steps):
                await asyncio.sleep(0)
            return value
        finally:
            self.now -= 1
            self.finished += 1


def test_gather_never_runs_more_than_max_concurrency_at_once() -> None:
    running = Running()
    results = asyncio.run(
        gather_with_concurrency((running.work(i) for i in range(50)), max_concurrency=5)
    )
    assert results == list(range(50))
    assert running.peak == 5


def test_gather_returns_results_in_input_order_not_completion_order() -> None:
    async def after(steps: int, value: str) -> str:
        for _ in range(steps):
            await asyncio.sleep(0)
        return value

    aws = [after(10 - i, f"r{i}") for i in range(10)]
    assert asyncio.run(gather_with_concurrency(aws, 10)) == [f"r{i}" for i in range(10)]


def test_gather_returns_exceptions_in_their_slots_by_default() -> None:
    async def item(i: int) -> int:
        await asyncio.sleep(0)
        if i % 3 == 0:
            raise Boom(i)
        return i

    results = asyncio.run(gather_with_concurrency([item(i) for i in range(7)], 2))
    assert [type(r) for r in results] == [Boom, int, int, Boom, int, int, Boom]
    assert [r.args[0] if isinstance(r, Boom) else r for r in results] == list(range(7))


def test_gather_raises_first_exception_cancels_running_and_closes_unstarted() -> None:
    cancelled: list[int] = []
    started: list[int] = []

    async def item(i: int) -> int:
        started.append(i)
        if i == 1:
            await asyncio.sleep(0)
            raise Boom("first")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    coros = [item(i) for i in range(10)]
    with pytest.raises(Boom, match="first"):
        asyncio.run(gather_with_concurrency(coros, 3, return_exceptions=False))
    assert started == [0, 1, 2]
    assert sorted(cancelled) == [0, 2]
    assert all(inspect.getcoroutinestate(c) == inspect.CORO_CLOSED for c in coros)


def test_gather_consumes_a_generator_lazily() -> None:
    produced = 0
    completed = 0
    max_ahead = 0

    async def item(i: int) -> int:
        nonlocal completed
        await asyncio.sleep(0)
        completed += 1
        return i

    def source() -> Iterator[Coroutine[Any, Any, int]]:
        nonlocal produced, max_ahead
        for i in range(5_000):
            produced += 1
            max_ahead = max(max_ahead, produced - completed)
            yield item(i)

    results = asyncio.run(gather_with_concurrency(source(), max_concurrency=4))
    assert results == list(range(5_000))
    assert max_ahead <= 4


def test_gather_cancelled_from_outside_cancels_what_is_running() -> None:
    cancelled = 0

    async def forever() -> None:
        nonlocal cancelled
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled += 1
            raise

    async def main() -> None:
        gathering = gather_with_concurrency((forever() for _ in range(9)), 3)
        task = asyncio.ensure_future(gathering)
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        (outcome,) = await asyncio.gather(task, return_exceptions=True)
        assert isinstance(outcome, asyncio.CancelledError)

    asyncio.run(main())
    assert cancelled == 3


def test_gather_keeps_an_awaitable_that_cancels_itself_as_its_result() -> None:
    async def self_cancelling() -> None:
        raise asyncio.CancelledError

    async def fine() -> str:
        return "ok"

    results = asyncio.run(gather_with_concurrency([self_cancelling(), fine()], 1))
    assert isinstance(results[0], asyncio.CancelledError)
    assert results[1] == "ok"
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(
            gather_with_concurrency([self_cancelling(), fine()], 1, return_exceptions=False)
        )


def test_gather_rejects_max_concurrency_below_one() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        asyncio.run(gather_with_concurrency([], 0))


def test_async_batch_keeps_going_past_failures_and_reports_each_to_the_handler() -> None:
    handled: list[tuple[int, str]] = []

    async def processor(i: int) -> int:
        await asyncio.sleep(0)
        if i in (2, 5):
            raise Boom(f"bad {i}")
        return i * 10

    async def handler(item: int, exc: BaseException) -> None:
        handled.append((item, str(exc)))

    batch = AsyncBatch(max_concurrency=2, batch_size=3)
    results = asyncio.run(batch.process_batch(range(7), processor, handler))
    assert [r if isinstance(r, int) else str(r) for r in results] == [
        0, 10, "bad 2", 30, 40, "bad 5", 60,
    ]  # fmt: skip
    assert sorted(handled) == [(2, "bad 2"), (5, "bad 5")]


def test_async_batch_logs_an_error_handler_failure_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def processor(i: int) -> int:
        raise Boom(i)

    async def broken_handler(item: int, exc: BaseException) -> None:
        raise RuntimeError("handler broke")

    with caplog.at_level(logging.ERROR):
        results = asyncio.run(AsyncBatch(2, 2).process_batch([1, 2, 3], processor, broken_handler))
    assert [type(r) for r in results] == [Boom, Boom, Boom]
    assert sum("error handler failed" in r.getMessage() for r in caplog.records) == 3


def test_async_batch_finishes_a_batch_before_starting_the_next_within_its_concurrency() -> None:
    running = Running()
    events: list[tuple[str, int]] = []

    async def processor(i: int) -> int:
        events.append(("start", i))
        value = await running.work(i)
        events.append(("end", i))
        return value

    results = asyncio.run(
        AsyncBatch(max_concurrency=2, batch_size=4).process_batch(range(8), processor)
    )
    assert results == list(range(8))
    assert running.peak == 2
    first_start_of_second_batch = events.index(("start", 4))
    assert {i for kind, i in events[:first_start_of_second_batch] if kind == "end"} == {0, 1, 2, 3}


def test_operation_timeout_names_the_operation_and_survives_pickling() -> None:
    error = OperationTimeout("introspect", 2.5)
    assert isinstance(error, TimeoutError)
    assert str(error) == "operation 'introspect' timed out after 2.5 s"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.operation, copy.seconds, str(copy)) == ("introspect", 2.5, str(error))


def test_timeout_context_raises_operation_timeout_naming_the_operation() -> None:
    async def main() -> None:
        async with timeout_context(0.01, "tools/list"):
            await asyncio.sleep(30)

    with pytest.raises(OperationTimeout) as info:
        asyncio.run(main())
    assert info.value.operation == "tools/list"
    assert info.value.seconds == 0.01
    assert "tools/list" in str(info.value)


def test_timeout_context_does_not_claim_an_outer_timeout() -> None:
    async def main() -> None:
        async with asyncio.timeout(0.01):
            async with timeout_context(30, "inner"):
                await asyncio.sleep(30)

    with pytest.raises(TimeoutError) as info:
        asyncio.run(main())
    assert not isinstance(info.value, OperationTimeout)


def test_nested_timeout_contexts_blame_the_one_that_expired() -> None:
    async def main() -> None:
        async with timeout_context(0.01, "outer"), timeout_context(30, "inner"):
            await asyncio.sleep(30)

    with pytest.raises(OperationTimeout) as info:
        asyncio.run(main())
    assert info.value.operation == "outer"


def test_timeout_context_lets_cancellation_and_body_timeouts_through_unchanged() -> None:
    body_error = TimeoutError("socket timed out")

    async def cancelled_elsewhere() -> None:
        async def victim() -> None:
            async with timeout_context(30, "x"):
                await asyncio.sleep(30)

        task = asyncio.create_task(victim())
        await asyncio.sleep(0)
        task.cancel()
        await task

    async def body_times_out() -> None:
        async with timeout_context(30, "x"):
            raise body_error

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled_elsewhere())
    with pytest.raises(TimeoutError) as info:
        asyncio.run(body_times_out())
    assert info.value is body_error


async def add(a: int, b: int, *, scale: int = 1) -> int:
    await asyncio.sleep(0)
    return (a + b) * scale


def test_run_sync_runs_a_coroutine_from_plain_sync_code_on_a_closed_fresh_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def capture() -> str:
        loops.append(asyncio.get_running_loop())
        return "done"

    assert run_sync(capture()) == "done"
    assert run_sync(add, 1, 2, scale=10) == 30
    assert loops[0].is_closed()
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()


def test_run_sync_inside_a_running_loop_uses_another_thread_and_loop() -> None:
    seen: list[tuple[str, asyncio.AbstractEventLoop]] = []

    async def where() -> int:
        seen.append((threading.current_thread().name, asyncio.get_running_loop()))
        return 7

    def sync_helper() -> int:  # sync code called from async code
        return run_sync(where)

    async def main() -> tuple[int, asyncio.AbstractEventLoop]:
        return sync_helper(), asyncio.get_running_loop()

    value, outer_loop = asyncio.run(main())
    assert value == 7
    thread_name, inner_loop = seen[0]
    assert thread_name.startswith("HawkEye-run_sync")
    assert inner_loop is not outer_loop and inner_loop.is_closed()


def test_run_sync_works_from_a_loop_callback() -> None:
    results: list[int] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def callback() -> None:
            results.append(run_sync(add(2, 3)))
            done.set()

        loop.call_soon(callback)
        await done.wait()

    asyncio.run(main())
    assert results == [5]


def _call_run_sync(inside_loop: bool, target: Any, **kwargs: Any) -> Any:
    if not inside_loop:
        return run_sync(target, **kwargs)

    async def main() -> Any:
        return run_sync(target, **kwargs)

    return asyncio.run(main())


@pytest.mark.parametrize("inside_loop", [False, True], ids=["no-loop", "in-loop"])
def test_run_sync_propagates_the_coroutines_own_exception_unchanged(inside_loop: bool) -> None:
    raised: list[BaseException] = []

    async def failing() -> None:
        raised.append(Boom("original"))
        raise raised[-1]

    with pytest.raises(Boom) as info:
        _call_run_sync(inside_loop, failing())
    assert raised == [info.value]


@pytest.mark.parametrize("inside_loop", [False, True], ids=["no-loop", "in-loop"])
def test_run_sync_timeout_cancels_the_coroutine_and_raises_operation_timeout(
    inside_loop: bool,
) -> None:
    cancelled = threading.Event()

    async def slow_probe() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(OperationTimeout) as info:
        _call_run_sync(inside_loop, slow_probe, timeout=0.01)
    assert "slow_probe" in info.value.operation
    assert cancelled.is_set()


@settings(max_examples=20, deadline=None)
@given(
    inside_loop=st.booleans(),
    raises=st.booleans(),
    as_function=st.booleans(),
    timeout=st.sampled_from([None, 30.0]),
)
def test_run_sync_runs_the_coroutine_body_exactly_once(
    inside_loop: bool, raises: bool, as_function: bool, timeout: float | None
) -> None:
    runs = 0

    async def body() -> str:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0)
        if raises:
            raise Boom("from body")
        return "result"

    target = body if as_function else body()
    if raises:
        with pytest.raises(Boom):
            _call_run_sync(inside_loop, target, timeout=timeout)
    else:
        assert _call_run_sync(inside_loop, target, timeout=timeout) == "result"
    assert runs == 1


def test_run_sync_carries_context_variables_into_the_coroutine() -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")
    request_id.set("scan-42")

    async def read() -> str:
        return request_id.get()

    assert run_sync(read) == "scan-42"
    assert _call_run_sync(True, read) == "scan-42"


def test_run_sync_rejects_arguments_with_a_coroutine_object_and_closes_it() -> None:
    coro = add(1, 2)
    with pytest.raises(TypeError, match="arguments"):
        run_sync(coro, 3)  # type: ignore[call-overload]
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED
    with pytest.raises(TypeError, match="coroutine"):
        run_sync(42)  # type: ignore[call-overload]


def test_loop_thread_runs_submitted_coroutines_on_its_named_thread() -> None:
    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    with LoopThread(name="HawkEye-MCP-loop") as lt:
        assert lt.thread.daemon and lt.thread.name == "HawkEye-MCP-loop"
        futures = [lt.submit(where()) for _ in range(5)]
        assert [f.result(timeout=10) for f in futures] == ["HawkEye-MCP-loop"] * 5
        assert lt.loop.is_running()
    assert not lt.thread.is_alive()
    assert lt.loop.is_closed()


def test_loop_thread_stop_cancels_pending_work_and_refuses_more() -> None:
    lt = LoopThread(name="HawkEye-test-loop")
    started = threading.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(60)

    future = lt.submit(forever())
    assert started.wait(10)
    lt.stop(timeout=10)
    assert future.cancelled()
    assert not lt.thread.is_alive()
    late = add(1, 1)
    with pytest.raises(RuntimeError, match="after stop"):
        lt.submit(late)
    assert inspect.getcoroutinestate(late) == inspect.CORO_CLOSED
    lt.stop()  # idempotent
