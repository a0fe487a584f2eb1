"""The ``--ai-*`` options of ``scan`` and ``analyse``, and the check of the model they name.

The LLM analyser (the ``analyse_llm`` plugin, behind the ``ai`` extra) is off
unless a model is named. The model is checked here, before any plugin loads
and anything runs, so a missing extra, an unknown model or a missing key is
one line and exit 2, not a plugin that fails to load halfway into a scan.
``llm`` is imported only when a model is named.
"""

from __future__ import annotations

from typing import Any

import click

from hawkeye_core.config import ConfigError, Settings
from hawkeye_core.manager import PluginManager

__all__ = [
    "AI_PLUGIN",
    "EXTRA_MISSING",
    "ai_options",
    "ai_overrides",
    "check_ai_model",
    "check_ai_plugin",
    "load_model",
]

#: The plugin that asks the model; it ships with HawkEye and needs the ``ai`` extra.
AI_PLUGIN = "analyse_llm"
EXTRA_MISSING = "--ai-model needs the ai extra: pip install 'hawkeye[ai]'"


def ai_options(command: Any) -> Any:
    """``--ai-model NAME``, ``--ai-max-tokens N`` and ``--ai-rate N``."""
    command = click.option(
        "--ai-rate",
        type=click.FloatRange(min=0, min_open=True),
        metavar="N",
        help="Requests per second to the model (default 1).",
    )(command)
    command = click.option(
        "--ai-max-tokens",
        type=click.IntRange(min=1),
        metavar="N",
        help="Tokens the model may spend in this run, prompts and answers (default 100,000).",
    )(command)
    return click.option(
        "--ai-model",
        metavar="NAME",
        help="Also ask this llm model (`llm models`) to judge each server: sends the servers' "
        "tool, prompt and resource texts to it (docs/ai.md). Off by default.",
    )(command)


def ai_overrides(
    ai_model: str | None, ai_max_tokens: int | None, ai_rate: float | None
) -> dict[str, Any]:
    """The settings the ``--ai-*`` flags set."""
    values = {"ai_model": ai_model, "ai_max_tokens": ai_max_tokens, "ai_rate": ai_rate}
    return {key: value for key, value in values.items() if value is not None}


def load_model(name: str) -> Any:
    """The llm model called ``name`` (an id or alias); ConfigError in one line if there is none.

    ``llm`` is imported here, only when a model is named.
    """
    try:
        import llm
    except ImportError:
        raise ConfigError(EXTRA_MISSING) from None
    try:
        return llm.get_model(name)
    except llm.UnknownModelError:
        raise ConfigError(
            f"unknown --ai-model {name!r}: `llm models` lists the models llm knows; "
            "others come with llm plugins (llm-anthropic, llm-ollama, ...)"
        ) from None
    except Exception as exc:  # an llm plugin that fails to load or register
        raise ConfigError(
            f"--ai-model {name!r}: llm could not list its models: {type(exc).__name__}: {exc}"
        ) from None


def check_ai_model(settings: Settings, *, caps_given: bool = False) -> None:
    """Make sure the model of ``settings.ai_model`` can be asked; raise ConfigError if not.

    Called before the plugins load. ``caps_given``: ``--ai-max-tokens`` or
    ``--ai-rate`` was on the command line, which means nothing without a model.
    """
    name = settings.ai_model
    if name is None:
        if caps_given:
            raise ConfigError(
                "--ai-max-tokens and --ai-rate need a model: --ai-model NAME "
                "(or ai_model in the settings)"
            )
        return
    model = load_model(name)
    import llm  # importable: load_model succeeded

    try:
        model.get_key()
    except llm.NeedsKeyException as exc:
        raise ConfigError(f"--ai-model {name!r} needs an API key: {exc}") from None


def check_ai_plugin(pm: PluginManager, settings: Settings) -> None:
    """A named model needs the plugin that asks it; raise ConfigError if it did not load.

    It is not loaded when ``disable_plugins`` names it, for example: the model
    would then be accepted and never asked.
    """
    if settings.ai_model is None:
        return
    info = pm.infos.get(AI_PLUGIN)
    if info is None or info.status != "loaded":
        why = info.error if info is not None else "it is not installed"
        raise ConfigError(f"--ai-model needs the {AI_PLUGIN} plugin, which is not loaded: {why}")
