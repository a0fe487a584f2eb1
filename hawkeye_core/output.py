"""Choose reporters for ``-o FILE`` / ``--format`` and write the reports."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hawkeye_core.registry import Registered, Registry
from hawkeye_core.result import ScanResult

__all__ = ["OutputError", "plan_outputs", "write_outputs"]

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


def write_outputs(plan: Plan, result: ScanResult) -> int:
    """Write every planned report; return how many failed (each logged in one line).

    A file is written to a temporary name and renamed, so a failed report
    never leaves a half-written file in place of a good one.
    """
    failed = 0
    for entry, path in plan:
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
