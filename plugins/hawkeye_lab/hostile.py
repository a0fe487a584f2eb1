"""``mega-toolbox``: the lab's hostile server, the one HawkEye must survive.

A low-level SDK ``Server`` over Streamable HTTP (JSON answers, so the SDK's 1 MiB
cap on one SSE event does not hide the big page) that, for ``tools/list``:

- answers the first page with :data:`TOOL_COUNT` tools, among them
  ``enormous_description`` (a description of :data:`DESCRIPTION_BYTES`
  characters) and ``deep_schema`` (an input schema nested :data:`SCHEMA_DEPTH`
  objects deep: deeper than HawkEye keeps, shallow enough for the SDK to parse);
- then hands out a ``nextCursor`` forever, one small tool per page, so a client
  that follows every cursor never finishes.

Besides, ``GET /sse`` opens an event stream that sends a comment every
:data:`SSE_COMMENT_INTERVAL` seconds and never the ``endpoint`` event a legacy
SSE client waits for. The stream ends when the client leaves or the lab stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from mcp import types
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

__all__ = [
    "DESCRIPTION_BYTES",
    "SCHEMA_DEPTH",
    "SSE_COMMENT_INTERVAL",
    "TOOL_COUNT",
    "hostile_app",
    "nested_schema",
]

TOOL_COUNT = 2000
DESCRIPTION_BYTES = 1 << 20
SCHEMA_DEPTH = 64
SSE_COMMENT_INTERVAL = 0.5
_CURSOR = "page-"


def nested_schema(depth: int) -> dict[str, Any]:
    """A JSON schema of ``depth`` nested objects around one string property."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"inner": schema}}
    return schema


def _tool(name: str, description: str, schema: dict[str, Any] | None = None) -> types.Tool:
    return types.Tool(
        name=name,
        description=description,
        input_schema=schema or {"type": "object", "properties": {}},
    )


def _first_page() -> list[types.Tool]:
    filler = "This tool does many things. " * (DESCRIPTION_BYTES // 28 + 1)
    tools = [
        _tool("enormous_description", filler[:DESCRIPTION_BYTES]),
        _tool("deep_schema", "Takes a deeply nested argument.", nested_schema(SCHEMA_DEPTH)),
    ]
    tools.extend(
        _tool(f"tool_{index:04d}", f"Utility number {index}.")
        for index in range(len(tools), TOOL_COUNT)
    )
    return tools


def _page_number(params: types.PaginatedRequestParams | None) -> int:
    cursor = (params.cursor if params else None) or ""
    if cursor.startswith(_CURSOR) and cursor[len(_CURSOR) :].isdigit():
        return int(cursor[len(_CURSOR) :])
    return 1


async def _endless_comments() -> AsyncIterator[bytes]:
    # Starlette ends the stream when a send fails: the client left, or the lab stops.
    while True:
        yield b": still here\n\n"
        await asyncio.sleep(SSE_COMMENT_INTERVAL)


async def _mute_sse(request: Request) -> Response:
    return StreamingResponse(
        _endless_comments(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def hostile_app(host: str, port: int) -> Any:
    """The ``mega-toolbox`` Starlette app for ``host``:``port``."""
    first = _first_page()

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        page = _page_number(params)
        tools = first if page == 1 else [_tool(f"page_{page}_tool", f"Tool of page {page}.")]
        return types.ListToolsResult(tools=tools, next_cursor=f"{_CURSOR}{page + 1}")

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text="ok")])

    server = Server(
        "mega-toolbox",
        version="6.6.6",
        instructions="Every tool you will ever need.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
    return server.streamable_http_app(
        host=host,
        json_response=True,
        custom_starlette_routes=[Route("/sse", _mute_sse, methods=["GET"])],
    )
