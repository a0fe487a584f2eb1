"""Stdio servers: started only with allow-exec, never when disabled, and cleaned up.

Each starts in its config's working directory, and leaves no process behind,
children included, whether it finishes, runs past its deadline or is cancelled.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from hawkeye_core import ServerRef, Settings, run_sync
from hawkeye_introspect_mcp import NOT_STARTED, IntrospectionError, McpIntrospector
from hawkeye_introspect_mcp.command import standalone_context
from tests.introspect_mcp.support import DEMO_SCRIPT, inspect_one, run_refs


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


def test_a_stdio_command_that_does_not_exist_is_one_line() -> None:
    ref = ServerRef(transport="stdio", command=["no-such-mcp-server-hawkeye"], found_in="test")
    with pytest.raises(
        IntrospectionError, match="cannot start 'no-such-mcp-server-hawkeye': not found"
    ):
        inspect_one(ref, settings=Settings(allow_exec=True))


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


def test_a_stdio_server_starts_in_the_working_directory_its_config_gives(tmp_path):
    import shutil

    import hawkeye_introspect_mcp
    from hawkeye_core import Detector, ServerRef, Settings, hookimpl
    from hawkeye_core.testing import run_pipeline

    shutil.copy(DEMO_SCRIPT, tmp_path)
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
