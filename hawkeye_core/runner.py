"""The streaming runner: targets flow level to level as results appear.

The runner's thread (the caller's, normally the main thread) owns all state.
It submits plugin calls to the level pools, and receives what they emit and
when they end through one queue, so there is no barrier between levels: an
open port found by L1 reaches an L2 detector while L1 is still scanning.

Submission order favours downstream levels (L4, L3, L2, then L1), so work
drains before more is taken in. Each level holds at most its size in flight
(``Backpressure``); new targets wait while the resource monitor says the
machine is under pressure; calls to a host wait for the host's rate limit; a
plugin whose calls keep failing is cut off by its circuit breaker. A call past
its deadline is abandoned and reported. Ctrl-C (or SIGTERM) stops submission,
abandons what is in flight and returns what was found.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from hawkeye_core._version import __version__
from hawkeye_core.concurrency.batch import Backpressure
from hawkeye_core.concurrency.breaker import BreakerRegistry
from hawkeye_core.concurrency.cache import TTLCache
from hawkeye_core.concurrency.counters import Stats
from hawkeye_core.concurrency.monitor import ResourceLimits, ResourceMonitor
from hawkeye_core.concurrency.ratelimit import KeyedRateLimiter
from hawkeye_core.config import Settings
from hawkeye_core.found import Found
from hawkeye_core.inflight import InFlight, Shared
from hawkeye_core.intake import FileIntake
from hawkeye_core.levels import Level, LevelPools
from hawkeye_core.lifecycle import call_lifecycle_hook, fewer_collections, stop_signals
from hawkeye_core.manager import PluginManager, _error_line
from hawkeye_core.records import Finding, Outcome, ServerInventory, Target
from hawkeye_core.registry import Registry
from hawkeye_core.resources import run_resources
from hawkeye_core.result import ScanResult
from hawkeye_core.routing import Job, Router

__all__ = ["Run"]

log = logging.getLogger("hawkeye.runner")

#: Seconds between two ``hawkeye_on_progress`` calls.
PROGRESS_INTERVAL = 0.5
_LEVEL_ORDER = (Level.ANALYSE, Level.INTROSPECT, Level.BATCH, Level.SCAN)


def _tenth(rate: float | None) -> int | None:
    return None if rate is None else max(1, math.ceil(rate / 10))


class Run:
    """One run of the pipeline. Lifecycle hooks receive it as ``run``.

    Public attributes: ``scan_id``, ``settings``, ``registry``, ``stats``
    (counters), ``log``, and the shared primitives ``limiter``, ``breakers``,
    ``cache``, ``monitor`` and ``resources``. ``cancel()`` may be called from any thread.
    """

    def __init__(
        self,
        pm: PluginManager,
        registry: Registry,
        settings: Settings,
        targets: Iterable[Target] = (),
        *,
        target_specs: Iterable[str] = (),
        monitor: ResourceMonitor | None = None,
        on_finding: Callable[[Finding], None] | None = None,
    ) -> None:
        self.pm = pm
        self.registry = registry
        self.settings = settings
        self.scan_id = uuid.uuid4().hex
        self.log = log
        self.stats = Stats()
        self.target_specs = tuple(target_specs)
        # Bursts of a tenth of a second's worth, so probes are spread over each
        # second rather than sent back to back at its start.
        self.limiter = KeyedRateLimiter(
            rate=settings.rate,
            per_key_rate=settings.host_rate,
            burst=_tenth(settings.rate),
            per_key_burst=_tenth(settings.host_rate),
        )
        self.breakers = BreakerRegistry(
            failure_threshold=settings.breaker_threshold, reset_timeout=settings.breaker_reset
        )
        self.cache: TTLCache[Any, Any] = TTLCache(max_entries=10_000, max_bytes=64 << 20)
        self.resources = run_resources(settings)
        max_rss = int(settings.max_rss_mb * 2**20) if settings.max_rss_mb else None
        self.monitor = monitor or ResourceMonitor(
            ResourceLimits(
                max_memory_percent=settings.max_memory_percent,
                max_process_rss=max_rss,
                max_cpu_percent=settings.max_cpu_percent,
            )
        )
        self.cancelled = threading.Event()
        self._target_source: Iterable[Target] = targets
        self._targets: Iterator[Target] | None = None
        self._targets_done = False
        self._events: queue.SimpleQueue[tuple[str, int, Any]] = queue.SimpleQueue()
        self._pending: dict[Level, deque[Job]] = {lv: deque() for lv in _LEVEL_ORDER}
        self._pools = LevelPools(sizes=settings.levels)
        self._gates = {lv: Backpressure(settings.levels[lv]) for lv in _LEVEL_ORDER}
        self.found = Found(self.stats, settings.suppress)
        self.router = Router(
            pm=pm,
            registry=registry,
            found=self.found,
            pending=self._pending,
            cancelled=self.cancelled.is_set,
            on_finding=self._on_finding,
        )
        self._inflight = InFlight(
            pm=pm,
            settings=settings,
            pools=self._pools,
            gates=self._gates,
            shared=Shared(
                limiter=self.limiter,
                breakers=self.breakers,
                cache=self.cache,
                monitor=self.monitor,
                resources=self.resources,
                stats=self.stats,
            ),
            router=self.router,
            found=self.found,
            cancelled=self.cancelled,
            post=self._post,
        )
        self._intake: FileIntake | None = None
        self._intake_done = True
        self._wake_at = 0.0
        self._started = 0.0
        #: Called with each finding (after suppressions), before ``hawkeye_on_finding``.
        self.on_finding = on_finding
        self._progress_at = 0.0

    # -- public ------------------------------------------------------------------
    def set_targets(self, targets: Iterable[Target]) -> None:
        """Give the run its targets, before ``execute``.

        They are consumed lazily. Stream scanners iterate them again, so pass
        something that can be iterated more than once (a list, a
        :class:`hawkeye_core.targets.TargetSet`).
        """
        self._target_source = targets

    def seed(self, inventories: Iterable[ServerInventory]) -> None:
        """Start from inventories already made (``hawkeye analyse``); before ``execute``.

        Each goes straight to the analysers, as if an introspector had made it.
        """
        for inventory in inventories:
            self.router.inventory(inventory)

    def seed_files(self, paths: Iterable[str | Path]) -> None:
        """Analyse the MCP definitions in files (``hawkeye analyse``); before ``execute``.

        The files are loaded on L2 in adaptive batches while the run goes on
        (:mod:`hawkeye_core.intake`); a file that cannot be read becomes an
        error of its own (``kind="intake"``) and the others are analysed.
        """
        self._intake = FileIntake(
            list(paths),
            executor=self._pools.get(Level.BATCH),
            hand=lambda loaded, credits: self._events.put(("intake", credits, loaded)),
            done=lambda: self._events.put(("intake-done", 0, None)),
            should_throttle=self.monitor.should_throttle,
            cancelled=self.cancelled,
        )
        self._intake_done = False

    def cancel(self) -> None:
        """Ask the run to stop: no new work, in-flight calls abandoned."""
        self.cancelled.set()
        self._events.put(("wake", 0, None))

    def execute(self) -> ScanResult:
        """Run the pipeline to the end (or to Ctrl-C) and return what was found."""
        self._started = time.time()
        result: ScanResult | None = None
        try:
            with stop_signals(self.cancel, self.cancelled.is_set), fewer_collections():
                self.monitor.start()
                self._call_hook("hawkeye_before_run", run=self)
                self._loop()
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting, keep what was found
            self.cancelled.set()
        finally:
            self._stop_all()
            if self._intake is not None:
                self._intake.stop(timeout=1.0)
            self.monitor.stop()
            self._pools.shutdown(cancel=True, timeout=1.0)
            for level, counts in self._pools.stats().items():
                for name in ("completed", "failed"):
                    self.stats.incr(f"{level.label}_{name}", getattr(counts, name))
            result = self.result()
            self._call_hook("hawkeye_after_run", run=self, result=result)
        return result

    def result(self) -> ScanResult:
        """What the run has found so far, as a :class:`ScanResult`."""
        loaded = [i for i in self.pm.infos.values() if i.status == "loaded"]
        return ScanResult(
            scan_id=self.scan_id,
            started=self._started,
            finished=time.time(),
            hawkeye_version=__version__,
            targets=self.target_specs,
            interrupted=self.cancelled.is_set(),
            stats=self.stats.snapshot(),
            plugins=[{"name": i.name, "dist": i.dist, "version": i.version} for i in loaded],
            **self.found.result_fields(),
        )

    # -- the loop ----------------------------------------------------------------
    def _loop(self) -> None:
        scanners = self.registry.scanners
        per_target = [e for e in scanners if e.record.mode == "target"]
        streams = [e for e in scanners if e.record.mode == "stream"]
        if per_target:
            self._targets = iter(self._target_source)
        else:
            self._targets_done = True  # nothing scans one target at a time
        for index, entry in enumerate(streams):
            count = index == 0 and not per_target
            self._pending[entry.record.effective_level].append(
                Job(entry=entry, args=(self._stream_targets(count),), subject="targets")
            )
        if self.settings.local:
            for entry in self.registry.detectors:
                if entry.record.on == "host":
                    self._pending[entry.record.effective_level].append(
                        Job(entry=entry, args=(), subject="host")
                    )
        if self._intake is not None:
            self._intake.start()
        while not self.cancelled.is_set():
            self._submit_ready()
            if not self._inflight and not any(self._pending.values()):
                if not (self._targets_done and self._intake_done):
                    self._wait_for_events()  # intake is throttled; wait, then retry
                    continue
                if self.router.start_run_analysers():
                    continue
                break
            self._wait_for_events()
            self._report_progress()

    def _report_progress(self) -> None:
        # At most every PROGRESS_INTERVAL: _wait_for_events returns at least
        # every half second, so a quiet run still reports.
        now = time.monotonic()
        if now < self._progress_at:
            return
        self._progress_at = now + PROGRESS_INTERVAL
        elapsed = max(0.0, time.time() - self._started)
        self._call_hook(
            "hawkeye_on_progress", run=self, stats=self.stats.snapshot(), elapsed=elapsed
        )

    def _wait_for_events(self) -> None:
        now = time.monotonic()
        timeout = 0.5
        deadline = self._inflight.next_deadline()
        if deadline is not None:
            timeout = min(timeout, max(0.0, deadline - now))
        if self._wake_at > now:
            timeout = min(timeout, self._wake_at - now)
        elif self._wake_at:
            timeout = min(timeout, 0.01)
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            event = None
        while event is not None:
            self._handle(event)
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                event = None
        self._inflight.expire()

    def _submit_ready(self) -> None:
        self._wake_at = 0.0
        for level in _LEVEL_ORDER:
            pending = self._pending[level]
            for _ in range(len(pending)):
                if not self._gates[level].acquire(timeout=0):
                    break
                job = pending.popleft()
                hold = self._inflight.hold(job)
                if hold is None:  # its resources are taken: it waits, without a deadline
                    self._gates[level].release()
                    pending.append(job)
                    self.stats.incr("waiting_for_resources")
                    continue
                if job.host and level in (Level.BATCH, Level.INTROSPECT):
                    wait = self.limiter.try_acquire(job.host)
                    if wait > 0:
                        hold.release()
                        self._gates[level].release()
                        pending.append(job)
                        self.stats.incr("rate_limited")
                        self._note_wake(wait)
                        continue
                self._inflight.start(level, job, hold)
        self._take_targets()

    def _stream_targets(self, count: bool) -> Iterator[Target]:
        """The targets for a stream scanner: lazy, paused under pressure, ended by a stop."""
        for target in self._target_source:
            while self.monitor.should_throttle() and not self.cancelled.is_set():
                self.stats.incr("throttled")
                time.sleep(0.1)
            if self.cancelled.is_set():
                return
            if count:
                self.stats.incr("targets")
            yield target

    def _take_targets(self) -> None:
        # Targets enter only while L1 has room and the machine is not under
        # pressure; downstream levels keep draining meanwhile.
        l1 = self._pending[Level.SCAN]
        scanners = [e for e in self.registry.scanners if e.record.mode == "target"]
        while not self._targets_done and len(l1) < self.settings.levels[Level.SCAN]:
            if self.monitor.should_throttle():
                self.stats.incr("throttled")
                self._note_wake(0.1)
                return
            assert self._targets is not None
            target = next(self._targets, None)
            if target is None:
                self._targets_done = True
                return
            self.stats.incr("targets")
            for entry in scanners:
                if self.router.accepts(entry, target):
                    l1.append(
                        Job(entry=entry, args=(target,), subject=target.spec, host=target.host)
                    )
            while l1 and self._gates[Level.SCAN].acquire(timeout=0):
                hold = self._inflight.hold(l1[0])
                if hold is None:
                    self._gates[Level.SCAN].release()
                    break
                self._inflight.start(Level.SCAN, l1.popleft(), hold)

    def _note_wake(self, delay: float) -> None:
        wake = time.monotonic() + delay
        self._wake_at = wake if not self._wake_at else min(self._wake_at, wake)

    # -- events ------------------------------------------------------------------
    def _post(self, kind: str, call_id: int, payload: Any) -> None:
        self._events.put((kind, call_id, payload))

    def _handle(self, event: tuple[str, int, Any]) -> None:
        kind, call_id, payload = event
        if kind == "intake":
            assert self._intake is not None
            self.router.loaded(payload, call_id, self._intake.submitted)
            return
        if kind == "intake-done":
            self._intake_done = True
            return
        self._inflight.handle(kind, call_id, payload)

    def _stop_all(self) -> None:
        self._inflight.stop_all()
        for pending in self._pending.values():
            pending.clear()

    def _on_finding(self, finding: Finding) -> None:
        if self.on_finding is not None:
            self.on_finding(finding)  # streamed outputs (-o findings.jsonl)
        self._call_hook("hawkeye_on_finding", finding=finding, run=self)

    # -- hooks ---------------------------------------------------------------------
    def _call_hook(self, name: str, **kwargs: Any) -> None:
        call_lifecycle_hook(
            self.pm, name, trace=self.settings.trace_plugins, on_error=self._hook_failed, **kwargs
        )

    def _hook_failed(self, plugin: str, hook: str, exc: BaseException) -> None:
        self.stats.incr("hook_errors")
        self.found.add_outcome(
            Outcome(
                plugin=plugin,
                kind="hook",
                level=0,
                subject=hook,
                status="error",
                started=time.time(),
                error=_error_line(exc),
                error_type=type(exc).__name__,
            )
        )
