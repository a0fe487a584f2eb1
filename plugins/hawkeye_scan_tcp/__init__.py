"""L1: a fast TCP connect scanner, without root.

One stream scanner (``tcp``) takes every target of the run at once and keeps
up to ``parallelism`` non-blocking connects in flight from one L1 thread (see
:mod:`hawkeye_scan_tcp.engine`). Each open port is emitted as an
:class:`~hawkeye_core.Endpoint` the moment it is found, so L2 detection starts
while the scan goes on; closed and filtered ports are only counted
(``endpoints_closed``, ``endpoints_filtered``).

Settings used: ``ports`` / ``top_ports`` (ports of targets that name none),
``connect_timeout`` (the longest a connect waits; a host that has answered
gets a timeout from its measured round-trip time, at least 0.1 s),
``retries`` (extra tries for ports that timed out), ``parallelism``, and
``rate`` / ``host_rate`` (each connect takes a token from the run's limiter).
The sockets in flight are taken from the run's descriptor budget
(``ctx.resources``) for the whole scan, leaving room for every stdio server
slot (:func:`hawkeye_core.scanner_fds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hawkeye_core import CallContext, Endpoint, Scanner, Target, hookimpl, scanner_fds
from hawkeye_scan_tcp.engine import ConnectEngine
from hawkeye_scan_tcp.hosts import HostJob, disjoint_ranges

__all__ = ["scan"]


def _jobs(
    targets: Iterable[Target], ctx: CallContext, ranges: tuple[tuple[int, int], ...]
) -> Iterator[HostJob]:
    """A job per target, made as the engine asks for it; unresolvable hosts are counted."""
    timeout = ctx.settings.connect_timeout
    for target in targets:
        ports = target.port if target.port is not None else ranges
        try:
            yield HostJob.for_ports(target.host, ports, url=target.url, timeout=timeout)
        except (OSError, UnicodeError) as exc:
            ctx.count("targets_unresolved")
            ctx.log.warning("cannot scan %s: %s", target.host, exc)


def scan(targets: Iterable[Target], ctx: CallContext) -> None:
    """Connect-scan every target; emit open ports as found, count the rest."""
    settings = ctx.settings
    ranges = disjoint_ranges(settings.port_spec().ranges)
    limited = settings.rate is not None or settings.host_rate is not None

    def on_open(job: HostJob, port: int, elapsed: float) -> None:
        ctx.emit(
            Endpoint(
                host=job.host,
                port=port,
                state="open",
                url=job.url,
                reason="syn-ack",
                elapsed=round(elapsed, 6),
            )
        )

    def on_counts(closed: int, filtered: int) -> None:
        if closed:
            ctx.count("endpoints_closed", closed)
        if filtered:
            ctx.count("endpoints_filtered", filtered)

    fds = scanner_fds(ctx.resources, settings.parallelism)
    with ctx.resources.allocate({"fds": fds}, timeout=ctx.remaining()):
        engine = ConnectEngine(
            parallelism=fds,
            retries=settings.retries,
            on_open=on_open,
            on_counts=on_counts,
            acquire=ctx.limiter.try_acquire if limited else None,
            stopped=lambda: ctx.stopped,
        )
        engine.run(_jobs(targets, ctx, ranges))
    if engine.self_connects:
        ctx.count("tcp_self_connects", engine.self_connects)


@hookimpl
def hawkeye_scanners() -> Iterator[Scanner]:
    yield Scanner(
        name="tcp",
        mode="stream",
        run=scan,
        description="TCP connect scan: many non-blocking connects in flight, no root needed.",
    )
