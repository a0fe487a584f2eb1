"""The ``csv`` report: one row per finding, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from hawkeye_core import Finding, ScanResult
from hawkeye_report_tables.common import clean

__all__ = ["COLUMNS", "finding_rows", "guard_cell", "write_csv"]

COLUMNS = (
    "status",
    "severity",
    "rule_id",
    "title",
    "server",
    "tool",
    "prompt",
    "resource",
    "file",
    "line",
    "confidence",
    "evidence",
    "remediation",
    "cwe",
    "owasp_mcp",
    "plugin",
    "suppressed_reason",
    "judged_by",
)

#: Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on the characters in one cell.
_CELL_LIMIT = 32_000


def guard_cell(text: str) -> str:
    """``text`` made inert for a spreadsheet: a would-be formula gets a leading ``'``.

    Covers ``= + - @``, tab and carriage return at the start, also after
    leading spaces (some spreadsheets trim them before parsing).
    """
    if text.startswith(_FORMULA_START) or text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def _row(finding: Finding) -> list[str]:
    location = finding.location
    values = (
        "suppressed" if finding.suppressed is not None else "open",
        str(finding.severity),
        finding.rule_id,
        finding.title,
        location.server,
        location.tool or "",
        location.prompt or "",
        location.resource or "",
        location.file or "",
        "" if location.line is None else str(location.line),
        f"{finding.confidence:g}",
        finding.evidence,
        finding.remediation,
        " ".join(finding.cwe),
        " ".join(finding.owasp_mcp),
        finding.plugin,
        finding.suppressed or "",
        finding.judged_by or "",
    )
    return [guard_cell(clean(value, _CELL_LIMIT)) for value in values]


def finding_rows(result: ScanResult) -> Iterator[list[str]]:
    """The rows: open findings, then suppressed ones, each as strings ready for a cell."""
    for finding in (*result.findings, *result.suppressed):
        yield _row(finding)


def write_csv(result: ScanResult, stream: TextIO) -> None:
    """Write the header and one row per finding (UTF-8 with a BOM, for spreadsheets)."""
    stream.write("\ufeff")  # without it, Excel reads UTF-8 as the local code page
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(finding_rows(result))
