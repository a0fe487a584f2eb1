"""The rule table: every rule's id, family, severity, title, remediation and tags.

Rule ids are stable: a rule keeps its id for ever, and a retired id is never
reused. ``family`` groups rules for reports and for the corpus benchmark;
``severity`` is the default a finding starts from (a rule may raise it for a
worse case or lower it for a milder one). The rules themselves are in
:mod:`~hawkeye_analyse_rules.rules_content` and
:mod:`~hawkeye_analyse_rules.rules_posture`; ``docs/rules.md`` lists them all.
"""

from __future__ import annotations

from hawkeye_analyse_rules.ruledef import Rule
from hawkeye_analyse_rules.rules_content import CONTENT_RULES
from hawkeye_analyse_rules.rules_posture import POSTURE_RULES
from hawkeye_core import Finding, Location, Severity

__all__ = ["FAMILIES", "RULES", "Rule", "make_finding"]

_TABLE = (*CONTENT_RULES, *POSTURE_RULES)
#: Every rule by id.
RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}
#: Families in table order.
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(rule.family for rule in _TABLE))


def make_finding(
    rule_id: str,
    *,
    evidence: str,
    location: Location,
    confidence: float,
    severity: Severity | None = None,
    title: str | None = None,
) -> Finding:
    """A finding of rule ``rule_id``, with the rule's title, remediation and tags."""
    rule = RULES[rule_id]
    return Finding(
        rule_id=rule.id,
        severity=severity if severity is not None else rule.severity,
        confidence=round(min(0.99, max(0.05, confidence)), 2),
        title=title or rule.title,
        evidence=evidence,
        location=location,
        remediation=rule.remediation,
        cwe=rule.cwe,
        owasp_mcp=rule.owasp_mcp,
    )
