"""One plugin call: its context, and how the core runs it on a level.

A ``run`` callable may return a record, an iterable of records or None; it may
be a generator or an async generator that yields records as it finds them; and
it may pass records to ``ctx.emit`` from anywhere inside the call. Every record
reaches the runner at once, so work streams to the next level while the call
goes on.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hawkeye_core.kinds import WorkRecord

if TYPE_CHECKING:
    from hawkeye_core.concurrency.breaker import BreakerRegistry
    from hawkeye_core.concurrency.cache import TTLCache
    from hawkeye_core.concurrency.counters import Stats
    from hawkeye_core.concurrency.locks import ResourceAllocator
    from hawkeye_core.concurrency.monitor import ResourceMonitor
    from hawkeye_core.concurrency.ratelimit import KeyedRateLimiter
    from hawkeye_core.config import Settings

__all__ = ["CallContext", "CallProblem", "is_async_callable"]


class CallProblem(Exception):
    """Raised by a ``run`` whose subject could not be fully handled, through no fault of its own.

    A server whose texts the model could not judge, for example. The call's
    ``Outcome`` is an error with this message, as for any exception, but the
    plugin's circuit breaker counts the call as a success: a few hostile
    subjects do not cut the plugin off for the rest of the run.
    """


class CallContext:
    """What a plugin's ``run`` gets as ``ctx``: the run's shared tools and its deadline.

    Everything here is safe to use from the call's thread or event loop.
    ``emit`` sends a record to the runner now; ``stopped`` turns true when the
    run is cancelled or this call is past its deadline, so long calls can end
    early. ``resources`` is the run's budget of file descriptors and
    processes (:mod:`hawkeye_core.resources`).
    """

    def __init__(
        self,
        *,
        record: WorkRecord,
        plugin: str,
        settings: Settings,
        options: Mapping[str, Any],
        deadline: float,
        emit: Callable[[Any], None],
        run_cancelled: threading.Event,
        limiter: KeyedRateLimiter,
        breakers: BreakerRegistry,
        cache: TTLCache[Any, Any],
        monitor: ResourceMonitor,
        stats: Stats,
        resources: ResourceAllocator | None = None,
    ) -> None:
        if resources is None:  # a call outside a run (``hawkeye inspect``, tests)
            from hawkeye_core.resources import run_resources

            resources = run_resources(settings)
        self.record = record
        self.plugin = plugin
        self.settings = settings
        self.options = options
        self.deadline = deadline
        self.limiter = limiter
        self.breakers = breakers
        self.cache = cache
        self.monitor = monitor
        self.resources = resources
        self._stats = stats
        self.log = logging.getLogger(f"hawkeye.plugin.{plugin}")
        self._emit = emit
        self._run_cancelled = run_cancelled
        self._abandoned = threading.Event()

    def emit(self, record: Any) -> None:
        """Hand one record to the runner now (ignored once the call is stopped)."""
        if not self._abandoned.is_set():
            self._emit(record)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the run's counter ``name`` (for what is not worth a record).

        A scanner counts closed and filtered ports this way instead of emitting
        one record for each.
        """
        self._stats.incr(name, n)

    def remaining(self) -> float:
        """Seconds left before this call's deadline (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    @property
    def stopped(self) -> bool:
        """True once the run is cancelled or the call is past its deadline."""
        return (
            self._abandoned.is_set()
            or self._run_cancelled.is_set()
            or time.monotonic() >= self.deadline
        )

    def abandon(self) -> None:
        """Mark the call abandoned: later emits are dropped (called by the runner)."""
        self._abandoned.set()


def is_async_callable(fn: Callable[..., Any]) -> bool:
    """True for coroutine functions and async generator functions (partials too)."""
    target: Any = fn
    while hasattr(target, "func"):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)) and callable(target):
        target = getattr(target, "__call__", target)  # noqa: B004 - callable objects
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _emit_value(value: Any, ctx: CallContext) -> None:
    if value is None:
        return
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        ctx.emit(value)
        return
    for item in value:
        if ctx.stopped:
            break
        ctx.emit(item)


def run_sync(fn: Callable[..., Any], args: tuple[Any, ...], ctx: CallContext) -> None:
    """Run a sync ``run`` on a level thread, emitting what it produces."""
    value = fn(*args, ctx)
    if inspect.isgenerator(value):
        try:
            _emit_value(value, ctx)
        finally:
            value.close()
    else:
        _emit_value(value, ctx)


async def run_async(fn: Callable[..., Any], args: tuple[Any, ...], ctx: CallContext) -> None:
    """Run an async ``run`` on a level's event loop, emitting what it produces."""
    value = fn(*args, ctx)
    if inspect.isasyncgen(value):
        try:
            async for item in value:
                if ctx.stopped:
                    break
                ctx.emit(item)
        finally:
            await value.aclose()
        return
    if inspect.isawaitable(value):
        value = await value
    _emit_value(value, ctx)
