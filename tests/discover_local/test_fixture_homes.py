"""Every AI client's config read from the fixture homes (see :mod:`tests.discover_local.support`).

JSONC, YAML with and without PyYAML, disabled and per-project entries, a broken
file, and secrets that must never reach the report or the log.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

import hawkeye_discover_local
from hawkeye_core import Settings
from hawkeye_core.testing import run_pipeline
from hawkeye_discover_local.configs import project_dir
from hawkeye_discover_local.formats import strip_jsonc
from hawkeye_discover_local.parse import ConfigEntry
from hawkeye_report_json import report_data
from tests.discover_local.support import HOMES, discover

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


@pytest.fixture(scope="module")
def found() -> dict[str, tuple[dict[tuple[str, str], ConfigEntry], list[str]]]:
    return {name: discover(HOMES / name) for name in ("linux", "macos", "windows")}


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
