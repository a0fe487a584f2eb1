"""Tool names spelt with look-alike ASCII letters: ``read_fiIe``, ``filing_subrnit``, ``payro11``.

A Cyrillic letter in a name is caught as a character outside the
specification's rules (HE-NAME-001) and as mixed scripts (HE-HID-004). The
same trick in plain ASCII passes both: a capital I or a digit 1 for an l, a
0 for an o, "rn" for an m, an l for an i. What gives it away is the server's
own vocabulary: the description of ``read_fiIe`` says "file", never "fiIe".
A word of a tool's name is a look-alike when the server never uses it (in
its descriptions, schemas, instructions, prompts, resources or parameter
names; other tool names are no evidence, or "read_fiIe" beside "write_fiIe"
would vouch for each other) while one look-alike swap turns it into a word
the server does use.

Words shorter than four letters, numbers and camelCase words with capitals
other than I are not judged. A word counts as used when it, or a longer word
it begins, or it without a plural or tense ending, is in the vocabulary.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from hawkeye_analyse_rules.surface import Surface

__all__ = ["Vocabulary", "lookalike_word"]

#: Look-alike swaps: what an attacker writes, and the letters it stands for. A capital or a
#: digit inside a lower-case word stands out; a swap of lower-case letters ("rn" for "m",
#: "l" for "i") also turns real words into other real words ("modern"/"modem"), so it
#: counts only when the tool's own text uses the word it would imitate.
SWAPS = (
    ("I", "l"),
    ("1", "l"),
    ("1", "i"),
    ("0", "o"),
    ("rn", "m"),
    ("l", "i"),
)
_NAME_WORD = re.compile(r"[A-Za-z0-9]+")
_TEXT_WORD = re.compile(r"[a-z]{3,}")
_OTHER_CAPITAL = re.compile(r"[A-HJ-Z]")
_ENDINGS = ("s", "es", "ed", "ing")
#: Characters of each text, and words of a name, read (bounds the work on a hostile server).
_MAX_TEXT = 20_000
_MAX_WORD = 64


class Vocabulary:
    """The words a server's texts and parameter names use (tool names are not evidence)."""

    def __init__(self, listed: Iterable[Surface]) -> None:
        words: set[str] = set()
        seen_params: set[frozenset[str]] = set()
        for surface in listed:
            words.update(_TEXT_WORD.findall(surface.text[:_MAX_TEXT].lower()))
            if surface.params not in seen_params:  # a tool's parameters, once per tool
                seen_params.add(surface.params)
                words.update(p.lower() for p in surface.params)
        self._sorted = sorted(words)
        self._words = words

    def known(self, word: str) -> bool:
        """True when the server uses ``word`` (or a longer word it begins, or it with an ending)."""
        return _known(word, self._words, self._sorted)


def _known(word: str, words: set[str], ordered: list[str]) -> bool:
    if word in words:
        return True
    if len(word) >= 4:  # "submit" in "submits"
        at = bisect.bisect_left(ordered, word)
        if at < len(ordered) and ordered[at].startswith(word):
            return True
    return any(
        word.endswith(end) and len(word) - len(end) >= 4 and word[: -len(end)] in words
        for end in _ENDINGS
    )


def _swapped(word: str) -> Iterator[tuple[str, bool]]:
    """``word`` with one look-alike swap made (or every instance of one), lower case, and
    whether the swap was of lower-case letters only."""
    for fake, real in SWAPS:
        letters = fake.islower()
        at = word.find(fake)
        while at >= 0:
            yield (word[:at] + real + word[at + len(fake) :]).lower(), letters
            at = word.find(fake, at + 1)
        if fake in word:
            yield word.replace(fake, real).lower(), letters


def lookalike_word(
    name: str, vocabulary: Vocabulary, own: Iterable[Surface] = ()
) -> tuple[str, str] | None:
    """``(the word as written, the word it imitates)`` for the first look-alike word of ``name``.

    ``own`` are the tool's own surfaces: a swap of lower-case letters counts only
    when they use the imitated word.
    """
    own_words: list[tuple[set[str], list[str]]] = []  # read only when a lower-case swap asks
    for match in _NAME_WORD.finditer(name[:128]):
        word = match.group(0)
        lower = word.lower()
        if not 4 <= len(word) <= _MAX_WORD or lower.isdigit() or _OTHER_CAPITAL.search(word):
            continue
        if vocabulary.known(lower):
            continue
        for real, letters in sorted(set(_swapped(word))):
            if real == lower or len(real) < 4:
                continue
            if not letters:
                if vocabulary.known(real):
                    return word, real
                continue
            if not own_words:
                words = {w for s in own for w in _TEXT_WORD.findall(s.text[:_MAX_TEXT].lower())}
                own_words.append((words, sorted(words)))
            if _known(real, *own_words[0]):
                return word, real
    return None
