"""The auth posture's authorization servers: looked up at once, each on its own."""

from __future__ import annotations

import json
from typing import Any

from hawkeye_core import ServerRef, Settings
from hawkeye_core.concurrency.aio import run_sync
from hawkeye_introspect_mcp import Limits, McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from tests import servers


def oauth_server(issuers: list[str]) -> Any:
    """A server that asks for a token and names ``issuers`` (``{self}``: its own origin)."""
    state: dict[str, str] = {}

    def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        origin = state["origin"]
        if path == "/.well-known/oauth-protected-resource/mcp":
            document = {
                "resource": f"{origin}/mcp",
                "authorization_servers": [i.replace("{self}", origin) for i in issuers],
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()
        if path == "/.well-known/oauth-authorization-server":
            document = {"issuer": origin, "token_endpoint": f"{origin}/token"}
            return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()
        if path == "/mcp":
            challenge = (
                f'Bearer resource_metadata="{origin}/.well-known/oauth-protected-resource/mcp"'
            )
            return 401, {"WWW-Authenticate": challenge}, b""
        return 404, {}, b""

    return state, handle


def posture(issuers: list[str]) -> tuple[Any, str]:
    state, handle = oauth_server(issuers)
    with servers.http_server(handle) as listener:
        origin = state["origin"] = listener.url("").rstrip("/")
        ref = ServerRef(transport="streamable-http", url=f"{origin}/mcp", found_in="test")
        introspector = McpIntrospector()
        seconds = Limits.from_options({}).timeout
        ctx = standalone_context(introspector, Settings(), {}, seconds, [])
        inventory = run_sync(introspector.run, ref, ctx)
    return inventory, origin


def test_a_malformed_authorization_server_costs_only_its_own_entry() -> None:
    inventory, origin = posture(["http://[not-a-host", "{self}"])
    auth = inventory.auth
    assert auth is not None and auth.required and auth.status == 401
    assert auth.authorization_servers == ("http://[not-a-host", origin)
    metadata = auth.authorization_server_metadata
    assert list(metadata) == [origin]
    assert metadata[origin]["token_endpoint"] == f"{origin}/token"
    assert any("'http://[not-a-host'" in e and "Invalid IPv6 URL" in e for e in inventory.errors)


def test_every_named_authorization_server_is_looked_up() -> None:
    inventory, origin = posture(["{self}", "http://127.0.0.1:9/elsewhere"])
    auth = inventory.auth
    assert auth is not None
    assert list(auth.authorization_server_metadata) == [origin]
    assert any(
        "no authorization server metadata found for http://127.0.0.1:9/elsewhere" in e
        for e in inventory.errors
    )
