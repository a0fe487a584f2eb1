"""The ``terminal`` report: servers and findings by severity, in tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TextIO

from hawkeye_core import (
    Finding,
    ScanResult,
    ServerInventory,
    ServerRef,
    Severity,
    redact,
    redact_command,
    terminal_safe,
)
from hawkeye_report_terminal.style import Painter, wants_colour

__all__ = ["safe", "write_terminal"]

_MAX_ERRORS = 20
_MAX_FINDINGS = 500


def safe(value: object, limit: int) -> str:
    """Text a server may have sent, for the terminal: secrets masked, escapes shown, cut."""
    return terminal_safe(redact("" if value is None else str(value)), limit)


def _table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> Iterator[str]:
    """Rows of plain (uncoloured) cells as aligned lines."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        yield ("  " + "  ".join(cells)).rstrip()


def _names(ref: ServerRef, inventory: ServerInventory | None) -> set[str]:
    """The names a finding's ``location.server`` may give this server."""
    command = " ".join(ref.command or ())
    names = {ref.key, ref.name, ref.url or "", command, command[:200]}
    if inventory is not None and inventory.server_info is not None:
        names.add(inventory.server_info.name)
    return {n for n in names if n}


def _server_label(ref: ServerRef, inventory: ServerInventory | None) -> str:
    info = inventory.server_info if inventory is not None else None
    name = ref.name or (info.name if info is not None else "")
    if info is not None and info.version:
        name = f"{name} {info.version}".strip()
    return name or "-"


def _address(ref: ServerRef) -> str:
    return ref.url or " ".join(redact_command(ref.command or ())) or "-"


def _server_lines(result: ScanResult, paint: Painter) -> Iterator[str]:
    servers = result.server_inventories()
    if not servers:
        return
    worst: dict[str, Severity] = {}
    count: Counter[str] = Counter()
    for finding in result.findings:
        count[finding.location.server] += 1
        worst[finding.location.server] = max(
            worst.get(finding.location.server, Severity.INFO), finding.severity
        )
    rows = [["#", "transport", "server", "address", "tools", "res", "prompts", "findings"]]
    severities: list[Severity | None] = [None]
    for index, (ref, inventory) in enumerate(servers, 1):
        names = _names(ref, inventory)
        found = sum(count[n] for n in names)
        top = max((worst[n] for n in names if n in worst), default=None)
        rows.append(
            [
                str(index),
                ref.transport,
                safe(_server_label(ref, inventory), 40),
                safe(_address(ref), 60),
                str(len(inventory.tools)) if inventory else "-",
                str(len(inventory.resources)) if inventory else "-",
                str(len(inventory.prompts)) if inventory else "-",
                f"{found} ({top})" if found and top is not None else str(found),
            ]
        )
        severities.append(top)
    yield ""
    yield paint.bold(f"Servers ({len(servers)})")
    for line, severity in zip(_table(rows, frozenset({0, 4, 5, 6})), severities, strict=True):
        yield paint.severity(severity, line) if severity is not None and line else line


def _finding_lines(findings: Sequence[Finding], paint: Painter) -> Iterator[str]:
    ordered = sorted(findings, key=lambda f: (-f.severity, f.rule_id, f.location.server))
    for finding in ordered[:_MAX_FINDINGS]:
        location = finding.location
        where = [safe(location.server, 60)] if location.server else []
        where += [
            safe(value, 80) if label == "file" else f"{label} {safe(value, 60)}"
            for label, value in location.items()
        ]
        label = paint.severity(finding.severity, f"{finding.severity!s:<8}".upper())
        yield f"  {label}  {safe(finding.rule_id, 20):<12} {safe(finding.title, 100)}"
        if where:
            yield f"            at {' · '.join(where)}"
        if finding.judged_by:
            model = safe(finding.judged_by, 80)
            yield f"            judged by model {model} (not a rule: review it)"
        if finding.evidence:
            yield f"            evidence: {safe(finding.evidence, 120)}"
        if finding.suppressed is not None:
            yield f"            accepted: {safe(finding.suppressed, 120)}"
    if len(ordered) > _MAX_FINDINGS:
        yield f"  ... and {len(ordered) - _MAX_FINDINGS} more (see the JSON report)"


def _severity_lines(result: ScanResult, paint: Painter) -> Iterator[str]:
    counts = Counter(f.severity for f in result.findings)
    most = max(counts.values(), default=0)
    yield ""
    yield paint.bold(f"Findings by severity ({len(result.findings)})")
    for severity in sorted(Severity, reverse=True):
        n = counts.get(severity, 0)
        bar = "#" * (round(30 * n / most) if most else 0)
        if n and not bar:
            bar = "#"
        name = paint.severity(severity, f"{severity!s:<8}")
        yield f"  {name}  {n:>5}  {paint.severity(severity, bar)}".rstrip()


def write_terminal(result: ScanResult, stream: TextIO) -> None:
    """Write the summary; colour only when ``stream`` is a terminal and ``NO_COLOR`` is unset."""
    paint = Painter(wants_colour(stream))
    state = "interrupted" if result.interrupted else "complete"
    lines = [
        paint.bold(
            f"HawkEye {safe(result.hawkeye_version, 20)} · scan {result.scan_id[:12]} · "
            f"{state} in {result.duration:.1f} s"
        ),
        "targets: "
        + (", ".join(safe(t, 60) for t in result.targets[:10]) or "-")
        + (f" and {len(result.targets) - 10} more" if len(result.targets) > 10 else ""),
        f"open ports {len(result.endpoints)} · servers {len(result.server_inventories())} · "
        f"findings {len(result.findings)} · suppressed {len(result.suppressed)} · "
        f"plugin errors {len(result.errors)}",
    ]
    lines += _server_lines(result, paint)
    lines += _severity_lines(result, paint)
    if result.findings:
        lines += ["", paint.bold("Findings")]
        lines += _finding_lines(result.findings, paint)
    if result.suppressed:
        lines += ["", paint.bold(f"Suppressed ({len(result.suppressed)}, accepted risks)")]
        lines += _finding_lines(result.suppressed, paint)
    if result.errors:
        lines += ["", paint.bold(f"Plugin errors ({len(result.errors)})")]
        for outcome in result.errors[:_MAX_ERRORS]:
            lines.append(
                f"  {outcome.status:<9} {safe(outcome.plugin, 40)} on "
                f"{safe(outcome.subject, 60)}: {safe(outcome.error or '', 120)}"
            )
        if len(result.errors) > _MAX_ERRORS:
            lines.append(f"  ... and {len(result.errors) - _MAX_ERRORS} more (see the JSON report)")
    stream.write("\n".join(lines) + "\n")
