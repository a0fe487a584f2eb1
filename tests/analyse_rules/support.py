"""Inventories, corpus items and finding filters shared by the rule analysers' tests.

Benign examples are real tool definitions from widely used MCP servers (the
corpus in ``tests/data/corpus`` cites each source); malicious ones are public
research examples and their variants.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hawkeye_analyse_rules import analyse_server
from hawkeye_core import Finding, ServerInventory, ServerRef, Tool
from hawkeye_core.offline import load_file

CORPUS = Path(__file__).parent.parent / "data" / "corpus"
CONFIG = "/home/alice/.cursor/mcp.json"


def tag(text: str) -> str:
    """``text`` as invisible Unicode tag characters."""
    return "".join(chr(0xE0000 + ord(c)) for c in text)


def tool(
    name: str, description: str = "", props: dict[str, Any] | None = None, **extra: Any
) -> Tool:
    schema = {"type": "object", "properties": props or {}}
    return Tool(name=name, description=description, input_schema=schema, **extra)


def inventory(
    *tools: Tool, name: str = "srv", found_in: str = CONFIG, **fields: Any
) -> ServerInventory:
    ref = ServerRef(
        transport="stdio",
        command=("npx", "-y", f"{name}@1.0.0"),
        name=name,
        found_in=found_in,
        evidence=(f"configured in Cursor ({found_in})",),
    )
    return ServerInventory(ref=ref, tools=tools, **fields)


def findings(inv: ServerInventory) -> list[Finding]:
    return list(analyse_server(inv))


def rule_ids(found: Iterable[Finding], prefix: str = "HE-") -> set[str]:
    return {f.rule_id for f in found if f.rule_id.startswith(prefix)}


def corpus_tool(rel: str, name: str) -> Tool:
    (inv,) = load_file(CORPUS / rel)
    return next(t for t in inv.tools if t.name == name)


def corpus(rel: str) -> ServerInventory:
    (inv,) = load_file(CORPUS / rel)
    return inv
