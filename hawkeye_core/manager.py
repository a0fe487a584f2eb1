"""The plugin manager: built by a factory for each run, never at import time.

Plugins come from the ``hawkeye`` entry-point group (first- and third-party
alike) and from ``--plugins-dir`` folders of ``*.py`` files. An allow-list
(``load_plugins``) and a deny-list (``disable_plugins``) filter both. A plugin
that fails to import or register is recorded by name with its error and
skipped; the others load.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from attrs import evolve, field, frozen

from hawkeye_core import hookspecs
from hawkeye_core._version import __version__
from hawkeye_core.config import Settings
from hawkeye_core.records import as_tuple

__all__ = ["PluginInfo", "PluginManager", "create_plugin_manager", "hookimpl"]

ENTRY_POINT_GROUP = "hawkeye"

#: Hooks the core calls one plugin at a time, each isolated.
LIFECYCLE_HOOKS = (
    "hawkeye_configure",
    "hawkeye_commands",
    "hawkeye_before_run",
    "hawkeye_on_finding",
    "hawkeye_on_progress",
    "hawkeye_after_run",
)

hookimpl = pluggy.HookimplMarker("hawkeye")

log = logging.getLogger("hawkeye.plugins")


@frozen(kw_only=True)
class PluginInfo:
    """Where a plugin came from and whether it loaded."""

    name: str
    source: str  # "entry-point", "plugins-dir" or "direct"
    module: str = ""
    dist: str = ""
    version: str = ""
    path: str = ""
    status: str = "loaded"  # "loaded", "disabled" or "failed"
    error: str = ""
    builtin: bool = False  # shipped with the hawkeye distribution
    problems: tuple[str, ...] = field(default=(), converter=as_tuple)


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus a record of every plugin considered for the run."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("hawkeye")
        self.add_hookspecs(hookspecs)
        self.settings = settings
        self.infos: dict[str, PluginInfo] = {}
        self.configured = False

    def register_plugin(self, plugin: Any, name: str, info: PluginInfo | None = None) -> bool:
        """Register ``plugin`` under ``name``; a failure is recorded, not raised."""
        info = info or PluginInfo(
            name=name, source="direct", module=getattr(plugin, "__name__", "")
        )
        if name in self.infos and self.infos[name].status == "loaded":
            self._fail(
                info,
                f"a plugin named {name!r} is already loaded from {self._origin(self.infos[name])}",
            )
            return False
        try:
            self.register(plugin, name=name)
        except Exception as exc:  # pluggy validation errors, bad hookimpl signatures
            self._fail(info, f"{type(exc).__name__}: {exc}")
            return False
        self.infos[name] = info
        self._check_wrappers(name, plugin)
        if self.configured:
            self.configure_plugin(name)
        return True

    def _check_wrappers(self, name: str, plugin: Any) -> None:
        # Lifecycle hooks are called one plugin at a time, so an around-hook
        # has nothing to wrap: say so rather than ignore it silently.
        for hook_name in LIFECYCLE_HOOKS:
            for impl in getattr(self.hook, hook_name).get_hookimpls():
                if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper):
                    self.problem(
                        name,
                        f"{hook_name}: wrapper implementations are not supported "
                        "on lifecycle hooks; it will not be called",
                    )

    def configure_plugin(self, name: str) -> None:
        """Call one plugin's ``hawkeye_configure``, isolated: a failure unloads it.

        ``hawkeye_configure`` is historic: plugins registered after the
        manager was configured get the call at registration.
        """
        plugin = self.get_plugin(name)
        for impl in self.hook.hawkeye_configure.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            try:
                impl.function(**({"config": self.settings} if "config" in impl.argnames else {}))
            except Exception as exc:
                self.unregister(plugin)
                self._fail(
                    self.infos[name],
                    f"hawkeye_configure raised {_error_line(exc)}",
                    replace=True,
                )

    def configure(self) -> None:
        """Give every registered plugin the settings (see ``configure_plugin``)."""
        self.configured = True
        for name in [n for n, i in self.infos.items() if i.status == "loaded"]:
            self.configure_plugin(name)

    def record(self, info: PluginInfo) -> None:
        """Note a plugin that was not loaded (disabled or failed)."""
        if info.name not in self.infos or self.infos[info.name].status != "loaded":
            self.infos[info.name] = info

    def problem(self, name: str, message: str) -> None:
        """Attach a problem (an invalid record, a failing hook) to a plugin."""
        log.warning("plugin %s: %s", name, message)
        info = self.infos.get(name)
        if info is not None:
            self.infos[name] = evolve(info, problems=(*info.problems, message))

    @property
    def failures(self) -> list[PluginInfo]:
        """Plugins that failed to load."""
        return [i for i in self.infos.values() if i.status == "failed"]

    def _fail(self, info: PluginInfo, error: str, *, replace: bool = False) -> None:
        log.warning("plugin %s failed to load: %s", info.name, error)
        failed = evolve(info, status="failed", error=error)
        if replace:
            self.infos[info.name] = failed
        else:
            self.record(failed)

    @staticmethod
    def _origin(info: PluginInfo) -> str:
        if info.dist:
            return f"{info.dist} {info.version}".strip()
        return info.path or info.module or info.source


def _wanted(name: str, aliases: Iterable[str], settings: Settings) -> str | None:
    """None if the plugin may load, else why not."""
    names = {name, *aliases}
    if settings.disable_plugins and names & set(settings.disable_plugins):
        return "disabled by disable_plugins (HAWKEYE_DISABLE_PLUGINS)"
    if settings.load_plugins is not None and not names & set(settings.load_plugins):
        return "not in load_plugins (HAWKEYE_LOAD_PLUGINS)"
    return None


def _error_line(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def load_entry_points(pm: PluginManager) -> None:
    """Import and register every plugin of the ``hawkeye`` entry-point group."""
    seen: set[str] = set()
    for ep in sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    ):
        dist = ep.dist.name if ep.dist is not None else ""
        version = ep.dist.version if ep.dist is not None else ""
        info = PluginInfo(
            name=ep.name,
            source="entry-point",
            module=ep.value,
            dist=dist,
            version=version,
            builtin=dist == "hawkeye",
        )
        if ep.name in seen:
            continue  # the same distribution seen twice on sys.path
        seen.add(ep.name)
        reason = _wanted(ep.name, [dist], pm.settings)
        if reason:
            pm.record(evolve(info, status="disabled", error=reason))
            continue
        try:
            plugin = ep.load()
        except BaseException as exc:  # a plugin's import may raise anything, even SystemExit
            if isinstance(exc, KeyboardInterrupt):
                raise
            pm._fail(info, _error_line(exc))
            continue
        pm.register_plugin(plugin, ep.name, info)


def load_plugins_dir(pm: PluginManager, directory: Path) -> None:
    """Import every ``*.py`` in ``directory`` as a site plugin named after its file."""
    if not directory.is_dir():
        pm._fail(
            PluginInfo(name=str(directory), source="plugins-dir", path=str(directory)),
            "plugins directory not found",
        )
        return
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = path.stem
        info = PluginInfo(
            name=name, source="plugins-dir", path=str(path), module=f"hawkeye_site_{name}"
        )
        reason = _wanted(name, [], pm.settings)
        if reason:
            pm.record(evolve(info, status="disabled", error=reason))
            continue
        try:
            module = _import_file(path, f"hawkeye_site_{name}")
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            pm._fail(info, _error_line(exc))
            continue
        pm.register_plugin(module, name, info)


def _import_file(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def create_plugin_manager(
    settings: Settings | None = None,
    *,
    entry_points: bool = True,
    plugins: Iterable[tuple[str, Any]] = (),
) -> PluginManager:
    """Build a plugin manager for one run.

    Loads the entry-point plugins (unless ``entry_points=False``), the
    ``plugins_dir`` folders, then ``plugins`` given as ``(name, object)``
    pairs. Calls the historic ``hawkeye_configure`` with the settings.
    """
    settings = settings or Settings()
    pm = PluginManager(settings)
    if settings.trace_plugins:
        pm.trace.root.setwriter(lambda text: log.info("trace: %s", text.rstrip()))
        pm.enable_tracing()
    if entry_points:
        load_entry_points(pm)
    for directory in settings.plugins_dir:
        load_plugins_dir(pm, directory)
    for name, plugin in plugins:
        pm.register_plugin(plugin, name)
    pm.configure()
    log.debug("hawkeye %s: %d plugins loaded", __version__, len(pm.get_plugins()))
    return pm
