"""Collect the records every plugin registers, each plugin isolated from the others.

Each registration hook implementation is called on its own: one that raises,
or yields something that is not the hook's record type, is reported under its
plugin's name and the rest of the registry is built. Two records of one kind
with the same name are an error naming both providers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from attrs import field, frozen

from hawkeye_core.kinds import (
    KIND_OF_HOOK,
    Analyser,
    Detector,
    Introspector,
    Reporter,
    Scanner,
    WorkRecord,
)
from hawkeye_core.levels import Level
from hawkeye_core.manager import PluginInfo, PluginManager, _error_line
from hawkeye_core.records import as_tuple

__all__ = ["Registered", "Registry", "RegistryError", "collect_registry"]


class RegistryError(Exception):
    """The registry cannot be built (for example, a duplicate name)."""


@frozen(kw_only=True)
class Registered:
    """A record with the plugin that registered it."""

    record: Any  # a WorkRecord or a Reporter
    plugin: PluginInfo

    @property
    def key(self) -> str:
        """``plugin:name``: the identity used in outcomes and breakers."""
        return f"{self.plugin.name}:{self.record.name}"

    @property
    def kind(self) -> str:
        return str(self.record.kind)

    @property
    def level(self) -> Level | None:
        """The level it runs on (None for reporters, which run on the main thread)."""
        return self.record.effective_level if isinstance(self.record, WorkRecord) else None


@frozen(kw_only=True)
class Registry:
    """Everything registered for a run, by kind."""

    entries: tuple[Registered, ...] = field(converter=as_tuple)
    problems: tuple[str, ...] = field(default=(), converter=as_tuple)

    def only(self, keep: Callable[[Registered], bool]) -> Registry:
        """A registry of the entries ``keep`` accepts (``discover`` and ``analyse`` use it)."""
        return Registry(entries=[e for e in self.entries if keep(e)], problems=self.problems)

    def of(self, kind: type[Any]) -> list[Registered]:
        """Entries whose record is of type ``kind``."""
        return [e for e in self.entries if isinstance(e.record, kind)]

    @property
    def scanners(self) -> list[Registered]:
        return self.of(Scanner)

    @property
    def detectors(self) -> list[Registered]:
        return self.of(Detector)

    @property
    def introspectors(self) -> list[Registered]:
        return self.of(Introspector)

    @property
    def analysers(self) -> list[Registered]:
        return self.of(Analyser)

    @property
    def reporters(self) -> list[Registered]:
        return self.of(Reporter)

    @property
    def work(self) -> list[Registered]:
        """Every scanner, detector, introspector and analyser."""
        return [e for e in self.entries if isinstance(e.record, WorkRecord)]

    def reporter_for(self, fmt: str) -> Registered | None:
        """The reporter of ``--format fmt``."""
        return next((e for e in self.reporters if e.record.format == fmt), None)

    def reporter_for_path(self, path: str) -> Registered | None:
        """The reporter whose extension ends ``path`` (longest match wins)."""
        lower = path.lower()
        best: tuple[int, Registered] | None = None
        for entry in self.reporters:
            for ext in entry.record.extensions:
                if lower.endswith(ext.lower()) and (best is None or len(ext) > best[0]):
                    best = (len(ext), entry)
        return best[1] if best else None


def _records(pm: PluginManager, hook_name: str) -> Iterator[tuple[str, Any]]:
    """Yield (plugin name, record) from every implementation of one hook, isolated."""
    expected = KIND_OF_HOOK[hook_name]
    caller = getattr(pm.hook, hook_name)
    for impl in reversed(caller.get_hookimpls()):  # registration order
        name = impl.plugin_name
        try:
            produced = impl.function()
            for record in produced or ():
                if type(record) is not expected and not isinstance(record, expected):
                    pm.problem(
                        name,
                        f"{hook_name} yielded {type(record).__name__} {record!r:.80}, "
                        f"expected {expected.__name__}; skipped",
                    )
                    continue
                yield name, record
        except Exception as exc:
            pm.problem(name, f"{hook_name} raised {_error_line(exc)}; its other records are kept")


def collect_registry(pm: PluginManager) -> Registry:
    """Call every registration hook and build the run's registry.

    Raises :class:`RegistryError` when two records of one kind share a name.
    """
    entries: list[Registered] = []
    by_name: dict[tuple[str, str], Registered] = {}
    for hook_name in KIND_OF_HOOK:
        for plugin_name, record in _records(pm, hook_name):
            info = pm.infos.get(plugin_name) or PluginInfo(name=plugin_name, source="direct")
            entry = Registered(record=record, plugin=info)
            key = (record.kind, record.name)
            if key in by_name:
                other = by_name[key]
                raise RegistryError(
                    f"duplicate {record.kind} name {record.name!r}: registered by plugin "
                    f"{other.plugin.name!r} ({_origin(other.plugin)}) and plugin "
                    f"{plugin_name!r} ({_origin(info)})"
                )
            by_name[key] = entry
            entries.append(entry)
    problems = [f"{i.name}: {p}" for i in pm.infos.values() for p in i.problems]
    return Registry(entries=entries, problems=problems)


def _origin(info: PluginInfo) -> str:
    if info.dist:
        return f"{info.dist} {info.version}".strip()
    return info.path or info.module or info.source
