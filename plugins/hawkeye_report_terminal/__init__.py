"""The ``terminal`` report: a summary of servers and findings by severity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from hawkeye_core import Reporter, ScanResult, Severity, hookimpl, terminal_safe

_COLOURS = {
    Severity.CRITICAL: "\033[1;31m",
    Severity.HIGH: "\033[31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
_RESET = "\033[0m"


def write_terminal(result: ScanResult, stream: TextIO) -> None:
    """Write the summary; colour only when ``stream`` is a terminal."""
    colour = bool(getattr(stream, "isatty", lambda: False)())

    def paint(severity: Severity, text: str) -> str:
        return f"{_COLOURS[severity]}{text}{_RESET}" if colour else text

    state = "interrupted" if result.interrupted else "done"
    stats = result.stats
    print(
        f"HawkEye {result.hawkeye_version} scan {result.scan_id[:12]} {state} in "
        f"{result.duration:.1f} s",
        file=stream,
    )
    print(
        f"targets {stats.get('targets', 0)}  open ports {len(result.endpoints)}  "
        f"servers {len(result.servers)}  findings {len(result.findings)}  "
        f"errors {len(result.errors)}"
        + (f"  suppressed {len(result.suppressed)}" if result.suppressed else ""),
        file=stream,
    )
    if result.servers:
        print("\nServers", file=stream)
        for ref in result.servers:
            where = ref.url or " ".join(ref.command or ())
            found = f"  (found in {ref.found_in})" if ref.found_in else ""
            print(
                f"  {ref.transport:<16} {terminal_safe(where, 100)}{terminal_safe(found, 80)}",
                file=stream,
            )
    if result.findings:
        counts = Counter(f.severity for f in result.findings)
        summary = "  ".join(paint(s, f"{s}: {counts[s]}") for s in sorted(counts, reverse=True))
        print(f"\nFindings  {summary}", file=stream)
        for finding in sorted(result.findings, key=lambda f: -f.severity):
            loc = finding.location
            what = loc.tool or loc.prompt or loc.resource or loc.file or ""
            place = terminal_safe(f"{loc.server} {what}".strip(), 80)
            print(
                f"  {paint(finding.severity, f'{finding.severity!s:<8}')} {finding.rule_id:<12} "
                f"{terminal_safe(finding.title, 100)}  [{place}]",
                file=stream,
            )
    if result.errors:
        print("\nErrors", file=stream)
        for outcome in result.errors[:20]:
            print(
                f"  {outcome.status:<9} {outcome.plugin} on {terminal_safe(outcome.subject, 60)}: "
                f"{terminal_safe(outcome.error or '', 120)}",
                file=stream,
            )
        if len(result.errors) > 20:
            print(f"  ... and {len(result.errors) - 20} more (see the JSON report)", file=stream)


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="terminal",
        format="terminal",
        extensions=(".txt",),
        write=write_terminal,
        description="A summary of servers and findings by severity.",
    )
