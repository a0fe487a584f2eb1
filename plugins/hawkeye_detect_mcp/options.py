"""The detector's options: the ``[plugin.detect_mcp]`` table of the settings file.

.. code-block:: toml

    [plugin.detect_mcp]
    paths = ["/mcp", "/", "/mcp/", "/api/mcp", "/v1/mcp"]  # POST initialize here
    sse_paths = ["/sse", "/"]  # GET, looking for a legacy HTTP+SSE endpoint event
    timeout = 2.0      # seconds any one request may take
    budget = 8.0       # seconds for the whole ladder on one endpoint
    sse_time = 2.0     # seconds an SSE stream is read for its endpoint event
    max_bytes = 65536  # bytes read of any one answer
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

__all__ = ["DEFAULT_PATHS", "DEFAULT_SSE_PATHS", "Options"]

#: Where Streamable HTTP servers conventionally listen: the SDKs' default
#: (``/mcp``), the root, a mount with its trailing slash, and the API prefixes
#: web frameworks put in front of it.
DEFAULT_PATHS = ("/mcp", "/", "/mcp/", "/api/mcp", "/v1/mcp")
#: Where legacy HTTP+SSE servers open their event stream (the SDKs use ``/sse``).
DEFAULT_SSE_PATHS = ("/sse", "/")


def _seconds(options: Mapping[str, Any], key: str, default: float) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
        raise ValueError(f"[plugin.detect_mcp] {key} must be seconds (0-600), not {value!r}")
    return float(value)


def _paths(options: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = options.get(key, default)
    if not isinstance(value, list | tuple) or not all(
        isinstance(p, str) and p.startswith("/") and p.isprintable() and " " not in p for p in value
    ):
        raise ValueError(f"[plugin.detect_mcp] {key} must be a list of paths like '/mcp'")
    return tuple(dict.fromkeys(value))


@frozen(kw_only=True)
class Options:
    """What the ladder tries and how long it may take."""

    paths: tuple[str, ...] = DEFAULT_PATHS
    sse_paths: tuple[str, ...] = DEFAULT_SSE_PATHS
    timeout: float = 2.0
    budget: float = 8.0
    sse_time: float = 2.0
    max_bytes: int = 64 * 1024

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> Options:
        """Read and check the plugin's options; ValueError names a bad one."""
        known = {"paths", "sse_paths", "timeout", "budget", "sse_time", "max_bytes"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(
                f"[plugin.detect_mcp] unknown options {unknown}; known: {sorted(known)}"
            )
        max_bytes = options.get("max_bytes", 64 * 1024)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1024:
            raise ValueError(
                f"[plugin.detect_mcp] max_bytes must be at least 1024, not {max_bytes!r}"
            )
        return cls(
            paths=_paths(options, "paths", DEFAULT_PATHS),
            sse_paths=_paths(options, "sse_paths", DEFAULT_SSE_PATHS),
            timeout=_seconds(options, "timeout", 2.0),
            budget=_seconds(options, "budget", 8.0),
            sse_time=_seconds(options, "sse_time", 2.0),
            max_bytes=min(max_bytes, 16 << 20),
        )
