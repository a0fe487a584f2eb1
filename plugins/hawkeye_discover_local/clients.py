"""Where AI clients keep their MCP servers: per user, per project, per machine.

Paths are computed from a home folder for all three OS layouts at once
(Linux ``~/.config``, macOS ``~/Library/Application Support``, Windows
``AppData/Roaming`` and ``AppData/Local``), whatever this machine runs, so a
copied home of another machine can be audited too. A :class:`Location` names
the client, the file (or a folder and a glob pattern), and the layout
(:data:`~hawkeye_discover_local.parse.SHAPES`) its servers are kept in.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

__all__ = [
    "Location",
    "editor_user_dirs",
    "project_locations",
    "system_locations",
    "user_locations",
]


@frozen(kw_only=True)
class Location:
    """One place a client keeps MCP servers.

    ``pattern`` makes ``path`` a folder whose matching files are each read
    (``.continue/mcpServers/*``); ``url_default`` is the transport of a bare
    ``url`` entry in this client's dialect.
    """

    client: str
    path: Path
    shape: str
    pattern: str | None = None
    url_default: str = "streamable-http"


#: VS Code and its forks: folder name under the OS's application-data folder -> label.
EDITORS: Mapping[str, str] = {
    "Code": "VS Code",
    "Code - Insiders": "VS Code Insiders",
    "VSCodium": "VSCodium",
    "Cursor": "Cursor",
    "Windsurf": "Windsurf",
    "Kiro": "Kiro",
}
#: Editors whose own settings can hold MCP servers (the forks keep theirs elsewhere).
_VSCODE_PROPER = frozenset({"Code", "Code - Insiders", "VSCodium"})

#: MCP extensions that keep servers in their editor's globalStorage.
EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("Cline", "saoudrizwan.claude-dev/settings/cline_mcp_settings.json"),
    ("Roo Code", "rooveterinaryinc.roo-cline/settings/mcp_settings.json"),
    ("Kilo Code", "kilocode.kilo-code/settings/mcp_settings.json"),
)


def app_data_dirs(home: Path) -> dict[str, Path]:
    """The per-user application-data folder of each OS layout under ``home``."""
    return {
        "linux": home / ".config",
        "macos": home / "Library" / "Application Support",
        "windows": home / "AppData" / "Roaming",
    }


def _app_bases(home: Path, app_dirs: tuple[Path, ...]) -> list[Path]:
    bases = list(app_data_dirs(home).values())
    return bases + [d for d in app_dirs if d not in bases]


def editor_user_dirs(home: Path, app_dirs: tuple[Path, ...] = ()) -> list[tuple[str, str, Path]]:
    """``(folder name, label, User dir)`` of every VS Code-family editor in every layout."""
    return [
        (folder, label, base / folder / "User")
        for base in _app_bases(home, app_dirs)
        for folder, label in EDITORS.items()
    ]


def user_locations(
    home: Path, config_dirs: tuple[Path, ...] = (), app_dirs: tuple[Path, ...] = ()
) -> list[Location]:
    """Every per-user config location under ``home``, in all three OS layouts.

    ``config_dirs`` adds XDG-style config folders (``$XDG_CONFIG_HOME``) to
    ``~/.config``; ``app_dirs`` adds application-data folders (``%APPDATA%``
    redirected elsewhere) to the three layouts' own.
    """
    apps = app_data_dirs(home)
    xdg = [apps["linux"], *(d for d in config_dirs if d != apps["linux"])]
    roaming, local = apps["windows"], home / "AppData" / "Local"
    found: list[Location] = []

    def add(client: str, path: Path, shape: str = "mcpServers", **kw: str) -> None:
        found.append(Location(client=client, path=path, shape=shape, **kw))

    for base in _app_bases(home, app_dirs):
        add("Claude Desktop", base / "Claude" / "claude_desktop_config.json")
        add(
            "Claude Desktop",
            base / "Claude" / "Claude Extensions",
            "claude-extension",
            pattern="*/manifest.json",
        )
    add(
        "Claude Desktop",
        local / "Packages",
        pattern="Claude_*/LocalCache/Roaming/Claude/claude_desktop_config.json",
        shape="mcpServers",
    )
    add("Claude Code", home / ".claude.json", "claude-code")
    add("Claude Code", home / ".claude" / "settings.json")
    add("Cursor", home / ".cursor" / "mcp.json")
    for folder, label, user in editor_user_dirs(home, app_dirs):
        if folder in _VSCODE_PROPER:
            add(label, user / "settings.json", "vscode-settings")
            add(label, user / "mcp.json", "servers")
        for extension, relative in EXTENSIONS:
            add(f"{extension} ({label})", user / "globalStorage" / relative)
    add("Windsurf", home / ".codeium" / "windsurf" / "mcp_config.json")
    add("Windsurf Next", home / ".codeium" / "windsurf-next" / "mcp_config.json")
    add("Continue", home / ".continue" / "config.json", "continue-json")
    add("Continue", home / ".continue" / "config.yaml")
    add("Continue", home / ".continue" / "mcpServers", "continue-block", pattern="*")
    for config in xdg:
        add("Zed", config / "zed" / "settings.json", "context_servers")
        add("Goose", config / "goose" / "config.yaml", "goose")
        add("opencode", config / "opencode" / "opencode.json", "opencode")
        add("opencode", config / "opencode" / "opencode.jsonc", "opencode")
    add("Zed", roaming / "Zed" / "settings.json", "context_servers")
    add("Goose", roaming / "Block" / "goose" / "config" / "config.yaml", "goose")
    add("Gemini CLI", home / ".gemini" / "settings.json", url_default="sse")
    add("Codex", home / ".codex" / "config.toml", "codex")
    add("Amazon Q", home / ".aws" / "amazonq" / "mcp.json")
    add("Kiro", home / ".kiro" / "settings" / "mcp.json")
    add("LM Studio", home / ".lmstudio" / "mcp.json")
    return found


def project_locations(project: Path) -> list[Location]:
    """Config locations inside one project folder."""

    def at(client: str, relative: str, shape: str = "mcpServers", **kw: str) -> Location:
        return Location(client=client, path=project / relative, shape=shape, **kw)

    return [
        at("Claude Code", ".mcp.json"),
        at("Cursor", ".cursor/mcp.json"),
        at("VS Code", ".vscode/mcp.json", "servers"),
        at("VS Code", ".vscode/settings.json", "vscode-settings"),
        at("Gemini CLI", ".gemini/settings.json", url_default="sse"),
        at("Codex", ".codex/config.toml", "codex"),
        at("Amazon Q", ".amazonq/mcp.json"),
        at("Kiro", ".kiro/settings/mcp.json"),
        at("Roo Code", ".roo/mcp.json"),
        at("Zed", ".zed/settings.json", "context_servers"),
        at("Continue", ".continue/mcpServers", "continue-block", pattern="*"),
        at("opencode", "opencode.json", "opencode"),
        at("opencode", "opencode.jsonc", "opencode"),
        at("opencode", ".opencode/opencode.json", "opencode"),
    ]


def system_locations(platform: str | None = None) -> list[Location]:
    """Machine-wide (administrator-managed) config locations of this OS.

    Read only when the home being audited is this machine's own.
    """
    platform = platform or sys.platform
    if platform.startswith("win"):
        paths = [
            Path("C:/ProgramData/ClaudeCode/managed-mcp.json"),
            Path("C:/Program Files/ClaudeCode/managed-mcp.json"),
        ]
    elif platform == "darwin":
        paths = [Path("/Library/Application Support/ClaudeCode/managed-mcp.json")]
    else:
        paths = [Path("/etc/claude-code/managed-mcp.json")]
    return [Location(client="Claude Code (managed)", path=p, shape="mcpServers") for p in paths]
