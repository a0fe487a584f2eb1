"""One line of the history: a scan's metadata and counts, without its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from hawkeye_core.records import as_tuple

__all__ = ["ScanSummary"]


@frozen(kw_only=True)
class ScanSummary:
    """A saved scan as ``hawkeye history`` lists it."""

    id: str
    started: float
    finished: float
    targets: tuple[str, ...] = field(default=(), converter=as_tuple)
    interrupted: bool = False
    hawkeye_version: str = ""
    servers: int = 0
    errors: int = 0
    findings: Mapping[str, int] = field(factory=dict)  # severity name -> count
    suppressed: int = 0

    @property
    def duration(self) -> float:
        """Seconds the scan took."""
        return max(0.0, self.finished - self.started)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data: times as epoch seconds and as ISO 8601 UTC."""
        return {
            "id": self.id,
            "started": self.started,
            "started_utc": _iso(self.started),
            "finished": self.finished,
            "duration": round(self.duration, 3),
            "targets": list(self.targets),
            "interrupted": self.interrupted,
            "hawkeye_version": self.hawkeye_version,
            "servers": self.servers,
            "findings": dict(self.findings),
            "suppressed": self.suppressed,
            "errors": self.errors,
        }


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")
