"""Canonical signatures of what servers expose, and the pin table that remembers them.

Every tool, prompt, resource, resource template, the ``instructions`` and the
server info of an inventory is an :class:`Item` with a signature: the SHA-256
of its canonical JSON (sorted keys, no whitespace, UTF-8). Items are keyed by
the server's identity (``ServerRef.key``), their kind and their name (a
resource's URI).

A :class:`Pin` is what the store remembers of one item: the approved
signature and the one last seen. Its status says how they compare:

``pinned``
    the item looks as it did when it was approved (first sight of a server's
    items approves them: trust on first use);
``changed``
    its definition differs from the approved one (a rug pull until reviewed);
``added``
    it appeared on a server that was already pinned, and was never approved;
``removed``
    it was approved but its server no longer lists it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from hawkeye_core.records import ServerInventory
from hawkeye_core.result import ScanResult, to_data

__all__ = [
    "KINDS",
    "Item",
    "Pin",
    "canonical_json",
    "db_text",
    "inventory_items",
    "server_id",
    "signature_of",
    "status_of",
    "unique_inventories",
]

#: Kinds of pinned items, in the order they are listed.
KINDS = ("server_info", "instructions", "tool", "prompt", "resource", "resource_template")


def db_text(text: str) -> str:
    """``text`` as SQLite can store it: a lone surrogate (hostile input) as a ``\\udc80`` escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def server_id(inventory: ServerInventory) -> str:
    """The key the pins know ``inventory``'s server by (its ``ServerRef.key``)."""
    return db_text(inventory.ref.key)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signature_of(definition: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of ``definition``'s canonical JSON."""
    data = canonical_json(definition).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


@frozen(kw_only=True)
class Item:
    """One thing a server exposes, with its canonical definition and signature."""

    kind: str
    name: str
    definition: Mapping[str, Any]
    signature: str

    @property
    def label(self) -> str:
        """``kind:name``, as ``hawkeye pins`` shows and takes it."""
        return f"{self.kind}:{self.name}"


def _definition(record: Any) -> dict[str, Any]:
    # Empty fields are left out, so a field a later HawkEye adds to a record
    # (empty by default) does not change every signature.
    data = to_data(record)
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _item(kind: str, name: str, definition: dict[str, Any]) -> Item:
    return Item(
        kind=kind, name=db_text(name), definition=definition, signature=signature_of(definition)
    )


def inventory_items(inventory: ServerInventory) -> list[Item]:
    """The pinnable items of ``inventory``; of two items with one name the first counts."""
    items: list[Item] = []
    info = inventory.server_info or inventory.ref.server_info
    if info is not None:
        items.append(_item("server_info", "server_info", _definition(info)))
    if inventory.instructions is not None:
        items.append(
            _item("instructions", "instructions", {"instructions": inventory.instructions})
        )
    named: list[tuple[str, str, Any]] = [
        *(("tool", t.name, t) for t in inventory.tools),
        *(("prompt", p.name, p) for p in inventory.prompts),
        *(("resource", r.uri, r) for r in inventory.resources),
        *(("resource_template", t.uri_template, t) for t in inventory.resource_templates),
    ]
    seen: set[tuple[str, str]] = set()
    for kind, name, record in named:
        if (kind, name) not in seen:
            seen.add((kind, name))
            items.append(_item(kind, name, _definition(record)))
    return items


def unique_inventories(inventories: Iterable[ServerInventory]) -> list[ServerInventory]:
    """One inventory per server (the first), in order."""
    out: dict[str, ServerInventory] = {}
    for inventory in inventories:
        out.setdefault(inventory.ref.key, inventory)
    return list(out.values())


def status_of(approved: str | None, current: str | None) -> str:
    """The status of a pin from its approved and current signatures."""
    if approved is None:
        return "added"
    if current is None:
        return "removed"
    return "pinned" if approved == current else "changed"


@frozen(kw_only=True)
class Pin:
    """What the store remembers of one item of one server."""

    server: str
    kind: str
    item: str
    status: str
    approved_signature: str | None = None
    approved_definition: Mapping[str, Any] | None = None
    current_signature: str | None = None
    current_definition: Mapping[str, Any] | None = None
    first_seen: str = ""  # scan id
    last_seen: str = ""
    approved_at: float | None = None
    changed_at: float | None = None

    @property
    def label(self) -> str:
        """``kind:name``."""
        return f"{self.kind}:{self.item}"


_PIN_COLUMNS = (
    "server, kind, item, status, approved_signature, approved_definition, current_signature, "
    "current_definition, first_seen, last_seen, approved_at, changed_at"
)


def _pin(row: Sequence[Any]) -> Pin:
    return Pin(
        server=row[0],
        kind=row[1],
        item=row[2],
        status=row[3],
        approved_signature=row[4],
        approved_definition=json.loads(row[5]) if row[5] is not None else None,
        current_signature=row[6],
        current_definition=json.loads(row[7]) if row[7] is not None else None,
        first_seen=row[8],
        last_seen=row[9],
        approved_at=row[10],
        changed_at=row[11],
    )


def _order(pin: Pin) -> tuple[str, int, str]:
    kind = KINDS.index(pin.kind) if pin.kind in KINDS else len(KINDS)
    return pin.server, kind, pin.item


def select_pins(
    conn: sqlite3.Connection,
    *,
    servers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> list[Pin]:
    """Pins of ``servers`` (default all) whose status is in ``statuses`` (default any)."""
    query = f"SELECT {_PIN_COLUMNS} FROM pins"
    where: list[str] = []
    params: list[Any] = []
    for column, values in (("server", servers), ("status", statuses)):
        if values is not None:
            wanted = list(values)
            where.append(f"{column} IN ({', '.join('?' * len(wanted)) or 'NULL'})")
            params.extend(wanted)
    if where:
        query += " WHERE " + " AND ".join(where)
    return sorted((_pin(row) for row in conn.execute(query, params)), key=_order)


def record_observations(conn: sqlite3.Connection, result: ScanResult, now: float) -> None:
    """Update the pins with what ``result`` saw, inside the caller's transaction.

    The first sight of a server pins all its items; a later item on a known
    server is ``added``; a signature unlike the approved one is ``changed``;
    an approved item a complete inventory no longer lists is ``removed``. An
    inventory with errors (a list that failed or was cut) removes nothing.
    """
    for inventory in unique_inventories(result.inventories):
        items = inventory_items(inventory)
        if not items:
            continue  # a server that was not reached teaches nothing
        server = server_id(inventory)
        existing = {(p.kind, p.item): p for p in select_pins(conn, servers=[server])}
        known = bool(existing)
        for item in items:
            _observe(
                conn,
                result.scan_id,
                server,
                item,
                existing.get((item.kind, item.name)),
                known=known,
                now=now,
            )
            conn.execute(
                "INSERT OR REPLACE INTO signatures VALUES (?, ?, ?, ?, ?)",
                (result.scan_id, server, item.kind, item.name, item.signature),
            )
        if inventory.errors:
            continue
        seen = {(i.kind, i.name) for i in items}
        for key, pin in existing.items():
            if key in seen or pin.current_signature is None:
                continue
            if pin.approved_signature is None:  # never approved, now gone: forget it
                conn.execute(
                    "DELETE FROM pins WHERE server = ? AND kind = ? AND item = ?", (server, *key)
                )
            else:
                conn.execute(
                    "UPDATE pins SET status = 'removed', current_signature = NULL, "
                    "current_definition = NULL, changed_at = ? "
                    "WHERE server = ? AND kind = ? AND item = ?",
                    (now, server, *key),
                )


def _observe(
    conn: sqlite3.Connection,
    scan_id: str,
    server: str,
    item: Item,
    pin: Pin | None,
    *,
    known: bool,
    now: float,
) -> None:
    definition = json.dumps(item.definition, sort_keys=True, ensure_ascii=True)
    if pin is None:
        approved = None if known else item.signature
        conn.execute(
            f"INSERT INTO pins ({_PIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                server,
                item.kind,
                item.name,
                status_of(approved, item.signature),
                approved,
                definition if approved else None,
                item.signature,
                definition,
                scan_id,
                scan_id,
                now if approved else None,
                None if approved else now,
            ),
        )
        return
    changed_at = pin.changed_at if pin.current_signature == item.signature else now
    conn.execute(
        "UPDATE pins SET status = ?, current_signature = ?, current_definition = ?, "
        "last_seen = ?, changed_at = ? WHERE server = ? AND kind = ? AND item = ?",
        (
            status_of(pin.approved_signature, item.signature),
            item.signature,
            definition,
            scan_id,
            changed_at,
            server,
            item.kind,
            item.name,
        ),
    )


def approve_pins(conn: sqlite3.Connection, pins: Iterable[Pin], now: float) -> int:
    """Approve ``pins`` as they are now, inside the caller's transaction; return how many.

    A changed or added item's current definition becomes the approved one; a
    removed item is forgotten. Pinned items are left alone.
    """
    count = 0
    for pin in pins:
        key = (pin.server, pin.kind, pin.item)
        if pin.status == "removed":
            conn.execute("DELETE FROM pins WHERE server = ? AND kind = ? AND item = ?", key)
        elif pin.status in ("changed", "added"):
            conn.execute(
                "UPDATE pins SET status = 'pinned', approved_signature = current_signature, "
                "approved_definition = current_definition, approved_at = ? "
                "WHERE server = ? AND kind = ? AND item = ?",
                (now, *key),
            )
        else:
            continue
        count += 1
    return count
