"""A circuit breaker that stops calling a plugin or host that keeps failing.

After ``failure_threshold`` consecutive failures the breaker opens and
rejects calls at once; after ``reset_timeout`` seconds it lets one probe call
through, and that probe decides whether it closes again or stays open.

The breaker's lock guards only its bookkeeping and is never held while the
protected call runs (holding it would serialise every call through the
breaker). Callers therefore take a ``Permit`` and settle it with the outcome;
a permit remembers the breaker's generation, so the late result of a call
admitted before a state change cannot corrupt the state that followed.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import ParamSpec, TypeVar

import attrs

__all__ = [
    "BreakerRegistry",
    "BreakerState",
    "BreakerStats",
    "CircuitBreaker",
    "CircuitOpenError",
    "Permit",
]

P = ParamSpec("P")
T = TypeVar("T")

StateChangeCallback = Callable[[str, "BreakerState", "BreakerState"], None]

_log = logging.getLogger(__name__)


class BreakerState(enum.Enum):
    """Where a circuit breaker is in its cycle."""

    CLOSED = "closed"  # calls flow; failures are counted
    OPEN = "open"  # calls are rejected until the cool-down ends
    HALF_OPEN = "half_open"  # one probe call decides between CLOSED and OPEN


class CircuitOpenError(Exception):
    """A call was rejected by an open (or probing) breaker; names it and when to retry."""

    def __init__(self, name: str, state: BreakerState, retry_after: float | None) -> None:
        self.name = name
        self.state = state
        self.retry_after = retry_after  # seconds; None while a probe call is running
        if retry_after is None:
            message = f"circuit breaker {name!r} is half-open and its probe call is still running"
        else:
            message = f"circuit breaker {name!r} is open; retry in {retry_after:.3g} s"
        super().__init__(message)


@attrs.frozen(kw_only=True)
class BreakerStats:
    """A consistent snapshot of a breaker's counters, from ``CircuitBreaker.stats``."""

    state: BreakerState
    calls: int  # admitted (permits issued)
    successes: int
    failures: int
    cancelled: int  # settled without an outcome (interrupted, cancelled)
    rejections: int
    opened: int  # times the breaker went to OPEN


_SUCCESS, _FAILURE, _CANCEL = "success", "failure", "cancel"


class Permit:
    """Permission for one call through a breaker; settle it exactly once.

    Call ``success`` or ``failure`` when the call is over, or ``cancel`` if it
    was interrupted and says nothing about the callee's health. Only the first
    settlement counts; later ones return False.
    """

    __slots__ = ("_breaker", "_settled", "generation", "probe")

    def __init__(self, breaker: CircuitBreaker, generation: int, probe: bool) -> None:
        self._breaker = breaker
        self.generation = generation
        self.probe = probe
        self._settled = False

    @property
    def settled(self) -> bool:
        """Whether this permit's outcome has been reported."""
        return self._settled

    def success(self) -> bool:
        """Report that the call succeeded; True unless already settled."""
        return self._breaker._settle(self, _SUCCESS)

    def failure(self) -> bool:
        """Report that the call failed; True unless already settled."""
        return self._breaker._settle(self, _FAILURE)

    def cancel(self) -> bool:
        """Give the permit back without an outcome; True unless already settled."""
        return self._breaker._settle(self, _CANCEL)

    def __repr__(self) -> str:
        kind = "probe" if self.probe else "call"
        return f"<Permit {kind} of {self._breaker.name!r} generation={self.generation}>"


class CircuitBreaker:
    """Reject calls to something that keeps failing, and probe it before trusting it again.

    CLOSED: calls are admitted; ``failure_threshold`` consecutive failures
    (a success resets the count) open the breaker. OPEN: calls are rejected
    until ``reset_timeout`` seconds have passed, then the breaker is HALF_OPEN
    (checked lazily on access). HALF_OPEN: exactly one probe call is admitted
    and others are rejected while it runs; its success closes the breaker, its
    failure opens it for a fresh cool-down. A probe not settled within
    ``probe_timeout`` seconds (default ``reset_timeout``) counts as failed, so
    a hung or abandoned probe cannot wedge the breaker.

    Use ``call``/``acall``/``guard``, or ``try_acquire`` and settle the
    ``Permit`` yourself. Exceptions of the ``excluded`` types count as
    successes (they are the caller's problem, not the callee's).
    ``on_state_change(name, old, new)`` is called after each transition,
    outside the lock, on the thread that caused or noticed it.
    """

    def __init__(
        self,
        name: str = "",
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        probe_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        excluded: tuple[type[BaseException], ...] = (),
        on_state_change: StateChangeCallback | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, not {failure_threshold}")
        if reset_timeout < 0:
            raise ValueError(f"reset_timeout must be non-negative, not {reset_timeout}")
        if probe_timeout is not None and probe_timeout <= 0:
            raise ValueError(f"probe_timeout must be positive or None, not {probe_timeout}")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.probe_timeout = probe_timeout or reset_timeout or math.inf
        self.excluded = excluded
        self._clock = clock
        self._on_state_change = on_state_change
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._generation = 0
        self._consecutive = 0
        self._opened_at = 0.0
        self._probe_started: float | None = None  # set while the HALF_OPEN probe is out
        self._calls = self._successes = self._failures = self._cancelled = 0
        self._rejections = self._opened = 0
        self._changes: list[tuple[BreakerState, BreakerState]] = []  # to report after unlocking

    @property
    def state(self) -> BreakerState:
        """The current state (an elapsed cool-down turns OPEN into HALF_OPEN here)."""
        with self._lock:
            self._refresh(self._clock())
            state, changes = self._state, self._drain()
        self._notify(changes)
        return state

    @property
    def failures(self) -> int:
        """Consecutive failures counted since the breaker last closed or saw a success."""
        return self._consecutive

    def try_acquire(self) -> Permit | None:
        """Return a ``Permit`` for one call, or None if the breaker rejects it now."""
        return self._admit()[0]

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` through the breaker and return its result.

        Raises ``CircuitOpenError`` without calling ``fn`` if rejected.
        """
        permit = self._permit_or_raise()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self._settle_exception(permit, exc)
            raise
        permit.success()
        return result

    async def acall(self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn(*args, **kwargs)`` through the breaker; like ``call`` for coroutines."""
        permit = self._permit_or_raise()
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            self._settle_exception(permit, exc)
            raise
        permit.success()
        return result

    @contextlib.contextmanager
    def guard(self) -> Iterator[Permit]:
        """Guard a block: ``with breaker.guard(): ...``.

        Raises ``CircuitOpenError`` if rejected. The block's exception settles
        the permit as ``call`` would; a clean exit is a success unless the block
        settled the yielded permit itself (e.g. ``permit.failure()`` on a bad reply).
        """
        permit = self._permit_or_raise()
        try:
            yield permit
        except BaseException as exc:
            self._settle_exception(permit, exc)
            raise
        permit.success()

    def reset(self) -> None:
        """Force the breaker CLOSED with no failures counted (an operator override)."""
        with self._lock:
            self._consecutive = 0
            if self._state is not BreakerState.CLOSED:
                self._transition(BreakerState.CLOSED, self._clock())
            changes = self._drain()
        self._notify(changes)

    def stats(self) -> BreakerStats:
        """Return the counters and current state, read together under the lock."""
        with self._lock:
            self._refresh(self._clock())
            stats = BreakerStats(
                state=self._state,
                calls=self._calls,
                successes=self._successes,
                failures=self._failures,
                cancelled=self._cancelled,
                rejections=self._rejections,
                opened=self._opened,
            )
            changes = self._drain()
        self._notify(changes)
        return stats

    def __repr__(self) -> str:
        return f"<CircuitBreaker {self.name!r} {self._state.value} failures={self._consecutive}>"

    def _admit(self) -> tuple[Permit | None, float | None]:
        """Issue a permit, or return None and the seconds until a retry may succeed."""
        retry_after: float | None = None
        permit: Permit | None = None
        with self._lock:
            now = self._clock()
            self._refresh(now)
            if self._state is BreakerState.CLOSED:
                permit = Permit(self, self._generation, probe=False)
            elif self._state is BreakerState.HALF_OPEN and self._probe_started is None:
                self._probe_started = now
                permit = Permit(self, self._generation, probe=True)
            elif self._state is BreakerState.OPEN:
                retry_after = max(0.0, self._opened_at + self.reset_timeout - now)
            if permit is None:
                self._rejections += 1
            else:
                self._calls += 1
            changes = self._drain()
        self._notify(changes)
        return permit, retry_after

    def _permit_or_raise(self) -> Permit:
        permit, retry_after = self._admit()
        if permit is None:
            state = BreakerState.HALF_OPEN if retry_after is None else BreakerState.OPEN
            raise CircuitOpenError(self.name, state, retry_after)
        return permit

    def _settle_exception(self, permit: Permit, exc: BaseException) -> None:
        if isinstance(exc, self.excluded):
            permit.success()
        elif isinstance(exc, Exception):
            permit.failure()
        else:
            permit.cancel()  # KeyboardInterrupt, CancelledError: no verdict on the callee

    def _settle(self, permit: Permit, outcome: str) -> bool:
        with self._lock:
            if permit._settled:
                return False
            permit._settled = True
            now = self._clock()
            self._refresh(now)
            if outcome is _SUCCESS:
                self._successes += 1
            elif outcome is _FAILURE:
                self._failures += 1
            else:
                self._cancelled += 1
            if permit.generation == self._generation:  # else stale: counted, but no effect
                self._apply(permit, outcome, now)
            changes = self._drain()
        self._notify(changes)
        return True

    def _apply(self, permit: Permit, outcome: str, now: float) -> None:
        """Let a current permit's outcome drive the state machine; lock held."""
        if self._state is BreakerState.CLOSED:
            if outcome is _SUCCESS:
                self._consecutive = 0
            elif outcome is _FAILURE:
                self._consecutive += 1
                if self._consecutive >= self.failure_threshold:
                    self._transition(BreakerState.OPEN, now)
        elif self._state is BreakerState.HALF_OPEN and permit.probe:
            if outcome is _SUCCESS:
                self._consecutive = 0
                self._transition(BreakerState.CLOSED, now)
            elif outcome is _FAILURE:
                self._consecutive += 1
                self._transition(BreakerState.OPEN, now)
            else:
                self._probe_started = None  # let another probe through

    def _refresh(self, now: float) -> None:
        """Apply the transitions that time alone causes; lock held."""
        while True:
            if self._state is BreakerState.OPEN and now >= self._opened_at + self.reset_timeout:
                self._transition(BreakerState.HALF_OPEN, now)
            elif (
                self._state is BreakerState.HALF_OPEN
                and self._probe_started is not None
                and now >= self._probe_started + self.probe_timeout
            ):
                # A hung probe counts as failed; the cool-down runs from when it expired.
                self._consecutive += 1
                self._transition(BreakerState.OPEN, self._probe_started + self.probe_timeout)
            else:
                return

    def _transition(self, new: BreakerState, at: float) -> None:
        self._changes.append((self._state, new))
        self._state = new
        self._generation += 1
        self._probe_started = None
        if new is BreakerState.OPEN:
            self._opened_at = at
            self._opened += 1
        elif new is BreakerState.CLOSED:
            self._consecutive = 0

    def _drain(self) -> Sequence[tuple[BreakerState, BreakerState]]:
        """Take the transitions recorded under the lock, to report once it is released."""
        changes = self._changes
        if not changes:
            return ()
        self._changes = []
        return changes

    def _notify(self, changes: Sequence[tuple[BreakerState, BreakerState]]) -> None:
        if self._on_state_change is None:
            return
        for old, new in changes:
            try:
                self._on_state_change(self.name, old, new)
            except Exception:
                # A broken observer must not turn a call's outcome into its exception.
                _log.exception("on_state_change callback failed for breaker %r", self.name)


class BreakerRegistry:
    """One ``CircuitBreaker`` per key (per plugin, per host), created on first use.

    Every breaker gets the registry's settings and is named after its key.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        probe_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        excluded: tuple[type[BaseException], ...] = (),
        on_state_change: StateChangeCallback | None = None,
    ) -> None:
        self._new = functools.partial(
            CircuitBreaker,
            failure_threshold=failure_threshold,
            reset_timeout=reset_timeout,
            probe_timeout=probe_timeout,
            clock=clock,
            excluded=excluded,
            on_state_change=on_state_change,
        )
        self._new("")  # fail here, not on first use, if the settings are bad
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, key: str) -> CircuitBreaker:
        """Return the breaker for ``key``, creating it if needed (thread-safe)."""
        breaker = self._breakers.get(key)
        if breaker is None:
            with self._lock:
                breaker = self._breakers.get(key)
                if breaker is None:
                    breaker = self._breakers[key] = self._new(key)
        return breaker

    def states(self) -> dict[str, BreakerState]:
        """The current state of every breaker, by key."""
        with self._lock:
            breakers = list(self._breakers.items())
        return {key: breaker.state for key, breaker in breakers}

    def __contains__(self, key: object) -> bool:
        return key in self._breakers

    def __len__(self) -> int:
        return len(self._breakers)
