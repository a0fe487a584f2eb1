"""Thread-safe integer counters.

``Stats`` is a set of named counters sharing one lock, so that a
``snapshot`` is a consistent view of all of them at one instant (per-counter
locks could show a state that never existed, e.g. more results than calls).
A run's counters, a level's task counts and a pool's bookkeeping are all
``Stats``: one lock per component, never one per number.
"""

from __future__ import annotations

import threading

__all__ = ["Stats"]


class Stats:
    """Named integer counters under one lock, for a component's statistics.

    Unknown names read as zero and spring into existence on first update.

    >>> s = Stats()
    >>> s.incr("calls"), s.set_max("peak", 3), s.set_max("peak", 2)
    (1, 3, 3)
    >>> s.snapshot()
    {'calls': 1, 'peak': 3}
    """

    __slots__ = ("_lock", "_values")

    def __init__(self, *names: str) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = dict.fromkeys(names, 0)

    def incr(self, name: str, n: int = 1) -> int:
        """Add ``n`` to counter ``name`` and return its new value."""
        with self._lock:
            value = self._values.get(name, 0) + n
            self._values[name] = value
            return value

    def get(self, name: str) -> int:
        """Return the value of counter ``name`` (zero if never set)."""
        return self._values.get(name, 0)

    def set_max(self, name: str, value: int) -> int:
        """Keep the largest ``value`` ever reported for ``name`` (a peak); return the peak."""
        with self._lock:
            peak = max(self._values.get(name, value), value)
            self._values[name] = peak
            return peak

    def snapshot(self) -> dict[str, int]:
        """Return a copy of every counter, taken at one instant under the lock."""
        with self._lock:
            return dict(self._values)

    def reset(self) -> dict[str, int]:
        """Zero every counter and return the values they had."""
        with self._lock:
            old = dict(self._values)
            self._values = dict.fromkeys(old, 0)
            return old

    def __getitem__(self, name: str) -> int:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __repr__(self) -> str:
        return f"Stats({self.snapshot()!r})"
