"""The token budget, the rate limit, the breakers and the deadlines of the model's requests."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import llm
import pytest

import hawkeye_analyse_llm
import hawkeye_analyse_rules
from hawkeye_analyse_llm.judge import MAX_ANSWER_CHARS, REASONING_ANSWER_TOKENS, reservation
from hawkeye_analyse_llm.model import estimate_tokens
from hawkeye_analyse_llm.render import (
    plan_requests,
    user_prompt,
)
from hawkeye_core import (
    Level,
    Run,
    Settings,
    Tool,
    collect_registry,
)
from hawkeye_core.testing import fresh_manager
from tests.analyse_llm.support import (
    MODEL,
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


def test_the_token_budget_stops_the_requests_and_says_so(cli: LLMCli, judge_models: Any) -> None:
    names = []
    for index in range(3):
        names.append(
            str(tools_file(cli.folder, f"s{index}.json", tool(f"t{index}", f"Tool {index}.")))
        )
    # What one request reserves, as the analyser estimates it: one fits, two do not.
    from hawkeye_core.offline import load_file

    [first] = load_file(Path(names[0]))
    prompt = user_prompt(plan_requests(first).batches[0])
    one = reservation(llm.get_model(MODEL), prompt)
    process = cli(
        "analyse",
        *names,
        "--ai-model",
        MODEL,
        "--ai-max-tokens",
        str(one + 50),
        "-o",
        "r.json",
        HAWKEYE_LEVELS="L4=1",
    )

    assert process.returncode == 0, process.stderr
    no_traceback(process)
    assert len(cli.calls()) == 1
    data = report(cli.folder / "r.json")
    budget = [e for e in data["errors"] if "token budget" in (e["error"] or "")]
    assert len(budget) == 2
    assert all(e["plugin"] == "analyse_llm:llm-judge" for e in budget)
    assert "2 request(s) not sent: the token budget was spent" in process.stderr
    assert f"of {one + 50:,} tokens" in process.stderr


def test_a_failing_provider_trips_the_breaker_and_the_rules_still_report(cli: LLMCli) -> None:
    names = [
        str(tools_file(cli.folder, f"s{i}.json", tool("add", f"{POISONED} ANSWER-FAIL {i}.")))
        for i in range(8)
    ]
    process = cli(
        "analyse", *names, "--ai-model", MODEL, "--ai-rate", "100", "-o", "r.json",
        HAWKEYE_LEVELS="L4=1",
    )  # fmt: skip

    assert process.returncode == 0, process.stderr
    no_traceback(process)
    assert len(cli.calls()) == 5  # breaker_threshold: then the model is left alone
    data = report(cli.folder / "r.json")
    llm_errors = [e for e in data["errors"] if e["plugin"] == "analyse_llm:llm-judge"]
    assert len(llm_errors) == 8  # one line per server
    failed = [e for e in llm_errors if e["status"] == "error"]
    assert len(failed) == 5
    assert all("ModelError: the test provider is unavailable" in e["error"] for e in failed)
    assert all(e["status"] == "skipped" for e in llm_errors if e not in failed)
    assert any(f["rule_id"].startswith("HE-TP-") for f in data["findings"])  # the rules' findings
    assert "5 request(s) failed" in process.stderr


def test_the_models_breaker_alone_stops_the_requests(
    judge_models: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # A cache hit between failures keeps the analyser's own breaker closed, so only
    # the model's breaker can stop the requests here.
    failing = [
        inventory(f"fail{i}", Tool(name="shell", description=f"Runs ANSWER-FAIL {i}."))
        for i in range(4)
    ]
    same = [
        inventory(f"same{i}", Tool(name="add", description=POISONED), says="calc") for i in range(4)
    ]
    order = [s for pair in zip(same, failing, strict=True) for s in pair]

    result = judge(*order, breaker_threshold=3, levels={Level.ANALYSE: 1})

    assert len(judge_models.CALLS) == 1 + 3  # one for the cached texts, three failures
    errors = [e.error or "" for e in result.errors]
    assert sum("ModelError: the test provider is unavailable" in e for e in errors) == 3
    assert sum("keeps failing; not asked" in e for e in errors) == 1
    assert len(ai_findings(result)) == 4
    closing = capsys.readouterr().err.splitlines()[-1]
    assert "3 request(s) failed, 1 request(s) not sent: the model kept failing" in closing


def test_the_rate_limit_spreads_the_requests(judge_models: Any) -> None:
    servers = [
        inventory(f"s{i}", Tool(name=f"t{i}", description=f"Tool number {i}.")) for i in range(4)
    ]
    judge(*servers, ai_rate=2.0)

    times = sorted(c["at"] for c in judge_models.CALLS)
    assert len(times) == 4
    # At most two in any second: the last two wait for the first two to leave the window.
    assert times[-1] - times[0] >= 0.9


def test_tokens_are_estimated_high_for_text_that_is_not_ascii() -> None:
    assert estimate_tokens("abcd" * 100) == 100
    assert estimate_tokens("数据" * 100) == 200  # about a token a character, not a quarter
    assert estimate_tokens("ab数") == 2


def test_a_reply_that_costs_more_than_the_budget_stops_later_requests(
    judge_models: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    servers = [inventory("costly", Tool(name="add", description="Adds. ANSWER-COSTLY."))]
    servers += [inventory(f"s{i}", Tool(name="add", description=POISONED)) for i in range(1, 3)]

    result = judge(*servers, levels={Level.ANALYSE: 1})

    assert len(judge_models.CALLS) == 1  # the rest would pass the cap further
    budget = [e for e in result.errors if "token budget" in (e.error or "")]
    assert len(budget) == 2
    closing = capsys.readouterr().err.splitlines()[-1]
    assert "1,000,0" in closing and "2 request(s) not sent: the token budget was spent" in closing


def test_unusable_answers_and_refusals_do_not_cut_the_analyser_or_the_model_off(
    judge_models: Any,
) -> None:
    bad = [
        inventory(f"bad{i}", Tool(name="add", description=f"Adds {i}. {marker}."))
        for i, marker in enumerate(["ANSWER-NOT-JSON", "ANSWER-REFUSE"] * 3)
    ]
    good = inventory("good", Tool(name="add", description=POISONED))

    result = judge(*bad, good, breaker_threshold=2, levels={Level.ANALYSE: 1})

    assert len(judge_models.CALLS) == 7  # every server asked: no breaker opened
    errors = [e for e in result.errors if e.plugin == "hawkeye_analyse_llm:llm-judge"]
    assert [e.status for e in errors] == ["error"] * 6
    assert sum("refused the request: ContentFiltered" in (e.error or "") for e in errors) == 3
    assert [f.location.server for f in ai_findings(result)] == ["good"]


def test_a_reasoning_model_gets_no_temperature_and_a_larger_allowance(judge_models: Any) -> None:
    result = judge(
        inventory("calc", Tool(name="add", description=POISONED)),
        ai_model="hawkeye-test-reasoner",
        deadlines={Level.ANALYSE: 90.0},
    )

    [call] = judge_models.CALLS
    assert "temperature" not in call["options"]
    assert call["options"]["max_tokens"] == REASONING_ANSWER_TOKENS
    assert 1 <= call["options"]["timeout"] <= 90  # the call's time left, not the client's 600 s
    assert [f.rule_id for f in ai_findings(result)] == ["HE-AI-001"]
    assert not result.errors


def test_a_hung_request_gives_its_budget_back_at_its_deadline(
    judge_models: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hosted model (one with a key): the next request need not wait for the hung one.
    monkeypatch.setenv("LLM_TEST_JUDGE_KEY", "sk-test")
    model = llm.get_model("hawkeye-test-keyed")
    hung = inventory("hung", Tool(name="add", description="Adds. ANSWER-HANG."))
    good = inventory("good", Tool(name="add", description=POISONED))
    need = max(reservation(model, user_prompt(plan_requests(s).batches[0])) for s in (hung, good))
    assert need >= MAX_ANSWER_CHARS  # no max_tokens option: the whole read is reserved
    judge_models.RELEASE.clear()
    try:
        result = judge(
            hung,
            good,
            ai_model="hawkeye-test-keyed",
            ai_max_tokens=need + need // 2,  # room for one request in flight, not two
            levels={Level.ANALYSE: 1},
            deadlines={Level.ANALYSE: 2.0},
        )
    finally:
        judge_models.RELEASE.set()

    statuses = {e.subject: e.status for e in result.errors}
    assert statuses == {"unknown:hung": "timeout"}
    assert [f.location.server for f in ai_findings(result)] == ["good"]


def test_a_slow_model_never_keeps_the_rules_waiting_for_an_l4_slot(judge_models: Any) -> None:

    servers_ = [
        inventory(f"s{i}", Tool(name="add", description=f"{POISONED} ANSWER-HANG."))
        for i in range(4)
    ]
    config = Settings(ai_model=MODEL, ai_rate=1000.0, local=False, levels={Level.ANALYSE: 2})
    ruled: set[str] = set()
    all_ruled = threading.Event()

    def on_finding(finding: Any) -> None:
        if finding.rule_id.startswith("HE-TP-"):
            ruled.add(finding.location.server)
            if len(ruled) == len(servers_):
                all_ruled.set()

    before_release: list[bool] = []

    def release_once_ruled() -> None:
        before_release.append(all_ruled.wait(20))  # False: the rules waited for the model
        judge_models.RELEASE.set()

    judge_models.RELEASE.clear()
    releaser = threading.Thread(target=release_once_ruled, daemon=True)
    releaser.start()
    try:
        pm = fresh_manager(hawkeye_analyse_llm, hawkeye_analyse_rules, settings=config)
        run = Run(pm, collect_registry(pm), config, on_finding=on_finding)
        run.seed(servers_)
        result = run.execute()
    finally:
        judge_models.RELEASE.set()
    releaser.join(30)
    # Every server's rule findings came while the model still hung on the first
    # question: with L4=2 at most one model call runs, so a slot stayed free.
    assert before_release == [True]
    assert {f.location.server for f in ai_findings(result)} == {s.ref.name for s in servers_}
    assert result.stats["waiting_for_resources"] > 0
