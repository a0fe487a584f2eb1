"""Escaping for the HTML report: every string goes through :func:`esc` on its way in.

What a scanned server sent is hostile: it may hold markup, script, bidi
overrides that reorder what the reader sees, or invisible characters (Unicode
tags, zero-width and variation selectors) that hide instructions. ``esc``
masks secrets, cuts text to a length, shows every invisible or control
character as a visible escape, and HTML-escapes the rest.
"""

from __future__ import annotations

import html
import unicodedata

from hawkeye_core import redact

__all__ = ["esc", "is_hidden", "shown"]

_TAG_BASE, _TAG_LAST = 0xE0000, 0xE007F
#: Letters and marks that render as nothing (fillers, joiners, variation selectors).
_INVISIBLE = frozenset({0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0})


def is_hidden(char: str) -> bool:
    """True for a character a reader would not see as itself (newline and tab excepted)."""
    if char in "\n\t":
        return False
    code = ord(char)
    category = unicodedata.category(char)
    return (
        category[0] == "C"  # controls, format (bidi, zero-width, tags), surrogates, private use
        or category in ("Zl", "Zp")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or code in _INVISIBLE
    )


def shown(char: str) -> str:
    """A hidden character as an escape a reader can see: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _tag_text(run: str) -> str:
    """A run of Unicode tag characters, decoded: the ASCII text they smuggle."""
    decoded = "".join(
        chr(ord(c) - _TAG_BASE) if 0x20 <= ord(c) - _TAG_BASE <= 0x7E else shown(c) for c in run
    )
    return f"[hidden Unicode tag text: {decoded}]"


def esc(value: object, limit: int | None = 2000) -> str:
    """``value`` as HTML text: secrets masked, cut to ``limit`` characters, hidden ones shown.

    A run of Unicode tag characters (invisible ASCII look-alikes used to smuggle
    instructions to a model) is shown decoded, as the text it hides. The result
    is safe in element content and in a quoted attribute value.
    """
    text = redact("" if value is None else str(value))
    cut = 0
    if limit is not None and len(text) > limit:
        cut = len(text) - limit
        text = text[:limit]
    out: list[str] = []
    start = index = 0
    while index < len(text):
        char = text[index]
        if not is_hidden(char):
            index += 1
            continue
        out.append(html.escape(text[start:index], quote=True))
        if _TAG_BASE <= ord(char) <= _TAG_LAST:
            end = index
            while end < len(text) and _TAG_BASE <= ord(text[end]) <= _TAG_LAST:
                end += 1
            seen = _tag_text(text[index:end])
        else:
            end, seen = index + 1, shown(char)
        out.append(f'<span class="hidden-char">{html.escape(seen, quote=True)}</span>')
        start = index = end
    out.append(html.escape(text[start:], quote=True))
    if cut:
        out.append(f'<span class="cut">… ({cut:,} more characters in the JSON report)</span>')
    return "".join(out)
