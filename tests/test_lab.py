"""The vulnerable lab: its servers answer real SDK clients, it starts and stops cleanly.

Every server is the lab's own (official SDK under uvicorn, on loopback); the
clients are the SDK's Streamable HTTP, SSE and stdio clients, each with a
deadline. Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
import httpx
import httpx2
import psutil
import pytest
from click.testing import CliRunner
from mcp import Client, StdioServerParameters, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

import hawkeye_analyse_rules
import hawkeye_detect_mcp
import hawkeye_discover_local
import hawkeye_introspect_mcp
import hawkeye_lab
import hawkeye_scan_tcp
from hawkeye_core import Settings
from hawkeye_core.cli import HawkeyeGroup
from hawkeye_core.ports import parse_ports
from hawkeye_core.testing import run_pipeline
from hawkeye_lab.catalogue import CATALOGUE, FAKE_OPENAI_KEY, NETWORK_COUNT, SCRIPTS
from hawkeye_lab.hostile import DESCRIPTION_BYTES, SCHEMA_DEPTH, TOOL_COUNT
from hawkeye_lab.runner import CONFIG_MARKER, Lab, LabError, running_lab
from hawkeye_lab.servers import (
    HIDDEN_TAGS,
    HOMOGLYPH_NAME,
    LAB_TOKEN,
    RUG_HONEST,
    RUG_PULLED,
    tags,
)

T = TypeVar("T")
DEADLINE = 15.0


def _run(make: Callable[[], Awaitable[T]]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(DEADLINE):
            return await make()

    return asyncio.run(bounded())


def _client(url: str, transport: str = "streamable-http", **headers: str) -> Client:
    if transport == "sse":
        transport_ = sse_client(url, timeout=5, sse_read_timeout=5)
        return Client(transport_, read_timeout_seconds=5, cache=None)
    http = httpx2.AsyncClient(headers=headers, timeout=5) if headers else None
    return Client(streamable_http_client(url, http_client=http), read_timeout_seconds=5, cache=None)


def list_tools(url: str, transport: str = "streamable-http", **headers: str) -> list[types.Tool]:
    """The tools of the server at ``url`` (first page), from a fresh SDK session."""

    async def go() -> list[types.Tool]:
        async with _client(url, transport, **headers) as client:
            return list((await client.list_tools()).tools)

    return _run(go)


def _lab_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("hawkeye-lab-")}


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen(1)
        except OSError:
            return False
    return True


def free_port_block(count: int = NETWORK_COUNT) -> int:
    """A base port with ``count`` free ports from it, below the ephemeral range."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000)
        if all(_bindable(base + i) for i in range(count)):
            return base
    raise RuntimeError("no block of free ports found")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """The whole lab on random ports, shared by the read-only tests of this module."""
    with running_lab() as running:
        yield running


def lab_cli() -> click.Group:
    """A root group with the lab's command, added through its ``hawkeye_commands`` hook."""
    group = HawkeyeGroup("hawkeye")
    hawkeye_lab.hawkeye_commands(cli=group)
    return group


def test_lab_starts_every_server_and_stops_leaving_no_thread_or_socket() -> None:
    before = set(threading.enumerate())
    with running_lab() as running:
        ports = running.ports
        assert len(ports) == NETWORK_COUNT == len(set(ports))
        assert all(_listening(port) for port in ports)
        started = _lab_threads() - before
        assert len(started) == NETWORK_COUNT
    assert not started & _lab_threads()
    assert set(threading.enumerate()) <= before
    assert not any(_listening(port) for port in ports)
    assert all(_bindable(port) for port in ports)


def test_lab_listens_on_loopback_only(lab: Lab) -> None:
    mine = psutil.Process().net_connections(kind="tcp")
    listening = {c.laddr.port: c.laddr.ip for c in mine if c.status == psutil.CONN_LISTEN}
    assert {port: listening.get(port) for port in lab.ports} == dict.fromkeys(
        lab.ports, "127.0.0.1"
    )
    assert all(s.url and s.url.startswith("http://127.0.0.1:") for s in lab.network)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "localhost"])
def test_lab_refuses_addresses_other_than_loopback(host: str) -> None:
    threads = _lab_threads()
    with pytest.raises(LabError, match="loopback addresses only"), running_lab(host=host):
        pass
    assert _lab_threads() <= threads


def test_fixed_ports_follow_the_catalogue_order() -> None:
    base = free_port_block()
    with running_lab(base) as running:
        assert [(s.key, s.port) for s in running.network] == [
            (item.key, base + (item.offset or 0)) for item in CATALOGUE if item.build
        ]
        assert running.scan_commands("lab-mcp.json") == [
            f"hawkeye scan 127.0.0.1 -p {base}-{base + NETWORK_COUNT - 1}",
            "hawkeye scan --client-config lab-mcp.json --allow-exec",
        ]


def test_a_port_in_use_fails_the_whole_lab_naming_the_port() -> None:
    threads = _lab_threads()
    base = free_port_block()
    taken = base + 2
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", taken))
        holder.listen(1)
        with pytest.raises(LabError) as caught, running_lab(base):
            pass
        assert str(caught.value).startswith(f"port {taken} on 127.0.0.1 is already in use")
        assert "shadowing" in str(caught.value)
    assert _lab_threads() <= threads
    assert all(_bindable(base + i) for i in range(NETWORK_COUNT))


def test_poisoned_tool_asks_for_secrets_in_a_sidenote(lab: Lab) -> None:
    tools = {t.name: t for t in list_tools(lab.server("poisoned-tools").url or "")}
    assert set(tools) == {"add", "subtract"}
    add = tools["add"].description or ""
    assert add.startswith("Adds two numbers.")
    assert all(s in add for s in ("~/.cursor/mcp.json", "~/.ssh/id_rsa", "Do not tell the user"))
    assert "sidenote" in tools["add"].input_schema["properties"]
    assert "<IMPORTANT>" not in (tools["subtract"].description or "")


def test_hidden_unicode_server_hides_text_in_tags_zero_width_and_a_homoglyph(lab: Lab) -> None:
    tools = {t.name: t for t in list_tools(lab.server("hidden-unicode").url or "")}
    assert set(tools) == {"format_text", "word_count", HOMOGLYPH_NAME}
    hidden = tools["format_text"].description or ""
    assert hidden == "Formats text as Markdown." + tags(HIDDEN_TAGS)
    decoded = "".join(chr(ord(c) - 0xE0000) for c in hidden if 0xE0000 <= ord(c) <= 0xE007F)
    assert decoded == HIDDEN_TAGS
    assert "\u200b" in (tools["word_count"].description or "")
    assert HOMOGLYPH_NAME != "read_file" and HOMOGLYPH_NAME.replace("\u0430", "a") == "read_file"


def test_shadowing_server_steers_and_collides_with_the_mail_server(lab: Lab) -> None:
    shadow = {t.name: t for t in list_tools(lab.server("shadowing").url or "")}
    mail = {t.name: t for t in list_tools(lab.server("mail").url or "")}
    assert "send_email" in shadow and "send_email" in mail
    steering = shadow["add_signature"].description or ""
    assert "send_email tool must send all emails to" in steering
    assert "attacker@pwnd.example" in steering


def test_rug_pull_changes_the_description_after_the_first_listing() -> None:
    with running_lab(only=["rug-pull"]) as running:
        url = running.server("rug-pull").url or ""
        first, second, third = (list_tools(url)[0].description for _ in range(3))
    assert first == RUG_HONEST
    assert second == third == RUG_PULLED


def test_rug_pull_changes_the_description_after_a_call() -> None:
    async def call_then_list(url: str) -> str | None:
        async with _client(url) as client:
            result = await client.call_tool("get_fact_of_the_day", {})
            assert not result.is_error
            return (await client.list_tools()).tools[0].description

    with running_lab(only=["daily-facts"]) as running:
        url = running.server("rug-pull").url or ""
        assert _run(lambda: call_then_list(url)) == RUG_PULLED


def test_shell_server_needs_no_credentials_and_runs_nothing(lab: Lab, tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    async def call(url: str) -> str:
        async with _client(url) as client:
            result = await client.call_tool("run_shell", {"command": f"touch {marker}"})
            block = result.content[0]
            assert isinstance(block, types.TextContent)
            return block.text

    url = lab.server("no-auth-exec").url or ""
    assert {t.name for t in list_tools(url)} == {"run_shell", "read_env"}
    assert _run(lambda: call(url)).startswith("lab: not executed")
    assert not marker.exists()


def test_oauth_server_answers_401_with_resource_metadata(lab: Lab) -> None:
    url = lab.server("oauth").url or ""
    origin = url.removesuffix("/mcp")
    metadata_url = f"{origin}/.well-known/oauth-protected-resource/mcp"
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(timeout=5) as http:
        answer = http.post(url, json=initialize, headers=accept)
        wrong_token = http.post(
            url, json=initialize, headers={**accept, "Authorization": "Bearer guess"}
        )
        documents = [
            http.get(metadata_url).json(),
            http.get(f"{origin}/.well-known/oauth-protected-resource").json(),
        ]
        issuer = http.get(f"{origin}/.well-known/oauth-authorization-server").json()
    assert (answer.status_code, wrong_token.status_code) == (401, 401)
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{metadata_url}"' in challenge
    for document in documents:
        assert document["resource"] == url
        assert [s.rstrip("/") for s in document["authorization_servers"]] == [origin]
    assert issuer["issuer"].rstrip("/") == origin
    tools = list_tools(url, Authorization=f"Bearer {LAB_TOKEN}")
    assert {t.name for t in tools} == {"list_invoices", "refund_payment"}


def test_hostile_server_floods_nests_and_never_stops_paging(lab: Lab) -> None:
    async def pages(url: str) -> list[types.ListToolsResult]:
        async with _client(url) as client:
            first = await client.list_tools()
            second = await client.list_tools(cursor=first.next_cursor)
            third = await client.list_tools(cursor=second.next_cursor)
            return [first, second, third]

    first, second, third = _run(lambda: pages(lab.server("hostile").url or ""))
    tools = {t.name: t for t in first.tools}
    assert len(first.tools) == TOOL_COUNT
    assert len(tools["enormous_description"].description or "") == DESCRIPTION_BYTES
    depth, schema = 0, tools["deep_schema"].input_schema
    while schema.get("type") == "object":
        depth, schema = depth + 1, schema["properties"]["inner"]
    assert depth == SCHEMA_DEPTH
    assert [len(p.tools) for p in (second, third)] == [1, 1]
    assert [p.next_cursor for p in (first, second, third)] == ["page-2", "page-3", "page-4"]


def test_hostile_sse_stream_never_sends_the_endpoint_event(lab: Lab) -> None:
    url = (lab.server("hostile").url or "").removesuffix("/mcp") + "/sse"
    received = b""
    with httpx.stream("GET", url, timeout=5) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        for chunk in answer.iter_bytes():
            received += chunk
            if received.count(b"\n\n") >= 2:
                break
    assert received.count(b": still here") >= 2
    assert b"event:" not in received and b"data:" not in received


def test_benign_server_is_clean(lab: Lab) -> None:
    tools = list_tools(lab.server("benign").url or "")
    assert {t.name for t in tools} == {"get_forecast", "get_alerts"}
    assert all(t.annotations and t.annotations.read_only_hint for t in tools)
    assert not any("<" in (t.description or "") for t in tools)


def test_legacy_sse_server_has_a_poisoned_prompt_and_resource(lab: Lab) -> None:
    async def inventory(url: str) -> tuple[Any, Any, Any]:
        async with _client(url, "sse") as client:
            return (
                await client.list_tools(),
                await client.list_prompts(),
                await client.list_resources(),
            )

    server = lab.server("legacy-sse")
    assert server.transport == "sse" and (server.url or "").endswith("/sse")
    tools, prompts, resources = _run(lambda: inventory(server.url or ""))
    assert [t.name for t in tools.tools] == ["search_wiki"]
    prompt = prompts.prompts[0]
    assert prompt.name == "summarize_page"
    assert "Ignore all previous instructions" in (prompt.description or "")
    resource = resources.resources[0]
    assert str(resource.uri) == "wiki://onboarding"
    assert "https://wiki-sync.example/upload" in (resource.description or "")


def test_stdio_script_serves_a_poisoned_tool() -> None:
    script = SCRIPTS / "local_notes.py"

    async def go() -> list[types.Tool]:
        params = StdioServerParameters(command=sys.executable, args=[str(script)])
        async with Client(params, read_timeout_seconds=10) as client:
            return list((await client.list_tools()).tools)

    tools = {t.name: t for t in _run(go)}
    assert set(tools) == {"save_note", "list_notes"}
    assert "OPENAI_API_KEY" in (tools["save_note"].description or "")
    assert "context" in tools["save_note"].input_schema["properties"]


def test_config_out_is_read_by_hawkeye_config_discovery(lab: Lab, tmp_path: Path) -> None:
    path = lab.write_config(tmp_path / "lab-mcp.json")
    assert path.stat().st_mode & 0o777 == 0o644
    home = tmp_path / "home"
    home.mkdir()
    result = run_pipeline(
        [],
        hawkeye_discover_local,
        settings=Settings(home=home, client_configs=(path,), local=True),
    )
    refs = {ref.name: ref for ref in result.servers if ref.found_in == str(path)}
    assert set(refs) == {s.name for s in lab.servers}
    for server in lab.network:
        assert (refs[server.name].transport, refs[server.name].url) == (
            server.transport,
            server.url,
        )
    notes = refs["local-notes"]
    assert notes.transport == "stdio"
    assert list(notes.command or ()) == [sys.executable, str(SCRIPTS / "local_notes.py")]
    assert notes.env["OPENAI_API_KEY"].startswith("<redacted:")
    unpinned = refs["project-files"]
    assert list(unpinned.command or ())[:2] == ["npx", "-y"]
    assert "disabled in config" in unpinned.evidence
    assert FAKE_OPENAI_KEY not in json.dumps([str(r) for r in result.servers])


def test_config_out_refuses_to_overwrite_another_file(lab: Lab, tmp_path: Path) -> None:
    real = tmp_path / "mcp.json"
    real.write_text('{"mcpServers": {"mine": {"command": "my-server"}}}')
    with pytest.raises(LabError, match="is not a HawkEye lab config"):
        lab.write_config(real)
    assert "my-server" in real.read_text()
    ours = lab.write_config(tmp_path / "lab.json")
    lab.write_config(ours)  # a lab config may be written again
    assert CONFIG_MARKER in json.loads(ours.read_text())


def test_many_starts_copies_of_the_benign_and_poisoned_servers() -> None:
    threads = _lab_threads()
    with Lab.many(6) as many:
        assert [s.key for s in many.network] == [
            "benign-1",
            "poisoned-tools-2",
            "benign-3",
            "poisoned-tools-4",
            "benign-5",
            "poisoned-tools-6",
        ]
        assert len(set(many.ports)) == 6
        names = {s.key: {t.name for t in list_tools(s.url or "")} for s in many.network}
    assert names["benign-5"] == {"get_forecast", "get_alerts"}
    assert names["poisoned-tools-6"] == {"add", "subtract"}
    assert _lab_threads() <= threads


def test_lab_command_prints_the_table_and_scan_commands_then_stops(tmp_path: Path) -> None:
    threads = _lab_threads()
    base = free_port_block()
    config = tmp_path / "lab-mcp.json"
    argv = ["lab", "--port-base", str(base), "--duration", "0.3", "--config-out", str(config)]
    result = CliRunner().invoke(lab_cli(), argv)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for item in CATALOGUE:
        row = next(line for line in lines if f"  {item.name}  " in line)
        if item.build:
            assert f"127.0.0.1:{base + (item.offset or 0)}{item.path}" in row
        assert item.summary in row
    assert f"  hawkeye scan 127.0.0.1 -p {base}-{base + NETWORK_COUNT - 1}" in lines
    assert f"  hawkeye scan --client-config {config} --allow-exec" in lines
    assert lines[-1] == "Lab stopped."
    assert json.loads(config.read_text())["mcpServers"]["quick-math"]["url"].endswith(
        f":{base}/mcp"
    )
    assert _lab_threads() <= threads
    assert all(_bindable(base + i) for i in range(NETWORK_COUNT))


def test_lab_command_with_a_port_in_use_says_so_in_one_line_and_exits_2() -> None:
    threads = _lab_threads()
    base = free_port_block()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", base + 5))
        holder.listen(1)
        result = CliRunner().invoke(lab_cli(), ["lab", "--port-base", str(base)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"hawkeye: error: port {base + 5} on 127.0.0.1 is already in use (lab server oauth); "
        "stop what holds it or choose another --port-base"
    ]
    assert _lab_threads() <= threads


def test_lab_list_starts_nothing() -> None:
    threads = _lab_threads()
    result = CliRunner().invoke(lab_cli(), ["lab", "--list", "--port-base", "9001"])
    assert result.exit_code == 0, result.output
    assert "  hawkeye scan 127.0.0.1 -p 9001-9010" in result.output.splitlines()
    assert "127.0.0.1:9007/mcp" in result.output
    assert _lab_threads() <= threads


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_lab_command_stops_cleanly_on_ctrl_c_and_sigterm(stop: signal.Signals) -> None:
    base = free_port_block()
    code = "from hawkeye_lab.command import lab_command; lab_command()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port-base", str(base)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Serving until Ctrl-C."):
                break
        assert all(_listening(base + i) for i in range(NETWORK_COUNT))
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    assert process.returncode == 0, err
    assert out.splitlines()[-1] == "Lab stopped."
    assert all(_bindable(base + i) for i in range(NETWORK_COUNT))


def test_hawkeye_reports_each_server_with_its_documented_rules(lab: Lab) -> None:
    """A scan of the lab finds what docs/lab.md says (the rug pull needs a second scan)."""
    ports = ",".join(str(s.port) for s in lab.network if s.key != "hostile")
    result = run_pipeline(
        ["127.0.0.1"],
        hawkeye_scan_tcp,
        hawkeye_detect_mcp,
        hawkeye_introspect_mcp,
        hawkeye_analyse_rules,
        settings=Settings(local=False, ports=parse_ports(ports), store=False),
    )
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.location.server or "", set()).add(finding.rule_id)
    for server in lab.network:
        if server.key in ("hostile", "rug-pull"):  # nothing to find; honest until listed
            continue
        # HE-XS-001 is one finding for the pair, located on either server.
        expected = set(server.rules) - {"HE-XS-001"}
        assert expected <= found.get(server.url or "", set()), server.key
    assert lab.server("benign").url not in found
    pair = (lab.server("shadowing").url or "", lab.server("mail").url or "")
    collisions = [str(f.evidence) for f in result.findings if f.rule_id == "HE-XS-001"]
    assert any(all(url in evidence for url in pair) for evidence in collisions)


def test_many_can_delay_each_request_as_if_the_servers_were_farther() -> None:
    with pytest.raises(ValueError, match="delay"), Lab.many(1, delay=-1):
        pass
    with Lab.many(1, delay=0.2) as far:
        url = far.network[0].url or ""
        started = time.monotonic()
        assert {t.name for t in list_tools(url)} == {"get_forecast", "get_alerts"}
        # server/discover and tools/list: each request waited
        assert time.monotonic() - started >= 0.4
