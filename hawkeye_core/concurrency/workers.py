"""A bounded pool of named daemon worker threads.

``WorkerPool`` is the thread pool behind every level. It differs from
``concurrent.futures.ThreadPoolExecutor`` in two ways that matter for a scanner
that runs other people's plugins:

* its threads are daemons, so a plugin call that hangs forever can never keep
  the process from exiting (``ThreadPoolExecutor`` joins its workers at exit);
* a call can be *abandoned*: the caller stops waiting for it, the pool starts a
  replacement worker so the level keeps its full concurrency, and the stuck
  thread retires as soon as its call returns.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Any, TypeVar

__all__ = ["CallAbandoned", "WorkerPool"]

T = TypeVar("T")

_STOP = object()


class CallAbandoned(Exception):
    """Set on the future of a call whose caller stopped waiting for it."""


class _WorkItem:
    __slots__ = ("args", "fn", "future", "kwargs")

    def __init__(
        self,
        future: Future[Any],
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.future = future
        self.fn = fn
        self.args = args
        self.kwargs = kwargs


class WorkerPool:
    """Run callables on at most ``max_workers`` named daemon threads.

    Threads start lazily, one per submission while no worker is idle, up to
    ``max_workers``. ``submit`` returns a ``concurrent.futures.Future``. Use it
    as a context manager or call ``shutdown``.

    >>> with WorkerPool(2, name="HawkEye-Batch") as pool:
    ...     pool.submit(sum, [1, 2]).result()
    3
    """

    def __init__(self, max_workers: int, *, name: str = "HawkEye-Worker") -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self.max_workers = max_workers
        self.name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = threading.Semaphore(0)
        self._live: set[threading.Thread] = set()  # workers not stuck in an abandoned call
        self._abandoned: set[threading.Thread] = set()
        self._running: dict[Future[Any], threading.Thread] = {}
        self._shutdown = False
        self._ids = itertools.count()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``fn(*args, **kwargs)`` and return its future."""
        future: Future[T] = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError(f"{self.name}: cannot submit after shutdown")
            self._queue.put(_WorkItem(future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._live) < self.max_workers:
                self._start_worker()
        return future

    def abandon(self, future: Future[Any]) -> bool:
        """Stop waiting for a call; a running call's worker is replaced.

        A call that has not started is cancelled. A running one gets
        ``CallAbandoned`` set on its future at once; its thread is left to
        finish on its own and then exits, and a new worker takes its place so
        the pool keeps ``max_workers`` threads able to work. Returns True if
        the call was stopped (cancelled or abandoned), False if it had finished.
        """
        if future.cancel():
            return True
        with self._lock:
            thread = self._running.pop(future, None)
            if thread is None:
                return False
            self._live.discard(thread)
            self._abandoned.add(thread)
            if not self._shutdown and not self._queue.empty():
                self._start_worker()
        _settle(future, exception=CallAbandoned(f"{self.name}: call abandoned"))
        return True

    @property
    def threads(self) -> int:
        """Live worker threads able to take work (abandoned ones not counted)."""
        with self._lock:
            return len(self._live)

    @property
    def abandoned(self) -> int:
        """Threads still stuck in calls that were abandoned."""
        with self._lock:
            return len(self._abandoned)

    @property
    def running(self) -> int:
        """Calls running now (abandoned ones not counted)."""
        with self._lock:
            return len(self._running)

    def shutdown(
        self, wait: bool = True, *, cancel_futures: bool = False, timeout: float | None = None
    ) -> None:
        """Stop accepting work, optionally cancel queued work, and wait for workers.

        The wait never blocks on abandoned calls; ``timeout`` bounds the wait
        for each of the others.
        """
        with self._lock:
            if not self._shutdown:
                self._shutdown = True
                if cancel_futures:
                    self._drain_queue()
                for _ in range(len(self._live)):
                    self._queue.put(_STOP)
            threads = list(self._live)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join(timeout)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True)

    def _drain_queue(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _WorkItem):
                item.future.cancel()

    def _start_worker(self) -> None:
        thread = threading.Thread(
            target=self._work, name=f"{self.name}_{next(self._ids)}", daemon=True
        )
        self._live.add(thread)
        thread.start()

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            future = item.future
            if future.set_running_or_notify_cancel():
                with self._lock:
                    self._running[future] = me
                try:
                    result = item.fn(*item.args, **item.kwargs)
                except BaseException as exc:
                    _settle(future, exception=exc)
                else:
                    _settle(future, result=result)
                del item, future
            with self._lock:
                if me in self._abandoned:
                    self._abandoned.discard(me)
                    return
                for fut in [f for f, t in self._running.items() if t is me]:
                    del self._running[fut]
                if self._shutdown and self._queue.empty():
                    break
                self._idle.release()
        with self._lock:
            self._live.discard(me)


def _settle(
    future: Future[Any], *, result: Any = None, exception: BaseException | None = None
) -> None:
    """Complete a future unless it already is (abandoned or cancelled)."""
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass
