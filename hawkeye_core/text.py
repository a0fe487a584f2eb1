"""Make hostile text safe to show in a terminal."""

from __future__ import annotations

import unicodedata

__all__ = ["terminal_safe"]


def terminal_safe(text: str, limit: int = 200) -> str:
    """``text`` with control, format and bidi characters shown as escapes, cut to ``limit``.

    Everything a scanned server sends may try to move the cursor, recolour
    the screen or hide text behind bidi controls; here it is shown, not obeyed.
    """
    out: list[str] = []
    for char in text[: limit * 2]:
        category = unicodedata.category(char)
        if char in "\t" or not (category.startswith("C") or category in ("Zl", "Zp")):
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    joined = "".join(out)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
