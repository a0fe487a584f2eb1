"""Tests for hawkeye_core.concurrency.ratelimit."""

from __future__ import annotations

import asyncio
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hawkeye_core.concurrency.ratelimit import KeyedRateLimiter, RateLimiter
from tests.primitives.support import FakeClock, run_threads


def assert_window_respected(times: list[float], limit: int, window: float) -> None:
    """No half-open interval of ``window`` seconds holds more than ``limit`` admissions."""
    times = sorted(times)
    for i in range(len(times) - limit):
        assert times[i + limit] - times[i] >= window, (
            f"{limit + 1} admissions within {window} s: {times[i : i + limit + 1]}"
        )


def assert_bucket_respected(times: list[float], rate: float, burst: int) -> None:
    """Between any two admissions, at most burst + rate * elapsed were admitted."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, min(len(times), i + 4 * burst + 50)):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6


def make_limiter(clock: FakeClock, rate: float, **kwargs) -> RateLimiter:
    return RateLimiter(
        rate, clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep, **kwargs
    )


def test_defaults_give_limit_and_burst_from_rate_and_window():
    limiter = RateLimiter(10)
    assert (limiter.rate, limiter.window, limiter.limit, limiter.burst) == (10.0, 1.0, 10, 10)
    assert RateLimiter(0.1).limit == 1  # at least one per window
    assert RateLimiter(0.29, window=100).limit == 29  # no float-rounding loss
    assert RateLimiter(5, window=2, burst=3).burst == 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": 0},
        {"rate": -1},
        {"rate": math.inf},
        {"rate": 1, "window": 0},
        {"rate": 1, "burst": 0},
    ],
)
def test_bad_parameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        RateLimiter(**kwargs)


def test_try_acquire_admits_a_burst_then_reports_the_wait():
    clock = FakeClock()
    limiter = make_limiter(clock, 4, burst=2)
    assert [limiter.try_acquire() for _ in range(2)] == [0.0] * 2
    assert limiter.try_acquire() == pytest.approx(0.25)  # one token comes back after 1/4 s
    assert limiter.try_acquire() == pytest.approx(0.25)  # a refusal consumes nothing
    clock.advance(0.2)
    assert limiter.try_acquire() == pytest.approx(0.05)
    clock.advance(0.05)
    assert limiter.try_acquire() == 0.0
    clock.advance(0.5)
    assert limiter.try_acquire() == 0.0  # the 4th admission in [0, 1): the window is full
    assert limiter._tokens == pytest.approx(1.0)
    assert limiter.try_acquire() == pytest.approx(0.25)  # tokens exist; the window says wait
    clock.advance(0.25)
    assert limiter.try_acquire() == 0.0


def test_sliding_window_caps_admissions_even_with_a_large_burst():
    clock = FakeClock()
    limiter = make_limiter(clock, 2, burst=100)
    assert limiter.limit == 2
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(1.0)
    clock.advance(0.999)
    assert limiter.try_acquire() > 0
    clock.advance(0.001)
    assert limiter.try_acquire() == 0.0


def test_acquire_sleeps_until_admitted_without_holding_the_lock():
    clock = FakeClock()
    limiter = make_limiter(clock, 2)
    original_sleep = clock.sleep

    def sleep(seconds: float) -> None:
        assert not limiter._lock.locked(), "slept while holding the limiter's lock"
        original_sleep(seconds)

    limiter._sleep = sleep
    assert limiter.acquire() and limiter.acquire()
    assert clock.slept == []
    assert limiter.acquire()
    assert clock.now == pytest.approx(1.0)  # the window, not the 0.5 s token refill, decided
    assert sum(clock.slept) == pytest.approx(1.0)


def test_acquire_gives_up_at_the_timeout():
    clock = FakeClock()
    limiter = make_limiter(clock, 1)
    assert limiter.acquire(timeout=0)
    assert not limiter.acquire(timeout=0)
    assert clock.slept == []  # timeout=0 tries once, never sleeps
    assert not limiter.acquire(timeout=0.3)
    assert clock.now == pytest.approx(0.3)
    assert limiter.acquire(timeout=5)
    assert clock.now == pytest.approx(1.0)


def test_acquire_async_waits_with_the_async_sleep():
    clock = FakeClock()
    limiter = make_limiter(clock, 1)

    async def main() -> list[bool]:
        return [
            await limiter.acquire_async(),
            await limiter.acquire_async(timeout=0.5),
            await limiter.acquire_async(),
        ]

    assert asyncio.run(main()) == [True, False, True]
    assert clock.now == pytest.approx(1.0)


@settings(deadline=None, max_examples=120)
@given(
    rate=st.sampled_from([0.5, 1, 2.5, 3, 7, 10, 33.3]),
    window=st.sampled_from([0.1, 0.5, 1, 2.5]),
    burst=st.none() | st.integers(1, 12),
    steps=st.lists(
        st.one_of(
            st.just("acquire"),
            st.just("retry_after_wait"),
            st.sampled_from([0.001, 0.01, 0.1, 0.3, 1.0, 2.7]),
        ),
        max_size=120,
    ),
)
def test_rate_limiter_never_exceeds_its_limits(rate, window, burst, steps):
    clock = FakeClock(1000.0)
    limiter = make_limiter(clock, rate, window=window, burst=burst)
    admitted: list[float] = []
    for step in steps:
        if isinstance(step, float):
            clock.advance(step)
            continue
        wait = limiter.try_acquire()
        if wait == 0.0:
            admitted.append(clock.now)
            continue
        assert wait > 0
        if step == "retry_after_wait":
            if wait > 1e-4:  # the wait is a lower bound: half of it is never enough
                clock.advance(wait / 2)
                assert limiter.try_acquire() > 0
                clock.advance(wait / 2)
            else:
                clock.advance(wait)
            # ... and after the full wait a retry succeeds (up to float rounding).
            retry = limiter.try_acquire()
            if retry > 0:
                assert retry <= 2e-6
                clock.advance(retry)
                retry = limiter.try_acquire()
            assert retry == 0.0
            admitted.append(clock.now)
    assert_window_respected(admitted, limiter.limit, window)
    assert_bucket_respected(admitted, rate, limiter.burst)


@settings(deadline=None, max_examples=120)
@given(
    rate=st.none() | st.sampled_from([1, 3, 10]),
    per_key_rate=st.none() | st.sampled_from([0.5, 1, 2, 5]),
    window=st.sampled_from([0.5, 1, 2]),
    max_keys=st.integers(1, 4),
    steps=st.lists(
        st.sampled_from(["a", "b", "c", "d"]) | st.sampled_from([0.01, 0.1, 0.4, 1.0, 3.0]),
        max_size=150,
    ),
)
def test_keyed_rate_limiter_never_exceeds_global_or_per_key_limits(
    rate, per_key_rate, window, max_keys, steps
):
    clock = FakeClock()
    limiter = KeyedRateLimiter(
        rate=rate,
        per_key_rate=per_key_rate,
        window=window,
        clock=clock,
        sleep=clock.sleep,
        max_keys=max_keys,
    )
    admitted: dict[str, list[float]] = {}
    for step in steps:
        if isinstance(step, float):
            clock.advance(step)
        elif limiter.try_acquire(step) == 0.0:
            admitted.setdefault(step, []).append(clock.now)
    everything = [t for times in admitted.values() for t in times]
    if rate is None and per_key_rate is None:
        assert len(everything) == sum(not isinstance(s, float) for s in steps)
    if limiter.limit is not None:
        assert_window_respected(everything, limiter.limit, window)
    if limiter.per_key_limit is not None:
        for times in admitted.values():
            assert_window_respected(times, limiter.per_key_limit, window)


def test_keyed_refusal_by_the_key_consumes_nothing_globally():
    clock = FakeClock()
    limiter = KeyedRateLimiter(rate=2, per_key_rate=1, clock=clock, sleep=clock.sleep)
    assert limiter.try_acquire("a") == 0.0
    assert limiter.try_acquire("a") > 0  # refused by a's own limit ...
    assert limiter.try_acquire("b") == 0.0  # ... so the global second slot is still free
    assert limiter.try_acquire("c") > 0  # now the global limit is spent


def test_keyed_refusal_by_the_global_limit_consumes_nothing_for_the_key():
    clock = FakeClock()
    limiter = KeyedRateLimiter(rate=1, per_key_rate=0.5, clock=clock, sleep=clock.sleep)
    assert limiter.try_acquire("a") == 0.0
    assert limiter.try_acquire("b") > 0  # refused globally; b's token must be untouched
    clock.advance(1.0)
    assert limiter.try_acquire("b") == 0.0  # a consumed token would need 2 s to refill


def test_keyed_wait_is_the_longer_of_the_two_limits():
    clock = FakeClock()
    limiter = KeyedRateLimiter(rate=10, per_key_rate=1, clock=clock, sleep=clock.sleep)
    assert limiter.try_acquire("a") == 0.0
    assert limiter.try_acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("a")
    assert clock.now == pytest.approx(1.0)
    assert not limiter.acquire("a", timeout=0)


def test_keyed_unlimited_levels_and_async_acquire():
    clock = FakeClock()
    unlimited = KeyedRateLimiter(clock=clock, sleep=clock.sleep)
    assert all(unlimited.try_acquire("x") == 0.0 for _ in range(1000))
    assert (unlimited.rate, unlimited.limit, unlimited.per_key_limit) == (None, None, None)
    per_key_only = KeyedRateLimiter(
        per_key_rate=1, clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep
    )

    async def main() -> list[bool]:
        return [
            await per_key_only.acquire_async("a"),
            await per_key_only.acquire_async("b"),
            await per_key_only.acquire_async("a", timeout=0.5),
            await per_key_only.acquire_async("a"),
        ]

    assert asyncio.run(main()) == [True, True, False, True]
    assert clock.now == pytest.approx(1.0)


def test_keyed_idle_limiters_beyond_max_keys_are_dropped_but_busy_ones_kept():
    clock = FakeClock()
    limiter = KeyedRateLimiter(per_key_rate=1, max_keys=2, clock=clock, sleep=clock.sleep)
    for key in "abc":
        assert limiter.try_acquire(key) == 0.0
    assert len(limiter) == 3  # all busy: forgetting one would reset its limit
    assert limiter.try_acquire("a") > 0
    clock.advance(1.0)
    assert limiter.try_acquire("d") == 0.0
    assert len(limiter) == 2


def test_keyed_rejects_bad_settings_at_construction():
    with pytest.raises(ValueError):
        KeyedRateLimiter(per_key_rate=0)
    with pytest.raises(ValueError):
        KeyedRateLimiter(rate=-1)
    with pytest.raises(ValueError):
        KeyedRateLimiter(max_keys=0)


def test_rate_limiter_respects_limits_under_thread_stress(frequent_thread_switches):
    clock = FakeClock()
    limiter = make_limiter(clock, 50, window=0.5, burst=40)
    per_thread = 300
    admitted: list[list[float]] = [[] for _ in range(24)]

    def work(i: int) -> None:
        rng = random.Random(i)
        while len(admitted[i]) < per_thread:
            if limiter.try_acquire() == 0.0:
                admitted[i].append(clock.last_read)
            else:
                clock.advance(rng.choice([0.0001, 0.001, 0.01]))

    run_threads(work, 24)
    times = [t for out in admitted for t in out]
    assert len(times) == 24 * per_thread
    assert_window_respected(times, limiter.limit, limiter.window)
    assert_bucket_respected(times, limiter.rate, limiter.burst)


def test_blocking_acquire_respects_limits_under_thread_stress(frequent_thread_switches):
    clock = FakeClock()
    limiter = make_limiter(clock, 20)
    admitted: list[list[float]] = [[] for _ in range(16)]

    def work(i: int) -> None:
        for _ in range(100):
            assert limiter.acquire()
            admitted[i].append(clock.last_read)  # acquire(timeout=None) reads the clock
            # only inside try_acquire, so this is the admission time

    run_threads(work, 16)
    times = [t for out in admitted for t in out]
    assert len(times) == 1600
    assert_window_respected(times, limiter.limit, limiter.window)
    assert_bucket_respected(times, limiter.rate, limiter.burst)
    assert clock.now >= (1600 - limiter.burst) / limiter.rate - 1e-6


def test_keyed_rate_limiter_respects_limits_under_thread_stress(frequent_thread_switches):
    clock = FakeClock()
    # Six keys at 15/s could take 90/s: both the global and the per-key limits bind.
    limiter = KeyedRateLimiter(
        rate=50, per_key_rate=15, window=1.0, clock=clock, sleep=clock.sleep, max_keys=3
    )
    keys = [f"10.0.0.{i}" for i in range(6)]
    per_thread = 200
    admitted: list[list[tuple[str, float]]] = [[] for _ in range(16)]

    def work(i: int) -> None:
        rng = random.Random(i)
        while len(admitted[i]) < per_thread:
            key = rng.choice(keys)
            if limiter.try_acquire(key) == 0.0:
                admitted[i].append((key, clock.last_read))
            else:
                clock.advance(rng.choice([0.0001, 0.001, 0.005]))

    run_threads(work, 16)
    records = [r for out in admitted for r in out]
    assert len(records) == 16 * per_thread
    assert_window_respected([t for _, t in records], limiter.limit, 1.0)
    for key in keys:
        assert_window_respected([t for k, t in records if k == key], limiter.per_key_limit, 1.0)
