"""Running MCP servers found among the host's processes, and the configs that launched them.

The process tests start real processes on loopback and kill them afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import hawkeye_discover_local
from hawkeye_core import Detector, ServerRef, Settings
from hawkeye_core.testing import run_pipeline
from hawkeye_discover_local.configs import Scope, iter_config_items
from hawkeye_discover_local.parse import ConfigEntry
from hawkeye_discover_local.processes import discover_processes, launched_by, match_cmdline
from hawkeye_report_json import report_data
from tests.discover_local.support import OPENAI_KEY
from tests.helpers import plugin


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (
            ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            "@modelcontextprotocol/server-filesystem",
        ),
        (
            ["node", "/usr/lib/node_modules/npm/bin/npx-cli.js", "-y", "@playwright/mcp@latest"],
            "@playwright/mcp@latest",
        ),
        (["/home/u/.local/bin/uvx", "mcp-server-fetch"], "mcp-server-fetch"),
        (["/usr/bin/python3.12", "-m", "mcp_server_git", "--repository", "."], "mcp_server_git"),
        (["node", "/opt/tools/mcp-server/dist/index.js"], "/opt/tools/mcp-server/dist/index.js"),
        (["docker", "run", "-i", "--rm", "-e", "GITHUB_TOKEN", "mcp/github"], "mcp/github"),
        (["uv", "run", "--with", "mcp", "mcp", "run", "server.py"], "mcp"),
        (["fastmcp", "run", "server.py"], "server.py"),
        (["/usr/local/bin/github-mcp-server", "stdio"], "/usr/local/bin/github-mcp-server"),
        (["deno", "run", "-A", "jsr:@acme/mcp-tools"], "jsr:@acme/mcp-tools"),
    ],
)
def test_mcp_server_command_lines_are_recognised(argv: list[str], target: str) -> None:
    match = match_cmdline(argv)
    assert match is not None and match.target == target


@pytest.mark.parametrize(
    "argv",
    [
        ["python", "-m", "pytest", "-k", "mcp"],
        ["/venv/bin/python", "/venv/bin/pytest", "tests/test_mcp.py"],
        ["npm", "install", "@modelcontextprotocol/sdk"],
        ["docker", "pull", "mcp/github"],
        ["node", "/opt/claude-code/cli.js", "--mcp-config", "mcp.json"],
        ["vim", "mcp_notes.md"],
        ["bash", "-c", "echo mcp"],
        ["python3", "manage.py", "runserver"],
        ["/venv/bin/python3", "-m", "hawkeye_core", "inspect", "stdio:python mcp_server.py"],
        ["/venv/bin/python3", "/venv/bin/hawkeye", "inspect", "stdio:uvx mcp-server-fetch"],
    ],
)
def test_other_command_lines_are_not_mcp_servers(argv: list[str]) -> None:
    assert match_cmdline(argv) is None


def test_a_process_is_tied_to_the_config_that_launched_it(tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "fs": {"command": "npx", "args": ["-y", "@mcp/fs", "/data"]},
                    "other": {"command": "npx", "args": ["-y", "@mcp/other"]},
                }
            }
        )
    )
    entries = [
        i
        for i in iter_config_items(Scope(home=tmp_path / "h", extra_files=(config,)))
        if isinstance(i, ConfigEntry)
    ]
    running = ("node", "/usr/lib/node_modules/npm/bin/npx-cli.js", "-y", "@mcp/fs", "/data")
    assert [e.name for e in launched_by(running, entries)] == ["fs"]
    assert launched_by(("node", "/srv/unrelated.js"), entries) == []


SERVER_CODE = """
import pathlib, socket, sys, time
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
pathlib.Path(sys.argv[2]).write_text(str(listener.getsockname()[1]))
time.sleep(60)
"""

# Starts the server in its own session and exits, so the server is not our descendant.
DETACH_CODE = """
import subprocess, sys
server = subprocess.Popen(
    sys.argv[1:], start_new_session=True, stdin=subprocess.PIPE,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
print(server.pid)
"""


def _wait_for(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


def _kill(pid: int) -> None:
    """Kill a process that is not our child, and wait until it is gone (or a zombie)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} survived SIGKILL")


@pytest.fixture
def detached_server(tmp_path: Path) -> Iterator[tuple[int, int, list[str]]]:
    """A real process whose argv names ``mcp-server-test``, listening on loopback."""
    port_file = tmp_path / "port"
    argv = [
        sys.executable,
        "-c",
        SERVER_CODE,
        "mcp-server-test",
        str(port_file),
        "--api-key",
        OPENAI_KEY,
    ]
    out = subprocess.run(
        [sys.executable, "-c", DETACH_CODE, *argv],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    pid = int(out.stdout.strip())
    try:
        port = int(_wait_for(port_file))
        yield pid, port, argv
    finally:
        _kill(pid)


def test_processes_detector_finds_a_running_mcp_server_and_its_port(
    tmp_path: Path, detached_server: tuple[int, int, list[str]]
) -> None:
    pid, port, argv = detached_server
    assert pid not in {p.pid for p in psutil.Process().children(recursive=True)}
    config = tmp_path / "launcher.json"
    config.write_text(
        json.dumps({"mcpServers": {"test-server": {"command": argv[0], "args": argv[1:]}}})
    )
    home = tmp_path / "home"
    home.mkdir()
    # The processes detector alone: with the configs detector too, the runner would keep
    # one of two stdio references with the same command line (the config's or the pid's).
    processes_only = plugin(
        "processes-only",
        hawkeye_detectors=lambda: [Detector(name="processes", on="host", run=discover_processes)],
    )
    result = run_pipeline(
        [], processes_only, settings=Settings(home=home, client_configs=(config,), local=True)
    )
    mine = [ref for ref in result.servers if ref.found_in == f"pid {pid}"]
    by_transport: dict[str, ServerRef] = {ref.transport: ref for ref in mine}
    http = by_transport["http"]
    assert http.url == f"http://127.0.0.1:{port}"
    assert f"listening on 127.0.0.1:{port}" in http.evidence
    assert f"launched by client config {config} (test-server)" in http.evidence
    assert http.name == "mcp-server-test"
    assert (
        http.command is not None
        and http.command[-1] == f"<redacted:openai-key:{len(OPENAI_KEY)} chars>"
    )
    assert OPENAI_KEY not in json.dumps(report_data(result))
    if sys.platform.startswith("linux"):  # its stdin is a pipe: a client could speak stdio
        assert by_transport["stdio"].command == http.command


def test_processes_detector_skips_its_own_process_tree(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, "mcp-server-test", str(port_file)],
        stdin=subprocess.DEVNULL,
    )
    try:
        _wait_for(port_file)
        result = run_pipeline(
            [], hawkeye_discover_local, settings=Settings(home=tmp_path, local=True)
        )
        assert f"pid {child.pid}" not in {ref.found_in for ref in result.servers}
        assert f"pid {os.getpid()}" not in {ref.found_in for ref in result.servers}
    finally:
        child.kill()
        child.wait(timeout=5)
