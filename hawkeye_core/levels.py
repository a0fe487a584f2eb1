"""The five pool levels of the pipeline and the executor behind each.

A plugin never makes threads or event loops: it declares work, and the core
runs it on a level. Each level is one :class:`LevelPool` with bounded
concurrency: sync callables run on the level's named worker threads, async
callables on the level's own event loop (one named thread) under a semaphore
of the same size. Both give the caller a ``concurrent.futures.Future``.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, InvalidStateError
from typing import Any

import attrs

from hawkeye_core.concurrency.aio import LoopThread
from hawkeye_core.concurrency.connpool import ConnectionPool, PoolStats
from hawkeye_core.concurrency.workers import CallAbandoned, WorkerPool

__all__ = [
    "DEFAULT_LEVEL_SIZES",
    "Level",
    "LevelPool",
    "LevelPools",
    "parse_level_size",
]


class Level(enum.IntEnum):
    """A pool level. The hookspec of a record decides its level."""

    SCAN = 1
    BATCH = 2
    INTROSPECT = 3
    ANALYSE = 4
    MONITOR = 5

    @property
    def label(self) -> str:
        """``"L1"`` .. ``"L5"``."""
        return f"L{self.value}"

    @property
    def thread_prefix(self) -> str:
        """The name prefix of the level's threads (``HawkEye-Scanner`` ...)."""
        return _THREAD_PREFIX[self]

    @classmethod
    def parse(cls, text: str) -> Level:
        """Read ``L3``, ``3`` or ``introspect`` (any case) as a level."""
        key = text.strip().upper()
        if key.startswith("L") and key[1:].isdigit():
            key = key[1:]
        if key.isdigit():
            try:
                return cls(int(key))
            except ValueError:
                pass
        else:
            try:
                return cls[key]
            except KeyError:
                pass
        names = ", ".join(f"{lv.label} ({lv.name.lower()})" for lv in cls)
        raise ValueError(f"unknown level {text!r}; expected one of {names}")


_THREAD_PREFIX = {
    Level.SCAN: "HawkEye-Scanner",
    Level.BATCH: "HawkEye-Batch",
    Level.INTROSPECT: "HawkEye-MCP",
    Level.ANALYSE: "HawkEye-AI",
    Level.MONITOR: "HawkEye-Monitor",
}

#: The seed's sizes: 50 scanner threads, 10 batch, 5 MCP, 3 AI, 1 monitor.
DEFAULT_LEVEL_SIZES: Mapping[Level, int] = {
    Level.SCAN: 50,
    Level.BATCH: 10,
    Level.INTROSPECT: 20,
    Level.ANALYSE: 3,
    Level.MONITOR: 1,
}


def parse_level_size(text: str) -> tuple[Level, int]:
    """Read a ``--level`` value such as ``L1=400``."""
    name, sep, size = text.partition("=")
    if not sep:
        raise ValueError(f"--level takes LEVEL=SIZE (for example L1=400), not {text!r}")
    level = Level.parse(name)
    try:
        value = int(size)
    except ValueError:
        raise ValueError(f"level size must be a whole number, not {size!r}") from None
    if value < 1:
        raise ValueError(f"level size must be at least 1, not {value}")
    return level, value


class LevelPool:
    """The executor of one level: worker threads for sync work, a loop for async work.

    ``submit(fn, *args)`` runs ``fn`` on this level whether it is a plain
    function or a coroutine function, and returns a ``concurrent.futures.Future``.
    At most ``size`` sync calls and at most ``size`` async calls run at once.
    Both sides go through a :class:`ConnectionPool`, which keeps the level's
    task counts (``stats()``).
    """

    def __init__(self, level: Level, size: int | None = None) -> None:
        self.level = level
        self.size = size if size is not None else DEFAULT_LEVEL_SIZES[level]
        if self.size < 1:
            raise ValueError(f"{level.label} size must be at least 1, not {self.size}")
        self._workers = WorkerPool(self.size, name=level.thread_prefix)
        self._sync_tasks = ConnectionPool(name=level.thread_prefix, executor=self._workers)
        self._async_tasks = ConnectionPool(
            name=f"{level.thread_prefix}-loop", executor=_LoopExecutor(self)
        )
        self._lock = threading.Lock()
        self._loop_thread: LoopThread | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._tasks: dict[Future[Any], asyncio.Future[Any]] = {}
        self._closed = False

    # -- submission ------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` on this level and return its future."""
        if _is_async(fn):
            return self._async_tasks.submit(fn, *args, **kwargs)
        return self._sync_tasks.submit(fn, *args, **kwargs)

    def stats(self) -> PoolStats:
        """Task counts of the level, sync and async together."""
        a, b = self._sync_tasks.stats(), self._async_tasks.stats()
        return PoolStats(
            total=a.total + b.total,
            active=a.active + b.active,
            completed=a.completed + b.completed,
            failed=a.failed + b.failed,
        )

    def abandon(self, future: Future[Any]) -> bool:
        """Give up on a call: cancel an async task, or abandon a sync thread.

        The future completes at once (cancelled, or with ``CallAbandoned``).
        Returns False if the call had already finished.
        """
        with self._lock:
            task = self._tasks.get(future)
            loop_thread = self._loop_thread
        if task is not None and loop_thread is not None:
            # Settle first, then cancel: the caller must not wait on a task that
            # ignores cancellation, and the task's own end must not win the race
            # to settle the future. Its late result is dropped.
            try:
                future.set_exception(CallAbandoned(f"{self.level.label}: call abandoned"))
            except InvalidStateError:
                return False  # it had finished
            loop_thread.loop.call_soon_threadsafe(task.cancel)
            return True
        return self._workers.abandon(future)

    @property
    def running(self) -> int:
        """Calls running now on this level (sync and async)."""
        with self._lock:
            tasks = len(self._tasks)
        return self._workers.running + tasks

    # -- lifecycle -------------------------------------------------------------
    def shutdown(self, *, cancel: bool = False, timeout: float | None = 5.0) -> None:
        """Stop the level: optionally cancel pending work, then stop threads and loop."""
        with self._lock:
            self._closed = True
            loop_thread = self._loop_thread
        self._workers.shutdown(wait=not cancel, cancel_futures=cancel, timeout=timeout)
        if loop_thread is not None:
            loop_thread.stop(timeout)  # cancels what still runs on the loop

    def __enter__(self) -> LevelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # -- async side ------------------------------------------------------------
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.level.label}: cannot submit after shutdown")
            if self._loop_thread is None:
                self._semaphore = asyncio.Semaphore(self.size)
                self._loop_thread = LoopThread(name=f"{self.level.thread_prefix}-loop")
            return self._loop_thread.loop

    def _submit_async(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Future[Any]:
        loop = self._ensure_loop()
        outer: Future[Any] = Future()

        async def guarded() -> Any:
            assert self._semaphore is not None
            async with self._semaphore:
                result = fn(*args, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
                return result

        def start() -> None:
            if not outer.set_running_or_notify_cancel():
                return
            task = loop.create_task(guarded())
            with self._lock:
                self._tasks[outer] = task
            task.add_done_callback(lambda t: self._settle(outer, t))

        loop.call_soon_threadsafe(start)
        return outer

    def _settle(self, outer: Future[Any], task: asyncio.Future[Any]) -> None:
        with self._lock:
            self._tasks.pop(outer, None)
        if outer.done():
            return
        try:
            if task.cancelled():
                outer.set_exception(CallAbandoned(f"{self.level.label}: call cancelled"))
            elif (error := task.exception()) is not None:
                outer.set_exception(error)
            else:
                outer.set_result(task.result())
        except InvalidStateError:  # settled already by abandon()
            pass


class _LoopExecutor:
    """Submits coroutine functions to a level's event loop (for its ConnectionPool)."""

    def __init__(self, pool: LevelPool) -> None:
        self._pool = pool

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._pool._submit_async(fn, args, kwargs)


def _is_async(fn: Callable[..., Any]) -> bool:
    target = fn
    while hasattr(target, "func"):  # functools.partial
        target = target.func
    return inspect.iscoroutinefunction(target)


@attrs.define
class LevelPools:
    """The pools of levels L1 to L4 for one run (L5 is the resource monitor thread)."""

    sizes: Mapping[Level, int] = attrs.field(factory=lambda: dict(DEFAULT_LEVEL_SIZES))
    _pools: dict[Level, LevelPool] = attrs.field(init=False, factory=dict)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def get(self, level: Level) -> LevelPool:
        """The pool of ``level``, created on first use."""
        if level is Level.MONITOR:
            raise ValueError("L5 is the resource monitor's own thread; it takes no work")
        with self._lock:
            pool = self._pools.get(level)
            if pool is None:
                pool = self._pools[level] = LevelPool(level, self.sizes.get(level))
            return pool

    def submit(
        self, level: Level, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        """Run ``fn`` on ``level``."""
        return self.get(level).submit(fn, *args, **kwargs)

    def abandon(self, level: Level, future: Future[Any]) -> bool:
        """Give up on a call made on ``level``."""
        return self.get(level).abandon(future)

    def stats(self) -> dict[Level, PoolStats]:
        """Task counts of each level used so far."""
        with self._lock:
            return {level: pool.stats() for level, pool in self._pools.items()}

    def shutdown(self, *, cancel: bool = False, timeout: float | None = 5.0) -> None:
        """Shut every level down (cancelling pending work if ``cancel``)."""
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(cancel=cancel, timeout=timeout)

    def __enter__(self) -> LevelPools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
