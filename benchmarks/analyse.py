"""Rule analysers on the labelled corpus: precision and recall per family, and throughput.

Usage::

    /work/venv/bin/python benchmarks/analyse.py            # full run
    /work/venv/bin/python benchmarks/analyse.py --quick    # fewer timing repeats
    /work/venv/bin/python benchmarks/analyse.py -v         # also list every miss
    /work/venv/bin/python benchmarks/analyse.py --skip holdout5   # leave a batch out

Sections:

1. **Corpus** (``tests/data/corpus``): every tool, prompt, resource and
   ``instructions`` of ``benign/`` and ``malicious/`` is analysed by the
   single-server rules, loaded through ``hawkeye_core.offline``; the families
   of the rules that fire are compared with ``labels.json``. An item not in
   the labels expects no finding at all, so every finding on a benign tool
   that is not labelled counts against precision.
2. **Held out** (every ``tests/data/corpus/holdout*`` directory, in sorted
   order): the same on batches kept out of tuning when they were written, each
   titled with the first sentence of its ``labels.json`` ``_about``. Batches 1
   and 2 were held out during the first tuning pass and their misses drove the
   second. Batch 3 was written before the second pass and run once after it;
   its misses (4 poisoning, 2 shadowing, 1 hidden false negative, 2 GitHub
   repository tools taken for local file writers) then drove a third pass that
   fixed their general causes, so batches 1-3 are all development data now and
   their figures say only that the fixes hold. Batch 4 was blind, measured
   once (all families P 0.727 / R 0.525; poisoning recall 0.320, shadowing
   0/7), and then drove a fourth pass (negations, quoted examples, foreign
   languages, fake consent, schema values and output schemas, rules about
   other servers' tools, capability fixes), so it is development data now
   too. Batch 5 was blind, measured once (all families P 0.927 / R 0.585;
   poisoning recall 0.533, shadowing 0.200), and then drove a fifth pass
   (encoded orders decoded, data routed into a quoted parameter in any
   language, credential stores and secret commands, fake notices, steering
   away from other servers' tools, capability fixes), so it is development
   data now as well. Batches 6 and 7 were blind, measured once (batch 6:
   P 0.964 / R 0.529, poisoning recall 0.321, shadowing 0.400; batch 7:
   P 0.743 / R 0.605, poisoning 0.900 / 0.409), and then drove a sixth pass
   aimed at intent rather than phrases (``intent.py``: action + data +
   destination slots in many languages, schema values, nested examples), so
   they are development data now too. Batch 8 was blind, measured once
   (P 0.800 / R 0.471; poisoning recall 0.222), and then drove a seventh pass
   (``lexicon.py``: the slots of an order in about thirty languages, English
   verbs in every form said of the model, concealment by grammar rather than
   phrase; ``patterns_grammar.py``: other servers named by what they do, a
   server preferring itself, an action described to the user as something
   else, secrets named by the program that keeps them; bare encoded blobs
   that decode to an order are poisoning too, relabelled in batches 0-2).
   Batches 9 and 10 were written blind by two more helpers during that pass
   and measured once at its end, item misses unread: batch 9 P 0.844 / R 0.403
   (poisoning 0.324, shadowing 0.286), batch 10 P 0.667 / R 0.375 (poisoning
   0.314, shadowing 0.143); the rules before the pass scored 0.828 / 0.358 and
   0.676 / 0.359 on them. Blind recall so far: batch 4 0.525, batch 5 0.585,
   batch 6 0.529, batch 7 0.605, batch 8 0.471, batch 9 0.403, batch 10 0.375
   -- the generalisation gap: a pass lifts its own batch to ~1.0 and the next
   writer's batch by a few points. Hence the learned model
   (``hawkeye_analyse_rules/learned.py``, HE-TP-007), trained on the
   development corpus and batches 1-8 only: with one batch left out at a time
   it finds 0.74 of that batch's poisoned items at a precision of 0.90
   (``python -m hawkeye_analyse_rules.learned_train --cv``). On batches 9 and
   10, which neither the rules nor the model ever learnt from, poisoning went
   from P 1.000 / R 0.324 and P 0.917 / R 0.314 (rules alone) to P 1.000 /
   R 0.588 and P 0.864 / R 0.543 with a first version that could judge alone at
   0.8, and to P 1.000 / R 0.500 and P 0.944 / R 0.486 with the shipped one, which
   never judges alone (item misses unread throughout; the change was made for
   a unit test's benign sentence, not for these batches). Batches 9 and 10
   then joined the training data of the learned models (now one for
   poisoning and one for shadowing, trained on batches 0-10; leave-one-batch-
   out: poisoning P 0.92 / R 0.79, shadowing P 0.97 / R 0.58 at their
   thresholds), and their hidden-content misses drove general fixes (hidden
   HTML, blank-line padding, percent-encoding, ROT13, joiners in Persian and
   Indic words). Batches 11 and 12 were written blind meanwhile and measured
   once (P 0.761 / R 0.530 and P 0.632 / R 0.600; poisoning R 0.485 and
   0.606), then joined the data; a ninth state (learned score alone from 0.64,
   egress only to destinations the caller chooses) met blind batches 13 and 14
   once (P 0.800 / R 0.471 and P 0.906 / R 0.706; poisoning P 0.733 / R 0.355
   and P 0.905 / R 0.613), which then drove a ninth pass (deceit, overruling
   the user, variation-selector smuggling) and joined the training data (the
   models learn from batches 0-14). Batches 15 and 16, blind, measured that
   state once (P 0.853 / R 0.414 and P 0.852 / R 0.648; poisoning P 0.812 /
   R 0.394 and P 0.913 / R 0.636; shadowing R 0.500 and 1.000), then joined
   the data. Batches 17 and 18, blind, measured the final state of that
   session once (commit cace5f5; models trained on batches 0-16): P 0.977 /
   R 0.636 and P 0.833 / R 0.508; poisoning P 1.000 / R 0.515 and P 0.933 /
   R 0.438; shadowing R 1.000 and 0.667. Blind poisoning recall with the
   words-only learned models: 0.36-0.64 over batches 11-18 (rules alone:
   0.22-0.61 over batches 4-10). The eleventh pass (next session) began with
   four more blind batches, 19-22, measured once at that state (063d261):
   P 0.829 / R 0.479, P 0.842 / R 0.516, P 0.725 / R 0.587, P 0.837 / R 0.545;
   poisoning P 0.824 / R 0.350, 0.882 / 0.500, 0.938 / 0.517, 0.875 / 0.412.
   With them as data, the learned models were given the rules' evidence as
   features and the decision (poisoning, shadowing, command execution, file
   writes, credentials), and tool names spelt with ASCII look-alikes got a rule
   (HE-NAME-003). Four further blind batches, 23-26, were measured at both
   states, before (063d261) and after (9ca052c), item misses unread; pooled:
   all families P 0.856 / R 0.609 -> P 0.903 / R 0.781; poisoning P 0.960 /
   R 0.541 -> P 0.942 / R 0.737; shadowing 0.944 / 0.810 -> 0.950 / 0.905;
   file writes 0.900 / 0.429 -> 1.000 / 0.810; credentials 0.500 / 0.533 ->
   0.923 / 0.800; command execution R 0.600 -> 1.000; naming R 0.727 -> 1.000;
   annotations (P 0.250 / R 0.300), egress (0.786 / 0.846) and hidden (1.000 /
   0.815) unchanged. Batches 17 and 18, still untuned, measured at 9ca052c:
   P 1.000 / R 0.818 and P 0.878 / R 0.729; poisoning P 1.000 / R 0.758 and
   P 0.917 / R 0.688 (at cace5f5: R 0.515 and 0.438). All of batches 17-26
   then became development data for a twelfth pass (the models learn from 27
   batches; annotations judged by a learned model; more hiding techniques).
   Blind batches 27-30, written meanwhile, were measured at the session's
   start (063d261) and after the twelfth pass (0327234), item misses unread;
   pooled: all families P 0.880 / R 0.504 -> P 0.937 / R 0.804; poisoning
   P 0.923 / R 0.429 -> P 0.941 / R 0.800; shadowing 0.867 / 0.520 -> 0.833 /
   0.600; hidden 0.952 / 0.769 -> 0.962 / 0.962; file writes R 0.250 ->
   0.900; command execution R 0.571 -> 1.000; credentials 0.750 / 0.500 ->
   1.000 / 0.667; annotations 0.462 / 0.545 -> 0.818 / 0.818; naming R 0.545 ->
   0.818; egress 0.905 / 0.792 unchanged. Batches 27-30 then drove a
   thirteenth pass (other servers named in about thirty languages; models
   trained on 31 batches). Blind batches 31-34 measured its final state
   (8adc173) and the session's start (063d261), item misses unread; pooled
   (599 items): all families P 0.827 / R 0.546 -> P 0.926 / R 0.854;
   poisoning P 0.943 / R 0.471 -> P 0.937 / R 0.850; shadowing 0.842 / 0.727
   -> 0.833 / 0.909; hidden 1.000 / 0.875 -> 1.000 / 1.000; command execution
   0.833 / 0.714 -> 1.000 / 1.000; file writes 1.000 / 0.150 -> 0.938 / 0.750;
   credentials 0.350 / 0.500 -> 0.867 / 0.929; annotations 0.462 / 0.500 ->
   1.000 / 0.667; naming R 0.583 -> 0.917; egress 0.846 / 0.759 unchanged.
   Blind batches 35-38 measured the models trained on batches 0-34 (8766654)
   and the session's start, pooled (563 items): all families P 0.829 /
   R 0.544 -> P 0.948 / R 0.849; poisoning P 0.899 / R 0.456 -> P 0.958 /
   R 0.838; shadowing 0.900 / 0.783 -> 0.905 / 0.826; credentials 0.200 /
   0.200 -> 0.909 / 0.667; naming R 0.750 -> 1.000. Review fixes followed
   (hostile-input speed, look-alike and comment false positives); the
   shipped models learn from batches 0-38. Blind batches 39-42 measured that
   final state (0620566) and the session's start, pooled (564 items): all
   families P 0.899 / R 0.579 -> P 0.942 / R 0.862; poisoning P 0.938 /
   R 0.469 -> P 0.971 / R 0.797; shadowing 0.833 / 0.682 -> 0.815 / 1.000;
   hidden 1.000 / 1.000; command execution 1.000 / 1.000; file writes
   1.000 / 0.867; credentials 0.900 / 1.000; annotations 0.833 / 0.909;
   naming 1.000 / 0.900; egress 0.882 / 0.789 (unchanged). Fifth session:
   blind batches 43-46 measured its start (67bf433, models trained on batches
   0-38), pooled (533 items): all families P 0.941 / R 0.855; poisoning
   P 0.967 / R 0.811; shadowing 0.913 / 0.955; annotations 1.000 / 0.583.
   Then batches 39-46 drove a fourteenth pass (the four slots in about fifty
   more languages, lexicon_world.py; a lie to the user decisive alone; a
   redirection that names no other tool no longer shadowing; models trained
   on batches 0-46). Blind batches 47-50 (whose writers chose their own
   languages) measured that pass (c133d91) and the session's
   start, pooled (503 items): all families P 0.916 / R 0.845 -> P 0.930 /
   R 0.880; poisoning P 0.946 / R 0.779 -> P 0.958 / R 0.838; shadowing
   0.885 / 0.958 -> 0.958 / 0.958; command execution 0.857 / 0.750 ->
   0.875 / 0.875; hidden 0.931 / 1.000, file writes 0.875 / 1.000, egress
   0.850 / 0.895, credentials 0.727 / 1.000, annotations 1.000 / 0.700,
   naming 1.000 / 0.833 (unchanged by the pass). Batches 47-50 then drove a
   fifteenth pass (egress judged by a model; concealment read everywhere and
   weighed; steering beside a poisoning score of 0.6 is poisoning too; more
   forms of lies; changes a read-only tool's description admits; models
   trained on batches 0-50). Blind batches 51-58 (992 items, written meanwhile;
   writers chose their own languages) measured the session's start (67bf433),
   the fourteenth pass (c133d91) and the fifteenth (1333b3b), item misses
   unread; pooled: all families P 0.963 / R 0.814 -> 0.962 / 0.861 -> 0.963 /
   0.887; poisoning P 0.975 / R 0.747 -> 0.974 / 0.834 -> 0.963 / 0.875;
   shadowing 0.925 / 0.949 throughout; annotations 0.824 / 0.667 -> 0.947 /
   0.857 (fifteenth); egress 0.941 / 0.821 -> 0.969 / 0.795 (fifteenth);
   hidden 0.961 / 1.000, command execution 1.000 / 1.000, file writes 0.969 /
   0.886, credentials 1.000 / 0.750-0.812, naming 1.000 / 0.875. Batches
   51-54 then drove a sixteenth pass (orders hidden in encodings decisive; the
   conversation named in a schema value; file writes and credentials from 0.5;
   models trained on batches 0-54). Measured by batches 55-58 (again, still
   unread) and by blind batches 59-62 (495 items, written meanwhile, measured
   at every state): 55-58 all families P 0.970 / R 0.886 (fifteenth) -> 0.974
   / 0.878 (9702adf), poisoning 0.967 / 0.873 -> 0.975 / 0.858; 59-62 all
   families P 0.915 / R 0.772 (start) -> 0.922 / 0.804 (fourteenth) -> 0.917 /
   0.836 (fifteenth) -> 0.925 / 0.836 (sixteenth), poisoning 0.970 / 0.716 ->
   0.963 / 0.776 -> 0.947 / 0.806 -> 0.964 / 0.806, shadowing 0.778 / 0.875 ->
   0.815 / 0.917, annotations 0.700 / 0.700 -> 0.643 / 0.900. Batches 55-58
   then drove a seventeenth pass, with a helper's review of the session's
   change (a lie told in so many words decisive, broader deceit weighed;
   encoded blobs decisive only with an order; annotation and word-list false
   positives on ordinary descriptions removed; models trained on batches
   0-58). Blind batches 59-66 (1,017 items; 63-66 written meanwhile) measured
   it (2e887a9), item misses unread: 59-62 all families P 0.915 / R 0.772 at
   the start -> 0.929 / 0.840; 63-66 P 0.972 / R 0.802 at the start -> 0.968 /
   0.813 (fourteenth) -> 0.973 / 0.844 (fifteenth) -> 0.968 / 0.829
   (sixteenth) -> 0.973 / 0.840; pooled 59-66 P 0.943 / R 0.787 -> 0.951 /
   0.840, poisoning P 0.980 / R 0.716 -> 0.977 / 0.799. Batches 59-62 then
   drove an eighteenth pass (Malagasy, Mongolian, Somali, Khmer words; more
   parties whose wish is overruled; models trained on batches 0-62), measured
   by blind batches 67-70 (506 items, written meanwhile) at the session's
   start, the seventeenth pass and the eighteenth (63c1542): all families
   P 0.946 / R 0.802 -> 0.944 / 0.840 -> 0.941 / 0.856, poisoning 0.946 /
   0.768 -> 0.928 / 0.841 -> 0.930 / 0.862; with batches 63-66 (unchanged by
   the pass), 63-70 pooled (1,028 items) P 0.959 / R 0.802 at the start ->
   0.957 / 0.848, poisoning 0.967 / 0.743 -> 0.957 / 0.824. Batches 63-70 are
   not yet used for tuning or training. ``--skip NAME`` leaves a batch out (so that
   tuning never sees it).
3. **Cross-server scenarios** (``scenarios.json``): groups of corpus servers
   analysed as one client; every HE-XS-* and HE-SH-002 finding is matched
   against the scenario's expectations.
4. **Posture** (``posture.json``): server references and what introspection
   saw; every HE-CFG-*/HE-NET-* finding is matched against the expectations.
5. **Throughput**: 10,000 tools (corpus tools and renamed copies, 50 per
   server), through the single-server analyser and then the cross-server one,
   against a baseline measured in the same run: one case-insensitive keyword
   regex over each description (what a naive scanner does).

Goal: precision >= 0.95 and recall >= 0.90 per family. The script never
fails on a number; it exits non-zero only if the analysis raised.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from hawkeye_analyse_rules import RULES, analyse_run, analyse_server
from hawkeye_core import AuthPosture, Finding, ServerInventory, ServerRef
from hawkeye_core.offline import load_file

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
GOAL_PRECISION = 0.95
GOAL_RECALL = 0.90
ITEM_FAMILIES = (
    "poisoning",
    "shadowing",
    "hidden",
    "capability-exec",
    "capability-file-write",
    "capability-egress",
    "capability-credentials",
    "annotations",
    "naming",
)
CROSS_RULES = ("HE-XS-001", "HE-XS-002", "HE-XS-003", "HE-SH-002")


@attrs.define
class Tally:
    """True positives, false positives and false negatives of one family."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = attrs.field(factory=list)

    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def item_key(rel: str, finding: Finding) -> str:
    """The corpus item a finding is about: ``file#tool``, ``file#prompt:x``, ..."""
    where = finding.location
    if where.tool is not None:
        return f"{rel}#{where.tool}"
    if where.prompt is not None:
        return f"{rel}#prompt:{where.prompt}"
    if where.resource is not None:
        return f"{rel}#resource:{where.resource}"
    return f"{rel}#@instructions"


def items_of(rel: str, inventory: ServerInventory) -> list[str]:
    """Every item of a corpus file."""
    keys = [f"{rel}#{t.name}" for t in inventory.tools]
    keys += [f"{rel}#prompt:{p.name}" for p in inventory.prompts]
    keys += [f"{rel}#resource:{r.uri or r.name}" for r in inventory.resources]
    keys += [f"{rel}#resource:{t.uri_template or t.name}" for t in inventory.resource_templates]
    if inventory.instructions:
        keys.append(f"{rel}#@instructions")
    return keys


def load_corpus(root: Path, folders: Iterable[str]) -> list[tuple[str, ServerInventory]]:
    """``(relative path, inventory)`` of every JSON file of ``folders`` under ``root``."""
    loaded = []
    for folder in folders:
        for path in sorted((root / folder).glob("*.json")):
            for inventory in load_file(path):
                loaded.append((path.relative_to(root).as_posix(), inventory))
    return loaded


def evaluate_items(
    loaded: Sequence[tuple[str, ServerInventory]], labels: dict[str, list[str]]
) -> tuple[dict[str, Tally], int]:
    """Per-family tallies of the single-server rules over ``loaded``."""
    predicted: dict[str, set[str]] = defaultdict(set)
    universe: set[str] = set()
    for rel, inventory in loaded:
        universe.update(items_of(rel, inventory))
        for finding in analyse_server(inventory):
            family = RULES[finding.rule_id].family
            if family in ITEM_FAMILIES:
                predicted[item_key(rel, finding)].add(family)
    return tally_items(predicted, universe, labels), len(universe)


def tally_items(
    predicted: dict[str, set[str]], universe: set[str], labels: dict[str, list[str]]
) -> dict[str, Tally]:
    """Per-family tallies of the ``predicted`` families of each item against ``labels``."""
    tallies = {family: Tally() for family in ITEM_FAMILIES}
    for key in sorted(universe | set(labels)):
        expected = set(labels.get(key, ()))
        found = predicted.get(key, set())
        for family in ITEM_FAMILIES:
            tally = tallies[family]
            if family in expected and family in found:
                tally.tp += 1
            elif family in found:
                tally.fp += 1
                tally.misses.append(f"FP {key}")
            elif family in expected:
                tally.fn += 1
                tally.misses.append(f"FN {key}")
    return tallies


def print_families(title: str, tallies: dict[str, Tally], items: int, verbose: bool) -> None:
    print(f"\n{title} ({items} items)")
    print(f"  {'family':<24} {'TP':>4} {'FP':>4} {'FN':>4}  precision  recall")
    for family, tally in tallies.items():
        print(
            f"  {family:<24} {tally.tp:>4} {tally.fp:>4} {tally.fn:>4}  "
            f"{_fmt(tally.precision()):>9}  {_fmt(tally.recall()):>6}"
        )
        if verbose:
            for miss in tally.misses:
                print(f"      {miss}")
    total = Tally(
        tp=sum(t.tp for t in tallies.values()),
        fp=sum(t.fp for t in tallies.values()),
        fn=sum(t.fn for t in tallies.values()),
    )
    print(
        f"  {'all families':<24} {total.tp:>4} {total.fp:>4} {total.fn:>4}  "
        f"{_fmt(total.precision()):>9}  {_fmt(total.recall()):>6}"
    )
    below = [
        family
        for family, tally in tallies.items()
        if (tally.precision() is not None and tally.precision() < GOAL_PRECISION)  # type: ignore[operator]
        or (tally.recall() is not None and tally.recall() < GOAL_RECALL)  # type: ignore[operator]
    ]
    verdict = "met" if not below else "NOT met for " + ", ".join(below)
    print(f"  -> goal (precision >= {GOAL_PRECISION}, recall >= {GOAL_RECALL}): {verdict}")


def _grouped(inventories: Sequence[ServerInventory]) -> list[ServerInventory]:
    """The same inventories with one client-config reference, so they form one client."""
    config = "/scenario/client/mcp.json"
    return [
        attrs.evolve(
            inv,
            ref=attrs.evolve(
                inv.ref, found_in=config, evidence=(f"configured in Scenario ({config})",)
            ),
        )
        for inv in inventories
    ]


def evaluate_scenarios(root: Path, verbose: bool) -> dict[str, Tally]:
    """Tallies per cross-server rule family over ``scenarios.json``."""
    scenarios = json.loads((root / "scenarios.json").read_text("utf-8"))["scenarios"]
    tallies: dict[str, Tally] = {}
    for scenario in scenarios:
        inventories = []
        for rel in scenario["files"]:
            inventories.extend(load_file(root / rel))
        findings = [f for f in analyse_run(_grouped(inventories)) if f.rule_id in CROSS_RULES]
        expected = [(e["rule"], e.get("tool")) for e in scenario["expect"]]
        unmatched = list(expected)
        for finding in findings:
            family = RULES[finding.rule_id].family
            tally = tallies.setdefault(family, Tally())
            match = next(
                (
                    e
                    for e in unmatched
                    if e[0] == finding.rule_id and e[1] in (None, finding.location.tool)
                ),
                None,
            )
            if match is not None:
                unmatched.remove(match)
                tally.tp += 1
            else:
                tally.fp += 1
                tally.misses.append(f"FP {scenario['name']}: {finding.rule_id} {finding.evidence}")
        for rule_id, tool in unmatched:
            tally = tallies.setdefault(RULES[rule_id].family, Tally())
            tally.fn += 1
            tally.misses.append(f"FN {scenario['name']}: {rule_id} {tool or ''}")
    return tallies


def _posture_inventory(case: dict[str, object]) -> ServerInventory:
    raw_ref = dict(case["ref"])  # type: ignore[call-overload]
    ref = ServerRef(**raw_ref)
    seen = case.get("inventory") or {}
    assert isinstance(seen, dict)
    auth = AuthPosture(**seen["auth"]) if seen.get("auth") else None
    return ServerInventory(ref=ref, auth=auth, protocol_version=seen.get("protocol_version"))


def evaluate_posture(root: Path) -> Tally:
    """One tally over every HE-CFG-*/HE-NET-* finding of ``posture.json``."""
    cases = json.loads((root / "posture.json").read_text("utf-8"))["cases"]
    tally = Tally()
    for case in cases:
        found = {
            f.rule_id
            for f in analyse_server(_posture_inventory(case))
            if RULES[f.rule_id].family == "posture"
        }
        expected = set(case["expect"])
        tally.tp += len(found & expected)
        tally.fp += len(found - expected)
        tally.fn += len(expected - found)
        tally.misses += [f"FP {case['name']}: {r}" for r in sorted(found - expected)]
        tally.misses += [f"FN {case['name']}: {r}" for r in sorted(expected - found)]
    return tally


def held_out_batches(root: Path, skip: Iterable[str] = ()) -> list[Path]:
    """Every ``holdout*`` directory under ``root`` but those named in ``skip``, in sorted order."""
    left_out = set(skip)
    return sorted(
        path for path in root.glob("holdout*") if path.is_dir() and path.name not in left_out
    )


def batch_about(root: Path) -> str | None:
    """The first sentence of a batch's ``_about``, or None while its ``labels.json`` is unusable."""
    try:
        data = json.loads((root / "labels.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("labels"), dict):
        return None
    about = str(data.get("_about") or "no _about given").strip()
    first = re.split(r"(?<=[.!?])\s", about, maxsplit=1)[0]
    return first.rstrip(".")


def synthetic_inventories(
    loaded: Sequence[tuple[str, ServerInventory]], tools: int, per_server: int = 50
) -> list[ServerInventory]:
    """``tools`` tools made of corpus tools and renamed copies, ``per_server`` to a server."""
    pool = [tool for _, inventory in loaded for tool in inventory.tools]
    made = []
    for index, tool in zip(range(tools), itertools.cycle(pool), strict=False):
        made.append(attrs.evolve(tool, name=f"{tool.name}_{index // len(pool)}"[:128]))
    inventories = []
    for start in range(0, len(made), per_server):
        ref = ServerRef(
            transport="unknown",
            name=f"synthetic-{start // per_server}",
            found_in="benchmark",
            evidence=("offline: benchmark",),
        )
        inventories.append(ServerInventory(ref=ref, tools=made[start : start + per_server]))
    return inventories


_NAIVE = re.compile(r"ignore (all )?previous instructions|<important>|do not tell the user", re.I)


def _naive(inventories: Sequence[ServerInventory]) -> int:
    hits = 0
    for inventory in inventories:
        for tool in inventory.tools:
            if _NAIVE.search(tool.description):
                hits += 1
    return hits


def _best_of(repeats: int, work: object) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def throughput(loaded: Sequence[tuple[str, ServerInventory]], tools: int, repeats: int) -> None:
    inventories = synthetic_inventories(loaded, tools)
    count = sum(len(i.tools) for i in inventories)

    def single() -> None:
        for inventory in inventories:
            for _ in analyse_server(inventory):
                pass

    def cross() -> None:
        for _ in analyse_run(inventories):
            pass

    naive = _best_of(repeats, lambda: _naive(inventories))
    rules = _best_of(repeats, single)
    run = _best_of(max(1, repeats - 1), cross)
    findings = sum(1 for inventory in inventories for _ in analyse_server(inventory))
    print(f"\nThroughput ({count} tools in {len(inventories)} servers, best of {repeats})")
    print(f"  naive keyword regex (baseline)  {count / naive:>12,.0f} tools/s")
    print(
        f"  rules analyser (scope=server)   {count / rules:>12,.0f} tools/s"
        f"   ({rules:.2f} s, {findings} findings, {rules / naive:.0f}x the baseline's time)"
    )
    print(f"  cross-server analyser (one run) {count / run:>12,.0f} tools/s   ({run:.2f} s)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--quick", action="store_true", help="fewer timing repeats")
    parser.add_argument("--tools", type=int, default=10_000, help="tools for the throughput run")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="BATCH",
        help="leave out a held-out batch directory (e.g. holdout4); repeatable",
    )
    args = parser.parse_args(argv)
    print(
        f"HawkEye analyse benchmark — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    labels = json.loads((CORPUS / "labels.json").read_text("utf-8"))["labels"]
    loaded = load_corpus(CORPUS, ("benign", "malicious"))
    tallies, items = evaluate_items(loaded, labels)
    print_families("Corpus: benign + malicious", tallies, items, args.verbose)

    for root in held_out_batches(CORPUS, skip=args.skip):
        about = batch_about(root)
        if about is None:
            print(f"\nHeld out {root.name}: no readable labels.json yet, not measured")
            continue
        labels = json.loads((root / "labels.json").read_text("utf-8"))["labels"]
        tallies, items = evaluate_items(load_corpus(root, ("benign", "malicious")), labels)
        print_families(f"Held out {root.name}: {about}", tallies, items, args.verbose)

    print("\nCross-server scenarios (scenarios.json)")
    for family, tally in sorted(evaluate_scenarios(CORPUS, args.verbose).items()):
        print(
            f"  {family:<24} {tally.tp:>4} {tally.fp:>4} {tally.fn:>4}  "
            f"{_fmt(tally.precision()):>9}  {_fmt(tally.recall()):>6}"
        )
        if args.verbose:
            for miss in tally.misses:
                print(f"      {miss}")
    posture = evaluate_posture(CORPUS)
    print("\nPosture cases (posture.json)")
    print(
        f"  {'posture':<24} {posture.tp:>4} {posture.fp:>4} {posture.fn:>4}  "
        f"{_fmt(posture.precision()):>9}  {_fmt(posture.recall()):>6}"
    )
    if args.verbose:
        for miss in posture.misses:
            print(f"      {miss}")
    throughput(loaded, args.tools, 2 if args.quick else 5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
