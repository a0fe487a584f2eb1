"""Train the learned poisoning model from the labelled corpus, and measure it batch by batch.

Usage (from a checkout; the corpus lives in ``tests/data/corpus``)::

    python -m hawkeye_analyse_rules.learned_train            # write learned_*.json
    python -m hawkeye_analyse_rules.learned_train --cv       # leave one batch out, print P/R

One model per family of :data:`~hawkeye_analyse_rules.learned.FAMILIES`: an
item (a tool, prompt, resource or server ``instructions``) is a positive when
its batch's ``labels.json`` gives it that family.
The features are the words of the item's texts and the rule signals found in
them (:func:`~hawkeye_analyse_rules.learned.features`). The model is a
logistic regression fitted by stochastic gradient descent with an L2 penalty
(3e-4; 1e-3, 3e-4 and 1e-4 were tried with one batch left out) and balanced
class weights, shuffled by a fixed seed, so the same corpus gives the same
weights. The 6,000 heaviest weights are kept.

``--cv`` is the honest figure: the model is trained without one batch and
judges that batch, for every batch in turn; the batches were written by
different authors, so this measures the model on wording it never saw.
Batches not in :data:`TRAINING_BATCHES` (from 63 on) are left out of the
shipped models altogether: they stay a blind test of the whole analyser
(``benchmarks/analyse.py``) until they have been measured.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from hawkeye_analyse_rules.capabilities import (
    annotation_rules,
    classify,
    rule_capabilities,
    tool_text,
)
from hawkeye_analyse_rules.learned import (
    FAMILIES,
    TOOL_FAMILIES,
    LearnedModel,
    Owners,
    model_path,
    with_rules,
)
from hawkeye_analyse_rules.poisoning import owner_signals, strongest
from hawkeye_analyse_rules.surface import surfaces
from hawkeye_core import Tool
from hawkeye_core.offline import load_file

__all__ = ["TRAINING_BATCHES", "cross_validate", "labelled_items", "train"]

#: The corpus folders the shipped model learns from (``.`` is the development corpus).
TRAINING_BATCHES = (".", "holdout", *(f"holdout{n}" for n in range(2, 63)))
KEEP = 6000
EPOCHS = 30
PENALTY = 3e-4
RATE = 0.5
SEED = 0

Example = tuple[str, dict[str, float], int]


def _key(rel: str, kind: str, owner: str) -> str:
    if kind == "tool":
        return f"{rel}#{owner}"
    if kind == "prompt":
        return f"{rel}#prompt:{owner}"
    if kind in ("resource", "template"):
        return f"{rel}#resource:{owner}"
    return f"{rel}#@instructions"


def labelled_items(batch: Path, family: str = "poisoning") -> list[Example]:
    """``(item key, features, 1 if the item has ``family`` else 0)`` for the items of one batch.

    A capability family's items are the tools, each with whether the rules see
    the capability (:func:`~hawkeye_analyse_rules.capabilities.rule_capabilities`);
    the annotations family's, the tools with annotation hints, each with the hints
    and the rules' reading (:func:`~hawkeye_analyse_rules.capabilities.annotation_rules`);
    the other families' items are every tool, prompt, resource and ``instructions``,
    each with its rule signals (:func:`~hawkeye_analyse_rules.poisoning.strongest`).
    """
    out: list[Example] = []
    for key, text, rules, labels in _batch_items(batch):
        if family in TOOL_FAMILIES:
            if family in rules:
                out.append((key, with_rules(text, rules[family]), int(family in labels)))
        else:
            out.append((key, with_rules(text, rules[""]), int(family in labels)))
    return out


@functools.cache
def _batch_items(
    batch: Path,
) -> list[tuple[str, dict[str, float], dict[str, dict[str, float]], frozenset[str]]]:
    """Each item of a batch: key, words' features, rule evidence by family ("": signals), labels."""
    labels = json.loads((batch / "labels.json").read_text(encoding="utf-8"))["labels"]
    out = []
    for folder in ("benign", "malicious"):
        for path in sorted((batch / folder).glob("*.json")):
            rel = f"{folder}/{path.name}"
            for inventory in load_file(path):
                listed = list(surfaces(inventory))
                found = owner_signals(inventory, listed)
                owners = Owners(listed)
                named: dict[str, list[Tool]] = defaultdict(list)
                for tool in inventory.tools:
                    named[tool.name].append(tool)
                order = [*owners.surfaces, *(("tool", name) for name in named)]
                for index in dict.fromkeys(order):  # every owner once, tools without text too
                    rules = {"": strongest(found.get(index, ()))}
                    if index[0] != "tool":
                        out.append(_item(rel, index, owners.text_features(index), rules, labels))
                        continue
                    for tool in named[index[1]]:  # each tool of the name with its own text
                        caps = classify(tool)
                        tool_rules = rules | rule_capabilities(caps, tool)
                        hints = annotation_rules(tool, caps)
                        if hints is not None:
                            tool_rules["annotations"] = hints
                        text = tool_text(owners, tool, len(named[index[1]]) > 1)
                        out.append(_item(rel, index, text, tool_rules, labels))
    return out


def _item(
    rel: str,
    index: tuple[str, str],
    text: dict[str, float],
    rules: dict[str, dict[str, float]],
    labels: dict[str, list[str]],
) -> tuple[str, dict[str, float], dict[str, dict[str, float]], frozenset[str]]:
    key = _key(rel, *index)
    return key, text, rules, frozenset(labels.get(key, ()))


def train(examples: Sequence[Example], about: str = "") -> LearnedModel:
    """A logistic regression on ``examples`` (deterministic for the same examples)."""
    weights: dict[str, float] = defaultdict(float)
    bias = 0.0
    positives = sum(label for _, _, label in examples)
    if positives in (0, len(examples)):
        raise ValueError("training needs both poisoned and clean items")
    class_weight = {
        1: len(examples) / (2 * positives),
        0: len(examples) / (2 * (len(examples) - positives)),
    }
    order = list(range(len(examples)))
    shuffle = random.Random(SEED)
    for _ in range(EPOCHS):
        shuffle.shuffle(order)
        for index in order:
            _, found, label = examples[index]
            z = bias + sum(weights[key] * value for key, value in found.items())
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            gradient = (p - label) * class_weight[label]
            for key, value in found.items():
                weights[key] -= RATE * (gradient * value + PENALTY * weights[key])
            bias -= RATE * gradient
    kept = sorted(weights.items(), key=lambda item: (-abs(item[1]), item[0]))[:KEEP]
    return LearnedModel(
        weights={key: round(value, 6) for key, value in sorted(kept)},
        bias=round(bias, 6),
        about=about,
    )


def cross_validate(
    root: Path, batches: Sequence[str], family: str = "poisoning"
) -> list[tuple[str, float, int]]:
    """``(batch, probability, label)`` for every item, each judged by a model trained without it."""
    data = {batch: labelled_items(root / batch, family) for batch in batches}
    out: list[tuple[str, float, int]] = []
    for left_out in batches:
        rest = [example for batch in batches if batch != left_out for example in data[batch]]
        model = train(rest)
        out += [(left_out, model.probability(found), label) for _, found, label in data[left_out]]
    return out


def _row(title: str, judged: Sequence[tuple[str, float, int]], threshold: float) -> str:
    tp = sum(1 for _, p, label in judged if p >= threshold and label)
    fp = sum(1 for _, p, label in judged if p >= threshold and not label)
    fn = sum(1 for _, p, label in judged if p < threshold and label)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return (
        f"  {title:<12} {threshold:>4}  {tp:>4} {fp:>4} {fn:>4}  {precision:>9.3f} {recall:>6.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("tests/data/corpus"))
    parser.add_argument(
        "--out-dir", type=Path, default=None, help="where to write (default: the package)"
    )
    parser.add_argument("--cv", action="store_true", help="leave one batch out; write nothing")
    args = parser.parse_args(argv)
    if not (args.corpus / "labels.json").is_file():
        print(f"error: no labelled corpus at {args.corpus}", file=sys.stderr)
        return 2
    for family in FAMILIES:
        if args.cv:
            judged = cross_validate(args.corpus, TRAINING_BATCHES, family)
            print(f"{family}: each batch judged by a model trained without it")
            print("  batch        threshold  TP   FP   FN  precision recall")
            for batch in TRAINING_BATCHES:
                print(_row(batch, [row for row in judged if row[0] == batch], 0.5))
            for threshold in (0.3, 0.4, 0.5, 0.64, 0.8):
                print(_row("all batches", judged, threshold))
            continue
        examples = [
            e for batch in TRAINING_BATCHES for e in labelled_items(args.corpus / batch, family)
        ]
        about = (
            f"Learned {family} model of hawkeye_analyse_rules (learned.py), written by "
            "'python -m hawkeye_analyse_rules.learned_train' from tests/data/corpus batches "
            + ", ".join(TRAINING_BATCHES)
            + f": {len(examples)} items, {sum(e[2] for e in examples)} labelled {family}. "
            "Later batches were left out: they are a blind test of the analyser."
        )
        path = model_path(family)
        out = path if args.out_dir is None else args.out_dir / path.name
        out.write_text(train(examples, about).to_json(), encoding="utf-8")
        print(f"wrote {out} ({len(examples)} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
