"""Tests for hawkeye_core.concurrency.breaker."""

from __future__ import annotations

import asyncio
import logging
import random
import threading

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hawkeye_core.concurrency.breaker import (
    BreakerRegistry,
    BreakerState,
    BreakerStats,
    CircuitBreaker,
    CircuitOpenError,
    Permit,
)
from tests.primitives.support import FakeClock

CLOSED, OPEN, HALF_OPEN = BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN


def boom() -> None:
    raise ConnectionError("refused")


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            breaker.call(boom)


def open_breaker(clock: FakeClock, **kwargs) -> CircuitBreaker:
    breaker = CircuitBreaker(
        "plugin-x", failure_threshold=3, reset_timeout=10, clock=clock, **kwargs
    )
    fail(breaker, 3)
    assert breaker.state is OPEN
    return breaker


def test_state_values():
    assert [s.value for s in BreakerState] == ["closed", "open", "half_open"]


def test_breaker_opens_after_threshold_consecutive_failures():
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    fail(breaker, 2)
    assert breaker.state is CLOSED and breaker.failures == 2
    fail(breaker)
    assert breaker.state is OPEN
    assert breaker.try_acquire() is None


def test_success_resets_the_consecutive_failure_count():
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    fail(breaker, 2)
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.failures == 0
    fail(breaker, 2)
    assert breaker.state is CLOSED


def test_open_breaker_rejects_with_an_error_naming_it_and_the_retry_time():
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.advance(4)
    called = []
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(called.append, 1)
    assert called == []
    err = info.value
    assert (err.name, err.state) == ("plugin-x", OPEN)
    assert err.retry_after == pytest.approx(6)
    assert str(err) == "circuit breaker 'plugin-x' is open; retry in 6 s"
    assert breaker.stats().rejections == 1


def test_breaker_half_opens_after_reset_timeout_and_admits_exactly_one_probe():
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.advance(9.999)
    assert breaker.state is OPEN
    clock.advance(0.001)
    assert breaker.state is HALF_OPEN
    probe = breaker.try_acquire()
    assert probe is not None and probe.probe
    assert breaker.try_acquire() is None
    with pytest.raises(CircuitOpenError, match="'plugin-x' is half-open") as info:
        breaker.call(lambda: None)
    assert info.value.retry_after is None and info.value.state is HALF_OPEN
    probe.success()
    assert breaker.state is CLOSED
    assert breaker.try_acquire() is not None


def test_failed_probe_reopens_for_a_fresh_cool_down():
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.advance(15)
    fail(breaker)
    assert breaker.state is OPEN
    clock.advance(9)
    with pytest.raises(CircuitOpenError) as info:
        breaker.call(lambda: None)
    assert info.value.retry_after == pytest.approx(1)
    clock.advance(1)
    assert breaker.state is HALF_OPEN
    assert breaker.stats().opened == 2


def test_stale_failure_from_before_the_breaker_opened_is_not_the_probe_failure():
    clock = FakeClock()
    breaker = CircuitBreaker("h", failure_threshold=2, reset_timeout=10, clock=clock)
    slow = breaker.try_acquire()  # a slow call admitted while CLOSED
    assert slow is not None
    fail(breaker, 2)
    clock.advance(10)
    probe = breaker.try_acquire()
    assert probe is not None and probe.probe
    assert slow.failure()  # settles, but belongs to an older generation
    assert breaker.state is HALF_OPEN
    assert breaker.try_acquire() is None  # the probe is still the one in flight
    probe.success()
    assert breaker.state is CLOSED
    stats = breaker.stats()
    assert (stats.failures, stats.successes) == (3, 1)  # the stale one is still counted


def test_stale_success_does_not_close_an_open_breaker():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10, clock=clock)
    slow = breaker.try_acquire()
    fail(breaker)
    assert slow is not None and slow.success()
    assert breaker.state is OPEN


def test_result_from_a_previous_closed_period_does_not_count_in_the_next():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=clock)
    slow = [breaker.try_acquire(), breaker.try_acquire()]
    fail(breaker, 2)
    clock.advance(10)
    breaker.call(lambda: None)  # the probe closes the breaker: a new CLOSED period
    assert breaker.state is CLOSED
    for permit in slow:
        assert permit is not None and permit.failure()
    assert breaker.failures == 0
    assert breaker.state is CLOSED


def test_permit_settles_at_most_once():
    breaker = CircuitBreaker(failure_threshold=2, clock=FakeClock())
    permit = breaker.try_acquire()
    assert isinstance(permit, Permit) and not permit.settled
    assert permit.failure()
    assert permit.settled
    assert not permit.failure()
    assert not permit.success()
    assert not permit.cancel()
    assert breaker.failures == 1
    assert breaker.stats().failures == 1


def test_cancelled_probe_lets_another_probe_through():
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.advance(10)
    probe = breaker.try_acquire()
    assert probe is not None and breaker.try_acquire() is None
    probe.cancel()
    assert breaker.state is HALF_OPEN
    second = breaker.try_acquire()
    assert second is not None and second.probe


def test_hung_probe_expires_and_its_late_result_is_ignored():
    clock = FakeClock()
    breaker = open_breaker(clock, probe_timeout=5)
    clock.advance(10)
    hung = breaker.try_acquire()
    assert hung is not None
    clock.advance(4.5)
    assert breaker.state is HALF_OPEN
    clock.advance(0.5)
    assert breaker.state is OPEN  # the probe counts as failed
    assert breaker.failures == 4
    clock.advance(10)
    assert breaker.state is HALF_OPEN
    hung.success()
    assert breaker.state is HALF_OPEN  # stale
    fresh = breaker.try_acquire()
    assert fresh is not None and fresh.probe


def test_call_counts_excluded_exceptions_as_success_and_interrupts_as_cancelled():
    class Interrupt(BaseException):
        pass

    def raise_(exc: BaseException) -> None:
        raise exc

    breaker = CircuitBreaker(failure_threshold=1, excluded=(KeyError,), clock=FakeClock())
    with pytest.raises(KeyError):
        breaker.call(raise_, KeyError("caller's bad input"))
    with pytest.raises(Interrupt):
        breaker.call(raise_, Interrupt())
    assert breaker.state is CLOSED
    assert breaker.call(lambda a, *, b: a + b, 1, b=2) == 3
    stats = breaker.stats()
    assert (stats.calls, stats.successes, stats.failures, stats.cancelled) == (3, 2, 0, 1)


def test_acall_guards_coroutines():
    clock = FakeClock()
    breaker = CircuitBreaker("async", failure_threshold=1, reset_timeout=5, clock=clock)

    async def ok(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    async def bad() -> None:
        raise TimeoutError("no answer")

    async def main() -> None:
        assert await breaker.acall(ok, 21) == 42
        with pytest.raises(TimeoutError):
            await breaker.acall(bad)
        with pytest.raises(CircuitOpenError):
            await breaker.acall(ok, 1)
        clock.advance(5)
        assert await breaker.acall(ok, 2) == 4

    asyncio.run(main())
    assert breaker.state is CLOSED


def test_guard_settles_by_how_the_block_ends():
    clock = FakeClock()
    breaker = CircuitBreaker("g", failure_threshold=2, clock=clock)
    with breaker.guard() as permit:
        assert isinstance(permit, Permit)
    assert permit.settled and breaker.stats().successes == 1
    with pytest.raises(OSError), breaker.guard():
        raise OSError("reset by peer")
    with breaker.guard() as permit:
        permit.failure()  # e.g. a malformed reply: no exception, still a failure
    assert breaker.state is OPEN
    with pytest.raises(CircuitOpenError), breaker.guard():
        pytest.fail("must not run")


def test_state_change_callback_runs_outside_the_lock_and_may_fail_safely(caplog):
    clock = FakeClock()
    seen: list[tuple[str, BreakerState, BreakerState]] = []
    breaker: CircuitBreaker

    def on_change(name: str, old: BreakerState, new: BreakerState) -> None:
        assert not breaker._lock.locked(), "callback ran under the breaker's lock"
        seen.append((name, old, new))
        raise RuntimeError("observer bug")

    breaker = CircuitBreaker(
        "cb", failure_threshold=1, reset_timeout=1, clock=clock, on_state_change=on_change
    )
    with caplog.at_level(logging.ERROR):
        fail(breaker)  # the observer's error is logged; the call's own error is what we see
        clock.advance(1)
        breaker.call(lambda: None)
    assert seen == [("cb", CLOSED, OPEN), ("cb", OPEN, HALF_OPEN), ("cb", HALF_OPEN, CLOSED)]
    assert "observer bug" in caplog.text


def test_reset_forces_closed():
    clock = FakeClock()
    breaker = open_breaker(clock)
    breaker.reset()
    assert breaker.state is CLOSED and breaker.failures == 0
    assert breaker.try_acquire() is not None


def test_stats_record():
    clock = FakeClock()
    breaker = open_breaker(clock)
    breaker.try_acquire()
    assert breaker.stats() == BreakerStats(
        state=OPEN, calls=3, successes=0, failures=3, cancelled=0, rejections=1, opened=1
    )


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker(reset_timeout=-1)
    with pytest.raises(ValueError):
        BreakerRegistry(failure_threshold=0)


def test_breaker_does_not_serialise_protected_calls():
    n = 8
    breaker = CircuitBreaker("parallel")
    barrier = threading.Barrier(n, timeout=10)
    errors: list[BaseException] = []

    def protected() -> None:
        barrier.wait()  # passes only when all n calls are inside the breaker at once

    def worker(i: int) -> None:
        try:
            if i % 2:
                breaker.call(protected)
            else:
                with breaker.guard():
                    protected()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert breaker.stats().successes == n


def test_breaker_counts_stay_consistent_under_stress(frequent_thread_switches):
    clock = FakeClock()
    transitions: list[tuple[BreakerState, BreakerState]] = []
    record_lock = threading.Lock()

    def on_change(name: str, old: BreakerState, new: BreakerState) -> None:
        with record_lock:
            transitions.append((old, new))

    breaker = CircuitBreaker(
        "stress",
        failure_threshold=3,
        reset_timeout=0.05,
        probe_timeout=1e9,  # no probe expiry here, so at most one probe is ever out
        clock=clock,
        on_state_change=on_change,
    )
    threads_n, ops = 32, 2_000
    attempts = [0] * threads_n
    probes_out = [0]
    max_probes_out = [0]

    def work(i: int) -> None:
        rng = random.Random(i)
        for _ in range(ops):
            attempts[i] += 1
            permit = breaker.try_acquire()
            if permit is None:
                clock.advance(0.001)
                continue
            if permit.probe:
                with record_lock:
                    probes_out[0] += 1
                    max_probes_out[0] = max(max_probes_out[0], probes_out[0])
            r = rng.random()
            if permit.probe:
                with record_lock:
                    probes_out[0] -= 1
            if r < 0.45:
                permit.failure()
            elif r < 0.95:
                permit.success()
            else:
                permit.cancel()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    stats = breaker.stats()
    assert stats.calls == stats.successes + stats.failures + stats.cancelled
    assert stats.calls + stats.rejections == sum(attempts)
    assert stats.opened == sum(new is OPEN for _, new in transitions) > 0
    assert sum(new is CLOSED for _, new in transitions) > 0
    assert max_probes_out[0] == 1
    half_opened = sum(new is HALF_OPEN for _, new in transitions)
    assert half_opened <= stats.opened
    assert half_opened >= stats.opened - 1


def test_registry_creates_one_breaker_per_key_on_demand():
    clock = FakeClock()
    registry = BreakerRegistry(failure_threshold=1, reset_timeout=3, clock=clock)
    assert "a" not in registry
    a = registry.get("a")
    assert registry.get("a") is a and "a" in registry
    assert a.name == "a" and a.failure_threshold == 1 and a.reset_timeout == 3
    fail(a)
    registry.get("b")
    assert registry.states() == {"a": OPEN, "b": CLOSED}
    clock.advance(3)
    assert registry.states() == {"a": HALF_OPEN, "b": CLOSED}
    assert len(registry) == 2


def test_registry_get_is_thread_safe():
    registry = BreakerRegistry()
    got: list[list[CircuitBreaker]] = [[] for _ in range(32)]
    barrier = threading.Barrier(32, timeout=10)

    def work(i: int) -> None:
        barrier.wait()
        for k in range(200):
            got[i].append(registry.get(f"host{k}"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(registry) == 200
    for k in range(200):
        assert len({id(g[k]) for g in got}) == 1


class BreakerModel(RuleBasedStateMachine):
    """CircuitBreaker against a reference model of its documented state machine."""

    THRESHOLD, RESET, PROBE_TIMEOUT = 3, 5.0, 7.0

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.breaker = CircuitBreaker(
            "model",
            failure_threshold=self.THRESHOLD,
            reset_timeout=self.RESET,
            probe_timeout=self.PROBE_TIMEOUT,
            clock=self.clock,
        )
        self.state = CLOSED
        self.epoch = 0  # bumped by every transition; permits from older epochs are stale
        self.consecutive = 0
        self.opened_at = 0.0
        self.probe_since: float | None = None
        self.outstanding: list[tuple[Permit, int]] = []
        self.counts = dict(calls=0, successes=0, failures=0, cancelled=0, rejections=0, opened=0)

    def move(self, new: BreakerState, at: float) -> None:
        self.state, self.epoch, self.probe_since = new, self.epoch + 1, None
        if new is OPEN:
            self.opened_at = at
            self.counts["opened"] += 1
        if new is CLOSED:
            self.consecutive = 0

    def tick(self) -> None:
        now = self.clock.now
        while True:
            if self.state is OPEN and now >= self.opened_at + self.RESET:
                self.move(HALF_OPEN, now)
            elif (
                self.state is HALF_OPEN
                and self.probe_since is not None
                and (now >= self.probe_since + self.PROBE_TIMEOUT)
            ):
                self.consecutive += 1
                self.move(OPEN, self.probe_since + self.PROBE_TIMEOUT)
            else:
                return

    def admit(self) -> bool | None:
        """Model an acquisition: None if rejected, else whether it is the probe."""
        self.tick()
        if self.state is CLOSED:
            self.counts["calls"] += 1
            return False
        if self.state is HALF_OPEN and self.probe_since is None:
            self.probe_since = self.clock.now
            self.counts["calls"] += 1
            return True
        self.counts["rejections"] += 1
        return None

    def settle(self, epoch: int, probe: bool, outcome: str) -> None:
        self.tick()
        self.counts[{"success": "successes", "failure": "failures"}.get(outcome, "cancelled")] += 1
        if epoch != self.epoch:
            return
        if self.state is CLOSED and outcome == "success":
            self.consecutive = 0
        elif self.state is CLOSED and outcome == "failure":
            self.consecutive += 1
            if self.consecutive >= self.THRESHOLD:
                self.move(OPEN, self.clock.now)
        elif self.state is HALF_OPEN and probe:
            if outcome == "success":
                self.move(CLOSED, self.clock.now)
            elif outcome == "failure":
                self.consecutive += 1
                self.move(OPEN, self.clock.now)
            else:
                self.probe_since = None

    @rule()
    def acquire(self) -> None:
        expected = self.admit()
        permit = self.breaker.try_acquire()
        assert (permit is None) == (expected is None)
        if permit is not None:
            assert permit.probe == expected
            self.outstanding.append((permit, self.epoch))

    @precondition(lambda self: self.outstanding)
    @rule(data=st.data(), outcome=st.sampled_from(["success", "failure", "cancel"]))
    def settle_permit(self, data: st.DataObject, outcome: str) -> None:
        index = data.draw(st.integers(0, len(self.outstanding) - 1))
        permit, epoch = self.outstanding.pop(index)
        self.settle(epoch, permit.probe, outcome)
        assert getattr(permit, outcome)()
        assert not permit.success()  # settles at most once

    @rule(ok=st.booleans())
    def call(self, ok: bool) -> None:
        expected = self.admit()
        if expected is None:
            with pytest.raises(CircuitOpenError):
                self.breaker.call(lambda: None)
            return
        self.settle(self.epoch, expected, "success" if ok else "failure")
        if ok:
            assert self.breaker.call(lambda: 7) == 7
        else:
            fail(self.breaker)

    @rule(seconds=st.sampled_from([0.5, 1.0, 2.0, 5.0, 7.0]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def matches_model(self) -> None:
        self.tick()
        assert self.breaker.state is self.state
        assert self.breaker.failures == self.consecutive
        assert self.breaker.stats() == BreakerStats(state=self.state, **self.counts)


BreakerModel.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_breaker_matches_reference_model = BreakerModel.TestCase
