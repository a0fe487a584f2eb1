"""A one-line progress display on standard error, for long scans.

Redrawn in place (``\\r`` and erase-line) at most every few tenths of a
second, only when standard error is a terminal: a redirected or piped run
gets no progress text at all, and standard output (the report) never does.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Mapping
from typing import TextIO

from hawkeye_core import Severity
from hawkeye_report_terminal.style import is_terminal

__all__ = ["ProgressDisplay", "progress_line"]

_CLEAR = "\r\033[K"


def _n(value: int) -> str:
    return f"{value:,}"


def _probes(stats: Mapping[str, int]) -> int:
    """Ports probed so far: the scanner's own count if it keeps one, else ports answered."""
    if "ports_probed" in stats:
        return stats["ports_probed"]
    return sum(stats.get(f"endpoints_{s}", 0) for s in ("open", "closed", "filtered"))


def progress_line(
    stats: Mapping[str, int],
    elapsed: float,
    rate: float | None = None,
    severities: Mapping[Severity, int] | None = None,
) -> str:
    """The status line for the run's counters ``stats`` after ``elapsed`` seconds.

    ``rate`` is probes (or calls) per second; ``severities`` counts findings so far.
    """
    parts = [f"HawkEye {elapsed:,.1f} s", f"targets {_n(stats.get('targets', 0))}"]
    probed = _probes(stats)
    ports = f"ports {_n(stats.get('endpoints_open', 0))} open"
    if "ports_probed" in stats:
        ports += f" of {_n(probed)}"
    parts.append(ports)
    servers = f"servers {_n(stats.get('servers', 0))}"
    if stats.get("inventories"):
        servers += f" ({_n(stats['inventories'])} inventoried)"
    parts.append(servers)
    findings = f"findings {_n(stats.get('findings', 0))}"
    worst = [
        f"{severities[s]} {s}"
        for s in sorted(severities or (), reverse=True)
        if severities and severities[s] and s >= Severity.HIGH
    ]
    if worst:
        findings += f" ({', '.join(worst)})"
    parts.append(findings)
    if stats.get("timeouts") or stats.get("calls_failed"):
        parts.append(f"errors {_n(stats.get('calls_failed', 0) + stats.get('timeouts', 0))}")
    if rate is not None:
        unit = "probes/s" if probed else "calls/s"
        parts.append(f"{rate:,.0f} {unit}")
    return "  ".join(parts)


class ProgressDisplay:
    """The progress line of one run, drawn on ``stream`` (standard error) when it is a terminal.

    The core calls :meth:`update` with the run's counters every half second or
    so (and :meth:`finish` at the end); :meth:`note_finding` counts findings by
    severity as they are made. Nothing is drawn in the first ``delay`` seconds,
    so a quick scan does not flash a line. On anything but a terminal every
    call is a no-op.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool | None = None,
        width: int | None = None,
        delay: float = 1.0,
    ) -> None:
        self.stream = stream
        self.enabled = is_terminal(stream) if enabled is None else enabled
        self.width = width
        self.delay = delay
        self.severities: Counter[Severity] = Counter()
        self.drawn = False
        self._last: tuple[float, int] | None = None
        self._rate: float | None = None

    def note_finding(self, severity: Severity) -> None:
        """Count one finding of ``severity``."""
        self.severities[severity] += 1

    def _measure(self, stats: Mapping[str, int], elapsed: float) -> float | None:
        # Probes per second over the last interval, smoothed; calls when nothing is probed.
        done = _probes(stats) or stats.get("calls", 0)
        if self._last is not None and elapsed > self._last[0]:
            instant = (done - self._last[1]) / (elapsed - self._last[0])
            self._rate = instant if self._rate is None else 0.5 * self._rate + 0.5 * instant
        self._last = (elapsed, done)
        return self._rate

    def update(self, stats: Mapping[str, int], elapsed: float) -> None:
        """Redraw the line for the counters ``stats`` after ``elapsed`` seconds."""
        if not self.enabled:
            return
        rate = self._measure(stats, elapsed)
        if elapsed < self.delay:
            return
        width = self.width or shutil.get_terminal_size((80, 24)).columns
        line = progress_line(stats, elapsed, rate, self.severities)[: max(10, width - 1)]
        try:
            self.stream.write(_CLEAR + line)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing
            self.enabled = False
            return
        self.drawn = True

    def finish(self) -> None:
        """Erase the line, so the report and the shell prompt start on a clean line."""
        if self.enabled and self.drawn:
            try:
                self.stream.write(_CLEAR)
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self.drawn = False
