"""Build the SARIF 2.1.0 log of a scan, as GitHub code scanning reads it."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hawkeye_core import (
    Finding,
    Outcome,
    ScanResult,
    ServerRef,
    Severity,
    redact,
    terminal_safe,
)
from hawkeye_report_sarif.fingerprint import FINGERPRINT_KEY, finding_fingerprint

__all__ = ["SARIF_SCHEMA", "SRCROOT", "artifact_uri", "sarif_log"]

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: The base a relative artifact URI is relative to: the folder HawkEye ran in.
SRCROOT = "%SRCROOT%"

#: SARIF levels, and GitHub's security-severity scores (>= 9 critical, 7-8.9 high,
#: 4-6.9 medium, 0.1-3.9 low).
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_CWE = re.compile(r"(?i)^(?:cwe-?)?(\d+)$")
_MAX_EVIDENCE = 1000
_MAX_NOTIFICATIONS = 200


def _text(value: str, limit: int = 500) -> str:
    """Server-sent text for a SARIF message: secrets masked, control characters shown."""
    return terminal_safe(redact(value), limit)


def _utc(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def artifact_uri(path: str, root: Path) -> tuple[str, bool]:
    """``path`` as a SARIF artifact URI: relative to ``root`` when under it, else a file URI.

    Returns the URI and whether it is relative (to ``%SRCROOT%``).
    """
    candidate = Path(os.path.expanduser(path))
    if not candidate.is_absolute():
        candidate = root / candidate
    real = Path(os.path.realpath(candidate))
    try:
        relative = real.relative_to(root)
    except ValueError:
        return real.as_uri(), False
    return quote(relative.as_posix(), safe="/"), True


def _config_file(ref: ServerRef | None) -> str | None:
    """The config file a server was found in (``found_in`` when it names one)."""
    if ref is None or not ref.found_in:
        return None
    path = ref.found_in.split("#", 1)[0]
    return path if Path(os.path.expanduser(path)).is_absolute() else None


def _servers_by_name(result: ScanResult) -> dict[str, ServerRef]:
    """Each name a finding's ``location.server`` may use, to its server reference."""
    names: dict[str, ServerRef] = {}
    refs = [*result.servers, *(i.ref for i in result.inventories)]
    for ref in refs:
        command = " ".join(ref.command or ())
        for name in (ref.key, ref.name, ref.url, command, command[:200]):
            if name:
                names.setdefault(name, ref)
    for inventory in result.inventories:
        if inventory.server_info is not None and inventory.server_info.name:
            names.setdefault(inventory.server_info.name, inventory.ref)
    return names


def _cwe_numbers(cwes: Iterable[str]) -> list[str]:
    numbers = []
    for cwe in cwes:
        match = _CWE.match(cwe.strip())
        if match:
            numbers.append(match.group(1))
    return sorted(set(numbers), key=int)


def _precision(confidence: float) -> str:
    if confidence >= 0.9:
        return "very-high"
    if confidence >= 0.7:
        return "high"
    if confidence >= 0.4:
        return "medium"
    return "low"


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(v for v in values if v)
    if not counts:
        return ""
    return min(counts, key=lambda v: (-counts[v], v))


def _rule(rule_id: str, findings: list[Finding]) -> dict[str, Any]:
    severity = max(f.severity for f in findings)
    title = _text(_most_common(f.title for f in findings) or rule_id, 300)
    remediation = _most_common(f.remediation for f in findings)
    cwes = _cwe_numbers(c for f in findings for c in f.cwe)
    owasp = sorted({o for f in findings for o in f.owasp_mcp})
    help_lines = [title, ""]
    help_lines.append(
        f"Remediation: {_text(remediation, 2000)}" if remediation else "No remediation given."
    )
    references = [f"CWE-{n}: https://cwe.mitre.org/data/definitions/{n}.html" for n in cwes]
    references += [f"OWASP MCP Top 10: {_text(o, 100)}" for o in owasp]
    if references:
        help_lines += ["", "References:", *(f"- {r}" for r in references)]
    tags = {"security", "mcp"} | {f"external/cwe/cwe-{n}" for n in cwes}
    if any(f.judged_by for f in findings):
        tags.add("model-judgement")
    tags |= {f"owasp-mcp/{_text(o, 100)}" for o in owasp}
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "tags": sorted(tags),
            "security-severity": SECURITY_SEVERITY[severity],
            "precision": _precision(max(f.confidence for f in findings)),
        },
    }
    if cwes:
        rule["helpUri"] = f"https://cwe.mitre.org/data/definitions/{cwes[0]}.html"
    return rule


def _logical_location(finding: Finding) -> dict[str, Any] | None:
    location = finding.location
    server = _text(location.server, 300) if location.server else ""
    for value, kind in (
        (location.tool, "function"),
        (location.prompt, "member"),
        (location.resource, "resource"),
    ):
        if value:
            item = _text(value, 300)
            qualified = f"{server}/{item}" if server else item
            return {"name": item, "fullyQualifiedName": qualified, "kind": kind}
    if server:
        return {"name": server, "fullyQualifiedName": server, "kind": "module"}
    return None


class _Builder:
    """One SARIF run from one scan result."""

    def __init__(self, result: ScanResult, root: Path) -> None:
        self.result = result
        self.root = root
        self.servers = _servers_by_name(result)
        self.relative_used = False

    def artifact(self, finding: Finding) -> tuple[str | None, int | None]:
        """The config file ``finding`` points into (as a URI) and its line, if any."""
        location = finding.location
        path = location.file or _config_file(self.servers.get(location.server))
        if not path:
            return None, None
        uri, relative = artifact_uri(path, self.root)
        self.relative_used |= relative
        line = location.line if location.file and location.line and location.line > 0 else None
        return uri, line

    def location(self, finding: Finding, uri: str | None, line: int | None) -> dict[str, Any]:
        place: dict[str, Any] = {}
        if uri is not None:
            artifact: dict[str, Any] = {"uri": uri}
            if not uri.startswith("file:"):
                artifact["uriBaseId"] = SRCROOT
            physical: dict[str, Any] = {"artifactLocation": artifact}
            if line is not None:
                physical["region"] = {"startLine": line}
            place["physicalLocation"] = physical
        logical = _logical_location(finding)
        if logical is not None:
            place["logicalLocations"] = [logical]
        return place

    def message(self, finding: Finding) -> str:
        location = finding.location
        lines = [_text(finding.title, 300)]
        if finding.judged_by:
            lines.append(f"Judged by model {_text(finding.judged_by, 200)} (not a rule: review it)")
        if finding.evidence:
            lines.append(f"Evidence: {_text(finding.evidence, _MAX_EVIDENCE)}")
        where = [f"server {_text(location.server, 200)}"] if location.server else []
        where += [
            f"{label} {_text(value, 200)}"
            for label, value in location.items()
            if label != "file"  # the physical location says where in the file
        ]
        if where:
            lines.append("Where: " + ", ".join(where))
        return "\n".join(lines)

    def sarif_result(self, finding: Finding, rule_index: int) -> dict[str, Any]:
        uri, line = self.artifact(finding)
        fingerprint = finding_fingerprint(finding, uri or "")
        entry: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "kind": "fail",
            "level": LEVELS[finding.severity],
            "message": {"text": self.message(finding)},
            "locations": [self.location(finding, uri, line)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            "properties": {
                "severity": str(finding.severity),
                "confidence": finding.confidence,
                "plugin": finding.plugin,
                "cwe": [_text(c, 50) for c in finding.cwe],
                "owasp_mcp": [_text(o, 100) for o in finding.owasp_mcp],
            },
        }
        if finding.judged_by:
            entry["properties"]["judged_by"] = _text(finding.judged_by, 200)
        if not entry["locations"][0]:
            del entry["locations"]
        if finding.suppressed is not None:
            entry["suppressions"] = [
                {
                    "kind": "external",
                    "state": "accepted",
                    "justification": _text(finding.suppressed, 500),
                }
            ]
        return entry

    def notifications(self, errors: Iterable[Outcome]) -> list[dict[str, Any]]:
        notes = []
        for outcome in list(errors)[:_MAX_NOTIFICATIONS]:
            text = f"{outcome.plugin} {outcome.status} on {outcome.subject}"
            if outcome.error:
                text += f": {outcome.error}"
            note: dict[str, Any] = {
                "level": "error" if outcome.status in ("error", "timeout") else "warning",
                "message": {"text": _text(text, 1000)},
                "properties": {"kind": outcome.kind, "level": outcome.level},
            }
            if outcome.started > 0:
                note["timeUtc"] = _utc(outcome.started)
            notes.append(note)
        return notes

    def run(self) -> dict[str, Any]:
        result = self.result
        everything = [*result.findings, *result.suppressed]
        by_rule: dict[str, list[Finding]] = {}
        for finding in everything:
            by_rule.setdefault(finding.rule_id, []).append(finding)
        rule_ids = sorted(by_rule)
        index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
        driver: dict[str, Any] = {
            "name": "HawkEye",
            "version": result.hawkeye_version,
            "rules": [_rule(rule_id, by_rule[rule_id]) for rule_id in rule_ids],
        }
        if _SEMVER.match(result.hawkeye_version):
            driver["semanticVersion"] = result.hawkeye_version
        results = [self.sarif_result(f, index[f.rule_id]) for f in everything]
        invocation: dict[str, Any] = {
            "executionSuccessful": not result.interrupted,
            "startTimeUtc": _utc(result.started),
            "endTimeUtc": _utc(result.finished),
        }
        notifications = self.notifications(result.errors)
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        run: dict[str, Any] = {
            "tool": {"driver": driver},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {
                "scanId": result.scan_id,
                "targets": [_text(t, 300) for t in result.targets],
                "interrupted": result.interrupted,
                "servers": len({r.key for r in result.servers}),
            },
        }
        if self.relative_used:
            base = self.root.as_uri().rstrip("/") + "/"
            run["originalUriBaseIds"] = {SRCROOT: {"uri": base}}
        return run


def sarif_log(result: ScanResult, root: Path | None = None) -> Mapping[str, Any]:
    """The SARIF 2.1.0 log of ``result``.

    Config files under ``root`` (default: the current folder) are written
    relative to it, so alerts match across checkouts in different places.
    """
    base = Path(os.path.realpath(root or Path.cwd()))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [_Builder(result, base).run()],
    }
