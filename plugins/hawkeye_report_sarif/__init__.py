"""The ``sarif`` report: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One rule per rule id (with help text, the remediation, a level and GitHub's
``security-severity``); one result per finding, suppressed ones marked as
accepted; a stable fingerprint per result; a physical location in the config
file a finding comes from (relative to the folder HawkEye runs in, the
repository root in CI), else a logical location naming the server and tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from hawkeye_core import Reporter, ScanResult, hookimpl
from hawkeye_report_sarif.fingerprint import (
    FINGERPRINT_KEY,
    finding_fingerprint,
    normalise_evidence,
)
from hawkeye_report_sarif.log import artifact_uri, sarif_log

__all__ = [
    "FINGERPRINT_KEY",
    "artifact_uri",
    "finding_fingerprint",
    "normalise_evidence",
    "sarif_log",
    "write_sarif",
]


def write_sarif(result: ScanResult, stream: TextIO) -> None:
    """Write ``result`` as a SARIF 2.1.0 log (ASCII-only JSON)."""
    json.dump(sarif_log(result), stream, indent=2, ensure_ascii=True, allow_nan=False)
    stream.write("\n")


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="sarif",
        format="sarif",
        extensions=(".sarif", ".sarif.json"),
        write=write_sarif,
        description="SARIF 2.1.0 for GitHub code scanning.",
    )
