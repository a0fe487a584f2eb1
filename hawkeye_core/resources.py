"""The run's budget of file descriptors and processes, shared by every level.

A scan holds sockets on several levels at once: L1 keeps up to
``parallelism`` connects in flight, and each stdio server started with
``--allow-exec`` is a process with three pipes. Left to themselves they would
meet at ``EMFILE`` halfway through a big sweep. So the run owns one
:class:`~hawkeye_core.concurrency.locks.ResourceAllocator` with two
resources, and plugins take what they hold from it (``ctx.resources``):

- ``fds``: descriptors. The soft ``RLIMIT_NOFILE`` is raised towards the hard
  limit as far as the settings need, less a reserve for everything else the
  process opens (HTTP clients, reports, the store).
- ``processes``: stdio servers running at once (``exec_parallelism``).
- ``model_calls``: calls waiting on a language model at once: one L4 slot
  fewer than L4 has (at least one), so a slow model never keeps the rule
  analysers waiting for a slot.

A stdio server's call holds ``{"processes": 1, "fds": FDS_PER_PROCESS}``,
taken in one step, all or nothing, by the runner before the call starts; the
TCP scanner takes its descriptors once, for the whole scan, and leaves room
for every process slot, so the two never starve each other. The HTTP clients
of L2 and L3 are not counted: a share of descriptors per slot is kept out of
the budget for them.
"""

from __future__ import annotations

import logging

from hawkeye_core.concurrency.locks import ResourceAllocator
from hawkeye_core.config import Settings
from hawkeye_core.levels import Level

__all__ = ["FDS_PER_PROCESS", "MODEL_CALL", "fd_budget", "run_resources", "scanner_fds"]

log = logging.getLogger("hawkeye.resources")

#: Descriptors kept free for the rest of the process (other levels, reports, the store).
FD_RESERVE = 256
#: Descriptors a started stdio server costs this process: stdin, stdout, stderr, a spare.
FDS_PER_PROCESS = 4
#: What one call that waits on a language model holds (an analyser's ``holds``).
MODEL_CALL = {"model_calls": 1}
#: Descriptors left free for each L2/L3 slot's HTTP connections (not counted by the allocator).
FDS_PER_SESSION = 4


def fd_budget(wanted: int) -> int:
    """How many descriptors may be taken, raising the soft RLIMIT_NOFILE if needed.

    The soft limit is raised towards the hard limit only as far as ``wanted``
    plus a reserve needs; the budget is the soft limit less that reserve (a
    quarter of it when the limit is small), and never more than ``wanted``.
    """
    try:
        import resource
    except ImportError:  # not a POSIX system: trust the settings
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    reserve = max(32, min(FD_RESERVE, soft // 4))
    need = wanted + reserve
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.debug("cannot raise RLIMIT_NOFILE to %d: %s", target, exc)
    if soft == resource.RLIM_INFINITY:
        return wanted
    budget = max(1, min(wanted, soft - reserve))
    if budget < wanted:
        log.info(
            "%d descriptors available to the run, not %d (RLIMIT_NOFILE is %d)",
            budget,
            wanted,
            soft,
        )
    return budget


def run_resources(settings: Settings) -> ResourceAllocator:
    """The allocator of one run: ``fds`` and ``processes``, sized from ``settings``.

    The soft limit is raised for the scanner's connects, every process slot
    and the sockets of the L2 and L3 sessions (``FDS_PER_SESSION`` per slot,
    not counted here but left free). On a limit too small for all of that,
    fewer stdio servers run at once, and the budget never exceeds the limit.
    """
    processes = settings.exec_parallelism
    sessions = FDS_PER_SESSION * (settings.levels[Level.BATCH] + settings.levels[Level.INTROSPECT])
    budget = fd_budget(settings.parallelism + FDS_PER_PROCESS * processes + sessions)
    fds = max(FDS_PER_PROCESS + 1, budget - sessions)
    if fds < FDS_PER_PROCESS * processes + 1:
        fewer = max(1, (fds - 1) // FDS_PER_PROCESS)
        log.info("%d stdio servers at once, not %d: too few file descriptors", fewer, processes)
        processes = fewer
    model_calls = max(1, settings.levels[Level.ANALYSE] - 1)
    return ResourceAllocator(
        {"fds": fds, "processes": processes, "model_calls": model_calls}, name="run resources"
    )


def scanner_fds(resources: ResourceAllocator, wanted: int) -> int:
    """The descriptors a scanner may hold for a whole scan: ``wanted``, less room for processes."""
    caps = resources.capacities
    room = caps.get("fds", wanted) - FDS_PER_PROCESS * caps.get("processes", 0)
    return max(1, min(wanted, room))
