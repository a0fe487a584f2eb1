"""Where the store lives by default: the user's data folder, per platform."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DB_NAME", "default_db_path"]

#: The store's file name inside the data folder.
DB_NAME = "hawkeye.db"


def default_db_path(
    *,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """The default store: ``<user data dir>/hawkeye/hawkeye.db``.

    Linux and other Unixes: ``$XDG_DATA_HOME`` (when absolute), else
    ``~/.local/share``. macOS: ``~/Library/Application Support``. Windows:
    ``%LOCALAPPDATA%``, else ``~/AppData/Local``. The arguments exist for tests.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if platform == "win32":
        local = environ.get("LOCALAPPDATA", "")
        base = Path(local) if local else home / "AppData" / "Local"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = environ.get("XDG_DATA_HOME", "")
        # The XDG spec says a relative path is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
    return base / "hawkeye" / DB_NAME
