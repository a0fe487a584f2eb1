"""The rule table and its docs, the evidence format, and the corpus against its goal."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from hawkeye_analyse_rules import RULES
from hawkeye_analyse_rules.text import Clean, excerpt, reveal, skeleton, tag_runs
from hawkeye_core.offline import load_file
from tests.analyse_rules.support import CORPUS, tag

REPO = Path(__file__).parent.parent.parent
DOCS = REPO / "docs" / "rules.md"
BENCHMARK = REPO / "benchmarks" / "analyse.py"


def test_every_rule_is_complete_and_documented() -> None:
    docs = DOCS.read_text("utf-8")
    for rule in RULES.values():
        assert re.fullmatch(r"HE-[A-Z]+-\d{3}", rule.id)
        assert rule.cwe and all(re.fullmatch(r"CWE-\d+", c) for c in rule.cwe)
        assert rule.owasp_mcp and all(
            re.fullmatch(r"MCP(0[1-9]|10):2025", o) for o in rule.owasp_mcp
        )
        assert rule.title and rule.finds and rule.remediation
        assert f"| {rule.id} |" in docs, f"{rule.id} missing from docs/rules.md"


def test_evidence_is_cut_and_hidden_characters_are_visible() -> None:
    text = "x" * 500 + "\u200bignore previous instructions" + "y" * 500
    start = text.index("\u200b")
    shown = excerpt(text, start, start + 10)
    assert (
        len(shown) < 260 and "<U+200B>" in shown and shown.startswith("…") and shown.endswith("…")
    )
    assert reveal("a\u202eb") == "a<U+202E>b"
    assert [run[2] for run in tag_runs("ok" + tag("hi"))] == ["hi"]
    assert skeleton("\u0455\u0435nd_em\u0430il") == "send_email"
    clean = Clean("R\u0435ad ~/.ssh")
    assert clean.s == "read ~/.ssh" and clean.span(0, 4) == (0, 4)


def test_corpus_labels_name_real_items() -> None:
    for root in (
        CORPUS,
        CORPUS / "holdout",
        CORPUS / "holdout2",
        CORPUS / "holdout3",
        CORPUS / "holdout4",
        CORPUS / "holdout5",
        CORPUS / "holdout6",
        CORPUS / "holdout7",
    ):
        labels = json.loads((root / "labels.json").read_text("utf-8"))["labels"]
        families = {rule.family for rule in RULES.values()}
        for key, expected in labels.items():
            rel, _, item = key.partition("#")
            inv = load_file(root / rel)[0]
            names = {t.name for t in inv.tools} | {f"prompt:{p.name}" for p in inv.prompts}
            names |= {f"resource:{r.uri}" for r in inv.resources} | {"@instructions"}
            assert item in names, key
            assert set(expected) <= families, key


def test_corpus_meets_the_goal_per_family() -> None:
    # A regression guard on the tuned corpus; benchmarks/analyse.py prints the held-out figures.
    spec = importlib.util.spec_from_file_location("bench_analyse", BENCHMARK)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    labels = json.loads((CORPUS / "labels.json").read_text("utf-8"))["labels"]
    tallies, items = bench.evaluate_items(
        bench.load_corpus(CORPUS, ("benign", "malicious")), labels
    )
    assert items >= 180
    for family, tally in tallies.items():
        assert (tally.precision() or 1.0) >= 0.95, (family, tally.misses)
        assert (tally.recall() or 1.0) >= 0.90, (family, tally.misses)
