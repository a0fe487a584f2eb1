"""Fixtures of the LLM analyser's tests: llm's user folder, the test models and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llm
import pytest

from tests import llm_test_model
from tests.analyse_llm.support import LLMCli


@pytest.fixture(autouse=True)
def _llm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """llm's user folder (keys, aliases) in a temporary folder, never the user's."""
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm-home"))
    monkeypatch.delenv("LLM_TEST_JUDGE_KEY", raising=False)


@pytest.fixture
def judge_models() -> Iterator[Any]:
    """The test models, registered in this process through llm's plugin manager."""
    pm = llm.plugins.pm
    registered = not pm.is_registered(llm_test_model)
    if registered:
        pm.register(llm_test_model, name="hawkeye-test-models")
    llm_test_model.CALLS.clear()
    llm_test_model.ON_CALL.clear()
    yield llm_test_model
    llm_test_model.ON_CALL.clear()
    if registered:
        pm.unregister(llm_test_model)


@pytest.fixture
def cli(tmp_path: Path) -> LLMCli:
    return LLMCli(tmp_path)
