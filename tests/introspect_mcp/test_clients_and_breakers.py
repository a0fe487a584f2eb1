"""HTTP clients reused per server, breakers per host, and the introspector in another process."""

from __future__ import annotations

import pickle
import socket

import pytest

from hawkeye_core import BreakerState, CircuitOpenError, Settings, run_sync
from hawkeye_introspect_mcp import IntrospectionError, McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from tests.introspect_mcp.support import http_ref


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


def test_the_introspector_can_be_shipped_to_another_process(demo_http: str) -> None:
    # A level backed by a cluster pickles the run callable; the copy starts with no clients.
    introspector = McpIntrospector()
    copy = pickle.loads(pickle.dumps(introspector.record().run))
    ctx = standalone_context(introspector, Settings(), {}, 10, [])
    assert [t.name for t in run_sync(copy, http_ref(demo_http), ctx).tools] == ["add"]
