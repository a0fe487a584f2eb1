"""Reading a model's answer: strict JSON, checked entry by entry against what was sent.

A model's answer is untrusted too: the server's texts may have talked the
model into answering anything, and models make things up. So an answer must
be the JSON object the prompt asks for, every entry must name an item that was
sent and a known category, and its evidence must be a quote that really is in
that item's texts. Entries that fail are dropped, each with a one-line reason;
an answer that is not JSON at all raises :class:`AnswerError`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from attrs import frozen

from hawkeye_analyse_llm.categories import CATEGORIES, Category
from hawkeye_analyse_llm.render import Batch, Item
from hawkeye_core import Severity, terminal_safe

__all__ = [
    "MAX_CONFIDENCE",
    "MAX_ENTRIES",
    "MIN_QUOTE",
    "AnswerError",
    "Judgement",
    "complete",
    "parse_answer",
]

MAX_ENTRIES = 50  # entries of one answer that are read
MAX_EVIDENCE = 300  # characters of a quote that are kept
MAX_REASON = 300  # characters of a reason that are kept
MIN_QUOTE = 8  # a shorter quote shows nothing (unless it is a whole text)
MAX_CONFIDENCE = 0.9  # a model's judgement is never as sure as a proof
_FENCE = "```"


class AnswerError(ValueError):
    """The answer cannot be read at all; the message is one line."""


@frozen(kw_only=True)
class Judgement:
    """One entry of an answer that passed every check."""

    item: Item
    category: Category
    severity: Severity
    confidence: float
    evidence: str
    reason: str


def _snippet(text: str) -> str:
    return terminal_safe(text.strip(), 60) or "an empty answer"


def _json_part(text: str) -> str:
    """Where the JSON of ``text`` starts: past a Markdown fence's opening line, or past a
    line of prose before it ("Here is the JSON:"). String operations: linear on any text."""
    text = text.strip()
    if not text.startswith(("{", "[")):
        fence = text.find(_FENCE)
        line = text.find("\n{")
        if fence >= 0 and (line < 0 or fence < line):
            text = text[fence:].partition("\n")[2]  # the opening line, with its language tag
        elif line >= 0:
            text = text[line + 1 :]
    return text.lstrip()


_DECODER = json.JSONDecoder()


def _decoded(text: str) -> Any:
    """The JSON value at the start of ``text``'s JSON part; what follows it (a closing fence,
    a sentence about it, the same object again) is not read. ``ValueError`` if there is
    none."""
    try:
        data, _ = _DECODER.raw_decode(_json_part(text))
    except RecursionError:  # nesting deeper than Python's stack
        raise ValueError("too deep") from None
    return data


def _findings_of(data: Any) -> list[Any] | None:
    if isinstance(data, dict) and isinstance(data.get("findings"), list):
        return list(data["findings"])
    if isinstance(data, list):
        return data
    return None


def complete(text: str) -> bool:
    """True once ``text``, an answer read so far, holds a whole answer (the JSON asked for);
    a model that cannot be told where to stop is stopped there."""
    try:
        return _findings_of(_decoded(text)) is not None
    except ValueError:
        return False


def _entries(text: str) -> list[Any]:
    # Many models wrap JSON in a Markdown fence or say a word before or after it, even
    # when told not to: the first JSON value of the answer is read, and only that.
    try:
        data = _decoded(text)
    except ValueError:
        raise AnswerError(f"the model's answer is not JSON: {_snippet(text)}") from None
    entries = _findings_of(data)
    if entries is None:
        raise AnswerError('the model\'s answer is JSON but not {"findings": [...]}')
    return entries


def _normal(text: str) -> tuple[str, list[int]]:
    """``text`` with runs of spaces made one, trimmed and casefolded, and for each of its
    characters the index in ``text`` it came from."""
    out: list[str] = []
    where: list[int] = []
    space = True  # at the start: leading spaces are dropped
    for index, char in enumerate(text):
        if char.isspace():
            if not space:
                out.append(" ")
                where.append(index)
                space = True
            continue
        space = False
        folded = char.casefold()
        out.append(folded)
        where.extend([index] * len(folded))
    normal = "".join(out)
    if normal.endswith(" "):
        normal = normal[:-1]
        where.pop()
    return normal, where


def _quoted(evidence: str, item: Item) -> str | None:
    """The span of one of ``item``'s texts that ``evidence`` quotes (spaces and case aside)."""
    quote, _ = _normal(evidence)
    if not quote:
        return None
    for text in (item.name, *item.texts.values()):
        normal, where = _normal(text)
        start = normal.find(quote)
        if start < 0 or (len(quote) < MIN_QUOTE and quote != normal):
            continue
        return text[where[start] : where[start + len(quote) - 1] + 1]
    return None


def _entry(entry: Any, batch: Batch) -> Judgement | str:
    """The judgement of one entry, or why it is dropped."""
    if not isinstance(entry, dict):
        return "not an object"
    kind, name = entry.get("kind"), entry.get("name", "")
    if not isinstance(kind, str) or not isinstance(name, str):
        return "no kind or name"
    item = batch.find(kind, name)
    if item is None:
        return f"names no item that was sent ({terminal_safe(kind, 20)} {terminal_safe(name, 60)})"
    category = CATEGORIES.get(str(entry.get("category", "")))
    if category is None:
        return f"unknown category {terminal_safe(str(entry.get('category')), 40)}"
    try:
        severity = Severity.parse(str(entry.get("severity", "")))
    except ValueError:
        return f"unknown severity {terminal_safe(str(entry.get('severity')), 20)}"
    confidence = entry.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return "no confidence"
    if not math.isfinite(confidence):
        return "no confidence"
    evidence = entry.get("evidence")
    span = _quoted(evidence, item) if isinstance(evidence, str) else None
    if span is None:
        return f"its evidence is not a quote of {kind} {terminal_safe(item.name, 60)}"
    reason = entry.get("reason")
    return Judgement(
        item=item,
        category=category,
        severity=severity,
        confidence=round(min(MAX_CONFIDENCE, max(0.05, float(confidence))), 2),
        evidence=span[:MAX_EVIDENCE],  # the server's own words, not the model's copy
        reason=" ".join(reason.split())[:MAX_REASON] if isinstance(reason, str) else "",
    )


def parse_answer(text: str, batch: Batch) -> tuple[list[Judgement], list[str]]:
    """The judgements of an answer about ``batch``, and a reason for each entry dropped.

    Raises :class:`AnswerError` when the answer is not the JSON asked for.
    """
    entries = _entries(text)
    kept: list[Judgement] = []
    dropped: list[str] = []
    for index, entry in enumerate(entries[:MAX_ENTRIES], 1):
        judgement = _entry(entry, batch)
        if isinstance(judgement, str):
            dropped.append(f"entry {index} {judgement}")
        else:
            kept.append(judgement)
    if len(entries) > MAX_ENTRIES:
        dropped.append(f"{len(entries) - MAX_ENTRIES} entries past the first {MAX_ENTRIES}")
    return kept, dropped
