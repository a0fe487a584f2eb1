"""The ``mcp`` introspector and ``hawkeye inspect``, against real servers on loopback.

Well-behaved servers are the official SDK's (``MCPServer`` and the low-level
``Server``) under uvicorn, over Streamable HTTP and legacy HTTP+SSE, and an SDK
stdio script; misbehaving ones are scripted in :mod:`tests.hostile_servers`.
Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import pickle
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest
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
    BreakerState,
    CircuitOpenError,
    Detector,
    ScanResult,
    ServerInventory,
    ServerRef,
    Settings,
    run_sync,
)
from hawkeye_core.testing import run_pipeline
from hawkeye_introspect_mcp import NOT_STARTED, IntrospectionError, Limits, McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from hawkeye_introspect_mcp.inventory import TRUNCATED
from tests.helpers import hawkeye, plugin
from tests.hostile_servers import (
    RawMcpServer,
    Reply,
    deep_tool_list,
    jsonrpc_result,
    log_notifications,
    tool,
)

DEMO_SCRIPT = Path(__file__).parent / "data" / "stdio_servers" / "demo_server.py"
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


def tools_only_server(requests: list[str]) -> Server[Any]:
    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        requests.append("tools/list")
        return types.ListToolsResult(
            tools=[types.Tool(name="only", input_schema={"type": "object"})]
        )

    return Server("tools-only", on_list_tools=list_tools)


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


@pytest.fixture(scope="module")
def demo_http() -> Iterator[str]:
    with serve_asgi(lambda port: demo_server().streamable_http_app()) as port:
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture(scope="module")
def demo_sse() -> Iterator[str]:
    with serve_asgi(lambda port: demo_server().sse_app()) as port:
        yield f"http://127.0.0.1:{port}/sse"


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    with serve_asgi(guarded_app) as port:
        yield f"http://127.0.0.1:{port}/mcp"


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


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper is dead)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stdio_ref(*args: str, env: dict[str, str] | None = None) -> ServerRef:
    return ServerRef(
        transport="stdio",
        command=[sys.executable, str(DEMO_SCRIPT), *args],
        env=env or {},
        found_in="test config",
    )


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


def _drip(message: dict[str, Any]) -> Reply:
    reply = jsonrpc_result(message["id"], {"protocolVersion": "2025-06-18", "capabilities": {}})
    reply.drip = 0.05  # one byte every 50 ms: never slow enough for a read timeout
    return reply


def _forever(message: dict[str, Any]) -> Reply:
    return Reply(sse_forever=True)


def _invalid_json(message: dict[str, Any]) -> Reply:
    return Reply(b'{"jsonrpc": "2.0", "id": 1, "result": {this is not json')


def _mismatched(message: dict[str, Any]) -> Reply:
    return jsonrpc_result(message["id"] + 1000, {"tools": []})


def _chatty(message: dict[str, Any]) -> Reply:
    return Reply(sse_forever=True, events=log_notifications(300))


#: (handlers, path, transport, expected error, whether the deadline is what ends it)
HOSTILE: dict[str, tuple[dict[str, Any], str, str, str, bool]] = {
    "drips": ({"initialize": _drip}, "/mcp", "streamable-http", "stopped during opening", True),
    "never ends its SSE answer": (
        {"tools/list": _forever},
        "/mcp",
        "streamable-http",
        "stopped during tools/list",
        True,
    ),
    "never answers on its SSE stream": (
        {"initialize": _forever},
        "/sse",
        "sse",
        "stopped during opening",
        True,
    ),
    "sends invalid JSON": (
        {"initialize": _invalid_json},
        "/mcp",
        "streamable-http",
        "opening the session: invalid JSON (key must be a string",
        False,
    ),
    "sends invalid JSON over SSE": (
        {"initialize": _invalid_json},
        "/sse",
        "sse",
        "the server sent a message that is not valid JSON-RPC",
        False,
    ),
    "floods notifications": (
        {"tools/list": _chatty},
        "/mcp",
        "streamable-http",
        "tools/list: the server sent more than 100 messages",
        False,
    ),
    "answers a mismatched id": (
        {"tools/list": _mismatched},
        "/mcp",
        "streamable-http",
        "tools/list: the server answered request id '1003', which was never sent",
        False,
    ),
}


@pytest.mark.parametrize("behaviour", list(HOSTILE))
def test_a_hostile_server_gets_a_clear_error_within_its_deadline(behaviour: str) -> None:
    handlers, path, transport, expected, by_deadline = HOSTILE[behaviour]
    # A short deadline for the servers that stall; a long one for those that must be
    # cut off as soon as they misbehave, well before any deadline.
    deadline = 1.5 if by_deadline else 10.0
    emitted: list[Any] = []
    with RawMcpServer(handlers) as server:
        started = time.monotonic()
        with pytest.raises(IntrospectionError) as failure:
            inspect_one(
                http_ref(server.url(path), transport),
                options={"timeout": deadline, "max_messages": 100},
                emitted=emitted,
            )
        elapsed = time.monotonic() - started
    message = str(failure.value)
    assert expected in message
    assert "\n" not in message
    if by_deadline:
        assert message.startswith("no complete answer within 1.5 s")
        assert 1.4 < elapsed < 3.0  # the deadline, and a bounded clean-up
    else:
        assert elapsed < 3.0
    if behaviour in ("never ends its SSE answer", "answers a mismatched id"):
        # It failed after the session opened: what was read so far is emitted, marked.
        [partial] = emitted
        assert partial.server_info.name == "hostile"
        assert partial.errors[-1] == message


@contextmanager
def running(handler_sets: list[dict[str, Any]]) -> Iterator[list[RawMcpServer]]:
    servers = [RawMcpServer(handlers) for handlers in handler_sets]
    for server in servers:
        server.__enter__()
    try:
        yield servers
    finally:
        for server in servers:
            server.__exit__(None, None, None)


def test_hostile_servers_fail_alone_and_the_run_goes_on(demo_http: str) -> None:
    names = ["drips", "never ends its SSE answer", "sends invalid JSON", "answers a mismatched id"]
    with running([HOSTILE[name][0] for name in names]) as servers:
        refs = [http_ref(demo_http)] + [http_ref(s.url()) for s in servers]
        started = time.monotonic()
        result = run_refs(refs, options={"timeout": 1.5})
        elapsed = time.monotonic() - started
    complete = [i for i in result.inventories if i.ref.url == demo_http]
    [demo] = complete
    assert_demo_lists(demo)
    failed = {o.subject: o for o in result.errors if o.kind == "introspector"}
    assert len(failed) == 4
    assert all(o.status == "error" and o.error for o in failed.values())
    assert elapsed < 5.0  # the hostile ones ran side by side, each within its own deadline


def test_a_401_is_recorded_as_the_auth_posture(guarded: str) -> None:
    origin = guarded.removesuffix("/mcp")
    inventory = inspect_one(http_ref(guarded))
    auth = inventory.auth
    assert auth is not None
    assert (auth.required, auth.status) == (True, 401)
    assert auth.www_authenticate is not None
    assert f'resource_metadata="{origin}/.well-known/oauth-protected-resource/mcp"' in (
        auth.www_authenticate
    )
    assert auth.resource_metadata is not None
    assert auth.resource_metadata["resource"] == guarded
    assert [s.rstrip("/") for s in auth.authorization_servers] == [origin]
    assert (inventory.tools, inventory.protocol_version) == ((), None)
    assert inventory.errors[0].startswith("needs credentials: HTTP 401")


def test_the_authorization_servers_metadata_is_fetched(guarded: str) -> None:
    introspector = McpIntrospector()
    limits = Limits()
    ctx = standalone_context(introspector, Settings(), {}, 10, [])
    fetch = introspector.metadata_fetcher(limits, ctx)
    origin = guarded.removesuffix("/mcp")

    async def both() -> tuple[Any, Any]:
        return await fetch(f"{origin}/.well-known/oauth-authorization-server"), await fetch(
            f"{origin}/.well-known/nothing-here"
        )

    found, missing = run_sync(both())
    assert found["issuer"] == origin
    assert found["code_challenge_methods_supported"] == ["S256"]
    assert missing is None


def test_with_a_bearer_token_the_protected_server_is_inventoried(guarded: str) -> None:
    settings = Settings(
        headers=(("Authorization", f"Bearer {TOKEN}"),), credential_hosts=("127.0.0.1",)
    )
    inventory = inspect_one(http_ref(guarded), settings=settings)
    assert [t.name for t in inventory.tools] == ["vault"]
    assert inventory.auth is not None and inventory.auth.required is None
    assert inventory.errors == ()


def test_a_refused_token_is_said_so(guarded: str) -> None:
    settings = Settings(
        headers=(("Authorization", "Bearer wrong"),), credential_hosts=("127.0.0.1",)
    )
    inventory = inspect_one(http_ref(guarded), settings=settings)
    assert inventory.auth is not None and inventory.auth.status == 401
    assert inventory.errors[0].startswith("the credentials sent were refused: HTTP 401")


def test_http_clients_are_reused_for_the_same_server(demo_http: str) -> None:
    introspector = McpIntrospector()
    ctx = standalone_context(introspector, Settings(), {}, 10, [])

    async def twice() -> dict[str, int]:
        await introspector.run(http_ref(demo_http), ctx)
        await introspector.run(http_ref(demo_http), ctx)
        return introspector.clients.stats()

    assert run_sync(twice()) == {"created": 1, "reused": 1, "closed": 0}


def test_a_failing_host_opens_its_circuit_breaker() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        introspector = McpIntrospector()
        ctx = standalone_context(introspector, Settings(breaker_threshold=2), {}, 10, [])
        ctx.breakers = type(ctx.breakers)(failure_threshold=2, reset_timeout=60)
        ref = http_ref(f"http://127.0.0.1:{port}/mcp")
        for _ in range(2):
            with pytest.raises(IntrospectionError, match="ConnectError"):
                run_sync(introspector.run, ref, ctx)
        assert ctx.breakers.get("mcp:127.0.0.1").state is BreakerState.OPEN
        with pytest.raises(CircuitOpenError):
            run_sync(introspector.run, ref, ctx)


def test_stdio_servers_are_not_started_without_allow_exec(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    result = run_refs([stdio_ref(str(marker))])
    [inventory] = result.inventories
    assert inventory.errors == (NOT_STARTED,)
    assert inventory.tools == ()
    time.sleep(0.2)
    assert not marker.exists()


def test_stdio_server_is_inventoried_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAWKEYE_TEST_SECRET", "must not leak")
    pids = tmp_path / "pids"
    ref = stdio_ref(str(pids), env={"MODE": "test", "API_TOKEN": "<redacted:secret:12 chars>"})
    result = run_refs([ref], allow_exec=True)
    [inventory] = result.inventories
    assert inventory.server_info is not None and inventory.server_info.name == "stdio-demo"
    assert inventory.protocol_version == "2026-07-28"
    assert [t.name for t in inventory.tools] == ["add", "environment"]
    passed = set(inventory.tools[1].description.removeprefix("Environment: ").split(","))
    assert {"PATH", "HOME", "MODE"} <= passed <= {"PATH", "HOME", "MODE", "LC_CTYPE"}
    assert [r.uri for r in inventory.resources] == ["memo://today"]
    assert [(a.name, a.required) for a in inventory.prompts[0].arguments] == [
        ("text", True),
        ("style", False),
    ]
    assert inventory.errors == (
        "environment variable API_TOKEN is redacted in the config: not passed",
    )
    server_pid, child_pid = map(int, pids.read_text().split())
    assert not alive(server_pid)
    assert not alive(child_pid)


def test_a_stdio_server_past_its_deadline_is_killed_with_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    emitted: list[Any] = []
    started = time.monotonic()
    with pytest.raises(IntrospectionError, match=r"no complete answer within 1 s"):
        inspect_one(
            stdio_ref(str(pids), "hang"),
            options={"timeout": 1},
            settings=Settings(allow_exec=True),
            emitted=emitted,
        )
    assert time.monotonic() - started < 3.0
    server_pid, child_pid = map(int, pids.read_text().split())
    assert not alive(server_pid)
    assert not alive(child_pid)
    assert emitted == []  # it never opened a session


def test_a_cancelled_stdio_introspection_leaves_no_process(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    introspector = McpIntrospector()
    ctx = standalone_context(introspector, Settings(allow_exec=True), {}, 30, [])

    async def start_then_cancel() -> None:
        task = asyncio.create_task(introspector.run(stdio_ref(str(pids), "hang"), ctx))
        while not pids.exists():
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_sync(start_then_cancel())
    server_pid, child_pid = map(int, pids.read_text().split())
    assert not alive(server_pid)
    assert not alive(child_pid)


def test_the_introspector_can_be_shipped_to_another_process(demo_http: str) -> None:
    # A level backed by a cluster pickles the run callable; the copy starts with no clients.
    introspector = McpIntrospector()
    copy = pickle.loads(pickle.dumps(introspector.record().run))
    ctx = standalone_context(introspector, Settings(), {}, 10, [])
    assert [t.name for t in run_sync(copy, http_ref(demo_http), ctx).tools] == ["add"]


def test_a_stdio_command_that_does_not_exist_is_one_line() -> None:
    ref = ServerRef(transport="stdio", command=["no-such-mcp-server-hawkeye"], found_in="test")
    with pytest.raises(
        IntrospectionError, match="cannot start 'no-such-mcp-server-hawkeye': not found"
    ):
        inspect_one(ref, settings=Settings(allow_exec=True))


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


@pytest.fixture(scope="module")
def cli_prefix(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Root options that load the plugin in a ``hawkeye`` subprocess.

    Through its entry point once pyproject registers it; until then through a
    plugins folder holding a one-line shim.
    """
    names = {ep.name for ep in importlib.metadata.entry_points(group="hawkeye")}
    if "introspect_mcp" in names:
        return []
    folder = tmp_path_factory.mktemp("plugins")
    (folder / "introspect_mcp.py").write_text(
        "from hawkeye_introspect_mcp import (  # noqa: F401\n"
        "    hawkeye_commands, hawkeye_configure, hawkeye_introspectors,\n)\n"
    )
    return ["--plugins-dir", str(folder)]


def test_inspect_prints_a_table(cli_prefix: list[str], demo_http: str) -> None:
    done = hawkeye(*cli_prefix, "inspect", demo_http)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "server        demo 1.2.3 (Demo)"
    assert lines[1] == f"target        {demo_http}  [streamable-http]"
    assert lines[2] == "protocol      2026-07-28"
    assert "tools (1)" in lines
    assert "  add (Adder)  Add two numbers.  [readOnly]" in lines
    assert "  greet(name*, polite)  Greets someone" in lines
    assert "errors" not in done.stdout


def test_inspect_prints_json(cli_prefix: list[str], demo_sse: str) -> None:
    done = hawkeye(*cli_prefix, "inspect", demo_sse, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["ref"]["transport"] == "sse"  # guessed from the /sse path
    assert data["server_info"]["name"] == "demo"
    assert [t["name"] for t in data["tools"]] == ["add"]
    assert data["prompts"][0]["arguments"][0] == {
        "name": "name",
        "description": "",
        "required": True,
    }


def test_inspect_with_bearer_reaches_the_protected_tools(
    cli_prefix: list[str], guarded: str
) -> None:
    refused = hawkeye(*cli_prefix, "inspect", guarded, "--format", "json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["auth"]["status"] == 401
    assert refused.stderr.strip().startswith("hawkeye: error: needs credentials: HTTP 401")
    done = hawkeye(*cli_prefix, "inspect", guarded, "--bearer", TOKEN, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert [t["name"] for t in json.loads(done.stdout)["tools"]] == ["vault"]


def test_inspect_stdio_needs_allow_exec(cli_prefix: list[str], tmp_path: Path) -> None:
    marker = tmp_path / "started"
    done = hawkeye(*cli_prefix, "inspect", f"stdio:{sys.executable} {DEMO_SCRIPT} {marker}")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("hawkeye: error: ") and "only with --allow-exec" in line
    assert done.stdout == ""
    assert not marker.exists()


def test_inspect_stdio_with_allow_exec(cli_prefix: list[str]) -> None:
    done = hawkeye(*cli_prefix, "inspect", f"stdio:{sys.executable} {DEMO_SCRIPT}", "--allow-exec")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "server        stdio-demo 0.4.2"


def test_inspect_of_an_unreachable_server_is_one_line(cli_prefix: list[str]) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/mcp"
        done = hawkeye(*cli_prefix, "inspect", url, "--timeout", "5")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("hawkeye: error: opening the session: ConnectError")


@pytest.mark.parametrize(
    "args",
    [["ftp://127.0.0.1/x"], ["stdio:"], ["stdio:python x.py", "--transport", "sse"]],
)
def test_inspect_usage_errors_exit_2(cli_prefix: list[str], args: list[str]) -> None:
    done = hawkeye(*cli_prefix, "inspect", *args)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1


def test_escape_codes_from_a_server_are_not_printed(cli_prefix: list[str]) -> None:
    evil = tool("evil\x1b[2J", "Hides \x1b[8mthis\x1b[0m\nand a second line")
    with RawMcpServer(tools=[evil]) as server:
        done = hawkeye(*cli_prefix, "inspect", server.url())
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert (
        "  evil\\x1b[2J  Hides \\x1b[8mthis\\x1b[0m\\nand a second line" in done.stdout.splitlines()
    )


def test_a_server_its_config_disables_is_never_started_even_with_allow_exec(tmp_path):
    import hawkeye_introspect_mcp
    from hawkeye_core import ServerRef, Settings
    from hawkeye_core.testing import run_pipeline

    marker = tmp_path / "started"
    script = tmp_path / "server.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('started')\n")

    class Config:
        __name__ = "disabled-config"

        @staticmethod
        @__import__("hawkeye_core").hookimpl
        def hawkeye_detectors():
            from hawkeye_core import Detector

            yield Detector(
                name="cfg",
                on="host",
                run=lambda ctx: ServerRef(
                    transport="stdio",
                    command=(sys.executable, str(script)),
                    name="off",
                    evidence=("configured in Test (x.json)", "disabled in config"),
                ),
            )

    result = run_pipeline([], Config(), hawkeye_introspect_mcp, settings=Settings(allow_exec=True))
    [inventory] = result.inventories
    assert inventory.errors == ("not started: the config marks this server disabled",)
    assert not marker.exists()


def test_the_auth_posture_keeps_the_authorization_servers_metadata():
    import json

    from hawkeye_lab.runner import running_lab
    from tests.helpers import hawkeye

    with running_lab(only=["oauth"]) as lab:
        [server] = lab.network
        done = hawkeye("inspect", server.url, "--format", "json")
    assert done.returncode == 1  # it needs credentials: not inventoried, posture recorded
    auth = json.loads(done.stdout)["auth"]
    assert auth["required"] is True and auth["status"] == 401
    assert auth["authorization_servers"]
    issuer = auth["authorization_servers"][0]
    assert issuer in auth["authorization_server_metadata"]
    assert auth["authorization_server_metadata"][issuer]["issuer"].rstrip("/") == issuer.rstrip("/")


def test_a_stdio_server_starts_in_the_working_directory_its_config_gives(tmp_path):
    import shutil

    import hawkeye_introspect_mcp
    from hawkeye_core import Detector, ServerRef, Settings, hookimpl
    from hawkeye_core.testing import run_pipeline

    shutil.copy(Path(__file__).parent / "data" / "stdio_servers" / "demo_server.py", tmp_path)
    refs = [
        # a relative script: found only when the server starts in tmp_path
        ServerRef(
            transport="stdio",
            command=(sys.executable, "demo_server.py"),
            cwd=str(tmp_path),
            name="here",
        ),
        ServerRef(
            transport="stdio",
            command=(sys.executable, "demo_server.py", "x"),
            cwd=str(tmp_path / "gone"),
            name="gone",
        ),
    ]

    class Config:
        __name__ = "cwd-config"

        @staticmethod
        @hookimpl
        def hawkeye_detectors():
            yield Detector(name="cfg", on="host", run=lambda ctx: refs)

    result = run_pipeline([], Config(), hawkeye_introspect_mcp, settings=Settings(allow_exec=True))
    by_name = {inv.ref.name: inv for inv in result.inventories}
    assert by_name["here"].tools and not by_name["here"].errors
    assert "working directory" in by_name["gone"].errors[0]
    assert "is missing" in by_name["gone"].errors[0]
