"""Introspecting 50 lab servers: HawkEye's L3 against the SDK client used one server at a time.

Usage::

    python benchmarks/introspect.py [--servers N] [--repeats R]

It starts ``N`` lab servers (``hawkeye_lab``'s benign and poisoned-tools servers,
alternating, on random loopback ports), then measures in one run:

1. **Throughput**: the whole set introspected by the SDK's ``Client`` used
   sequentially (a session, ``tools/list``, ``resources/list``, ``prompts/list``,
   fully paginated, one server after the other) against HawkEye's pipeline
   introspecting the same servers on L3 (the ``introspect_mcp`` plugin, every
   list paginated, with its deadlines, caps and breakers). Goal: at least 5x.
2. **Per-server overhead**: one server, repeatedly, HawkEye's introspector call
   against a bare SDK session doing the same lists. Goal: within 1.2x.

Every figure is the best of ``R`` repeats, measured in the same run; the
machine is shared, so read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
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
from hawkeye_core.testing import run_pipeline  # noqa: E402


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


def hawkeye_pipeline(urls: list[str], l3: int = 5) -> tuple[float, int]:
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
with Lab.many(int(sys.argv[1])) as lab:
    print(json.dumps([s.url for s in lab.network if s.url]), flush=True)
    sys.stdin.read()  # until the parent closes it
"""


@contextlib.contextmanager
def lab_process(count: int) -> Iterator[list[str]]:
    """``count`` lab servers in a child process; yields their URLs."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")])}
    child = subprocess.Popen(
        [sys.executable, "-c", LAB_CHILD, str(count)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the lab process did not start")
        yield json.loads(line)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def best(fn, *args, repeats: int) -> float:  # type: ignore[no-untyped-def]
    return min(fn(*args) for _ in range(repeats))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print("HawkEye L3 introspection benchmark")
    print(f"date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    # The servers run in their own process, as real servers would: in this one
    # they would share its interpreter lock with the client being measured.
    with lab_process(args.servers) as urls:
        print(f"lab: {len(urls)} servers on 127.0.0.1 in a child process ({urls[0]} ...)")
        sdk_inventory_warm = asyncio.run(sdk_inventory(urls[0]))
        print(f"warm-up: {sdk_inventory_warm} items on the first server")

        print(f"\n== 1. {len(urls)} servers, best of {args.repeats} ==")
        sdk = best(sdk_sequential, urls, repeats=args.repeats)
        print(
            f"{'SDK client, sequential':<30} {sdk:7.2f} s  {len(urls) / sdk:7.1f} servers/s  1.0x"
        )
        for l3 in (5, 10):
            runs = [hawkeye_pipeline(urls, l3) for _ in range(args.repeats)]
            hawk = min(r[0] for r in runs)
            complete = min(r[1] for r in runs)
            label = f"HawkEye, L3={l3}" + (" (default)" if l3 == 5 else "")
            print(
                f"{label:<30} {hawk:7.2f} s  {len(urls) / hawk:7.1f} servers/s  {sdk / hawk:.1f}x"
                f"  ({complete} of {len(urls)} fully inventoried)"
            )
        ratio = sdk / hawk
        verdict = "met" if ratio >= 5 and complete == len(urls) else "NOT met"
        print(f"-> speed-up {ratio:.1f}x at L3=10 (goal: at least 5x): {verdict}")

        print(f"\n== 2. one server, best of {max(5, args.repeats)} ==")
        url = urls[0]
        repeats = max(5, args.repeats)
        bare = best(one_server_sdk, url, repeats=repeats)
        ours = best(one_server_hawkeye, url, repeats=repeats)
        print(f"{'bare SDK session':<28} {bare * 1000:7.1f} ms")
        print(f"{'HawkEye (whole pipeline)':<28} {ours * 1000:7.1f} ms")
        overhead = ours / bare
        verdict = "met" if overhead <= 1.2 else "NOT met"
        print(f"-> overhead {overhead:.2f}x (goal: within 1.2x): {verdict}")
        print(
            "   (HawkEye's figure includes building the plugin manager, the levels and the run;"
            " the SDK's starts at the session)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
