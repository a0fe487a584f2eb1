"""Benchmark the L1 TCP connect scanner against nmap, in one run, on this machine.

Run ``python benchmarks/scan.py`` (about 90 s; nmap alone needs a minute for part 2) or
``--quick`` (smaller scans, one repeat, about 20 s). Three parts:

1. a full 65,535-port connect scan of 127.0.0.1 with a few dozen listeners open,
   ``hawkeye scan 127.0.0.1 -p - --no-local --format json`` against
   ``nmap -sT -p- -T4 -n 127.0.0.1 -oX -``: wall time, ports/s, ratio, same open ports;
2. the same scan of a host in a network namespace made for the run (a veth pair on
   10.200.N.0/30: traffic stays between its two ends) whose nftables ruleset silently
   drops most ports, so filtered ports dominate, with a few listeners behind it;
3. sweeps of 127.0.0.0/16 and /18 on two ports (131,072 and 32,768 probes, loopback
   only): probes/s and the hawkeye process's peak RSS, which must stay flat.

HawkEye runs as the CLI in a subprocess with the MCP detector disabled (L1 against
``nmap -sT``, not L2). nmap (and nftables) are installed with apt-get when missing; a
part that cannot run says why. Timings are printed, never asserted: see
benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _timing import format_table

HAWKEYE = [sys.executable, "-m", "hawkeye_core"]
LISTENERS = 36


@dataclass
class Scan:
    """One scan by one tool."""

    wall: float
    open_ports: set[int]
    inner: float | None = None  # the tool's own timing of the scan
    peak_rss_kb: int = 0
    stats: dict[str, int] = field(default_factory=dict)


def run_bounded(
    argv: Sequence[str], *, timeout: float, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with a deadline, capturing text output; ``env`` is added to ours."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HAWKEYE_")} | env
    return subprocess.run(
        list(argv),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def ensure_tool(command: str, package: str) -> str | None:
    """The path of ``command``, installing ``package`` with apt-get if it is missing."""
    if found := shutil.which(command):
        print(f"setup: {command} found at {found}")
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        print(f"setup: {command} is missing and apt-get cannot be run here (not root)")
        return None
    print(f"setup: {command} is missing; running apt-get install -y {package}")
    try:
        proc = run_bounded(
            [apt, "install", "-y", "-q", package],
            timeout=600,
            DEBIAN_FRONTEND="noninteractive",
        )
        for line in (proc.stdout + proc.stderr).strip().splitlines()[-4:]:
            print(f"  apt-get: {line}")
    except subprocess.TimeoutExpired:
        print("setup: apt-get timed out after 600 s")
    found = shutil.which(command)
    print(f"setup: {command} {'installed at ' + found if found else 'still missing'}")
    return found


def hawkeye_scan(target: str, ports: str, *, timeout: float) -> Scan:
    """``hawkeye scan`` in a subprocess; its own peak RSS comes from ``wait4``."""
    args = [*HAWKEYE, "scan", target, "-p", ports, "--no-local", "--allow-large"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAWKEYE_")}
    env["HAWKEYE_DISABLE_PLUGINS"] = "detect_mcp"  # L1 only, like nmap -sT
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*args, "--format", "json"], stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env
        )
        while not (waited := os.wait4(proc.pid, os.WNOHANG))[0]:
            if time.perf_counter() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TimeoutError(f"hawkeye scan {target} ran past {timeout:g} s")
            time.sleep(0.002)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(waited[1])  # reaped: Popen must not wait
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"hawkeye exited {proc.returncode}: {err.read()[-500:]}")
        report = json.load(out)
    return Scan(
        wall=wall,
        open_ports={e["port"] for e in report["endpoints"] if e["state"] == "open"},
        inner=report["scan"]["duration"],
        peak_rss_kb=waited[2].ru_maxrss,  # kilobytes on Linux
        stats=report["scan"]["stats"],
    )


def nmap_scan(nmap: str, target: str, ports: str, *, timeout: float) -> Scan:
    """``nmap -sT -T4 -n`` in a subprocess, its XML report parsed."""
    start = time.perf_counter()
    proc = run_bounded([nmap, "-sT", "-p", ports, "-T4", "-n", target, "-oX", "-"], timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"nmap exited {proc.returncode}: {proc.stderr[-500:]}")
    root = ElementTree.fromstring(proc.stdout)
    found = {
        int(port.get("portid", "0"))
        for port in root.iter("port")
        if (state := port.find("state")) is not None and state.get("state") == "open"
    }
    stats = {f"{x.get('state')}": int(x.get("count", "0")) for x in root.iter("extraports")}
    finished = root.find("runstats/finished")
    inner = float(finished.get("elapsed", "nan")) if finished is not None else None
    return Scan(wall=wall, open_ports=found, inner=inner, stats=stats)


def listening_ports(host: str | None = None) -> set[int]:
    """Ports in LISTEN on a wildcard address (or ``host``, IPv4), read from /proc."""
    wanted = {"0" * 8, "0" * 32} | ({socket.inet_aton(host)[::-1].hex().upper()} if host else set())
    ports: set[int] = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        for line in path.read_text().splitlines()[1:] if path.exists() else ():
            fields = line.split()
            address, _, port = fields[1].rpartition(":")
            if fields[3] == "0A" and address in wanted:
                ports.add(int(port, 16))
    return ports


def compare(ours: Scan, theirs: Scan | None, expected: set[int], keep: set[int] | None) -> None:
    """Print whether hawkeye found every listener, and whether both tools agree.

    ``keep`` (part 1) is the ports that listened through the whole run plus ours: on a
    shared machine other processes' short-lived servers come and go between two scans
    (and nmap reports its own self-connects as open), so only those are compared.
    """
    missing = sorted(expected - ours.open_ports)
    line = f"open ports: hawkeye found {len(ours.open_ports)}"
    line += f" (all {len(expected)} listeners)" if not missing else f", MISSED {missing}"
    if theirs is not None:
        a = ours.open_ports & keep if keep is not None else ours.open_ports
        b = theirs.open_ports & keep if keep is not None else theirs.open_ports
        line += f", nmap {len(theirs.open_ports)}: " + (
            "same open ports" if a == b else f"DIFFER (hawkeye only {a - b}, nmap only {b - a})"
        )
        if transient := sorted((ours.open_ports ^ theirs.open_ports) - (a ^ b)):
            line += f"; not listening throughout, ignored: {transient}"
    print(line)


def race(label: str, scans: dict[str, list[Scan]], ports: int) -> None:
    """A table of each tool's best and median wall time, ports/s, and the ratio to nmap."""
    best = {tool: min(s.wall for s in runs) for tool, runs in scans.items()}
    rows = []
    for tool, runs in scans.items():
        walls = sorted(s.wall for s in runs)
        inner = min((s.inner for s in runs if s.inner is not None), default=float("nan"))
        ratio = f"{best[tool] / best['nmap']:.2f}x" if "nmap" in best else "n/a"
        walls_text = [f"{walls[0]:.2f} s", f"{walls[len(walls) // 2]:.2f} s", f"{inner:.2f} s"]
        rows.append([tool, *walls_text, f"{ports / walls[0]:,.0f}", ratio])
    print(f"{label} ({len(scans['hawkeye'])} run(s) each, interleaved)")
    headers = ["tool", "best wall", "median", "own timer", "ports/s", "wall / nmap"]
    print(format_table(headers, rows))
    if "nmap" in best:
        verdict = "met" if best["hawkeye"] <= best["nmap"] else "NOT met"
        print(f"-> goal (hawkeye at least as fast as nmap -T4): {verdict}")


def part_loopback(nmap: str | None, repeats: int) -> None:
    print("== 1. full-port connect scan of 127.0.0.1 ==")
    print("hawkeye scan 127.0.0.1 -p - --no-local --format json   (default L1 settings)")
    print("nmap -sT -p- -T4 -n 127.0.0.1 -oX -")
    socks = [socket.socket() for _ in range(LISTENERS)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
            sock.listen(256)
            sock.setblocking(False)
        expected = {s.getsockname()[1] for s in socks}
        scans: dict[str, list[Scan]] = {"hawkeye": [], **({"nmap": []} if nmap else {})}
        stable = listening_ports("127.0.0.1")
        for _ in range(repeats):
            for tool, runs in scans.items():
                if tool == "hawkeye":
                    runs.append(hawkeye_scan("127.0.0.1", "-", timeout=120))
                else:
                    runs.append(nmap_scan(str(nmap), "127.0.0.1", "-", timeout=120))
                for sock in socks:  # accept what the scan left queued
                    with contextlib.suppress(BlockingIOError):
                        while True:
                            sock.accept()[0].close()
                stable &= listening_ports("127.0.0.1")
    finally:
        for sock in socks:
            sock.close()
    race(f"65,535 ports, {LISTENERS} listeners", scans, 65_535)
    ours = scans["hawkeye"][-1]
    compare(ours, scans["nmap"][-1] if nmap else None, expected, stable | expected)
    print(
        f"hawkeye counted {ours.stats.get('endpoints_closed', 0):,} closed, "
        f"{ours.stats.get('endpoints_filtered', 0):,} filtered, "
        f"{ours.stats.get('tcp_self_connects', 0)} self-connects dropped\n"
    )


LISTEN_SCRIPT = """
import socket, sys, time
socks = [socket.socket() for _ in sys.argv[2:]]
for sock, port in zip(socks, sys.argv[2:]):
    sock.bind((sys.argv[1], int(port)))
    sock.listen(256)
print("ready", flush=True)
time.sleep(3600)
"""

NETNS_SETUP = """set -e
ip netns add {ns}
ip link add {near} type veth peer name {far}
ip link set {far} netns {ns}
ip addr add {here}/30 dev {near}
ip link set {near} up
ip netns exec {ns} ip addr add {there}/30 dev {far}
ip netns exec {ns} ip link set {far} up
ip netns exec {ns} ip link set lo up
ip netns exec {ns} nft -f - <<'EOF'
table inet hawkeye_bench {{
  chain input {{
    type filter hook input priority 0; policy accept;
    tcp dport {{ 1-1024, {allowed} }} accept
    tcp dport 1-65535 drop
  }}
}}
EOF
"""


def part_namespace(nmap: str | None, quick: bool) -> None:
    print("== 2. full-port connect scan of a filtered host in a network namespace ==")
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("skipped: needs root and iproute2 to make a network namespace\n")
        return
    if ensure_tool("nft", "nftables") is None:
        print("skipped: no nft for the namespace's packet filter\n")
        return
    tag = os.getpid() % 100_000
    net = random.randrange(20, 250)
    names = {"ns": f"hawkeye-bench-{tag}", "near": f"hkb{tag}a", "far": f"hkb{tag}b"}
    here, there = f"10.200.{net}.1", f"10.200.{net}.2"
    open_ports = [22, 80, 443, 3000, 6274, 8000, 8080, 31337, 50000]
    listening = [*open_ports, 9999]  # 9999 listens behind the filter: it must be filtered
    ports, total = ("1-10000", 10_000) if quick else ("-", 65_535)
    setup = NETNS_SETUP.format(
        **names, here=here, there=there, allowed=", ".join(map(str, open_ports))
    )
    listener: subprocess.Popen[str] | None = None
    try:
        proc = run_bounded(["sh", "-c", setup], timeout=30)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip()[-300:])
        listener = subprocess.Popen(
            ["ip", "netns", "exec", names["ns"], sys.executable, "-c", LISTEN_SCRIPT, there]
            + [str(p) for p in listening],
            stdout=subprocess.PIPE,
            text=True,
        )
        if listener.stdout is None or listener.stdout.readline().strip() != "ready":
            raise RuntimeError("the listeners in the namespace did not start")
        print(
            f"namespace {names['ns']}: {there} behind a veth pair; {len(open_ports)} listeners "
            "open, ports 1-1024 closed (RST), every other port dropped"
        )
        print(f"hawkeye scan {there} -p {ports} --no-local --format json   (default L1 settings)")
        print(f"nmap -sT -p {ports} -T4 -n {there} -oX -")
        scans = {"hawkeye": [hawkeye_scan(there, ports, timeout=600)]}
        if nmap:
            scans["nmap"] = [nmap_scan(nmap, there, ports, timeout=900)]
        race(f"{total:,} ports, mostly dropped", scans, total)
        ours, theirs = scans["hawkeye"][0], scans["nmap"][0] if nmap else None
        compare(ours, theirs, {p for p in open_ports if p <= total}, None)
        line = (
            f"hawkeye: {ours.stats.get('endpoints_closed', 0):,} closed, "
            f"{ours.stats.get('endpoints_filtered', 0):,} filtered"
        )
        if theirs is not None:
            line += f"; nmap: {theirs.stats.get('closed', 0):,} closed, "
            line += f"{theirs.stats.get('filtered', 0):,} filtered"
        print(line)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"skipped: cannot set up the namespace: {exc}")
    finally:
        if listener is not None:
            listener.kill()
            listener.wait(timeout=10)
        for args in (["ip", "netns", "del", names["ns"]], ["ip", "link", "del", names["near"]]):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                run_bounded(args, timeout=20)
        left = names["ns"] in run_bounded(["ip", "netns", "list"], timeout=20).stdout
        print(f"namespace {names['ns']} {'LEFT BEHIND' if left else 'removed'}\n")


def part_sweep(quick: bool) -> None:
    print("== 3. sweeps of 127.0.0.0/N on two ports (all loopback) ==")
    # Not ports with a wildcard listener: every address would answer on them.
    ports = [p for p in (8000, 8001, 8765, 6274, 3000, 9000) if p not in listening_ports()][:2]
    spec = ",".join(map(str, ports))
    nets = ["127.0.0.0/18", "127.0.0.0/20"] if quick else ["127.0.0.0/16", "127.0.0.0/18"]
    repeats = 1 if quick else 2
    rows = []
    rss: dict[str, int] = {}
    with socket.socket() as sock:
        sock.bind(("127.0.9.9", ports[0]))  # one thing to find
        sock.listen(8)
        for target in ["127.0.0.1", *nets]:
            runs = [hawkeye_scan(target, spec, timeout=600) for _ in range(repeats)]
            best = min(runs, key=lambda scan: scan.wall)
            rss[target] = max(scan.peak_rss_kb for scan in runs)
            probes = 2 * 2 ** (32 - int(target.partition("/")[2] or 32))
            inner = min(scan.inner or scan.wall for scan in runs)
            swept = "/" in target
            rates = [f"{probes / inner:,.0f}", f"{probes / best.wall:,.0f}"] if swept else []
            name = target if swept else f"{target} (baseline)"
            rss_text = f"{rss[target] / 1024:.1f} MB"
            wall = f"{best.wall:.2f} s"
            rates = rates or ["n/a", "n/a"]
            rows.append([name, f"{probes:,}", wall, *rates, rss_text, f"{sorted(best.open_ports)}"])
            counted = best.stats.get("endpoints_closed", 0) + len(best.open_ports)
            if counted != probes:
                print(f"note: {target}: {counted:,} ports accounted for, not {probes:,}")
    print(f"ports {spec}; 127.0.9.9:{ports[0]} listens; best of {repeats} run(s)")
    headers = ["sweep", "probes", "wall", "probes/s (scan)", "probes/s (wall)", "peak RSS", "open"]
    print(format_table(headers, rows))
    big, small = nets
    print(
        f"peak RSS {big} / {small} = {rss[big] / rss[small]:.2f}x for 4x the addresses; "
        f"{big} / one address = {rss[big] / rss['127.0.0.1']:.2f}x"
    )
    verdict = "met" if rss[big] <= rss[small] * 1.25 else "NOT met"
    print(f"-> goal (memory flat as the range grows, within 25%): {verdict}\n")


def header(quick: bool) -> str:
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    mode = "quick (smaller scans, one repeat)" if quick else "full"
    return "\n".join(
        [
            "HawkEye L1 TCP connect scanner benchmark",
            f"date: {now}   mode: {mode}",
            f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}",
            f"python: {platform.python_implementation()} {platform.python_version()}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller scans, one repeat")
    args = parser.parse_args(argv)
    errors: list[str] = []
    began = time.perf_counter()
    print(header(args.quick))
    nmap = ensure_tool("nmap", "nmap")
    if nmap:
        print(f"setup: {run_bounded([nmap, '--version'], timeout=20).stdout.splitlines()[0]}")
    else:
        print("setup: no nmap: the nmap columns are skipped")
    print()
    parts: list[tuple[str, Callable[[], None]]] = [
        ("part 1", lambda: part_loopback(nmap, 1 if args.quick else 3)),
        ("part 2", lambda: part_namespace(nmap, args.quick)),
        ("part 3", lambda: part_sweep(args.quick)),
    ]
    for name, part in parts:
        try:
            part()
        except Exception:
            errors.append(traceback.format_exc())
            print(f"{name} raised; see below\n")
    print(f"finished in {time.perf_counter() - began:.1f} s; {len(errors)} part(s) raised")
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
