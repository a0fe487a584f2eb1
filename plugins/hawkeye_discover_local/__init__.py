"""Local discovery: MCP servers configured in AI clients on this host, and running ones.

Two host detectors (``on="host"``: called once per run, skipped with
``--no-local``):

- ``client-configs`` reads the MCP servers of Claude Desktop, Claude Code,
  Cursor, VS Code (with Cline, Roo Code and Kilo Code), Windsurf, Continue, Zed,
  Gemini CLI, Codex, Amazon Q, Kiro, LM Studio, Goose and opencode, in the
  Linux, macOS and Windows layouts of the audited home (``home``), and the files
  of ``--client-config``;
- ``processes`` finds running MCP servers with psutil, the TCP ports they listen
  on, and the client config that launched each.

Neither executes anything, and every secret they meet is redacted. Options
(``[plugin.discover_local]``): ``max_file_bytes`` (default 5 MiB) caps each
file read, ``max_projects`` (default 1000) the project folders looked at.
"""

from __future__ import annotations

from collections.abc import Iterator

from hawkeye_core import Detector, hookimpl
from hawkeye_discover_local.configs import discover_configs
from hawkeye_discover_local.processes import discover_processes

__all__ = ["hawkeye_detectors"]


@hookimpl
def hawkeye_detectors() -> Iterator[Detector]:
    """The ``client-configs`` and ``processes`` host detectors."""
    yield Detector(
        name="client-configs",
        on="host",
        run=discover_configs,
        description="MCP servers configured in AI clients' config files (never executed).",
    )
    yield Detector(
        name="processes",
        on="host",
        run=discover_processes,
        description="Running MCP server processes and the TCP ports they listen on.",
    )
