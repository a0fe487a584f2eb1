"""Files for ``hawkeye analyse``, loaded on L2 in adaptive batches while the run goes on.

There is no stage barrier between reading the files and judging them: a
:class:`~hawkeye_core.concurrency.batch.BatchProcessor` on the L2 (``BATCH``)
pool loads the files a batch at a time, and each batch's inventories reach
the L4 analysers as soon as it completes. Its batch size shrinks while the
resource monitor asks for throttling and grows while the pool keeps up; at
most a few batches are in flight. A file that cannot be read is an error of
its own (one line naming it) and the others are analysed; a batch that fails
as a whole is reported for each of its files, and loses no other batch.

The loading is driven from one core thread (``HawkEye-Intake``), which hands
results to the runner's queue and waits while too many inventories are
waiting for an analyser, so ten thousand files never sit in memory at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from hawkeye_core.concurrency.batch import Backpressure, BatchProcessor
from hawkeye_core.offline import OfflineFileError, load_file
from hawkeye_core.records import ServerInventory

__all__ = ["FileIntake", "Loaded"]

log = logging.getLogger("hawkeye.intake")

#: Most batches loading at once.
MAX_BATCHES_IN_FLIGHT = 4
#: Most inventories handed to the runner and not yet submitted to an analyser.
MAX_WAITING = 512
_POLL = 0.1  # seconds between looks at the run's stop flag while waiting


@attrs.frozen
class Loaded:
    """One file's outcome: its inventories, or the one-line reason it could not be read."""

    path: str
    inventories: tuple[ServerInventory, ...] = ()
    error: str | None = None


class FileIntake:
    """Load ``paths`` on ``executor`` in batches, handing each :class:`Loaded` to ``hand``.

    ``hand(batch, credits)`` receives a tuple of ``Loaded`` per completed
    batch, on the intake thread; ``done()`` is called once at the end, however
    it ended. The receiver calls ``submitted()`` once for each of the
    ``credits`` (one per inventory, at most ``MAX_WAITING``) when it has passed
    that inventory on, which lets more files load.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        executor: Any,
        hand: Callable[[tuple[Loaded, ...], int], None],
        done: Callable[[], None],
        should_throttle: Callable[[], bool],
        cancelled: threading.Event,
        load: Callable[[Path], list[ServerInventory]] = load_file,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self._hand = hand
        self._done = done
        self._cancelled = cancelled
        self._stop = threading.Event()
        self._load = load
        self._waiting = Backpressure(MAX_WAITING)
        self.processor: BatchProcessor[Path, tuple[Loaded, ...]] = BatchProcessor(
            executor,
            batch_size=4,
            min_batch_size=1,
            max_batch_size=256,
            max_in_flight=MAX_BATCHES_IN_FLIGHT,
            should_throttle=should_throttle,
        )
        self._thread = threading.Thread(target=self._run, name="HawkEye-Intake", daemon=True)

    def start(self) -> None:
        """Start loading (returns at once)."""
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop loading (however the run ended) and wait up to ``timeout`` for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _stopped(self) -> bool:
        return self._stop.is_set() or self._cancelled.is_set()

    def submitted(self, n: int = 1) -> None:
        """``n`` handed inventories have gone to the analysers: room for more."""
        for _ in range(n):
            self._waiting.release()

    def _run(self) -> None:
        try:
            for result in self.processor.process(self.paths, self._load_batch):
                if self._stopped():
                    return
                loaded = result.result
                if loaded is None:  # the batch raised as a whole: each file says so
                    why = f"{type(result.error).__name__}: {result.error}"
                    loaded = tuple(Loaded(str(p), error=f"{p}: {why}"[:500]) for p in result.items)
                credits = min(MAX_WAITING, sum(len(one.inventories) for one in loaded))
                for _ in range(credits):
                    while not self._waiting.acquire(timeout=_POLL):
                        if self._stopped():
                            return
                self._hand(loaded, credits)
        except Exception as exc:  # the level's pool shut down under it: the run is over
            if not self._stopped():
                raise
            log.debug("intake stopped: %s", exc)
        finally:
            self._done()

    def _load_batch(self, paths: list[Path]) -> tuple[Loaded, ...]:
        out = []
        for path in paths:
            if self._stopped():
                break
            try:
                out.append(Loaded(str(path), inventories=tuple(self._load(path))))
            except OfflineFileError as exc:
                out.append(Loaded(str(path), error=str(exc)))
            except Exception as exc:  # one file's failure is that file's, not its batch's
                why = f"{type(exc).__name__}: {exc}"
                out.append(Loaded(str(path), error=f"{path}: {why}"[:500]))
        return tuple(out)
