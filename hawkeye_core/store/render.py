"""The text of ``hawkeye diff``: hostile text escaped, every section with a tally."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hawkeye_core.records import Finding
from hawkeye_core.store.diff import ScanDiff
from hawkeye_core.text import terminal_safe

__all__ = ["render_diff"]

_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _tally(changes: Sequence[Any]) -> str:
    return ", ".join(f"{sum(1 for c in changes if c.change == kind)} {kind}" for kind in _MARK)


def _finding_line(finding: Finding) -> str:
    loc = finding.location
    what = loc.tool or loc.prompt or loc.resource or loc.file or ""
    place = terminal_safe(f"{loc.server} {what}".strip(), 80)
    return (
        f"{finding.severity!s:<8} {finding.rule_id:<12} "
        f"{terminal_safe(finding.title, 100)}  [{place}]"
    )


def render_diff(diff: ScanDiff) -> list[str]:
    """The text of ``hawkeye diff``: servers, items and findings, each with a tally."""
    if diff.empty:
        return ["no changes"]
    lines = [f"servers: {_tally(diff.servers)}"]
    for server in diff.servers:
        fields = f"  ({', '.join(server.fields)})" if server.fields else ""
        lines.append(f"  {_MARK[server.change]} {terminal_safe(server.server, 120)}{fields}")
    lines.append(f"tools, prompts and resources: {_tally(diff.items)}")
    for item in diff.items:
        lines.append(
            f"  {_MARK[item.change]} {item.kind:<17} {terminal_safe(item.name, 60)}  "
            f"[{terminal_safe(item.server, 80)}]"
        )
        lines.extend(f"      {terminal_safe(d, 200)}" for d in item.diff.splitlines())
    lines.append(f"findings: {_tally(diff.findings)}")
    for change in diff.findings:
        shown = change.after or change.before
        assert shown is not None
        lines.append(f"  {_MARK[change.change]} {_finding_line(shown)}")
        if change.before is not None and change.after is not None:
            lines.extend(f"      {note}" for note in _finding_notes(change.before, change.after))
    return lines


def _finding_notes(before: Finding, after: Finding) -> list[str]:
    notes = []
    if before.severity != after.severity:
        notes.append(f"severity {before.severity} -> {after.severity}")
    if before.title != after.title:
        notes.append(f"title was: {terminal_safe(before.title, 100)}")
    if before.evidence != after.evidence:
        notes.append(f"evidence was: {terminal_safe(before.evidence, 150)}")
        notes.append(f"evidence now: {terminal_safe(after.evidence, 150)}")
    return notes
