"""Whether the event loop running the introspections has CPU to spare.

A session reads its lists (tools, resources, templates, prompts) at once when
the loop is mostly waiting on the network: that saves a round trip per list.
Over HTTP/1.1 each list in flight takes a connection of its own, which costs
CPU here and on the server. When the loop is busy the other sessions already
fill every wait, so the lists are read one after the other over one
connection. The measure is the process's CPU time against the wall clock,
over windows of ``window`` seconds: with one interpreter lock, a loop starved
by other levels' threads is as short of CPU as one busy itself.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

__all__ = ["LoopLoad"]


class _Window:
    __slots__ = ("busy", "cpu", "started")

    def __init__(self, started: float, cpu: float) -> None:
        self.started = started
        self.cpu = cpu
        self.busy = False


class LoopLoad:
    """Tells, per event loop, whether its thread was busy in the last window.

    Busy means the process ran on the CPU for at least ``busy_share`` of the window. A
    loop seen for the first time is not busy. Safe to share between loops; a
    pickled copy starts with no history.
    """

    def __init__(self, *, window: float = 0.05, busy_share: float = 0.5) -> None:
        self.window = window
        self.busy_share = busy_share
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Window] = (
            weakref.WeakKeyDictionary()
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"window": self.window, "busy_share": self.busy_share}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def busy(self) -> bool:
        """True if the process was busy in the running loop's last full window."""
        loop = asyncio.get_running_loop()
        now, cpu = time.monotonic(), time.process_time()
        window = self._loops.get(loop)
        if window is None:
            self._loops[loop] = _Window(now, cpu)
            return False
        elapsed = now - window.started
        if elapsed >= self.window:
            window.busy = cpu - window.cpu >= self.busy_share * elapsed
            window.started, window.cpu = now, cpu
        return window.busy
