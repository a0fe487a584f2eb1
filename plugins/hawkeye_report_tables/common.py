"""What the CSV and Markdown reports share: clean text, server labels, finding places."""

from __future__ import annotations

from hawkeye_core import (
    Finding,
    ServerInventory,
    ServerRef,
    redact,
    redact_command,
    terminal_safe,
)

__all__ = ["clean", "finding_place", "server_address", "server_label"]


def clean(value: object, limit: int) -> str:
    """``value`` as one line of text: secrets masked, control characters shown, cut to ``limit``.

    Newlines, ANSI escapes, bidi overrides and invisible characters become
    visible escapes (``\\n``, ``\\x1b``, ``\\u202e``), so a cell holds exactly
    what it shows.
    """
    return terminal_safe(redact("" if value is None else str(value)), limit)


def server_address(ref: ServerRef) -> str:
    """A server's URL, or its command line with secrets masked."""
    if ref.url:
        return ref.url
    return " ".join(redact_command(ref.command or ()))


def server_label(ref: ServerRef, inventory: ServerInventory | None) -> str:
    """A server's name: the config's, else what it says of itself, else its address."""
    if ref.name:
        return ref.name
    if inventory is not None and inventory.server_info is not None and inventory.server_info.name:
        return inventory.server_info.name
    return server_address(ref)


def finding_place(finding: Finding) -> str:
    """What inside the server a finding is about: ``tool NAME``, ``file PATH:LINE``, ..."""
    return ", ".join(f"{label} {value}" for label, value in finding.location.items())
