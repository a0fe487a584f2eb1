"""The commands that run the pipeline: ``scan``, ``discover`` and ``analyse``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hawkeye_core.cli_ai import ai_options, ai_overrides, check_ai_model, check_ai_plugin
from hawkeye_core.cli_state import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
    SEVERITY_NAMES,
    log,
    registry_for,
    state_from,
)
from hawkeye_core.config import parse_headers
from hawkeye_core.levels import Level, parse_level_size
from hawkeye_core.output import FindingStreams, OutputError, Plan, plan_outputs, write_outputs
from hawkeye_core.records import Severity
from hawkeye_core.registry import Registry
from hawkeye_core.result import ScanResult
from hawkeye_core.runner import Run
from hawkeye_core.store import Store, StoreError, default_db_path
from hawkeye_core.targets import build_target_set
from hawkeye_core.text import terminal_safe

__all__ = ["register"]


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


#: Unreadable files named on stderr by ``hawkeye analyse``; the rest are counted.
_MAX_FILE_ERRORS = 20


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


client_config_option = click.option(
    "--client-config",
    "client_configs",
    multiple=True,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also read this AI-client config file (repeatable).",
)


def _plan(registry: Registry, outputs: tuple[str, ...], fmt: str | None) -> Plan:
    """The reporters for ``-o``/``--format``, chosen before anything runs."""
    try:
        return plan_outputs(registry, outputs, fmt)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("scan")
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
@client_config_option
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
@click.option(
    "--exec-parallelism",
    type=click.IntRange(min=1),
    metavar="N",
    help="Stdio servers running at once with --allow-exec (default 4).",
)
@click.option("--no-local", is_flag=True, help="Skip local discovery (configs and processes).")
@click.option("--allow-large", is_flag=True, help=f"Allow sweeps over {65536:,} addresses.")
@click.option("--no-store", is_flag=True, help="Do not save this scan in the history.")
@ai_options
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
    exec_parallelism: int | None,
    no_local: bool,
    allow_large: bool,
    no_store: bool,
    ai_model: str | None,
    ai_max_tokens: int | None,
    ai_rate: float | None,
    fail_on: str | None,
) -> int:
    """Scan TARGETS (default: this machine) for MCP servers and judge them.

    TARGETS are addresses, CIDR blocks, ranges (10.0.0.5-20), hostnames,
    host:port or http(s) URLs.
    """
    state = state_from(ctx)
    overrides: dict[str, Any] = {
        **_level_options(levels, "levels"),
        **_level_options(deadlines, "deadlines"),
        **ai_overrides(ai_model, ai_max_tokens, ai_rate),
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
        ("exec_parallelism", exec_parallelism),
    ):
        if value is not None:
            overrides[key] = value
    settings = state.settings(**overrides)
    check_ai_model(settings, caps_given=ai_max_tokens is not None or ai_rate is not None)
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
    pm, registry = registry_for(state, settings)
    check_ai_plugin(pm, settings)
    plan = _plan(registry, outputs, fmt)
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


@click.command("discover")
@output_options
@client_config_option
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
    state = state_from(ctx)
    overrides: dict[str, Any] = {"local": True}
    if client_configs:
        overrides["client_configs"] = [str(p) for p in client_configs]
    settings = state.settings(**overrides)
    pm, registry = registry_for(state, settings)
    local_only = registry.only(
        lambda e: e.kind == "reporter" or (e.kind == "detector" and e.record.on == "host")
    )
    plan = _plan(local_only, outputs, fmt)
    run = Run(pm, local_only, settings, target_specs=["this host"])
    result, failed = _run_with_outputs(run, plan)
    return _exit_code(result, failed, None)


@click.command("analyse")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options
@ai_options
@_fail_on_option
@click.pass_context
def analyse_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    outputs: tuple[str, ...],
    fmt: str | None,
    ai_model: str | None,
    ai_max_tokens: int | None,
    ai_rate: float | None,
    fail_on: str | None,
) -> int:
    """Analyse MCP definitions in FILES without contacting any server.

    FILES hold an MCP tools/list result ({"tools": [...]}, optionally with
    prompts, resources, instructions and serverInfo), a JSON list of tool
    objects, or a HawkEye JSON report. Only the analysers run; with --ai-model
    the named model judges each server too, and nothing else is contacted.
    """
    state = state_from(ctx)
    settings = state.settings(local=False, **ai_overrides(ai_model, ai_max_tokens, ai_rate))
    check_ai_model(settings, caps_given=ai_max_tokens is not None or ai_rate is not None)
    pm, registry = registry_for(state, settings)
    check_ai_plugin(pm, settings)
    analysers_only = registry.only(lambda e: e.kind in ("analyser", "reporter"))
    plan = _plan(analysers_only, outputs, fmt)
    run = Run(pm, analysers_only, settings, target_specs=[str(f) for f in files])
    run.seed_files(files)
    result, failed = _run_with_outputs(run, plan)
    code = _exit_code(result, failed, fail_on)
    unreadable = [e for e in result.errors if e.kind == "intake"]
    for error in unreadable[:_MAX_FILE_ERRORS]:
        click.echo(f"hawkeye: error: {terminal_safe(error.error or error.subject, 500)}", err=True)
    if len(unreadable) > _MAX_FILE_ERRORS:
        click.echo(
            f"hawkeye: error: {len(unreadable) - _MAX_FILE_ERRORS} more files unreadable", err=True
        )
    if unreadable and code in (EXIT_OK, EXIT_FINDINGS):
        return EXIT_USAGE  # the others were analysed; the reports hold their findings
    return code


def _parse_headers(headers: tuple[str, ...], bearer: str | None) -> tuple[tuple[str, str], ...]:
    try:
        return parse_headers(headers, bearer)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _count(run: Run, name: str) -> None:
    run.stats.incr(name)


def register(cli: click.Group) -> None:
    """Add ``scan``, ``discover`` and ``analyse`` to the root group."""
    for command in (scan_command, discover_command, analyse_command):
        cli.add_command(command)
