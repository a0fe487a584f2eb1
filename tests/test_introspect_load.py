"""Lists at once or one after the other: the introspector's choice by the loop's load.

A session reads its lists concurrently while its event loop has CPU to spare
(a round trip saved per list, a connection each over HTTP/1.1), and over one
connection, one list after the other, when the loop is busy. The inventory is
the same either way.
"""

from __future__ import annotations

import asyncio
import pickle
import time
from typing import Any

import pytest

from hawkeye_core import Settings, run_sync
from hawkeye_introspect_mcp import McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from hawkeye_introspect_mcp.load import LoopLoad
from tests.introspect_mcp.support import http_ref, paging_server, serve_asgi


class FixedLoad:
    """A load gauge that always gives the same answer (the choice under test)."""

    def __init__(self, busy: bool) -> None:
        self._busy = busy

    def busy(self) -> bool:
        return self._busy


class ClientPorts:
    """ASGI middleware noting the client port of every HTTP request: one per connection."""

    def __init__(self, app: Any, ports: set[int]) -> None:
        self.app = app
        self.ports = ports

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("client"):
            self.ports.add(scope["client"][1])
        await self.app(scope, receive, send)


@pytest.mark.parametrize("busy", [False, True], ids=["idle-loop", "busy-loop"])
def test_every_list_is_read_whether_the_loop_is_busy_or_not(busy: bool) -> None:
    requests: list[str] = []
    ports: set[int] = set()
    introspector = McpIntrospector()
    introspector.load = FixedLoad(busy)  # type: ignore[assignment]
    ctx = standalone_context(introspector, Settings(), {}, 30, [])
    app = paging_server(requests).streamable_http_app()
    with serve_asgi(lambda port: ClientPorts(app, ports)) as port:
        inventory = run_sync(introspector.run, http_ref(f"http://127.0.0.1:{port}/mcp"), ctx)
    assert [t.name for t in inventory.tools] == [f"tool-{i:03}" for i in range(250)]
    assert [r.uri for r in inventory.resources] == [f"doc://{i}" for i in range(35)]
    assert [p.name for p in inventory.prompts] == [f"prompt-{i:02}" for i in range(23)]
    assert requests.count("tools/list") == 25
    [error] = inventory.errors
    assert error.startswith("resources/templates/list: method not found")
    # Busy: every request of the session over one connection; idle: lists at once.
    assert (len(ports) == 1) is busy


def test_a_loop_that_spends_its_window_on_the_cpu_is_busy() -> None:
    load = LoopLoad(window=0.02, busy_share=0.2)

    async def spin_then_rest() -> tuple[bool, bool, bool]:
        first = load.busy()
        started = time.process_time()
        while time.process_time() - started < 0.06:
            pass
        spun = load.busy()
        await asyncio.sleep(0.1)
        return first, spun, load.busy()

    first, spun, rested = asyncio.run(spin_then_rest())
    assert first is False  # a loop seen for the first time has no history
    assert spun is True
    assert rested is False


def test_each_loop_has_its_own_window_and_a_copy_starts_without_history() -> None:
    load = LoopLoad(window=0.0, busy_share=0.0)

    async def twice() -> tuple[bool, bool]:
        return load.busy(), load.busy()

    assert asyncio.run(twice()) == (False, True)
    assert asyncio.run(twice()) == (False, True)  # a new loop starts again
    copy = pickle.loads(pickle.dumps(load))
    assert (copy.window, copy.busy_share) == (0.0, 0.0)
    assert asyncio.run(twice()) == (False, True)
