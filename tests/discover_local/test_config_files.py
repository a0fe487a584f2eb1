"""Client config files of any layout: JSONC, extra files, hostile entries, special files.

Reads are size-capped, managed settings are read only for this machine's own
home, and nothing in a config is ever executed.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import hawkeye_discover_local
from hawkeye_core import ServerRef, Settings
from hawkeye_core.testing import run_pipeline
from hawkeye_discover_local.clients import Location
from hawkeye_discover_local.configs import (
    Problem,
    Scope,
    iter_config_items,
    scope_from_settings,
)
from hawkeye_discover_local.formats import strip_jsonc
from hawkeye_discover_local.parse import SHAPES, ConfigEntry, entry_to_ref, server_entries
from tests.discover_local.support import HOMES, discover


def test_strip_jsonc_removes_comments_and_trailing_commas_but_not_strings() -> None:
    text = '{\n  // c\n  "u": "http://x//y", /* b\n */ "s": "/* kept */",\n  "a": [1, 2,],\n}'
    assert json.loads(strip_jsonc(text)) == {"u": "http://x//y", "s": "/* kept */", "a": [1, 2]}
    assert strip_jsonc(text).count("\n") == text.count("\n")  # error positions still match


def test_client_configs_names_extra_files_of_any_layout(tmp_path: Path) -> None:
    files = {
        "a.json": '{"mcpServers": {"a": {"command": "npx", "args": ["-y", "a-mcp"]}}}',
        "b.json": '{"servers": {"b": {"type": "http", "url": "https://b.example/mcp"}}}',
        "c.jsonc": '{"mcp": {"servers": {"c": {"command": "c-mcp",},},}, // vs code\n}',
        "d.json": '{"context_servers": {"d": {"command": "d-mcp", "args": []}}}',
        "e.toml": '[mcp_servers.e]\ncommand = "e-mcp"\nargs = ["--stdio"]\n',
        "f.json": '{"projects": {"/p": {"mcpServers": {"f": {"command": "f-mcp"}}}}}',
        "empty.json": '{"theme": "dark"}',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    extra = (*(tmp_path / name for name in files), tmp_path / "missing.json")
    home = tmp_path / "home"
    home.mkdir()
    scope = scope_from_settings(Settings(home=home, client_configs=extra))
    items = list(iter_config_items(scope))
    refs = {i.name: i.ref for i in items if isinstance(i, ConfigEntry)}
    assert {n: " ".join(r.command or ()) or r.url for n, r in refs.items()} == {
        "a": "npx -y a-mcp",
        "b": "https://b.example/mcp",
        "c": "c-mcp",
        "d": "d-mcp",
        "e": "e-mcp --stdio",
        "f": "f-mcp",
    }
    assert refs["f"].found_in == f"{tmp_path / 'f.json'}#projects//p"
    assert all(r.evidence[0].startswith("configured in client config (") for r in refs.values())
    problems = sorted(i.message for i in items if isinstance(i, Problem))
    assert problems == [
        f"{tmp_path / 'empty.json'}: no MCP servers found (looked for mcpServers, servers, "
        "mcp.servers, context_servers, mcp_servers, extensions, mcp)",
        f"{tmp_path / 'missing.json'}: not found",
    ]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "command",
        "cmd",
        "args",
        "env",
        "envs",
        "url",
        "httpUrl",
        "serverUrl",
        "uri",
        "type",
        "transport",
        "disabled",
        "enabled",
        "headers",
        "cwd",
        "source",
        "config",
        "name",
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    shape=st.sampled_from(sorted(SHAPES)),
    servers=st.dictionaries(st.text(max_size=10), st.dictionaries(KEYS, JSON, max_size=6) | JSON),
)
def test_hostile_config_entries_never_break_discovery(shape: str, servers: object) -> None:
    doc = {
        "mcpServers": servers,
        "servers": servers,
        "context_servers": servers,
        "mcp_servers": servers,
        "extensions": servers,
        "mcp": {"servers": servers},
        "projects": {"/p": {"mcpServers": servers}},
    }
    for raw in server_entries(doc, shape):
        ref = entry_to_ref(raw, client="fuzz", path=Path("/f.json"))
        assert ref is None or isinstance(ref, ServerRef)


def test_reads_are_size_capped_and_special_files_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"mcpServers": {}, "pad": "' + "x" * 4000 + '"}')
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # reading it would block forever
    scope = Scope(home=tmp_path / "none", extra_files=(big, fifo), max_bytes=1000)
    started = time.monotonic()
    messages = [i.message for i in iter_config_items(scope) if isinstance(i, Problem)]
    assert messages == [
        f"{big}: larger than 1000 bytes; not read",
        f"{fifo}: not a regular file; not read",
    ]
    assert time.monotonic() - started < 5


def test_managed_settings_are_read_only_for_this_machines_own_home(tmp_path: Path) -> None:
    assert scope_from_settings(Settings(home=HOMES / "linux")).system == ()
    real = scope_from_settings(Settings())
    assert real.real_home and real.system
    managed = tmp_path / "managed-mcp.json"
    managed.write_text('{"mcpServers": {"corp-approved": {"command": "corp-mcp"}}}')
    location = Location(client="Claude Code (managed)", path=managed, shape="mcpServers")
    entries, _ = discover(tmp_path / "home", real_home=True, system=(location,))
    assert entries[("Claude Code (managed)", "corp-approved")].ref.command == ("corp-mcp",)


def test_nothing_in_a_config_is_ever_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    script = tmp_path / "evil-mcp.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "mcp.json"
    config.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "evil-script": {"command": str(script)},
                    "evil-shell": {"command": "sh", "args": ["-c", f"touch {marker}"]},
                    "evil-python": {
                        "command": sys.executable,
                        "args": ["-c", f"open({str(marker)!r}, 'w')"],
                    },
                }
            }
        )
    )
    home = tmp_path / "home"
    home.mkdir()
    result = run_pipeline(
        [],
        hawkeye_discover_local,
        settings=Settings(home=home, client_configs=(config,), local=True),
    )
    assert {"evil-script", "evil-shell", "evil-python"} <= {ref.name for ref in result.servers}
    time.sleep(0.2)  # anything started would have touched the marker by now
    assert not marker.exists()


def test_a_config_working_directory_is_kept_and_made_absolute(tmp_path: Path) -> None:
    (tmp_path / "cfg.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "rel": {"command": "srv", "cwd": "servers/rel"},
                    "abs": {"command": "srv2", "cwd": "/opt/mcp"},
                    "none": {"command": "srv3"},
                }
            }
        )
    )
    home = tmp_path / "home"
    home.mkdir()
    scope = scope_from_settings(Settings(home=home, client_configs=(tmp_path / "cfg.json",)))
    refs = {i.name: i.ref for i in iter_config_items(scope) if isinstance(i, ConfigEntry)}
    assert refs["rel"].cwd == str(tmp_path / "servers" / "rel")
    assert refs["abs"].cwd == "/opt/mcp"
    assert refs["none"].cwd is None
