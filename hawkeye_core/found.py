"""What a run has found: de-duplicated, merged, suppressed and bounded.

The runner decides what runs next; this keeps what came back. Everything
here is touched by the runner's thread only.
"""

from __future__ import annotations

from typing import Any

import attrs

from hawkeye_core.concurrency.counters import Stats
from hawkeye_core.linking import link_same_port
from hawkeye_core.records import Endpoint, Finding, Outcome, ServerInventory, ServerRef
from hawkeye_core.suppress import Suppression, find_suppression

__all__ = ["MAX_KEPT_ERRORS", "Found"]

#: Outcomes kept in a result beyond this many are only counted.
MAX_KEPT_ERRORS = 10_000


class Found:
    """The records a run keeps, and the counters that go with them."""

    def __init__(self, stats: Stats, suppress: tuple[Suppression, ...] = ()) -> None:
        self.stats = stats
        self.suppress = suppress
        self.endpoints: dict[tuple[str, int], Endpoint] = {}
        self.servers: dict[str, ServerRef] = {}
        self.inventories: list[ServerInventory] = []
        self.findings: list[Finding] = []
        self.suppressed: list[Finding] = []
        self.errors: list[Outcome] = []
        self._inventoried: set[str] = set()

    def add_endpoint(self, endpoint: Endpoint) -> bool:
        """Count a scanned port; True for an open one not seen before."""
        self.stats.incr(f"endpoints_{endpoint.state}")
        key = (endpoint.host, endpoint.port)
        if endpoint.state != "open" or key in self.endpoints:
            return False
        self.endpoints[key] = endpoint
        return True

    def add_server(self, ref: ServerRef) -> bool:
        """Keep a server; True if it is new, else merge what this detector knew of it."""
        first = self.servers.get(ref.key)
        if first is None:
            self.servers[ref.key] = ref
            self.stats.incr("servers")
            return True
        # The same server seen again (a config and its running process): keep
        # one, with what each detector knew of it.
        self.stats.incr("servers_duplicate")
        more = [e for e in ref.evidence if e not in first.evidence]
        if ref.found_in and ref.found_in != first.found_in:
            more.insert(0, f"also found in {ref.found_in}")
        if more and len(first.evidence) < 50:
            self.servers[ref.key] = attrs.evolve(first, evidence=(*first.evidence, *more))
        return False

    def add_inventory(self, inventory: ServerInventory, *, counted: bool = True) -> None:
        """Keep an inventory (``counted=False`` for a server no session inventoried)."""
        self.inventories.append(inventory)
        self._inventoried.add(inventory.ref.key)
        self.servers.setdefault(inventory.ref.key, inventory.ref)
        self.stats.incr("inventories" if counted else "servers_not_inventoried")

    def inventoried(self, key: str) -> bool:
        return key in self._inventoried

    def add_finding(self, finding: Finding) -> bool:
        """Keep a finding; False when a suppression covers it (it is kept apart)."""
        suppression = find_suppression(finding, self.suppress)
        if suppression is not None:
            self.suppressed.append(attrs.evolve(finding, suppressed=suppression.reason))
            self.stats.incr("findings_suppressed")
            return False
        self.findings.append(finding)
        self.stats.incr("findings")
        return True

    def add_outcome(self, outcome: Outcome) -> None:
        """Keep a call that did not end well, up to MAX_KEPT_ERRORS (then only count)."""
        if len(self.errors) >= MAX_KEPT_ERRORS:
            self.stats.incr("errors_not_kept")
            return
        self.errors.append(outcome)

    def result_fields(self) -> dict[str, Any]:
        """The found records as :class:`ScanResult` fields."""
        return {
            "endpoints": sorted(self.endpoints.values(), key=lambda e: (e.host, e.port)),
            "servers": link_same_port(list(self.servers.values())),
            "inventories": self.inventories,
            "findings": self.findings,
            "suppressed": self.suppressed,
            "errors": self.errors,
        }
