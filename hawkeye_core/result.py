"""The result of a run, and its plain-data (JSON) form."""

from __future__ import annotations

import enum
import math
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from hawkeye_core.records import (
    Endpoint,
    Finding,
    Outcome,
    ServerInventory,
    ServerRef,
    as_tuple,
)

__all__ = ["ScanResult", "to_data"]


def _read_only(value: Mapping[str, int]) -> Mapping[str, int]:
    return types.MappingProxyType(dict(value))


@frozen(kw_only=True)
class ScanResult:
    """Everything one run found, complete or cut short (``interrupted``)."""

    scan_id: str
    started: float  # wall clock, seconds since the epoch
    finished: float
    hawkeye_version: str
    targets: tuple[str, ...] = field(default=(), converter=as_tuple)  # as the user gave them
    interrupted: bool = False
    endpoints: tuple[Endpoint, ...] = field(default=(), converter=as_tuple)  # open ports
    servers: tuple[ServerRef, ...] = field(default=(), converter=as_tuple)
    inventories: tuple[ServerInventory, ...] = field(default=(), converter=as_tuple)
    findings: tuple[Finding, ...] = field(default=(), converter=as_tuple)
    suppressed: tuple[Finding, ...] = field(default=(), converter=as_tuple)  # accepted risks
    errors: tuple[Outcome, ...] = field(default=(), converter=as_tuple)  # calls that did not end ok
    stats: Mapping[str, int] = field(factory=dict, converter=_read_only)
    plugins: tuple[Mapping[str, str], ...] = field(default=(), converter=as_tuple)

    @property
    def duration(self) -> float:
        return max(0.0, self.finished - self.started)

    def server_inventories(self) -> list[tuple[ServerRef, ServerInventory | None]]:
        """Each server once, with its inventory if one was read.

        Servers come in the order they were found; an inventory whose server
        is not among ``servers`` (``hawkeye analyse``) is listed too.
        """
        inventories: dict[str, ServerInventory] = {}
        for inventory in self.inventories:
            inventories.setdefault(inventory.ref.key, inventory)
        refs = {ref.key: ref for ref in self.servers}
        for key, inventory in inventories.items():
            refs.setdefault(key, inventory.ref)
        return [(ref, inventories.get(key)) for key, ref in refs.items()]


def to_data(value: Any) -> Any:
    """Turn records (and what they hold) into JSON-ready data.

    Records become dicts of their fields, enums their lower-case names, read-only
    mappings dicts, tuples lists; non-finite floats become None.
    """
    if attrs.has(type(value)):
        return {
            a.name: to_data(getattr(value, a.name))
            for a in attrs.fields(type(value))
            if not callable(getattr(value, a.name)) or attrs.has(type(getattr(value, a.name)))
        }
    if isinstance(value, enum.Enum):
        return str(value.name).lower()
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_data(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value
