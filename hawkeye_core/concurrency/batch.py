"""Backpressure and adaptive batch processing on a level's executor.

``BatchProcessor`` cuts a lazy stream of items into batches, keeps at most a threshold of
them in flight (``Backpressure``), yields each batch's result as soon as it completes, and
turns a failing batch into a result with its error instead of losing the rest. Its batch
size shrinks while the resource monitor asks for throttling and grows back when the
executor keeps up, so a big scan neither floods memory nor idles the pool.
"""

from __future__ import annotations

import functools
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future
from typing import Any, Generic, NoReturn, TypeVar

import attrs

from hawkeye_core.concurrency.connpool import Executor
from hawkeye_core.concurrency.waiters import AsyncWaiters

__all__ = ["Backpressure", "BatchProcessor", "BatchResult", "BatchStats"]

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")

_THROTTLE_STEP = 0.02  # seconds between re-checks of should_throttle while waiting


class Backpressure:
    """A bound on in-flight work: ``acquire`` waits while ``threshold`` units are out.

    Use it around submissions (``with backpressure:`` or ``acquire``/``release``), from
    threads or, with ``acquire_async``, from coroutines. ``threshold`` may be changed at
    any time; after lowering it, new acquires wait until ``in_flight`` is below it.
    """

    def __init__(self, threshold: int) -> None:
        _check_threshold(threshold)
        self._threshold = threshold
        self._cond = threading.Condition(threading.Lock())
        self._in_flight = 0
        self._peak = 0
        self._async_waiters = AsyncWaiters()

    @property
    def threshold(self) -> int:
        """The most units allowed in flight."""
        return self._threshold

    @threshold.setter
    def threshold(self, value: int) -> None:
        _check_threshold(value)
        with self._cond:
            self._threshold = value
            self._cond.notify_all()
            self._async_waiters.wake()

    @property
    def in_flight(self) -> int:
        """Units acquired and not yet released."""
        return self._in_flight

    @property
    def peak(self) -> int:
        """The most units ever in flight at once."""
        return self._peak

    def acquire(self, timeout: float | None = None) -> bool:
        """Take one unit, waiting up to ``timeout`` seconds (forever if None) for room.

        Returns False if the timeout passed first.
        """
        with self._cond:
            if not self._cond.wait_for(self._has_room, timeout):
                return False
            self._take()
            return True

    async def acquire_async(self, timeout: float | None = None) -> bool:
        """Like ``acquire`` but waits without blocking the event loop."""

        def take() -> bool | None:
            if not self._has_room():
                return None
            self._take()
            return True

        return bool(await self._async_waiters.wait_for(self._cond, take, timeout))

    def release(self) -> None:
        """Give one unit back. Releasing more than was acquired raises RuntimeError."""
        with self._cond:
            if self._in_flight == 0:
                raise RuntimeError("Backpressure released more often than acquired")
            self._in_flight -= 1
            self._cond.notify()
            self._async_waiters.wake()

    def __enter__(self) -> Backpressure:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _has_room(self) -> bool:
        return self._in_flight < self._threshold

    def _take(self) -> None:
        self._in_flight += 1
        self._peak = max(self._peak, self._in_flight)


def _check_threshold(value: int) -> None:
    if value < 1:
        raise ValueError(f"threshold must be at least 1, not {value}")


@attrs.frozen(kw_only=True)
class BatchResult(Generic[I, R]):
    """The outcome of one batch: its items and either ``result`` or ``error``."""

    batch_id: int
    items: tuple[I, ...]
    result: R | None
    error: BaseException | None
    duration: float

    @property
    def ok(self) -> bool:
        """True if the batch function returned without raising."""
        return self.error is None


@attrs.frozen(kw_only=True)
class BatchStats:
    """Counts of a ``BatchProcessor``: batches submitted, succeeded and failed, and more."""

    submitted: int
    succeeded: int
    failed: int
    items: int
    in_flight: int
    peak_in_flight: int
    batch_size: int
    throttled: int


class BatchProcessor(Generic[I, R]):
    """Run a function over batches of items on an executor, adapting the batch size.

    ``process`` submits batches while fewer than ``max_in_flight`` are in flight and yields
    each ``BatchResult`` as soon as its batch completes. Before each submission it asks
    ``should_throttle()``: if true, the batch size halves (not below ``min_batch_size``) and
    submission waits up to ``throttle_wait`` seconds for the pressure to clear. If not, and a
    batch completed since the last submission without the processor having had to wait for
    room (the executor keeps up), the size grows 1.5x (not above ``max_batch_size``).
    """

    def __init__(
        self,
        executor: Executor,
        *,
        batch_size: int = 10,
        min_batch_size: int = 1,
        max_batch_size: int = 1000,
        max_in_flight: int = 4,
        should_throttle: Callable[[], bool] | None = None,
        throttle_wait: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= min_batch_size <= batch_size <= max_batch_size:
            raise ValueError(
                "need 1 <= min_batch_size <= batch_size <= max_batch_size, got "
                f"{min_batch_size}, {batch_size}, {max_batch_size}"
            )
        if throttle_wait < 0:
            raise ValueError(f"throttle_wait must not be negative, not {throttle_wait}")
        self._executor = executor
        self._size = batch_size
        self.min_batch_size = min_batch_size
        self.max_batch_size = max_batch_size
        self._backpressure = Backpressure(max_in_flight)
        self._should_throttle = should_throttle
        self.throttle_wait = throttle_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._submitted = self._succeeded = self._failed = self._items = self._throttled = 0

    @property
    def batch_size(self) -> int:
        """The size the next batch will be cut at."""
        return self._size

    @property
    def max_in_flight(self) -> int:
        """The backpressure threshold, in batches; settable while processing."""
        return self._backpressure.threshold

    @max_in_flight.setter
    def max_in_flight(self, value: int) -> None:
        self._backpressure.threshold = value

    @property
    def in_flight(self) -> int:
        """Batches submitted and not finished."""
        return self._backpressure.in_flight

    def stats(self) -> BatchStats:
        """Counts so far, over every ``process`` call."""
        with self._lock:
            return BatchStats(
                submitted=self._submitted,
                succeeded=self._succeeded,
                failed=self._failed,
                items=self._items,
                in_flight=self._backpressure.in_flight,
                peak_in_flight=self._backpressure.peak,
                batch_size=self._size,
                throttled=self._throttled,
            )

    def process(
        self,
        items: Iterable[I],
        fn: Callable[[list[I]], R],
        *,
        timeout: float | None = None,
    ) -> Iterator[BatchResult[I, R]]:
        """Yield a ``BatchResult`` per batch of ``items``, in completion order.

        ``items`` is read lazily, one batch at a time. ``timeout`` bounds the whole call:
        when it passes, TimeoutError says how many batches are pending. Leaving the loop
        early (or a timeout) cancels batches that have not started.
        """
        return self._process(iter(items), fn, timeout)

    def _process(
        self, source: Iterator[I], fn: Callable[[list[I]], R], timeout: float | None
    ) -> Iterator[BatchResult[I, R]]:
        deadline = None if timeout is None else self._clock() + timeout
        finished: queue.SimpleQueue[BatchResult[I, R]] = queue.SimpleQueue()
        pending: dict[int, Future[BatchResult[I, R]]] = {}
        exhausted = False
        completed_since_submit = 0
        waited_for_room = False
        try:
            while pending or not exhausted:
                try:
                    result = finished.get_nowait()
                except queue.Empty:
                    if not exhausted and self._room(bool(pending), deadline, timeout):
                        grow = completed_since_submit > 0 and not waited_for_room
                        try:
                            batch = self._cut(source, grow)
                        except BaseException:
                            self._backpressure.release()
                            raise
                        if batch:
                            batch_id, pending[batch_id] = self._submit(batch, fn, finished)
                            completed_since_submit, waited_for_room = 0, False
                        else:
                            exhausted = True
                            self._backpressure.release()
                        continue
                    waited_for_room = waited_for_room or not exhausted
                    try:
                        result = finished.get(timeout=self._remaining(deadline, timeout, pending))
                    except queue.Empty:
                        self._raise_timeout(timeout, pending)
                pending.pop(result.batch_id, None)
                completed_since_submit += 1
                yield result
        finally:
            for future in pending.values():
                future.cancel()

    def _room(self, have_pending: bool, deadline: float | None, timeout: float | None) -> bool:
        if have_pending:  # results will arrive: do not block here
            return self._backpressure.acquire(timeout=0)
        # Nothing of ours in flight: another process() call holds the room, wait for it.
        if not self._backpressure.acquire(timeout=self._remaining(deadline, timeout, {})):
            self._raise_timeout(timeout, {})
        return True

    def _remaining(
        self, deadline: float | None, timeout: float | None, pending: dict[int, Future[Any]]
    ) -> float | None:
        if deadline is None:
            return None
        if (left := deadline - self._clock()) <= 0:
            self._raise_timeout(timeout, pending)
        return left

    def _raise_timeout(self, timeout: float | None, pending: dict[int, Future[Any]]) -> NoReturn:
        raise TimeoutError(
            f"batch processing timed out after {timeout} s with {len(pending)} batches pending"
        )

    def _cut(self, source: Iterator[I], grow: bool) -> tuple[I, ...]:
        # Size the batch only once an item exists: no throttle wait at the very end.
        for first in source:
            return (first, *itertools.islice(source, self._next_size(grow) - 1))
        return ()

    def _next_size(self, grow: bool) -> int:
        if self._should_throttle is not None and self._should_throttle():
            with self._lock:
                self._size = max(self.min_batch_size, self._size // 2)
                self._throttled += 1
            self._wait_while_throttled(self._should_throttle)
        elif grow:
            with self._lock:
                self._size = min(self.max_batch_size, max(self._size + 1, int(self._size * 1.5)))
        return self._size

    def _wait_while_throttled(self, should_throttle: Callable[[], bool]) -> None:
        deadline = self._clock() + self.throttle_wait
        while (left := deadline - self._clock()) > 0:
            self._sleep(min(_THROTTLE_STEP, left))
            if not should_throttle():
                return

    def _submit(
        self,
        batch: tuple[I, ...],
        fn: Callable[[list[I]], R],
        finished: queue.SimpleQueue[BatchResult[I, R]],
    ) -> tuple[int, Future[BatchResult[I, R]]]:
        batch_id = next(self._ids)
        submitted_at = self._clock()
        try:
            future = self._executor.submit(self._run, batch_id, batch, fn)
        except BaseException:
            self._backpressure.release()
            raise
        with self._lock:
            self._submitted += 1
        future.add_done_callback(
            functools.partial(self._batch_done, batch_id, batch, submitted_at, finished)
        )
        return batch_id, future

    def _run(
        self, batch_id: int, batch: tuple[I, ...], fn: Callable[[list[I]], R]
    ) -> BatchResult[I, R]:
        start = self._clock()
        result: R | None = None
        error: Exception | None = None
        try:
            result = fn(list(batch))
        except Exception as exc:
            error = exc
        duration = self._clock() - start
        return BatchResult(
            batch_id=batch_id, items=batch, result=result, error=error, duration=duration
        )

    def _batch_done(
        self,
        batch_id: int,
        batch: tuple[I, ...],
        submitted_at: float,
        finished: queue.SimpleQueue[BatchResult[I, R]],
        future: Future[BatchResult[I, R]],
    ) -> None:
        # An error here was set by the executor itself, e.g. an abandoned call.
        error = CancelledError() if future.cancelled() else future.exception()
        outcome = (
            future.result()
            if error is None
            else BatchResult(
                batch_id=batch_id,
                items=batch,
                result=None,
                error=error,
                duration=self._clock() - submitted_at,
            )
        )
        with self._lock:
            self._items += len(batch)
            if outcome.ok:
                self._succeeded += 1
            else:
                self._failed += 1
        self._backpressure.release()
        finished.put(outcome)
