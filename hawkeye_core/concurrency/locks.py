"""Deadlock-free acquisition of several locks or resources at once.

Two threads that take the same two locks in opposite orders can deadlock.
``OrderedLocks`` prevents that by always taking named locks in one global
order, under one timeout for the whole set. ``ResourceAllocator`` hands out
amounts of several counted resources all-or-nothing: a request never holds
part of what it asked for while it waits for the rest, so requests cannot
deadlock one another.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from types import TracebackType

from hawkeye_core.concurrency.waiters import AsyncWaiters

__all__ = [
    "Allocation",
    "LockOrderError",
    "LockTimeoutError",
    "OrderedLocks",
    "ResourceAllocator",
    "ResourceTimeoutError",
]


class LockTimeoutError(TimeoutError):
    """A lock (or resource) could not be taken within the timeout; names which."""

    def __init__(self, name: str, timeout: float | None, message: str | None = None) -> None:
        self.name = name
        self.timeout = timeout
        super().__init__(
            message or f"timed out after {_seconds(timeout)} waiting for lock {name!r}"
        )


class ResourceTimeoutError(LockTimeoutError):
    """A ``ResourceAllocator`` request could not be granted within the timeout."""

    def __init__(
        self,
        name: str,
        timeout: float | None,
        request: Mapping[str, int],
        available: Mapping[str, int],
    ) -> None:
        self.request = dict(request)
        self.available = dict(available)
        short = ", ".join(
            f"{res} (wanted {n}, {available[res]} free)"
            for res, n in sorted(request.items())
            if available[res] < n
        )
        super().__init__(
            name,
            timeout,
            f"timed out after {_seconds(timeout)} waiting for {name!r}: {short or 'busy'}",
        )


def _seconds(timeout: float | None) -> str:
    return "no timeout" if timeout is None else f"{timeout:g} s"


class LockOrderError(RuntimeError):
    """A thread asked for a lock that sorts before one it already holds."""


class OrderedLocks:
    """A registry of named re-entrant locks, always taken in sorted name order.

    Use it wherever code needs more than one lock at a time (per-target and
    per-plugin state, say). ``acquire`` sorts the names, so every thread takes
    any two locks in the same order and no cycle of waiters can form. Taking
    more locks while holding some is allowed only for names that sort after
    every lock the thread holds (or that it already holds); anything else
    could deadlock and raises ``LockOrderError`` at once.

    >>> locks = OrderedLocks()
    >>> with locks.acquire("host:b", "host:a", timeout=1.0):
    ...     pass
    """

    def __init__(self) -> None:
        self._registry_lock = threading.Lock()
        self._locks: dict[str, threading.RLock] = {}
        self._local = threading.local()

    def lock(self, name: str) -> threading.RLock:
        """Return the lock named ``name``, creating it on first use."""
        lock = self._locks.get(name)
        if lock is None:
            with self._registry_lock:
                lock = self._locks.setdefault(name, threading.RLock())
        return lock

    def acquire(self, *names: str, timeout: float | None = None) -> _Acquisition:
        """A context manager holding every lock in ``names`` while its block runs.

        The locks are taken in sorted order (duplicates collapse) on entry and
        released in reverse order on exit. ``timeout`` bounds the wait for all
        of them together; if it runs out, the ones already taken are released
        and ``LockTimeoutError`` names the lock that could not be taken.
        """
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be non-negative or None, not {timeout}")
        return _Acquisition(self, sorted(set(names)), timeout)

    def held(self) -> list[str]:
        """The names of the locks the calling thread holds through this registry, sorted."""
        return sorted(self._held())

    def _held(self) -> Counter[str]:
        held: Counter[str] | None = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = Counter()
        return held


class _Acquisition:
    """The context manager returned by ``OrderedLocks.acquire``."""

    __slots__ = ("_locks", "_names", "_owner", "_taken", "_timeout")

    def __init__(self, owner: OrderedLocks, names: list[str], timeout: float | None) -> None:
        self._owner = owner
        self._names = names
        self._timeout = timeout
        self._locks: list[threading.RLock] = []
        self._taken = False

    def __enter__(self) -> None:
        if self._taken:
            raise RuntimeError("this acquisition is already held; call acquire() again")
        owner = self._owner
        held = owner._held()
        if held:
            top = max(held)
            wrong = [n for n in self._names if n < top and n not in held]
            if wrong:
                raise LockOrderError(
                    f"cannot take lock {wrong[0]!r} while holding {top!r}: "
                    "locks must be taken in sorted order"
                )
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        taken: list[threading.RLock] = []
        try:
            for name in self._names:
                lock = owner.lock(name)
                if deadline is None:
                    ok = lock.acquire()
                else:
                    ok = lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
                if not ok:
                    raise LockTimeoutError(name, self._timeout)
                taken.append(lock)
        except BaseException:
            for got in reversed(taken):
                got.release()
            raise
        self._locks = taken
        self._taken = True
        held.update(self._names)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        held = self._owner._held()
        held.subtract(self._names)
        for name in self._names:
            if held[name] <= 0:
                del held[name]
        for lock in reversed(self._locks):
            lock.release()
        self._locks = []
        self._taken = False


class Allocation:
    """Amounts granted by ``ResourceAllocator.allocate``; release them once done.

    Use it as a context manager (released on exit) or call ``release``, which
    is idempotent.
    """

    __slots__ = ("_allocator", "_released", "amounts")

    def __init__(self, allocator: ResourceAllocator, amounts: dict[str, int]) -> None:
        self._allocator = allocator
        self.amounts: Mapping[str, int] = amounts
        self._released = False

    @property
    def released(self) -> bool:
        """Whether the amounts have been given back."""
        return self._released

    def release(self) -> None:
        """Give the amounts back to the allocator; later calls do nothing."""
        self._allocator._release(self)

    def __enter__(self) -> Allocation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "released" if self._released else "held"
        return f"<Allocation {dict(self.amounts)!r} {state}>"


class ResourceAllocator:
    """Grant amounts of several counted resources at once, all or nothing.

    Use it to cap concurrent use of shared resources (sockets, subprocesses,
    memory budget) when one task needs several of them: ``allocate`` waits
    until every requested amount is free and then takes them all in one step.
    Grants are not first-come-first-served: a large request may wait while
    smaller ones that fit keep being granted.

    >>> pool = ResourceAllocator({"sockets": 10, "procs": 2})
    >>> with pool.allocate({"sockets": 3, "procs": 1}):
    ...     pool.available()
    {'sockets': 7, 'procs': 1}
    """

    def __init__(self, capacities: Mapping[str, int], *, name: str = "resources") -> None:
        for res, cap in capacities.items():
            if cap < 0:
                raise ValueError(f"capacity of {res!r} must be non-negative, not {cap}")
        self.name = name
        self._capacities = dict(capacities)
        self._free = dict(capacities)
        self._cond = threading.Condition(threading.Lock())
        self._async_waiters = AsyncWaiters()

    @property
    def capacities(self) -> dict[str, int]:
        """The total amount of each resource."""
        return dict(self._capacities)

    def allocate(self, request: Mapping[str, int], *, timeout: float | None = None) -> Allocation:
        """Wait until every amount in ``request`` is free, take them all, return the grant.

        Raises ``ValueError`` for an unknown resource, a negative amount or an
        amount above a capacity (it could never be granted), and
        ``ResourceTimeoutError`` (a ``LockTimeoutError``) if ``timeout``
        seconds pass first. ``timeout=0`` tries once without waiting.
        """
        wanted = self._validate(request)
        with self._cond:
            granted = self._cond.wait_for(lambda: self._fits(wanted), timeout)
            if not granted:
                raise ResourceTimeoutError(self.name, timeout, wanted, self._free)
            for res, n in wanted.items():
                self._free[res] -= n
        return Allocation(self, wanted)

    async def allocate_async(
        self, request: Mapping[str, int], *, timeout: float | None = None
    ) -> Allocation:
        """Like ``allocate``, but waits without blocking the event loop."""
        wanted = self._validate(request)

        def take() -> Allocation | None:
            if not self._fits(wanted):
                return None
            for res, n in wanted.items():
                self._free[res] -= n
            return Allocation(self, wanted)

        granted = await self._async_waiters.wait_for(self._cond, take, timeout)
        if granted is None:
            with self._cond:
                raise ResourceTimeoutError(self.name, timeout, wanted, self._free)
        return granted

    def available(self) -> dict[str, int]:
        """The amount of each resource not currently allocated."""
        with self._cond:
            return dict(self._free)

    def _validate(self, request: Mapping[str, int]) -> dict[str, int]:
        wanted: dict[str, int] = {}
        for res, n in request.items():
            if res not in self._capacities:
                raise ValueError(f"{self.name}: unknown resource {res!r}")
            if n < 0:
                raise ValueError(f"{self.name}: negative amount {n} of {res!r}")
            if n > self._capacities[res]:
                raise ValueError(
                    f"{self.name}: request of {n} {res!r} exceeds its capacity "
                    f"{self._capacities[res]}"
                )
            if n:
                wanted[res] = n
        return wanted

    def _fits(self, wanted: Mapping[str, int]) -> bool:
        return all(self._free[res] >= n for res, n in wanted.items())

    def _release(self, allocation: Allocation) -> None:
        with self._cond:
            if allocation._released:
                return
            allocation._released = True
            for res, n in allocation.amounts.items():
                self._free[res] += n
            self._cond.notify_all()
            self._async_waiters.wake()
