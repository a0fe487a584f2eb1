"""The categories a model may judge a text to be in, each with its stable HE-AI rule id.

The categories follow the families of the offline rules (docs/rules.md), so a
model's judgement and a rule's finding about the same text read alike; a
model's finding always carries the model in ``Finding.judged_by``. Rule ids
are stable: a category keeps its id for ever, and a retired id is never reused.
"""

from __future__ import annotations

from attrs import frozen

from hawkeye_core import Severity

__all__ = ["CATEGORIES", "Category"]

_DO_NOT_LOAD = (
    "Review the text yourself: this is a model's judgement, not proof. If it holds, do not "
    "load this server until the text is fixed, or pin a reviewed version."
)


@frozen(kw_only=True)
class Category:
    """One kind of risk a model may report, and what the finding says about it."""

    name: str  # as the model names it in its answer
    rule_id: str
    title: str
    asks: str  # what the model is told the category means
    severity: Severity  # what the docs list; the model chooses each finding's own
    remediation: str
    cwe: tuple[str, ...]
    owasp_mcp: tuple[str, ...]


def _category(
    name: str,
    rule_id: str,
    severity: Severity,
    title: str,
    asks: str,
    remediation: str,
    cwe: tuple[str, ...],
    owasp: tuple[str, ...],
) -> Category:
    return Category(
        name=name,
        rule_id=rule_id,
        severity=severity,
        title=title,
        asks=asks,
        remediation=remediation,
        cwe=cwe,
        owasp_mcp=owasp,
    )


_TABLE = (
    _category(
        "poisoning",
        "HE-AI-001",
        Severity.HIGH,
        "Model judgement: the text gives the model instructions (tool poisoning)",
        "the text gives orders to the AI model that reads it, beyond describing what the item "
        "does: read or send files or secrets, hide something from the user, ignore earlier "
        "instructions, put data into a parameter, contact an outside address",
        _DO_NOT_LOAD,
        ("CWE-1427",),
        ("MCP03:2025", "MCP06:2025"),
    ),
    _category(
        "shadowing",
        "HE-AI-002",
        Severity.HIGH,
        "Model judgement: the text steers other tools or servers (tool shadowing)",
        "the text tells the model how to use other tools or servers, or changes what they do "
        "(change a recipient, always call this tool first, never use another tool)",
        _DO_NOT_LOAD + " Load untrusted servers in a separate client from trusted ones.",
        ("CWE-1427",),
        ("MCP03:2025",),
    ),
    _category(
        "hidden",
        "HE-AI-003",
        Severity.HIGH,
        "Model judgement: the text hides or disguises content",
        "the text hides something from a human reader: encoded or obfuscated instructions, "
        "comments, invisible or look-alike characters, padding that pushes text out of view",
        _DO_NOT_LOAD,
        ("CWE-451",),
        ("MCP03:2025",),
    ),
    _category(
        "deception",
        "HE-AI-004",
        Severity.MEDIUM,
        "Model judgement: the item does not do what its name says",
        "the name, description and parameters disagree about what the item does, so a user "
        "approving it would be misled (a 'get_weather' tool that takes a file path and a URL)",
        "Review the server's code or ask its author what the tool really does before using it.",
        ("CWE-451",),
        ("MCP03:2025",),
    ),
    _category(
        "capability-exec",
        "HE-AI-005",
        Severity.MEDIUM,
        "Model judgement: the item executes commands or code on the host",
        "the item runs shell commands, processes, scripts or code on the machine",
        "Load it only where you would give the agent a shell; require confirmation for each "
        "call; run the server in a sandbox.",
        ("CWE-78", "CWE-94"),
        ("MCP05:2025",),
    ),
    _category(
        "capability-file-write",
        "HE-AI-006",
        Severity.LOW,
        "Model judgement: the item writes, moves or deletes local files",
        "the item creates, overwrites, moves or deletes files or directories",
        "Limit the server to a project directory; require confirmation for writes.",
        ("CWE-73",),
        ("MCP02:2025",),
    ),
    _category(
        "capability-egress",
        "HE-AI-007",
        Severity.LOW,
        "Model judgement: the item sends data to destinations the caller chooses",
        "the item fetches caller-given URLs, sends messages or e-mail, posts or uploads data",
        "Restrict destinations (allow-lists); do not combine it with tools that read private "
        "data without confirmation.",
        ("CWE-918",),
        ("MCP10:2025",),
    ),
    _category(
        "capability-credentials",
        "HE-AI-008",
        Severity.MEDIUM,
        "Model judgement: the item reads or handles credentials",
        "the item reads environment variables, keychains, tokens, passwords or keys, or takes "
        "secrets as parameters",
        "Keep secrets out of the model's reach; give the server scoped, short-lived credentials.",
        ("CWE-522",),
        ("MCP01:2025",),
    ),
)

#: Every category by the name the model gives it, in table order.
CATEGORIES: dict[str, Category] = {category.name: category for category in _TABLE}
