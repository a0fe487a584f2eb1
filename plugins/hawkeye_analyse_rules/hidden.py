"""Hidden content: text a person does not see but a model reads.

Unicode tag characters (decoded and shown), zero-width and bidi controls,
terminal escapes, padding that pushes text out of view, look-alike letters in
tool names and words, base64/hex blobs, zero-width bit strings, reversed text
and HTML/Markdown comments that carry instructions. Encoded payloads and
comments are judged by the same signals as descriptions: one is reported when
what it says is an order, not merely because it exists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

from hawkeye_analyse_rules.payloads import hidden_payloads
from hawkeye_analyse_rules.rules import make_finding
from hawkeye_analyse_rules.signals import STRONG, Signal, find_signals, rules_agree
from hawkeye_analyse_rules.surface import Surface, location_of, surfaces
from hawkeye_analyse_rules.text import (
    BIDI_CONTROLS,
    LATIN_WORDS,
    PADDING,
    ZERO_WIDTH,
    comments,
    excerpt,
    reveal,
    skeleton,
    tag_runs,
)
from hawkeye_core import Finding, Location, ServerInventory, Severity

__all__ = ["hidden_findings"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WORD = re.compile(r"\w{3,}")
_NAME_OK = re.compile(r"[a-z0-9_.-]+")
_ZWJ = 0x200D


def _is_pictograph(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") or 0x1F000 <= ord(char) <= 0x1FAFF


def _zero_width_positions(text: str) -> list[int]:
    """Positions of zero-width and selector characters that are not part of an emoji."""
    positions = []
    for index, char in enumerate(text):
        code = ord(char)
        if code == 0xFEFF and index == 0:
            continue  # a byte-order mark at the start
        if 0xFE00 <= code <= 0xFE0F:
            if index > 0 and _is_pictograph(text[index - 1]):
                continue  # emoji presentation selector
            positions.append(index)
        elif 0xE0100 <= code <= 0xE01EF:
            positions.append(index)
        elif code in ZERO_WIDTH:
            if code in _JOINERS and 0 < index < len(text) - 1 and _joins_script(text, index):
                continue  # Persian, Urdu, Indic and other scripts spell words with joiners
            if code == _ZWJ and 0 < index < len(text) - 1:
                before, after = text[index - 1], text[index + 1]
                if _is_pictograph(after) and (_is_pictograph(before) or ord(before) in (0xFE0F,)):
                    continue  # emoji sequence
            positions.append(index)
    return positions


_JOINERS = (0x200C, 0x200D)
#: Scripts whose spelling uses zero-width (non-)joiners between letters.
_JOINING_SCRIPTS = (
    "ARABIC",
    "DEVANAGARI",
    "BENGALI",
    "GURMUKHI",
    "GUJARATI",
    "ORIYA",
    "TAMIL",
    "TELUGU",
    "KANNADA",
    "MALAYALAM",
    "SINHALA",
    "SYRIAC",
    "NKO",
    "MONGOLIAN",
    "KHMER",
    "MYANMAR",
)


def _joins_script(text: str, index: int) -> bool:
    """True when the joiner at ``index`` sits between letters or marks of a joining script."""
    before, after = text[index - 1], text[index + 1]
    return all(
        unicodedata.category(c)[0] in "LM" and unicodedata.name(c, "").startswith(_JOINING_SCRIPTS)
        for c in (before, after)
    )


def _mixed_script(word: str) -> bool:
    latin = other = False
    for char in word:
        if "a" <= char.lower() <= "z":
            latin = True
        elif char.isalpha():
            name = unicodedata.name(char, "")
            if name.startswith(("CYRILLIC", "GREEK", "ARMENIAN")):
                other = True
    return latin and other


def _surface_findings(inventory: ServerInventory, surface: Surface) -> Iterator[Finding]:
    text = surface.text
    where = location_of(inventory, surface)
    field = surface.field
    if not text.isascii():
        runs = list(tag_runs(text))
        if runs:
            decoded = "".join(run[2] for run in runs)
            letters = sum(c.isalpha() for c in decoded)
            yield make_finding(
                "HE-HID-001",
                evidence=f"{field}: {excerpt(text, runs[0][0], runs[0][1])}",
                location=where,
                confidence=0.97 if letters >= 3 else 0.8,
                severity=Severity.CRITICAL if letters >= 3 else Severity.HIGH,
            )
        hidden = _zero_width_positions(text)
        if hidden:
            splits = sum(
                1
                for i in hidden
                if 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
            )
            yield make_finding(
                "HE-HID-002",
                evidence=f"{field}: {len(hidden)} invisible character(s): "
                + excerpt(text, hidden[0], hidden[0] + 1, limit=120),
                location=where,
                confidence=0.9 if splits else 0.7,
                severity=Severity.HIGH if splits >= 2 else None,
            )
        bidi = [i for i, c in enumerate(text) if ord(c) in BIDI_CONTROLS]
        if bidi:
            yield make_finding(
                "HE-HID-003",
                evidence=f"{field}: {excerpt(text, bidi[0], bidi[0] + 1, limit=120)}",
                location=where,
                confidence=0.9,
            )
        mixed = [
            m
            for m in _WORD.finditer(text)
            if not m.group(0).isascii() and _mixed_script(m.group(0))
        ]
        if mixed:
            first = mixed[0]
            yield make_finding(
                "HE-HID-004",
                title="Words mixing look-alike letters from other scripts",
                evidence=f"{field}: {excerpt(text, first.start(), first.end(), limit=120)} "
                f"(reads as {skeleton(first.group(0))!r})",
                location=where,
                confidence=0.8,
                severity=Severity.MEDIUM,
            )
    control = _CONTROL.search(text)
    if control is not None:
        escape = "\x1b" in text or "\x9b" in text
        yield make_finding(
            "HE-HID-007",
            evidence=f"{field}: {excerpt(text, control.start(), control.end(), limit=120)}",
            location=where,
            confidence=0.95 if escape else 0.75,
            severity=None if escape else Severity.MEDIUM,
        )
    padding = PADDING.search(text)
    if padding is not None:
        yield make_finding(
            "HE-HID-008",
            evidence=f"{field}: {len(padding.group(1))} filler characters, then: "
            + excerpt(text, padding.end(1), min(len(text), padding.end(1) + 80), limit=120),
            location=where,
            confidence=0.75,
        )
    for start, end, body in comments(text):
        found = find_signals(body, surface.params)
        if _says_something(body, found):
            yield make_finding(
                "HE-HID-006",
                evidence=f"{field}: {excerpt(text, start, end)}",
                location=where,
                confidence=0.9 if rules_agree(found) else 0.75,
            )
    for start, end, decoded, _ in hidden_payloads(text):
        found = find_signals(decoded, surface.params)
        if _says_something(decoded, found):
            shown = reveal(decoded)[:160]
            yield make_finding(
                "HE-HID-005",
                evidence=f'{field}: {excerpt(text, start, end, limit=80)} decodes to "{shown}"',
                location=where,
                confidence=0.95 if rules_agree(found) else 0.8,
            )


def _name_findings(inventory: ServerInventory) -> Iterator[Finding]:
    server = inventory.ref.label
    for tool in inventory.tools:
        name = tool.name
        if name.isascii():
            continue
        where = Location(server=server, tool=name)
        look = skeleton(name)
        if look.isascii() and _NAME_OK.fullmatch(look) and look != name.lower():
            yield make_finding(
                "HE-HID-004",
                evidence=f"tool name {name!a} looks like {look!r}",
                location=where,
                confidence=0.95,
            )
        hidden = _zero_width_positions(name)
        if hidden:
            yield make_finding(
                "HE-HID-002",
                evidence=f"tool name {reveal(name)!a}",
                location=where,
                confidence=0.9,
                severity=Severity.HIGH,
            )


#: Words that say who hidden text is meant for: the model, not the person reading.
_FOR_THE_MODEL = re.compile(
    r"\b(?:assistant|ai|llm|model|agent|claude|gpt|copilot|chatbot|you|your)\b", re.I
)


def _says_something(body: str, found: list[Signal]) -> bool:
    """True when hidden text gives an order: a strong signal, two signals, or words to the model.

    Text hidden from people and addressed to the model ("assistant-only: ...",
    "Reviewer instruction: when you report ...") or a whole sentence of it is an
    instruction whatever its wording or language; a comment of the source's own
    ("pagination comes later", "toc") is not.
    """
    if {s.category for s in found} & STRONG or len(found) >= 2:
        return True
    words = len(LATIN_WORDS.findall(body))
    # sentences hidden in a tool's text are there for the model: no real server's comment
    # in the corpus holds more than two words ("code", "tracking pixel")
    return words >= 8 or (words >= 5 and _FOR_THE_MODEL.search(body) is not None)


def hidden_findings(
    inventory: ServerInventory, listed: Sequence[Surface] | None = None
) -> Iterator[Finding]:
    """HE-HID-* findings for every surface and tool name of ``inventory``.

    ``listed`` are the inventory's surfaces when the caller has them already.
    """
    yield from _name_findings(inventory)
    for surface in surfaces(inventory) if listed is None else listed:
        yield from _surface_findings(inventory, surface)
