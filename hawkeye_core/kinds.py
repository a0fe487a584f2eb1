"""The registration records plugins yield from the ``hawkeye_*`` registration hooks.

Each record names one unit of work (a scanner, detector, introspector or
analyser) or one output format (a reporter). Its ``run`` callable may be a plain
function, a generator, a coroutine function or an async generator; the core
runs it on the record's level and collects what it returns, yields or passes to
``ctx.emit``.

The hookspec decides the level (``default_level``); a record may name another
with ``level=``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TextIO

import attrs
from attrs import field, frozen, validators

from hawkeye_core.levels import Level
from hawkeye_core.records import (
    TRANSPORTS,
    Endpoint,
    Finding,
    ServerInventory,
    ServerRef,
    as_tuple,
)

__all__ = ["Analyser", "Detector", "Introspector", "Reporter", "Scanner", "WorkRecord"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _name(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(
            f"{type(instance).__name__} name must be 1-64 lowercase letters, digits, '.', '_' "
            f"or '-', starting with a letter or digit; got {value!r}"
        )


def _callable(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        raise TypeError(
            f"{type(instance).__name__}.{attribute.name} must be callable, not {value!r}"
        )


def _level(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Level) or value is Level.MONITOR:
        raise ValueError(f"{type(instance).__name__}.level must be L1-L4, not {value!r}")


def _timeout(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, int | float) and value > 0):
        raise ValueError(
            f"{type(instance).__name__}.timeout must be a positive number, not {value!r}"
        )


@frozen(kw_only=True)
class WorkRecord:
    """Fields shared by every unit of work."""

    #: The hook that yields this kind, and the level its hookspec assigns.
    hook: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    default_level: ClassVar[Level] = Level.BATCH
    #: The record type its ``run`` must produce.
    produces: ClassVar[type] = object

    name: str = field(validator=_name)
    run: Callable[..., Any] = field(validator=_callable)
    description: str = field(default="", validator=validators.instance_of(str))
    level: Level | None = field(default=None, validator=_level)
    timeout: float | None = field(default=None, validator=_timeout)  # seconds per call
    accepts: Callable[[Any], bool] | None = field(
        default=None, validator=validators.optional(_callable)
    )
    #: What one call on an item holds of the run's budget (``{"processes": 1, "fds": 4}``,
    #: see :mod:`hawkeye_core.resources`); the runner starts the call only once it is free
    #: and frees it when the call ends. None or ``{}``: nothing.
    holds: Callable[[Any], Mapping[str, int] | None] | None = field(
        default=None, validator=validators.optional(_callable)
    )

    @property
    def effective_level(self) -> Level:
        """The level this work runs on: its own ``level``, else its hookspec's."""
        return self.level or self.default_level


@frozen(kw_only=True)
class Scanner(WorkRecord):
    """Finds open ports: produces :class:`Endpoint` records (L1).

    ``mode="target"`` (default): ``run(target, ctx)`` for each target.
    ``mode="stream"``: ``run(targets, ctx)`` once per run, with a lazy
    iterable of every target, for scanners that keep many hosts in flight
    at once (it pauses while the machine is under pressure and ends when the
    run is stopped).
    """

    hook: ClassVar[str] = "hawkeye_scanners"
    kind: ClassVar[str] = "scanner"
    default_level: ClassVar[Level] = Level.SCAN
    produces: ClassVar[type] = Endpoint

    mode: str = field(default="target", validator=validators.in_(("target", "stream")))


@frozen(kw_only=True)
class Detector(WorkRecord):
    """Finds MCP servers: produces :class:`ServerRef` records (L2).

    ``on="endpoint"`` (default): ``run(endpoint, ctx)`` for each open port.
    ``on="host"``: ``run(ctx)`` once per run, for local discovery (configs,
    processes) that needs no scan.
    """

    hook: ClassVar[str] = "hawkeye_detectors"
    kind: ClassVar[str] = "detector"
    default_level: ClassVar[Level] = Level.BATCH
    produces: ClassVar[type] = ServerRef

    on: str = field(default="endpoint", validator=validators.in_(("endpoint", "host")))


@frozen(kw_only=True)
class Introspector(WorkRecord):
    """Talks to a server: ``run(ref, ctx)`` produces a :class:`ServerInventory` (L3).

    Called for each server reference whose transport is in ``transports``.
    """

    hook: ClassVar[str] = "hawkeye_introspectors"
    kind: ClassVar[str] = "introspector"
    default_level: ClassVar[Level] = Level.INTROSPECT
    produces: ClassVar[type] = ServerInventory

    transports: frozenset[str] = field(default=TRANSPORTS, converter=frozenset)

    @transports.validator
    def _check_transports(self, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
        unknown = value - TRANSPORTS
        if unknown:
            raise ValueError(f"unknown transports {sorted(unknown)}; known: {sorted(TRANSPORTS)}")


@frozen(kw_only=True)
class Analyser(WorkRecord):
    """Judges servers: produces :class:`Finding` records (L4).

    ``scope="server"`` (default): ``run(inventory, ctx)`` for each server as
    soon as it is inventoried. ``scope="run"``: ``run(inventories, ctx)`` once,
    with every inventory of the run, for cross-server analysis.
    """

    hook: ClassVar[str] = "hawkeye_analysers"
    kind: ClassVar[str] = "analyser"
    default_level: ClassVar[Level] = Level.ANALYSE
    produces: ClassVar[type] = Finding

    scope: str = field(default="server", validator=validators.in_(("server", "run")))


@frozen(kw_only=True)
class Reporter:
    """Writes a finished scan in one format: ``write(result, stream)``.

    Runs on the main thread after the run (also after Ctrl-C, with what was
    found). ``format`` is the ``--format`` name; ``extensions`` pick it for
    ``-o FILE``.

    ``stream(finding, stream)``, when given, writes one finding as soon as it is
    made (on the main thread, the stream flushed after each call): the output is
    opened before the run and filled during it, and ``write`` is not called for
    it at the end. ``write`` must produce the same text, for a stored scan
    rendered again, and as the fallback when streaming fails.
    """

    hook: ClassVar[str] = "hawkeye_reporters"
    kind: ClassVar[str] = "reporter"

    name: str = field(validator=_name)
    format: str = field(validator=_name)
    write: Callable[..., None] = field(validator=_callable)
    extensions: tuple[str, ...] = field(default=(), converter=as_tuple)
    description: str = field(default="", validator=validators.instance_of(str))
    binary: bool = False  # write() takes a binary stream
    stream: Callable[[Finding, TextIO], None] | None = field(
        default=None, validator=validators.optional(_callable)
    )

    def __attrs_post_init__(self) -> None:
        if self.stream is not None and self.binary:
            raise ValueError("a Reporter that streams findings writes text: binary must be False")

    @extensions.validator
    def _check_extensions(self, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        for ext in value:
            if not (isinstance(ext, str) and ext.startswith(".") and len(ext) > 1):
                raise ValueError(f"Reporter extensions look like '.json', not {ext!r}")


#: The registration hook of each record type.
KIND_OF_HOOK: dict[str, type[Any]] = {
    cls.hook: cls for cls in (Scanner, Detector, Introspector, Analyser, Reporter)
}
