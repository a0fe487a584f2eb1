"""Rate limiting for scan politeness: a token bucket bounded by a sliding window.

A token bucket alone smooths traffic but lets a burst through after an idle
spell; a sliding window alone allows ``limit`` requests back to back at the
edge of every window. ``RateLimiter`` applies both, so it guarantees a hard
ceiling (at most ``limit`` admissions in *any* interval of ``window``
seconds) while spreading requests at ``rate`` per second.
``KeyedRateLimiter`` adds a limit per key (per host) under a global one.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

__all__ = ["KeyedRateLimiter", "RateLimiter"]

Clock = Callable[[], float]
Sleep = Callable[[float], object]
AsyncSleep = Callable[[float], Awaitable[object]]

# A refused caller is always told to wait at least this long, so a retry loop
# makes progress even when float rounding leaves it a hair short of admission.
_MIN_WAIT = 1e-6
_TOKEN_EPSILON = 1e-9


class RateLimiter:
    """Admit at most ``rate`` acquisitions per second, in bursts of at most ``burst``.

    Two rules must both admit a call:

    * a token bucket holding up to ``burst`` tokens (default ``limit``),
      refilled at ``rate`` tokens per second; each admission takes one;
    * a sliding window: no interval of ``window`` seconds ever contains more
      than ``limit = max(1, floor(rate * window))`` admissions.

    ``try_acquire`` never blocks; ``acquire`` and ``acquire_async`` wait (never
    holding the lock while they sleep) up to an optional timeout.

    >>> limiter = RateLimiter(10.0)  # 10/s, at most 10 in any second
    >>> limiter.try_acquire()
    0.0
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int | None = None,
        window: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        async_sleep: AsyncSleep = asyncio.sleep,
    ) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"rate must be a positive number, not {rate}")
        if not (window > 0 and math.isfinite(window)):
            raise ValueError(f"window must be a positive number of seconds, not {window}")
        # The epsilon keeps e.g. 0.29 * 100 == 28.999999999999996 from losing a slot.
        limit = max(1, math.floor(rate * window + 1e-9))
        if burst is None:
            burst = limit
        if burst < 1:
            raise ValueError(f"burst must be at least 1, not {burst}")
        self._rate = float(rate)
        self._window = float(window)
        self._limit = limit
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._refilled_at = clock()
        self._times: deque[float] = deque(maxlen=limit)  # the last `limit` admissions

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self._rate

    @property
    def limit(self) -> int:
        """The most admissions allowed in any interval of ``window`` seconds."""
        return self._limit

    @property
    def burst(self) -> int:
        """The capacity of the token bucket."""
        return self._burst

    @property
    def window(self) -> float:
        """The length of the sliding window, in seconds."""
        return self._window

    def try_acquire(self) -> float:
        """Take one admission now if allowed and return 0.0.

        Otherwise take nothing and return how many seconds to wait before a
        retry could succeed (a lower bound: other callers may get there first).
        """
        with self._lock:
            now = self._clock()
            wait = self._wait_time(now)
            if wait == 0.0:
                self._take(now)
            return wait

    def acquire(self, timeout: float | None = None) -> bool:
        """Block until admitted and return True, or return False after ``timeout`` seconds.

        ``timeout=None`` waits as long as needed; ``timeout=0`` tries once.
        """
        return _acquire_blocking(self.try_acquire, self._clock, self._sleep, timeout)

    async def acquire_async(self, timeout: float | None = None) -> bool:
        """Like ``acquire``, but waits with the event loop's sleep."""
        return await _acquire_async(self.try_acquire, self._clock, self._async_sleep, timeout)

    def __repr__(self) -> str:
        return (
            f"RateLimiter(rate={self._rate:g}, burst={self._burst}, "
            f"window={self._window:g}, limit={self._limit})"
        )

    def _wait_time(self, now: float) -> float:
        """Seconds until an admission is possible at ``now`` (0.0: now).

        The caller holds the lock that guards this limiter.
        """
        self._refill(now)
        wait = 0.0
        if self._tokens < 1.0 - _TOKEN_EPSILON:
            wait = max((1.0 - self._tokens) / self._rate, _MIN_WAIT)
        times = self._times
        # Admitted only if the admission `limit` places back is a full window ago.
        if len(times) == self._limit and now - times[0] < self._window:
            wait = max(wait, times[0] + self._window - now, _MIN_WAIT)
        return wait

    def _take(self, now: float) -> None:
        """Record an admission at ``now``; only after ``_wait_time(now)`` returned 0.0."""
        self._tokens -= 1.0
        self._times.append(now)

    def _idle(self, now: float) -> bool:
        """Whether this limiter is in the same state as a new one (safe to drop)."""
        self._refill(now)
        return self._tokens >= self._burst and (
            not self._times or now - self._times[-1] >= self._window
        )

    def _refill(self, now: float) -> None:
        elapsed = now - self._refilled_at
        if elapsed > 0:
            self._tokens = min(float(self._burst), self._tokens + elapsed * self._rate)
            self._refilled_at = now


class KeyedRateLimiter:
    """A global rate limit plus one per key (per host), admitted together or not at all.

    Each key gets its own ``RateLimiter(per_key_rate, burst=per_key_burst)``
    on first use. An acquisition is admitted only when both the global limiter
    and the key's limiter admit it, and then it is counted by both. A rate of
    None means no limit at that level. When more than ``max_keys`` keys are
    tracked, the least recently used ones that are idle (back to a fresh
    state, so forgetting them loses nothing) are dropped.

    >>> limiter = KeyedRateLimiter(rate=100.0, per_key_rate=5.0)
    >>> limiter.try_acquire("10.0.0.1")
    0.0
    """

    def __init__(
        self,
        *,
        rate: float | None = None,
        per_key_rate: float | None = None,
        burst: int | None = None,
        per_key_burst: int | None = None,
        window: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        async_sleep: AsyncSleep = asyncio.sleep,
        max_keys: int = 100_000,
    ) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, not {max_keys}")
        self._global = (
            None if rate is None else RateLimiter(rate, burst=burst, window=window, clock=clock)
        )
        if per_key_rate is not None:
            # Build one now so that bad per-key arguments fail here, not on first use.
            RateLimiter(per_key_rate, burst=per_key_burst, window=window, clock=clock)
        self._per_key_rate = per_key_rate
        self._per_key_burst = per_key_burst
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, RateLimiter] = OrderedDict()

    @property
    def rate(self) -> float | None:
        """The global rate, or None if unlimited."""
        return None if self._global is None else self._global.rate

    @property
    def per_key_rate(self) -> float | None:
        """The rate for each key, or None if unlimited."""
        return self._per_key_rate

    @property
    def limit(self) -> int | None:
        """The most admissions in any window overall, or None if unlimited."""
        return None if self._global is None else self._global.limit

    @property
    def per_key_limit(self) -> int | None:
        """The most admissions for one key in any window, or None if unlimited."""
        if self._per_key_rate is None:
            return None
        return max(1, math.floor(self._per_key_rate * self._window + 1e-9))

    def try_acquire(self, key: str) -> float:
        """Take one admission for ``key`` now if both limits allow and return 0.0.

        Otherwise take nothing from either limit and return the seconds to
        wait before a retry could succeed.
        """
        with self._lock:
            now = self._clock()
            keyed = None if self._per_key_rate is None else self._limiter_for(key, now)
            wait = 0.0 if self._global is None else self._global._wait_time(now)
            if keyed is not None:
                wait = max(wait, keyed._wait_time(now))
            if wait == 0.0:
                if self._global is not None:
                    self._global._take(now)
                if keyed is not None:
                    keyed._take(now)
            return wait

    def acquire(self, key: str, timeout: float | None = None) -> bool:
        """Block until ``key`` is admitted and return True, or False after ``timeout``."""
        return _acquire_blocking(lambda: self.try_acquire(key), self._clock, self._sleep, timeout)

    async def acquire_async(self, key: str, timeout: float | None = None) -> bool:
        """Like ``acquire``, but waits with the event loop's sleep."""
        return await _acquire_async(
            lambda: self.try_acquire(key), self._clock, self._async_sleep, timeout
        )

    def __len__(self) -> int:
        """The number of keys currently tracked."""
        with self._lock:
            return len(self._keys)

    def _limiter_for(self, key: str, now: float) -> RateLimiter:
        """The key's limiter, created on demand, dropping idle LRU ones; lock held."""
        assert self._per_key_rate is not None
        keys = self._keys
        limiter = keys.get(key)
        if limiter is not None:
            keys.move_to_end(key)
            return limiter
        limiter = keys[key] = RateLimiter(
            self._per_key_rate, burst=self._per_key_burst, window=self._window, clock=self._clock
        )
        while len(keys) > self.max_keys:
            oldest_key, oldest = next(iter(keys.items()))
            # A busy limiter must be kept, or its key could exceed its limit.
            if oldest is limiter or not oldest._idle(now):
                break
            del keys[oldest_key]
        return limiter


def _deadline(clock: Clock, timeout: float | None) -> float | None:
    return None if timeout is None else clock() + max(0.0, timeout)


def _acquire_blocking(
    try_once: Callable[[], float], clock: Clock, sleep: Sleep, timeout: float | None
) -> bool:
    deadline = _deadline(clock, timeout)
    while True:
        wait = try_once()
        if wait == 0.0:
            return True
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                return False
            wait = min(wait, remaining)
        sleep(wait)


async def _acquire_async(
    try_once: Callable[[], float], clock: Clock, sleep: AsyncSleep, timeout: float | None
) -> bool:
    deadline = _deadline(clock, timeout)
    while True:
        wait = try_once()
        if wait == 0.0:
            return True
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                return False
            wait = min(wait, remaining)
        await sleep(wait)
