"""The scan history: SQLite storage of scans, and the pins that catch rug pulls.

See ``docs/history.md``. The pieces:

- :class:`Store` (``store.py``): open, save, load, list, delete scans; read and
  approve pins. Thread-safe; errors are one-line :class:`StoreError`.
- ``schema.py``: the tables and their ``user_version`` migrations.
- ``codec.py``: a :class:`~hawkeye_core.result.ScanResult` to bytes and back, exactly.
- ``pins.py``: canonical signatures of tools, prompts, resources, ... and the pin table.
- ``lockfile.py``: the pins lockfile (export, verify).
- ``diff.py``: what changed between two scans.
"""

from hawkeye_core.store.codec import CodecError, decode_result, encode_result
from hawkeye_core.store.diff import FindingChange, ItemChange, ScanDiff, ServerChange, diff_scans
from hawkeye_core.store.lockfile import (
    LockfileError,
    compare_lock,
    dump_lock,
    lock_data,
    lock_pins,
    read_lock,
)
from hawkeye_core.store.paths import default_db_path
from hawkeye_core.store.pins import (
    KINDS,
    Item,
    Pin,
    canonical_json,
    db_text,
    inventory_items,
    server_id,
    signature_of,
    unique_inventories,
)
from hawkeye_core.store.store import Store, StoreError
from hawkeye_core.store.summary import ScanSummary
from hawkeye_core.store.textdiff import readable_diff

__all__ = [
    "KINDS",
    "CodecError",
    "FindingChange",
    "Item",
    "ItemChange",
    "LockfileError",
    "Pin",
    "ScanDiff",
    "ScanSummary",
    "ServerChange",
    "Store",
    "StoreError",
    "canonical_json",
    "compare_lock",
    "db_text",
    "decode_result",
    "default_db_path",
    "diff_scans",
    "dump_lock",
    "encode_result",
    "inventory_items",
    "lock_data",
    "lock_pins",
    "read_lock",
    "readable_diff",
    "server_id",
    "signature_of",
    "unique_inventories",
]
