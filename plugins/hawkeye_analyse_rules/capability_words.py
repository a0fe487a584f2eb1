"""The words capability classification keys on: verbs, nouns, parameter names, sentences.

:mod:`~hawkeye_analyse_rules.capabilities` decides with these; they live apart
so that the decisions read as logic and the vocabulary can grow without it.
"""

from __future__ import annotations

import re

__all__ = [
    "ANY_COMMAND",
    "ANY_DEST",
    "BROWSER",
    "CRED_DESC",
    "CRED_WORDS",
    "DESC_NEGATION",
    "DESTROY_DESC",
    "DESTROY_WORDS",
    "EXEC_DESC",
    "EXEC_QUALIFIED",
    "EXEC_WORDS",
    "FETCH_DESC",
    "FILE_PARAMS",
    "FILE_WORDS",
    "HOST_EXEC",
    "INSERT_DESC",
    "LEAD_VERB",
    "LOCAL",
    "LOCAL_PATH_DELETED",
    "MASKED",
    "MODIFY_DESC",
    "MODIFY_WORDS",
    "NAVIGATE",
    "NEGATION",
    "OUTPUT_PARAMS",
    "OWN_STORE",
    "QUERY_WORDS",
    "REMOTE",
    "REMOTE_PARAMS",
    "RUN_OBJECTS",
    "SECRET_PARAM",
    "SEND_DESC",
    "SEND_WORDS",
    "SENTENCE",
    "SHELL_PARAM",
    "TOOL_NAME",
    "UPLOAD",
    "URL_OF",
    "URL_PARAMS",
    "VAULT_READS",
    "WEB_DESC",
    "WRITE_DESC",
    "WRITE_DOTFILE",
    "WRITE_TO_PATH",
    "WRITE_VERBS",
    "names_destination",
]

SENTENCE = re.compile(r"^\s*(.+?)(?:\.(?=\s|$|[^\w.])|\n\s*\n|$)", re.S)
REMOTE = re.compile(
    r"\b(?:github|gitlab|bitbucket|repository|repositories|repo|bucket|s3|google drive|drive"
    r"|dropbox|notion|confluence|sharepoint|onedrive|box\.com|database|table)\b"
)
#: Parameters that place a tool's files in a remote store (a repository, a bucket, a drive).
REMOTE_PARAMS = frozenset(
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
LOCAL = re.compile(
    r"\b(?:local|locally|disk|filesystem|file\s+system|host|machine|director(?:y|ies)|folders?"
    r"|path\s+to|absolute\s+path)\b"
)
BROWSER = re.compile(r"\b(?:browser|web ?page|page|console|dom|element)\b")
HOST_EXEC = re.compile(r"\b(?:shell|terminal|system|bash|zsh|powershell|cmd|os|host|machine)\b")

EXEC_WORDS = frozenset(
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
RUN_OBJECTS = frozenset(
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
EXEC_DESC = (
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
SHELL_PARAM = re.compile(
    r"(?:/bin/(?:ba|z|da)?sh\b|\b(?:ba)?sh\s+-c\b|\bcmd(?:\.exe)?\s+/c\b|\bshell\s+syntax"
    r"|\bos\.system\b|\bsubprocess\b|\bpopen\b|\bchild_process\b)"
)
#: Query languages: running them is database access, not host execution (the corpus convention).
QUERY_WORDS = frozenset({"sql", "query", "queries", "cypher", "graphql", "sparql"})
#: Parameters naming a local file the tool writes.
OUTPUT_PARAMS = frozenset(
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
FILE_PARAMS = frozenset({"filepath", "file_path", "filename", "file"})
INSERT_DESC = re.compile(
    r"^(?:insert|inserts|append|appends|prepend|prepends|patch|patches|write|writes)\b[^.\n]{0,30}?"
    r"\b(?:content|text|notes?)\b"
)
WRITE_VERBS = frozenset(
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
FILE_WORDS = frozenset({"file", "files", "dir", "directory", "directories", "folder", "folders"})
WRITE_DESC = re.compile(
    r"\b(?:write|writes|overwrite|overwrites|create|creates|delete|deletes|remove|removes|modify"
    r"|modifies|edit|edits|move|moves|rename|renames|append|appends|save|saves|copy|copies)\b"
    r"[^.\n]{0,30}?\b(?:files?|director(?:y|ies)|folders?)\b"
)
URL_PARAMS = frozenset(
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
FETCH_DESC = re.compile(
    r"\b(?:fetch|fetches|download|downloads|retrieve|retrieves|read|reads|get|gets|open|opens"
    r"|navigate|navigates|load|loads|request|requests|call|calls|browse|browses|visit|visits"
    r"|scrape|scrapes|crawl|crawls)\b[^.\n]{0,40}?\b(?:urls?|uris?|web\s?pages?|websites?|links?"
    r"|http\s+requests?)\b"
)
#: "gets the API URL for a project": the URL is what is returned, not where the tool goes.
URL_OF = re.compile(
    r"(?:get|gets|retrieve|retrieves|return|returns)\s+(?:the\s+|a\s+)?(?:[\w-]+\s+)?urls?\s+(?:for|of)\b"
)
NAVIGATE = re.compile(r"\b(?:navigate|fetch|request|open|visit|download|load|post|send|call)\b")
SEND_DESC = re.compile(
    r"(?:\b(?:send|sends|post|posts|forward|forwards|publish|publishes|tweet|tweets)\b|^(?:reply"
    r"|replies)\b)[^.\n]{0,30}?\b(?:e-?mails?|mails?|messages?|sms|texts?|tweets?|notifications?"
    r"|webhooks?|replies|reply|dms?|channels?|chat\s+rooms?)\b"
    r"|^(?:e-?mails?|texts?|sms(?:es)?|dms?)\s"
)
UPLOAD = re.compile(r"\bupload(?:s|ing)?\b")
#: Parameters that name where a message or upload goes: the caller chooses the destination.
DEST_PARAMS = frozenset(
    {
        "to",
        "recipient",
        "recipients",
        "email",
        "emails",
        "phone",
        "number",
        "channel",
        "chat",
        "cc",
        "bcc",
        "address",
        "destination",
        "target",
        "webhook",
        "url",
        "endpoint",
        "host",
    }
)
_DEST_SUFFIX = re.compile(
    r"(?:^|_)(?:to|recipients?|emails?|phone|channel|chat|url|address|webhook)(?:_|$)"
)
#: A description that says the caller picks the destination: "to any address", "the given URL".
ANY_DEST = re.compile(
    r"\b(?:any|arbitrary|a\s+given|the\s+given|caller[- ](?:given|chosen)|specified)\s+"
    r"(?:e-?mail\s+)?(?:address(?:es)?|urls?|recipients?|numbers?|channels?|endpoints?|hosts?)\b"
)


def names_destination(param: str) -> bool:
    """True when a parameter's name says it is where data goes (``to``, ``webhook_url``, ...)."""
    return param in DEST_PARAMS or _DEST_SUFFIX.search(param) is not None


SEND_WORDS = frozenset({"send", "sms", "tweet", "webhook", "upload", "notify", "publish"})
CRED_DESC = re.compile(
    r"\b(?:read|reads|print|prints|return|returns|list|lists|get|gets|dump|dumps|retrieve"
    r"|retrieves|export|exports|show|shows|reveal|reveals|fetch|fetches)\b[^.\n]{0,40}?\b"
    r"(?:environment\s+variables|env\s+vars|api\s+keys?|access\s+tokens?|passwords?"
    r"|credentials|secrets?|private\s+keys?|ssh\s+keys?|keychain|\.env\b|cookies)"
)
CRED_WORDS = frozenset(
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
VAULT_READS = frozenset({"get", "read", "login", "logins", "secret", "secrets", "unseal", "token"})
SECRET_PARAM = re.compile(
    r"(?:^|_)(?:password|passwd|pwd|passphrase|secret|client_?secret|secret_?key|api_?key"
    r"|access_?token|auth_?token|api_?token|bearer_?token|private_?key|credentials?)$"
)
MODIFY_WORDS = frozenset(
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
        # verbs that change state and are seldom nouns (fifteenth pass, from batches 41-50)
        "withdraw",
        "cancel",
        "renew",
        "accept",
        "approve",
        "reject",
        "prune",
        "rebuild",
        "replace",
        "restore",
        "assign",
        "submit",
        "disable",
        "enable",
        "suspend",
        "rotate",
        "mark",
        "unlock",
    }
)
DESTROY_WORDS = frozenset(
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
DESTROY_DESC = re.compile(
    r"\b(?:empt(?:y|ies|ying)\s+(?:the\s+)?(?:trash|bin|recycle\s+bin|mailbox|folder)"
    r"|permanently\s+(?:delet|remov|eras|purg|discard)\w*"
    r"|deletes|purges|wipes|erases|cannot\s+be\s+(?:undone|reversed|restored|recovered)"
    # later in the text, in any form: "tidies the trail by removing entries older than 90
    # days", "overwriting the target file", "backups older than 30 days are pruned"
    r"|overwrites|overwriting)\b"
    r"|\b(?:deleting|removing|purging|wiping|erasing)\s+(?:the\s+|all\s+|any\s+|every\s+|old\s+"
    r"|existing\s+|previous\s+)?(?:[\w-]+\s+){0,2}?(?:entries|records|files?|rows|events|data"
    r"|backups?|items|logs|messages|history|versions?|snapshots?|documents?|folders?|directories"
    r"|tables?|objects?|accounts?|users?|bookings?)\b"
    # "are deleted automatically after 7 days" is a retention policy, not the tool's act
    r"|\b(?:is|are|get|gets)\s+(?:pruned|purged|deleted|removed|wiped|erased|overwritten)\b"
    r"(?!\s+(?:automatically|after\b|by\s+(?:policy|the\s+system)|within\b|\d))"
)
#: A negation before a change the description names: "instead of overwriting", "nothing is
#: overwritten", "without deleting anything", "reports what a sync would be deleting".
DESC_NEGATION = re.compile(
    r"\b(?:not|never|no|nothing|without|instead\s+of|would|dry[\s-]run|preview)\b|n't\b"
)
#: A change the description admits after its first verb: "Shows the renewal terms. Calling it
#: accepts the renewal and charges the card on file."
MODIFY_DESC = re.compile(
    r"\b(?:calling\s+it|it\s+also|this\s+also|and\s+also)\s+(?:accepts|charges"
    r"|cancels|submits|sends|publishes|updates|writes|moves|resets|revokes|transfers|creates"
    r"|modifies|changes|books|places|replaces|rebuilds)\b"
)
NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b")
LEAD_VERB = re.compile(r"^\s*(?:this\s+tool\s+)?([a-z]+?)(?:s|es)?\b")
TOOL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")

# -- fifth tuning pass ---------------------------------------------------------------------

#: Nouns after which an exec word names a thing, not an action: "shell history", "bash completion".
EXEC_QUALIFIED = frozenset(
    {
        "history",
        "completion",
        "completions",
        "config",
        "profile",
        "alias",
        "aliases",
        "prompt",
        "theme",
        "lint",
        "check",
        "format",
        "syntax",
    }
)
#: Running any command a caller gives, whatever else the sentence says it runs.
ANY_COMMAND = re.compile(
    r"\b(?:any|arbitrary)\s+(?:shell|terminal|system|bash|os|cli|command[- ]line)\s+commands?\b"
    r"|\bruns?\s+(?:an?\s+|the\s+)?[\w/-]+\s+scripts?\s+or\s+(?:any|arbitrary)\b"
)
#: Writing to a path the caller gives, or creating the folders for it.
WRITE_TO_PATH = re.compile(
    r"\b(?:write|writes|save|saves|export|exports|dump|dumps)\b[^.\n]{0,40}?\bto\s+(?:the\s+|a\s+)?"
    r"(?:given\s+|specified\s+|chosen\s+|local\s+|output\s+)?(?:path|file|disk|folder|directory)\b"
    r"|\bcreat(?:e|es|ing)\s+(?:any\s+)?(?:missing\s+)?(?:parent\s+)?(?:folders|directories)\b"
)
#: Adding to a local dotfile: "adds a pattern to the project's .gitignore".
WRITE_DOTFILE = re.compile(
    r"\b(?:add|adds|append|appends|write|writes|insert|inserts)\b[^.\n]{0,40}?\bto\s+(?:the\s+)?"
    r"(?:project'?s\s+|user'?s\s+|your\s+|local\s+|repository'?s\s+)?(?:\./|~/)?\.[a-z][\w.-]{2,}\b"
)
#: A local path deleted or overwritten anywhere in the description, in either voice:
#: "its build output in ./dist is deleted", "wipes ~/cache before starting".
LOCAL_PATH_DELETED = re.compile(
    r"(?:^|\s)(?:\./|~/|/tmp/)[\w./-]*[^.\n]{0,40}?\b(?:is|are|gets?|get|will\s+be)\s+"
    r"(?:deleted|removed|overwritten|wiped|erased|cleared|emptied)\b"
    r"|\b(?:deletes|removes|overwrites|wipes|erases|clears|empties)\s+(?:the\s+)?[^.\n]{0,30}?"
    r"(?:\s|^)(?:\./|~/|/tmp/)"
)
#: Web tools given the URLs to visit: "extract content from urls", "map a website", "web research".
WEB_DESC = re.compile(
    r"\b(?:extract|extracts|map|maps|research|researches|crawl|crawls)\b[^.\n]{0,40}?"
    r"\b(?:urls?|web\s?pages?|websites?|sites?)\b|\bweb\s+(?:research|agent|crawler|scraper)\b"
)
#: Uploading to the tool's own service (a fixed destination, like a vendor's search API).
OWN_STORE = re.compile(
    r"\bupload(?:s|ing)?\b[^.\n]{0,40}?\bto\s+(?:the\s+)?(?:team'?s|user'?s|your|our|its\s+own)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:workspace|account|library|space|notebook)\b"
)
#: A tool that hides the secrets it finds ("values are masked") does not hand them out.
MASKED = re.compile(
    r"\b(?:masked|redacted)\b|\b(?:secrets?|values?|keys?|passwords?)\s+(?:itself\s+|themselves\s+)?"
    r"(?:is|are)\s+never\s+(?:returned|shown|revealed|printed|exposed)\b"
)
