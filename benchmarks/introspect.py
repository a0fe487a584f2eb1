"""Introspecting 50 lab servers: HawkEye's L3 against the SDK client used one server at a time.

Usage::

    python benchmarks/introspect.py [--servers N] [--repeats R] [--l3 5,10]
                                    [--delay SECONDS] [--l3-sweep 5,10,20,50]

It starts ``N`` lab servers (``hawkeye_lab``'s benign and poisoned-tools servers,
alternating, on random loopback ports) in a child process, then measures in one run:

1. **Throughput**: the whole set introspected by the SDK's ``Client`` used
   sequentially (a session, ``tools/list``, ``resources/list``, ``prompts/list``,
   fully paginated, one server after the other) against HawkEye's pipeline
   introspecting the same servers on L3 (the ``introspect_mcp`` plugin, every
   list paginated, with its deadlines, caps and breakers), at the default L3
   size and at 10. Rounds are interleaved; best and median of ``R``. Goal: at
   least 5x.
2. **Per-server overhead**: one server, repeatedly, HawkEye's whole pipeline
   against a bare SDK session doing the same lists. Goal: within 1.2x.
3. **L3 size against farther servers**: a second lab whose requests each wait
   ``--delay`` seconds (0 skips this part); HawkEye at each ``--l3-sweep`` size.

Every figure is measured in the same run; the machine is shared, so read the
ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from mcp import Client  # noqa: E402

from hawkeye_core import (  # noqa: E402
    Detector,
    Level,
    ServerRef,
    Settings,
    hookimpl,
)
from hawkeye_core.levels import DEFAULT_LEVEL_SIZES  # noqa: E402
from hawkeye_core.testing import run_pipeline  # noqa: E402

DEFAULT_L3 = DEFAULT_LEVEL_SIZES[Level.INTROSPECT]


async def sdk_inventory(url: str) -> int:
    """A bare SDK session listing everything; returns how many items it saw."""
    items = 0
    async with Client(url) as client:
        for lister in (client.list_tools, client.list_resources, client.list_prompts):
            cursor = None
            for _ in range(1000):
                try:
                    page = await lister(cursor=cursor)
                except Exception:  # the server lacks that list
                    break
                items += len(
                    getattr(page, "tools", None)
                    or getattr(page, "resources", None)
                    or getattr(page, "prompts", None)
                    or ()
                )
                cursor = page.next_cursor
                if cursor is None:
                    break
    return items


def sdk_sequential(urls: list[str]) -> float:
    started = time.perf_counter()

    async def all_of_them() -> None:
        for url in urls:
            await sdk_inventory(url)

    asyncio.run(all_of_them())
    return time.perf_counter() - started


class Seeds:
    """A host detector handing the runner the lab's servers, so only L3 does work."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.__name__ = "bench-seeds"

    @hookimpl
    def hawkeye_detectors(self) -> Iterator[Detector]:
        def seeds(ctx: object) -> Iterator[ServerRef]:
            for url in self.urls:
                yield ServerRef(transport="streamable-http", url=url, name=url)

        yield Detector(name="bench-seeds", on="host", run=seeds)


def hawkeye_pipeline(urls: list[str], l3: int = DEFAULT_L3) -> tuple[float, int]:
    import hawkeye_introspect_mcp

    settings = Settings(local=True, levels={Level.INTROSPECT: l3})
    started = time.perf_counter()
    result = run_pipeline([], Seeds(urls), hawkeye_introspect_mcp, settings=settings)
    elapsed = time.perf_counter() - started
    full = sum(1 for inv in result.inventories if inv.tools and not inv.errors)
    return elapsed, full


def one_server_hawkeye(url: str) -> float:
    return hawkeye_pipeline([url])[0]


def one_server_sdk(url: str) -> float:
    return sdk_sequential([url])


LAB_CHILD = """
import json, sys, time
from hawkeye_lab.runner import Lab
with Lab.many(int(sys.argv[1]), delay=float(sys.argv[2])) as lab:
    print(json.dumps([s.url for s in lab.network if s.url]), flush=True)
    sys.stdin.read()  # until the parent closes it
"""


#: The running lab processes (the newest last), for :func:`lab_cpu`.
LAB_PIDS: list[int] = []


def lab_cpu() -> float:
    """CPU seconds the newest lab process has used so far (0 where /proc is missing)."""
    try:
        with open(f"/proc/{LAB_PIDS[-1]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (IndexError, OSError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def lab_process(count: int, delay: float = 0.0) -> Iterator[list[str]]:
    """``count`` lab servers in a child process; yields their URLs.

    ``delay`` seconds are waited before each HTTP request is handled (a farther server).
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")])}
    child = subprocess.Popen(
        [sys.executable, "-c", LAB_CHILD, str(count), str(delay)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the lab process did not start")
        LAB_PIDS.append(child.pid)
        yield json.loads(line)
    finally:
        if child.pid in LAB_PIDS:
            LAB_PIDS.remove(child.pid)
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def best(fn, *args, repeats: int) -> float:  # type: ignore[no-untyped-def]
    return min(fn(*args) for _ in range(repeats))


class Tally:
    """One contender's runs: wall seconds, this process's CPU seconds, servers fully read."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.lab_cpus: list[float] = []
        self.complete: list[int] = []

    def measure(self, fn, *args) -> None:  # type: ignore[no-untyped-def]
        cpu, lab = time.process_time(), lab_cpu()
        wall, complete = fn(*args)
        self.cpus.append(time.process_time() - cpu)
        self.lab_cpus.append(lab_cpu() - lab)
        self.walls.append(wall)
        self.complete.append(complete)

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def sdk_run(urls: list[str]) -> tuple[float, int]:
    return sdk_sequential(urls), len(urls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--l3", default=f"{DEFAULT_L3},10", help="L3 sizes for part 1 (default: the default and 10)"
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.02,
        help="part 3: seconds each lab request waits, as if the servers were farther (0 skips)",
    )
    parser.add_argument("--l3-sweep", default="5,10,20,50", help="part 3: L3 sizes to compare")
    args = parser.parse_args()
    sizes = [int(x) for x in args.l3.split(",") if x.strip()]

    print("HawkEye L3 introspection benchmark")
    print(f"date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    # The servers run in their own process, as real servers would: in this one
    # they would share its interpreter lock with the client being measured.
    with lab_process(args.servers) as urls:
        n = len(urls)
        print(f"lab: {n} servers on 127.0.0.1 in a child process ({urls[0]} ...)")
        sdk_inventory_warm = asyncio.run(sdk_inventory(urls[0]))
        hawkeye_pipeline(urls[:2])
        print(f"warm-up: {sdk_inventory_warm} items on the first server")

        print(f"\n== 1. {n} servers, best of {args.repeats} (runs interleaved) ==")
        sdk = Tally("SDK client, sequential")
        ours = {size: Tally(f"HawkEye, L3={size}") for size in sizes}
        # Interleaved rounds: a burst of load on the shared machine hits every contender.
        for _ in range(args.repeats):
            sdk.measure(sdk_run, urls)
            for size, tally in ours.items():
                tally.measure(hawkeye_pipeline, urls, size)
        print(
            f"{'':<30} {'best':>7} {'median':>8} {'servers/s':>10} {'CPU/server':>11}"
            f" {'lab CPU':>8} {'ratio':>6}"
        )
        for tally in (sdk, *ours.values()):
            label = tally.label + (" (default)" if tally is ours.get(DEFAULT_L3) else "")
            cpu = min(tally.cpus) / n * 1000
            lab = min(tally.lab_cpus) / n * 1000
            note = "" if tally is sdk else f"  ({min(tally.complete)} of {n} fully inventoried)"
            print(
                f"{label:<30} {tally.best:6.2f}s {tally.median:7.2f}s {n / tally.best:10.1f}"
                f" {cpu:8.1f} ms {lab:5.1f} ms {sdk.best / tally.best:5.1f}x{note}"
            )
        print(
            "   (CPU/server: this process; lab CPU: the servers' process. With two idle cores a"
            " run takes about the larger of the two per server, with one about their sum)"
        )
        for size, tally in ours.items():
            ratio = sdk.best / tally.best
            median_ratio = sdk.median / tally.median
            verdict = "met" if ratio >= 5 and min(tally.complete) == n else "NOT met"
            print(
                f"-> speed-up at L3={size}: {ratio:.1f}x best, {median_ratio:.1f}x median"
                f" (goal: at least 5x): {verdict}"
            )

        print(f"\n== 2. one server, best of {max(5, args.repeats)} ==")
        url = urls[0]
        repeats = max(5, args.repeats)
        bare = best(one_server_sdk, url, repeats=repeats)
        mine = best(one_server_hawkeye, url, repeats=repeats)
        print(f"{'bare SDK session':<28} {bare * 1000:7.1f} ms")
        print(f"{'HawkEye (whole pipeline)':<28} {mine * 1000:7.1f} ms")
        overhead = mine / bare
        verdict = "met" if overhead <= 1.2 else "NOT met"
        print(f"-> overhead {overhead:.2f}x (goal: within 1.2x): {verdict}")
        print(
            "   (HawkEye's figure includes building the plugin manager, the levels and the run;"
            " the SDK's starts at the session)"
        )

    if args.delay > 0:
        sweep = [int(x) for x in args.l3_sweep.split(",") if x.strip()]
        latency_sweep(args.servers, args.delay, sweep)
    return 0


def latency_sweep(count: int, delay: float, sizes: list[int]) -> None:
    """Part 3: the same lab, each request delayed: what L3 size the work wants."""
    ms = delay * 1000
    print(f"\n== 3. {count} servers {ms:g} ms away (each request waits {ms:g} ms), best of 2 ==")
    with lab_process(count, delay) as urls:
        n = len(urls)
        hawkeye_pipeline(urls[:2])
        one = best(one_server_sdk, urls[0], repeats=2)
        print(f"{'SDK client, one server':<24} {one * 1000:7.1f} ms  (x {n} servers sequentially"
              f" ~ {one * n:.1f} s)")  # fmt: skip
        tallies = {size: Tally(f"HawkEye, L3={size}") for size in sizes}
        for _ in range(2):
            for size, tally in tallies.items():
                tally.measure(hawkeye_pipeline, urls, size)
        base = tallies[sizes[0]].best
        versus = f"vs L3={sizes[0]}"
        print(f"{'':<24} {'best':>7} {'servers/s':>10} {'CPU/server':>11} {versus:>9}")
        for tally in tallies.values():
            cpu = min(tally.cpus) / n * 1000
            print(
                f"{tally.label:<24} {tally.best:6.2f}s {n / tally.best:10.1f} {cpu:8.1f} ms"
                f" {base / tally.best:8.1f}x  ({min(tally.complete)} of {n} fully inventoried)"
            )


if __name__ == "__main__":
    sys.exit(main())
