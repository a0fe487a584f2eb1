"""The query tables' rows of a scan: its servers and its findings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hawkeye_core.records import ServerInventory
from hawkeye_core.result import ScanResult
from hawkeye_core.store.pins import db_text

__all__ = ["finding_rows", "server_rows"]


def server_rows(result: ScanResult) -> Iterator[tuple[Any, ...]]:
    """One ``servers`` row per server of ``result`` (inventoried or not)."""
    inventories: dict[str, ServerInventory] = {}
    for inventory in result.inventories:
        inventories.setdefault(inventory.ref.key, inventory)
    refs = {ref.key: ref for ref in result.servers}
    for inventory in inventories.values():
        refs.setdefault(inventory.ref.key, inventory.ref)
    for key, ref in refs.items():
        inv = inventories.get(key)
        info = (inv.server_info if inv else None) or ref.server_info
        yield _texts(
            result.scan_id,
            key,
            ref.transport,
            ref.url or " ".join(ref.command or ()),
            ref.name,
            ref.found_in,
            info.name if info else None,
            info.version if info else None,
            (inv.protocol_version if inv else None) or ref.protocol_version,
            len(inv.tools) if inv else None,
            len(inv.prompts) if inv else None,
            len(inv.resources) if inv else None,
        )


def finding_rows(result: ScanResult) -> Iterator[tuple[Any, ...]]:
    """One ``findings`` row per finding, the suppressed ones with their reason."""
    for seq, finding in enumerate((*result.findings, *result.suppressed)):
        loc = finding.location
        yield _texts(
            result.scan_id,
            seq,
            finding.rule_id,
            int(finding.severity),
            finding.confidence,
            finding.title,
            loc.server,
            loc.tool,
            loc.prompt,
            loc.resource,
            loc.file,
            finding.evidence,
            finding.plugin,
            finding.suppressed,
        )


def _texts(*values: Any) -> tuple[Any, ...]:
    return tuple(db_text(v) if isinstance(v, str) else v for v in values)
