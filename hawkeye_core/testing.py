"""Helpers for testing plugins: a fresh manager, temporary registration, a pipeline run.

>>> from hawkeye_core.testing import run_pipeline
>>> result = run_pipeline(["127.0.0.1"], my_plugin)        # doctest: +SKIP
>>> [f.rule_id for f in result.findings]                    # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hawkeye_core.concurrency.monitor import ResourceMonitor
from hawkeye_core.config import Settings
from hawkeye_core.manager import PluginManager, create_plugin_manager
from hawkeye_core.records import Target
from hawkeye_core.registry import collect_registry
from hawkeye_core.result import ScanResult
from hawkeye_core.runner import Run
from hawkeye_core.targets import build_target_set

__all__ = ["fresh_manager", "registered", "run_pipeline"]

_names = itertools.count(1)


def _name_of(plugin: Any) -> str:
    return str(getattr(plugin, "__name__", None) or f"test-plugin-{next(_names)}")


def fresh_manager(
    *plugins: Any, settings: Settings | None = None, entry_points: bool = False
) -> PluginManager:
    """A new plugin manager with ``plugins`` registered (entry points off by default)."""
    return create_plugin_manager(
        settings or Settings(local=True),
        entry_points=entry_points,
        plugins=[(_name_of(p), p) for p in plugins],
    )


@contextmanager
def registered(pm: PluginManager, plugin: Any, name: str | None = None) -> Iterator[str]:
    """Register ``plugin`` for the duration of a ``with`` block; yields its name."""
    name = name or _name_of(plugin)
    if not pm.register_plugin(plugin, name):
        raise RuntimeError(f"plugin {name!r} did not register: {pm.infos[name].error}")
    try:
        yield name
    finally:
        pm.unregister(name=name)
        pm.infos.pop(name, None)


def run_pipeline(
    targets: Iterable[str | Target] = (),
    *plugins: Any,
    settings: Settings | None = None,
    entry_points: bool = False,
    pm: PluginManager | None = None,
    monitor: ResourceMonitor | None = None,
    files: Iterable[str | Path] = (),
) -> ScanResult:
    """Run the whole pipeline on ``targets`` with ``plugins`` and return the result.

    Strings are parsed as the CLI parses them. Pass ``pm`` to reuse a manager,
    ``files`` to analyse MCP definitions from files as ``hawkeye analyse`` does.
    """
    settings = settings or Settings()
    pm = pm or fresh_manager(*plugins, settings=settings, entry_points=entry_points)
    registry = collect_registry(pm)
    items = list(targets)
    target_set = build_target_set([t for t in items if isinstance(t, str)])
    target_set.given = [t for t in items if isinstance(t, Target)]
    run = Run(pm, registry, settings, target_specs=target_set.labels(), monitor=monitor)
    target_set.cache = run.cache
    run.set_targets(target_set)
    files = list(files)
    if files:
        run.seed_files(files)
    return run.execute()
