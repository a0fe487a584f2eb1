"""The ``jsonl`` report: one JSON object per finding, one finding per line.

Each line has the shape of ``$defs/finding`` in ``docs/report-schema.json``,
secrets masked, ASCII only. With ``-o findings.jsonl`` the lines are written as
the findings are made (``Reporter.stream``), so ``tail -f`` and log shippers see
them during a long scan; ``write`` produces the same lines at the end, for a
core without streaming and for re-rendering a stored scan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

import attrs

from hawkeye_core import Finding, Reporter, ScanResult, hookimpl, redact, to_data

__all__ = ["finding_line", "stream_finding", "write_jsonl"]


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def finding_line(finding: Finding) -> str:
    """One finding as one line of JSON (with its newline), secrets masked."""
    data = _redacted(to_data(finding))
    return json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n"


def stream_finding(finding: Finding, stream: TextIO) -> None:
    """Write one finding as it is made; the core flushes the stream after each call."""
    stream.write(finding_line(finding))


def write_jsonl(result: ScanResult, stream: TextIO) -> None:
    """Write every finding of ``result`` (after suppressions), in the order they were made."""
    for finding in result.findings:
        stream.write(finding_line(finding))


def _streaming() -> dict[str, Any]:
    # ``Reporter.stream`` comes with the core's streaming outputs (issue 7); until
    # then the report is written at the end, with the same lines.
    names = {a.name for a in attrs.fields(Reporter)}
    return {"stream": stream_finding} if "stream" in names else {}


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="jsonl",
        format="jsonl",
        extensions=(".jsonl", ".ndjson"),
        write=write_jsonl,
        description="Findings as JSON lines, written as they are made.",
        **_streaming(),
    )
