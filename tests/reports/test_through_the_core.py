"""Reporters through the core: registration, a real run in every format, streaming,
progress and --fail-on."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hawkeye_report_html
import hawkeye_report_jsonl
import hawkeye_report_terminal
from hawkeye_core import (
    Analyser,
    Detector,
    Finding,
    Introspector,
    Location,
    ScanResult,
    ServerInventory,
    ServerRef,
    Settings,
    Tool,
    collect_registry,
    hookimpl,
)
from hawkeye_core.output import plan_outputs, write_outputs
from hawkeye_core.testing import fresh_manager, run_pipeline
from hawkeye_report_json import write_json
from hawkeye_report_jsonl import write_jsonl
from hawkeye_report_sarif import (
    sarif_log,
)
from tests.reports.support import (
    HOSTILE,
    IMG,
    REPORTER_PLUGINS,
    SCRIPT,
    FakeTerminal,
    assert_no_secret,
    finding_validator,
    render,
    report_validator,
    sarif_validator,
)


# -- through the core: registry, -o FILE, a real run --------------------------------------
def test_reporters_register_with_formats_and_extensions():
    registry = collect_registry(fresh_manager(*REPORTER_PLUGINS))
    formats = {r.record.format for r in registry.reporters}
    assert formats == {"json", "jsonl", "sarif", "html", "csv", "markdown", "terminal", "cyclonedx"}
    by_path = {
        p: registry.reporter_for_path(p).record.format
        for p in ("r.json", "r.sarif", "r.sarif.json", "r.jsonl", "r.ndjson", "r.HTML", "r.csv",
                  "r.md", "r.txt", "r.cdx.json")
    }  # fmt: skip
    assert by_path == {
        "r.json": "json",
        "r.sarif": "sarif",
        "r.sarif.json": "sarif",
        "r.jsonl": "jsonl",
        "r.ndjson": "jsonl",
        "r.HTML": "html",
        "r.csv": "csv",
        "r.md": "markdown",
        "r.txt": "terminal",
        "r.cdx.json": "cyclonedx",
    }


def test_every_format_writes_a_file_through_the_core(repo: Path, result: ScanResult):
    registry = collect_registry(fresh_manager(*REPORTER_PLUGINS))
    names = ["r.json", "r.jsonl", "r.sarif", "r.html", "r.csv", "r.md", "r.txt", "r.cdx.json"]
    plan = plan_outputs(registry, names, None)
    assert write_outputs(plan, result) == 0
    for name in names:
        content = (repo / name).read_text(encoding="utf-8")
        assert content and "\x1b" not in content
        assert_no_secret(content)
    report_validator().validate(json.loads((repo / "r.json").read_text()))
    assert not list(sarif_validator().iter_errors(json.loads((repo / "r.sarif").read_text())))


class _LabPlugin:
    """A host detector, an introspector and an analyser: one hostile server, two findings."""

    __name__ = "lab"

    @staticmethod
    @hookimpl
    def hawkeye_detectors() -> Iterator[Detector]:
        def detect(ctx: Any) -> ServerRef:
            return ServerRef(transport="sse", url="http://127.0.0.1:9/sse", name=f"lab{SCRIPT}")

        yield Detector(name="lab", on="host", run=detect)

    @staticmethod
    @hookimpl
    def hawkeye_introspectors() -> Iterator[Introspector]:
        def introspect(ref: ServerRef, ctx: Any) -> ServerInventory:
            return ServerInventory(ref=ref, tools=(Tool(name="t", description=HOSTILE),))

        yield Introspector(name="lab", transports={"sse"}, run=introspect)

    @staticmethod
    @hookimpl
    def hawkeye_analysers() -> Iterator[Analyser]:
        def analyse(inventory: ServerInventory, ctx: Any) -> Iterator[Finding]:
            for severity in ("high", "low"):
                yield Finding(
                    rule_id=f"LAB-{severity}",
                    severity=severity,
                    title=IMG,
                    evidence=inventory.tools[0].description,
                    location=Location(server=inventory.ref.name, tool="t"),
                )

        yield Analyser(name="lab", run=analyse)


def test_a_real_run_reports_in_every_format(repo: Path):
    scan = run_pipeline((), _LabPlugin(), settings=Settings(local=True))
    assert len(scan.findings) == 2 and len(scan.inventories) == 1
    report_validator().validate(json.loads(render(write_json, scan)))
    assert not list(sarif_validator().iter_errors(sarif_log(scan)))
    page = render(hawkeye_report_html.write_html, scan)
    assert "<script" not in page and "lab&lt;script&gt;" in page
    assert len(render(write_jsonl, scan).splitlines()) == 2


# -- with the core's streaming, progress and --fail-on (issue 7) ---------------------------
def _core_streams() -> bool:
    import hawkeye_core.output

    return hasattr(hawkeye_core.output, "FindingStreams")


def _core_progress() -> bool:
    from hawkeye_core import hookspecs

    return hasattr(hookspecs, "hawkeye_on_progress")


def _core_fail_on() -> bool:
    from hawkeye_core import cli

    scan = cli.cli.commands["scan"]
    return any(p.name == "fail_on" for p in scan.params)


needs_streams = pytest.mark.skipif(
    not _core_streams(), reason="the core does not stream findings to outputs yet (issue 7)"
)
needs_progress = pytest.mark.skipif(
    not _core_progress(), reason="the core has no hawkeye_on_progress hook yet (issue 7)"
)
needs_fail_on = pytest.mark.skipif(
    not _core_fail_on(), reason="scan has no --fail-on yet (issue 7)"
)


@needs_streams
def test_jsonl_lines_reach_the_file_while_the_run_goes_on(repo: Path):
    from hawkeye_core import Run
    from hawkeye_core.output import FindingStreams

    path = repo / "findings.jsonl"
    seen: list[int] = []

    class Watcher:
        __name__ = "watcher"

        @staticmethod
        @hookimpl
        def hawkeye_on_finding(finding: Finding, run: Any) -> None:
            seen.append(len(path.read_text().splitlines()))  # what tail -f shows now

    pm = fresh_manager(_LabPlugin(), hawkeye_report_jsonl, Watcher(), settings=Settings())
    registry = collect_registry(pm)
    plan = plan_outputs(registry, [str(path)], None)
    streams = FindingStreams(plan)
    streams.open()
    run = Run(pm, registry, Settings(), on_finding=streams.on_finding)
    scan = run.execute()
    streamed = streams.close()
    assert streamed == {0}
    assert write_outputs(plan, scan, streamed) == 0
    assert seen == [1, 2]
    assert path.read_text() == render(write_jsonl, scan)


@needs_progress
def test_progress_is_drawn_on_a_terminal_stderr_only(monkeypatch: pytest.MonkeyPatch):
    import time

    class Slow:
        __name__ = "slow"

        @staticmethod
        @hookimpl
        def hawkeye_analysers() -> Iterator[Analyser]:
            def wait(inventory: ServerInventory, ctx: Any) -> None:
                time.sleep(1.6)

            yield Analyser(name="slow", run=wait)

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "200")
    for stderr, drawn in ((FakeTerminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr("sys.stderr", stderr)
        run_pipeline((), _LabPlugin(), Slow(), hawkeye_report_terminal, settings=Settings())
        text = stderr.getvalue()
        if drawn:
            assert "\r\x1b[KHawkEye " in text and "findings 2 (1 high)" in text
            assert text.endswith("\r\x1b[K")  # the line is erased at the end
        else:
            assert text == ""


LAB_SITE_PLUGIN = """
from hawkeye_core import (
    Analyser, Detector, Finding, Introspector, Location, Reporter, ServerInventory, ServerRef,
    Tool, hookimpl,
)


@hookimpl
def hawkeye_detectors():
    yield Detector(name="lab", on="host", run=lambda ctx: ServerRef(
        transport="sse", url="http://127.0.0.1:9/sse", name="lab"))


@hookimpl
def hawkeye_introspectors():
    yield Introspector(name="lab", transports={"sse"},
                       run=lambda ref, ctx: ServerInventory(ref=ref, tools=(Tool(name="t"),)))


def analyse(inventory, ctx):
    for severity in ("high", "low"):
        yield Finding(rule_id=f"LAB-{severity.upper()}", severity=severity, title=severity,
                      location=Location(server="lab", tool="t"))


@hookimpl
def hawkeye_analysers():
    yield Analyser(name="lab", run=analyse)


def boom(result, stream):
    raise OSError("disk full")


@hookimpl
def hawkeye_reporters():
    yield Reporter(name="boom", format="boom", extensions=(".boom",), write=boom)
"""


@pytest.fixture
def lab_cli(tmp_path: Path) -> Any:
    from tests.helpers import hawkeye

    plugins = tmp_path / "site"
    plugins.mkdir()
    (plugins / "fakelab.py").write_text(LAB_SITE_PLUGIN)
    env = {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "HAWKEYE_DISABLE_PLUGINS": "discover_local,detect_mcp,scan_tcp,introspect_mcp",
    }

    def run(*args: str, **more_env: str) -> Any:
        return hawkeye(
            "--plugins-dir", str(plugins), "scan", "-p", "1", "127.0.0.1", *args,
            cwd=tmp_path, env={**env, **more_env},
        )  # fmt: skip

    return run


@needs_fail_on
@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        ((), {}, 0),
        (("--fail-on", "high"), {}, 1),
        (("--fail-on", "LOW"), {}, 1),
        (("--fail-on", "critical"), {}, 0),
        ((), {"HAWKEYE_FAIL_ON": "high"}, 1),
        (("--fail-on", "bogus"), {}, 2),
        (("--fail-on", "high", "-o", "r.boom"), {}, 3),
    ],
)
def test_fail_on_exit_codes(
    lab_cli: Any, tmp_path: Path, args: tuple[str, ...], env: dict[str, str], code: int
):
    done = lab_cli("-o", "r.json", *args, **env)
    assert done.returncode == code, done.stderr
    if code == 1:
        assert "1 finding at or above" in done.stderr or "2 findings at or above" in done.stderr
    if code != 2:
        report_validator().validate(json.loads((tmp_path / "r.json").read_text()))


@needs_fail_on
def test_fail_on_counts_only_findings_left_after_suppressions(lab_cli: Any, tmp_path: Path):
    (tmp_path / "hawkeye.toml").write_text(
        '[[suppress]]\nrule = "LAB-HIGH"\nreason = "accepted for the test"\n'
    )
    assert lab_cli("--fail-on", "high").returncode == 0
    low = lab_cli("--fail-on", "low", "-o", "f.jsonl")
    assert low.returncode == 1, low.stderr
    lines = (tmp_path / "f.jsonl").read_text().splitlines()
    assert [json.loads(line)["rule_id"] for line in lines] == ["LAB-LOW"]
    for line in lines:
        finding_validator().validate(json.loads(line))
