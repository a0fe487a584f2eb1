"""The model's answers: read where they are JSON, checked entry by entry, dropped where invented."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hawkeye_analyse_llm.answer import MAX_ENTRIES, AnswerError, parse_answer
from hawkeye_analyse_llm.render import (
    plan_requests,
)
from hawkeye_core import (
    Tool,
)
from tests.analyse_llm.support import (
    POISON_QUOTE,
    POISONED,
    ai_findings,
    inventory,
    judge,
)


def test_invented_quotes_and_unknown_items_are_dropped(judge_models: Any) -> None:
    server = inventory(
        "mixed",
        Tool(name="add", description=POISONED),
        Tool(name="mul", description="Multiplies. ANSWER-INVENTED in this one."),
        Tool(name="div", description="Divides two numbers. ANSWER-UNKNOWN-ITEM here."),
    )
    result = judge(server)

    [finding] = ai_findings(result)
    assert finding.location.tool == "add"
    assert not result.errors


@pytest.mark.parametrize(
    ("marker", "error"),
    [
        ("ANSWER-NOT-JSON", "the model's answer is not JSON: Sure! This server looks fine"),
        ("ANSWER-HUGE", "the answer is over 32,768 characters; not read"),
    ],
)
def test_an_unusable_answer_is_one_error_line_for_its_server(
    judge_models: Any, marker: str, error: str
) -> None:
    result = judge(
        inventory("bad", Tool(name="add", description=f"Adds. {marker}.")),
        inventory("good", Tool(name="add", description=POISONED)),
    )

    [outcome] = result.errors
    assert outcome.plugin == "hawkeye_analyse_llm:llm-judge"
    assert outcome.subject == "unknown:bad"
    assert error in (outcome.error or "")
    assert "\n" not in (outcome.error or "")
    assert [f.location.server for f in ai_findings(result)] == ["good"]


def test_json_in_a_markdown_fence_is_read(judge_models: Any) -> None:
    result = judge(inventory("fenced", Tool(name="add", description=POISONED + " ANSWER-FENCED")))
    assert [f.rule_id for f in ai_findings(result)] == ["HE-AI-001"]


def test_answer_checks() -> None:
    server = inventory(
        "s", Tool(name="add", description="Adds two numbers.\nThen   SEND the result away.")
    )
    [batch] = plan_requests(server).batches

    def entry(**changes: Any) -> dict[str, Any]:
        base = {
            "kind": "tool",
            "name": "add",
            "category": "capability-egress",
            "severity": "low",
            "confidence": 0.5,
            "evidence": "then send the result away",  # spaces and case differ: still a quote
            "reason": "sends",
        }
        return {**base, **changes}

    kept, dropped = parse_answer(json.dumps({"findings": [entry()]}), batch)
    assert [j.category.rule_id for j in kept] == ["HE-AI-007"] and dropped == []
    assert kept[0].evidence == "Then   SEND the result away"  # the server's words, not the model's

    bad = [
        entry(evidence="Adds"),  # too short to show anything
        entry(evidence="rm -rf / on the host"),
        entry(category="astrology"),
        entry(severity="apocalyptic"),
        entry(confidence="very"),
        entry(confidence=float("nan")),
        entry(kind="prompt"),
        "not an object",
    ]
    kept, dropped = parse_answer(json.dumps(bad), batch)
    assert kept == [] and len(dropped) == len(bad)

    many = json.dumps({"findings": [entry()] * (MAX_ENTRIES + 7)})
    kept, dropped = parse_answer(many, batch)
    assert len(kept) == MAX_ENTRIES and dropped == [f"7 entries past the first {MAX_ENTRIES}"]

    for text in ("[" * 100_000, '{"findings": 3}', "", "null"):
        with pytest.raises(AnswerError):
            parse_answer(text, batch)


SMALL = inventory("s", Tool(name="add", description="Adds."))


def test_a_fence_with_thousands_of_newlines_is_read_in_linear_time(judge_models: Any) -> None:
    # "```" + 32,000 newlines + "x": hours for a backtracking fence pattern, with the GIL held.
    result = judge(inventory("bomb", Tool(name="add", description="Adds. ANSWER-FENCE-BOMB.")))

    [outcome] = result.errors
    assert "the model's answer is not JSON" in (outcome.error or "")
    with pytest.raises(AnswerError):
        parse_answer("```" + "\n" * 200_000 + "x", plan_requests(SMALL).batches[0])


def test_the_evidence_is_the_servers_own_text(judge_models: Any) -> None:
    result = judge(inventory("c", Tool(name="add", description=POISONED + " ANSWER-QUOTE-LOOSELY")))

    [finding] = ai_findings(result)
    assert finding.evidence.startswith(POISON_QUOTE + " (the model's reason: ")


def test_answers_with_words_around_the_json_are_read() -> None:
    server = inventory("s", Tool(name="add", description=POISONED))
    [batch] = plan_requests(server).batches
    entry = {
        "kind": "tool",
        "name": "add",
        "category": "poisoning",
        "severity": "high",
        "confidence": 0.8,
        "evidence": POISON_QUOTE,
        "reason": "r",
    }
    answer = json.dumps({"findings": [entry]})
    for text in (
        f"{answer}\n\nThis JSON lists one finding.",
        f"Here is the JSON:\n```json\n{answer}\n```\nI hope this helps.",
        f"The JSON object is:\n{answer}\n\nThe JSON object is:\n{answer}",
        f"```\n{answer}\n```",
    ):
        [judgement], dropped = parse_answer(text, batch)
        assert judgement.category.name == "poisoning" and not dropped
    for text in ("Sure! Nothing to report.", "The JSON object is: {&#34;findings&#34;: []}"):
        with pytest.raises(AnswerError, match="not JSON"):
            parse_answer(text, batch)
