"""Lifecycle hook calls, stop signals and collector settings for a run, on the runner's thread."""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from hawkeye_core.manager import PluginManager, _error_line

__all__ = ["call_lifecycle_hook", "fewer_collections", "stop_signals"]

log = logging.getLogger("hawkeye.runner")


def call_lifecycle_hook(
    pm: PluginManager,
    name: str,
    *,
    trace: bool,
    on_error: Callable[[str, str, BaseException], None],
    **kwargs: Any,
) -> None:
    """Call hook ``name`` one plugin at a time; ``on_error(plugin, hook, exc)`` for failures.

    Each implementation gets only the arguments it declares, as pluggy would
    give them. Wrapper implementations were reported at registration and are
    skipped: there is nothing to wrap when plugins are called one by one.
    """
    caller = getattr(pm.hook, name)
    for impl in reversed(caller.get_hookimpls()):  # pluggy's calling order
        if impl.wrapper or impl.hookwrapper:
            continue
        if trace:
            log.info("trace: %s(%s) -> %s", name, ", ".join(kwargs), impl.plugin_name)
        try:
            impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
        except Exception as exc:
            pm.problem(impl.plugin_name, f"{name} raised {_error_line(exc)}")
            on_error(impl.plugin_name, name, exc)


@contextlib.contextmanager
def stop_signals(stop: Callable[[], None], stopped: Callable[[], bool]) -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``stop()`` for the duration of a run.

    The first signal asks the run to stop and keep what it found; a second
    one, while stopping, raises KeyboardInterrupt to stop waiting at once.
    Only the main thread can handle signals: elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        if stopped():
            raise KeyboardInterrupt
        log.warning("interrupted: stopping, keeping what was found")
        stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


_gc_lock = threading.Lock()
_gc_runs = 0  # runs going on in this process
_gc_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect young objects every 10,000 allocations, not 700, while runs go on.

    A run allocates records, messages and futures by the thousand and keeps
    few cycles; at the default threshold the young generation is collected
    every few hundred allocations (about 0.3 ms per introspected server, and
    2-3 ms when a full collection lands). The first run to start saves the
    thresholds and the last to end restores them, so runs in several threads
    leave them as they found them; automatic collection turned off (threshold
    0) stays off.
    """
    global _gc_runs, _gc_saved
    with _gc_lock:
        if _gc_runs == 0:
            _gc_saved = gc.get_threshold()
            if _gc_saved[0]:
                gc.set_threshold(max(_gc_saved[0], 10_000), *_gc_saved[1:])
        _gc_runs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs -= 1
            if _gc_runs == 0:
                gc.set_threshold(*_gc_saved)
