"""The streaming runner: levels, isolation, deadlines, breakers, lifecycle hooks."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from hawkeye_core import (
    Analyser,
    CallProblem,
    Detector,
    Endpoint,
    Finding,
    Introspector,
    Level,
    Location,
    Scanner,
    ServerInventory,
    ServerRef,
    Settings,
    Severity,
    Tool,
)
from hawkeye_core.testing import fresh_manager, registered, run_pipeline
from tests.helpers import plugin


@pytest.fixture
def listeners() -> Iterator[list[int]]:
    """Three real TCP listeners on loopback; yields their ports."""
    socks = []
    for _ in range(3):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        socks.append(s)
    yield [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()


def connect_scanner(ports: list[int], threads: dict[str, set[str]]):
    """A real connect scanner: one endpoint per port, open or closed."""

    def scan(target, ctx):
        threads.setdefault("scanner", set()).add(threading.current_thread().name)
        for port in ports:
            with socket.socket() as s:
                s.settimeout(2)
                state = "open" if s.connect_ex((target.host, port)) == 0 else "closed"
            yield Endpoint(host=target.host, port=port, state=state)

    return scan


def full_pipeline(ports: list[int], threads: dict[str, set[str]], *, async_levels=False):
    """Scanner -> detector -> introspector -> analyser, each recording its thread."""

    def note(kind: str) -> None:
        threads.setdefault(kind, set()).add(threading.current_thread().name)

    def detect(endpoint, ctx):
        note("detector")
        return ServerRef(
            transport="streamable-http",
            url=f"http://{endpoint.host}:{endpoint.port}/mcp",
            found_in=f"{endpoint.host}:{endpoint.port}",
        )

    async def detect_async(endpoint, ctx):
        await asyncio.sleep(0)
        return detect(endpoint, ctx)

    def introspect(ref, ctx):
        note("introspector")
        return ServerInventory(
            ref=ref, tools=[Tool(name="run_shell", description="Runs a command")]
        )

    def analyse(inventory, ctx):
        note("analyser")
        for tool in inventory.tools:
            yield Finding(rule_id="T001", severity="high", title=f"shell tool {tool.name}")

    return plugin(
        "pipeline",
        hawkeye_scanners=lambda: [Scanner(name="connect", run=connect_scanner(ports, threads))],
        hawkeye_detectors=lambda: [
            Detector(name="http", run=detect_async if async_levels else detect)
        ],
        hawkeye_introspectors=lambda: [Introspector(name="inv", run=introspect)],
        hawkeye_analysers=lambda: [Analyser(name="shell", run=analyse)],
    )


def test_records_run_on_the_level_their_hookspec_names(listeners):
    threads: dict[str, set[str]] = {}
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    result = run_pipeline(["127.0.0.1"], full_pipeline([*listeners, closed_port], threads))

    assert {e.port for e in result.endpoints} == set(listeners)
    assert result.stats["endpoints_closed"] == 1
    assert len(result.servers) == 3 and len(result.inventories) == 3
    assert [f.rule_id for f in result.findings] == ["T001"] * 3
    assert all(f.plugin == "pipeline:shell" for f in result.findings)
    assert all(n.startswith("HawkEye-Scanner_") for n in threads["scanner"])
    assert all(n.startswith("HawkEye-Batch_") for n in threads["detector"])
    assert all(n.startswith("HawkEye-MCP_") for n in threads["introspector"])
    assert all(n.startswith("HawkEye-AI_") for n in threads["analyser"])
    assert result.errors == ()
    # the level pools' own bookkeeping agrees with what the plugins saw
    assert (
        result.stats["L1_completed"],
        result.stats["L2_completed"],
        result.stats["L3_completed"],
        result.stats["L4_completed"],
    ) == (1, 3, 3, 3)


def test_async_run_callables_run_on_the_levels_event_loop(listeners):
    threads: dict[str, set[str]] = {}
    seen: list[str] = []

    async def detect(endpoint, ctx):
        seen.append(threading.current_thread().name)
        await asyncio.sleep(0.01)
        return ServerRef(transport="sse", url=f"http://127.0.0.1:{endpoint.port}/sse")

    async def agen_introspect(ref, ctx):
        seen.append(threading.current_thread().name)
        yield ServerInventory(ref=ref)

    p = plugin(
        "async-plugin",
        hawkeye_scanners=lambda: [Scanner(name="connect", run=connect_scanner(listeners, threads))],
        hawkeye_detectors=lambda: [Detector(name="async-http", run=detect)],
        hawkeye_introspectors=lambda: [Introspector(name="agen", run=agen_introspect)],
    )
    result = run_pipeline(["127.0.0.1"], p)
    assert len(result.inventories) == 3
    assert set(seen) == {"HawkEye-Batch-loop", "HawkEye-MCP-loop"}


def test_a_record_may_name_another_level(listeners):
    threads: list[str] = []

    def detect(endpoint, ctx):
        threads.append(threading.current_thread().name)

    p = plugin(
        "override",
        hawkeye_scanners=lambda: [Scanner(name="connect", run=connect_scanner(listeners, {}))],
        hawkeye_detectors=lambda: [Detector(name="slow", run=detect, level=Level.INTROSPECT)],
    )
    run_pipeline(["127.0.0.1"], p)
    assert threads and all(t.startswith("HawkEye-MCP_") for t in threads)


def test_work_streams_to_the_next_level_before_the_scanner_finishes():
    # The scanner waits until the detector has seen its first endpoint: with a
    # barrier between levels this could never happen and the scanner would time out.
    detected = threading.Event()

    def scan(target, ctx):
        yield Endpoint(host=target.host, port=1111)
        assert detected.wait(10), "the detector never saw the first endpoint"
        yield Endpoint(host=target.host, port=2222)

    def detect(endpoint, ctx):
        detected.set()

    p = plugin(
        "stream",
        hawkeye_scanners=lambda: [Scanner(name="s", run=scan)],
        hawkeye_detectors=lambda: [Detector(name="d", run=detect)],
    )
    result = run_pipeline(["127.0.0.1"], p)
    assert result.errors == ()
    assert [e.port for e in result.endpoints] == [1111, 2222]


def test_a_raising_plugin_becomes_an_outcome_and_the_others_results_stay(listeners):
    def broken(endpoint, ctx):
        raise RuntimeError("detector exploded")

    good = full_pipeline(listeners, {})
    bad = plugin("bad", hawkeye_detectors=lambda: [Detector(name="broken", run=broken)])
    result = run_pipeline(["127.0.0.1"], good, bad)
    assert len(result.findings) == 3
    errors = [o for o in result.errors if o.plugin == "bad:broken"]
    assert len(errors) == 3
    assert all(o.status == "error" and "detector exploded" in o.error for o in errors)
    assert all(o.level == 2 and o.kind == "detector" for o in errors)


def test_a_hung_call_is_abandoned_at_its_deadline_and_the_run_goes_on(listeners):
    release = threading.Event()

    def hang(endpoint, ctx):
        release.wait(30)

    async def hang_async(endpoint, ctx):
        await asyncio.sleep(30)

    good = full_pipeline(listeners, {})
    hung = plugin(
        "hung",
        hawkeye_detectors=lambda: [
            Detector(name="sync", run=hang, timeout=0.3),
            Detector(name="async", run=hang_async, timeout=0.3),
        ],
    )
    started = time.monotonic()
    try:
        result = run_pipeline(["127.0.0.1"], good, hung)
    finally:
        release.set()
    assert time.monotonic() - started < 20
    assert len(result.findings) == 3
    timeouts = [o for o in result.errors if o.status == "timeout"]
    assert {o.plugin for o in timeouts} == {"hung:sync", "hung:async"}
    assert len(timeouts) == 6


def test_a_plugin_that_keeps_failing_is_cut_off_by_its_breaker():
    calls = []

    def scan(target, ctx):
        for port in range(1, 21):
            yield Endpoint(host=target.host, port=port)

    def broken(endpoint, ctx):
        calls.append(endpoint.port)
        raise ValueError("no")

    p = plugin(
        "flaky",
        hawkeye_scanners=lambda: [Scanner(name="s", run=scan)],
        hawkeye_detectors=lambda: [Detector(name="broken", run=broken)],
    )
    settings = Settings(breaker_threshold=3, breaker_reset=60, levels={Level.BATCH: 1})
    result = run_pipeline(["127.0.0.1"], p, settings=settings)
    statuses = [o.status for o in result.errors]
    assert statuses.count("error") == 3 and len(calls) == 3
    assert statuses.count("skipped") == 17
    assert result.stats["skipped"] == 17


def test_a_call_problem_is_an_error_outcome_but_does_not_open_the_breaker():
    calls = []

    def scan(target, ctx):
        for port in range(1, 11):
            yield Endpoint(host=target.host, port=port)

    def picky(endpoint, ctx):
        calls.append(endpoint.port)
        raise CallProblem(f"port {endpoint.port} could not be handled")

    p = plugin(
        "picky",
        hawkeye_scanners=lambda: [Scanner(name="s", run=scan)],
        hawkeye_detectors=lambda: [Detector(name="picky", run=picky)],
    )
    settings = Settings(breaker_threshold=3, breaker_reset=60, levels={Level.BATCH: 1})
    result = run_pipeline(["127.0.0.1"], p, settings=settings)
    assert len(calls) == 10  # never cut off
    assert [o.status for o in result.errors] == ["error"] * 10
    assert all(o.error_type == "CallProblem" for o in result.errors)
    assert "could not be handled" in (result.errors[0].error or "")
    assert result.stats.get("skipped", 0) == 0


def test_records_of_the_wrong_type_are_dropped_and_reported():
    def scan(target, ctx):
        yield {"host": target.host, "port": 80}  # a dict, not an Endpoint
        yield Endpoint(host=target.host, port=81)

    p = plugin("sloppy", hawkeye_scanners=lambda: [Scanner(name="s", run=scan)])
    pm = fresh_manager(p)
    result = run_pipeline(["127.0.0.1"], pm=pm)
    assert [e.port for e in result.endpoints] == [81]
    assert result.stats["invalid_records"] == 1
    assert any("produced dict" in p for p in pm.infos["sloppy"].problems)


def test_lifecycle_hooks_run_on_the_main_thread_and_after_run_always_runs(listeners):
    seen: list[tuple[str, str]] = []

    def note(name):
        seen.append((name, threading.current_thread().name))

    p = plugin(
        "life",
        hawkeye_before_run=lambda run: note("before"),
        hawkeye_on_finding=lambda finding, run: note("finding"),
        hawkeye_after_run=lambda run, result: note("after"),
    )
    broken = plugin(
        "broken-hooks",
        hawkeye_before_run=lambda run: 1 / 0,
        hawkeye_on_finding=lambda finding, run: 1 / 0,
    )
    result = run_pipeline(["127.0.0.1"], full_pipeline(listeners, {}), p, broken)
    main = threading.main_thread().name
    assert [s[0] for s in seen] == ["before", "finding", "finding", "finding", "after"]
    assert all(thread == main for _, thread in seen)
    hook_errors = [o for o in result.errors if o.kind == "hook"]
    assert {o.subject for o in hook_errors} == {"hawkeye_before_run", "hawkeye_on_finding"}
    assert len(result.findings) == 3


def test_run_scope_analysers_see_every_inventory_once(listeners):
    got: list[int] = []

    def cross(inventories, ctx):
        got.append(len(inventories))
        return Finding(rule_id="X001", severity=Severity.MEDIUM, title="cross-server")

    p = plugin("cross", hawkeye_analysers=lambda: [Analyser(name="x", scope="run", run=cross)])
    result = run_pipeline(["127.0.0.1"], full_pipeline(listeners, {}), p)
    assert got == [3]
    assert [f.rule_id for f in result.findings].count("X001") == 1


def test_host_detectors_run_once_without_targets():
    found = []

    def local(ctx):
        found.append(threading.current_thread().name)
        yield ServerRef(
            transport="stdio", command=("npx", "-y", "server"), found_in="/tmp/cfg.json"
        )

    p = plugin("local", hawkeye_detectors=lambda: [Detector(name="cfg", on="host", run=local)])
    result = run_pipeline([], p)
    assert len(found) == 1 and found[0].startswith("HawkEye-Batch_")
    assert [s.command for s in result.servers] == [("npx", "-y", "server")]
    assert run_pipeline([], p, settings=Settings(local=False)).servers == ()


def test_duplicate_servers_from_two_detectors_are_introspected_once():
    introspected = []

    def local(ctx):
        yield ServerRef(transport="stdio", command=("srv",), found_in="a")

    def introspect(ref, ctx):
        introspected.append(ref.found_in)

    p = plugin(
        "dups",
        hawkeye_detectors=lambda: [
            Detector(name="a", on="host", run=local),
            Detector(name="b", on="host", run=local),
        ],
        hawkeye_introspectors=lambda: [Introspector(name="i", run=introspect)],
    )
    result = run_pipeline([], p)
    assert introspected == ["a"]
    assert result.stats["servers_duplicate"] == 1


def test_a_server_seen_twice_keeps_what_each_detector_knew():
    def config(ctx):
        yield ServerRef(
            transport="stdio",
            command=("srv",),
            found_in="~/.cursor/mcp.json",
            evidence=("configured in Cursor",),
        )

    def process(ctx):
        yield ServerRef(
            transport="stdio",
            command=("srv",),
            found_in="pid 42",
            evidence=("running, listening on 127.0.0.1:8000",),
        )

    p = plugin(
        "merge",
        hawkeye_detectors=lambda: [
            Detector(name="config", on="host", run=config),
            Detector(name="process", on="host", run=process),
        ],
    )
    [server] = run_pipeline([], p).servers
    places = {"~/.cursor/mcp.json", "pid 42"}
    other = (places - {server.found_in}).pop()  # whichever detector finished second
    assert f"also found in {other}" in server.evidence
    assert {"configured in Cursor", "running, listening on 127.0.0.1:8000"} <= set(server.evidence)


def test_level_sizes_bound_concurrency():
    active = 0
    peak = 0
    lock = threading.Lock()

    def scan(target, ctx):
        for port in range(1, 41):
            yield Endpoint(host=target.host, port=port)

    def detect(endpoint, ctx):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)
        with lock:
            active -= 1

    p = plugin(
        "bounded",
        hawkeye_scanners=lambda: [Scanner(name="s", run=scan)],
        hawkeye_detectors=lambda: [Detector(name="d", run=detect)],
    )
    run_pipeline(["127.0.0.1"], p, settings=Settings(levels={Level.BATCH: 4}))
    assert 1 < peak <= 4


def test_per_host_rate_limit_spaces_calls_to_one_host():
    stamps = []

    def scan(target, ctx):
        for port in range(1, 6):
            yield Endpoint(host=target.host, port=port)

    def detect(endpoint, ctx):
        stamps.append(time.monotonic())

    p = plugin(
        "polite",
        hawkeye_scanners=lambda: [Scanner(name="s", run=scan)],
        hawkeye_detectors=lambda: [Detector(name="d", run=detect)],
    )
    result = run_pipeline(["127.0.0.1"], p, settings=Settings(host_rate=3))
    assert len(stamps) == 5
    assert result.stats["rate_limited"] > 0
    # At most 3 admissions in any one-second window: the 4th is admitted a second
    # after the 1st at the earliest. The stamps are taken later, on the level's
    # threads, so allow for a late first stamp; without the limit this is ~0.
    assert stamps[3] - stamps[0] >= 0.5


def test_registered_context_manager_unregisters(listeners):
    pm = fresh_manager()
    with registered(pm, full_pipeline(listeners, {})) as name:
        assert pm.get_plugin(name) is not None
    assert pm.get_plugin(name) is None


def test_cancel_keeps_what_was_found_and_abandons_in_flight_calls():
    from hawkeye_core import collect_registry
    from hawkeye_core.records import Target
    from hawkeye_core.runner import Run

    first = threading.Event()

    def scan(target, ctx):
        yield Endpoint(host=target.host, port=1)
        first.set()
        while not ctx.stopped:
            time.sleep(0.01)

    p = plugin("cancel", hawkeye_scanners=lambda: [Scanner(name="s", run=scan)])
    pm = fresh_manager(p)
    run = Run(pm, collect_registry(pm), Settings())
    run.set_targets([Target(spec="127.0.0.1", host="127.0.0.1")])
    threading.Thread(target=lambda: (first.wait(10), run.cancel()), daemon=True).start()
    result = run.execute()
    assert result.interrupted
    assert [e.port for e in result.endpoints] == [1]
    assert [o.status for o in result.errors] == ["cancelled"]


def test_stream_scanners_get_every_target_lazily_in_one_call():
    calls = []

    def scan(targets, ctx):
        calls.append(threading.current_thread().name)
        for target in targets:
            yield Endpoint(host=target.host, port=target.port or 80)
        ctx.count("endpoints_closed", 7)

    per_target = []

    def single(target, ctx):
        per_target.append(target.host)

    p = plugin(
        "streamer",
        hawkeye_scanners=lambda: [
            Scanner(name="stream", mode="stream", run=scan),
            Scanner(name="single", run=single),
        ],
    )
    result = run_pipeline(["192.0.2.0/30", "192.0.2.9:8000"], p)
    assert len(calls) == 1 and calls[0].startswith("HawkEye-Scanner_")
    assert [(e.host, e.port) for e in result.endpoints] == [
        ("192.0.2.0", 80),
        ("192.0.2.1", 80),
        ("192.0.2.2", 80),
        ("192.0.2.3", 80),
        ("192.0.2.9", 8000),
    ]
    assert sorted(per_target) == ["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.9"]
    assert result.stats["targets"] == 5 and result.stats["endpoints_closed"] == 7


def test_a_stream_scanner_stops_taking_targets_when_the_run_is_cancelled():
    from hawkeye_core import collect_registry
    from hawkeye_core.records import Target
    from hawkeye_core.runner import Run

    taken = []

    def scan(targets, ctx):
        for target in targets:
            taken.append(target.host)
            if len(taken) == 3:
                run.cancel()
            time.sleep(0.01)
        return ()

    p = plugin(
        "cancel-stream", hawkeye_scanners=lambda: [Scanner(name="s", mode="stream", run=scan)]
    )
    pm = fresh_manager(p)
    run = Run(pm, collect_registry(pm), Settings())
    run.set_targets([Target(spec=f"h{i}", host=f"192.0.2.{i}") for i in range(100)])
    result = run.execute()
    assert result.interrupted and len(taken) <= 4


def test_suppressed_findings_are_kept_apart_with_their_reason():
    import datetime as dt

    from hawkeye_core.suppress import parse_suppressions

    def inventory(ctx):
        yield ServerRef(transport="stdio", command=("fs",), name="filesystem")

    def introspect(ref, ctx):
        return ServerInventory(ref=ref, tools=[Tool(name="read_file"), Tool(name="write_file")])

    def analyse(inv, ctx):
        for tool in inv.tools:
            yield Finding(
                rule_id="HE-CAP-002",
                severity="medium",
                title="file access",
                location=Location(server=inv.ref.name, tool=tool.name),
            )

    seen = []
    p = plugin(
        "supp",
        hawkeye_detectors=lambda: [Detector(name="d", on="host", run=inventory)],
        hawkeye_introspectors=lambda: [Introspector(name="i", run=introspect)],
        hawkeye_analysers=lambda: [Analyser(name="a", run=analyse)],
        hawkeye_on_finding=lambda finding, run: seen.append(finding.location.tool),
    )
    suppress = parse_suppressions(
        [
            {
                "rule": "HE-CAP-*",
                "server": "filesystem",
                "tool": "read_*",
                "reason": "read-only is ok",
            },
            {
                "rule": "HE-CAP-002",
                "tool": "write_file",
                "reason": "old review",
                "expires": dt.date(2000, 1, 1),
            },
        ],
        "test",
    )
    result = run_pipeline([], p, settings=Settings(suppress=suppress))
    assert [f.location.tool for f in result.findings] == ["write_file"] == seen
    assert [(f.location.tool, f.suppressed) for f in result.suppressed] == [
        ("read_file", "read-only is ok")
    ]
    assert result.stats["findings_suppressed"] == 1


def test_a_server_no_introspector_could_inventory_is_still_analysed():
    judged = []

    def local(ctx):
        yield ServerRef(transport="stdio", command=("sh", "-c", "curl x | sh"), name="a")
        yield ServerRef(transport="unknown", name="b")

    def broken(ref, ctx):
        raise ConnectionError("refused")

    def analyse(inventory, ctx):
        judged.append((inventory.ref.name, inventory.errors))

    p = plugin(
        "fallback",
        hawkeye_detectors=lambda: [Detector(name="d", on="host", run=local)],
        hawkeye_introspectors=lambda: [Introspector(name="i", transports={"stdio"}, run=broken)],
        hawkeye_analysers=lambda: [Analyser(name="a", run=analyse)],
    )
    result = run_pipeline([], p)
    errors = dict(judged)
    assert errors["a"][0].startswith("not inventoried: ConnectionError: refused")
    assert errors["b"] == ("not introspected: no introspector takes unknown",)
    assert result.stats["servers_not_inventoried"] == 2
    assert "inventories" not in result.stats


def test_a_process_and_the_network_server_on_its_port_are_tied_together():
    def local(ctx):
        yield ServerRef(transport="http", url="http://0.0.0.0:8000", found_in="pid 4242")
        yield ServerRef(
            transport="streamable-http", url="http://127.0.0.1:8000/mcp", found_in="127.0.0.1:8000"
        )
        yield ServerRef(transport="sse", url="http://127.0.0.1:9000/sse", found_in="elsewhere")

    p = plugin("link", hawkeye_detectors=lambda: [Detector(name="d", on="host", run=local)])
    servers = {s.url: s for s in run_pipeline([], p).servers}
    assert (
        "same port as streamable-http http://127.0.0.1:8000/mcp (found in 127.0.0.1:8000)"
        in servers["http://0.0.0.0:8000"].evidence
    )
    assert (
        "same port as http http://0.0.0.0:8000 (found in pid 4242)"
        in servers["http://127.0.0.1:8000/mcp"].evidence
    )
    assert servers["http://127.0.0.1:9000/sse"].evidence == ()


def test_runs_raise_the_gc_threshold_and_leave_it_as_they_found_it() -> None:
    import gc
    import threading as _threading

    from hawkeye_core.lifecycle import fewer_collections as _fewer_collections

    before = gc.get_threshold()
    inside: list[tuple[int, ...]] = []
    first_in, second_out = _threading.Event(), _threading.Event()

    def first() -> None:
        with _fewer_collections():
            first_in.set()
            assert second_out.wait(10)
            inside.append(gc.get_threshold())

    thread = _threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with _fewer_collections():  # overlaps the first, ends before it
        inside.append(gc.get_threshold())
    second_out.set()
    thread.join(10)
    assert all(t[0] >= 10_000 for t in inside)
    assert gc.get_threshold() == before
    gc.set_threshold(0)  # automatic collection off stays off
    try:
        with _fewer_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
