"""The scanner's view of its targets: each host's address, ports and round-trip time.

A :class:`HostJob` is made lazily for each target as the :class:`HostWindow`
pulls it in, and dropped as soon as the host's last probe is answered, so a
sweep holds at most a window of them. Ports are iterated from shared,
disjoint ranges: nothing holds a host's 65,535 port numbers, nor remembers
which it has done.
"""

from __future__ import annotations

import heapq
import itertools
import socket
from collections import deque
from collections.abc import Iterable, Iterator

__all__ = ["MIN_TIMEOUT", "HostJob", "HostWindow", "disjoint_ranges", "resolve"]

#: The shortest connect timeout a host's measured round-trip time can earn (nmap -T4's).
MIN_TIMEOUT = 0.1

Ranges = tuple[tuple[int, int], ...]


def disjoint_ranges(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """``ranges`` in their given order, with every port already covered cut out.

    ``PortSpec`` iteration skips repeats by remembering every port it yielded;
    cutting the overlaps once per run lets each host iterate plain ranges.
    """
    covered: list[tuple[int, int]] = []  # sorted, disjoint
    out: list[tuple[int, int]] = []
    for low, high in ranges:
        pieces = [(low, high)]
        for c_low, c_high in covered:
            pieces = [
                piece
                for p_low, p_high in pieces
                for piece in ((p_low, min(p_high, c_low - 1)), (max(p_low, c_high + 1), p_high))
                if piece[0] <= piece[1]
            ]
        out.extend(pieces)
        covered = _merge([*covered, (low, high)])
    return tuple(out)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def resolve(host: str) -> tuple[int, str, int]:
    """``(family, numeric address, IPv6 scope id)`` of ``host``.

    Literal addresses are parsed without a lookup; a name (from a URL target)
    is resolved once, to its first address. Raises OSError if it cannot be.
    """
    try:
        socket.inet_pton(socket.AF_INET, host)
        return socket.AF_INET, host, 0
    except OSError:
        pass
    try:
        socket.inet_pton(socket.AF_INET6, host)
        return socket.AF_INET6, host, 0
    except OSError:
        pass
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    family, _, _, _, sockaddr = infos[0]
    if family == socket.AF_INET6:
        return family, str(sockaddr[0]).split("%")[0], int(sockaddr[3])  # type: ignore[misc]
    return family, str(sockaddr[0]), 0


class HostJob:
    """One host being scanned: where to connect, what is left, and how fast it answers.

    ``timeout`` starts at the configured connect timeout; every answer (open
    or refused) updates a smoothed round-trip time as TCP does (RFC 6298), and
    the timeout becomes ``srtt + 4 * rttvar``, kept between
    :data:`MIN_TIMEOUT` and the configured timeout. A host that answers in a
    millisecond then costs 0.1 s per silently dropped port, not the full
    timeout.
    """

    __slots__ = (
        "addr",
        "family",
        "host",
        "inflight",
        "left",
        "max_timeout",
        "min_timeout",
        "next_port",
        "ports",
        "queued",
        "retry",
        "rttvar",
        "scope",
        "srtt",
        "timeout",
        "url",
    )

    def __init__(
        self,
        *,
        host: str,
        family: int,
        addr: str,
        scope: int,
        ports: Iterator[int],
        count: int,
        url: str | None,
        timeout: float,
    ) -> None:
        self.host = host  # as the target named it (reported)
        self.family = family
        self.addr = addr  # numeric, connected to
        self.scope = scope
        self.url = url
        self.ports = ports
        self.left = count  # ports not yet taken from ``ports``
        self.retry: list[tuple[int, int]] = []  # (port, try number) waiting for a retry
        self.next_port: tuple[int, int] | None = None  # taken but not yet sent (rate limit)
        self.inflight = 0
        self.queued = False  # in the engine's round-robin window
        self.max_timeout = timeout
        self.min_timeout = min(MIN_TIMEOUT, timeout)
        self.timeout = timeout
        self.srtt = -1.0  # no sample yet
        self.rttvar = 0.0

    @classmethod
    def for_ports(
        cls, host: str, ports: Ranges | int, *, url: str | None, timeout: float
    ) -> HostJob:
        """A job for ``host`` over ``ports`` (disjoint ranges, or one port). May raise OSError."""
        family, addr, scope = resolve(host)
        if isinstance(ports, int):
            port_iter: Iterator[int] = iter((ports,))
            count = 1
        else:
            port_iter = itertools.chain.from_iterable(range(lo, hi + 1) for lo, hi in ports)
            count = sum(hi - lo + 1 for lo, hi in ports)
        return cls(
            host=host,
            family=family,
            addr=addr,
            scope=scope,
            ports=port_iter,
            count=count,
            url=url,
            timeout=timeout,
        )

    def take_again(self) -> tuple[int, int] | None:
        """The next ``(port, try number)`` to send again: one the rate limit held, or a retry."""
        if self.next_port is not None:
            item, self.next_port = self.next_port, None
            return item
        if self.retry:
            return self.retry.pop()
        return None

    @property
    def has_work(self) -> bool:
        """Whether a probe is waiting to be sent."""
        return self.left > 0 or self.next_port is not None or bool(self.retry)

    def sample(self, rtt: float) -> None:
        """Fold one measured round-trip time into the host's timeout."""
        if self.srtt < 0.0:
            self.srtt = rtt
            self.rttvar = rtt / 2
        else:
            self.rttvar += (abs(self.srtt - rtt) - self.rttvar) / 4
            self.srtt += (rtt - self.srtt) / 8
        self.timeout = min(self.max_timeout, max(self.min_timeout, self.srtt + 4 * self.rttvar))


class HostWindow:
    """The hosts being scanned: at most ``size`` at once, pulled lazily from ``jobs``.

    ``ready`` holds, in round-robin order, the hosts with a probe to send;
    hosts waiting for their rate limit are set aside until their time. A host
    is *queued* while it is in either; it is finished (and forgotten) once it
    is neither queued nor has a probe in flight.
    """

    def __init__(self, jobs: Iterator[HostJob], size: int) -> None:
        self.size = size
        self.ready: deque[HostJob] = deque()
        self.active = 0
        self.more = True  # ``jobs`` may yield more
        self._jobs = jobs
        self._parked: list[tuple[float, int, HostJob]] = []
        self._seq = itertools.count()

    @property
    def can_grow(self) -> bool:
        """Whether another host could be pulled in now."""
        return self.more and self.active < self.size

    @property
    def done(self) -> bool:
        """Every host pulled in, and every one finished."""
        return not self.more and self.active == 0

    def refill(self, now: float) -> None:
        """Wake the hosts whose wait is over, and pull in new ones up to ``size``."""
        parked, ready = self._parked, self.ready
        while parked and parked[0][0] <= now:
            ready.append(heapq.heappop(parked)[2])
        while self.can_grow:
            job = next(self._jobs, None)
            if job is None:
                self.more = False
                return
            self.active += 1
            job.queued = True
            ready.append(job)

    def park(self, job: HostJob, until: float) -> None:
        """Set ``job`` aside (it stays queued) until ``until``."""
        heapq.heappush(self._parked, (until, next(self._seq), job))

    def next_wake(self) -> float | None:
        """When the first host set aside may go again (None if none is)."""
        return self._parked[0][0] if self._parked else None

    def requeue(self, job: HostJob) -> None:
        """Put ``job`` back in the round-robin: it has a probe to send again."""
        if not job.queued:
            job.queued = True
            self.ready.append(job)

    def settle(self, job: HostJob) -> None:
        """Note that one of ``job``'s probes or bursts ended; forget it if it is finished."""
        if job.inflight == 0 and not job.queued:
            self.active -= 1
