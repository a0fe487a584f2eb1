"""Choose reporters for ``-o FILE`` / ``--format`` and write the reports."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from hawkeye_core.records import Finding
from hawkeye_core.registry import Registered, Registry
from hawkeye_core.result import ScanResult

__all__ = ["FindingStreams", "OutputError", "Plan", "plan_outputs", "write_outputs"]

log = logging.getLogger("hawkeye.output")

Plan = list[tuple[Registered, Path | None]]  # None: standard output


class OutputError(ValueError):
    """An output cannot be written as asked; the message says why."""


def plan_outputs(registry: Registry, outputs: Sequence[str], fmt: str | None) -> Plan:
    """Pick a reporter for each ``-o FILE`` and for ``--format``, before the run starts.

    With neither, the ``terminal`` format goes to standard output (``json`` if
    no terminal reporter is installed).
    """
    plan: Plan = []
    for output in outputs:
        path = Path(output)
        entry = registry.reporter_for_path(output)
        if entry is None:
            known = sorted({e for r in registry.reporters for e in r.record.extensions})
            raise OutputError(
                f"cannot tell the format of {output!r} from its extension "
                f"(known: {', '.join(known) or 'none'}); use --format for standard output"
            )
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise OutputError(f"cannot write {output!r}: folder {str(parent)!r} does not exist")
        plan.append((entry, path))
    if fmt is not None:
        entry = registry.reporter_for(fmt)
        if entry is None:
            known = sorted(r.record.format for r in registry.reporters)
            raise OutputError(f"unknown format {fmt!r} (known: {', '.join(known) or 'none'})")
        plan.append((entry, None))
    if not plan:
        entry = registry.reporter_for("terminal") or registry.reporter_for("json")
        if entry is not None:
            plan.append((entry, None))
    return plan


def _open_private(path: Path) -> TextIO:
    # The same permissions as the reports written through mkstemp: owner only.
    return open(path, "w", encoding="utf-8", opener=lambda name, flags: os.open(name, flags, 0o600))


class FindingStreams:
    """The planned outputs whose reporter streams findings, filled during the run.

    :meth:`open` (before the run) opens each such ``-o FILE`` at its final path,
    so ``tail -f`` sees the findings as they are made (standard output is used
    as it is); :meth:`on_finding` (the runner's callback, main thread) writes
    and flushes one finding to each; :meth:`close` (after the run) closes them
    and returns the plan entries that were streamed whole, which
    :func:`write_outputs` then skips. An output whose stream fails is closed,
    logged, and written by ``write`` at the end instead.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._open: dict[int, tuple[Registered, Path | None, TextIO]] = {}
        self._failed: set[int] = set()

    def open(self) -> None:
        """Open every streamed output; one that cannot be opened is left to ``write``."""
        for index, (entry, path) in enumerate(self.plan):
            if entry.record.stream is None:
                continue
            try:
                stream = sys.stdout if path is None else _open_private(path)
            except OSError as exc:
                log.warning("cannot stream to %s (%s); it is written at the end", path, exc)
                continue
            self._open[index] = (entry, path, stream)

    def on_finding(self, finding: Finding) -> None:
        """Write ``finding`` to every open streamed output."""
        for index, (entry, path, stream) in list(self._open.items()):
            try:
                entry.record.stream(finding, stream)
                stream.flush()
            except Exception as exc:
                where = str(path) if path else "standard output"
                log.error(
                    "streaming the %s report to %s failed: %s: %s; it is written at the end",
                    entry.record.format,
                    where,
                    type(exc).__name__,
                    exc,
                )
                self._failed.add(index)
                self._close(index)

    def _close(self, index: int) -> None:
        _, path, stream = self._open.pop(index)
        if path is not None:
            try:
                stream.close()
            except OSError as exc:
                log.error("closing %s failed: %s", path, exc)
                self._failed.add(index)

    def close(self) -> set[int]:
        """Close the streamed outputs; return the plan indexes that need no ``write``."""
        done = set(self._open) - self._failed
        for index in list(self._open):
            self._close(index)
        return done - self._failed


def write_outputs(
    plan: Plan, result: ScanResult, streamed: frozenset[int] | set[int] = frozenset()
) -> int:
    """Write every planned report; return how many failed (each logged in one line).

    A file is written to a temporary name and renamed, so a failed report
    never leaves a half-written file in place of a good one. Plan entries in
    ``streamed`` (by index) were written during the run and are skipped.
    """
    failed = 0
    for index, (entry, path) in enumerate(plan):
        if index in streamed:
            log.info("streamed %s report to %s", entry.record.format, path or "standard output")
            continue
        reporter = entry.record
        try:
            if path is None:
                stream = sys.stdout.buffer if reporter.binary else sys.stdout
                try:
                    reporter.write(result, stream)
                    stream.flush()
                except BrokenPipeError:  # `hawkeye scan | head`: the reader left
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, sys.stdout.fileno())
                continue
            mode = "wb" if reporter.binary else "w"
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
            try:
                encoding = None if reporter.binary else "utf-8"
                with open(fd, mode, encoding=encoding) as fh:
                    reporter.write(result, fh)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            log.info("wrote %s report to %s", reporter.format, path)
        except Exception as exc:
            failed += 1
            where = str(path) if path else "standard output"
            log.error(
                "could not write the %s report to %s: %s: %s",
                reporter.format,
                where,
                type(exc).__name__,
                exc,
            )
    return failed
