"""Off by default, the disclosure before the first request, and the CLI's errors for AI options."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hawkeye_analyse_llm.render import (
    SENT_FIELDS,
)
from hawkeye_core import (
    ConfigError,
    Level,
    Tool,
    load_settings,
)
from tests.analyse_llm.support import (
    MODEL,
    POISONED,
    LLMCli,
    ai_findings,
    inventory,
    judge,
    tool,
    tools_file,
)


def _python(
    code: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``code`` run by this Python with no HAWKEYE_* setting of the caller's (plus ``env``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAWKEYE_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_model_llm_is_not_even_imported(cli: LLMCli) -> None:
    path = tools_file(cli.folder, "calc.json", tool("add", POISONED), server="calc")
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('llm imported:', 'llm' in sys.modules, file=sys.stderr))\n"
        f"sys.argv = ['hawkeye', 'analyse', {str(path)!r}, '--format', 'json']\n"
        "from hawkeye_core.cli import main\n"
        "main()\n"
    )
    process = _python(code, cwd=cli.folder, env=cli.env)
    assert process.returncode == 0, process.stderr
    assert "llm imported: False" in process.stderr
    assert "hawkeye: ai:" not in process.stderr
    data = json.loads(process.stdout)
    rules = {f["rule_id"] for f in data["findings"]}
    assert rules and not any(r.startswith("HE-AI-") for r in rules)  # the rules still judge it
    assert cli.calls() == []


def test_without_a_model_the_analyser_takes_no_server(judge_models: Any) -> None:
    result = judge(inventory("calc", Tool(name="add", description=POISONED)), ai_model=None)

    assert judge_models.CALLS == []
    assert ai_findings(result) == []
    assert not result.errors


def test_the_analyser_is_listed_on_l4_even_when_off(cli: LLMCli) -> None:
    process = cli("plugins", "--json")
    assert process.returncode == 0, process.stderr
    plugins = {p["name"]: p for p in json.loads(process.stdout)["plugins"]}
    assert plugins["analyse_llm"]["registers"] == [
        {"kind": "analyser", "name": "llm-judge", "level": "L4"}
    ]


def test_the_disclosure_comes_before_the_first_request_once_per_run(
    judge_models: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    said_before: list[str] = []
    judge_models.ON_CALL.append(lambda prompt: said_before.append(stderr.getvalue()))

    judge(
        inventory("one", Tool(name="add", description=POISONED)),
        inventory("two", Tool(name="sub", description="Subtracts two numbers.")),
        inventory("three", Tool(name="mul", description="Multiplies two numbers.")),
    )

    assert len(said_before) == 3
    first = said_before[0].splitlines()
    assert first[0].startswith(
        f"hawkeye: ai: sending MCP server texts to model {MODEL} "
        "(llm plugin module tests.llm_test_model)"
    )
    assert "up to 100,000 tokens" in first[0]
    assert first[1].startswith("hawkeye: ai: sent: tool names")
    assert first[1] == f"hawkeye: ai: sent: {SENT_FIELDS}"
    assert "never URIs or URLs, command lines, environments or config files" in first[1]
    assert stderr.getvalue().count("hawkeye: ai: sending") == 1
    assert (
        stderr.getvalue()
        .splitlines()[-1]
        .startswith(f"hawkeye: ai: model {MODEL}: 3 server(s), 3 item(s) sent, 3 request(s)")
    )


def test_no_request_goes_before_the_disclosure_is_written(
    judge_models: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    class SlowStderr(io.StringIO):
        def write(self, text: str) -> int:
            time.sleep(0.05)  # a slow terminal: the other threads are ready to send meanwhile
            return super().write(text)

    stderr = SlowStderr()
    monkeypatch.setattr(sys, "stderr", stderr)
    said_before: list[str] = []
    judge_models.ON_CALL.append(lambda prompt: said_before.append(stderr.getvalue()))
    servers = [
        inventory(f"s{i}", Tool(name=f"t{i}", description=f"Tool number {i}.")) for i in range(6)
    ]

    judge(*servers, levels={Level.ANALYSE: 6}, ai_rate=10_000.0)

    assert len(said_before) == 6
    for before in said_before:
        assert "hawkeye: ai: sending" in before and "hawkeye: ai: sent: " in before
    assert stderr.getvalue().count("hawkeye: ai: sending") == 1


def test_an_unknown_model_is_one_line_and_exit_2(cli: LLMCli) -> None:
    tools_file(cli.folder, "calc.json", tool("add", "Adds."))
    process = cli("analyse", "calc.json", "--ai-model", "no-such-model")

    assert process.returncode == 2
    assert process.stdout == ""
    assert process.stderr.splitlines() == [
        "hawkeye: error: unknown --ai-model 'no-such-model': `llm models` lists the models "
        "llm knows; others come with llm plugins (llm-anthropic, llm-ollama, ...)"
    ]
    assert cli.calls() == []


def test_a_model_that_needs_a_key_is_checked_before_the_run(cli: LLMCli) -> None:
    tools_file(cli.folder, "calc.json", tool("add", POISONED), server="calc")
    process = cli("scan", "--no-local", "--no-store", "--ai-model", "hawkeye-test-keyed")

    assert process.returncode == 2
    [line] = process.stderr.splitlines()
    assert line.startswith("hawkeye: error: --ai-model 'hawkeye-test-keyed' needs an API key")
    assert "LLM_TEST_JUDGE_KEY" in line

    process = cli(
        "analyse", "calc.json", "--ai-model", "hawkeye-test-keyed", "--format", "json",
        LLM_TEST_JUDGE_KEY="k",
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    assert any(
        f["judged_by"] == "hawkeye-test-keyed" for f in json.loads(process.stdout)["findings"]
    )


def test_without_the_extra_a_model_is_one_line_and_exit_2(cli: LLMCli) -> None:
    path = tools_file(cli.folder, "calc.json", tool("add", "Adds."))
    code = (
        "import sys\n"
        "sys.modules['llm'] = None  # as if the ai extra were not installed\n"
        f"sys.argv = ['hawkeye', 'analyse', {str(path)!r}, '--ai-model', 'gpt-4o-mini']\n"
        "from hawkeye_core.cli import main\n"
        "main()\n"
    )
    process = _python(code)

    assert process.returncode == 2
    assert process.stderr.splitlines() == [
        "hawkeye: error: --ai-model needs the ai extra: pip install 'hawkeye[ai]'"
    ]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--ai-max-tokens", "10"], {}, "--ai-max-tokens and --ai-rate need a model"),
        (["--ai-rate", "2"], {}, "--ai-max-tokens and --ai-rate need a model"),
        (["--ai-model", MODEL, "--ai-rate", "0"], {}, "Invalid value for '--ai-rate'"),
        (
            ["--ai-model", MODEL],
            {"HAWKEYE_DISABLE_PLUGINS": "analyse_llm"},
            "--ai-model needs the analyse_llm plugin, which is not loaded: disabled",
        ),
    ],
)
def test_ai_options_that_would_be_ignored_are_errors(
    cli: LLMCli, args: list[str], env: dict[str, str], message: str
) -> None:
    tools_file(cli.folder, "calc.json", tool("add", "Adds."))
    process = cli("analyse", "calc.json", *args, **env)

    assert process.returncode == 2
    [line] = process.stderr.splitlines()
    assert message in line
    assert cli.calls() == []


def test_ai_settings_from_a_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "hawkeye.toml").write_text(
        'ai_model = "gpt-4o-mini"\nai-max-tokens = 5000\nai_rate = 0.5\n', "utf-8"
    )
    settings, warnings = load_settings(cwd=tmp_path, environ={"HAWKEYE_AI_RATE": "3"})
    assert (settings.ai_model, settings.ai_max_tokens, settings.ai_rate) == (
        "gpt-4o-mini",
        5000,
        3.0,
    )
    assert not warnings
    for text, message in [
        ('ai_model = ""\n', "ai_model must be a model id"),
        ("ai_max_tokens = 0\n", "ai_max_tokens must be a whole number of at least 1"),
        ("ai_rate = -1\n", "ai_rate must be greater than 0"),
    ]:
        (tmp_path / "hawkeye.toml").write_text(text, "utf-8")
        with pytest.raises(ConfigError, match=message):
            load_settings(cwd=tmp_path, environ={})
