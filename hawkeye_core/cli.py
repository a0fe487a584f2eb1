"""The ``hawkeye`` command line.

Errors are one line on stderr and a non-zero exit, never a traceback: 2 for
usage and configuration errors, 3 when a report could not be written, 130 when
the run was interrupted (what was found is still written), 70 for a bug in
HawkEye itself (``-v`` shows its traceback).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from attrs import define

from hawkeye_core._version import __version__
from hawkeye_core.cli_store import register as register_history_commands
from hawkeye_core.config import ConfigError, Settings, load_settings, parse_headers
from hawkeye_core.levels import Level, parse_level_size
from hawkeye_core.manager import PluginManager, create_plugin_manager
from hawkeye_core.offline import OfflineFileError, load_files
from hawkeye_core.output import FindingStreams, OutputError, Plan, plan_outputs, write_outputs
from hawkeye_core.records import Severity
from hawkeye_core.registry import Registry, RegistryError, collect_registry
from hawkeye_core.result import ScanResult
from hawkeye_core.runner import Run
from hawkeye_core.store import Store, StoreError, default_db_path
from hawkeye_core.targets import TargetError, build_target_set

__all__ = ["cli", "main"]

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


def _setup_logging(verbosity: int) -> None:
    level = {-2: logging.CRITICAL, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}
    root = logging.getLogger("hawkeye")
    root.setLevel(level.get(max(-2, min(verbosity, 2)), logging.DEBUG))
    if not any(getattr(h, "_hawkeye", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Formatter())
        handler._hawkeye = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False


class HawkeyeGroup(click.Group):
    """The root group: built-in commands, plus those plugins add through ``hawkeye_commands``."""

    _plugins_loaded = False

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        state = _state_from(ctx)
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


def _state_from(ctx: click.Context) -> AppState:
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
    state = _state_from(ctx)
    _setup_logging(state.verbosity)


def _registry(state: AppState, settings: Settings) -> tuple[PluginManager, Registry]:
    pm = state.plugin_manager(settings)
    return pm, collect_registry(pm)


@cli.command("plugins")
@click.option("--all", "show_all", is_flag=True, help="Also list plugins that were not loaded.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins_command(ctx: click.Context, show_all: bool, as_json: bool) -> int:
    """List plugins: distribution, version, and what each registers on which level."""
    state = _state_from(ctx)
    pm, registry = _registry(state, state.settings())
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


def _level_options(values: tuple[str, ...], name: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for value in values:
        try:
            if name == "levels":
                level, size = parse_level_size(value)
                table[level.label] = size
            else:
                key, sep, seconds = value.partition("=")
                if not sep:
                    raise ValueError(
                        f"--deadline takes LEVEL=SECONDS (for example L3=30), not {value!r}"
                    )
                table[Level.parse(key).label] = seconds
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return {name: table} if table else {}


def _fail_on_option(command: Any) -> Any:
    return click.option(
        "--fail-on",
        "fail_on",
        type=click.Choice(SEVERITY_NAMES, case_sensitive=False),
        envvar="HAWKEYE_FAIL_ON",
        metavar="SEVERITY",
        help="Exit 1 when a finding at or above SEVERITY remains after suppressions "
        f"({', '.join(SEVERITY_NAMES)}); also HAWKEYE_FAIL_ON.",
    )(command)


def _exit_code(result: ScanResult, failed_outputs: int, fail_on: str | None) -> int:
    """The exit status of a finished run: interrupted, then output failures, then --fail-on."""
    if result.interrupted:
        click.echo("hawkeye: interrupted; the reports hold what was found", err=True)
        return EXIT_INTERRUPTED
    if failed_outputs:
        return EXIT_OUTPUT
    if fail_on is not None:
        threshold = Severity.parse(fail_on)
        over = sum(1 for f in result.findings if f.severity >= threshold)
        if over:
            click.echo(
                f"hawkeye: {over} finding{'s' if over != 1 else ''} at or above {threshold} "
                f"(--fail-on {threshold})",
                err=True,
            )
            return EXIT_FINDINGS
    return EXIT_OK


def _run_with_outputs(run: Run, plan: Plan) -> tuple[ScanResult, int]:
    """Run, streaming findings to the outputs that stream them; write the others at the end."""
    streams = FindingStreams(plan)
    streams.open()
    run.on_finding = streams.on_finding
    try:
        result = run.execute()
    finally:
        streamed = streams.close()
    return result, write_outputs(plan, result, streamed)


def output_options(command: Any) -> Any:
    """``-o FILE`` (repeatable) and ``--format NAME``, as every reporting command takes them."""
    command = click.option(
        "--format", "fmt", metavar="FORMAT", help="Report format on stdout (default: terminal)."
    )(command)
    return click.option(
        "-o",
        "--output",
        "outputs",
        multiple=True,
        metavar="FILE",
        help="Write a report; the format follows the extension (repeatable).",
    )(command)


@cli.command("scan")
@click.argument("targets", nargs=-1)
@click.option(
    "-iL",
    "--input-list",
    "target_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read targets from FILE (one or more a line, # comments).",
)
@click.option(
    "--from-nmap",
    "nmap_reports",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take the hosts and open ports of an nmap XML report (-oX).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="SPECS",
    help="Skip these addresses, blocks, ranges or hosts (comma-separated).",
)
@click.option(
    "-p",
    "--ports",
    metavar="PORTS",
    help="Ports to scan: 1-1024,3000,8000-8100 or - for all (default: the MCP preset).",
)
@click.option(
    "--top-ports",
    type=click.IntRange(min=1),
    metavar="N",
    help="Scan the N likeliest MCP ports of the preset.",
)
@click.option(
    "--connect-timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds a TCP connect may take (default 1).",
)
@click.option(
    "--max-retries",
    "retries",
    type=click.IntRange(min=0),
    metavar="N",
    help="Extra tries for a port that did not answer (default 1).",
)
@click.option(
    "--max-parallelism",
    "parallelism",
    type=click.IntRange(min=1),
    metavar="N",
    help="TCP connects in flight at once (default 1000).",
)
@output_options
@click.option(
    "--level",
    "levels",
    multiple=True,
    metavar="LN=SIZE",
    help="Concurrency of a level, e.g. --level L1=400 (repeatable).",
)
@click.option(
    "--deadline",
    "deadlines",
    multiple=True,
    metavar="LN=SECONDS",
    help="Per-call deadline of a level, e.g. --deadline L3=30 (repeatable).",
)
@click.option(
    "--rate", type=click.FloatRange(min=0, min_open=True), help="Global probes per second."
)
@click.option(
    "--host-rate", type=click.FloatRange(min=0, min_open=True), help="Probes per second per host."
)
@click.option(
    "--client-config",
    "client_configs",
    multiple=True,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also read this AI-client config file (repeatable).",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="NAME:VALUE",
    help="Send this HTTP header to the targets named on the command line (repeatable).",
)
@click.option(
    "--bearer",
    metavar="TOKEN",
    help="Send 'Authorization: Bearer TOKEN' to the targets named on the command line.",
)
@click.option(
    "--allow-exec",
    is_flag=True,
    help="Start stdio servers found in configs (sandboxed) to inventory them.",
)
@click.option("--no-local", is_flag=True, help="Skip local discovery (configs and processes).")
@click.option("--allow-large", is_flag=True, help=f"Allow sweeps over {65536:,} addresses.")
@click.option("--no-store", is_flag=True, help="Do not save this scan in the history.")
@_fail_on_option
@click.pass_context
def scan_command(
    ctx: click.Context,
    targets: tuple[str, ...],
    target_files: tuple[Path, ...],
    nmap_reports: tuple[Path, ...],
    exclude: tuple[str, ...],
    ports: str | None,
    top_ports: int | None,
    connect_timeout: float | None,
    retries: int | None,
    parallelism: int | None,
    outputs: tuple[str, ...],
    fmt: str | None,
    levels: tuple[str, ...],
    deadlines: tuple[str, ...],
    rate: float | None,
    host_rate: float | None,
    client_configs: tuple[Path, ...],
    headers: tuple[str, ...],
    bearer: str | None,
    allow_exec: bool,
    no_local: bool,
    allow_large: bool,
    no_store: bool,
    fail_on: str | None,
) -> int:
    """Scan TARGETS (default: this machine) for MCP servers and judge them.

    TARGETS are addresses, CIDR blocks, ranges (10.0.0.5-20), hostnames,
    host:port or http(s) URLs.
    """
    state = _state_from(ctx)
    overrides: dict[str, Any] = {
        **_level_options(levels, "levels"),
        **_level_options(deadlines, "deadlines"),
    }
    if rate is not None:
        overrides["rate"] = rate
    if host_rate is not None:
        overrides["host_rate"] = host_rate
    if no_local:
        overrides["local"] = False
    if client_configs:
        overrides["client_configs"] = [str(p) for p in client_configs]
    if allow_exec:
        overrides["allow_exec"] = True
    if allow_large:
        overrides["allow_large"] = True
    if no_store:
        overrides["store"] = False
    for key, value in (
        ("ports", ports),
        ("top_ports", top_ports),
        ("connect_timeout", connect_timeout),
        ("retries", retries),
        ("parallelism", parallelism),
    ):
        if value is not None:
            overrides[key] = value
    settings = state.settings(**overrides)
    if not (targets or target_files or nmap_reports):
        targets = ("localhost",)  # this machine
    target_set = build_target_set(
        targets, target_files=target_files, nmap_reports=nmap_reports, exclude=exclude
    )
    target_set.check_size(allow_large=settings.allow_large)
    if headers or bearer:
        settings = settings.evolve(
            headers=_parse_headers(headers, bearer),
            credential_hosts=tuple(
                s.host.lower() if s.host else str(s.first)
                for s in target_set.specs
                if s.host or (s.first is not None and s.first == s.last)
            ),
        )
    pm, registry = _registry(state, settings)
    try:
        plan = plan_outputs(registry, outputs, fmt)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    run = Run(pm, registry, settings, target_specs=target_set.labels())
    target_set.cache = run.cache
    target_set.on_error = lambda message: _count(run, "targets_unresolved")
    run.set_targets(target_set)
    # Opened before the run: a bad database fails now, not after an hour of scanning.
    store = Store(settings.db or default_db_path()) if settings.store else None
    try:
        result, failed = _run_with_outputs(run, plan)
        if store is not None:
            try:
                store.save_scan(result)
            except StoreError as exc:
                log.error("%s", exc)
                failed += 1
    finally:
        if store is not None:
            store.close()
    return _exit_code(result, failed, fail_on)


@cli.command("discover")
@output_options
@click.option(
    "--client-config",
    "client_configs",
    multiple=True,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also read this AI-client config file (repeatable).",
)
@click.pass_context
def discover_command(
    ctx: click.Context,
    outputs: tuple[str, ...],
    fmt: str | None,
    client_configs: tuple[Path, ...],
) -> int:
    """List the MCP servers configured or running on this host, contacting nothing.

    Runs only the host detectors (AI-client configs, processes): no scan, no
    connection to any server, no command from a config is started.
    """
    state = _state_from(ctx)
    overrides: dict[str, Any] = {"local": True}
    if client_configs:
        overrides["client_configs"] = [str(p) for p in client_configs]
    settings = state.settings(**overrides)
    pm, registry = _registry(state, settings)
    local_only = Registry(
        entries=[
            e
            for e in registry.entries
            if e.kind == "reporter" or (e.kind == "detector" and e.record.on == "host")
        ],
        problems=registry.problems,
    )
    try:
        plan = plan_outputs(local_only, outputs, fmt)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    run = Run(pm, local_only, settings, target_specs=["this host"])
    result, failed = _run_with_outputs(run, plan)
    return _exit_code(result, failed, None)


@cli.command("analyse")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options
@_fail_on_option
@click.pass_context
def analyse_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    outputs: tuple[str, ...],
    fmt: str | None,
    fail_on: str | None,
) -> int:
    """Analyse MCP definitions in FILES without contacting anything.

    FILES hold an MCP tools/list result ({"tools": [...]}, optionally with
    prompts, resources, instructions and serverInfo), a JSON list of tool
    objects, or a HawkEye JSON report. Only the analysers run.
    """
    state = _state_from(ctx)
    settings = state.settings(local=False)
    try:
        inventories = load_files(files)
    except OfflineFileError as exc:
        raise click.UsageError(str(exc)) from None
    pm, registry = _registry(state, settings)
    analysers_only = Registry(
        entries=[e for e in registry.entries if e.kind in ("analyser", "reporter")],
        problems=registry.problems,
    )
    try:
        plan = plan_outputs(analysers_only, outputs, fmt)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    run = Run(pm, analysers_only, settings, target_specs=[str(f) for f in files])
    run.seed(inventories)
    result, failed = _run_with_outputs(run, plan)
    return _exit_code(result, failed, fail_on)


def _parse_headers(headers: tuple[str, ...], bearer: str | None) -> tuple[tuple[str, str], ...]:
    try:
        return parse_headers(headers, bearer)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _count(run: Run, name: str) -> None:
    run.stats.incr(name)


register_history_commands(cli)


def main() -> NoReturn:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli.main()
