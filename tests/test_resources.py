"""The run's budget of descriptors and processes (hawkeye_core.resources), and its users."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

import hawkeye_introspect_mcp
import hawkeye_scan_tcp
from hawkeye_core import Detector, ServerRef, Settings
from hawkeye_core.concurrency.locks import ResourceAllocator
from hawkeye_core.resources import FDS_PER_PROCESS, fd_budget, run_resources, scanner_fds
from hawkeye_core.testing import run_pipeline
from tests import servers
from tests.helpers import plugin

DEMO_SCRIPT = Path(__file__).parent / "data" / "stdio_servers" / "demo_server.py"


def test_the_run_budget_holds_every_connect_and_every_process_slot() -> None:
    resources = run_resources(Settings(parallelism=300, exec_parallelism=3))
    assert resources.capacities["processes"] == 3
    # This machine's limit allows 300 + 12 descriptors (the soft limit is raised if needed).
    assert resources.capacities["fds"] == 300 + 3 * FDS_PER_PROCESS
    assert scanner_fds(resources, 300) == 300
    assert scanner_fds(resources, 5000) == 300


def test_the_scanner_leaves_room_for_every_process_slot_when_descriptors_are_short() -> None:
    resources = ResourceAllocator({"fds": 100, "processes": 4})
    assert scanner_fds(resources, 1000) == 100 - 4 * FDS_PER_PROCESS
    with resources.allocate({"fds": scanner_fds(resources, 1000)}):
        for _ in range(4):  # every stdio server can still start meanwhile
            resources.allocate({"processes": 1, "fds": FDS_PER_PROCESS}, timeout=0)


def test_fd_budget_never_exceeds_what_was_asked() -> None:
    assert fd_budget(10) == 10
    assert 1 <= fd_budget(10**9) < 10**9


def _demo_processes() -> list[psutil.Process]:
    # Direct children only: a server's own child is, between its fork and its
    # exec, a copy of the server with the same command line.
    found = []
    for child in psutil.Process().children():
        try:
            if str(DEMO_SCRIPT) in child.cmdline():
                found.append(child)
        except psutil.Error:
            pass
    return found


def test_stdio_servers_run_at_most_exec_parallelism_at_once(tmp_path: Path) -> None:
    refs = [
        ServerRef(
            transport="stdio",
            command=[sys.executable, str(DEMO_SCRIPT), str(tmp_path / f"pids{i}")],
            found_in="test config",
        )
        for i in range(5)
    ]
    finder = plugin(
        "found-refs",
        hawkeye_detectors=lambda: [Detector(name="refs", on="host", run=lambda ctx: list(refs))],
    )
    most = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal most
        while not done.is_set():
            most = max(most, len(_demo_processes()))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = run_pipeline(
            [],
            finder,
            hawkeye_introspect_mcp,
            settings=Settings(local=True, allow_exec=True, exec_parallelism=2),
        )
    finally:
        done.set()
        watcher.join(30)
    assert sorted(len(i.tools) for i in result.inventories) == [2] * 5, result.errors
    assert 1 <= most <= 2
    assert not _demo_processes()


def test_a_scan_gives_its_descriptors_back() -> None:
    resources_seen: list[dict[str, int]] = []
    after = plugin(
        "watch-resources",
        hawkeye_after_run=lambda run, result: resources_seen.append(run.resources.available()),
    )
    with servers.mcp_streamable() as listener:
        result = run_pipeline(
            [f"127.0.0.1:{listener.port}"],
            hawkeye_scan_tcp,
            after,
            settings=Settings(local=False, parallelism=64),
        )
    assert [e.port for e in result.endpoints] == [listener.port]
    [available] = resources_seen
    assert available == run_resources(Settings(parallelism=64)).capacities


@pytest.mark.parametrize("value", ["0", "x"])
def test_exec_parallelism_must_be_a_whole_number(value: str) -> None:
    from hawkeye_core.config import ConfigError, parse_mapping

    with pytest.raises(ConfigError, match="exec_parallelism must be a"):
        parse_mapping({"exec_parallelism": value}, "test")


def test_stdio_servers_queued_for_a_slot_neither_time_out_nor_trip_the_breaker(
    tmp_path: Path,
) -> None:
    def ref(name: str, *args: str) -> ServerRef:
        return ServerRef(
            transport="stdio",
            command=[sys.executable, str(DEMO_SCRIPT), str(tmp_path / name), *args],
            found_in="test config",
        )

    # Two servers that never answer go first and hold the only slot in turn;
    # the others wait their turn without their deadline running.
    refs = [ref("hang1", "hang"), ref("hang2", "hang"), *(ref(f"ok{i}") for i in range(4))]
    finder = plugin(
        "found-refs",
        hawkeye_detectors=lambda: [Detector(name="refs", on="host", run=lambda ctx: list(refs))],
    )
    settings = Settings(
        local=True,
        allow_exec=True,
        exec_parallelism=1,
        breaker_threshold=3,
        plugin={hawkeye_introspect_mcp.__name__: {"timeout": 1.5}},
    )
    with servers.mcp_streamable() as listener:
        http = ServerRef(transport="streamable-http", url=listener.url("/mcp"), found_in="t")
        refs.append(http)
        result = run_pipeline([], finder, hawkeye_introspect_mcp, settings=settings)
    by_name = {
        Path(i.ref.command[2]).name if i.ref.command else "http": i for i in result.inventories
    }
    assert [len(by_name[f"ok{i}"].tools) for i in range(4)] == [2, 2, 2, 2]
    assert by_name["http"].tools
    for name in ("hang1", "hang2"):
        assert "no complete answer within 1.5 s" in " ".join(by_name[name].errors)
    assert not [e for e in result.errors if "circuit breaker" in (e.error or "")]
    assert result.stats["waiting_for_resources"] > 0
    assert not _demo_processes()


def test_a_small_descriptor_limit_means_fewer_servers_at_once_never_more_than_the_limit() -> None:
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (96, 96));"
        "from hawkeye_core import Settings, run_resources;"
        "caps = run_resources(Settings(exec_parallelism=8)).capacities;"
        "print(caps['fds'], caps['processes'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    fds, processes = map(int, done.stdout.split())
    assert fds < 96 and 1 <= processes < 8
    assert fds >= 4 * processes + 1


def test_the_windows_cleanup_kills_a_server_and_every_child_it_started(tmp_path: Path) -> None:
    # Windows has no process groups; the same psutil tree kill runs here.
    from hawkeye_introspect_mcp.stdio import _kill_tree

    pids = tmp_path / "pids"
    server = subprocess.Popen([sys.executable, str(DEMO_SCRIPT), str(pids), "hang"])
    try:
        for _ in range(600):
            if pids.exists() and pids.read_text().strip():
                break
            time.sleep(0.05)
        server_pid, child_pid = map(int, pids.read_text().split())
        _kill_tree(server_pid)
        server.wait(30)
        for _ in range(600):  # killed: gone, or a zombie until its new parent reaps it
            if _gone(child_pid):
                break
            time.sleep(0.05)
        assert _gone(child_pid)
    finally:
        server.kill()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
