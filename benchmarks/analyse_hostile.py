"""The single-server rules on hostile texts, against a plain text of the same size.

Usage::

    /work/venv/bin/python benchmarks/analyse_hostile.py

Everything a scanned server sends is hostile, and a regex that backtracks
turns one crafted description into minutes of CPU (sessions found an IBAN
pattern at 30.6 s and a URL-escape pattern at 30 s on 64 KB). Each row here
times ``analyse_server`` on one server whose only tool carries a crafted
64 KB description (or a crafted schema), and prints the ratio to the same
server with 64 KB of ordinary English, measured in the same run. A ratio far
above 1 (the script marks rows over 10) means some pattern is no longer
linear on that input. The unit tests check what these inputs mean; this
script checks that they stay cheap, without timed asserts.
"""

from __future__ import annotations

import base64
import codecs
import platform
import random
import sys
import time
from collections.abc import Callable

from hawkeye_analyse_rules import analyse_server
from hawkeye_core import ServerInventory, ServerRef, Tool

SIZE = 64_000
#: A row above this many times the plain text's time is marked.
WATCH = 10.0


def _plain() -> str:
    sentence = (
        "Returns the readings of a sensor over a time range, with the unit and the sampling "
        "interval the user picked; results are paged and sorted by time. "
    )
    return (sentence * (SIZE // len(sentence) + 1))[:SIZE]


def _gibberish_sentences() -> str:
    rng = random.Random(0)
    words = (
        "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(6)) for _ in range(SIZE // 7)
    )
    return ". ".join(words)[:SIZE]


#: Crafted descriptions, each aimed at a pattern of the rules or the decoders.
CASES: dict[str, Callable[[], str]] = {
    "one % then letters (URL escapes)": lambda: "%" + "a" * SIZE,
    "'/* ' repeated (C comments)": lambda: "x /* " * (SIZE // 5) + "*/",
    "'/*x' repeated, no end": lambda: "/*x" * (SIZE // 3),
    "blank lines of NBSP (padding)": lambda: "a" + "\n\u00a0" * (SIZE // 2),
    "spaces then a line break, repeated": lambda: ("a" + " " * 39 + "\n") * (SIZE // 41),
    "gibberish sentences (ROT13)": _gibberish_sentences,
    "base64 alphabet run": lambda: base64.b64encode(b"\x00\xff" * (SIZE // 3)).decode()[:SIZE],
    "upper-case run (base32)": lambda: "A" * SIZE,
    "ROT13 of plain English": lambda: codecs.encode(_plain(), "rot13"),
    "'<!--' repeated (HTML comments)": lambda: "<!--" * (SIZE // 4),
    "'[//]: # (' repeated": lambda: "[//]: # (" * (SIZE // 9),
    "digits and spaces (IBANs)": lambda: "DE89 3704 " * (SIZE // 10),
    "'no need to' repeated (concealment)": lambda: "no need to " * (SIZE // 11),
    "a secret kept from the user, no full stop": lambda: (
        "password do not tell the user " * (SIZE // 30)
    ),
    "other servers, many languages": lambda: "otros servidores andre servere " * (SIZE // 31),
}


def _server(description: str, properties: int = 2) -> ServerInventory:
    props = {f"p{i}": {"type": "string", "description": "A value."} for i in range(properties)}
    tool = Tool(
        name="t",
        description=description,
        input_schema={"type": "object", "properties": props},
    )
    return ServerInventory(
        ref=ServerRef(transport="stdio", command=("x",), name="s"), tools=(tool,)
    )


def _seconds(inventory: ServerInventory, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        list(analyse_server(inventory))
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    print(
        f"HawkEye hostile-input benchmark — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    baseline = _seconds(_server(_plain()))
    print(f"\nbaseline: 64 KB of plain English in one description: {baseline * 1000:.1f} ms\n")
    print(f"  {'crafted input':<40} {'ms':>9} {'x plain':>8}")
    rows = [(name, _server(make())) for name, make in CASES.items()]
    rows.append(("a schema of 20,000 properties", _server("Stores a value.", 20_000)))
    worst = 0.0
    for name, inventory in rows:
        seconds = _seconds(inventory)
        ratio = seconds / baseline
        worst = max(worst, ratio)
        mark = "  <- over 10x" if ratio > WATCH else ""
        print(f"  {name:<40} {seconds * 1000:>9.1f} {ratio:>8.2f}{mark}")
    verdict = "met" if worst <= WATCH else "NOT met"
    print(f"\n-> goal (every crafted input within {WATCH:.0f}x plain text): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
