"""Needed substrings of a regex, and one scan that says which of many a text holds.

:func:`needed` reads a pattern's parse tree for substrings one of which every
match contains (a run of literals, or the words of an alternation);
``find_signals`` drops the alternatives of a category whose substrings a text
lacks, which changes no match. :class:`Literals` finds which of a set of
substrings a text holds in one regex scan: the longest one starting at each
position, and every shorter one that it begins with.
"""

from __future__ import annotations

import itertools
import re
import re._constants as sc  # the parser re.compile itself uses
import re._parser as sp
from collections.abc import Iterable
from typing import Any

__all__ = ["Literals", "needed"]

#: Most strings a run of exact items may expand to before it is cut.
CAP = 64
_REPEATS = tuple(
    op
    for op in (sc.MAX_REPEAT, sc.MIN_REPEAT, getattr(sc, "POSSESSIVE_REPEAT", None))
    if op is not None
)
_ZERO_WIDTH = (sc.AT, sc.ASSERT, sc.ASSERT_NOT)


def _minimal(strings: Iterable[str]) -> frozenset[str]:
    """``strings`` without those that contain another (which is then enough to need)."""
    out: set[str] = set()
    for s in sorted(set(strings), key=len):
        if not any(o in s for o in out):
            out.add(s)
    return frozenset(out)


def _exact_op(op: Any, av: Any) -> set[str] | None:
    """Every string one item can match, when they are few, else None."""
    if op is sc.LITERAL:
        return {chr(av)}
    if op is sc.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is sc.LITERAL:
                chars.add(chr(a))
            elif o is sc.RANGE and a[1] - a[0] < 10:
                chars.update(map(chr, range(a[0], a[1] + 1)))
            else:
                return None
        return chars if len(chars) <= 10 else None
    if op is sc.SUBPATTERN:
        return _exact(av[3])
    if op is sc.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            exact = _exact(alt)
            if exact is None:
                return None
            out |= exact
        return out if len(out) <= CAP else None
    if op in _REPEATS:
        lo, hi, item = av
        if hi > 3:
            return None
        exact = _exact(item)
        if exact is None:
            return None
        out = set()
        for n in range(lo, hi + 1):
            out |= {"".join(p) for p in itertools.product(exact, repeat=n)}
            if len(out) > CAP:
                return None
        return out
    if op in _ZERO_WIDTH:
        return {""}
    return None


def _exact(items: Any) -> set[str] | None:
    out = {""}
    for op, av in items:
        exact = _exact_op(op, av)
        if exact is None:
            return None
        out = {a + b for a in out for b in exact}
        if len(out) > CAP:
            return None
    return out


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two sets of needed substrings: longest shortest, then fewest."""
    if a is None or b is None:
        return a if b is None else b
    return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b


def _close(run: set[str]) -> frozenset[str] | None:
    return None if "" in run else _minimal(run)


def _lits(items: Any) -> frozenset[str] | None:
    """Substrings one of which every match of the sequence ``items`` contains, or None."""
    best: frozenset[str] | None = None
    run = {""}  # the strings the current run of exact items can match
    for op, av in items:
        exact = _exact_op(op, av)
        if exact is not None:
            longer = {a + b for a in run for b in exact}
            if len(longer) <= CAP:
                run = longer
                continue
            best = _better(best, _close(run))
            run = exact if len(exact) <= CAP else {""}
            continue
        best = _better(best, _close(run))
        run = {""}
        best = _better(best, _lits_op(op, av))
    return _better(best, _close(run))


def _lits_op(op: Any, av: Any) -> frozenset[str] | None:
    if op is sc.SUBPATTERN:
        return _lits(av[3])
    if op is sc.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            need = _lits(alt)
            if need is None:
                return None
            out |= need
        return _minimal(out)
    if op in _REPEATS and av[0] >= 1:
        return _lits(av[2])
    return None


def needed(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Substrings one of which every match of ``pattern`` contains, or None if unknown."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _lits(sp.parse(pattern.pattern, pattern.flags))


def _trie(words: Iterable[str]) -> str:
    """A regex matching the longest of ``words`` at a position (children before the end)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append("")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(root)


class Literals:
    """Which of a fixed set of substrings a text holds, from one scan of the text.

    Each match consumes one character (the first of a substring, so that the
    scan skips to candidates) and looks ahead for the longest substring that
    starts there; every substring the found one starts with is then present too.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if w)
        by_first: dict[str, set[str]] = {}
        for word in self.words:
            by_first.setdefault(word[0], set()).add(word[1:])
        self._scan = re.compile(
            "|".join(f"{re.escape(ch)}(?=({_trie(rest)}))" for ch, rest in sorted(by_first.items()))
        )
        self._prefixes = {
            word: frozenset(w for w in self.words if word.startswith(w)) for word in self.words
        }

    def present(self, s: str) -> set[str]:
        """The substrings of the set that ``s`` contains."""
        found = {m.group(0) + m.group(m.lastindex or 0) for m in self._scan.finditer(s)}
        out: set[str] = set()
        for word in found:
            out |= self._prefixes[word]
        return out
