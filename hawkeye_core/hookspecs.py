# mypy: disable-error-code="empty-body"
# Hookspecs are signatures and documentation; pluggy never runs their bodies.
"""The ``hawkeye_`` hooks.

Registration hooks are plural nouns that yield records; lifecycle hooks are
called by the runner on the main thread. Every docstring has the same parts:
a summary, ``When``, ``Thread``, ``:param:`` lines, ``:returns:`` and an
``Example``. ``docs/hooks.md`` repeats them and a test keeps both in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from hawkeye_core.config import Settings
    from hawkeye_core.kinds import Analyser, Detector, Introspector, Reporter, Scanner
    from hawkeye_core.records import Finding
    from hawkeye_core.result import ScanResult
    from hawkeye_core.runner import Run

hookspec = pluggy.HookspecMarker("hawkeye")

__all__ = ["hookspec"]


@hookspec
def hawkeye_scanners() -> Iterable[Scanner]:
    """Register port scanners, which run on level L1 (SCAN).

    When: once per run, when the plugin manager collects its registry.

    Thread: the main thread. Each ``Scanner.run(target, ctx)`` is later called
    on an L1 thread (``HawkEye-Scanner_N``), or on the L1 event loop
    (``HawkEye-Scanner-loop``) if it is ``async``.

    :returns: an iterable of :class:`hawkeye_core.Scanner` records (a generator
        is fine). A record that is not a ``Scanner`` is reported and skipped.

    Example::

        @hookimpl
        def hawkeye_scanners():
            yield Scanner(name="tcp", run=scan_target)
    """


@hookspec
def hawkeye_detectors() -> Iterable[Detector]:
    """Register MCP detectors, which run on level L2 (BATCH).

    When: once per run, when the plugin manager collects its registry.

    Thread: the main thread. ``Detector.run`` is later called on an L2 thread
    (``HawkEye-Batch_N``) or the L2 event loop: with each open
    :class:`hawkeye_core.Endpoint` (``on="endpoint"``) or once per run
    (``on="host"``, for configs and processes).

    :returns: an iterable of :class:`hawkeye_core.Detector` records.

    Example::

        @hookimpl
        def hawkeye_detectors():
            yield Detector(name="my-config", on="host", run=read_my_config)
    """


@hookspec
def hawkeye_introspectors() -> Iterable[Introspector]:
    """Register introspectors, which talk to MCP servers on level L3 (INTROSPECT).

    When: once per run, when the plugin manager collects its registry.

    Thread: the main thread. ``Introspector.run(ref, ctx)`` is later called on
    an L3 thread (``HawkEye-MCP_N``) or the L3 event loop, once for each
    :class:`hawkeye_core.ServerRef` whose transport it accepts.

    :returns: an iterable of :class:`hawkeye_core.Introspector` records.

    Example::

        @hookimpl
        def hawkeye_introspectors():
            yield Introspector(name="sdk", transports={"streamable-http"}, run=inventory)
    """


@hookspec
def hawkeye_analysers() -> Iterable[Analyser]:
    """Register analysers, which judge servers on level L4 (ANALYSE).

    When: once per run, when the plugin manager collects its registry.

    Thread: the main thread. ``Analyser.run`` is later called on an L4 thread
    (``HawkEye-AI_N``) or the L4 event loop: with each
    :class:`hawkeye_core.ServerInventory` (``scope="server"``), or once with
    all of them at the end (``scope="run"``).

    :returns: an iterable of :class:`hawkeye_core.Analyser` records.

    Example::

        @hookimpl
        def hawkeye_analysers():
            yield Analyser(name="no-auth", run=check_auth)
    """


@hookspec
def hawkeye_reporters() -> Iterable[Reporter]:
    """Register output formats.

    When: once per run, when the plugin manager collects its registry.

    Thread: the main thread; ``Reporter.write(result, stream)`` is also called
    on the main thread, after the run (after Ctrl-C too).

    :returns: an iterable of :class:`hawkeye_core.Reporter` records.

    Example::

        @hookimpl
        def hawkeye_reporters():
            yield Reporter(name="csv", format="csv", extensions=(".csv",), write=write_csv)
    """


@hookspec
def hawkeye_commands(cli: click.Group) -> None:
    """Add commands to the ``hawkeye`` command line.

    When: when the CLI looks up a command that is not built in, or lists them
    for ``--help``.

    Thread: the main thread.

    :param cli: the root ``click.Group``; call ``cli.add_command(...)``.
    :returns: nothing.

    Example::

        @hookimpl
        def hawkeye_commands(cli):
            cli.add_command(my_command)
    """


@hookspec(historic=True)
def hawkeye_configure(config: Settings) -> None:
    """Receive the run's settings (historic: late plugins get them too).

    When: once, after the settings are read and the plugins registered; a
    plugin registered later is called at registration.

    Thread: the main thread.

    :param config: the frozen :class:`hawkeye_core.Settings`; plugin options are
        in ``config.plugin_options(name)``.
    :returns: nothing.

    Example::

        @hookimpl
        def hawkeye_configure(config):
            global OPTIONS
            OPTIONS = config.plugin_options("my-plugin")
    """


@hookspec
def hawkeye_before_run(run: Run) -> None:
    """Prepare for a run, before any work is submitted.

    When: once per run, after the levels are started and before the first
    scanner or detector is called.

    Thread: the main thread.

    :param run: the :class:`hawkeye_core.Run` about to start (its settings,
        registry and counters).
    :returns: nothing. An exception is reported as an error of that plugin and
        the run goes on.

    Example::

        @hookimpl
        def hawkeye_before_run(run):
            run.log.info("scanning with %d plugins", len(run.registry.work))
    """


@hookspec
def hawkeye_on_finding(finding: Finding, run: Run) -> None:
    """See each finding as soon as it is made.

    When: once per finding, as soon as the runner receives it from an
    analyser, while the run goes on.

    Thread: the main thread, never a level thread: no locking needed.

    :param finding: the :class:`hawkeye_core.Finding` (its ``plugin`` is set).
    :param run: the running :class:`hawkeye_core.Run`.
    :returns: nothing. An exception is reported as an error of that plugin and
        the run goes on.

    Example::

        @hookimpl
        def hawkeye_on_finding(finding, run):
            # a title may quote what a server sent: escape it for the terminal
            print(finding.rule_id, terminal_safe(finding.title), flush=True)
    """


@hookspec
def hawkeye_on_progress(run: Run, stats: Mapping[str, int], elapsed: float) -> None:
    """See how a run is going, for a progress display.

    When: about every half second while the run goes on (never after it ended;
    ``hawkeye_after_run`` comes then).

    Thread: the main thread, between events: return quickly, do not block.

    :param run: the running :class:`hawkeye_core.Run`.
    :param stats: a consistent snapshot of the run's counters (``targets``,
        ``endpoints_open``, ``servers``, ``inventories``, ``findings``, ``calls``,
        ``timeouts``, ...).
    :param elapsed: seconds since the run started.
    :returns: nothing. An exception is reported as an error of that plugin and
        the run goes on.

    Example::

        @hookimpl
        def hawkeye_on_progress(run, stats, elapsed):
            if sys.stderr.isatty():
                print(f"\r{elapsed:.0f} s: {stats.get('findings', 0)} findings",
                      end="", file=sys.stderr)
    """


@hookspec
def hawkeye_after_run(run: Run, result: ScanResult) -> None:
    """See the finished run, always.

    When: once per run, from a ``finally``: after a normal end, after Ctrl-C
    and after an error in the runner itself.

    Thread: the main thread.

    :param run: the :class:`hawkeye_core.Run` that ended.
    :param result: the :class:`hawkeye_core.ScanResult` with everything found
        (``result.interrupted`` says whether it was cut short).
    :returns: nothing. An exception is reported and the other plugins still run.

    Example::

        @hookimpl
        def hawkeye_after_run(run, result):
            notify(f"{len(result.findings)} findings")
    """


def hook_names() -> list[str]:
    """Names of every ``hawkeye_`` hook, in definition order."""
    return [name for name in globals() if name.startswith("hawkeye_")]
