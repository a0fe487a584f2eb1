"""The ``markdown`` report: a summary and a findings table to paste into a ticket."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TextIO

from hawkeye_core import Finding, ScanResult, Severity
from hawkeye_report_tables.common import (
    clean,
    finding_place,
    server_address,
    server_label,
)

__all__ = ["md", "write_markdown"]

# The characters that can start Markdown inside a line (emphasis, code span,
# link or image, HTML tag or autolink, table pipe, entity, strikethrough,
# mention, math, heading): backslash-escaped, each is literal. What ``md``
# returns never starts a line, so line-start syntax (lists, headings) cannot
# come from it either.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~@$!#])")
_CELL = 300
_MAX_ROWS = 1000


def md(value: object, limit: int = _CELL) -> str:
    """``value`` as inert Markdown text for a table cell or a line.

    Secrets are masked, control characters and newlines shown as escapes (a
    cell stays on its row), then every character Markdown could act on, pipes
    and backticks included, is backslash-escaped.
    """
    return _SPECIAL.sub(r"\\\1", clean(value, limit))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> list[str]:
    aligns = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in aligns]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _utc(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity, f.rule_id, f.location.server, f.title))


def _title(finding: Finding) -> str:
    """The title, and whose judgement it is when a model's rather than a rule's."""
    if finding.judged_by:
        return f"{finding.title} (judged by model {finding.judged_by})"
    return finding.title


def _summary(result: ScanResult) -> list[str]:
    state = "interrupted" if result.interrupted else "complete"
    targets = ", ".join(md(t, 100) for t in result.targets[:20]) or "none"
    if len(result.targets) > 20:
        targets += f" and {len(result.targets) - 20} more"
    lines = [
        "# HawkEye scan report",
        "",
        f"- **Scan:** {md(result.scan_id, 64)} ({state})",
        f"- **Started:** {md(_utc(result.started))}, took {result.duration:.1f} s",
        f"- **Targets:** {targets}",
        f"- **HawkEye:** {md(result.hawkeye_version, 40)}",
        "",
        "## Summary",
        "",
    ]
    counts = Counter(f.severity for f in result.findings)
    rows = [[str(s), str(counts.get(s, 0))] for s in sorted(Severity, reverse=True)]
    rows.append(["**total**", f"**{len(result.findings)}**"])
    lines += _table(["Severity", "Findings"], rows, "lr")
    lines += [
        "",
        f"Open ports: {len(result.endpoints)} · servers: {len(result.server_inventories())} · "
        f"suppressed findings: {len(result.suppressed)} · plugin errors: {len(result.errors)}",
    ]
    return lines


def _server_rows(result: ScanResult) -> list[list[str]]:
    found = Counter(f.location.server for f in result.findings)
    rows = []
    for index, (ref, inventory) in enumerate(result.server_inventories(), 1):
        names = {ref.key, ref.name, ref.url or "", " ".join(ref.command or ())}
        if inventory is not None and inventory.server_info is not None:
            names.add(inventory.server_info.name)
        count = sum(found[n] for n in names if n)
        rows.append(
            [
                str(index),
                md(server_label(ref, inventory), 100),
                md(ref.transport, 20),
                md(server_address(ref), 200),
                str(len(inventory.tools)) if inventory else "-",
                str(len(inventory.resources)) if inventory else "-",
                str(len(inventory.prompts)) if inventory else "-",
                str(count),
            ]
        )
    return rows


def write_markdown(result: ScanResult, stream: TextIO) -> None:
    """Write the summary, the servers, the findings and the suppressed findings."""
    lines = _summary(result)
    server_rows = _server_rows(result)
    if server_rows:
        lines += ["", "## Servers", ""]
        header = ["#", "Server", "Transport", "Address", "Tools", "Resources", "Prompts"]
        lines += _table([*header, "Findings"], server_rows[:_MAX_ROWS], "rlllrrrr")
    findings = _ordered(result.findings)
    lines += ["", f"## Findings ({len(findings)})", ""]
    if findings:
        rows = [
            [
                f"**{f.severity}**" if f.severity >= Severity.HIGH else str(f.severity),
                md(f.rule_id, 40),
                md(_title(f)),
                md(f.location.server, 100),
                md(finding_place(f), 150),
                md(f.evidence),
                md(f.remediation),
            ]
            for f in findings[:_MAX_ROWS]
        ]
        header = ["Severity", "Rule", "Title", "Server", "Where", "Evidence", "Remediation"]
        lines += _table(header, rows)
        if len(findings) > _MAX_ROWS:
            lines += ["", f"... and {len(findings) - _MAX_ROWS} more (see the JSON report)."]
    else:
        lines.append("No findings.")
    if result.suppressed:
        lines += ["", f"## Suppressed findings ({len(result.suppressed)})", ""]
        rows = [
            [
                str(f.severity),
                md(f.rule_id, 40),
                md(f.title),
                md(f.location.server, 100),
                md(f.suppressed or ""),
            ]
            for f in _ordered(result.suppressed)[:_MAX_ROWS]
        ]
        lines += _table(["Severity", "Rule", "Title", "Server", "Reason"], rows)
    stream.write("\n".join(lines) + "\n")
