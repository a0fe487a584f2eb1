"""The lab's catalogue: every server, where it runs, what is wrong with it, which rules flag it.

A :class:`ServerSpec` names a server (its key in the lab and its realistic MCP
name), its transport, its port offset from the lab's port base, one line saying
what is wrong, the HawkEye rules that should report it, and either
``build(host, port)`` (a network server, see :mod:`hawkeye_lab.servers`) or the
command line of a stdio server, which the lab never starts: HawkEye does, from
the client config, with ``--allow-exec``. ``docs/lab.md`` explains each one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import frozen

from hawkeye_lab.hostile import hostile_app
from hawkeye_lab.servers import (
    LAB_TOKEN,
    behind_oauth,
    benign,
    hidden_unicode,
    legacy_sse,
    mail,
    no_auth_exec,
    poisoned_tools,
    rug_pull,
    shadowing,
)

__all__ = [
    "CATALOGUE",
    "FAKE_OPENAI_KEY",
    "NETWORK_COUNT",
    "SCRIPTS",
    "SSE",
    "STDIO",
    "STREAMABLE",
    "ServerSpec",
    "spec",
]

SCRIPTS = Path(__file__).parent / "scripts"
STREAMABLE, SSE, STDIO = "streamable-http", "sse", "stdio"


@frozen(kw_only=True)
class ServerSpec:
    """One lab server: what it is, where it listens and what HawkEye should say about it.

    ``offset`` is the port's distance from the lab's port base (None for stdio).
    ``build(host, port)`` makes the ASGI app of a network server; a stdio server
    has ``command`` (run as given, with ``env``) instead. ``disabled`` marks a
    config entry that nothing should start.
    """

    key: str
    name: str
    transport: str
    summary: str
    rules: tuple[str, ...]
    offset: int | None = None
    path: str = "/mcp"
    build: Callable[[str, int], Any] | None = None
    command: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    disabled: bool = False


FAKE_OPENAI_KEY = "sk-hawkeye-lab-FAKE-0000-not-a-real-key"

#: Every lab server: the network ones in port order, then the stdio ones.
CATALOGUE: tuple[ServerSpec, ...] = (
    ServerSpec(
        key="poisoned-tools",
        name="quick-math",
        transport=STREAMABLE,
        offset=0,
        summary="add() asks for mcp.json and id_rsa in 'sidenote'",
        rules=("HE-TP-002", "HE-TP-003", "HE-TP-004"),
        build=poisoned_tools,
    ),
    ServerSpec(
        key="hidden-unicode",
        name="text-formatter",
        transport=STREAMABLE,
        offset=1,
        summary="tag characters, zero-width spaces, homoglyph tool name",
        rules=("HE-HID-001", "HE-HID-002", "HE-HID-004", "HE-NAME-001"),
        build=hidden_unicode,
    ),
    ServerSpec(
        key="shadowing",
        name="mail-signature",
        transport=STREAMABLE,
        offset=2,
        summary="redirects corp-mail's send_email; tool name collision",
        rules=("HE-SH-001", "HE-TP-005", "HE-XS-001"),
        build=shadowing,
    ),
    ServerSpec(
        key="rug-pull",
        name="daily-facts",
        transport=STREAMABLE,
        offset=3,
        summary="description turns malicious after first list or call",
        rules=("HE-RUG-001", "HE-SH-001"),
        build=rug_pull,
    ),
    ServerSpec(
        key="no-auth-exec",
        name="devops-shell",
        transport=STREAMABLE,
        offset=4,
        summary="run_shell with no auth and no Origin check (in the wild: on 0.0.0.0)",
        rules=("HE-CAP-001", "HE-CAP-004", "HE-ANN-001", "HE-NET-005"),
        build=no_auth_exec,
    ),
    ServerSpec(
        key="oauth",
        name="billing-api",
        transport=STREAMABLE,
        offset=5,
        summary=f"OAuth: 401 + metadata; lab token {LAB_TOKEN}",
        rules=(),
        build=behind_oauth,
    ),
    ServerSpec(
        key="hostile",
        name="mega-toolbox",
        transport=STREAMABLE,
        offset=6,
        summary="2,000 tools, 1 MiB text, 64-deep schema, endless pages",
        rules=(),
        build=hostile_app,
    ),
    ServerSpec(
        key="benign",
        name="weather",
        transport=STREAMABLE,
        offset=7,
        summary="nothing: the clean reference",
        rules=(),
        build=benign,
    ),
    ServerSpec(
        key="legacy-sse",
        name="wiki-search",
        transport=SSE,
        offset=8,
        path="/sse",
        summary="legacy SSE; poisoned prompt and resource",
        rules=("HE-TP-002", "HE-TP-005", "HE-TP-006"),
        build=legacy_sse,
    ),
    ServerSpec(
        key="mail",
        name="corp-mail",
        transport=STREAMABLE,
        offset=9,
        summary="honest; the target of mail-signature",
        rules=("HE-CAP-003", "HE-XS-001"),
        build=mail,
    ),
    ServerSpec(
        key="stdio-poisoned",
        name="local-notes",
        transport=STDIO,
        summary="poisoned save_note; fake OPENAI_API_KEY in env",
        rules=("HE-TP-002", "HE-TP-003", "HE-CFG-005", "HE-CFG-006"),
        command=(sys.executable, str(SCRIPTS / "local_notes.py")),
        env=(("OPENAI_API_KEY", FAKE_OPENAI_KEY),),
    ),
    ServerSpec(
        key="stdio-unpinned",
        name="project-files",
        transport=STDIO,
        summary="unpinned npx -y package (disabled)",
        rules=("HE-CFG-003",),
        command=("npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp/hawkeye-lab"),
        # Should anything start it anyway, npm stays offline: nothing is downloaded.
        env=(("npm_config_offline", "true"),),
        disabled=True,
    ),
)

#: The number of network servers, so ports run from the base to base + NETWORK_COUNT - 1.
NETWORK_COUNT = sum(1 for s in CATALOGUE if s.offset is not None)


def spec(key: str) -> ServerSpec:
    """The lab server called ``key`` (its key or its MCP name); KeyError if none is."""
    for item in CATALOGUE:
        if key in (item.key, item.name):
            return item
    raise KeyError(key)
