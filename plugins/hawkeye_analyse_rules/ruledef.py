"""What a rule is, and the tags rules share.

OWASP MCP Top 10 ids are those of the project's 2025 list (v0.1, beta):
MCP01 Token Mismanagement & Secret Exposure, MCP02 Privilege Escalation via
Scope Creep, MCP03 Tool Poisoning, MCP04 Software Supply Chain Attacks &
Dependency Tampering, MCP05 Command Injection & Execution, MCP06 Intent Flow
Subversion (earlier drafts: Prompt Injection via Contextual Payloads), MCP07
Insufficient Authentication & Authorization, MCP08 Lack of Audit and Telemetry,
MCP09 Shadow MCP Servers, MCP10 Context Injection & Over-Sharing.
"""

from __future__ import annotations

from attrs import frozen

from hawkeye_core import Severity

__all__ = ["Rule", "rule"]

MCP01 = "MCP01:2025"
MCP02 = "MCP02:2025"
MCP03 = "MCP03:2025"
MCP04 = "MCP04:2025"
MCP05 = "MCP05:2025"
MCP06 = "MCP06:2025"
MCP07 = "MCP07:2025"
MCP09 = "MCP09:2025"
MCP10 = "MCP10:2025"


@frozen(kw_only=True)
class Rule:
    """One rule: what it finds and what to do about it."""

    id: str
    family: str
    severity: Severity
    title: str
    finds: str
    remediation: str
    cwe: tuple[str, ...]
    owasp_mcp: tuple[str, ...]


def rule(
    rule_id: str,
    family: str,
    severity: Severity,
    title: str,
    finds: str,
    remediation: str,
    cwe: tuple[str, ...],
    owasp: tuple[str, ...],
) -> Rule:
    """A rule, from its fields in table order."""
    return Rule(
        id=rule_id,
        family=family,
        severity=severity,
        title=title,
        finds=finds,
        remediation=remediation,
        cwe=cwe,
        owasp_mcp=owasp,
    )
