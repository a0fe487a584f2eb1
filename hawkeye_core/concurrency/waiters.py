"""Coroutines that wait for state guarded by a ``threading.Condition``.

A primitive shared by threads and event loops (``Backpressure``,
``ResourceAllocator``) cannot make a coroutine wait on its condition: that
would block the loop. ``AsyncWaiters`` lets each coroutine wait on an
``asyncio.Event`` of its own loop instead; whoever changes the state calls
``wake`` (holding the condition's lock), and every waiter looks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["AsyncWaiters"]

T = TypeVar("T")


class AsyncWaiters:
    """The coroutines waiting on one condition; ``wake`` makes each look again."""

    def __init__(self) -> None:
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def wait_for(
        self, cond: threading.Condition, take: Callable[[], T | None], timeout: float | None
    ) -> T | None:
        """Call ``take`` under ``cond`` until it returns something; None after ``timeout``.

        ``take`` checks the state and, when it can, changes it and returns a
        value other than None. It is called once more after the timeout, so a
        release that raced with it is not missed.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            wakeup = asyncio.Event()
            waiter = (loop, wakeup)
            with cond:
                got = take()
                if got is not None:
                    return got
                if deadline is not None and loop.time() >= deadline:
                    return None
                self._waiters.append(waiter)
            try:
                with contextlib.suppress(TimeoutError):  # then one last look
                    async with asyncio.timeout_at(deadline):
                        await wakeup.wait()
            finally:
                with cond:
                    self._waiters.remove(waiter)

    def wake(self) -> None:
        """Wake every waiter (call it holding the condition's lock)."""
        for loop, event in self._waiters:
            with contextlib.suppress(RuntimeError):  # that waiter's loop is closed
                loop.call_soon_threadsafe(event.set)
