"""Loading plugins: entry points, plugins dirs, allow/deny lists, failures, duplicates."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from hawkeye_core import (
    Detector,
    Level,
    RegistryError,
    Scanner,
    Settings,
    collect_registry,
    create_plugin_manager,
    hookimpl,
)
from hawkeye_core.testing import fresh_manager, run_pipeline
from tests.helpers import make_distribution, plugin

# The built-in scanner and detectors look at this machine, which varies: tests of
# loading run without them.
QUIET = Settings(disable_plugins=("discover_local", "scan_tcp", "detect_mcp"))

GOOD_PLUGIN = textwrap.dedent("""
    from hawkeye_core import Detector, ServerRef, hookimpl

    def find(ctx):
        yield ServerRef(transport="stdio", command=("{name}-server",), found_in="{name}")

    @hookimpl
    def hawkeye_detectors():
        yield Detector(name="{name}-detector", on="host", run=find)
""")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh site directory on sys.path, for fake installed distributions."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [m for m in sys.modules if m.startswith(("fakeplug", "hawkeye_site_"))]:
        del sys.modules[name]


def test_entry_point_plugins_load_from_an_installed_distribution(site: Path):
    make_distribution(
        site,
        "hawkeye-fake",
        "1.2.3",
        "fakeplug_good",
        GOOD_PLUGIN.format(name="fake"),
        entry_name="fake",
    )
    pm = create_plugin_manager(QUIET)
    info = pm.infos["fake"]
    assert (info.status, info.dist, info.version, info.source) == (
        "loaded",
        "hawkeye-fake",
        "1.2.3",
        "entry-point",
    )
    registry = collect_registry(pm)
    [entry] = [e for e in registry.detectors if e.plugin.name == "fake"]
    assert entry.level is Level.BATCH
    result = run_pipeline([], pm=pm)
    assert [s.command for s in result.servers] == [("fake-server",)]


def test_builtin_plugins_are_marked_builtin():
    pm = create_plugin_manager(Settings())
    assert pm.infos["report_json"].builtin and pm.infos["report_json"].dist == "hawkeye"


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load(site: Path):
    make_distribution(site, "hawkeye-good", "1.0", "fakeplug_ok", GOOD_PLUGIN.format(name="ok"))
    make_distribution(
        site,
        "hawkeye-broken",
        "0.1",
        "fakeplug_broken",
        "raise ImportError('missing dependency frobnicate')\n",
    )
    make_distribution(site, "hawkeye-exits", "0.1", "fakeplug_exits", "raise SystemExit(3)\n")
    pm = create_plugin_manager(QUIET)
    assert pm.infos["hawkeye-good"].status == "loaded"
    broken = pm.infos["hawkeye-broken"]
    assert broken.status == "failed" and "missing dependency frobnicate" in broken.error
    assert pm.infos["hawkeye-exits"].status == "failed"
    assert [s.command for s in run_pipeline([], pm=pm).servers] == [("ok-server",)]


def test_a_plugin_whose_registration_raises_keeps_its_records_so_far(site: Path):
    make_distribution(
        site,
        "hawkeye-half",
        "1.0",
        "fakeplug_half",
        textwrap.dedent("""
        from hawkeye_core import Detector, hookimpl

        @hookimpl
        def hawkeye_detectors():
            yield Detector(name="first", on="host", run=lambda ctx: None)
            raise RuntimeError("registration broke")
    """),
    )
    make_distribution(
        site,
        "hawkeye-invalid",
        "1.0",
        "fakeplug_invalid",
        textwrap.dedent("""
        from hawkeye_core import Detector, hookimpl

        @hookimpl
        def hawkeye_detectors():
            yield {"name": "not-a-record"}
            yield Detector(name="valid", on="host", run=lambda ctx: None)
    """),
    )
    pm = create_plugin_manager(QUIET)
    registry = collect_registry(pm)
    names = {e.record.name for e in registry.detectors}
    assert {"first", "valid"} <= names
    assert any("registration broke" in p for p in pm.infos["hawkeye-half"].problems)
    assert any("yielded dict" in p for p in pm.infos["hawkeye-invalid"].problems)


def test_an_invalid_record_fails_where_it_is_made():
    with pytest.raises(ValueError, match="name must be"):
        Scanner(name="Bad Name!", run=lambda t, c: None)
    with pytest.raises(TypeError, match="callable"):
        Detector(name="x", run="not callable")


def test_plugins_dir_detectors_load_by_file_name(tmp_path: Path, site: Path):
    (tmp_path / "mysite.py").write_text(GOOD_PLUGIN.format(name="site"))
    (tmp_path / "_private.py").write_text("raise RuntimeError('never imported')")
    (tmp_path / "broken.py").write_text("def broken(:\n")
    pm = create_plugin_manager(Settings(plugins_dir=[tmp_path]), entry_points=False)
    assert pm.infos["mysite"].source == "plugins-dir"
    assert pm.infos["broken"].status == "failed" and "SyntaxError" in pm.infos["broken"].error
    assert "_private" not in pm.infos
    assert [s.command for s in run_pipeline([], pm=pm).servers] == [("site-server",)]


def test_allow_and_deny_lists_filter_both_sources(tmp_path: Path, site: Path):
    make_distribution(
        site, "hawkeye-a", "1.0", "fakeplug_a", GOOD_PLUGIN.format(name="a"), entry_name="a"
    )
    make_distribution(
        site, "hawkeye-b", "1.0", "fakeplug_b", GOOD_PLUGIN.format(name="b"), entry_name="b"
    )
    (tmp_path / "c.py").write_text(GOOD_PLUGIN.format(name="c"))

    def loaded(**kw: object) -> set[str]:
        pm = create_plugin_manager(Settings(plugins_dir=[tmp_path], **kw))
        return {n for n, i in pm.infos.items() if i.status == "loaded"} & {"a", "b", "c"}

    assert loaded() == {"a", "b", "c"}
    assert loaded(disable_plugins=("b",)) == {"a", "c"}
    assert loaded(load_plugins=("a", "c")) == {"a", "c"}
    assert loaded(load_plugins=("hawkeye-b",)) == {"b"}  # by distribution name too
    pm = create_plugin_manager(Settings(disable_plugins=("a",)))
    assert pm.infos["a"].status == "disabled" and "disable_plugins" in pm.infos["a"].error


def test_two_records_with_one_name_is_an_error_naming_both_providers(site: Path):
    make_distribution(
        site, "hawkeye-one", "1.0", "fakeplug_one", GOOD_PLUGIN.format(name="x"), entry_name="one"
    )
    make_distribution(
        site, "hawkeye-two", "2.0", "fakeplug_two", GOOD_PLUGIN.format(name="x"), entry_name="two"
    )
    pm = create_plugin_manager(Settings())
    with pytest.raises(RegistryError) as err:
        collect_registry(pm)
    message = str(err.value)
    assert "'x-detector'" in message
    assert "hawkeye-one 1.0" in message and "hawkeye-two 2.0" in message


def test_configure_is_historic_and_a_failing_configure_unloads_only_that_plugin():
    seen = []
    early = plugin("early", hawkeye_configure=lambda config: seen.append(("early", config.rate)))
    bad = plugin("bad-config", hawkeye_configure=lambda config: 1 / 0)
    pm = fresh_manager(early, bad, settings=Settings(rate=5))
    late = plugin("late", hawkeye_configure=lambda config: seen.append(("late", config.rate)))
    pm.register_plugin(late, "late")
    assert seen == [("early", 5.0), ("late", 5.0)]
    assert pm.infos["bad-config"].status == "failed"
    assert "ZeroDivisionError" in pm.infos["bad-config"].error
    assert pm.get_plugin("bad-config") is None


def test_trace_plugins_logs_hook_calls(caplog: pytest.LogCaptureFixture):
    p = plugin("traced", hawkeye_before_run=lambda run: None)
    with caplog.at_level("INFO", logger="hawkeye"):
        run_pipeline([], p, settings=Settings(trace_plugins=True))
    assert any(
        "hawkeye_before_run" in r.getMessage() and "traced" in r.getMessage()
        for r in caplog.records
    )


def test_configure_without_parameters_is_valid_and_wrappers_on_lifecycle_hooks_are_reported():
    import pluggy

    calls = []

    class NoArgs:
        @hookimpl
        def hawkeye_configure(self):
            calls.append("configured")

    class Wrapper:
        @pluggy.HookimplMarker("hawkeye")(wrapper=True)
        def hawkeye_before_run(self, run):
            calls.append("wrapped")
            return (yield)

    pm = fresh_manager(NoArgs(), Wrapper())
    names = {type(p).__name__: n for n, p in pm.list_name_plugin()}
    assert calls == ["configured"]
    assert pm.infos[names["NoArgs"]].status == "loaded"
    assert any(
        "wrapper implementations are not supported" in p
        for p in pm.infos[names["Wrapper"]].problems
    )
    run_pipeline([], pm=pm)
    assert "wrapped" not in calls
