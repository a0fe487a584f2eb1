"""Task pools with bookkeeping, and an async pool of reusable connections.

``ConnectionPool`` runs scan tasks on a level's executor (a ``WorkerPool`` by default) and
keeps exact, consistent statistics about them: every snapshot satisfies
``total == active + completed + failed``. ``AsyncConnectionPool`` hands out reusable
connections per server (an HTTP client, an MCP session) so a level does not pay for a new
one on every probe, bounded per server and overall.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, as_completed
from concurrent.futures import wait as wait_futures
from contextlib import asynccontextmanager
from typing import Any, Generic, Literal, Protocol, TypeVar, overload

import attrs

from hawkeye_core.concurrency.workers import WorkerPool

__all__ = [
    "AsyncConnectionPool",
    "ConnectionPool",
    "ConnectionStats",
    "Executor",
    "PoolStats",
]

T = TypeVar("T")
A = TypeVar("A")
K = TypeVar("K", bound=Hashable)
C = TypeVar("C")

logger = logging.getLogger(__name__)


class Executor(Protocol):
    """Anything that runs ``fn(*args, **kwargs)`` and returns a future (``WorkerPool``)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]: ...


@attrs.frozen(kw_only=True)
class PoolStats:
    """A consistent snapshot of a ``ConnectionPool``: total == active + completed + failed.

    Cancelled tasks count as failed.
    """

    total: int
    active: int
    completed: int
    failed: int


class ConnectionPool:
    """Submit tasks to an executor and track them by id, with exact statistics.

    Use one per level (``name`` names its threads, e.g. ``HawkEye-Scanner``). Leaving the
    ``with`` block shuts it down, waiting for running tasks; if the block raised, queued
    tasks are cancelled first. An ``executor`` passed in is used but never shut down.
    """

    def __init__(
        self,
        max_workers: int = 50,
        *,
        name: str = "HawkEye-Scanner",
        executor: Executor | None = None,
    ) -> None:
        self.name = name
        self._own_executor: WorkerPool | None = None
        if executor is None:
            executor = self._own_executor = WorkerPool(max_workers, name=name)
        self._executor = executor
        self._lock = threading.Lock()
        self._active: dict[str, Future[Any]] = {}
        self._total = self._running = self._completed = self._failed = 0
        self._shutdown = False
        self._ids = itertools.count()

    def submit(
        self, fn: Callable[..., T], /, *args: Any, task_id: str | None = None, **kwargs: Any
    ) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` on the executor; return its future.

        ``task_id`` names the task in ``active_tasks`` (one is generated if omitted); an id
        that is still active is refused with ValueError. After ``shutdown`` raises
        RuntimeError.
        """
        with self._lock:
            if self._shutdown:
                raise RuntimeError(f"{self.name}: pool is shut down, cannot submit {fn!r}")
            if task_id is None:
                task_id = f"{self.name}-task-{next(self._ids)}"
            elif (same_id := self._active.get(task_id)) is not None and not same_id.done():
                raise ValueError(f"{self.name}: task id {task_id!r} is already active")
            # Submitting under the lock keeps the id reserved; the callback is added after
            # the lock is released because it runs at once if the task already finished.
            future = self._executor.submit(fn, *args, **kwargs)
            self._active[task_id] = future
            self._total += 1
            self._running += 1
        future.add_done_callback(lambda f: self._task_done(task_id, f))
        return future

    def submit_many(self, fn: Callable[[A], T], items: Iterable[A]) -> list[Future[T]]:
        """Submit ``fn(item)`` for every item; return the futures in item order."""
        return [self.submit(fn, item) for item in items]

    @overload
    def collect(
        self,
        futures: Iterable[Future[T]],
        *,
        timeout: float | None = None,
        progress: Callable[[int, int], None] | None = None,
        errors: Literal["skip", "raise"] = "skip",
    ) -> Iterator[T]: ...

    @overload
    def collect(
        self,
        futures: Iterable[Future[T]],
        *,
        timeout: float | None = None,
        progress: Callable[[int, int], None] | None = None,
        errors: Literal["return"],
    ) -> Iterator[T | BaseException]: ...

    def collect(
        self,
        futures: Iterable[Future[T]],
        *,
        timeout: float | None = None,
        progress: Callable[[int, int], None] | None = None,
        errors: Literal["skip", "raise", "return"] = "skip",
    ) -> Iterator[T] | Iterator[T | BaseException]:
        """Yield results as tasks complete (completion order, not submission order).

        A failed task is logged and skipped (``errors="skip"``), re-raised (``"raise"``) or
        yielded as its exception (``"return"``). ``progress(done, total)`` is called after
        each task. If ``timeout`` seconds pass before all are done, TimeoutError says how
        many are still pending (they keep running).
        """
        if errors not in ("skip", "raise", "return"):
            raise ValueError(f"errors must be 'skip', 'raise' or 'return', not {errors!r}")
        return self._collect(list(futures), timeout, progress, errors)

    def _collect(
        self,
        futures: list[Future[T]],
        timeout: float | None,
        progress: Callable[[int, int], None] | None,
        errors: str,
    ) -> Iterator[T | BaseException]:
        total = len(set(futures))
        done = 0
        completed = as_completed(futures, timeout=timeout)
        while True:
            try:
                future = next(completed)
            except StopIteration:
                return
            except TimeoutError:
                raise TimeoutError(
                    f"{self.name}: {total - done} of {total} tasks still pending after {timeout} s"
                ) from None
            done += 1
            error = CancelledError() if future.cancelled() else future.exception()
            if progress is not None:
                progress(done, total)
            if error is None:
                yield future.result()
            elif errors == "raise":
                raise error
            elif errors == "return":
                yield error
            else:
                logger.warning("%s: task failed: %r", self.name, error)

    def stats(self) -> PoolStats:
        """A consistent snapshot of the task counts."""
        with self._lock:
            return PoolStats(
                total=self._total,
                active=self._running,
                completed=self._completed,
                failed=self._failed,
            )

    def active_tasks(self) -> dict[str, Future[Any]]:
        """A copy of the tasks not finished yet (or finishing right now), by id."""
        with self._lock:
            return dict(self._active)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Refuse new tasks; optionally cancel queued ones; optionally wait for the rest."""
        with self._lock:
            self._shutdown = True
            pending = list(self._active.values())
        if cancel_futures:
            for future in pending:
                future.cancel()
        if self._own_executor is not None:
            self._own_executor.shutdown(wait=wait, cancel_futures=cancel_futures)
        elif wait:
            wait_futures(pending)

    def __enter__(self) -> ConnectionPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=exc_type is not None)

    def _task_done(self, task_id: str, future: Future[Any]) -> None:
        failed = future.cancelled() or future.exception() is not None
        with self._lock:
            # A finished task's id may already have been reused before this callback ran.
            if self._active.get(task_id) is future:
                del self._active[task_id]
            self._running -= 1
            if failed:
                self._failed += 1
            else:
                self._completed += 1


@attrs.frozen(kw_only=True)
class ConnectionStats:
    """Counts of an ``AsyncConnectionPool``: connections created, reused, closed, in use, idle."""

    created: int
    reused: int
    closed: int
    in_use: int
    idle: int


@attrs.define
class _Idle(Generic[C]):
    connection: C
    since: float


@attrs.define
class _Key(Generic[C]):
    """Per-server state, dropped once the server has neither borrowers nor idle connections."""

    slots: asyncio.Semaphore
    users: int = 0
    idle: list[_Idle[C]] = attrs.Factory(list)


class AsyncConnectionPool(Generic[K, C]):
    """Reusable async connections keyed per server, bounded per key and overall.

    ``connection(key)`` lends one: the most recently returned idle one for that key, else a
    new one from ``factory(key)``. At most ``max_per_key`` are lent per key and
    ``max_total`` overall (callers wait); at most ``max_total`` are open, the oldest idle one
    being closed to make room. A connection whose borrower raised is closed, not reused;
    one idle for more than ``idle_timeout`` seconds is closed instead of reused. Use from a
    single event loop; ``aclose`` (or ``async with``) closes everything.
    """

    def __init__(
        self,
        factory: Callable[[K], Awaitable[C]],
        *,
        close: Callable[[C], Awaitable[None]] | None = None,
        max_per_key: int = 4,
        max_total: int = 100,
        idle_timeout: float | None = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_per_key < 1 or max_total < 1:
            raise ValueError("max_per_key and max_total must be at least 1")
        self._factory = factory
        self._close = close
        self.max_per_key = max_per_key
        self.max_total = max_total
        self.idle_timeout = idle_timeout
        self._clock = clock
        self._total_slots = asyncio.Semaphore(max_total)
        self._keys: dict[K, _Key[C]] = {}
        self._open = 0
        self._created = self._reused = self._closed_count = self._in_use = 0
        self._closed = False

    @asynccontextmanager
    async def connection(self, key: K) -> AsyncIterator[C]:
        """Borrow a connection to ``key`` for the body of an ``async with``."""
        if self._closed:
            raise RuntimeError("connection pool is closed")
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _Key(asyncio.Semaphore(self.max_per_key))
        state.users += 1
        try:
            # Per-key first: a caller waiting on a busy server must not hold a global slot.
            async with state.slots, self._total_slots:
                conn = await self._checkout(key, state)
                self._in_use += 1
                healthy = False
                try:
                    yield conn
                    healthy = True
                finally:
                    self._in_use -= 1
                    if healthy and not self._closed:
                        state.idle.append(_Idle(conn, self._clock()))
                    else:
                        await self._discard(conn)
        finally:
            state.users -= 1
            self._forget_if_unused(key, state)

    def stats(self) -> ConnectionStats:
        """Current counts."""
        return ConnectionStats(
            created=self._created,
            reused=self._reused,
            closed=self._closed_count,
            in_use=self._in_use,
            idle=sum(len(state.idle) for state in self._keys.values()),
        )

    async def prune(self) -> int:
        """Close idle connections older than ``idle_timeout``; return how many."""
        if self.idle_timeout is None:
            return 0
        oldest_kept = self._clock() - self.idle_timeout
        stale = []
        for key, state in list(self._keys.items()):
            stale += [i.connection for i in state.idle if i.since < oldest_kept]
            state.idle = [i for i in state.idle if i.since >= oldest_kept]
            self._forget_if_unused(key, state)
        for conn in stale:
            await self._discard(conn)
        return len(stale)

    async def aclose(self) -> None:
        """Close every idle connection; lent ones are closed when returned. Idempotent."""
        self._closed = True
        idle = [i.connection for state in self._keys.values() for i in state.idle]
        for key, state in list(self._keys.items()):
            state.idle.clear()
            self._forget_if_unused(key, state)
        for conn in idle:
            await self._discard(conn)

    async def __aenter__(self) -> AsyncConnectionPool[K, C]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _checkout(self, key: K, state: _Key[C]) -> C:
        if state.idle:
            idle = state.idle.pop()
            if self.idle_timeout is None or self._clock() - idle.since <= self.idle_timeout:
                self._reused += 1
                return idle.connection
            # LIFO: everything below it is older still.
            stale = [idle.connection, *(i.connection for i in state.idle)]
            state.idle.clear()
            for conn in stale:
                await self._discard(conn)
        if self._open >= self.max_total:
            await self._evict_oldest_idle()
        self._open += 1
        try:
            conn = await self._factory(key)
        except BaseException:
            self._open -= 1
            raise
        self._created += 1
        return conn

    async def _evict_oldest_idle(self) -> None:
        # We hold a global slot, so at most max_total - 1 are lent: one is idle.
        candidates = [(s.idle[0].since, k) for k, s in self._keys.items() if s.idle]
        if candidates:
            key = min(candidates, key=lambda c: c[0])[1]
            state = self._keys[key]
            conn = state.idle.pop(0).connection
            self._forget_if_unused(key, state)
            await self._discard(conn)

    def _forget_if_unused(self, key: K, state: _Key[C]) -> None:
        if not state.users and not state.idle and self._keys.get(key) is state:
            del self._keys[key]

    async def _discard(self, conn: C) -> None:
        self._open -= 1
        self._closed_count += 1
        if self._close is None:
            return
        try:
            await self._close(conn)
        except Exception:
            logger.warning("closing connection %r failed", conn, exc_info=True)
