"""Port lists: ``-p`` specs, and the preset of ports where MCP servers listen.

``-p`` takes what nmap takes for TCP: ``-`` (1-65535), single ports, ranges
(``1-1024``, ``-1024``, ``60000-``) and comma lists of them. A parsed spec is a
tuple of ranges, iterated lazily; nothing holds 65,535 ints.
"""

from __future__ import annotations

from collections.abc import Iterator

from attrs import field, frozen

__all__ = ["MCP_PORTS", "PortSpec", "parse_ports", "top_ports"]

#: Where MCP servers listen, most likely first: SDK and framework defaults,
#: inspectors and proxies, then the common development ports they are run on.
MCP_PORTS: tuple[int, ...] = (
    8000,  # official Python SDK (FastMCP / MCPServer) default, uvicorn default
    3000,  # TypeScript SDK examples, Node dev servers
    8080,  # common HTTP alternative, many MCP images
    6274,  # MCP Inspector UI
    6277,  # MCP Inspector proxy
    3001,  # TypeScript SDK examples (second server), Next.js alternative
    5000,  # Flask default
    8001,
    8888,
    9000,
    8081,
    8765,  # mcp-proxy default SSE port
    7860,  # Gradio (MCP server mode)
    5173,  # Vite dev server
    4000,
    8008,
    8443,  # HTTPS alternative
    443,
    80,
    3333,
    8787,  # Cloudflare workers dev (wrangler)
    8002,
    8003,
    9090,
    5001,
    11434,  # Ollama (often next to MCP bridges)
    1234,  # LM Studio server
    12306,  # Chrome MCP server default
    3002,
    3003,
    8090,
    8100,
    8181,
    8282,
    9001,
    9999,
    10000,
    18000,
    18080,
)


@frozen
class PortSpec:
    """A parsed port spec: inclusive ``(low, high)`` ranges, in the order given."""

    ranges: tuple[tuple[int, int], ...] = field()
    text: str = ""

    def __iter__(self) -> Iterator[int]:
        seen: set[int] = set()
        for low, high in self.ranges:
            for port in range(low, high + 1):
                if port not in seen:
                    seen.add(port)
                    yield port

    def __len__(self) -> int:
        return len(set().union(*(range(lo, hi + 1) for lo, hi in self.ranges)))

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and any(lo <= port <= hi for lo, hi in self.ranges)


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"bad port spec {spec!r}: {text!r} is not a port (1-65535)")
    return int(text)


def parse_ports(spec: str) -> PortSpec:
    """Parse a ``-p`` value; raise ValueError naming the bad part."""
    text = spec.strip()
    if not text:
        raise ValueError("bad port spec '': empty")
    if text.upper().startswith("T:"):
        text = text[2:]  # nmap's TCP prefix
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        part = part.strip()
        if part == "-":
            ranges.append((1, 65535))
        elif "-" in part:
            low_text, _, high_text = part.partition("-")
            low = _port(low_text, spec) if low_text else 1
            high = _port(high_text, spec) if high_text else 65535
            if low > high:
                raise ValueError(f"bad port spec {spec!r}: range {part!r} runs backwards")
            ranges.append((low, high))
        else:
            port = _port(part, spec)
            ranges.append((port, port))
    return PortSpec(tuple(ranges), text=spec)


def top_ports(count: int) -> PortSpec:
    """The first ``count`` ports of :data:`MCP_PORTS` (all of them if more are asked)."""
    if count < 1:
        raise ValueError(f"--top-ports takes a number of at least 1, not {count}")
    chosen = MCP_PORTS[:count]
    return PortSpec(tuple((p, p) for p in chosen), text=f"top {len(chosen)}")
