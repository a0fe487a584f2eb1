"""A CycloneDX 1.6 BOM of the MCP servers a scan found, with their findings."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

from hawkeye_core import (
    Finding,
    ScanResult,
    ServerInventory,
    ServerRef,
    redact,
    redact_command,
    terminal_safe,
)

__all__ = ["cyclonedx_bom"]

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_CWE = re.compile(r"(?i)^(?:cwe-?)?(\d{1,6})$")
_MAX_TOOLS = 1000


def _text(value: object, limit: int = 2000) -> str:
    """Server-sent text for a BOM field: secrets masked, control characters shown, cut."""
    return terminal_safe(redact("" if value is None else str(value)), limit)


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _serial(scan_id: str) -> str:
    if _HEX32.match(scan_id):
        return uuid.UUID(hex=scan_id).urn
    return uuid.uuid5(uuid.NAMESPACE_URL, f"hawkeye-scan:{scan_id}").urn


def _bom_ref(ref: ServerRef) -> str:
    # Stable across scans: the same server keeps its bom-ref.
    return "mcp-server-" + hashlib.sha256(ref.key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _properties(pairs: Iterator[tuple[str, object]]) -> list[dict[str, str]]:
    return [{"name": f"hawkeye:{name}", "value": _text(value, 2000)} for name, value in pairs]


def _service(ref: ServerRef, inventory: ServerInventory | None) -> dict[str, Any]:
    info = (inventory.server_info if inventory else None) or ref.server_info
    name = ref.name or (info.name if info else "") or ref.url or " ".join(ref.command or ())
    service: dict[str, Any] = {"bom-ref": _bom_ref(ref), "name": _text(name or ref.key, 200)}
    if info is not None and info.version:
        service["version"] = _text(info.version, 100)
    if info is not None and info.title:
        service["description"] = _text(info.title, 500)
    if ref.url:
        service["endpoints"] = [redact(ref.url)]
    auth = (inventory.auth if inventory else None) or ref.auth
    if auth is not None and auth.required is not None:
        service["authenticated"] = auth.required

    def facts() -> Iterator[tuple[str, object]]:
        yield "transport", ref.transport
        if ref.command:
            yield "command", " ".join(redact_command(ref.command))
        if ref.found_in:
            yield "found-in", ref.found_in
        protocol = (inventory.protocol_version if inventory else None) or ref.protocol_version
        if protocol:
            yield "protocol-version", protocol
        yield "inventoried", "true" if inventory is not None else "false"
        if inventory is not None:
            yield "tools", len(inventory.tools)
            yield "resources", len(inventory.resources)
            yield "resource-templates", len(inventory.resource_templates)
            yield "prompts", len(inventory.prompts)

    service["properties"] = _properties(facts())
    if inventory is not None and inventory.tools:
        service["services"] = [
            {
                "bom-ref": f"{service['bom-ref']}/tool/{index}",
                "name": _text(tool.name, 200) or "(unnamed tool)",
                **({"description": _text(tool.description)} if tool.description else {}),
                "properties": _properties(iter([("kind", "mcp-tool")])),
            }
            for index, tool in enumerate(inventory.tools[:_MAX_TOOLS])
        ]
    return service


def _names(ref: ServerRef, inventory: ServerInventory | None) -> list[str]:
    command = " ".join(ref.command or ())
    names = [ref.key, ref.name, ref.url or "", command, command[:200]]
    if inventory is not None and inventory.server_info is not None:
        names.append(inventory.server_info.name)
    return [n for n in names if n]


def _vulnerability(number: int, finding: Finding, affected: str | None) -> dict[str, Any]:
    location = finding.location
    cwes = sorted({int(m.group(1)) for c in finding.cwe if (m := _CWE.match(c.strip()))})
    entry: dict[str, Any] = {
        "bom-ref": f"finding-{number}",
        "id": _text(finding.rule_id, 100),
        "source": {"name": "HawkEye"},
        "ratings": [{"severity": str(finding.severity), "method": "other"}],
        "description": _text(finding.title, 1000),
    }
    if cwes:
        entry["cwes"] = cwes
    if finding.evidence:
        entry["detail"] = _text(finding.evidence, 4000)
    if finding.remediation:
        entry["recommendation"] = _text(finding.remediation, 4000)
    if affected is not None:
        entry["affects"] = [{"ref": affected}]
    if finding.suppressed is not None:
        entry["analysis"] = {
            "state": "exploitable",
            "response": ["will_not_fix"],
            "detail": f"Accepted risk: {_text(finding.suppressed, 1000)}",
        }

    def facts() -> Iterator[tuple[str, object]]:
        yield "server", location.server
        for label in ("tool", "prompt", "resource", "file"):
            value = getattr(location, label)
            if value:
                yield label, value
        if location.line is not None:
            yield "line", location.line
        yield "confidence", f"{finding.confidence:g}"
        if finding.judged_by:
            yield "judged-by", finding.judged_by
        if finding.owasp_mcp:
            yield "owasp-mcp", " ".join(finding.owasp_mcp)
        if finding.plugin:
            yield "plugin", finding.plugin

    entry["properties"] = _properties(facts())
    return entry


def cyclonedx_bom(result: ScanResult) -> dict[str, Any]:
    """The CycloneDX 1.6 BOM of ``result``.

    Each MCP server is a service (its tools nested), each finding a
    vulnerability that affects its server, a suppressed one an accepted risk.
    """
    servers = result.server_inventories()
    refs: dict[str, str] = {}
    for ref, inventory in servers:
        for name in _names(ref, inventory):
            refs.setdefault(name, _bom_ref(ref))
    findings = [*result.findings, *result.suppressed]
    bom: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": _serial(result.scan_id),
        "version": 1,
        "metadata": {
            "timestamp": _utc(result.finished),
            "tools": {
                "components": [
                    {
                        "type": "application",
                        "name": "HawkEye",
                        "version": _text(result.hawkeye_version, 40),
                    }
                ]
            },
            "properties": _properties(
                iter(
                    [
                        ("scan-id", result.scan_id),
                        ("targets", ", ".join(result.targets)),
                        ("interrupted", "true" if result.interrupted else "false"),
                    ]
                )
            ),
        },
        "services": [_service(ref, inventory) for ref, inventory in servers],
    }
    if findings:
        bom["vulnerabilities"] = [
            _vulnerability(n, f, refs.get(f.location.server)) for n, f in enumerate(findings, 1)
        ]
    return bom
