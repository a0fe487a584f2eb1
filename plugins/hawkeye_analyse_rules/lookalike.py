"""Tool names spelt with look-alike ASCII letters: ``read_fiIe``, ``filing_subrnit``, ``payro11``.

A Cyrillic letter in a name is caught as a character outside the
specification's rules (HE-NAME-001) and as mixed scripts (HE-HID-004). The
same trick in plain ASCII passes both: a capital I or a digit 1 for an l, a
0 for an o, "rn" for an m, an l for an i. What gives it away is the server's
own vocabulary: the description of ``read_fiIe`` says "file", never "fiIe".
A word of a tool's name is a look-alike when the server never uses it
(in its descriptions, schemas, instructions, prompts, resources or other tool
names) while one look-alike swap turns it into a word the server does use.

Words shorter than four letters, numbers and camelCase words with capitals
other than I are not judged. A word counts as used when it, or a longer word
it begins, or it without a plural or tense ending, is in the vocabulary.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable

from hawkeye_analyse_rules.surface import Surface

__all__ = ["Vocabulary", "lookalike_word"]

#: Look-alike swaps: what an attacker writes, and the letters it stands for.
SWAPS = (
    ("I", "l"),
    ("1", "l"),
    ("1", "i"),
    ("0", "o"),
    ("rn", "m"),
    ("l", "i"),
    ("vv", "w"),
    ("cl", "d"),
    ("5", "s"),
)
_NAME_WORD = re.compile(r"[A-Za-z0-9]+")
_TEXT_WORD = re.compile(r"[a-z]{3,}")
_OTHER_CAPITAL = re.compile(r"[A-HJ-Z]")
_ENDINGS = ("s", "es", "ed", "ing")
#: Characters of each text, and words of a name, read (bounds the work on a hostile server).
_MAX_TEXT = 20_000
_MAX_WORD = 64


class Vocabulary:
    """The words a server uses, with its tool names' words counted apart."""

    def __init__(self, listed: Iterable[Surface], names: Iterable[str]) -> None:
        words: set[str] = set()
        for surface in listed:
            words.update(_TEXT_WORD.findall(surface.text[:_MAX_TEXT].lower()))
            words.update(p.lower() for p in surface.params)
        self._names: Counter[str] = Counter()
        for name in names:
            self._names.update({w.lower() for w in _NAME_WORD.findall(name[:128])})
        self._sorted = sorted(words)
        self._words = words

    def known(self, word: str, own: Counter[str]) -> bool:
        """True when the server uses ``word`` (in a text, or in a name other than ``own``'s)."""
        if self._names[word] > own[word]:
            return True
        if word in self._words:
            return True
        if len(word) >= 4:  # "submit" in "submits"
            at = bisect.bisect_left(self._sorted, word)
            if at < len(self._sorted) and self._sorted[at].startswith(word):
                return True
        return any(
            word.endswith(end) and len(word) - len(end) >= 4 and word[: -len(end)] in self._words
            for end in _ENDINGS
        )


def _swapped(word: str) -> set[str]:
    """``word`` with one look-alike swap made, or every instance of one, lower case."""
    out: set[str] = set()
    for fake, real in SWAPS:
        at = word.find(fake)
        while at >= 0:
            out.add(word[:at] + real + word[at + len(fake) :])
            at = word.find(fake, at + 1)
        if fake in word:
            out.add(word.replace(fake, real))
    return {w.lower() for w in out}


def lookalike_word(name: str, vocabulary: Vocabulary) -> tuple[str, str] | None:
    """``(the word as written, the word it imitates)`` for the first look-alike word of ``name``."""
    own = Counter({w.lower() for w in _NAME_WORD.findall(name[:128])})
    for match in _NAME_WORD.finditer(name[:128]):
        word = match.group(0)
        lower = word.lower()
        if not 4 <= len(word) <= _MAX_WORD or lower.isdigit() or _OTHER_CAPITAL.search(word):
            continue
        if vocabulary.known(lower, own):
            continue
        for real in sorted(_swapped(word)):
            if real != lower and len(real) >= 4 and vocabulary.known(real, own):
                return word, real
    return None
