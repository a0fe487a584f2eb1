"""Where each record goes next: the runner's routing, apart from its call loop.

A record a call emits is checked against what its plugin declared, kept (see
:class:`~hawkeye_core.found.Found`) and turned into jobs for the next level:
an open endpoint for the endpoint detectors, a server reference for the
introspectors that take its transport, an inventory for the server-scope
analysers, a finding for the outputs and ``hawkeye_on_finding``. A server no
introspector inventoried is still analysed from what is known of it. The
router only queues jobs; the runner decides when they run.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import attrs

from hawkeye_core.found import Found
from hawkeye_core.intake import Loaded
from hawkeye_core.kinds import Introspector
from hawkeye_core.levels import Level
from hawkeye_core.manager import PluginManager, _error_line
from hawkeye_core.records import Endpoint, Finding, Outcome, ServerInventory, ServerRef
from hawkeye_core.registry import Registered, Registry

__all__ = ["Job", "Router"]


@attrs.define(eq=False)
class Job:
    """One plugin call waiting for its level: the plugin, its arguments, what it is about."""

    entry: Registered
    args: tuple[Any, ...]
    subject: str
    host: str | None = None
    on_submit: Callable[[], None] | None = None  # called once the job leaves its queue


def _after(n: int, fn: Callable[[], None]) -> Callable[[], None]:
    """A callable that calls ``fn`` on its ``n``-th call (at once if ``n`` is 0)."""
    if n == 0:
        fn()
        return lambda: None
    left = [n]

    def step() -> None:
        left[0] -= 1
        if left[0] == 0:
            fn()

    return step


class Router:
    """Turns the records of a run into queued jobs (all on the runner's thread)."""

    def __init__(
        self,
        *,
        pm: PluginManager,
        registry: Registry,
        found: Found,
        pending: dict[Level, deque[Job]],
        cancelled: Callable[[], bool],
        on_finding: Callable[[Finding], None],
    ) -> None:
        self.pm = pm
        self.registry = registry
        self.found = found
        self.stats = found.stats
        self._pending = pending
        self._cancelled = cancelled
        self._on_finding = on_finding
        self._introspecting: dict[str, int] = {}  # introspector calls not ended, by server key
        self._run_analysers_started = False

    # -- records from calls ------------------------------------------------------
    def accept(self, entry: Registered, record: Any) -> bool:
        """Take one record ``entry``'s call emitted; False if it is not what it declared."""
        expected = entry.record.produces
        if not isinstance(record, expected):
            self.stats.incr("invalid_records")
            self.pm.problem(
                entry.plugin.name,
                f"{entry.key} produced {type(record).__name__}, "
                f"expected {expected.__name__}; dropped",
            )
            return False
        if isinstance(record, Endpoint):
            self.endpoint(record)
        elif isinstance(record, ServerRef):
            self.server(record)
        elif isinstance(record, ServerInventory):
            self.inventory(record)
        elif isinstance(record, Finding):
            self.finding(attrs.evolve(record, plugin=entry.key))
        return True

    def endpoint(self, endpoint: Endpoint) -> None:
        """An open port: for every endpoint detector that takes it."""
        if not self.found.add_endpoint(endpoint):
            return
        for entry in self.registry.detectors:
            if entry.record.on == "endpoint" and self.accepts(entry, endpoint):
                self.queue(entry, (endpoint,), endpoint.address, endpoint.host)

    def server(self, ref: ServerRef) -> None:
        """A server found: for the introspectors of its transport (or straight to analysis)."""
        if not self.found.add_server(ref):
            return
        host = urlsplit(ref.url).hostname if ref.url else None
        for entry in self.registry.introspectors:
            if ref.transport in entry.record.transports and self.accepts(entry, ref):
                self.queue(entry, (ref,), ref.key, host)
                self._introspecting[ref.key] = self._introspecting.get(ref.key, 0) + 1
        if not self._introspecting.get(ref.key):
            self._not_inventoried(ref, f"not introspected: no introspector takes {ref.transport}")

    def introspection_ended(self, job: Job, error: str | None) -> None:
        """Count an introspector call out; a server none inventoried is still analysed."""
        if not isinstance(job.entry.record, Introspector) or not job.args:
            return
        ref = job.args[0]
        left = self._introspecting.get(ref.key, 1) - 1
        self._introspecting[ref.key] = left
        if left == 0 and not self.found.inventoried(ref.key) and not self._cancelled():
            self._not_inventoried(ref, f"not inventoried: {error or 'no inventory returned'}")

    def _not_inventoried(self, ref: ServerRef, why: str) -> None:
        # The analysers still judge what is known without a session: its
        # command line, config, URL and the detector's evidence.
        self.inventory(ServerInventory(ref=ref, errors=(why[:500],)), counted=False)

    def inventory(
        self,
        inventory: ServerInventory,
        *,
        counted: bool = True,
        on_submit: Callable[[], None] | None = None,
    ) -> None:
        """An inventory: for every server-scope analyser; ``on_submit`` once all have it."""
        self.found.add_inventory(inventory, counted=counted)
        jobs = [
            Job(entry=entry, args=(inventory,), subject=inventory.ref.key)
            for entry in self.registry.analysers
            if entry.record.scope == "server" and self.accepts(entry, inventory)
        ]
        if on_submit is not None:
            on_submit = _after(len(jobs), on_submit)
        for job in jobs:
            job.on_submit = on_submit
            self._pending[job.entry.record.effective_level].append(job)

    def loaded(
        self, loaded: tuple[Loaded, ...], credits: int, submitted: Callable[[], None]
    ) -> None:
        """Files the intake read: inventories to the analysers, errors kept.

        The first ``credits`` inventories call ``submitted`` once they have
        gone to their analysers (the intake's backpressure).
        """
        for one in loaded:
            if one.error is not None:
                self.stats.incr("files_unreadable")
                self.found.add_outcome(
                    Outcome(
                        plugin="hawkeye",
                        kind="intake",
                        level=int(Level.BATCH),
                        subject=one.path[:500],
                        status="error",
                        started=time.time(),
                        error=one.error[:500],
                    )
                )
                continue
            self.stats.incr("files")
            for inventory in one.inventories:
                if credits > 0:
                    credits -= 1
                    self.inventory(inventory, on_submit=submitted)
                else:
                    self.inventory(inventory)

    def finding(self, finding: Finding) -> None:
        """A finding: kept (or suppressed), then streamed to the outputs and hooks."""
        if self.found.add_finding(finding):
            self._on_finding(finding)

    def start_run_analysers(self) -> bool:
        """Queue the run-scope analysers with every inventory, once; False if already done."""
        if self._run_analysers_started:
            return False
        self._run_analysers_started = True
        inventories = tuple(self.found.inventories)
        queued = False
        for entry in self.registry.analysers:
            if entry.record.scope == "run" and self.accepts(entry, inventories):
                self.queue(entry, (inventories,), "run")
                queued = True
        return queued

    # -- queueing ------------------------------------------------------------------
    def queue(
        self, entry: Registered, args: tuple[Any, ...], subject: str, host: str | None = None
    ) -> None:
        """Put a job on the pending queue of ``entry``'s level."""
        self._pending[entry.record.effective_level].append(
            Job(entry=entry, args=args, subject=subject, host=host)
        )

    def accepts(self, entry: Registered, item: Any) -> bool:
        """Whether ``entry``'s ``accepts`` filter takes ``item`` (one that raises: no)."""
        accepts = entry.record.accepts
        if accepts is None:
            return True
        try:
            return bool(accepts(item))
        except Exception as exc:
            self.pm.problem(entry.plugin.name, f"{entry.key}.accepts raised {_error_line(exc)}")
            return False
