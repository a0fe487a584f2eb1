"""The ``hawkeye`` command line.

Errors are one line on stderr and a non-zero exit, never a traceback: 2 for
usage and configuration errors, 3 when a report could not be written, 130 when
the run was interrupted (what was found is still written), 70 for a bug in
HawkEye itself (``-v`` shows its traceback).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from hawkeye_core._version import __version__
from hawkeye_core.cli_scan import register as register_pipeline_commands
from hawkeye_core.cli_state import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    log,
    registry_for,
    setup_logging,
    state_from,
)
from hawkeye_core.cli_store import register as register_history_commands
from hawkeye_core.config import ConfigError
from hawkeye_core.registry import RegistryError
from hawkeye_core.store import StoreError
from hawkeye_core.targets import TargetError

__all__ = ["cli", "main"]


class HawkeyeGroup(click.Group):
    """The root group: built-in commands, plus those plugins add through ``hawkeye_commands``."""

    _plugins_loaded = False

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        state = state_from(ctx)
        try:
            pm = state.plugin_manager(state.settings())
        except ConfigError:
            return  # the command itself reports it
        for impl in reversed(pm.hook.hawkeye_commands.get_hookimpls()):
            if impl.wrapper or impl.hookwrapper:
                continue
            try:
                impl.function(**({"cli": self} if "cli" in impl.argnames else {}))
            except Exception as exc:
                log.warning("plugin %s: hawkeye_commands raised %s", impl.plugin_name, exc)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._load_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands(ctx)
        return super().list_commands(ctx)

    def main(  # type: ignore[override]  # always exits, whatever standalone_mode says
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        verbose = _early_verbosity(sys.argv[1:] if args is None else list(args))
        try:
            code = super().main(args, prog_name or "hawkeye", standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.Abort:
            click.echo("hawkeye: aborted", err=True)
            code = EXIT_INTERRUPTED
        except click.ClickException as exc:
            click.echo(f"hawkeye: error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except (ConfigError, TargetError, RegistryError, StoreError) as exc:
            click.echo(f"hawkeye: error: {exc}", err=True)
            code = EXIT_USAGE
        except KeyboardInterrupt:
            click.echo("hawkeye: interrupted", err=True)
            code = EXIT_INTERRUPTED
        except Exception as exc:  # a bug in HawkEye: say so in one line
            if verbose:
                traceback.print_exc()
            click.echo(
                f"hawkeye: internal error: {type(exc).__name__}: {exc} "
                "(run with -v for the traceback)",
                err=True,
            )
            code = EXIT_INTERNAL
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _early_verbosity(argv: list[str]) -> bool:
    return any(a == "--verbose" or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in argv)


@click.group(cls=HawkeyeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hawkeye", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More output (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Less output.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    is_eager=True,  # read before --help lists the plugins' commands
    help="Settings file (default: ./hawkeye.toml or [tool.hawkeye] in ./pyproject.toml).",
)
@click.option(
    "--plugins-dir",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    is_eager=True,
    help="Folder of site plugins (*.py); also HAWKEYE_PLUGINS_DIR.",
)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The scan history database (default: in the user data folder); also HAWKEYE_DB.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    verbose: int,
    quiet: int,
    config_file: Path | None,
    plugins_dir: tuple[Path, ...],
    db: Path | None,
) -> None:
    """HawkEye finds MCP servers and reports their security risks."""
    state = state_from(ctx)
    setup_logging(state.verbosity)


@cli.command("plugins")
@click.option("--all", "show_all", is_flag=True, help="Also list plugins that were not loaded.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins_command(ctx: click.Context, show_all: bool, as_json: bool) -> int:
    """List plugins: distribution, version, and what each registers on which level."""
    state = state_from(ctx)
    pm, registry = registry_for(state, state.settings())
    rows: list[dict[str, Any]] = []
    for info in sorted(pm.infos.values(), key=lambda i: (not i.builtin, i.name)):
        if info.status != "loaded" and not show_all:
            continue
        registers = [
            {
                "kind": e.kind,
                "name": e.record.name,
                "level": e.level.label if e.level else "main",
                **({"format": e.record.format} if e.kind == "reporter" else {}),
            }
            for e in registry.entries
            if e.plugin.name == info.name
        ]
        rows.append(
            {
                "name": info.name,
                "dist": info.dist,
                "version": info.version,
                "source": info.source,
                "builtin": info.builtin,
                "status": info.status,
                "error": info.error,
                "problems": list(info.problems),
                "registers": registers,
            }
        )
    if as_json:
        click.echo(json.dumps({"plugins": rows}, indent=2))
        return EXIT_OK
    if not rows:
        click.echo("no plugins loaded")
    for row in rows:
        origin = f"{row['dist']} {row['version']}".strip() or row["source"]
        status = "" if row["status"] == "loaded" else f"  [{row['status']}: {row['error']}]"
        click.echo(f"{row['name']}  ({origin}){status}")
        for reg in row["registers"]:
            extra = f" format={reg['format']}" if "format" in reg else ""
            click.echo(f"    {reg['level']:<5} {reg['kind']:<13} {reg['name']}{extra}")
        for problem in row["problems"]:
            click.echo(f"    problem: {problem}")
    return EXIT_OK


register_pipeline_commands(cli)

register_history_commands(cli)


def main() -> NoReturn:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli.main()
