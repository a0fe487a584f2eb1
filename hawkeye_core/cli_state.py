"""What every ``hawkeye`` command shares: the root options' state, logging, exit codes."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from attrs import define

from hawkeye_core.config import Settings, load_settings
from hawkeye_core.manager import PluginManager, create_plugin_manager
from hawkeye_core.records import Severity
from hawkeye_core.registry import Registry, collect_registry

__all__ = ["AppState", "registry_for", "setup_logging", "state_from"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_OUTPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = (
    0, 1, 2, 3, 70, 130,
)  # fmt: skip
SEVERITY_NAMES = [s.name.lower() for s in sorted(Severity, reverse=True)]

log = logging.getLogger("hawkeye")


@define
class AppState:
    """What the root options decided, for the subcommands."""

    verbosity: int = 0
    config_file: Path | None = None
    plugins_dir: tuple[Path, ...] = ()
    db: Path | None = None
    warned: bool = False

    def settings(self, **overrides: Any) -> Settings:
        """Settings from file, environment, the root options and ``overrides``."""
        if self.plugins_dir:
            overrides.setdefault("plugins_dir", [str(p) for p in self.plugins_dir])
        if self.db is not None:
            overrides.setdefault("db", str(self.db))
        settings, warnings = load_settings(config_file=self.config_file, overrides=overrides)
        if not self.warned:
            for warning in warnings:
                log.warning(warning)
            self.warned = True
        return settings

    def plugin_manager(self, settings: Settings) -> PluginManager:
        pm = create_plugin_manager(settings)
        for info in pm.failures:
            log.warning("plugin %s not loaded: %s", info.name, info.error)
        return pm


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"hawkeye: {record.levelname.lower()}: {record.getMessage()}"


def setup_logging(verbosity: int) -> None:
    level = {-2: logging.CRITICAL, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}
    root = logging.getLogger("hawkeye")
    root.setLevel(level.get(max(-2, min(verbosity, 2)), logging.DEBUG))
    if not any(getattr(h, "_hawkeye", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Formatter())
        handler._hawkeye = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False


def state_from(ctx: click.Context) -> AppState:
    root = ctx.find_root()
    if isinstance(root.obj, AppState):
        return root.obj
    params = root.params
    state = AppState(
        verbosity=params.get("verbose", 0) - params.get("quiet", 0),
        config_file=params.get("config_file"),
        plugins_dir=tuple(params.get("plugins_dir") or ()),
        db=params.get("db"),
    )
    root.obj = state
    return state


def registry_for(state: AppState, settings: Settings) -> tuple[PluginManager, Registry]:
    pm = state.plugin_manager(settings)
    return pm, collect_registry(pm)
