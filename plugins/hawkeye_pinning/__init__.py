"""Rug-pull detection: tools, prompts and resources that changed since they were approved.

An L4 analyser with ``scope="run"``: once every server of the run is
inventoried, it compares each item's canonical signature with the pin the
store holds for it (``hawkeye pins list``) and reports

- ``HE-RUG-001`` (high): a tool, prompt, resource, template or the server's
  instructions changed since they were approved, with a diff of the change;
- ``HE-RUG-002`` (info): an approved item the server no longer lists;
- ``HE-RUG-003`` (low): the server info (name, version, title) changed;
- ``HE-RUG-004`` (medium): an item that appeared on an already pinned server.

Each stays until it is approved (``hawkeye pins approve``). The first sight of
a server is not a finding: saving the scan pins its items. The analyser only
reads; the scan is saved, and the pins updated, after the run.

Options (``[plugin.pinning]``): ``db`` (the store, default the ``db`` setting
or the user data folder) and ``lockfile`` (take the approved set from a
``hawkeye pins export`` file instead of the store, for CI).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from hawkeye_core import Analyser, CallContext, Finding, ServerInventory, hookimpl
from hawkeye_core.store import (
    Pin,
    Store,
    default_db_path,
    lock_pins,
    read_lock,
    server_id,
    unique_inventories,
)
from hawkeye_pinning.rules import rug_pull_findings

__all__ = ["check_pins", "db_path", "hawkeye_analysers"]


def db_path(ctx: CallContext) -> Path:
    """The store to read: the ``db`` option, else the ``db`` setting, else the default."""
    option = ctx.options.get("db")
    if option:
        return Path(str(option)).expanduser()
    setting = getattr(ctx.settings, "db", None)
    return Path(setting) if setting else default_db_path()


def _pins(inventories: Sequence[ServerInventory], ctx: CallContext) -> tuple[list[Pin], bool]:
    lockfile = ctx.options.get("lockfile")
    if lockfile:
        return lock_pins(read_lock(Path(str(lockfile)).expanduser())), True
    path = db_path(ctx)
    if not path.is_file():
        return [], False  # no history yet: everything is a first sight
    timeout = max(1.0, min(30.0, ctx.remaining()))
    with Store(path, create=False, timeout=timeout) as store:
        return store.pins(servers=[server_id(i) for i in inventories]), False


def check_pins(inventories: Iterable[ServerInventory], ctx: CallContext) -> Iterator[Finding]:
    """Compare every server of the run with its pins; yield the rug-pull findings."""
    servers = unique_inventories(inventories)
    if not servers:
        return
    pins, from_lock = _pins(servers, ctx)
    by_server: dict[str, list[Pin]] = {}
    for pin in pins:
        by_server.setdefault(pin.server, []).append(pin)
    for inventory in servers:
        if ctx.stopped:
            return
        yield from rug_pull_findings(
            inventory, by_server.get(server_id(inventory), []), from_lock=from_lock
        )


@hookimpl
def hawkeye_analysers() -> Iterator[Analyser]:
    yield Analyser(
        name="rug-pull",
        scope="run",
        run=check_pins,
        description="Tools, prompts and resources changed since they were approved (pins).",
    )
