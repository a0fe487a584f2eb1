"""Learned judges: linear models over an item's words and what the rules found in it.

The rules recognise the attacks they were written from, not the next
writer's: on batches written blind by someone who never saw them, their
poisoning recall stayed between 0.2 and 0.6, however wide each tuning pass
made their vocabulary. A model of the wording generalises further, and a
model that weighs the rules' evidence with the words further still: each
model here is a logistic regression over the words, word pairs, stems and
(for other scripts) character trigrams of all of an item's texts, plus the
rules' reading of the item (:func:`with_rules`):

- **poisoning** and **shadowing** read the strongest weight of each signal
  category (``r:<category>``); the poisoning score decides HE-TP findings
  from :data:`~hawkeye_analyse_rules.signals.LEARNED_FINDING` (0.4), the
  shadowing score HE-SH-001 from
  :data:`~hawkeye_analyse_rules.signals.LEARNED_STEER` (0.4);
- **capability-exec**, **-file-write**, **-egress** and **-credentials** read
  whether the capability rules see the capability and the words of the tool's
  name;
- **annotations** reads the tool's annotation hints, which annotation rules
  fire, the capabilities the rules see and the name.

Trained with one batch left out at a time (27 batches, each written by
another author than the ones the model learnt from): poisoning P 0.945 /
R 0.849 at 0.4, shadowing 0.948 / 0.830, command execution 0.976 / 0.774,
file writes 0.937 / 0.705, credentials 0.895 / 0.739, annotations 0.879 /
0.823 at 0.5 (``python -m hawkeye_analyse_rules.learned_train --cv``). Texts
with little to read are scaled down (as if they had 80 features), so few
words weigh less; a short sentence of loaded words ("whenever you reply, you
...") can still score high, which is why HE-TP-007 says it is a model's
judgement and can be suppressed.

The weights are data (``learned_*.json``), made by
:mod:`~hawkeye_analyse_rules.learned_train` from the labelled corpus in
``tests/data/corpus``, and reproducible from it. Nothing is fetched and
nothing is random at run time. The evidence of a learned finding is the
sentence whose words weigh most towards the verdict, so a person can see why.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from attrs import frozen

from hawkeye_analyse_rules.surface import Surface, lowered
from hawkeye_analyse_rules.text import Clean

__all__ = [
    "CAPABILITY_FAMILIES",
    "FAMILIES",
    "RULE_SCALE",
    "TOOL_FAMILIES",
    "LearnedModel",
    "Owners",
    "features",
    "known_features",
    "load_model",
    "model_path",
    "text_features",
    "tokens",
    "with_rules",
]

#: The capability families a model is trained for (on tools only, see learned_train).
CAPABILITY_FAMILIES = (
    "capability-exec",
    "capability-file-write",
    "capability-egress",
    "capability-credentials",
)
#: Families judged per tool from the rules' reading of the tool (see learned_train): what a
#: tool can do, and annotations that contradict it (tools with annotation hints only).
TOOL_FAMILIES = (*CAPABILITY_FAMILIES, "annotations")
#: The families a model is trained for: poisoning, shadowing (steering other tools), and
#: the tool families.
FAMILIES = ("poisoning", "shadowing", *TOOL_FAMILIES)
#: Characters of an owner's texts the model reads (bounds the work on a hostile server).
MAX_CHARS = 20_000
#: A rule signal's feature is its weight times this, beside the text's unit-length features.
#: Chosen with one batch left out at a time (0.2, 0.3 and 0.5 tried; 0.3 best on batches 19-22).
RULE_SCALE = 0.3

_TOKEN = re.compile(r"[a-z][a-z0-9_']*|~/|https?://|@|`|\$|[^\x00-\x7f\s]+")
_QUOTE = re.compile(r"[`'\"]")
_SENTENCE = re.compile(r"[.!?;](?=\s|$)|\n|[\u3002\u0964\uff01\uff1f]")


def tokens(text: str) -> list[str]:
    """The tokens of a :class:`Clean` text: ASCII words and marks, runs of other letters."""
    return _TOKEN.findall(text)


def _add_tokens(into: dict[str, float], toks: Sequence[str]) -> None:
    for token in toks:
        if token.isascii():
            into["w:" + token] = 1.0
            if len(token) > 5:  # a stem: "exfiltrates", "exfiltrating" share "exfi"
                into["p:" + token[:4]] = 1.0
        else:
            for i in range(max(1, len(token) - 2)):
                into["c:" + token[i : i + 3]] = 1.0
    for first, second in itertools.pairwise(toks):
        if first.isascii() and second.isascii():
            into["b:" + first + " " + second] = 1.0


def features(
    owner: Sequence[Surface], rules: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The model's features of one tool, prompt, resource or ``instructions`` (all its texts).

    Binary presence of words, word pairs and character trigrams of non-ASCII
    runs; a parameter of the owner named in quotes; text mixing ASCII with
    another script; which kinds of field hold text. Scaled to unit length, or
    less when there are fewer than 80 features. ``rules`` are what the rules
    found in the owner (the strongest weight of each signal category, or 1.0
    for a capability the rules see): see :func:`with_rules`.
    """
    return with_rules(text_features(owner), rules)


def with_rules(text: Mapping[str, float], rules: Mapping[str, float] | None) -> dict[str, float]:
    """``text`` features and one more, ``r:<name>``, of :data:`RULE_SCALE` times each rule's weight.

    So the model weighs the rules' evidence together with the words.
    """
    out = dict(text)
    for category, weight in (rules or {}).items():
        out["r:" + category] = RULE_SCALE * weight
    return out


def text_features(owner: Sequence[Surface]) -> dict[str, float]:
    """The features of an owner's words alone (see :func:`features`)."""
    found: dict[str, float] = {}
    param_sets: dict[frozenset[str], None] = {}  # a tool's surfaces share one parameter set
    texts: list[str] = []
    budget = MAX_CHARS
    for surface in owner:
        if budget <= 0:
            break
        raw = surface.text[:budget]
        budget -= len(raw)  # raw characters: folding may shrink or grow the text
        texts.append(Clean(raw).s)
        param_sets[surface.params] = None
        found["field:" + surface.field.split(".")[0]] = 1.0
    joined = " ".join(texts)
    params = frozenset().union(*map(lowered, param_sets))
    _add_tokens(found, tokens(joined))
    if _quotes_own_param(joined, params):
        found["x:quoted_own_param"] = 1.0
    if not joined.isascii() and sum(c.isascii() for c in joined) > 0.5 * len(joined):
        found["x:mixed_script"] = 1.0
    norm = math.sqrt(max(80.0, sum(v * v for v in found.values())))
    return {key: value / norm for key, value in found.items()}


class Owners:
    """An inventory's surfaces grouped by owner (kind, name), each owner's words read once.

    ``keep``: the only features worth keeping (those some model weighs, see
    :func:`known_features`); the others change no score, and a hostile server
    with thousands of long texts would otherwise hold all their word pairs.
    """

    def __init__(self, listed: Iterable[Surface], keep: frozenset[str] | None = None) -> None:
        self.surfaces: dict[tuple[str, str], list[Surface]] = {}
        for surface in listed:
            self.surfaces.setdefault((surface.kind, surface.owner), []).append(surface)
        self._text: dict[tuple[str, str], dict[str, float]] = {}
        self._keep = keep

    def text_features(self, key: tuple[str, str]) -> dict[str, float]:
        """The words' features of the owner ``key`` (empty for an owner without text)."""
        found = self._text.get(key)
        if found is None:
            found = text_features(self.surfaces.get(key, ()))
            if self._keep is not None:
                found = {k: v for k, v in found.items() if k in self._keep}
            self._text[key] = found
        return found


def _quotes_own_param(text: str, params: Iterable[str]) -> bool:
    """True when a parameter of three or more characters stands between quotes in ``text``.

    The pieces between consecutive quote marks are read once, so a hostile
    schema's thousands of parameters cost a set lookup each, not a scan of the
    text each. A name holding a quote mark cannot be quoted unambiguously and
    does not count.
    """
    quoted = set(_QUOTE.split(text)[1:-1])
    return any(len(p) >= 3 and p in quoted for p in params)


@frozen
class LearnedModel:
    """Weights by feature and a bias: ``probability`` is the logistic of their dot product."""

    weights: Mapping[str, float]
    bias: float
    about: str = ""

    def probability(self, found: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights.get(key, 0.0) * value for key, value in found.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def judge(self, owner: Sequence[Surface], rules: Mapping[str, float] | None = None) -> float:
        """The probability that ``owner``'s texts are poisoned (``rules``: see :func:`features`)."""
        return self.probability(features(owner, rules))

    def weightiest(self, owner: Sequence[Surface]) -> tuple[Surface, int, int] | None:
        """The sentence of ``owner``'s texts whose words weigh most towards poisoning.

        ``(surface, start, end)`` with the span in the surface's original text.
        """
        best: tuple[float, Surface, int, int] | None = None
        for surface in owner:
            clean = Clean(surface.text[:MAX_CHARS])
            for start, end in _sentences(clean.s):
                part: dict[str, float] = {}
                _add_tokens(part, tokens(clean.s[start:end]))
                weight = sum(self.weights.get(key, 0.0) for key in part)
                if best is None or weight > best[0]:
                    a, b = clean.span(start, end)
                    best = (weight, surface, a, b)
        return None if best is None else best[1:]

    def to_json(self) -> str:
        document = {"about": self.about, "bias": self.bias, "weights": dict(self.weights)}
        return json.dumps(document, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def _sentences(s: str) -> Iterable[tuple[int, int]]:
    start = 0
    for match in _SENTENCE.finditer(s):
        if match.start() > start:
            yield start, match.end()
        start = match.end()
    if start < len(s):
        yield start, len(s)


def model_path(family: str) -> Path:
    """Where the shipped model of ``family`` is."""
    if family not in FAMILIES:
        raise ValueError(f"no learned model for {family!r}")
    return Path(__file__).with_name(f"learned_{family.replace('-', '_')}.json")


@functools.cache
def known_features() -> frozenset[str]:
    """Every feature some shipped model weighs."""
    return frozenset(key for family in FAMILIES for key in load_model(family).weights)


@functools.cache
def load_model(family: str = "poisoning") -> LearnedModel:
    """The shipped model of ``family`` (read once)."""
    document = json.loads(model_path(family).read_text(encoding="utf-8"))
    weights = {str(k): float(v) for k, v in document["weights"].items()}
    return LearnedModel(weights=weights, bias=float(document["bias"]), about=document["about"])
