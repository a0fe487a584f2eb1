"""L3 introspection: a full MCP session with the official SDK client, bounded.

Registers the ``mcp`` introspector (Streamable HTTP, legacy HTTP+SSE and stdio
servers; see :mod:`hawkeye_introspect_mcp.introspector`) and the ``hawkeye
inspect TARGET`` command, which runs the same introspection on one server.
Options are the ``[plugin.introspect_mcp]`` table
(:mod:`hawkeye_introspect_mcp.limits`).
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from hawkeye_core import Introspector, Settings, hookimpl
from hawkeye_introspect_mcp.command import inspect_command
from hawkeye_introspect_mcp.introspector import NOT_STARTED, McpIntrospector
from hawkeye_introspect_mcp.limits import PLUGIN_NAME, IntrospectionError, Limits

__all__ = ["NOT_STARTED", "PLUGIN_NAME", "IntrospectionError", "Limits", "McpIntrospector"]


@hookimpl
def hawkeye_configure(config: Settings) -> None:
    # Bad options unload the plugin with a message, rather than failing every call.
    Limits.from_options(config.plugin_options(PLUGIN_NAME))


@hookimpl
def hawkeye_introspectors() -> Iterator[Introspector]:
    yield McpIntrospector().record()


@hookimpl
def hawkeye_commands(cli: click.Group) -> None:
    cli.add_command(inspect_command)
