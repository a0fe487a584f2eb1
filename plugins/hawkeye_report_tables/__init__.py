"""The ``csv`` and ``markdown`` reports: findings for spreadsheets and tickets.

CSV: one row per finding (open, then suppressed), with a guard against formula
injection. Markdown: a summary, the servers and a findings table, with every
character that Markdown could interpret escaped.
"""

from __future__ import annotations

from collections.abc import Iterator

from hawkeye_core import Reporter, hookimpl
from hawkeye_report_tables.csv_report import COLUMNS, finding_rows, guard_cell, write_csv
from hawkeye_report_tables.markdown import md, write_markdown

__all__ = ["COLUMNS", "finding_rows", "guard_cell", "md", "write_csv", "write_markdown"]


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="csv",
        format="csv",
        extensions=(".csv",),
        write=write_csv,
        description="One row per finding, for spreadsheets (formula injection guarded).",
    )
    yield Reporter(
        name="markdown",
        format="markdown",
        extensions=(".md", ".markdown"),
        write=write_markdown,
        description="A summary and a findings table, for tickets.",
    )
