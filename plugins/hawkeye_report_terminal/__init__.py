"""The ``terminal`` report and the progress display of long scans.

The report: a summary of the scan, a table of the servers, findings by
severity and each finding with where it is and its evidence; colour only on a
terminal and never with ``NO_COLOR``; every string a server sent goes through
``terminal_safe``. The progress display: one line on standard error, only when
it is a terminal, fed by the core's progress hook.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import TextIO

from hawkeye_core import Finding, Reporter, Run, ScanResult, hookimpl
from hawkeye_report_terminal.progress import ProgressDisplay, progress_line
from hawkeye_report_terminal.style import is_terminal, wants_colour
from hawkeye_report_terminal.summary import safe, write_terminal

__all__ = [
    "ProgressDisplay",
    "is_terminal",
    "progress_display",
    "progress_line",
    "safe",
    "wants_colour",
    "write_terminal",
]

# The progress display of each running scan, by scan id; dropped when it ends.
_displays: dict[str, ProgressDisplay] = {}


def progress_display(run: Run, stream: TextIO | None = None) -> ProgressDisplay | None:
    """The progress display of ``run``: None unless standard error is a terminal.

    The ``progress`` setting (``auto``, ``always``, ``never``), when the core
    has it, can turn it off; ``always`` still draws only on a terminal.
    """
    display = _displays.get(run.scan_id)
    if display is not None:
        return display
    target = stream or sys.stderr
    if getattr(run.settings, "progress", "auto") == "never" or not is_terminal(target):
        return None
    display = _displays[run.scan_id] = ProgressDisplay(target)
    return display


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="terminal",
        format="terminal",
        extensions=(".txt",),
        write=write_terminal,
        description="A summary of servers and findings by severity.",
    )


@hookimpl
def hawkeye_on_finding(finding: Finding, run: Run) -> None:
    display = progress_display(run)
    if display is not None:
        display.note_finding(finding.severity)


@hookimpl
def hawkeye_on_progress(run: Run, stats: Mapping[str, int], elapsed: float) -> None:
    # Called by the core about every half second (issue 7's progress hook).
    display = progress_display(run)
    if display is not None:
        display.update(stats, elapsed)


@hookimpl
def hawkeye_after_run(run: Run, result: ScanResult) -> None:
    display = _displays.pop(run.scan_id, None)
    if display is not None:
        display.finish()
