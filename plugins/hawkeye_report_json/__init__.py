"""The ``json`` report: the whole scan as one JSON document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from hawkeye_core import Reporter, ScanResult, hookimpl, to_data

#: Bumped when the document's shape changes incompatibly.
SCHEMA_VERSION = "1"


def report_data(result: ScanResult) -> dict[str, Any]:
    """The report as plain data: scan metadata, endpoints, servers, findings, errors."""
    inventories: dict[str, Any] = {}
    for inventory in result.inventories:
        inventories.setdefault(inventory.ref.key, inventory)
    servers = []
    for ref in result.servers:
        inventory = inventories.get(ref.key)
        server = to_data(ref)
        if inventory is not None and inventory.server_info is not None:
            server["server_info"] = to_data(inventory.server_info)
        if inventory is not None and inventory.protocol_version:
            server["protocol_version"] = inventory.protocol_version
        server["inventory"] = to_data(inventory) if inventory else None
        if server["inventory"] is not None:
            del server["inventory"]["ref"]
        servers.append(server)
    return {
        "schema_version": SCHEMA_VERSION,
        "hawkeye_version": result.hawkeye_version,
        "scan": {
            "id": result.scan_id,
            "started": result.started,
            "finished": result.finished,
            "duration": round(result.duration, 3),
            "targets": list(result.targets),
            "interrupted": result.interrupted,
            "stats": dict(result.stats),
            "plugins": [dict(p) for p in result.plugins],
        },
        "endpoints": [to_data(e) for e in result.endpoints],
        "servers": servers,
        "findings": [to_data(f) for f in result.findings],
        "suppressed": [to_data(f) for f in result.suppressed],
        "errors": [to_data(o) for o in result.errors],
    }


def write_json(result: ScanResult, stream: TextIO) -> None:
    json.dump(report_data(result), stream, indent=2, ensure_ascii=True)
    stream.write("\n")


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="json",
        format="json",
        extensions=(".json",),
        write=write_json,
        description="The whole scan as one JSON document.",
    )
