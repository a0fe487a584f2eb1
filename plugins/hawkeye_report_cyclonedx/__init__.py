"""The ``cyclonedx`` report: the MCP servers found, as a CycloneDX 1.6 BOM.

Each server is a ``service`` (its endpoint, whether it asks for authentication,
how it was found, its tools nested as services); each finding a
``vulnerability`` that affects its server, with its rating, CWEs, evidence and
remediation; an accepted (suppressed) finding is marked ``will_not_fix``. For
asset inventories and tools such as Dependency-Track.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from hawkeye_core import Reporter, ScanResult, hookimpl
from hawkeye_report_cyclonedx.bom import cyclonedx_bom

__all__ = ["cyclonedx_bom", "write_cyclonedx"]


def write_cyclonedx(result: ScanResult, stream: TextIO) -> None:
    """Write ``result`` as a CycloneDX 1.6 JSON BOM (ASCII only)."""
    json.dump(cyclonedx_bom(result), stream, indent=2, ensure_ascii=True, allow_nan=False)
    stream.write("\n")


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="cyclonedx",
        format="cyclonedx",
        extensions=(".cdx.json",),
        write=write_cyclonedx,
        description="The MCP servers found as a CycloneDX 1.6 BOM (services and findings).",
    )
