"""The connect engine: many non-blocking TCP connects in flight on one thread.

One loop, no threads, no event loop, no object per probe beyond its socket:

1. **fill**: take ports round-robin from a window of active hosts and start a
   non-blocking ``connect`` for each, up to ``parallelism`` in flight. A
   connect the kernel has already settled (a refusal from this machine) is
   classified on the spot from ``SO_ERROR`` and never polled;
2. **poll**: one ``epoll_wait`` returns every connect that finished;
   writable alone means connected (open), anything else is read from
   ``SO_ERROR`` (``ECONNREFUSED``: closed; ``EHOSTUNREACH`` and the like:
   filtered, with the errno name as the reason);
3. **expire**: connects past their host's timeout are filtered, or go back
   to their host for a retry. Deadlines sit in 10 ms buckets, so starting a
   probe costs one list append, and expiry runs only after every ready event
   was read (a timeout is never declared while an answer waits unread).

Per-probe state lives in :class:`~hawkeye_scan_tcp.inflight.InFlight`. Counts
of closed and filtered ports are handed out in batches.
"""

from __future__ import annotations

import errno
import itertools
import logging
import socket
import sys
import time
from collections.abc import Callable, Iterator

from hawkeye_core import fd_budget
from hawkeye_scan_tcp.hosts import HostJob, HostWindow
from hawkeye_scan_tcp.inflight import InFlight, Sock
from hawkeye_scan_tcp.system import (
    CLOSED_ERRORS,
    LINGER_RESET,
    LOCAL_SHORTAGE,
    NONBLOCK,
    errno_name,
    make_poller,
)

__all__ = ["ConnectEngine"]

log = logging.getLogger("hawkeye.plugin.scan_tcp")

#: Longest the loop sleeps before checking whether the run was stopped.
IDLE_WAIT = 0.05
#: Most connects started between two polls.
FILL_BURST = 256
#: How often closed/filtered counts are handed out.
FLUSH_EVERY = 0.25
#: Linux resets a socket whose connect was refused on a second connect, so it can be reused.
REUSE_REFUSED = sys.platform == "linux"

RAN, PARKED, SHORT = 0, 1, 2  # how a burst of connects to one host ended

OnOpen = Callable[[HostJob, int, float], None]
OnFiltered = Callable[[HostJob, int, str], None]
OnCounts = Callable[[int, int], None]


class ConnectEngine:
    """Scan the hosts a :class:`HostJob` iterator yields; report through callbacks.

    ``on_open(job, port, elapsed)`` is called as soon as a port is found open;
    ``on_filtered(job, port, reason)`` (optional) for each filtered port;
    ``on_counts(closed, filtered)`` with the counts since its last call, every
    quarter second and at the end. ``acquire(host)`` (optional) is a rate
    limiter's ``try_acquire``: 0.0 to go, else seconds to wait, during which
    the host is set aside and the others go on. ``stopped()`` is checked on
    every pass of the loop. ``window`` is the most hosts active at once
    (default: ``parallelism``).
    """

    def __init__(
        self,
        *,
        parallelism: int,
        retries: int,
        on_open: OnOpen,
        on_filtered: OnFiltered | None = None,
        on_counts: OnCounts | None = None,
        acquire: Callable[[str], float] | None = None,
        stopped: Callable[[], bool] = lambda: False,
        window: int | None = None,
        force_selector: bool = False,
    ) -> None:
        self.parallelism = max(1, parallelism)
        self.retries = max(0, retries)
        self.on_open = on_open
        self.on_filtered = on_filtered
        self.on_counts = on_counts
        self.acquire = acquire
        self.stopped = stopped
        self.window = max(1, window or self.parallelism)
        self.force_selector = force_selector
        self.closed = 0
        self.filtered = 0
        self.self_connects = 0
        self._flushed = (0, 0)

    def run(self, jobs: Iterator[HostJob]) -> None:
        """Scan every host ``jobs`` yields, until done or stopped; every socket is closed."""
        poller = make_poller(self.force_selector)
        cap = fd_budget(self.parallelism)
        if poller.max_fds is not None:
            cap = min(cap, poller.max_fds)
        self._poller = poller
        self._cap = cap
        self._flight = InFlight(cap + 1024)
        self._inflight = 0
        self._hosts = HostWindow(jobs, self.window)
        self._short_until = 0.0
        self._spare: dict[int, Sock] = {}  # a refused socket, reset for the next probe
        try:
            self._loop()
        finally:
            self._flight.close_all()
            for sock in self._spare.values():
                sock.close()
            self._spare.clear()
            poller.close()
            self._flush()

    def _loop(self) -> None:
        poll = self._poller.poll
        maxevents = max(64, min(self._cap, 4096))
        stopped = self.stopped
        monotonic = time.monotonic
        hosts = self._hosts
        ready = hosts.ready
        flight = self._flight
        last_flush = monotonic()
        while not stopped():
            now = monotonic()
            hosts.refill(now)
            if ready and self._inflight < self._cap and now >= self._short_until:
                self._fill(now)
            if hosts.done:
                break
            if hosts.can_grow or (
                ready and self._inflight < self._cap and now >= self._short_until
            ):
                wait = 0.0
            else:
                wakes = [now + IDLE_WAIT, self._short_until]
                wakes += [t for t in (flight.next_deadline(), hosts.next_wake()) if t is not None]
                wait = min(t for t in wakes if t > now) - now
            events = poll(max(wait, 0.0), maxevents)
            now = monotonic()
            if events:
                self._finish(events, now)
            if len(events) < maxevents and flight.due(now):
                self._expire(now)
            if now - last_flush >= FLUSH_EVERY:
                last_flush = now
                self._flush()

    def _fill(self, now: float) -> None:
        """Start connects round-robin over the ready hosts, up to the free slots."""
        hosts = self._hosts
        ready = hosts.ready
        # Bounded so that the loop polls every few milliseconds: answers are read (and
        # their round-trip times measured) soon after they arrive, even on loopback.
        budget = min(self._cap - self._inflight, FILL_BURST)
        while budget > 0 and ready:
            share = max(1, budget // len(ready))
            for _ in range(min(len(ready), budget)):
                job = ready.popleft()
                tried, outcome = self._send(job, share, now)
                budget -= tried
                if outcome == PARKED:
                    continue  # set aside by the window until its rate limit allows
                if job.has_work:
                    ready.append(job)
                    if outcome == SHORT:  # out of descriptors or local ports: later
                        return
                else:
                    job.queued = False
                    hosts.settle(job)
                if budget <= 0:
                    return

    def _send(self, job: HostJob, count: int, now: float) -> tuple[int, int]:
        """Start up to ``count`` connects to ``job``; returns (tried, RAN/PARKED/SHORT)."""
        tried = 0
        while tried < count:
            item = job.take_again()
            if item is None:
                break
            n, _, outcome = self._send_ports(job, (item[0],), item[1], 1, now)
            tried += n
            if outcome != RAN:
                return tried, outcome
        if job.left <= 0 or tried >= count:
            return tried, RAN
        n, taken, outcome = self._send_ports(job, job.ports, 1, min(count - tried, job.left), now)
        job.left -= taken
        return tried + n, outcome

    def _send_ports(
        self, job: HostJob, ports: Iterator[int] | tuple[int], tryno: int, count: int, now: float
    ) -> tuple[int, int, int]:
        """The hot loop: connect to up to ``count`` of ``ports`` (try ``tryno``).

        Returns (connects started, ports taken, RAN/PARKED/SHORT).
        """
        new_socket = Sock
        family = job.family
        kind = socket.SOCK_STREAM | NONBLOCK
        set_blocking = not NONBLOCK
        addr = job.addr
        scope = job.scope
        acquire = self.acquire
        host = job.host
        flight = self._flight
        socks = flight.socks
        jobs_of = flight.jobs
        port_of = flight.ports
        try_of = flight.tries
        start_of = flight.starts
        register = self._poller.register
        write_mask = self._poller.write_mask
        in_progress = errno.EINPROGRESS
        refused = errno.ECONNREFUSED
        sol_socket = socket.SOL_SOCKET
        so_error = socket.SO_ERROR
        monotonic = time.monotonic
        reuse = REUSE_REFUSED
        aborted = errno.ECONNABORTED
        spare = self._spare.pop(family, None)
        flying: list[Sock] = []
        closed = 0
        tried = 0
        taken = 0
        outcome = RAN
        for port in itertools.islice(ports, count):
            taken += 1
            if acquire is not None:
                wait = acquire(host)
                if wait > 0.0:
                    job.next_port = (port, tryno)
                    self._hosts.park(job, now + wait)
                    outcome = PARKED
                    break
            if spare is not None:
                sock, spare = spare, None
            else:
                try:
                    sock = new_socket(family, kind)
                except OSError as exc:
                    job.next_port = (port, tryno)
                    self._shortage(exc.errno or 0, now)
                    outcome = SHORT
                    break
                if set_blocking:
                    sock.setblocking(False)
            sockaddr = (addr, port, 0, scope) if scope else (addr, port)
            err = sock.connect_ex(sockaddr)
            if err == in_progress:
                # Settled already (a refusal from this machine)? Then no poll is needed.
                err = sock.getsockopt(sol_socket, so_error)
                if not err:
                    fd = sock.fileno()
                    if fd >= len(socks):
                        flight.grow(fd)
                    socks[fd] = sock
                    jobs_of[fd] = job
                    port_of[fd] = port
                    try_of[fd] = tryno
                    start_of[fd] = monotonic()
                    register(fd, write_mask)
                    flying.append(sock)
                    tried += 1
                    continue
            if err == refused:
                closed += 1
                # A second connect on a refused socket only resets it (ECONNABORTED, no
                # packet); it is then as good as new, for a third of the cost of a new one.
                if reuse and sock.connect_ex(sockaddr) == aborted:
                    spare = sock
                else:
                    sock.close()
            elif err in LOCAL_SHORTAGE:
                sock.close()
                job.next_port = (port, tryno)
                self._shortage(err, now)
                outcome = SHORT
                break
            else:
                self._settled(job, sock, port, err, 0.0)
            tried += 1
        self.closed += closed
        if spare is not None:
            self._spare[family] = spare
        if flying:
            self._inflight += len(flying)
            job.inflight += len(flying)
            # From now, not from the start of the burst: every probe gets its full timeout.
            flight.add_deadline(flying, monotonic() + job.timeout)
        return tried, taken, outcome

    def _finish(self, events: list[tuple[int, int]], now: float) -> None:
        """Classify the connects ``poll`` reported as finished."""
        socks = self._flight.socks
        jobs_of = self._flight.jobs
        port_of = self._flight.ports
        start_of = self._flight.starts
        write_mask = self._poller.write_mask
        unregister = self._poller.unregister if self._poller.needs_unregister else None
        refused = errno.ECONNREFUSED
        sol_socket = socket.SOL_SOCKET
        so_error = socket.SO_ERROR
        settle = self._hosts.settle
        for fd, flags in events:
            sock = socks[fd]
            job = jobs_of[fd]
            if sock is None or job is None:
                continue
            socks[fd] = None
            jobs_of[fd] = None
            if unregister is not None:
                unregister(fd)
            err = 0 if flags == write_mask else sock.getsockopt(sol_socket, so_error)
            elapsed = now - start_of[fd]
            self._inflight -= 1
            job.inflight -= 1
            if err == refused:
                self.closed += 1
                sock.close()
                job.sample(elapsed)
            else:
                if err == 0 or err in CLOSED_ERRORS:
                    job.sample(elapsed)
                self._settled(job, sock, port_of[fd], err, elapsed)
            settle(job)

    def _settled(self, job: HostJob, sock: Sock, port: int, err: int, elapsed: float) -> None:
        """Classify one connect that is not a plain refusal, and close its socket."""
        if err == 0:
            try:
                is_self = sock.getsockname()[:2] == sock.getpeername()[:2]
                # Connected: reset on close rather than leave the pair in TIME_WAIT.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            except OSError:  # reset between the connect and now: it did connect
                is_self = False
            sock.close()
            if is_self:
                # Connected to itself (a local port in the ephemeral range): nothing listens.
                self.self_connects += 1
                self.closed += 1
            else:
                self.on_open(job, port, elapsed)
            return
        sock.close()
        if err in CLOSED_ERRORS:
            self.closed += 1
        else:
            self._filter(job, port, errno_name(err))

    def _filter(self, job: HostJob, port: int, reason: str) -> None:
        self.filtered += 1
        if self.on_filtered is not None:
            self.on_filtered(job, port, reason)

    def _expire(self, now: float) -> None:
        """Time out the connects whose deadline has passed: retry them, or call them filtered."""
        flight = self._flight
        unregister = self._poller.unregister if self._poller.needs_unregister else None
        for fd in flight.expired(now):
            port, tryno = flight.ports[fd], flight.tries[fd]
            sock, job = flight.release(fd)
            if unregister is not None:
                unregister(fd)
            sock.close()
            self._inflight -= 1
            job.inflight -= 1
            if tryno <= self.retries:
                job.retry.append((port, tryno + 1))
                self._hosts.requeue(job)
            else:
                self._filter(job, port, "timeout")
                self._hosts.settle(job)

    def _shortage(self, err: int, now: float) -> None:
        """Out of descriptors or local ports: wait for in-flight connects to free some."""
        if err in (errno.EMFILE, errno.ENFILE) and self._inflight:
            if self._inflight < self._cap:
                log.warning("L1: out of file descriptors; %d connects in flight", self._inflight)
            self._cap = max(1, self._inflight)
        self._short_until = now + (0.01 if self._inflight else 0.1)

    def _flush(self) -> None:
        """Hand the closed/filtered counts since the last flush to ``on_counts``."""
        closed, filtered = self.closed, self.filtered
        last_closed, last_filtered = self._flushed
        self._flushed = (closed, filtered)
        if self.on_counts is not None and (closed > last_closed or filtered > last_filtered):
            self.on_counts(closed - last_closed, filtered - last_filtered)
