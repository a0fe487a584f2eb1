"""What a tool can do, and whether its annotations and name tell the truth about it.

Capabilities come from the tool's name words, the first sentence of its
description (where servers say what a tool does; later sentences are usage
notes) and its parameter names. Writing files counts only for this host's
files: a tool whose description or parameters (``repo``, ``bucket``) place its
files in a hosted repository or a bucket writes through an API instead.
Capabilities are facts about a server, reported at low to medium severity;
the cross-server analysis uses the same classification to find toxic flows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping

from attrs import frozen

from hawkeye_analyse_rules.rules import make_finding
from hawkeye_analyse_rules.surface import server_label, tool_params
from hawkeye_analyse_rules.text import name_tokens, reveal
from hawkeye_core import Finding, Location, ServerInventory, Tool

__all__ = ["Capabilities", "capability_findings", "classify", "first_sentence"]

_SENTENCE = re.compile(r"^\s*(.+?)(?:\.(?=\s|$|[^\w.])|\n\s*\n|$)", re.S)
_REMOTE = re.compile(
    r"\b(?:github|gitlab|bitbucket|repository|repositories|repo|bucket|s3|google drive|drive"
    r"|dropbox|notion|confluence|sharepoint|onedrive|box\.com|database|table)\b"
)
#: Parameters that place a tool's files in a remote store (a repository, a bucket, a drive).
_REMOTE_PARAMS = frozenset(
    {
        "repo",
        "repository",
        "repo_name",
        "repository_name",
        "repo_full_name",
        "bucket",
        "bucket_name",
        "drive_id",
        "site_id",
        "container_name",
    }
)
#: Words that put a tool or a parameter on this host's own disk.
_LOCAL = re.compile(
    r"\b(?:local|locally|disk|filesystem|file\s+system|host|machine|director(?:y|ies)|folders?"
    r"|path\s+to|absolute\s+path)\b"
)
_BROWSER = re.compile(r"\b(?:browser|web ?page|page|console|dom|element)\b")
_HOST_EXEC = re.compile(r"\b(?:shell|terminal|system|bash|zsh|powershell|cmd|os|host|machine)\b")

_EXEC_WORDS = frozenset(
    {
        "exec",
        "execute",
        "shell",
        "bash",
        "zsh",
        "powershell",
        "pwsh",
        "cmd",
        "command",
        "commands",
        "terminal",
        "subprocess",
        "spawn",
        "repl",
        "sh",
    }
)
_RUN_OBJECTS = frozenset(
    {
        "test",
        "tests",
        "build",
        "command",
        "script",
        "code",
        "shell",
        "python",
        "js",
        "javascript",
        "node",
        "bash",
        "program",
        "binary",
        "process",
    }
)
_EXEC_DESC = (
    re.compile(
        r"\b(?:execute|executes|executing|run|runs|running|start|starts|spawn|spawns)\s+"
        r"(?:a\s+|an\s+|the\s+|arbitrary\s+|any\s+|one\s+or\s+more\s+)?(?:new\s+)?"
        r"(?:shell|terminal|system|bash|powershell|os|cli|command[- ]line)\s+"
        r"(?:commands?|process(?:es)?|scripts?)\b"
    ),
    re.compile(
        r"\b(?:execute|executes|run|runs|evaluate|evaluates)\s+(?:arbitrary\s+|any\s+|the\s+given\s+"
        r"|provided\s+|a\s+)?(?:python|javascript|js|node(?:\.js)?|ruby|bash|shell|perl|php)?\s*"
        r"(?:code|scripts?|snippets?)\b"
    ),
    re.compile(
        r"\b(?:execute|executes|run|runs)\s+(?:a\s+|an\s+|the\s+|any\s+|arbitrary\s+)?"
        r"(?!sql\b|database\b|graphql\b|redis\b|query\b)(?:[\w.-]+\s+)?commands?\b"
    ),
    re.compile(
        r"\bruns?\s+(?:the\s+)?(?:project'?s?\s+)?(?:test\s+suite|tests|unit\s+tests|build|scripts?"
        r"|python\s+scripts?|shell\s+scripts?|npm\s+scripts?|makefile\s+targets?)\b"
    ),
    re.compile(
        r"\b(?:execute|executes|run|runs)\s+(?:it|them|the\s+script|scripts?)\s+(?:with|in|using"
        r"|via)\s+(?:bash|sh|zsh|shell|powershell|python|node)\b"
    ),
)
#: A parameter whose value reaches a shell: "passed to /bin/sh -c", "shell syntax works".
_SHELL_PARAM = re.compile(
    r"(?:/bin/(?:ba|z|da)?sh\b|\b(?:ba)?sh\s+-c\b|\bcmd(?:\.exe)?\s+/c\b|\bshell\s+syntax"
    r"|\bos\.system\b|\bsubprocess\b|\bpopen\b|\bchild_process\b)"
)
#: Query languages: running them is database access, not host execution (the corpus convention).
_QUERY_WORDS = frozenset({"sql", "query", "queries", "cypher", "graphql", "sparql"})
#: Parameters naming a local file the tool writes.
_OUTPUT_PARAMS = frozenset(
    {
        "output_path",
        "out_path",
        "output_file",
        "outfile",
        "save_path",
        "dest_path",
        "destination_path",
    }
)
_FILE_PARAMS = frozenset({"filepath", "file_path", "filename", "file"})
_INSERT_DESC = re.compile(
    r"^(?:insert|inserts|append|appends|prepend|prepends|patch|patches|write|writes)\b[^.\n]{0,30}?"
    r"\b(?:content|text|notes?)\b"
)
_WRITE_VERBS = frozenset(
    {
        "write",
        "writes",
        "edit",
        "edits",
        "create",
        "creates",
        "delete",
        "deletes",
        "remove",
        "removes",
        "move",
        "moves",
        "rename",
        "renames",
        "append",
        "appends",
        "mkdir",
        "rm",
        "unlink",
        "rmdir",
        "touch",
        "overwrite",
        "save",
        "copy",
        "patch",
        "modify",
    }
)
_FILE_WORDS = frozenset({"file", "files", "dir", "directory", "directories", "folder", "folders"})
_WRITE_DESC = re.compile(
    r"\b(?:write|writes|overwrite|overwrites|create|creates|delete|deletes|remove|removes|modify"
    r"|modifies|edit|edits|move|moves|rename|renames|append|appends|save|saves|copy|copies)\b"
    r"[^.\n]{0,30}?\b(?:files?|director(?:y|ies)|folders?)\b"
)
_URL_PARAMS = frozenset(
    {
        "url",
        "uri",
        "href",
        "link",
        "endpoint",
        "webhook",
        "webhook_url",
        "target_url",
        "callback_url",
        "urls",
    }
)
_FETCH_DESC = re.compile(
    r"\b(?:fetch|fetches|download|downloads|retrieve|retrieves|read|reads|get|gets|open|opens"
    r"|navigate|navigates|load|loads|request|requests|call|calls|browse|browses|visit|visits"
    r"|scrape|scrapes|crawl|crawls)\b[^.\n]{0,40}?\b(?:urls?|uris?|web\s?pages?|websites?|links?"
    r"|http\s+requests?)\b"
)
#: "gets the API URL for a project": the URL is what is returned, not where the tool goes.
_URL_OF = re.compile(
    r"(?:get|gets|retrieve|retrieves|return|returns)\s+(?:the\s+|a\s+)?(?:[\w-]+\s+)?urls?\s+(?:for|of)\b"
)
_NAVIGATE = re.compile(r"\b(?:navigate|fetch|request|open|visit|download|load|post|send|call)\b")
_SEND_DESC = re.compile(
    r"(?:\b(?:send|sends|post|posts|forward|forwards|publish|publishes|tweet|tweets)\b|^(?:reply"
    r"|replies)\b)[^.\n]{0,30}?\b(?:e-?mails?|mails?|messages?|sms|texts?|tweets?|notifications?"
    r"|webhooks?|replies|reply|dms?|channels?|chat\s+rooms?)\b"
)
_UPLOAD = re.compile(r"\bupload(?:s|ing)?\b")
_SEND_WORDS = frozenset({"send", "sms", "tweet", "webhook", "upload", "notify", "publish"})
_CRED_DESC = re.compile(
    r"\b(?:read|reads|print|prints|return|returns|list|lists|get|gets|dump|dumps|retrieve"
    r"|retrieves|export|exports|show|shows|reveal|reveals|fetch|fetches)\b[^.\n]{0,40}?\b"
    r"(?:environment\s+variables|env\s+vars|api\s+keys?|access\s+tokens?|passwords?"
    r"|credentials|secrets?|private\s+keys?|ssh\s+keys?|keychain|\.env\b|cookies)"
)
_CRED_WORDS = frozenset(
    {
        "password",
        "passwords",
        "secret",
        "secrets",
        "credential",
        "credentials",
        "keychain",
        "apikey",
    }
)
_VAULT_READS = frozenset({"get", "read", "login", "logins", "secret", "secrets", "unseal", "token"})
_SECRET_PARAM = re.compile(
    r"(?:^|_)(?:password|passwd|pwd|passphrase|secret|client_?secret|secret_?key|api_?key"
    r"|access_?token|auth_?token|api_?token|bearer_?token|private_?key|credentials?)$"
)
_MODIFY_WORDS = frozenset(
    {
        "delete",
        "remove",
        "rm",
        "del",
        "drop",
        "destroy",
        "purge",
        "truncate",
        "wipe",
        "erase",
        "kill",
        "terminate",
        "write",
        "overwrite",
        "update",
        "create",
        "insert",
        "set",
        "put",
        "patch",
        "post",
        "send",
        "push",
        "merge",
        "commit",
        "rename",
        "exec",
        "execute",
        "run",
        "install",
        "uninstall",
        "deploy",
        "upload",
        "edit",
        "append",
        "reset",
        "revoke",
        "grant",
        "transfer",
        "pay",
        "publish",
    }
)
_DESTROY_WORDS = frozenset(
    {
        "delete",
        "remove",
        "rm",
        "del",
        "drop",
        "destroy",
        "purge",
        "truncate",
        "wipe",
        "erase",
        "kill",
        "terminate",
        "overwrite",
        "format",
        "shred",
        "revoke",
    }
)
_DESTROY_DESC = re.compile(
    r"\b(?:empt(?:y|ies|ying)\s+(?:the\s+)?(?:trash|bin|recycle\s+bin|mailbox|folder)"
    r"|permanently\s+(?:delete|deletes|remove|removes|erase|erases)|deletes|purges|wipes|erases)\b"
)
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b")
_LEAD_VERB = re.compile(r"^\s*(?:this\s+tool\s+)?([a-z]+?)(?:s|es)?\b")
_TOOL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")


@frozen
class Capabilities:
    """What one tool can do, as far as its name, description and schema say."""

    exec: bool = False
    file_write: bool = False
    egress: bool = False
    credentials: bool = False


def first_sentence(description: str) -> str:
    """The first sentence of a description, in lower case."""
    match = _SENTENCE.match(description)
    return (match.group(1) if match else description)[:400].lower()


def classify(tool: Tool) -> Capabilities:
    """The capabilities of ``tool``."""
    words = name_tokens(tool.name)
    word_set = set(words)
    lead = first_sentence(tool.description)
    params = {p.lower() for p in tool_params(tool)}
    browser = bool(_BROWSER.search(lead)) and not _HOST_EXEC.search(lead)
    runs = any(
        w == "run" and i + 1 < len(words) and words[i + 1] in _RUN_OBJECTS
        for i, w in enumerate(words)
    )
    starts_process = "start" in word_set and "process" in word_set
    query = bool(word_set & _QUERY_WORDS) and not _HOST_EXEC.search(lead)
    exec_ = not browser and (
        (bool(word_set & _EXEC_WORDS) and not query)
        or _param_text_matches(tool, _SHELL_PARAM)
        or runs
        or starts_process
        or any(p.search(lead) for p in _EXEC_DESC)
    )
    remote = bool(_REMOTE.search(lead)) or (
        bool(params & _REMOTE_PARAMS) and not _LOCAL.search(lead) and _remote_params(tool)
    )
    file_write = not remote and (
        (bool(word_set & _WRITE_VERBS) and bool(word_set & _FILE_WORDS))
        or bool(_WRITE_DESC.search(lead))
        or bool(params & _OUTPUT_PARAMS)
        or (bool(params & _FILE_PARAMS) and bool(_INSERT_DESC.search(lead)))
    )
    url_param = bool(params & _URL_PARAMS)
    fetch = _FETCH_DESC.search(lead)
    egress = (
        (fetch is not None and (url_param or not _URL_OF.match(lead, fetch.start())))
        or (url_param and (bool(_NAVIGATE.search(lead)) or _url_param_navigates(tool)))
        or bool(_SEND_DESC.search(lead))
        or bool(_UPLOAD.search(lead))
        or bool(word_set & _SEND_WORDS)
    )
    credentials = (
        bool(_CRED_DESC.search(lead))
        or bool(word_set & _CRED_WORDS)
        or ("env" in word_set and bool(word_set & {"print", "get", "list", "read", "dump", "show"}))
        or any(_SECRET_PARAM.search(p) for p in params)
        # a vault may hold notes (Obsidian) or only titles: reading a login or secret from it counts
        or ("vault" in word_set and bool(word_set & _VAULT_READS))
    )
    return Capabilities(exec=exec_, file_write=file_write, egress=egress, credentials=credentials)


def _remote_params(tool: Tool) -> bool:
    """True when ``tool``'s repository or bucket parameters name a remote store.

    "Delete file" with ``owner``, ``repo`` and ``branch`` deletes a file of a
    hosted repository, not of this host; ``repo`` described as "path to the
    local clone" is this host's disk again.
    """
    properties = tool.input_schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for name, schema in properties.items():
        if str(name).lower() not in _REMOTE_PARAMS or not isinstance(schema, Mapping):
            continue
        description = schema.get("description")
        if isinstance(description, str) and _LOCAL.search(description.lower()):
            return False
    return True


def _param_text_matches(tool: Tool, pattern: re.Pattern[str]) -> bool:
    """True when a top-level parameter's description matches ``pattern``."""
    properties = tool.input_schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for schema in properties.values():
        if isinstance(schema, Mapping):
            description = schema.get("description")
            if isinstance(description, str) and pattern.search(description.lower()):
                return True
    return False


def _url_param_navigates(tool: Tool) -> bool:
    properties = tool.input_schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for name, schema in properties.items():
        if str(name).lower() in _URL_PARAMS and isinstance(schema, Mapping):
            description = schema.get("description")
            if isinstance(description, str) and _NAVIGATE.search(description.lower()):
                return True
    return False


def _lead_verb(tool: Tool) -> str:
    match = _LEAD_VERB.match(tool.description.lower())
    return match.group(1) if match else ""


def _annotation_findings(tool: Tool, where: Location, caps: Capabilities) -> Iterator[Finding]:
    annotations = tool.annotations
    words = set(name_tokens(tool.name))
    verb = _lead_verb(tool)
    modifying = (words | {verb}) & _MODIFY_WORDS
    if annotations.get("readOnlyHint") is True and (modifying or caps.exec or caps.file_write):
        why = ", ".join(sorted(modifying)) or ("executes commands" if caps.exec else "writes files")
        yield make_finding(
            "HE-ANN-001",
            evidence=f"readOnlyHint: true on {tool.name!r} ({why})",
            location=where,
            confidence=0.85 if modifying & words else 0.7,
        )
    destroying = (words | {verb}) & _DESTROY_WORDS
    if not destroying and annotations.get("destructiveHint") is False:
        said = _DESTROY_DESC.search(tool.description.lower())
        if said and not _NEGATION.search(
            tool.description.lower(), max(0, said.start() - 20), said.start()
        ):
            destroying = {said.group(0)}
    if (
        annotations.get("destructiveHint") is False
        and annotations.get("readOnlyHint") is not True
        and destroying
    ):
        yield make_finding(
            "HE-ANN-002",
            evidence=f"destructiveHint: false on {tool.name!r} ({', '.join(sorted(destroying))})",
            location=where,
            confidence=0.85,
        )
    if annotations.get("openWorldHint") is False and caps.egress:
        yield make_finding(
            "HE-ANN-003",
            evidence=f"openWorldHint: false on {tool.name!r}: "
            f"{reveal(first_sentence(tool.description))[:120]!r}",
            location=where,
            confidence=0.7,
        )


def _capability_evidence(tool: Tool) -> str:
    return f"{tool.name}: {reveal(first_sentence(tool.description))[:160]}"


def capability_findings(inventory: ServerInventory) -> Iterator[Finding]:
    """HE-CAP-*, HE-ANN-* and HE-NAME-* findings for the tools of ``inventory``."""
    server = server_label(inventory.ref)
    counts = Counter(tool.name for tool in inventory.tools)
    for tool in inventory.tools:
        where = Location(server=server, tool=tool.name)
        caps = classify(tool)
        for flag, rule_id in (
            (caps.exec, "HE-CAP-001"),
            (caps.file_write, "HE-CAP-002"),
            (caps.egress, "HE-CAP-003"),
            (caps.credentials, "HE-CAP-004"),
        ):
            if flag:
                yield make_finding(
                    rule_id, evidence=_capability_evidence(tool), location=where, confidence=0.8
                )
        yield from _annotation_findings(tool, where, caps)
        if not _TOOL_NAME.fullmatch(tool.name):
            yield make_finding(
                "HE-NAME-001",
                evidence=f"tool name {reveal(tool.name)[:160]!r} ({len(tool.name)} characters)",
                location=where,
                confidence=0.99,
            )
    for name, count in counts.items():
        if count > 1:
            yield make_finding(
                "HE-NAME-002",
                evidence=f"{count} tools named {reveal(name)[:120]!r}",
                location=Location(server=server, tool=name),
                confidence=0.99,
            )
