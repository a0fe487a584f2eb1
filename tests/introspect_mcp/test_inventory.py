"""What the introspector reads from a server: every list and page, each cut at its limit."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import types
from mcp.server import Server

from hawkeye_introspect_mcp import Limits
from hawkeye_introspect_mcp.inventory import TRUNCATED
from tests.hostile_servers import (
    RawMcpServer,
    Reply,
    deep_tool_list,
    jsonrpc_result,
    tool,
)
from tests.introspect_mcp.support import (
    assert_demo_lists,
    http_ref,
    inspect_one,
    paging_server,
    serve_asgi,
)


def tools_only_server(requests: list[str]) -> Server[Any]:
    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        requests.append("tools/list")
        return types.ListToolsResult(
            tools=[types.Tool(name="only", input_schema={"type": "object"})]
        )

    return Server("tools-only", on_list_tools=list_tools)


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
def test_inventory_over_http_transports_is_exact(
    transport: str, demo_http: str, demo_sse: str
) -> None:
    url = demo_http if transport == "streamable-http" else demo_sse
    inventory = inspect_one(http_ref(url, transport))
    assert inventory.server_info is not None
    assert (inventory.server_info.name, inventory.server_info.version) == ("demo", "1.2.3")
    assert inventory.protocol_version == "2026-07-28"
    assert set(inventory.capabilities) == {"tools", "resources", "prompts"}
    assert inventory.instructions == "Be nice."
    assert inventory.auth is not None and inventory.auth.required is False
    assert_demo_lists(inventory)


@pytest.mark.parametrize("version", ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
def test_handshake_era_servers_are_inventoried_with_their_version(version: str) -> None:
    with RawMcpServer(protocol_version=version, tools=[tool("echo"), tool("ping")]) as server:
        inventory = inspect_one(http_ref(server.url()))
    assert inventory.protocol_version == version
    assert [t.name for t in inventory.tools] == ["echo", "ping"]
    assert server.requests[:2] == ["server/discover", "initialize"]


def test_every_page_of_every_list_is_read() -> None:
    requests: list[str] = []
    with serve_asgi(lambda port: paging_server(requests).streamable_http_app()) as port:
        inventory = inspect_one(http_ref(f"http://127.0.0.1:{port}/mcp"))
    assert [t.name for t in inventory.tools] == [f"tool-{i:03}" for i in range(250)]
    assert [r.uri for r in inventory.resources] == [f"doc://{i}" for i in range(35)]
    assert [p.name for p in inventory.prompts] == [f"prompt-{i:02}" for i in range(23)]
    assert requests.count("tools/list") == 25
    assert requests.count("resources/list") == 4
    assert requests.count("prompts/list") == 5
    # A listed capability whose one list the server does not serve: noted, the rest read.
    [error] = inventory.errors
    assert error.startswith("resources/templates/list: method not found")


def test_lists_of_capabilities_the_server_lacks_are_not_asked_for() -> None:
    requests: list[str] = []
    with serve_asgi(lambda port: tools_only_server(requests).streamable_http_app()) as port:
        inventory = inspect_one(http_ref(f"http://127.0.0.1:{port}/mcp"))
    assert set(inventory.capabilities) == {"tools"}
    assert [t.name for t in inventory.tools] == ["only"]
    assert (inventory.resources, inventory.resource_templates, inventory.prompts) == ((), (), ())
    assert requests == ["tools/list"]
    assert inventory.errors == ()


def test_a_cursor_sent_again_ends_the_list() -> None:
    def looping(message: dict[str, Any]) -> Reply:
        return jsonrpc_result(message["id"], {"tools": [tool("t")], "nextCursor": "again"})

    with RawMcpServer({"tools/list": looping}) as server:
        inventory = inspect_one(http_ref(server.url()))
    assert len(inventory.tools) == 2  # the first page, and the one the repeated cursor got
    assert inventory.errors == ("tools/list: the server sent a cursor again; stopped after page 2",)


def test_a_flooded_list_is_cut_at_max_items() -> None:
    def flood(message: dict[str, Any]) -> Reply:
        return jsonrpc_result(message["id"], {"tools": [tool(f"t{i}") for i in range(3000)]})

    with RawMcpServer({"tools/list": flood}) as server:
        inventory = inspect_one(http_ref(server.url()), options={"max_items": 500})
    assert [t.name for t in inventory.tools] == [f"t{i}" for i in range(500)]
    assert inventory.errors == ("tools/list: more than 500 items; the rest were not read",)


def test_a_huge_description_is_cut_with_a_marker() -> None:
    def huge(message: dict[str, Any]) -> Reply:
        return jsonrpc_result(message["id"], {"tools": [tool("big", "A" * 200_000)]})

    with RawMcpServer({"tools/list": huge}) as server:
        inventory = inspect_one(http_ref(server.url()), options={"max_string": 1000})
    description = inventory.tools[0].description
    assert description.startswith("A" * 1000)
    assert description.endswith(f"{TRUNCATED} 199000 characters]")
    assert len(description) < 1100


def test_schema_nesting_is_cut_at_max_depth() -> None:
    with RawMcpServer({"tools/list": lambda m: deep_tool_list(m["id"], 60)}) as server:
        inventory = inspect_one(http_ref(server.url()), options={"max_depth": 8})
    node: Any = inventory.tools[0].input_schema
    for _ in range(4):  # depth 8: four levels of {"properties": {"x": ...}}
        node = node["properties"]["x"]
    assert node == f"{TRUNCATED}: nested deeper than 8 levels]"


def test_nesting_beyond_the_json_parser_is_a_list_error_not_a_crash() -> None:
    with RawMcpServer({"tools/list": lambda m: deep_tool_list(m["id"], 5000)}) as server:
        inventory = inspect_one(http_ref(server.url()))
    assert inventory.tools == ()
    [error] = inventory.errors
    assert error.startswith("tools/list: invalid JSON (recursion limit exceeded")
    assert inventory.server_info is not None and inventory.server_info.name == "hostile"


def test_an_answer_over_max_message_bytes_is_a_list_error() -> None:
    def big(message: dict[str, Any]) -> Reply:
        return jsonrpc_result(
            message["id"], {"tools": [tool(f"t{i}", "x" * 200) for i in range(500)]}
        )

    with RawMcpServer({"tools/list": big}) as server:
        inventory = inspect_one(http_ref(server.url()), options={"max_message_bytes": 64 * 1024})
    assert inventory.tools == ()
    assert inventory.errors == (
        "tools/list: parse error: Failed to parse JSON response: an answer larger than 64 KiB",
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout must be seconds"),
        ({"max_items": "many"}, "max_items must be a whole number"),
        ({"tls_verify": "sometimes"}, "tls_verify must be true, false or 'auto'"),
        ({"speed": 3}, "unknown options ['speed']"),
    ],
)
def test_bad_options_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        Limits.from_options(options)
