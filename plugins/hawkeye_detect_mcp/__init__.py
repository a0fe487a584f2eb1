"""L2: is this open port an MCP server, and over which transport?

Registers one endpoint detector, ``mcp-http``, that climbs a probe ladder on
every open port without opening a full MCP session: Streamable HTTP
``initialize`` on the conventional paths, a legacy HTTP+SSE ``endpoint`` event,
the stateless ``server/discover``, and a 401 Bearer challenge with its
protected-resource metadata, over HTTP or HTTPS (self-signed certificates
accepted and recorded). See :mod:`hawkeye_detect_mcp.ladder` for the rungs and
:mod:`hawkeye_detect_mcp.options` for the ``[plugin.detect_mcp]`` options.

Each detection is a ``ServerRef`` with its transport, URL, protocol version,
server info, auth posture, TLS facts, the evidence that decided it and a
confidence:

- 1.0: an ``initialize`` result with ``protocolVersion`` and ``serverInfo``; a
  ``server/discover`` result; an SSE endpoint that answered ``initialize``;
- 0.9: an ``initialize`` result without ``serverInfo``; an SSE ``endpoint``
  event alone;
- 0.8: a Bearer 401 on an MCP path with protected-resource metadata (0.6 on
  another path; 0.5 on an MCP path without metadata);
- 0.6: a JSON-RPC error only MCP servers send.
"""

from __future__ import annotations

from collections.abc import Iterator

from hawkeye_core import Detector, Settings, hookimpl
from hawkeye_detect_mcp.ladder import detect
from hawkeye_detect_mcp.options import Options

__all__ = ["PLUGIN_NAME", "detect"]

PLUGIN_NAME = "detect_mcp"


@hookimpl
def hawkeye_configure(config: Settings) -> None:
    # Bad options unload the plugin with a message, rather than failing every call.
    Options.from_mapping(config.plugin_options(PLUGIN_NAME))


@hookimpl
def hawkeye_detectors() -> Iterator[Detector]:
    yield Detector(
        name="mcp-http",
        run=detect,
        description="Streamable HTTP, legacy SSE, server/discover and 401-with-metadata probes, "
        "over HTTP and HTTPS.",
    )
