"""Colour for the terminal: only on a TTY, never with ``NO_COLOR`` or ``TERM=dumb``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from hawkeye_core import Severity

__all__ = ["Painter", "is_terminal", "wants_colour"]

_COLOURS = {
    Severity.CRITICAL: "\033[1;31m",
    Severity.HIGH: "\033[31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
_BOLD = "\033[1m"
_RESET = "\033[0m"


def is_terminal(stream: TextIO) -> bool:
    """True if ``stream`` is an interactive terminal (not a file, pipe or ``TERM=dumb``)."""
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
    return tty and os.environ.get("TERM") != "dumb"


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set to anything (no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    return is_terminal(stream)


class Painter:
    """Wraps text in ANSI colours, or leaves it alone when colour is off."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def severity(self, severity: Severity, text: str) -> str:
        """``text`` in the colour of ``severity``."""
        return f"{_COLOURS[severity]}{text}{_RESET}" if self.colour else text

    def bold(self, text: str) -> str:
        """``text`` in bold."""
        return f"{_BOLD}{text}{_RESET}" if self.colour else text
