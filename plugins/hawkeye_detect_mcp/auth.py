"""MCP behind authentication: a Bearer challenge and its protected-resource metadata.

An MCP server that requires OAuth answers an unauthenticated request with
``401`` and ``WWW-Authenticate: Bearer ...``, usually naming its RFC 9728
protected-resource metadata (``resource_metadata="..."``). The metadata is
fetched from this endpoint only: from the URL the challenge names when it is
on the same origin, else from the well-known locations (path-suffixed first,
as RFC 9728 section 3.1 builds them, then the root).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from attrs import frozen

from hawkeye_core import AuthPosture
from hawkeye_detect_mcp.messages import parse_json, short
from hawkeye_detect_mcp.probe import ProbeError, Prober, Reply

__all__ = ["Challenge", "challenge_of", "confirm"]

WELL_KNOWN = "/.well-known/oauth-protected-resource"
_BEARER = re.compile(r"(?:^|[\s,])bearer(?:\s|,|$)", re.IGNORECASE)
_RESOURCE_METADATA = re.compile(
    r"""resource_metadata\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))""", re.IGNORECASE
)
# What is kept of the metadata document: RFC 9728 section 2 names, bounded.
_KEPT_STRINGS = ("resource", "resource_name", "resource_documentation", "resource_policy_uri")
_KEPT_LISTS = ("authorization_servers", "scopes_supported", "bearer_methods_supported")


@frozen
class Challenge:
    """A 401 with a Bearer challenge, seen on ``path`` of the endpoint."""

    path: str
    url: str
    method: str
    status: int
    www_authenticate: str
    resource_metadata_url: str | None


def challenge_of(reply: Reply) -> Challenge | None:
    """The Bearer challenge of a 401 reply, or None (no 401, or another scheme)."""
    if reply.status != 401:
        return None
    header = reply.headers.get("www-authenticate", "")[:2048]
    if not _BEARER.search(header):
        return None
    match = _RESOURCE_METADATA.search(header)
    hinted = None
    if match:
        hinted = (match.group(1) or match.group(2) or "").replace('\\"', '"')[:2048] or None
    return Challenge(
        path=reply.path,
        url=reply.url,
        method=reply.method,
        status=reply.status,
        www_authenticate=short(header, 500),
        resource_metadata_url=hinted,
    )


async def confirm(
    prober: Prober, origin: str, challenge: Challenge
) -> tuple[AuthPosture, list[str]]:
    """Fetch the protected-resource metadata; return the auth posture and evidence."""
    evidence: list[str] = []
    candidates: list[str] = []
    hinted = challenge.resource_metadata_url
    if hinted:
        absolute = urljoin(challenge.url, hinted)
        if prober.same_origin(absolute):
            candidates.append(absolute)
        else:
            evidence.append(
                f"resource_metadata {short(hinted, 120)} is on another host: not fetched"
            )
    if challenge.path not in ("", "/"):
        candidates.append(origin + WELL_KNOWN + challenge.path.rstrip("/"))
    candidates.append(origin + WELL_KNOWN)
    metadata: dict[str, Any] | None = None
    for url in dict.fromkeys(candidates):
        if prober.exhausted:
            break
        try:
            reply = await prober.exchange("GET", url, headers={"Accept": "application/json"})
        except ProbeError as exc:
            evidence.append(f"GET {_path(url, origin)} -> {exc.kind}")
            continue
        metadata = _metadata(reply)
        if metadata is not None:
            servers = metadata.get("authorization_servers", [])
            evidence.append(
                f"GET {reply.path} -> {reply.summary()}, resource="
                f"{short(metadata['resource'], 120)!s}, authorization_servers={servers}"
            )
            break
        evidence.append(f"GET {reply.path} -> {reply.summary()}, no protected-resource metadata")
    posture = AuthPosture(
        required=True,
        status=challenge.status,
        www_authenticate=challenge.www_authenticate,
        resource_metadata=metadata,
        authorization_servers=tuple(metadata.get("authorization_servers", ())) if metadata else (),
    )
    return posture, evidence


def _path(url: str, origin: str) -> str:
    return url[len(origin) :] if url.startswith(origin) else short(url, 120)


def _metadata(reply: Reply) -> dict[str, Any] | None:
    """The RFC 9728 document in ``reply``, trimmed to known fields, or None."""
    if reply.status != 200:
        return None
    document = parse_json(reply.body)
    if not isinstance(document, dict) or not isinstance(document.get("resource"), str):
        return None
    kept: dict[str, Any] = {}
    for key in _KEPT_STRINGS:
        if isinstance(document.get(key), str):
            kept[key] = short(document[key], 500)
    for key in _KEPT_LISTS:
        values = document.get(key)
        if isinstance(values, list):
            kept[key] = [short(v, 500) for v in values[:20] if isinstance(v, str)]
    return kept
