"""The connects in flight: per-probe state indexed by file descriptor, and their deadlines.

A probe is its socket plus four slots in plain lists (host, port, try number,
start time) at the index of its descriptor, so starting one allocates nothing
beyond the socket. Deadlines go into 10 ms buckets: starting a probe is one
list append, and a bucket is read once, when it falls due; a probe that
finished before then is recognised by its closed socket and skipped.
"""

from __future__ import annotations

import _socket  # socket.socket's C base class: no Python-level __init__/close per probe
import heapq
from collections.abc import Iterator

from hawkeye_scan_tcp.hosts import HostJob

__all__ = ["TICKS", "InFlight", "Sock"]

Sock = _socket.socket

#: Deadline buckets per second.
TICKS = 100


class InFlight:
    """Slots for up to ``size`` descriptors (grown on demand) and a deadline wheel."""

    def __init__(self, size: int) -> None:
        self.socks: list[Sock | None] = [None] * size
        self.jobs: list[HostJob | None] = [None] * size
        self.ports = [0] * size
        self.tries = [0] * size
        self.starts = [0.0] * size
        self._wheel: dict[int, list[Sock]] = {}
        self._ticks: list[int] = []

    def grow(self, fd: int) -> None:
        """Make room for descriptor ``fd`` (in place: held references stay valid)."""
        extra = fd + 1024 - len(self.socks)
        if extra > 0:
            self.socks.extend([None] * extra)
            self.jobs.extend([None] * extra)
            self.ports.extend([0] * extra)
            self.tries.extend([0] * extra)
            self.starts.extend([0.0] * extra)

    def add_deadline(self, socks: list[Sock], deadline: float) -> None:
        """Time out ``socks`` at ``deadline`` (rounded up to the next bucket) unless done."""
        tick = int(deadline * TICKS) + 1
        bucket = self._wheel.get(tick)
        if bucket is None:
            self._wheel[tick] = socks
            heapq.heappush(self._ticks, tick)
        else:
            bucket.extend(socks)

    def next_deadline(self) -> float | None:
        """When the earliest bucket falls due (None if none is waiting)."""
        return self._ticks[0] / TICKS if self._ticks else None

    def due(self, now: float) -> bool:
        """Whether a bucket has fallen due."""
        return bool(self._ticks) and self._ticks[0] <= now * TICKS

    def expired(self, now: float) -> Iterator[int]:
        """The descriptors of connects still in flight whose deadline has passed."""
        limit = now * TICKS
        socks = self.socks
        while self._ticks and self._ticks[0] <= limit:
            for sock in self._wheel.pop(heapq.heappop(self._ticks)):
                fd = sock.fileno()
                if fd >= 0 and socks[fd] is sock:  # a finished probe's socket is closed
                    yield fd

    def release(self, fd: int) -> tuple[Sock, HostJob]:
        """Empty ``fd``'s slot; returns its socket and host."""
        sock, job = self.socks[fd], self.jobs[fd]
        assert sock is not None and job is not None
        self.socks[fd] = None
        self.jobs[fd] = None
        return sock, job

    def close_all(self) -> None:
        """Close every socket still in flight and forget every deadline."""
        for fd, sock in enumerate(self.socks):
            if sock is not None:
                sock.close()
                self.socks[fd] = None
                self.jobs[fd] = None
        self._wheel.clear()
        self._ticks.clear()
