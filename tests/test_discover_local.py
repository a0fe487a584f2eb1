"""Local discovery: AI-client configs from fixture homes, running processes, redaction.

The fixture homes under ``tests/data/homes`` are copies of a Linux (alice),
macOS (bob) and Windows (carol) home with realistic client files: JSONC with
comments and trailing commas, a Codex TOML, YAML (Continue, Goose), a broken
JSON file, and fake secrets in environments, arguments and URLs. The process
tests start real processes on loopback and kill them afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hawkeye_discover_local
from hawkeye_core import Detector, ServerRef, Settings
from hawkeye_core.redact import (
    is_secret_name,
    redact,
    redact_command,
    redact_env,
)
from hawkeye_core.testing import run_pipeline
from hawkeye_discover_local.clients import Location
from hawkeye_discover_local.configs import (
    Problem,
    Scope,
    iter_config_items,
    project_dir,
    scope_from_settings,
)
from hawkeye_discover_local.formats import strip_jsonc
from hawkeye_discover_local.parse import SHAPES, ConfigEntry, entry_to_ref, server_entries
from hawkeye_discover_local.processes import discover_processes, launched_by, match_cmdline
from hawkeye_report_json import report_data
from tests.helpers import plugin

HOMES = Path(__file__).parent / "data" / "homes"

#: Every secret written into the fixture homes: none may reach any output.
FIXTURE_SECRETS = (
    "ghp_FAKEexample0123456789abcdefghijklmn",
    "Pr0dPassw0rd-FAKE",
    "plainFAKEbravesecret",
    "sk-proj-FAKEexample1234567890abcdefghijklmnop",
    "FAKEhunter2hunter2",
    "xoxb-000000000000-FAKEexample-abcdefghijkl",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "FAKEquerykey1234567890",
    "FAKElegacytoken123456",
    "FAKEzedextensiontoken987654",
    "FAKEgeminiheader1234567",
    "FAKEcodexdocskey123456",
    "hf_FAKEexample1234567890abcdefghijk",
    "FAKEopencodesecret123",
    "ghp_FAKEgoose0123456789abcdefghijklmnop",
    "FAKErooSearchKey99887766",
)

OPENAI_KEY = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1"


def discover(home: Path, **scope: object) -> tuple[dict[tuple[str, str], ConfigEntry], list[str]]:
    """The configured servers of a home by (client, name), and the problems met."""
    entries: dict[tuple[str, str], ConfigEntry] = {}
    problems: list[str] = []
    for item in iter_config_items(Scope(home=home, **scope)):  # type: ignore[arg-type]
        if isinstance(item, Problem):
            problems.append(item.message)
        else:
            entries[(item.client, item.name)] = item
    return entries, problems


@pytest.fixture(scope="module")
def found() -> dict[str, tuple[dict[tuple[str, str], ConfigEntry], list[str]]]:
    return {name: discover(HOMES / name) for name in ("linux", "macos", "windows")}


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        (OPENAI_KEY, "openai-key"),
        ("sk-ant-api03-" + "Zx9" * 30, "anthropic-key"),
        ("ghp_" + "a1B2c3D4e5" * 4, "github-token"),
        ("gho_" + "Q9w8E7r6T5" * 4, "github-token"),
        ("github_pat_11ABCDEFG0" + "x7Y" * 20, "github-token"),
        ("xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "slack-token"),
        ("xoxp-123456789012-1234567890123-AbCdEfGhIjKl", "slack-token"),
        ("AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
        ("AIzaSyD" + "k3Jf9" * 6 + "ab", "google-api-key"),
        ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9", "jwt"),
        ("hf_" + "aBcDeFgHiJ" * 4, "huggingface-token"),
    ],
)
def test_redact_masks_well_known_key_shapes_keeping_kind_and_length_only(
    secret: str, kind: str
) -> None:
    text = f"config: key={secret} end"
    out = redact(text)
    assert out == f"config: key=<redacted:{kind}:{len(secret)} chars> end"  # no prefix kept


def test_redact_masks_credentials_in_urls_headers_and_flags() -> None:
    assert redact("postgres://app:S3cret-pass@db:5432/x") == (
        "postgres://app:<redacted:url-password:11 chars>@db:5432/x"
    )
    assert redact("https://h/mcp?api_key=abc123def456&team=x") == (
        "https://h/mcp?api_key=<redacted:secret:12 chars>&team=x"
    )
    assert redact("Authorization: Bearer 9a8b7c6d5e4f3a2b1c") == (
        "Authorization: Bearer <redacted:bearer-token:18 chars>"
    )
    assert redact("run --token 9f8e7d6c5b4a39281706 --v") == (
        "run --token <redacted:secret:20 chars> --v"
    )
    assert redact("run --api-key=Zq81Kd93Lm20Xc") == "run --api-key=<redacted:secret:14 chars>"
    assert redact("--password hunter2") == "--password <redacted:secret:7 chars>"
    assert redact("docker run -e API_KEY=abc123xyz img") == (
        "docker run -e API_KEY=<redacted:secret:9 chars> img"
    )


def test_redact_stays_linear_on_hostile_text() -> None:
    # "a-a-a-..." made the URL-password pattern backtrack from every position
    # (seconds at 32k characters, minutes on a report full of such strings).
    for unit in ("a-", "a.", "a+", "--a-", " --token ", "?key"):
        text = (unit * (2**17 // len(unit)))[: 2**17]
        assert redact(text) == text
    assert redact("x " * 10 + "postgres://admin:hunter2@db.internal/x").endswith(
        "postgres://admin:<redacted:url-password:7 chars>@db.internal/x"
    )


@pytest.mark.parametrize(
    "text",
    [
        "/home/alice/projects/mcp-server/dist/index.js",
        "C:\\Users\\carol\\AppData\\Roaming\\Claude\\claude_desktop_config.json",
        "1.2.3",
        "v2.10.0-rc.1+build.20240611",
        "claude-3-5-sonnet-20241022",
        "gpt-4o-mini-2024-07-18",
        "qwen2.5-coder:7b",
        "@modelcontextprotocol/server-filesystem",
        "awslabs.aws-documentation-mcp-server@latest",
        "mcp-server-fetch --ignore-robots-txt",
        "--token-file /run/secrets/token",
        "--token ${GITHUB_TOKEN}",
        "Bearer authentication is required",
        "scikit-learn task-runner sk-learn-is-not-a-key-at-all",
        "https://api.githubcopilot.com/mcp/",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_command_masks_the_argument_after_a_secret_flag() -> None:
    argv = ["uvx", "tool", "--api-key", "Zq81Kd93Lm20XcVb", "--password", "pw", "--db", "/x.db"]
    assert redact_command(argv) == (
        "uvx",
        "tool",
        "--api-key",
        "<redacted:secret:16 chars>",
        "--password",
        "<redacted:secret:2 chars>",
        "--db",
        "/x.db",
    )
    assert redact_command(["x", "--token", "${input:token}"]) == ("x", "--token", "${input:token}")


def test_redact_env_masks_secret_names_and_shapes_and_keeps_the_rest() -> None:
    env = {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_" + "a1B2c3D4e5" * 4,
        "BRAVE_API_KEY": "plain",
        "dbPassword": "x",
        "OPTIONS": OPENAI_KEY,
        "DATABASE_URL": "postgres://u:p4ss@h/db",
        "TOKENIZERS_PARALLELISM": "false",
        "AUTH_ENABLED": "true",
        "GITHUB_TOKEN": "${input:github_token}",
        "LOG_LEVEL": "debug",
        "PORT": 8080,
    }
    assert redact_env(env) == {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "<redacted:github-token:44 chars>",
        "BRAVE_API_KEY": "<redacted:secret:5 chars>",
        "dbPassword": "<redacted:secret:1 chars>",
        "OPTIONS": f"<redacted:openai-key:{len(OPENAI_KEY)} chars>",
        "DATABASE_URL": "postgres://u:<redacted:url-password:4 chars>@h/db",
        "TOKENIZERS_PARALLELISM": "false",
        "AUTH_ENABLED": "true",
        "GITHUB_TOKEN": "${input:github_token}",
        "LOG_LEVEL": "debug",
        "PORT": "8080",
    }


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("GITHUB_TOKEN", True),
        ("OPENAI_API_KEY", True),
        ("apiKey", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("DB_PASSWD", True),
        ("GOOGLE_CREDENTIALS", True),
        ("SESSION_COOKIE", True),
        ("PRIVATE_KEY", True),
        ("AUTH", True),
        ("TOKENIZERS_PARALLELISM", False),
        ("TOKEN_URL", False),
        ("AWS_ACCESS_KEY_ID", False),
        ("KEYBOARD_LAYOUT", False),
        ("LOG_LEVEL", False),
    ],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_strip_jsonc_removes_comments_and_trailing_commas_but_not_strings() -> None:
    text = '{\n  // c\n  "u": "http://x//y", /* b\n */ "s": "/* kept */",\n  "a": [1, 2,],\n}'
    assert json.loads(strip_jsonc(text)) == {"u": "http://x//y", "s": "/* kept */", "a": [1, 2]}
    assert strip_jsonc(text).count("\n") == text.count("\n")  # error positions still match


#: (home, client, entry name, transport, command or URL) of every client's entries.
EXPECTED = [
    ("linux", "Claude Desktop", "github", "stdio", "npx -y @modelcontextprotocol/server-github"),
    (
        "linux",
        "Claude Desktop",
        "remote-search",
        "streamable-http",
        "https://search.example.com/mcp?api_key=<redacted:secret:22 chars>",
    ),
    (
        "linux",
        "Claude Code",
        "claude-user-fs",
        "stdio",
        "npx -y @modelcontextprotocol/server-filesystem /home/alice/docs",
    ),
    (
        "linux",
        "Claude Code",
        "claude-remote-docs",
        "streamable-http",
        "https://docs.example.com/mcp",
    ),
    (
        "linux",
        "Claude Code",
        "webapp-db",
        "stdio",
        "uvx mcp-server-sqlite --db-path /home/alice/projects/webapp/dev.db",
    ),
    ("linux", "Claude Code", "webapp-shared", "stdio", "npx -y @acme/webapp-mcp"),
    ("linux", "Claude Code", "webapp-legacy", "sse", "http://localhost:8931/sse"),
    ("linux", "Cursor", "cursor-browser", "stdio", "npx -y @playwright/mcp@latest"),
    ("linux", "Cursor", "cursor-linear", "sse", "https://mcp.linear.app/sse"),
    ("linux", "Cursor", "cursor-context7", "streamable-http", "https://mcp.context7.com/mcp"),
    ("linux", "Cursor", "webapp-cursor", "stdio", "node tools/cursor-mcp.js"),
    ("linux", "VS Code", "vscode-fetch", "stdio", "uvx mcp-server-fetch"),
    ("linux", "VS Code", "vscode-remote", "streamable-http", "https://api.githubcopilot.com/mcp/"),
    ("linux", "VS Code", "vscode-events", "sse", "http://127.0.0.1:7000/events"),
    ("linux", "VS Code", "webapp-vscode", "stdio", "python -m webapp_mcp"),
    (
        "linux",
        "VS Code Insiders",
        "insiders-memory",
        "stdio",
        "npx -y @modelcontextprotocol/server-memory",
    ),
    (
        "linux",
        "VSCodium",
        "codium-everything",
        "stdio",
        "npx -y @modelcontextprotocol/server-everything",
    ),
    (
        "linux",
        "Cline (VS Code)",
        "cline-git",
        "stdio",
        "uvx mcp-server-git --repository /home/alice/projects/webapp",
    ),
    ("linux", "Roo Code (VS Code)", "roo-time", "stdio", "uvx mcp-server-time"),
    ("linux", "Roo Code (VS Code)", "roo-remote", "streamable-http", "https://roo.example.com/mcp"),
    (
        "linux",
        "Windsurf",
        "windsurf-sequential",
        "stdio",
        "npx -y @modelcontextprotocol/server-sequential-thinking",
    ),
    ("linux", "Windsurf", "windsurf-remote", "streamable-http", "https://windsurf.example.com/mcp"),
    (
        "linux",
        "Continue",
        "modelContextProtocolServers[0]",
        "stdio",
        "uvx mcp-server-sqlite --db-path /home/alice/test.db",
    ),
    ("linux", "Continue", "modelContextProtocolServers[1]", "sse", "http://localhost:8811/sse"),
    ("linux", "Continue", "continue-block-json", "stdio", "npx -y @acme/continue-block"),
    ("linux", "Zed", "zed-git", "stdio", "uvx mcp-server-git"),
    ("linux", "Zed", "zed-legacy", "stdio", "/usr/local/bin/legacy-mcp --stdio"),
    ("linux", "Zed", "mcp-server-github", "unknown", ""),
    ("linux", "Zed", "zed-remote", "streamable-http", "https://zed.example.com/mcp"),
    ("linux", "Gemini CLI", "gemini-python", "stdio", "python -m gemini_mcp_tools"),
    ("linux", "Gemini CLI", "gemini-sse", "sse", "http://localhost:8080/sse"),
    ("linux", "Gemini CLI", "gemini-plain-url", "sse", "https://gemini.example.com/events"),
    ("linux", "Gemini CLI", "gemini-http", "streamable-http", "https://gemini.example.com/mcp"),
    ("linux", "Gemini CLI", "webapp-gemini", "stdio", "node gemini-tools.js"),
    ("linux", "Codex", "codex-docs", "stdio", "npx -y @acme/docs-mcp"),
    ("linux", "Codex", "codex-remote", "streamable-http", "https://codex.example.com/mcp"),
    ("linux", "Codex", "codex-off", "stdio", "uvx mcp-server-off"),
    ("linux", "Amazon Q", "amazonq-cdk", "stdio", "uvx awslabs.cdk-mcp-server@latest"),
    ("linux", "Kiro", "kiro-fetch", "stdio", "uvx mcp-server-fetch"),
    ("linux", "LM Studio", "lmstudio-hf", "streamable-http", "https://huggingface.co/mcp"),
    ("linux", "opencode", "opencode-local", "stdio", "bun x opencode-mcp-tools"),
    ("linux", "opencode", "opencode-remote", "streamable-http", "https://opencode.example.com/mcp"),
    (
        "macos",
        "Claude Desktop",
        "mac-filesystem",
        "stdio",
        "npx -y @modelcontextprotocol/server-filesystem /Users/bob/Desktop",
    ),
    (
        "macos",
        "Claude Desktop",
        "mac-puppeteer",
        "stdio",
        "docker run -i --rm --init mcp/puppeteer",
    ),
    ("macos", "Claude Desktop", "Notes", "stdio", "node ${__dirname}/server/index.js"),
    (
        "macos",
        "VS Code",
        "mac-vscode-time",
        "stdio",
        "uvx mcp-server-time --local-timezone Europe/Paris",
    ),
    ("macos", "Cline (Cursor)", "cline-in-cursor", "stdio", "npx -y @acme/cline-cursor-mcp"),
    ("macos", "Claude Code", "api-sentry", "streamable-http", "https://mcp.sentry.dev/mcp"),
    (
        "windows",
        "Claude Desktop",
        "win-filesystem",
        "stdio",
        "cmd /c npx -y @modelcontextprotocol/server-filesystem C:\\Users\\carol\\Documents",
    ),
    (
        "windows",
        "Claude Desktop",
        "win-everything",
        "stdio",
        "C:\\Program Files\\nodejs\\npx.cmd -y @modelcontextprotocol/server-everything",
    ),
    (
        "windows",
        "Claude Desktop",
        "msix-memory",
        "stdio",
        "npx -y @modelcontextprotocol/server-memory --store C:\\Users\\carol\\memory.json",
    ),
    ("windows", "Claude Code", "tool-claude", "stdio", "node scripts\\mcp.js"),
    ("windows", "Claude Code", "tool-shared", "stdio", "npx -y @acme/tool-mcp"),
    ("windows", "VS Code", "win-vscode-git", "stdio", "uvx mcp-server-git"),
    ("windows", "VS Code", "tool-vscode", "stdio", "dotnet run --project Tool.Mcp"),
    ("windows", "Roo Code (VS Code)", "win-roo-search", "stdio", "npx -y @acme/roo-search"),
    ("windows", "Zed", "win-zed-fetch", "stdio", "uvx mcp-server-fetch"),
    ("windows", "Gemini CLI", "svc-gemini", "streamable-http", "https://svc.example.com/mcp"),
]


@pytest.mark.parametrize(("home", "client", "name", "transport", "target"), EXPECTED)
def test_every_client_config_is_read_from_the_fixture_homes(
    found: dict[str, tuple[dict[tuple[str, str], ConfigEntry], list[str]]],
    home: str,
    client: str,
    name: str,
    transport: str,
    target: str,
) -> None:
    entries, _ = found[home]
    entry = entries[(client, name)]
    ref = entry.ref
    assert (ref.transport, ref.name) == (transport, name)
    assert (" ".join(ref.command) if ref.command else ref.url or "") == target
    assert ref.found_in.startswith(str(HOMES / home))
    assert ref.evidence[0] == f"configured in {client} ({entry.path})"


def test_fixture_homes_hold_nothing_unexpected(
    found: dict[str, tuple[dict[tuple[str, str], ConfigEntry], list[str]]],
) -> None:
    expected = {(home, client, name) for home, client, name, *_ in EXPECTED}
    yaml_clients = {"Continue", "Goose"}
    extra = {
        (home, client, name)
        for home, (entries, _) in found.items()
        for client, name in entries
        if (home, client, name) not in expected
        and not (client in yaml_clients and entries[(client, name)].path.suffix == ".yaml")
    }
    # Secret-bearing and disabled entries are checked by their own tests.
    assert {name for *_, name in extra} == {
        "postgres",
        "brave-search",
        "openai-tools",
        "slack",
        "aws-docs",
        "old-weather",
        "elsewhere",
        "cline-off",
    }


def test_json_with_comments_and_trailing_commas_is_read() -> None:
    for path in (
        HOMES / "linux/.config/Code/User/settings.json",
        HOMES / "linux/.config/zed/settings.json",
        HOMES / "windows/AppData/Roaming/Zed/settings.json",
    ):
        text = path.read_text()
        assert "//" in text and ",\n" in text
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)  # the fixture really is JSONC
        assert json.loads(strip_jsonc(text))


def test_disabled_entries_are_reported_with_evidence(
    found: dict[str, tuple[dict[tuple[str, str], ConfigEntry], list[str]]],
) -> None:
    entries, _ = found["linux"]
    for key in [
        ("Claude Desktop", "old-weather"),
        ("Cline (VS Code)", "cline-off"),
        ("Codex", "codex-off"),
        ("opencode", "opencode-remote"),
    ]:
        assert "disabled in config" in entries[key].ref.evidence, key
    assert "disabled in config" not in entries[("Cline (VS Code)", "cline-git")].ref.evidence
    legacy = entries[("Claude Code", "webapp-legacy")].ref
    assert any("disabledMcpjsonServers" in line for line in legacy.evidence)


def test_per_project_entries_say_which_project(
    found: dict[str, tuple[dict[tuple[str, str], ConfigEntry], list[str]]],
) -> None:
    entries, _ = found["linux"]
    ref = entries[("Claude Code", "webapp-db")].ref
    assert (
        ref.found_in == f"{HOMES / 'linux' / '.claude.json'}#projects//home/alice/projects/webapp"
    )
    assert "project /home/alice/projects/webapp" in ref.evidence
    shared = entries[("Claude Code", "webapp-shared")].ref
    assert shared.found_in == str(HOMES / "linux/projects/webapp/.mcp.json")


def test_project_paths_of_a_copied_home_are_moved_under_it() -> None:
    home = Path("/audit/alice")
    assert project_dir("/home/alice/src/app", home, False) == home / "src/app"
    assert project_dir("/Users/bob/code/api", home, False) == home / "code/api"
    assert project_dir("C:\\Users\\carol\\src\\tool", home, False) == home / "src/tool"
    assert project_dir("file:///c%3A/Users/carol/x%20y", home, False) == home / "x y"
    assert project_dir("/opt/elsewhere", home, False) is None  # a folder of the other machine
    assert project_dir("/home/alice/../../etc", home, False) is None
    assert project_dir("/opt/elsewhere", home, True) == Path("/opt/elsewhere")


def test_yaml_configs_are_one_warning_each_without_pyyaml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml raises ImportError
    entries, problems = discover(HOMES / "linux")
    assert sorted(problems) == sorted(
        f"{HOMES / 'linux' / rel}: YAML, and PyYAML is not installed; its MCP servers are "
        "not listed (pip install pyyaml to read it)"
        for rel in (".continue/config.yaml", ".config/goose/config.yaml")
    )
    assert ("Continue", "continue-block-json") in entries  # the other Continue files count


def test_yaml_configs_are_read_when_pyyaml_is_installed() -> None:
    pytest.importorskip("yaml")
    entries, problems = discover(HOMES / "linux")
    assert problems == []
    assert " ".join(entries[("Continue", "continue-playwright")].ref.command or ()) == (
        "npx @playwright/mcp@latest"
    )
    assert entries[("Continue", "continue-remote")].ref.transport == "streamable-http"
    github = entries[("Goose", "github")].ref
    assert github.env["GITHUB_PERSONAL_ACCESS_TOKEN"] == "<redacted:github-token:39 chars>"
    assert entries[("Goose", "remote-tools")].ref.transport == "sse"
    assert ("Goose", "developer") not in entries  # built into Goose, not a configured server
    windows, _ = discover(HOMES / "windows")
    assert ("Goose", "win-goose-memory") in windows


def test_a_broken_file_is_one_warning_naming_it_and_the_rest_still_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="hawkeye.discover"):
        result = run_pipeline(
            [], hawkeye_discover_local, settings=Settings(home=HOMES / "macos", local=True)
        )
    warnings = [r.getMessage() for r in caplog.records if r.name == "hawkeye.discover"]
    broken = HOMES / "macos/.codeium/windsurf/mcp_config.json"
    assert warnings == [f"{broken}: invalid JSON at line 6 column 5: Expecting ',' delimiter"]
    names = {ref.name for ref in result.servers}
    assert {"mac-filesystem", "mac-puppeteer", "Notes", "cline-in-cursor", "api-sentry"} <= names
    assert not result.errors


def test_secrets_in_configs_never_reach_the_report_or_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        result = run_pipeline(
            [], hawkeye_discover_local, settings=Settings(home=HOMES / "linux", local=True)
        )
    report = json.dumps(report_data(result))
    by_name = {ref.name: ref for ref in result.servers if ref.found_in.startswith(str(HOMES))}
    assert by_name["github"].env["GITHUB_PERSONAL_ACCESS_TOKEN"] == (
        "<redacted:github-token:39 chars>"
    )
    assert by_name["openai-tools"].command == (
        "uvx",
        "openai-mcp-tools",
        "--api-key",
        "<redacted:openai-key:45 chars>",
    )
    assert "<redacted:url-password:17 chars>" in " ".join(by_name["postgres"].command or ())
    assert by_name["aws-docs"].env["AWS_SECRET_ACCESS_KEY"] == "<redacted:secret:40 chars>"
    assert by_name["aws-docs"].env["AWS_REGION"] == "eu-west-1"
    for secret in FIXTURE_SECRETS:
        assert secret not in report, secret
        assert secret not in caplog.text, secret
    fixture_text = "".join(p.read_text() for p in (HOMES / "linux").rglob("*") if p.is_file())
    assert all(secret in fixture_text for secret in FIXTURE_SECRETS[:16])  # the test can fail


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
