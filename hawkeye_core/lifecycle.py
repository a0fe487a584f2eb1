"""Lifecycle hook calls and stop signals for a run, on the runner's thread."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from hawkeye_core.manager import PluginManager, _error_line

__all__ = ["call_lifecycle_hook", "stop_signals"]

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
