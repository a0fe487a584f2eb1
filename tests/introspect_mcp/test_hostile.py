"""Hostile servers: each gets one clear error within its deadline, and fails alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from hawkeye_introspect_mcp import IntrospectionError
from tests.hostile_servers import (
    RawMcpServer,
    Reply,
    jsonrpc_result,
    log_notifications,
)
from tests.introspect_mcp.support import assert_demo_lists, http_ref, inspect_one, run_refs


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
