"""Rule-based threat analysis of MCP servers, offline and deterministic (level L4).

Two analysers:

- ``rules`` (``scope="server"``): each server on its own, as soon as it is
  inventoried: tool poisoning and prompt injection (HE-TP-*), shadowing
  language (HE-SH-001), hidden content (HE-HID-*), capabilities (HE-CAP-*),
  annotations that contradict the tool (HE-ANN-*), tool names (HE-NAME-*),
  and the config and network posture of the server (HE-CFG-*, HE-NET-*);
- ``cross-server`` (``scope="run"``): the servers of each client together:
  name collisions and imitations (HE-XS-001/002), descriptions steering
  another server's tools (HE-SH-002), toxic flows (HE-XS-003) and config
  files with secrets that other users can read (HE-CFG-006).

Nothing here contacts anything. ``docs/rules.md`` lists every rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hawkeye_analyse_rules.capabilities import capability_findings
from hawkeye_analyse_rules.crossserver import cross_server_findings
from hawkeye_analyse_rules.hidden import hidden_findings
from hawkeye_analyse_rules.learned import Owners, known_features
from hawkeye_analyse_rules.poisoning import poisoning_findings
from hawkeye_analyse_rules.posture import posture_findings
from hawkeye_analyse_rules.rules import FAMILIES, RULES, Rule
from hawkeye_analyse_rules.surface import surfaces
from hawkeye_core import Analyser, CallContext, Finding, ServerInventory, hookimpl

__all__ = ["FAMILIES", "RULES", "Rule", "analyse_run", "analyse_server", "hawkeye_analysers"]


def analyse_server(inventory: ServerInventory, ctx: CallContext | None = None) -> Iterator[Finding]:
    """Every single-server rule on ``inventory``."""
    listed = list(surfaces(inventory))
    owners = Owners(listed, known_features())  # each owner's words read once, for every model
    yield from poisoning_findings(inventory, listed, owners)
    yield from hidden_findings(inventory, listed)
    yield from capability_findings(inventory, listed, owners)
    yield from posture_findings(inventory)


def analyse_run(
    inventories: Sequence[ServerInventory], ctx: CallContext | None = None
) -> Iterator[Finding]:
    """Every cross-server rule on the inventories of one run."""
    yield from cross_server_findings(inventories)


@hookimpl
def hawkeye_analysers() -> Iterator[Analyser]:
    """The ``rules`` and ``cross-server`` analysers."""
    yield Analyser(
        name="rules",
        run=analyse_server,
        description="Offline rules: poisoning, hidden content, capabilities, posture.",
    )
    yield Analyser(
        name="cross-server",
        scope="run",
        run=analyse_run,
        description="Offline rules across each client's servers: collisions, shadowing, flows.",
    )
