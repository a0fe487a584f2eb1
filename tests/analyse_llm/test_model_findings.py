"""The model's findings: asked on the AI level, marked as its own, merged with the rules'."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import hawkeye_analyse_llm
from hawkeye_analyse_llm.answer import MAX_CONFIDENCE
from hawkeye_analyse_llm.categories import CATEGORIES
from hawkeye_core import (
    Level,
    Settings,
    Tool,
    collect_registry,
)
from hawkeye_core.testing import fresh_manager
from tests import servers
from tests.analyse_llm.support import (
    MODEL,
    POISON_EVIDENCE,
    POISON_QUOTE,
    POISONED,
    LLMCli,
    ai_findings,
    inventory,
    judge,
    no_traceback,
    report,
    tool,
    tools_file,
)


def test_the_model_is_asked_on_the_ai_level_threads(judge_models: Any) -> None:
    pm = fresh_manager(hawkeye_analyse_llm, settings=Settings(ai_model=MODEL))
    [entry] = collect_registry(pm).analysers
    assert entry.level is Level.ANALYSE

    result = judge(inventory("calc", Tool(name="add", description=POISONED)))

    assert [c["thread"][: len("HawkEye-AI_")] for c in judge_models.CALLS] == ["HawkEye-AI_"]
    [finding] = ai_findings(result)
    assert finding.rule_id == "HE-AI-001"
    assert finding.judged_by == MODEL
    assert finding.evidence == POISON_EVIDENCE
    assert finding.location.tool == "add" and finding.location.server == "calc"
    assert finding.plugin == "hawkeye_analyse_llm:llm-judge"
    assert finding.confidence == MAX_CONFIDENCE  # the model said 0.95: capped
    assert finding.title == CATEGORIES["poisoning"].title  # never the model's free text


def test_cli_findings_are_marked_as_the_models_and_merged_with_the_rules(cli: LLMCli) -> None:
    tools_file(cli.folder, "calc.json", tool("add", POISONED), server="calc")
    process = cli(
        "-q",
        "analyse",
        "calc.json",
        "--ai-model",
        MODEL,
        "--ai-rate",
        "100",
        "-o",
        "r.json",
        "-o",
        "r.sarif",
        "-o",
        "r.html",
        "-o",
        "r.csv",
        "-o",
        "r.md",
        "--format",
        "terminal",
    )

    assert process.returncode == 0, process.stderr
    no_traceback(process)
    said = process.stderr.splitlines()
    # Always said, even with -q: where the texts go, and what they are.
    assert said[0].startswith(
        f"hawkeye: ai: sending MCP server texts to model {MODEL} (llm plugin hawkeye-llm-test 1.0)"
    )
    assert said[1].startswith("hawkeye: ai: sent: ")
    assert len(cli.calls()) == 1

    data = report(cli.folder / "r.json")
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    model = by_rule["HE-AI-001"]
    assert model["judged_by"] == MODEL
    assert model["evidence"] == POISON_EVIDENCE
    assert model["location"]["tool"] == "add"
    rules = [f for f in data["findings"] if f["rule_id"].startswith("HE-TP-")]
    assert rules and all(f["judged_by"] is None for f in rules)

    sarif = json.loads((cli.folder / "r.sarif").read_text("utf-8"))
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "HE-AI-001"]
    assert result["properties"]["judged_by"] == MODEL
    assert f"Judged by model {MODEL}" in result["message"]["text"]
    [rule] = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "HE-AI-001"]
    assert "model-judgement" in rule["properties"]["tags"]
    assert f"model <code>{MODEL}</code>" in (cli.folder / "r.html").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO((cli.folder / "r.csv").read_text("utf-8-sig"))))
    assert {r["rule_id"]: r["judged_by"] for r in rows}["HE-AI-001"] == MODEL
    assert all(r["judged_by"] == "" for r in rows if not r["rule_id"].startswith("HE-AI-"))
    assert f"judged by model {MODEL}" in (cli.folder / "r.md").read_text("utf-8")
    assert f"judged by model {MODEL} (not a rule" in process.stdout


@contextlib.contextmanager
def poisoned_mcp_server() -> Iterator[servers.Listener]:
    """A real SDK server on loopback whose one tool has a poisoned description."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("poisoned-calc", version="1.0", log_level="WARNING")

    @server.tool(description=POISONED)
    def add(a: int, b: int) -> int:
        return a + b

    app = server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    with servers.serve_asgi(app, "127.0.0.1", name="poisoned-calc") as listener:
        yield listener


def test_a_scan_asks_the_model_about_a_real_server_and_never_sends_its_url(cli: LLMCli) -> None:
    with poisoned_mcp_server() as listener:
        url = listener.url("/mcp")
        process = cli("scan", url, "--no-local", "--no-store", "--ai-model", MODEL, "-o", "r.json")

    assert process.returncode == 0, process.stderr
    no_traceback(process)
    [call] = cli.calls()
    assert call["thread"].startswith("HawkEye-AI_")
    assert "poisoned-calc" in call["prompt"] and POISON_QUOTE in call["prompt"]
    assert f"127.0.0.1:{listener.port}" not in call["prompt"]  # never the server's address
    data = report(cli.folder / "r.json")
    [finding] = [f for f in data["findings"] if f["rule_id"] == "HE-AI-001"]
    assert finding["judged_by"] == MODEL
    assert finding["location"] == {**finding["location"], "server": url, "tool": "add"}
    assert any(f["rule_id"].startswith("HE-TP-") for f in data["findings"])


def test_suppressions_apply_to_the_models_findings(cli: LLMCli) -> None:
    tools_file(cli.folder, "calc.json", tool("add", POISONED), server="calc")
    (cli.folder / "hawkeye.toml").write_text(
        '[[suppress]]\nrule = "HE-AI-*"\nreason = "reviewed by a human"\n', "utf-8"
    )
    process = cli("analyse", "calc.json", "--ai-model", MODEL, "-o", "r.json")

    assert process.returncode == 0, process.stderr
    data = report(cli.folder / "r.json")
    assert not [f for f in data["findings"] if f["rule_id"].startswith("HE-AI-")]
    [accepted] = [f for f in data["suppressed"] if f["rule_id"] == "HE-AI-001"]
    assert accepted["suppressed"] == "reviewed by a human"
    assert accepted["judged_by"] == MODEL


def test_the_same_texts_twice_in_a_run_cost_one_request(cli: LLMCli) -> None:
    for name in ("a.json", "b.json"):
        tools_file(cli.folder, name, tool("add", POISONED), server="calc")
    process = cli("analyse", "a.json", "b.json", "--ai-model", MODEL, "-o", "r.json")

    assert process.returncode == 0, process.stderr
    assert len(cli.calls()) == 1
    assert "1 item(s) sent, 1 request(s), 1 answered from the run's cache" in process.stderr
    servers = {
        f["location"]["server"]
        for f in report(cli.folder / "r.json")["findings"]
        if f["rule_id"] == "HE-AI-001"
    }
    assert servers == {"a", "b"}  # each copy still gets its finding
