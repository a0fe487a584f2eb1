"""Cheap tests before the regexes: substrings one of which every match of a category contains.

:func:`~hawkeye_analyse_rules.signals.find_signals` skips a category's regex
when the text holds none of its substrings, which most text does not. Every
pattern added to a category must contain one of them; a test in
``tests/test_analyse_rules_signals.py`` checks this on the corpus and on probes.
"""

from __future__ import annotations

from hawkeye_analyse_rules.patterns_grammar import GRAMMAR_NEEDS
from hawkeye_analyse_rules.patterns_wide import EXTRA_NEEDS

__all__ = ["NEEDS"]

NEEDS: dict[str, tuple[str, ...]] = {
    category: (
        ".ssh",
        "id_",
        ".aws",
        ".env",
        "mcp.json",
        "claude",
        ".cursor",
        ".codeium",
        ".windsurf",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".pgpass",
        ".git-cred",
        ".kube",
        "kubeconfig",
        "/etc/",
        ".docker",
        ".gnupg",
        "_history",
        "keychain",
        "login data",
        "cookies.sqlite",
        "wallet.dat",
        "gcloud",
        "application_default",
        ".azure",
        ".config/",
        ".ethereum",
        ".bitcoin",
        ".electrum",
        "keystore",
        "~/.",
    )
    for category in ("sensitive_read", "sensitive_mention")
}
NEEDS["secret_request"] = (
    "key",
    "token",
    "passw",
    "passphrase",
    "credential",
    "secret",
    "seed",
    "mnemonic",
    "recovery",
    "cookie",
    "env",
    "prompt",
    "connection",
    "database",
)
NEEDS["conversation"] = (
    "conversation",
    "chat",
    "message",
    "dialog",
    "prompt",
    "context",
    "question",
    "request",
    "quer",
)
NEEDS["exfil_dest"] = ("http", "@", "+")
NEEDS["override"] = (
    "ignore",
    "disregard",
    "forget",
    "overrid",
    "bypass",
    "new",
    "instead",
    "rather",
    "stop",
    "cease",
    "quit",
    "abandon",
    "drop",
    "aside",
    "act",
    "behave",
    "pretend",
    "now",
    "instruction",
    "mode",
    "precedence",
    "priority",
)
NEEDS["conceal"] = (
    "not",
    "n't",
    "never",
    "without",
    "avoid",
    "silently",
    "secretly",
    "covertly",
    "quietly",
    "discreetly",
    "invisibl",
    "mere",
    "hid",
    "conceal",
    "keep",
    "facing",
    "transparent",
    "upset",
    "need",
    "leave",
    "omit",
)
NEEDS["cross_tool"] = (
    "tool",
    "server",
    "mcp",
    "present",
    "invoked",
    "called",
    "used",
    "run",
    "executed",
    "triggered",
)
NEEDS["coerce"] = (
    "mandatory",
    "required",
    "otherwise",
    "crash",
    "lost",
    "blocked",
    "very",
    "side",
    "necessary",
    "proxy",
    "extremely",
    "absolutely",
    "critically",
)
NEEDS["exec_payload"] = ("curl", "wget", "iwr", "irm", "rm", "chmod")
NEEDS["lie"] = (
    "tell",
    "assure",
    "inform",
    "show",
    "report",
    "present",
    "pass",
    "claim",
    "credit",
    "pretend",
    "lie",
    "mislead",
    "deceive",
)
NEEDS["persist"] = ("now", "henceforth", "rest", "future", "subsequent", "later", "else")

NEEDS.update(EXTRA_NEEDS)
NEEDS["conceal"] += (
    "repeat",
    "bring",
    "raise",
    "surface",
    "be ",
    "displayed",
    "shown",
    "visible",
    "list",
    "include",
    "collapsed",
    "proceed",
    "continue",
    "ahead",
    "asking",
    "reply",
    "menciones",
    "digas",
    "informes",
    "muestres",
    "nicht",
    "pas",
    "mencione",
    "diga",
    "conte",
    "dire",
    "menzionare",
)
NEEDS["cross_tool"] += (
    "integration",
    "connector",
    "about to",
    "intend",
    "plan",
    "want",
    "werkzeug",
    "herramienta",
    "outil",
    "ferramenta",
    "strumento",
)
NEEDS["conversation"] += ("session",)

# the fifth pass (patterns_more)
NEEDS["sensitive_read"] += (
    ".mozilla",
    "logins.json",
    "key4.db",
    "key3.db",
    "chrom",
    "keychains",
    "password-store",
    ".1pux",
    "bitwarden",
    "ssh-add",
    "printenv",
    "--get-regexp",
    "auth token",
    "find-",
    "aws configure",
)
NEEDS["sensitive_mention"] = NEEDS["sensitive_read"]
NEEDS["conceal"] += (
    "inutile",
    "sans",
    "precisa",
    "sem ",
    "sin ",
    "falta",
    "necesario",
    "ohne",
    "senza",
    "ユーザ",
    "利用者",
    "内緒",
    "黙って",
    "こっそり",
    "background",
    "view",
    "sight",
    "screen",
)
NEEDS["consent"] += ("confirmation", "approval", "consent", "permission")
NEEDS["override"] += ("treat", "carry", "perform", "execute", "follow", "obey", "do ")
NEEDS["coerce"] += ("refuse",)
NEEDS["exfil_dest"] += ("cop", "duplicate")
NEEDS["cross_tool"] += ("qualquer", "cualquier", "n'importe", "tout ", "ツール", "サーバー")
NEEDS["secret_request"] += ("one-time",)
# instruction tags: brackets, a colon after a name, or a note's heading word
NEEDS["tag"] = (
    ":",
    "<",
    "[",
    "#",
    "note",
    "message",
    "guidance",
    "hint",
    "instruction",
    "reminder",
    "only",
    "reading",
    "attention",
    "dear",
    "hey",
    "nota",
    "aviso",
    "hinweis",
    "anweisung",
    "remarque",
    "avis",
    "notice",
)
# redirection: a verb of change, a destination noun, an address, a remote, a blind copy
NEEDS["redirect"] = (
    "change",
    "replace",
    "set",
    "switch",
    "redirect",
    "overrid",
    "rewrit",
    "modif",
    "send all",
    "cc",
    "proxy",
    "recipient",
    "destination",
    "to address",
    "mail address",
    "phone number",
    "channel",
    "endpoint",
    "webhook",
    "account",
    "iban",
    "wallet",
    "@",
    "deprecated",
    "disabled",
    "broken",
    "unsafe",
    "compromised",
    "no longer",
    "remote",
    "pia",
    "copie",
    "kopie",
    "even",
)
for _category, _needs in GRAMMAR_NEEDS.items():
    NEEDS[_category] = NEEDS.get(_category, ()) + _needs
