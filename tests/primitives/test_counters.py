"""Tests for hawkeye_core.concurrency.counters."""

from __future__ import annotations

import itertools
import threading
import time

from hawkeye_core.concurrency.counters import Stats
from tests.primitives.support import run_threads

THREADS = 16
OPS = 2_000


class YieldingInt(int):
    """An int whose additions let other threads run midway, as a free-threaded build might.

    Under the GIL ``x += n`` on a plain int rarely (if ever) interleaves, so a counter
    without its lock would pass; this widens the read-modify-write window so that it fails.
    """

    _adds = itertools.count()

    def __add__(self, other: object) -> YieldingInt:
        if next(self._adds) % 8 == 0:  # often enough to interleave, rarely enough to be quick
            time.sleep(0)
        return YieldingInt(int(self) + int(other))  # type: ignore[call-overload]

    __radd__ = __add__


def test_stats_incr_get_and_getitem():
    s = Stats("calls")
    assert "calls" in s and "other" not in s
    assert s.get("calls") == 0
    assert s["missing"] == 0
    assert s.incr("calls") == 1
    assert s.incr("calls", 4) == 5
    assert s["calls"] == 5
    assert s.get("calls") == 5


def test_stats_set_max_keeps_the_peak():
    s = Stats()
    assert s.set_max("peak", 3) == 3
    assert s.set_max("peak", 1) == 3
    assert s.set_max("peak", 7) == 7
    assert s["peak"] == 7
    assert s.set_max("negative", -5) == -5  # the first report is the peak, even if negative


def test_stats_snapshot_is_a_copy():
    s = Stats()
    s.incr("a")
    snap = s.snapshot()
    s.incr("a")
    snap["a"] = 100
    assert s["a"] == 2
    assert s.snapshot() == {"a": 2}


def test_stats_reset_returns_old_values_and_zeroes():
    s = Stats()
    s.incr("a", 3)
    s.incr("b", 2)
    assert s.reset() == {"a": 3, "b": 2}
    assert s.snapshot() == {"a": 0, "b": 0}


def test_stats_totals_and_peaks_exact_under_contention():
    s = Stats()

    def work(i: int) -> None:
        for n in range(OPS):
            s.incr("ops", YieldingInt(1))
            s.incr(f"thread{i % 4}", 2)
            s.set_max("peak", i * OPS + n)

    run_threads(work, THREADS)
    snap = s.snapshot()
    assert snap["ops"] == THREADS * OPS
    assert sum(snap[f"thread{k}"] for k in range(4)) == 2 * THREADS * OPS
    assert snap["peak"] == THREADS * OPS - 1


def test_stats_snapshot_is_consistent_across_counters():
    # The writer bumps "started" before "finished": a consistent snapshot never shows more
    # finished than started.
    s = Stats("started", "finished")
    stop = threading.Event()
    bad: list[dict[str, int]] = []

    def writer() -> None:
        for _ in range(OPS):
            s.incr("started")
            s.incr("finished")
        stop.set()

    def reader() -> None:
        while not stop.is_set():
            snap = s.snapshot()
            if snap["finished"] > snap["started"]:
                bad.append(snap)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not bad
    assert s.snapshot() == {"started": OPS, "finished": OPS}
