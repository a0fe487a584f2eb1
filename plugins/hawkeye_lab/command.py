"""``hawkeye lab``: run the vulnerable lab on loopback and say how to scan it.

Exit status: 0 after the lab ran and stopped (Ctrl-C or ``--duration``), 2 when
it could not start (a port in use: one line naming it) or the config file could
not be written.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import click

from hawkeye_lab.catalogue import NETWORK_COUNT
from hawkeye_lab.runner import (
    DEFAULT_HOST,
    DEFAULT_PORT_BASE,
    Lab,
    LabError,
    LabServer,
    planned_servers,
    start_lab,
)
from hawkeye_lab.servers import LAB_TOKEN

__all__ = ["lab_command", "render_table"]


class LabStartError(click.ClickException):
    """The lab could not start: a one-line message and exit status 2."""

    exit_code = 2


def render_table(servers: Sequence[LabServer]) -> list[str]:
    """The lines of the table of lab servers: where, name, transport, what is wrong, rules."""
    rows = [("WHERE", "SERVER", "TRANSPORT", "WHAT IS WRONG", "RULES")]
    rows.extend(
        (s.where, s.name, s.transport, s.summary, " ".join(s.rules) or "-") for s in servers
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    ]


def _echo_plan(lab: Lab, config_out: Path | None) -> None:
    for line in render_table(lab.servers):
        click.echo("  " + line)
    click.echo("")
    click.echo("Scan it:")
    commands = lab.scan_commands(config_out)
    for command in commands:
        click.echo(f"  {command}")
    if config_out is None and any("--client-config" in c for c in commands):
        click.echo("  (write that file first: hawkeye lab --config-out lab-mcp.json)")
    oauth = next((s for s in lab.servers if s.key == "oauth"), None)
    if oauth is not None and oauth.url:
        click.echo(f"  hawkeye inspect {oauth.url} --bearer {LAB_TOKEN}")
    click.echo("Scan twice: the second scan sees daily-facts' rug pull (HE-RUG-001).")
    click.echo("What is wrong with each server, and why: docs/lab.md.")


def _fail(exc: LabError) -> click.ClickException:
    return LabStartError(str(exc))


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM (``kill``, ``timeout``, a container stop) end the lab as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("lab")
@click.option(
    "--port-base",
    type=click.IntRange(min=1, max=65536 - NETWORK_COUNT),
    default=DEFAULT_PORT_BASE,
    show_default=True,
    metavar="PORT",
    help=f"First port; the {NETWORK_COUNT} network servers take it and the next ones.",
)
@click.option("--list", "list_only", is_flag=True, help="Print the servers and exit.")
@click.option(
    "--duration",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop after SECONDS (default: run until Ctrl-C).",
)
@click.option(
    "--config-out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write a client config naming every lab server, the stdio ones included.",
)
def lab_command(
    port_base: int, list_only: bool, duration: float | None, config_out: Path | None
) -> None:
    """Run intentionally vulnerable MCP servers on 127.0.0.1 to practise on.

    Poisoned tools, hidden Unicode, tool shadowing, a rug pull, an
    unauthenticated shell, an OAuth-protected server, a hostile server, a clean
    one, a legacy SSE server and stdio servers. Nothing listens beyond loopback,
    and no tool runs a command, sends a message or keeps what it is given.
    """
    if list_only:
        planned = Lab(planned_servers(port_base), [], DEFAULT_HOST)
        click.echo(f"HawkEye lab: {len(planned.servers)} servers (not started)")
        _echo_plan(planned, config_out)
        return
    try:
        lab = start_lab(port_base)
    except LabError as exc:
        raise _fail(exc) from None
    try:
        with lab, _sigterm_as_interrupt():
            _serve(lab, duration, config_out)
    except KeyboardInterrupt:
        click.echo("")
    click.echo("Lab stopped.")


def _serve(lab: Lab, duration: float | None, config_out: Path | None) -> None:
    """Write the config, print the plan, then wait for the end (Ctrl-C or ``duration``)."""
    if config_out is not None:
        try:
            lab.write_config(config_out)
        except LabError as exc:
            raise _fail(exc) from None
    stdio = len(lab.servers) - len(lab.network)
    written = f" {config_out}" if config_out else " (--config-out)"
    click.echo(
        f"HawkEye lab: {len(lab.network)} MCP servers on {lab.host} only, "
        f"{stdio} stdio servers for the client config{written}"
    )
    _echo_plan(lab, config_out)
    click.echo("")
    click.echo(f"Serving for {duration:g} s." if duration else "Serving until Ctrl-C.")
    threading.Event().wait(duration)
