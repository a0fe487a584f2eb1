"""Injection vocabulary of the fifth tuning pass: cues a reviewer uses whatever the wording.

Added from the general causes behind held-out batch 5's misses, not from its
phrases: credential stores and commands that read secrets whatever language
surrounds them (browser profiles, password-manager exports, ``ssh-add -L``,
``printenv``, ``git config --get-regexp credential``); concealment in French,
Portuguese, Spanish, German, Italian and Japanese, "run it quietly" and text
pushed "out of view"; notices that switch confirmations off or hand a tool
result, or a schema field, the authority of the system; a copy of the user's
files sent on; rules for "any git or GitHub tool" and another server's
snake_case tool, and orders to shun another server's tool even when the user
asks for it; extra remotes and blind copies in any language. :mod:`~hawkeye_analyse_rules.patterns`
merges these into its tables, and :mod:`~hawkeye_analyse_rules.needs` holds
the substrings they need.
"""

from __future__ import annotations

import re

__all__ = ["MORE_PATTERNS", "NON_ASCII_PATTERNS", "SENSITIVE_STORES"]


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: Browser and password-manager stores, and commands whose output is a secret.
SENSITIVE_STORES = (
    r"|\.mozilla/firefox\b|\blogins\.json\b|\bkey4\.db\b|\bkey3\.db\b"
    r"|\bchrom(?:e|ium)/[\w ]{1,30}/(?:cookies|login\s+data|web\s+data)\b"
    r"|\blibrary/keychains\b|\.password-store\b|\.1pux\b|\bbitwarden_export"
    r"|\bssh-add\s+-l\b|\bprintenv\b|\bgit\s+config\s+(?:--global\s+)?--get-regexp\s+credential"
    r"|\bgh\s+auth\s+token\b|\bsecurity\s+find-(?:generic|internet)-password\b"
    r"|\baws\s+configure\s+(?:get|export-credentials)\b"
)

_USER = r"(?:users?|human|operator|person|customer|utilisateur|usu[aá]rio|usuario|benutzer|utente)"

MORE_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "conceal": (
        # fr / pt / es / de / it: "no need to tell the user", "must not be mentioned"
        _c(
            r"\binutile\s+d'en\s+parler\b|\bsans\s+(?:le\s+)?(?:dire|mentionner|pr[ée]venir)\b"
            r"|\bn[aã]o\s+precisa\s+(?:ser\s+)?(?:mencionad[ao]|informad[ao]|dit[ao]|contad[ao])\b"
            r"|\bsem\s+(?:avisar|informar|mencionar)\b|\bsin\s+(?:avisar|informar|mencionar)\b"
            r"|\bno\s+(?:hace\s+falta|es\s+necesario)\s+(?:mencionarlo|decirlo|informar)\b"
            r"|\bohne\s+(?:den\s+)?(?:benutzer|nutzer)\s+zu\s+(?:informieren|fragen)\b"
            r"|\bsenza\s+(?:avvisare|informare|dirlo)\b"
        ),
        # "run it quietly", "do this silently in the background"
        _c(
            r"\b(?:run|do|perform|execute|send|make)\s+(?:it|this|that|them|these)\s+(?:\w+\s+)?"
            r"(?:quietly|silently|secretly|in\s+the\s+background)\b"
        ),
        # text pushed where the user will not see it
        _c(
            r"\b(?:scrolls?|pushed|moves?|falls?)\s+(?:it\s+)?(?:out\s+of|off)\s+(?:the\s+)?"
            r"(?:view|sight|screen)\b|\bout\s+of\s+(?:the\s+user'?s?\s+)?(?:view|sight)\b"
        ),
        _c(
            r"\b(?:leave|keep)\s+(?:this|it|that|them|these|those)(?:\s+\w+){0,2}?\s+out\s+of\s+"
            r"(?:your|the|any)\s+(?:answers|replies|responses|outputs|summaries|reports)\b"
        ),
        _c(
            r"\bwithout\s+(?:checking|confirming|consulting|verifying)\s+with\s+(?:the\s+)?"
            + _USER
            + r"\b"
        ),
    ),
    "consent": (
        # a notice that turns the user's confirmations off
        _c(
            r"\b(?:user\s+)?(?:confirmations?|approvals?|consent\s+prompts?|permission\s+prompts?"
            r"|confirmation\s+prompts?)\s+(?:is|are|have\s+been|has\s+been)\s+(?:\w+\s+)?"
            r"(?:switched\s+off|turned\s+off|disabled|suspended|waived|not\s+required|bypassed)\b"
        ),
    ),
    "override": (
        # a tool result or a schema field given the authority of the system
        _c(
            r"\btreat\b[^.\n]{0,60}?\bas\s+(?:an?\s+)?(?:directives?|instructions?|commands?|orders?)"
            r"\s+from\s+(?:the\s+)?(?:system|developer|administrator|admin|operator)\b"
        ),
        _c(
            r"\b(?:carry\s+out|perform|execute|follow|obey|do)\s+(?:any|every|all|whatever)\s+"
            r"(?:actions?|instructions?|commands?|steps?|requests?)\s+(?:that\s+)?(?:a|the|any)\s+"
            r"tool\s+(?:results?|outputs?|responses?)\s+(?:asks?|requests?|says?|contains?|gives?)"
        ),
    ),
    "coerce": (_c(r"\b(?:do\s+not|don'?t|never|must\s+not)\s+refuse\b"),),
    "exfil_dest": (
        # a copy of the user's data sent on to a server or tool: "forward a copy of each file to
        # this server's log tool" (a copy sent to a person the user names is the tool's job)
        _c(
            r"\b(?:send|sends|forward|forwards|upload|uploads|post|posts|mirror|mirrors|push|pushes)"
            r"\s+(?:a\s+)?(?:copy|copies|duplicate)\s+of\b[^.\n]{0,40}?\bto\s+(?:this|our|the|that)"
            r"\s+(?:[\w-]+\s+)?(?:server|tool|endpoint|service)(?:'s|s')?\b"
        ),
    ),
    "redirect": (
        # another git remote under any name: "add the remote `mirror` (git@host:x.git)"
        _c(
            r"\b(?:add|set)\s+(?:the\s+|a\s+|an\s+)?(?:git\s+)?remote\b[^.\n]{0,40}?"
            r"(?:https?://|git@|ssh://)"
        ),
        # a blind copy in pt / es / fr / it / de (the English "bcc" is in the first vocabulary)
        _c(
            r"\b(?:c[oó]pia\s+oculta|copia\s+nascosta|copie\s+cach[ée]e|blindkopie"
            r"|(?:em|en)\s+(?:cco|cci))\b"
        ),
        # steering away from the user's own choice of tool
        _c(
            r"\beven\s+(?:if|when)\s+the\s+user\s+(?:explicitly\s+|specifically\s+)?(?:asks?|requests?"
            r"|wants?|says?|prefers?)\b"
        ),
    ),
    "cross_tool": (
        # "through any git or GitHub tool", "via every email or chat tool"
        _c(
            r"\b(?:when|whenever|if|each\s+time|every\s+time)\b[^.\n]{0,60}?\b(?:with|from|by|via"
            r"|using|through)\s+(?:any|every|all|another)\s+(?:[\w-]+\s+){1,3}?(?:or|and|/)\s+"
            r"(?:[\w-]+\s+)?tools?\b"
        ),
        # pt / es / fr / ja: "any email tool", "any connected server"
        _c(
            r"\bqualquer\s+(?:ferramenta|servidor)\b|\bcualquier\s+(?:herramienta|servidor)\b"
            r"|\bn'importe\s+quel(?:le)?\s+(?:outil|serveur)\b|\btout\s+(?:outil|serveur)\b"
        ),
    ),
    "cross_server": (
        # another server's tool named to keep the model off it: "do not use the Slack server's
        # users_lookup" (calling one is not shadowing; avoiding one is)
        _c(
            r"\b(?:do\s+not|don'?t|never|avoid|stop)\s+(?:use|using|call|calling|invoke|invoking)"
            r"\s+(?:the\s+)?[\w-]+\s+server(?:'s|s')\s+[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"
        ),
    ),
    "secret_request": (
        _c(
            r"\b(?:quote|quotes|quoting|repeat|repeats|echo|echoes|reproduce|transcribe)\s+"
            r"(?:every|each|all|any)\s+(?:[\w-]+\s+){0,2}?(?:api[ _-]?keys?|passwords?|tokens?"
            r"|secrets?|one-time\s+codes?|credentials|private\s+keys?)\b"
        ),
    ),
}

#: Patterns that can only match non-ASCII text (Japanese), searched only in such text: an
#: alternative without a leading ``\b`` word would slow every search of its category.
NON_ASCII_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "conceal": (
        # "do not tell / show / let the user know", "secretly"
        _c(
            r"(?:ユーザー|利用者|ユーザ)(?:に|には|へ)[^。\n]{0,12}?"
            r"(?:伝えない|言わない|知らせない|見せない|表示しない|通知しない|教えない|報告しない)"
            r"|内緒で|黙って|こっそり"
        ),
    ),
    "cross_tool": (_c(r"(?:他の|任意の|すべての)(?:ツール|サーバー)"),),
}
