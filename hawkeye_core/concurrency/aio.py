"""Async helpers: bounded gathering, batching, named timeouts and a sync-to-async bridge.

The levels run plugin coroutines in bulk (thousands of ports, hundreds of servers), so
``gather_with_concurrency`` pulls awaitables lazily through a fixed set of worker tasks
instead of creating one task per item up front. ``run_sync`` lets synchronous code call a
coroutine whether or not an event loop is already running in its thread, and runs the
coroutine exactly once. ``LoopThread`` gives a level an event loop of its own on a named
daemon thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import itertools
import logging
import threading
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Coroutine,
    Iterable,
    Iterator,
)
from contextlib import asynccontextmanager
from typing import Any, TypeVar, overload

__all__ = [
    "AsyncBatch",
    "LoopThread",
    "OperationTimeout",
    "gather_with_concurrency",
    "run_sync",
    "timeout_context",
]

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741

logger = logging.getLogger(__name__)


async def gather_with_concurrency(
    aws: Iterable[Awaitable[T]],
    max_concurrency: int = 10,
    *,
    return_exceptions: bool = True,
) -> list[T | BaseException]:
    """Await every awaitable of ``aws`` with at most ``max_concurrency`` running at once.

    Results come back in input order. ``aws`` is consumed lazily by ``max_concurrency``
    worker tasks, so a generator of a million coroutines never holds more than
    ``max_concurrency`` of them at a time. With ``return_exceptions=True`` (the default) an
    exception is returned in its slot; with False the first exception cancels the running
    awaitables, closes the ones not started yet (when ``aws`` is a collection; an iterator
    is left where it stopped) and is raised.
    """
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
    numbered = enumerate(aws)
    results: dict[int, T | BaseException] = {}

    async def worker() -> None:
        for index, aw in numbered:
            try:
                results[index] = await aw
            except asyncio.CancelledError as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                # The awaitable cancelled itself: that is its outcome, not ours.
                if not return_exceptions:
                    raise _ChildCancelled(exc) from None
                results[index] = exc
            except Exception as exc:
                if not return_exceptions:
                    raise
                results[index] = exc

    known = len(aws) if isinstance(aws, Collection) else max_concurrency
    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(max_concurrency, known)))]
    try:
        done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        for w in done:
            error = None if w.cancelled() else w.exception()
            if isinstance(error, _ChildCancelled):
                raise error.cancelled
            if error is not None:
                raise error
    finally:
        for w in workers:
            w.cancel()
        await asyncio.wait(workers)
        if isinstance(aws, Collection) and len(results) < len(aws):
            _discard_unstarted(numbered)
    return [results[i] for i in range(len(results))]


class _ChildCancelled(Exception):
    """Carries an awaitable's own CancelledError out of a worker without cancelling it."""

    def __init__(self, cancelled: asyncio.CancelledError) -> None:
        super().__init__(cancelled)
        self.cancelled = cancelled


def _discard_unstarted(remaining: Iterator[tuple[int, Awaitable[Any]]]) -> None:
    """Close coroutines (and cancel futures) that were never awaited."""
    for _, aw in remaining:
        if isinstance(aw, Coroutine):
            aw.close()
        elif isinstance(aw, asyncio.Future):
            aw.cancel()


class AsyncBatch:
    """Process many items with an async function, batch by batch, with bounded concurrency.

    Use it when each item needs its own coroutine and one failure must not lose the others.
    """

    def __init__(self, max_concurrency: int = 10, batch_size: int = 100) -> None:
        if max_concurrency < 1 or batch_size < 1:
            raise ValueError("max_concurrency and batch_size must be at least 1")
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size

    async def process_batch(
        self,
        items: Iterable[I],
        processor: Callable[[I], Awaitable[T]],
        error_handler: Callable[[I, BaseException], Awaitable[None]] | None = None,
    ) -> list[T | BaseException]:
        """Run ``processor`` on every item; return results (or exceptions) in input order.

        Items are taken ``batch_size`` at a time; within a batch at most ``max_concurrency``
        run at once. A failing item's exception takes its place in the results and is passed
        to ``error_handler``; an error inside the handler is logged, never raised.
        """

        async def one(item: I) -> T | BaseException:
            try:
                return await processor(item)
            except Exception as exc:
                if error_handler is not None:
                    try:
                        await error_handler(item, exc)
                    except Exception:
                        logger.exception("error handler failed for item %r", item)
                return exc

        results: list[T | BaseException] = []
        source = iter(items)
        while batch := list(itertools.islice(source, self.batch_size)):
            outcomes = await gather_with_concurrency(
                (one(item) for item in batch), self.max_concurrency
            )
            results.extend(outcomes)
        return results


class OperationTimeout(TimeoutError):
    """Raised when a named operation runs past its deadline."""

    def __init__(self, operation: str, seconds: float) -> None:
        super().__init__(f"operation '{operation}' timed out after {seconds:g} s")
        self.operation = operation
        self.seconds = seconds

    def __reduce__(self) -> tuple[type[OperationTimeout], tuple[str, float]]:
        return (type(self), (self.operation, self.seconds))


@asynccontextmanager
async def timeout_context(seconds: float, operation: str = "operation") -> AsyncIterator[None]:
    """Bound the body to ``seconds``; raise ``OperationTimeout`` naming ``operation`` if hit.

    Only this context's own deadline becomes ``OperationTimeout``: an outer deadline, a
    cancellation from elsewhere or a ``TimeoutError`` raised by the body pass through.
    """
    scope = asyncio.timeout(seconds)
    try:
        async with scope:
            yield
    except TimeoutError as exc:
        if scope.expired():
            raise OperationTimeout(operation, seconds) from exc
        raise


@overload
def run_sync(coro_or_fn: Coroutine[Any, Any, T], /, *, timeout: float | None = None) -> T: ...


@overload
def run_sync(
    coro_or_fn: Callable[..., Awaitable[T]],
    /,
    *args: Any,
    timeout: float | None = None,
    **kwargs: Any,
) -> T: ...


def run_sync(
    coro_or_fn: Coroutine[Any, Any, T] | Callable[..., Awaitable[T]],
    /,
    *args: Any,
    timeout: float | None = None,
    **kwargs: Any,
) -> T:
    """Run a coroutine to completion from synchronous code and return its result.

    Pass a coroutine object, or a coroutine function with its arguments. With no event loop
    running in this thread the coroutine runs on a fresh loop that is closed afterwards.
    When called from synchronous code inside a running loop it runs on a fresh loop in a
    short-lived daemon thread, and this call **blocks the caller's loop** until it is done.
    The coroutine runs exactly once. ``timeout`` cancels it and raises ``OperationTimeout``;
    its own exceptions propagate unchanged.
    """
    if isinstance(coro_or_fn, Coroutine):
        if args or kwargs:
            coro_or_fn.close()
            raise TypeError("run_sync: arguments given with a coroutine object")
        name = getattr(coro_or_fn, "__qualname__", "coroutine")
    elif callable(coro_or_fn):
        name = getattr(coro_or_fn, "__qualname__", repr(coro_or_fn))
    else:
        raise TypeError(f"run_sync needs a coroutine or a coroutine function, not {coro_or_fn!r}")

    async def main() -> T:
        aw = coro_or_fn if isinstance(coro_or_fn, Coroutine) else coro_or_fn(*args, **kwargs)
        if timeout is None:
            return await aw
        async with timeout_context(timeout, name):
            return await aw

    context = contextvars.copy_context()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_on_fresh_loop(main(), context)

    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()

    def in_thread() -> None:
        try:
            outcome.set_result(_run_on_fresh_loop(main(), context))
        except BaseException as exc:
            outcome.set_exception(exc)

    thread = threading.Thread(target=in_thread, name=f"HawkEye-run_sync-{name}", daemon=True)
    thread.start()
    thread.join()
    return outcome.result()


def _run_on_fresh_loop(coro: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
    with asyncio.Runner() as runner:
        return runner.run(coro, context=context)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's where it is installed (about a tenth less CPU), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class LoopThread:
    """An event loop running forever in a named daemon thread.

    A level uses one to run ``async def`` plugin calls from any thread: ``submit`` returns a
    ``concurrent.futures.Future``. ``stop`` (or leaving the ``with`` block) cancels what is
    still running, stops the loop, joins the thread and closes the loop.
    """

    def __init__(self, name: str = "HawkEye-loop") -> None:
        self.name = name
        self._loop = new_event_loop()
        self._lock = threading.Lock()
        self._stopped = False
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), name=name, daemon=True)
        self._thread.start()
        started.wait()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop (running in this object's thread)."""
        return self._loop

    @property
    def thread(self) -> threading.Thread:
        """The thread running the loop."""
        return self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop from any thread and return its future."""
        with self._lock:
            if self._stopped:
                coro.close()
                raise RuntimeError(f"{self.name}: cannot submit after stop")
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self, timeout: float | None = None) -> None:
        """Cancel running tasks, stop the loop and wait (up to ``timeout``) for the thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._loop.call_soon_threadsafe(self._loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def __enter__(self) -> LoopThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, started: threading.Event) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        loop.call_soon(started.set)
        try:
            loop.run_forever()
        finally:
            try:
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()
