"""One MCP session with the official SDK client: connect, list everything, bounded.

The SDK's :class:`mcp.Client` negotiates the protocol (``server/discover`` for
2026-era servers, else the ``initialize`` handshake down to 2024-11-05). Between
the transport and the client sits a guard that ends the session at once when
the server breaks the protocol in a way the SDK would only log: an answer to a
request id that was never sent, a message that is not JSON-RPC, an error that
names no request, more messages than ``max_messages``. Without it those
requests would wait for their timeout and the reason would be lost.

Each list (tools, resources, resource templates, prompts) is read page by page
through ``nextCursor`` when the server declares the capability; a failing list
is noted and the others are still read. The lists are read at once or one after
the other as ``SessionState.parallel_lists`` says (the introspector chooses by
the load of its event loop: see :mod:`hawkeye_introspect_mcp.load`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Any, Self

import anyio
import attrs
from attrs import frozen
from mcp import Client, MCPError, types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from hawkeye_core import (
    ServerInfo,
    ServerInventory,
    ServerRef,
    __version__,
    gather_with_concurrency,
)
from hawkeye_introspect_mcp.inventory import Clipper
from hawkeye_introspect_mcp.limits import IntrospectionError, Limits

__all__ = ["SessionState", "describe", "inventory_session"]

CLIENT_INFO = types.Implementation(name="hawkeye", version=__version__)

TransportStreams = tuple[Any, Any]
Transport = AbstractAsyncContextManager[TransportStreams]

_INVALID_JSON = re.compile(r"Invalid JSON: ([^\[\n]{1,120})")
_ERROR_NAMES = {
    types.METHOD_NOT_FOUND: "method not found",
    types.CONNECTION_CLOSED: "the connection closed",
    types.PARSE_ERROR: "parse error",
}


def describe(exc: BaseException, limit: int = 300) -> str:
    """One line saying what went wrong, from an exception (or the first in a group)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError):
        name = _ERROR_NAMES.get(exc.code)
        text = f"{name}: {exc.message}" if name else f"error {exc.code}: {exc.message}"
        if exc.code == types.REQUEST_TIMEOUT:
            text = "no answer within the request timeout"
        elif (invalid := _INVALID_JSON.search(exc.message)) is not None:
            # pydantic's report quotes the bytes at length; the reason is enough.
            text = f"invalid JSON ({invalid.group(1).strip()})"
    elif isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        text = f"invalid {exc.title}: {where + ': ' if where else ''}{first['msg']}"
    else:
        detail = str(exc) or type(exc).__name__
        text = detail if isinstance(exc, IntrospectionError) else f"{type(exc).__name__}: {detail}"
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class SessionState:
    """What one introspection has seen so far; read after it ends, however it ends."""

    def __init__(self, ref: ServerRef, limits: Limits) -> None:
        self.ref = ref
        self.limits = limits
        self.clipper = Clipper(limits)
        self.stage = "connecting"
        self.connected = False
        self.violation: str | None = None  # fatal: the session was ended for it
        self.notes: list[str] = []  # per-list problems; they go to the inventory's errors
        self.messages = 0
        self.sent_ids: set[str] = set()
        # Read the lists at once (a connection each over HTTP) or one after the other.
        self.parallel_lists = True
        self.found: dict[str, list[Any]] = {
            "tools": [],
            "resources": [],
            "resource_templates": [],
            "prompts": [],
        }
        self.server_info: ServerInfo | None = None
        self.protocol_version: str | None = None
        self.capabilities: dict[str, Any] = {}
        self.instructions: str | None = None

    def violate(self, message: str) -> None:
        """End the session for ``message`` (the first reason is kept)."""
        if self.violation is None:
            self.violation = message

    def inventory(self, *extra_errors: str) -> ServerInventory:
        """What was found so far, as an inventory."""
        return ServerInventory(
            ref=self.ref,
            server_info=self.server_info,
            protocol_version=self.protocol_version,
            capabilities=self.capabilities,
            instructions=self.instructions,
            tools=self.found["tools"],
            resources=self.found["resources"],
            resource_templates=self.found["resource_templates"],
            prompts=self.found["prompts"],
            errors=[*self.notes, *extra_errors],
        )


class _Guarded:
    """A transport stream wrapped for the session: closing it closes the stream inside."""

    def __init__(self, inner: Any, state: SessionState) -> None:
        self._inner = inner
        self._state = state

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class _GuardedRead(_Guarded):
    """The transport's read stream, checked message by message (see the module doc)."""

    @property
    def last_context(self) -> Any:
        # The dispatcher runs handlers in the sender's context when the stream keeps one.
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> SessionMessage | Exception:
        if self._state.violation:
            raise anyio.EndOfStream
        item: SessionMessage | Exception = await self._inner.receive()
        self._check(item)
        if self._state.violation:
            raise anyio.EndOfStream
        return item

    def _check(self, item: SessionMessage | Exception) -> None:
        state = self._state
        state.messages += 1
        if state.messages > state.limits.max_messages:
            state.violate(f"sent more than {state.limits.max_messages} messages")
        elif isinstance(item, Exception):
            state.violate(f"sent a message that is not valid JSON-RPC ({describe(item, 160)})")
        elif isinstance(item.message, types.JSONRPCResponse | types.JSONRPCError):
            ident = item.message.id
            if ident is None:
                error = item.message.error if isinstance(item.message, types.JSONRPCError) else None
                reason = describe(MCPError.from_error_data(error), 160) if error else "no id"
                state.violate(f"answered with an error that names no request ({reason})")
            elif str(ident) not in state.sent_ids:
                state.violate(
                    f"answered request id {str(ident)[:40]!r}, which was never sent (mismatched id)"
                )

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


class _GuardedWrite(_Guarded):
    """The transport's write stream, noting the id of every request sent."""

    async def send(self, item: SessionMessage, /) -> None:
        if isinstance(item.message, types.JSONRPCRequest):
            self._state.sent_ids.add(str(item.message.id))
        await self._inner.send(item)


@asynccontextmanager
async def _guarded(transport: Transport, state: SessionState) -> AsyncIterator[TransportStreams]:
    async with transport as (read, write):
        yield _GuardedRead(read, state), _GuardedWrite(write, state)


@frozen
class _List:
    """One paginated list: the capability that offers it, its method and its records."""

    capability: str
    method: str
    request: Any
    result: Any
    field: str  # the same name in the SDK result and in ServerInventory
    convert: str  # the Clipper method making one record


_LISTS = (
    _List("tools", "tools/list", types.ListToolsRequest, types.ListToolsResult, "tools", "tool"),
    _List(
        "resources",
        "resources/list",
        types.ListResourcesRequest,
        types.ListResourcesResult,
        "resources",
        "resource",
    ),
    _List(
        "resources",
        "resources/templates/list",
        types.ListResourceTemplatesRequest,
        types.ListResourceTemplatesResult,
        "resource_templates",
        "template",
    ),
    _List(
        "prompts",
        "prompts/list",
        types.ListPromptsRequest,
        types.ListPromptsResult,
        "prompts",
        "prompt",
    ),
)


async def inventory_session(transport: Transport, state: SessionState) -> ServerInventory:
    """Open a session over ``transport`` and read the server's whole inventory.

    Per-list problems end up in the inventory's ``errors``. Raises
    :class:`IntrospectionError` when the session cannot be opened or the server
    broke the protocol; the caller bounds the time.
    """
    client = Client(
        _guarded(transport, state),
        mode="auto",
        read_timeout_seconds=state.limits.request_timeout,
        client_info=CLIENT_INFO,
        cache=None,  # one listing per server: nothing to reuse, nothing to keep
    )
    state.stage = "opening the session"
    inventory: ServerInventory | None = None
    try:
        async with client:
            state.connected = True
            _read_header(client, state)
            capabilities = client.server_capabilities
            lists = [x for x in _LISTS if getattr(capabilities, x.capability, None) is not None]
            if state.parallel_lists:
                # The lists are independent requests of one session: read them at once
                # (each still page by page), saving a round trip per list; the first
                # protocol violation cancels the others.
                await gather_with_concurrency(
                    (_read_list(client, state, listing) for listing in lists),
                    max(1, len(lists)),
                    return_exceptions=False,
                )
            else:
                for listing in lists:
                    await _read_list(client, state, listing)
            inventory = state.inventory()
    except Exception as exc:
        if state.violation:
            raise IntrospectionError(f"{state.stage}: the server {state.violation}") from exc
        if inventory is not None:  # closing the session failed; what was read stands
            return attrs.evolve(inventory, errors=(*inventory.errors, f"closing: {describe(exc)}"))
        raise IntrospectionError(f"{state.stage}: {describe(exc)}") from exc
    if state.violation:  # noticed while the session was closing
        raise IntrospectionError(f"{state.stage}: the server {state.violation}")
    return inventory


def _read_header(client: Client, state: SessionState) -> None:
    clip = state.clipper
    state.server_info = clip.server_info(client.server_info)
    state.protocol_version = clip.optional_text(client.protocol_version, 64)
    state.capabilities = clip.model(client.server_capabilities)
    state.instructions = clip.optional_text(client.instructions)


async def _read_list(client: Client, state: SessionState, listing: _List) -> None:
    """Read every page of one list into ``state.found``; note why it stopped early."""
    convert: Callable[[Any], Any] = getattr(state.clipper, listing.convert)
    items = state.found[listing.field]
    method = listing.method
    limits = state.limits
    seen: set[bytes] = set()  # digests of the cursors followed, to spot a loop cheaply
    cursor: str | None = None
    for page in range(1, limits.max_pages + 1):
        state.stage = f"{method} page {page}" if page > 1 else method
        try:
            params = types.PaginatedRequestParams(cursor=cursor)
            result = await client.session.send_request(
                listing.request(params=params), listing.result
            )
        except (MCPError, ValidationError) as exc:
            if state.violation:
                raise IntrospectionError(f"{state.stage}: the server {state.violation}") from exc
            where = f"{method} (page {page})" if page > 1 else method
            state.notes.append(f"{where}: {describe(exc)}")
            return
        for entry in getattr(result, listing.field):
            if len(items) >= limits.max_items:
                state.notes.append(
                    f"{method}: more than {limits.max_items} items; the rest were not read"
                )
                return
            items.append(convert(entry))
        cursor = result.next_cursor
        if cursor is None:
            return
        digest = hashlib.blake2b(cursor.encode("utf-8", "replace"), digest_size=16).digest()
        if digest in seen:
            state.notes.append(
                f"{method}: the server sent a cursor again; stopped after page {page}"
            )
            return
        seen.add(digest)
    state.notes.append(f"{method}: more than {limits.max_pages} pages; the rest were not read")
