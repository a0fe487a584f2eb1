"""The JSON report as plain data: what ``docs/report-schema.json`` describes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from hawkeye_core import (
    Finding,
    ScanResult,
    ServerInventory,
    ServerRef,
    Severity,
    redact,
    redact_command,
    redact_env,
    to_data,
)

__all__ = ["SCHEMA_VERSION", "finding_data", "redacted", "report_data", "utc_iso"]

#: Changes only when the document changes incompatibly; keys may be added within
#: a version (consumers ignore keys they do not know).
SCHEMA_VERSION = "1"


def utc_iso(timestamp: float) -> str:
    """``timestamp`` (seconds since the epoch) as ISO 8601 UTC, to the millisecond."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def redacted(value: Any) -> Any:
    """JSON-shaped ``value`` with the secrets in every string masked.

    Discovery redacts what it keeps; this second pass makes sure no report
    repeats a secret that reached a record some other way (an error message
    quoting a URL with a token, a tool description holding a key).
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def finding_data(finding: Finding) -> dict[str, Any]:
    """One finding as plain data (``$defs/finding`` of the schema), secrets masked."""
    data: dict[str, Any] = redacted(to_data(finding))
    return data


def _server_key(ref: ServerRef) -> str:
    if ref.transport == "stdio" and ref.command:
        return "stdio:" + " ".join(redact_command(ref.command))
    return redact(ref.key)


def _server_data(ref: ServerRef, inventory: ServerInventory | None) -> dict[str, Any]:
    server: dict[str, Any] = {"key": _server_key(ref), **to_data(ref)}
    if inventory is not None:
        if inventory.server_info is not None:
            server["server_info"] = to_data(inventory.server_info)
        if inventory.protocol_version:
            server["protocol_version"] = inventory.protocol_version
        details = to_data(inventory)
        del details["ref"]
        server["inventory"] = details
    else:
        server["inventory"] = None
    result: dict[str, Any] = redacted(server)
    # A command line and an environment hide secrets in ways plain text does not
    # (``--token VALUE``, ``API_KEY=...`` given as a name and a value).
    result["env"] = redact_env(ref.env)
    result["command"] = list(redact_command(ref.command)) if ref.command else None
    return result


def _summary(result: ScanResult) -> dict[str, Any]:
    counts = Counter(f.severity for f in result.findings)
    highest = max(counts, default=None)
    return {
        "endpoints": len(result.endpoints),
        "servers": len({r.key for r in result.servers} | {i.ref.key for i in result.inventories}),
        "inventories": len(result.inventories),
        "findings": len(result.findings),
        "suppressed": len(result.suppressed),
        "errors": len(result.errors),
        "by_severity": {str(s): counts.get(s, 0) for s in sorted(Severity, reverse=True)},
        "highest": str(highest) if highest is not None else None,
    }


def report_data(result: ScanResult) -> dict[str, Any]:
    """The report as plain data: scan metadata, summary, endpoints, servers, findings, errors."""
    return {
        "schema_version": SCHEMA_VERSION,
        "hawkeye_version": result.hawkeye_version,
        "scan": {
            "id": result.scan_id,
            "started": result.started,
            "finished": result.finished,
            "started_at": utc_iso(result.started),
            "finished_at": utc_iso(result.finished),
            "duration": round(result.duration, 3),
            "targets": redacted(list(result.targets)),
            "interrupted": result.interrupted,
            "stats": dict(result.stats),
            "plugins": [dict(p) for p in result.plugins],
        },
        "summary": _summary(result),
        "endpoints": [redacted(to_data(e)) for e in result.endpoints],
        "servers": [_server_data(ref, inv) for ref, inv in result.server_inventories()],
        "findings": [finding_data(f) for f in result.findings],
        "suppressed": [finding_data(f) for f in result.suppressed],
        "errors": [redacted(to_data(o)) for o in result.errors],
    }
