"""The store's tables, and the migrations that bring any older file up to date.

The schema version lives in SQLite's ``user_version``; ``application_id``
marks the file as HawkEye's, so a foreign SQLite file is refused rather than
written into. Migration ``n`` takes a file from version ``n - 1`` to ``n``;
each runs in one write transaction that re-reads the version first, so two
processes opening an old file at once migrate it once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "SchemaError", "migrate"]

#: ``PRAGMA application_id`` of a HawkEye store: "HwkE".
APPLICATION_ID = 0x48776B45

_V1 = (
    """CREATE TABLE scans (
        id TEXT PRIMARY KEY,
        started REAL NOT NULL,
        finished REAL NOT NULL,
        targets TEXT NOT NULL,            -- JSON list, as the user gave them
        interrupted INTEGER NOT NULL,
        hawkeye_version TEXT NOT NULL,
        servers INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        codec TEXT NOT NULL,              -- how ``result`` is encoded
        result BLOB NOT NULL,             -- the whole ScanResult
        saved REAL NOT NULL
    )""",
    "CREATE INDEX scans_by_start ON scans (started DESC, id)",
    """CREATE TABLE servers (
        scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        transport TEXT NOT NULL,
        location TEXT NOT NULL,           -- URL or command line
        name TEXT NOT NULL,
        found_in TEXT NOT NULL,
        server_name TEXT,
        server_version TEXT,
        protocol_version TEXT,
        tools INTEGER,                    -- NULL: not inventoried
        prompts INTEGER,
        resources INTEGER,
        PRIMARY KEY (scan_id, key)
    )""",
    "CREATE INDEX servers_by_key ON servers (key)",
    """CREATE TABLE findings (
        scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        rule_id TEXT NOT NULL,
        severity INTEGER NOT NULL,        -- Severity value, 0 (info) to 4 (critical)
        confidence REAL NOT NULL,
        title TEXT NOT NULL,
        server TEXT NOT NULL,
        tool TEXT,
        prompt TEXT,
        resource TEXT,
        file TEXT,
        evidence TEXT NOT NULL,
        plugin TEXT NOT NULL,
        suppressed TEXT,                  -- the reason, for an accepted finding
        PRIMARY KEY (scan_id, seq)
    )""",
    "CREATE INDEX findings_by_rule ON findings (rule_id, severity)",
    """CREATE TABLE signatures (
        scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        server TEXT NOT NULL,
        kind TEXT NOT NULL,
        item TEXT NOT NULL,
        signature TEXT NOT NULL,
        PRIMARY KEY (scan_id, server, kind, item)
    )""",
    "CREATE INDEX signatures_by_item ON signatures (server, kind, item)",
    """CREATE TABLE pins (
        server TEXT NOT NULL,
        kind TEXT NOT NULL,
        item TEXT NOT NULL,
        status TEXT NOT NULL,             -- pinned, changed, added, removed
        approved_signature TEXT,          -- NULL: never approved (added)
        approved_definition TEXT,
        current_signature TEXT,           -- NULL: gone from its server (removed)
        current_definition TEXT,
        first_seen TEXT NOT NULL,         -- scan ids
        last_seen TEXT NOT NULL,
        approved_at REAL,
        changed_at REAL,
        PRIMARY KEY (server, kind, item)
    )""",
    "CREATE INDEX pins_by_status ON pins (status)",
)

#: Statements of each migration, by the version it produces.
MIGRATIONS: Mapping[int, Sequence[str]] = {1: _V1}

#: The version this HawkEye writes.
SCHEMA_VERSION = max(MIGRATIONS)


class SchemaError(Exception):
    """The file is not a HawkEye store this version can use; the message says why."""


def _version(conn: sqlite3.Connection) -> tuple[int, int]:
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return int(app), int(version)


def check(conn: sqlite3.Connection, migrations: Mapping[int, Sequence[str]] = MIGRATIONS) -> int:
    """Raise :class:`SchemaError` unless the file is empty or a usable HawkEye store.

    Returns the file's schema version (0 for an empty file).
    """
    app, version = _version(conn)
    latest = max(migrations)
    if app == 0 and version == 0:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 4"
            )
        ]
        if tables:
            raise SchemaError(
                f"not a HawkEye database: it is another program's SQLite file "
                f"(tables {', '.join(tables)})"
            )
        return 0
    if app != APPLICATION_ID:
        raise SchemaError(f"not a HawkEye database (SQLite application id {app:#x})")
    if version > latest:
        raise SchemaError(
            f"made by a newer HawkEye (schema version {version}; this one reads up to {latest})"
        )
    return version


def migrate(conn: sqlite3.Connection, migrations: Mapping[int, Sequence[str]] = MIGRATIONS) -> int:
    """Bring the file up to the latest version; return the version it had.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    before = check(conn, migrations)
    latest = max(migrations)
    if before == latest:
        return before
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = check(conn, migrations)  # another process may have done it meanwhile
        for version in range(current + 1, latest + 1):
            for statement in migrations[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return before
