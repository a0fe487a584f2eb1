"""Helpers shared by the primitives' tests: a fake clock, thread runners, fast switching."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable, Iterator


class FakeClock:
    """A clock that moves only when advanced; remembers what each thread last read.

    Pass the instance as ``clock=``, ``clock.sleep`` as ``sleep=`` and
    ``clock.async_sleep`` as ``async_sleep=``: sleeping advances the clock.
    """

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.slept: list[float] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def __call__(self) -> float:
        self._local.last = self.now
        return self.now

    @property
    def last_read(self) -> float:
        """The value this thread last read (for a limiter: the admission time)."""
        return float(self._local.last)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


def run_threads(target: Callable[[int], object], n: int) -> None:
    """Run ``target(i)`` on ``n`` threads released together; fail (not hang) if one is stuck."""
    start = threading.Barrier(n)

    def body(i: int) -> None:
        start.wait(timeout=30)
        target(i)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "worker threads did not finish"


@contextlib.contextmanager
def frequent_thread_switches() -> Iterator[None]:
    """Make the interpreter switch threads very often, so that races show up in stress tests."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)
