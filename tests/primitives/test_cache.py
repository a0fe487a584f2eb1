"""Tests for hawkeye_core.concurrency.cache."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hawkeye_core.concurrency.cache import CacheStats, TTLCache, approximate_sizeof
from tests.primitives.support import FakeClock, run_threads


def wait_until(predicate, what: str, limit: float = 10.0) -> None:
    """Poll until ``predicate()``; fail (not hang) if it never becomes true."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.001)


def test_get_set_pop_contains_len_clear():
    cache: TTLCache[str, int] = TTLCache()
    assert cache.get("a") is None
    assert cache.get("a", -1) == -1
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    assert "a" in cache and "z" not in cache
    assert len(cache) == 2
    assert cache.pop("a") == 1
    assert cache.pop("a", "gone") == "gone"
    assert "a" not in cache
    cache.clear()
    assert len(cache) == 0
    assert cache.get("b") is None


def test_least_recently_used_entry_is_evicted_first():
    cache: TTLCache[str, int] = TTLCache(max_entries=3)
    for key in "abc":
        cache.set(key, ord(key))
    cache.get("a")  # a is now the most recent; b is the least
    cache.set("d", 4)
    assert "b" not in cache
    assert all(k in cache for k in "acd")
    cache.set("c", 30)  # set also refreshes recency: a is now the least recent
    cache.set("e", 5)
    assert "a" not in cache
    assert all(k in cache for k in "cde")
    assert cache.stats().evictions == 2


def test_contains_neither_counts_nor_refreshes_recency():
    cache: TTLCache[str, int] = TTLCache(max_entries=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert "a" in cache
    cache.set("c", 3)
    assert "a" not in cache  # "in" did not make a recent
    stats = cache.stats()
    assert (stats.hits, stats.misses) == (0, 0)


def test_entries_expire_after_ttl():
    clock = FakeClock()
    cache: TTLCache[str, str] = TTLCache(ttl=10, clock=clock)
    cache.set("a", "x")
    cache.set("b", "y", ttl=20)
    clock.advance(9.999)
    assert cache.get("a") == "x"
    clock.advance(0.001)
    assert cache.get("a") is None
    assert "a" not in cache
    assert cache.get("b") == "y"
    assert len(cache) == 1
    clock.advance(10)
    assert "b" not in cache
    assert len(cache) == 0
    assert cache.stats().expirations == 2


def test_expired_entries_are_dropped_before_live_ones_are_evicted():
    clock = FakeClock()
    cache: TTLCache[str, int] = TTLCache(max_entries=2, clock=clock)
    cache.set("short", 1, ttl=1)
    cache.set("long", 2)
    cache.get("short")  # short is the most recent, long the least recent
    clock.advance(1)
    cache.set("new", 3)
    assert "long" in cache and "new" in cache
    stats = cache.stats()
    assert (stats.evictions, stats.expirations) == (0, 1)


def test_zero_ttl_or_oversized_value_is_not_stored_and_drops_the_old_value():
    cache: TTLCache[str, str] = TTLCache(max_bytes=10, sizeof=len)
    cache.set("k", "small")
    cache.set("k", "x" * 11)
    assert "k" not in cache
    cache.set("k", "small")
    cache.set("k", "small", ttl=0)
    assert "k" not in cache
    assert cache.stats().bytes == 0


def test_byte_bound_evicts_least_recent_entries():
    cache: TTLCache[str, str] = TTLCache(max_bytes=10, sizeof=len)
    cache.set("a", "aaaa")
    cache.set("b", "bbbb")
    cache.get("a")
    cache.set("c", "cccc")  # 12 bytes: b, the least recent, must go
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.stats().bytes == 8
    cache.set("d", "dddddddddd")  # exactly max_bytes: everything else must go
    assert len(cache) == 1 and cache.get("d") == "dddddddddd"
    assert cache.stats().bytes == 10


def test_stats_record_counts_hits_misses_and_is_frozen():
    cache: TTLCache[str, int] = TTLCache()
    cache.set("a", 1)
    cache.get("a")
    cache.get("a")
    cache.get("b")
    cache.get_or_set("c", lambda: 3)
    cache.get_or_set("c", lambda: 4)
    stats = cache.stats()
    assert stats == CacheStats(hits=3, misses=2, evictions=0, expirations=0, entries=2, bytes=0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        stats.hits = 0  # type: ignore[misc]


def test_approximate_sizeof_counts_nested_contents():
    flat = approximate_sizeof([])
    nested = approximate_sizeof(["x" * 1000, {"k": b"y" * 1000}])
    assert nested > flat + 2000
    shared = "z" * 1000
    assert approximate_sizeof([shared, shared]) < approximate_sizeof([shared, "w" * 1000])

    @attrs.frozen
    class Record:
        payload: str

    assert approximate_sizeof(Record("q" * 5000)) > 5000
    cyclic: list[object] = []
    cyclic.append(cyclic)
    assert approximate_sizeof(cyclic) > 0


def test_constructor_rejects_bad_bounds():
    with pytest.raises(ValueError, match="max_entries"):
        TTLCache(max_entries=0)
    with pytest.raises(ValueError, match="max_bytes"):
        TTLCache(max_bytes=0)
    with pytest.raises(ValueError, match="ttl"):
        TTLCache(ttl=-1)


def test_get_or_set_runs_factory_once_for_concurrent_callers():
    n = 16
    cache: TTLCache[str, str] = TTLCache()
    release = threading.Event()
    calls: list[int] = []
    results: list[str] = []

    def factory() -> str:
        calls.append(1)
        assert release.wait(30)
        return "value"

    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_set("k", factory)))
        for _ in range(n)
    ]
    for t in threads:
        t.start()
    # Every caller has looked the key up (and missed) while the factory is still running;
    # this also proves the cache lock is not held while the factory runs.
    wait_until(lambda: cache.stats().misses == n, "every caller to miss")
    release.set()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert len(calls) == 1
    assert results == ["value"] * n
    assert cache.get("k") == "value"


def test_get_or_set_does_not_hold_the_cache_lock_while_factory_runs():
    cache: TTLCache[str, str] = TTLCache()
    other_done = threading.Event()

    def factory() -> str:
        # Another thread must be able to use the cache meanwhile.
        t = threading.Thread(target=lambda: (cache.set("other", "o"), other_done.set()))
        t.start()
        t.join(timeout=10)
        return "v"

    assert cache.get_or_set("k", factory) == "v"
    assert other_done.is_set()
    assert cache.get("other") == "o"


def test_get_or_set_waiter_gives_up_after_its_timeout_while_the_owner_hangs():
    cache: TTLCache[str, str] = TTLCache()
    release = threading.Event()
    started = threading.Event()

    def hang() -> str:
        started.set()
        assert release.wait(30)
        return "late"

    owner = threading.Thread(target=lambda: cache.get_or_set("k", hang))
    owner.start()
    try:
        assert started.wait(10)
        with pytest.raises(TimeoutError):
            cache.get_or_set("k", lambda: "never", timeout=0.05)
    finally:
        release.set()
        owner.join(timeout=30)
    assert cache.get("k") == "late"
    assert cache.get_or_set("k", lambda: "never", timeout=0) == "late"  # stored: no wait


def test_get_or_set_failure_reaches_waiters_and_caches_nothing():
    n = 8
    cache: TTLCache[str, str] = TTLCache()
    release = threading.Event()
    calls: list[int] = []
    errors: list[BaseException] = []

    def factory() -> str:
        calls.append(1)
        assert release.wait(30)
        raise ConnectionError("host down")

    def caller() -> None:
        try:
            cache.get_or_set("k", factory)
        except ConnectionError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller) for _ in range(n)]
    for t in threads:
        t.start()
    wait_until(lambda: cache.stats().misses == n, "every caller to miss")
    release.set()
    for t in threads:
        t.join(timeout=30)
    assert len(calls) == 1
    assert len(errors) == n
    assert "k" not in cache
    assert cache.get_or_set("k", lambda: "recovered") == "recovered"
    assert cache.get("k") == "recovered"


def test_get_or_set_waiter_retries_when_owner_is_interrupted():
    class Interrupted(BaseException):
        pass

    cache: TTLCache[str, str] = TTLCache()
    release = threading.Event()
    results: list[str] = []

    def interrupted_factory() -> str:
        assert release.wait(30)
        raise Interrupted

    def owner() -> None:
        with pytest.raises(Interrupted):
            cache.get_or_set("k", interrupted_factory)

    first = threading.Thread(target=owner)
    first.start()
    wait_until(lambda: cache.stats().misses == 1, "the owner to start")
    second = threading.Thread(target=lambda: results.append(cache.get_or_set("k", lambda: "ok")))
    second.start()
    wait_until(lambda: cache.stats().misses == 2, "the waiter to miss")
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert results == ["ok"]
    assert cache.get("k") == "ok"


def test_set_during_get_or_set_wins_over_the_computed_value():
    cache: TTLCache[str, str] = TTLCache()

    def factory() -> str:
        cache.set("k", "explicit")
        return "computed"

    assert cache.get_or_set("k", factory) == "computed"
    assert cache.get("k") == "explicit"

    def clearing_factory() -> str:
        cache.clear()
        return "stale"

    assert cache.get_or_set("j", clearing_factory) == "stale"
    assert "j" not in cache


def test_get_or_set_calls_factory_once_per_key_under_stress(frequent_thread_switches):
    keys = [f"key{i}" for i in range(200)]
    cache: TTLCache[str, str] = TTLCache(max_entries=len(keys))
    calls: dict[str, int] = {}
    calls_lock = threading.Lock()

    def make(key: str):
        def factory() -> str:
            with calls_lock:
                calls[key] = calls.get(key, 0) + 1
            time.sleep(0.0005)  # widen the window in which other callers miss the key
            return key.upper()

        return factory

    def work(i: int) -> None:
        rng = random.Random(i)
        for _ in range(2_000):
            key = rng.choice(keys)
            assert cache.get_or_set(key, make(key)) == key.upper()

    run_threads(work, 32)
    assert set(calls) == set(keys)
    assert all(count == 1 for count in calls.values()), calls


def test_bounds_and_stats_hold_under_stress(frequent_thread_switches):
    clock = FakeClock()
    max_entries, max_bytes = 50, 400
    cache: TTLCache[int, str] = TTLCache(
        max_entries=max_entries, max_bytes=max_bytes, ttl=5, clock=clock, sizeof=len
    )
    lookups = [0] * 32
    violations: list[CacheStats] = []
    stop = threading.Event()

    def monitor() -> None:
        while not stop.is_set():
            s = cache.stats()
            if s.entries > max_entries or s.bytes > max_bytes or s.bytes < 0:
                violations.append(s)

    def work(i: int) -> None:
        rng = random.Random(i)
        for _ in range(3_000):
            key = rng.randrange(120)
            op = rng.random()
            if op < 0.4:
                cache.get(key)
                lookups[i] += 1
            elif op < 0.75:
                cache.set(key, "v" * rng.randrange(1, 30), ttl=rng.choice([None, 1, 3]))
            elif op < 0.85:
                cache.get_or_set(key, lambda: "f" * 8)
                lookups[i] += 1
            elif op < 0.95:
                cache.pop(key)
            else:
                clock.advance(0.5)

    watcher = threading.Thread(target=monitor)
    watcher.start()
    run_threads(work, 32)
    stop.set()
    watcher.join(timeout=30)
    assert not violations
    stats = cache.stats()
    assert stats.hits + stats.misses == sum(lookups)
    assert stats.entries == len(cache) <= max_entries
    assert stats.evictions > 0 and stats.expirations > 0  # both bounds were exercised
    # The byte count matches what is actually stored.
    live = [cache._data[k] for k in list(cache._data)]
    assert stats.bytes == sum(e.size for e in live) <= max_bytes


class CacheModel(RuleBasedStateMachine):
    """TTLCache against a plain reference model: an OrderedDict scanned linearly."""

    MAX_ENTRIES = 4
    MAX_BYTES = 12

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.cache: TTLCache[str, str] = TTLCache(
            max_entries=self.MAX_ENTRIES,
            max_bytes=self.MAX_BYTES,
            ttl=4,
            clock=self.clock,
            sizeof=len,
        )
        self.model: OrderedDict[str, tuple[str, float | None]] = OrderedDict()
        self.hits = self.misses = self.evictions = self.expirations = 0

    def expired(self, key: str) -> bool:
        expires = self.model[key][1]
        return expires is not None and self.clock.now >= expires

    def purge(self) -> None:
        for key in [k for k in self.model if self.expired(k)]:
            del self.model[key]
            self.expirations += 1

    def lookup(self, key: str) -> str | None:
        if key in self.model and self.expired(key):
            del self.model[key]
            self.expirations += 1
        if key in self.model:
            self.model.move_to_end(key)
            self.hits += 1
            return self.model[key][0]
        self.misses += 1
        return None

    def store(self, key: str, value: str, ttl: float | None) -> None:
        self.model.pop(key, None)
        ttl = 4 if ttl is None else ttl
        if ttl <= 0 or len(value) > self.MAX_BYTES:
            return
        self.model[key] = (value, self.clock.now + ttl)
        self.purge()
        while len(self.model) > self.MAX_ENTRIES or (
            sum(len(v) for v, _ in self.model.values()) > self.MAX_BYTES
        ):
            self.model.popitem(last=False)
            self.evictions += 1

    keys = st.sampled_from("abcdef")
    values = st.text(alphabet="xyz", min_size=0, max_size=14)
    ttls = st.sampled_from([None, 0, 1, 2, 3.5, 100])

    @rule(key=keys, value=values, ttl=ttls)
    def set(self, key: str, value: str, ttl: float | None) -> None:
        self.cache.set(key, value, ttl=ttl)
        self.store(key, value, ttl)

    @rule(key=keys)
    def get(self, key: str) -> None:
        assert self.cache.get(key) == self.lookup(key)

    @rule(key=keys, value=values)
    def get_or_set(self, key: str, value: str) -> None:
        expected = self.lookup(key)
        if expected is None:
            expected = value
            self.store(key, value, None)
        assert self.cache.get_or_set(key, lambda: value) == expected

    @rule(key=keys)
    def pop(self, key: str) -> None:
        expected = None
        if key in self.model:
            if self.expired(key):
                self.expirations += 1
            else:
                expected = self.model[key][0]
            del self.model[key]
        assert self.cache.pop(key) == expected

    @rule(key=keys)
    def contains(self, key: str) -> None:
        if key in self.model and self.expired(key):
            del self.model[key]
            self.expirations += 1
        assert (key in self.cache) == (key in self.model)

    @rule(seconds=st.sampled_from([0.5, 1, 2, 3]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @precondition(lambda self: len(self.model) > 2)
    @rule()
    def clear(self) -> None:
        self.cache.clear()
        self.model.clear()

    @invariant()
    def matches_model(self) -> None:
        self.purge()
        stats = self.cache.stats()
        assert list(self.cache._data) == list(self.model)  # same entries, same LRU order
        assert stats == CacheStats(
            hits=self.hits,
            misses=self.misses,
            evictions=self.evictions,
            expirations=self.expirations,
            entries=len(self.model),
            bytes=sum(len(v) for v, _ in self.model.values()),
        )
        assert stats.entries <= self.MAX_ENTRIES and stats.bytes <= self.MAX_BYTES


CacheModel.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
test_cache_matches_reference_model = CacheModel.TestCase
