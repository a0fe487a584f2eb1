"""Readable, bounded unified diffs of two definitions (a tool before and after)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from hawkeye_core.text import terminal_safe

__all__ = ["readable_diff", "readable_lines"]

_WIDTH = 88


def _visible(text: str) -> str:
    # Hidden characters (zero-width, bidi, Unicode tags) are the stuff of
    # poisoned descriptions: show them as escapes so the change is visible.
    return terminal_safe(text, limit=len(text) * 12 + 16)


def _wrap(line: str) -> list[str]:
    """Cut a long line near ``_WIDTH``, at a space when there is one; nothing is lost."""
    out: list[str] = []
    while len(line) > _WIDTH:
        cut = line.rfind(" ", _WIDTH // 2, _WIDTH)
        cut = _WIDTH if cut < 0 else cut + 1
        out.append(line[:cut])
        line = line[cut:]
    out.append(line)
    return out


def readable_lines(definition: Mapping[str, Any] | None) -> list[str]:
    """One field after another: text as wrapped lines, anything else as indented JSON."""
    lines: list[str] = []
    for key in sorted(definition or {}):
        value = (definition or {})[key]
        if isinstance(value, str):
            text = [_visible(part) for part in value.split("\n")]
            if len(text) == 1 and len(key) + len(text[0]) < _WIDTH:
                lines.append(f"{key}: {text[0]}")
                continue
            lines.append(f"{key}:")
            lines.extend(f"  {chunk}" for part in text for chunk in _wrap(part))
            continue
        dumped = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).split("\n")
        dumped = [_visible(d) for d in dumped]
        if len(dumped) == 1:
            lines.append(f"{key}: {dumped[0]}")
        else:
            lines.append(f"{key}:")
            lines.extend(f"  {d}" for d in dumped)
    return lines


def readable_diff(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    labels: tuple[str, str] = ("approved", "current"),
    max_lines: int = 40,
    max_chars: int = 4000,
) -> str:
    """A unified diff of ``old`` and ``new`` as :func:`readable_lines`, cut to a bounded size.

    Everything a server sent may be hostile: control and format characters
    come out as escapes, and the diff is at most ``max_lines`` lines and
    ``max_chars`` characters, with a note of what was left out.
    """
    lines = list(
        difflib.unified_diff(
            readable_lines(old), readable_lines(new), labels[0], labels[1], n=2, lineterm=""
        )
    )
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... {len(lines) - max_lines} more diff lines"]
    text = "\n".join(lines)
    if len(text) > max_chars:
        text = text[: max_chars - 40].rstrip() + f"\n... cut at {max_chars} characters"
    return text
