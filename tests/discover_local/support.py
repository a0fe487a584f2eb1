"""The fixture homes and a discovery run, shared by the local-discovery tests.

The fixture homes under ``tests/data/homes`` are copies of a Linux (alice),
macOS (bob) and Windows (carol) home with realistic client files: JSONC with
comments and trailing commas, a Codex TOML, YAML (Continue, Goose), a broken
JSON file, and fake secrets in environments, arguments and URLs.
"""

from __future__ import annotations

from pathlib import Path

from hawkeye_discover_local.configs import Problem, Scope, iter_config_items
from hawkeye_discover_local.parse import ConfigEntry

HOMES = Path(__file__).parent.parent / "data" / "homes"

OPENAI_KEY = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1"


def discover(home: Path, **scope: object) -> tuple[dict[tuple[str, str], ConfigEntry], list[str]]:
    """The configured servers of a home by (client, name), and the problems met."""
    entries: dict[tuple[str, str], ConfigEntry] = {}
    problems: list[str] = []
    for item in iter_config_items(Scope(home=home, **scope)):  # type: ignore[arg-type]
        if isinstance(item, Problem):
            problems.append(item.message)
        else:
            entries[(item.client, item.name)] = item
    return entries, problems
