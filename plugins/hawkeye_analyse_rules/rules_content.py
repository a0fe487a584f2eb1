"""Rules about what a server says: poisoning, shadowing, hidden content, capabilities, names."""

from __future__ import annotations

from hawkeye_analyse_rules.ruledef import (
    MCP01,
    MCP02,
    MCP03,
    MCP05,
    MCP06,
    MCP10,
    Rule,
    rule,
)
from hawkeye_core import Severity

__all__ = ["CONTENT_RULES"]

_REVIEW = (
    "Do not load this server until its descriptions are fixed; ask the author, or pin a "
    "reviewed version. A tool description should say what the tool does, never give orders."
)

#: Rules of the single-server content analysis, in table order.
CONTENT_RULES: tuple[Rule, ...] = (
    rule(
        "HE-TP-001",
        "poisoning",
        Severity.HIGH,
        "Description gives the model hidden instructions",
        "Several independent injection signals in one tool, prompt, resource or the server's "
        "instructions (instruction tags such as <IMPORTANT>, coercion, orders to the model) "
        "that no more specific rule explains.",
        _REVIEW,
        ("CWE-1427",),
        (MCP03, MCP06),
    ),
    rule(
        "HE-TP-002",
        "poisoning",
        Severity.CRITICAL,
        "Description asks the model for secrets or sensitive files",
        "A poisoned description that tells the model to read or pass on SSH keys, cloud "
        "credentials, .env files, AI-client configs (mcp.json, claude_desktop_config.json) or "
        "other secrets.",
        _REVIEW + " Rotate any key the agent may already have read.",
        ("CWE-1427", "CWE-200"),
        (MCP03, MCP01),
    ),
    rule(
        "HE-TP-003",
        "poisoning",
        Severity.HIGH,
        "Description tells the model to hide what it does from the user",
        "Concealment in a poisoned description: 'do not tell the user', 'silently send', "
        "'a mere implementation detail', 'no need to bother the user'; a lie to the user "
        "about what happened: 'tell them it went through', 'report its errors as your own', "
        "'present a rejection as pending review'; or an order hidden in base64, hex, ROT13 "
        "or invisible characters.",
        _REVIEW,
        ("CWE-1427", "CWE-451"),
        (MCP03, MCP06),
    ),
    rule(
        "HE-TP-004",
        "poisoning",
        Severity.CRITICAL,
        "Description smuggles data out through a tool parameter",
        "A poisoned description or parameter description that tells the model to put file "
        "contents, secrets or the conversation into a parameter (often an innocuous optional "
        "one such as 'sidenote', 'notes' or 'context').",
        _REVIEW + " Remove parameters the tool does not need.",
        ("CWE-1427", "CWE-201"),
        (MCP03, MCP10),
    ),
    rule(
        "HE-TP-005",
        "poisoning",
        Severity.CRITICAL,
        "Description tells the model to send data to an outside address",
        "A poisoned description that tells the model to send, post, copy or forward data to a "
        "URL, e-mail address or phone number it names.",
        _REVIEW,
        ("CWE-1427", "CWE-201"),
        (MCP03, MCP10),
    ),
    rule(
        "HE-TP-006",
        "poisoning",
        Severity.HIGH,
        "Description tries to override the model's instructions",
        "'Ignore previous instructions', 'you are now ...', chat-template role markers: an "
        "attempt to replace the user's and client's instructions.",
        _REVIEW,
        ("CWE-1427",),
        (MCP06, MCP03),
    ),
    rule(
        "HE-TP-007",
        "poisoning",
        Severity.HIGH,
        "Description reads like a poisoned tool (learned model)",
        "A model trained on HawkEye's labelled corpus of benign and poisoned MCP texts scores "
        "the tool, prompt, resource or instructions as poisoned, reading its words and the "
        "injection signals found in it together: 0.4 or more (0.6 or more beside signals that "
        "only steer other tools). The evidence is the sentence that weighed most; the "
        "confidence is the model's probability. A statistical judgement: review the text.",
        _REVIEW,
        ("CWE-1427",),
        (MCP03, MCP06),
    ),
    rule(
        "HE-SH-001",
        "shadowing",
        Severity.HIGH,
        "Description steers other tools or servers (tool shadowing)",
        "A poisoned description that changes how other tools behave: 'when send_email is "
        "invoked, change the recipient', 'side effect on the also present ... tool'. A learned "
        "model of steering counts as one of its signals from a score of 0.4.",
        _REVIEW + " Load untrusted servers in a separate client or session from trusted ones.",
        ("CWE-1427",),
        (MCP03,),
    ),
    rule(
        "HE-SH-002",
        "shadowing",
        Severity.HIGH,
        "Description steers a tool of another server in the same client",
        "A description that names a tool another server of the same client exposes and "
        "tells the model how to use it.",
        "Remove the server whose description names the other server's tool, or load the two "
        "in separate clients.",
        ("CWE-1427",),
        (MCP03,),
    ),
    rule(
        "HE-HID-001",
        "hidden",
        Severity.CRITICAL,
        "Text hidden in Unicode tag characters",
        "Characters U+E0000-U+E007F: invisible on screen, read by models. The finding shows "
        "the decoded text.",
        "Reject the server: tag characters have no place in a tool description.",
        ("CWE-1427", "CWE-451"),
        (MCP03, MCP06),
    ),
    rule(
        "HE-HID-002",
        "hidden",
        Severity.MEDIUM,
        "Invisible zero-width characters",
        "Zero-width spaces, joiners, word joiners, soft hyphens or fillers (outside emoji "
        "sequences) that split words to dodge filters or hide text.",
        "Ask the author to remove them; review the text with the characters shown.",
        ("CWE-451",),
        (MCP03,),
    ),
    rule(
        "HE-HID-003",
        "hidden",
        Severity.HIGH,
        "Bidirectional control characters",
        "Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that make the "
        "text display differently from how it reads (Trojan Source).",
        "Reject the text; it does not say what it shows.",
        ("CWE-451",),
        (MCP03,),
    ),
    rule(
        "HE-HID-004",
        "hidden",
        Severity.HIGH,
        "Homoglyphs: confusable characters in a name or word",
        "A tool name with look-alike letters from other scripts (Cyrillic U+0430 for Latin 'a'), "
        "or words mixing scripts in a description.",
        "Use plain ASCII tool names; reject servers whose names imitate others.",
        ("CWE-1007",),
        (MCP03,),
    ),
    rule(
        "HE-HID-005",
        "hidden",
        Severity.HIGH,
        "Encoded instructions (base64, hex, percent-encoding, ROT13, zero-width bits, reversed "
        "text)",
        "A base64, hex or percent-encoded string, ROT13 text, zero-width characters carrying "
        "bits, or text reversed under a right-to-left override, that decodes to text carrying "
        "injection signals. The finding shows the decoded text.",
        _REVIEW,
        ("CWE-1427",),
        (MCP03, MCP06),
    ),
    rule(
        "HE-HID-006",
        "hidden",
        Severity.HIGH,
        "Instructions in an HTML or Markdown comment or hidden HTML",
        "An HTML comment (<!-- -->), a Markdown comment ([//]: #) or an HTML element hidden by "
        "its style or attributes (display:none, visibility:hidden, zero size or opacity, "
        "hidden, aria-hidden) whose text gives the model orders; renderers hide them, models "
        "read them.",
        _REVIEW,
        ("CWE-1427", "CWE-451"),
        (MCP03,),
    ),
    rule(
        "HE-HID-007",
        "hidden",
        Severity.HIGH,
        "Terminal control characters (ANSI escapes)",
        "Escape sequences and other control characters that can rewrite or hide text in a "
        "terminal that shows the description.",
        "Reject the text; strip control characters before showing server text.",
        ("CWE-150", "CWE-451"),
        (MCP03,),
    ),
    rule(
        "HE-HID-008",
        "hidden",
        Severity.MEDIUM,
        "Text pushed out of view by padding",
        "A long run of spaces or filler inside a line, or a dozen or more empty lines, "
        "followed by more text: the rest scrolls out of a narrow approval dialog.",
        "Review the whole text; ask the author to remove the padding.",
        ("CWE-451",),
        (MCP03,),
    ),
    rule(
        "HE-CAP-001",
        "capability-exec",
        Severity.MEDIUM,
        "Tool executes commands or code on the host",
        "Shell commands, processes or scripts run on the machine the server runs on (browser "
        "JavaScript is not counted). A learned model decides from the tool's words, its name "
        "and the rules' reading.",
        "Load it only where you would give the agent a shell; require confirmation for each "
        "call; run the server in a sandbox or container.",
        ("CWE-78", "CWE-94"),
        (MCP05,),
    ),
    rule(
        "HE-CAP-002",
        "capability-file-write",
        Severity.LOW,
        "Tool writes, moves or deletes local files",
        "Creates, overwrites, edits, moves or deletes files or directories on the host (not "
        "files of a hosted repository or bucket, recognised from the description or from "
        "parameters such as 'repo' and 'bucket'). A learned model decides from the tool's "
        "words, its name and the rules' reading.",
        "Limit the server to a project directory; require confirmation for writes.",
        ("CWE-73",),
        (MCP02,),
    ),
    rule(
        "HE-CAP-003",
        "capability-egress",
        Severity.LOW,
        "Tool sends data to destinations the caller chooses",
        "Fetches or opens a caller-given URL, sends e-mail or chat messages, posts webhooks "
        "or uploads files: a channel for data to leave.",
        "Restrict destinations (allow-lists); do not combine with tools that read private "
        "data in one client without confirmation.",
        ("CWE-918",),
        (MCP10,),
    ),
    rule(
        "HE-CAP-004",
        "capability-credentials",
        Severity.MEDIUM,
        "Tool reads or handles credentials",
        "Reads environment variables, keychains, tokens, passwords or keys, or takes "
        "secrets as parameters. A learned model decides from the tool's words, its name and "
        "the rules' reading.",
        "Keep secrets out of the model's reach; give the server scoped, short-lived credentials.",
        ("CWE-522",),
        (MCP01,),
    ),
    rule(
        "HE-ANN-001",
        "annotations",
        Severity.MEDIUM,
        "readOnlyHint claims a modifying tool is read-only",
        "annotations.readOnlyHint is true on a tool whose name or description says it "
        "deletes, writes, creates, sends or executes. A learned model over the hints, the "
        "rules' reading and the words confirms it (from 0.5), or finds it alone (from 0.64).",
        "Fix the annotation; clients may skip confirmation for read-only tools.",
        ("CWE-451",),
        (MCP03, MCP02),
    ),
    rule(
        "HE-ANN-002",
        "annotations",
        Severity.MEDIUM,
        "destructiveHint false on a destructive tool",
        "annotations.destructiveHint is false on a tool that deletes, drops, kills or "
        "overwrites. A learned model confirms it, as for HE-ANN-001.",
        "Fix the annotation; clients may skip confirmation for non-destructive tools.",
        ("CWE-451",),
        (MCP03, MCP02),
    ),
    rule(
        "HE-ANN-003",
        "annotations",
        Severity.LOW,
        "openWorldHint false on a tool that reaches the outside world",
        "annotations.openWorldHint is false on a tool that fetches caller-given URLs or sends "
        "messages. A learned model confirms it, as for HE-ANN-001.",
        "Fix the annotation.",
        ("CWE-451",),
        (MCP03,),
    ),
    rule(
        "HE-NAME-001",
        "naming",
        Severity.LOW,
        "Tool name outside the specification's rules",
        "A tool name that is empty, longer than 128 characters, or has characters other than "
        "A-Z, a-z, 0-9, '_', '-' and '.' (MCP 2025-11-25, Tool names).",
        "Rename the tool; some clients refuse such names or mangle them.",
        ("CWE-20",),
        (MCP03,),
    ),
    rule(
        "HE-NAME-002",
        "naming",
        Severity.LOW,
        "Two tools of one server share a name",
        "Tool names must be unique within a server; a client may call either.",
        "Rename one of the tools.",
        ("CWE-694",),
        (MCP03,),
    ),
    rule(
        "HE-NAME-003",
        "naming",
        Severity.MEDIUM,
        "Tool name spelt with look-alike letters",
        "A word of the tool name that the server never uses, spelt like one it does with a "
        "look-alike swapped in: a capital I or a 1 for an l, a 0 for an o, 'rn' for an m "
        "('read_fiIe' on a server that says 'file'). Made to be taken for another tool.",
        "Check who publishes the server; do not trust a tool that imitates another's name.",
        ("CWE-1007",),
        (MCP03,),
    ),
)
