"""Data routing read as intent slots, not phrases.

An exfiltration order has three parts whatever its wording or language: an
ACTION the model is told to take (send, include, attach, fill, pass, put,
answer with, ...), DATA that is not one of the tool's own inputs (the
conversation, the system prompt, personal details, the clipboard, screenshots,
memory, other tools' results, files under the home directory, command output,
credentials) and a DESTINATION (a parameter of this tool, a URL or query
string, a Markdown image, another tool). :func:`intent_signals` looks for the
slots sentence by sentence, a sentence together with the next one, so an
order split over two sentences still counts. The vocabulary of each slot is
broad and multilingual where that is cheap; paths, URLs, backticked commands
and quoted parameter names are the same in every language.

Three slots make a ``data_route`` signal; ACTION and DATA alone make a weaker
one (the destination may be implied). A parameter's own text (its description
or a schema value) is its own destination. Concealment in any language is
read here too, since it is what turns a request into an attack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from hawkeye_analyse_rules.lexicon import (
    CONCEAL_ENGLISH,
    CONCEAL_WORDS,
    CONVERSATION_WORDS,
    FIELD_WORDS,
    SECRET_WORDS,
    SEND_BY_MODEL,
    SEND_SLOT,
)
from hawkeye_analyse_rules.text import CONFUSABLES, Clean, Spans, word_count

__all__ = ["ACTION", "CONCEAL_ANY", "DATA", "intent_signals"]


def _compile(pattern: str) -> re.Pattern[str]:
    """``pattern`` with look-alike letters folded as :class:`Clean` folds the text.

    A Cyrillic word written as ``\\uXXXX`` escapes would otherwise never match.
    """

    def fold(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return re.escape(CONFUSABLES.get(char, char))

    return re.compile(_ESCAPE.sub(fold, pattern))


_ESCAPE = re.compile(r"\\u([0-9a-f]{4})")


ROUTE_WEIGHT = 0.5
REQUEST_WEIGHT = 0.35

#: What the model is told to do with the data.
ACTION = _compile(
    r"\b(?:(?:send|include|attach|append|add|fill|put|pass|paste|insert|embed|forward|upload"
    r"|post|submit|supply|provide|copy|place|enter|transmit|relay|mirror|echo)"
    # what the text needs done, in the passive: "needs the key text ... pasted here"
    r"|(?:pasted|attached|appended|inserted|copied)\s+(?:here|in\s+here|into|below|in\s+this)"
    # "write the full card number the customer typed into memo" (not "write access to ...")
    r"|(?:write|type|record)\b(?=[^.;\n]{0,80}\binto\b)"
    r"|answer\s+(?:it\s+)?with|reply\s+with|respond\s+with|call(?:s|ing)?\s+[a-z0-9]+_[a-z0-9_]+"
    # German, French, Spanish, Portuguese, Italian, Turkish, Russian, Polish, Dutch, Vietnamese
    r"|senden|schicken|mitschicken|mitsenden|einf\u00fcgen|anh\u00e4ngen|\u00fcbergeben"
    r"|eintragen|hinzuf\u00fcgen|beif\u00fcgen|envoy(?:er|ez|e)|inclu(?:re|ez|ir|ye|ya|a|as|dere|di|da)|joign\w*|joindre|ajout\w*"
    r"|mett(?:re|ez|e)|ins\u00e9r\w*|coll(?:er|ez|e)|transmet\w*|renseign\w*|envi(?:ar|a|e|es|en|ando)|adjunt\w*|a\u00f1ad\w*"
    r"|adicion\w*|pon|poner|coloc(?:ar|a|ando)|coloqu\w*|peg(?:ar|a|ue)|cole|inser\w*|anex\w*|invi(?:a|are|ate|alo)"
    r"|pasa\w*|pasando|passa(?:r|ndo)|passe|llam\w+\s+a\s+[a-z0-9]+_[a-z0-9_]+"
    r"|allega\w*|aggiung\w*|incoll\w*|ekle\w*|g\u00f6nder\w*|yap\u0131\u015ft\u0131r\w*"
    r"|koy(?:un)?|ilet(?:in)?|\u043e\u0442\u043f\u0440\u0430\u0432\w*|\u0434\u043e\u0431\u0430\u0432\w*"
    r"|\u0432\u0441\u0442\u0430\u0432\w*|\u043f\u0440\u0438\u043b\u043e\u0436\w*"
    r"|przekaz\w*|wy\u015blij\w*|wysy\u0142\w*|do\u0142\u0105cz\w*|wklej\w*|dodaj\w*"
    r"|wywo\u0142\w*\s+[a-z0-9]+_[a-z0-9_]+|stuur\w*|verstuur\w*|voeg\w*|plak\w*"
    r"|g\u1eedi|th\u00eam|d\u00e1n|\u0111\u01b0a)\b"
    # Arabic, Hindi, Korean, Japanese, Chinese (no word boundaries to rely on)
    r"|\u0623\u0631\u0633\u0644|\u0623\u0636\u0641|\u0636\u0639|\u0623\u0631\u0641\u0642"
    r"|\u0627\u0644\u0635\u0642|\u091c\u094b\u0921\u093c|\u092d\u0947\u091c|\u0921\u093e\u0932"
    r"|\u0936\u093e\u092e\u093f\u0932|\ub123\uc5b4|\ubcf4\ub0b4|\ucca8\ubd80|\ud3ec\ud568"
    r"|\ubd99\uc5ec|\u9001\u4fe1|\u9001\u3063\u3066|\u5165\u308c|\u542b\u3081|\u6dfb\u4ed8"
    r"|\u8cbc\u308a\u4ed8\u3051|\u8ffd\u52a0|\u53d1\u9001|\u586b\u5165|\u586b\u5199|\u9644\u4e0a"
    r"|\u9644\u52a0|\u653e\u5165|\u7c98\u8d34|" + SEND_SLOT + "|" + SEND_BY_MODEL
)

#: Data that is not the tool's own input: the model's context, the user's life, the machine.
DATA = _compile(
    # the conversation and the model's own context
    r"\b(?:conversation|chat\s+(?:history|log|so\s+far)|message\s+history|transcript\s+of"
    r"|(?:last|previous|prior|earlier|recent|every|all)\s+(?:\w+\s+)?messages?"
    r"|system\s+prompt|(?:your|previous|prior|hidden)\s+instructions|context\s+window"
    r"|tool\s+results?|results?\s+(?:of|from)\s+(?:other|any|every|earlier)|earlier\s+tool"
    r"|(?:every|all|each)\s+(?:the\s+)?(?:documents?|files?|emails?|notes?|attachments?)"
    r"|mentioned\s+earlier|(?:user|they)\s+(?:said|typed|wrote)"
    r"|(?:outputs?|results?)\s+of\s+(?:every|all|any|other|each|earlier|previous)"
    r"|conversaci\u00f3n|conversa\u00e7\u00e3o|conversazione|gespr\u00e4ch\w*|unterhaltung"
    r"|chatverlauf|historique|historial|cronologia|rozmow\w*|gesprek\w*|\u0440\u0430\u0437\u0433\u043e\u0432\u043e\u0440\w*"
    r"|(?:instru\w+|anweisung\w*|prompt)\s+(?:de\s+|del\s+|do\s+)?(?:sistema|syst\u00e8me|system)"
    r"|systemprompt|systemanweisung\w*|dane\s+logowania|has\u0142\w*|wachtwoord\w*"
    # the user's person and machine
    r"|full\s+name|e-?mail\s+address(?:es)?|phone\s+numbers?|home\s+address|employer"
    r"|date\s+of\s+birth|browsing\s+history|browser\s+history|local\s+storage|clipboard"
    r"|screenshots?|screen\s+capture|whole\s+desktop|memor(?:y|ies)|private\s+repo\w*"
    r"|contacts\s+list|address\s+book|location\s+history"
    # secrets
    r"|passwords?|passphrases?|credentials?|api\s+keys?|access\s+keys?|private\s+keys?"
    r"|secret\s+keys?|tokens?|cookies?|session\s+(?:id|cookie|token)s?|_(?:token|key|secret)"
    r"|keychain|keyring|vault"
    # codes that stand for a password: a PIN, a one-time or verification code, a card's CVV
    r"|(?:e-?signature|signing|card|atm|account|user'?s|their)\s+pins?|pin\s+(?:codes?|numbers?)"
    r"|one-time\s+(?:codes?|passwords?|passcodes?)|otps?|(?:verification|security|recovery"
    r"|backup|2fa|mfa|sms)\s+codes?|cvv|cvc|seed\s+phrases?"
    r"|passwor\w+|mot\s+de\s+passe|contrase\u00f1a|senha|credenzial\w*|zugangsdaten"
    r"|schl\u00fcsselbund|\u015fifre\w*|parola\w*|\u043f\u0430\u0440\u043e\u043b\w*)\b"
    # the machine's environment dumped: "the full stdout of `env`"
    r"|\b(?:stdout|output)\s+of\s+`?(?:env|printenv|set|history)\b"
    # a card's code inside a word of a script that joins its particles ("\u12e8CVV")
    r"|(?<=[^\x00-\x7f])(?:cvv|cvc)\b"
    # files outside the project: home, system and profile paths; backticked commands
    r"|~[/\\]|%(?:app|localapp|userprofile)\w*%|\$home\b|/etc/|\.git/config|c:\\users"
    r"|/users/[a-z]|/home/[a-z]|`[a-z][\w.-]*\s+[^`\n]{2,}`"
    r"|\ube44\ubc00\ubc88\ud638|\ube44\uacf5\uac1c|\u30d1\u30b9\u30ef\u30fc\u30c9|\u5bc6\u7801"
    r"|\u51ed\u636e|\u0643\u0644\u0645\u0629\s+\u0627\u0644\u0645\u0631\u0648\u0631"
    r"|h\u1ed9i\s+tho\u1ea1i|m\u1eadt\s+kh\u1ea9u|\ub300\ud654|\u4f1a\u8a71|\u5bf9\u8bdd"
    r"|\u0645\u062d\u0627\u062f\u062b\u0629|\u092c\u093e\u0924\u091a\u0940\u0924"
    r"|\u092a\u093e\u0938\u0935\u0930\u094d\u0921"
    # card and account numbers, identity documents, what a browser keeps
    r"|\b(?:card|account|iban|routing|social\s+security|passport|national\s+id|tax\s+id"
    r"|licen[cs]e)\s+numbers?\b|\b(?:bank|payment|banking|card|login)\s+(?:details|information)\b"
    r"|\blogin\s+name\b|\bsaved\s+(?:logins?|passwords?|cards?)\b"
    r"|\b(?:browser|keychain|password\s+manager)\s+(?:has\s+)?(?:saved|remembers|stores|keeps)\b"
    r"|\b(?:earlier|previous|prior|other)\s+(?:messages|tools'?\s+results|tool\s+results)\b"
    r"|" + CONVERSATION_WORDS + "|" + SECRET_WORDS
)

#: Where the data goes, besides a parameter named in the text.
DESTINATION = _compile(
    r"https?://|\bquery\s+string\b|!\[|\bwebhook\b|\burl\s*=|\?[a-z_]+="
    r"|\b(?:field|parameter|param|argument|arg|campo|feld|champ|par[a\u00e1]metro|alan\w*)\b"
    r"|\bcall(?:ing)?\s+[a-z0-9]+_[a-z0-9_]+|\bbody\b|\bpayload\b"
    r"|\b(?:to|with|into)\s+`?[a-z0-9]+_[a-z0-9_]+|(?<![\w.+-])[\w.+-]+@[a-z0-9-]+\.[a-z]{2,}"
    r"|\bpol[ue]\b|\btr\u01b0\u1eddng\b|\bveld\b"
    r"|\u0627\u0644\u062d\u0642\u0644|\u092b\u093c\u0940\u0932\u094d\u0921|\ud544\ub4dc"
    r"|\u30d5\u30a3\u30fc\u30eb\u30c9|\u5b57\u6bb5|\u6b04|" + FIELD_WORDS
)

#: Keeping the step from the user, in the languages a payload tends to use.
CONCEAL_ANY = _compile(
    r"\b(?:no\s*|without\s+(?:any\s+)?)need\s+to\s+(?:ask|tell|mention|inform|point|explain|confirm)"
    r"|\bneed\s+not\s+be\s+(?:repeated|mentioned|shown|told)|\bneed\s+not\s+(?:tell|mention|ask)"
    r"|\bleave\s+(?:it|this|them)\s+out\s+of\s+(?:what|your)|\bkeep\s+(?:this|it)\s+to\s+yourself"
    r"|\b(?:is|are|stays?|remains?)\s+silent\b|\bnot\s+(?:be\s+)?part\s+of\s+(?:the|your)\s+answer"
    r"|\bdo\s+not\s+(?:ask|tell|inform|mention|list|show)\b|\bwithout\s+(?:telling|asking|informing)"
    r"|\brarely\s+open|\bno\s+need\s+to\s+point|\bleave\s+(?:it|this|them)\s+out\s+of"
    r"|\bsay\s+nothing\s+(?:about|of)\b|\bwithout\s+(?:saying|mentioning|telling)\s+(?:so|it|that"
    r"|this)\b|\b(?:nobody|no\s+one|no-one)\s+(?:needs|has)\s+to\s+know\b"
    # an error kept from the user: "never surface the error or say the list may be stale"
    r"|\b(?:never|do\s+not|don't)\s+(?:surface|mention|report|reveal|admit|show)\s+(?:the\s+|any\s+)?"
    r"(?:errors?|failures?|timeouts?|outages?)\b"
    r"|nie\s+(?:informuj|m\u00f3w|wspominaj)|niet\s+(?:vermelden|vertellen|melden)"
    r"|kh\u00f4ng\s+c\u1ea7n\s+th\u00f4ng\s+b\u00e1o|\u0111\u1eebng\s+n\u00f3i|kh\u00f4ng\s+n\u00f3i"
    r"|nicht\s+erw\u00e4hn|nicht\s+mitteil|verschweig|non\s+menzionar|non\s+dir(?:e|gli|lo)"
    r"|ne\s+(?:le\s+|lui\s+)?(?:dites|mentionnez|signalez)|sans\s+(?:le\s+)?(?:dire|mentionner)"
    r"|no\s+(?:le\s+)?(?:digas|menciones|informes)|n\u00e3o\s+(?:mencione|diga|conte|informe)"
    r"|bahsetme|s\u00f6yleme|\u0644\u0627\s+\u062a\u062e\u0628\u0631|\u0644\u0627\s+\u062a\u0630\u0643\u0631"
    r"|\u0928\s+\u092c\u0924\u093e\u090f\u0902|\u092e\u0924\s+\u092c\u0924\u093e\u090f\u0902"
    r"|\uc124\uba85\ud560\s+\ud544\uc694\ub294\s+\uc5c6|\ub9d0\ud558\uc9c0\s+\ub9c8|\uc54c\ub9ac\uc9c0\s+\ub9c8"
    r"|\u4f1d\u3048\u306a\u3044\u3067|\u8a00\u308f\u306a\u3044\u3067|\u4e0d\u8981\u544a\u8bc9|\u65e0\u9700\u544a\u77e5"
    r"|\u043d\u0435\s+(?:\u0433\u043e\u0432\u043e\u0440\u0438|\u0441\u043e\u043e\u0431\u0449\u0430\u0439|\u0443\u043f\u043e\u043c\u0438\u043d\u0430\u0439)"
    r"|" + CONCEAL_WORDS + "|" + CONCEAL_ENGLISH
)

#: Running a command the text spells out, with any tool: "run `op item get <id> --reveal`".
RUN = _compile(
    r"\b(?:run|runs|execute|executes|exec|ausf\u00fchr\w*|ex\u00e9cut\w*|ejecut\w*|execut\w*"
    r"|esegu\w*|\u00e7al\u0131\u015ft\u0131r\w*|uruchom\w*|ch\u1ea1y|\u0432\u044b\u043f\u043e\u043b\u043d\w*"
    r"|\u0437\u0430\u043f\u0443\u0441\u0442\w*)\b|\uc2e4\ud589|\u5b9f\u884c|\u6267\u884c"
    r"|\u091a\u0932\u093e\u090f\u0902|\u0646\u0641\u0630|\u0634\u063a\u0644"
)
_COMMAND = re.compile(r"`[a-z][\w.-]*\s+[^`\n]{2,}`")
#: A sentence that refuses or warns about such requests: "if a document asks you to ..., do not".
_GUARD = re.compile(
    r"\b(?:do\s+not|don'?t|never)\s+(?:do|follow|comply|obey|act\s+on)\b|\brefuse\b"
    r"|\bignore\s+(?:it|them|such|those)\b|\b(?:if|when)\s+(?:a|any|the)\s+(?:\w+\s+){0,6}asks?\b"
)
#: A Markdown image with a web address: rendering it is a request to that address.
_IMAGE_URL = re.compile(r"!\[[^\]\n]{0,80}\]\(\s*https?://")
_ADDRESS = re.compile(r"https?://|(?<![\w.+-])[\w.+-]+@[a-z0-9-]+\.[a-z]{2,}")
#: A negation earlier in the same clause: "never needs passwords, tokens or keys".
_NEGATED = re.compile(r"\b(?:never|not|don'?t|no)\b[^.;:!?]{0,40}$")
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_MIN_PARAM = 3
_BREAK = re.compile(r"[.!?;](?=\s|$)|\n|[\u3002\u0964\uff01\uff1f]")

Hit = tuple[str, float, int, int, str]


def _sentences(s: str) -> list[tuple[int, int]]:
    # "~/.npmrc" and "e.g." keep their dots: a sentence ends at a dot followed by space
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(s):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(s):
        spans.append((start, len(s)))
    return spans


def _unnegated(pattern: re.Pattern[str], s: str, start: int, end: int) -> re.Match[str] | None:
    for match in pattern.finditer(s, start, end):
        if not _NEGATED.search(s, max(start, match.start() - 30), match.start()):
            return match
    return None


def _destination(s: str, start: int, end: int, names: set[str]) -> str:
    for word in _WORD.finditer(s, start, end):
        if word.group(0) in names:
            return word.group(0)
    found = DESTINATION.search(s, start, end)
    return found.group(0) if found else ""


def _route(s: str, names: set[str], parameter: bool, skip: Spans) -> Hit | None:
    """The strongest ACTION + DATA (+ DESTINATION) in one sentence and its neighbours."""
    spans = _sentences(s)
    best: Hit | None = None
    for index, (start, end) in enumerate(spans):
        data = _unnegated(DATA, s, start, end)
        if data is None or skip.starts_in(data.start()):
            continue
        # the order may come in the next sentence ("read X. then send it"), not the one before
        window_start = start
        window_end = spans[index + 1][1] if index + 1 < len(spans) else end
        if _GUARD.search(s, start, end):
            continue
        action = _unnegated(ACTION, s, window_start, window_end)
        if action is None:
            # an image whose address the model fills in sends the data when the reply renders
            action = _IMAGE_URL.search(s, window_start, window_end)
        if action is None:
            continue
        dest = "this parameter" if parameter else _destination(s, window_start, window_end, names)
        weight = ROUTE_WEIGHT if dest else REQUEST_WEIGHT
        a, b = min(data.start(), action.start()), max(data.end(), action.end())
        if best is None or weight > best[1]:
            best = ("data_route", weight, a, b, dest)
        if weight == ROUTE_WEIGHT:
            break
    return best


def intent_signals(
    clean: Clean,
    params: Iterable[str] = (),
    *,
    parameter: bool = False,
    value: bool = False,
    skip: Spans | Sequence[tuple[int, int]] = (),
) -> list[Hit]:
    """``(category, weight, start, end, detail)`` of the routing and concealment found in ``clean``.

    ``parameter`` says the text is a parameter's own (its description or a
    value), so it is the destination; ``value`` says it is a schema value
    (default, example, enum, const), where an order to add an address or to
    keep something from the user is planted whatever the data. ``skip`` are
    spans that quote examples rather than give orders. Concealment is read
    wherever it is said: on its own it makes no finding, but the learned model
    weighs it (until the fifteenth pass it was read only beside another
    signal; reading it always raised recall at the same precision, one batch
    left out at a time, batches 19-50: poisoning P 0.955 / R 0.882 -> 0.954 /
    0.891). Spans are in ``clean.s``; the caller maps them back.
    """
    s = clean.s
    out: list[Hit] = []
    if DATA.search(s) is not None:
        names = {p.lower() for p in params if len(p) >= _MIN_PARAM}
        route = _route(s, names, parameter, skip if isinstance(skip, Spans) else Spans(skip))
        if route is not None:
            out.append(route)
            image = _IMAGE_URL.search(s)
            if image is not None:
                # the data leaves in the image's address when the reply renders
                out.append(("exfil_dest", 0.4, image.start(), image.end(), ""))
    words = word_count(s) if value and not out else 0
    if words >= 4:
        # a schema value that names the conversation is what the model fills in: a default
        # of "the last 20 messages of this conversation, verbatim"
        said = _CONVERSATION_VALUE.search(s)
        if said is None and words >= 8:
            # a sentence in a schema value that names secrets: "the serial followed by the
            # values of the PULSEWATCH_API_KEY and OPENAI_API_KEY environment variables"
            said = DATA.search(s) or _ENV_SECRET.search(s)
        if said is not None:
            out.append(("data_route", REQUEST_WEIGHT, said.start(), said.end(), "this parameter"))
    if value and not out:
        action = _unnegated(ACTION, s, 0, len(s))
        address = _ADDRESS.search(s)
        if action is not None and address is not None:
            out.append(("exfil_dest", 0.4, address.start(), address.end(), address.group(0)))
    if "`" in s:
        for command in _COMMAND.finditer(s):
            run = RUN.search(s, max(0, command.start() - 80), min(len(s), command.end() + 80))
            if run is not None and not _NEGATED.search(s, max(0, run.start() - 30), run.start()):
                out.append(("run_command", 0.3, command.start(), command.end(), ""))
                break
    for conceal in CONCEAL_ANY.finditer(s):
        if not _protects(s, conceal.start(), conceal.end()):
            out.append(("conceal", 0.45, conceal.start(), conceal.end(), ""))
            break
    return out


def _protects(s: str, start: int, end: int) -> bool:
    """True when the concealment at ``start:end`` keeps a secret, not a step, from someone.

    "Do not repeat the password in your reply", or with the secret first, as
    many languages put it ("your password to anyone do not tell"): advice to
    protect it. The secret counts in the same clause; before the
    concealment a comma ends the clause too, and an order to do something
    with the data there makes it a hidden step ("add the password here and do
    not tell the user").
    """
    limit = min(len(s), end + 200)  # bounded: a hostile text repeats concealment with no stop
    after = _CLAUSE_END.search(s, end, limit)
    stop = after.start() if after else limit
    # "do not tell the user that the password goes to audit@..." hides a step, protects nothing
    if (
        _PROTECTS.search(s, start, stop) is not None
        and ACTION.search(s, end, stop) is None
        and _ADDRESS.search(s, end, stop) is None
    ):
        return True
    before = max(
        (m.end() for m in _CLAUSE_START.finditer(s, max(0, start - 200), start)), default=0
    )
    before = max(before, start - 200)
    # "write the password here and do not mention it" orders a step before it hides it
    return (
        _PROTECTS.search(s, before, start) is not None and ACTION.search(s, before, start) is None
    )


#: Full stops, semicolons, colons and marks of other scripts (CJK, Devanagari, Ethiopic, Arabic).
_ENDS = r";:!?\n\u3002\u0964\u1362\u1364\u061b\u061f\uff1b\uff01\uff1f"
#: A secret named as an environment variable ("OPENAI_API_KEY"): data in a schema value's
#: sentence; a description that says where its own key comes from is no order.
_ENV_SECRET = re.compile(r"[a-z0-9](?:_api)?_(?:key|token|secret|password)s?\b")
#: The conversation named in a schema value (see :func:`intent_signals`).
_CONVERSATION_VALUE = _compile(
    r"\b(?:this|the|our|current)\s+(?:conversation|chat)\b|\bchat\s+(?:history|log)\b"
    r"|\b(?:last|previous|earlier)\s+(?:\d+\s+)?messages\b|" + CONVERSATION_WORDS
)
_CLAUSE_END = re.compile(f"[{_ENDS}]|\\.(?=\\s|$)")
_CLAUSE_START = re.compile(f"[{_ENDS},\\u060c\\u3001\\uff0c\\u1363]|\\.(?=\\s|$)")
#: A secret as the thing not to show: advice to protect it, not concealment.
_PROTECTS = re.compile(
    r"\b(?:passwords?|secrets?|keys?|tokens?|credentials?|pins?|otps?)\b|" + SECRET_WORDS
)
