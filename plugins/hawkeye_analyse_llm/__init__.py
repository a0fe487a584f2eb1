"""The optional LLM analyser: a language model's judgement of each server (level L4).

Off unless a model is named (``--ai-model NAME`` on ``scan`` and ``analyse``,
or ``ai_model`` in the settings); then, for each inventoried server, the
``llm-judge`` analyser sends the server's texts (never its URL, command line
or environment) to the model through the ``llm`` library, behind the ``ai``
extra, and turns each checked judgement into an HE-AI-* finding marked with
the model (``Finding.judged_by``). Those findings join the rules' findings in
the run, where suppressions apply to them like to any other.

Before the first request the run says what is sent and where; requests are
cached for the run, rate-limited, cut off by a token budget and by a circuit
breaker; answers are parsed as untrusted input. Without a model it does
nothing at all: ``llm`` is not even imported. ``docs/ai.md`` has the details.
"""

from __future__ import annotations

from collections.abc import Iterator

from hawkeye_analyse_llm.categories import CATEGORIES, Category
from hawkeye_analyse_llm.judge import Judge
from hawkeye_core import MODEL_CALL, Analyser, Run, ScanResult, Settings, hookimpl
from hawkeye_core import load_ai_model as load_model

__all__ = ["ANALYSER", "CATEGORIES", "Category", "Judge", "judge_of"]

ANALYSER = "llm-judge"

# The settings of the last hawkeye_configure: one plugin manager, and so one
# call, per run; each run's registry gets its own Judge from them.
_settings = Settings()


@hookimpl
def hawkeye_configure(config: Settings) -> None:
    """Keep the settings; with a model named, check now that it can be found."""
    global _settings
    _settings = config
    if config.ai_model is not None:
        load_model(config.ai_model)  # ConfigError unloads the plugin, saying why


@hookimpl
def hawkeye_analysers() -> Iterator[Analyser]:
    """The ``llm-judge`` analyser; it takes no server unless a model is named."""
    judge = Judge(_settings)
    yield Analyser(
        name=ANALYSER,
        run=judge.analyse,
        accepts=judge.wanted,
        holds=lambda inventory: MODEL_CALL,  # one L4 slot stays free for the rules
        description="An LLM's judgement of each server's texts (--ai-model; off by default).",
    )


def judge_of(run: Run) -> Judge | None:
    """The Judge of ``run``'s ``llm-judge`` analyser, if it has one."""
    for entry in run.registry.analysers:
        judge = getattr(entry.record.run, "__self__", None)
        if entry.record.name == ANALYSER and isinstance(judge, Judge):
            return judge
    return None


@hookimpl
def hawkeye_after_run(run: Run, result: ScanResult) -> None:
    """Say what the model was asked and what it cost (standard error, one line)."""
    judge = judge_of(run)
    if judge is not None:
        judge.report()
