"""AI-client config documents -> server references, with every secret redacted.

Each client keeps its servers under its own key and in its own dialect:
``mcpServers`` (Claude, Cursor, Windsurf, Gemini, Amazon Q, Kiro, LM Studio,
Cline, Roo), ``servers`` and ``mcp.servers`` (VS Code), ``context_servers``
(Zed), ``mcp_servers`` (Codex TOML), ``experimental.modelContextProtocolServers``
and ``mcpServers`` lists (Continue), ``extensions`` (Goose), ``mcp`` (opencode).
A *shape* names one of these layouts; :func:`server_entries` finds the entries of
a document in a shape, and :func:`entry_to_ref` turns one entry into a
:class:`~hawkeye_core.ServerRef`. Nothing here runs a command: a stdio entry is
kept as the command line it is.

Project files (``.mcp.json``, ``.vscode/mcp.json``) come from cloned
repositories, so entries are hostile input: names, arguments and environments
are bounded in count and length.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

from hawkeye_core import ServerRef, redact, redact_command, redact_env

__all__ = [
    "SHAPES",
    "ConfigEntry",
    "RawEntry",
    "entry_to_ref",
    "server_entries",
]

MAX_ENTRIES = 500  # servers read from one file
MAX_ARGS = 256
MAX_ENV = 256
MAX_TEXT = 4096  # characters of one argument, value or URL
MAX_NAME = 200

_STDIO_TYPES = frozenset({"stdio", "local", "command"})
_STREAMABLE_TYPES = frozenset(
    {"http", "streamable-http", "streamable_http", "streamablehttp", "remote", "https"}
)
_WEBSOCKET_TYPES = frozenset({"ws", "websocket"})
# Goose extensions that are part of Goose itself, not separately configured servers.
_BUILTIN_TYPES = frozenset({"builtin", "platform", "frontend", "inline_python"})


@frozen(kw_only=True)
class RawEntry:
    """One server entry as a client wrote it, before it becomes a ServerRef."""

    name: str
    body: Mapping[str, Any]
    project: str | None = None  # the project an entry of ~/.claude.json belongs to


@frozen(kw_only=True)
class ConfigEntry:
    """A server reference and where it was configured (client, file, entry name)."""

    client: str
    path: Path
    name: str
    ref: ServerRef
    project: str | None = None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _named(container: Any) -> Iterator[RawEntry]:
    """Entries of a ``{name: body}`` mapping, or of a list of bodies with ``name`` keys."""
    if isinstance(container, Mapping):
        for name, body in container.items():
            yield RawEntry(name=str(name), body=body if isinstance(body, Mapping) else {"": body})
    elif isinstance(container, list):
        for index, body in enumerate(container):
            body = body if isinstance(body, Mapping) else {"": body}
            name = body.get("name") or body.get("title") or f"server-{index + 1}"
            yield RawEntry(name=str(name), body=body)


def _mcp_servers(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    yield from _named(doc.get("mcpServers"))


def _servers(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    yield from _named(doc.get("servers"))


def _vscode_settings(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    yield from _named(_mapping(doc.get("mcp")).get("servers"))
    yield from _named(doc.get("mcp.servers"))


def _context_servers(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    yield from _named(doc.get("context_servers"))


def _codex(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    yield from _named(doc.get("mcp_servers"))


def _continue_json(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    servers = _mapping(doc.get("experimental")).get("modelContextProtocolServers")
    if isinstance(servers, list):
        for index, body in enumerate(servers):
            body = _mapping(body)
            name = body.get("name") or f"modelContextProtocolServers[{index}]"
            yield RawEntry(name=str(name), body=body)
    yield from _mcp_servers(doc)


def _continue_block(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    """A file of ``.continue/mcpServers/``: a block with ``mcpServers``, or one server."""
    if "mcpServers" in doc:
        yield from _mcp_servers(doc)
    elif any(key in doc for key in ("command", "url", "type")):
        yield RawEntry(name=str(doc.get("name") or ""), body=doc)


def _goose(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    for entry in _named(doc.get("extensions")):
        body = dict(entry.body)
        body.update(_mapping(body.pop("config", None)))  # older layout nests the server
        yield RawEntry(name=entry.name, body=body)


def _opencode(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    mcp = _mapping(doc.get("mcp"))
    container = mcp.get("servers") if isinstance(mcp.get("servers"), Mapping) else mcp
    yield from _named(container)


def _claude_code(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    """``~/.claude.json``: user servers, then each project's own."""
    yield from _mcp_servers(doc)
    for project, settings in _mapping(doc.get("projects")).items():
        for entry in _named(_mapping(settings).get("mcpServers")):
            yield RawEntry(name=entry.name, body=entry.body, project=str(project))


def _claude_extension(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    """A Claude Desktop extension's ``manifest.json`` (``.dxt`` / ``.mcpb``)."""
    server = _mapping(doc.get("server"))
    config = _mapping(server.get("mcp_config"))
    if config:
        name = doc.get("display_name") or doc.get("name") or "extension"
        yield RawEntry(name=str(name), body=config)


def _auto(doc: Mapping[str, Any]) -> Iterator[RawEntry]:
    """A file of unknown origin (``--client-config``): every layout that fits."""
    if "projects" in doc:
        yield from _claude_code(doc)
    else:
        yield from _mcp_servers(doc)
    yield from _servers(doc)
    yield from _vscode_settings(doc)
    yield from _context_servers(doc)
    yield from _codex(doc)
    servers = _mapping(doc.get("experimental")).get("modelContextProtocolServers")
    if servers:
        yield from (e for e in _continue_json(doc) if e.name.startswith("modelContext"))
    if isinstance(doc.get("extensions"), Mapping):
        yield from _goose(doc)
    if isinstance(doc.get("mcp"), Mapping) and "servers" not in doc["mcp"]:
        yield from _opencode(doc)


#: Every layout by name; a client location names the one it uses.
SHAPES = {
    "mcpServers": _mcp_servers,
    "servers": _servers,
    "vscode-settings": _vscode_settings,
    "context_servers": _context_servers,
    "codex": _codex,
    "continue-json": _continue_json,
    "continue-block": _continue_block,
    "goose": _goose,
    "opencode": _opencode,
    "claude-code": _claude_code,
    "claude-extension": _claude_extension,
    "auto": _auto,
}


def server_entries(doc: Any, shape: str) -> list[RawEntry]:
    """The server entries of a parsed document in layout ``shape`` (at most MAX_ENTRIES)."""
    if not isinstance(doc, Mapping):
        return []
    entries: list[RawEntry] = []
    for entry in SHAPES[shape](doc):
        entries.append(entry)
        if len(entries) >= MAX_ENTRIES:
            break
    return entries


def _text(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = ""
    else:
        text = str(value)
    return text[:MAX_TEXT]


def _strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [_text(v) for v in value[:MAX_ARGS] if not isinstance(v, Mapping | list)]
    if value is None or value == "":
        return []
    return [_text(value)]


def _env(body: Mapping[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for key in ("env", "envs", "environment"):
        for name, value in list(_mapping(body.get(key)).items())[:MAX_ENV]:
            env[_text(name)] = _text(value)
    return env


def _is_disabled(body: Mapping[str, Any]) -> bool:
    def false(v: Any) -> bool:
        return v is False or (isinstance(v, str) and v.strip().lower() == "false")

    def true(v: Any) -> bool:
        return v is True or (isinstance(v, str) and v.strip().lower() == "true")

    return true(body.get("disabled")) or false(body.get("enabled"))


def _url_transport(url: str, key: str, url_default: str) -> str:
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme in ("ws", "wss"):
        return "websocket"
    if key == "httpUrl":
        return "streamable-http"
    if urlsplit(url).path.rstrip("/").endswith("/sse"):
        return "sse"
    return url_default


def entry_to_ref(
    entry: RawEntry,
    *,
    client: str,
    path: Path,
    url_default: str = "streamable-http",
    notes: tuple[str, ...] = (),
) -> ServerRef | None:
    """The server reference of one config entry, secrets redacted; None if it is none.

    A stdio entry (``command`` + ``args``, or ``type: "stdio"``) keeps its command
    line and environment, both redacted; a URL entry (``url``, ``serverUrl``,
    ``httpUrl``, ``uri``) keeps its URL with credentials masked; an entry with
    neither (a Zed extension, a registry reference) is transport ``unknown``.
    ``url_default`` is the transport of a URL whose client does not say which
    (Gemini CLI: ``sse`` for ``url``). Goose's built-in extensions give None.
    """
    body = dict(entry.body)
    transport_block = body.get("transport")
    if isinstance(transport_block, Mapping):  # Continue's config.json nests the server
        body.update(transport_block)
    kind = _text(body.get("type") or (transport_block if isinstance(transport_block, str) else ""))
    kind = kind.strip().lower()
    if kind in _BUILTIN_TYPES:
        return None
    evidence = [f"configured in {client} ({path})"]
    if entry.project:
        evidence.append(f"project {entry.project}")
    evidence.extend(notes)
    if _is_disabled(body):
        evidence.append("disabled in config")

    command_value = body.get("command", body.get("cmd"))
    args = _strings(body.get("args"))
    env = _env(body)
    if isinstance(command_value, Mapping):  # Zed's older {"path", "args", "env"} layout
        args = _strings(command_value.get("args")) + args
        env.update({_text(k): _text(v) for k, v in _mapping(command_value.get("env")).items()})
        command_value = command_value.get("path")
    if isinstance(command_value, list | tuple):  # opencode: the whole command line
        parts = _strings(command_value)
        command_value, args = (parts[0], parts[1:] + args) if parts else (None, args)
    command = _text(command_value).strip() if command_value is not None else ""

    url_key = next((k for k in ("httpUrl", "url", "serverUrl", "uri") if body.get(k)), None)
    url = _text(body.get(url_key)).strip() if url_key else ""

    headers = {**_mapping(body.get("headers")), **_mapping(body.get("http_headers"))}
    if headers:
        names = sorted(_text(name)[:64] for name in list(headers)[:32])
        evidence.append("sends headers: " + ", ".join(redact(n) for n in names))
    if body.get("cwd"):
        evidence.append(f"working directory: {redact(_text(body.get('cwd')))}")
    if body.get("bearer_token_env_var"):
        evidence.append(f"bearer token from ${_text(body.get('bearer_token_env_var'))[:64]}")

    name = redact(entry.name[:MAX_NAME])
    found_in = f"{path}#projects/{entry.project}" if entry.project else str(path)
    common: dict[str, Any] = {"name": name, "found_in": found_in, "env": redact_env(env)}

    if command and (kind in _STDIO_TYPES or not url):
        common["command"] = redact_command([command, *args])
        if body.get("cwd"):
            common["cwd"] = _working_dir(_text(body.get("cwd")), path)
        return ServerRef(transport="stdio", evidence=tuple(evidence), **common)
    if url and kind not in _STDIO_TYPES:
        if kind == "sse":
            transport = "sse"
        elif kind in _STREAMABLE_TYPES:
            transport = "streamable-http"
        elif kind in _WEBSOCKET_TYPES:
            transport = "websocket"
        else:
            transport = _url_transport(url, url_key or "url", url_default)
        return ServerRef(transport=transport, url=redact(url), evidence=tuple(evidence), **common)
    if body.get("source") == "extension" or "settings" in body:
        evidence.append("provided by an editor extension: its command is not in the config")
    elif body.get("namespace") or body.get("uses"):
        ref = _text(body.get("namespace") or body.get("uses"))[:200]
        evidence.append(f"registry server {redact(ref)}: its command is not in the config")
    else:
        evidence.append("entry names neither a command nor a URL")
    return ServerRef(transport="unknown", evidence=tuple(evidence), **common)


def _working_dir(cwd: str, config: Path) -> str:
    """A config's ``cwd``: ``~`` expanded, a relative one taken from the config's folder."""
    text = redact(cwd.strip())[:4096]
    folder = Path(text).expanduser()
    if not folder.is_absolute() and "${" not in text:
        folder = config.parent / folder
    return str(folder)
