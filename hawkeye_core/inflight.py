"""The calls in flight on the levels: how a queued job becomes a call, and how a call ends.

A job starts as a call once its level has room (the runner's gates), what it
holds of the run's budget is free, and its plugin's circuit breaker lets it
through. The call gets a :class:`~hawkeye_core.calls.CallContext` with its
deadline and goes to its level's pool. It ends in one of three ways, each
giving back its level slot and its hold, settling its breaker permit and
telling the router (an introspector call that ends is counted out):

- done: the plugin returned or raised (a :class:`~hawkeye_core.calls.CallProblem`
  is recorded without counting against the breaker);
- past its deadline: abandoned, reported as a timeout, counted as a failure;
- stopped with the run: abandoned and reported as cancelled, not counted.

Everything here runs on the runner's thread; the calls themselves report
back only through ``post``.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

import attrs

from hawkeye_core.calls import CallContext, CallProblem, is_async_callable, run_async, run_sync
from hawkeye_core.concurrency.batch import Backpressure
from hawkeye_core.concurrency.breaker import BreakerRegistry
from hawkeye_core.concurrency.cache import TTLCache
from hawkeye_core.concurrency.counters import Stats
from hawkeye_core.concurrency.locks import ResourceAllocator, ResourceTimeoutError
from hawkeye_core.concurrency.monitor import ResourceMonitor
from hawkeye_core.concurrency.ratelimit import KeyedRateLimiter
from hawkeye_core.config import Settings
from hawkeye_core.found import Found
from hawkeye_core.levels import Level, LevelPools
from hawkeye_core.manager import PluginManager, _error_line
from hawkeye_core.records import Outcome
from hawkeye_core.routing import Job, Router

__all__ = ["InFlight", "Shared"]

log = logging.getLogger("hawkeye.runner")


@attrs.frozen(kw_only=True)
class Shared:
    """The run's primitives every call's context carries."""

    limiter: KeyedRateLimiter
    breakers: BreakerRegistry
    cache: TTLCache[Any, Any]
    monitor: ResourceMonitor
    resources: ResourceAllocator
    stats: Stats


@attrs.define(eq=False)
class _Call:
    id: int
    job: Job
    level: Level
    future: Future[Any]
    ctx: CallContext
    permit: Any
    started: float  # time.time()
    started_mono: float
    deadline: float
    hold: Any  # what the call holds of the run's budget; released when it ends
    produced: int = 0


class _Nothing:
    """The hold of a call that holds nothing."""

    def release(self) -> None:
        pass


NOTHING = _Nothing()


class InFlight:
    """The calls running on the levels, by id (see the module docstring)."""

    def __init__(
        self,
        *,
        pm: PluginManager,
        settings: Settings,
        pools: LevelPools,
        gates: Mapping[Level, Backpressure],
        shared: Shared,
        router: Router,
        found: Found,
        cancelled: Any,  # threading.Event
        post: Callable[[str, int, Any], None],
    ) -> None:
        self.pm = pm
        self.settings = settings
        self.pools = pools
        self.gates = gates
        self.shared = shared
        self.router = router
        self.found = found
        self.stats = shared.stats
        self.cancelled = cancelled
        self._post = post
        self._ids = itertools.count(1)
        self._calls: dict[int, _Call] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def next_deadline(self) -> float | None:
        """The monotonic time the first call in flight is due, or None."""
        return min((c.deadline for c in self._calls.values()), default=None)

    # -- starting ------------------------------------------------------------------
    def hold(self, job: Job) -> Any:
        """Take what ``job``'s call holds of the run's budget; None if it is not free now.

        Waiting here costs the call nothing: its deadline starts when it is
        started. A ``holds`` that raises or asks for more than the budget has
        is a problem of the plugin, and the call then holds nothing.
        """
        holds = job.entry.record.holds
        if holds is None or not job.args:
            return NOTHING
        try:
            wanted = holds(job.args[0])
            if not wanted:
                return NOTHING
            return self.shared.resources.allocate(wanted, timeout=0)
        except ResourceTimeoutError:
            return None
        except Exception as exc:
            self.pm.problem(
                job.entry.plugin.name, f"{job.entry.key}.holds: {_error_line(exc)}; holds nothing"
            )
            return NOTHING

    def start(self, level: Level, job: Job, hold: Any = NOTHING) -> None:
        """Start ``job`` on ``level`` (its gate already taken, ``hold`` already held)."""
        if job.on_submit is not None:
            job.on_submit()
        entry = job.entry
        permit = self.shared.breakers.get(entry.key).try_acquire()
        if permit is None:
            self._give_back(level, hold)
            self.stats.incr("skipped")
            self.record(job, level, "skipped", time.time(), 0.0, error="circuit breaker open")
            self.router.introspection_ended(job, "circuit breaker open")
            return
        call_id = next(self._ids)
        timeout = entry.record.timeout or self.settings.deadlines[level]
        now = time.monotonic()
        shared = self.shared
        ctx = CallContext(
            record=entry.record,
            plugin=entry.key,
            settings=self.settings,
            options=self.settings.plugin_options(entry.plugin.name),
            deadline=now + timeout,
            emit=functools.partial(self._post, "emit", call_id),
            run_cancelled=self.cancelled,
            limiter=shared.limiter,
            breakers=shared.breakers,
            cache=shared.cache,
            monitor=shared.monitor,
            stats=shared.stats,
            resources=shared.resources,
        )
        fn = entry.record.run
        runner = run_async if is_async_callable(fn) else run_sync
        try:
            future = self.pools.submit(level, runner, fn, job.args, ctx)
        except RuntimeError as exc:  # pools shut down under us
            self._give_back(level, hold)
            permit.failure()
            self.record(job, level, "cancelled", time.time(), 0.0, error=str(exc))
            return
        self._calls[call_id] = _Call(
            id=call_id,
            job=job,
            level=level,
            future=future,
            ctx=ctx,
            permit=permit,
            started=time.time(),
            started_mono=now,
            deadline=now + timeout,
            hold=hold,
        )
        self.stats.incr("calls")
        future.add_done_callback(functools.partial(self._done, call_id))

    def _done(self, call_id: int, future: Future[Any]) -> None:
        self._post("done", call_id, None)

    # -- news from calls -------------------------------------------------------------
    def handle(self, kind: str, call_id: int, payload: Any) -> None:
        """A record a call emitted (``emit``), or its end (``done``); late news is dropped."""
        call = self._calls.get(call_id)
        if call is None:
            return  # from a call already abandoned
        if kind == "emit":
            if self.router.accept(call.job.entry, payload):
                call.produced += 1
        elif kind == "done":
            self._finish(call)

    def _finish(self, call: _Call) -> None:
        self._end(call)
        duration = time.monotonic() - call.started_mono
        exc = call.future.exception() if not call.future.cancelled() else None
        if exc is None:
            call.permit.success()
            self.stats.incr("calls_ok")
            self.router.introspection_ended(call.job, None)
            return
        if isinstance(exc, CallProblem):
            call.permit.success()  # the subject's problem, not the plugin's
        else:
            call.permit.failure()
        self.stats.incr("calls_failed")
        log.warning("%s failed on %s: %s", call.job.entry.key, call.job.subject, exc)
        self.record(
            call.job,
            call.level,
            "error",
            call.started,
            duration,
            error=_error_line(exc),
            error_type=type(exc).__name__,
            produced=call.produced,
        )
        self.router.introspection_ended(call.job, _error_line(exc))

    # -- ending early ----------------------------------------------------------------
    def expire(self) -> None:
        """Abandon every call past its deadline."""
        now = time.monotonic()
        for call in [c for c in self._calls.values() if c.deadline <= now]:
            self._abandon(
                call,
                "timeout",
                f"no answer within its {call.deadline - call.started_mono:g} s deadline",
            )

    def stop_all(self) -> None:
        """Abandon every call: the run stopped."""
        for call in list(self._calls.values()):
            self._abandon(call, "cancelled", "the run was stopped")

    def _abandon(self, call: _Call, status: str, error: str) -> None:
        call.ctx.abandon()
        self.pools.abandon(call.level, call.future)
        self._end(call)
        if status == "timeout":
            call.permit.failure()
            self.stats.incr("timeouts")
        else:
            call.permit.cancel()  # the run stopped; the plugin did nothing wrong
        self.record(
            call.job,
            call.level,
            status,
            call.started,
            time.monotonic() - call.started_mono,
            error=error,
            produced=call.produced,
        )
        self.router.introspection_ended(call.job, error)

    def _end(self, call: _Call) -> None:
        del self._calls[call.id]
        self._give_back(call.level, call.hold)

    def _give_back(self, level: Level, hold: Any) -> None:
        hold.release()
        self.gates[level].release()

    # -- outcomes ----------------------------------------------------------------------
    def record(
        self, job: Job, level: Level, status: str, started: float, duration: float, **fields: Any
    ) -> None:
        """Keep the outcome of a call that did not end well."""
        self.found.add_outcome(
            Outcome(
                plugin=job.entry.key,
                kind=job.entry.kind,
                level=int(level),
                subject=job.subject[:500],
                status=status,
                started=started,
                duration=duration,
                **{k: v for k, v in fields.items() if v is not None},
            )
        )
