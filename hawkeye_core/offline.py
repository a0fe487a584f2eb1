"""Inventories from files, for ``hawkeye analyse``: analysis without contacting anything.

A file may hold:

- an MCP ``tools/list`` result, ``{"tools": [...]}``, optionally with
  ``prompts``, ``resources``, ``resourceTemplates``, ``instructions``,
  ``serverInfo`` and ``protocolVersion`` (a whole JSON-RPC response, with the
  result under ``"result"``, is accepted too);
- a JSON list of tool objects;
- a HawkEye JSON report: each of its ``servers`` that has an ``inventory``.

Each server becomes a :class:`~hawkeye_core.ServerInventory` whose reference
has ``found_in`` set to the file and an evidence line starting ``offline:``
(which groups the files of one run as one client for cross-server analysis).
A ``tools/list`` file gives one server, ``transport="unknown"``, named after
the file's stem; a report's servers keep their transport, URL, command and
auth posture, so posture rules run on them too.

The file is hostile input like any server answer: its size, the items of each
list, the nesting of its JSON and the length of its strings are bounded. A
file that cannot be read raises :class:`OfflineFileError` (a ``ValueError``)
whose message is one line naming the file.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from hawkeye_core.records import (
    TRANSPORTS,
    AuthPosture,
    Prompt,
    PromptArgument,
    Resource,
    ResourceTemplate,
    ServerInfo,
    ServerInventory,
    ServerRef,
    Tool,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_ITEMS",
    "MAX_STRING",
    "OFFLINE_EVIDENCE",
    "OfflineFileError",
    "load_file",
    "load_files",
]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ITEMS = 10_000  # items kept of each list (tools, prompts, resources, templates, servers)
MAX_DEPTH = 64  # JSON nesting
MAX_STRING = 65_536  # characters kept of one string
OFFLINE_EVIDENCE = "offline: loaded from"
TRUNCATED = "[hawkeye: truncated"


class OfflineFileError(ValueError):
    """A file that cannot be analysed; the message is one line naming the file."""


def _fail(path: Path, why: str) -> OfflineFileError:
    return OfflineFileError(f"{path}: {why}")


def _read(path: Path, max_bytes: int) -> Any:
    try:
        info = path.stat()
        size = info.st_size
        if stat.S_ISDIR(info.st_mode):
            raise _fail(path, "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device could block the read forever
            raise _fail(path, "is not a regular file")
        if size > max_bytes:
            raise _fail(path, f"is {size} bytes, more than the {max_bytes} allowed")
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise _fail(path, f"is more than the {max_bytes} bytes allowed")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, f"is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise _fail(path, f"JSON nested deeper than {MAX_DEPTH} levels") from None


def _check_depth(path: Path, document: Any) -> None:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(path, f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _clip(value: Any) -> Any:
    """JSON data with every string cut to MAX_STRING characters."""
    if isinstance(value, str):
        if len(value) <= MAX_STRING:
            return value
        return f"{value[:MAX_STRING]}…{TRUNCATED} {len(value) - MAX_STRING} characters]"
    if isinstance(value, dict):
        return {_clip(str(k)): _clip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clip(v) for v in value]
    return value


class _Reader:
    """Turns one parsed file into records, naming the item that is wrong when one is."""

    def __init__(self, path: Path, max_items: int) -> None:
        self.path = path
        self.max_items = max_items
        self.notes: list[str] = []

    def fail(self, where: str, why: str) -> OfflineFileError:
        return _fail(self.path, f"{where}: {why}")

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        if len(value) > self.max_items:
            self.notes.append(f"{where}: kept {self.max_items} of {len(value)}")
            return value[: self.max_items]
        return value

    def text(self, item: Mapping[str, Any], where: str, *keys: str, required: bool = False) -> str:
        for key in keys:
            value = item.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise self.fail(f"{where}.{key}", f"expected a string, got {type(value).__name__}")
            return value
        if required:
            raise self.fail(where, f"has no {keys[0]!r}")
        return ""

    def optional_text(self, item: Mapping[str, Any], where: str, *keys: str) -> str | None:
        return self.text(item, where, *keys) or None

    def mapping(self, item: Mapping[str, Any], where: str, *keys: str) -> dict[str, Any] | None:
        for key in keys:
            value = item.get(key)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise self.fail(f"{where}.{key}", f"expected an object, got {type(value).__name__}")
            return value
        return None

    def entry(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    def entries(self, value: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each object of the list ``value``, with where it is (``tools[3]``)."""
        for index, raw in enumerate(self.items(value, where)):
            at = f"{where}[{index}]"
            yield at, self.entry(raw, at)

    def tools(self, value: Any, where: str = "tools") -> list[Tool]:
        return [
            Tool(
                name=self.text(item, at, "name", required=True),
                title=self.optional_text(item, at, "title"),
                description=self.text(item, at, "description"),
                input_schema=self.mapping(item, at, "inputSchema", "input_schema") or {},
                output_schema=self.mapping(item, at, "outputSchema", "output_schema"),
                annotations=self.mapping(item, at, "annotations") or {},
            )
            for at, item in self.entries(value, where)
        ]

    def prompts(self, value: Any, where: str = "prompts") -> list[Prompt]:
        return [
            Prompt(
                name=self.text(item, at, "name", required=True),
                description=self.text(item, at, "description"),
                arguments=[
                    PromptArgument(
                        name=self.text(argument, a_at, "name", required=True),
                        description=self.text(argument, a_at, "description"),
                        required=argument.get("required") is True,
                    )
                    for a_at, argument in self.entries(item.get("arguments"), f"{at}.arguments")
                ],
            )
            for at, item in self.entries(value, where)
        ]

    def resources(self, value: Any, where: str = "resources") -> list[Resource]:
        return [
            Resource(
                uri=self.text(item, at, "uri", required=True),
                name=self.text(item, at, "name"),
                description=self.text(item, at, "description"),
                mime_type=self.optional_text(item, at, "mimeType", "mime_type"),
            )
            for at, item in self.entries(value, where)
        ]

    def templates(self, value: Any, where: str = "resourceTemplates") -> list[ResourceTemplate]:
        return [
            ResourceTemplate(
                uri_template=self.text(item, at, "uriTemplate", "uri_template", required=True),
                name=self.text(item, at, "name"),
                description=self.text(item, at, "description"),
                mime_type=self.optional_text(item, at, "mimeType", "mime_type"),
            )
            for at, item in self.entries(value, where)
        ]

    def server_info(self, value: Any, where: str) -> ServerInfo | None:
        if value is None:
            return None
        item = self.entry(value, where)
        return ServerInfo(
            name=self.text(item, where, "name"),
            version=self.text(item, where, "version"),
            title=self.optional_text(item, where, "title"),
        )

    def auth(self, value: Any, where: str) -> AuthPosture | None:
        if value is None:
            return None
        item = self.entry(value, where)
        required = item.get("required")
        status = item.get("status")
        servers = item.get("authorization_servers") or ()
        return AuthPosture(
            required=required if isinstance(required, bool) else None,
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            www_authenticate=self.optional_text(item, where, "www_authenticate"),
            resource_metadata=self.mapping(item, where, "resource_metadata"),
            authorization_servers=[s for s in servers if isinstance(s, str)][:20],
        )


def _tools_list(reader: _Reader, document: dict[str, Any]) -> ServerInventory:
    path = reader.path
    result = document.get("result") if isinstance(document.get("result"), dict) else document
    assert isinstance(result, dict)
    ref = ServerRef(
        transport="unknown",
        name=path.stem,
        found_in=str(path),
        evidence=(f"{OFFLINE_EVIDENCE} {path}",),
    )
    inventory = ServerInventory(
        ref=ref,
        server_info=reader.server_info(result.get("serverInfo"), "serverInfo"),
        protocol_version=reader.optional_text(result, "result", "protocolVersion"),
        instructions=reader.optional_text(result, "result", "instructions"),
        tools=reader.tools(result.get("tools")),
        prompts=reader.prompts(result.get("prompts")),
        resources=reader.resources(result.get("resources")),
        resource_templates=reader.templates(result.get("resourceTemplates")),
        capabilities=reader.mapping(result, "result", "capabilities") or {},
    )
    return _with_notes(inventory, reader)


def _with_notes(inventory: ServerInventory, reader: _Reader) -> ServerInventory:
    if not reader.notes:
        return inventory
    errors = (*inventory.errors, *reader.notes)
    reader.notes = []
    return ServerInventory(
        ref=inventory.ref,
        server_info=inventory.server_info,
        protocol_version=inventory.protocol_version,
        capabilities=inventory.capabilities,
        instructions=inventory.instructions,
        tools=inventory.tools,
        resources=inventory.resources,
        resource_templates=inventory.resource_templates,
        prompts=inventory.prompts,
        auth=inventory.auth,
        errors=errors,
    )


def _report_ref(reader: _Reader, server: dict[str, Any], where: str, index: int) -> ServerRef:
    path = reader.path
    transport = server.get("transport")
    url = reader.optional_text(server, where, "url")
    raw_command = server.get("command")
    command = (
        tuple(str(part) for part in raw_command[:256])
        if isinstance(raw_command, list) and raw_command
        else None
    )
    if (
        transport not in TRANSPORTS
        or (transport == "stdio" and not command)
        or (transport not in ("stdio", "unknown") and not url)
    ):
        transport = "unknown"
    env = server.get("env")
    evidence = [f"{OFFLINE_EVIDENCE} {path} ({where})"]
    found_in = server.get("found_in")
    if isinstance(found_in, str) and found_in:
        evidence.append(f"originally found in {found_in}")
    evidence.extend(
        str(line) for line in reader.items(server.get("evidence"), f"{where}.evidence")[:50]
    )
    name = reader.text(server, where, "name") or url or (" ".join(command) if command else "")
    tls = server.get("tls")
    # attrs' optional(tuple) converter types the field as an unbound Iterable; pass it as data.
    fields: dict[str, Any] = {"command": command}
    return ServerRef(
        **fields,
        transport=str(transport),
        url=url,
        env={str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
        name=name[:200] or f"{path.stem}#{index}",
        found_in=str(path),
        protocol_version=reader.optional_text(server, where, "protocol_version"),
        server_info=reader.server_info(server.get("server_info"), f"{where}.server_info"),
        auth=reader.auth(server.get("auth"), f"{where}.auth"),
        tls=tls if isinstance(tls, dict) else None,
        evidence=evidence,
    )


def _report(reader: _Reader, document: dict[str, Any]) -> list[ServerInventory]:
    inventories = []
    for index, raw in enumerate(reader.items(document.get("servers"), "servers")):
        where = f"servers[{index}]"
        server = reader.entry(raw, where)
        inventory = server.get("inventory")
        if inventory is None:
            continue
        at = f"{where}.inventory"
        item = reader.entry(inventory, at)
        errors = [str(e) for e in reader.items(item.get("errors"), f"{at}.errors")[:100]]
        built = ServerInventory(
            ref=_report_ref(reader, server, where, index),
            server_info=reader.server_info(item.get("server_info"), f"{at}.server_info"),
            protocol_version=reader.optional_text(item, at, "protocol_version", "protocolVersion"),
            capabilities=reader.mapping(item, at, "capabilities") or {},
            instructions=reader.optional_text(item, at, "instructions"),
            tools=reader.tools(item.get("tools"), f"{at}.tools"),
            resources=reader.resources(item.get("resources"), f"{at}.resources"),
            resource_templates=reader.templates(
                item.get("resource_templates", item.get("resourceTemplates")),
                f"{at}.resource_templates",
            ),
            prompts=reader.prompts(item.get("prompts"), f"{at}.prompts"),
            auth=reader.auth(item.get("auth"), f"{at}.auth"),
            errors=errors,
        )
        inventories.append(_with_notes(built, reader))
    return inventories


def load_file(
    path: str | Path, *, max_bytes: int = MAX_FILE_BYTES, max_items: int = MAX_ITEMS
) -> list[ServerInventory]:
    """The inventories held by one file (see the module docstring for the shapes)."""
    path = Path(path)
    document = _read(path, max_bytes)
    _check_depth(path, document)
    document = _clip(document)
    reader = _Reader(path, max_items)
    try:
        if isinstance(document, list):
            ref = ServerRef(
                transport="unknown",
                name=path.stem,
                found_in=str(path),
                evidence=(f"{OFFLINE_EVIDENCE} {path}",),
            )
            return [
                _with_notes(ServerInventory(ref=ref, tools=reader.tools(document, "[]")), reader)
            ]
        if isinstance(document, dict):
            if isinstance(document.get("servers"), list) and (
                "hawkeye_version" in document or "schema_version" in document or "scan" in document
            ):
                return _report(reader, document)
            result = (
                document.get("result") if isinstance(document.get("result"), dict) else document
            )
            if isinstance(result, dict) and "tools" in result:
                return [_tools_list(reader, document)]
    except (TypeError, ValueError) as exc:
        if isinstance(exc, OfflineFileError):
            raise
        raise _fail(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    raise _fail(
        path,
        'not an MCP tools/list result ({"tools": [...]}), a JSON list of tools '
        "or a HawkEye JSON report",
    )


def load_files(
    paths: Iterable[str | Path], *, max_bytes: int = MAX_FILE_BYTES, max_items: int = MAX_ITEMS
) -> list[ServerInventory]:
    """The inventories of every file, in order; the first bad file raises."""
    inventories: list[ServerInventory] = []
    for path in paths:
        inventories.extend(load_file(path, max_bytes=max_bytes, max_items=max_items))
    return inventories
