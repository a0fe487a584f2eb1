"""Certificate facts of an HTTPS endpoint, for ``ServerRef.tls``.

Detection talks to HTTPS servers without verifying them (self-signed and
expired certificates are common where MCP servers run, and worth reporting),
so the facts say what the certificate is and whether it *would* verify: a
second, short handshake with the system's trust store and hostname checking.

The certificate is read with ``cryptography`` when it is installed; without
it, only the fingerprint and the verification result are recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
from typing import Any

from hawkeye_detect_mcp.messages import short

__all__ = ["certificate_facts", "verify_certificate"]


def certificate_facts(der: bytes) -> dict[str, Any]:
    """What a DER certificate says: subject, issuer, validity, names, fingerprint."""
    facts: dict[str, Any] = {
        "verified": False,
        "self_signed": None,
        "subject": None,
        "issuer": None,
        "not_before": None,
        "not_after": None,
        "sha256": hashlib.sha256(der).hexdigest(),
    }
    try:
        from cryptography import x509
    except ImportError:  # optional: the fingerprint is still worth having
        return facts
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        facts["error"] = "the certificate does not parse"
        return facts
    facts["subject"] = short(cert.subject.rfc4514_string(), 300)
    facts["issuer"] = short(cert.issuer.rfc4514_string(), 300)
    facts["not_before"] = cert.not_valid_before_utc.isoformat()
    facts["not_after"] = cert.not_valid_after_utc.isoformat()
    facts["self_signed"] = _self_signed(cert)
    with contextlib.suppress(x509.ExtensionNotFound, ValueError):
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        facts["names"] = [short(str(n.value), 200) for n in list(names)[:20]]
    return facts


def _self_signed(cert: Any) -> bool:
    from cryptography.exceptions import InvalidSignature

    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, InvalidSignature):  # another key with the same name signed it
        return False
    except TypeError:  # a key type that cannot be checked: the names alone decide
        return True
    return True


async def verify_certificate(
    host: str, port: int, server_name: str, timeout: float
) -> tuple[bool, str | None]:
    """Would a verifying client accept this endpoint's certificate for ``server_name``?

    Returns ``(verified, why_not)``; a handshake that does not finish within
    ``timeout`` counts as not verified.
    """
    if timeout <= 0:
        return False, "no time left to verify"
    context = ssl.create_default_context()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=server_name
            )
        return True, None
    except ssl.SSLCertVerificationError as exc:
        return False, short(exc.verify_message or str(exc), 200)
    except (OSError, TimeoutError, ValueError) as exc:
        return False, short(str(exc) or type(exc).__name__, 200)
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
                async with asyncio.timeout(0.5):
                    await writer.wait_closed()
