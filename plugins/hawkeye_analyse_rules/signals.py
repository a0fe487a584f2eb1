"""Injection signals in server text, and how they add up.

No single phrase condemns a description: real servers say "IMPORTANT:", tell
the model to use absolute paths, name their own tools and read files. What
marks a poisoned description is several independent signals together: orders
to the model, concealment from the user or lies to them ("tell them it went
through"), requests for secrets or sensitive files, data routed into a
parameter or to an outside address, coercion ("the tool will not work
otherwise"), standing orders that outlive the call ("from now on"),
instruction tags, references to other tools.

Each category has a weight; a text's score is the noisy-OR of the strongest
signal of each category. :func:`gate` says when signals are enough: two
*strong* categories and a score of at least 0.55, or an instruction override on
its own. Patterns run on :class:`~hawkeye_analyse_rules.text.Clean` text (lower
case, hidden characters removed, look-alikes folded), and every signal keeps
the span of the original text it matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from attrs import frozen

from hawkeye_analyse_rules.patterns import EXFIL_PARAM, NEEDS, PARAM_HARVEST, PATTERNS
from hawkeye_analyse_rules.text import Clean

__all__ = ["STRONG", "WEIGHTS", "Signal", "find_signals", "gate", "score"]

#: Weight of each category (the chance, roughly, that it alone means poisoning).
WEIGHTS: dict[str, float] = {
    "override": 0.6,
    "exfil_param": 0.5,
    "sensitive_read": 0.45,
    "conceal": 0.45,
    "deceive": 0.4,
    "exfil_dest": 0.4,
    "redirect": 0.4,
    "secret_request": 0.35,
    "conversation": 0.35,
    "tag": 0.3,
    "exec_payload": 0.4,
    "cross_tool": 0.3,
    "persist": 0.3,
    "coerce": 0.25,
    "sensitive_mention": 0.25,
    "directive": 0.15,
    "model_address": 0.1,
}
#: Categories that count towards the two a finding needs.
STRONG = frozenset(WEIGHTS) - {"directive", "model_address"}
#: Categories that are enough on their own.
DECISIVE = frozenset({"override"})


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


def find_signals(
    text: str, params: Iterable[str] = (), *, parameter: bool = False, clean: Clean | None = None
) -> list[Signal]:
    """The strongest signal of each category in ``text``.

    ``params`` are the parameter names a data-routing instruction may name;
    ``parameter`` says the text is itself a parameter's description, where
    asking for file contents or secrets counts as routing data into it.
    """
    clean = clean or Clean(text)
    s = clean.s
    found: list[Signal] = []
    for category, pattern in _COMBINED:
        needs = NEEDS.get(category)
        if needs is not None and not any(map(s.__contains__, needs)):
            continue
        match = pattern.search(s)
        if match is not None:
            start, end = clean.span(match.start(), match.end())
            detail = match.groupdict().get("dest") or ""
            found.append(Signal(category, WEIGHTS[category], start, end, detail))
    names = {p.lower() for p in params}
    if names:
        for match in EXFIL_PARAM.finditer(s):
            if match.group("param") in names:
                start, end = clean.span(match.start(), match.end())
                found.append(
                    Signal("exfil_param", WEIGHTS["exfil_param"], start, end, match.group("param"))
                )
                break
    if parameter and not any(sig.category == "exfil_param" for sig in found):
        match = PARAM_HARVEST.search(s)
        if match is not None:
            start, end = clean.span(match.start(), match.end())
            found.append(Signal("exfil_param", WEIGHTS["exfil_param"] - 0.05, start, end))
    if any(sig.category == "sensitive_read" for sig in found):
        found = [sig for sig in found if sig.category != "sensitive_mention"]
    return found


#: Categories that say the same thing (asking for secrets) and count as one for the gate.
_SAME_SIGNAL = {
    "sensitive_read": "secrets",
    "secret_request": "secrets",
    "sensitive_mention": "secrets",
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


def gate(signals: Iterable[Signal]) -> bool:
    """True when the signals are enough to call the text poisoned.

    Asking for a sensitive file and asking for secrets are one kind of signal:
    "Reads secrets from the keychain" says it once, not twice.
    """
    signals = list(signals)
    categories = {sig.category for sig in signals}
    if categories & DECISIVE:
        return True
    strong = {_group(c) for c in categories & STRONG}
    return len(strong) >= 2 and score(signals) >= 0.55
