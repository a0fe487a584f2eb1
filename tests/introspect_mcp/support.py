"""Servers on loopback and helpers shared by the ``mcp`` introspector's tests.

Well-behaved servers are the official SDK's (``MCPServer`` and the low-level
``Server``) under uvicorn, over Streamable HTTP and legacy HTTP+SSE, and an SDK
stdio script; misbehaving ones are scripted in :mod:`tests.hostile_servers`.
Nothing is mocked.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from mcp import types
from mcp.server import Server
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse

import hawkeye_introspect_mcp
from hawkeye_core import (
    Detector,
    ScanResult,
    ServerInventory,
    ServerRef,
    Settings,
    run_sync,
)
from hawkeye_core.testing import run_pipeline
from hawkeye_introspect_mcp import Limits, McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from tests.helpers import plugin

DEMO_SCRIPT = Path(__file__).parent.parent / "data" / "stdio_servers" / "demo_server.py"
TOKEN = "s3cret-token"
#: The name the plugin module registers under when a test passes it directly.
OPTIONS_KEY = hawkeye_introspect_mcp.__name__


@contextmanager
def serve_asgi(make_app: Callable[[int], Any]) -> Iterator[int]:
    """Serve the ASGI app ``make_app(port)`` on 127.0.0.1; yield its port."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so,
    # and without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(port), log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def demo_server() -> MCPServer:
    server = MCPServer(name="demo", title="Demo", version="1.2.3", instructions="Be nice.")

    @server.tool(title="Adder", annotations=types.ToolAnnotations(readOnlyHint=True))
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.resource(
        "file:///readme", name="readme", description="The readme", mime_type="text/plain"
    )
    def readme() -> str:
        return "hi"

    @server.resource("note://{name}", name="note", description="A note")
    def note(name: str) -> str:
        return name

    @server.prompt(description="Greets someone")
    def greet(name: str, polite: bool = True) -> str:
        return f"hi {name}"

    return server


def paging_server(requests: list[str]) -> Server[Any]:
    """250 tools in pages of 10, 35 resources in pages of 10, 23 prompts in pages of 5.

    It serves resources/list but not resources/templates/list, which is
    therefore "method not found".
    """

    def page(items: list[Any], params: types.PaginatedRequestParams | None, size: int) -> Any:
        start = int(params.cursor) if params and params.cursor else 0
        end = start + size
        return items[start:end], (str(end) if end < len(items) else None)

    tools = [types.Tool(name=f"tool-{i:03}", input_schema={"type": "object"}) for i in range(250)]
    resources = [types.Resource(uri=f"doc://{i}", name=f"doc-{i}") for i in range(35)]
    prompts = [types.Prompt(name=f"prompt-{i:02}") for i in range(23)]

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        requests.append("tools/list")
        items, cursor = page(tools, params, 10)
        return types.ListToolsResult(tools=items, next_cursor=cursor)

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        requests.append("resources/list")
        items, cursor = page(resources, params, 10)
        return types.ListResourcesResult(resources=items, next_cursor=cursor)

    async def list_prompts(ctx: Any, params: Any) -> types.ListPromptsResult:
        requests.append("prompts/list")
        items, cursor = page(prompts, params, 5)
        return types.ListPromptsResult(prompts=items, next_cursor=cursor)

    return Server(
        "pager",
        version="9",
        on_list_tools=list_tools,
        on_list_resources=list_resources,
        on_list_prompts=list_prompts,
    )


class _Verifier:
    async def verify_token(self, token: str) -> AccessToken | None:
        return (
            AccessToken(token=token, client_id="tests", scopes=["mcp"]) if token == TOKEN else None
        )


def guarded_app(port: int) -> Any:
    """An MCPServer behind OAuth: 401 + resource metadata, and its authorization server."""
    base = f"http://127.0.0.1:{port}"
    server = MCPServer(
        name="guarded",
        token_verifier=_Verifier(),
        auth=AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            required_scopes=["mcp"],
            validate_token_resource=False,  # the verifier knows its one token
        ),
    )

    @server.tool()
    def vault() -> str:
        """Opens the vault."""
        return "gold"

    @server.custom_route("/.well-known/oauth-authorization-server", methods=["GET"])
    async def metadata(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    return server.streamable_http_app()


def inspect_one(
    ref: ServerRef,
    *,
    options: dict[str, Any] | None = None,
    settings: Settings | None = None,
    emitted: list[Any] | None = None,
) -> ServerInventory:
    """Run the introspector on one reference, the way ``hawkeye inspect`` does."""
    introspector = McpIntrospector()
    options = options or {}
    seconds = Limits.from_options(options).timeout
    emitted = [] if emitted is None else emitted
    ctx = standalone_context(introspector, settings or Settings(), options, seconds, emitted)
    return run_sync(introspector.run, ref, ctx)


def http_ref(url: str, transport: str = "streamable-http") -> ServerRef:
    return ServerRef(transport=transport, url=url, found_in="test")


def run_refs(
    refs: list[ServerRef], *, options: dict[str, Any] | None = None, allow_exec: bool = False
) -> ScanResult:
    """A whole pipeline run in which a host detector finds ``refs``."""
    finder = plugin(
        "found-refs",
        hawkeye_detectors=lambda: [Detector(name="refs", on="host", run=lambda ctx: list(refs))],
    )
    settings = Settings(local=True, allow_exec=allow_exec, plugin={OPTIONS_KEY: options or {}})
    return run_pipeline([], finder, hawkeye_introspect_mcp, settings=settings)


def assert_demo_lists(inventory: ServerInventory) -> None:
    assert [(t.name, t.title, t.description) for t in inventory.tools] == [
        ("add", "Adder", "Add two numbers.")
    ]
    add = inventory.tools[0]
    assert add.input_schema["required"] == ("a", "b")
    assert add.input_schema["properties"]["a"]["type"] == "integer"
    assert add.output_schema is not None
    assert add.output_schema["properties"]["result"]["type"] == "integer"
    assert dict(add.annotations) == {"readOnlyHint": True}
    assert [(r.uri, r.name, r.description, r.mime_type) for r in inventory.resources] == [
        ("file:///readme", "readme", "The readme", "text/plain")
    ]
    assert [(t.uri_template, t.name, t.description) for t in inventory.resource_templates] == [
        ("note://{name}", "note", "A note")
    ]
    [prompt] = inventory.prompts
    assert (prompt.name, prompt.description) == ("greet", "Greets someone")
    assert [(a.name, a.required) for a in prompt.arguments] == [("name", True), ("polite", False)]
    assert inventory.errors == ()
