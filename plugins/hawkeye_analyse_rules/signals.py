"""Injection signals in server text, and how they add up.

No single phrase condemns a description: real servers say "IMPORTANT:", tell
the model to use absolute paths, name their own tools and read files. What
marks a poisoned description is several independent signals together: orders
to the model, concealment from the user or lies to them ("tell them it went
through"), requests for secrets or sensitive files, data routed into a
parameter or to an outside address, coercion ("the tool will not work
otherwise"), standing orders that outlive the call ("from now on"),
instruction tags, references to other tools, claims that the user already
agreed.

Words that ask for nothing do not count: a request in the negative ("do not
include API keys in your query", "it never opens private keys") is the
opposite of harvesting, and text quoted as an example ("such as 'ignore all
previous instructions'") or listed as something to look for in a text about
attacks is data, not an order.

Each category has a weight; a text's score is the noisy-OR of the strongest
signal of each category (it sets a finding's confidence). Whether signals are
enough is the learned model's call, which weighs them with the words
(:func:`gate`); an instruction override, an order hidden in an encoding and a
lie told in so many words are enough on their own. Where the model does not
read the text as a whole (a comment), :func:`rules_agree` asks for two
*strong* categories and a score of at least 0.55. Patterns run on
:class:`~hawkeye_analyse_rules.text.Clean` text (lower case, hidden characters
removed, look-alikes folded), and every signal keeps the span of the original
text it matched.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable

from attrs import frozen

from hawkeye_analyse_rules.intent import intent_signals
from hawkeye_analyse_rules.lexicon import CONTENT_WORDS
from hawkeye_analyse_rules.patterns import (
    EXFIL_PARAM,
    EXFIL_PARAM_SET,
    NEEDS,
    NON_ASCII_PATTERNS,
    PARAM_HARVEST,
    PATTERNS,
)
from hawkeye_analyse_rules.prefilter import Literals, needed
from hawkeye_analyse_rules.surface import lowered
from hawkeye_analyse_rules.text import Clean, Spans

__all__ = [
    "LEARNED_FINDING",
    "LEARNED_STEER",
    "STRONG",
    "WEIGHTS",
    "Signal",
    "find_signals",
    "gate",
    "rules_agree",
    "score",
]

#: The learned poisoning model's score (:mod:`~hawkeye_analyse_rules.learned`), which reads
#: an owner's words and its rule signals together, makes a finding from here. Chosen with
#: one batch left out at a time (each batch judged by a model trained without it): on the
#: blind batches 19-22, whose attacks no rule had been shaped on, poisoning P 0.967 /
#: R 0.669, where the hand-made gate (two strong rule signals, or the words-only model from
#: 0.55 beside a signal and 0.64 alone) gave P 0.907 / R 0.586.
LEARNED_FINDING = 0.4
#: The learned shadowing model's score counts as a strong steering signal from here
#: (with one batch left out it kept a precision of 0.90 on its own, recall 0.70).
LEARNED_STEER = 0.4
#: Weight of each category (the chance, roughly, that it alone means poisoning).
WEIGHTS: dict[str, float] = {
    "override": 0.6,
    "exfil_param": 0.5,
    "data_route": 0.5,
    "sensitive_read": 0.45,
    "conceal": 0.45,
    "lie": 0.45,
    "deceive": 0.4,
    "against_user": 0.45,
    "consent": 0.4,
    "schema_value": 0.4,
    "exfil_dest": 0.4,
    "redirect": 0.4,
    "secret_request": 0.35,
    "conversation": 0.35,
    "tag": 0.3,
    "exec_payload": 0.4,
    "encoded_order": 0.45,  # an order hidden in base64, hex, ROT13, bits (payloads.py)
    "run_command": 0.3,
    "cross_tool": 0.3,
    "cross_server": 0.3,
    "persist": 0.3,
    "coerce": 0.25,
    "sensitive_mention": 0.25,
    "directive": 0.15,
    "model_address": 0.1,
    "learned": LEARNED_FINDING,  # the model's probability, LEARNED_FINDING or more
    "learned_steer": LEARNED_STEER,  # the shadowing model's probability
}
#: Categories that count towards the two a finding needs.
STRONG = frozenset(WEIGHTS) - {"directive", "model_address"}
#: Categories that are enough on their own.
DECISIVE = frozenset({"override", "encoded_order", "lie"})


@frozen
class Signal:
    """One matched signal: its category, weight and span in the original text."""

    category: str
    weight: float
    start: int
    end: int
    detail: str = ""  # the parameter or destination it names


def _combine(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One alternation of ``patterns``: one search per category instead of one per pattern."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


_COMBINED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, _combine(patterns)) for category, patterns in PATTERNS.items()
)
#: Each category's needed substrings.
_NEEDS: dict[str, frozenset[str]] = {
    category: frozenset(needs) for category, needs in NEEDS.items()
}
#: Each pattern's needed substrings (None: unknown), by category, in pattern order.
_BRANCH_NEEDS: dict[str, tuple[frozenset[str] | None, ...]] = {
    category: tuple(map(needed, patterns)) for category, patterns in PATTERNS.items()
}
#: Combined patterns of the subsets of a category's patterns that a text can match.
_NARROWED: dict[tuple[str, tuple[int, ...]], re.Pattern[str]] = {}
_NARROWED_MAX = 4096


#: Every needed substring of a category or a pattern, found in a text by one scan.
_LITERALS = Literals(
    itertools.chain(
        itertools.chain.from_iterable(NEEDS.values()),
        *(need for needs in _BRANCH_NEEDS.values() for need in needs if need is not None),
    )
)


def _narrowed(category: str, pattern: re.Pattern[str], present: set[str]) -> re.Pattern[str] | None:
    """``pattern`` without the alternatives that cannot match the text (None: none can).

    ``present`` is the needed substrings the text holds. An alternative none of whose
    needed substrings is present never matches, so dropping it changes no match: the
    leftmost match and its branch stay the same.
    """
    branches = _BRANCH_NEEDS[category]
    active = tuple(
        index for index, need in enumerate(branches) if need is None or not need.isdisjoint(present)
    )
    if not active:
        return None
    if len(active) == len(branches):
        return pattern
    key = (category, active)
    narrowed = _NARROWED.get(key)
    if narrowed is None:
        narrowed = _combine(tuple(PATTERNS[category][index] for index in active))
        if len(_NARROWED) < _NARROWED_MAX:
            _NARROWED[key] = narrowed
    return narrowed


#: Patterns for non-ASCII text only (Japanese), kept apart so that ASCII text never pays for them.
_NON_ASCII: dict[str, re.Pattern[str]] = {
    category: _combine(patterns) for category, patterns in NON_ASCII_PATTERNS.items()
}


#: Categories whose words ask for something, so that a negation before them cancels them.
_NEGATABLE = frozenset({"secret_request", "sensitive_read", "conversation"})
_NEGATION_BEFORE = re.compile(
    r"\b(?:do\s+not|don'?t|never|must\s+not|should\s+not|will\s+not|won'?t|cannot|can'?t|not)\s+"
    r"(?:\w+\s+){0,2}$"
)
_NEGATION_IN = re.compile(r"\b(?:never|not)\b|n't\b")
#: An example in quotes: "such as 'ignore all previous instructions'".
_EXAMPLE = re.compile(
    r"(?:such\s+as|e\.g\.,?|\bi\.?e\.?,?|for\s+example|for\s+instance|examples?|like)\s*:?\s*"
    r"[{\[(]?\s*[\"'\u2018\u201c]"
)
#: A text about attacks (a primer, a review prompt) and the lists of things it looks for.
_ABOUT_ATTACKS = re.compile(
    r"\b(?:prompt\s+injection|tool\s+poisoning|attack\s+patterns?|jailbreaks?|security\s+training)\b"
)
_LOOK_FOR = re.compile(
    r"\b(?:look|check|scan|watch|search)\s+(?:out\s+)?for\b|\btopics\s+include\b"
)
#: Where a sentence ends: ``.``, ``!`` or ``?`` before a space or the end, or a line break.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")


class _SentenceEnds:
    """The end of the sentence at or after any offset of ``s``, from one scan of ``s``.

    Searching on from each quoted example instead rescans the rest of a text
    without full stops once per example: quadratic on thousands of examples.
    """

    __slots__ = ("_marks", "_s")

    def __init__(self, s: str) -> None:
        self._s = s
        self._marks = [m.start() for m in _SENTENCE_END.finditer(s)]

    def after(self, start: int) -> int:
        """The end of the first sentence end at or after ``start``, its space included."""
        index = bisect.bisect_left(self._marks, start)
        if index == len(self._marks):
            return len(self._s)
        mark = self._marks[index]
        if self._s[mark] == "\n":
            return mark + 1
        return min(mark + 2, len(self._s))


def _quoted_regions(s: str) -> Spans:
    """Spans of ``s`` that quote or list examples rather than give orders."""
    regions: list[tuple[int, int]] = []
    ends: _SentenceEnds | None = None
    if "'" in s or '"' in s or "\u2018" in s or "\u201c" in s:
        for match in _EXAMPLE.finditer(s):
            ends = ends or _SentenceEnds(s)
            # the sentence ends after the closing quote, not at a dot inside it
            close = s.find(s[match.end() - 1], match.end())
            regions.append((match.start(), ends.after(max(close, match.end()))))
    if _ABOUT_ATTACKS.search(s):
        for match in _LOOK_FOR.finditer(s):
            ends = ends or _SentenceEnds(s)
            regions.append((match.start(), ends.after(match.end())))
    return Spans(regions)


def _negated(s: str, start: int, end: int) -> bool:
    return bool(_NEGATION_BEFORE.search(s, max(0, start - 30), start)) or bool(
        _NEGATION_IN.search(s, start, end)
    )


def _search(
    category: str, pattern: re.Pattern[str], s: str, regions: Spans
) -> re.Match[str] | None:
    """The first match of ``pattern`` that is neither negated nor inside a quoted example."""
    check_negation = category in _NEGATABLE
    for match in pattern.finditer(s):
        start, end = match.span()
        if regions and regions.ends_in(end):
            continue
        if check_negation and _negated(s, start, end):
            continue
        return match
    return None


_ROUTE = re.compile(
    r"\b(?:as|in|into|to|inside|within|via|through|using|under)\s+(?:the\s+)?[\"'`]?"
    r"([a-z_][a-z0-9_]{1,40})"
)


def _routed_param(s: str, match: re.Match[str], names: set[str]) -> str:
    """The parameter ``match`` routes data into, looking past a preposition that named none.

    "with the path you are about to open in the query field" names ``open`` first.
    """
    param = match.group("param")
    if param in names:
        return param
    start = match.start("param")
    for route in _ROUTE.finditer(s, start, min(len(s), start + 60)):
        if route.group(1) in names:
            return route.group(1)
    return ""


#: Categories that name a secret or a sensitive file.
_SECRETS_AT = frozenset({"sensitive_read", "sensitive_mention", "secret_request"})


def find_signals(
    text: str,
    params: Iterable[str] = (),
    *,
    parameter: bool = False,
    value: bool = False,
    clean: Clean | None = None,
) -> list[Signal]:
    """The strongest signal of each category in ``text``.

    ``params`` are the parameter names a data-routing instruction may name;
    ``parameter`` says the text is itself a parameter's description, where
    asking for file contents or secrets counts as routing data into it;
    ``value`` says it is a schema value (default, example, enum, const).
    Intent slots (:mod:`~hawkeye_analyse_rules.intent`) are read after the
    patterns and add what they did not find.
    """
    clean = clean or Clean(text)
    s = clean.s
    found: list[Signal] = []
    regions = _quoted_regions(s)
    sensitive_at = -1  # where the first sensitive path or secret is named
    present = _LITERALS.present(s)
    for category, pattern in _COMBINED:
        needs = _NEEDS.get(category)
        if needs is not None and needs.isdisjoint(present):
            continue
        pattern = _narrowed(category, pattern, present)
        match = None if pattern is None else _search(category, pattern, s, regions)
        if match is None and category in _NON_ASCII and not s.isascii():
            match = _search(category, _NON_ASCII[category], s, regions)
        if match is not None:
            if category in _SECRETS_AT:
                at = match.start()
                sensitive_at = at if sensitive_at < 0 else min(sensitive_at, at)
            start, end = clean.span(match.start(), match.end())
            detail = match.groupdict().get("dest") or ""
            found.append(Signal(category, WEIGHTS[category], start, end, detail))
    names = lowered(params) if isinstance(params, frozenset) else {p.lower() for p in params}
    if names:
        for match in itertools.chain(EXFIL_PARAM.finditer(s), EXFIL_PARAM_SET.finditer(s)):
            param = _routed_param(s, match, names)
            if param and not _negated(s, match.start(), match.end()):
                start, end = clean.span(match.start(), match.end())
                found.append(Signal("exfil_param", WEIGHTS["exfil_param"], start, end, param))
                break
    if parameter and not any(sig.category == "exfil_param" for sig in found):
        match = _search("secret_request", PARAM_HARVEST, s, regions)
        if match is not None:
            start, end = clean.span(match.start(), match.end())
            found.append(Signal("exfil_param", WEIGHTS["exfil_param"] - 0.05, start, end))
    if names and sensitive_at >= 0 and not any(sig.category == "exfil_param" for sig in found):
        found += _named_route(clean, sensitive_at, names)
    have = {sig.category for sig in found}
    for category, weight, a, b, detail in intent_signals(
        clean, names, parameter=parameter, value=value, skip=regions
    ):
        if category not in have:
            start, end = clean.span(a, b)
            found.append(Signal(category, weight, start, end, detail))
    if any(sig.category == "sensitive_read" for sig in found):
        found = [sig for sig in found if sig.category != "sensitive_mention"]
    return found


#: A parameter name set off in quotes or backticks: `ctx`, «contexte», 'locale'.
_DELIMITED = re.compile(
    r"[`'\"\u2018\u201c\u00ab]\s*(?P<param>[a-z_][a-z0-9_]{1,40})\s*[`'\"\u2019\u201d\u00bb]"
)
#: What is read: contents, output, text (:data:`~hawkeye_analyse_rules.lexicon.CONTENT_WORDS`).
_CONTENT = re.compile(r"\b(?:outputs?|text[eo]?)\b|\u51fa\u529b|" + CONTENT_WORDS)


def _named_route(clean: Clean, sensitive_at: int, names: set[str]) -> list[Signal]:
    """Data routed into a named parameter, in any language: a secret, its contents, `param`.

    The wording around it may be French, Czech or Japanese; the sensitive path,
    the word for its contents and the quoted parameter name are the same in
    all. The parameter may come before the path ("into `note`, the contents of
    ~/.kube/config") or after it.
    """
    s = clean.s
    low, high = max(0, sensitive_at - 200), min(len(s), sensitive_at + 300)
    for match in _DELIMITED.finditer(s, low, high):
        param = match.group("param")
        if param not in names:
            continue
        start, end = min(sensitive_at, match.start()), max(sensitive_at, match.end())
        if _CONTENT.search(s, max(0, start - 40), end) is None:
            continue
        if _negated(s, start, end):
            return []
        a, b = clean.span(start, end)
        return [Signal("exfil_param", WEIGHTS["exfil_param"], a, b, param)]
    return []


#: Categories that say the same thing (asking for secrets) and count as one for the gate.
_SAME_SIGNAL = {
    "sensitive_read": "secrets",
    "secret_request": "secrets",
    "sensitive_mention": "secrets",
    "cross_server": "cross_tool",
    "data_route": "exfil_param",
    "learned_steer": "learned",
    "against_user": "redirect",  # "even when the user asks": one signal, however it is read
}


def _group(category: str) -> str:
    return _SAME_SIGNAL.get(category, category)


def score(signals: Iterable[Signal]) -> float:
    """Noisy-OR of the strongest signal of each independent kind."""
    best: dict[str, float] = {}
    for sig in signals:
        kind = _group(sig.category)
        best[kind] = max(best.get(kind, 0.0), sig.weight)
    remaining = 1.0
    for weight in best.values():
        remaining *= 1.0 - weight
    return 1.0 - remaining


#: Pairs that are theft whatever the wording: a secret asked for, and a way out for it.
_SECRET = frozenset({"sensitive_read", "secret_request"})
_WAY_OUT = frozenset({"exfil_dest", "exfil_param"})


def gate(signals: Iterable[Signal]) -> bool:
    """True when the signals are enough to call the text poisoned.

    The learned model, which has weighed the rule signals with the words,
    decides (its signal is present from :data:`LEARNED_FINDING`), except for
    the cases that need no weighing, since a clean text never shows them in
    the labelled corpus: an instruction override; an order hidden in an
    encoding (payloads.py); a lie told to the user in so many words ("tell
    them it went through", "always report 'none found' whatever the check
    returns", "if the lab times out, tell the user the sample passed"); a
    secret asked for together with a way out for it (an outside address, or a
    parameter it is routed into; 82 labelled items, no clean one); a broader
    reading of deceit ("present a rejection as 'pending review'", "as if they
    were final": ordinary descriptions say "labels the issue as 'bug'") beside
    another strong signal. Short texts need these: the model scales few words
    down.
    """
    categories = {sig.category for sig in signals}
    if categories & DECISIVE or "learned" in categories:
        return True
    if categories & _SECRET and categories & _WAY_OUT:
        return True
    return "deceive" in categories and bool(categories & STRONG - {"deceive", "learned_steer"})


def rules_agree(signals: Iterable[Signal]) -> bool:
    """True when the rule signals alone make a strong case: two strong kinds and 0.55, or decisive.

    For text the model does not read as an owner (a decoded payload, a comment):
    asking for a sensitive file and asking for secrets are one kind of signal,
    "Reads secrets from the keychain" says it once, not twice.
    """
    signals = list(signals)
    categories = {sig.category for sig in signals}
    if categories & DECISIVE:
        return True
    strong = {_group(c) for c in categories & STRONG}
    return len(strong) >= 2 and score(signals) >= 0.55
