"""The history commands: ``history``, ``report``, ``diff`` and ``pins``.

``register(cli)`` adds them to the root group. Each reads the store named by
its ``--db PATH``, else the ``db`` setting, else the default under the user
data folder. Errors are one line and exit 2 (a usage error: an unknown or
ambiguous scan id, a damaged or foreign database, an unreadable lockfile);
``report`` exits 3 when a report cannot be written, ``pins verify`` 1 when the
lockfile and the pins differ, and ``diff --exit-code`` 1 when the scans differ.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from hawkeye_core.config import Settings, load_settings
from hawkeye_core.manager import PluginManager, create_plugin_manager
from hawkeye_core.output import OutputError, plan_outputs, write_outputs
from hawkeye_core.registry import collect_registry
from hawkeye_core.result import to_data
from hawkeye_core.store import (
    LockfileError,
    Pin,
    Store,
    StoreError,
    compare_lock,
    default_db_path,
    diff_scans,
    dump_lock,
    lock_data,
    read_lock,
)
from hawkeye_core.store.render import render_diff
from hawkeye_core.text import terminal_safe

__all__ = ["register"]

EXIT_OK, EXIT_DIFFERENT, EXIT_USAGE, EXIT_OUTPUT = 0, 1, 2, 3
_SEVERITIES = ("critical", "high", "medium", "low", "info")

F = TypeVar("F", bound=Callable[..., Any])


class HistoryError(click.ClickException):
    """A history command cannot do what was asked: one line, exit 2."""

    exit_code = EXIT_USAGE


def register(cli: click.Group) -> None:
    """Add ``history``, ``report``, ``diff`` and ``pins`` to ``cli``."""
    for command in (history_command, report_command, diff_command, pins_group):
        cli.add_command(command)


# -- settings and the store -------------------------------------------------------------
def _settings(ctx: click.Context) -> Settings:
    state = ctx.find_root().obj
    if state is not None and hasattr(state, "settings"):
        settings: Settings = state.settings()
        return settings
    return load_settings()[0]


def _plugin_manager(ctx: click.Context, settings: Settings) -> PluginManager:
    state = ctx.find_root().obj
    if state is not None and hasattr(state, "plugin_manager"):
        pm: PluginManager = state.plugin_manager(settings)
        return pm
    return create_plugin_manager(settings)


def db_path(ctx: click.Context, option: Path | None) -> Path:
    """The store of a command: ``--db``, else the ``db`` setting, else the default."""
    if option is not None:
        return option
    setting = getattr(_settings(ctx), "db", None)
    return Path(setting) if setting else default_db_path()


def db_option(fn: F) -> F:
    """The ``--db PATH`` option every history command takes."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The history database (default: the db setting, else the user data folder).",
    )(fn)


@contextmanager
def _store(ctx: click.Context, option: Path | None, *, missing: str | None) -> Iterator[Store]:
    """Open the store; with ``missing`` set, a store that does not exist is that error.

    A :class:`StoreError` inside the block (an unknown scan id, say) becomes a
    one-line :class:`HistoryError` too.
    """
    path = db_path(ctx, option)
    if missing is not None and not path.exists():
        raise HistoryError(f"{missing}: no history at {path}")
    try:
        with Store(path, create=missing is None) as store:
            yield store
    except StoreError as exc:
        raise HistoryError(str(exc)) from None


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


# -- history ----------------------------------------------------------------------------
@click.command("history")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def history_command(ctx: click.Context, limit: int, as_json: bool, db: Path | None) -> int:
    """List saved scans, newest first."""
    path = db_path(ctx, db)
    summaries = []
    if path.exists():
        with _store(ctx, db, missing="cannot list scans") as store:
            summaries = store.list_scans(limit=limit)
    if as_json:
        data = {"db": str(path), "scans": [s.to_json() for s in summaries]}
        click.echo(json.dumps(data, indent=2))
        return EXIT_OK
    if not summaries:
        click.echo(f"no scans saved yet in {path}")
        return EXIT_OK
    click.echo(f"{'ID':<12}  {'STARTED':<19}  {'TOOK':>8}  {'SERVERS':>7}  FINDINGS / TARGETS")
    for s in summaries:
        counts = "  ".join(f"{sev} {s.findings[sev]}" for sev in _SEVERITIES if s.findings.get(sev))
        note = "  (interrupted)" if s.interrupted else ""
        targets = terminal_safe(", ".join(s.targets), 60)
        click.echo(
            f"{s.id[:12]:<12}  {_when(s.started)}  {s.duration:>6.1f} s  {s.servers:>7}  "
            f"{counts or 'no findings'}  [{targets}]{note}"
        )
    return EXIT_OK


# -- report -----------------------------------------------------------------------------
@click.command("report")
@click.argument("scan_id")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FILE",
    help="Write a report; the format follows the extension (repeatable).",
)
@click.option("--format", "fmt", metavar="FORMAT", help="Report format on standard output.")
@db_option
@click.pass_context
def report_command(
    ctx: click.Context, scan_id: str, outputs: tuple[str, ...], fmt: str | None, db: Path | None
) -> int:
    """Render a saved scan again, in any installed format.

    SCAN_ID is an id from `hawkeye history`, a unique prefix of one, `latest`
    or `latest~N`. The report is the one the scan's run wrote in that format.
    """
    settings = _settings(ctx)
    registry = collect_registry(_plugin_manager(ctx, settings))
    try:
        plan = plan_outputs(registry, outputs, fmt)
    except OutputError as exc:
        raise HistoryError(str(exc)) from None
    with _store(ctx, db, missing="cannot render a report") as store:
        result = store.load_scan(scan_id)
    return EXIT_OUTPUT if write_outputs(plan, result) else EXIT_OK


# -- diff -------------------------------------------------------------------------------
@click.command("diff")
@click.argument("scan_a")
@click.argument("scan_b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the scans differ.")
@db_option
@click.pass_context
def diff_command(
    ctx: click.Context, scan_a: str, scan_b: str, as_json: bool, exit_code: bool, db: Path | None
) -> int:
    """Show servers, tools and findings added, removed and changed from SCAN_A to SCAN_B."""
    with _store(ctx, db, missing="cannot compare scans") as store:
        a, b = store.load_scan(scan_a), store.load_scan(scan_b)
    diff = diff_scans(a, b)
    if as_json:
        click.echo(json.dumps(diff.to_json(), indent=2))
    else:
        click.echo(
            f"diff {a.scan_id[:12]} ({_when(a.started)}) -> {b.scan_id[:12]} ({_when(b.started)})"
        )
        for line in render_diff(diff):
            click.echo(line)
    return EXIT_DIFFERENT if exit_code and not diff.empty else EXIT_OK


# -- pins -------------------------------------------------------------------------------
@click.group("pins")
def pins_group() -> None:
    """Pinned tool, prompt and resource definitions: list, approve, export, verify."""


@pins_group.command("list")
@click.option("--changed", is_flag=True, help="Only items that need review (not pinned).")
@click.option("--server", metavar="SERVER", help="Only this server (key or unique part).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def pins_list(
    ctx: click.Context, changed: bool, server: str | None, as_json: bool, db: Path | None
) -> int:
    """List the pins: status, item, signatures, and the scans that saw them."""
    pins: list[Pin] = []
    if db_path(ctx, db).exists():
        with _store(ctx, db, missing="cannot list pins") as store:
            pins = store.pins(statuses=("changed", "added", "removed") if changed else None)
    if server is not None:
        wanted = _match_server(server, {p.server for p in pins})
        pins = [p for p in pins if p.server == wanted]
    if as_json:
        rows = [
            {k: v for k, v in _pin_data(p).items() if not k.endswith("_definition")} for p in pins
        ]
        click.echo(json.dumps({"pins": rows}, indent=2))
        return EXIT_OK
    if not pins:
        click.echo("no pins need review" if changed else "no pins yet")
        return EXIT_OK
    current = None
    for pin in pins:
        if pin.server != current:
            current = pin.server
            click.echo(terminal_safe(pin.server, 160))
        sig = (pin.approved_signature or "-")[:12]
        if pin.status != "pinned":
            sig += f" -> {(pin.current_signature or '-')[:12]}"
        click.echo(
            f"  {pin.status:<8} {pin.kind:<17} {terminal_safe(pin.item, 60):<24} {sig}  "
            f"first seen {pin.first_seen[:12]}, last {pin.last_seen[:12]}"
        )
    return EXIT_OK


def _pin_data(pin: Pin) -> dict[str, Any]:
    data: dict[str, Any] = to_data(pin)
    return data


def _match_server(text: str, servers: set[str]) -> str:
    """The one server ``text`` names: its key, or a unique part (``http://host:8000/mcp``)."""
    if text in servers:
        return text
    found = sorted(s for s in servers if text in s)
    if len(found) == 1:
        return found[0]
    if not found:
        raise HistoryError(f"no pinned server matches {text!r} (see `hawkeye pins list`)")
    raise HistoryError(f"{text!r} matches {len(found)} servers: {', '.join(found[:4])}")


@pins_group.command("approve")
@click.argument("server", required=False)
@click.argument("items", nargs=-1)
@click.option("--all", "approve_all", is_flag=True, help="Every item needing review.")
@db_option
@click.pass_context
def pins_approve(
    ctx: click.Context,
    server: str | None,
    items: tuple[str, ...],
    approve_all: bool,
    db: Path | None,
) -> int:
    """Approve SERVER's ITEMs (NAME or KIND:NAME) as they are now; --all for every one.

    A changed or added item's current definition becomes the approved one; a
    removed item is forgotten.
    """
    if server is None and not approve_all:
        raise HistoryError("name a SERVER (and ITEMs), or pass --all")
    if server is not None and not items and not approve_all:
        raise HistoryError(f"name the items of {server} to approve, or pass --all")
    with _store(ctx, db, missing="cannot approve pins") as store:
        pending = store.pins(statuses=("changed", "added", "removed"))
        if server is not None:
            wanted = _match_server(server, {p.server for p in store.pins()})
            pending = [p for p in pending if p.server == wanted]
            if items:
                pending = _pick_items(pending, items, store.pins(servers=[wanted]))
        count = store.approve(pending)
    for pin in pending:
        click.echo(f"approved {pin.label} ({pin.status}) of {terminal_safe(pin.server, 120)}")
    click.echo(
        f"{count} item{'s' if count != 1 else ''} approved" if count else "nothing to approve"
    )
    return EXIT_OK


def _pick_items(pending: list[Pin], items: tuple[str, ...], known: list[Pin]) -> list[Pin]:
    picked: list[Pin] = []
    for text in items:
        matches = [p for p in known if text in (p.item, p.label)]
        if not matches:
            raise HistoryError(f"the server has no pinned item {text!r}")
        picked += [p for p in pending if p in matches and p not in picked]
    return picked


@pins_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@db_option
@click.pass_context
def pins_export(ctx: click.Context, file: Path, db: Path | None) -> int:
    """Write the approved signatures to a lockfile FILE (JSON, stable order; - for stdout)."""
    with _store(ctx, db, missing="cannot export pins") as store:
        text = dump_lock(lock_data(store.pins()))
    if str(file) == "-":
        click.echo(text, nl=False)
        return EXIT_OK
    folder = file.parent if str(file.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=folder)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # a lockfile is meant to be committed and shared
        os.replace(tmp, file)
    except OSError as exc:
        raise HistoryError(f"cannot write the lockfile {file}: {exc}") from None
    return EXIT_OK


@pins_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.pass_context
def pins_verify(ctx: click.Context, file: Path, db: Path | None) -> int:
    """Compare lockfile FILE with what the servers serve now; exit 1 when they differ."""
    try:
        lock = read_lock(file)
    except LockfileError as exc:
        raise HistoryError(str(exc)) from None
    pins: list[Pin] = []
    if db_path(ctx, db).exists():
        with _store(ctx, db, missing="cannot verify pins") as store:
            pins = store.pins()
    differences = compare_lock(lock, pins)
    for line in differences:
        click.echo(terminal_safe(line, 300))
    if differences:
        click.echo(f"{len(differences)} difference(s) from {file}", err=True)
        return EXIT_DIFFERENT
    count = sum(len(items) for items in lock.values())
    click.echo(f"{file}: all {count} locked items match")
    return EXIT_OK
