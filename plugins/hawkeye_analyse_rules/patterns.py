"""The vocabulary of injection signals: one tuple of regexes per signal category.

Patterns match :class:`~hawkeye_analyse_rules.text.Clean` text (lower case,
hidden characters removed, look-alikes folded), so they are written in lower
case and never need to allow for invisible characters. The wider wordings of
later tuning passes live in :mod:`~hawkeye_analyse_rules.patterns_wide` and
:mod:`~hawkeye_analyse_rules.patterns_more` and are merged in here;
:mod:`~hawkeye_analyse_rules.needs` holds the substrings each category needs.
"""

from __future__ import annotations

import itertools
import re

from hawkeye_analyse_rules.needs import NEEDS
from hawkeye_analyse_rules.patterns_grammar import GRAMMAR_PATTERNS, SENSITIVE_CLI
from hawkeye_analyse_rules.patterns_more import MORE_PATTERNS, NON_ASCII_PATTERNS, SENSITIVE_STORES
from hawkeye_analyse_rules.patterns_wide import EXTRA_PATTERNS, SENSITIVE_MORE

__all__ = [
    "EXFIL_PARAM",
    "EXFIL_PARAM_SET",
    "NEEDS",
    "NON_ASCII_PATTERNS",
    "PARAM_HARVEST",
    "PATTERNS",
]


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _forms(*verbs: str, phrases: tuple[str, ...] = ()) -> str:
    """An alternation of each verb with its -s, -ing and -ed forms: ``read|reads|reading|...``.

    ``phrases`` are regexes added as they are (verbs of more than one word).
    """
    words: list[str] = list(phrases)
    for verb in verbs:
        stem = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
        words += [verb, verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")]
        words += [stem + "ing", stem + "ed"]
    return "(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + ")"


_READ_VERBS = _forms(
    "read",
    "cat",
    "open",
    "load",
    "get",
    "fetch",
    "retrieve",
    "access",
    "collect",
    "gather",
    "extract",
    "grab",
    "dump",
    "print",
    "output",
    "copy",
    "upload",
    "send",
    "include",
    "attach",
    "pass",
    "provide",
    "paste",
    "base64",
    "encode",
    "append",
    "list",
    "backup",
    "archive",
    "zip",
    "compress",
    "sync",
    "mirror",
    # "back up ~/.ssh" reads it as surely as "copy ~/.ssh"
    phrases=(r"back(?:s|ing|ed)?\s+up",),
)
_GIVE_VERBS = _forms(
    "read",
    "send",
    "include",
    "pass",
    "provide",
    "share",
    "give",
    "collect",
    "extract",
    "copy",
    "paste",
    "reveal",
    "output",
    "print",
    "dump",
    "forward",
    "upload",
    "attach",
    "append",
    "insert",
    "put",
    "store",
    "save",
    "log",
    "record",
    "fill",
    "encode",
    "leak",
    "email",
)


_SENSITIVE = (
    r"(?:(?:~|\$home|%userprofile%|/home/[\w.-]+|/users/[\w.-]+|/root)?/?\.ssh\b(?:/[\w.-]+)?"
    r"|\bid_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?\b|\.aws/(?:credentials|config)\b"
    r"|(?<![\w.])\.env(?:\.local|\.production|\.development)?\b(?![\w-])"
    r"|\bmcp\.json\b|\bclaude_desktop_config\.json\b|\.cursor/|\.codeium/|\.windsurf/"
    r"|\.claude\.json\b|\.npmrc\b|\.pypirc\b|\.netrc\b|\.pgpass\b|\.git-credentials\b"
    r"|\.kube/config\b|\bkubeconfig\b|/etc/(?:passwd|shadow|sudoers)\b|\.docker/config\.json"
    r"|\.gnupg\b|\.(?:bash|zsh)_history\b|\bkeychain\b|\blogin data\b|\bcookies\.sqlite\b"
    r"|\bwallet\.dat\b|\.config/gcloud\b|\bapplication_default_credentials\b|\.azure/"
    + SENSITIVE_MORE
    + SENSITIVE_STORES
    + SENSITIVE_CLI
    + ")"
)
_SECRET_NOUN = (
    r"(?:api[ _-]?keys?|access[ _-]?tokens?|auth(?:entication|orization)?[ _-]?tokens?"
    r"|bearer[ _-]?tokens?|refresh[ _-]?tokens?|session[ _-]?(?:tokens?|cookies?)|passwords?"
    r"|passphrases?|private[ _-]?keys?|secret[ _-]?keys?|ssh[ _-]?keys?|credentials"
    r"|seed[ _-]?phrases?|mnemonic(?:[ _-]?phrases?)?|recovery[ _-]?phrases?"
    r"|environment\s+variables?|env\s+vars?|secrets|system\s+prompt|connection\s+strings?"
    r"|database[ _]url|(?:api|personal|github|gitlab|slack|openai|access|auth|bearer|secret)"
    r"[ _-]?tokens?|[a-z0-9]+_(?:api_key|apikey|token|secret|password|access_key|secret_key))\b"
)
_DATA_NOUN = (
    r"(?:content|contents|data|output|outputs|both|text|results?|history|messages?|conversation|files?"
    r"|keys?|credentials?|secrets?|tokens?|it|them|this|that|everything|value|values|details"
    r"|information|info|body|logs?|payload|prompts?|questions?|queries|lines|bytes|paths?)"
)
_PARAM_VERBS = (
    r"(?:call\s+[\w.-]+\s+with|pass|put|include|insert|place|add|append|send|provide|fill|set|attach|embed|copy|paste"
    r"|write|store|concatenate|concantate|encode)"
)

PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "tag": (
        _c(
            r"<\s*/?\s*(?:important|system|sys|instructions?|secret|hidden|admin"
            r"|ai[_ -]?instructions?|note[_ -]to[_ -](?:ai|assistant|model))\s*>"
        ),
        _c(r"\[\s*/?\s*(?:system|inst|important|hidden|admin)\s*\]"),
        _c(r"<\|\s*(?:im_start|im_end|system|user|assistant|endoftext)\s*\|>"),
        _c(r"\bnote\s+to\s+(?:the\s+)?(?:ai|assistant|model|llm|agent)\b"),
        # blanks within the line only: "\s*" from every line break rescans a run of blank
        # lines to its end, quadratic on a hostile text of 64k of them
        _c(r"(?:^|\n|[.!?]\s)[ \t]*(?:ai|assistant|model|llm|agent|ai[ \t]+assistant)[ \t]*:"),
        _c(
            r"\b(?:attention|dear|hey)\s*,?\s+(?:ai|assistant|llm|agent|model|claude|chatgpt|copilot)\b"
        ),
        _c(
            r"(?:^|\n)[ \t]*#{1,4}[ \t]*(?:system\b|instructions?\s+for\s+(?:the\s+)?"
            r"(?:ai|assistant|model|llm))"
        ),
    ),
    "override": (
        _c(
            r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|these)\s+)*"
            r"(?:(?:previous|prior|above|earlier|preceding|original|former|existing|system|safety"
            r"|security|other)\s+){1,2}(?:instructions?|prompts?|rules?|directions?|directives?"
            r"|guidelines?|guardrails?|messages?|context|constraints?|policies)"
        ),
        _c(
            r"\b(?:ignore|disregard)\s+(?:the\s+)?(?:user'?s?|human'?s?|your)\s+(?:instructions?"
            r"|requests?|commands?|prompts?|wishes)"
        ),
        _c(
            r"\b(?:ignore|disregard|forget)\s+(?:everything\s+|all\s+|anything\s+)?(?:the\s+)?"
            r"(?:above|before|previous|prior|preceding|earlier)(?=\s*(?:and\b|,|\.|;|:|!|$))"
        ),
        _c(r"\byour\s+new\s+(?:task|role|instructions?|goal|job)\s+(?:is|are)\b"),
        _c(
            r"\b(?:instead\s+of|rather\s+than)\s+(?:following|doing|answering|obeying)\s+"
            r"(?:what\s+)?the\s+user\b"
        ),
        _c(
            r"\b(?:stop|cease|quit)\s+(?:following|obeying|heeding|answering|serving|doing"
            r"|working\s+on|helping\s+with)\s+(?:what\s+)?(?:the\s+|your\s+)?(?:users?|human)\b"
        ),
        _c(
            r"\b(?:abandon|drop|set\s+aside|put\s+aside)\s+(?:the\s+|your\s+)?(?:user'?s?|human'?s?"
            r"|current|original)\s+(?:request|task|instructions?|question|goal)"
        ),
        _c(
            r"\b(?:act|behave|pretend)\s+(?:as|to\s+be)\s+(?:an?\s+)?(?:unrestricted|jailbroken"
            r"|different|system|admin(?:istrator)?|root|developer)\b"
        ),
        _c(r"\bsystem\s+override\b|\bdeveloper\s+mode\b"),
        _c(r"\byou\s+are\s+now\s+(?:a|an|in|the|no\s+longer|free|unrestricted)\b"),
        _c(
            r"\b(?:new|updated|real|actual|true)\s+(?:system\s+)?instructions?\s*(?::|follow\b|are\b)"
        ),
        _c(
            r"\b(?:enter|switch\s+to|enable)\s+(?:developer|god|dan|jailbreak|unrestricted)\s+mode\b"
        ),
        _c(
            r"\btakes?\s+(?:precedence|priority)\s+over\s+(?:all\s+|any\s+)?(?:other\s+|previous\s+)?(?:instructions|rules)"
        ),
    ),
    "conceal": (
        _c(
            r"\b(?:do\s+not|don'?t|never|without|avoid)\s+(?:(?!and\b|or\b|but\b|then\b)\w+\s+){0,3}?"
            r"(?:tell(?:ing)?"
            r"|inform(?:ing)?|mention(?:ing)?|notify(?:ing)?|alert(?:ing)?|reveal(?:ing)?"
            r"|show(?:ing)?|disclos(?:e|ing)|let(?:ting)?|warn(?:ing)?|report(?:ing)?)\s+"
            r"(?:\w+\s+){0,6}?(?:the\s+)?(?:users?|human|operator|person|customer)\b"
        ),
        _c(r"\b(?:do\s+not|don'?t|never)\s+mention\s+(?:that|this|it|the)\b"),
        _c(
            r"\b(?:the\s+)?users?\s+(?:must|should|need|does|do|will)\s*(?:not|n't|never)\s+"
            r"(?:\w+\s+){0,2}?(?:know|see|notice|find\s+out|learn|be\s+(?:told|informed|bothered"
            r"|troubled|disturbed|alerted|notified|shown))\b"
        ),
        _c(
            r"\b(?:silently|secretly|covertly|quietly|discreetly|invisibly)\s+(?:\w+\s+)?"
            r"(?:send|post|forward|copy|upload|read|include|add|call|run|execute|exfiltrate"
            r"|transmit|bcc|cc|append|log|record|share)"
        ),
        _c(r"\bmere\s+implementation\s+detail\b"),
        _c(
            r"\b(?:hide|conceal|keep)\s+(?:this|it|these|that)(?:\s+\w+){0,2}\s+(?:from\s+the|secret|hidden)\b"
        ),
        _c(r"\bnot\s+(?:a\s+)?user[- ]facing\b"),
        _c(r"\b(?:transparent|invisible)\s+(?:system\s+)?(?:requirement|step|to\s+the\s+user)\b"),
        _c(r"\bcould\s+(?:even\s+)?upset\s+the\s+user\b"),
        _c(r"\bno\s+need\s+to\s+(?:mention|tell|inform|notify|show|explain)\b"),
        _c(r"\bwithout\s+(?:mentioning|telling|informing|notifying|alerting)\b"),
        _c(r"\bkeep\s+(?:it|this)\s+between\s+us\b"),
        _c(
            r"\b(?:no\s+need\s+to|(?:do\s+not|don'?t|never)|without)\s+(?:bother(?:ing)?|troubl(?:e|ing)"
            r"|burden(?:ing)?|worry(?:ing)?|distract(?:ing)?|alarm(?:ing)?|involv(?:e|ing))\s+"
            r"(?:the\s+|your\s+)?(?:users?|human|customer|operator)\b"
        ),
        _c(
            r"\b(?:leave|keep)\s+(?:this|it|that|them|these|those)(?:\s+\w+){0,2}?\s+out\s+of\s+"
            r"(?:your|the)\s+(?:answer|reply|response|output|summary|report)"
        ),
        _c(
            r"\bomit\s+(?:this|it|that|them|these|those)(?:\s+\w+){0,2}?\s+from\s+(?:your|the)\s+"
            r"(?:answer|reply|response|output|summary|report)"
        ),
        _c(r"\b(?:do\s+not|don'?t|never)\s+(?:reveal|disclose)\b"),
        _c(r"\b(?:hide|hidden|conceal(?:ed)?)\s+(?:it\s+|this\s+)?from\s+the\s+users?\b"),
        _c(
            r"\b(?:do\s+not|don'?t|never)\s+(?:show|include|mention|display)\s+(?:it|this|that"
            r"|them|this\s+step)\s+in\s+(?:your|the)\s+(?:reply|answer|response|output)\b"
        ),
        _c(
            r"\b(?:do\s+not|don'?t|never|without)\s+(?:ask(?:ing)?|request(?:ing)?|wait(?:ing)?\s+for"
            r"|seek(?:ing)?)\s+(?:the\s+user(?:'s)?\s+)?(?:for\s+)?(?:confirmation|permission|approval"
            r"|consent)\b"
        ),
    ),
    "sensitive_read": (
        _c(r"\b" + _READ_VERBS + r"\b[^\n]{0,80}?" + _SENSITIVE),
        # a sensitive path handed to a tool as its argument: "call backup with the path ~/.ssh"
        _c(r"\bcontents?\s+of\s+(?:the\s+)?(?:file\s+)?[\"'`]?(?:~/|\$home/)?" + _SENSITIVE),
        _c(
            r"\b(?:with|pass|passing|set|setting|using)\s+(?:the\s+|a\s+)?(?:path|file|dir(?:ectory)?"
            r"|folder|argument|arg|param(?:eter)?)\s*(?:=|:|\bto\b)?\s*[\"'`]?" + _SENSITIVE
        ),
    ),
    "sensitive_mention": (_c(_SENSITIVE),),
    "secret_request": (_c(r"\b" + _GIVE_VERBS + r"\b[^.\n]{0,80}?\b" + _SECRET_NOUN),),
    "exfil_dest": (
        _c(
            r"\b(?:send|sends|post|posts|upload|forward|transmit|report|mirror|copy|bcc|cc|email"
            r"|e-mail|mail|exfiltrate|deliver|relay|sync|share|leak|submit)\b[^\n]{0,80}?\b"
            r"(?:to|at|into|on)\s+(?P<dest>https?://[^\s'\"<>)]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
            r"|\+\d[\d\s().-]{7,}\d)"
        ),
        # the address stops at the next "http": from every "https://" of
        # "https://ahttps://a..." an open-ended span would rescan the rest (quadratic)
        _c(r"https?://(?:[^\s'\"<>h]|h(?!ttps?://))*[?&][\w-]+=\s*[{<\[]"),
    ),
    "redirect": (
        _c(
            r"\b(?:change|replace|set|switch|redirect|override|rewrite|modify)\b[^.\n]{0,30}?\b"
            r"(?:recipients?|destination|to\s+address|to\s+field|e-?mail\s+address(?:es)?"
            r"|phone\s+numbers?|channel|channel_id|url|endpoint|webhook|repository|account"
            r"|iban|wallet)\b[^.\n]{0,25}?\bto\b\s+\S"
        ),
        _c(r"\bsend\s+all\s+(?:e-?mails?|messages?|mails?|requests?|data|files?|reports?)\s+to\b"),
        _c(r"\b(?:bcc|cc)\b[^.\n]{0,60}(?:@|\bto\s+https?://)"),
        _c(r"\bproxy\s+(?:number|address|e-?mail|recipient)\b"),
    ),
    "conversation": (
        _c(
            r"\b"
            + _GIVE_VERBS
            + r"\b[^.\n]{0,60}?\b(?:(?:full|entire|complete|whole|previous|prior|last"
            r"|recent|past|earlier)\s+(?:\w+\s+){0,2}?(?:conversation|chat|messages|dialog(?:ue)?"
            r"|prompts|questions|requests|queries)"
            r"|(?:conversation|chat|message)\s+(?:history|log|logs|transcript)|system\s+prompt"
            r"|context\s+window|conversation)\b"
        ),
        _c(
            r"\b(?:every|each|all)\s+(?:of\s+the\s+)?(?:messages?|prompts?|questions?)\s+(?:that\s+)?"
            r"(?:the\s+)?users?\s+(?:writes?|sends?|types?|enters?|says?)\b"
        ),
    ),
    # a lie told to the user in so many words (decisive, see signals.gate); the broader
    # readings of deceit are "deceive" (patterns_grammar), weighed with the rest
    "lie": (
        _c(
            r"\b(?:tell|assure|inform|reassure|show)\s+(?:the\s+user|them|the\s+human|the\s+customer"
            r"|him|her)\s+(?:that\s+)?(?:it|this|everything|all|the\s+(?:[\w-]+\s+)?(?:payment"
            r"|transfer|request|operation|e-?mail|message|transaction|order|task|call))\s+(?:went"
            r"\s+through|succeeded|worked|completed|(?:was|has\s+been)\s+(?:successful|completed"
            r"|sent|done|processed|delivered))"
        ),
        _c(
            r"\b(?:report|present|pass\s+off|claim|take\s+credit\s+for)\s+(?:its|their|(?:the\s+"
            r"|another\s+)?(?:[\w-]+\s+){0,2}?[\w-]+(?:'s|s'))\s+(?:[\w-]+\s+)?(?:failures?|errors?"
            r"|results?|outputs?|work|answers?)\s+as\s+(?:your|its|our)\s+own\b"
        ),
        _c(
            r"\bpretend\s+(?:that\s+)?(?:it|this|the\s+[\w-]+|you|everything)\s+(?:succeeded"
            r"|worked|went\s+through|came\s+from|(?:was|is)\s+(?:successful|sent|fine|done))"
        ),
        _c(r"\b(?:lie\s+to|mislead|deceive)\s+(?:the\s+)?(?:users?|human|customer)\b"),
    ),
    "persist": (
        _c(r"\bfrom\s+now\s+on\b|\bhenceforth\b"),
        _c(r"\bfor\s+the\s+rest\s+of\s+(?:this|the)\s+(?:conversation|session|chat)\b"),
        _c(
            r"\b(?:in|for|during)\s+(?:all|every|each)\s+(?:future|subsequent|later)\s+"
            r"(?:requests?|conversations?|sessions?|turns?|responses?|replies|answers?|messages?)\b"
        ),
        _c(r"\bbefore\s+(?:you\s+)?(?:do(?:ing)?|answer(?:ing)?|say(?:ing)?)\s+anything\s+else\b"),
    ),
    "exec_payload": (
        _c(r"\b(?:curl|wget|iwr|irm)\b[^\n|]{0,120}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b"),
        _c(r"\brm\s+-(?:rf|fr|r)\s+(?:~|/|\$home)"),
        _c(r"\bchmod\s+(?:-r\s+)?0?[0-7]?77[0-7]?\s+(?:~|/)"),
    ),
    "coerce": (
        _c(r"\b(?:mandatory|required)\s+for\s+the\s+tool\s+to\s+work\b"),
        _c(
            r"\botherwise\b[^.\n]{0,30}\b(?:will|would)\s+(?:not\s+work|fail|crash|break|be\s+blocked"
            r"|stop\s+working)"
        ),
        _c(r"\b(?:will|would)\s+crash\b"),
        _c(r"\b(?:all\s+)?(?:your\s+|user\s+)?data\s+will\s+be\s+lost\b"),
        _c(r"\brequests?\s+will\s+be\s+blocked\b"),
        _c(r"\bvery,?\s+very,?\s+very\b"),
        _c(r"\b(?:mandatory|required|important|hidden)\s+(?:[\w-]+\s+)?side[- ]effects?\b"),
        _c(
            r"\b(?:required|mandatory|necessary)\s+(?:for|by)\s+(?:compliance|audit|auditing|security"
            r"|legal|verification|the\s+proxy)\b"
        ),
        _c(r"\bfor\s+the\s+proxy\s+to\s+work\b"),
        _c(r"\bthis\s+is\s+(?:extremely|absolutely|critically)\s+(?:important|critical)\b"),
    ),
    "cross_tool": (
        _c(
            r"\b(?:when|whenever|if|before|after|once)\b[^.\n]{0,30}?(?:\(\s*mcp_?[a-z0-9_]+\s*\)\s*)?"
            r"\b[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)+\b\s+(?:tool\s+)?(?:is|are|gets?|was)\s+"
            r"(?:invoked|called|used|run|executed|triggered)"
        ),
        _c(r"\balso\s+present\b"),
        # ("seen in other tools' results" is data from the context, not steering)
        _c(
            r"\b(?:with|from|by|of|in)\s+(?:any|every|all|other)\s+(?:other\s+)?tools?\b"
            r"(?!['\u2019]|\s+(?:results?|outputs?|responses?)\b)"
        ),
        # a rule for whenever another tool is used: "when the user pays with any payment tool"
        _c(
            r"\b(?:when|whenever|if|each\s+time|every\s+time)\b[^.\n]{0,60}?\b(?:with|from|by|via"
            r"|using|through|calls?|uses?)\s+(?:any|every|all|another|other)\s+(?:other\s+)?"
            r"(?:[\w-]+\s+)?tools?\b"
        ),
        _c(r"\bside[- ]effects?\s+on\s+(?:the\s+)?(?:[\w.-]+\s+){0,3}?tools?\b"),
        _c(r"\(\s*mcp_[a-z0-9_]+\s*\)"),
        _c(r"\bmcp_tool_[a-z0-9_]+"),
        _c(
            r"\b(?:all|every|any)\s+(?:other\s+)?(?:tools?|servers?|mcp\s+servers?)\b[^.\n]{0,40}\b"
            r"(?:must|should|shall)\b"
        ),
        _c(
            r"\b(?:tools?|functions?)\s+(?:from|of|provided\s+by)\s+(?:the\s+)?(?:other|another)\s+(?:mcp\s+)?servers?\b"
        ),
        _c(r"\bother\s+(?:mcp\s+)?servers?(?:'s|s'|')?\s+(?:tools?|instructions?)\b"),
        _c(r"\b[a-z][\w-]*\s+(?:mcp\s+)?server(?:'s|s')\s+(?:[\w.-]+\s+)?tools?\b"),
        _c(
            r"\b(?:prefer|use|choose|favou?r|prioriti[sz]e)\s+(?:[\w.-]+\s+){0,3}?(?:tools?|servers?)\s+"
            r"(?:over|instead\s+of|rather\s+than|above)\s+(?:any|all|every|the)?\s*(?:other|another"
            r"|competing|third[- ]party)\b"
        ),
    ),
    "directive": (
        _c(
            r"\byou\s+(?:must|should|shall|need\s+to|have\s+to|are\s+required\s+to|will\s+need\s+to)\b"
        ),
        _c(
            r"\b(?:must|always)\s+(?:first\s+)?(?:read|send|include|pass|call|add|append|provide|forward"
            r"|copy|attach|execute|fetch|upload|invoke)\b"
        ),
        _c(
            r"\bbefore\s+(?:using|calling|invoking|running|executing|responding|answering|returning)\b"
        ),
        _c(r"\b(?:first|please)\s+(?:read|send|include|pass|call|fetch|provide|execute|open)\b"),
    ),
    "model_address": (
        _c(r"\b(?:the|an?)\s+(?:ai|assistant|llm|language\s+model|ai\s+agent)\b"),
        _c(r"\bas\s+an\s+ai\b"),
    ),
}

EXFIL_PARAM = _c(
    r"\b" + _PARAM_VERBS + r"\b[^.\n]{0,60}?\b" + _DATA_NOUN + r"\b[^.\n]{0,30}?\b"
    r"(?:as|in|into|to|inside|within|via|through|using|under)\s+(?:the\s+)?"
    r"[\"'`\u2018\u2019\u201c\u201d]?(?P<param>[a-z_][a-z0-9_]{1,40})"
)
#: "call x with text set to the contents of ...": the parameter named before the data.
EXFIL_PARAM_SET = _c(
    r"\b(?:with|set)\s+(?:the\s+)?(?P<param>[a-z_][a-z0-9_]{1,40})\s+(?:set\s+to|=|to|containing)\s+"
    r"(?:the\s+)?(?:full\s+|entire\s+|whole\s+)?(?:contents?|text|output|value|bytes)\s+of\b"
)
PARAM_HARVEST = _c(
    r"\b(?:pass|provide|include|put|fill|insert|paste|add|set|enter|contain|contains|append)\b"
    r"[^.\n]{0,80}?(?:\b(?:(?:full\s+|entire\s+|complete\s+)?contents?\s+of|content\s+from"
    r"|the\s+output\s+of|(?:full|entire|complete|whole)\s+(?:conversation|chat)"
    r"|conversation\s+history|chat\s+history"
    r"|previous\s+messages|system\s+prompt)\b|\b(?:its|their)\s+(?:full\s+)?(?:contents?|text)\b"
    r"|\b" + _SECRET_NOUN + r"|" + _SENSITIVE + ")"
)


for _category, _patterns in itertools.chain(
    EXTRA_PATTERNS.items(), MORE_PATTERNS.items(), GRAMMAR_PATTERNS.items()
):
    PATTERNS[_category] = PATTERNS.get(_category, ()) + _patterns
