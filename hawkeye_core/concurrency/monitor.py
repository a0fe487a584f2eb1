"""A psutil resource monitor: history, alerts on crossing a limit, and ``should_throttle``.

The monitor is level L5: one daemon thread, ``HawkEye-Monitor``, samples memory and CPU of
this process and of the system. The batch processor asks ``should_throttle()`` before it
submits more work, so a large scan slows down instead of exhausting the machine.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs
import psutil

__all__ = [
    "PsutilSampler",
    "ResourceAlert",
    "ResourceLimits",
    "ResourceMonitor",
    "ResourceSample",
]

logger = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class ResourceSample:
    """One reading: process RSS (bytes) and CPU %, system memory % and CPU %, threads."""

    time: float
    process_rss: int
    process_cpu_percent: float
    system_memory_percent: float
    system_cpu_percent: float
    threads: int


@attrs.frozen(kw_only=True)
class ResourceLimits:
    """Limits above which the monitor alerts and asks for throttling; None disables one."""

    max_memory_percent: float = 90.0
    max_process_rss: int | None = None
    max_cpu_percent: float | None = None


@attrs.frozen(kw_only=True)
class ResourceAlert:
    """A metric went above its limit."""

    time: float
    metric: str
    value: float
    limit: float
    message: str


class PsutilSampler:
    """Read this process and the system with psutil; the default sampler of the monitor.

    CPU percentages are measured between consecutive calls on this object (the first call
    covers the time since construction), independently of other ``psutil.cpu_percent``
    users in the process.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # primes the per-process reference
        self._last_cpu_times = psutil.cpu_times()

    def __call__(self) -> ResourceSample:
        """Take one reading now."""
        proc = self._process
        with proc.oneshot():
            rss = proc.memory_info().rss
            process_cpu = proc.cpu_percent(None)
            threads = proc.num_threads()
        cpu_times = psutil.cpu_times()
        system_cpu = _busy_percent(self._last_cpu_times, cpu_times)
        self._last_cpu_times = cpu_times
        return ResourceSample(
            time=self._clock(),
            process_rss=rss,
            process_cpu_percent=process_cpu,
            system_memory_percent=psutil.virtual_memory().percent,
            system_cpu_percent=system_cpu,
            threads=threads,
        )


def _busy_percent(before: Any, after: Any) -> float:
    """System CPU busy % between two ``psutil.cpu_times()`` readings (as psutil computes it)."""
    deltas = {f: max(0.0, getattr(after, f) - getattr(before, f)) for f in after._fields}
    total = sum(deltas.values())
    if sys.platform.startswith("linux"):  # guest time is already counted in user/nice
        total -= deltas.get("guest", 0.0) + deltas.get("guest_nice", 0.0)
    busy = total - deltas.get("idle", 0.0) - deltas.get("iowait", 0.0)
    return round(100.0 * busy / total, 1) if total > 0 else 0.0


class ResourceMonitor:
    """Sample resources now (``sample``) or every ``interval`` seconds in a thread (``start``).

    Keeps the last ``history`` samples and alerts. An alert is raised when a metric goes
    above its limit, not again while it stays there; it is logged and passed to
    ``on_alert``. ``should_throttle`` compares the latest sample to the limits.
    """

    THREAD_NAME = "HawkEye-Monitor"

    def __init__(
        self,
        limits: ResourceLimits = ResourceLimits(),  # frozen, so sharing the default is safe
        *,
        interval: float = 1.0,
        history: int = 300,
        sampler: Callable[[], ResourceSample] | None = None,
        on_alert: Callable[[ResourceAlert], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if interval <= 0 or history < 1:
            raise ValueError("interval must be positive and history at least 1")
        self.limits = limits
        self.interval = interval
        self._sampler = sampler if sampler is not None else PsutilSampler(clock)
        self._on_alert = on_alert
        self._lock = threading.Lock()
        self._history: deque[ResourceSample] = deque(maxlen=history)
        self._alerts: deque[ResourceAlert] = deque(maxlen=history)
        self._over: set[str] = set()
        self._latest: ResourceSample | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def latest(self) -> ResourceSample | None:
        """The most recent sample, or None before the first."""
        return self._latest

    def history(self) -> list[ResourceSample]:
        """The kept samples, oldest first."""
        with self._lock:
            return list(self._history)

    def alerts(self) -> list[ResourceAlert]:
        """The kept alerts, oldest first."""
        with self._lock:
            return list(self._alerts)

    def sample(self) -> ResourceSample:
        """Take a reading now, record it and raise alerts for limits newly crossed."""
        with self._lock:
            reading = self._sampler()
            self._history.append(reading)
            self._latest = reading
            new_alerts = self._check(reading)
            self._alerts.extend(new_alerts)
        for alert in new_alerts:
            logger.warning("%s", alert.message)
            if self._on_alert is not None:
                try:
                    self._on_alert(alert)
                except Exception:
                    logger.exception("resource alert handler failed")
        return reading

    def should_throttle(self) -> bool:
        """True if the latest sample is above any limit; False before the first sample."""
        reading = self._latest
        return reading is not None and any(
            value > limit for _, value, limit in self._metrics(reading)
        )

    def start(self) -> None:
        """Start sampling every ``interval`` seconds in a daemon thread; no-op if running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.THREAD_NAME, daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the sampling thread at once and wait for it (up to ``timeout`` seconds)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the sampling thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def __enter__(self) -> ResourceMonitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except Exception:
                logger.exception("resource sampling failed")
            self._stop.wait(self.interval)

    def _metrics(self, reading: ResourceSample) -> list[tuple[str, float, float]]:
        limits = self.limits
        metrics = [
            ("system_memory_percent", reading.system_memory_percent, limits.max_memory_percent)
        ]
        if limits.max_process_rss is not None:
            metrics.append(("process_rss", reading.process_rss, limits.max_process_rss))
        if limits.max_cpu_percent is not None:
            metrics.append(
                ("system_cpu_percent", reading.system_cpu_percent, limits.max_cpu_percent)
            )
        return metrics

    def _check(self, reading: ResourceSample) -> list[ResourceAlert]:
        alerts = []
        for metric, value, limit in self._metrics(reading):
            if value <= limit:
                self._over.discard(metric)
            elif metric not in self._over:
                self._over.add(metric)
                message = f"{metric} is {value:g}, above the limit of {limit:g}"
                alerts.append(
                    ResourceAlert(
                        time=reading.time, metric=metric, value=value, limit=limit, message=message
                    )
                )
        return alerts
