"""The auth posture of a server that answered 401 (or 403) instead of a session.

Without credentials a 401 is a finding, not a failure. The posture records the
status, the ``WWW-Authenticate`` challenge, the RFC 9728 protected-resource
metadata and the RFC 8414 / OpenID metadata of the authorization servers it
names, in the order the MCP specification (2025-06-18 and later) tells clients
to look for them; the discovery URLs come from the SDK's own helpers.

Every document is fetched with a GET carrying no credentials, no redirects
followed, at most ``METADATA_BYTES`` read. The challenge's ``resource_metadata``
URL is fetched only on the server's own origin (a server must not steer the
scanner at a third host); the authorization servers are other hosts by design,
and at most ``MAX_AUTHORIZATION_SERVERS`` of them are asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from attrs import frozen
from mcp.client.auth.utils import (
    build_oauth_authorization_server_metadata_discovery_urls,
    build_protected_resource_metadata_discovery_urls,
)

from hawkeye_core import AsyncBatch, AuthPosture
from hawkeye_introspect_mcp.http_clients import Challenge
from hawkeye_introspect_mcp.inventory import Clipper

__all__ = [
    "MAX_AUTHORIZATION_SERVERS",
    "METADATA_BYTES",
    "Posture",
    "decode_metadata",
    "origin_of",
    "probe_posture",
]

METADATA_BYTES = 64 * 1024
MAX_AUTHORIZATION_SERVERS = 3

_RESOURCE_METADATA = re.compile(
    r"""resource_metadata\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))""", re.IGNORECASE
)

#: Fetches a JSON object from a URL (None when there is none there).
FetchJson = Callable[[str], Awaitable[Mapping[str, Any] | None]]


@frozen
class Posture:
    """What :func:`probe_posture` found: the posture, the authorization servers' metadata, notes."""

    auth: AuthPosture
    authorization_server_metadata: Mapping[str, Mapping[str, Any]]
    notes: tuple[str, ...]


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url`` (the port only when the URL names one)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


def decode_metadata(body: bytes) -> Mapping[str, Any] | None:
    """A metadata document: a JSON object of at most ``METADATA_BYTES``, else None."""
    if len(body) > METADATA_BYTES:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


async def probe_posture(
    url: str,
    challenge: Challenge,
    fetch: FetchJson,
    clipper: Clipper,
    known: AuthPosture | None = None,
) -> Posture:
    """Fetch what a client needs to authenticate to the server at ``url``.

    ``known`` is a posture a detector already found for this server: its
    protected-resource metadata is reused instead of fetched again.
    """
    notes: list[str] = []
    metadata = dict(known.resource_metadata) if known and known.resource_metadata else None
    if metadata is None:
        metadata = await _resource_metadata(url, challenge, fetch, notes)
    servers = _authorization_servers(metadata)
    # Before protected-resource metadata (2025-03-26), the server's own origin was the
    # authorization server.
    issuers: list[str | None] = [*servers][:MAX_AUTHORIZATION_SERVERS] if servers else [None]

    async def lookup(issuer: str | None) -> Mapping[str, Any] | None:
        for candidate in build_oauth_authorization_server_metadata_discovery_urls(issuer, url):
            document = await fetch(candidate)
            if document is not None and _is_server_metadata(document):
                return clipper.json(document)
        return None

    async def failed(issuer: str | None, exc: BaseException) -> None:
        notes.append(
            f"authorization server {clipper.text(str(issuer), 200)!r}: "
            f"{clipper.text(str(exc) or type(exc).__name__, 200)}"
        )

    # The servers are independent: looked up at once, and one that fails
    # (a malformed issuer URL from a hostile server) costs only its own entry.
    lookups = AsyncBatch(max_concurrency=MAX_AUTHORIZATION_SERVERS)
    results = await lookups.process_batch(issuers, lookup, error_handler=failed)
    found: dict[str, Mapping[str, Any]] = {}
    for issuer, document in zip(issuers, results, strict=True):
        if isinstance(document, BaseException):
            continue
        if document is not None:
            found[issuer or origin_of(url)] = document
        elif issuer is not None:
            notes.append(f"no authorization server metadata found for {clipper.text(issuer, 200)}")
    auth = AuthPosture(
        required=True,
        status=challenge.status,
        www_authenticate=challenge.www_authenticate,
        resource_metadata=clipper.json(metadata) if metadata is not None else None,
        authorization_servers=[clipper.text(s, 2048) for s in servers],
    )
    return Posture(auth=auth, authorization_server_metadata=found, notes=tuple(notes))


async def _resource_metadata(
    url: str, challenge: Challenge, fetch: FetchJson, notes: list[str]
) -> dict[str, Any] | None:
    hinted = None
    match = _RESOURCE_METADATA.search(challenge.www_authenticate or "")
    if match:
        hinted = urljoin(url, (match.group(1) or match.group(2) or "").replace('\\"', '"'))
        if origin_of(hinted) != origin_of(url) or not hinted.startswith(("http://", "https://")):
            notes.append(f"resource_metadata {hinted[:200]!r} is on another origin: not fetched")
            hinted = None
    for candidate in build_protected_resource_metadata_discovery_urls(hinted, url):
        document = await fetch(candidate)
        if document is not None and _is_resource_metadata(document):
            return dict(document)
    notes.append("no protected-resource metadata found")
    return None


def _authorization_servers(metadata: Mapping[str, Any] | None) -> list[str]:
    servers = (metadata or {}).get("authorization_servers")
    if not isinstance(servers, list):
        return []
    return [s for s in servers if isinstance(s, str) and s.startswith(("http://", "https://"))]


def _is_resource_metadata(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get("resource"), str) or isinstance(
        document.get("authorization_servers"), list
    )


def _is_server_metadata(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get("issuer"), str) or isinstance(
        document.get("token_endpoint"), str
    )
