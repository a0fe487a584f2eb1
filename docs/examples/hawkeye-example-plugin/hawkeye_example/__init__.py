"""An example third-party HawkEye plugin: flag tools with oversized descriptions.

A tool description is text the client hands to its model. A very long one is
room for hidden instructions (tool poisoning) and costs context on every call,
so this L4 analyser reports each tool whose description is longer than a limit.

Options, in the ``[plugin.example]`` table of ``hawkeye.toml``::

    [plugin.example]
    max_description = 1000   # characters; the default
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hawkeye_core import (
    Analyser,
    CallContext,
    Finding,
    Location,
    ServerInventory,
    Settings,
    Severity,
    hookimpl,
)

__all__ = ["DEFAULT_MAX_DESCRIPTION", "EVIDENCE_CHARS", "RULE_ID", "find_oversized"]

#: The plugin's name: its entry point, and its ``[plugin.NAME]`` table.
PLUGIN_NAME = "example"
RULE_ID = "EX001"
DEFAULT_MAX_DESCRIPTION = 1000
#: How much of the description a finding quotes.
EVIDENCE_CHARS = 120

# Set by hawkeye_configure on the main thread before any analyser call, then
# only read (from L4 threads), so it needs no lock.
_max_description = DEFAULT_MAX_DESCRIPTION


def parse_max_description(options: Mapping[str, Any]) -> int:
    """The ``max_description`` option: a whole number of characters, at least 1."""
    value = options.get("max_description", DEFAULT_MAX_DESCRIPTION)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"[plugin.{PLUGIN_NAME}] max_description must be a whole number of characters "
            f"(at least 1), not {value!r}"
        )
    return value


def find_oversized(inventory: ServerInventory, limit: int) -> Iterator[Finding]:
    """A finding for each tool of ``inventory`` whose description is over ``limit`` characters."""
    for tool in inventory.tools:
        length = len(tool.description)
        if length <= limit:
            continue
        yield Finding(
            rule_id=RULE_ID,
            severity=Severity.LOW,
            confidence=0.6,  # long is suspicious, not proof of poisoning
            title=f"Tool description is {length:,} characters long (limit {limit:,})",
            # Hostile text: quoted as sent, cut short; every reporter escapes it.
            evidence=tool.description[:EVIDENCE_CHARS],
            location=Location(server=inventory.ref.key, tool=tool.name),
            remediation=(
                "Read the whole description for instructions aimed at the model (tool "
                "poisoning); ask the server's author to keep descriptions short and move "
                "documentation elsewhere, or raise [plugin.example] max_description if long "
                "descriptions are expected here."
            ),
            cwe=("CWE-1427",),
        )


def check_descriptions(inventory: ServerInventory, ctx: CallContext) -> Iterator[Finding]:
    """The analyser's ``run``: called on an L4 thread for each inventoried server."""
    yield from find_oversized(inventory, _max_description)


@hookimpl
def hawkeye_configure(config: Settings) -> None:
    global _max_description
    # Always set it: a new run without the option gets the default back.
    _max_description = parse_max_description(config.plugin_options(PLUGIN_NAME))


@hookimpl
def hawkeye_analysers() -> Iterator[Analyser]:
    yield Analyser(
        name="example-oversized-description",
        run=check_descriptions,
        description="Tools whose description is longer than [plugin.example] max_description.",
    )
