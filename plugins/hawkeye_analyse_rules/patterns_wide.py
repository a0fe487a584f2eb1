"""More injection vocabulary: wordings the first vocabulary missed.

Added in the fourth tuning pass, from the signals a careful reviewer uses
rather than any one batch's phrasing: instructions in other languages (Spanish,
German, French, Portuguese, Italian), fake consent ("the user already
approved this"), notes addressed to the assistant whatever their heading,
concealment in passive or collapsed form, rules that take effect when another
server's tools are used, and another tool declared deprecated so that calls
are routed here. :mod:`~hawkeye_analyse_rules.patterns` merges these into its
tables; ``NEEDS`` here lists the substrings the new patterns need.
"""

from __future__ import annotations

import re

__all__ = ["EXTRA_NEEDS", "EXTRA_PATTERNS", "SENSITIVE_MORE"]


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_ASSISTANT = (
    r"(?:ai|assistants?|models?|llms?|agents?|modelo|asistente|assistenten|modell|ki|mod[eè]le"
    r"|assistant\(e\)|assistente|ia)"
)
#: Credential files outside the first list: wallets and CLI tokens under ~/.config.
SENSITIVE_MORE = (
    r"|\.config/(?:solana|gh|hub|gcloud|doctl|netlify|vercel|heroku|op)/[\w./-]*"
    r"|\.ethereum/keystore|\.bitcoin/|\.electrum/|\bkeystore/"
)

EXTRA_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "tag": (
        # a note for the assistant under any heading: "note for assistants", "model guidance:"
        _c(
            r"\b(?:notes?|message|guidance|hint|instructions?|reminder)\s+(?:for|to)\s+(?:the\s+|all\s+)?"
            + _ASSISTANT
            + r"\b"
        ),
        _c(r"\b(?:ai|assistant|model|llm|agent)\s+(?:guidance|note|instructions?)\s*:"),
        _c(r"\bfor\s+the\s+(?:ai|assistant|model|llm|agent)\s+only\b"),
        _c(r"\b(?:assistants?|models?|ai\s+agents?|llms?|agents?)\s+reading\s+this\b"),
        _c(r"(?:[(\u2014\u2013]|\s-)\s*(?:ai|assistant|model|llm|agent)\s*:"),
        _c(
            r"<\s*/?\s*[a-z][\w-]*(?:polic(?:y|ies)|rules?|directives?|requirements?|protocol"
            r"|guidance)[\w-]*\s*>"
        ),
        # Spanish, German, French, Portuguese, Italian
        _c(
            r"\b(?:nota|aviso|hinweis|anweisung|remarque|avis|notice)\s+(?:para|f[uü]r|pour|per|an)"
            r"\s+(?:el|la|den|die|das|l'|o|a|il)?\s*" + _ASSISTANT + r"\b"
        ),
    ),
    "conceal": (
        _c(
            r"\b(?:no\s+need\s+to|(?:do\s+not|don'?t|never))\s+(?:repeat|bring|raise|surface)\s+"
            r"(?:\w+\s+){0,3}?(?:to|with|up)\b"
        ),
        _c(
            r"\b(?:does|do|need)\s*(?:not|n't)\s+(?:need\s+to\s+)?be\s+(?:mentioned|shown|told|disclosed"
            r"|reported|listed|displayed)\b"
        ),
        _c(r"\b(?:is|are)\s+(?:handled|done|sent|applied|performed)\s+silently\b"),
        _c(r"\bnot\s+(?:displayed|shown|visible)\s+to\s+the\s+users?\b"),
        _c(
            r"\b(?:do\s+not|don'?t|never)\s+(?:list|include|mention|show|report|record)\s+(?:it|this"
            r"|that|them)\s+(?:among|in|as\s+part\s+of)\s+(?:the\s+)?(?:steps|actions|summary"
            r"|confirmations?)\b"
        ),
        _c(r"\b(?:collapsed|hidden|invisible)\s+(?:<\w+>\s+)?(?:block|section|element|span|div)\b"),
        _c(r"\b(?:proceed|continue|go\s+ahead)\s+without\s+(?:asking|checking|confirming)\b"),
        _c(r"\bwithout\s+asking\s+(?:again|them|the\s+user|first)\b"),
        _c(r"\breply\s+with\s+(?:the\s+)?[\w\s]{0,30}?\bonly\b"),
        # es / de / fr / pt / it: "do not mention it to the user"
        _c(
            r"\b(?:no\s+(?:se\s+lo\s+|lo\s+|le\s+)?(?:menciones|digas|informes|muestres)"
            r"|erw[aä]hne\s+(?:das|es|dies)[^.\n]{0,30}?\bnicht|sage?\s+(?:es|das)[^.\n]{0,30}?\bnicht"
            r"|ne\s+(?:le\s+|l'|en\s+)?(?:dis|mentionne|signale)\s+pas|n[aã]o\s+(?:o\s+|lhe\s+)?"
            r"(?:mencione|diga|conte)|non\s+(?:lo\s+|gli\s+)?(?:dire|menzionare|dirlo))\b"
        ),
    ),
    "consent": (
        _c(
            r"\b(?:users?|they)\s+(?:has|have)\s+already\s+(?:approved|agreed|consented|authori[sz]ed"
            r"|confirmed|granted|accepted)\b"
        ),
        _c(
            r"\b(?:users?|they)\s+(?:approved|agreed\s+to|consented\s+to|authori[sz]ed|accepted)\s+"
            r"(?:this|it|that)\s+(?:earlier|before|already|previously|in\s+advance)\b"
        ),
        _c(
            r"\b(?:treat|consider|regard)\b[^.\n]{0,100}?\bas\s+(?:already\s+)?(?:granted|approved"
            r"|confirmed|given|authori[sz]ed)\b"
        ),
        _c(r"\balready\s+(?:granted|approved|authori[sz]ed)\s+by\s+the\s+users?\b"),
    ),
    "cross_server": (
        _c(
            r"\b(?:with|from|by|via|through|in|on)\s+(?:any|every|all|another)\s+(?:other\s+)?"
            r"(?:[\w-]+\s+){1,3}?(?:servers?|integrations?|connectors?)\b"
        ),
        _c(r"\bfrom\s+(?:another|any\s+other|other|a\s+different)\s+(?:mcp\s+)?servers?\b"),
        _c(
            r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\s+(?:tool\s+)?(?:of|from|on|in)\s+(?:the|any|another)\s+"
            r"(?:other\s+)?[\w-]+\s+(?:mcp\s+)?servers?\b"
        ),
    ),
    "cross_tool": (
        _c(
            r"\b(?:another|any\s+other|every\s+other)\s+(?:[\w-]+\s+)?tools?\s+(?:asks?|requests?"
            r"|requires?|needs?|wants?|creates?|sends?|makes?|calls?)\b"
        ),
        _c(
            r"\b(?:whenever|when|before|each\s+time|every\s+time)\s+(?:you\s+)?(?:are\s+about\s+to"
            r"|(?:intend|plan|want)\s+to)\s+(?:use|call|run|invoke)\b"
        ),
        _c(
            r"\b(?:when|whenever|if)\s+[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b[^.\n]{0,60}?\b(?:is|are|gets?)\s+"
            r"(?:invoked|called|used|run|executed|triggered)"
        ),
        # es / de / fr / pt / it: "any other tool"
        _c(
            r"\b(?:irgendein|jedes|ein)\s+(?:anderes?|weiteres?)\s+(?:werkzeug|tool)|\b(?:cualquier|otra)"
            r"\s+(?:otra\s+)?herramienta|\b(?:tout|un)\s+autre\s+outil|\bqualquer\s+outra\s+ferramenta"
            r"|\bqualsiasi\s+altro\s+strumento"
        ),
    ),
    "redirect": (
        _c(
            r"\b(?:recipients?|destination|to\s+address|e-?mail\s+address|phone\s+number|channel"
            r"|endpoint|webhook|account|iban|wallet)\b[^.\n]{0,40}?\b(?:is|are)\s+(?:to\s+be\s+)?"
            r"(?:replaced|changed|set|switched|redirected|rewritten)\s+(?:with|to|by)\b"
        ),
        _c(
            r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s+(?:as|als|como|comme|come)?\s*(?:an?\s+|the\s+)?(?:additional\s+|hidden\s+"
            r"|extra\s+)?(?:bcc|cc|blind[- ]?copy|carbon[- ]copy|recipient|attendee|participant"
            r"|teilnehmer|destinatario|destinataire|participante)"
        ),
        _c(
            r"\b(?:is|are)\s+(?:deprecated|disabled|broken|unsafe|compromised|no\s+longer\s+(?:available"
            r"|supported|safe))\b[^.\n]{0,40}?\b(?:must|should|do|may)\s+not\s+(?:be\s+)?(?:used"
            r"|called|invoked)"
        ),
        _c(r"\b(?:add|set)\s+(?:the\s+|a\s+)?(?:git\s+)?remote\s+https?://"),
    ),
    "conversation": (
        _c(
            r"\b(?:summary|recap|transcript|copy|contents?)\s+of\s+(?:the\s+)?(?:current|ongoing|this"
            r"|whole|entire|full|previous|recent)\s+(?:conversation|chat|session|dialog(?:ue)?)"
        ),
        _c(
            r"\b(?:conversation|chat|message)\s+(?:history|log|logs|transcript)\s+(?:is\s+|are\s+)?"
            r"(?:appended|attached|included|added|copied|forwarded|sent)\b"
        ),
    ),
    "sensitive_read": (
        # es / de / fr / pt / it: read or copy a sensitive file
        _c(
            r"\b(?:lee|leer|copia|copiar|env[ií]a|lies|lese|kopiere|sende|lis|lire|copie|envoie|leia"
            r"|copie|envie|leggi|copia|invia)\b[^\n]{0,60}?(?:~/\.|\.ssh|\.env\b|\.aws|\.docker|\.kube"
            r"|mcp\.json|\.netrc|\.npmrc)"
        ),
    ),
}

EXTRA_NEEDS: dict[str, tuple[str, ...]] = {
    "consent": ("already", "approved", "agreed", "consented", "authori", "accepted", "as "),
    "cross_server": ("server", "integration", "connector"),
}
