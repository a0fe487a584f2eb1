"""Tie together what different detectors found of one server."""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs

from hawkeye_core.records import ServerRef

__all__ = ["link_same_port"]

_THIS_HOST = frozenset({"0.0.0.0", "::", "127.0.0.1", "::1", "localhost"})


def _port_of(ref: ServerRef) -> tuple[str, int] | None:
    if not ref.url:
        return None
    parts = urlsplit(ref.url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    return ("this host" if host in _THIS_HOST else host), port


def link_same_port(servers: list[ServerRef]) -> list[ServerRef]:
    """Tie together the servers found at one host and port by different detectors.

    A process listening on port 8000 (local discovery) and the MCP server the
    network scan found on 127.0.0.1:8000 are the same server seen twice; each
    gets an evidence line naming the other. Loopback and wildcard addresses
    count as this host.
    """
    by_place: dict[tuple[str, int], list[int]] = {}
    for index, ref in enumerate(servers):
        place = _port_of(ref)
        if place is not None:
            by_place.setdefault(place, []).append(index)
    linked = list(servers)
    for indexes in by_place.values():
        if len(indexes) < 2:
            continue
        for i in indexes:
            others = [servers[j] for j in indexes if j != i][:5]
            notes = [
                f"same port as {o.transport} {o.url} (found in {o.found_in or 'a scan'})"
                for o in others
            ]
            new = [n for n in notes if n not in linked[i].evidence]
            if new:
                linked[i] = attrs.evolve(linked[i], evidence=(*linked[i].evidence, *new))
    return linked
