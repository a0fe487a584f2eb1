"""The scan history: one SQLite file of scans, servers, findings, signatures and pins.

A :class:`Store` may be used from several threads: each thread gets its own
connection, writes are short ``BEGIN IMMEDIATE`` transactions taken under the
store's :class:`~hawkeye_core.concurrency.locks.OrderedLocks` (one lock per
table group, always in one order), and reads see a consistent snapshot
through SQLite's write-ahead log. Other processes are waited for up to
``timeout`` seconds (``busy_timeout``).

The file holds inventories and evidence, so its folder is created ``0700``
and the file ``0600``. Every failure is a :class:`StoreError` whose message is
one line naming the file.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from hawkeye_core.concurrency.locks import LockTimeoutError, OrderedLocks
from hawkeye_core.records import Severity
from hawkeye_core.result import ScanResult
from hawkeye_core.store import rows
from hawkeye_core.store.codec import CODEC, CodecError, decode_result, encode_result
from hawkeye_core.store.pins import Pin, approve_pins, record_observations, select_pins
from hawkeye_core.store.schema import SchemaError, migrate
from hawkeye_core.store.summary import ScanSummary

__all__ = ["Store", "StoreError"]

log = logging.getLogger("hawkeye.store")

#: Names of the store's locks: scans (with their servers, findings and
#: signatures) and pins. A write that touches both takes both, in order.
SCANS, PINS = "store:scans", "store:pins"


class StoreError(Exception):
    """The store cannot do what was asked; the message is one line naming the file."""


class Store:
    """The scan history in the SQLite file at ``path``.

    ``create=False`` refuses a file that does not exist yet. Use it as a
    context manager, or call :meth:`close`.

    >>> with Store(tmp / "hawkeye.db") as store:          # doctest: +SKIP
    ...     store.save_scan(result)
    ...     [s.id for s in store.list_scans(limit=5)]
    """

    def __init__(self, path: Path, *, create: bool = True, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.locks = OrderedLocks()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        try:
            with self._errors("cannot open the history"):
                self._prepare(create)
                conn = self._connection()
                migrate(conn)
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                if os.name == "posix" and stat.S_IMODE(self.path.stat().st_mode) & 0o077:
                    log.warning("%s is readable by other users; chmod 600 it", self.path)
        except BaseException:
            self.close()
            raise

    # -- lifetime ----------------------------------------------------------------
    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        with self._connections_lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.close()
            except sqlite3.Error as exc:  # closing must not hide the caller's own error
                log.debug("closing %s: %s", self.path, exc)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- scans -------------------------------------------------------------------
    def save_scan(self, result: ScanResult) -> None:
        """Save ``result`` (replacing a scan with its id) and update the pins with it."""
        with self._errors(f"cannot save scan {result.scan_id[:12]}"):
            blob = encode_result(result)  # outside the locks: it is the slow part
            now = time.time()
            with self._write(SCANS, PINS) as conn:
                conn.execute("DELETE FROM scans WHERE id = ?", (result.scan_id,))
                conn.execute(
                    "INSERT INTO scans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        result.scan_id,
                        result.started,
                        result.finished,
                        json.dumps(list(result.targets)),
                        int(result.interrupted),
                        result.hawkeye_version,
                        len(result.servers),
                        len(result.errors),
                        CODEC,
                        blob,
                        now,
                    ),
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO servers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows.server_rows(result),
                )
                conn.executemany(
                    "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows.finding_rows(result),
                )
                record_observations(conn, result, now)

    def load_scan(self, ref: str) -> ScanResult:
        """The scan ``ref`` names (an id, a unique prefix, ``latest`` or ``latest~N``)."""
        scan_id = self.resolve(ref)
        with self._errors(f"cannot read scan {scan_id[:12]}"):
            row = (
                self._connection()
                .execute("SELECT codec, result FROM scans WHERE id = ?", (scan_id,))
                .fetchone()
            )
            if row is None:
                raise StoreError(f"no scan {scan_id!r} in the history")
            if row[0] != CODEC:
                raise StoreError(f"scan {scan_id[:12]} is stored as {row[0]!r}, unknown here")
            return decode_result(bytes(row[1]))

    def resolve(self, ref: str) -> str:
        """The full id of the scan ``ref`` names; unknown or ambiguous is a StoreError.

        ``ref`` is an id, a unique prefix of one, ``latest`` (the newest scan)
        or ``latest~N`` (the Nth before it).
        """
        ref = ref.strip()
        with self._errors("cannot look up a scan"):
            conn = self._connection()
            if ref == "latest" or ref.startswith("latest~"):
                back = ref.partition("~")[2] or "0"
                if not back.isdigit():
                    raise StoreError(f"latest~N takes a whole number, not {ref!r}")
                row = conn.execute(
                    "SELECT id FROM scans ORDER BY started DESC, id LIMIT 1 OFFSET ?",
                    (int(back),),
                ).fetchone()
                if row is None:
                    raise StoreError(f"no scan {ref!r}: the history holds fewer scans")
                return str(row[0])
            if not ref:
                raise StoreError("a scan id must not be empty")
            if conn.execute("SELECT 1 FROM scans WHERE id = ?", (ref,)).fetchone():
                return ref
            found = [
                str(r[0])
                for r in conn.execute(
                    "SELECT id FROM scans WHERE substr(id, 1, ?) = ? "
                    "ORDER BY started DESC, id LIMIT 6",
                    (len(ref), ref),
                )
            ]
        if not found:
            raise StoreError(f"no scan {ref!r} in the history (see `hawkeye history`)")
        if len(found) > 1:
            shown = ", ".join(s[:12] for s in found[:5]) + (", ..." if len(found) > 5 else "")
            raise StoreError(f"scan id {ref!r} is ambiguous: it starts {shown}")
        return found[0]

    def list_scans(self, limit: int | None = None) -> list[ScanSummary]:
        """Scans, newest first (at most ``limit``)."""
        with self._errors("cannot list the history"):
            conn = self._connection()
            scans = conn.execute(
                "SELECT id, started, finished, targets, interrupted, hawkeye_version, servers, "
                "errors FROM scans ORDER BY started DESC, id LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
            counts: dict[str, dict[str, int]] = {}
            suppressed: dict[str, int] = {}
            ids = [row[0] for row in scans]
            for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
                for scan_id, severity, accepted, n in conn.execute(
                    "SELECT scan_id, severity, suppressed IS NOT NULL, count(*) FROM findings "
                    f"WHERE scan_id IN ({', '.join('?' * len(chunk))}) GROUP BY 1, 2, 3",
                    chunk,
                ):
                    if accepted:
                        suppressed[scan_id] = suppressed.get(scan_id, 0) + n
                    else:
                        counts.setdefault(scan_id, {})[str(Severity(severity))] = n
        return [
            ScanSummary(
                id=row[0],
                started=row[1],
                finished=row[2],
                targets=json.loads(row[3]),
                interrupted=bool(row[4]),
                hawkeye_version=row[5],
                servers=row[6],
                errors=row[7],
                findings=counts.get(row[0], {}),
                suppressed=suppressed.get(row[0], 0),
            )
            for row in scans
        ]

    def delete(self, scan_id: str) -> bool:
        """Delete the scan ``scan_id`` (a full id); whether there was one. Pins stay."""
        with self._errors(f"cannot delete scan {scan_id[:12]}"), self._write(SCANS) as conn:
            return conn.execute("DELETE FROM scans WHERE id = ?", (scan_id,)).rowcount > 0

    # -- pins --------------------------------------------------------------------
    def pins(
        self, *, servers: Iterable[str] | None = None, statuses: Iterable[str] | None = None
    ) -> list[Pin]:
        """Pins of ``servers`` (default all) with a status in ``statuses`` (default any)."""
        with self._errors("cannot read the pins"):
            return select_pins(self._connection(), servers=servers, statuses=statuses)

    def approve(self, pins: Iterable[Pin]) -> int:
        """Approve ``pins`` as they are now (see :func:`approve_pins`); return how many."""
        with self._errors("cannot approve pins"), self._write(PINS) as conn:
            return approve_pins(conn, pins, time.time())

    # -- plumbing ----------------------------------------------------------------
    def _prepare(self, create: bool) -> None:
        path = self.path
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file")
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no history yet (no such file)")
            folder = path.parent
            if not folder.exists():
                folder.mkdir(parents=True, mode=0o700)
                os.chmod(folder, 0o700)  # whatever the umask: it holds inventories
            try:
                os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
                os.chmod(path, 0o600)
            except FileExistsError:
                pass  # another process made it first

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and not self._closed:
            return conn
        with self._connections_lock:
            if self._closed:
                raise StoreError(f"{self.path}: the store is closed")
            # check_same_thread=False only so that close() may close it from
            # another thread; each connection is used by its own thread.
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            self._connections.append(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fsync at checkpoints
        self._local.conn = conn
        return conn

    @contextmanager
    def _write(self, *tables: str) -> Iterator[sqlite3.Connection]:
        """One short write transaction, under the named locks of this store."""
        conn = self._connection()
        with self.locks.acquire(*tables, timeout=self.timeout):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn whatever a store operation raises into one StoreError line."""
        try:
            yield
        except StoreError:
            raise
        except SchemaError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {doing}: {_explain(exc)}") from None
        except (sqlite3.Error, CodecError, LockTimeoutError, OSError) as exc:
            raise StoreError(f"{self.path}: {doing}: {exc}") from None


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text:
        return "not a HawkEye database (not an SQLite file)"
    if "malformed" in text or "corrupt" in text:
        return f"the database is damaged ({text}); move it aside to start a new history"
    if "locked" in text or "busy" in text:
        return f"{text} (another HawkEye is writing to it)"
    return text
