"""The ``processes`` detector: running processes that are MCP servers, and their sockets.

A process looks like an MCP server when its command line launches something
named for MCP (``npx -y @modelcontextprotocol/server-filesystem``, ``uvx
mcp-server-fetch``, ``python -m mcp_server_x``, ``node .../mcp-server/index.js``,
``docker run ... mcp/github``), when its executable is named for MCP
(``github-mcp-server``), or when it is an SDK entry point (``mcp run``,
``fastmcp run``). Each becomes a stdio ServerRef (its redacted command line) and,
for each TCP socket it or its children listen on, an ``http`` ServerRef with
that address. A process is tied to the client config that launched it when its
command line matches a configured stdio command.

This HawkEye process and its children are skipped. Nothing is started or
signalled; a socket list the OS refuses to show is left out quietly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import psutil
from attrs import frozen

from hawkeye_core import CallContext, ServerRef, redact, redact_command
from hawkeye_discover_local.configs import iter_config_items, scope_from_settings
from hawkeye_discover_local.parse import ConfigEntry

__all__ = ["ProcessMatch", "discover_processes", "launched_by", "match_cmdline"]

log = logging.getLogger("hawkeye.discover")

MAX_ARGS = 256
MAX_ARG_CHARS = 4096

#: Programs that launch a server named in their arguments, and the subcommand some need.
LAUNCHERS: dict[str, frozenset[str] | None] = {
    "npx": None,
    "pnpx": None,
    "bunx": None,
    "uvx": None,
    "node": None,
    "nodejs": None,
    "tsx": None,
    "ts-node": None,
    "python": None,
    "pythonw": None,
    "py": None,
    "java": None,
    "npm": frozenset({"exec", "x"}),
    "pnpm": frozenset({"dlx", "exec"}),
    "yarn": frozenset({"dlx", "exec"}),
    "bun": frozenset({"x", "run"}),
    "uv": frozenset({"run", "tool"}),
    "pipx": frozenset({"run"}),
    "deno": frozenset({"run"}),
    "docker": frozenset({"run"}),
    "podman": frozenset({"run"}),
    "nerdctl": frozenset({"run"}),
}
#: Python modules that are tools, never servers (``python -m pytest -k mcp``).
# Python tools whose command lines may name MCP servers without being one;
# HawkEye itself among them (`hawkeye inspect "stdio:python mcp_server.py"`).
_NOT_SERVERS = frozenset(
    {"pytest", "pip", "venv", "unittest", "ensurepip", "pydoc", "mypy", "hawkeye", "hawkeye_core"}
)
_SDK_ENTRY_POINTS = frozenset({"mcp", "fastmcp"})
_SCRIPT_ALIASES = {"npx-cli.js": "npx", "npm-cli.js": "npm", "pnpm.cjs": "pnpm", "yarn.js": "yarn"}
#: Process names of AI clients, for the evidence of a server they started.
CLIENT_NAMES = frozenset(
    {
        "claude",
        "cursor",
        "code",
        "code-insiders",
        "codium",
        "windsurf",
        "zed",
        "goose",
        "codex",
        "gemini",
        "kiro",
        "opencode",
        "lm studio",
        "q",
    }
)
_NOT_TARGET_SUFFIXES = (
    ".json",
    ".jsonc",
    ".yaml",
    ".yml",
    ".toml",
    ".log",
    ".md",
    ".txt",
    ".lock",
    ".env",
)
_MCP_WORD = re.compile(r"(?<![a-z])mcp(?![a-z])|modelcontextprotocol|fastmcp|mcpserver")
_GENERIC_FILES = frozenset(
    {
        "index.js",
        "index.mjs",
        "index.cjs",
        "index.ts",
        "main.py",
        "server.py",
        "__main__.py",
        "main.js",
        "server.js",
        "cli.js",
        "app.py",
        "dist",
        "build",
        "src",
        "bin",
        "lib",
    }
)


@frozen(kw_only=True)
class ProcessMatch:
    """Why a command line looks like an MCP server, and which argument names it."""

    pattern: str
    target: str


def _base(token: str) -> str:
    name = re.split(r"[\\/]", token.rstrip("\\/"))[-1].lower()
    return re.sub(r"\.(exe|cmd|bat|ps1)$", "", name)


def _launcher(token: str) -> str | None:
    base = _base(token)
    base = _SCRIPT_ALIASES.get(base, base)
    base = re.sub(r"[\d.]+$", "", base) or base  # python3.11 -> python, node18 -> node
    return base if base in LAUNCHERS else None


def _mcp_named(token: str) -> bool:
    t = token.lower()
    if t.startswith("-") or "=" in t or t.endswith(_NOT_TARGET_SUFFIXES):
        return False
    return _MCP_WORD.search(t) is not None


def match_cmdline(argv: Sequence[str]) -> ProcessMatch | None:
    """Why ``argv`` looks like an MCP server, or None if it does not."""
    if not argv:
        return None
    argv = list(argv[:MAX_ARGS])
    exe = _base(argv[0])
    if exe in _SDK_ENTRY_POINTS and len(argv) > 1 and argv[1] in ("run", "dev"):
        target = argv[2] if len(argv) > 2 else exe
        return ProcessMatch(pattern=f"MCP SDK entry point '{exe} {argv[1]}'", target=target)
    for index, token in enumerate(argv[:3]):
        launcher = _launcher(token)
        if launcher is None:
            continue
        rest = argv[index + 1 :]
        positional = [a for a in rest if not a.startswith("-")]
        needs = LAUNCHERS[launcher]
        if needs is not None and (not positional or positional[0] not in needs):
            return None
        if launcher.startswith("py"):
            module = rest[rest.index("-m") + 1 : rest.index("-m") + 2] if "-m" in rest else []
            tool = module[0].split(".")[0] if module else _base(positional[0]) if positional else ""
            if tool.removesuffix(".py") in _NOT_SERVERS:
                return None
        for candidate in rest[:64]:
            if _mcp_named(candidate):
                return ProcessMatch(pattern=f"{launcher} launching '{candidate}'", target=candidate)
        return None
    if _mcp_named(exe):
        return ProcessMatch(pattern=f"executable named '{exe}'", target=argv[0])
    return None


def server_name(target: str) -> str:
    """A short name for the server a process runs: its package, module or folder."""
    target = target.strip().rstrip("\\/")
    is_path = target.startswith((".", "/", "~", "\\")) or re.match(r"^[A-Za-z]:[\\/]", target)
    if not is_path:
        return target[:200]  # a package (@scope/name), module or image (mcp/github)
    parts = [p for p in re.split(r"[\\/]", target) if p]
    while len(parts) > 1 and parts[-1].lower() in _GENERIC_FILES:
        parts.pop()
    return parts[-1][:200] if parts else target[:200]


def _config_matches(configured: Sequence[str], running: Sequence[str]) -> bool:
    """True if a running command line is the one a config entry launches."""
    if not configured or not running:
        return False
    wanted = [a for a in configured[1:] if not a.startswith("-")]
    if not wanted:
        return _base(configured[0]) == _base(running[0]) and list(configured[1:]) == list(
            running[1:]
        )
    remaining = iter(running[1:])
    return all(
        any(arg == have or (_base(arg) and _base(arg) == _base(have)) for have in remaining)
        for arg in wanted
    )


def launched_by(command: Sequence[str], entries: Sequence[ConfigEntry]) -> list[ConfigEntry]:
    """The configured stdio servers whose command line is ``command`` (both redacted)."""
    return [e for e in entries if e.ref.command and _config_matches(e.ref.command, command)]


def _own_tree() -> set[int]:
    me = psutil.Process()
    pids = {me.pid}
    with contextlib.suppress(psutil.Error):
        pids.update(child.pid for child in me.children(recursive=True))
    return pids


def _listening(proc: psutil.Process) -> tuple[list[tuple[str, int]], bool]:
    """``(address, port)`` of each TCP socket ``proc`` listens on; True if hidden from us."""
    connections = getattr(proc, "net_connections", None) or proc.connections
    try:
        found = connections(kind="tcp")
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return [], True
    except (psutil.NoSuchProcess, OSError):
        return [], False
    return [
        (c.laddr.ip, c.laddr.port) for c in found if c.status == psutil.CONN_LISTEN and c.laddr
    ], False


def _stdin_kind(pid: int) -> str | None:
    """``pipe``, ``null``, ``tty`` or ``file`` for what fd 0 of ``pid`` is; None if unknown."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        target = os.readlink(f"/proc/{pid}/fd/0")
    except OSError:
        return None
    if target.startswith(("pipe:", "socket:")):
        return "pipe"
    if target == "/dev/null":
        return "null"
    if target.startswith(("/dev/pts/", "/dev/tty", "/dev/console")):
        return "tty"
    return "file"


def _url(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}"


def _sockets(proc: psutil.Process) -> tuple[list[tuple[str, int]], bool]:
    """Listening sockets of ``proc`` and its children (a launcher's child often listens)."""
    sockets, hidden = _listening(proc)
    try:
        children = proc.children(recursive=True)[:32]
    except psutil.Error:
        children = []
    for child in children:
        more, child_hidden = _listening(child)
        sockets.extend(s for s in more if s not in sockets)
        hidden = hidden or child_hidden
    return sockets, hidden


def _parent_note(info: dict[str, Any]) -> str | None:
    try:
        parent = psutil.Process(info["ppid"]) if info.get("ppid") else None
        name = parent.name() if parent else ""
    except psutil.Error:
        return None
    base = _base(name).removesuffix(".app")
    if base in CLIENT_NAMES or base.split(" ")[0] in CLIENT_NAMES:
        return f"child of {redact(name)} (pid {info['ppid']})"
    return None


def _refs_for(
    info: dict[str, Any], proc: psutil.Process, match: ProcessMatch, configs: list[ConfigEntry]
) -> Iterator[ServerRef]:
    pid = info["pid"]
    argv = [str(a)[:MAX_ARG_CHARS] for a in info["cmdline"][:MAX_ARGS]]
    command = redact_command(argv)
    process_name = redact(info.get("name") or _base(argv[0]))
    evidence = [f"running process {pid} ({process_name}): {redact(match.pattern)}"]
    sockets, hidden = _sockets(proc)
    for address, port in sockets:
        where = " (all interfaces)" if address in ("0.0.0.0", "::") else ""
        evidence.append(f"listening on {_url(address, port)[7:]}{where}")
    if hidden:
        evidence.append("listening sockets not visible (access denied)")
    note = _parent_note(info)
    if note:
        evidence.append(note)
    tied = launched_by(command, configs)
    for entry in tied:
        label = entry.client if entry.client.endswith("config") else f"{entry.client} config"
        evidence.append(f"launched by {label} {entry.path} ({redact(entry.name)})")
    common: dict[str, Any] = {
        "name": redact(server_name(match.target)),
        "found_in": f"pid {pid}",
        "command": command,
        "evidence": tuple(evidence),
        "confidence": 0.95 if tied else 0.8,
    }
    stdin = _stdin_kind(pid)
    if not sockets or stdin in (None, "pipe"):
        yield ServerRef(transport="stdio", **common)
    for address, port in sockets:
        yield ServerRef(transport="http", url=_url(address, port), **common)


def discover_processes(ctx: CallContext) -> Iterator[ServerRef]:
    """Detector ``processes``: running MCP servers and their sockets (``on="host"``)."""
    scope = scope_from_settings(ctx.settings, ctx.options)
    configs = [
        item
        for item in iter_config_items(scope, stopped=lambda: ctx.stopped)
        if isinstance(item, ConfigEntry) and item.ref.transport == "stdio"
    ]
    skip = _own_tree()
    for proc in psutil.process_iter(["pid", "ppid", "name", "cmdline"]):
        if ctx.stopped:
            return
        info = proc.info
        if info["pid"] in skip or not info.get("cmdline"):
            continue
        match = match_cmdline([str(a) for a in info["cmdline"]])
        if match is None:
            continue
        ctx.count("mcp_processes")
        try:
            yield from _refs_for(info, proc, match, configs)
        except psutil.Error as exc:  # it ended while we looked
            log.debug("process %s: %s", info["pid"], exc)
