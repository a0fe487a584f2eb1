"""Stable fingerprints: the same risk in two scans gets the same fingerprint.

GitHub code scanning (and any SARIF consumer) matches results across runs by
``partialFingerprints``. HawkEye's is a SHA-256 of what identifies a risk: the
rule, where it is (server, tool, prompt or resource, config file) and the
evidence, normalised so that what changes from scan to scan without changing
the risk (scan ids, session ids, timestamps, whitespace, case) does not change
the fingerprint. A config file's line number is left out on purpose: moving a
server's entry in the file keeps its alert.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from hawkeye_core import Finding, redact

__all__ = ["FINGERPRINT_KEY", "finding_fingerprint", "normalise_evidence"]

#: The ``partialFingerprints`` key; the version changes if the recipe does.
FINGERPRINT_KEY = "hawkeyeFinding/v1"

_UUID = re.compile(r"\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
_HEX_ID = re.compile(r"\b[0-9a-fA-F]{16,}\b")
_TIMESTAMP = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b"
)
_SPACE = re.compile(r"\s+")


def normalise_evidence(text: str) -> str:
    """``text`` without what varies between scans of an unchanged server.

    Secrets are masked first (the fingerprint must not be a hash of a secret),
    then Unicode is normalised (NFKC), ids and timestamps become placeholders,
    runs of whitespace become one space, and case is folded.
    """
    text = unicodedata.normalize("NFKC", redact(text))
    text = _UUID.sub("<id>", text)
    text = _HEX_ID.sub("<id>", text)
    text = _TIMESTAMP.sub("<time>", text)
    return _SPACE.sub(" ", text).strip().casefold()


def _part(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def finding_fingerprint(finding: Finding, artifact: str = "") -> str:
    """The hex SHA-256 that identifies ``finding`` across scans.

    ``artifact`` is the config file the finding points into, as the SARIF
    report writes it (relative to the repository root when under it), so the
    fingerprint does not depend on where the repository is checked out.
    """
    location = finding.location
    parts = (
        FINGERPRINT_KEY,
        _part(finding.rule_id),
        _part(location.server),
        _part(location.tool),
        _part(location.prompt),
        _part(location.resource),
        _part(artifact),
        normalise_evidence(finding.evidence),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
