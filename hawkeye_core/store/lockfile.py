"""The pins lockfile: a known-good set of signatures, for review and for CI.

``hawkeye pins export FILE`` writes the approved signatures (with the
definitions they were computed from, so a change reads as a diff in code
review) in a stable order; ``hawkeye pins verify FILE`` compares it with what
the servers serve now. The pinning analyser may also take its approved set
from a lockfile instead of the store (``[plugin.pinning] lockfile = FILE``).

The format::

    {
      "hawkeye_lockfile": 1,
      "servers": {
        "<server key>": {
          "<kind>:<name>": {"signature": "<sha256 hex>", "definition": {...}}
        }
      }
    }
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hawkeye_core.store.pins import KINDS, Pin, signature_of

__all__ = [
    "LOCK_FORMAT",
    "LockfileError",
    "compare_lock",
    "dump_lock",
    "lock_data",
    "lock_pins",
    "read_lock",
]

#: The lockfile format this HawkEye writes and reads.
LOCK_FORMAT = 1

Lock = dict[str, dict[str, dict[str, Any]]]  # server -> "kind:name" -> entry


class LockfileError(ValueError):
    """A lockfile cannot be read; the message is one line naming it."""


def lock_data(pins: Iterable[Pin]) -> dict[str, Any]:
    """The lockfile of ``pins``: every approved signature, sorted."""
    servers: Lock = {}
    for pin in pins:
        if pin.approved_signature is None:
            continue  # never approved: not known-good
        servers.setdefault(pin.server, {})[pin.label] = {
            "signature": pin.approved_signature,
            "definition": dict(pin.approved_definition or {}),
        }
    ordered = {s: dict(sorted(servers[s].items())) for s in sorted(servers)}
    return {"hawkeye_lockfile": LOCK_FORMAT, "servers": ordered}


def dump_lock(data: Mapping[str, Any]) -> str:
    """The lockfile text: indented, keys sorted, one trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_lock(path: Path) -> Lock:
    """Read and check a lockfile; every entry's signature must match its definition."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise LockfileError(f"lockfile not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"cannot read lockfile {path}: {exc}") from None
    except ValueError as exc:
        raise LockfileError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or "hawkeye_lockfile" not in data:
        raise LockfileError(f"{path}: not a HawkEye lockfile (no hawkeye_lockfile key)")
    if data["hawkeye_lockfile"] != LOCK_FORMAT:
        raise LockfileError(
            f"{path}: lockfile format {data['hawkeye_lockfile']!r}; this HawkEye reads "
            f"{LOCK_FORMAT}"
        )
    servers = data.get("servers")
    if not isinstance(servers, dict):
        raise LockfileError(f"{path}: 'servers' must be an object")
    lock: Lock = {}
    for server, items in servers.items():
        if not isinstance(items, dict):
            raise LockfileError(f"{path}: server {server!r} must map items to entries")
        for label, entry in items.items():
            kind, sep, _ = str(label).partition(":")
            where = f"{path}: {server} {label}"
            if not sep or kind not in KINDS:
                raise LockfileError(f"{where}: items are named KIND:NAME, KIND one of {KINDS}")
            if not (isinstance(entry, dict) and isinstance(entry.get("definition"), dict)):
                raise LockfileError(f"{where}: an entry needs a signature and a definition")
            if signature_of(entry["definition"]) != entry.get("signature"):
                raise LockfileError(f"{where}: the signature does not match the definition")
            lock.setdefault(server, {})[label] = entry
    return lock


def lock_pins(lock: Lock) -> list[Pin]:
    """The lockfile as pins, approved and current alike (for the pinning analyser)."""
    pins = []
    for server, items in lock.items():
        for label, entry in items.items():
            kind, _, name = label.partition(":")
            pins.append(
                Pin(
                    server=server,
                    kind=kind,
                    item=name,
                    status="pinned",
                    approved_signature=entry["signature"],
                    approved_definition=entry["definition"],
                    current_signature=entry["signature"],
                    current_definition=entry["definition"],
                )
            )
    return pins


def compare_lock(lock: Lock, pins: Iterable[Pin]) -> list[str]:
    """How the servers' current items differ from ``lock``, one line each; empty if alike."""
    current = {
        (p.server, p.label): p.current_signature for p in pins if p.current_signature is not None
    }
    locked = {(s, label): e["signature"] for s, items in lock.items() for label, e in items.items()}
    lines = []
    for server, label in sorted(current.keys() | locked.keys()):
        now, then = current.get((server, label)), locked.get((server, label))
        if now == then:
            continue
        if now is None:
            lines.append(f"{server} {label}: in the lockfile, no longer served")
        elif then is None:
            lines.append(f"{server} {label}: served, not in the lockfile")
        else:
            lines.append(f"{server} {label}: changed (lockfile {then[:12]}, now {now[:12]})")
    return lines
