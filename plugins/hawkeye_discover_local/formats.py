"""Reading AI-client config files: size-capped, tolerant of JSONC, never executed.

Clients write JSON with comments and trailing commas (VS Code, Zed, Continue),
TOML (Codex) and YAML (Continue, Goose). Every read is bounded: a file over the
size cap, a special file (a FIFO, a device) or a nesting bomb is refused with a
:class:`ConfigReadError` that names the file, and the caller turns it into one
warning.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_FILE_BYTES",
    "ConfigReadError",
    "format_of",
    "load_document",
    "parse_document",
    "read_text",
    "strip_jsonc",
]

#: Largest config file read, in bytes (``[plugin.discover_local] max_file_bytes``).
MAX_FILE_BYTES = 5 * 1024 * 1024

# A JSON string, or a comment (line or block) outside strings.
_COMMENT = re.compile(r'("(?:\\.|[^"\\\n])*")|//[^\n]*|/\*[\s\S]*?\*/')
# A JSON string, or a comma that only whitespace separates from a closing bracket.
_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\\n])*")|,(?=\s*[}\]])')


class ConfigReadError(Exception):
    """A config file that could not be read or parsed; the message names the file."""


def _blank(text: str) -> str:
    """``text`` with every character but newlines turned to spaces (keeps error positions)."""
    return re.sub(r"[^\n]", " ", text)


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas as strict JSON.

    Comments and trailing commas become spaces, so line and column numbers in a
    later parse error still point into the original file; strings (which may
    hold ``//`` in URLs) are left untouched.
    """
    text = _COMMENT.sub(lambda m: m.group(1) or _blank(m.group(0)), text)
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or " ", text)


def format_of(path: Path) -> str:
    """The format a file's name says it is in: ``toml``, ``yaml`` or ``json``."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json"


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """The text of a regular file, or None if it does not exist.

    Raises :class:`ConfigReadError` for a file over ``max_bytes``, anything that
    is not a regular file, an unreadable file or one that is not UTF-8.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigReadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigReadError(f"{path}: not a regular file; not read")
    if info.st_size > max_bytes:
        raise ConfigReadError(f"{path}: larger than {_size(max_bytes)}; not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigReadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):  # swapped since the stat
            raise ConfigReadError(f"{path}: not a regular file; not read")
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ConfigReadError(f"{path}: larger than {_size(max_bytes)}; not read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigReadError(f"{path}: not UTF-8 text; not read") from None


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def parse_document(text: str, fmt: str, path: Path) -> Any:
    """Parse ``text`` as ``fmt`` (``json`` tolerates JSONC); errors name ``path``."""
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        if fmt == "yaml":
            return _parse_yaml(text, path)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return json.loads(strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise ConfigReadError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigReadError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigReadError(f"{path}: nested too deeply; not read") from None


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        import yaml  # type: ignore[import-untyped]  # optional: never a dependency
    except ImportError:
        raise ConfigReadError(
            f"{path}: YAML, and PyYAML is not installed; its MCP servers are not listed "
            "(pip install pyyaml to read it)"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise ConfigReadError(f"{path}: invalid YAML: {detail[:300]}") from None


def load_document(path: Path, fmt: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read and parse one config file; None if it does not exist.

    Raises :class:`ConfigReadError` (naming the file) if it cannot be read or parsed.
    """
    text = read_text(path, max_bytes)
    if text is None:
        return None
    return parse_document(text, fmt or format_of(path), path)
