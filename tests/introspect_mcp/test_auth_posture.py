"""Servers behind OAuth: the auth posture of a 401, its metadata, and bearer tokens."""

from __future__ import annotations

from typing import Any

from hawkeye_core import Settings, run_sync
from hawkeye_introspect_mcp import Limits, McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from tests.introspect_mcp.support import TOKEN, http_ref, inspect_one


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
