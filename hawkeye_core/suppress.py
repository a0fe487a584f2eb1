"""Suppressions: findings a team has reviewed and accepted, each with a reason.

In the settings file::

    [[suppress]]
    rule = "HE-TP-001"          # a rule id, or a glob such as "HE-CFG-*"
    server = "filesystem"       # optional glob on the finding's server
    tool = "read_*"             # optional glob on its tool, prompt or resource
    reason = "reviewed: reads only the project folder"
    expires = 2027-01-31        # optional; after it the suppression no longer applies

A suppressed finding is not lost: it is reported apart, with its reason.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from hawkeye_core.records import Finding

__all__ = ["Suppression", "find_suppression", "parse_suppressions"]


@frozen(kw_only=True)
class Suppression:
    """One accepted risk: which findings, why, and until when."""

    rule: str
    reason: str
    server: str | None = None
    tool: str | None = None
    expires: dt.date | None = None

    def active(self, today: dt.date) -> bool:
        return self.expires is None or today <= self.expires

    def matches(self, finding: Finding) -> bool:
        loc = finding.location
        if not fnmatch.fnmatchcase(finding.rule_id, self.rule):
            return False
        if self.server is not None and not fnmatch.fnmatchcase(loc.server, self.server):
            return False
        if self.tool is not None:
            names = [n for n in (loc.tool, loc.prompt, loc.resource) if n is not None]
            if not any(fnmatch.fnmatchcase(n, self.tool) for n in names):
                return False
        return True


def parse_suppressions(value: Any, where: str) -> tuple[Suppression, ...]:
    """Read ``[[suppress]]`` tables; ValueError names the bad entry."""
    if not isinstance(value, list):
        raise ValueError(f"{where}: suppress must be a list of [[suppress]] tables")
    out = []
    for number, entry in enumerate(value, 1):
        label = f"{where}: suppress entry {number}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{label} must be a table")
        unknown = set(entry) - {"rule", "server", "tool", "reason", "expires"}
        if unknown:
            raise ValueError(f"{label}: unknown keys {sorted(unknown)}")
        rule, reason = entry.get("rule"), entry.get("reason")
        if not isinstance(rule, str) or not rule.strip():
            raise ValueError(f"{label} needs a rule (a rule id or a glob)")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{label} ({rule}) needs a reason")
        expires = entry.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise ValueError(f"{label} ({rule}): expires must be a date, YYYY-MM-DD") from None
        if expires is not None and not isinstance(expires, dt.date):
            raise ValueError(f"{label} ({rule}): expires must be a date, YYYY-MM-DD")
        for key in ("server", "tool"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise ValueError(f"{label} ({rule}): {key} must be text")
        out.append(
            Suppression(
                rule=rule.strip(),
                reason=reason.strip(),
                server=entry.get("server"),
                tool=entry.get("tool"),
                expires=expires,
            )
        )
    return tuple(out)


def find_suppression(
    finding: Finding, suppressions: Iterable[Suppression], today: dt.date | None = None
) -> Suppression | None:
    """The first active suppression that covers ``finding``, if any."""
    today = today or dt.date.today()
    for suppression in suppressions:
        if suppression.active(today) and suppression.matches(finding):
            return suppression
    return None
