"""Config and network posture: how a server is started and how it is reached.

Config rules read the stdio command line a client config gives (never run
it): shells, download-and-run pipelines, unpinned packages and images,
containers with host access, secrets in arguments or the environment (which
discovery has already replaced with redaction markers; findings repeat the
markers, never a secret). Network rules read the URL, the auth posture the
introspector saw, TLS facts and the protocol version. Whether a server checks
the Origin header cannot be judged statically: HE-NET-005 only reports a
detector's probe that recorded it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from hawkeye_analyse_rules.commands import MARKER, command_findings
from hawkeye_analyse_rules.rules import make_finding
from hawkeye_analyse_rules.text import reveal
from hawkeye_core import Finding, Location, ServerInventory, ServerRef, Severity

__all__ = ["config_file_findings", "config_path", "posture_findings"]

_ALL_INTERFACES = frozenset({"0.0.0.0", "::", "[::]"})
_LISTENING_ALL = re.compile(r"listening on (\S+) \(all interfaces\)")
# Only the verdict line of a detector's DNS-rebinding check (hawkeye_detect_mcp writes
# "DNS-rebinding check: Origin <origin> accepted (...)"), anchored at the start: a
# server's own words inside another evidence line must not pass for it.
_ORIGIN_EVIDENCE = re.compile(r"^DNS-rebinding check: Origin \S+ accepted\b")
_PROTOCOL = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OLDEST_CURRENT_PROTOCOL = "2025-03-26"
_NETWORK = frozenset({"sse", "streamable-http", "http", "websocket"})


def config_path(ref: ServerRef) -> str | None:
    """The config file a config-derived reference came from, or None."""
    found = ref.found_in.split("#", 1)[0]
    if not found or found.startswith("pid "):
        return None
    if any(line.startswith("offline:") for line in ref.evidence):
        return None
    if not any(line.startswith("configured in") for line in ref.evidence):
        return None
    return found


def _env_secrets(ref: ServerRef) -> list[str]:
    return sorted(name for name, value in ref.env.items() if MARKER.search(str(value)))


def _has_secrets(ref: ServerRef) -> bool:
    return bool(_env_secrets(ref)) or any(MARKER.search(a) for a in ref.command or ())


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.endswith((".local", ".lan", ".internal", ".home.arpa"))
    return address.is_private or address.is_link_local


def _network_findings(inventory: ServerInventory, where: Location) -> Iterator[Finding]:
    ref = inventory.ref
    url = ref.url or ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    raw_host = parts.netloc.rpartition("@")[2].rsplit(":", 1)[0] if parts.netloc else ""
    bound_all = host in _ALL_INTERFACES or raw_host in _ALL_INTERFACES
    listening = [m.group(1) for line in ref.evidence for m in [_LISTENING_ALL.search(line)] if m]
    if bound_all or listening:
        yield make_finding(
            "HE-NET-003",
            evidence=f"URL {url}" if bound_all else f"listening on {listening[0]} (all interfaces)",
            location=where,
            confidence=0.95,
        )
    off_loopback = bool(host) and not _is_loopback(host)
    if parts.scheme in ("http", "ws") and off_loopback and ref.transport in _NETWORK:
        yield make_finding(
            "HE-NET-002",
            evidence=f"URL {url}",
            location=where,
            confidence=0.95,
            severity=Severity.MEDIUM if _is_private(host) or bound_all else None,
        )
    auth = inventory.auth or ref.auth
    if auth is not None and auth.required is False and off_loopback:
        yield make_finding(
            "HE-NET-001",
            evidence=f"{url}: MCP session opened without credentials "
            f"({len(inventory.tools)} tools listed)",
            location=where,
            confidence=0.9,
        )
    if auth is not None and auth.required and auth.status == 401 and not auth.resource_metadata:
        challenge = reveal(auth.www_authenticate or "no WWW-Authenticate")[:160]
        yield make_finding(
            "HE-NET-004",
            evidence=f"HTTP 401 ({challenge}), no protected-resource metadata",
            location=where,
            confidence=0.85,
        )
    for line in ref.evidence:
        if _ORIGIN_EVIDENCE.search(line):
            yield make_finding(
                "HE-NET-005", evidence=reveal(line)[:200], location=where, confidence=0.9
            )
            break
    tls = ref.tls
    if tls is not None and tls.get("verified") is False:
        why = tls.get("verify_error") or (
            "self-signed" if tls.get("self_signed") else "does not verify"
        )
        yield make_finding(
            "HE-NET-007",
            evidence=reveal(f"{url}: certificate {tls.get('subject') or ''} {why}")[:200],
            location=where,
            confidence=0.9,
        )


def posture_findings(inventory: ServerInventory) -> Iterator[Finding]:
    """HE-CFG-* (but 006) and HE-NET-* findings for one server."""
    ref = inventory.ref
    path = config_path(ref)
    where = Location(server=ref.label, file=path)
    if ref.transport == "stdio" or ref.command:
        yield from command_findings(ref, where)
    names = _env_secrets(ref)
    if names:
        shown = ", ".join(f"{n}={reveal(str(ref.env[n]))}" for n in names[:5])
        yield make_finding("HE-CFG-005", evidence=shown[:200], location=where, confidence=0.9)
    if ref.transport in _NETWORK or ref.url:
        yield from _network_findings(inventory, where)
    version = inventory.protocol_version or ref.protocol_version
    if version and _PROTOCOL.match(version) and version < OLDEST_CURRENT_PROTOCOL:
        yield make_finding(
            "HE-NET-006",
            evidence=f"protocolVersion {version} "
            f"(current versions start at {OLDEST_CURRENT_PROTOCOL})",
            location=Location(server=ref.label),
            confidence=0.95,
        )


def config_file_findings(refs: Iterable[ServerRef]) -> Iterator[Finding]:
    """HE-CFG-006: config files with hard-coded secrets that other users can read."""
    by_file: dict[str, list[ServerRef]] = defaultdict(list)
    for ref in refs:
        path = config_path(ref)
        if path and _has_secrets(ref):
            by_file[path].append(ref)
    for path, holders in sorted(by_file.items()):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode) or not mode & (stat.S_IRGRP | stat.S_IROTH):
            continue
        who = "all users" if mode & stat.S_IROTH else "its group"
        names = ", ".join(sorted({r.label for r in holders}))[:120]
        yield make_finding(
            "HE-CFG-006",
            evidence=f"mode {stat.filemode(mode)} (readable by {who}); secrets of: {names}",
            location=Location(server=holders[0].label, file=path),
            confidence=0.95,
            severity=None if mode & stat.S_IROTH else Severity.MEDIUM,
        )
