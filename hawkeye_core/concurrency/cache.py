"""A thread-safe LRU cache with per-entry time-to-live and a memory bound.

``TTLCache`` keeps results that are costly to recompute (an introspected
server, a resolved host) for a while, bounded both by entry count and by an
approximate byte size, because what it holds comes from hostile servers and
may be large. ``get_or_set`` computes a missing value once even when many
threads ask for it at the same moment, without holding the cache lock while
the value is computed.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time
import types
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, overload

import attrs

__all__ = ["CacheStats", "TTLCache", "approximate_sizeof"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

# Not followed: leaves, and shared objects that a value merely refers to.
_LEAVES = (str, bytes, bytearray, int, float, complex, type(None))
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
_NOT_FOLLOWED = _LEAVES + _SHARED


def approximate_sizeof(obj: object, *, max_depth: int = 8) -> int:
    """Approximate the memory held by ``obj`` and what it contains, in bytes.

    Sums ``sys.getsizeof`` over the object and, recursively, the contents of
    dicts, lists, tuples, sets and the attributes of plain and slotted (attrs)
    objects, counting each object once, down to ``max_depth`` levels. Modules,
    classes and functions are counted shallowly.
    """
    seen: set[int] = set()
    total = 0
    stack: list[tuple[object, int]] = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item, 64)
        if depth >= max_depth:
            continue
        if isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((v, depth + 1) for v in item)
        elif not isinstance(item, _NOT_FOLLOWED):
            stack.extend((v, depth + 1) for v in _attributes(item))
    return total


def _attributes(obj: object) -> list[object]:
    """The attribute values of a plain or slotted (e.g. attrs) object."""
    values: list[object] = []
    inst_dict = getattr(obj, "__dict__", None)
    if isinstance(inst_dict, dict):
        values.append(inst_dict)
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                values.append(getattr(obj, name))
    return values


@attrs.frozen(kw_only=True)
class CacheStats:
    """A consistent snapshot of a cache's counters, from ``TTLCache.stats``."""

    hits: int
    misses: int
    evictions: int  # dropped to respect max_entries / max_bytes
    expirations: int  # dropped because their time-to-live had passed
    entries: int
    bytes: int  # approximate; always 0 when the cache has no max_bytes


class _Entry:
    __slots__ = ("expires", "seq", "size", "value")

    def __init__(self, value: Any, size: int, expires: float | None, seq: int) -> None:
        self.value = value
        self.size = size
        self.expires = expires
        self.seq = seq


class _InFlight:
    """A value being computed by ``get_or_set``; other callers wait on ``done``."""

    __slots__ = ("done", "error", "superseded", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.superseded = False  # set/pop/clear touched the key meanwhile: do not store


class TTLCache(Generic[K, V]):
    """A thread-safe LRU + TTL cache bounded by entries and approximate bytes.

    ``get`` and ``set`` make an entry the most recently used; when a bound is
    exceeded the least recently used entries are evicted. An entry whose
    time-to-live has passed is never returned; it is dropped when touched or
    when a ``set`` makes room. A value larger than ``max_bytes`` on its own is
    not stored. ``ttl=None`` means entries do not expire by default.
    """

    def __init__(
        self,
        *,
        max_entries: int = 1024,
        max_bytes: int | None = None,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sizeof: Callable[[object], int] = approximate_sizeof,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        if max_bytes is not None and max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1 or None, not {max_bytes}")
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive or None, not {ttl}")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
        self._sizeof = sizeof
        self._lock = threading.RLock()
        self._data: OrderedDict[K, _Entry] = OrderedDict()
        # (expires, seq, key); entries replaced or removed leave stale items, skipped by seq.
        self._expiry: list[tuple[float, int, K]] = []
        self._inflight: dict[K, _InFlight] = {}
        self._seq = itertools.count()
        self._bytes = 0
        self._hits = self._misses = self._evictions = self._expirations = 0

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: Any = None) -> Any:
        """Return the live value for ``key`` (now most recently used), else ``default``."""
        with self._lock:
            entry = self._lookup(key)
            return default if entry is None else entry.value

    def set(self, key: K, value: V, *, ttl: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (default: the cache's ttl).

        A ``ttl`` of zero or less, or a value larger than ``max_bytes``, is not
        stored; any previous value for ``key`` is dropped all the same.
        """
        size = self._sizeof(value) if self.max_bytes is not None else 0
        with self._lock:
            flight = self._inflight.get(key)
            if flight is not None:
                flight.superseded = True
            self._store(key, value, size, ttl)

    @overload
    def pop(self, key: K) -> V | None: ...
    @overload
    def pop(self, key: K, default: D) -> V | D: ...
    def pop(self, key: K, default: Any = None) -> Any:
        """Remove ``key`` and return its live value, else ``default``."""
        with self._lock:
            flight = self._inflight.get(key)
            if flight is not None:
                flight.superseded = True
            entry = self._data.pop(key, None)
            if entry is None:
                return default
            self._bytes -= entry.size
            if self._expired(entry, self._clock()):
                self._expirations += 1
                return default
            return entry.value

    def get_or_set(
        self,
        key: K,
        factory: Callable[[], V],
        *,
        ttl: float | None = None,
        timeout: float | None = None,
    ) -> V:
        """Return the value for ``key``, computing and storing ``factory()`` if missing.

        Concurrent callers for the same missing key share one ``factory`` call:
        the first runs it (without the cache lock held), the others wait for its
        result. If ``factory`` raises an ``Exception``, nothing is stored and
        every caller that was waiting for that call gets the exception; if it is
        interrupted (``KeyboardInterrupt``, cancellation) a waiter runs it again.
        A ``set``, ``pop`` or ``clear`` of the key while ``factory`` runs wins:
        the computed value is returned but not stored. ``timeout``: seconds a
        caller waits for another caller's ``factory`` before ``TimeoutError``
        (None: as long as it takes); the caller that runs ``factory`` is not
        bounded by it.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                entry = self._lookup(key)
                if entry is not None:
                    return entry.value  # type: ignore[no-any-return]
                flight = self._inflight.get(key)
                owner = flight is None
                if flight is None:
                    flight = self._inflight[key] = _InFlight()
            if owner:
                return self._compute(key, flight, factory, ttl)
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not flight.done.wait(left):
                raise TimeoutError(f"waited {timeout:g} s for another caller to compute the value")
            if flight.error is None:
                return flight.value  # type: ignore[no-any-return]
            if isinstance(flight.error, Exception):
                raise flight.error
            # The owner was interrupted (KeyboardInterrupt, cancellation): not our error, retry.

    def clear(self) -> None:
        """Drop every entry (statistics are kept)."""
        with self._lock:
            for flight in self._inflight.values():
                flight.superseded = True
            self._data.clear()
            self._expiry.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        """Return the counters and current size, after dropping expired entries."""
        with self._lock:
            self._purge_expired(self._clock())
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                evictions=self._evictions,
                expirations=self._expirations,
                entries=len(self._data),
                bytes=self._bytes,
            )

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` has a live value; not counted as a hit or miss, LRU order kept."""
        with self._lock:
            entry = self._data.get(key)  # type: ignore[arg-type]
            if entry is None:
                return False
            if self._expired(entry, self._clock()):
                self._remove(key, entry)  # type: ignore[arg-type]
                self._expirations += 1
                return False
            return True

    def __len__(self) -> int:
        """The number of live entries."""
        with self._lock:
            self._purge_expired(self._clock())
            return len(self._data)

    def __repr__(self) -> str:
        return f"<TTLCache entries={len(self)} max_entries={self.max_entries}>"

    def _compute(self, key: K, flight: _InFlight, factory: Callable[[], V], ttl: float | None) -> V:
        """Run ``factory`` for ``get_or_set`` as the owner of ``flight``."""
        try:
            value = factory()
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                del self._inflight[key]
            flight.done.set()
            raise
        size = self._sizeof(value) if self.max_bytes is not None else 0
        flight.value = value
        with self._lock:
            del self._inflight[key]
            if not flight.superseded:
                self._store(key, value, size, ttl)
        flight.done.set()
        return value

    def _lookup(self, key: K) -> _Entry | None:
        """Find a live entry, counting a hit or a miss; caller holds the lock."""
        entry = self._data.get(key)
        if entry is not None:
            if not self._expired(entry, self._clock()):
                self._data.move_to_end(key)
                self._hits += 1
                return entry
            self._remove(key, entry)
            self._expirations += 1
        self._misses += 1
        return None

    @staticmethod
    def _expired(entry: _Entry, now: float) -> bool:
        return entry.expires is not None and now >= entry.expires

    def _remove(self, key: K, entry: _Entry) -> None:
        del self._data[key]
        self._bytes -= entry.size

    def _store(self, key: K, value: V, size: int, ttl: float | None) -> None:
        """Insert or replace an entry and restore the bounds; caller holds the lock."""
        old = self._data.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        ttl = self.ttl if ttl is None else ttl
        if (ttl is not None and ttl <= 0) or (self.max_bytes is not None and size > self.max_bytes):
            return
        now = self._clock()
        seq = next(self._seq)
        expires = None if ttl is None else now + ttl
        self._data[key] = _Entry(value, size, expires, seq)
        self._bytes += size
        if expires is not None:
            heapq.heappush(self._expiry, (expires, seq, key))
        self._purge_expired(now)
        while len(self._data) > self.max_entries or (
            self.max_bytes is not None and self._bytes > self.max_bytes
        ):
            _, lru = self._data.popitem(last=False)
            self._bytes -= lru.size
            self._evictions += 1

    def _purge_expired(self, now: float) -> None:
        """Drop every entry whose time is up; caller holds the lock."""
        heap = self._expiry
        while heap and heap[0][0] <= now:
            _, seq, key = heapq.heappop(heap)
            entry = self._data.get(key)
            if entry is not None and entry.seq == seq:
                self._remove(key, entry)
                self._expirations += 1
        # Replaced and removed entries leave stale heap items; rebuild before they pile up.
        if len(heap) > 2 * len(self._data) + 64:
            self._expiry = [
                (e.expires, e.seq, k) for k, e in self._data.items() if e.expires is not None
            ]
            heapq.heapify(self._expiry)
