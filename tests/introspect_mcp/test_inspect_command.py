"""``hawkeye inspect`` in a subprocess: a table or JSON, bearer tokens, stdio and --allow-exec."""

from __future__ import annotations

import importlib.metadata
import json
import socket
import sys
from pathlib import Path

import pytest

from tests.helpers import hawkeye
from tests.hostile_servers import RawMcpServer, tool
from tests.introspect_mcp.support import DEMO_SCRIPT, TOKEN


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
