"""The one way to open the ward database: pragmas set and read back (R2), the schema brought up to date.

The store's layers, lowest first: `errors` (what went wrong, in words), `transaction` (how writes take the
lock and keep the WAL bounded), `schema`, `migrations`, then this module, which opens a file with all of
them. Its names from the lower modules are re-exported, so callers open, write and classify through one
import.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from bedside.clock import Clock
from bedside.store.errors import (
    StorageConfigError,
    StorageError,
    StorageProblem,
    StorageVersionError,
    WriteLockTimeout,
    classify,
    storage_error,
    writable,
)
from bedside.store.migrations import SCHEMA_VERSION, check_version, pending
from bedside.store.migrations import migrate as apply_migrations
from bedside.store.permissions import prepare_private_file
from bedside.store.schema import check_schema
from bedside.store.transaction import (
    BUSY_TIMEOUT_MS,
    WAL_CHECKPOINT_BYTES,
    WAL_SAFETY_PAGES,
    LockWait,
    WalBound,
    WardConnection,
    checkpoint,
    defer_checkpoints,
    transaction,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "WAL_CHECKPOINT_BYTES",
    "WAL_SAFETY_PAGES",
    "LockWait",
    "StorageConfigError",
    "StorageError",
    "StorageProblem",
    "StorageVersionError",
    "WriteLockTimeout",
    "check_configuration",
    "checkpoint",
    "classify",
    "defer_checkpoints",
    "open_database",
    "open_read_only",
    "storage_error",
    "transaction",
]


# The page cache of a ward connection, in KiB (SQLite's default is 2 MiB).
CACHE_KIB = 32 * 1024


def open_database(
    path: str | os.PathLike[str],
    *,
    create: bool = True,
    migrate: bool = True,
    clock: Clock | None = None,
    lock_wait: LockWait | None = None,
) -> Database:
    """Open `path` with the required pragmas, check them, and bring the schema up to date.

    A file with pending migrations is first copied beside itself (`<name>.pre-migration-<time>.db`).
    `migrate=False` opens without touching the schema (for tools and the migration tests). Whatever
    the environment refuses is raised as a `StorageError` naming the file and its `StorageProblem`.
    `lock_wait` says how long a write waits for another program's write lock (default: 30 s in all).
    """
    path = Path(path)
    if str(path) != ":memory:" and path.is_dir():
        raise StorageError(f"{path} is a folder", problem=StorageProblem.NOT_A_FILE, path=path)
    if not create and not path.exists():
        raise StorageError(f"no database at {path}", problem=StorageProblem.MISSING, path=path)
    try:
        prepare_private_file(path)  # patient data: owner-only, and so its WAL and SHM
    except OSError as err:
        raise storage_error(err, path) from err
    try:
        # isolation_level=None: the driver never opens a transaction by itself; we say BEGIN IMMEDIATE.
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, factory=WardConnection
        )
    except sqlite3.Error as err:
        raise storage_error(err, path) from err
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # A page cache large enough for one received sync batch (20,000 records, their indexes and
        # projections): a transaction that outgrows the cache spills pages to the WAL before its
        # commit, which doubles the cost of every insert after it. Pages are taken only as used.
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        conn.lock_wait = lock_wait or LockWait()
        if str(path) != ":memory:":
            # R5: the file is cut back to this size when SQLite starts the WAL again (see WalBound).
            conn.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_BYTES}")
            conn.wal_bound = WalBound(path.with_name(path.name + "-wal"), WAL_CHECKPOINT_BYTES)
        db = Database(conn, execute_plugins=False)
        check_configuration(db)
        if migrate:
            apply_migrations(db, clock=clock)
            check_schema(db)
    except (sqlite3.Error, OSError, UnicodeDecodeError, StorageError) as err:
        conn.close()
        raise storage_error(err, path) from err
    except BaseException:
        conn.close()
        raise
    return db


def open_read_only(path: str | os.PathLike[str]) -> Database:
    """Open an existing ward database for reading only: it is never created, migrated or written.

    SQLite's `mode=ro` refuses every write on the connection. A file on a read-only location, where
    SQLite cannot make the WAL's shared-memory file, is read as `immutable` if no WAL file lies beside
    it (nothing can change such a file while it is read). An empty file, a file with no ward, or one
    whose schema is older or newer than this Bedside's is refused with a `StorageError`.
    """
    path = Path(path)
    if path.is_dir():
        raise StorageError(f"{path} is a folder", problem=StorageProblem.NOT_A_FILE, path=path)
    if not path.exists():
        raise StorageError(f"no database at {path}", problem=StorageProblem.MISSING, path=path)
    if path.stat().st_size == 0:
        raise StorageError("an empty file", problem=StorageProblem.NOT_A_WARD, path=path)
    uri = "file:" + quote(str(path.resolve()))
    try:
        conn = _connect_read_only(uri + "?mode=ro")
    except sqlite3.OperationalError as err:
        wal = path.with_name(path.name + "-wal")
        if classify(err) is not StorageProblem.IO_ERROR or writable(path.parent) or wal.exists():
            raise storage_error(err, path) from err
        try:
            conn = _connect_read_only(uri + "?mode=ro&immutable=1")
        except sqlite3.Error as again:
            raise storage_error(again, path) from again
    except sqlite3.Error as err:
        raise storage_error(err, path) from err
    try:
        db = Database(conn, execute_plugins=False)
        _check_readable_ward(db)
    except (sqlite3.Error, OSError, StorageError) as err:
        conn.close()
        raise storage_error(err, path) from err
    except BaseException:
        conn.close()
        raise
    return db


def _connect_read_only(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only=ON")
        conn.execute(
            "SELECT count(*) FROM sqlite_master"
        ).fetchone()  # reads the header: NOTADB here
    except BaseException:
        conn.close()
        raise
    return conn


def _check_readable_ward(db: Database) -> None:
    if not db.table_names():
        raise StorageError("it holds no ward", problem=StorageProblem.NOT_A_WARD)
    check_version(db)
    if pending(db):
        user_version = db.conn.execute("PRAGMA user_version").fetchone()[0]
        raise StorageVersionError(
            f"its schema is version {user_version}, this Bedside reads version {SCHEMA_VERSION}",
            problem=StorageProblem.OUTDATED,
        )
    check_schema(db)


def check_configuration(db: Database) -> None:
    """Read every required pragma back; raise StorageConfigError naming the first one that is wrong."""
    conn = db.conn
    journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(journal_mode).lower() != "wal":
        raise StorageConfigError("journal_mode", journal_mode, "'wal'")
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    if synchronous != 2:
        raise StorageConfigError("synchronous", synchronous, "2 (FULL)")
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    if foreign_keys != 1:
        raise StorageConfigError("foreign_keys", foreign_keys, "1 (ON)")
    busy_timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    if busy_timeout < BUSY_TIMEOUT_MS:
        raise StorageConfigError("busy_timeout", busy_timeout, f"at least {BUSY_TIMEOUT_MS} ms")
    if conn.isolation_level is not None:
        raise StorageConfigError("isolation_level", conn.isolation_level, "None (explicit BEGIN)")
