"""What changed between two scans: servers, their items, and findings.

Servers are matched by identity (``ServerRef.key``); the items of a server
(tools, prompts, resources, templates, instructions, server info) by kind and
name, and a changed item carries a short unified diff of its definition.
Findings are matched by rule id and location: the same evidence is the same
finding (``changed`` if its severity, title or remediation moved), a
different evidence at the same place is a ``changed`` finding, and the rest
were added or removed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from hawkeye_core.records import Finding, ServerInventory, ServerRef, as_tuple
from hawkeye_core.result import ScanResult, to_data
from hawkeye_core.store.pins import inventory_items, unique_inventories
from hawkeye_core.store.textdiff import readable_diff

__all__ = ["FindingChange", "ItemChange", "ScanDiff", "ServerChange", "diff_scans"]

_REF_FIELDS = ("transport", "url", "command", "env", "name", "protocol_version", "auth", "tls")
_INVENTORY_FIELDS = ("server_info", "protocol_version", "capabilities", "auth")


@frozen(kw_only=True)
class ServerChange:
    """A server added, removed, or changed (the names of the fields that moved)."""

    server: str
    change: str  # added, removed, changed
    fields: tuple[str, ...] = field(default=(), converter=as_tuple)


@frozen(kw_only=True)
class ItemChange:
    """A tool, prompt, resource, ... of a server in both scans: added, removed or changed."""

    server: str
    kind: str
    name: str
    change: str
    diff: str = ""  # for changed items: a unified diff of the definitions


@frozen(kw_only=True)
class FindingChange:
    """A finding added (``after`` only), removed (``before`` only) or changed (both)."""

    change: str
    before: Finding | None = None
    after: Finding | None = None


@frozen(kw_only=True)
class ScanDiff:
    """The changes from scan ``a`` to scan ``b``."""

    a: str
    b: str
    servers: tuple[ServerChange, ...] = field(default=(), converter=as_tuple)
    items: tuple[ItemChange, ...] = field(default=(), converter=as_tuple)
    findings: tuple[FindingChange, ...] = field(default=(), converter=as_tuple)

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not (self.servers or self.items or self.findings)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data, grouped by what changed and how."""

        def by_change(changes: Iterable[Any], change: str) -> list[Any]:
            return [to_data(c) for c in changes if c.change == change]

        return {
            "a": self.a,
            "b": self.b,
            **{
                name: {c: by_change(group, c) for c in ("added", "removed", "changed")}
                for name, group in (
                    ("servers", self.servers),
                    ("items", self.items),
                    ("findings", self.findings),
                )
            },
        }


def diff_scans(a: ScanResult, b: ScanResult) -> ScanDiff:
    """The servers, items and findings that differ from ``a`` to ``b``."""
    servers, items = _servers(a, b)
    return ScanDiff(
        a=a.scan_id, b=b.scan_id, servers=servers, items=items, findings=_findings(a, b)
    )


def _server_view(result: ScanResult) -> dict[str, tuple[ServerRef, ServerInventory | None]]:
    inventories = {inv.ref.key: inv for inv in unique_inventories(result.inventories)}
    view: dict[str, tuple[ServerRef, ServerInventory | None]] = {
        ref.key: (ref, inventories.get(ref.key)) for ref in result.servers
    }
    for key, inv in inventories.items():
        view.setdefault(key, (inv.ref, inv))
    return view


def _servers(a: ScanResult, b: ScanResult) -> tuple[list[ServerChange], list[ItemChange]]:
    before, after = _server_view(a), _server_view(b)
    servers: list[ServerChange] = []
    items: list[ItemChange] = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            servers.append(ServerChange(server=key, change="added"))
            continue
        if key not in after:
            servers.append(ServerChange(server=key, change="removed"))
            continue
        (ref_a, inv_a), (ref_b, inv_b) = before[key], after[key]
        moved = [f for f in _REF_FIELDS if getattr(ref_a, f) != getattr(ref_b, f)]
        if (inv_a is None) != (inv_b is None):
            moved.append("inventory")
        elif inv_a is not None and inv_b is not None:
            moved += [
                f
                for f in _INVENTORY_FIELDS
                if getattr(inv_a, f) != getattr(inv_b, f) and f not in moved
            ]
            items += _items(key, inv_a, inv_b)
        if moved:
            servers.append(ServerChange(server=key, change="changed", fields=moved))
    return servers, items


def _items(server: str, a: ServerInventory, b: ServerInventory) -> list[ItemChange]:
    old = {(i.kind, i.name): i for i in inventory_items(a)}
    new = {(i.kind, i.name): i for i in inventory_items(b)}
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        kind, name = key
        if key not in new:
            out.append(ItemChange(server=server, kind=kind, name=name, change="removed"))
        elif key not in old:
            out.append(ItemChange(server=server, kind=kind, name=name, change="added"))
        elif old[key].signature != new[key].signature:
            text = readable_diff(
                old[key].definition, new[key].definition, labels=("before", "after")
            )
            out.append(ItemChange(server=server, kind=kind, name=name, change="changed", diff=text))
    return out


def _place(finding: Finding) -> tuple[Any, ...]:
    loc = finding.location
    return finding.rule_id, loc.server, loc.tool, loc.prompt, loc.resource, loc.file, loc.line


def _same(x: Finding, y: Finding) -> bool:
    return (x.severity, x.title, x.remediation, x.confidence) == (
        y.severity,
        y.title,
        y.remediation,
        y.confidence,
    )


def _findings(a: ScanResult, b: ScanResult) -> list[FindingChange]:
    before: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    after: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    for finding in a.findings:
        before[_place(finding)].append(finding)
    for finding in b.findings:
        after[_place(finding)].append(finding)
    out: list[FindingChange] = []
    for place in [*before, *(p for p in after if p not in before)]:
        olds, news = list(before.get(place, ())), list(after.get(place, ()))
        for old in list(olds):  # the same evidence at the same place: the same finding
            match = next((n for n in news if n.evidence == old.evidence), None)
            if match is not None:
                olds.remove(old)
                news.remove(match)
                if not _same(old, match):
                    out.append(FindingChange(change="changed", before=old, after=match))
        for old, new in zip(olds, news, strict=False):  # same place, other evidence
            out.append(FindingChange(change="changed", before=old, after=new))
        out += [FindingChange(change="removed", before=f) for f in olds[len(news) :]]
        out += [FindingChange(change="added", after=f) for f in news[len(olds) :]]
    return out
