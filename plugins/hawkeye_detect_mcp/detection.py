"""A detection of the ladder, and how it becomes a ``ServerRef``.

A :class:`Detection` is one candidate answer; the ladder keeps the most
confident. The chosen one is finished here: an https detection gets its
certificate facts (and a line of evidence saying what they are).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

from hawkeye_core import AuthPosture, Endpoint, ServerInfo, ServerRef
from hawkeye_detect_mcp.probe import ProbeError, Prober
from hawkeye_detect_mcp.tls import certificate_facts, verify_certificate

__all__ = ["Detection", "to_server_ref"]

#: Seconds the second, verifying TLS handshake may take.
VERIFY_TIMEOUT = 1.0


@frozen(kw_only=True)
class Detection:
    """A candidate answer of the ladder, before it becomes a ServerRef."""

    confidence: float
    transport: str
    url: str
    evidence: tuple[str, ...]
    protocol_version: str | None = None
    server_info: ServerInfo | None = None
    auth: AuthPosture | None = None


async def to_server_ref(
    detection: Detection, endpoint: Endpoint, prober: Prober, notes: list[str]
) -> ServerRef:
    """The ServerRef of ``detection``; ``notes`` are evidence about the endpoint itself."""
    evidence = [*detection.evidence, *notes]
    tls = None
    if urlsplit(detection.url).scheme == "https":
        tls = await tls_facts(endpoint, prober)
        evidence.append(tls_line(tls))
    return ServerRef(
        transport=detection.transport,
        url=detection.url,
        found_in=endpoint.address,
        protocol_version=detection.protocol_version,
        server_info=detection.server_info,
        auth=detection.auth,
        tls=tls,
        evidence=evidence,
        confidence=detection.confidence,
    )


async def tls_facts(endpoint: Endpoint, prober: Prober) -> dict[str, Any]:
    """The certificate the endpoint showed, and whether a verifying client would accept it."""
    der = prober.peer_certificate
    facts: dict[str, Any] = certificate_facts(der) if der else {"verified": False}
    server_name = urlsplit(endpoint.url).hostname if endpoint.url else None
    verified, why = False, None
    try:
        await prober.admit()  # a connection like any other: rate-limited and counted
    except ProbeError as exc:
        why = f"not checked: {exc}"
    else:
        verified, why = await verify_certificate(
            endpoint.host,
            endpoint.port,
            server_name or endpoint.host,
            timeout=min(VERIFY_TIMEOUT, prober.remaining()),
        )
    facts["verified"] = verified
    if why:
        facts["verify_error"] = why
    return facts


def tls_line(tls: dict[str, Any]) -> str:
    """One evidence line about the certificate."""
    kind = "self-signed certificate" if tls.get("self_signed") else "certificate"
    subject = f" subject {tls['subject']}" if tls.get("subject") else ""
    fingerprint = f", sha256 {tls['sha256'][:16]}…" if tls.get("sha256") else ""
    if tls.get("verified"):
        verdict = "verifies against the system trust store"
    else:
        verdict = f"does not verify ({tls.get('verify_error', 'unknown')})"
    return f"TLS: {kind}{subject}{fingerprint}; {verdict}"
