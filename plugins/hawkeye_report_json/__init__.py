"""The ``json`` report: the whole scan as one JSON document.

The document's shape is versioned (``schema_version``) and described by the JSON
Schema in ``docs/report-schema.json``; ``docs/reports.md`` explains each part.
Every string is passed through the core's secret redaction on the way out, and
the file is plain ASCII (``\\uXXXX`` escapes), so no control character a server
sent reaches a terminal that ``cat``s the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from hawkeye_core import Reporter, ScanResult, hookimpl
from hawkeye_report_json.data import SCHEMA_VERSION, finding_data, report_data

__all__ = ["SCHEMA_VERSION", "finding_data", "report_data", "write_json"]


def write_json(result: ScanResult, stream: TextIO) -> None:
    """Write ``result`` as one indented, ASCII-only JSON document."""
    json.dump(report_data(result), stream, indent=2, ensure_ascii=True, allow_nan=False)
    stream.write("\n")


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="json",
        format="json",
        extensions=(".json",),
        write=write_json,
        description="The whole scan as one JSON document (schema: docs/report-schema.json).",
    )
