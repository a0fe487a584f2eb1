"""The model, through the ``llm`` library: found by name, described, asked, its answer bounded.

``llm`` is imported here only, and only when a model is named, so HawkEye runs
without the ``ai`` extra. Any of llm's providers works: OpenAI (built in),
Anthropic, Gemini, a local Ollama and many more through llm's own plugins;
their keys come from llm's key store (``llm keys set openai``) or their
environment variables (``OPENAI_API_KEY``). Nothing is written to llm's log
database.
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Any

from attrs import frozen

if TYPE_CHECKING:
    import llm

__all__ = ["Reply", "ask", "estimate_tokens", "model_origin"]

_OPENAI_DEFAULT = "https://api.openai.com/v1"


def model_origin(model: llm.Model) -> str:
    """Where a request to ``model`` goes: the llm plugin that provides it, and its endpoint."""
    import llm

    module = type(model).__module__
    plugin = f"llm plugin module {module}"
    for registered, dist in llm.plugins.pm.list_plugin_distinfo():
        name = getattr(registered, "__name__", "")
        if name and (module == name or module.startswith(name + ".")):
            plugin = f"llm plugin {dist.metadata['Name']} {dist.version}"
            break
    else:
        if module.startswith("llm.default_plugins."):
            version = importlib.metadata.version("llm")
            plugin = f"llm {version}'s built-in {module.rsplit('.', 1)[-1]} plugin"
    endpoint = getattr(model, "api_base", None)
    if not endpoint and module == "llm.default_plugins.openai_models":
        endpoint = _OPENAI_DEFAULT
    where = f", endpoint {endpoint}" if isinstance(endpoint, str) and endpoint else ""
    return f"{plugin}{where}"


def estimate_tokens(chars: int) -> int:
    """About how many tokens ``chars`` characters are (four a token, rounded up)."""
    return -(-chars // 4)


@frozen(kw_only=True)
class Reply:
    """What the model answered: its text (at most ``max_chars``) and the tokens it cost."""

    text: str
    tokens: int  # input and output
    counted: bool  # True: the provider reported the usage; False: estimated
    cut: bool  # the answer was longer than allowed; ``text`` is its beginning


def _options(model: llm.Model, max_output_tokens: int) -> dict[str, Any]:
    """Options that keep the answer short and steady, where the model takes them."""
    fields = getattr(model.Options, "model_fields", {})
    options: dict[str, Any] = {}
    if "max_tokens" in fields:
        options["max_tokens"] = max_output_tokens
    if "temperature" in fields:
        options["temperature"] = 0
    return options


def ask(
    model: llm.Model, system: str, prompt: str, *, max_chars: int, max_output_tokens: int
) -> Reply:
    """Send one prompt and read the answer, stopping after ``max_chars`` characters."""
    response = model.prompt(
        prompt, system=system, stream=True, **_options(model, max_output_tokens)
    )
    chunks = iter(response)
    parts: list[str] = []
    read = 0
    cut = False
    try:
        for chunk in chunks:
            parts.append(chunk)
            read += len(chunk)
            if read > max_chars:
                cut = True
                break
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # stop a cut stream here; a finished one is already closed
    text = "".join(parts)[: max_chars + 1]
    asked = estimate_tokens(len(system) + len(prompt))
    answered = estimate_tokens(read)
    if cut:  # the usage of an unfinished answer is not known
        return Reply(text=text, tokens=asked + answered, counted=False, cut=True)
    usage = response.usage()
    tokens = (asked if usage.input is None else usage.input) + (
        answered if usage.output is None else usage.output
    )
    counted = usage.input is not None and usage.output is not None
    return Reply(text=text, tokens=tokens, counted=counted, cut=False)
