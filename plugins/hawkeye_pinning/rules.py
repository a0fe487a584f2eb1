"""The rug-pull findings of one server: its items against their pins."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence

from hawkeye_core import Finding, Location, ServerInventory, Severity
from hawkeye_core.store import Item, Pin, inventory_items, readable_diff, server_id

__all__ = ["RULE_ADDED", "RULE_CHANGED", "RULE_REMOVED", "RULE_SERVER_INFO", "rug_pull_findings"]

RULE_CHANGED = "HE-RUG-001"
RULE_REMOVED = "HE-RUG-002"
RULE_SERVER_INFO = "HE-RUG-003"
RULE_ADDED = "HE-RUG-004"

_CWE = ("CWE-494",)  # code (here: instructions to the model) without integrity check
_OWASP = ("MCP03", "MCP04")  # tool poisoning; supply chain tampering

_NOUN = {
    "tool": "tool definition",
    "prompt": "prompt definition",
    "resource": "resource definition",
    "resource_template": "resource template",
    "instructions": "server instructions",
    "server_info": "server info",
}


def _approve_hint(server: str, label: str, from_lock: bool) -> str:
    if from_lock:
        return "update the lockfile (`hawkeye pins export FILE`) once it is trusted"
    return f"`hawkeye pins approve {shlex.quote(server)} {shlex.quote(label)}` once it is trusted"


def _finding(
    rule: str,
    severity: Severity,
    title: str,
    evidence: str,
    where: Location,
    remediation: str,
) -> Finding:
    return Finding(
        rule_id=rule,
        severity=severity,
        title=title,
        evidence=evidence,
        location=where,
        remediation=remediation,
        cwe=_CWE,
        owasp_mcp=_OWASP,
    )


def rug_pull_findings(
    inventory: ServerInventory, pins: Sequence[Pin], *, from_lock: bool = False
) -> Iterator[Finding]:
    """Findings for ``inventory``'s items that differ from ``pins`` (its server's pins).

    A server without pins is a first sight: nothing to report. An inventory
    with errors (a list failed or was cut) reports no removals.
    """
    items = inventory_items(inventory)
    if not items:
        return  # the server was not reached: nothing to compare
    server = server_id(inventory)
    by_key = {(p.kind, p.item): p for p in pins}
    for item in items:
        pin = by_key.get((item.kind, item.name))
        if pin is None and not by_key:
            continue  # first sight of this server
        yield from _item_findings(server, item, pin, from_lock)
    if inventory.errors:
        return
    present = {(i.kind, i.name) for i in items}
    for pin in pins:
        if (pin.kind, pin.item) in present or pin.approved_signature is None:
            continue
        if pin.status == "removed" and not from_lock:
            continue  # reported when it went; the store already knows
        yield _finding(
            RULE_REMOVED,
            Severity.INFO,
            f"{pin.kind.replace('_', ' ')} removed since it was approved",
            f"{pin.label} (signature {pin.approved_signature[:12]}) is no longer listed",
            Location.of_item(server, pin.kind, pin.item),
            "nothing to fix unless the removal is unexpected; "
            + _approve_hint(server, pin.label, from_lock),
        )


def _item_findings(server: str, item: Item, pin: Pin | None, from_lock: bool) -> Iterator[Finding]:
    where = Location.of_item(server, item.kind, item.name)
    hint = _approve_hint(server, item.label, from_lock)
    if pin is None or pin.approved_signature is None:
        shown = readable_diff(None, item.definition, labels=("(none)", "current"))
        yield _finding(
            RULE_ADDED,
            Severity.MEDIUM,
            f"{item.kind.replace('_', ' ')} added since the server was approved",
            f"new item {item.label}, signature {item.signature[:12]}\n{shown}",
            where,
            "review the new item; " + hint,
        )
    elif pin.approved_signature != item.signature:
        diff = readable_diff(pin.approved_definition, item.definition)
        plural = item.kind == "instructions"
        info = item.kind == "server_info"
        yield _finding(
            RULE_SERVER_INFO if info else RULE_CHANGED,
            Severity.LOW if info else Severity.HIGH,
            f"{_NOUN.get(item.kind, item.kind)} changed since "
            f"{'they were' if plural else 'it was'} approved",
            f"approved signature {pin.approved_signature[:12]}, now {item.signature[:12]}\n{diff}",
            where,
            "review the change; " + hint,
        )
