"""Inventories from files (``hawkeye analyse``): each input shape, bounds, and bad files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hawkeye_analyse_rules
from hawkeye_analyse_rules import analyse_run, analyse_server
from hawkeye_core import (
    AuthPosture,
    Detector,
    Introspector,
    ServerInventory,
    ServerRef,
    Settings,
    Tool,
)
from hawkeye_core.offline import (
    MAX_DEPTH,
    MAX_STRING,
    OfflineFileError,
    load_file,
    load_files,
)
from hawkeye_core.testing import run_pipeline
from hawkeye_report_json import report_data
from tests.helpers import plugin

ADD = {
    "name": "add",
    "description": "Adds two numbers.",
    "inputSchema": {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
    },
    "annotations": {"readOnlyHint": True},
}


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), "utf-8")
    return path


def test_a_tools_list_result_with_every_optional_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "calc.json",
        {
            "serverInfo": {"name": "calc", "version": "1.2"},
            "protocolVersion": "2025-06-18",
            "instructions": "Use add for sums.",
            "tools": [ADD],
            "prompts": [
                {"name": "p", "description": "d", "arguments": [{"name": "x", "required": True}]}
            ],
            "resources": [{"uri": "file:///a", "name": "a", "mimeType": "text/plain"}],
            "resourceTemplates": [{"uriTemplate": "file:///{x}", "name": "t"}],
            "source": "ignored extra key",
        },
    )
    (inventory,) = load_file(path)
    assert inventory.ref.transport == "unknown"
    assert inventory.ref.name == "calc" and inventory.ref.found_in == str(path)
    assert inventory.ref.evidence[0].startswith("offline: loaded from")
    assert inventory.server_info is not None and inventory.server_info.version == "1.2"
    assert inventory.protocol_version == "2025-06-18"
    assert inventory.instructions == "Use add for sums."
    assert inventory.tools[0].annotations["readOnlyHint"] is True
    assert inventory.tools[0].input_schema["properties"]["a"] == {"type": "number"}
    assert inventory.prompts[0].arguments[0].required is True
    assert inventory.resources[0].mime_type == "text/plain"
    assert inventory.resource_templates[0].uri_template == "file:///{x}"


def test_a_whole_json_rpc_response_and_a_bare_list_of_tools(tmp_path: Path) -> None:
    rpc = write(tmp_path, "rpc.json", {"jsonrpc": "2.0", "id": 1, "result": {"tools": [ADD]}})
    assert [t.name for t in load_file(rpc)[0].tools] == ["add"]
    bare = write(tmp_path, "bare.json", [ADD, {"name": "sub"}])
    (inventory,) = load_file(bare)
    assert [t.name for t in inventory.tools] == ["add", "sub"] and inventory.ref.name == "bare"


def test_a_hawkeye_report_round_trips_servers_with_their_posture(tmp_path: Path) -> None:
    refs = [
        ServerRef(
            transport="streamable-http",
            url="http://203.0.113.9:8000/mcp",
            found_in="203.0.113.9:8000",
            evidence=("POST /mcp -> initialize",),
        ),
        ServerRef(
            transport="stdio",
            command=("npx", "-y", "some-server"),
            name="cfg",
            found_in="/home/a/.cursor/mcp.json",
            evidence=("configured in Cursor (/home/a/.cursor/mcp.json)",),
        ),
    ]
    inventories = {
        refs[0].key: ServerInventory(
            ref=refs[0],
            protocol_version="2024-11-05",
            tools=[
                Tool(name="fetch", description="Fetches a URL.", input_schema={"type": "object"})
            ],
            auth=AuthPosture(required=False),
        ),
        refs[1].key: ServerInventory(ref=refs[1], errors=["not started"]),
    }

    def detect(ctx: Any) -> Iterator[ServerRef]:
        yield from refs

    def introspect(ref: ServerRef, ctx: Any) -> ServerInventory:
        return inventories[ref.key]

    fixture = plugin(
        "fixture-servers",
        hawkeye_detectors=lambda: [Detector(name="fixture", on="host", run=detect)],
        hawkeye_introspectors=lambda: [Introspector(name="fixture", run=introspect)],
    )
    result = run_pipeline([], hawkeye_analyse_rules, fixture, settings=Settings(local=True))
    path = write(tmp_path, "scan.json", report_data(result))

    loaded = {inv.ref.transport: inv for inv in load_file(path)}
    network, stdio = loaded["streamable-http"], loaded["stdio"]
    assert network.ref.url == "http://203.0.113.9:8000/mcp" and network.ref.found_in == str(path)
    assert network.auth is not None and network.auth.required is False
    assert [t.name for t in network.tools] == ["fetch"]
    assert "originally found in 203.0.113.9:8000" in network.ref.evidence
    assert stdio.ref.command == ("npx", "-y", "some-server") and stdio.errors == ("not started",)
    offline = {f.rule_id for inv in loaded.values() for f in analyse_server(inv)}
    live = {f.rule_id for f in result.findings}
    assert {"HE-NET-001", "HE-NET-002", "HE-NET-006", "HE-CFG-003"} <= offline
    assert offline <= live  # the same rules again, minus what needed the live context


def test_the_files_of_one_run_are_analysed_as_one_client(tmp_path: Path) -> None:
    one = write(tmp_path, "one.json", {"tools": [ADD]})
    two = write(tmp_path, "two.json", [dict(ADD, description="Adds.")])
    inventories = load_files([one, two])
    assert [inv.ref.name for inv in inventories] == ["one", "two"]
    collisions = [f for f in analyse_run(inventories) if f.rule_id == "HE-XS-001"]
    assert len(collisions) == 1 and collisions[0].location.tool == "add"


def test_lists_are_capped_and_long_strings_cut(tmp_path: Path) -> None:
    tools = [{"name": f"t{i}"} for i in range(30)] + [
        {"name": "long", "description": "x" * (MAX_STRING + 10)}
    ]
    path = write(tmp_path, "big.json", {"tools": tools})
    (inventory,) = load_file(path, max_items=20)
    assert len(inventory.tools) == 20 and inventory.errors == ("tools: kept 20 of 31",)
    (full,) = load_file(path)
    long = next(t for t in full.tools if t.name == "long")
    assert long.description.endswith("[hawkeye: truncated 10 characters]")


def one_line_error(path: Path, **limits: Any) -> str:
    with pytest.raises(OfflineFileError) as caught:
        load_file(path, **limits)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def test_bad_files_raise_one_line_naming_the_file(tmp_path: Path) -> None:
    assert one_line_error(tmp_path / "missing.json").endswith("no such file")
    assert one_line_error(tmp_path).endswith("is a directory, not a file")
    broken = tmp_path / "broken.json"
    broken.write_text('{"tools": [\n  {"name": "a",}\n]}')
    assert "invalid JSON at line 2 column" in one_line_error(broken)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"tools": [{"name": "caf\xe9"}]}')
    assert "is not UTF-8" in one_line_error(latin)
    big = write(tmp_path, "big.json", {"tools": [ADD] * 50})
    assert "more than the 100 allowed" in one_line_error(big, max_bytes=100)
    deep = tmp_path / "deep.json"
    deep.write_text('{"tools": [{"name": "a", "inputSchema": ' + "[" * 80 + "]" * 80 + "}]}")
    assert f"nested deeper than {MAX_DEPTH} levels" in one_line_error(deep)
    very_deep = tmp_path / "very_deep.json"
    very_deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested deeper" in one_line_error(very_deep)


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({"servers": "x"}, "not an MCP tools/list result"),
        ("just a string", "not an MCP tools/list result"),
        ({"tools": "add"}, "tools: expected a list, got str"),
        ({"tools": [{"description": "no name"}]}, "tools[0]: has no 'name'"),
        (
            {"tools": [{"name": "a", "description": 5}]},
            "tools[0].description: expected a string, got int",
        ),
        (
            {"tools": [{"name": "a", "inputSchema": []}]},
            "tools[0].inputSchema: expected an object, got list",
        ),
        ({"tools": [ADD, 3]}, "tools[1]: expected an object, got int"),
        (
            {"tools": [], "prompts": [{"name": "p", "arguments": [{}]}]},
            "prompts[0].arguments[0]: has no 'name'",
        ),
        ({"tools": [], "resources": [{"name": "r"}]}, "resources[0]: has no 'uri'"),
    ],
)
def test_wrong_shapes_name_the_item(tmp_path: Path, document: Any, why: str) -> None:
    assert why in one_line_error(write(tmp_path, "bad.json", document))


def test_a_bad_file_among_many_stops_the_run_naming_it(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", [ADD])
    bad = write(tmp_path, "bad.json", {"tools": [{}]})
    with pytest.raises(OfflineFileError, match=r"bad\.json: tools\[0\]: has no 'name'"):
        load_files([good, bad])
