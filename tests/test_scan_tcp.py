"""The L1 TCP connect scanner: real sockets on loopback (and inside a private namespace)."""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from hawkeye_core import CallContext, Detector, Endpoint, Settings, Target
from hawkeye_core.ports import parse_ports
from hawkeye_core.testing import run_pipeline
from hawkeye_scan_tcp.engine import ConnectEngine
from hawkeye_scan_tcp.hosts import MIN_TIMEOUT, HostJob, disjoint_ranges
from tests.helpers import hawkeye, plugin

# The MCP detector would probe our silent listeners on L2; this file tests L1 only.
SCAN_ONLY = Settings(local=False, disable_plugins=("detect_mcp",))


@attrs.define
class Block:
    """Listeners on every third port of a contiguous block of one loopback address."""

    host: str
    low: int
    high: int
    open_ports: list[int]
    socks: list[socket.socket]

    @property
    def spec(self) -> str:
        return f"{self.low}-{self.high}"

    @property
    def size(self) -> int:
        return self.high - self.low + 1


def _listen_block(host: str, family: int, size: int = 60, every: int = 3) -> Block:
    """Bind a block below the ephemeral range, where tests' port-0 servers never land."""
    for _ in range(50):
        low = random.randrange(20_000, 32_000 - size)
        socks: list[socket.socket] = []
        try:
            for port in range(low, low + size, every):
                sock = socket.socket(family, socket.SOCK_STREAM)
                socks.append(sock)
                sock.bind((host, port))
                sock.listen(64)
        except OSError:
            for sock in socks:
                sock.close()
            continue
        ports = [s.getsockname()[1] for s in socks]
        return Block(host, low, low + size - 1, ports, socks)
    pytest.skip(f"no free block of {size} ports on {host}")


def _foreign_listeners(host: str) -> set[int]:
    """Ports some other process listens on that a connect to ``host`` would reach.

    Read from /proc, independently of the scanner: wildcard listeners (0.0.0.0
    and ::, which may take IPv4 too) and ones on ``host`` itself.
    """
    address = ipaddress.ip_address(host)
    ports: set[int] = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state != "0A":  # LISTEN
                continue
            hex_addr, hex_port = local.split(":")
            raw = bytes.fromhex(hex_addr)
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            bound = ipaddress.ip_address(words)
            if bound.is_unspecified or bound == address:
                ports.add(int(hex_port, 16))
    return ports


@pytest.fixture
def block_v4() -> Iterator[Block]:
    # Not 127.0.0.1: only other tests' servers and wildcard listeners can show up here.
    host = f"127.{random.randrange(64, 250)}.{random.randrange(1, 250)}.{random.randrange(2, 250)}"
    block = _listen_block(host, socket.AF_INET)
    yield block
    for sock in block.socks:
        sock.close()


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def _check_exact(block: Block, found: set[int], before: set[int], closed: int) -> None:
    """Every listener found, nothing else but real foreign listeners, the rest closed."""
    after = _foreign_listeners(block.host)
    in_range = set(range(block.low, block.high + 1))
    assert set(block.open_ports) <= found
    foreign = found - set(block.open_ports)
    assert foreign <= (before | after) & in_range, f"reported open but not listening: {foreign}"
    assert (before & after & in_range) - set(block.open_ports) <= foreign
    assert closed == block.size - len(found)


def test_pipeline_finds_exactly_the_open_ports_of_a_range(block_v4: Block) -> None:
    before = _foreign_listeners(block_v4.host)
    settings = SCAN_ONLY.evolve(ports=parse_ports(block_v4.spec))
    result = run_pipeline([block_v4.host], settings=settings, entry_points=True)
    found = {e.port for e in result.endpoints if e.host == block_v4.host}
    assert all(e.state == "open" and e.reason == "syn-ack" for e in result.endpoints)
    assert all(e.elapsed is not None and e.elapsed >= 0 for e in result.endpoints)
    _check_exact(block_v4, found, before, result.stats.get("endpoints_closed", 0))
    assert result.stats.get("endpoints_filtered", 0) == 0
    assert not result.errors


def test_ipv6_loopback_open_and_closed() -> None:
    if not _has_ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    block = _listen_block("::1", socket.AF_INET6)
    try:
        before = _foreign_listeners("::1")
        settings = SCAN_ONLY.evolve(ports=parse_ports(block.spec))
        result = run_pipeline(["::1"], settings=settings, entry_points=True)
        found = {e.port for e in result.endpoints}
        assert {e.host for e in result.endpoints} == {"::1"}
        _check_exact(block, found, before, result.stats.get("endpoints_closed", 0))
    finally:
        for sock in block.socks:
            sock.close()


def test_url_target_scans_only_its_port_and_carries_its_url(block_v4: Block) -> None:
    port = block_v4.open_ports[1]
    url = f"http://{block_v4.host}:{port}/mcp"
    settings = SCAN_ONLY.evolve(ports=parse_ports(block_v4.spec))
    result = run_pipeline([url], settings=settings, entry_points=True)
    assert [(e.host, e.port, e.url) for e in result.endpoints] == [(block_v4.host, port, url)]
    assert result.stats.get("endpoints_closed", 0) == 0  # the -p range was not scanned


def test_overlapping_port_specs_scan_each_port_once(block_v4: Block) -> None:
    spec = f"{block_v4.low}-{block_v4.high},{block_v4.low + 5}-{block_v4.high + 10},{block_v4.low}"
    assert disjoint_ranges(parse_ports(spec).ranges) == (
        (block_v4.low, block_v4.high),
        (block_v4.high + 1, block_v4.high + 10),
    )
    settings = SCAN_ONLY.evolve(ports=parse_ports(spec))
    result = run_pipeline([block_v4.host], settings=settings, entry_points=True)
    scanned = len(result.endpoints) + result.stats.get("endpoints_closed", 0)
    assert scanned == block_v4.size + 10


def _engine(found: list[tuple[str, int]], **kwargs: object) -> ConnectEngine:
    return ConnectEngine(
        parallelism=int(kwargs.pop("parallelism", 200)),  # type: ignore[call-overload]
        retries=int(kwargs.pop("retries", 1)),  # type: ignore[call-overload]
        on_open=lambda job, port, elapsed: found.append((job.host, port)),
        **kwargs,  # type: ignore[arg-type]
    )


def _job(host: str, ports: str | int, timeout: float = 1.0) -> HostJob:
    ranges = ports if isinstance(ports, int) else disjoint_ranges(parse_ports(ports).ranges)
    return HostJob.for_ports(host, ranges, url=None, timeout=timeout)


def test_a_self_connected_socket_is_closed_not_open() -> None:
    found: list[tuple[str, int]] = []
    engine = _engine(found)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.connect(("127.0.0.1", port))  # TCP simultaneous open with itself
    assert sock.getsockname() == sock.getpeername()
    engine._settled(_job("127.0.0.1", port), sock, port, 0, 0.001)
    assert found == []
    assert (engine.closed, engine.self_connects) == (1, 1)
    assert sock.fileno() == -1


def test_ephemeral_range_scan_reports_only_real_listeners() -> None:
    low, high = (int(p) for p in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    before = _foreign_listeners("127.0.0.1")
    found: list[tuple[str, int]] = []
    engine = _engine(found, parallelism=500)
    engine.run(iter([_job("127.0.0.1", f"{low}-{high}")]))
    after = _foreign_listeners("127.0.0.1")
    assert {port for _, port in found} <= before | after
    assert engine.closed + len(found) == high - low + 1
    assert engine.filtered == 0


def test_rate_limited_scan_honours_the_host_rate_and_streams_open_ports(block_v4: Block) -> None:
    ports = f"{block_v4.low}-{block_v4.low + 39}"  # 40 ports at 20/s: the 21st waits >= 1 s
    detected: list[float] = []

    def record(endpoint: Endpoint, ctx: CallContext) -> None:
        detected.append(time.monotonic())

    watcher = plugin("watcher", hawkeye_detectors=lambda: [Detector(name="watch", run=record)])
    settings = SCAN_ONLY.evolve(ports=parse_ports(ports), host_rate=20.0)
    start = time.monotonic()
    result = run_pipeline([block_v4.host], watcher, settings=settings, entry_points=True)
    elapsed = time.monotonic() - start
    assert elapsed >= 0.9
    found = {e.port for e in result.endpoints}
    assert set(block_v4.open_ports[:13]) <= found
    assert len(found) + result.stats["endpoints_closed"] == 40
    # The first port is open: L2 had it while L1 was still waiting for tokens.
    assert block_v4.low in found
    assert min(detected) - start < elapsed - 0.5


def test_a_rate_limited_host_does_not_hold_up_the_others() -> None:
    order: list[str] = []
    tokens = {"127.0.0.2": 3}  # this host runs out after three probes

    def acquire(host: str) -> float:
        if host in tokens:
            if tokens[host] == 0:
                return 60.0  # far beyond the test: only a stop can end its wait
            tokens[host] -= 1
        order.append(host)
        return 0.0

    found: list[tuple[str, int]] = []
    hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    engine = _engine(
        found, parallelism=4, acquire=acquire, stopped=lambda: order.count("127.0.0.3") >= 20
    )
    start = time.monotonic()
    engine.run(iter([_job(h, "1-20") for h in hosts]))
    assert time.monotonic() - start < 30
    assert order.count("127.0.0.2") == 3
    assert order.count("127.0.0.3") == 20 and order.count("127.0.0.4") >= 19
    assert set(order[:3]) == set(hosts)  # round-robin from the start


def test_window_bounds_the_hosts_in_memory_and_interleaves_them() -> None:
    window = 4
    order: list[str] = []
    hosts = [f"127.0.1.{i}" for i in range(1, 41)]
    engine = _engine([], parallelism=4, window=window, acquire=lambda h: order.append(h) or 0.0)
    most_active = 0

    def jobs() -> Iterator[HostJob]:
        nonlocal most_active
        for host in hosts:
            most_active = max(most_active, engine._hosts.active)
            yield _job(host, "1-6")

    engine.run(jobs())
    assert most_active <= window
    assert engine.closed == 40 * 6
    assert order[:window] == hosts[:window]  # one port each before any host's second


def test_stop_ends_the_scan_promptly_and_closes_every_socket() -> None:
    fds_before = len(os.listdir("/proc/self/fd"))
    checks = 0

    def stopped() -> bool:
        nonlocal checks
        checks += 1
        return checks > 3

    engine = _engine([], parallelism=50, stopped=stopped)
    start = time.monotonic()
    engine.run(_job("127.0.0.1", "1-65535") for _ in range(50))
    assert time.monotonic() - start < 2
    assert engine.closed < 50 * 65535
    assert len(os.listdir("/proc/self/fd")) == fds_before


def test_cli_scan_lists_open_ports_in_json(block_v4: Block) -> None:
    before = _foreign_listeners(block_v4.host)
    proc = hawkeye(
        "scan",
        block_v4.host,
        "-p",
        block_v4.spec,
        "--no-local",
        "--format",
        "json",
        env={"HAWKEYE_DISABLE_PLUGINS": "detect_mcp"},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    endpoints = report["endpoints"]
    assert all(e["host"] == block_v4.host and e["state"] == "open" for e in endpoints)
    found = {e["port"] for e in endpoints}
    _check_exact(block_v4, found, before, report["scan"]["stats"].get("endpoints_closed", 0))


NAMESPACE_SCRIPT = textwrap.dedent(
    """
    import json, socket, sys
    from hawkeye_scan_tcp.engine import ConnectEngine
    from hawkeye_scan_tcp.hosts import HostJob

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    found, filtered, attempts, in_flight = [], [], [], []

    def acquire(host):  # called before every connect
        attempts.append(host)
        in_flight.append(engine._inflight)
        return 0.0

    engine = ConnectEngine(
        parallelism=10, retries=1, acquire=acquire,
        on_open=lambda job, p, elapsed: found.append([job.host, p]),
        on_filtered=lambda job, p, reason: filtered.append([job.host, p, reason]),
    )
    jobs = [
        HostJob.for_ports("10.200.251.2", ((1, 20),), url=None, timeout=0.3),  # dropped
        HostJob.for_ports("10.77.0.1", ((80, 81),), url=None, timeout=0.3),  # no route
        HostJob.for_ports("127.0.0.1", ((port - 2, port + 2),), url=None, timeout=0.3),
    ]
    engine.run(iter(jobs))
    json.dump({"port": port, "found": found, "filtered": filtered,
               "closed": engine.closed, "attempts": attempts,
               "most_in_flight": max(in_flight)}, sys.stdout)
    """
)

NAMESPACE_SETUP = (
    "ip link set lo up && "
    "ip link add hvta type veth peer name hvtb && "
    "ip addr add 10.200.251.1/24 dev hvta && ip link set hvta up && ip link set hvtb up && "
    # A neighbour that never answers: SYNs leave on the veth and are dropped at its far end.
    "ip neigh add 10.200.251.2 lladdr 02:00:00:00:00:02 dev hvta nud permanent && "
    'exec "$0" -c "$1"'
)


def test_filtered_ports_time_out_and_unroutable_ones_are_filtered_by_errno() -> None:
    """In a private network namespace (it and its veth pair vanish with the process)."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare is None or ip is None or os.geteuid() != 0:
        pytest.skip("needs root, unshare and ip to make a private network namespace")
    try:
        proc = subprocess.run(
            [unshare, "--net", "sh", "-c", NAMESPACE_SETUP, sys.executable, NAMESPACE_SCRIPT],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot run in a network namespace: {exc}")
    if proc.returncode != 0 and not proc.stdout:
        pytest.skip(f"cannot make a network namespace here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    port = data["port"]
    assert data["found"] == [["127.0.0.1", port]]
    assert data["closed"] == 4
    filtered = {(host, p): reason for host, p, reason in data["filtered"]}
    assert len(data["filtered"]) == len(filtered) == 22  # once each, after the retry
    assert {p for (h, p) in filtered if h == "10.200.251.2"} == set(range(1, 21))
    assert {r for (h, _), r in filtered.items() if h == "10.200.251.2"} == {"timeout"}
    assert {filtered[("10.77.0.1", p)] for p in (80, 81)} == {errno.errorcode[errno.ENETUNREACH]}
    # Timeouts are tried again (retries=1); answers, even errors, are not.
    assert data["attempts"].count("10.200.251.2") == 40
    assert data["attempts"].count("10.77.0.1") == 2
    assert data["attempts"].count("127.0.0.1") == 5
    assert data["most_in_flight"] < 10  # checked before each connect: at most 9 others


def test_unresolvable_host_is_counted_not_raised() -> None:
    # An empty label fails in the IDNA codec, before any lookup: no DNS traffic.
    target = Target(spec="http://bad..name:80/", host="bad..name", port=80)
    result = run_pipeline([target], settings=SCAN_ONLY, entry_points=True)
    assert not result.endpoints
    assert result.stats.get("targets_unresolved") == 1
    assert not result.errors


@pytest.mark.parametrize("force_selector", [False, True])
def test_engine_finds_the_same_ports_with_epoll_or_a_selector(
    block_v4: Block, force_selector: bool
) -> None:
    found: list[tuple[str, int]] = []
    engine = _engine(found, force_selector=force_selector)
    engine.run(iter([_job(block_v4.host, block_v4.spec)]))
    assert set(block_v4.open_ports) <= {p for _, p in found}
    assert engine.closed + len(found) == block_v4.size


def test_timeout_follows_the_measured_round_trip_within_bounds() -> None:
    job = _job("127.0.0.1", 80, timeout=2.0)
    assert job.timeout == 2.0  # no answer yet: the configured timeout
    for _ in range(20):
        job.sample(0.001)
    assert job.timeout == pytest.approx(MIN_TIMEOUT)
    for _ in range(50):
        job.sample(0.4)
    assert 0.4 < job.timeout <= 2.0
    for _ in range(20):
        job.sample(5.0)
    assert job.timeout == 2.0
    short = _job("127.0.0.1", 80, timeout=0.05)
    short.sample(0.001)
    assert short.timeout == 0.05  # never above the configured timeout


FD_LIMIT_SCRIPT = textwrap.dedent(
    """
    import json, resource, socket, sys
    from hawkeye_scan_tcp.engine import ConnectEngine
    from hawkeye_scan_tcp.hosts import HostJob

    resource.setrlimit(resource.RLIMIT_NOFILE, (96, 96))
    socks = []
    for _ in range(60):  # with the open ports in flight, more than the limit allows
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        socks.append(s)
    ports = sorted(s.getsockname()[1] for s in socks)
    found = []
    engine = ConnectEngine(parallelism=5000, retries=1,
                           on_open=lambda job, p, elapsed: found.append(p))
    jobs = [HostJob.for_ports("127.0.0.1", p, url=None, timeout=1.0) for p in ports]
    engine.run(iter(jobs))
    json.dump({"expected": ports, "found": sorted(found), "cap": engine._cap,
               "closed": engine.closed}, sys.stdout)
    """
)


def test_a_low_descriptor_limit_caps_parallelism_without_losing_ports() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", FD_LIMIT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["found"] == data["expected"]
    assert data["cap"] < 96 - 32  # lowered when socket() failed with EMFILE
