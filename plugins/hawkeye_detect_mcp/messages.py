"""The JSON-RPC messages HawkEye sends, and how it reads what comes back.

Everything here is pure: no I/O. A reply is judged on its shape only; values a
server sends are cut short before they are kept, and anything that does not
parse is simply "not MCP".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import frozen

from hawkeye_core import ServerInfo, __version__

__all__ = [
    "DISCOVER_HEADERS",
    "DISCOVER_ID",
    "HANDSHAKE_VERSION",
    "INITIALIZE_ID",
    "MODERN_VERSION",
    "POST_HEADERS",
    "Answer",
    "discover_request",
    "first_reply",
    "initialize_request",
    "jsonrpc_reply",
    "judge_discover",
    "judge_initialize",
    "parse_json",
    "short",
    "wants_reply",
]

#: The protocol version offered in ``initialize``: the newest handshake revision.
#: A server answers with this one or the newest it supports.
HANDSHAKE_VERSION = "2025-11-25"
#: The stateless revision that introduced ``server/discover``.
MODERN_VERSION = "2026-07-28"
#: The Accept header of Streamable HTTP: a JSON body or an event stream.
POST_HEADERS = {"Accept": "application/json, text/event-stream"}
INITIALIZE_ID, DISCOVER_ID = 1, 2
#: HTTP headers a 2026-07-28 server requires to match the request body.
DISCOVER_HEADERS = {"MCP-Protocol-Version": MODERN_VERSION, "Mcp-Method": "server/discover"}

_CLIENT_INFO = {"name": "hawkeye", "version": __version__}
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Words MCP servers use in their JSON-RPC errors, and generic JSON-RPC servers do not.
_MCP_ERROR_WORDS = re.compile(r"session|protocol.?version|\bmcp\b", re.IGNORECASE)
_UNSUPPORTED_PROTOCOL_VERSION = -32022
_HEADER_MISMATCH = -32001


def initialize_request(request_id: int) -> dict[str, Any]:
    """A real MCP ``initialize`` request, as a legacy (handshake) client sends it."""
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": HANDSHAKE_VERSION,
            "capabilities": {},
            "clientInfo": dict(_CLIENT_INFO),
        },
    }


def discover_request(request_id: int) -> dict[str, Any]:
    """A stateless ``server/discover`` request with its per-request ``_meta`` envelope."""
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "server/discover",
        "params": {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": dict(_CLIENT_INFO),
            }
        },
    }


def short(value: Any, limit: int = 200) -> str:
    """``value`` as a printable string of at most ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(c if c.isprintable() else "?" for c in text[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_json(data: bytes | str) -> Any:
    """The JSON value of ``data``, or None if it is not JSON (never raises)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def jsonrpc_reply(value: Any, request_id: int) -> dict[str, Any] | None:
    """``value`` if it is a JSON-RPC 2.0 response to ``request_id`` (a result or an error)."""
    if not isinstance(value, dict) or value.get("jsonrpc") != "2.0":
        return None
    if value.get("id") not in (request_id, None) or isinstance(value.get("id"), bool):
        return None
    if isinstance(value.get("result"), dict) != ("error" not in value):
        return None  # exactly one of a result object and an error
    if "error" in value and not _is_error_object(value["error"]):
        return None
    return value


def wants_reply(request_id: int) -> Callable[[list[Any]], bool]:
    """A predicate for ``Prober.exchange``: stop reading once the reply has arrived."""
    return lambda messages: first_reply(messages, request_id) is not None


def first_reply(messages: Iterable[Any], request_id: int) -> dict[str, Any] | None:
    """The first JSON-RPC response to ``request_id`` among ``messages``."""
    for message in messages:
        reply = jsonrpc_reply(message, request_id)
        if reply is not None:
            return reply
    return None


@frozen
class Answer:
    """What one JSON-RPC reply says about the server that sent it.

    ``confidence`` is 0 when the reply does not look like MCP at all.
    """

    confidence: float
    detail: str  # for the evidence line: what in the reply decided it
    protocol_version: str | None = None
    server_info: ServerInfo | None = None
    error: bool = False


NOT_MCP = Answer(confidence=0.0, detail="not a JSON-RPC response")


def judge_initialize(reply: dict[str, Any] | None, *, session_header: bool = False) -> Answer:
    """How sure a reply to ``initialize`` makes us that the server speaks MCP.

    A result naming a protocol version and a server is MCP (1.0); one with a
    version and capabilities but no ``serverInfo`` nearly so (0.9). A
    language-server-like result without ``protocolVersion`` is not MCP. An
    error is MCP only when it is one MCP servers send (0.6): the SDK's
    unsupported-version or header-mismatch codes, a message about sessions or
    protocol versions, or an ``Mcp-Session-Id`` header with it.
    """
    if reply is None:
        return NOT_MCP
    if "error" in reply:
        return _judge_error(reply["error"], session_header=session_header)
    result: dict[str, Any] = reply["result"]
    version = result.get("protocolVersion")
    if not isinstance(version, str) or not _VERSION.match(version):
        return Answer(confidence=0.0, detail="result has no protocolVersion")
    info = server_info(result.get("serverInfo"))
    if info is not None:
        return Answer(
            confidence=1.0,
            detail=f"result.protocolVersion={version}, serverInfo.name={info.name!r}",
            protocol_version=version,
            server_info=info,
        )
    if isinstance(result.get("capabilities"), dict):
        return Answer(
            confidence=0.9,
            detail=f"result.protocolVersion={version} with capabilities, no serverInfo",
            protocol_version=version,
        )
    return Answer(confidence=0.0, detail="result has a protocolVersion but nothing else of MCP")


def judge_discover(reply: dict[str, Any] | None) -> Answer:
    """How sure a reply to ``server/discover`` makes us (1.0 for a discover result)."""
    if reply is None:
        return NOT_MCP
    if "error" in reply:
        return _judge_error(reply["error"], session_header=False)
    result: dict[str, Any] = reply["result"]
    versions = result.get("supportedVersions")
    if not isinstance(versions, list) or not versions:
        return Answer(confidence=0.0, detail="result has no supportedVersions")
    clean = [v for v in versions[:20] if isinstance(v, str) and _VERSION.match(v)]
    if not clean or not isinstance(result.get("capabilities", {}), dict):
        return Answer(confidence=0.0, detail="result.supportedVersions holds no protocol version")
    meta = result.get("_meta")
    stamp = meta.get("io.modelcontextprotocol/serverInfo") if isinstance(meta, dict) else None
    info = server_info(result.get("serverInfo")) or server_info(stamp)
    named = f", serverInfo.name={info.name!r}" if info else ""
    return Answer(
        confidence=1.0,
        detail=f"result.supportedVersions={clean}{named}",
        protocol_version=max(clean),
        server_info=info,
    )


def server_info(value: Any) -> ServerInfo | None:
    """A ServerInfo from an MCP ``Implementation`` object, strings cut short."""
    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
        return None
    version = value.get("version")
    title = value.get("title")
    return ServerInfo(
        name=short(value["name"]),
        version=short(version, 64) if isinstance(version, str) else "",
        title=short(title) if isinstance(title, str) else None,
    )


def _is_error_object(error: Any) -> bool:
    return (
        isinstance(error, dict)
        and isinstance(error.get("code"), int)
        and not isinstance(error.get("code"), bool)
        and isinstance(error.get("message", ""), str)
    )


def _judge_error(error: dict[str, Any], *, session_header: bool) -> Answer:
    code: int = error["code"]
    message = short(error.get("message", ""), 120)
    data = error.get("data")
    detail = f"JSON-RPC error {code} {message!r}"
    supported = data.get("supported") if isinstance(data, dict) else None
    if code == _UNSUPPORTED_PROTOCOL_VERSION or (
        isinstance(supported, list)
        and any(isinstance(v, str) and _VERSION.match(v) for v in supported)
    ):
        versions = [v for v in (supported or [])[:20] if isinstance(v, str) and _VERSION.match(v)]
        return Answer(
            confidence=0.6,
            detail=f"{detail}, supported={versions}",
            protocol_version=max(versions) if versions else None,
            error=True,
        )
    if code == _HEADER_MISMATCH and "header" in message.lower():
        return Answer(confidence=0.6, detail=detail, error=True)
    if session_header:
        return Answer(confidence=0.6, detail=f"{detail} with an Mcp-Session-Id", error=True)
    if _MCP_ERROR_WORDS.search(message):
        return Answer(confidence=0.6, detail=detail, error=True)
    return Answer(
        confidence=0.0, detail=f"{detail} (a JSON-RPC server, not MCP-shaped)", error=True
    )
